"""Output formats by name: an explicit table. Each renderer turns a Report into text and reads nothing else.

A format that draws the pipeline (``draws_pipeline``) needs the report's :class:`PipelineDrawing`: the
caller fills it from the project before rendering (:func:`debtscan.report.drawing.with_pipeline`). Console
output is rendered by the command line through rich (:mod:`debtscan.report.console`).

The table names each renderer by its module: the module is imported on the format's first use, so a scan
loads only the renderer it writes with (``tests/test_startup.py`` checks it in a fresh interpreter).
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Callable, Dict

from debtscan.records import record

if TYPE_CHECKING:  # the scan command names a format before any report exists (and a reused one never does)
    from debtscan.report.model import Report

Renderer = Callable[["Report"], str]


@record(frozen=True)
class OutputFormat:
    """``--format name``: the module whose ``render(report)`` writes it, and whether it draws the pipeline
    (needs ``Report.pipeline``)."""

    name: str
    module: str
    draws_pipeline: bool = False

    @property
    def render(self) -> Renderer:
        """The renderer (its module is imported on first use)."""
        return importlib.import_module(self.module).render

    def __call__(self, report: Report) -> str:
        return self.render(report)


FORMATS = (
    OutputFormat("json", "debtscan.report.json_format"),
    OutputFormat("sarif", "debtscan.report.sarif"),
    OutputFormat("github", "debtscan.report.github"),
    OutputFormat("gitlab", "debtscan.report.gitlab"),
    OutputFormat("markdown", "debtscan.report.markdown", draws_pipeline=True),
    OutputFormat("html", "debtscan.report.html", draws_pipeline=True),
)


def formats() -> Dict[str, OutputFormat]:
    return {output.name: output for output in FORMATS}
