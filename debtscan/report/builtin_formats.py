"""Registers the JSON format (the CI formats register themselves in their own modules, loaded on first use:
:data:`debtscan.report.formats.BUILTIN`; console output is rendered by the CLI through rich)."""
from debtscan.project.graph import Project
from debtscan.report import json_format
from debtscan.report.formats import output_format
from debtscan.report.model import Report


@output_format("json")
def _json(report: Report, project: Project) -> str:
    return json_format.render(report)

