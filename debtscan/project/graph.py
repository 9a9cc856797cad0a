"""Building the project: FileFacts of every file -> a frozen :class:`~debtscan.project.model.Project`,
whose parts are resolved here and whose networkx MultiDiGraph is drawn from them (:func:`_draw`).

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
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Dict, FrozenSet, List, Mapping, Optional, Sequence, Set, Tuple

if TYPE_CHECKING:  # imported by _draw: a scan whose rules and report read no graph never loads networkx
    import networkx as nx

from debtscan.artifacts import ArtifactKind, ArtifactRole, role_of, table_id
from debtscan.clones import families
from debtscan.config import Config
from debtscan.facts.model import FileFacts, IOFact, IOMode, IOTarget
from debtscan.facts.values import Seq
from debtscan.knowledge import knowledge_for
from debtscan.knowledge.tables import Tables
from debtscan.liveness import Liveness
from debtscan.sources.discover import SourceSet
from debtscan.project.composition import build_composition
from debtscan.project.imports import Imports, build_imports
from debtscan.project.external import build_external_world
from debtscan.project.folders import imported_only, inherited_cwds
from debtscan.project.kinds import certain_link, is_model_access, is_test_module
from debtscan.project.accesses import Access, Paths
from debtscan.project.model import (
    FlowHubs, HandoffGroup, Pipeline, Project, cwd_for, handoff_triples, order_key, run_positions,
)
from debtscan.project.paths import (
    OUTSIDE_PROJECTS, ConstantTable, PathBase, PathIndex, ResolvedPath, Resolver, _literal_folder, matches,
    normalise, too_generic,
)
from debtscan.project.pipeline.declared import Declared, dvc_steps, load_declared
from debtscan.project.argv import Arguments
from debtscan.project.calls import Functions
from debtscan.project.flow import FrameColumns
from debtscan.project.pipeline.helpers import PlacedIO, place_io
from debtscan.project.pipeline.kedro import node_handoffs
from debtscan.project.pipeline.metaflow import step_handoffs
from debtscan.project.pipeline.orchestrators import managed_artifacts, orchestrator_steps
from debtscan.project.pipeline.runners import Step, makefile_steps, parse_invocations, readme_steps, shell_steps
from debtscan.project.roots import SCAN_ROOT, ProjectRoot, ProjectRoots, find_project_roots
from debtscan.project.segments import contained, pattern_regex, segment_overlap, segments
from debtscan.project.variants import switch_variants, with_variants
from debtscan.project.signals import (
    Components, SignalLayer, add_signal_nodes, build_components, build_signal_layer,
)


def _project_handoffs(writes: Dict[str, Tuple[str, List[Access]]],
                      reads: Dict[str, Tuple[str, List[Access]]]) -> List[HandoffGroup]:
    """The hand-off groups of one project; ``writes`` and ``reads`` map project-relative paths to (the
    scan-relative path, its accesses). See :attr:`Project.all_handoff_groups` for the cost."""
    kept: Dict[str, Tuple[str, List[Access]]] = {}
    patterns = PathIndex()
    floating_writes: Set[str] = set()
    # files written one per named column (``feature/train_f1_age.f``): an exact read meets the file, a
    # pattern read (``glob("feature/train_*.f")``, a list computed at run time) the family's pattern, as if
    # the names were not known (which of the files a computed list holds the code does not say)
    members: Set[str] = set()
    families: Dict[str, Tuple[str, List[Access]]] = {}
    for local, (path, accesses) in writes.items():
        if "*" not in local and accesses and all(a.family for a in accesses):
            members.add(local)
            for access in accesses:
                slot = families.setdefault(access.family_local, (access.family, []))
                slot[1].append(access)
    writes = dict(writes)
    for local, (path, accesses) in families.items():
        if local in writes:
            writes[local] = (writes[local][0], list(writes[local][1]) + accesses)
        else:
            writes[local] = (path, accesses)
    for local, (path, accesses) in writes.items():
        if "*" in local:
            anchored = all(w.base is PathBase.FILE for w in accesses)  # beside the writing file: a known folder
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
                          if ("*" not in w and w not in members and regex.match(w)) or
                          ("*" in w and not floating and w not in floating_writes and matches(read_local, w))]
            candidates = _most_specific(read_local, candidates)
        elif read_local in kept:
            # an exact writer explains the read; pattern writers (to_feature(df, "feature/train") writing
            # feature/train_*.f) would only be guesses
            candidates = [read_local]
        else:
            candidates = [w for w in patterns.candidates(read_local) if w != read_local and w not in families
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
                out.append((ResolvedPath(name, exact and "*" not in name, PathBase.WAREHOUSE,
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
        lies_in = (SCAN_ROOT if resolved.base in OUTSIDE_PROJECTS
                   else projects.of_artifact(resolved.path))
        local = lies_in.local(resolved.path)
        if (too_generic(local) and resolved.base is not PathBase.FILE) or too_generic(written):
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


def _run_steps(facts: Dict[str, FileFacts], modules: Dict[str, List[str]], projects: ProjectRoots,
               resolver: Resolver, sources: Optional[SourceSet]) -> List[Step]:
    """Scripts run by other scripts and by runner files. A runner that says nothing of its folder runs from
    its project's folder (for a runner of the scan root: the scan root)."""
    known: Dict[str, str] = {path: path for path in facts}
    for module, paths in modules.items():
        if len(paths) == 1:
            known["module:" + module] = paths[0]
    steps: List[Step] = []
    for path in sorted(facts):
        order = 0
        home = projects.of(path).path
        for run in facts[path].runs:
            cwd = home
            if run.cwd is not None:
                texts = resolver.strings(run.cwd, path)
                if texts and "*" not in texts[0][0]:
                    normal = normalise(texts[0][0], path, None, home)
                    cwd = normal.path if normal is not None and normal.base is not PathBase.ABSOLUTE else home
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
    steps.extend(orchestrator_steps(facts, modules, resolver, known, lambda p: projects.of(p).path))  # Airflow, Prefect...
    if sources is not None:
        for rel in sources.runners:
            text = sources.texts.get(rel)
            found = shell_steps(text, rel, known) if rel.endswith(".sh") else makefile_steps(text, rel, known)
            home = projects.of(rel).path
            steps.extend(replace(step, cwd=home) if not step.cwd and home else step for step in found)
        steps.extend(dvc_steps(sources.texts, sources.dvc, known))  # dvc.yaml stages' cmd
    return steps


