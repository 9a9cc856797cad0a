"""Many repositories' JSON reports in one summary (``debtscan aggregate``), for an organisation's dashboard.

Each report (``debtscan scan --format json``, produced anywhere: a CI matrix job, a Dask or Ray task) gives one
row: its summary counts and headline metrics. The totals add counts up, weigh the glue and ML shares by code
lines (the organisation's share, not a mean of shares), take the longest chain's maximum, and count the
repositories. The result is versioned like the report (``schema_version``; JSON Schema in
``report/aggregate-schema.json``).
"""
from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

from debtscan import __version__
from debtscan.diff import ReportError, load_report
from debtscan.history import Headline
from debtscan.report.model import SCHEMA_VERSION

AGGREGATE_VERSION = "1.0"
COUNT_KEYS = ("files_scanned", "files_with_errors", "findings", "suppressed")
BREAKDOWNS = ("by_category", "by_severity", "by_rule")
SUMMED_METRICS = ("code_lines", "glue_lines", "ml_lines", "handoffs", "modules_in_jungle", "shared_signals",
                  "cascades")


@dataclass(frozen=True)
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


@dataclass
class Aggregate:
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


def _int(value: Any) -> Optional[int]:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _counts(table: Any, where: str) -> Dict[str, int]:
    if not isinstance(table, dict) or not all(isinstance(k, str) and _int(v) is not None for k, v in table.items()):
        raise ReportError(f"{where} is not a table of counts")
    return dict(sorted(table.items()))


def row_of(path: str, name: Optional[str] = None) -> RepositoryRow:
    """One report file as a row; :class:`ReportError` with one clear line when it is not a usable report."""
    data = load_report(path)
    version = str(data.get("schema_version"))
    if version.split(".")[0] != SCHEMA_VERSION.split(".")[0]:
        raise ReportError(f"{path}: report schema_version {version}; this debtscan reads {SCHEMA_VERSION}")
    summary = data.get("summary")
    if not isinstance(summary, dict):
        raise ReportError(f"{path} has no summary")
    counts = {}
    for key in COUNT_KEYS:
        value = _int(summary.get(key))
        if value is None:
            raise ReportError(f"{path}: summary.{key} is missing or not a count")
        counts[key] = value
    breakdowns = {key: _counts(summary.get(key), f"{path}: summary.{key}") for key in BREAKDOWNS}
    metrics = data.get("metrics") if isinstance(data.get("metrics"), dict) else {}
    repo = (metrics.get("composition") or {}).get("repo") if isinstance(metrics.get("composition"), dict) else None
    lines = repo.get("lines") if isinstance(repo, dict) and isinstance(repo.get("lines"), dict) else {}
    root = data.get("root") if isinstance(data.get("root"), str) else ""
    tool = data.get("tool") if isinstance(data.get("tool"), dict) else {}
    return RepositoryRow(name=name or os.path.basename(root.rstrip("/\\")) or Path(path).stem, report=path,
                         root=root, tool_version=str(tool.get("version", "")), counts=counts,
                         breakdowns=breakdowns, headline=Headline.of(metrics), glue_lines=_int(lines.get("glue")),
                         ml_lines=_int(lines.get("ml")))


def parse_argument(argument: str) -> Tuple[Optional[str], str]:
    """``NAME=REPORT.json`` names the repository; a plain path takes the name of the scanned folder."""
    if "=" in argument and not os.path.exists(argument):
        name, _, path = argument.partition("=")
        if name and path:
            return name, path
    return None, argument


def aggregate(arguments: Sequence[str]) -> Aggregate:
    """The aggregate of the reports, in the order given; names made unique (``name``, ``name (2)``, ...)."""
    result = Aggregate()
    seen: Counter = Counter()
    for argument in arguments:
        name, path = parse_argument(argument)
        row = row_of(path, name)
        seen[row.name] += 1
        if seen[row.name] > 1:
            row = replace(row, name=f"{row.name} ({seen[row.name]})")
        result.rows.append(row)
    return result
