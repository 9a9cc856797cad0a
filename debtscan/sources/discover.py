"""The one walk of a scan: the Python files and notebooks to analyse, and on the same walk the auxiliary
files the project stage reads (runner shell scripts and Makefiles, ``dvc.yaml``, Kedro catalogues) and the
listing of every folder entered (for project-root markers and which folders exist). Everything is handed on
as one frozen :class:`SourceSet`, so building the project and running rules never touch the disk.

Excludes and ``.gitignore`` files apply to every kind of file alike. Symlinks are never followed: one
pointing inside the root names a file or folder that is scanned at its real place anyway, and one pointing
outside is noted as skipped. So a scan never leaves the root and never loops on a symlink cycle. The walk
keeps its own stack: no recursion limit on how deep folders nest.

The facts cache's folder is skipped by its real place (``skip``), not by name: a user's folder that happens
to be called ``.debtscan_cache`` is scanned like any other."""
from __future__ import annotations

import enum
import os
import posixpath
import re
from dataclasses import field
from pathlib import Path
from typing import Dict, Iterable, List, Mapping, Optional, Sequence, Set, Tuple

import pathspec

from debtscan.records import record

ALWAYS_SKIPPED = frozenset({
    ".git", ".hg", ".svn", ".venv", "venv", ".env", "env", "site-packages", "node_modules", "build", "dist",
    "__pycache__", ".tox", ".nox", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".ipynb_checkpoints",
    ".eggs",
})
SUFFIXES = (".py", ".ipynb")

# Auxiliary files: how many runner files are read at most, and how large each kind may be.
MAX_RUNNERS = 200
MAX_RUNNER_BYTES = 200_000
MAX_DECLARED_BYTES = 1_000_000
MAKEFILES = ("Makefile", "makefile", "GNUmakefile")
READMES = ("README.md", "README.rst", "README.txt", "README", "readme.md", "Readme.md")
MAX_READMES = 50
_CATALOG = re.compile(r"catalog.*\.ya?ml$")


class EntryKind(enum.Enum):
    """What a folder entry is (symlinks are told apart, never followed by the walk)."""

    FILE = "file"
    DIR = "dir"
    LINK_TO_DIR = "link-to-dir"
    LINK = "link"
    OTHER = "other"  # could not be inspected


class AuxKind(enum.Enum):
    """The auxiliary files the project stage reads."""

    RUNNER = "runner"        # a ``*.sh`` script or a Makefile: runs scripts in order
    DVC = "dvc"              # ``dvc.yaml``: declared pipeline stages
    CATALOG = "catalog"      # a Kedro ``conf/**/catalog*.yml``
    README = "readme"        # ``README.md`` / ``README.rst`` / ``README``: the commands its code blocks give


def aux_kind(relpath: str) -> Optional[AuxKind]:
    """The auxiliary kind of a file at a root-relative path, or None. Files in hidden folders are none."""
    parts = relpath.split("/")
    if any(part.startswith(".") for part in parts[:-1]):
        return None
    name = parts[-1]
    if name.endswith(".sh") or name in MAKEFILES:
        return AuxKind.RUNNER
    if name in ("dvc.yaml", "dvc.yml"):
        return AuxKind.DVC
    if _CATALOG.match(name) and "conf" in parts:
        return AuxKind.CATALOG
    if name in READMES:
        return AuxKind.README
    return None


@record
class WalkTrace:
    """What the walk looked at besides the folder listings, as it found it (absolute paths): the text of each
    ``.gitignore`` it read (None: none or unreadable), whether each folder it considered entering holds a
    ``pyvenv.cfg``, and where each symlink it met points (its real path, whether that exists). With the
    listings and the files' contents this is everything the walk's result depends on, so the result cache's
    replay (:mod:`debtscan.store.replay`) can tell that a walk would find the same without walking."""

    ignores: Dict[str, Optional[str]] = field(default_factory=dict)
    venvs: Dict[str, bool] = field(default_factory=dict)
    links: Dict[str, Tuple[str, bool]] = field(default_factory=dict)


@record
class Discovery:
    """What one walk found: the Python files (repo-relative POSIX paths, sorted), what was skipped on the
    way and why, the auxiliary files by kind (walk order), and the listing of each folder entered."""

    files: List[str] = field(default_factory=list)
    skipped: List[Tuple[str, str]] = field(default_factory=list)
    aux: Dict[AuxKind, List[str]] = field(default_factory=dict)
    folders: Dict[str, Dict[str, EntryKind]] = field(default_factory=dict)
    trace: WalkTrace = field(default_factory=WalkTrace)


