"""Which files to scan: ``.py`` and ``.ipynb`` under the given paths, honouring ``.gitignore`` and excludes.

Symlinks are never followed: one pointing inside the root names a file or folder that is scanned at its
real place anyway, and one pointing outside is noted as skipped. So a scan never leaves the root and never
loops on a symlink cycle. The walk keeps its own stack: no recursion limit on how deep folders nest.

The facts cache's folder is skipped by its real place (``skip``), not by name: a user's folder that happens
to be called ``.debtscan_cache`` is scanned like any other."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator, List, Optional, Sequence, Set, Tuple

import pathspec

ALWAYS_SKIPPED = frozenset({
    ".git", ".hg", ".svn", ".venv", "venv", ".env", "env", "site-packages", "node_modules", "build", "dist",
    "__pycache__", ".tox", ".nox", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".ipynb_checkpoints",
    ".eggs",
})
SUFFIXES = (".py", ".ipynb")


@dataclass
class Discovery:
    """The files found (repo-relative POSIX paths, sorted) and what was skipped on the way, with why."""

    files: List[str] = field(default_factory=list)
    skipped: List[Tuple[str, str]] = field(default_factory=list)


def _is_text(name: str) -> bool:
    """False for a name with bytes that are not UTF-8 (Python keeps them as lone surrogates): such a name
    cannot appear in a JSON or SARIF report, so the file is skipped with a note."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def printable(path: str) -> str:
    """``path`` with undecodable bytes shown as ``\\xNN``."""
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _is_venv(path: str) -> bool:
    return os.path.isfile(os.path.join(path, "pyvenv.cfg"))


def _gitignore(directory: str) -> Optional[pathspec.PathSpec]:
    candidate = os.path.join(directory, ".gitignore")
    try:
        with open(candidate, encoding="utf-8", errors="replace") as handle:
            return pathspec.GitIgnoreSpec.from_lines(handle.read().splitlines())
    except OSError:
        return None


def discover(root: Path, paths: Sequence[Path] = (), exclude: Iterable[str] = (),
             respect_gitignore: bool = True, skip: Iterable[Path] = ()) -> Discovery:
    """Find the files to scan under ``root`` (restricted to ``paths`` when given). Folders in ``skip`` (the
    facts cache) are never entered."""
    result = Discovery()
    root_real = os.path.realpath(root)
    skipped_dirs = {os.path.realpath(folder) for folder in skip}
    excluded = pathspec.GitIgnoreSpec.from_lines(list(exclude))
    starts = [os.path.realpath(p) for p in paths] or [root_real]
    seen_dirs: Set[str] = set()
    found: Set[str] = set()

    def inside(real: str) -> bool:
        return real == root_real or real.startswith(root_real.rstrip(os.sep) + os.sep)

    def rel(path: str) -> str:
        return os.path.relpath(path, root_real).replace(os.sep, "/")

    def ignored(relpath: str, is_dir: bool, specs) -> bool:
        probe = relpath + "/" if is_dir else relpath
        if excluded.match_file(probe):
            return True
        for base, spec in specs:
            sub = relpath[len(base) + 1:] if base else relpath
            if spec.match_file(sub + "/" if is_dir else sub):
                return True
        return False

    def walk(top: str, top_specs) -> None:
        """Depth-first, with an explicit stack (folders nest as deep as the file system allows)."""
        stack = [(top, top_specs)]
        while stack:
            directory, specs = stack.pop()
            # symlinks are never followed, so below a real start every folder's path is its real path
            # (no os.path.realpath per folder: that costs one lstat per level, quadratic in the depth)
            real = directory
            if real in seen_dirs:
                result.skipped.append((rel(directory), "symlink cycle or directory already scanned"))
                continue
            seen_dirs.add(real)
            if real in skipped_dirs:
                continue
            base = rel(directory) if directory != root_real else ""
            if base == ".":
                base = ""
            if respect_gitignore:
                spec = _gitignore(directory)
                if spec is not None:
                    specs = specs + [(base, spec)]
            try:
                entries = sorted(os.scandir(directory), key=lambda e: e.name)
            except OSError as exc:
                result.skipped.append((base or ".", f"cannot list directory: {exc.strerror or exc}"))
                continue
            subfolders = []
            for entry in entries:
                relpath = f"{base}/{entry.name}" if base else entry.name
                if not _is_text(entry.name):
                    if entry.name.endswith(SUFFIXES) or entry.is_dir(follow_symlinks=False):
                        result.skipped.append((printable(relpath), "file name is not valid UTF-8: skipped"))
                    continue
                try:
                    is_link = entry.is_symlink()
                except OSError:
                    continue
                if is_link:  # never followed; os.path.isdir does not raise on a loop (entry.is_dir() may)
                    is_dir = os.path.isdir(entry.path)
                else:
                    try:
                        is_dir = entry.is_dir()
                        is_file = entry.is_file()
                    except OSError:
                        continue
                if is_link:
                    target = os.path.realpath(entry.path)
                    if not inside(target) and (is_dir or entry.name.endswith(SUFFIXES)):
                        result.skipped.append((relpath, "symlink leaves the scanned root: not followed"))
                    elif not os.path.exists(target) and entry.name.endswith(SUFFIXES):
                        result.skipped.append((relpath, "broken or looping symlink"))
                    continue
                if is_dir:
                    if entry.name in ALWAYS_SKIPPED or _is_venv(entry.path):
                        continue
                    if ignored(relpath, True, specs):
                        continue
                    subfolders.append(os.path.join(directory, entry.name))
                elif is_file and entry.name.endswith(SUFFIXES):
                    if ignored(relpath, False, specs):
                        continue
                    found.add(relpath)
            stack.extend((folder, specs) for folder in reversed(subfolders))

    for start in starts:
        if not inside(start):
            result.skipped.append((str(start), "outside the scanned root"))
            continue
        if os.path.isdir(start):
            logical = start if start == root_real else os.path.join(root_real, rel(start))
            parent_specs = []
            if respect_gitignore and start != root_real:
                parts = rel(start).split("/")
                for i in range(len(parts)):
                    prefix = "/".join(parts[:i])
                    spec = _gitignore(os.path.join(root_real, prefix) if prefix else root_real)
                    if spec is not None:
                        parent_specs.append((prefix, spec))
            walk(logical, parent_specs)
        elif os.path.isfile(start) and start.endswith(SUFFIXES):
            found.add(rel(start))
    result.files = sorted(found)
    return result


def walk_folders(top: str) -> Iterator[Tuple[str, List[str], List[str]]]:
    """``os.walk(top)`` (top-down, symlinks not followed, ``dirs`` may be pruned in place) with an explicit
    stack: Python's own ``os.walk`` recurses once per level and fails on deeply nested folders."""
    stack = [top]
    while stack:
        directory = stack.pop()
        try:
            entries = list(os.scandir(directory))
        except OSError:
            continue
        dirs, files = [], []
        for entry in entries:
            try:
                (dirs if entry.is_dir(follow_symlinks=False) else files).append(entry.name)
            except OSError:
                files.append(entry.name)
        yield directory, dirs, files
        stack.extend(os.path.join(directory, name) for name in reversed(dirs))
