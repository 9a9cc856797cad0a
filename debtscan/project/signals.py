"""The coupled-signals layer of the repo graph: components, signals, models and the edges between them.

Built from every file's :class:`~debtscan.facts.model.SignalFact` and :class:`~debtscan.facts.model.ModelFact`
once the artifacts are resolved (``build_project`` calls :func:`build_components`, :func:`build_signal_layer`
and :func:`add_signal_nodes`):

- **components**: independently owned parts of the repo. By default components are per project first
  (:mod:`debtscan.project.roots`), then per top-level directory inside it (or ``src/<package>``): in the scan
  root's project each top-level directory is one and the files at the root form ``(root)``; in a project
  ``churn/`` its top files form ``churn`` and its folders ``churn/<folder>``. ``[tool.debtscan.components]``
  maps names to globs (``churn = ["churn/**", "jobs/churn_*.py"]``). Two components are *disjoint* when
  neither imports the other, directly or transitively.
- **signals**: a column or feature key consumed at a place, with the artifact it was read from when known;
  feature-list constants (``config.FEATURES``) are expanded across modules here.
- **models**: where an estimator is fitted or trained (node ``model:<path>:<line>``), its input signals,
  its source artifacts, and where its predictions go (a column, a file). A model loaded from a file and only
  used to predict is linked to the model that saved that file.

Nodes: ``component:<name>``, ``signal:<name>`` / ``signal:<name>@<artifact>``, ``model:<path>:<line>``.
Edges: ``contains`` (component -> module), ``defines`` (module -> model), ``provides`` (artifact -> signal),
``consumes`` (signal -> model or module), ``derives`` (signal -> derived signal), ``produces`` (model ->
artifact or prediction signal).
"""
from __future__ import annotations

import fnmatch
import posixpath
import functools
import re
from collections import deque
from dataclasses import field
from typing import TYPE_CHECKING, Callable, Dict, FrozenSet, List, Mapping, Optional, Sequence, Set, Tuple

if TYPE_CHECKING:  # the graph is drawn by the caller (debtscan.project.graph._draw)
    import networkx as nx

from debtscan.config import SharedSignalSettings
from debtscan.knowledge.tables import ArtifactTables, PredictionTables
from debtscan.knowledge.names import callee_of
from debtscan.project.accesses import Paths
from debtscan.facts.model import FileFacts, IOMode, ModelFact, ModelKind, ModelRef, OutputKind, SignalKind
from debtscan.facts.values import Choice, Concat, Here, Lit, PathJoin, PathOp, ReadsAt, Sym, Unknown, Why
from debtscan.project.imports import Imports, reach
from debtscan.project.kinds import is_model_access
from debtscan.project.paths import normalise
from debtscan.project.roots import ProjectRoots, ScopedPathIndex
from debtscan.project.segments import AMBIGUITY_CAP, contained
from debtscan.records import record

ROOT_COMPONENT = "(root)"
SOURCE_DIRS = ("src", "lib", "python")
TEST_COMPONENTS = frozenset({"tests", "test", "testing", "unittests"})


@record(frozen=True)
class Consumption:
    """A signal consumed at a place: ``sources`` are the artifacts the data came from (empty: unknown)."""

    name: str
    sources: Tuple[str, ...]
    path: str
    line: int
    column: int
    scope: str
    kind: str
    via: str
    component: str
    as_input: bool = False


@record
class ModelNode:
    """A model of the repo, with its inputs and outputs resolved."""

    id: str
    name: str
    api: str
    path: str
    line: int
    scope: str
    component: str
    kind: ModelKind = ModelKind.FIT
    inputs: Set[str] = field(default_factory=set)
    sources: Set[str] = field(default_factory=set)
    feature_lists: Set[str] = field(default_factory=set)
    targets: Set[str] = field(default_factory=set)
    artifacts: Set[str] = field(default_factory=set)
    output_artifacts: Set[str] = field(default_factory=set)
    output_columns: Set[str] = field(default_factory=set)
    input_models: Set[ModelRef] = field(default_factory=set)
    #: files its labels or sample weights are read from (another model's predictions there: a cascade too)
    label_sources: Set[str] = field(default_factory=set)

    @property
    def label(self) -> str:
        api = self.api.rpartition(".")[2] if self.api and self.api != "?" else ""
        return f"`{self.name}`" + (f" ({api})" if api else "")


@record(frozen=True)
class Output:
    """Predictions written to an artifact: by which model (id, or "" when unknown), where."""

    artifact: str
    model: str
    path: str
    line: int
    columns: Tuple[str, ...]


@record(frozen=True)
class Cascade:
    """A model trained on another model's predictions (through ``artifact``, or in memory when empty);
    ``chain`` lists the artifacts in between when the predictions reached the model through feature files."""

    producer: str
    consumer: str
    artifact: str
    signals: Tuple[str, ...]
    chain: Tuple[str, ...] = ()


