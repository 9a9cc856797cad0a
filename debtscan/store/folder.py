"""The facts cache's folder: where it is, whether it may be used, and what debtscan writes in a folder it
creates. Kept apart from :mod:`debtscan.store.cache` (which loads the fact schema) so that the result cache
(:mod:`debtscan.store.results`) finds the folder without loading the facts stage."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Optional, Pattern, Tuple

from debtscan.config import Config, ConfigError, line_of
from debtscan.store.prune import starts_with

TAG_NAME = "CACHEDIR.TAG"
TAG_TEXT = ("Signature: 8a477f597d28d172789f06886806bc55\n"
            "# This file is a cache directory tag created by debtscan (its facts cache).\n"
            "# For information about cache directory tags, see https://bford.info/cachedir/\n")
GITIGNORE_TEXT = "# Created by debtscan: the facts cache is not for version control.\n*\n"


def cache_disabled_by_env() -> bool:
    """``DEBTSCAN_NO_CACHE=1`` (any value but empty, ``0``, ``false``, ``no``) turns the cache off."""
    return os.environ.get("DEBTSCAN_NO_CACHE", "").strip().lower() not in ("", "0", "false", "no")


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


def is_own_folder(folder: Path) -> bool:
    """Whether the cache created ``folder`` (its ``CACHEDIR.TAG``, or the ``.gitignore`` older versions wrote)."""
    for name, mark in ((TAG_NAME, "created by debtscan"), (".gitignore", "# Created by debtscan")):
        try:
            with open(folder / name, encoding="utf-8", errors="replace") as handle:
                if mark in handle.read(4096):
                    return True
        except OSError:
            continue
    return False


_SOURCE_SUFFIXES = (".py", ".ipynb")


def _first_source(folder: Path, limit: int = 100_000) -> Optional[str]:
    """A ``.py``/``.ipynb`` file in ``folder`` at any depth (symlinks not followed; iterative), or None."""
    stack, seen = [str(folder)], 0
    while stack and seen < limit:
        try:
            entries = list(os.scandir(stack.pop()))
        except OSError:
            continue
        for entry in entries:
            seen += 1
            try:
                if entry.is_dir(follow_symlinks=False):
                    stack.append(entry.path)
                elif entry.name.endswith(_SOURCE_SUFFIXES) and entry.is_file(follow_symlinks=False):
                    return os.path.relpath(entry.path, folder)
            except OSError:
                continue
    return None


def cache_folder_problem(folder: Path, root: Path) -> str:
    """Why ``folder`` cannot hold the facts cache of a scan of ``root`` (``""`` if it can): it is the root or
    above it, or it is not the cache's own folder and holds source files."""
    real = Path(os.path.realpath(folder))
    real_root = Path(os.path.realpath(root))
    if real == real_root:
        return "is the project root"
    if real in real_root.parents:
        return f"is a folder above the project root {real_root}"
    if not real.is_dir() or is_own_folder(real):
        return ""
    source = _first_source(real)
    if source:
        return f"holds source files ({Path(source).as_posix()})"
    return ""


def written_by_cache(path: Path, name: Pattern[str], header: bytes) -> bool:
    """Whether ``path`` is a file the cache wrote: its name matches ``name`` and it starts with ``header``
    (the only files the cache ever replaces or removes)."""
    return name.fullmatch(path.name) is not None and starts_with(str(path), header)
