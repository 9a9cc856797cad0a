"""What a metric provider is: a function of the project (and the configuration) that computes one section
of the report's ``metrics``. The providers themselves are listed in :mod:`debtscan.metrics.providers`."""
from __future__ import annotations

from typing import Any, Callable

from debtscan.config import Config
from debtscan.project.model import Project

MetricProvider = Callable[[Project, Config], Any]
