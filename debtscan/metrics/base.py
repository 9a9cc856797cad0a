"""Report metrics: each provider computes one section of ``metrics`` from the project.

Rule families register their own providers with :func:`metric`; the engine calls every provider once.
"""
from __future__ import annotations

from typing import Any, Callable, Dict, List, Tuple

from debtscan.config import Config
from debtscan.project.graph import Project

MetricProvider = Callable[[Project, Config], Any]
_PROVIDERS: List[Tuple[str, MetricProvider]] = []


def metric(name: str) -> Callable[[MetricProvider], MetricProvider]:
    """Register a provider for ``metrics.<name>``."""

    def register(function: MetricProvider) -> MetricProvider:
        _PROVIDERS[:] = [(n, f) for n, f in _PROVIDERS if n != name]
        _PROVIDERS.append((name, function))
        return function

    return register


def compute_metrics(project: Project, config: Config) -> Dict[str, Any]:
    import debtscan.metrics.providers  # noqa: F401 - registers the built-in providers

    return {name: provider(project, config) for name, provider in sorted(_PROVIDERS)}