def _readme_steps(facts: Dict[str, FileFacts], modules: Dict[str, List[str]],
                  sources: Optional[SourceSet]) -> List[Step]:
    """The commands README code blocks give (``python -m pkg.stage data/root/``), from the README's folder."""
    if sources is None:
        return []
    known: Dict[str, str] = {path: path for path in facts}
    for module, paths in modules.items():
        if len(paths) == 1:
            known["module:" + module] = paths[0]
    steps: List[Step] = []
    for rel in sources.readmes:
        steps.extend(readme_steps(sources.texts.get(rel), rel, known))
    return steps


def build_project(facts: Dict[str, FileFacts], root: Optional[Path] = None, config: Optional[Config] = None,
                  sources: Optional[SourceSet] = None, liveness: Optional[Liveness] = None) -> Project:
    """Build the project, every part of it, from the facts of every file: the one place cross-file work is
    done; it never touches the disk. Rules, metrics and exports only read the result.

    ``sources`` (the scan's walk, :class:`~debtscan.sources.discover.SourceSet`) gives the runners (shell
    scripts, Makefiles) and declared pipelines (dvc.yaml, Kedro catalogs) with their text, and the folder
    listings by which project roots (:mod:`debtscan.project.roots`) and script folders are recognised;
    ``liveness`` is what :func:`debtscan.liveness.split_live` set apart.

    Cost of the cross-file phase, for F files, A accesses, P artifacts: module and constant tables O(F);
    imports O(imports x depth); the value-flow core for C call sites O(C x ``MAX_DEPTH``) (returned paths and
    frame columns memoised) and helper I/O O(C x ``MAX_DEPTH``); path resolution O(A) (a bounded number of
    variants per access); project
    roots O(folders); pattern artifacts matched through a :class:`~debtscan.project.paths.PathIndex` per project,
    O(P log P + matches); hand-offs grouped per artifact (:func:`handoff_groups`); the signal layer
    (:func:`debtscan.project.signals.build_signal_layer`) linear in signals and models likewise.
    """
    config = config if config is not None else Config()
    root = Path(root) if root is not None else None
    modules: Dict[str, List[str]] = {}
    projects = find_project_roots(sources, facts, config.project_roots)
    constants = ConstantTable(scope=lambda path: projects.of(path).path)
    scoped_modules: Dict[Tuple[str, str], List[str]] = {}
    for path in sorted(facts):
        fact = facts[path]
        modules.setdefault(fact.module, []).append(path)
        scoped_modules.setdefault((projects.of(path).path, fact.module), []).append(path)
        constants.add_module(fact.module, path, fact.constants, fact.imports)
    imports = build_imports(facts, modules, projects, scoped_modules)
    knowledge = knowledge_for(config.io, config.knowledge)  # the scan's catalogues, with [tool.debtscan.knowledge]
    tables = knowledge.tables  # signals.toml
    resolver = Resolver(constants, tables.paths.properties)
    declared = Declared()
    if sources is not None:
        declared = load_declared(sources.texts, sources.dvc, sources.catalogs)
    index = Functions(facts, lambda p: projects.of(p).path)  # the value-flow core's one function index
    # paths through calls, by the value-flow core: helpers' I/O, paths functions return, per-column files
    frames = FrameColumns(facts, lambda via, path: constants.names(via, path))
    placed, helper_instances = place_io(facts, index, set(imports.imported), frames)
    steps = _run_steps(facts, modules, projects, resolver, sources)
    metaflow = tuple(step_handoffs(facts))  # Metaflow artifacts between steps
    kedro = tuple(node_handoffs(facts, declared))  # Kedro datasets between nodes
    run_cwds: Dict[str, str] = {}
    for step in steps:
        run_cwds.setdefault(step.script, step.cwd)
    readme = tuple(_readme_steps(facts, modules, sources))
    for step in readme:  # what nothing runs, a README says how to run (python -m from its root)
        run_cwds.setdefault(step.script, step.cwd)
    arguments = Arguments(facts, steps, readme)
    # modules only imported (no runner, no __main__ guard) run in their importers' folder, not their own
    importers: Dict[str, Set[str]] = {}
    for edge in imports.edges:
        importers.setdefault(edge.target, set()).add(edge.importer)
    library = imported_only(facts, importers, run_cwds)
    script_folders = frozenset(_script_folders(resolver, [p for p in placed if p.caller not in library],
                                               sources, projects))
    for module, folder in inherited_cwds(library, importers, lambda path: cwd_for(run_cwds, script_folders, path),
                                         lambda p: projects.of(p).path).items():
        run_cwds.setdefault(module, folder)
    variants = switch_variants(facts, lambda p: projects.of(p).path)  # dataset switches and their configs
    paths = _resolve_accesses(placed, resolver, projects, run_cwds, script_folders,
                              tuple(config.raw_data_dirs) if config.raw_data_dirs is not None else ("input", "data/raw"),
                              variants, arguments)
    for artifact, source in managed_artifacts(facts, paths.writers, paths.readers, is_test_module).items():
        declared.paths.setdefault(artifact, source)  # Dagster, dbt, Luigi
    pipeline = _build_pipeline(paths, declared, tuple(steps), run_cwds, helper_instances, tables, metaflow, kedro,
                               readme)
    components = build_components(facts, imports, projects, config.components or {})
    signals = build_signal_layer(facts, paths, projects, components,
                                 lambda path: cwd_for(run_cwds, script_folders, path), config.shared_signals,
                                 tables.artifacts, tables.predictions)
    clones = config.clones
    return Project(facts=facts, modules=modules, projects=projects, root=root, sources=sources,
                   liveness=liveness if liveness is not None else Liveness(), tables=tables, imports=imports,
                   paths=paths, pipeline=pipeline, components=components, signals=signals,
                   composition=build_composition(facts, knowledge), external=build_external_world(facts, signals),
                   clones=tuple(families(facts, clones.similarity, clones.helper_similarity, clones.min_statements)),
                   drawing=lambda: _draw(facts, projects, imports, paths, pipeline, components, signals, tables))


