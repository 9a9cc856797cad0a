"""Copied experiments: families of near-copy scripts and modules, found in near-linear time.

Each file's facts carry a :class:`~debtscan.facts.model.FingerprintFact` (one hash per logical line, names
kept and literals normalised, and a MinHash signature of the consecutive pairs of those hashes). Here:

1. candidates by LSH: the signature's :data:`BANDS` bands of :data:`ROWS` slots each are bucketed; files
   sharing a bucket are candidates (at Jaccard 0.8 two files share a band with probability 0.9997, at 0.5
   with 0.64, at 0.3 with 0.12). Files with the same name in different folders (``utils.py`` copied into
   each folder) are candidates too;
2. each candidate pair is verified on the exact Jaccard similarity of the two shingle sets, at
   ``similarity``; files of the same name on their containment (the share of the smaller set that is in the
   larger: a helper copied and then grown), at ``helper-similarity``;
3. verified pairs are joined into families (union-find); for each family, the module constants and
   literal settings whose values differ between members are named.

Files with ``# Copied from`` markers (the transformers/diffusers convention, checked by their
``make fix-copies``) are copies the repository keeps in sync on purpose, and are not paired; two same-named
modules that both belong to packages (each model's ``modular_pipeline.py``) share a role in a plugin layout,
so for them the general ``similarity`` applies, not ``helper-similarity``.

Cost: one dictionary insertion per band per file, then set operations on the candidates only.
"""
from __future__ import annotations

import difflib
import posixpath
from dataclasses import field
from typing import Dict, Iterable, List, Optional, Sequence, Set, Tuple

from debtscan.facts.model import FileFacts
from debtscan.facts.values import Lit
from debtscan.records import record

BANDS = 16
ROWS = 4
MAX_BUCKET = 400
NOT_COPIES = frozenset({"__init__.py", "__main__.py", "setup.py", "conftest.py", "manage.py"})


@record(frozen=True)
class Member:
    """One file of a family: how much of it is shared with the family's first file, in statements."""

    path: str
    similarity: float
    statements: int
    differing: int


@record(frozen=True)
class Difference:
    """A constant or literal setting that has different values across a family: value -> files."""

    name: str
    values: Tuple[Tuple[str, Tuple[str, ...]], ...]


@record
class Family:
    """Files copied from one another: the members, whether they share a file name, and the settings that differ."""

    members: List[Member]
    same_name: bool
    differences: List[Difference] = field(default_factory=list)


def shingles(hashes: Sequence[int]) -> Set[int]:
    if len(hashes) == 1:
        return {hashes[0]}
    return {(a << 32) | b for a, b in zip(hashes, hashes[1:])}


def jaccard(a: Set[int], b: Set[int]) -> float:
    if not a or not b:
        return 0.0
    inter = len(a & b)
    return inter / (len(a) + len(b) - inter)


def containment(a: Set[int], b: Set[int]) -> float:
    """How much of the smaller set is in the larger one: a helper copied and then grown still counts."""
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


