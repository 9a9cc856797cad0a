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
from dataclasses import replace
from pathlib import Path
from typing import Any, Dict, Optional, Sequence, Tuple

from debtscan.report.diff import ReportError, load_report
from debtscan.report.aggregate_model import BREAKDOWNS, COUNT_KEYS, Aggregate, RepositoryRow
from debtscan.report.model import SCHEMA_VERSION
from debtscan.report.trends import Headline


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
