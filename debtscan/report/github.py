"""GitHub Actions workflow commands (``--format github``): one annotation per finding.

``::warning file=PATH,line=L,col=C,endLine=E,title=CODE name::message`` (``::error`` / ``::notice`` for the
other severities). Paths are relative to the repository root, lines and columns 1-based. Messages escape
``%``, CR and LF; property values also escape ``:`` and ``,`` (GitHub's own escaping rules), so a message
can never end the command early or inject another one.
"""
from __future__ import annotations

from typing import Dict, List

from debtscan.report.model import Finding, Report
from debtscan.report.sarif import repo_path

COMMANDS = {"error": "error", "warning": "warning", "info": "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(name: str, message: str, properties: Dict[str, object]) -> str:
    props = ",".join(f"{key}={escape_property(str(value))}" for key, value in properties.items())
    return f"::{name}{' ' + props if props else ''}::{escape_data(message)}"


def annotation(report: Report, finding: Finding) -> str:
    properties: Dict[str, object] = {"file": repo_path(report, finding.path), "line": finding.line,
                                     "col": finding.column + 1}
    if finding.end_line is not None and finding.end_line > finding.line:
        properties["endLine"] = finding.end_line
    properties["title"] = f"{finding.code} {finding.name}"
    message = finding.message
    if finding.cell is not None:
        message += f" (notebook cell {finding.cell}, line {finding.line} of the cell)"
    if finding.related:
        message += "\n" + "\n".join(f"  -> {repo_path(report, r.path)}:{r.line} {r.message}" for r in finding.related)
    return command(COMMANDS.get(finding.severity, "warning"), message, properties)


def render(report: Report) -> str:
    lines: List[str] = [annotation(report, finding) for finding in report.findings]
    for error in report.errors:
        properties: Dict[str, object] = {"title": "debtscan could not analyse this"}
        if not error.path.startswith("<"):
            properties = {"file": repo_path(report, error.path), **properties}
        lines.append(command("warning", f"{error.path}: {error.message}", properties))
    return "".join(line + "\n" for line in lines)
