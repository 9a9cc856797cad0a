"""The per-file facts cache. Entries hold facts in the store's one encoding (:mod:`debtscan.store.codec`),
the same bytes worker processes send back.

The cache is ONE pack file per cache key, ``<cache-dir>/facts-<salt>.pack``: a header line and a marshalled
``{path: (content digest, encoded facts)}``. One read and one ``marshal.loads`` serve a whole warm scan (a
pack is much faster than thousands of small files, measured in ``bench/``); entries are decoded only for
the files scanned. The salt covers the cache format, the debtscan version, a digest of the extraction code
and fact schema, and the knowledge fingerprint (catalogues plus ``[tool.debtscan.io]`` / ``knowledge``), so
a change to any of these starts a fresh pack. The digest of a file covers its bytes, path and module name.

A cache folder debtscan creates (``.debtscan_cache/`` or ``cache-dir``) gets its own ``.gitignore`` and a
``CACHEDIR.TAG``; an existing folder gets neither, and the cache removes only files it wrote (see
:func:`is_own_pack`). The pack is replaced atomically. A corrupt pack or entry is ignored
with one warning (treated as a miss); a cache that cannot be written is switched off with one warning;
the scan never fails because of the cache. Only per-file facts are cached: every cross-file result is
recomputed from facts, so the cache cannot serve a stale cross-file finding.
"""
from __future__ import annotations

import hashlib
import marshal
import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

from debtscan import __version__, safefile
from debtscan.store.codec import MARSHAL_VERSION as _MARSHAL_VERSION
from debtscan.store.codec import make_decoder, schema_signature
from debtscan.store.digest import content_digest  # noqa: F401 - re-exported (the one digest of a file)
from debtscan.store.folder import written_by_cache
from debtscan.store.folder import (GITIGNORE_TEXT, TAG_NAME, TAG_TEXT,  # noqa: F401 - re-exported
                                   cache_folder_problem, is_own_folder)

FORMAT = "9"  # 4: enumerated fact fields, typed Unknown reasons, prediction outputs, step artifacts, pipeline nodes;
#               5: function summaries keep the path a function returns (FunctionSummary.path);
#               6: a conditional on a parameter (``"aug_" if augmented else ""``) is PathOp("if");
#               7: function summaries keep the conversion their returned value went through (adapter);
#               8: a statement's conversions of a value a project function returned (StatementFact.through);
#                  a forward pass of a parameter (FromPrediction.given), a loop training a given network;
#               9: a returned value's conversion is its outermost (FunctionSummary.adapter: numpy->torch for
#                  ``return torch.from_numpy(df.values)``, was the innermost)
_MAGIC = b"debtscan-facts-pack\n"


# -- what the cache key depends on --------------------------------------------------------------------
@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """A digest of the code and data that decide what facts a file has, and of the fact schema.

    Covers ``debtscan/facts/*.py``, ``debtscan/sources/*.py`` (decoding and guards), the codec and the
    knowledge catalogues, so facts cached by an older extractor (even at the same version number, as in
    development) are never served.
    """
    package = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256(__version__.encode())
    files = [path for folder in ("facts", "knowledge", "sources") for path in sorted((package / folder).glob("*"))]
    files.append(package / "store" / "codec.py")
    for path in files:
        if path.is_file():
            digest.update(path.name.encode() + b"\x00")
            try:
                digest.update(path.read_bytes())
            except OSError:
                digest.update(b"<unreadable>")
    digest.update(schema_signature().encode())
    return digest.hexdigest()[:16]


