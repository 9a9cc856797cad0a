"""The project: the frozen, typed model of a whole scan that rules, metrics and exports read.

A :class:`Project` is built once (:func:`debtscan.project.graph.build_project`) before any rule runs; its
parts are typed values, each built by the project stage and never changed afterwards:

- ``facts`` (path -> :class:`~debtscan.facts.model.FileFacts`), ``modules`` (dotted name -> files),
  ``projects`` (the project roots), ``root`` (the scan root), ``sources`` (what the scan's walk saw of the
  disk: runner, DVC and Kedro texts, folder listings) and ``liveness`` (abandoned folders, dead blocks);
- ``tables``: the library knowledge of ``signals.toml`` with the user's ``[tool.debtscan.knowledge]``
  (:class:`~debtscan.knowledge.tables.Tables`);
- ``imports``: the one import graph (:class:`~debtscan.project.imports.Imports`);
- ``paths``: every resolved read and write of an artifact (:class:`Paths`);
- ``pipeline``: runner steps, declared artifacts, hand-offs, the data flow, its chains and cycles
  (:class:`Pipeline`);
- ``components``: the independently owned parts of the repo and their import reach
  (:class:`~debtscan.project.signals.Components`);
- ``signals``: signals, models, their outputs and cascades, shared signals
  (:class:`~debtscan.project.signals.SignalLayer`);
- ``composition``: every line's class (Figure 1's boxes) resolved across files, tallied per file, folder
  and repo (:class:`~debtscan.project.composition.Composition`);
- ``external``: the external-world view: where models predict, who asks them to, thresholds, endpoints
  and the call graph between the project's functions (:class:`~debtscan.project.external.ExternalWorld`);
- ``clones``: the families of near-copy scripts and modules, found by the scan's
  :class:`~debtscan.config.CloneSettings` (:class:`~debtscan.clones.Family`);
- ``graph``: the networkx graph drawn from the parts above (for exports and for rules that want a graph).

A rule names the parts it reads (``Rule.reads``); a test holds every built-in rule to its list.
"""
from __future__ import annotations

import heapq
import posixpath
import re
from dataclasses import field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Callable, ClassVar, Dict, FrozenSet, Iterator, List, Mapping, Optional, Sequence, Set, Tuple

from debtscan.clones import Family
from debtscan.facts.model import FileFacts
from debtscan.knowledge.tables import Tables
from debtscan.liveness import Liveness
from debtscan.project.accesses import Access, Paths
from debtscan.project.composition import Composition
from debtscan.project.external import ExternalWorld
from debtscan.project.imports import Imports
from debtscan.project.pipeline.declared import Declared
from debtscan.project.pipeline.kedro import NodeHandoff
from debtscan.project.pipeline.metaflow import StepHandoff
from debtscan.project.pipeline.runners import Step
from debtscan.project.roots import ProjectRoot, ProjectRoots
from debtscan.project.segments import Certainty, certainty, name_affinity, specificity
from debtscan.project.signals import Components, SignalLayer
from debtscan.records import record
from debtscan.sources.discover import SourceSet

if TYPE_CHECKING:  # networkx is imported where a graph is drawn, not by a scan that draws none
    import networkx as nx


@record(frozen=True)
class HandoffGroup:
    """The writes of one path and the reads of one path that name the same file(s), in one project: every
    write paired with every read of another module is a hand-off. Pairs are produced on demand
    (:meth:`pairs`); :attr:`count` needs none of them."""

    written: str
    read: str
    writes: Tuple[Access, ...]
    reads: Tuple[Access, ...]
    #: the read names one file that any of more than :data:`~debtscan.project.graph.AMBIGUITY_CAP` writer
    #: modules' patterns may name (``feature/train_f190_adv.f`` and 84 scripts writing ``feature/train_*.f``):
    #: one of them produced it, the paths cannot tell which. Counted once per reader, never drawn as a link.
    ambiguous: bool = False

    @property
    def certainty(self) -> Certainty:
        """``exact`` when write and read name one and the same file (and no side's path is only what a README
        says to type), else ``pattern``."""
        if not all(a.certain for a in self.writes) or not all(a.certain for a in self.reads):
            return Certainty.PATTERN
        return certainty(self.written, self.read)

    def pairs(self) -> Iterator[Tuple[Access, Access]]:
        for write in self.writes:
            for read in self.reads:
                if write.module != read.module:
                    yield write, read

    @cached_property
    def count(self) -> int:
        """The number of (write, read) hand-offs, in O(writes + reads)."""
        same: Dict[str, int] = {}
        for write in self.writes:
            same[write.module] = same.get(write.module, 0) + 1
        return len(self.writes) * len(self.reads) - sum(same.get(r.module, 0) for r in self.reads)

    @cached_property
    def writer_modules(self) -> Tuple[str, ...]:
        """Modules whose writes reach a reader of another module."""
        readers = {r.module for r in self.reads}
        return tuple(sorted({w.module for w in self.writes if readers - {w.module}}))

    @cached_property
    def reader_modules(self) -> Tuple[str, ...]:
        writers = {w.module for w in self.writes}
        return tuple(sorted({r.module for r in self.reads if writers - {r.module}}))


