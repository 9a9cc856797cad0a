"""The scan: discover -> extract (parallel, cached) -> graph -> rules -> suppressions -> Report."""
from __future__ import annotations

import fnmatch
import gc
import itertools
import marshal
import os
import re
import signal
import sys
import threading
import time
import traceback
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Set, Tuple

from debtscan.cache import FactsCache, cache_folder_problem, content_digest, dumps, make_decoder
from debtscan.config import Config, ConfigError, line_of
from debtscan.discover import discover
from debtscan.facts.model import FileFacts
from debtscan.project.graph import Project, build_project, module_name_for
from debtscan.knowledge import Knowledge, load_knowledge
from debtscan.liveness import split_live
from debtscan.metrics.base import compute_metrics
from debtscan.report.model import Finding, Report, ScanError, assign_fingerprints
from debtscan.rules.base import Rule, RuleContext, rule_options
from debtscan.rules.meta import UnusedSuppression
from debtscan.rules.registry import rules_for, selected
from debtscan.rules.selectors import (SelectorError, canonical, check_selectors, first_match as names_rule,
                                      rules_matching, suggestion, unknown)
from debtscan.rules.stdout_guard import stdout_to_stderr
from debtscan.scope import in_scope
from debtscan.safefile import check_not_scanned
from debtscan.source import SourceError, read_source
from debtscan.trust import relative_cache_note

ProgressCallback = Callable[[int, int], None]


@dataclass
class ScanOptions:
    """What to scan and how."""

    root: Path
    paths: Sequence[Path] = ()
    config: Config = field(default_factory=Config)
    jobs: int = 0
    use_cache: bool = True
    select: Sequence[str] = ()
    ignore: Sequence[str] = ()
    only_paths: Optional[Set[str]] = None  # report findings only in these files or folders (root-relative)
    progress: Optional[ProgressCallback] = None
    extend_select: Sequence[str] = ()
    # files this run will write (-o): refused, before any file is analysed, if one is a scanned source file
    outputs: Sequence[Path] = ()
    # Given the facts cache a scan would use, the one to use instead (history keeps one for all its commits).
    cache_factory: Optional[Callable[[FactsCache], FactsCache]] = None


@dataclass(frozen=True)
class FileTask:
    """One file to extract: where it is and what module it is."""

    path: str
    module: str
    is_package: bool


def knowledge_for(config: Config) -> Knowledge:
    try:
        return load_knowledge(config.io, config.knowledge)
    except ConfigError as exc:  # a bad [tool.debtscan.knowledge] table: name the file
        raise ConfigError(f"{config.path or 'configuration'}: {exc}") from None


# Machine-generated Python (genetic-programming output, generated models, minified dumps) can take libcst
# seconds and gigabytes per file: one 43 kB line of nested calls takes it 4 s and 460 MB, a 0.5 MB file of
# them over 3 GB, and the parse cannot be interrupted. Before parsing, a file with a line longer than
# LONG_LINE characters holding more than MAX_LINE_BRACKETS opening brackets, or brackets nested deeper than
# MAX_NESTING, is skipped with a note in `errors` (checked only when some line is that long; hand-written code
# never comes near; flat data such as a long list of numbers is still parsed) ...
LONG_LINE = 2_000
MAX_LINE_BRACKETS = 400
MAX_NESTING = 100

# ... and, as a backstop, a file whose analysis takes longer than this many seconds is abandoned.
FILE_TIMEOUT = float(os.environ.get("DEBTSCAN_FILE_TIMEOUT", "60"))
_OPENERS = {"(": 1, "[": 1, "{": 1, ")": -1, "]": -1, "}": -1}


class FileTimeout(Exception):
    """Raised (by a timer signal) when one file's analysis exceeds :data:`FILE_TIMEOUT`."""


def generated_code_reason(text: str) -> Optional[str]:
    """Why a file looks machine-generated beyond what can be analysed in bounded time, or None."""
    if len(text) <= LONG_LINE:
        return None
    lines = text.split("\n")
    if max(map(len, lines)) <= LONG_LINE:
        return None
    for number, line in enumerate(lines, start=1):
        if len(line) <= LONG_LINE:
            continue
        brackets = line.count("(") + line.count("[") + line.count("{")
        if brackets > MAX_LINE_BRACKETS:
            return (f"machine-generated code: {brackets} brackets on line {number} ({len(line)} characters; "
                    f"limit {MAX_LINE_BRACKETS}): skipped")
        depth = deepest = 0
        for char in line:
            step = _OPENERS.get(char)
            if step:
                depth += step
                if depth > deepest:
                    deepest = depth
        if deepest > MAX_NESTING:
            return (f"machine-generated code: brackets nested {deepest} deep on line {number} "
                    f"(limit {MAX_NESTING}): skipped")
    return None


def _on_alarm(signum, frame):  # noqa: ARG001 - signal handler signature
    raise FileTimeout()


