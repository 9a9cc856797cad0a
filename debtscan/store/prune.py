"""The cache's housekeeping of its own files, with the standard library only (the replay imports it before
anything else is loaded): keep the newest files of one kind, and tell the cache's own files by their header.
"""

from __future__ import annotations

import os
from typing import Callable


def starts_with(path: str, header: bytes) -> bool:
    """Whether the file at ``path`` starts with ``header`` (False when it cannot be read)."""
    try:
        with open(path, "rb") as handle:
            return handle.read(len(header)) == header
    except OSError:
        return False


def prune_oldest(folder: str, is_name: Callable[[str], bool], is_own: Callable[[str], bool], keep: str,
                 limit: int) -> None:
    """Remove the oldest regular files of ``folder`` whose name ``is_name`` accepts, beyond the newest
    ``limit``; never ``keep``, and only files ``is_own`` says the cache wrote. O(n log n) in the folder's
    entries."""
    try:
        entries = [entry for entry in os.scandir(folder) if is_name(entry.name)
                   and entry.is_file(follow_symlinks=False)]
    except OSError:
        return
    if len(entries) <= limit:
        return
    entries.sort(key=lambda entry: entry.stat(follow_symlinks=False).st_mtime_ns, reverse=True)
    for entry in entries[limit:]:
        if entry.path == keep or not is_own(entry.path):
            continue
        try:
            os.unlink(entry.path)
        except OSError:
            pass