@record(frozen=True, eq=False)
class Components:
    """The independently owned parts of the repo: ``members`` (component -> its files, in path order),
    ``of`` (file -> component) and, per file, the components its unresolved imports name (``links``:
    ``from churn.data import load`` names component ``churn`` even where the import did not resolve to a file).

    Two components are *disjoint* when neither imports the other, directly or transitively, through the
    one import graph (:class:`~debtscan.project.imports.Imports`) and these links."""

    members: Mapping[str, List[str]]
    of: Mapping[str, str]
    links: Mapping[str, Tuple[str, ...]]
    imports: Imports
    _reach: Dict[str, FrozenSet[str]] = field(default_factory=dict, repr=False)

    def reach(self, component: str) -> FrozenSet[str]:
        """Files that the files of a component import, directly or transitively (its own included)."""
        found = self._reach.get(component)
        if found is None:
            found = frozenset(reach(self.imports, self.members.get(component, ()), self.links, self.members))
            self._reach[component] = found
        return found

    def imports_component(self, a: str, b: str) -> bool:
        """Whether component ``a`` imports component ``b`` (directly or transitively)."""
        files = self.reach(a)
        return any(p in files for p in self.members.get(b, ()))

    def disjoint(self, a: str, b: str) -> bool:
        return a != b and not self.imports_component(a, b) and not self.imports_component(b, a)

    @staticmethod
    def is_test(component: str) -> bool:
        return component.rpartition("/")[2] in TEST_COMPONENTS


@record(frozen=True)
class SharedSignal:
    """A signal (name, source artifact) consumed by several components, some of them disjoint."""

    name: str
    source: str
    consumers: Tuple[Consumption, ...]


@record(frozen=True, eq=False)
class SignalLayer:
    """Signals consumed, models fitted or used, their outputs, correction cascades, the artifacts derived
    from others (``flows``: upstream -> derived), and the shared signals (by the scan's
    :class:`~debtscan.config.SharedSignalSettings`): everything the DS3xx rules and ``metrics.signals`` read."""

    consumptions: Tuple[Consumption, ...]
    models: Mapping[str, ModelNode]
    outputs: Mapping[str, List[Output]]
    cascades: Tuple[Cascade, ...]
    flows: Mapping[str, Set[str]]
    shared: Tuple[SharedSignal, ...]
    #: (module, artifact): the module writes data made from the artifact it reads (a step of ``flows``)
    forwarded: FrozenSet[Tuple[str, str]] = frozenset()


def component_of(path: str, configured: Dict[str, List[str]], projects: Optional[ProjectRoots] = None) -> str:
    """The component of a repo-relative file: the first configured one whose globs match, else the default:
    its project, then the top-level folder inside the project (see the module's docstring)."""
    for name in sorted(configured):
        for pattern in configured[name]:
            if fnmatch.fnmatchcase(path, pattern) or fnmatch.fnmatchcase(path, pattern.rstrip("/") + "/*"):
                return name
    home = projects.of(path).path if projects is not None else ""
    parts = (path[len(home) + 1:] if home else path).split("/")
    if len(parts) == 1:
        return home or ROOT_COMPONENT
    prefix = home + "/" if home else ""
    if parts[0] in SOURCE_DIRS and len(parts) > 2:
        return f"{prefix}{parts[0]}/{parts[1]}"
    return prefix + parts[0]


# -- building -------------------------------------------------------------------------------------
class _Resolve:
    """Resolves source syms (through the project's resolved accesses first) and feature-list constants."""

    def __init__(self, facts: Mapping[str, FileFacts], paths: Paths, projects: ProjectRoots,
                 cwd_for: Callable[[str], Optional[str]]) -> None:
        self.facts = facts
        self.resolver = paths.resolver
        self.projects = projects
        self.cwd_for = cwd_for
        self.by_place: Dict[Tuple[str, int], Set[str]] = {}
        self.reads_at: Dict[Tuple[str, int], Set[str]] = {}
        for access in paths.accesses:
            self.by_place.setdefault((access.module, access.line), set()).add(access.artifact)
            if access.mode is IOMode.READ:
                self.reads_at.setdefault((access.module, access.line), set()).add(access.artifact)
        self.io_lines: Dict[str, Dict[str, List[int]]] = {}
        self.cache: Dict[Tuple[str, str], Tuple[str, ...]] = {}

    def sources(self, sym: Optional[Sym], path: str) -> Tuple[str, ...]:
        if sym is None:
            return ()
        if isinstance(sym, Choice):
            out: List[str] = []
            for option in sym.options:
                out.extend(s for s in self.sources(option, path) if s not in out)
            return tuple(out)
        if isinstance(sym, ReadsAt):
            return tuple(sorted(self.reads_at.get((path, sym.line), ())))
        if isinstance(sym, Unknown):
            return ()
        key = (path, repr(sym))
        if key in self.cache:
            return self.cache[key]
        lines = self.io_lines.get(path)
        if lines is None:
            lines = {}
            facts = self.facts.get(path)
            for fact in (facts.io if facts is not None else ()):
                lines.setdefault(repr(fact.path), []).append(fact.line)
            self.io_lines[path] = lines
        found: List[str] = []
        for line in lines.get(repr(sym), ()):
            for artifact in sorted(self.by_place.get((path, line), ())):
                if artifact not in found:
                    found.append(artifact)
        if not found and self.resolver is not None:
            for text, _exact in self.resolver.strings(sym, path):
                try:
                    resolved = normalise(text, path, self.cwd_for(path), self.projects.of(path).path)
                except TypeError:
                    resolved = None
                if resolved is not None and resolved.path not in found and resolved.path.strip("*/") != "":
                    found.append(resolved.path)
        result = tuple(p for p in found if not p.startswith("@"))
        self.cache[key] = result
        return result

    def names(self, via: str, depth: int = 0, path: Optional[str] = None) -> Tuple[str, ...]:
        """The column names a feature-list constant holds, as file ``path`` sees it (empty when it cannot be
        resolved): the constant table's (:meth:`~debtscan.project.paths.ConstantTable.names`)."""
        if self.resolver is None or depth > 6:
            return ()
        return self.resolver.constants.names(via, path, depth)

    def canonical(self, via: str, path: Optional[str] = None) -> str:
        """The defining constant of a (possibly re-imported) name: ``train.FEATURES`` -> ``config.FEATURES``."""
        if self.resolver is None:
            return via
        return self.resolver.constants.canonical(via, path)


