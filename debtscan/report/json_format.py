"""The JSON report: a versioned contract for CI dashboards (schema in ``report/schema.json``)."""
from __future__ import annotations

import json
from collections import Counter
from importlib import resources
from typing import Any, Dict

from debtscan import __version__
from debtscan.report.model import SCHEMA_VERSION, Report


def summary(report: Report) -> Dict[str, Any]:
    return {
        "files_scanned": report.files_scanned,
        "files_with_errors": len({e.path for e in report.errors if not e.path.startswith("<")}),
        "findings": len(report.findings),
        "suppressed": report.suppressed,
        "by_category": dict(sorted(Counter(f.category for f in report.findings).items())),
        "by_severity": dict(sorted(Counter(f.severity for f in report.findings).items())),
        "by_rule": dict(sorted(Counter(f.code for f in report.findings).items())),
    }


def report_data(report: Report) -> Dict[str, Any]:
    """The report as JSON-able data, in the documented key order."""
    data: Dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "debtscan", "version": __version__},
        "root": report.root,
        "config_file": report.config_file,
        "summary": summary(report),
        "metrics": report.metrics,
        "findings": [f.to_json() for f in report.findings],
        "errors": [{"path": e.path, "message": e.message} for e in report.errors],
    }
    if report.baseline is not None:
        data["baseline"] = report.baseline
    return data


def render(report: Report) -> str:
    return json.dumps(report_data(report), indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def schema() -> Dict[str, Any]:
    """The JSON Schema every report validates against."""
    with resources.files("debtscan.report").joinpath("schema.json").open("r", encoding="utf-8") as handle:
        return json.load(handle)
