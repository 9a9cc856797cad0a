"""Output formats by name. Each renderer turns a Report (and its Project) into text."""
from __future__ import annotations

from typing import Callable, Dict

from debtscan.project.graph import Project
from debtscan.report.model import Report

Renderer = Callable[[Report, Project], str]
_FORMATS: Dict[str, Renderer] = {}


def output_format(name: str) -> Callable[[Renderer], Renderer]:
    """Register a renderer for ``--format name``."""

    def register(function: Renderer) -> Renderer:
        _FORMATS[name] = function
        return function

    return register


# The built-in formats and the module that registers each: a module is imported when its format is first
# used, so a scan loads only the renderer it writes with.
BUILTIN = {
    "json": "debtscan.report.builtin_formats",
    "sarif": "debtscan.report.sarif",
    "github": "debtscan.report.github",
    "gitlab": "debtscan.report.gitlab",
    "markdown": "debtscan.report.markdown",
    "html": "debtscan.report.html",
}


class _Deferred:
    """A built-in renderer not loaded yet: imports its module on the first call."""

    def __init__(self, name: str, module: str) -> None:
        self.name, self.module = name, module

    def __call__(self, report: Report, project: Project) -> str:
        import importlib

        importlib.import_module(self.module)
        return _FORMATS[self.name](report, project)


def formats() -> Dict[str, Renderer]:
    """Every format by name (built-in ones load on first use)."""
    table: Dict[str, Renderer] = {name: _Deferred(name, module) for name, module in BUILTIN.items()}
    table.update(_FORMATS)
    return table
