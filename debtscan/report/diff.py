"""Report diffs (``debtscan diff OLD.json NEW.json``): new and fixed findings and every metric's change.

Findings are matched by their stable fingerprint, as a multiset (the same fingerprint twice in NEW and once in
OLD is one new finding), so moving code around is neither a new nor a fixed finding. Metrics are compared
leaf by leaf under dotted names (``pipeline.handoffs``, ``summary.by_category.pipeline-jungle``): numbers
get a ``change`` (new - old); other values, and metrics present on one side only, get ``change: null``.
"""
from __future__ import annotations

import json
from collections import Counter
from typing import Any, Dict, Iterable, List, Optional, Tuple

from debtscan.jsonfile import load_json_file
from debtscan.report.markdown_table import table

DIFF_VERSION = "1.0"


class ReportError(ValueError):
    """A file that is not a debtscan JSON report."""


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def flatten_metrics(metrics: Any, prefix: str = "", max_width: Optional[int] = None) -> List[Tuple[str, Any]]:
    """Scalar leaves of nested metric dicts as ``(dotted.name, value)``, in a stable order.

    ``max_width`` leaves out dicts with more keys than that (per-file tables), for summaries. Iterative: a
    report is user input, and nesting depth must not matter.
    """
    out: List[Tuple[str, Any]] = []
    stack = [(metrics, prefix)]
    while stack:
        value, name = stack.pop()
        if isinstance(value, dict):
            if max_width is not None and name and len(value) > max_width:
                continue
            stack.extend((value[key], f"{name}.{key}" if name else str(key))
                         for key in sorted(value, key=str, reverse=True))
        elif value is None or isinstance(value, (str, int, float, bool)):
            if name:
                out.append((name, value))
    return out


def load_report(path: str) -> Dict[str, Any]:
    data = load_json_file(path, ReportError, "")
    if (not isinstance(data, dict) or "schema_version" not in data or not isinstance(data.get("findings"), list)
            or not all(isinstance(f, dict) and isinstance(f.get("fingerprint"), str) for f in data["findings"])):
        raise ReportError(f"{path} is not a debtscan JSON report (`debtscan scan --format json -o FILE`)")
    return data


def split_by_fingerprint(known: Counter, findings: Iterable[Any], fingerprint=lambda f: f["fingerprint"]
                         ) -> Tuple[List[Any], List[Any], Counter]:
    """(findings matched by ``known``, findings beyond it, what is left of ``known``) - a multiset match."""
    left = Counter(known)
    matched, beyond = [], []
    for finding in findings:
        key = fingerprint(finding)
        if left[key] > 0:
            left[key] -= 1
            matched.append(finding)
        else:
            beyond.append(finding)
    return matched, beyond, +left


def _metric_values(report: Dict[str, Any]) -> Dict[str, Any]:
    values = dict(flatten_metrics(report.get("summary", {}), "summary"))
    values.update(flatten_metrics(report.get("metrics", {})))
    return values


def diff_reports(old: Dict[str, Any], new: Dict[str, Any]) -> Dict[str, Any]:
    old_findings, new_findings = old["findings"], new["findings"]
    unchanged, added, _ = split_by_fingerprint(Counter(f["fingerprint"] for f in old_findings), new_findings)
    _, fixed, _ = split_by_fingerprint(Counter(f["fingerprint"] for f in new_findings), old_findings)
    old_values, new_values = _metric_values(old), _metric_values(new)
    metrics = []
    for name in sorted(set(old_values) | set(new_values)):
        before, after = old_values.get(name), new_values.get(name)
        change = None
        if _is_number(before) and _is_number(after):
            change = after - before
            if isinstance(change, float):
                change = round(change, 6)
        metrics.append({"name": name, "old": before, "new": after, "change": change,
                        "changed": name not in old_values or name not in new_values or before != after})
    return {
        "diff_version": DIFF_VERSION,
        "old": {"root": old.get("root"), "version": (old.get("tool") or {}).get("version"),
                "findings": len(old_findings)},
        "new": {"root": new.get("root"), "version": (new.get("tool") or {}).get("version"),
                "findings": len(new_findings)},
        "counts": {"new": len(added), "fixed": len(fixed), "unchanged": len(unchanged)},
        "new_findings": added,
        "fixed_findings": fixed,
        "metrics": metrics,
    }


