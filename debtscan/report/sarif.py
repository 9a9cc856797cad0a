"""SARIF 2.1.0, as GitHub code scanning reads it (``--format sarif``).

One run; ``tool.driver.rules`` describes every rule that ran (descriptions and help from its ``rules/``
page), each result points at its rule by ``ruleId`` and ``ruleIndex`` and carries debtscan's stable
fingerprint in ``partialFingerprints`` so code scanning tracks an alert across commits. Locations are
relative to the repository root (``uriBaseId: SRCROOT``) and 1-based: SARIF columns start at 1, debtscan's
at 0.
"""
from __future__ import annotations

import json
import re
import subprocess
from urllib.parse import quote
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from debtscan import __version__
from debtscan.rules.pages import page_sections, rule_page
from debtscan.report.model import Finding, Related, Report
from debtscan.report.notebook_json import NotebookJSONError, NotebookPositions, cell_positions
from debtscan.rules.base import MeasuredPrecision

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
FINGERPRINT_KEY = "debtscan/v1"
LEVELS = {"error": "error", "warning": "warning", "info": "note"}
# GitHub code scanning's ``problem.severity`` vocabulary (it shows "recommendation" for our "info").
PROBLEM_SEVERITY = {"error": "error", "warning": "warning", "info": "recommendation"}
# A rule's measured precision, as GitHub's ``precision`` vocabulary: the share of its findings judged right by
# hand on public repositories. A rule judged on fewer findings than MIN_JUDGED makes no claim.
PRECISION_LEVELS = ((0.95, "very-high"), (0.8, "high"), (0.5, "medium"), (0.0, "low"))
MIN_JUDGED = 10


@lru_cache(maxsize=32)
def _git_prefix(root: str) -> Tuple[str, str]:
    """(the repository root, the scan root's path inside it with a trailing ``/`` or ``""``)."""
    try:
        out = subprocess.run(["git", "-C", root, "rev-parse", "--show-toplevel"], capture_output=True,
                             text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return root, ""
    top = out.stdout.strip()
    if out.returncode != 0 or not top:
        return root, ""
    try:
        inside = Path(root).resolve().relative_to(Path(top).resolve()).as_posix()
    except ValueError:
        return root, ""
    return str(Path(top).resolve()), "" if inside == "." else inside + "/"


def repo_root(report: Report) -> str:
    """The folder CI tools resolve paths against: the git work tree holding the scan root, else the root."""
    return _git_prefix(report.root)[0]


def repo_path(report: Report, path: str) -> str:
    """``path`` (relative to the scan root) relative to the repository root, as CI tools expect it."""
    return _git_prefix(report.root)[1] + path


def _plain(markdown: str) -> str:
    """Markdown prose as plain text (for ``text`` fields): no emphasis or code markers."""
    text = re.sub(r"`([^`]*)`", r"\1", markdown)
    text = re.sub(r"\*\*([^*]+)\*\*|\*([^*]+)\*", lambda m: m.group(1) or m.group(2), text)
    return text.strip()


def _paragraph(markdown: str) -> str:
    return markdown.split("\n\n", 1)[0].replace("\n", " ").strip()


def precision_level(measured: Optional[MeasuredPrecision]) -> Optional[str]:
    """GitHub's ``precision`` value for a rule's measured precision; None when too few findings were judged."""
    if measured is None or measured.judged < MIN_JUDGED:
        return None
    return next(level for floor, level in PRECISION_LEVELS if measured.share >= floor)


def _rule_properties(rule: Any) -> Dict[str, Any]:
    properties: Dict[str, Any] = {"tags": ["maintainability", "ml-technical-debt", rule.category],
                                  "problem.severity": PROBLEM_SEVERITY.get(rule.severity, "warning")}
    measured = getattr(rule, "measured_precision", None)
    if not isinstance(measured, MeasuredPrecision):
        measured = None
    level = precision_level(measured)
    if level is not None:
        properties["precision"] = level
    if measured is not None:
        properties["debtscan/measured-precision"] = {"right": measured.right, "judged": measured.judged,
                                                     "source": measured.source}
    return properties


def rule_descriptor(rule: Any) -> Dict[str, Any]:
    page = rule_page(rule)
    sections = page_sections(page)
    what = sections.get("What it does") or rule.summary
    why = sections.get("Why is this bad?") or rule.why
    full = f"{_paragraph(what)} {_paragraph(why)}".strip()
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": _plain(rule.summary) or rule.name},
        "fullDescription": {"text": _plain(full) or rule.summary or rule.name},
        "help": {"text": _plain(f"{rule.summary}\n\nWhy this is debt: {rule.why}\n\nWhat to do instead: {rule.fix}"),
                 "markdown": page},
        "defaultConfiguration": {"level": LEVELS.get(rule.severity, "warning")},
        "properties": _rule_properties(rule),
    }


def _fallback_descriptor(finding: Finding) -> Dict[str, Any]:
    """A rule that produced findings but is not among the report's rules (never for built-in rules)."""
    return {
        "id": finding.code,
        "name": finding.name,
        "shortDescription": {"text": finding.name},
        "fullDescription": {"text": finding.help or finding.name},
        "help": {"text": finding.help or finding.name, "markdown": finding.help or finding.name},
        "defaultConfiguration": {"level": LEVELS.get(finding.severity, "warning")},
        "properties": {"tags": ["maintainability", "ml-technical-debt", finding.category],
                       "problem.severity": PROBLEM_SEVERITY.get(finding.severity, "warning")},
    }


