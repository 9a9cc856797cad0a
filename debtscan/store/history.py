"""The facts cache of ``debtscan history``: every version of every file, for a whole walk and between walks.

The scan's own cache (:class:`debtscan.store.cache.FactsCache`) keeps one entry per path, the latest: right for a
working tree, but a walk through history revisits old versions (a second run, or a window that slides by one
commit each night). This one keeps entries by (path, content digest), so any version seen once is never parsed
again, and it stays in memory for the whole walk (one load, one write at the end, instead of one per commit).
It shares the scan cache's encoding, its salt (a new extractor, catalogue or knowledge table starts afresh)
and its robustness: a corrupt pack or entry is a miss with one warning, an unwritable folder a warning.
"""
from __future__ import annotations

import marshal
import os
import tempfile
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

from debtscan.store.cache import FactsCache
from debtscan.store.codec import make_decoder

_MAGIC = b"debtscan-history-facts\n"
_MARSHAL_VERSION = 4
MAX_ENTRIES = 200_000  # versions kept between runs (those used by the last run first)


class VersionedFactsCache(FactsCache):
    """Facts by (path, digest); see the module docstring. :meth:`save` is a no-op, :meth:`flush` writes."""

    def __init__(self, directory: Path, salt: str) -> None:
        self.directory = Path(directory)
        self.salt = salt
        self.file = self.directory / f"history-{salt}.pack"
        self.enabled = True
        self.warnings: List[str] = []
        self.hits = 0
        self.misses = 0
        self._versions: Optional[Dict[Tuple[str, bytes], bytes]] = None
        self._used: Dict[Tuple[str, bytes], bytes] = {}
        self._dirty = False
        self._decode: Optional[Callable[[Any], Any]] = None

    def _load_versions(self) -> Dict[Tuple[str, bytes], bytes]:
        if self._versions is not None:
            return self._versions
        self._versions = {}
        try:
            raw = self.file.read_bytes()
        except (FileNotFoundError, NotADirectoryError):
            return self._versions
        except OSError as exc:
            self._warn(f"cannot read the history cache {self.file} ({exc.strerror or exc}); continuing without it")
            return self._versions
        try:
            if not raw.startswith(_MAGIC):
                raise ValueError("bad header")
            data = marshal.loads(raw[len(_MAGIC):])
            if not isinstance(data, dict):
                raise ValueError("not a table")
            self._versions = data
        except Exception:  # noqa: BLE001 - marshal raises ValueError/EOFError/TypeError on bad data
            self._warn(f"the history cache {self.file} is corrupt; ignoring it (it will be rewritten)")
        return self._versions

    def has(self, path: str, digest: bytes) -> bool:
        return self.enabled and (path, digest) in self._load_versions()

    def get(self, path: str, digest: bytes) -> Optional[Any]:
        if not self.enabled:
            return None
        blob = self._load_versions().get((path, digest))
        if not isinstance(blob, bytes):
            self.misses += 1
            return None
        if self._decode is None:
            self._decode = make_decoder()
        try:
            facts = self._decode(marshal.loads(blob))
            from debtscan.facts.model import FileFacts

            if not isinstance(facts, FileFacts) or facts.path != path:
                raise ValueError("not the facts of this file")
        except Exception:  # noqa: BLE001 - a corrupt entry is a miss
            self._warn(f"the history cache {self.file} has a corrupt entry; it will be rewritten")
            del self._versions[(path, digest)]  # type: ignore[union-attr]
            self._dirty = True
            self.misses += 1
            return None
        self.hits += 1
        self._used[(path, digest)] = blob
        return facts

    def put(self, path: str, digest: bytes, blob: bytes) -> None:
        if not self.enabled:
            return
        self._load_versions()[(path, digest)] = blob
        self._used[(path, digest)] = blob
        self._dirty = True

    def save(self) -> None:
        """Called by the engine after each commit's scan: nothing to do, the walk calls :meth:`flush`."""

    def flush(self) -> None:
        """Write the pack: this run's versions first, then older ones, up to MAX_ENTRIES."""
        if not self.enabled or not self._dirty:
            return
        entries = dict(self._used)
        for key, blob in (self._versions or {}).items():
            if len(entries) >= MAX_ENTRIES:
                break
            entries.setdefault(key, blob)
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            ignore = self.directory / ".gitignore"
            if not ignore.exists():
                ignore.write_text("# Created by debtscan: the facts cache is not for version control.\n*\n",
                                  encoding="utf-8")
            fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".history-", suffix=".tmp")
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(_MAGIC)
                    handle.write(marshal.dumps(entries, _MARSHAL_VERSION))
                os.replace(tmp, self.file)
            except BaseException:
                try:
                    os.unlink(tmp)
                except OSError:
                    pass
                raise
        except OSError as exc:
            self.enabled = False
            self._warn(f"cache directory {self.directory} is not writable ({exc.strerror or exc}); "
                       f"continuing without saving the history cache")
        self._dirty = False


class CachePool:
    """One :class:`VersionedFactsCache` per salt (commits whose knowledge tables differ get their own)."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self.caches: Dict[str, VersionedFactsCache] = {}

    def __call__(self, default: FactsCache) -> FactsCache:
        cache = self.caches.get(default.salt)
        if cache is None:
            cache = self.caches[default.salt] = VersionedFactsCache(self.directory, default.salt)
        return cache

    def flush(self) -> None:
        for cache in self.caches.values():
            cache.flush()