def _resolve_accesses(placed: Sequence[PlacedIO], resolver: Resolver, projects: ProjectRoots,
                      run_cwds: Dict[str, str], script_folders: FrozenSet[str],
                      raw_data_dirs: Tuple[str, ...], variants: Mapping[str, Mapping[str, Tuple[str, ...]]],
                      arguments: Arguments) -> Paths:
    """Every placed I/O call resolved to the artifacts it may touch: O(A), a bounded number of variants each
    (a script's dataset switches, ``variants``, read as every value its config modules set; its command-line
    arguments once per invocation, ``arguments``)."""
    accesses: List[Access] = []
    unresolved: List[Tuple[str, int]] = []
    anchors: Dict[Tuple[str, int, int], Tuple[str, int]] = {}
    sites = {"exact": 0, "pattern": 0, "unresolved": 0}
    for item in placed:
        fact = item.fact
        path = item.path
        if path in variants and not item.via:
            fact = with_variants(fact, variants[path])
        cwd = cwd_for(run_cwds, script_folders, item.caller)
        resolved_paths: List[Tuple[ResolvedPath, ProjectRoot]] = []
        uncertain: Set[str] = set()  # paths only a README's command gives
        for variant, certain in arguments.variants(fact, item.caller, path,  # once per invocation's argv
                                                   cwd if cwd is not None else projects.of(item.caller).path):
            for resolved, lies_in in resolve_io(resolver, variant, path, cwd, projects):
                if all(resolved.path != r.path for r, _ in resolved_paths):
                    resolved_paths.append((resolved, lies_in))
                    if not certain:
                        uncertain.add(resolved.path)
        if not resolved_paths:
            unresolved.append((path, fact.line))
            sites["unresolved"] += 1
        elif all(r.exact for r, _ in resolved_paths):
            sites["exact"] += 1
        else:
            sites["pattern"] += 1
        if any(r.base is PathBase.ABSOLUTE for r, _ in resolved_paths):
            anchor = resolver.anchor(fact.path, path)
            if anchor is not None and anchor[0]:
                anchors[(path, fact.line, fact.column)] = anchor
        family = ""
        if item.family is not None:
            # one file per named column: the family's pattern, for the reads that name no file
            families = {r.path for r, _ in resolve_io(resolver, replace(fact, path=item.family), path, cwd,
                                                        projects) if not r.exact}
            family = families.pop() if len(families) == 1 else ""
        for resolved, lies_in in resolved_paths:
            api = fact.api if not item.via else f"{fact.api} via {item.via}"
            accesses.append(Access(fact.mode, resolved.path, resolved.exact, resolved.base, path, fact.line,
                                   fact.column, api, fact.fmt, fact.scope, fact.value, item.via,
                                   resolved.floating or (lies_in.local(resolved.path).startswith("*")
                                                         and resolved.base is not PathBase.FILE),
                                   resolved.kind, lies_in.path, resolved.path not in uncertain, item.at,
                                   family if resolved.exact else ""))
    return Paths(resolver, tuple(accesses), anchors, sites, tuple(unresolved), script_folders, raw_data_dirs)


