"""Project roots: the folders, at or below the scan root, that relative paths are taken from.

A monorepo holds many projects side by side (``churn/``, ``fraud/``, ``services/ranker/``), each run from
its own folder: ``data/interim/x.pkl`` written by a script of ``churn/`` is ``churn/data/interim/x.pkl``,
never the same file as the ``data/interim/x.pkl`` of ``fraud/``. Every scanned file belongs to the nearest
project root at or above its folder; the scan root itself is always one.

A folder below the scan root is a project root when it holds one of :data:`MARKERS` (``pyproject.toml``,
``setup.py``, ``setup.cfg``, ``requirements*.txt``, ``environment.yml``, ``dvc.yaml``, ``MLproject``, a
nested ``.git``, ...), or a README next to scripts: a ``README*`` in a folder that directly holds Python files
or notebooks and is no package (no ``__init__.py``: a package's README documents the package, whose code runs
from elsewhere). ``[tool.debtscan] project-roots = ["services/*", "jobs/etl"]`` replaces the detection: the
folders those globs name (and the scan root) are the project roots, and ``project-roots = []`` makes the
whole scan one project.

Cost: one directory listing per folder that holds a scanned file or an ancestor of one (O(folders)), and a
walk up at most the depth of a path to find the project of a path (cached per folder).
"""
from __future__ import annotations

import fnmatch
import posixpath
import re
from enum import Enum
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from debtscan.project.paths import PathIndex, matches
from debtscan.records import record
from debtscan.sources.discover import EntryKind, SourceSet

#: Files (or folders) whose presence makes a folder a project of its own, whatever else it holds.
MARKERS = ("debtscan.toml", "pyproject.toml", "setup.py", "setup.cfg", "environment.yml", "environment.yaml", "conda.yaml",
           "dvc.yaml", "dvc.yml", "MLproject", "Pipfile", "poetry.lock", ".git")
_REQUIREMENTS = re.compile(r"^requirements.*\.(txt|in)$", re.IGNORECASE)
_README = re.compile(r"^readme(\.[A-Za-z0-9]+)?$", re.IGNORECASE)
_SCRIPT_SUFFIXES = (".py", ".ipynb")


class RootKind(Enum):
    """Why a folder is a project root."""

    SCAN_ROOT = "scan-root"      # the folder the scan started from
    MARKER = "marker"            # it holds a project file (``pyproject.toml``, ``requirements.txt``, ...)
    README = "readme"            # a README at the top of a folder of scripts
    CONFIGURED = "configured"    # named by ``project-roots``


@record(frozen=True, order=True)
class ProjectRoot:
    """A project of the scan: ``path`` is its folder relative to the scan root (``""`` for the scan root),
    ``marker`` the file that made it one (``""`` for the scan root, the glob for a configured one)."""

    path: str
    kind: RootKind = RootKind.SCAN_ROOT
    marker: str = ""

    @property
    def name(self) -> str:
        return self.path or "."

    def contains(self, rel: str) -> bool:
        """Whether a scan-relative path lies in this project's folder (nested projects included)."""
        return not self.path or rel == self.path or rel.startswith(self.path + "/")

    def local(self, rel: str) -> str:
        """A scan-relative path inside this project, relative to the project's folder."""
        if not self.path:
            return rel
        if rel == self.path:
            return "."
        return rel[len(self.path) + 1:] if rel.startswith(self.path + "/") else rel

    def join(self, local: str) -> str:
        """A project-relative path as a scan-relative one."""
        return posixpath.normpath(posixpath.join(self.path, local)) if self.path else posixpath.normpath(local)


SCAN_ROOT = ProjectRoot("")


class ProjectRoots:
    """The project roots of a scan, and which project every path belongs to."""

    def __init__(self, roots: Iterable[ProjectRoot] = ()) -> None:
        self.by_path: Dict[str, ProjectRoot] = {"": SCAN_ROOT}
        for root in roots:
            if root.path:
                self.by_path[root.path] = root
        self._folder_cache: Dict[str, ProjectRoot] = {}
        self._path_cache: Dict[str, ProjectRoot] = {}

    @property
    def roots(self) -> List[ProjectRoot]:
        return [self.by_path[p] for p in sorted(self.by_path)]

    def __len__(self) -> int:
        return len(self.by_path)

    def folder_project(self, folder: str) -> ProjectRoot:
        """The project a folder belongs to: the nearest project root at or above it. O(depth), cached."""
        cached = self._folder_cache.get(folder)
        if cached is not None:
            return cached
        current = folder
        while True:
            root = self.by_path.get(current)
            if root is not None:
                break
            if not current or current in (".", "/"):
                root = SCAN_ROOT
                break
            current = posixpath.dirname(current)
        self._folder_cache[folder] = root
        return root

    def of(self, path: str) -> ProjectRoot:
        """The project of a scanned file (a scan-relative path). Cached per path."""
        cached = self._path_cache.get(path)
        if cached is None:
            cached = self._path_cache[path] = self.folder_project(posixpath.dirname(path))
        return cached

    def of_artifact(self, artifact: str) -> ProjectRoot:
        """The project a resolved path lies in: the nearest project root above its literal folders (the
        part before any ``*``). Absolute paths and paths leaving the scan root belong to the scan root."""
        if artifact.startswith(("/", "~", "..")) or re.match(r"^[A-Za-z]:/", artifact):
            return SCAN_ROOT
        literal = artifact.split("*", 1)[0]
        folder = posixpath.dirname(literal) if "*" not in artifact else literal.rpartition("/")[0]
        return self.folder_project(folder)