@record(frozen=True)
class SourceSet:
    """The sources of a scan, read once: what the project stage needs of the disk.

    ``files``: the Python files and notebooks to analyse; ``skipped``: (path, why) of what was not;
    ``runners``, ``dvc``, ``catalogs``, ``readmes``: the auxiliary files found (root-relative, walk order), whose text is in
    ``texts`` (undecodable bytes replaced; absent when larger than its limit or unreadable); ``folders``: each
    folder entered, and the folders above the scanned paths, with its entries."""

    root: str
    files: Tuple[str, ...] = ()
    skipped: Tuple[Tuple[str, str], ...] = ()
    runners: Tuple[str, ...] = ()
    dvc: Tuple[str, ...] = ()
    catalogs: Tuple[str, ...] = ()
    readmes: Tuple[str, ...] = ()
    texts: Mapping[str, str] = field(default_factory=dict)
    folders: Mapping[str, Mapping[str, EntryKind]] = field(default_factory=dict)
    trace: WalkTrace = field(default_factory=WalkTrace, repr=False, compare=False)  # not part of the result

    def listing(self, folder: str) -> Mapping[str, EntryKind]:
        """The entries of a root-relative folder (``""``: the root) by name; empty when it was not entered."""
        return self.folders.get(folder.strip("/"), {})

    def kind(self, path: str) -> Optional[EntryKind]:
        """What a root-relative path is, from its folder's listing; None if the listing does not show it
        (no such entry, or a folder the walk did not enter: excluded, ignored, hidden from the scan)."""
        path = posixpath.normpath(path.strip("/")) if path.strip("/") else ""
        if not path or path == "." or path.startswith(".."):
            return EntryKind.DIR if path in ("", ".") else None
        folder, name = posixpath.split(path)
        return self.listing(folder).get(name)

    def is_dir(self, path: str) -> bool:
        """Whether a root-relative path is a folder (or a symlink to one) by the listings."""
        return self.kind(path) in (EntryKind.DIR, EntryKind.LINK_TO_DIR)

    def exists(self, path: str) -> bool:
        """Whether a root-relative path is in the listings (a file, folder or symlink the walk saw)."""
        return self.kind(path) is not None


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


def _is_venv(path: str, trace: Optional[WalkTrace] = None) -> bool:
    found = os.path.isfile(os.path.join(path, "pyvenv.cfg"))
    if trace is not None:
        trace.venvs[path] = found
    return found


def _gitignore(directory: str, trace: Optional[WalkTrace] = None) -> Optional[pathspec.PathSpec]:
    candidate = os.path.join(directory, ".gitignore")
    try:
        with open(candidate, encoding="utf-8", errors="replace") as handle:
            text = handle.read()
    except OSError:
        text = None
    if trace is not None:
        trace.ignores[candidate] = text
    return None if text is None else pathspec.GitIgnoreSpec.from_lines(text.splitlines())


def discover(root: Path, paths: Sequence[Path] = (), exclude: Iterable[str] = (),
             respect_gitignore: bool = True, skip: Iterable[Path] = ()) -> Discovery:
    """Find the files to scan under ``root`` (restricted to ``paths`` when given), and on the same walk the
    auxiliary files and folder listings (see :class:`Discovery`). Folders in ``skip`` (the facts cache) are
    never entered nor listed: a scan sees the same folders whether its cache exists yet or not."""
    result = Discovery()
    aux: Dict[AuxKind, List[str]] = {kind: [] for kind in AuxKind}
    result.aux = aux
    root_real = os.path.realpath(root)
    skipped_dirs = {os.path.realpath(folder) for folder in skip}
    excluded = pathspec.GitIgnoreSpec.from_lines(list(exclude))
    starts = [os.path.realpath(p) for p in paths] or [root_real]
    seen_dirs: Set[str] = set()
    found: Set[str] = set()
    aux_seen: Set[str] = set()

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
                spec = _gitignore(directory, result.trace)
                if spec is not None:
                    specs = specs + [(base, spec)]
            try:
                entries = sorted(os.scandir(directory), key=lambda e: e.name)
            except OSError as exc:
                result.skipped.append((base or ".", f"cannot list directory: {exc.strerror or exc}"))
                continue
            listing: Dict[str, EntryKind] = {}
            result.folders[base] = listing
            subfolders = []
            for entry in entries:
                if entry.path in skipped_dirs:  # the cache's folder: neither scanned nor listed
                    continue
                relpath = f"{base}/{entry.name}" if base else entry.name
                if not _is_text(entry.name):
                    listing[entry.name] = _entry_kind(entry)
                    if entry.name.endswith(SUFFIXES) or entry.is_dir(follow_symlinks=False):
                        result.skipped.append((printable(relpath), "file name is not valid UTF-8: skipped"))
                    continue
                try:
                    is_link = entry.is_symlink()
                except OSError:
                    listing[entry.name] = EntryKind.OTHER
                    continue
                if is_link:  # never followed; os.path.isdir does not raise on a loop (entry.is_dir() may)
                    is_dir = os.path.isdir(entry.path)
                    listing[entry.name] = EntryKind.LINK_TO_DIR if is_dir else EntryKind.LINK
                else:
                    try:
                        is_dir = entry.is_dir()
                        is_file = entry.is_file()
                    except OSError:
                        listing[entry.name] = EntryKind.OTHER
                        continue
                    listing[entry.name] = EntryKind.DIR if is_dir else EntryKind.FILE if is_file else EntryKind.OTHER
                if is_link:
                    target = os.path.realpath(entry.path)
                    result.trace.links[entry.path] = (target, os.path.exists(target))
                    if not inside(target) and (is_dir or entry.name.endswith(SUFFIXES)):
                        result.skipped.append((relpath, "symlink leaves the scanned root: not followed"))
                    elif not os.path.exists(target) and entry.name.endswith(SUFFIXES):
                        result.skipped.append((relpath, "broken or looping symlink"))
                    continue
                if is_dir:
                    if entry.name in ALWAYS_SKIPPED or _is_venv(entry.path, result.trace):
                        continue
                    if ignored(relpath, True, specs):
                        continue
                    subfolders.append(os.path.join(directory, entry.name))
                elif is_file and entry.name.endswith(SUFFIXES):
                    if ignored(relpath, False, specs):
                        continue
                    found.add(relpath)
                elif is_file:
                    kind = aux_kind(relpath)
                    if kind is not None and not ignored(relpath, False, specs) and relpath not in aux_seen:
                        aux_seen.add(relpath)
                        aux[kind].append(relpath)
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
                    spec = _gitignore(os.path.join(root_real, prefix) if prefix else root_real, result.trace)
                    if spec is not None:
                        parent_specs.append((prefix, spec))
            walk(logical, parent_specs)
        elif os.path.isfile(start) and start.endswith(SUFFIXES):
            found.add(rel(start))
    result.files = sorted(found)
    del aux[AuxKind.RUNNER][MAX_RUNNERS:]  # the first ones in walk order
    del aux[AuxKind.README][MAX_READMES:]
    # the folders above the scanned paths (and a scanned file's own): project markers are looked up there too
    tops = set()
    for start in starts:
        if inside(start):
            top = "" if start == root_real else rel(start)
            tops.add(top if os.path.isdir(start) else posixpath.dirname(top))
    for folder in sorted(tops):
        while True:
            if folder not in result.folders:
                result.folders[folder] = _listing(os.path.join(root_real, folder) if folder else root_real,
                                                  skipped_dirs)
            if not folder:
                break
            folder = posixpath.dirname(folder)
    return result