def render_json(diff: Dict[str, Any]) -> str:
    return json.dumps(diff, indent=2, ensure_ascii=False) + "\n"


def _value(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.4f}".rstrip("0").rstrip(".")
    return str(value)


def _change(metric: Dict[str, Any]) -> str:
    change = metric["change"]
    if change is None:
        return "added" if metric["old"] is None else "removed" if metric["new"] is None else "changed"
    return ("+" if change > 0 else "") + _value(change)


# Tables of one row per file, package, component or rule: listed only with --details.
DETAIL_TABLES = ("summary.by_rule.", "composition.files.", "composition.packages.", "composition.repo.lines.",
                 "composition.repo.fractions.", "signals.by_component.")


def is_headline(name: str) -> bool:
    """Whether a metric is a headline one (a total, a ratio, a count by category or severity), not a row of a
    per-file, per-package, per-component or per-rule table."""
    return not name.startswith(DETAIL_TABLES)


def changed_metrics(diff: Dict[str, Any], details: bool = True) -> List[Dict[str, Any]]:
    """The metrics that changed: all of them, or (``details=False``) the headline ones."""
    return [m for m in diff["metrics"] if m["changed"] and (details or is_headline(m["name"]))]


def _more(diff: Dict[str, Any], shown: int) -> str:
    hidden = len(changed_metrics(diff)) - shown
    if hidden <= 0:
        return ""
    return (f"{hidden} more per-file, per-component or per-rule metric{'s' if hidden != 1 else ''} changed "
            "(--details lists them)")


def _where(finding: Dict[str, Any]) -> str:
    where = f"{finding['path']}:{finding['line']}"
    return f"{where} (cell {finding['cell']})" if finding.get("cell") is not None else where


def render_markdown(diff: Dict[str, Any], details: bool = False) -> str:
    counts = diff["counts"]
    out = [f"## debtscan diff: {counts['new']} new, {counts['fixed']} fixed, {counts['unchanged']} unchanged", ""]
    for title, key in (("New findings", "new_findings"), ("Fixed findings", "fixed_findings")):
        if diff[key]:
            out += [f"### {title}", ""]
            out += table(["severity", "rule", "location", "message"],
                         [(f["severity"], f"{f['code']} {f['name']}", f"`{_where(f)}`", f["message"])
                          for f in diff[key]])
            out.append("")
    changed = changed_metrics(diff, details)
    out += ["### Metrics", ""]
    if changed:
        out += table(["metric", "old", "new", "change"],
                     [(f"`{m['name']}`", _value(m["old"]), _value(m["new"]), _change(m)) for m in changed], "lrrr")
    elif not changed_metrics(diff):
        out.append(f"No metric changed ({len(diff['metrics'])} compared).")
    if _more(diff, len(changed)):
        out += ["", _more(diff, len(changed)) + "."]
    out.append("")
    return "\n".join(out)


def render_console(diff: Dict[str, Any], console, details: bool = False) -> None:
    from rich.table import Table
    from rich.text import Text

    counts = diff["counts"]
    for title, key, style in (("new", "new_findings", "red"), ("fixed", "fixed_findings", "green")):
        for finding in diff[key]:
            line = Text(f"{title:>5}  ", style=f"bold {style}")
            line.append(f"{_where(finding)}  ", style="dim")
            line.append(f"{finding['code']} ")
            line.append(finding["message"])
            console.print(line)
    changed = changed_metrics(diff, details)
    if changed:
        table = Table(header_style="bold", title="metrics that changed" if details else "headline metrics that changed")
        for column in ("metric", "old", "new", "change"):
            table.add_column(column, justify="left" if column == "metric" else "right", overflow="fold")
        for metric in changed:
            table.add_row(metric["name"], _value(metric["old"]), _value(metric["new"]), _change(metric))
        console.print(table)
    if _more(diff, len(changed)):
        console.print(Text(_more(diff, len(changed)), style="dim"))
    total = len(changed_metrics(diff))
    console.print(Text(f"{counts['new']} new, {counts['fixed']} fixed, {counts['unchanged']} unchanged "
                       f"finding{'s' if counts['unchanged'] != 1 else ''}; {total} of {len(diff['metrics'])} "
                       f"metric{'s' if len(diff['metrics']) != 1 else ''} changed"))
