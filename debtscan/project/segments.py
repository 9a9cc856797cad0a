"""Resolved paths as lists of segments, and how two of them may name the same file.

A resolved path (:mod:`debtscan.project.paths`) is a POSIX string relative to the scan root in which ``*`` stands for
a part the code does not determine statically. Read as a reader of the code would, an unknown part stands
for *part of one segment*: ``feature/trainT-*/f108_user.p`` names a file two folders down, never
``feature/trainT-0/all/x.p``. Only a whole segment ``**`` (a recursive glob, ``Path.rglob``,
``glob(..., recursive=True)``) spans folders, any number of them, none included.

Matching is segment by segment:

- :func:`segment_overlap`: two single-segment patterns (``train_*.f`` and ``train*.f``) can name the same
  name when some text matches both: a small dynamic programme over the two strings;
- :func:`compatible`: two paths (either or both patterns) can name the same file when their segment lists
  align (``**`` absorbing zero or more segments) and every aligned pair of segments overlaps;
- :func:`pattern_regex`: a pattern as a regular expression over exact paths (``*`` is ``[^/]*``).

:class:`Certainty` says how sure a match is: ``exact`` when both sides are the same exact path, ``pattern``
when a wildcard was needed on either side. Costs: a comparison is O(segments x segment length^2) at worst,
memoised per pair of segments.
"""
from __future__ import annotations

import functools
import re
from enum import Enum
from typing import Tuple

WILDCARD = "*"
RECURSIVE = "**"
_RUN = re.compile(r"\*{2,}")


class Certainty(Enum):
    """How sure the match of a write and a read is."""

    EXACT = "exact"      # the same exact path on both sides
    PATTERN = "pattern"  # a wildcard on either side: the code names a family of files

    def __str__(self) -> str:
        return self.value


def normalise_wildcards(path: str) -> str:
    """Runs of wildcards inside a segment are one wildcard (``feature/***`` -> ``feature/*``,
    ``a**b`` -> ``a*b``); a whole segment ``**`` stays, it is a recursive glob."""
    if "**" not in path:
        return path
    return "/".join(part if part == RECURSIVE else _RUN.sub(WILDCARD, part) for part in path.split("/"))


@functools.lru_cache(maxsize=65536)
def segments(path: str) -> Tuple[str, ...]:
    """The segments of a resolved path, wildcards normalised (empty segments of ``a//b`` dropped)."""
    return tuple(part for part in normalise_wildcards(path).split("/") if part != "")


def is_pattern(path: str) -> bool:
    return WILDCARD in path


@functools.lru_cache(maxsize=262144)
def segment_overlap(a: str, b: str) -> bool:
    """Whether some segment text matches both single-segment patterns (``*`` any text without ``/``)."""
    if a == b:
        return True
    if WILDCARD not in a and WILDCARD not in b:
        return False
    if WILDCARD not in b:
        return _segment_regex(a).fullmatch(b) is not None
    if WILDCARD not in a:
        return _segment_regex(b).fullmatch(a) is not None
    # both patterns: cheap necessary conditions on their literal ends first
    head_a, head_b = a.split(WILDCARD, 1)[0], b.split(WILDCARD, 1)[0]
    if not (head_a.startswith(head_b) or head_b.startswith(head_a)):
        return False
    tail_a, tail_b = a.rsplit(WILDCARD, 1)[1], b.rsplit(WILDCARD, 1)[1]
    if not (tail_a.endswith(tail_b) or tail_b.endswith(tail_a)):
        return False
    # reachable states (i, j) of the two patterns read together, row by row (no recursion)
    n, m = len(a), len(b)
    reach = [[False] * (m + 1) for _ in range(n + 1)]
    reach[0][0] = True
    for i in range(n + 1):
        for j in range(m + 1):
            if not reach[i][j]:
                continue
            if i < n and a[i] == WILDCARD:
                reach[i + 1][j] = True          # a's wildcard matches nothing more
                if j < m and b[j] != WILDCARD:
                    reach[i][j + 1] = True      # a's wildcard eats one of b's letters
            if j < m and b[j] == WILDCARD:
                reach[i][j + 1] = True
                if i < n and a[i] != WILDCARD:
                    reach[i + 1][j] = True
            if i < n and j < m and a[i] == b[j] and a[i] != WILDCARD:
                reach[i + 1][j + 1] = True
    return reach[n][m]


