"""``metrics.pipeline``: artifacts, hand-offs, the jungle's extent and how well paths resolved."""
from __future__ import annotations

from typing import Any, Dict, List

from debtscan.artifacts import ArtifactKind
from debtscan.config import Config
from debtscan.facts.model import IOMode
from debtscan.project.kinds import is_model_access
from debtscan.project.model import Project, handoff_triples
from debtscan.project.roots import ScopedPathIndex

MAX_LISTED = 50


def _orphans(project: Project) -> Dict[str, Any]:
    """Files written but never read here, and files read but never written here (not raw inputs, nor what a
    pipeline tool declares: a dvc.yaml output its tool reads as metrics or plots, a dependency it tracks).
    Each path meets the other side through a per-project index (O(P log P + matches)), not every other path."""
    paths = project.paths
    artifacts = project.tables.artifacts
    read_paths = sorted(paths.readers)
    written_paths = sorted(paths.writers)
    reads = ScopedPathIndex(project.projects, read_paths)
    writes = ScopedPathIndex(project.projects, written_paths)
    never_read: List[str] = []
    for path in written_paths:
        if project.pipeline.is_declared(path):
            continue
        if any(not is_model_access(w, artifacts) for w in paths.writers[path]) and not reads.matching(path):
            never_read.append(path)
    never_written: List[str] = []
    for path in read_paths:
        if path.startswith("..") or paths.is_raw(path) or project.pipeline.is_declared(path) or all(is_model_access(r, artifacts) for r in paths.readers[path]):
            continue
        if not writes.matching(path):
            never_written.append(path)
    return {
        "written_never_read": len(never_read),
        "read_never_written": len(never_written),
        "written_never_read_paths": never_read[:MAX_LISTED],
        "read_never_written_paths": never_written[:MAX_LISTED],
    }


def pipeline_metrics(project: Project, config: Config) -> Dict[str, Any]:
    paths, pipeline = project.paths, project.pipeline
    artifacts = sorted({a.artifact for a in paths.accesses})
    groups = pipeline.handoff_groups
    intermediate = sorted({g.written for g in groups} | {g.read for g in groups})
    declared = sorted(pipeline.declared_artifacts)
    model_outputs = sorted({a.artifact for a in paths.accesses if a.mode is IOMode.WRITE and a.value == "prediction"})
    modules = sorted({m for g in groups for m in g.writer_modules} | {m for g in groups for m in g.reader_modules})
    chains = pipeline.chains
    longest = chains[0] if chains else []
    total = sum(len(f.io) for f in project.facts.values())
    sites = paths.io_sites
    kinds = {kind.value: 0 for kind in ArtifactKind}
    for kind in {(a.artifact, a.kind) for a in paths.accesses}:
        kinds[kind[1].value] += 1
    # (writer module, artifact, reader module) triples, no pairs of accesses; plus the hand-offs between the
    # steps of a pipeline a tool declares (Metaflow artifacts between steps, Kedro datasets between nodes)
    tool_handoffs = len(pipeline.step_handoffs) + len(pipeline.node_handoffs)
    all_handoffs = handoff_triples([g for g in pipeline.all_handoff_groups if g.count]) + tool_handoffs
    declared_handoffs = handoff_triples(pipeline.declared_handoff_groups) + tool_handoffs
    orchestrated = sum(1 for step in pipeline.steps if project.facts.get(step.runner) is not None
                       and project.facts[step.runner].tasks)
    return {
        "artifacts": len(artifacts),
        "intermediate_artifacts": len(intermediate),
        "declared_artifacts": len(declared),
        "declared_paths": declared[:MAX_LISTED],
        "handoffs": pipeline.handoff_count,
        "declared_handoffs": declared_handoffs,
        # how much of the data flow between modules a pipeline tool declares (None: no hand-off at all)
        "declared_flow_ratio": round(declared_handoffs / all_handoffs, 4) if all_handoffs else None,
        "artifacts_by_kind": kinds,
        "orchestrated_steps": orchestrated,
        "modules_in_jungle": len(modules),
        "longest_chain": {"length": max(0, len(longest) - 1), "members": longest},
        "model_outputs": model_outputs[:MAX_LISTED],
        "io_calls": total,
        "helper_instances": pipeline.helper_instances,
        "paths_exact": sites["exact"],
        "paths_pattern": sites["pattern"],
        "paths_unresolved": sites["unresolved"],
        "runner_steps": len(pipeline.steps),
        "script_folders": sorted(paths.script_folders),
        "projects": [root.path for root in project.projects.roots if root.path],
        "orphans": _orphans(project),
    }


