"""Report metrics: each provider computes one section of ``metrics`` from the project.

The providers are an explicit list (:data:`debtscan.metrics.providers.PROVIDERS`); the engine calls each once.
"""
from __future__ import annotations

from typing import Any, Callable, Dict

from debtscan.config import Config
from debtscan.metrics.providers import PROVIDERS
from debtscan.project.model import Project

MetricProvider = Callable[[Project, Config], Any]


def compute_metrics(project: Project, config: Config) -> Dict[str, Any]:
    """``metrics`` of the report: every provider's section, by name."""
    return {name: provider(project, config) for name, provider in sorted(PROVIDERS)}