def _region(line: int, column: Optional[int] = 0, end_line: Optional[int] = None,
            end_column: Optional[int] = None) -> Dict[str, int]:
    """A 1-based SARIF region; without a column it is the whole line."""
    region = {"startLine": max(1, line)}
    if column is None:
        return region
    region["startColumn"] = max(0, column) + 1
    if end_line is not None and end_column is not None and (end_line, end_column) > (line, column):
        region["endLine"] = end_line
        region["endColumn"] = end_column + 1
    return region


def _location(report: Report, path: str, region: Dict[str, int]) -> Dict[str, Any]:
    uri = quote(repo_path(report, path), safe="/")  # a URI reference: spaces and the like %-encoded
    return {"physicalLocation": {"artifactLocation": {"uri": uri, "uriBaseId": "SRCROOT"},
                                 "region": region}}


class _Notebooks:
    """Maps places in notebook cells to lines of the ``.ipynb`` file's JSON, as code scanning shows the file.

    The file is read again from the scan root (it is JSON; nothing is run). A notebook that cannot be read or
    whose cells no longer match gives ``None``, and the place falls back to the file's first line; the
    message names the cell either way.
    """

    def __init__(self, root: str) -> None:
        self.root = Path(root)
        self.positions: Dict[str, Optional[NotebookPositions]] = {}

    def _of(self, path: str) -> Optional[NotebookPositions]:
        if path not in self.positions:
            try:
                raw = (self.root / path).read_bytes().decode("utf-8-sig")
                self.positions[path] = cell_positions(raw)
            except (OSError, UnicodeDecodeError, NotebookJSONError):
                self.positions[path] = None
        return self.positions[path]

    def region(self, path: str, cell: int, line: int, column: Optional[int] = 0, end_line: Optional[int] = None,
               end_column: Optional[int] = None) -> Dict[str, int]:
        positions = self._of(path)
        start = positions.locate(cell, line, column or 0) if positions else None
        if start is None:
            return {"startLine": 1}
        if column is None:
            return {"startLine": start[0]}
        end = None
        if end_line is not None and end_column is not None and positions is not None:
            end = positions.locate(cell, end_line, end_column)
        return _region(start[0], start[1], *(end if end else (None, None)))


def _message(finding: Finding) -> str:
    if finding.cell is not None:
        return f"{finding.message} (notebook cell {finding.cell}, line {finding.line} of the cell)"
    return finding.message


def _related_message(related: Related) -> str:
    text = related.message or related.path
    if related.cell is not None and not text.startswith("cell "):
        return f"cell {related.cell}, line {related.line}: {text}"
    return text


def _result_region(finding: Finding, notebooks: _Notebooks) -> Dict[str, int]:
    if finding.cell is not None:
        return notebooks.region(finding.path, finding.cell, finding.line, finding.column, finding.end_line,
                                finding.end_column)
    return _region(finding.line, finding.column, finding.end_line, finding.end_column)


def _related_region(related: Related, notebooks: _Notebooks) -> Dict[str, int]:
    if related.cell is not None:
        return notebooks.region(related.path, related.cell, related.line, related.column)
    return _region(related.line, related.column)


def sarif_data(report: Report) -> Dict[str, Any]:
    rules: List[Dict[str, Any]] = [rule_descriptor(rule) for rule in sorted(report.rules, key=lambda r: r.code)]
    index = {rule["id"]: i for i, rule in enumerate(rules)}
    for finding in report.findings:
        if finding.code not in index:
            index[finding.code] = len(rules)
            rules.append(_fallback_descriptor(finding))
    notebooks = _Notebooks(report.root)
    results = []
    for finding in report.findings:
        result: Dict[str, Any] = {
            "ruleId": finding.code,
            "ruleIndex": index[finding.code],
            "level": LEVELS.get(finding.severity, "warning"),
            "message": {"text": _message(finding)},
            "locations": [_location(report, finding.path, _result_region(finding, notebooks))],
            "partialFingerprints": {FINGERPRINT_KEY: finding.fingerprint},
        }
        if finding.related:
            result["relatedLocations"] = [
                {"id": i + 1, **_location(report, related.path, _related_region(related, notebooks)),
                 "message": {"text": _related_message(related)}}
                for i, related in enumerate(finding.related)
            ]
        properties: Dict[str, Any] = {"category": finding.category}
        if finding.cell is not None:
            properties["cell"] = finding.cell
            properties["cellLine"] = finding.line
        result["properties"] = properties
        results.append(result)
    notifications = [
        {"level": "warning", "message": {"text": f"{error.path}: {error.message}"},
         **({"locations": [_location(report, error.path, {"startLine": 1})]} if not error.path.startswith("<")
            else {})}
        for error in report.errors
    ]
    top = repo_root(report)
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "debtscan", "version": __version__, "semanticVersion": __version__,
                                "rules": rules}},
            "originalUriBaseIds": {"SRCROOT": {"uri": Path(top).resolve().as_uri().rstrip("/") + "/"}},
            "invocations": [{"executionSuccessful": True, "toolExecutionNotifications": notifications}],
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    }


def render(report: Report) -> str:
    return json.dumps(sarif_data(report), indent=2, ensure_ascii=False) + "\n"
