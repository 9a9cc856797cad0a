"""The signal metrics (``metrics.signals``): what the signal layer of the project holds, in numbers."""
from __future__ import annotations

from typing import Any, Dict, Set, Tuple

from debtscan.config import Config
from debtscan.project.graph import Project
from debtscan.project.signals import DEFAULT_EXPLORATORY, DEFAULT_UBIQUITOUS, shared_signals, signal_layer


def signal_metrics(project: Project, config: Config) -> Dict[str, Any]:
    """Signals consumed, models fitted, components, shared signals, cascades and model outputs."""
    layer = signal_layer(project, config)
    options = config.rule_options("DS301") if config is not None else {}
    shared = shared_signals(layer, project, options.get("ignore", DEFAULT_UBIQUITOUS),
                            options.get("ignore-targets", True), options.get("only-modeling-modules", True),
                            options.get("match-unknown-sources", False), options.get("raw-inputs", True),
                            options.get("inputs-only", True), options.get("exploratory", DEFAULT_EXPLORATORY))
    keys = {(c.name, s) for c in layer.consumptions for s in (c.sources or ("",))}
    fitted: Dict[str, int] = {}
    for model in layer.models.values():
        if model.kind == "fit":
            fitted[model.component] = fitted.get(model.component, 0) + 1
    signals: Dict[str, Set[Tuple[str, Tuple[str, ...]]]] = {}
    for item in layer.consumptions:
        signals.setdefault(item.component, set()).add((item.name, item.sources))
    return {
        "signals": len(keys),
        "models": sum(1 for m in layer.models.values() if m.kind == "fit"),
        "components": len(layer.components),
        "shared_signals": len({(s.name, s.source) for s in shared}),
        "cascades": len(layer.cascades),
        "model_outputs": len(layer.outputs),
        "by_component": {
            comp: {"modules": len(paths), "models": fitted.get(comp, 0), "signals": len(signals.get(comp, ()))}
            for comp, paths in sorted(layer.components.items())
        },
    }