def build_components(facts: Mapping[str, FileFacts], imports: Imports, projects: ProjectRoots,
                     configured: Mapping[str, List[str]]) -> Components:
    """Each file's component (configured globs first, else by project and top folder), and the components
    that files' unresolved imports name. O(files + imports)."""
    members: Dict[str, List[str]] = {}
    comp_of: Dict[str, str] = {}
    for path in sorted(facts):
        comp = component_of(path, dict(configured), projects)
        comp_of[path] = comp
        members.setdefault(comp, []).append(path)
    # ``from churn.data import load`` names component ``churn`` even where the import did not resolve to a
    # file (namespace packages without ``__init__.py``, ``src/`` layouts)
    # (per project: every project may have its ``utils`` component; the scan root's serves all projects)
    by_top: Dict[Tuple[str, str], str] = {}
    for comp, paths in members.items():
        if comp == ROOT_COMPONENT:
            continue
        if comp in projects.by_path:  # a project's own top files: imported by its name from the project above
            home = projects.folder_project(comp.rpartition("/")[0]).path
        else:
            home = projects.of(paths[0]).path
        by_top.setdefault((home, comp.rpartition("/")[2]), comp)
    links: Dict[str, List[str]] = {}
    for path in sorted(facts):
        home = projects.of(path).path
        for imported in facts[path].imports:
            top = imported.target.split(".")[0]
            comp = by_top.get((home, top)) or by_top.get(("", top))
            if comp is not None and comp != comp_of[path] and comp not in links.get(path, ()):
                links.setdefault(path, []).append(comp)
    return Components(members, comp_of, {p: tuple(c) for p, c in links.items()}, imports)