@functools.lru_cache(maxsize=65536)
def compatible(a: str, b: str) -> bool:
    """Whether two resolved paths (either may hold wildcards) can name the same file, segment by segment."""
    if a == b:
        return True
    if WILDCARD not in a and WILDCARD not in b:
        return False
    sa, sb = segments(a), segments(b)
    if RECURSIVE not in sa and RECURSIVE not in sb:
        return len(sa) == len(sb) and all(segment_overlap(x, y) for x, y in zip(sa, sb))
    return _align(sa, sb)


def _align(sa: Tuple[str, ...], sb: Tuple[str, ...]) -> bool:
    """Segment lists with ``**`` (zero or more segments) on either side: reachable alignment states."""
    n, m = len(sa), len(sb)
    reach = [[False] * (m + 1) for _ in range(n + 1)]
    reach[0][0] = True
    for i in range(n + 1):
        for j in range(m + 1):
            if not reach[i][j]:
                continue
            if i < n and sa[i] == RECURSIVE:
                reach[i + 1][j] = True
                if j < m:
                    reach[i][j + 1] = True
            if j < m and sb[j] == RECURSIVE:
                reach[i][j + 1] = True
                if i < n:
                    reach[i + 1][j] = True
            if i < n and j < m and sa[i] != RECURSIVE and sb[j] != RECURSIVE and segment_overlap(sa[i], sb[j]):
                reach[i + 1][j + 1] = True
    return reach[n][m]


def certainty(a: str, b: str) -> Certainty:
    """``exact`` when both sides name one and the same file, else ``pattern``."""
    return Certainty.EXACT if a == b and WILDCARD not in a else Certainty.PATTERN


@functools.lru_cache(maxsize=65536)
def _segment_regex(segment: str) -> "re.Pattern[str]":
    return re.compile("[^/]*".join(re.escape(part) for part in segment.split(WILDCARD)))


@functools.lru_cache(maxsize=65536)
def pattern_regex(pattern: str) -> "re.Pattern[str]":
    """A pattern as a regular expression over exact paths: ``*`` matches within one segment, a ``**``
    segment any number of segments (none included). Use ``fullmatch``-like :meth:`re.Pattern.match`: the
    expression is anchored at its end."""
    out = []
    parts = segments(pattern)
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        if part == RECURSIVE:
            out.append("(?:[^/]+/)*" if not last else ".*")
            continue
        out.append("[^/]*".join(re.escape(piece) for piece in part.split(WILDCARD)))
        if not last:
            out.append("/")
    if pattern.startswith("/"):
        out.insert(0, "/")
    return re.compile("".join(out) + r"\Z")


def specificity(path: str) -> Tuple[int, int]:
    """How much of a path the code spells out: (literal characters, segments), larger is surer. Orders the
    producers of a read: an exact path first, then the pattern that knows most."""
    known = sum(len(part.replace(WILDCARD, "")) for part in segments(path))
    return (0 if WILDCARD in path else 1, known)


def contained(inner: str, outer: str) -> bool:
    """Whether every file ``inner`` may name is also named by ``outer`` (``feature/train_f101_*.f`` within
    ``feature/train_*.f``): a glob of ``outer`` surely reads what ``inner`` writes. A sufficient test: the
    outer pattern, read over the inner one's text with its wildcards as letters, matches it."""
    if inner == outer:
        return True
    if WILDCARD not in outer:
        return False
    return pattern_regex(outer).match(normalise_wildcards(inner)) is not None


_TOKEN = re.compile(r"[A-Za-z]+|\d+")


def name_affinity(artifact: str, module: str) -> int:
    """How many name tokens (numbers of at least two digits, words of at least three letters) a file's name
    shares with a module's file name: ``feature/train_f190_adv.f`` and ``py/190_adv.py`` share ``190`` and
    ``adv``. Only a tie-breaker among producers the paths cannot tell apart."""
    def tokens(text: str) -> set:
        return {t.lower() for t in _TOKEN.findall(text) if (t.isdigit() and len(t) >= 2) or len(t) >= 3}
    name = artifact.rsplit("/", 1)[-1]
    stem = module.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    return len(tokens(name) & tokens(stem) - {"py", "csv", "train", "test"})


__all__ = ["contained", "name_affinity", "Certainty", "RECURSIVE", "WILDCARD", "certainty", "compatible", "is_pattern", "normalise_wildcards",
           "pattern_regex", "segment_overlap", "segments", "specificity"]


#: How many writer modules may explain one read through patterns only before the match is reported as
#: ambiguous (one finding for the family of writers, counted once), not as that many hand-offs; a model
#: reading such a glob is not said to train on any one of those files either.
AMBIGUITY_CAP = 3
