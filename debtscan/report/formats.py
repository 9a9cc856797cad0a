"""Output formats by name: an explicit table. Each renderer turns a Report into text and reads nothing else.

A format that draws the pipeline (``draws_pipeline``) needs the report's :class:`PipelineDrawing`: the
caller fills it from the project before rendering (:func:`debtscan.report.drawing.with_pipeline`). Console
output is rendered by the command line through rich (:mod:`debtscan.report.console`).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Dict

from debtscan.report import github, gitlab, html, json_format, markdown, sarif
from debtscan.report.model import Report

Renderer = Callable[[Report], str]


@dataclass(frozen=True)
class OutputFormat:
    """``--format name``: its renderer, and whether it draws the pipeline (needs ``Report.pipeline``)."""

    name: str
    render: Renderer
    draws_pipeline: bool = False

    def __call__(self, report: Report) -> str:
        return self.render(report)


FORMATS = (
    OutputFormat("json", json_format.render),
    OutputFormat("sarif", sarif.render),
    OutputFormat("github", github.render),
    OutputFormat("gitlab", gitlab.render),
    OutputFormat("markdown", markdown.render, draws_pipeline=True),
    OutputFormat("html", html.render, draws_pipeline=True),
)


def formats() -> Dict[str, OutputFormat]:
    return {output.name: output for output in FORMATS}
