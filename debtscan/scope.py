"""What a scan covers: the project root (its context) and the paths whose findings are reported (its scope).

One rule, ruff's, for every form of ``debtscan scan`` (and for :func:`debtscan.scan`): findings are reported
only in the given paths (folders or files), and the context, the cross-file model of hand-offs, consumers and
imports, comes from the whole project. The project is the folder of the configuration file
(``debtscan.toml`` or a ``pyproject.toml`` with ``[tool.debtscan]``), else the git work tree holding the
first path, else the current folder when every path is inside it and a file was named or the folder holds a
project file (``pyproject.toml``, ``setup.py``, ``setup.cfg``, ``requirements.txt``, ``dvc.yaml``,
``environment.yml``), else the paths' common folder.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Optional, Sequence, Set, Tuple

from debtscan.config import Config
from debtscan.gittop import git_toplevel  # noqa: F401 - re-exported (the root of a git work tree)


class ScopeError(ValueError):
    """A path that does not exist or lies outside the project root."""


# Files that mark a folder as a project's root (the current folder counts as the project only with one).
PROJECT_MARKERS = ("pyproject.toml", "setup.py", "setup.cfg", "requirements.txt", "dvc.yaml", "environment.yml")


def project_root(targets: Sequence[Path], config: Config) -> Path:
    """The project a scan of ``targets`` sees (see the module docstring)."""
    if config.root is not None:
        return config.root.resolve()
    resolved = [t.resolve() for t in targets]
    first = resolved[0] if resolved[0].is_dir() else resolved[0].parent
    git = git_toplevel(first)
    if git is not None:
        return git.resolve()
    cwd = Path.cwd().resolve()
    inside = all(t == cwd or cwd in t.parents for t in resolved)
    # the current folder is the project when a file was named in it (as pre-commit does), or when it looks
    # like a project's root; `debtscan scan repo` from an arbitrary parent folder scans `repo`
    if inside and (any(not t.is_dir() for t in resolved) or any((cwd / m).exists() for m in PROJECT_MARKERS)):
        return cwd
    return Path(os.path.commonpath([str(t if t.is_dir() else t.parent) for t in resolved]))


def scope_of(targets: Sequence[Path], root: Path) -> Optional[Set[str]]:
    """The root-relative paths whose findings are reported; None when a target is the root itself."""
    only: Set[str] = set()
    for target in targets:
        if not target.exists():
            raise ScopeError(f"path does not exist: {target}")
        resolved = target.resolve()
        if resolved == root:
            return None
        try:
            only.add(resolved.relative_to(root).as_posix())
        except ValueError:
            raise ScopeError(f"{target} is outside the project root {root}") from None
    return only


def in_scope(path: str, scope: Optional[Set[str]]) -> bool:
    """Whether a root-relative ``path`` is one of the ``scope`` files or under one of its folders."""
    if scope is None or path in scope:
        return True
    return any(path.startswith(entry.rstrip("/") + "/") for entry in scope if entry not in ("", "."))


def resolve(targets: Sequence[Path], config: Config) -> Tuple[Path, Optional[Set[str]]]:
    """(project root, scope) for a scan of ``targets`` with ``config``."""
    for target in targets:
        if not target.exists():
            raise ScopeError(f"path does not exist: {target}")
    root = project_root(targets, config)
    return root, scope_of(targets, root)
