"""The built-in metric providers, an explicit list: ``metrics.<name>`` of the report, each computed once from
the project (no provider registers itself on import)."""
from __future__ import annotations

from typing import Any, Callable, Tuple

from debtscan.metrics import glue, pipeline, signals

PROVIDERS: Tuple[Tuple[str, Callable[..., Any]], ...] = (
    ("composition", glue.composition_metric),
    ("glue_code_ratio", glue.glue_code_ratio),
    ("ml_code_ratio", glue.ml_code_ratio),
    ("pipeline", pipeline.pipeline_metrics),
    ("signals", signals.signal_metrics),
)