def build_signal_layer(facts: Mapping[str, FileFacts], paths: Paths, projects: ProjectRoots,
                       components: Components, cwd_for: Callable[[str], Optional[str]],
                       settings: SharedSignalSettings, artifacts: ArtifactTables,
                       predictions: Optional[PredictionTables] = None) -> SignalLayer:
    """The layer, in time linear in files, signals, models and accesses: every cross-file match of paths
    (a predicting model to the model that saved its file, a model's sources to persisted predictions) goes
    through a :class:`~debtscan.project.roots.ScopedPathIndex` instead of comparing all pairs, and cascades are
    de-duplicated through sets. The taint walk through feature files is bounded by four hops per
    (artifact, producer)."""
    resolve = _Resolve(facts, paths, projects, cwd_for)
    comp_of = components.of
    consumptions: List[Consumption] = []
    for path in sorted(facts):
        # frames passed to a function of the module: (function, parameter) -> the frames' sources
        bound: Dict[Tuple[str, str], List[str]] = {}
        for signal in facts[path].signals:
            if signal.kind is SignalKind.BIND:
                slot = bound.setdefault((signal.via, signal.frame), [])
                slot.extend(s for s in resolve.sources(signal.source, path) if s not in slot)
        for signal in facts[path].signals:
            if signal.kind in (SignalKind.DERIVED, SignalKind.PREDICTION, SignalKind.FLOW, SignalKind.BIND):
                continue
            names = (signal.name,) if signal.name else resolve.names(signal.via, path=path)
            sources = resolve.sources(signal.source, path)
            if not sources and signal.source is None and (signal.scope, signal.frame) in bound:
                sources = tuple(bound[(signal.scope, signal.frame)])
            for name in names:
                consumptions.append(Consumption(name, sources, path, signal.line, signal.column, signal.scope,
                                                signal.kind, signal.via, comp_of[path]))
    models: Dict[str, ModelNode] = {}
    predict_only: List[Tuple[str, ModelFact]] = []
    for path in sorted(facts):
        for fact in facts[path].models:
            node = _model_node(fact, path, comp_of[path], resolve)
            if fact.kind is ModelKind.PREDICT:
                predict_only.append((path, fact))
                node.id = f"model:{path}:{fact.line}"
                node.kind = ModelKind.PREDICT
            models[node.id] = node
    # a model loaded from a file and used to predict is the model that saved that file
    # (the first fitted model, in file order, that saved one of the files: found through an index of their files)
    alias: Dict[str, str] = {}
    fitted = [m for m in models.values() if m.kind is ModelKind.FIT]
    fitted_rank = {m.id: rank for rank, m in enumerate(fitted)}
    saved = ScopedPathIndex(projects)
    saved_by: Dict[str, List[str]] = {}
    for candidate in fitted:
        for artifact in candidate.artifacts:
            saved.add(artifact)
            saved_by.setdefault(artifact, []).append(candidate.id)
    for path, fact in predict_only:
        node = models[f"model:{path}:{fact.line}"]
        found = {model for b in node.artifacts for a in saved.matching(b) for model in saved_by[a]}
        if found:
            alias[node.id] = min(found, key=fitted_rank.__getitem__)
    # in-file cascades: predictions of one model of the file among another's inputs
    cascades: List[Cascade] = []
    by_name: Dict[Tuple[str, str], str] = {}
    for node in models.values():
        by_name.setdefault((node.path, ModelRef(node.name, node.scope)), node.id)
    for node in models.values():
        if node.kind is not ModelKind.FIT:
            continue
        for ref in sorted(node.input_models, key=_model_order):
            producer = by_name.get((node.path, ref))
            if producer is not None and alias.get(producer, producer) != node.id and \
                    not _parts_of_one_model(models[producer], node):
                cascades.append(Cascade(alias.get(producer, producer), node.id, "", ()))
    # predictions persisted
    outputs: Dict[str, List[Output]] = {}
    write_lines: Dict[Tuple[str, str], int] = {}
    for access in paths.accesses:
        if access.mode is IOMode.WRITE:
            key = (access.module, access.artifact)
            write_lines[key] = min(write_lines.get(key, access.line), access.line)
    for node in models.values():
        producer = alias.get(node.id, node.id)
        for artifact in sorted(node.output_artifacts):
            if artifacts.is_model_artifact(projects.of_artifact(artifact).local(artifact)):
                continue  # a saved model or checkpoint, not predictions
            line = write_lines.get((node.path, artifact), node.line)
            outputs.setdefault(artifact, []).append(
                Output(artifact, producer, node.path, line, tuple(sorted(node.output_columns))))
    models_in: Dict[str, List[ModelNode]] = {}
    for model in models.values():
        models_in.setdefault(model.path, []).append(model)
    for access in paths.accesses:
        if access.mode is IOMode.WRITE and access.value == "prediction" and \
                not is_model_access(access, artifacts) and not any(
                o.path == access.module for o in outputs.get(access.artifact, ())):
            # the I/O facts' own judgement (``IOFact.value``), trusted where the module uses a model
            local = sorted(models_in.get(access.module, ()), key=lambda m: m.line)
            if not local:
                continue
            # the model the write belongs to: the first used at or after it (an instance made with its output
            # folder, ``LgbModel(output_dir=...)``, then fitted), else the last one before it
            owner = next((m for m in local if m.line >= access.line), local[-1])
            producer = alias.get(owner.id, owner.id)
            outputs.setdefault(access.artifact, []).append(Output(access.artifact, producer, access.module,
                                                                  access.line, ()))
    # values followed through functions across modules: inputs, factory-made models, predictions (issue 14)
    columns_written = _follow_values(facts, paths, projects, artifacts, predictions, resolve, comp_of, models,
                                     consumptions, cascades, outputs, alias)
    # cascades through files (a source meets the persisted predictions through an index of their paths)
    known_cascades: Set[Cascade] = set(cascades)
    output_rank = {artifact: rank for rank, artifact in enumerate(outputs)}
    persisted = ScopedPathIndex(projects, outputs)
    written_index = ScopedPathIndex(projects, paths.writers)
    globs = {(path, artifact) for path, line in literal_globs(facts)
             for artifact in resolve.by_place.get((path, line), ())}
    for node in sorted(models.values(), key=lambda m: m.id):
        if node.kind is not ModelKind.FIT:
            continue
        for source in sorted(node.sources | node.label_sources):
            if "*" in source and (node.path, source) not in globs and \
                    ambiguous_read(source, written_index, paths.writers):
                continue  # a glob over a folder many scripts write (``feature/train_*.f``): which files, unknown
            for artifact in sorted(persisted.matching(source), key=output_rank.__getitem__):
                if source != artifact and ("*" in source) == ("*" in artifact):
                    continue
                if "*" in artifact and (node.path, source) not in globs and \
                        ambiguous_read(source, written_index, paths.writers):
                    continue  # predictions written as one of a family many scripts write: not surely this file
                    # (unless the model's read is a literal glob: it reads every file of the family)
                produced = outputs[artifact]
                for output in produced:
                    if output.model == node.id:
                        continue
                    if output.columns and node.inputs:
                        shared = tuple(sorted(set(output.columns) & node.inputs))
                        if not shared:
                            continue
                    else:
                        shared = tuple(sorted(set(output.columns) & node.inputs)) if output.columns else ()
                    cascade = Cascade(output.model, node.id, artifact, shared)
                    if cascade not in known_cascades:
                        known_cascades.add(cascade)
                        cascades.append(cascade)
    # cascades through feature files: predictions read by a step that writes features a model trains on
    flows: Dict[str, Set[str]] = {}
    forwarded: Set[Tuple[str, str]] = set()
    for path in sorted(facts):
        for signal in facts[path].signals:
            if signal.kind is not SignalKind.FLOW:
                continue
            written = [a for a in resolve.by_place.get((path, signal.line), ()) if (path, a) in write_lines]
            for upstream in resolve.sources(signal.source, path):
                for artifact in written:
                    if artifact != upstream:
                        flows.setdefault(upstream, set()).add(artifact)
                        forwarded.add((path, upstream))
    tainted: Dict[str, Dict[str, Tuple[str, ...]]] = {}     # derived artifact -> producer model -> chain
    frontier = deque((artifact, output.model, (artifact,)) for artifact, produced in sorted(outputs.items())
                     for output in produced if output.model)
    # a step reading a pattern (``level1/fold*.pkl``, folds of a loop too many to list) reads each file it
    # names, unless the pattern spans a folder many scripts write (then which files, unknown)
    read_patterns = [k for k in sorted(flows) if "*" in k and not ambiguous_read(k, written_index, paths.writers)]
    while frontier:
        artifact, producer, chain = frontier.popleft()
        if len(chain) > 4:
            continue
        steps = set(flows.get(artifact, ()))
        if "*" not in artifact:
            for pattern in read_patterns:
                if contained(artifact, pattern):
                    steps.update(flows[pattern])
        for derived in sorted(steps):
            if derived in outputs or derived in chain or producer in tainted.get(derived, {}):
                continue
            tainted.setdefault(derived, {})[producer] = chain + (derived,)
            frontier.append((derived, producer, chain + (derived,)))
    linked = {(c.consumer, c.producer) for c in cascades}
    # a model's glob surely reads a derived family within it (``feature/train_*.f`` and the per-column files
    # ``feature/train_f703_*.f`` a step writes from predictions): the chain reaches the model through it
    # ... but not a listing a project helper returns: it is evaluated without the call's arguments, so its
    # filters (``get_use_files(["train_f0"])`` keeps only the prefixes asked for) are lost
    tainted_patterns = sorted(d for d in tainted if "*" in d)
    listed: Set[Tuple[str, str]] = set()
    if tainted_patterns:
        for path in sorted(facts):
            for io in facts[path].io:
                if io.mode is IOMode.READ and _helper_listing(io.path):
                    listed.update((path, a) for a in resolve.by_place.get((path, io.line), ()))
    for node in sorted(models.values(), key=lambda m: m.id):
        if node.kind is not ModelKind.FIT:
            continue
        for source in sorted(node.sources):
            reached = dict(tainted.get(source, {}))
            if "*" in source and (node.path, source) not in listed:
                for derived in tainted_patterns:
                    if derived != source and contained(derived, source):
                        for producer, chain in tainted[derived].items():
                            reached.setdefault(producer, chain)
            for producer, chain in sorted(reached.items()):
                if producer == node.id or (node.id, producer) in linked:
                    continue
                linked.add((node.id, producer))
                cascades.append(Cascade(producer, node.id, chain[0], (), chain[1:]))
    consumptions = _mark_inputs(consumptions, models, flows, columns_written, comp_of)
    shared = shared_signals(consumptions, models, components, paths, projects, settings)
    return SignalLayer(tuple(consumptions), models, outputs, tuple(cascades), flows, tuple(shared),
                       frozenset(forwarded))


