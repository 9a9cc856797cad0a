"""``metrics.signals``: signals, fitted models, components, shared signals, cascades and model outputs, with
a line per component. Read from the project's ``signals`` and ``components`` parts; the shared signals are
the project's one list (by the scan's shared-signal settings), the same DS301 reports."""
from __future__ import annotations

from typing import Any, Dict, Set, Tuple

from debtscan.config import Config
from debtscan.project.model import Project


def signal_metrics(project: Project, config: Config) -> Dict[str, Any]:
    layer = project.signals
    components = project.components
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
        "components": len(components.members),
        "shared_signals": len({(s.name, s.source) for s in layer.shared}),
        "cascades": len(layer.cascades),
        "model_outputs": len(layer.outputs),
        "by_component": {
            comp: {"modules": len(paths), "models": fitted.get(comp, 0), "signals": len(signals.get(comp, ()))}
            for comp, paths in sorted(components.members.items())
        },
    }
