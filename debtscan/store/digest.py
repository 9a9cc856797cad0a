"""What identifies a file's content for the caches: a digest of its bytes and of where it sits in the project.

Kept apart from :mod:`debtscan.store.cache` (which loads the fact schema) so that the result cache
(:mod:`debtscan.store.results`) can key a whole scan without loading the facts stage."""
from __future__ import annotations

try:  # hashlib's own blake2b, without loading OpenSSL's bindings (a replay's start-up)
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - a Python built without it
    from hashlib import blake2b


def content_digest(data: bytes, path: str, module: str, is_package: bool) -> bytes:
    """What a cached entry must match: the file's bytes and where it sits in the project."""
    digest = blake2b(data, digest_size=16)
    digest.update(f"\x00{path}\x00{module}\x00{int(is_package)}".encode("utf-8", "surrogatepass"))
    return digest.digest()