def _build_pipeline(paths: Paths, declared: Declared, steps: Tuple[Step, ...], run_cwds: Dict[str, str],
                    helper_instances: int, tables: Tables, metaflow: Tuple, kedro: Tuple,
                    readme: Tuple[Step, ...]) -> Pipeline:
    """Hand-offs, the flow through them, its chains and loops. O(A log A) for the hand-offs (see
    :func:`handoff_groups`), O((V + E) log V) for the chains on the hub graph."""
    artifacts = {a.artifact for a in paths.accesses}
    declared_artifacts = frozenset(a for a in artifacts if declared.source_of(a) is not None)
    every = handoff_groups(paths, tables)
    undeclared = tuple(g for g in every if g.count
                       and not (g.written in declared_artifacts and g.read in declared_artifacts))
    declared_groups = tuple(g for g in every if g.count
                            and g.written in declared_artifacts and g.read in declared_artifacts)
    hubs = FlowHubs([g for g in undeclared
                     if not g.ambiguous and certain_link(_written_local(g), g.reads[0].local)])
    positions = run_positions(steps)
    chains = tuple(hubs.chains(lambda module: order_key(positions, module)))
    return Pipeline(declared, steps, run_cwds, helper_instances, declared_artifacts, tuple(every), undeclared,
                    declared_groups, hubs, chains, tuple(hubs.loops()), metaflow, kedro, readme)