def literal_globs(facts: Dict[str, FileFacts]) -> Set[Tuple[str, int]]:
    """(module, line) of the reads whose path is a literal glob (``glob("feature/train_*.f")``): they read
    every file the glob matches, unlike a pattern made of unknown parts (``"feature/train_" + name + ".f"``
    with ``name`` from an importance log), which reads some of them."""
    out: Set[Tuple[str, int]] = set()
    for path in sorted(facts):
        for io in facts[path].io:
            if io.mode is IOMode.READ and _literal_pattern(io.path) is True:
                out.add((path, io.line))
    return out


def _literal_pattern(value: Sym, depth: int = 0) -> Optional[bool]:
    """Whether a path is a glob made of known parts only: ``"feature/*.f"``, ``(ROOT / "data").glob("*.csv")``
    (True); a known path without ``*`` is None; a path with an unknown part is False."""
    if depth > 12:
        return False
    if isinstance(value, Lit):
        return True if isinstance(value.value, str) and "*" in value.value else None
    if isinstance(value, (Concat, PathJoin)):
        found: Optional[bool] = None
        for part in value.parts:
            judged = _literal_pattern(part, depth + 1)
            if judged is False:
                return False
            found = found or judged
        return found
    if isinstance(value, PathOp):
        return None if value.op in ("dirname", "abspath") and _literal_pattern(value.base, depth + 1) is None \
            else False
    return None if isinstance(value, Here) else False


def ambiguous_read(source: str, written: "ScopedPathIndex", writers) -> bool:
    """A read pattern (made of unknown parts) that more than :data:`~debtscan.project.segments.AMBIGUITY_CAP`
    writer modules' files may match: the code does not say which of them the model trains on (issue 15's
    rule for hand-offs)."""
    modules = {a.module for artifact in written.matching(source) for a in writers.get(artifact, ())}
    return len(modules) > AMBIGUITY_CAP


def _helper_listing(value: Sym, depth: int = 0) -> bool:
    """Whether a path is (built on) what a project function returns (``for f in utils.get_use_files(...)``)."""
    if depth > 12:
        return False
    if isinstance(value, Unknown):
        return value.why is Why.CALL and bool(value.detail) and callee_of(value.detail).resolved
    if isinstance(value, Choice):
        return any(_helper_listing(o, depth + 1) for o in value.options)
    if isinstance(value, (Concat, PathJoin)):
        return any(_helper_listing(p, depth + 1) for p in value.parts)
    if isinstance(value, PathOp):
        return _helper_listing(value.base, depth + 1)
    return False


def _parts_of_one_model(producer: ModelNode, consumer: ModelNode) -> bool:
    """Whether two models are parts of one declared model: a class that fits its own models together in its
    methods (a boosted hybrid: ``self.model_2`` trained on ``self.model_1``'s residuals, both in ``fit``), or an
    instance of that class (a call the class's fits train: ``FitResult.parts`` in the flow, or a model made by its
    constructor) and one of its parts. Such a class is what DS302 asks for instead of a cascade (the parts are
    retrained and versioned together), not a cascade itself."""
    if not producer.name.startswith("self."):
        return False
    owner = producer.scope.rpartition(".")[0]
    if not owner:
        return False
    if consumer.name.startswith("self."):
        return consumer.path == producer.path and consumer.scope.rpartition(".")[0] == owner
    # the class by its qualified name (a ``src/`` layout's module drops the folder: a suffix matches)
    qualified = f"{posixpath.splitext(producer.path)[0].replace('/', '.')}.{owner}"
    return bool(consumer.api) and (consumer.api == qualified or qualified.endswith("." + consumer.api))


