"""The per-file facts cache: FileFacts by content hash, debtscan version and extraction-relevant config.

Lives in ``.debtscan_cache/`` (or ``cache-dir``) with its own ``.gitignore``. A corrupt entry is a miss; a
cache that cannot be written is switched off with one warning. Cross-file results are never cached.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import List, Optional

from debtscan import __version__
from debtscan.facts.model import FileFacts

FORMAT = "1"


class FactsCache:
    """Content-addressed FileFacts on disk."""

    def __init__(self, directory: Path, salt: str) -> None:
        self.directory = directory
        self.salt = f"{FORMAT}:{__version__}:{salt}"
        self.enabled = True
        self.warnings: List[str] = []
        self.hits = 0
        self.misses = 0

    def key(self, data: bytes, path: str, module: str, is_package: bool) -> str:
        digest = hashlib.sha256(data)
        digest.update(f"\x00{self.salt}\x00{path}\x00{module}\x00{int(is_package)}".encode("utf-8"))
        return digest.hexdigest()

    def _file(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.json"

    def get(self, key: str) -> Optional[FileFacts]:
        if not self.enabled:
            return None
        try:
            with open(self._file(key), encoding="utf-8") as handle:
                facts = FileFacts.from_json_data(json.load(handle))
        except FileNotFoundError:
            self.misses += 1
            return None
        except Exception:  # noqa: BLE001 - a corrupt entry is only a miss
            self.misses += 1
            return None
        if not isinstance(facts, FileFacts):
            self.misses += 1
            return None
        self.hits += 1
        return facts

    def put(self, key: str, facts: FileFacts) -> None:
        if not self.enabled:
            return
        target = self._file(key)
        try:
            if not self.directory.exists():
                self.directory.mkdir(parents=True, exist_ok=True)
                (self.directory / ".gitignore").write_text("# Created by debtscan\n*\n", encoding="utf-8")
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(facts.to_json_data(), handle, separators=(",", ":"))
            os.replace(tmp, target)
        except OSError as exc:
            self.enabled = False
            self.warnings.append(f"cache directory {self.directory} is not writable ({exc.strerror or exc}); "
                                 f"continuing without the cache")