def handoff_triples(groups: Sequence[HandoffGroup]) -> int:
    """The number of distinct (writer module, written artifact, reader module) triples of some hand-off
    groups, a module never handing off to itself; an ambiguous read (:attr:`HandoffGroup.ambiguous`) counts
    once per reader module and read path, whatever the number of writers that may explain it.
    O(writer modules x reader modules) per group."""
    triples: Set[Tuple[str, str, str]] = set()
    for group in groups:
        readers = {r.module for r in group.reads}
        if group.ambiguous:
            writers = {w.module for w in group.writes}
            triples.update(("?", group.read, r) for r in readers if writers - {r})
            continue
        for writer in {w.module for w in group.writes}:
            triples.update((writer, group.written, r) for r in readers if r != writer)
    return len(triples)


def producer_order(read_path: str, write: Access) -> Tuple:
    """How surely a write produced what is read at ``read_path``, for listing producers (smaller first):
    the same exact path, then the most specific pattern, then a module whose name shares the file's
    (``f190`` and ``190_adv.py``), then by place."""
    exact = write.artifact == read_path and "*" not in read_path
    # a file written for one named column meets a pattern read as its family's pattern
    local = write.family_local if write.family and "*" in read_path else write.local
    return (0 if exact else 1, tuple(-x for x in specificity(local)),
            -name_affinity(read_path, write.module), write.module, write.line)


# -- graph algorithms on successor maps (ports of networkx 3's, visiting nodes and edges in the same order) --
def _strongly_connected_components(succ: Mapping[object, Mapping[object, None]]) -> Iterator[Set[object]]:
    """The strongly connected components of the graph ``succ`` (node -> successors, in insertion order), in
    the order ``networkx.strongly_connected_components`` yields them (Nuutila's iterative version of Tarjan's
    algorithm, the same code): O(V + E)."""
    preorder: Dict[object, int] = {}
    lowlink: Dict[object, int] = {}
    scc_found: Set[object] = set()
    scc_queue: List[object] = []
    i = 0
    neighbors = {v: iter(succ[v]) for v in succ}
    for source in succ:
        if source in scc_found:
            continue
        queue = [source]
        while queue:
            v = queue[-1]
            if v not in preorder:
                i += 1
                preorder[v] = i
            done = True
            for w in neighbors[v]:
                if w not in preorder:
                    queue.append(w)
                    done = False
                    break
            if done:
                lowlink[v] = preorder[v]
                for w in succ[v]:
                    if w not in scc_found:
                        if preorder[w] > preorder[v]:
                            lowlink[v] = min(lowlink[v], lowlink[w])
                        else:
                            lowlink[v] = min(lowlink[v], preorder[w])
                queue.pop()
                if lowlink[v] == preorder[v]:
                    scc = {v}
                    while scc_queue and preorder[scc_queue[-1]] > preorder[v]:
                        scc.add(scc_queue.pop())
                    scc_found.update(scc)
                    yield scc
                else:
                    scc_queue.append(v)


