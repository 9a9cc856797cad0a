"""The metric providers, listed: ``metrics.<name>`` of the report comes from the provider of that name.

Importing this module registers nothing and runs nothing; :func:`compute_metrics` calls each provider once.
"""
from __future__ import annotations

from typing import Any, Dict, Tuple

from debtscan.config import Config
from debtscan.metrics.base import MetricProvider
from debtscan.metrics.glue import composition_metric, glue_code_ratio, ml_code_ratio
from debtscan.metrics.pipeline import pipeline_metrics
from debtscan.metrics.signals import signal_metrics
from debtscan.project.model import Project

PROVIDERS: Tuple[Tuple[str, MetricProvider], ...] = (
    ("composition", composition_metric),
    ("glue_code_ratio", glue_code_ratio),
    ("ml_code_ratio", ml_code_ratio),
    ("pipeline", pipeline_metrics),
    ("signals", signal_metrics),
)


def compute_metrics(project: Project, config: Config) -> Dict[str, Any]:
    """Every section of ``metrics``, in name order."""
    return {name: provider(project, config) for name, provider in sorted(PROVIDERS)}
