"""Writing the files debtscan produces (reports, baselines, graphs, diffs, the cache) without ever costing the
user the previous one.

Every write goes to a temporary file in the target's folder (``.<name>.<pid>.<random>.tmp``), is flushed and
``fsync``-ed, and only then renamed over the target (``os.replace``, atomic on POSIX and Windows). A crash, a
``kill -9`` or a full disk at any moment leaves either the previous file or the complete new one, never a
truncated mix; a failed write removes its temporary file and raises :class:`WriteError`, which names the file.
Temporaries left behind by a killed run (their process is gone) are removed by the next write to the same
target.
"""
from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from typing import Iterable, Optional, Sequence, Union

PathLike = Union[str, "os.PathLike[str]"]

SOURCE_SUFFIXES = (".py", ".ipynb")


class WriteError(OSError):
    """A file debtscan writes could not be written; the message names the file, and the previous contents
    (if any) are untouched."""

    def __init__(self, path: PathLike, reason: str) -> None:
        super().__init__(f"cannot write {os.fspath(path)}: {reason}")
        self.path = os.fspath(path)
        self.reason = reason

    def __str__(self) -> str:
        return self.args[0]


class OutputRefused(ValueError):
    """An output path that would overwrite something the user owns (a scanned source file, an input)."""


def _temp_prefix(target: str) -> str:
    return f".{os.path.basename(target)}."


_TEMP = re.compile(r"(\d+)\.[a-z0-9_]+\.tmp")


def pid_alive(pid: int) -> bool:
    """Whether a process with this id exists (a zombie counts as gone)."""
    if pid <= 0:
        return False
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            return handle.read().rsplit(b")", 1)[-1].split()[0] != b"Z"
    except (OSError, IndexError):
        return True


def remove_stale_temporaries(folder: PathLike, prefix: str) -> int:
    """Remove the temporaries ``<prefix><pid>.<random>.tmp`` in ``folder`` that a writer killed before its
    rename left behind (their process is gone); nothing else. Returns how many were removed."""
    removed = 0
    try:
        names = [n for n in os.listdir(folder) if n.startswith(prefix) and n.endswith(".tmp")]
    except OSError:
        return 0
    for name in names:
        match = _TEMP.fullmatch(name[len(prefix):])
        if not match or pid_alive(int(match.group(1))):
            continue
        try:
            os.unlink(os.path.join(os.fspath(folder), name))
            removed += 1
        except OSError:
            continue
    return removed


def _new_file_mode() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


_CREATE = os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0) \
    | getattr(os, "O_BINARY", 0)


def _mkstemp(folder: str, prefix: str, suffix: str):
    """``tempfile.mkstemp(dir=folder, prefix=prefix, suffix=suffix)`` (a new file only this process can open,
    mode 0600, under a random name), without loading :mod:`tempfile` and :mod:`random` at start-up."""
    for _ in range(10_000):
        name = os.path.join(folder, f"{prefix}{os.urandom(6).hex()}{suffix}")
        try:
            return os.open(name, _CREATE, 0o600), name
        except FileExistsError:
            continue
    raise FileExistsError(f"no temporary name free in {folder}")


def write_bytes(path: PathLike, data: bytes, *, fsync: bool = True, temp_prefix: Optional[str] = None) -> None:
    """Write ``data`` to ``path`` atomically (see the module docstring). ``temp_prefix`` names the temporary
    file (default ``.<name>.``); the process id and a random part follow it."""
    target = os.path.abspath(os.fspath(path))
    try:
        info = os.stat(target)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise WriteError(path, exc.strerror or str(exc)) from None
    if info is not None and not stat.S_ISREG(info.st_mode):  # /dev/stdout, a named pipe: a stream, written
        _write_stream(path, target, data)                     # as it is (renaming over it would replace it)
        return
    target = os.path.realpath(target)  # a symlink to the report is kept, the file it points to replaced
    folder = os.path.dirname(target)
    prefix = temp_prefix or _temp_prefix(target)
    remove_stale_temporaries(folder, prefix)
    mode = stat.S_IMODE(info.st_mode) if info is not None else _new_file_mode()
    try:
        fd, tmp = _mkstemp(folder, f"{prefix}{os.getpid()}.", ".tmp")
    except OSError as exc:
        raise WriteError(path, exc.strerror or str(exc)) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            if fsync:
                os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise WriteError(path, exc.strerror or str(exc)) from None
        raise
    if fsync:
        _fsync_folder(folder)


def _write_stream(path: PathLike, target: str, data: bytes) -> None:
    try:
        with open(target, "wb") as handle:
            handle.write(data)
    except OSError as exc:
        raise WriteError(path, exc.strerror or str(exc)) from None


def write_text(path: PathLike, text: str, **kwargs) -> None:
    """:func:`write_bytes` of ``text`` in UTF-8."""
    write_bytes(path, text.encode("utf-8"), **kwargs)


def _fsync_folder(folder: str) -> None:
    """Make the rename itself durable (best effort: not every platform can open a folder)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# -- checks before any work ---------------------------------------------------------------------------
def _same(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def _under(path: Path, folder: Path) -> bool:
    try:
        path.relative_to(folder)
        return True
    except ValueError:
        return False


def check_output(output: PathLike, *, scanned: Sequence[PathLike] = (), inputs: Iterable[PathLike] = (),
                 force: bool = False, option: str = "--output") -> Path:
    """Refuse an output path before any work is done; returns it resolved.

    Refused: a folder that does not exist or cannot be written, an existing folder as the target, one of ``inputs`` (the baseline or config this run reads, a report being compared), and a
    ``.py``/``.ipynb`` file under one of the ``scanned`` paths unless ``force`` (a scanned source file itself
    is refused even then: see :func:`check_not_scanned`).
    """
    given = os.fspath(output)
    target = Path(given).expanduser()
    resolved = Path(os.path.abspath(target))
    real = Path(os.path.realpath(resolved))
    folder = real.parent
    if not folder.is_dir():
        raise OutputRefused(f"{option} {given}: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputRefused(f"{option} {given}: the folder {folder} is not writable")
    if real.is_dir():
        raise OutputRefused(f"{option} {given} is a folder")
    for source in inputs:
        if source is not None and _same(real, Path(source)):
            raise OutputRefused(f"{option} {given} is also an input of this run ({os.fspath(source)}): "
                                f"writing it would destroy it; choose another file")
    if real.suffix in SOURCE_SUFFIXES and not force:
        for location in scanned:
            where = Path(os.path.realpath(location))
            if real == where or (where.is_dir() and _under(real, where)):
                raise OutputRefused(
                    f"{option} {given} is a {real.suffix} file under the scanned path {os.fspath(location)}: "
                    f"debtscan would {'overwrite that source file' if real.exists() else 'scan its own report next time'}"
                    f"; write the report elsewhere (or pass --force if this really is a new file)")
    return resolved


def check_not_scanned(output: PathLike, root: Path, files: Iterable[str], option: str = "--output") -> None:
    """Refuse ``output`` if it is one of the scanned source files (``files``: root-relative POSIX paths)."""
    real = Path(os.path.realpath(os.fspath(output)))
    try:
        relative = real.relative_to(os.path.realpath(root)).as_posix()
    except ValueError:
        return
    if relative in set(files):
        raise OutputRefused(f"{option} {os.fspath(output)} is one of the scanned source files: debtscan never "
                            f"overwrites scanned code, not even with --force; write the report elsewhere")