class _Deadline:
    """Abandon one file's analysis after ``seconds`` (a SIGALRM timer; only in a main thread on POSIX)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.active = False

    def __enter__(self):
        if (self.seconds > 0 and hasattr(signal, "setitimer")
                and threading.current_thread() is threading.main_thread()):
            self.previous = signal.signal(signal.SIGALRM, _on_alarm)
            signal.setitimer(signal.ITIMER_REAL, self.seconds)
            self.active = True
        return self

    def __exit__(self, *exc_info):
        if self.active:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self.previous)
        return False


def extract_file(root: str, task: FileTask, knowledge: Knowledge, max_size: int,
                 data: Optional[bytes] = None) -> FileFacts:
    """Facts of one file; any failure becomes ``FileFacts.error`` with a clear reason, never an exception."""
    import libcst as cst  # imported when a file is parsed: a warm scan never loads libcst

    try:
        if data is None:
            with open(os.path.join(root, task.path), "rb") as handle:
                data = handle.read(read_limit(task.path, max_size) + 1)
        if len(data) > read_limit(task.path, max_size):
            raise SourceError(f"file larger than max-file-size ({read_limit(task.path, max_size)} bytes): skipped")
        source = read_source(task.path, data)
        if source.notebook and len(source.text) > max_size:
            raise SourceError(f"notebook code larger than max-file-size ({max_size} bytes): skipped")
        reason = generated_code_reason(source.text)
        if reason:
            raise SourceError(reason)
        with _Deadline(FILE_TIMEOUT), _recursion_budget():
            module = cst.parse_module(source.text)
            return _extractor()(module, path=task.path, module_name=task.module, is_package=task.is_package,
                           text=source.text, knowledge=knowledge, cells=source.cells, notebook=source.notebook)
    except SourceError as exc:
        reason = str(exc)
    except FileTimeout:
        reason = f"analysis took longer than {FILE_TIMEOUT:g} s (machine-generated code?): skipped"
    except cst.ParserSyntaxError as exc:
        reason = syntax_error_reason(source, exc)
    except RecursionError:
        reason = "too deeply nested to analyse (recursion limit): skipped"
    except MemoryError:
        reason = "out of memory while analysing: skipped"
    except OSError as exc:
        reason = f"cannot read: {exc.strerror or exc}"
    except Exception as exc:  # noqa: BLE001 - one odd file must not stop the scan
        reason = f"{INTERNAL_ERROR} while analysing {task.path}: {type(exc).__name__}: {exc}"
        if os.environ.get("DEBTSCAN_DEBUG"):
            traceback.print_exc()
    return FileFacts(path=task.path, module=task.module, is_package=task.is_package,
                     notebook=task.path.endswith(".ipynb"), error=reason)


# The message of a failure that is debtscan's own bug (not the file's): the CLI exits 2 when one occurs.
INTERNAL_ERROR = "internal error"
# Python frames allowed for parsing and extracting one file, above the caller's depth: the same in the main
# process and in a worker, so that whether a deeply nested file is analysed never depends on --jobs.
RECURSION_BUDGET = 3000


class _recursion_budget:
    """Set the recursion limit to the current depth plus :data:`RECURSION_BUDGET` for one file."""

    def __enter__(self):
        self.previous = sys.getrecursionlimit()
        depth, frame = 0, sys._getframe()
        while frame is not None:
            depth, frame = depth + 1, frame.f_back
        sys.setrecursionlimit(depth + RECURSION_BUDGET)
        return self

    def __exit__(self, *exc_info):
        sys.setrecursionlimit(self.previous)
        return False


class InternalError(Exception):
    """A debtscan bug outside any one file's extraction; the message names the stage and, if found, the file."""


def _culprit(facts: Dict[str, FileFacts], root: Path, config: Config, limit: int = 2000) -> str:
    """`` from the facts of PATH`` for the first file whose facts alone make the graph fail to build, or ``""``
    (only run after a failure: one small build per file)."""
    def fails(subset) -> bool:
        try:
            build_project(subset, root=root, config=config)
        except Exception:  # noqa: BLE001
            return True
        return False

    if fails({}):
        return ""
    for path in sorted(facts)[:limit]:
        if fails({path: facts[path]}):
            return f" from the facts of {path}"
    return ""