def _weakly_connected_components(succ: Mapping[object, Mapping[object, None]],
                                 pred: Mapping[object, Mapping[object, None]]) -> Iterator[Set[object]]:
    """The weakly connected components, each found by a breadth-first search over both directions: O(V + E)."""
    seen: Set[object] = set()
    for source in succ:
        if source in seen:
            continue
        part = {source}
        level = [source]
        while level:
            following = []
            for v in level:
                for w in succ[v]:
                    if w not in part:
                        part.add(w)
                        following.append(w)
                for w in pred[v]:
                    if w not in part:
                        part.add(w)
                        following.append(w)
            level = following
        seen.update(part)
        yield part


def _lexicographical_topological_sort(succ: Sequence[Mapping[int, None]], key) -> Iterator[int]:
    """The nodes ``0 .. len(succ) - 1`` of a directed acyclic graph in topological order, the smallest
    ``key`` first among those ready (ties by node number), as ``networkx.lexicographical_topological_sort``
    orders a graph whose nodes were added in that order: O((V + E) log V)."""
    indegree = [0] * len(succ)
    for targets in succ:
        for child in targets:
            indegree[child] += 1
    ready = [(key(v), v) for v in range(len(succ)) if indegree[v] == 0]
    heapq.heapify(ready)
    emitted = 0
    while ready:
        _, node = heapq.heappop(ready)
        emitted += 1
        for child in succ[node]:
            indegree[child] -= 1
            if indegree[child] == 0:
                heapq.heappush(ready, (key(child), child))
        yield node
    if emitted != len(succ):
        raise ValueError("the graph has a cycle")