# -- the pack -----------------------------------------------------------------------------------------
class FactsCache:
    """Facts by file, in one pack per cache key; see the module docstring."""

    def __init__(self, directory: Path, knowledge_fingerprint: str) -> None:
        self.directory = Path(directory)
        salt = hashlib.sha256(f"{FORMAT}:{__version__}:{code_fingerprint()}:{knowledge_fingerprint}".encode())
        self.salt = salt.hexdigest()[:16]
        self.file = self.directory / f"facts-{self.salt}.pack"
        self.enabled = True
        self.warnings: List[str] = []
        self.hits = 0
        self.misses = 0
        self._entries: Optional[Dict[str, Tuple[bytes, bytes]]] = None
        self._used: Dict[str, Tuple[bytes, bytes]] = {}
        self._dirty = False
        self._decode: Optional[Callable[[Any], Any]] = None

    def _warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)

    def _load(self) -> Dict[str, Tuple[bytes, bytes]]:
        if self._entries is not None:
            return self._entries
        self._entries = {}
        self.clean_stale()
        try:
            with open(self.file, "rb") as handle:
                raw = handle.read()
        except (FileNotFoundError, NotADirectoryError):
            return self._entries
        except OSError as exc:
            self._warn(f"cannot read the cache {self.file} ({exc.strerror or exc}); continuing without it")
            return self._entries
        try:
            if not raw.startswith(_MAGIC):
                raise ValueError("bad header")
            entries = marshal.loads(raw[len(_MAGIC):])
            if not isinstance(entries, dict):
                raise ValueError("not a table")
            self._entries = entries
        except Exception:  # noqa: BLE001 - marshal raises ValueError/EOFError/TypeError on bad data
            self._warn(f"the cache {self.file} is corrupt; ignoring it (it will be rewritten)")
            self._dirty = True
        return self._entries

    def has(self, path: str, digest: bytes) -> bool:
        """Whether an entry for ``path`` with this digest exists (not yet decoded)."""
        if not self.enabled:
            return False
        entry = self._load().get(path)
        return isinstance(entry, tuple) and len(entry) == 2 and entry[0] == digest

    def get(self, path: str, digest: bytes) -> Optional[Any]:
        """The cached facts of ``path`` if its digest matches, else None (a miss)."""
        if not self.enabled:
            return None
        entry = self._load().get(path)
        if entry is None or not isinstance(entry, tuple) or len(entry) != 2 or entry[0] != digest:
            self.misses += 1
            return None
        if self._decode is None:
            self._decode = make_decoder()
        try:
            facts = self._decode(marshal.loads(entry[1]))
            from debtscan.facts.model import FileFacts

            if not isinstance(facts, FileFacts) or facts.path != path:
                raise ValueError("not the facts of this file")
        except Exception:  # noqa: BLE001 - a corrupt entry is a miss
            self._warn(f"the cache {self.file} has a corrupt entry; it will be rewritten")
            self._dirty = True
            self.misses += 1
            return None
        self.hits += 1
        self._used[path] = entry
        return facts

    def put(self, path: str, digest: bytes, blob: bytes) -> None:
        """Remember the encoded facts (:func:`dumps`) of ``path``; written by :meth:`save`."""
        if not self.enabled:
            return
        self._used[path] = (digest, blob)
        self._dirty = True

    def save(self) -> None:
        """Write the pack if anything changed: the entries used or added by this scan, plus older entries
        of files this scan did not see (another sub-folder scanned with the same cache), within bounds.

        The pack is written to a temporary file and renamed into place (:mod:`debtscan.safefile`), so a
        killed scan leaves the previous pack; a folder the cache creates gets a ``.gitignore`` and a
        ``CACHEDIR.TAG``; in a folder it did not create it writes and removes only its own packs."""
        if not self.enabled or not self._dirty:
            return
        entries = dict(self._used)
        old = self._entries or {}
        if len(old) + len(entries) <= 2 * len(entries) + 1000:
            for path, entry in old.items():
                entries.setdefault(path, entry)
        if self.file.is_symlink():  # planted in the folder: writing would replace the file it points to
            self.enabled = False
            self._warn(f"the cache pack {self.file} is a symbolic link, which debtscan did not create; not writing "
                       f"through it (continuing without saving the cache)")
            self._dirty = False
            return
        try:
            if not self.directory.exists():
                self.directory.mkdir(parents=True, exist_ok=True)
                for name, text in ((TAG_NAME, TAG_TEXT), (".gitignore", GITIGNORE_TEXT)):
                    safefile.write_text(self.directory / name, text, fsync=False)
            safefile.write_bytes(self.file, _MAGIC + marshal.dumps(entries, _MARSHAL_VERSION),
                                 temp_prefix=TEMP_PREFIX)
            for stale in self.directory.glob("facts-*.pack"):
                if stale != self.file and is_own_pack(stale):
                    try:
                        stale.unlink()
                    except OSError:
                        pass
        except OSError as exc:
            self.enabled = False
            reason = exc.reason if isinstance(exc, safefile.WriteError) else (exc.strerror or str(exc))
            self._warn(f"cache directory {self.directory} is not writable ({reason}); "
                       f"continuing without saving the cache")
        self._dirty = False

    def clean_stale(self) -> None:
        """Remove temporary packs left by a scan that was killed while writing (their process is gone)."""
        if self.enabled:
            safefile.remove_stale_temporaries(self.directory, TEMP_PREFIX)


# What the cache writes, and all it ever removes: ``facts-<16 hex digits>.pack`` files that start with its
# header, and its own temporaries ``.facts-<pid>.<random>.tmp`` once their process is gone.
TEMP_PREFIX = ".facts-"
_PACK_NAME = re.compile(r"facts-[0-9a-f]{16}\.pack")


def is_own_pack(path: Path) -> bool:
    """Whether ``path`` is a pack this cache wrote (its name and its header), so that it may be replaced."""
    return written_by_cache(path, _PACK_NAME, _MAGIC)
