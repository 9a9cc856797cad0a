"""The repo graph: FileFacts of every file -> a networkx MultiDiGraph.

Nodes (attribute ``kind``): ``module`` (id ``module:<path>``), ``artifact`` (``artifact:<path>``),
``signal`` (``signal:<name>``), ``model`` (``model:<path>:<line>``). Edges (attribute ``kind``):
``imports`` (module -> module), ``writes`` (module -> artifact), ``reads`` (artifact -> module),
``matches`` (pattern artifact -> concrete artifact), ``consumes`` (signal -> module or model).
Every edge carries the source location (``path``, ``line``). Cross-file resolution happens here.
"""
from __future__ import annotations

import posixpath
import re
import shlex
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Sequence, Set, Tuple

import networkx as nx

from debtscan.artifacts import ArtifactKind, ArtifactRole, role_of, table_id
from debtscan.sources.discover import SourceSet
from debtscan.facts.model import FileFacts, IOFact, IOMode, IOTarget
from debtscan.facts.values import Seq
from debtscan.knowledge import tables_for
from debtscan.knowledge.tables import ArtifactTables, Tables
from debtscan.liveness import Liveness
from debtscan.project.paths import (
    ConstantTable, PathIndex, ResolvedPath, Resolver, _literal_folder, matches, normalise, too_generic,
)
from debtscan.project.pipeline.declared import Declared, dvc_steps, load_declared
from debtscan.project.argv import Arguments
from debtscan.project.folders import imported_only, inherited_cwds
from debtscan.project.variants import switch_variants, with_variants
from debtscan.project.segments import (
    Certainty, certainty, contained, name_affinity, pattern_regex, segment_overlap, segments, specificity,
)
from debtscan.project.roots import SCAN_ROOT, ProjectRoot, ProjectRoots, find_project_roots
from debtscan.project.pipeline.helpers import FunctionIndex, PlacedIO, place_io
from debtscan.project.pipeline.kedro import NodeHandoff, node_handoffs
from debtscan.project.pipeline.metaflow import StepHandoff, step_handoffs
from debtscan.project.pipeline.orchestrators import managed_artifacts, orchestrator_steps
from debtscan.project.pipeline.runners import Step, makefile_steps, parse_invocations, readme_steps, shell_steps


@dataclass(frozen=True)
class Access:
    """A resolved read or write of an artifact by a module, at a place.

    ``value`` is what was written (``prediction``, ``model`` or ``""``); ``via`` names the project helper
    the access went through (``utils.to_pickles``), if any; ``base`` how a relative path was anchored
    (``root``, ``project`` folder, ``script`` folder, ``file`` for ``__file__``-based, ``absolute``);
    ``project`` the folder of the project the artifact lies in (``""``: the scan root's).
    """

    mode: IOMode
    artifact: str
    exact: bool
    base: str
    module: str
    line: int
    column: int
    api: str
    fmt: str
    scope: str
    value: str = ""
    via: str = ""
    floating: bool = False
    kind: ArtifactKind = ArtifactKind.LOCAL_FILE
    project: str = ""
    #: False when the path comes from a README's command (:mod:`debtscan.project.argv`): what the authors
    #: say to type, not what a file runs; its matches are ``pattern`` certainty
    certain: bool = True
    #: where the path is written down when that is not (module, line): a helper of another module with a
    #: fixed path, called here (``assemble()`` reading ``PREDICTIONS``), is reported at the helper's line
    site: Optional[Tuple[str, int, int]] = None

    @property
    def where(self) -> Tuple[str, int, int]:
        """(file, line, column) where the access is reported: where its path is written down."""
        return self.site if self.site is not None else (self.module, self.line, self.column)

    @property
    def local(self) -> str:
        """The artifact's path relative to its project's folder."""
        if self.project and self.artifact.startswith(self.project + "/"):
            return self.artifact[len(self.project) + 1:]
        return self.artifact


@dataclass(frozen=True)
class HandoffGroup:
    """The writes of one path and the reads of one path that name the same file(s), in one project: every
    write paired with every read of another module is a hand-off. Pairs are produced on demand
    (:meth:`pairs`); :attr:`count` needs none of them."""

    written: str
    read: str
    writes: Tuple[Access, ...]
    reads: Tuple[Access, ...]
    #: the read names one file that any of more than :data:`AMBIGUITY_CAP` writer modules' patterns may
    #: name (``feature/train_f190_adv.f`` and 84 scripts writing ``feature/train_*.f``): one of them
    #: produced it, the paths cannot tell which. Counted once per reader, never drawn as a link.
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