class FlowHubs:
    """The data flow between modules as a bipartite graph: module -> hub (it writes a group's file) -> module
    (it reads it). A hub per hand-off group keeps the graph linear in the accesses; a step from a module
    through a hub back to itself is no hand-off and never counts.

    Nodes are module paths (``str``) and hub indexes (``int``, into :attr:`groups`).
    """

    def __init__(self, groups: Sequence[HandoffGroup]) -> None:
        self.groups = list(groups)
        # the graph as successor and predecessor maps in insertion order (what a networkx ``DiGraph`` keeps:
        # its algorithms, ported below, visit the nodes and edges in the same order): no networkx import
        self._succ: Dict[object, Dict[object, None]] = {}
        self._pred: Dict[object, Dict[object, None]] = {}
        self.writes_of: Dict[str, List[int]] = {}
        self.reads_of: Dict[str, List[int]] = {}
        self.first_write: Dict[Tuple[int, str], Access] = {}
        self.first_read: Dict[Tuple[int, str], Access] = {}
        self.per_module: Dict[Tuple[int, str, str], int] = {}
        for index, group in enumerate(self.groups):
            self._add_node(index)
            for write in group.writes:
                key = (index, write.module)
                known = self.first_write.get(key)
                if known is None:
                    self.writes_of.setdefault(write.module, []).append(index)
                    self._add_edge(write.module, index)
                if known is None or (write.line, write.artifact) < (known.line, known.artifact):
                    self.first_write[key] = write
                self.per_module[(index, "w", write.module)] = self.per_module.get((index, "w", write.module), 0) + 1
            for read in group.reads:
                key = (index, read.module)
                known = self.first_read.get(key)
                if known is None:
                    self.reads_of.setdefault(read.module, []).append(index)
                    self._add_edge(index, read.module)
                if known is None or read.line < known.line:
                    self.first_read[key] = read
                self.per_module[(index, "r", read.module)] = self.per_module.get((index, "r", read.module), 0) + 1

    def _add_node(self, node: object) -> None:
        if node not in self._succ:
            self._succ[node] = {}
            self._pred[node] = {}

    def _add_edge(self, u: object, v: object) -> None:
        self._add_node(u)
        self._add_node(v)
        self._succ[u][v] = None
        self._pred[v][u] = None

    def successors(self, module: str) -> Set[str]:
        """Modules that read what ``module`` writes (O(its hubs' readers))."""
        out: Set[str] = set()
        for index in self.writes_of.get(module, ()):
            out.update(m for m in self._succ[index] if m != module)
        return out

    def _links(self, writer: str, reader: str) -> List[int]:
        return [i for i in self.writes_of.get(writer, ()) if (i, reader) in self.first_read and writer != reader]

    def witness(self, writer: str, reader: str, read_line_first: bool = False) -> Tuple[Access, Access]:
        """The first (write, read) pair from ``writer`` to ``reader``: by write line, artifact, read line (by
        write line, read line, artifact with ``read_line_first``)."""
        pairs = [(self.first_write[(i, writer)], self.first_read[(i, reader)]) for i in self._links(writer, reader)]
        if read_line_first:
            return min(pairs, key=lambda p: (p[0].line, p[1].line, p[0].artifact))
        return min(pairs, key=lambda p: (p[0].line, p[0].artifact, p[1].line))

    def count(self, writer: str, reader: str) -> int:
        return sum(self.per_module[(i, "w", writer)] * self.per_module[(i, "r", reader)]
                   for i in self._links(writer, reader))

    def artifacts(self, writer: str, reader: str) -> Tuple[Tuple[str, str], ...]:
        """The (written path, read path) pairs that link ``writer`` to ``reader``."""
        return tuple(sorted({(self.groups[i].written, self.groups[i].read) for i in self._links(writer, reader)}))

    def loops(self) -> List[List[str]]:
        """Modules that feed each other: the strongly connected components with two modules or more."""
        out = []
        for members in _strongly_connected_components(self._succ):
            modules = sorted(m for m in members if isinstance(m, str))
            if len(modules) > 1:
                out.append(modules)
        return sorted(out)

    def shortest_cycle(self, members: Sequence[str]) -> List[str]:
        """One shortest cycle through ``members[0]`` inside ``members``: a breadth-first search over modules,
        successors in name order, each hub expanded once. O(V + E) of the component."""
        start = members[0]
        inside = set(members)
        closing = set(self.reads_of.get(start, ()))
        parent: Dict[str, Optional[str]] = {start: None}
        expanded: Set[int] = set()
        frontier = [start]
        while frontier:
            following: List[str] = []
            for node in frontier:
                if node != start and closing.intersection(self.writes_of.get(node, ())):
                    cycle = [node]
                    while parent[cycle[-1]] is not None:
                        cycle.append(parent[cycle[-1]])
                    return list(reversed(cycle))
                reached: Set[str] = set()
                for index in self.writes_of.get(node, ()):
                    if index in expanded:
                        continue
                    expanded.add(index)
                    reached.update(self._succ[index])
                for succ in sorted(reached):
                    if succ in inside and succ not in parent:
                        parent[succ] = node
                        following.append(succ)
            frontier = following
        return [start]

    def chains(self, key) -> List[List[str]]:
        """The longest chain of each weakly connected part (see :attr:`Project.chains`)."""
        if not self.groups:
            return []
        members = list(_strongly_connected_components(self._succ))
        component: Dict[object, int] = {}
        for index, nodes in enumerate(members):
            for node in nodes:
                component[node] = index
        keys = {m: key(m) for m in self._succ if isinstance(m, str)}
        condensed: List[Dict[int, None]] = [{} for _ in members]  # the condensation, edges deduplicated
        for u, targets in self._succ.items():
            for v in targets:
                if component[u] != component[v]:
                    condensed[component[u]][component[v]] = None
        first = {i: min((keys[m] for m in nodes if isinstance(m, str)), default=None) for i, nodes in enumerate(members)}
        order: List[str] = []
        for index in _lexicographical_topological_sort(
                condensed, key=lambda i: (0,) if first[i] is None else (1, first[i])):
            order.extend(sorted((m for m in members[index] if isinstance(m, str)), key=keys.__getitem__))
        length: Dict[str, int] = {}
        parent: Dict[str, Optional[str]] = {}
        rank = {m: position for position, m in enumerate(order)}
        best: Dict[int, Tuple[int, int, str]] = {}   # hub -> (length, -rank, writer) of its best writer so far
        for module in order:
            chosen: Optional[Tuple[int, int, str]] = None
            for index in self.reads_of.get(module, ()):
                candidate = best.get(index)
                if candidate is not None and candidate[2] != module and (chosen is None or candidate > chosen):
                    chosen = candidate
            length[module] = chosen[0] + 1 if chosen else 0
            parent[module] = chosen[2] if chosen else None
            mine = (length[module], -rank[module], module)
            for index in self.writes_of.get(module, ()):
                if index not in best or mine[0] > best[index][0]:
                    best[index] = mine
        out = []
        for part in _weakly_connected_components(self._succ, self._pred):
            modules = [m for m in part if isinstance(m, str)]
            if len(modules) < 2:
                continue
            end = max(sorted(modules, key=rank.__getitem__),
                      key=lambda m: (length[m], tuple(-x if isinstance(x, int) else 0 for x in keys[m])))
            path = [end]
            while parent[path[-1]] is not None:
                path.append(parent[path[-1]])
            if len(path) > 1:
                out.append(list(reversed(path)))
        return sorted(out, key=lambda p: (-len(p), p))