def syntax_error_reason(source, exc) -> str:
    """A located, readable reason for a file libcst cannot parse: CPython's own message where it has one
    (``compile`` to an AST only: nothing is executed), e.g. "Missing parentheses in call to 'print'" for
    Python 2; for a notebook, the cell and the line in it."""
    import ast
    import warnings

    line, column, message = exc.raw_line, exc.raw_column, exc.message
    match = re.match(r"(?:parser error: )?error at (\d+):(\d+): (.*)", message, re.S)
    if match:
        line, column, message = int(match.group(1)), int(match.group(2)), match.group(3)
    try:
        with warnings.catch_warnings():  # no "invalid escape sequence" noise about the scanned file
            warnings.simplefilter("ignore")
            compile(source.text, "<scanned file>", "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
    except SyntaxError as error:
        if error.lineno:
            line, column, message = error.lineno, max(0, (error.offset or 1) - 1), error.msg
    except (ValueError, RecursionError, MemoryError):
        pass
    def in_cell(number: int) -> Optional[str]:
        for span in source.cells:
            if span.start_line <= number < span.start_line + span.lines:
                return f"cell {span.index}, line {number - span.start_line + 1}"
        return None

    where = f"{in_cell(line) or f'line {line}'}, column {column}"
    if source.cells:  # "expected an indented block after 'if' statement on line 608": that line, in its cell
        message = re.sub(r"\bline (\d+)", lambda m: in_cell(int(m.group(1))) or m.group(0), message)
    message = " ".join(message.split())
    if len(message) > 160:
        message = message[:157] + "..."
    return f"syntax error at {where}: {message}"


_TRANSIENT = ("analysis took longer", "out of memory", "too deeply nested", "internal error", "cannot read")


def cacheable(facts: FileFacts) -> bool:
    """Facts, and errors that depend on the file's bytes alone (syntax, encoding, size), are cached;
    timeouts, memory and internal errors are retried by the next scan."""
    return not facts.error or not facts.error.startswith(_TRANSIENT)


def _extractor():
    """The single pass, :func:`debtscan.facts.extract.extract` (imported only when a file is parsed)."""
    from debtscan.facts import extract

    return extract.extract


# A notebook's size is mostly its outputs (plots as base64): max-file-size applies to its code, and the JSON
# may be this many times larger.
NOTEBOOK_SIZE_FACTOR = 25


def read_limit(path: str, max_size: int) -> int:
    """How many bytes of a file are read: max-file-size, or for a notebook NOTEBOOK_SIZE_FACTOR times it."""
    return max_size * NOTEBOOK_SIZE_FACTOR if path.endswith(".ipynb") else max_size


def _read(root: str, task: FileTask, max_size: int) -> bytes:
    with open(os.path.join(root, task.path), "rb") as handle:
        return handle.read(read_limit(task.path, max_size) + 1)


def _extract_encoded(root: str, task: FileTask, knowledge: Knowledge, max_size: int
                     ) -> Tuple[bytes, bytes, FileFacts]:
    """(digest of the bytes analysed, compact encoded facts, the facts)."""
    try:
        data: Optional[bytes] = _read(root, task, max_size)
    except OSError:
        data = None
    facts = extract_file(root, task, knowledge, max_size, data)
    digest = content_digest(data, task.path, task.module, task.is_package) if data is not None else b""
    return digest, dumps(facts), facts


def _init_worker(root: str, knowledge: Knowledge, max_size: int) -> None:
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 3000))
    gc.disable()  # young-generation passes only (_gc_tick); see collect_facts
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and stops the pool
    except (ValueError, OSError):
        pass


# The cyclic garbage collector is paused while extracting (see collect_facts); a young-generation pass every
# GC_EVERY files frees the few small cycles that do occur (``ast.literal_eval``'s closures, via libcst's
# ``evaluated_value``) at a cost proportional to the objects allocated since the last pass only.
GC_EVERY = 32
_GC_TICKS = [0]


def _gc_tick() -> None:
    _GC_TICKS[0] += 1
    if _GC_TICKS[0] % GC_EVERY == 0:
        gc.collect(0)


def cache_disabled_by_env() -> bool:
    """``DEBTSCAN_NO_CACHE=1`` (any value but empty, ``0``, ``false``, ``no``) turns the cache off."""
    return os.environ.get("DEBTSCAN_NO_CACHE", "").strip().lower() not in ("", "0", "false", "no")


def plan_tasks(files: Sequence[str]) -> List[FileTask]:
    package_dirs = {f.rsplit("/", 1)[0] if "/" in f else "" for f in files if f.endswith("/__init__.py")}
    tasks = []
    for path in files:
        module, is_package = module_name_for(path, sorted(package_dirs))
        tasks.append(FileTask(path, module, is_package))
    return tasks


def default_jobs() -> int:
    """One worker per core available to this process."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _mp_context():
    import multiprocessing

    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods and sys.platform != "darwin" else "spawn")


def _worker_main(root: str, knowledge: Knowledge, max_size: int, tasks: Sequence[FileTask], conn,
                 parent: int = 0, inherited: Sequence[int] = ()) -> None:
    """A worker process: receives task indices on its own pipe; says "start" before and sends the compact
    facts after each file (synchronously), so that the parent knows which file it was on if it dies.

    ``inherited`` are the parent's ends of every worker's pipe that a forked child holds copies of: closed
    first, so that the parent's death reaches each worker as end-of-file on its pipe. The worker also dies
    with its parent on a parent-death signal (Linux) and, everywhere, by a watchdog on its parent's pid."""
    for fd in inherited:
        try:
            os.close(fd)
        except OSError:
            pass
    die_with_parent(parent)
    _init_worker(root, knowledge, max_size)
    try:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the parent's handler: SIGTERM simply ends a worker
    except (ValueError, OSError):
        pass
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _INTERRUPTIONS)  # blocked around the fork
    try:
        while True:
            index = conn.recv()
            if index is None:
                break
            conn.send((index, None, None))
            _gc_tick()
            digest, blob, _ = _extract_encoded(root, tasks[index], knowledge, max_size)
            conn.send((index, digest, blob))
    except (EOFError, OSError):  # the parent is gone (its end of the pipe closed): nothing to report to
        os._exit(0)
    conn.close()


