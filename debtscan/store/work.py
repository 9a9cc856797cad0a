"""The work on one file: read its bytes, decode and guard them (:mod:`debtscan.sources`), parse and extract
(:mod:`debtscan.facts`), and turn every failure into facts with an error and its kind, never an exception."""
from __future__ import annotations

import os
import traceback
from typing import Optional, Tuple

from debtscan.errors import INTERNAL_ERROR, ErrorKind
from debtscan.facts.model import FileFacts
from debtscan.knowledge import Knowledge
from debtscan.sources import guards
from debtscan.sources.files import FileTask
from debtscan.sources.syntax import syntax_error_reason
from debtscan.sources.text import SourceError
from debtscan.store.cache import content_digest
from debtscan.store.codec import dumps


def _extractor():
    """The single pass, :func:`debtscan.facts.extract.extract` (imported only when a file is parsed)."""
    from debtscan.facts import extract

    return extract.extract


def preload() -> None:
    """Import the parser and the single pass now (before worker processes are forked, which then share them)."""
    import libcst  # noqa: F401

    _extractor()


def read(root: str, task: FileTask, max_size: int) -> bytes:
    """The bytes of a task's file, one more than its read limit at most (so that "too large" is seen)."""
    with open(os.path.join(root, task.path), "rb") as handle:
        return handle.read(guards.read_limit(task.path, max_size) + 1)


def failed(task: FileTask, reason: str, kind: ErrorKind) -> FileFacts:
    """The facts of a file that could not be analysed."""
    return FileFacts(path=task.path, module=task.module, is_package=task.is_package,
                     notebook=task.path.endswith(".ipynb"), error=reason, error_kind=kind)


def extract_file(root: str, task: FileTask, knowledge: Knowledge, max_size: int,
                 data: Optional[bytes] = None) -> FileFacts:
    """Facts of one file; any failure becomes ``FileFacts.error`` with a clear reason and its
    :class:`~debtscan.errors.ErrorKind`, never an exception."""
    import libcst as cst  # imported when a file is parsed: a warm scan never loads libcst

    source = None
    try:
        if data is None:
            data = read(root, task, max_size)
        limit = guards.read_limit(task.path, max_size)
        if len(data) > limit:
            raise SourceError(f"file larger than max-file-size ({limit} bytes): skipped")
        source = guards.read_source(task.path, data)
        if source.notebook and len(source.text) > max_size:
            raise SourceError(f"notebook code larger than max-file-size ({max_size} bytes): skipped")
        reason = guards.generated_code_reason(source.text)
        if reason:
            raise SourceError(reason)
        with guards.Deadline(guards.FILE_TIMEOUT), guards.recursion_budget():
            module = cst.parse_module(source.text)
            return _extractor()(module, path=task.path, module_name=task.module, is_package=task.is_package,
                                text=source.text, knowledge=knowledge, cells=source.cells,
                                notebook=source.notebook)
    except SourceError as exc:
        reason, kind = str(exc), ErrorKind.SOURCE
    except guards.FileTimeout:
        reason, kind = (f"analysis took longer than {guards.FILE_TIMEOUT:g} s (machine-generated code?): skipped",
                        ErrorKind.TIMEOUT)
    except cst.ParserSyntaxError as exc:
        reason, kind = syntax_error_reason(source, exc), ErrorKind.SOURCE
    except RecursionError:
        reason, kind = "too deeply nested to analyse (recursion limit): skipped", ErrorKind.NESTING
    except MemoryError:
        reason, kind = "out of memory while analysing: skipped", ErrorKind.MEMORY
    except OSError as exc:
        reason, kind = f"cannot read: {exc.strerror or exc}", ErrorKind.UNREADABLE
    except Exception as exc:  # noqa: BLE001 - one odd file must not stop the scan
        reason = f"{INTERNAL_ERROR} while analysing {task.path}: {type(exc).__name__}: {exc}"
        kind = ErrorKind.INTERNAL
        if os.environ.get("DEBTSCAN_DEBUG"):
            traceback.print_exc()
    return failed(task, reason, kind)


def cacheable(facts: FileFacts) -> bool:
    """Facts, and errors that depend on the file's bytes alone (syntax, encoding, size), are cached;
    timeouts, memory and internal errors are retried by the next scan."""
    return facts.error_kind is None or not facts.error_kind.transient


def extract_encoded(root: str, task: FileTask, knowledge: Knowledge, max_size: int
                    ) -> Tuple[bytes, bytes, FileFacts]:
    """(digest of the bytes analysed, compact encoded facts, the facts)."""
    try:
        data: Optional[bytes] = read(root, task, max_size)
    except OSError:
        data = None
    facts = extract_file(root, task, knowledge, max_size, data)
    digest = content_digest(data, task.path, task.module, task.is_package) if data is not None else b""
    return digest, dumps(facts), facts
