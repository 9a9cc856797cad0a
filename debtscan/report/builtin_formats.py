"""Registers the built-in output formats (console output is rendered by the CLI through rich)."""
from debtscan.project.graph import Project
from debtscan.report import json_format
from debtscan.report.formats import output_format
from debtscan.report.model import Report


@output_format("json")
def _json(report: Report, project: Project) -> str:
    return json_format.render(report)


# The CI formats register themselves with @output_format when imported.
from debtscan.report import github, gitlab, html, markdown, sarif  # noqa: E402,F401
