"""The result cache's replay: an unchanged scan's output written again before the command line is even loaded.

A hit of the result cache (:mod:`debtscan.store.results`) already skips the analysis, but finding it loads
the command line (click), the configuration, the walk (pathspec) and the result key's own machinery: several
times the cost of writing the output. So when a scan stores its output (or reuses one), it also writes a
*replay record* next to it, ``replay-<stamp>.pack``, named by the invocation (the arguments after the program
name, but the values of ``--output`` and ``--jobs``, which shape nothing; the current folder; the environment
variables the key depends on, :data:`STAMPED_ENV`; the Python executable). The record lists every observation the scan's key was computed from, each as a check the
standard library can repeat:

- the configuration and the project root: for the first path given and every folder above it, what
  ``debtscan.toml``, ``pyproject.toml`` and ``.git`` are (and the bytes of the two configuration files);
  the project markers in the current folder; the real path and kind of every path given; the git work tree's
  root when git is consulted (asked again); the bytes of ``--config`` and ``--baseline`` files;
- the walk: the listing of every folder it listed (names and entry kinds, the cache folder left out, as the
  walk leaves it out), the text of every ``.gitignore`` it read, whether each folder it considered holds a
  ``pyvenv.cfg``, where each symlink points, and the text of every runner, DVC, Kedro and README file (see
  :class:`~debtscan.sources.discover.WalkTrace`);
- every scanned file's content digest over the bytes the facts stage reads;
- the cache folder (its real path, the cache's tag in it), ``--output``'s real path and the checks made on
  it before a scan (its folder exists and is writable, it is no folder and none of the inputs);
- debtscan and its environment (:func:`environment_signature`), and, in the stored output itself, the files
  of the plugins the scan loaded.

The scan is a function of these observations and of the invocation, so when every check gives the value
recorded, the scan would compute the same key and reuse the same stored output: :func:`replay` then writes
that output (stdout or ``--output``, the lines on stderr, the exit status) exactly as the command line would.
Anything else (a check that differs, an unreadable file, a record or result missing or corrupt, an
environment variable that turns a cache off, a terminal that is not UTF-8, an output with escape sequences,
an output to a ``.py``/``.ipynb`` file) is no replay: the command line runs and decides, as it always did.

This module imports only the standard library (and :mod:`debtscan.safefile` to write ``--output``): it runs
before anything else is imported.
"""
from __future__ import annotations

import marshal
import os
import sys

from debtscan import __version__
from debtscan.store.digest import blake2b
from debtscan.store.prune import prune_oldest, starts_with

# (no `typing`, `re` or `hashlib` import: they would cost more than the rest of a replay; the annotations are
# strings, never evaluated)

FORMAT = "1"
_MAGIC = b"debtscan-replay\n"
RESULT_MAGIC = b"debtscan-result\n"  # :data:`debtscan.store.results._MAGIC`
TEMP_PREFIX = ".replay-"
MAX_RECORDS = 8
_MARSHAL_VERSION = 4
CACHE_FOLDER_NAME = ".debtscan_cache"  # :attr:`debtscan.config.Config.cache_dir`'s default
CONFIG_NAMES = ("debtscan.toml", "pyproject.toml")
CHAIN_NAMES = CONFIG_NAMES + (".git",)
OFF_ENV = ("DEBTSCAN_NO_CACHE", "DEBTSCAN_NO_RESULT_CACHE", "DEBTSCAN_DEBUG")
_SOURCE_SUFFIXES = (".py", ".ipynb")

# A check is a tuple (what, path, ...expected): see :func:`_holds`.


# -- what debtscan runs on ------------------------------------------------------------------------------------
def _stat(path: str) -> Tuple[str, int, int]:
    try:
        info = os.stat(path)
    except OSError:
        return (path, -1, 0)
    return (path, info.st_size, info.st_mtime_ns)