@record(frozen=True, eq=False)
class Pipeline:
    """The pipeline the code forms: runner steps, declared artifacts, hand-offs between modules, the data
    flow, its longest chains and its loops.

    ``all_handoff_groups``: where a module reads what another module of its project writes (declared
    artifacts included), grouped per (written path, read path); ``handoff_groups`` the undeclared ones,
    ``declared_handoff_groups`` those a dvc.yaml / Kedro catalog / orchestrator declares. ``hubs`` is the
    module-to-module flow through one hub per certain, unambiguous hand-off group; ``chains`` the longest chain
    of modules of each connected part of it (longest first); ``cycles`` the groups of modules that feed each
    other in a loop. ``step_handoffs`` are the Metaflow artifacts passed between the steps of a flow,
    ``node_handoffs`` the Kedro datasets passed between nodes (hand-offs a tool declares); ``readme_steps`` the
    commands README code blocks give (the last resort for a script's command-line arguments)."""

    declared: Declared
    steps: Tuple[Step, ...]
    run_cwds: Mapping[str, str]
    helper_instances: int
    declared_artifacts: FrozenSet[str]
    all_handoff_groups: Tuple[HandoffGroup, ...]
    handoff_groups: Tuple[HandoffGroup, ...]
    declared_handoff_groups: Tuple[HandoffGroup, ...]
    hubs: FlowHubs
    chains: Tuple[List[str], ...]
    cycles: Tuple[List[str], ...]
    step_handoffs: Tuple[StepHandoff, ...] = ()
    node_handoffs: Tuple[NodeHandoff, ...] = ()
    readme_steps: Tuple[Step, ...] = ()

    def is_declared(self, artifact: str) -> bool:
        """Whether a pipeline tool declares the artifact (a dvc.yaml, a Kedro catalog, an orchestrator)."""
        return artifact in self.declared_artifacts

    @property
    def handoff_count(self) -> int:
        """Distinct (writer module, artifact, reader module) hand-offs of :attr:`handoff_groups`
        (:func:`handoff_triples`)."""
        return handoff_triples(self.handoff_groups)

    @cached_property
    def all_handoffs(self) -> List[Tuple[Access, Access]]:
        """Every (write, read) pair of :attr:`all_handoff_groups`, materialised (for reports that list them)."""
        return [pair for group in self.all_handoff_groups for pair in group.pairs()]

    @cached_property
    def handoffs(self) -> List[Tuple[Access, Access]]:
        """Every (write, read) pair of :attr:`handoff_groups`, materialised: O(pairs). Rules and metrics
        work on the groups; this list is for reports that draw each hand-off."""
        return [pair for group in self.handoff_groups for pair in group.pairs()]

    @cached_property
    def declared_handoffs(self) -> List[Tuple[Access, Access]]:
        return [pair for group in self.declared_handoff_groups for pair in group.pairs()]

    @cached_property
    def run_position(self) -> Dict[str, Tuple[str, int]]:
        """Script -> (runner, position) of the first runner that runs it."""
        return run_positions(self.steps)

    def order_key(self, module: str) -> Tuple:
        """Execution order of a script: its runner position when known, else its number prefix, else name."""
        return order_key(self.run_position, module)

    def shortest_cycle(self, members: Sequence[str]) -> List[str]:
        """One shortest file cycle through the first (smallest) module of a group that feeds itself."""
        return self.hubs.shortest_cycle(members)

    @cached_property
    def flow(self) -> nx.DiGraph:
        """Module -> module data flow through undeclared intermediate files, materialised (one edge per pair of
        modules linked by a hand-off, with ``witness``, ``count`` and ``artifacts``): O(module pairs). The
        rules work on :attr:`hubs`; this graph is for callers that want the module edges themselves."""
        import networkx as nx

        hubs = self.hubs
        graph = nx.DiGraph()
        for writer in sorted(hubs.writes_of):
            for reader in sorted(hubs.successors(writer)):
                write, read = hubs.witness(writer, reader)
                graph.add_edge(writer, reader, witness=(write, read), count=hubs.count(writer, reader),
                               artifacts=hubs.artifacts(writer, reader))
        return graph


