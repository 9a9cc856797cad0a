"""GitLab Code Quality report (``--format gitlab``), a JSON array GitLab shows in merge requests.

Each entry: ``description`` (the rule code, then the message), ``check_name`` (the rule's name),
``fingerprint`` (debtscan's stable fingerprint), ``severity`` and ``location.path`` /
``location.lines.begin`` (relative to the repository root). Severities map as: info -> ``info``,
warning -> ``major``, error -> ``critical`` (warnings fail ``debtscan scan`` by default, so they are more
than GitLab's ``minor``; GitLab's ``blocker`` is left for nothing debtscan reports).
"""
from __future__ import annotations

import json
from typing import Any, Dict, List

from debtscan.report.model import Report
from debtscan.report.sarif import repo_path

SEVERITIES = {"info": "info", "warning": "major", "error": "critical"}


def code_quality(report: Report) -> List[Dict[str, Any]]:
    entries = []
    for finding in report.findings:
        description = f"{finding.code} {finding.message}"
        if finding.cell is not None:
            description += f" (notebook cell {finding.cell}, line {finding.line} of the cell)"
        entries.append({
            "description": description,
            "check_name": finding.name,
            "fingerprint": finding.fingerprint,
            "severity": SEVERITIES.get(finding.severity, "major"),
            "location": {"path": repo_path(report, finding.path), "lines": {"begin": finding.line}},
        })
    return entries


def render(report: Report) -> str:
    return json.dumps(code_quality(report), indent=2, ensure_ascii=False) + "\n"
