"""Baselines: accept today's debt, fail only on new debt, and ratchet the baseline down as debt is paid.

``debtscan baseline PATH -o .debtscan-baseline.json`` records the current findings by fingerprint with a
count per fingerprint. ``debtscan scan --baseline FILE`` then reports only the findings beyond the baseline
and lists the baseline entries that no longer occur. Fingerprints hash the rule, the path and the finding's
subject (never its line), so a baseline does not rot when unrelated edits move code.

The file (sorted, so regenerating it gives a small VCS diff)::

    {"debtscan_baseline": 1, "tool": {"name": "debtscan", "version": "0.1.0"},
     "findings": {"<fingerprint>": {"count": 1, "code": "DS201", "path": "01_prepare.py", "message": "..."}}}

``code``, ``path`` and ``message`` are for people reading the file and for listing fixed entries; matching
uses only the fingerprint and the count.
"""
from __future__ import annotations

import json
from collections import Counter
from typing import Any, Dict, Iterable, List, Optional

from debtscan import __version__
from debtscan.jsonfile import load_json_file
from debtscan.report.diff import split_by_fingerprint
from debtscan.report.model import Finding, Report

BASELINE_VERSION = 1


class BaselineError(ValueError):
    """A baseline file that cannot be read or is not a debtscan baseline."""


def baseline_data(findings: Iterable[Finding]) -> Dict[str, Any]:
    entries: Dict[str, Dict[str, Any]] = {}
    for finding in findings:
        entry = entries.get(finding.fingerprint)
        if entry is None:
            entries[finding.fingerprint] = {"count": 1, "code": finding.code, "path": finding.path,
                                            "message": finding.message}
        else:
            entry["count"] += 1
    ordered = dict(sorted(entries.items(), key=lambda item: (item[1]["path"], item[1]["code"], item[0])))
    return {"debtscan_baseline": BASELINE_VERSION, "tool": {"name": "debtscan", "version": __version__},
            "findings": ordered}


def render_baseline(findings: Iterable[Finding]) -> str:
    return json.dumps(baseline_data(findings), indent=2, ensure_ascii=False) + "\n"


def load_baseline(path: str) -> Dict[str, Any]:
    data = load_json_file(path, BaselineError, "baseline ")
    if not isinstance(data, dict) or data.get("debtscan_baseline") != BASELINE_VERSION \
            or not isinstance(data.get("findings"), dict):
        raise BaselineError(f"{path} is not a debtscan baseline (write one with `debtscan baseline PATH -o {path}`)")
    for fingerprint, entry in data["findings"].items():
        problem = _entry_problem(fingerprint, entry)
        if problem:
            raise BaselineError(f"{path}: entry {fingerprint[:40]!r} {problem} (regenerate the file with "
                                f"`debtscan baseline`)")
    return data


# More findings than this under one fingerprint is not a real baseline (a typo, or a hand-edited file).
MAX_COUNT = 1_000_000


def _entry_problem(fingerprint: str, entry: Any) -> str:
    """What is wrong with one baseline entry, or ``""``: types and ranges, so that a hand-edited or damaged
    file is refused before the scan rather than silently matching everything."""
    if not 1 <= len(fingerprint) <= 128:
        return "has a fingerprint of the wrong length"
    if not isinstance(entry, dict):
        return "is not a table"
    count = entry.get("count")
    if not isinstance(count, int) or isinstance(count, bool):
        return f"needs a positive integer `count`, got {json.dumps(count)[:40]}"
    if not 1 <= count <= MAX_COUNT:
        return f"has `count` {str(count)[:40]}, outside 1..{MAX_COUNT:,}"
    for key in ("code", "path", "message"):
        if key in entry and not isinstance(entry[key], str):
            return f"has a `{key}` that is not a string"
    return ""


def apply_baseline(report: Report, baseline: Dict[str, Any], file: str,
                   only_paths: Optional[Iterable[str]] = None) -> Report:
    """Keep only the findings beyond the baseline; record what matched and which entries no longer occur.

    With ``only_paths`` (pre-commit's file names) only entries in those files can be known to be gone, so
    only those are listed as no longer occurring.
    """
    entries = baseline["findings"]
    known = Counter({fingerprint: entry["count"] for fingerprint, entry in entries.items()})
    matched, beyond, left = split_by_fingerprint(known, report.findings, fingerprint=lambda f: f.fingerprint)
    matched, beyond, left = _match_moved(matched, beyond, left)
    only = set(only_paths) if only_paths is not None else None
    fixed: List[Dict[str, Any]] = []
    for fingerprint, count in left.items():
        entry = entries[fingerprint]
        if only is not None and entry.get("path") not in only:
            continue
        fixed.append({"fingerprint": fingerprint, "count": count, "code": str(entry.get("code", "")),
                      "path": str(entry.get("path", "")), "message": str(entry.get("message", ""))})
    fixed.sort(key=lambda e: (e["path"], e["code"], e["fingerprint"]))
    report.findings = beyond
    report.baseline = {
        "file": file,
        "entries": sum(known.values()),
        "matched": len(matched),
        "new": len(beyond),
        "fixed_count": sum(e["count"] for e in fixed),
        "fixed": fixed,
    }
    return report


def _match_moved(matched: List[Finding], beyond: List[Finding], left: Counter):
    """Findings of a rule that moved to another code (DS207 -> DS406) match the baseline entries recorded
    under the old code: each takes every old entry it stands for (:func:`~debtscan.rules.redirects.legacy_fingerprints`)."""
    from debtscan.rules.redirects import legacy_fingerprints

    still: List[Finding] = []
    for finding in beyond:
        olds = [f for f in legacy_fingerprints(finding) if left.get(f, 0) > 0]
        if not olds:
            still.append(finding)
            continue
        for fingerprint in olds:
            left[fingerprint] -= 1
        matched.append(finding)
    return matched, still, +left


def _count(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def no_longer_occur(count: int, noun: str = "baseline finding") -> str:
    """``1 baseline finding no longer occurs``, ``3 baseline findings no longer occur``."""
    return f"{_count(count, noun)} no longer occur{'s' if count == 1 else ''}"


def console_section(report: Report, console) -> None:
    """The console's baseline section: what the baseline hid, and its entries that no longer occur."""
    from rich.text import Text

    base = report.baseline
    if base is None:
        return
    console.print()
    console.print(Text(f"Baseline {base['file']}: {_count(base['matched'], 'known finding')} "
                       f"not shown, {base['new']} new.", style="bold"))
    if base["fixed"]:
        console.print(Text(f"{no_longer_occur(base['fixed_count'])}; run `debtscan baseline` again to ratchet "
                           "the baseline down:", style="green"))
        for entry in base["fixed"]:
            count = f" ×{entry['count']}" if entry["count"] > 1 else ""
            console.print(Text(f"  {entry['path']}  {entry['code']}{count}  {entry['message']}", style="dim"))