def _tree(folder: str, suffixes: Tuple[str, ...] = (), limit: int = 5000) -> List[Tuple[str, int, int]]:
    """Every file below ``folder`` (``__pycache__`` left out), sorted, as (path, size, mtime)."""
    out: List[Tuple[str, int, int]] = []
    for directory, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            if not suffixes or name.endswith(suffixes):
                out.append(_stat(os.path.join(directory, name)))
        if len(out) > limit:
            break
    return out


def _data_folder() -> str:
    """``sysconfig.get_path("data")``: where a wheel's ``share/`` goes."""
    import sysconfig

    return sysconfig.get_path("data")


def environment_signature() -> bytes:
    """debtscan and what it runs on: its version and files (name, size, modification time), the rule pages,
    the Python version and executable, and every folder on ``sys.path`` (installing, upgrading or removing any
    distribution, a rule plugin or libcst alike, changes its folder)."""
    package = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
    parts: List[object] = [FORMAT, __version__, sys.version, sys.executable, _tree(package)]
    pages = [os.path.join(os.path.dirname(package), "rules"),
             os.path.join(_data_folder(), "share", "debtscan", "rules"),
             os.path.join(sys.prefix, "share", "debtscan", "rules")]
    parts.append([_tree(folder, (".md",)) for folder in pages if os.path.isdir(folder)])
    cwd = os.getcwd()
    for entry in sys.path:
        where = os.path.abspath(entry or cwd)
        if where != cwd:  # `python -m` puts the current folder first; writing a report there changes it
            parts.append(_stat(where))
    return blake2b(repr(parts).encode("utf-8", "surrogatepass"), digest_size=16).digest()


# ``debtscan scan``'s options (tests/test_replay.py checks them against the command line's): those that take a
# value, and the flags. ``--output`` and ``--jobs`` do not shape the output, so a record is named without their
# values: the report goes wherever this invocation says, and the number of workers changes nothing.
VALUE_OPTIONS = frozenset({"--format", "--output", "-o", "--select", "--extend-select", "--ignore", "--exclude",
                           "--extend-exclude", "--config", "--cache-dir", "--fail-on", "--jobs", "-j",
                           "--baseline"})
FLAGS = frozenset({"--trust-config", "--no-plugins", "--isolated", "--fail-on-error", "--statistics",
                   "--exit-zero", "--no-cache", "--quiet", "-q", "--verbose", "-v", "--force"})
_UNSHAPING = {"--output": "output", "-o": "output", "--jobs": "jobs", "-j": "jobs"}


class Invocation:
    """``debtscan scan``'s arguments as the command line parses them, as far as the replay needs: the
    arguments with the values of ``--output`` and ``--jobs`` replaced by a placeholder (what a record is named
    by), those values, and the paths."""

    __slots__ = ("tokens", "output", "jobs", "paths")

    def __init__(self, tokens: List[str], output: Optional[str], jobs: Optional[str], paths: List[str]) -> None:
        self.tokens, self.output, self.jobs, self.paths = tokens, output, jobs, paths


def parse(argv: Sequence[str]) -> Optional[Invocation]:
    """``argv`` (``scan ...``) read as click reads it, or None for anything the replay leaves to the command
    line: another command, an option it does not know, ``--help``, ``--output``/``--jobs`` given twice or
    empty, an option's missing value."""
    if not argv or argv[0] != "scan":
        return None
    tokens: List[str] = ["scan"]
    values: Dict[str, str] = {}
    paths: List[str] = []
    rest = list(argv[1:])
    index = 0

    def take(option: str, value: Optional[str], form: str) -> Optional[str]:
        """The token(s) recorded for ``option`` with ``value`` (None: it is the next argument)."""
        nonlocal index
        if value is None:
            if index >= len(rest):
                return None
            value = rest[index]
            index += 1
            joined = False
        else:
            joined = True
        kind = _UNSHAPING.get(option)
        if kind is None:
            shown = value
        else:
            if kind in values or not value:
                return None
            values[kind] = value
            shown = f"<{kind}>"
        if joined:
            tokens.append(form + shown)
        else:
            tokens.extend([form, shown])
        return shown

    while index < len(rest):
        token = rest[index]
        index += 1
        if token == "--":
            tokens.append(token)
            tokens.extend(rest[index:])
            paths.extend(rest[index:])
            break
        if token.startswith("--"):
            name, equals, value = token.partition("=")
            if name in VALUE_OPTIONS:
                if take(name, value if equals else None, f"{name}=" if equals else name) is None:
                    return None
            elif name in FLAGS and not equals:
                tokens.append(token)
            else:
                return None
        elif token.startswith("-") and len(token) > 1:
            for position in range(1, len(token)):
                option = "-" + token[position]
                if option in VALUE_OPTIONS:
                    value = token[position + 1:] or None
                    prefix = "-" + token[1:position + 1] if position > 1 else option
                    if take(option, value, prefix) is None:
                        return None
                    break
                if option not in FLAGS:
                    return None
            else:
                tokens.append(token)
        else:
            tokens.append(token)
            paths.append(token)
    return Invocation(tokens, values.get("output"), values.get("jobs"), paths)


