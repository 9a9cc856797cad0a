"""The result of ``debtscan aggregate`` (one row per repository's report, and the totals) that its formats
render. Built by :mod:`debtscan.aggregate`; rendered by :mod:`debtscan.report.aggregate_formats`.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import field
from typing import Any, Dict, List, Optional

from debtscan import __version__
from debtscan.records import record
from debtscan.report.trends import Headline

AGGREGATE_VERSION = "1.0"
COUNT_KEYS = ("files_scanned", "files_with_errors", "findings", "suppressed")
BREAKDOWNS = ("by_category", "by_severity", "by_rule")
SUMMED_METRICS = ("code_lines", "glue_lines", "ml_lines", "handoffs", "modules_in_jungle", "shared_signals",
                  "cascades")


@record(frozen=True)
class RepositoryRow:
    """One report in the aggregate."""

    name: str
    report: str
    root: str
    tool_version: str
    counts: Dict[str, int]
    breakdowns: Dict[str, Dict[str, int]]
    headline: Headline
    glue_lines: Optional[int]
    ml_lines: Optional[int]

    def metrics(self) -> Dict[str, Any]:
        h = self.headline
        return {"code_lines": h.code_lines, "glue_lines": self.glue_lines, "ml_lines": self.ml_lines,
                "glue_code_ratio": h.glue_code_ratio, "ml_code_ratio": h.ml_code_ratio, "handoffs": h.handoffs,
                "longest_chain": h.longest_chain, "modules_in_jungle": h.modules_in_jungle,
                "shared_signals": h.shared_signals, "cascades": h.cascades}


@record
class Aggregate:
    """The rows of an aggregate report, one per repository, and their totals."""

    rows: List[RepositoryRow] = field(default_factory=list)

    def totals(self) -> Dict[str, Any]:
        counts = {key: sum(r.counts[key] for r in self.rows) for key in COUNT_KEYS}
        breakdowns: Dict[str, Dict[str, int]] = {}
        for key in BREAKDOWNS:
            total: Counter = Counter()
            for r in self.rows:
                total.update(r.breakdowns[key])
            breakdowns[key] = dict(sorted(total.items()))
        metrics: Dict[str, Any] = {}
        for key in SUMMED_METRICS:
            values = [r.metrics()[key] for r in self.rows if r.metrics()[key] is not None]
            metrics[key] = sum(values) if values else None
        code = metrics["code_lines"]
        for share, lines in (("glue_code_ratio", "glue_lines"), ("ml_code_ratio", "ml_lines")):
            metrics[share] = round(metrics[lines] / code, 4) if code and metrics[lines] is not None else None
        chains = [r.headline.longest_chain for r in self.rows if r.headline.longest_chain is not None]
        metrics["longest_chain"] = max(chains) if chains else None
        ordered = {k: metrics[k] for k in ("code_lines", "glue_lines", "ml_lines", "glue_code_ratio", "ml_code_ratio",
                                            "handoffs", "longest_chain", "modules_in_jungle", "shared_signals",
                                            "cascades")}
        return {"repositories": len(self.rows), **counts, **breakdowns, "metrics": ordered}

    def to_json(self) -> Dict[str, Any]:
        return {
            "schema_version": AGGREGATE_VERSION,
            "tool": {"name": "debtscan", "version": __version__},
            "repositories": [
                {"name": r.name, "report": r.report, "root": r.root, "tool_version": r.tool_version, **r.counts,
                 **r.breakdowns, "metrics": r.metrics()} for r in self.rows],
            "totals": self.totals(),
        }
