"""``metrics.pipeline``: artifacts, hand-offs and how well paths resolved."""
from __future__ import annotations

from typing import Any, Dict

from debtscan.config import Config
from debtscan.graph import Project
from debtscan.metrics import metric


@metric("pipeline")
def pipeline_metrics(project: Project, config: Config) -> Dict[str, Any]:
    artifacts = sorted({a.artifact for a in project.accesses})
    intermediate = sorted({w.artifact for w, _ in project.handoffs} | {r.artifact for _, r in project.handoffs})
    modules = sorted({w.module for w, _ in project.handoffs} | {r.module for _, r in project.handoffs})
    total = sum(len(f.io) for f in project.facts.values())
    exact = sum(1 for a in project.accesses if a.exact)
    pattern = sum(1 for a in project.accesses if not a.exact)
    return {
        "artifacts": len(artifacts),
        "intermediate_artifacts": len(intermediate),
        "handoffs": len(project.handoffs),
        "modules_in_jungle": len(modules),
        "io_calls": total,
        "paths_exact": exact,
        "paths_pattern": pattern,
        "paths_unresolved": max(0, total - len({(a.module, a.line, a.column) for a in project.accesses})),
    }