@dataclass
class Project:
    """Everything rules see: the graph, the facts by path, and the resolved artifact accesses."""

    graph: nx.MultiDiGraph
    facts: Dict[str, FileFacts]
    accesses: List[Access] = field(default_factory=list)
    modules: Dict[str, List[str]] = field(default_factory=dict)
    resolver: Optional[Resolver] = None
    declared: Declared = field(default_factory=Declared)
    steps: List[Step] = field(default_factory=list)
    readme_steps: List[Step] = field(default_factory=list)  # commands READMEs give (argv's last resort)
    script_folders: Set[str] = field(default_factory=set)
    run_cwds: Dict[str, str] = field(default_factory=dict)
    unresolved: List[Tuple[str, int]] = field(default_factory=list)
    helper_instances: int = 0
    raw_data_dirs: Tuple[str, ...] = ("input", "data/raw")
    tables: Tables = field(default_factory=Tables)  # signals.toml with the user's [tool.debtscan.knowledge]
    step_handoffs: List[StepHandoff] = field(default_factory=list)  # Metaflow artifacts between steps
    node_handoffs: List[NodeHandoff] = field(default_factory=list)  # Kedro datasets between nodes
    anchors: Dict[Tuple[str, int, int], Tuple[str, int]] = field(default_factory=dict)
    root: Optional[Path] = None
    sources: Optional[SourceSet] = None  # what the scan's walk saw of the disk (auxiliary files, listings)
    io_sites: Dict[str, int] = field(default_factory=dict)
    projects: ProjectRoots = field(default_factory=ProjectRoots)
    liveness: Liveness = field(default_factory=Liveness)  # abandoned folders and dead blocks (DS5xx)

    def cwd_for(self, path: str) -> Optional[str]:
        """The folder a module runs from, for its relative paths, when something says so: the ``cd`` of the
        runner that runs it (``"."`` for the scan root), its own folder when its scripts run from there, a
        notebook's own folder (as Jupyter runs it). None: its project's folder (:meth:`project_of`)."""
        if path in self.run_cwds:
            return self.run_cwds[path] or "."
        folder = posixpath.dirname(path)
        if folder in self.script_folders or path.endswith(".ipynb"):
            return folder or "."
        return None

    def project_of(self, path: str) -> ProjectRoot:
        """The project a scanned file belongs to."""
        return self.projects.of(path)

    def module_node(self, path: str) -> str:
        return f"module:{path}"

    @cached_property
    def writers(self) -> Dict[str, List[Access]]:
        out: Dict[str, List[Access]] = {}
        for access in self.accesses:
            if access.mode is IOMode.WRITE:
                out.setdefault(access.artifact, []).append(access)
        return out

    @cached_property
    def readers(self) -> Dict[str, List[Access]]:
        out: Dict[str, List[Access]] = {}
        for access in self.accesses:
            if access.mode is IOMode.READ:
                out.setdefault(access.artifact, []).append(access)
        return out

    def is_declared(self, artifact: str) -> bool:
        node = self.graph.nodes.get(f"artifact:{artifact}")
        return bool(node and node.get("declared"))

    @cached_property
    def all_handoff_groups(self) -> List[HandoffGroup]:
        """Where a module reads what another module of its project writes (declared artifacts included; saved
        models loaded for inference and test code left out), grouped per (written path, read path).

        Paths meet only within the project they lie in (a path that leaves its project, ``../other/x.csv``,
        lies in the other one), compared relative to it. Cost: O(A log A) to index the A written paths of a
        project by their literal ends (:class:`~debtscan.project.paths.PathIndex`), then per read path one look-up
        and a match against the candidates it returns; no pair of accesses is formed.
        """
        writes_by: Dict[str, Dict[str, Tuple[str, List[Access]]]] = {}
        data_written: Set[str] = set()  # exact paths some write says hold data (joblib.dump(frame, ...))
        for path, writes in self.writers.items():
            kept = [w for w in writes if not is_model_access(w, self.tables.artifacts) and not is_test_module(w.module)]
            if kept:
                writes_by.setdefault(kept[0].project, {})[kept[0].local] = (path, kept)
                data_written.add(path)
        reads_by: Dict[str, Dict[str, Tuple[str, List[Access]]]] = {}
        for path, reads in self.readers.items():
            # a read whose API does not say what it loads (joblib.load) follows what was written there
            kept = [r for r in reads if not is_test_module(r.module) and
                    (not is_model_access(r, self.tables.artifacts) or (path in data_written and r.value != "model"
                                                and role_of(r.fmt) in (ArtifactRole.OBJECT, ArtifactRole.UNKNOWN)))]
            if kept:
                reads_by.setdefault(kept[0].project, {})[kept[0].local] = (path, kept)
        groups: List[HandoffGroup] = []
        for project in sorted(reads_by):
            if project in writes_by:
                groups.extend(_project_handoffs(writes_by[project], reads_by[project]))
            # a pattern read may reach into a project nested in its own (``data/*/meta.pkl`` read at the
            # root, ``data/shakespeare_char/meta.pkl`` written by that folder's own prepare.py)
            for nested in sorted(writes_by):
                if nested == project or not (project == "" or nested.startswith(project + "/")):
                    continue
                inside = _reads_into(reads_by[project], project, nested)
                if inside:
                    groups.extend(_project_handoffs(writes_by[nested], inside))
        groups.sort(key=lambda g: (g.read, g.written))
        return groups

    @cached_property
    def handoff_groups(self) -> List[HandoffGroup]:
        """The undeclared hand-offs: ``all_handoff_groups`` minus artifacts a dvc.yaml / Kedro catalog declares.

        Saved models loaded for inference (``models/churn.joblib``, ``*.pt``, ``joblib.dump(model, ...)``)
        are the normal train/serve boundary, not a data hand-off, and are left out.
        """
        return [g for g in self.all_handoff_groups if g.count
                and not (self.is_declared(g.written) and self.is_declared(g.read))]

    @cached_property
    def declared_handoff_groups(self) -> List[HandoffGroup]:
        return [g for g in self.all_handoff_groups if g.count
                and self.is_declared(g.written) and self.is_declared(g.read)]

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
        out: Dict[str, Tuple[str, int]] = {}
        for step in self.steps:
            out.setdefault(step.script, (step.runner, step.order))
        return out

    @cached_property
    def hubs(self) -> "FlowHubs":
        """The module-to-module data flow, through one hub per hand-off group: O(writes + reads) edges, where
        the module graph (:attr:`flow`) would need writers x readers edges per artifact."""
        return FlowHubs([g for g in self.handoff_groups
                         if not g.ambiguous and certain_link(g.writes[0].local, g.reads[0].local)])

    @cached_property
    def flow(self) -> nx.DiGraph:
        """Module -> module data flow through undeclared intermediate files, materialised (one edge per pair of
        modules linked by a hand-off, with ``witness``, ``count`` and ``artifacts``): O(module pairs). The
        rules work on :attr:`hubs`; this graph is for callers that want the module edges themselves.

        Only certain links count: one side is an exact path, or both patterns name files of the same folder
        (``data/train/*.p`` written, ``data/train/*`` read). Two patterns that merely may overlap
        (``feature/train_*.f`` and a glob of ``feature/train*.f``) link every feature script to every other
        one and would make chains and cycles out of guesses.
        """
        hubs = self.hubs
        graph = nx.DiGraph()
        for writer in sorted(hubs.writes_of):
            for reader in sorted(hubs.successors(writer)):
                write, read = hubs.witness(writer, reader)
                graph.add_edge(writer, reader, witness=(write, read), count=hubs.count(writer, reader),
                               artifacts=hubs.artifacts(writer, reader))
        return graph

    def order_key(self, module: str) -> Tuple:
        """Execution order of a script: its runner position when known, else its number prefix, else name."""
        position = self.run_position.get(module)
        match = re.match(r"(\d+)", posixpath.basename(module))
        return (0 if position else 1, position[1] if position else 0,
                int(match.group(1)) if match else 10 ** 9, module)

    @cached_property
    def flow_components(self) -> List[List[str]]:
        """Groups of two modules or more that feed each other in a loop: the strongly connected components of
        the hub graph, modules only, each sorted, in order of their first module. O(V + E) (Tarjan)."""
        return self.hubs.loops()

    def shortest_cycle(self, members: Sequence[str]) -> List[str]:
        """One shortest file cycle through the first (smallest) module of a group that feeds itself."""
        return self.hubs.shortest_cycle(members)

    @cached_property
    def chains(self) -> List[List[str]]:
        """The longest chain of modules linked by hand-offs in each connected part of the flow.

        Loops (DS206's business) are broken inside each strongly connected component by dropping the links
        that run against the execution order (:meth:`order_key`): links between components follow the
        condensation, which is acyclic, and inside a component only forward links remain, so the flow becomes
        a DAG without enumerating a single cycle. The longest path of each weakly connected part comes from
        one pass in a (lexicographic, by execution order) topological order of the condensation, each hub
        keeping the best writer seen so far. O((V + E) log V) on the hub graph.
        """
        return self.hubs.chains(self.order_key)

    def imports_between(self, a: str, b: str) -> bool:
        """Whether module file ``a`` imports ``b`` directly or transitively."""
        source, target = self.module_node(a), self.module_node(b)
        if source not in self.graph or target not in self.graph:
            return False
        imports = self.import_graph
        return nx.has_path(imports, source, target)

    @cached_property
    def import_graph(self) -> nx.DiGraph:
        graph = nx.DiGraph()
        graph.add_nodes_from(n for n, d in self.graph.nodes(data=True) if d.get("kind") == "module")
        for u, v, data in self.graph.edges(data=True):
            if data.get("kind") == "imports":
                graph.add_edge(u, v)
        return graph

    def is_raw(self, artifact: str) -> bool:
        """Whether a path lies under a raw-data folder (``raw-data-dirs``), at the root or in a sub-project."""
        for folder in self.raw_data_dirs:
            folder = folder.strip("/")
            if artifact == folder or artifact.startswith(folder + "/") or ("/" + folder + "/") in ("/" + artifact):
                return True
        return False