def _entry_kind(entry: "os.DirEntry[str]") -> EntryKind:
    try:
        if entry.is_symlink():
            return EntryKind.LINK_TO_DIR if os.path.isdir(entry.path) else EntryKind.LINK
        if entry.is_dir():
            return EntryKind.DIR
        return EntryKind.FILE if entry.is_file() else EntryKind.OTHER
    except OSError:
        return EntryKind.OTHER


def _listing(directory: str, skipped: Set[str] = frozenset()) -> Dict[str, EntryKind]:
    """The entries of one folder (above the scanned paths), or none if it cannot be listed; the folders in
    ``skipped`` (the cache's) are left out."""
    try:
        with os.scandir(directory) as entries:
            return {entry.name: _entry_kind(entry) for entry in sorted(entries, key=lambda e: e.name)
                    if entry.path not in skipped}
    except OSError:
        return {}


def read_small_text(path: str, max_bytes: int) -> Optional[str]:
    """A file's text (undecodable bytes replaced), or None when it is larger than ``max_bytes`` or unreadable.
    Never through a symlink: the walk lists only regular files as auxiliary files."""
    try:
        if os.stat(path, follow_symlinks=False).st_size > max_bytes:
            return None
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read()
    except OSError:
        return None


def find_sources(root: Path, paths: Sequence[Path] = (), exclude: Iterable[str] = (),
                 respect_gitignore: bool = True, skip: Iterable[Path] = ()) -> SourceSet:
    """The :class:`SourceSet` of a scan: one :func:`discover` walk, then the text of each auxiliary file it
    found (runners up to :data:`MAX_RUNNER_BYTES`, DVC and Kedro files up to :data:`MAX_DECLARED_BYTES`)."""
    found = discover(root, paths, exclude, respect_gitignore, skip)
    root_real = os.path.realpath(root)
    texts: Dict[str, str] = {}
    for kind, limit in ((AuxKind.RUNNER, MAX_RUNNER_BYTES), (AuxKind.DVC, MAX_DECLARED_BYTES),
                        (AuxKind.CATALOG, MAX_DECLARED_BYTES), (AuxKind.README, MAX_RUNNER_BYTES)):
        for relpath in found.aux[kind]:
            text = read_small_text(os.path.join(root_real, relpath), limit)
            if text is not None:
                texts[relpath] = text
    return SourceSet(root=root_real, files=tuple(found.files), skipped=tuple(found.skipped),
                     runners=tuple(found.aux[AuxKind.RUNNER]), dvc=tuple(found.aux[AuxKind.DVC]),
                     catalogs=tuple(found.aux[AuxKind.CATALOG]), readmes=tuple(found.aux[AuxKind.README]),
                     texts=texts, folders=found.folders, trace=found.trace)
