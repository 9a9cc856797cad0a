"""Suppressions: ``# debtscan: ignore[...]`` comments and ``per-file-ignores`` take findings out of the report.

Applied once every rule has run; what they suppressed is kept in a :class:`SuppressionLedger`, which the rules
about suppressions themselves (DS001, :mod:`debtscan.rules.meta`) read afterwards like any rule reads the
project.
"""
from __future__ import annotations

import fnmatch
from typing import List, Mapping, Optional, Sequence, Tuple

from debtscan.facts.model import FileFacts
from debtscan.rules.findings import Finding
from debtscan.rules.base import SuppressionLedger
from debtscan.rules.selectors import first_match as names_rule


def suppressed_by(finding: Finding, facts: Optional[FileFacts], per_file: Mapping[str, Sequence[str]],
                  rules: Optional[Mapping[str, type]] = None) -> Optional[Tuple[int, bool]]:
    """The (line, file-level) of what suppresses ``finding``, ``(-1, True)`` for ``per-file-ignores``, or
    None."""
    rule = (rules or {}).get(finding.code)
    for pattern, codes in per_file.items():
        if fnmatch.fnmatchcase(finding.path, pattern) and names_rule(codes, rule, finding.code):
            return (-1, True)
    if facts is None:
        return None
    for suppression in facts.suppressions:
        if not suppression.codes or names_rule(suppression.codes, rule, finding.code):
            if suppression.file_level or suppression.line == finding.line:
                return (suppression.line, suppression.file_level)
    return None


def apply_suppressions(findings: Sequence[Finding], facts: Mapping[str, FileFacts],
                       per_file: Mapping[str, Sequence[str]], codes: Sequence[str],
                       rules: Mapping[str, type]) -> Tuple[List[Finding], int, SuppressionLedger]:
    """The findings no suppression covers, how many were suppressed, and the ledger of what was used."""
    kept: List[Finding] = []
    used = set()
    count = 0
    for finding in findings:
        hit = suppressed_by(finding, facts.get(finding.path), per_file, rules)
        if hit is None:
            kept.append(finding)
        else:
            count += 1
            used.add((finding.path, hit[0]))
    return kept, count, SuppressionLedger(dict(facts), frozenset(used), tuple(codes), dict(rules))


__all__ = ["SuppressionLedger", "apply_suppressions", "suppressed_by"]
