"""The Python files of a scan as tasks: each file's path and the dotted module it is."""
from __future__ import annotations

import posixpath
from typing import List, Sequence, Tuple

from debtscan.records import record


@record(frozen=True)
class FileTask:
    """One file to extract: where it is (root-relative POSIX path) and what module it is."""

    path: str
    module: str
    is_package: bool


def module_name_for(path: str, package_dirs: Sequence[str]) -> Tuple[str, bool]:
    """Dotted module name of a repo-relative path, given which folders are packages (hold ``__init__.py``)."""
    packages = set(package_dirs)
    directory, filename = posixpath.split(path)
    stem = filename.rsplit(".", 1)[0]
    is_package = stem == "__init__"
    parts = [] if is_package else [stem]
    while directory and directory in packages:
        parts.insert(0, posixpath.basename(directory))
        directory = posixpath.dirname(directory)
    if not parts:
        parts = [posixpath.basename(posixpath.dirname(path)) or stem]
    return ".".join(p.replace("-", "_").replace(" ", "_") for p in parts), is_package


def plan_tasks(files: Sequence[str]) -> List[FileTask]:
    """Each file's task; a folder is a package when it holds ``__init__.py``."""
    package_dirs = {f.rsplit("/", 1)[0] if "/" in f else "" for f in files if f.endswith("/__init__.py")}
    tasks = []
    for path in files:
        module, is_package = module_name_for(path, sorted(package_dirs))
        tasks.append(FileTask(path, module, is_package))
    return tasks