def _model_order(ref: ModelRef) -> str:
    return f"{ref.name}@{ref.scope}"  # the order cascades have always been listed in


def _follow_values(facts: Mapping[str, FileFacts], paths: Paths, projects: ProjectRoots, artifacts: ArtifactTables,
                   predictions: Optional[PredictionTables], resolve: "_Resolve", comp_of: Mapping[str, str], models: Dict[str, ModelNode],
                   consumptions: List[Consumption], cascades: List[Cascade], outputs: Dict[str, List[Output]],
                   alias: Dict[str, str]) -> list:
    """Add what :mod:`debtscan.project.flow` finds through functions: columns consumed as model inputs,
    models made by factories, pipelines and classes, cascades and predictions written through helpers."""
    from debtscan.project.flow import Resolver, evaluate

    writes_at: Dict[Tuple[str, int], Set[str]] = {}
    data_writes: Set[Tuple[str, int, str]] = set()   # written by an API of data (``to_hdf`` to a ``.h5``)
    for access in paths.accesses:
        if access.mode is IOMode.WRITE:
            writes_at.setdefault((access.module, access.line), set()).add(access.artifact)
            if not is_model_access(access, artifacts):
                data_writes.add((access.module, access.line, access.artifact))
    resolver = Resolver(
        sources=lambda sym, path: resolve.sources(sym, path),
        reads_at=lambda path, line: tuple(sorted(resolve.reads_at.get((path, line), ()))),
        writes_at=lambda path, line: tuple(sorted(writes_at.get((path, line), ()))),
        names=lambda via, path: resolve.names(via, path=path),
        predicts=lambda name: predictions is not None and bool(predictions.functions.search(name)),
    )
    result = evaluate(facts, resolver, lambda path: comp_of.get(path, ROOT_COMPONENT), lambda p: projects.of(p).path)
    for node_id, fit in sorted(result.fits.items()):
        if fit.wrapper and not fit.delegated:
            continue
        node = models.get(node_id)
        if fit.wrapper and (node is None or node.kind is not ModelKind.FIT):
            continue  # a wrapper's call is its inside fit's model only where the call is a model of its own
        if node is None:
            if not fit.api:
                continue  # ``x.fit(...)`` of a value nothing says is a model
            node = models[node_id] = ModelNode(node_id, fit.name, fit.api, fit.path, fit.line, fit.scope,
                                               comp_of[fit.path])
        elif node.kind is not ModelKind.FIT:
            continue
        elif node.api in ("", "?") and fit.api:
            node.api = fit.api
        node.targets.update(fit.targets)
        node.inputs.update(n for n in fit.inputs if n not in node.targets)
        node.sources.update(fit.sources)
        node.label_sources.update(fit.label_sources - fit.sources)
    known = {(c.producer, c.consumer) for c in cascades}
    for node_id, fit in sorted(result.fits.items()):
        if node_id not in models or (fit.wrapper and not fit.delegated):
            continue
        for producer in sorted(fit.upstream):
            producer = alias.get(producer, producer)
            if producer in models and producer != node_id and (producer, node_id) not in known and \
                    not _parts_of_one_model(models[producer], models[node_id]) and \
                    not any(_parts_of_one_model(models[producer], models[part])
                            for part in sorted(fit.parts) if part in models):
                known.add((producer, node_id))
                cascades.append(Cascade(producer, node_id, "", ()))
    for use in result.uses:
        if use.model not in models:
            continue
        path, line, column = use.place
        consumptions.append(Consumption(use.name, use.sources, path, line, column, use.scope, "column", use.via,
                                        comp_of.get(path, ROOT_COMPONENT), True))
    for write in result.writes:
        producer = alias.get(write.model, write.model)
        path, line, _ = write.place
        if producer not in models or ((path, line, write.artifact) not in data_writes and
                                      artifacts.is_model_artifact(projects.of_artifact(write.artifact).local(write.artifact))):
            continue
        known_outputs = outputs.setdefault(write.artifact, [])
        if any(o.model == producer for o in known_outputs):
            continue
        path, line, _ = write.place
        known_outputs.append(Output(write.artifact, producer, path, line, ()))
    return result.columns_written