def run_positions(steps: Sequence[Step]) -> Dict[str, Tuple[str, int]]:
    """Script -> (runner, position) of the first runner that runs it."""
    out: Dict[str, Tuple[str, int]] = {}
    for step in steps:
        out.setdefault(step.script, (step.runner, step.order))
    return out


def order_key(run_position: Mapping[str, Tuple[str, int]], module: str) -> Tuple:
    """Execution order of a script: its runner position when known, else its number prefix, else name."""
    position = run_position.get(module)
    match = re.match(r"(\d+)", posixpath.basename(module))
    return (0 if position else 1, position[1] if position else 0,
            int(match.group(1)) if match else 10 ** 9, module)


def cwd_for(run_cwds: Mapping[str, str], script_folders: FrozenSet[str], path: str) -> Optional[str]:
    """The folder a module runs from, for its relative paths, when something says so: the ``cd`` of the
    runner that runs it (``"."`` for the scan root), its own folder when its scripts run from there, a
    notebook's own folder (as Jupyter runs it). None: its project's folder."""
    if path in run_cwds:
        return run_cwds[path] or "."
    folder = posixpath.dirname(path)
    if folder in script_folders or path.endswith(".ipynb"):
        return folder or "."
    return None


@record(frozen=True, eq=False)
class Project:
    """The cross-file model of a scan: typed parts (see the module's docstring), built once, then read."""

    PARTS: ClassVar[Tuple[str, ...]] = (
        "facts", "modules", "projects", "root", "sources", "liveness", "tables", "imports", "paths", "pipeline",
        "components", "signals", "composition", "external", "clones", "graph",
    )

    facts: Mapping[str, FileFacts]
    modules: Mapping[str, List[str]]
    projects: ProjectRoots
    root: Optional[Path]
    sources: Optional[SourceSet]  # what the scan's walk saw of the disk (auxiliary files, folder listings)
    liveness: Liveness
    tables: Tables
    imports: Imports
    paths: Paths
    pipeline: Pipeline
    components: "Components"
    signals: "SignalLayer"
    composition: Composition
    external: ExternalWorld
    clones: Tuple[Family, ...]
    # draws :attr:`graph` from the parts above: called on first use only (a JSON scan whose rules read no
    # graph never draws one; on the 800-file monorepo that is a fifth of the cross-file phase)
    drawing: Callable[[], "nx.MultiDiGraph"] = field(repr=False)

    @property
    def graph(self) -> "nx.MultiDiGraph":
        """The networkx graph drawn from the parts (see :mod:`debtscan.project.graph`), drawn once, when first
        read (by an export, a drawing report or a rule that declares ``graph`` in its ``reads``)."""
        drawn = self.__dict__.get("_graph")
        if drawn is None:
            drawn = self.drawing()
            object.__setattr__(self, "_graph", drawn)
        return drawn

    def project_of(self, path: str) -> ProjectRoot:
        """The project a scanned file belongs to."""
        return self.projects.of(path)

    def cwd_for(self, path: str) -> Optional[str]:
        """The folder a module runs from (see :func:`cwd_for`); None: its project's folder."""
        return cwd_for(self.pipeline.run_cwds, self.paths.script_folders, path)

    # The rule-plugin API's two shortcuts (README, "Writing a rule plugin")
    @property
    def accesses(self) -> Tuple[Access, ...]:
        """``paths.accesses``: every resolved read and write."""
        return self.paths.accesses

    @property
    def handoffs(self) -> List[Tuple[Access, Access]]:
        """``pipeline.handoffs``: every undeclared (write, read) hand-off between modules."""
        return self.pipeline.handoffs
