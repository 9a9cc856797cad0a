"""The JSON report: a versioned contract for CI dashboards (schema in ``report/schema.json``)."""
from __future__ import annotations

import json
from collections import Counter
from importlib import resources
from typing import Any, Dict, List

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
    return dumps(report_data(report)) + "\n"


_encode_string = json.encoder.encode_basestring  # the C encoder where there is one, as json.dumps uses
_INF = float("inf")


def _float(value: float) -> str:
    if value != value:
        return "NaN"
    if value == _INF:
        return "Infinity"
    if value == -_INF:
        return "-Infinity"
    return float.__repr__(value)


def _key(key: Any) -> str:
    if isinstance(key, str):
        return key
    if isinstance(key, float):
        return _float(key)
    if key is True:
        return "true"
    if key is False:
        return "false"
    if key is None:
        return "null"
    if isinstance(key, int):
        return int.__repr__(key)
    raise TypeError(f"keys must be str, int, float, bool or None, not {key.__class__.__name__}")


def dumps(data: Any) -> str:
    """``json.dumps(data, indent=2, ensure_ascii=False)``, character for character, in a fraction of its time.

    With ``indent`` set, the standard library encodes through nested Python generators, one ``yield`` per
    token; on a report of 10,000 findings that was most of the JSON format's cost. This writes the same text
    with one recursive function appending to a list (strings through the same C string encoder;
    ``tests/test_formats.py`` checks the equality on reports and on generated values)."""
    out: List[str] = []
    append = out.append
    separators = ["\n"]  # the line break and indentation before an item at each depth

    def write(value: Any, depth: int) -> None:
        if isinstance(value, str):
            append(_encode_string(value))
        elif value is None:
            append("null")
        elif value is True:
            append("true")
        elif value is False:
            append("false")
        elif isinstance(value, int):
            append(int.__repr__(value))
        elif isinstance(value, float):
            append(_float(value))
        elif isinstance(value, (list, tuple)):
            if not value:
                append("[]")
                return
            if len(separators) <= depth + 1:
                separators.append("\n" + "  " * (depth + 1))
            inner = separators[depth + 1]
            between = "," + inner
            append("[" + inner)
            first = True
            for item in value:
                if first:
                    first = False
                else:
                    append(between)
                if isinstance(item, str):
                    append(_encode_string(item))
                else:
                    write(item, depth + 1)
            append(separators[depth] + "]")
        elif isinstance(value, dict):
            if not value:
                append("{}")
                return
            if len(separators) <= depth + 1:
                separators.append("\n" + "  " * (depth + 1))
            inner = separators[depth + 1]
            between = "," + inner
            append("{" + inner)
            first = True
            for key, item in value.items():
                if first:
                    first = False
                else:
                    append(between)
                append(_encode_string(key if isinstance(key, str) else _key(key)) + ": ")
                if isinstance(item, str):
                    append(_encode_string(item))
                else:
                    write(item, depth + 1)
            append(separators[depth] + "}")
        else:
            raise TypeError(f"Object of type {value.__class__.__name__} is not JSON serializable")

    write(data, 0)
    return "".join(out)


def schema() -> Dict[str, Any]:
    """The JSON Schema every report validates against."""
    with resources.files("debtscan.report").joinpath("schema.json").open("r", encoding="utf-8") as handle:
        return json.load(handle)
