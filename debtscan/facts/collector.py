"""The base every fact family plugs into.

A :class:`Collector` sees the nodes it names during the single pass (:mod:`debtscan.facts.extract`) and, at
the end, adds its facts to a :class:`CollectedFacts` (typed: one field per kind of fact a collector can
provide). Collectors import this module, never the extraction itself, so the pass can list them without
an import cycle.

How collectors depend on one another is declared, never guessed: ``after`` names the collectors whose
results this one reads (it sees every node after them and finishes after them), and :meth:`Collector.peer`
hands out the running instance of one of them, typed. :func:`ordered` puts a list of collector classes in
an order that honours every ``after`` (adding a required collector that is missing) and otherwise keeps
the order given, which is also the order in which :meth:`Collector.on_statement` is asked to classify a
line (the first answer wins).

Writing a new fact family: subclass :class:`Collector`, name the node types in ``enter``/``leave``, declare
``after`` for every collector whose state you read, add your facts to ``out`` in :meth:`finish` (a new kind
of fact also needs a field here, in :class:`debtscan.facts.model.FileFacts`, and a cache format bump), and
list the class in :func:`debtscan.facts.extract.default_collectors`.
"""
from __future__ import annotations

from dataclasses import field
from typing import Any, ClassVar, Dict, List, Optional, Sequence, Tuple, Type, TypeVar

import libcst as cst

from debtscan.facts.model import (
    AssetFact,
    ConfigBlockFact,
    DeadBlockFact,
    FingerprintFact,
    FlagFact,
    IOFact,
    ModelFact,
    PathCallFact,
    PipelineNodeFact,
    RunFact,
    CliArg,
    SettingFact,
    SignalFact,
    StatementFact,
    StepArtifactFact,
    TaskEdgeFact,
    TaskFact,
)
from debtscan.facts.external_model import ExternalFacts
from debtscan.facts.summary_model import FlowFacts
from debtscan.records import record

from debtscan.facts.model import MODULE_SCOPE  # noqa: E402,F401 - re-exported (the cross-file stage imports model only)

C = TypeVar("C", bound="Collector")


@record
class StatementFrame:
    """The logical line being generated, with the calls made in it."""

    node: cst.CSTNode
    line: int
    scope: str
    calls: List[str] = field(default_factory=list)
    io: int = 0
    end_line: int = 0


@record
class CollectedFacts:
    """What the collectors found in one file, filled in :meth:`Collector.finish` (in collector order) and
    frozen into the :class:`~debtscan.facts.model.FileFacts` by the extraction.

    ``io`` is the file's one list of I/O facts: :class:`~debtscan.facts.io.IOCollector` records into it and
    the collectors declared ``after`` it append to (and may filter) the same list through their peer."""

    io: List[IOFact] = field(default_factory=list)
    runs: List[RunFact] = field(default_factory=list)
    cli: List[CliArg] = field(default_factory=list)
    path_calls: List[PathCallFact] = field(default_factory=list)
    signals: List[SignalFact] = field(default_factory=list)
    models: List[ModelFact] = field(default_factory=list)
    tasks: List[TaskFact] = field(default_factory=list)
    task_edges: List[TaskEdgeFact] = field(default_factory=list)
    assets: List[AssetFact] = field(default_factory=list)
    step_artifacts: List[StepArtifactFact] = field(default_factory=list)
    pipeline_nodes: List[PipelineNodeFact] = field(default_factory=list)
    dead_blocks: List[DeadBlockFact] = field(default_factory=list)
    flags: List[FlagFact] = field(default_factory=list)
    settings: List[SettingFact] = field(default_factory=list)
    config_blocks: List[ConfigBlockFact] = field(default_factory=list)
    fingerprint: Optional[FingerprintFact] = None
    names: Tuple[str, ...] = ()
    flows: Optional[FlowFacts] = None
    external: Optional[ExternalFacts] = None
    main_guard: int = 0
    top_level_calls: int = 0


class CollectorOrderError(ValueError):
    """Collectors whose ``after`` declarations form a cycle, or a peer asked for but not declared."""


class Collector:
    """One family of facts. Subclasses name the node types they want in ``enter``/``leave``
    (node type -> method name), declare in ``after`` the collectors whose state they read, and put their
    results into the :class:`CollectedFacts` in :meth:`finish`."""

    enter: ClassVar[Dict[Type[cst.CSTNode], str]] = {}
    leave: ClassVar[Dict[Type[cst.CSTNode], str]] = {}
    after: ClassVar[Tuple[Type["Collector"], ...]] = ()

    def __init__(self, ex: Any) -> None:
        # ``ex`` is the running :class:`debtscan.facts.extract.Extraction` (not imported here: the pass
        # imports the collectors)
        self.ex = ex

    def peer(self, kind: Type[C]) -> C:
        """The running collector of class ``kind``, which this collector must declare in ``after``."""
        if kind not in type(self).after:
            raise CollectorOrderError(f"{type(self).__name__} reads {kind.__name__} without declaring it in `after`")
        return self.ex.collector(kind)

    def on_call(self, node: cst.Call, qualname: str) -> None:
        """Every call, with its resolved qualified name, in source order."""

    def on_statement(self, frame: StatementFrame) -> Optional[StatementFact]:
        """Classify a finished logical line; the first collector to return a fact wins."""
        return None

    def finish(self, out: CollectedFacts) -> None:
        """Add this family's facts to ``out``."""


def ordered(kinds: Sequence[Type[Collector]]) -> List[Type[Collector]]:
    """``kinds`` in an order that runs every collector after those it declares in ``after`` (a declared
    collector missing from ``kinds`` is added); otherwise the order given. A cycle is an error."""
    result: List[Type[Collector]] = []
    visiting: List[Type[Collector]] = []

    def visit(kind: Type[Collector]) -> None:
        if kind in result:
            return
        if kind in visiting:
            cycle = " -> ".join(k.__name__ for k in visiting[visiting.index(kind):] + [kind])
            raise CollectorOrderError(f"collectors depend on each other in a cycle: {cycle}")
        visiting.append(kind)
        for dependency in kind.after:
            visit(dependency)
        visiting.pop()
        result.append(kind)

    for kind in kinds:
        visit(kind)
    return result