class _Union:
    def __init__(self) -> None:
        self.parent: Dict[str, str] = {}

    def find(self, x: str) -> str:
        while self.parent.get(x, x) != x:
            self.parent[x] = self.parent.get(self.parent[x], self.parent[x])
            x = self.parent[x]
        return x

    def join(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def candidates(signatures: Dict[str, Tuple[int, ...]]) -> Set[Tuple[str, str]]:
    """Pairs of files whose signatures agree on all rows of at least one band."""
    buckets: Dict[Tuple[int, Tuple[int, ...]], List[str]] = {}
    for path in sorted(signatures):
        sig = signatures[path]
        if len(sig) < BANDS * ROWS:
            continue
        for band in range(BANDS):
            buckets.setdefault((band, sig[band * ROWS:(band + 1) * ROWS]), []).append(path)
    pairs: Set[Tuple[str, str]] = set()
    for paths in buckets.values():
        if len(paths) < 2 or len(paths) > MAX_BUCKET:
            continue
        for i, a in enumerate(paths):
            for b in paths[i + 1:]:
                pairs.add((a, b))
    return pairs


def _settings_of(fact: FileFacts) -> Dict[str, str]:
    """A file's named literal values: module constants and literal settings (a name written twice with
    different values in one file is left out)."""
    out: Dict[str, str] = {}
    seen_twice: Set[str] = set()
    for constant in fact.constants:
        if isinstance(constant.value, Lit):
            out[constant.name] = repr(constant.value.value)
    for setting in fact.settings:
        if setting.key in out and out[setting.key] != setting.value:
            seen_twice.add(setting.key)
        out.setdefault(setting.key, setting.value)
    for name in seen_twice:
        out.pop(name, None)
    return out


def differences(facts: Sequence[FileFacts]) -> List[Difference]:
    """Names whose literal values differ between the files (each name in at least two of them)."""
    per_file = [(f.path, _settings_of(f)) for f in facts]
    names: Dict[str, Dict[str, List[str]]] = {}
    for path, values in per_file:
        for name, value in values.items():
            names.setdefault(name, {}).setdefault(value, []).append(path)
    out = []
    for name, by_value in names.items():
        holders = sum(len(v) for v in by_value.values())
        if len(by_value) >= 2 and holders >= 2:
            out.append(Difference(name, tuple(sorted((v, tuple(p)) for v, p in by_value.items()))))
    first_line = {}
    for fact in facts:
        for constant in fact.constants:
            first_line.setdefault(constant.name, constant.line)
        for setting in fact.settings:
            first_line.setdefault(setting.key, setting.line)
    return sorted(out, key=lambda d: (first_line.get(d.name, 0), d.name))


def eligible(path: str, fact: FileFacts, min_statements: int) -> bool:
    from debtscan.project.kinds import is_test_module

    name = posixpath.basename(path)
    if name in NOT_COPIES or is_test_module(path) or fact.fingerprint is None:
        return False
    if fact.fingerprint.generated or name.endswith(("_pb2.py", "_pb2_grpc.py")) or "/migrations/" in f"/{path}":
        return False
    return len(fact.fingerprint.hashes) >= min_statements


def families(facts: Dict[str, FileFacts], similarity: float = 0.8, helper_similarity: float = 0.5,
             min_statements: int = 20) -> List[Family]:
    """Clone families among ``facts``, largest shared structure first; see the module docstring."""
    files = {p: f for p, f in facts.items() if eligible(p, f, min_statements)}
    pairs = candidates({p: f.fingerprint.signature for p, f in files.items()})
    by_name: Dict[str, List[str]] = {}
    for path in sorted(files):
        by_name.setdefault(posixpath.basename(path), []).append(path)
    for paths in by_name.values():
        if 2 <= len(paths) <= 30:
            for i, a in enumerate(paths):
                for b in paths[i + 1:]:
                    pairs.add((a, b))
    cache: Dict[str, Set[int]] = {}

    def shingle_set(path: str) -> Set[int]:
        if path not in cache:
            cache[path] = shingles(files[path].fingerprint.hashes)
        return cache[path]

    union = _Union()
    same_name_pairs: Set[Tuple[str, str]] = set()
    linked: Set[str] = set()
    packages = {posixpath.dirname(p) for p in facts if posixpath.basename(p) == "__init__.py"}
    for a, b in sorted(pairs):
        if files[a].fingerprint.managed_copies or files[b].fingerprint.managed_copies:
            continue  # "# Copied from" copies: the repository's tooling keeps them identical to their source
        # same-named modules of sibling packages (each model's `pipeline.py`) share a role, not a copy
        same = posixpath.basename(a) == posixpath.basename(b) and not (
            posixpath.dirname(a) in packages and posixpath.dirname(b) in packages)
        score = jaccard(shingle_set(a), shingle_set(b))
        if score >= similarity or (same and containment(shingle_set(a), shingle_set(b)) >= helper_similarity):
            union.join(a, b)
            linked.update((a, b))
            if same and score < similarity:
                same_name_pairs.add((a, b))
    groups: Dict[str, List[str]] = {}
    for path in sorted(linked):
        groups.setdefault(union.find(path), []).append(path)
    out = []
    for root, paths in sorted(groups.items()):
        first = paths[0]
        base = files[first].fingerprint.hashes
        members = [Member(first, 1.0, len(base), 0)]
        for other in paths[1:]:
            hashes = files[other].fingerprint.hashes
            matcher = difflib.SequenceMatcher(None, base, hashes, autojunk=False)
            same_statements = sum(block.size for block in matcher.get_matching_blocks())
            same_name = posixpath.basename(first) == posixpath.basename(other)
            measure = containment if same_name else jaccard
            members.append(Member(other, measure(shingle_set(first), shingle_set(other)), len(hashes),
                                  max(len(base), len(hashes)) - same_statements))
        same_name = len({posixpath.basename(p) for p in paths}) == 1
        out.append(Family(members, same_name, differences([files[p] for p in paths])))
    return out


def describe(differences_: Iterable[Difference], limit: int = 8) -> str:
    """``DATE ('814_1' in a.py, '814_2' in b.py), LOOP (6, 3)`` for a message."""
    parts = []
    items = list(differences_)
    for difference in items[:limit]:
        values = ", ".join(value for value, _ in difference.values[:4])
        more = ", ..." if len(difference.values) > 4 else ""
        parts.append(f"`{difference.name}` ({values}{more})")
    if len(items) > limit:
        parts.append(f"and {len(items) - limit} more")
    return ", ".join(parts)


def difference_line(fact: Optional[FileFacts], differences_: Sequence[Difference]) -> int:
    """The line of the first differing constant or setting in ``fact``, else its first line of code."""
    if fact is not None:
        wanted = {d.name for d in differences_}
        lines = [c.line for c in fact.constants if c.name in wanted]
        lines += [s.line for s in fact.settings if s.key in wanted]
        if lines:
            return min(lines)
    return member_line(fact)


def member_line(fact: Optional[FileFacts]) -> int:
    """Where a family member's finding points: its first logical line of code."""
    if fact is None or fact.fingerprint is None or not fact.fingerprint.lines:
        return 1
    return fact.fingerprint.lines[0]
