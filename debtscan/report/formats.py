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


def formats() -> Dict[str, Renderer]:
    import debtscan.report.builtin_formats  # noqa: F401 - registers the built-in formats

    return dict(_FORMATS)