# The environment variables a scan's key depends on: debtscan's own (trust, the cache folder, the caches off),
# git's (which work tree holds the project), and where git and Python are found. Others (the shell's ``_``,
# ``OLDPWD``, ...) change from one command to the next and shape nothing the result cache keeps.
STAMPED_ENV = ("HOME", "XDG_CONFIG_HOME", "PATH", "PYTHONPATH", "PYTHONHOME", "PYTHONHASHSEED")
STAMPED_ENV_PREFIXES = ("DEBTSCAN_", "GIT_")


def stamp(tokens: Sequence[str], cwd: str, environ: Mapping[str, str]) -> str:
    """The replay record's name: the invocation (:attr:`Invocation.tokens`), the current folder, the
    environment variables of :data:`STAMPED_ENV` and :data:`STAMPED_ENV_PREFIXES`, the Python executable."""
    env = sorted((k, v) for k, v in environ.items() if k in STAMPED_ENV or k.startswith(STAMPED_ENV_PREFIXES))
    key = (FORMAT, list(tokens), cwd, env, sys.executable)
    return blake2b(repr(key).encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def applies(environ: Mapping[str, str]) -> bool:
    """Whether the environment leaves the result cache on (``DEBTSCAN_NO_CACHE``, ``DEBTSCAN_NO_RESULT_CACHE``
    and ``DEBTSCAN_DEBUG`` turn the replay off with it)."""
    for name in OFF_ENV:
        value = environ.get(name, "")
        if value.strip().lower() not in ("", "0", "false", "no") or (name == "DEBTSCAN_DEBUG" and value):
            return False
    return True


# -- observations -----------------------------------------------------------------------------------------------
def _kind(path: str) -> str:
    """What ``path`` is, symlinks followed: ``file``, ``dir``, ``other`` or ``missing``."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return "missing"
    if mode & 0o170000 == 0o040000:
        return "dir"
    return "file" if mode & 0o170000 == 0o100000 else "other"


def _read_fd(fd: int, limit: int) -> bytes:
    """Up to ``limit`` bytes from ``fd`` (what ``open(path, "rb").read(limit)`` gives)."""
    data = os.read(fd, limit)
    if len(data) < limit and data:
        chunks = [data]
        size = len(data)
        while size < limit:
            more = os.read(fd, limit - size)
            if not more:
                break
            chunks.append(more)
            size += len(more)
        data = b"".join(chunks)
    return data


def _bytes_digest(path: str, limit: int = -1) -> Optional[bytes]:
    """A digest of a file's bytes (the first ``limit`` when given), or None when it cannot be read."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(limit)
    except OSError:
        return None
    return blake2b(data, digest_size=16).digest()


def _text_digest(path: str, limit: Optional[int]) -> Optional[bytes]:
    """A digest of a file's text as the walk reads it (undecodable bytes replaced), or None: unreadable, or
    (with ``limit``) larger than ``limit`` or not a file (:func:`debtscan.sources.discover.read_small_text`)."""
    try:
        if limit is not None and os.stat(path, follow_symlinks=False).st_size > limit:
            return None
        with open(path, encoding="utf-8", errors="replace") as handle:
            text = handle.read()
    except OSError:
        return None
    return _digest_of_text(text)


def _digest_of_text(text: Optional[str]) -> Optional[bytes]:
    if text is None:
        return None
    return blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


def _entry_kind(entry: "os.DirEntry[str]") -> str:
    """:func:`debtscan.sources.discover._entry_kind`, as the ``EntryKind`` value."""
    try:
        if entry.is_symlink():
            return "link-to-dir" if os.path.isdir(entry.path) else "link"
        if entry.is_dir():
            return "dir"
        return "file" if entry.is_file() else "other"
    except OSError:
        return "other"


def _listing(directory: str, skip: Iterable[str]) -> Optional[Tuple[Tuple[str, str], ...]]:
    """A folder's entries (name, kind), sorted, those in ``skip`` left out; None if it cannot be listed."""
    skipped = set(skip)
    try:
        with os.scandir(directory) as entries:
            return tuple((entry.name, _entry_kind(entry)) for entry in sorted(entries, key=lambda e: e.name)
                         if entry.path not in skipped)
    except OSError:
        return None


def _git_root(first: str) -> Optional[str]:
    from debtscan.gittop import git_toplevel

    found = git_toplevel(first)
    return None if found is None else str(found)


def is_own_folder(folder: str) -> bool:
    """:func:`debtscan.store.folder.is_own_folder`."""
    for name, mark in (("CACHEDIR.TAG", "created by debtscan"), (".gitignore", "# Created by debtscan")):
        try:
            with open(os.path.join(folder, name), encoding="utf-8", errors="replace") as handle:
                if mark in handle.read(4096):
                    return True
        except OSError:
            continue
    return False


def _same(a: str, b: str) -> bool:
    try:
        return os.path.exists(a) and os.path.exists(b) and os.path.samefile(a, b)
    except OSError:
        return False


def _holds(check: Check) -> bool:
    """Whether one recorded observation gives the same value now."""
    what, path = check[0], check[1]
    if what == "kind":
        return _kind(path) == check[2]
    if what == "real":
        return os.path.realpath(path) == check[2]
    if what == "bytes":
        return _bytes_digest(path) == check[2]
    if what == "source":  # (what, path, relpath, module, is_package, bytes read, digest)
        from debtscan.store.digest import content_digest

        try:
            fd = os.open(path, os.O_RDONLY)
        except OSError:
            return False
        try:
            data = _read_fd(fd, check[5])
        except OSError:
            return False
        finally:
            os.close(fd)
        return content_digest(data, check[2], check[3], check[4]) == check[6]
    if what == "text":
        return _text_digest(path, check[2]) == check[3]
    if what == "listing":
        return _listing(path, check[2]) == check[3]
    if what == "not-dir":
        return _kind(path) != "dir"
    if what == "exists":
        return os.path.exists(path) == check[2]
    if what == "venv":
        return os.path.isfile(os.path.join(path, "pyvenv.cfg")) == check[2]
    if what == "git":
        return _git_root(path) == check[2]
    if what == "own":
        return is_own_folder(path)
    if what == "writable":
        return os.path.isdir(path) and os.access(path, os.W_OK | os.X_OK)
    if what == "not-same":
        return not _same(path, check[2])
    return False


def _ancestors(path: str) -> List[str]:
    out = [path]
    while True:
        parent = os.path.dirname(path)
        if parent == path:
            return out
        out.append(parent)
        path = parent


def invocation_checks(targets: Sequence[str], cwd: str, environ: Mapping[str, str], markers: Sequence[str],
                      files: Sequence[Optional[str]] = ()) -> List[tuple]:
    """What the configuration and the project root are found from (:func:`debtscan.config.find_config`,
    :func:`debtscan.scope.project_root`), and the bytes of the ``files`` the command line names (``--config``,
    ``--baseline``): observed before they are read, and again after the scan (a record is written only when
    both agree)."""
    checks: List[tuple] = [("real", cwd, os.path.realpath(cwd))]
    for name in files:
        if name:
            where = os.path.join(cwd, name)
            checks += [("kind", where, _kind(where)), ("bytes", where, _bytes_digest(where))]
    checks += [("kind", os.path.join(cwd, m), _kind(os.path.join(cwd, m))) for m in markers]
    given = list(targets) or ["."]
    for target in given:
        where = os.path.join(cwd, os.path.expanduser(target))
        checks.append(("kind", where, _kind(where)))
        checks.append(("real", where, os.path.realpath(where)))
    first = os.path.realpath(os.path.join(cwd, given[0]))
    if _kind(first) != "dir":
        first = os.path.dirname(first)
    chain = _ancestors(first)
    git = False
    for folder in chain:
        for name in CHAIN_NAMES:
            path = os.path.join(folder, name)
            kind = _kind(path)
            checks.append(("kind", path, kind))
            if kind == "file" and name in CONFIG_NAMES:
                checks.append(("bytes", path, _bytes_digest(path)))
            git = git or (name == ".git" and kind != "missing")
    if git or environ.get("GIT_DIR"):  # else git finds no work tree: no .git at or above, none named
        checks.append(("git", first, _git_root(first)))
    return checks


def walk_checks(sources, skip: Sequence[str], runner_limit: int, declared_limit: int) -> Optional[List[tuple]]:
    """What the walk's :class:`~debtscan.sources.discover.SourceSet` was found from (see the module
    docstring), or None when the walk met something the replay does not repeat (a folder it could not list, an
    entry it could not inspect)."""
    root = sources.root
    checks: List[tuple] = [("kind", root, "dir"), ("real", root, root)]
    skip = tuple(skip)
    for folder, entries in sources.folders.items():
        listing = tuple((name, kind.value) for name, kind in sorted(entries.items()))
        if any(kind == "other" for _, kind in listing):
            return None
        checks.append(("listing", os.path.join(root, folder) if folder else root, skip, listing))
    if any(why.startswith("cannot list directory") for _, why in sources.skipped):
        return None
    trace = sources.trace
    checks += [("text", path, None, _digest_of_text(text)) for path, text in trace.ignores.items()]
    checks += [("venv", path, found) for path, found in trace.venvs.items()]
    for path, (target, exists) in trace.links.items():
        checks += [("real", path, target), ("exists", target, exists)]
    for names, limit in ((sources.runners, runner_limit), (sources.readmes, runner_limit),
                         (sources.dvc, declared_limit), (sources.catalogs, declared_limit)):
        for relpath in names:
            checks.append(("text", os.path.join(root, relpath), limit, _digest_of_text(sources.texts.get(relpath))))
    return checks


def source_checks(root: str, reads: Mapping[str, Tuple[str, bool, int]], digests: Mapping[str, bytes]
                  ) -> List[tuple]:
    """Each scanned file's content digest, over the bytes the key was made from."""
    return [("source", os.path.join(root, path), path, module, is_package, limit, digests[path])
            for path, (module, is_package, limit) in reads.items()]


def output_refused(output: str, cwd: str, inputs: Sequence[str]) -> bool:
    """Whether the command line could refuse ``--output`` (:func:`debtscan.safefile.check_output`): its
    folder missing or not writable, a folder, one of the ``inputs``, a ``.py``/``.ipynb`` file (left to the
    command line, which knows ``--force`` and the scanned paths)."""
    real = os.path.realpath(os.path.join(cwd, os.path.expanduser(output)))
    if real.endswith(_SOURCE_SUFFIXES) or _kind(real) == "dir":
        return True
    folder = os.path.dirname(real)
    if not os.path.isdir(folder) or not os.access(folder, os.W_OK | os.X_OK):
        return True
    return any(_same(real, os.path.join(cwd, source)) for source in inputs)


# -- the record -------------------------------------------------------------------------------------------------
def record_file(folder: str, name: str) -> str:
    return os.path.join(folder, f"replay-{name}.pack")


def write_record(folder: str, name: str, result_key: str, inputs: Sequence[str], checks: Sequence[tuple],
                 env: bytes) -> bool:
    """Store the replay record ``name`` for the output stored under ``result_key`` in the cache ``folder``
    (``inputs``: the files an ``--output`` may not be, the baseline and the configuration); the newest :data:`MAX_RECORDS` are kept. Returns whether it was written."""
    from debtscan import safefile

    target = record_file(folder, name)
    if not os.path.isdir(folder) or os.path.islink(target):
        return False
    data = (FORMAT, name, os.path.realpath(folder), env, result_key, list(inputs), [tuple(c) for c in checks])
    try:
        safefile.remove_stale_temporaries(folder, TEMP_PREFIX)
        safefile.write_bytes(target, _MAGIC + marshal.dumps(data, _MARSHAL_VERSION), fsync=False,
                             temp_prefix=TEMP_PREFIX)
    except (OSError, ValueError):
        return False
    _prune(folder, keep=target)
    return True


def is_record_name(name: str) -> bool:
    """``replay-<32 hex>.pack``."""
    stem = name[len("replay-"):-len(".pack")]
    return name.startswith("replay-") and name.endswith(".pack") and len(stem) == 32 and \
        all(c in "0123456789abcdef" for c in stem)


def _prune(folder: str, keep: str, limit: int = MAX_RECORDS) -> None:
    """Remove the oldest records beyond ``limit`` (only files this module wrote: name and header)."""
    prune_oldest(folder, is_record_name, is_own_record, keep, limit)


def is_own_record(path: str) -> bool:
    """Whether ``path`` is a replay record this module wrote (its name and its header)."""
    return is_record_name(os.path.basename(path)) and starts_with(path, _MAGIC)


# -- the replay -------------------------------------------------------------------------------------------------
class Replay:
    """A stored output that an invocation may write again: the text, the lines on stderr before and after
    it, the exit status."""

    __slots__ = ("text", "before", "after", "status")

    def __init__(self, text: str, before: Sequence[str], after: Sequence[str], status: int) -> None:
        self.text, self.before, self.after, self.status = text, tuple(before), tuple(after), status


def _candidates(argv: Sequence[str], cwd: str, environ: Mapping[str, str]) -> List[str]:
    """The cache folders a record of this invocation may be in: ``.debtscan_cache`` in the folders at and
    above every existing path on the command line and the current folder, nearest first."""
    out: List[str] = []
    seen = set()
    chosen = environ.get("DEBTSCAN_CACHE_DIR", "").strip()
    starts = [os.path.realpath(os.path.join(cwd, chosen))] if chosen else []
    for token in argv:
        if token and not token.startswith("-"):
            where = os.path.join(cwd, token)
            if os.path.isdir(where):
                starts.append(os.path.realpath(where))
            elif os.path.exists(where):
                starts.append(os.path.dirname(os.path.realpath(where)))
    starts.append(os.path.realpath(cwd))
    for index, start in enumerate(starts):
        # a folder given may be the cache folder itself (--cache-dir), else .debtscan_cache at or above it
        folders = [start] if chosen and index == 0 else \
            [start] + [os.path.join(a, CACHE_FOLDER_NAME) for a in _ancestors(start)]
        for folder in folders:
            if folder not in seen:
                seen.add(folder)
                out.append(folder)
    return out


def find(argv: Sequence[str], cwd: Optional[str] = None, environ: Optional[Mapping[str, str]] = None
         ) -> Optional[Tuple[Replay, Optional[str]]]:
    """The stored output of ``debtscan <argv>`` if every observation its record lists is unchanged, with the
    ``--output`` path it goes to (None: stdout); else None."""
    invocation = parse(argv)
    if invocation is None:
        return None
    if invocation.jobs is not None:  # click.IntRange(min=0)
        try:
            if int(invocation.jobs) < 0:
                return None
        except ValueError:
            return None
    cwd = os.getcwd() if cwd is None else cwd
    environ = os.environ if environ is None else environ
    if not applies(environ):
        return None
    name = stamp(invocation.tokens, cwd, environ)
    env = None
    for folder in _candidates(argv, cwd, environ):
        try:
            with open(record_file(folder, name), "rb") as handle:
                raw = handle.read()
        except OSError:
            continue
        env = environment_signature() if env is None else env
        found = _check(raw, folder, name, env, invocation.output, cwd)
        if found is not None:
            return found, invocation.output
    return None


def _utf8(stream) -> bool:
    import codecs

    try:
        return codecs.lookup(stream.encoding).name == "utf-8"
    except (AttributeError, LookupError, TypeError):
        return False


def replay(argv: Optional[Sequence[str]] = None) -> Optional[int]:
    """Write the stored output of ``debtscan <argv>`` (default: this process's arguments) as the command line
    would, and return its exit status; None when there is nothing to replay (see the module docstring)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        found = find(argv)
    except Exception:  # noqa: BLE001 - anything unexpected: the command line runs and decides
        return None
    if found is None:
        return None
    outcome, output = found
    if any("\x1b" in text for text in (outcome.text, *outcome.before, *outcome.after)):
        return None  # click would strip escape sequences for a stream that is no terminal
    if not _utf8(sys.stderr) or (output is None and not _utf8(sys.stdout)):
        return None
    if output is not None:
        from debtscan import safefile

        try:
            safefile.write_text(output, outcome.text)
        except Exception:  # noqa: BLE001 - the command line writes it, or says why it cannot
            return None
    try:
        for line in outcome.before:
            sys.stderr.write(line + "\n")
            sys.stderr.flush()
        if output is None:
            if outcome.text:
                sys.stdout.write(outcome.text)
            sys.stdout.flush()
        for line in outcome.after:
            sys.stderr.write(line + "\n")
            sys.stderr.flush()
    except BrokenPipeError:  # the reader went away (`| head`): as the command line says it
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - nothing more to flush at exit
        try:
            sys.stderr.write("Error: Broken pipe\n")
            sys.stderr.flush()
        except OSError:
            pass
        return 2
    return outcome.status


def _check(raw: bytes, folder: str, name: str, env: bytes, output: Optional[str], cwd: str) -> Optional[Replay]:
    try:
        if not raw.startswith(_MAGIC):
            return None
        form, stored_name, real_folder, stored_env, result_key, inputs, checks = marshal.loads(raw[len(_MAGIC):])
    except Exception:  # noqa: BLE001 - corrupt: no replay
        return None
    if form != FORMAT or stored_name != name or stored_env != env or os.path.realpath(folder) != real_folder:
        return None
    if output is not None and output_refused(output, cwd, inputs):
        return None
    for check in checks:
        if not _holds(check):
            return None
    stored = read_result(result_file(folder, result_key), result_key)
    if stored is None:
        return None
    try:
        os.utime(record_file(folder, name))  # the newest are kept
    except OSError:
        pass
    text, before, after, status = stored
    return Replay(text, before, after, status)


def result_file(folder: str, key: str) -> str:
    """Where the result cache (:mod:`debtscan.store.results`) keeps the output stored under ``key``."""
    return os.path.join(folder, f"result-{key}.pack")


def read_result(path: str, key: str) -> "Optional[Tuple[str, Tuple[str, ...], Tuple[str, ...], int]]":
    """The one reader of a result pack, for the replay and for :meth:`debtscan.store.results.Probe.get`:
    ``(text, before, after, status)`` when ``path`` holds the output stored under ``key`` and the plugin files
    it depends on are unchanged, else None (missing, unreadable, corrupt, another key, an edited plugin). A
    pack that is used is touched, so that pruning keeps the newest."""
    try:
        with open(path, "rb") as handle:
            stored = handle.read()
        if not stored.startswith(RESULT_MAGIC):
            return None
        stored_key, plugins, text, before, after, status = marshal.loads(stored[len(RESULT_MAGIC):])
        if stored_key != key or any(_stat(file) != (file, size, mtime) for file, size, mtime in plugins):
            return None
        found = (text, tuple(before), tuple(after), status)
    except Exception:  # noqa: BLE001 - missing, unreadable or corrupt: a miss
        return None
    try:
        os.utime(path)
    except OSError:
        pass
    return found