def _mark_inputs(consumptions: List[Consumption], models: Dict[str, ModelNode], flows: Dict[str, Set[str]],
                 written, comp_of: Mapping[str, str]) -> List[Consumption]:
    """Which consumptions are model inputs: the columns a model of the same module is fitted on (the
    per-file facts), those :mod:`debtscan.project.flow` followed into a fit (already marked), and the columns
    selected into a file a model trains on (directly or through up to four files). A column used to filter
    rows or to join is none of these."""
    inputs: Set[Tuple[str, str]] = set()
    trained_on: Set[str] = set()
    for model in models.values():
        if model.kind is not ModelKind.FIT:
            continue
        inputs.update((model.path, name) for name in model.inputs)
        trained_on.update(model.sources)
    feeding: Set[str] = set(trained_on)
    upstream_of: Dict[str, Set[str]] = {}
    for upstream, derived in flows.items():
        for artifact in derived:
            upstream_of.setdefault(artifact, set()).add(upstream)
    frontier = list(trained_on)
    for _ in range(4):
        step = []
        for artifact in frontier:
            for upstream in upstream_of.get(artifact, ()):
                if upstream not in feeding:
                    feeding.add(upstream)
                    step.append(upstream)
        frontier = step
    out = []
    for item in consumptions:
        if not item.as_input and (item.path, item.name) in inputs:
            item = Consumption(item.name, item.sources, item.path, item.line, item.column, item.scope, item.kind,
                               item.via, item.component, True)
        out.append(item)
    from debtscan.project.flow import Col

    # what each model trains on, per file: a whole frame written there passes those columns through
    trained_names: Dict[str, Set[str]] = {}
    for model in models.values():
        if model.kind is ModelKind.FIT:
            for source in model.sources:
                trained_names.setdefault(source, set()).update(model.inputs)
    seen: Set[Tuple] = set()
    for write in written:
        if write.artifact not in feeding:
            continue
        cols = list(write.columns)
        if write.whole:
            made = dict(write.derived)
            names = trained_names.get(write.artifact, set())
            for name in sorted(names):
                if name in made:
                    cols.extend(made[name])   # computed from these columns
                elif write.sources:
                    # passed through: the column of the frame's source
                    cols.append(Col(name, frozenset(write.sources), write.place))
        for col in cols:
            path, line, column = col.place
            key = (col.name, col.sources, col.place)
            if key in seen:
                continue
            seen.add(key)
            out.append(Consumption(col.name, tuple(sorted(col.sources)), path, line, column, write.scope, "column",
                                   col.via, comp_of.get(path, ROOT_COMPONENT), True))
    return out


def _model_node(fact: ModelFact, path: str, component: str, resolve: _Resolve) -> ModelNode:
    node = ModelNode(f"model:{path}:{fact.line}", fact.name, fact.api, path, fact.line, fact.scope, component,
                     fact.kind)
    lists = {resolve.canonical(v, path) for v in fact.feature_lists}
    node.feature_lists = lists
    names = set(fact.inputs)
    for via in fact.feature_lists:
        names.update(resolve.names(via, path=path))
    targets: Set[str] = set()
    for via in fact.target_lists:
        targets.update(resolve.names(via, path=path))
    for target in fact.targets:
        if "." in target and resolve.names(target, path=path):
            targets.update(resolve.names(target, path=path))
        else:
            targets.add(target)
    node.targets = targets
    node.inputs = names - targets
    for sym in fact.input_sources:
        node.sources.update(resolve.sources(sym, path))
    if fact.artifact is not None:
        node.artifacts.update(resolve.sources(fact.artifact, path))
    for sym in fact.output_artifacts:
        node.output_artifacts.update(resolve.sources(sym, path))
    node.output_columns = {o.name for o in fact.outputs if o.kind is OutputKind.COLUMN}
    node.input_models = set(fact.input_models)
    return node


# -- the graph ------------------------------------------------------------------------------------
def signal_node(name: str, source: str = "") -> str:
    return f"signal:{name}@{source}" if source else f"signal:{name}"


def add_signal_nodes(graph: nx.MultiDiGraph, components: Components, layer: SignalLayer,
                     facts: Mapping[str, FileFacts]) -> None:
    """Draw the components, models, signals and their edges into the project's networkx graph."""
    for comp in sorted(components.members):
        graph.add_node(f"component:{comp}", kind="component", name=comp, label=f"component {comp}",
                       modules=len(components.members[comp]), test=Components.is_test(comp))
        for path in components.members[comp]:
            module = f"module:{path}"
            if module in graph:
                graph.nodes[module]["component"] = comp
                graph.add_edge(f"component:{comp}", module, kind="contains")
    for model in sorted(layer.models.values(), key=lambda m: m.id):
        api = model.api.rpartition(".")[2] if model.api not in ("", "?") else ""
        graph.add_node(model.id, kind="model", name=model.name, api=model.api, path=model.path,
                       line=model.line, component=model.component, model_kind=model.kind,
                       inputs=len(model.inputs),
                       label=f"model {model.name}" + (f": {api}" if api else "") + f" @ {model.path}:{model.line}")
        graph.add_edge(f"module:{model.path}", model.id, kind="defines", path=model.path, line=model.line)
        for artifact in sorted(model.output_artifacts):
            target = f"artifact:{artifact}"
            if target in graph:
                graph.add_edge(model.id, target, kind="produces", path=model.path, line=model.line)
        for column in sorted(model.output_columns):
            node = signal_node(column)
            _signal(graph, node, column, "")
            graph.nodes[node]["prediction"] = True
            graph.add_edge(model.id, node, kind="produces", path=model.path, line=model.line)
    seen: Set[Tuple[str, str]] = set()
    model_inputs: Dict[Tuple[str, str], List[ModelNode]] = {}
    for model in layer.models.values():
        for name in model.inputs:
            model_inputs.setdefault((model.path, name), []).append(model)
    for item in layer.consumptions:
        sources = item.sources or ("",)
        for source in sources:
            node = signal_node(item.name, source)
            _signal(graph, node, item.name, source)
            if source and f"artifact:{source}" in graph and (f"artifact:{source}", node) not in seen:
                seen.add((f"artifact:{source}", node))
                graph.add_edge(f"artifact:{source}", node, kind="provides")
            consumers = [m for m in model_inputs.get((item.path, item.name), ())
                         if not m.sources or not item.sources or source in m.sources]
            targets = [m.id for m in consumers] or [f"module:{item.path}"]
            for target in targets:
                if (node, target) in seen:
                    continue
                seen.add((node, target))
                graph.add_edge(node, target, kind="consumes", path=item.path, line=item.line)
    for path in sorted(facts):
        for signal in facts[path].signals:
            if signal.kind is not SignalKind.DERIVED or not signal.name:
                continue
            node = signal_node(signal.name)
            _signal(graph, node, signal.name, "")
            graph.nodes[node]["derived"] = True
            for name in signal.inputs:
                if name == signal.name:
                    continue
                source = signal_node(name)
                _signal(graph, source, name, "")
                if (source, node) not in seen:
                    seen.add((source, node))
                    graph.add_edge(source, node, kind="derives", path=path, line=signal.line)
    for cascade in layer.cascades:
        if cascade.producer in graph and cascade.consumer in graph and not cascade.artifact:
            graph.add_edge(cascade.producer, cascade.consumer, kind="feeds")
    for upstream, derived in sorted(layer.flows.items()):
        for artifact in sorted(derived):
            if f"artifact:{upstream}" in graph and f"artifact:{artifact}" in graph:
                graph.add_edge(f"artifact:{upstream}", f"artifact:{artifact}", kind="flows")