class FlowHubs:
    """The data flow between modules as a bipartite graph: module -> hub (it writes a group's file) -> module
    (it reads it). A hub per hand-off group keeps the graph linear in the accesses; a step from a module
    through a hub back to itself is no hand-off and never counts.

    Nodes are module paths (``str``) and hub indexes (``int``, into :attr:`groups`).
    """

    def __init__(self, groups: Sequence[HandoffGroup]) -> None:
        self.groups = list(groups)
        self.graph = nx.DiGraph()
        self.writes_of: Dict[str, List[int]] = {}
        self.reads_of: Dict[str, List[int]] = {}
        self.first_write: Dict[Tuple[int, str], Access] = {}
        self.first_read: Dict[Tuple[int, str], Access] = {}
        self.per_module: Dict[Tuple[int, str, str], int] = {}
        for index, group in enumerate(self.groups):
            self.graph.add_node(index)
            for write in group.writes:
                key = (index, write.module)
                known = self.first_write.get(key)
                if known is None:
                    self.writes_of.setdefault(write.module, []).append(index)
                    self.graph.add_edge(write.module, index)
                if known is None or (write.line, write.artifact) < (known.line, known.artifact):
                    self.first_write[key] = write
                self.per_module[(index, "w", write.module)] = self.per_module.get((index, "w", write.module), 0) + 1
            for read in group.reads:
                key = (index, read.module)
                known = self.first_read.get(key)
                if known is None:
                    self.reads_of.setdefault(read.module, []).append(index)
                    self.graph.add_edge(index, read.module)
                if known is None or read.line < known.line:
                    self.first_read[key] = read
                self.per_module[(index, "r", read.module)] = self.per_module.get((index, "r", read.module), 0) + 1

    def successors(self, module: str) -> Set[str]:
        """Modules that read what ``module`` writes (O(its hubs' readers))."""
        out: Set[str] = set()
        for index in self.writes_of.get(module, ()):
            out.update(m for m in self.graph.successors(index) if m != module)
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
        for members in nx.strongly_connected_components(self.graph):
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
                    reached.update(self.graph.successors(index))
                for succ in sorted(reached):
                    if succ in inside and succ not in parent:
                        parent[succ] = node
                        following.append(succ)
            frontier = following
        return [start]

    def chains(self, key) -> List[List[str]]:
        """The longest chain of each weakly connected part (see :attr:`Project.chains`)."""
        graph = self.graph
        if not self.groups:
            return []
        members = list(nx.strongly_connected_components(graph))
        component: Dict[object, int] = {}
        for index, nodes in enumerate(members):
            for node in nodes:
                component[node] = index
        keys = {m: key(m) for m in graph.nodes if isinstance(m, str)}
        condensed = nx.DiGraph()
        condensed.add_nodes_from(range(len(members)))
        for u, v in graph.edges:
            if component[u] != component[v]:
                condensed.add_edge(component[u], component[v])
        first = {i: min((keys[m] for m in nodes if isinstance(m, str)), default=None) for i, nodes in enumerate(members)}
        order: List[str] = []
        for index in nx.lexicographical_topological_sort(
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
        for part in nx.weakly_connected_components(graph):
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


def _project_handoffs(writes: Dict[str, Tuple[str, List[Access]]],
                      reads: Dict[str, Tuple[str, List[Access]]]) -> List[HandoffGroup]:
    """The hand-off groups of one project; ``writes`` and ``reads`` map project-relative paths to (the
    scan-relative path, its accesses). See :attr:`Project.all_handoff_groups` for the cost."""
    kept: Dict[str, Tuple[str, List[Access]]] = {}
    patterns = PathIndex()
    floating_writes: Set[str] = set()
    for local, (path, accesses) in writes.items():
        if "*" in local:
            anchored = all(w.base == "file" for w in accesses)  # beside the writing file: a known folder
            if local.startswith("*") and not _literal_folder(local) and not anchored:
                continue  # ``*/config.json``: could be any file of that name anywhere
            if all(w.floating for w in accesses):
                if not _literal_folder(_after_first_wildcard(local)):
                    continue  # f"{out}/config.json" run from scripts/: no folder the code names
                floating_writes.add(local)
            patterns.add(local)
        kept[local] = (path, accesses)
    written = PathIndex(kept)
    groups: List[HandoffGroup] = []
    for read_local, (read_path, accesses) in sorted(reads.items()):
        absolute = read_local.startswith(("/", "~"))
        if "*" in read_local:
            if read_local.startswith("*") and not _literal_folder(read_local):
                continue
            floating = all(r.floating for r in accesses)
            if floating and not _literal_folder(_after_first_wildcard(read_local)):
                continue
            regex = _pattern_regex(read_local)
            # a pattern whose unknown part the code starts with (``f"{out}/x.csv"`` resolved from a
            # script folder) only meets exact files: two such guesses would meet everywhere
            candidates = [w for w in written.candidates(read_local)
                          if ("*" not in w and regex.match(w)) or
                          ("*" in w and not floating and w not in floating_writes and matches(read_local, w))]
            candidates = _most_specific(read_local, candidates)
        elif read_local in kept:
            # an exact writer explains the read; pattern writers (to_feature(df, "feature/train") writing
            # feature/train_*.f) would only be guesses
            candidates = [read_local]
        else:
            candidates = [w for w in patterns.candidates(read_local) if w != read_local
                          and _pattern_regex(w).match(read_local) and w.startswith(("/", "~")) == absolute]
        candidates = sorted(set(candidates))
        if "*" not in read_local and len(candidates) > 1:
            # an exact file two families may name goes to the narrower one (``train_f102_*.f`` over
            # ``train_*.f``): the code that names the prefix is the surer producer
            candidates = [c for c in candidates
                          if not any(o != c and contained(o, c) for o in candidates)] or candidates
        ambiguous = _ambiguous(read_local, candidates, kept)
        for write_local in candidates:
            write_path, write_accesses = kept[write_local]
            groups.append(HandoffGroup(write_path, read_path, tuple(write_accesses), tuple(accesses), ambiguous))
    return groups


from debtscan.project.segments import AMBIGUITY_CAP  # noqa: E402 - documented there


def _ambiguous(read_local: str, candidates: Sequence[str], kept: Dict[str, Tuple[str, List[Access]]]) -> bool:
    """Whether the writers of ``candidates`` only may have produced the read: none writes the read's own
    path or a family the read's glob surely reads (:func:`~debtscan.project.segments.contained`), and more
    than :data:`AMBIGUITY_CAP` modules write them."""
    if any(c == read_local or contained(c, read_local) for c in candidates):
        return False
    modules = {w.module for c in candidates for w in kept[c][1]}
    return len(modules) > AMBIGUITY_CAP


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
    return (0 if exact else 1, tuple(-x for x in specificity(write.local)),
            -name_affinity(read_path, write.module), write.module, write.line)


def _reads_into(reads: Dict[str, Tuple[str, List[Access]]], project: str,
                nested: str) -> Dict[str, Tuple[str, List[Access]]]:
    """The pattern reads of ``project`` that may name files of ``nested`` (a project inside it), keyed by the
    part of the pattern below the nested project's folder: ``data/*/meta.pkl`` read at the root reaches
    ``meta.pkl`` of the project ``data/shakespeare_char``. O(pattern reads x depth)."""
    below = nested[len(project) + 1:] if project else nested
    folder = segments(below)
    out: Dict[str, Tuple[str, List[Access]]] = {}
    for local, entry in reads.items():
        if "*" not in local or local.startswith(("/", "~", "*")):
            continue
        parts = segments(local)
        if len(parts) <= len(folder) or "**" in parts[:len(folder)]:
            continue
        if all(segment_overlap(a, b) for a, b in zip(parts, folder)) and parts[:len(folder)] != folder:
            out["/".join(parts[len(folder):])] = entry
    return out


def _add_match_edges(graph: nx.MultiDiGraph, artifacts: Sequence[str], projects: ProjectRoots) -> None:
    """``matches`` edges from each pattern artifact to the artifacts it may name, in its own project.

    Each project's artifacts go into one :class:`~debtscan.project.paths.PathIndex` (O(P log P)); a pattern is tested
    only against the candidates its literal head or tail selects, not against every artifact."""
    by_project: Dict[str, Dict[str, str]] = {}
    for node in artifacts:
        data = graph.nodes[node]
        by_project.setdefault(data.get("project", ""), {})[projects.by_path.get(
            data.get("project", ""), SCAN_ROOT).local(data["path"])] = node
    for project_path in sorted(by_project):
        nodes = by_project[project_path]
        index = PathIndex(nodes)
        for local in sorted(nodes):
            pattern = nodes[local]
            if graph.nodes[pattern]["exact"]:
                continue
            regex = _pattern_regex(local)
            for other_local in index.candidates(local):
                other = nodes[other_local]
                if other != pattern and (regex.match(other_local) or
                                         (not graph.nodes[other]["exact"] and matches(local, other_local))):
                    graph.add_edge(pattern, other, kind="matches")


def _after_first_wildcard(path: str) -> str:
    """``scripts/*/hub/config.json`` -> ``*/hub/config.json``: the part the code itself spelled out."""
    return "*" + path.split("*", 1)[1]


def _most_specific(read_path: str, candidates: List[str]) -> List[str]:
    """Writers that surely explain a pattern read: the same pattern or families within it (a glob of
    ``feature/train_*.f`` reads what ``feature/train_f101_*.f`` names), else the same literal file name.

    ``data/features/*/target.csv`` read is explained by the writer of ``data/features/*/target.csv``;
    a writer of ``data/features/*/*.csv`` only might be, so it is dropped when a surer writer exists.
    """
    same = [w for w in candidates if w == read_path or contained(w, read_path)]
    if same:
        return same
    name = read_path.rsplit("/", 1)[-1]
    if "*" not in name:
        named = [w for w in candidates if w.rsplit("/", 1)[-1] == name]
        if named:
            return named
    return candidates


def _pattern_regex(pattern: str) -> "re.Pattern[str]":
    """A resolved pattern over exact paths: ``*`` within one segment (:func:`debtscan.project.segments.pattern_regex`)."""
    return pattern_regex(pattern)


def is_model_access(access: Access, artifacts: ArtifactTables) -> bool:
    """Whether an access saves or loads a model, or touches source code and documentation (code generators
    and model cards are no data hand-offs); ``artifacts`` is the ``[artifacts]`` catalogue (signals.toml:
    model formats, suffixes and folders, code suffixes).

    The API decides first (:func:`debtscan.artifacts.role_of`): a model format is a model; a table, an
    array, text, configuration or a figure is data whatever its suffix (``ndarray.tofile("train.bin")``,
    ``to_hdf("x.h5")``); a pickle or joblib file is a model when the value written is one, and for a write
    of anything else data. Only a read of such a file, or an API that says nothing (``open``), leaves it to
    the path (suffix, ``models/`` folder), read relative to its project: a project folder named
    ``models/churn`` does not make all its files models."""
    if access.value == "model" or access.fmt in artifacts.model_formats:
        return True
    if access.artifact.lower().endswith(artifacts.code_suffixes) or access.fmt == "listing":
        return True
    role = role_of(access.fmt)
    if role in _DATA_ROLES:
        return False
    if role is ArtifactRole.OBJECT and access.mode is IOMode.WRITE:
        return False
    return artifacts.is_model_artifact(access.local)


_DATA_ROLES = frozenset({ArtifactRole.TABLE, ArtifactRole.ARRAY, ArtifactRole.TEXT, ArtifactRole.CONFIG,
                         ArtifactRole.FIGURE})


def certain_link(written: str, read: str) -> bool:
    """Whether a write and a read that match surely name the same file(s)."""
    if "*" not in written or "*" not in read or written == read:
        return True
    prefix_w = written.split("*", 1)[0]
    prefix_r = read.split("*", 1)[0]
    return prefix_w == prefix_r and prefix_w.endswith("/")


def is_test_module(path: str) -> bool:
    """Test code (``tests/``, ``test_*.py``, ``*_test.py``, ``conftest.py``) checks data, it is no pipeline step;
    a step over both splits (``split_train_and_test.py``, ``make_train_test.py``) is no test."""
    name = posixpath.basename(path)
    parts = path.split("/")[:-1]
    return name.startswith("test_") or (name.endswith("_test.py") and not name.endswith(("_and_test.py", "train_test.py"))) \
        or name == "conftest.py" or \
        any(p in ("tests", "test", "testing") for p in parts)


def _resolve_import(target: str, importer: str, modules: Dict[str, List[str]],
                    projects: Optional[ProjectRoots] = None,
                    scoped: Optional[Dict[Tuple[str, str], List[str]]] = None) -> Optional[str]:
    """The file an import names: the only module of that name, else the only one of the importer's
    project (``scoped``: (project, module name) -> files), else the one in the importer's folder (None when
    it stays ambiguous). O(depth of the dotted name)."""
    name = target
    while name:
        candidates = modules.get(name)
        if candidates:
            if len(candidates) == 1:
                return candidates[0]
            if projects is not None and scoped is not None:
                mine = scoped.get((projects.of(importer).path, name), [])
                if len(mine) == 1:
                    return mine[0]
                candidates = mine or candidates
            directory = posixpath.dirname(importer)
            for candidate in candidates:
                if posixpath.dirname(candidate) == directory:
                    return candidate
            return None
        name = name.rpartition(".")[0]
    return None


def resolve_io(resolver: Resolver, fact: IOFact, module_file: str, cwd: Optional[str] = None,
               projects: Optional[ProjectRoots] = None) -> List[Tuple[ResolvedPath, ProjectRoot]]:
    """The repo-relative paths (or patterns) an I/O fact may touch, each with the project it lies in;
    ``cwd`` the folder the script runs in (None: its project's folder)."""
    projects = projects if projects is not None else ProjectRoots()
    own = projects.of(module_file).path
    out = []
    for text, exact in resolver.strings(fact.path, module_file):
        if fact.target is IOTarget.TABLE:
            name = table_id(text)
            if name is not None:
                out.append((ResolvedPath(name, exact and "*" not in name, "warehouse",
                                         kind=ArtifactKind.WAREHOUSE_TABLE), SCAN_ROOT))
            continue
        resolved = normalise(text, module_file, cwd, own)
        if resolved is None:
            continue
        if not exact and resolved.exact:
            resolved = ResolvedPath(resolved.path, False, resolved.base, kind=resolved.kind)
        written = text.split("/", 1)[1] if text.startswith("@repo/") else text
        while written.startswith(("../", "./")):
            written = written.split("/", 1)[1]
        # a warehouse table or an object-store prefix is no project's file: it lies in the scan root
        lies_in = (SCAN_ROOT if resolved.base in ("absolute", "warehouse", "object-store")
                   else projects.of_artifact(resolved.path))
        local = lies_in.local(resolved.path)
        if (too_generic(local) and resolved.base != "file") or too_generic(written):
            continue  # (a ``__file__``-anchored ``*.bin`` names files of one known folder)
        if written.startswith("*") and not local.startswith("*"):
            resolved = ResolvedPath(resolved.path, resolved.exact, resolved.base, True, resolved.kind)
        out.append((resolved, lies_in))
    return out


def _leaves(text: str) -> bool:
    """Whether a relative path taken from a folder climbs above it (``../input/x.csv``)."""
    if not text or text.startswith(("/", "~", "@repo")) or re.match(r"^[A-Za-z]:[\\/]", text):
        return False
    return posixpath.normpath(text.replace("\\", "/")).startswith("..")


def _script_folders(resolver: Resolver, placed: Sequence[PlacedIO], sources: Optional[SourceSet],
                    projects: Optional[ProjectRoots] = None) -> Set[str]:
    """Folders whose scripts run from their own folder, inside a project: a relative path in them leaves
    the project when taken from the project's folder but stays inside from the script's folder
    (``../input/x.csv`` in ``py/``), or names a folder that exists next to the script and not at the
    project's top (``LOG/`` in ``a/``). Files at a project's top run from there anyway."""
    projects = projects if projects is not None else ProjectRoots()
    folders: Set[str] = set()
    checked: Set[Tuple[str, str]] = set()
    for item in placed:
        if item.via:
            continue
        directory = posixpath.dirname(item.caller)
        if not directory or directory in folders:
            continue
        home = projects.folder_project(directory)
        inner = home.local(directory) if home.path else directory
        if inner in ("", "."):
            continue
        for text, _ in resolver.strings(item.fact.path, item.path):
            if _leaves(text):
                inside = posixpath.normpath(posixpath.join(inner, text))
                if not inside.startswith(".."):
                    folders.add(directory)
                    break
            elif sources is not None and "/" in text and not text.startswith(("/", "~", "@repo", "*")):
                first = text.split("/", 1)[0]
                if "*" in first or (directory, first) in checked:
                    continue
                checked.add((directory, first))
                if sources.is_dir(posixpath.join(directory, first)) and \
                        not sources.is_dir(posixpath.join(home.path, first)):
                    folders.add(directory)
                    break
    return folders


def _run_steps(project: "Project", resolver: Resolver, sources: Optional[SourceSet]) -> List[Step]:
    """Scripts run by other scripts and by runner files. A runner that says nothing of its folder runs from
    its project's folder (for a runner of the scan root: the scan root)."""
    known: Dict[str, str] = {path: path for path in project.facts}
    for module, paths in project.modules.items():
        if len(paths) == 1:
            known["module:" + module] = paths[0]
    steps: List[Step] = []
    for path in sorted(project.facts):
        order = 0
        home = project.project_of(path).path
        for run in project.facts[path].runs:
            cwd = home
            if run.cwd is not None:
                texts = resolver.strings(run.cwd, path)
                if texts and "*" not in texts[0][0]:
                    normal = normalise(texts[0][0], path, None, home)
                    cwd = normal.path if normal is not None and normal.base != "absolute" else home
            target = run.target
            if isinstance(target, Seq):
                words = []
                for item in target.items:
                    texts = resolver.strings(item, path)
                    words.append(texts[0][0] if texts else "*")
                commands = [" ".join(shlex.quote(w) for w in words)]
            else:
                commands = [text for text, _ in resolver.strings(target, path)][:4]
            for command in commands:
                found, _ = parse_invocations(command, cwd, known, posixpath.dirname(path))
                for script, folder, argv in found:
                    argv = tuple(None if word is None or "*" in word else word for word in argv)
                    steps.append(Step(script, folder, path, run.line, order, argv))
                    order += 1
    steps.extend(orchestrator_steps(project.facts, project.modules, resolver, known))  # Airflow, Prefect...
    if sources is not None:
        for rel in sources.runners:
            text = sources.texts.get(rel)
            found = shell_steps(text, rel, known) if rel.endswith(".sh") else makefile_steps(text, rel, known)
            home = project.projects.of(rel).path
            steps.extend(replace(step, cwd=home) if not step.cwd and home else step for step in found)
        steps.extend(dvc_steps(sources.texts, sources.dvc, known))  # dvc.yaml stages' cmd
    return steps


def _readme_steps(project: "Project", sources: Optional[SourceSet]) -> List[Step]:
    """The commands README code blocks give (``python -m pkg.stage data/root/``), from the README's folder."""
    if sources is None:
        return []
    known: Dict[str, str] = {path: path for path in project.facts}
    for module, paths in project.modules.items():
        if len(paths) == 1:
            known["module:" + module] = paths[0]
    steps: List[Step] = []
    for rel in sources.readmes:
        steps.extend(readme_steps(sources.texts.get(rel), rel, known))
    return steps


def build_project(facts: Dict[str, FileFacts], root: Optional[Path] = None, config=None,
                  sources: Optional[SourceSet] = None) -> Project:
    """Build the graph and the resolved accesses from the facts of every file; never touches the disk.

    ``sources`` (the scan's walk, :class:`~debtscan.sources.discover.SourceSet`) gives the runners (shell
    scripts, Makefiles) and declared pipelines (dvc.yaml, Kedro catalogs) with their text, and the folder
    listings by which project roots (:mod:`debtscan.project.roots`) and script folders are recognised.

    Cost of the cross-file phase, for F files, A accesses, P artifacts: module and constant tables O(F);
    imports O(imports x depth); path resolution O(A) (a bounded number of variants per access); project
    roots O(folders); pattern artifacts matched through a :class:`~debtscan.project.paths.PathIndex` per project,
    O(P log P + matches); hand-offs grouped per artifact (:attr:`Project.handoff_groups`); the signal layer
    (:func:`debtscan.project.signals.add_signal_layer`) linear in signals and models likewise.
    """
    graph = nx.MultiDiGraph()
    modules: Dict[str, List[str]] = {}
    configured_roots = getattr(config, "project_roots", None) if config is not None else None
    projects = find_project_roots(sources, facts, configured_roots)
    constants = ConstantTable(scope=lambda path: projects.of(path).path)
    scoped_modules: Dict[Tuple[str, str], List[str]] = {}
    for path in sorted(facts):
        fact = facts[path]
        graph.add_node(f"module:{path}", kind="module", path=path, module=fact.module, notebook=fact.notebook,
                       project=projects.of(path).path)
        modules.setdefault(fact.module, []).append(path)
        scoped_modules.setdefault((projects.of(path).path, fact.module), []).append(path)
        constants.add_module(fact.module, path, fact.constants, fact.imports)
    for path in sorted(facts):
        for imported in facts[path].imports:
            target = _resolve_import(imported.target, path, modules, projects, scoped_modules)
            if target is not None and target != path:
                graph.add_edge(f"module:{path}", f"module:{target}", kind="imports", path=path, line=imported.line)
    tables = tables_for(getattr(config, "io", None), getattr(config, "knowledge", None))
    resolver = Resolver(constants, tables.paths.properties)
    project = Project(graph=graph, facts=facts, modules=modules, resolver=resolver, projects=projects)
    project.tables = tables
    if config is not None and getattr(config, "raw_data_dirs", None) is not None:
        project.raw_data_dirs = tuple(config.raw_data_dirs)
    if sources is not None:
        project.declared = load_declared(sources.texts, sources.dvc, sources.catalogs)
    index = FunctionIndex(facts, modules, constants.aliases, constants)
    imported = {v.split(":", 1)[1] for u, v, d in graph.edges(data=True) if d.get("kind") == "imports"}
    placed, project.helper_instances = place_io(facts, index, imported)
    project.steps = _run_steps(project, resolver, sources)
    project.step_handoffs = step_handoffs(facts)
    project.node_handoffs = node_handoffs(facts, project.declared)
    for step in project.steps:
        project.run_cwds.setdefault(step.script, step.cwd)
    project.readme_steps = _readme_steps(project, sources)
    for step in project.readme_steps:  # what nothing runs, a README says how to run (python -m from its root)
        project.run_cwds.setdefault(step.script, step.cwd)
    arguments = Arguments(facts, project.steps, project.readme_steps)
    # modules only imported (no runner, no __main__ guard) run in their importers' folder, not their own
    importers: Dict[str, Set[str]] = {}
    for u, v, d in graph.edges(data=True):
        if d.get("kind") == "imports":
            importers.setdefault(v.split(":", 1)[1], set()).add(u.split(":", 1)[1])
    library = imported_only(facts, importers, project.run_cwds)
    project.script_folders = _script_folders(resolver, [p for p in placed if p.caller not in library],
                                             sources, projects)
    for module, folder in inherited_cwds(library, importers, project.cwd_for,
                                         lambda p: projects.of(p).path).items():
        project.run_cwds.setdefault(module, folder)
    project.root = Path(root) if root is not None else None
    project.sources = sources
    sites = {"exact": 0, "pattern": 0, "unresolved": 0}
    project.io_sites = sites
    variants = switch_variants(facts, lambda p: projects.of(p).path)  # dataset switches and their configs
    for item in placed:
        fact = item.fact
        path = item.path
        if path in variants and not item.via:
            fact = with_variants(fact, variants[path])
        cwd = project.cwd_for(item.caller)
        resolved_paths = []
        uncertain: Set[str] = set()  # paths only a README's command gives
        for variant, certain in arguments.variants(fact, item.caller, path,  # once per invocation's argv
                                                   cwd if cwd is not None else projects.of(item.caller).path):
            for resolved, lies_in in resolve_io(resolver, variant, path, cwd, projects):
                if all(resolved.path != r.path for r, _ in resolved_paths):
                    resolved_paths.append((resolved, lies_in))
                    if not certain:
                        uncertain.add(resolved.path)
        if not resolved_paths:
            project.unresolved.append((path, fact.line))
            sites["unresolved"] += 1
        elif all(r.exact for r, _ in resolved_paths):
            sites["exact"] += 1
        else:
            sites["pattern"] += 1
        if any(r.base == "absolute" for r, _ in resolved_paths):
            anchor = resolver.anchor(fact.path, path)
            if anchor is not None and anchor[0]:
                project.anchors[(path, fact.line, fact.column)] = anchor
        for resolved, lies_in in resolved_paths:
            api = fact.api if not item.via else f"{fact.api} via {item.via}"
            access = Access(fact.mode, resolved.path, resolved.exact, resolved.base, path, fact.line,
                            fact.column, api, fact.fmt, fact.scope, fact.value, item.via,
                            resolved.floating or (lies_in.local(resolved.path).startswith("*")
                                                  and resolved.base != "file"), resolved.kind,
                            lies_in.path, resolved.path not in uncertain, item.at)
            project.accesses.append(access)
            node = f"artifact:{resolved.path}"
            if node not in graph:
                graph.add_node(node, kind="artifact", path=resolved.path, exact=resolved.exact,
                               base=resolved.base, declared=False, model_output=False, model_artifact=False,
                               project=lies_in.path, artifact_kind=resolved.kind.value)
            data = graph.nodes[node]
            if fact.mode is IOMode.WRITE and fact.value == "prediction":
                data["model_output"] = True
            if is_model_access(access, project.tables.artifacts):
                data["model_artifact"] = True
            edge = dict(kind="writes" if fact.mode is IOMode.WRITE else "reads", path=path, line=fact.line,
                        api=api, base=resolved.base)
            if item.via:
                edge["via"] = item.via
            if fact.mode is IOMode.WRITE:
                graph.add_edge(f"module:{path}", node, **edge)
            else:
                graph.add_edge(node, f"module:{path}", **edge)
    artifacts = sorted(n for n, d in graph.nodes(data=True) if d["kind"] == "artifact")
    for artifact, source in managed_artifacts(project, is_test_module).items():  # Dagster, dbt, Luigi
        project.declared.paths.setdefault(artifact, source)
    for node in artifacts:
        source = project.declared.source_of(graph.nodes[node]["path"])
        if source is not None:
            graph.nodes[node]["declared"] = True
            graph.nodes[node]["declared_in"] = source
    _add_match_edges(graph, artifacts, projects)
    for step in project.steps:
        runner_node = f"module:{step.runner}" if step.runner in facts else f"runner:{step.runner}"
        if runner_node not in graph:
            graph.add_node(runner_node, kind="runner", path=step.runner)
        graph.add_edge(runner_node, f"module:{step.script}", kind="runs", path=step.runner, line=step.line,
                       order=step.order, cwd=step.cwd)
        module_data = graph.nodes[f"module:{step.script}"]
        if "run_order" not in module_data:
            module_data["run_order"] = step.order
            module_data["runner"] = step.runner
            module_data["cwd"] = step.cwd
    from debtscan.project.signals import add_signal_layer  # components, signals and models (DS3xx)
    add_signal_layer(project, config)
    return project