_INTERRUPTIONS = {signal.SIGINT, signal.SIGTERM}


def _block_interruptions():
    if hasattr(signal, "pthread_sigmask") and threading.current_thread() is threading.main_thread():
        return signal.pthread_sigmask(signal.SIG_BLOCK, _INTERRUPTIONS)
    return None


def _restore_signal_mask(previous) -> None:
    if previous is not None:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


PR_SET_PDEATHSIG = 1
WATCHDOG_INTERVAL = 0.5


def die_with_parent(parent: int) -> None:
    """End this (worker) process when ``parent`` ends: ``prctl(PR_SET_PDEATHSIG, SIGKILL)`` on Linux, and a
    daemon thread that exits the process once its parent's pid changes (the process was re-parented)."""
    if not parent:
        return
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # the parent died before the signal was armed
        os._exit(0)

    def watch() -> None:
        while True:
            time.sleep(WATCHDOG_INTERVAL)
            if os.getppid() != parent:
                os._exit(0)

    threading.Thread(target=watch, name="debtscan-parent-watchdog", daemon=True).start()


def _failed(task: FileTask, reason: str) -> bytes:
    return dumps(FileFacts(path=task.path, module=task.module, is_package=task.is_package,
                           notebook=task.path.endswith(".ipynb"), error=reason))


class _Worker:
    """One worker process, its pipe, the task indices sent to it and not yet done, and the one it is on."""

    PREFETCH = 2

    def __init__(self, context, root: str, knowledge: Knowledge, max_size: int, tasks: Sequence[FileTask],
                 siblings: Sequence["_Worker"] = ()):
        self.conn, child = context.Pipe(duplex=True)
        # a forked child inherits the parent's end of its own pipe and of every sibling's: it closes them
        inherited = ([w.conn.fileno() for w in siblings] + [self.conn.fileno()]
                     if context.get_start_method() == "fork" else [])
        self.process = context.Process(target=_worker_main, daemon=True,
                                       args=(root, knowledge, max_size, tasks, child, os.getpid(), inherited))
        # Ctrl-C / SIGTERM wait until the fork is done: raised inside fork's own handlers, the interruption
        # would be swallowed ("Exception ignored") and the scan would go on
        blocked = _block_interruptions()
        try:
            self.process.start()
        finally:
            _restore_signal_mask(blocked)
        child.close()
        self.assigned: List[int] = []
        self.current: Optional[int] = None
        self.since = 0.0

    def give(self, index: int) -> None:
        self.assigned.append(index)
        self.conn.send(index)

    def stop(self) -> None:
        try:
            self.conn.send(None)
        except OSError:
            pass

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)
        self.conn.close()


def _parallel(tasks: Sequence[FileTask], workers: int, root: str, knowledge: Knowledge, max_size: int):
    """Extract ``tasks`` in ``workers`` processes; yields (path, digest, compact facts) as files finish.

    A worker that dies on a file (libcst aborts, or the kernel kills it when memory runs out on a
    machine-generated file) or stalls in the parser beyond the time guard (the parse itself cannot be
    interrupted) is replaced; that file gets an error note and every other file is still analysed.
    """
    from multiprocessing.connection import wait

    context = _mp_context()
    queue = list(range(len(tasks) - 1, -1, -1))  # popped from the end: in order
    stall_limit = FILE_TIMEOUT + 30 if FILE_TIMEOUT > 0 else None
    pool: List[_Worker] = []
    remaining = len(tasks)

    def feed(worker: _Worker) -> None:
        while queue and len(worker.assigned) < _Worker.PREFETCH:
            worker.give(queue.pop())

    def replace(worker: _Worker, reason: str):
        """Retire a dead or stalled worker: its file in progress fails, its other tasks go back."""
        nonlocal remaining
        worker.kill()
        pool.remove(worker)
        culprit = worker.current
        for index in reversed(worker.assigned):
            if index != culprit:
                queue.append(index)
        if culprit is not None:
            remaining -= 1
            task = tasks[culprit]
            yield task.path, b"", _failed(task, reason)
        if queue:
            fresh = _Worker(context, root, knowledge, max_size, tasks, pool)
            pool.append(fresh)
            feed(fresh)

    try:
        for _ in range(workers):
            worker = _Worker(context, root, knowledge, max_size, tasks, pool)
            pool.append(worker)
            feed(worker)
        while remaining:
            if not pool:
                raise RuntimeError("every worker process died")
            by_conn = {w.conn: w for w in pool}
            by_sentinel = {w.process.sentinel: w for w in pool}
            ready = wait(list(by_conn) + list(by_sentinel), timeout=1.0)
            dead = []
            for handle in ready:
                worker = by_conn.get(handle)
                if worker is None:
                    if by_sentinel[handle].conn.poll():
                        continue  # read what it sent first; its death is seen on the next round
                    dead.append(by_sentinel[handle])
                    continue
                try:
                    index, digest, blob = worker.conn.recv()
                except (EOFError, OSError):
                    dead.append(worker)
                    continue
                if blob is None:
                    worker.current, worker.since = index, time.monotonic()
                    continue
                worker.current = None
                worker.assigned.remove(index)
                remaining -= 1
                feed(worker)
                yield tasks[index].path, digest, blob
            for worker in dict.fromkeys(dead):
                if worker in pool:
                    yield from replace(worker, "the parser crashed on this file (out of memory on "
                                               "machine-generated code?): skipped")
            if stall_limit is not None:
                now = time.monotonic()
                for worker in list(pool):
                    if worker.current is not None and now - worker.since > stall_limit:
                        yield from replace(worker, f"analysis took longer than {stall_limit:g} s "
                                                   f"(machine-generated code?): skipped")
        for worker in pool:
            worker.stop()
        for worker in pool:
            worker.process.join(10)
    finally:
        for worker in pool:
            worker.kill()