def _signal(graph: nx.MultiDiGraph, node: str, name: str, source: str) -> None:
    if node not in graph:
        label = f"{name} @ {source.rpartition('/')[2]}" if source else name
        graph.add_node(node, kind="signal", name=name, source=source, label=label)


# -- shared signals (DS301 and metrics.signals) ----------------------------------------------------
_ID_TOKENS = frozenset({"id", "ids", "uuid", "guid"})


def modeling_modules(models: Mapping[str, ModelNode], paths: Paths) -> Set[str]:
    """Modules that fit or use a model, or write a file: the places where a consumed signal matters."""
    out = {m.path for m in models.values()}
    out.update(a.module for a in paths.accesses if a.mode is IOMode.WRITE)
    return out


@functools.lru_cache(maxsize=65536)
def is_ubiquitous(name: str, patterns: Tuple[str, ...]) -> bool:
    """Whether a column name is an identifier, a time or a label (globs, case-insensitive; ``customerId`` and
    ``SK_ID_CURR`` are identifiers too). Cached: a repo asks about the same few names thousands of times."""
    lower = name.lower()
    if any(fnmatch.fnmatchcase(lower, p.lower()) for p in patterns):
        return True
    tokens = re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|[0-9]+", name)
    return any(t.lower() in _ID_TOKENS for t in tokens) and any(p.lower() in ("id", "*_id") for p in patterns)


DEFAULT_EXPLORATORY = (
    "eda", "explore", "exploration", "exploratory", "scratch", "sandbox", "playground", "untitled", "plot",
    "plots", "plotting", "viz", "visualize", "visualise", "visualization", "visualisation",
)
"""Words of a module's path (folders and file name, split at ``_``, ``-``, digits, spaces and case) that make
it exploration or plotting: not a consumer of signals (``jn/EDA_008_encoding.ipynb``, ``viz/plots.py``)."""


@functools.lru_cache(maxsize=65536)
def is_exploratory(path: str, words: Tuple[str, ...]) -> bool:
    tokens = re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])", path.rpartition(".")[0] if "." in path else path)
    return any(t.lower() in words for t in tokens)


def shared_signals(consumptions: Sequence[Consumption], models: Mapping[str, ModelNode], components: Components,
                   paths: Paths, projects: ProjectRoots, settings: SharedSignalSettings) -> List[SharedSignal]:
    """Signals consumed by two or more components of which at least two are disjoint (by the scan's
    :class:`~debtscan.config.SharedSignalSettings`). Signals of raw inputs (files under ``raw-data-dirs`` that
    nothing in the repo writes) count unless ``raw_inputs`` is off; with ``inputs_only`` only columns consumed
    as model inputs count; modules whose path says they are exploration or plotting (``exploratory`` words)
    never count.

    Cost: one pass over the consumptions to file them per (name, source), then per signal its components
    against each other (few), each disjointness test answered from the cached import reach of a component."""
    written = set(paths.writers)
    patterns = tuple(settings.ignore)
    targets: Dict[str, Set[str]] = {}  # per project: one project's label is another's feature
    if settings.ignore_targets:
        for model in models.values():
            targets.setdefault(projects.of(model.path).path, set()).update(model.targets)
    allowed = modeling_modules(models, paths) if settings.only_modeling_modules else None
    words = tuple(w.lower() for w in settings.exploratory)
    index: Dict[Tuple[str, str], List[Consumption]] = {}
    for item in consumptions:
        if Components.is_test(item.component) or item.name in targets.get(projects.of(item.path).path, ()) \
                or is_ubiquitous(item.name, patterns):
            continue
        if allowed is not None and item.path not in allowed and not item.as_input:
            continue
        if settings.inputs_only and not item.as_input:
            continue  # a filter, a key, a plot, a report: not what a model is trained on
        if words and is_exploratory(item.path, words):
            continue  # an exploratory notebook or a chart, even one that fits a quick model
        sources = item.sources or (("",) if settings.match_unknown_sources else ())
        if not settings.raw_inputs:
            sources = tuple(s for s in sources if not s or s in written or not paths.is_raw(s))
        for source in sources:
            index.setdefault((item.name, source), []).append(item)
    out = []
    for (name, source), items in sorted(index.items()):
        comps = sorted({c.component for c in items})
        if len(comps) < 2:
            continue
        if not any(components.disjoint(a, b) for i, a in enumerate(comps) for b in comps[i + 1:]):
            continue
        out.append(SharedSignal(name, source, tuple(items)))
    return out