def _listing(sources: SourceSet, folder: str) -> List[Tuple[str, bool]]:
    """(name, is a folder) of each entry of a scanned folder, from the scan's walk."""
    return [(name, kind is EntryKind.DIR) for name, kind in sources.listing(folder).items()]


def _marker(names: Sequence[Tuple[str, bool]], scripts: bool) -> Optional[Tuple[RootKind, str]]:
    files = {name for name, _ in names}
    for marker in MARKERS:
        if marker in files:
            return RootKind.MARKER, marker
    for name in sorted(files):
        if _REQUIREMENTS.match(name):
            return RootKind.MARKER, name
    if scripts and "__init__.py" not in files:
        for name, is_dir in sorted(names):
            if not is_dir and _README.match(name):
                return RootKind.README, name
    return None


def find_project_roots(sources: Optional[SourceSet], files: Iterable[str],
                       configured: Optional[Sequence[str]] = None) -> ProjectRoots:
    """The project roots of a scan that saw ``files`` (scan-relative paths), by the markers in the folder
    listings of its walk (``sources``; None: no markers, only the scan root).

    ``configured`` (``project-roots``) replaces the detection by markers: each glob names folders relative
    to the scan root (``services/*``); ``[]`` leaves only the scan root."""
    files = list(files)
    folders: Dict[str, bool] = {}      # folder -> whether it directly holds scanned scripts
    for path in files:
        folder = posixpath.dirname(path)
        folders[folder] = folders.get(folder, False) or path.endswith(_SCRIPT_SUFFIXES)
        parent = posixpath.dirname(folder) if folder else None
        while parent is not None and parent not in folders:
            folders[parent] = False
            parent = posixpath.dirname(parent) if parent else None
    folders.pop("", None)
    roots: List[ProjectRoot] = []
    if configured is not None:
        for folder in sorted(folders):
            for pattern in configured:
                pattern = pattern.strip("/")
                if pattern and fnmatch.fnmatchcase(folder, pattern):
                    roots.append(ProjectRoot(folder, RootKind.CONFIGURED, pattern))
                    break
        return ProjectRoots(roots)
    if sources is None:
        return ProjectRoots()
    for folder in sorted(folders):
        found = _marker(_listing(sources, folder), folders[folder])
        if found is not None:
            roots.append(ProjectRoot(folder, found[0], found[1]))
    return ProjectRoots(roots)




class ScopedPathIndex:
    """Resolved paths filed per project (a :class:`~debtscan.project.paths.PathIndex` each, on project-relative
    paths): a path only meets paths of the project it lies in, as it would in a scan of that project alone.
    Adding is O(1) amortised; :meth:`matching` costs one index query plus a match per candidate."""

    def __init__(self, projects: ProjectRoots, paths: Iterable[str] = ()) -> None:
        self.projects = projects
        self._indexes: Dict[str, PathIndex] = {}
        self._full: Dict[Tuple[str, str], str] = {}
        for path in paths:
            self.add(path)

    def _split(self, path: str) -> Tuple[ProjectRoot, str]:
        root = self.projects.of_artifact(path)
        return root, root.local(path)

    def add(self, path: str) -> None:
        root, local = self._split(path)
        self._indexes.setdefault(root.path, PathIndex()).add(local)
        self._full[(root.path, local)] = path

    def matching(self, query: str) -> List[str]:
        """The indexed paths that may name the same file as ``query`` (itself included), sorted."""
        root, local = self._split(query)
        index = self._indexes.get(root.path)
        if index is None:
            return []
        return sorted(self._full[(root.path, c)] for c in index.candidates(local)
                      if c == local or matches(local, c))


def same_file(projects: ProjectRoots, a: str, b: str) -> bool:
    """Whether two resolved paths may name the same file: they lie in one project and match there."""
    if a == b:
        return True
    root_a, root_b = projects.of_artifact(a), projects.of_artifact(b)
    return root_a == root_b and matches(root_a.local(a), root_b.local(b))


__all__ = ["MARKERS", "RootKind", "ProjectRoot", "ProjectRoots", "SCAN_ROOT", "ScopedPathIndex", "find_project_roots",
           "same_file"]