def _written_local(group: HandoffGroup) -> str:
    """The written path of a hand-off group relative to its project: the family's pattern when a pattern
    read meets files written one per named column (``feature/train_f1_*.f``), else the file written."""
    first = group.writes[0]
    return first.family_local if first.family and group.written == first.family else first.local


def handoff_groups(paths: Paths, tables: Tables) -> List[HandoffGroup]:
    """Where a module reads what another module of its project writes (declared artifacts included; saved
    models loaded for inference and test code left out), grouped per (written path, read path).

    Paths meet only within the project they lie in (a path that leaves its project, ``../other/x.csv``,
    lies in the other one), compared relative to it. Cost: O(A log A) to index the A written paths of a
    project by their literal ends (:class:`~debtscan.project.paths.PathIndex`), then per read path one look-up
    and a match against the candidates it returns; no pair of accesses is formed.
    """
    artifacts = tables.artifacts
    writes_by: Dict[str, Dict[str, Tuple[str, List[Access]]]] = {}
    data_written: Set[str] = set()  # exact paths some write says hold data (joblib.dump(frame, ...))
    for path, writes in paths.writers.items():
        kept = [w for w in writes if not is_model_access(w, artifacts) and not is_test_module(w.module)]
        if kept:
            writes_by.setdefault(kept[0].project, {})[kept[0].local] = (path, kept)
            data_written.add(path)
    reads_by: Dict[str, Dict[str, Tuple[str, List[Access]]]] = {}
    for path, reads in paths.readers.items():
        # a read whose API does not say what it loads (joblib.load) follows what was written there
        kept = [r for r in reads if not is_test_module(r.module) and
                (not is_model_access(r, artifacts) or (path in data_written and r.value != "model"
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


def _draw(facts: Dict[str, FileFacts], projects: ProjectRoots, imports: Imports, paths: Paths,
          pipeline: Pipeline, components: Components, signals: SignalLayer, tables: Tables) -> nx.MultiDiGraph:
    """The networkx graph of the project, drawn from its parts (see the module's docstring for its nodes and
    edges): for the exports and for rules that want a graph."""
    import networkx as nx

    graph = nx.MultiDiGraph()
    for path in sorted(facts):
        fact = facts[path]
        graph.add_node(f"module:{path}", kind="module", path=path, module=fact.module, notebook=fact.notebook,
                       project=projects.of(path).path)
    for edge in imports.edges:
        graph.add_edge(f"module:{edge.importer}", f"module:{edge.target}", kind="imports", path=edge.importer,
                       line=edge.line)
    for access in paths.accesses:
        node = f"artifact:{access.artifact}"
        if node not in graph:
            graph.add_node(node, kind="artifact", path=access.artifact, exact=access.exact,
                           base=access.base.value, declared=False, model_output=False, model_artifact=False,
                           project=access.project, artifact_kind=access.kind.value)
        data = graph.nodes[node]
        if access.mode is IOMode.WRITE and access.value == "prediction":
            data["model_output"] = True
        if is_model_access(access, tables.artifacts):
            data["model_artifact"] = True
        edge = dict(kind="writes" if access.mode is IOMode.WRITE else "reads", path=access.module, line=access.line,
                    api=access.api, base=access.base.value)
        if access.via:
            edge["via"] = access.via
        if access.mode is IOMode.WRITE:
            graph.add_edge(f"module:{access.module}", node, **edge)
        else:
            graph.add_edge(node, f"module:{access.module}", **edge)
    artifacts = sorted(n for n, d in graph.nodes(data=True) if d["kind"] == "artifact")
    for node in artifacts:
        source = pipeline.declared.source_of(graph.nodes[node]["path"])
        if source is not None:
            graph.nodes[node]["declared"] = True
            graph.nodes[node]["declared_in"] = source
    _add_match_edges(graph, artifacts, projects)
    for step in pipeline.steps:
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
    add_signal_nodes(graph, components, signals, facts)
    return graph
