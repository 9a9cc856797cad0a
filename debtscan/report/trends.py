"""The records of ``debtscan history`` (one per commit) that its formats render: the trend's data model.

Built by :mod:`debtscan.history` (which scans the commits); rendered by :mod:`debtscan.report.history_formats`
and :mod:`debtscan.report.trend_html`.
"""
from __future__ import annotations

from dataclasses import field
from typing import Any, Dict, List, Optional, Sequence, Tuple

from debtscan.gitrepo import Commit
from debtscan.records import record
from debtscan.report.model import Finding

HISTORY_VERSION = "1.0"


@record(frozen=True)
class FindingRef:
    """A finding as a history record lists it (added or paid): enough to find it, not its whole help."""

    fingerprint: str
    code: str
    category: str
    severity: str
    path: str
    line: int
    message: str

    @classmethod
    def of(cls, finding: Finding) -> "FindingRef":
        return cls(finding.fingerprint, finding.code, finding.category, finding.severity, finding.path,
                   finding.line, finding.message)

    def to_json(self) -> Dict[str, Any]:
        return {"fingerprint": self.fingerprint, "code": self.code, "category": self.category,
                "severity": self.severity, "path": self.path, "line": self.line, "message": self.message}


@record(frozen=True)
class Headline:
    """The metrics a trend shows, taken from the report's ``metrics`` (None when a provider gave none)."""

    code_lines: Optional[int] = None
    glue_code_ratio: Optional[float] = None
    ml_code_ratio: Optional[float] = None
    handoffs: Optional[int] = None
    longest_chain: Optional[int] = None
    modules_in_jungle: Optional[int] = None
    shared_signals: Optional[int] = None
    cascades: Optional[int] = None

    @classmethod
    def of(cls, metrics: Dict[str, Any]) -> "Headline":
        def at(*keys: str) -> Any:
            value: Any = metrics
            for key in keys:
                if not isinstance(value, dict):
                    return None
                value = value.get(key)
            return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None

        return cls(code_lines=at("composition", "repo", "code_lines"), glue_code_ratio=at("glue_code_ratio"),
                   ml_code_ratio=at("ml_code_ratio"), handoffs=at("pipeline", "handoffs"),
                   longest_chain=at("pipeline", "longest_chain", "length"),
                   modules_in_jungle=at("pipeline", "modules_in_jungle"),
                   shared_signals=at("signals", "shared_signals"), cascades=at("signals", "cascades"))

    def to_json(self) -> Dict[str, Any]:
        return {name: getattr(self, name) for name in HEADLINE_FIELDS}


HEADLINE_FIELDS: Tuple[str, ...] = ("code_lines", "glue_code_ratio", "ml_code_ratio", "handoffs", "longest_chain",
                                    "modules_in_jungle", "shared_signals", "cascades")


@record
class CommitRecord:
    """One commit's place in the trend. ``added``/``paid`` are None where there is nothing to compare with
    (the first record, unless it is a root commit, which is compared with the empty tree)."""

    commit: Commit
    summary: Dict[str, Any] = field(default_factory=dict)
    headline: Headline = field(default_factory=Headline)
    compared_with: Optional[str] = None
    added: Optional[Tuple[FindingRef, ...]] = None
    paid: Optional[Tuple[FindingRef, ...]] = None
    error: Optional[str] = None
    findings: Tuple[FindingRef, ...] = ()  # every finding of the commit (for the next delta; not written)

    @property
    def ok(self) -> bool:
        return self.error is None

    def count(self, key: str) -> int:
        value = self.summary.get(key)
        return value if isinstance(value, int) else 0

    def to_json(self) -> Dict[str, Any]:
        c = self.commit
        return {
            "schema_version": HISTORY_VERSION,
            "commit": c.sha,
            "parents": list(c.parents),
            "date": c.date,
            "author_date": c.author_date,
            "author": c.author,
            "subject": c.subject,
            "error": self.error,
            "summary": self.summary if self.ok else None,
            "metrics": self.headline.to_json() if self.ok else None,
            "compared_with": self.compared_with,
            "added": len(self.added) if self.added is not None else None,
            "paid": len(self.paid) if self.paid is not None else None,
            "added_findings": [f.to_json() for f in self.added] if self.added is not None else None,
            "paid_findings": [f.to_json() for f in self.paid] if self.paid is not None else None,
        }


def top_commits(records: Sequence[CommitRecord], which: str, limit: int = 5) -> List[CommitRecord]:
    """The records that added (``which="added"``) or paid (``"paid"``) the most findings, most first; ties
    in history order; records with none left out."""
    scored = [(len(getattr(r, which) or ()), i, r) for i, r in enumerate(records)]
    scored = [item for item in scored if item[0] > 0]
    scored.sort(key=lambda item: (-item[0], item[1]))
    return [r for _, _, r in scored[:limit]]
