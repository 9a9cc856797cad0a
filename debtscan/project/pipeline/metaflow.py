"""Metaflow artifacts as declared hand-offs between the steps of a flow.

A Metaflow step hands data to the steps after it by assigning ``self.<name>``: Metaflow stores the
artifact, versions it with the run and gives it to every later step (:class:`StepArtifactFact`). Such a
hand-off is declared by the tool — the order is ``self.next(...)`` and the contract the artifact's name —
so it is never pipeline jungle; :func:`step_handoffs` lists them for the declared-flow metric.

A step reads the value of the nearest steps before it that assign the name: from each writer the walk
follows ``self.next`` edges and stops at a step that assigns the name again. A name a step both reads and
assigns (``self.rows = [r for r in self.rows if r]``) is read from the steps before it. Artifacts reached
through a join step's ``inputs`` (``for branch in inputs: branch.score``) are not followed.
"""
from __future__ import annotations

from typing import Dict, List, Mapping, Optional, Set, Tuple

from debtscan.facts.model import FileFacts, IOMode, TaskKind
from debtscan.records import record


@record(frozen=True)
class StepHandoff:
    """Artifact ``name`` assigned in step ``writer`` (at ``write_line``) and read in the later step
    ``reader`` (at ``read_line``) of flow ``flow`` in file ``path``."""

    path: str
    flow: str
    name: str
    writer: str
    reader: str
    write_line: int
    read_line: int


def _flow_of_line(facts: FileFacts, flows: Set[str], line: int) -> Optional[str]:
    for function in facts.functions:
        if function.line <= line <= function.end_line:
            flow = function.name.rpartition(".")[0]
            if flow in flows:
                return flow
    return None


def step_handoffs(facts: Mapping[str, FileFacts]) -> List[StepHandoff]:
    """Every declared hand-off between the steps of the Metaflow flows of the repo, in file order."""
    out: List[StepHandoff] = []
    for path in sorted(facts):
        fact = facts[path]
        if not fact.step_artifacts:
            continue
        flows = {a.flow for a in fact.step_artifacts}
        steps = {(t.scope.rpartition(".")[0], t.name) for t in fact.tasks
                 if t.kind is TaskKind.FUNCTION and t.framework == "metaflow"}
        successors: Dict[Tuple[str, str], Set[str]] = {}
        for edge in fact.task_edges:
            flow = _flow_of_line(fact, flows, edge.line)
            if flow is not None and (flow, edge.upstream) in steps and (flow, edge.downstream) in steps:
                successors.setdefault((flow, edge.upstream), set()).add(edge.downstream)
        writes: Dict[Tuple[str, str], Dict[str, int]] = {}
        reads: Dict[Tuple[str, str], Dict[str, int]] = {}
        for artifact in fact.step_artifacts:
            table = writes if artifact.mode is IOMode.WRITE else reads
            table.setdefault((artifact.flow, artifact.name), {}).setdefault(artifact.step, artifact.line)
        for (flow, name), writers in sorted(writes.items()):
            readers = reads.get((flow, name), {})
            if not readers:
                continue
            for writer, write_line in sorted(writers.items(), key=lambda item: item[1]):
                seen: Set[str] = set()
                frontier = sorted(successors.get((flow, writer), ()))
                while frontier:
                    step = frontier.pop(0)
                    if step in seen:
                        continue
                    seen.add(step)
                    if step in readers:
                        out.append(StepHandoff(path, flow, name, writer, step, write_line, readers[step]))
                    if step not in writers:
                        frontier.extend(sorted(successors.get((flow, step), ())))
    return out