# A pool pays for itself only with enough files per worker (start-up is ~50 ms per process).
MIN_FILES_PER_WORKER = 8


def collect_facts(root: Path, tasks: Sequence[FileTask], config: Config, knowledge: Knowledge, jobs: int,
                  cache: Optional[FactsCache], progress: Optional[ProgressCallback] = None
                  ) -> Dict[str, FileFacts]:
    """Facts of every file: from the cache where the content is unchanged, else extracted (in parallel).

    With ``jobs`` > 1 (0: one per core) the files to parse go to a process pool; workers send back the
    compact encoding of :mod:`debtscan.cache` (never trees), and the result is identical to ``jobs=1``.
    The cyclic garbage collector is paused meanwhile: parsing allocates millions of short-lived nodes that
    reference counting frees, and each collection pass would rescan the facts gathered so far.
    """
    root_text = str(root)
    max_size = config.max_file_size
    results: Dict[str, FileFacts] = {}
    pending: List[FileTask] = []
    hits: List[Tuple[FileTask, bytes]] = []
    if cache is not None:
        for task in tasks:
            try:
                data = _read(root_text, task, max_size)
            except OSError:
                pending.append(task)
                continue
            digest = content_digest(data, task.path, task.module, task.is_package)
            if cache.has(task.path, digest):
                hits.append((task, digest))
            else:
                pending.append(task)
    else:
        pending = list(tasks)
    total = len(tasks)
    done = 0
    workers = min(jobs if jobs > 0 else default_jobs(), len(pending) // MIN_FILES_PER_WORKER)
    gc_was_enabled = gc.isenabled()
    gc.disable()
    outputs = _parallel(pending, workers, root_text, knowledge, max_size) if workers > 1 else None
    try:
        if outputs is not None:
            next_output = next(outputs, None)  # starts the workers before the cache hits are decoded
        for task, digest in hits:  # decoded while the workers parse
            facts = cache.get(task.path, digest)
            if facts is None:  # a corrupt entry: analyse the file after all
                digest, blob, facts = _extract_encoded(root_text, task, knowledge, max_size)
                if digest and cacheable(facts):
                    cache.put(task.path, digest, blob)
            results[task.path] = facts
            done += 1
            if progress and (done % 64 == 0 or done == len(hits)):
                progress(done, total)
        if outputs is not None:
            decode = make_decoder()
            for path, digest, blob in itertools.chain([next_output] if next_output else [], outputs):
                facts = decode(marshal.loads(blob))
                results[path] = facts
                if cache is not None and digest and cacheable(facts):
                    cache.put(path, digest, blob)
                done += 1
                if progress:
                    progress(done, total)
        else:
            for task in pending:
                _gc_tick()
                if cache is not None:
                    digest, blob, facts = _extract_encoded(root_text, task, knowledge, max_size)
                    if digest and cacheable(facts):
                        cache.put(task.path, digest, blob)
                else:
                    facts = extract_file(root_text, task, knowledge, max_size)
                results[task.path] = facts
                done += 1
                if progress:
                    progress(done, total)
    finally:
        if outputs is not None:
            outputs.close()
        if gc_was_enabled:
            gc.enable()
    if cache is not None:
        cache.save()
    return {task.path: results[task.path] for task in tasks}


def _suppressed(finding: Finding, facts: Optional[FileFacts], per_file: Dict[str, List[str]],
                rules: Optional[Dict[str, type]] = None) -> Optional[Tuple[int, bool]]:
    rule = (rules or {}).get(finding.code)
    for pattern, codes in per_file.items():
        if fnmatch.fnmatchcase(finding.path, pattern) and names_rule(codes, rule, finding.code):
            return (-1, True)
    if facts is None:
        return None
    for suppression in facts.suppressions:
        if not suppression.codes or names_rule(suppression.codes, rule, finding.code):
            if suppression.file_level or suppression.line == finding.line:
                return (suppression.line, suppression.file_level)
    return None


_CODE = re.compile(r"[A-Z]+[0-9]+")
_NAME = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def invalid_finding(finding) -> str:
    """What makes a rule's output unfit for the report (and its JSON schema), or ``""``; a plugin's rule that
    yields such a thing is reported as that plugin's error instead of breaking the report."""
    if not isinstance(finding, Finding):
        return f"{finding!r} (not a Finding)"
    if not (isinstance(finding.code, str) and _CODE.fullmatch(finding.code)):
        return f"code {finding.code!r} (codes are letters then digits, like XY101)"
    if not (isinstance(finding.name, str) and _NAME.fullmatch(finding.name)):
        return f"name {finding.name!r} (names are kebab-case)"
    if finding.severity not in ("info", "warning", "error"):
        return f"severity {finding.severity!r}"
    if not (isinstance(finding.path, str) and isinstance(finding.message, str) and finding.message):
        return f"path {finding.path!r} / message {finding.message!r}"
    for number in (finding.line, finding.end_line or 1):
        if not isinstance(number, int) or isinstance(number, bool) or number < 1:
            return f"line {number!r} in {finding.path} (lines start at 1)"
    for number in (finding.column, finding.end_column or 0):
        if not isinstance(number, int) or isinstance(number, bool) or number < 0:
            return f"column {number!r} in {finding.path}"
    for related in finding.related:
        if not (isinstance(related.path, str) and isinstance(related.line, int) and related.line >= 1):
            return f"related location {related!r}"
    return ""


def run_rules(project: Project, config: Config, rule_classes: Dict[str, type], codes: Sequence[str],
              errors: List[ScanError], origins: Optional[Dict[str, str]] = None) -> List[Finding]:
    """Every selected rule's findings. A rule that raises is reported under ``errors`` (a plugin's rule as that
    plugin's error; a built-in rule's as an internal error) and the other rules still run. Whatever a rule
    prints goes to stderr, never into the report on stdout."""
    with stdout_to_stderr():
        return _run_rules(project, config, rule_classes, codes, errors, origins)


def _run_rules(project: Project, config: Config, rule_classes: Dict[str, type], codes: Sequence[str],
               errors: List[ScanError], origins: Optional[Dict[str, str]] = None) -> List[Finding]:
    findings: List[Finding] = []
    for code in codes:
        rule: Rule = rule_classes[code]()
        options = rule_options(rule, config.rule_options(code))
        try:
            found = list(rule.check(RuleContext(project, options, config)))
            for finding in found:
                problem = invalid_finding(finding)
                if problem:
                    raise ValueError(f"invalid finding {problem}")
            findings.extend(found)
        except Exception as exc:  # noqa: BLE001 - a failing rule is reported, the others still run
            if os.environ.get("DEBTSCAN_DEBUG"):
                traceback.print_exc()
            origin = (origins or {}).get(code, "debtscan")
            if origin == "debtscan":
                message = f"{INTERNAL_ERROR} in rule {code} ({rule.name}): {type(exc).__name__}: {exc}"
            else:
                message = f"rule {code} ({rule.name}) of {origin} failed: {type(exc).__name__}: {exc}"
            errors.append(ScanError(f"<rule {code}>", message))
    return findings


DEFAULT_CACHE_DIR = Config().cache_dir


def cache_folder(config: Config, root: Path) -> Tuple[Optional[Path], str]:
    """The facts cache's folder, or None with a note why there is none.

    ``cache-dir`` may not be the project root, a folder above it, or a folder holding source files: the cache
    would hide them from the scan (its folder is never scanned) and mix its files with the user's. A
    ``cache-dir`` the configuration sets that way is a configuration error; the default ``.debtscan_cache``
    being such a folder (the user's own) turns the cache off for the scan, with a note, and is scanned.
    """
    folder = Path(config.cache_dir)
    if not folder.is_absolute():
        folder = (config.root or root) / folder
    folder = Path(os.path.abspath(folder))
    problem = cache_folder_problem(folder, root)
    if not problem:
        return folder, ""
    if config.cache_dir != DEFAULT_CACHE_DIR:
        raise ConfigError(f"{line_of(config.path, 'cache-dir')}: [tool.debtscan] cache-dir {config.cache_dir!r} "
                          f"{problem}: the cache needs a folder of its own (the default is "
                          f"{DEFAULT_CACHE_DIR})")
    return None, (f"{folder} {problem}, so it is not debtscan's cache: caching is off for this scan "
                  f"(set cache-dir to a folder of its own)")


# Why a file has no facts that is no fault of its contents (the parser crashed, ran out of time or memory, a
# debtscan bug): the cross-file stage runs without that file.
_MISSING = ("the parser crashed",) + _TRANSIENT


def missing_facts_notes(facts: Dict[str, FileFacts], shown: int = 5) -> List[ScanError]:
    """One note when files have no facts for a reason other than their contents: which files, and which
    files import them (their cross-file findings are the likeliest to be missing or incomplete)."""
    missing = sorted(path for path, f in facts.items() if f.error and f.error.startswith(_MISSING))
    if not missing:
        return []
    modules = {facts[path].module for path in missing if facts[path].module}
    importers = sorted(path for path, f in facts.items() if not f.error and any(
        imp.target == m or imp.target.startswith(m + ".") for imp in f.imports for m in modules))

    def listing(paths: List[str]) -> str:
        more = f" and {len(paths) - shown} more" if len(paths) > shown else ""
        return ", ".join(paths[:shown]) + more

    message = (f"facts missing for {len(missing)} file(s) ({listing(missing)}): the cross-file stage ran "
               f"without them, so findings that relate several files (hand-offs, pipeline chains, signal "
               f"consumers, repeated glue, repo-wide metrics) may be missing or incomplete")
    if importers:
        message += f", in particular around the {len(importers)} file(s) importing them ({listing(importers)})"
    return [ScanError("<cross-file>", message)]


def scan(options: ScanOptions) -> Tuple[Report, Project]:
    """Run a whole scan and return the report and the project it was computed from."""
    config = options.config
    root = options.root.resolve()
    ruleset = rules_for(config)
    notes: List[ScanError] = []
    for code in config.rules:
        if code not in ruleset.rules:
            message = (f"{line_of(config.path, 'rules', code)}: [tool.debtscan.rules.{code}]: no rule has code "
                       f"{code}")
            if not ruleset.unloaded:
                raise ConfigError(f"{message}; {suggestion(code, ruleset.rules)}")
            notes.append(ScanError(f"<rule {code}>", message + ruleset.unknown_code_hint(), notice=True))
    try:
        check_scan_selectors(options, config, ruleset.rules, command_line=True)
    except SelectorError as exc:  # a plugin that did not load may be why its codes are unknown
        if ruleset.unloaded:
            raise SelectorError(f"{exc}{ruleset.unknown_code_hint()}") from None
        raise
    try:
        check_scan_selectors(options, config, ruleset.rules, command_line=False)
    except SelectorError as exc:  # the file's selectors may name the rules of its plugins that did not load
        if not ruleset.unloaded:
            raise
        notes.append(ScanError("<selectors>", f"{exc}{ruleset.unknown_code_hint()}", notice=True))
    select = list(options.select) or list(config.select)
    extend = list(options.extend_select) + list(getattr(config, "extend_select", None) or ())
    if extend:
        select = (select or ["ALL"]) + extend
    ignore = list(options.ignore) + list(config.ignore)
    codes = selected(sorted(ruleset.rules), ruleset.rules, select, ignore)
    for code in codes:
        try:
            with stdout_to_stderr():  # a plugin rule's constructor is plugin code
                rule_options(ruleset.rules[code](), config.rule_options(code))
        except ConfigError as exc:  # name the file and the line of the option
            option = next((k for k in config.rule_options(code) if repr(k) in str(exc)), code)
            raise ConfigError(f"{line_of(config.path, 'rules', code, option)}: "
                              f"[tool.debtscan.rules.{code}] {exc}") from None
    cache_dir, cache_note = cache_folder(config, root)
    found = discover(root, options.paths, config.excludes, config.respect_gitignore,
                     skip=[cache_dir] if cache_dir is not None else [])
    for output in options.outputs:
        check_not_scanned(output, root, found.files)
    tasks = plan_tasks(found.files)
    knowledge = knowledge_for(config)
    cache = None
    notes.extend(ScanError(f"<{key}>", note, notice=True) for key, note in sorted(config.refused.items()))
    if options.use_cache and not cache_disabled_by_env() and cache_dir is not None:
        escape = relative_cache_note(config.cache_dir, config.root or root)  # e.g. a shipped symlink out
        if escape:
            notes.append(ScanError("<cache-dir>", escape, notice=True))
        else:
            cache = FactsCache(cache_dir, f"{knowledge.fingerprint}:{config.max_file_size}")
            if options.cache_factory is not None:
                cache = options.cache_factory(cache)
    facts = collect_facts(root, tasks, config, knowledge, options.jobs, cache, options.progress)
    errors = [ScanError(path, reason) for path, reason in found.skipped]
    if cache_note and options.use_cache and not cache_disabled_by_env():
        errors.append(ScanError("<cache>", cache_note))
    errors.extend(missing_facts_notes(facts))
    errors.extend(ScanError(path, f.error) for path, f in sorted(facts.items()) if f.error)
    errors.extend(ScanError(f"<{origin}>", reason, notice=True) for origin, reason in ruleset.errors)
    errors.extend(notes)
    good = {path: f for path, f in facts.items() if not f.error}
    live, liveness = split_live(good, config)  # abandoned folders and never-run statements set apart
    try:
        project = build_project(live, root=root, config=config)
        project.liveness = liveness
    except Exception as exc:  # noqa: BLE001 - a debtscan bug: name the file whose facts trigger it
        raise InternalError(f"{INTERNAL_ERROR} while building the graph{_culprit(live, root, config)}: "
                            f"{type(exc).__name__}: {exc}") from exc
    raw = run_rules(project, config, ruleset.rules, codes, errors, ruleset.origins)
    findings, suppressed_count = apply_suppressions(raw, good, config, codes, ruleset.rules)
    findings = [_related_to_cells(_to_cells(f, good.get(f.path)), good) for f in findings]
    findings = assign_fingerprints(findings)
    scope_files = None
    if options.only_paths is not None:  # after fingerprinting, so fingerprints equal a full scan's
        findings = [f for f in findings if in_scope(f.path, options.only_paths)]
        scope_files = sum(1 for task in tasks if in_scope(task.path, options.only_paths))
        files = {task.path for task in tasks} | {path for path, _ in found.skipped}
        errors = [e for e in errors if e.path not in files or in_scope(e.path, options.only_paths)]
    report = Report(
        root=str(root),
        config_file=str(config.path) if config.path else None,
        files_scanned=len(tasks),
        findings=findings,
        errors=sorted(set(errors), key=lambda e: (e.path, e.message)),
        suppressed=suppressed_count,
        metrics=compute_metrics(project, config),
        rules=[ruleset.rules[c] for c in codes],
        scope_files=scope_files if scope_files is not None else (0 if not tasks else None),
        scope=tuple(sorted(options.only_paths)) if options.only_paths is not None else None,
    )
    if cache is not None:
        report.errors.extend(ScanError("<cache>", w) for w in cache.warnings)
    return report, project


def check_scan_selectors(options: ScanOptions, config: Config, rules: Dict[str, type],
                         command_line: Optional[bool] = None) -> None:
    """Every selector of the command line and the configuration names some loaded rule, else
    :class:`SelectorError` naming where it was written and the closest valid selector. ``command_line``:
    True checks only the command line's selectors, False only the configuration file's, None both."""
    if command_line is not False:
        check_selectors(options.select, rules, "--select")
        check_selectors(getattr(options, "extend_select", ()), rules, "--extend-select")
        check_selectors(options.ignore, rules, "--ignore")
    if command_line is True:
        return
    for key in ("select", "extend-select", "ignore"):
        values = getattr(config, key.replace("-", "_"), None) or ()
        check_selectors(values, rules, f"{line_of(config.path, key)}: [tool.debtscan] {key}")
    for pattern, values in config.per_file_ignores.items():
        check_selectors(values, rules, f"{line_of(config.path, 'per-file-ignores', pattern)}: "
                                       f"[tool.debtscan.per-file-ignores] {pattern!r}")


def apply_suppressions(findings: List[Finding], facts: Dict[str, FileFacts], config: Config,
                       codes: Sequence[str], rules: Dict[str, type]) -> Tuple[List[Finding], int]:
    """Drop suppressed findings; report suppressions that suppressed nothing (DS001)."""
    kept: List[Finding] = []
    used: Set[Tuple[str, int]] = set()
    count = 0
    for finding in findings:
        hit = _suppressed(finding, facts.get(finding.path), config.per_file_ignores, rules)
        if hit is None:
            kept.append(finding)
        else:
            count += 1
            used.add((finding.path, hit[0]))
    if UnusedSuppression.code in codes:
        checker = UnusedSuppression()
        active = set(codes)
        for path, fact in sorted(facts.items()):
            for suppression in fact.suppressions:
                label = (f"[{', '.join(canonical(c, rules) for c in suppression.codes)}]"
                         if suppression.codes else "")
                kind = "ignore-file" if suppression.file_level else "ignore"
                typos = unknown(suppression.codes, rules)
                if typos:  # a typo suppresses nothing, whether or not the comment's other selectors are used
                    hints = "; ".join(f"{t!r} names no rule ({suggestion(t, rules)})" for t in typos)
                    kept.append(checker.finding(
                        path, suppression.line, f"`# debtscan: {kind}{label}`: {hints}.",
                        subject=f"unknown:{kind}{label}", severity="warning"))
                    continue
                if (path, suppression.line) in used:
                    continue
                named = {code for c in suppression.codes for code in rules_matching(c, rules)}
                if named - active:  # it may be there for a rule that did not run: unknowable
                    continue
                kept.append(checker.finding(
                    path, suppression.line, f"`# debtscan: {kind}{label}` suppresses no finding.",
                    subject=f"{kind}{label}"))
    return kept, count


def _related_to_cells(finding: Finding, facts: Dict[str, FileFacts]) -> Finding:
    """Related places in notebooks as (cell, line inside the cell), like the finding's own place."""
    if not any(r.cell is None and r.path in facts and facts[r.path].notebook for r in finding.related):
        return finding
    related = []
    for place in finding.related:
        where = facts[place.path].cell_of(place.line) if place.cell is None and place.path in facts \
            and facts[place.path].notebook else None
        related.append(replace(place, cell=where[0], line=where[1]) if where else place)
    return replace(finding, related=tuple(related))


def _to_cells(finding: Finding, facts: Optional[FileFacts]) -> Finding:
    if facts is None or not facts.notebook:
        return finding
    where = facts.cell_of(finding.line)
    if where is None:
        return finding
    cell, line = where
    end = None
    if finding.end_line is not None:
        end_where = facts.cell_of(finding.end_line)
        end = end_where[1] if end_where and end_where[0] == cell else line
    return replace(finding, cell=cell, line=line, end_line=end)
