"""The repo graph: FileFacts of every file -> a networkx MultiDiGraph.

Nodes (attribute ``kind``): ``module`` (id ``module:<path>``), ``artifact`` (``artifact:<path>``),
``signal`` (``signal:<name>``), ``model`` (``model:<path>:<line>``). Edges (attribute ``kind``):
``imports`` (module -> module), ``writes`` (module -> artifact), ``reads`` (artifact -> module),
``matches`` (pattern artifact -> concrete artifact), ``consumes`` (signal -> module or model).
Every edge carries the source location (``path``, ``line``). Cross-file resolution happens here.
"""
from __future__ import annotations

import fnmatch
import os
import posixpath
import re
import shlex
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Set, Tuple

import networkx as nx

from debtscan.artifacts import ArtifactKind, table_id
from debtscan.discover import walk_folders
from debtscan.facts.model import FileFacts, IOFact
from debtscan.facts.values import Seq
from debtscan.liveness import Liveness
from debtscan.paths import (
    ConstantTable, ResolvedPath, Resolver, _literal_folder, leaves_root, matches, normalise, too_generic,
)
from debtscan.pipeline.declared import Declared, load_declared
from debtscan.pipeline.helpers import FunctionIndex, PlacedIO, place_io
from debtscan.pipeline.orchestrators import managed_artifacts, orchestrator_steps
from debtscan.pipeline.runners import Step, makefile_steps, parse_command, shell_steps


@dataclass(frozen=True)
class Access:
    """A resolved read or write of an artifact by a module, at a place.

    ``value`` is what was written (``prediction``, ``model`` or ``""``); ``via`` names the project helper
    the access went through (``utils.to_pickles``), if any; ``base`` how a relative path was anchored
    (``root``, ``script`` folder, ``file`` for ``__file__``-based, ``absolute``).
    """

    mode: str
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
    script_folders: Set[str] = field(default_factory=set)
    run_cwds: Dict[str, str] = field(default_factory=dict)
    unresolved: List[Tuple[str, int]] = field(default_factory=list)
    helper_instances: int = 0
    raw_data_dirs: Tuple[str, ...] = ("input", "data/raw")
    anchors: Dict[Tuple[str, int, int], Tuple[str, int]] = field(default_factory=dict)
    root: Optional[Path] = None
    io_sites: Dict[str, int] = field(default_factory=dict)
    liveness: Liveness = field(default_factory=Liveness)  # abandoned folders and dead blocks (DS5xx)

    def cwd_for(self, path: str) -> Optional[str]:
        """The folder a module runs from, for its relative paths: the ``cd`` of the runner that runs it, its
        own folder when its scripts run from there, a notebook's own folder (as Jupyter runs it); else the
        repo root (None)."""
        if path in self.run_cwds:
            return self.run_cwds[path] or None
        folder = posixpath.dirname(path)
        if folder in self.script_folders or path.endswith(".ipynb"):
            return folder or None
        return None

    def module_node(self, path: str) -> str:
        return f"module:{path}"

    @cached_property
    def writers(self) -> Dict[str, List[Access]]:
        out: Dict[str, List[Access]] = {}
        for access in self.accesses:
            if access.mode == "write":
                out.setdefault(access.artifact, []).append(access)
        return out

    @cached_property
    def readers(self) -> Dict[str, List[Access]]:
        out: Dict[str, List[Access]] = {}
        for access in self.accesses:
            if access.mode == "read":
                out.setdefault(access.artifact, []).append(access)
        return out

    def is_declared(self, artifact: str) -> bool:
        node = self.graph.nodes.get(f"artifact:{artifact}")
        return bool(node and node.get("declared"))

    @cached_property
    def all_handoffs(self) -> List[Tuple[Access, Access]]:
        """(write, read) pairs where a module reads what another module of the repo writes (including
        declared artifacts; saved models loaded for inference are left out)."""
        pairs = []
        exact_writes: Dict[str, List[Access]] = {}
        pattern_writes: List[Tuple[str, "re.Pattern[str]"]] = []
        floating_writes: Set[str] = set()
        for path, writes in self.writers.items():
            kept = [w for w in writes if not is_model_access(w) and not is_test_module(w.module)]
            if not kept or is_model_artifact(path):
                continue
            if "*" in path:
                if path.startswith("*") and not _literal_folder(path):
                    continue  # ``*/config.json``: could be any file of that name anywhere
                if all(w.floating for w in kept):
                    if not _literal_folder(_after_first_wildcard(path)):
                        continue  # f"{out}/config.json" run from scripts/: no folder the code names
                    floating_writes.add(path)
                pattern_writes.append((path, _pattern_regex(path)))
            exact_writes[path] = kept
        written = sorted(exact_writes)
        for read_path, reads in sorted(self.readers.items()):
            reads = [r for r in reads if not is_model_access(r) and not is_test_module(r.module)]
            if not reads:
                continue
            absolute = read_path.startswith(("/", "~"))
            if "*" in read_path:
                if read_path.startswith("*") and not _literal_folder(read_path):
                    continue
                floating = all(r.floating for r in reads)
                if floating and not _literal_folder(_after_first_wildcard(read_path)):
                    continue
                regex = _pattern_regex(read_path)
                # a pattern whose unknown part the code starts with (``f"{out}/x.csv"`` resolved from a
                # script folder) only meets exact files: two such guesses would meet everywhere
                candidates = [w for w in written
                              if ("*" not in w and regex.match(w)) or
                              ("*" in w and not floating and w not in floating_writes and matches(read_path, w))]
                candidates = _most_specific(read_path, candidates)
            elif read_path in exact_writes:
                # an exact writer explains the read; pattern writers (to_feature(df, "feature/train") writing
                # feature/train_*.f) would only be guesses
                candidates = [read_path]
            else:
                candidates = [w for w, rx in pattern_writes if w != read_path and rx.match(read_path)
                              and w.startswith(("/", "~")) == absolute]
            for write_path in sorted(set(candidates)):
                for write in exact_writes[write_path]:
                    for read in reads:
                        if write.module != read.module:
                            pairs.append((write, read))
        return pairs

    @cached_property
    def handoffs(self) -> List[Tuple[Access, Access]]:
        """The undeclared hand-offs: ``all_handoffs`` minus artifacts a dvc.yaml / Kedro catalog declares.

        Saved models loaded for inference (``models/churn.joblib``, ``*.pt``, ``joblib.dump(model, ...)``)
        are the normal train/serve boundary, not a data hand-off, and are left out.
        """
        return [(w, r) for w, r in self.all_handoffs
                if not (self.is_declared(w.artifact) and self.is_declared(r.artifact))]

    @cached_property
    def declared_handoffs(self) -> List[Tuple[Access, Access]]:
        return [(w, r) for w, r in self.all_handoffs
                if self.is_declared(w.artifact) and self.is_declared(r.artifact)]

    @cached_property
    def run_position(self) -> Dict[str, Tuple[str, int]]:
        """Script -> (runner, position) of the first runner that runs it."""
        out: Dict[str, Tuple[str, int]] = {}
        for step in self.steps:
            out.setdefault(step.script, (step.runner, step.order))
        return out

    @cached_property
    def flow(self) -> nx.DiGraph:
        """Module -> module data flow through undeclared intermediate files (edge attribute ``pairs``).

        Only certain links count: one side is an exact path, or both patterns name files of the same folder
        (``data/train/*.p`` written, ``data/train/*`` read). Two patterns that merely may overlap
        (``feature/train_*.f`` and a glob of ``feature/train*.f``) link every feature script to every other
        one and would make chains and cycles out of guesses.
        """
        graph = nx.DiGraph()
        for write, read in self.handoffs:
            if not certain_link(write.artifact, read.artifact):
                continue
            if graph.has_edge(write.module, read.module):
                graph[write.module][read.module]["pairs"].append((write, read))
            else:
                graph.add_edge(write.module, read.module, pairs=[(write, read)])
        return graph

    def order_key(self, module: str) -> Tuple:
        """Execution order of a script: its runner position when known, else its number prefix, else name."""
        position = self.run_position.get(module)
        match = re.match(r"(\d+)", posixpath.basename(module))
        return (0 if position else 1, position[1] if position else 0,
                int(match.group(1)) if match else 10 ** 9, module)

    @cached_property
    def chains(self) -> List[List[str]]:
        """The longest chain of modules linked by hand-offs in each connected part of the flow graph.

        Cycles (DS206's business) are broken by dropping edges that run against the execution order.
        """
        flow = self.flow
        dag = nx.DiGraph()
        dag.add_nodes_from(flow.nodes)
        for u, v in flow.edges:
            dag.add_edge(u, v)
        while not nx.is_directed_acyclic_graph(dag):
            cycle = nx.find_cycle(dag)
            worst = max(cycle, key=lambda e: (self.order_key(e[0]) > self.order_key(e[1]), self.order_key(e[0])))
            dag.remove_edge(worst[0], worst[1])
        out = []
        for component in sorted(nx.weakly_connected_components(dag), key=lambda c: sorted(c)[0]):
            sub = dag.subgraph(component)
            path = _longest_path(sub, self.order_key)
            if len(path) > 1:
                out.append(path)
        return sorted(out, key=lambda p: (-len(p), p))

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


def _after_first_wildcard(path: str) -> str:
    """``scripts/*/hub/config.json`` -> ``*/hub/config.json``: the part the code itself spelled out."""
    return "*" + path.split("*", 1)[1]


def _most_specific(read_path: str, candidates: List[str]) -> List[str]:
    """Writers that surely explain a pattern read: the same pattern, else the same literal file name.

    ``data/features/*/target.csv`` read is explained by the writer of ``data/features/*/target.csv``;
    a writer of ``data/features/*/*.csv`` only might be, so it is dropped when a surer writer exists.
    """
    same = [w for w in candidates if w == read_path]
    if same:
        return same
    name = read_path.rsplit("/", 1)[-1]
    if "*" not in name:
        named = [w for w in candidates if w.rsplit("/", 1)[-1] == name]
        if named:
            return named
    return candidates


def _longest_path(dag: nx.DiGraph, key) -> List[str]:
    best: Dict[str, Tuple[int, Tuple, Optional[str]]] = {}
    for node in nx.lexicographical_topological_sort(dag, key=key):
        length, _, _ = best.get(node, (0, (), None))
        for succ in dag.successors(node):
            candidate = (length + 1, key(node), node)
            if succ not in best or candidate[0] > best[succ][0]:
                best[succ] = candidate
        best.setdefault(node, (0, (), None))
    if not best:
        return []
    end = max(best, key=lambda n: (best[n][0], tuple(-x if isinstance(x, int) else 0 for x in key(n))))
    path = [end]
    while best[path[-1]][2] is not None:
        path.append(best[path[-1]][2])
    return list(reversed(path))


def _pattern_regex(pattern: str) -> "re.Pattern[str]":
    return re.compile(fnmatch.translate(pattern))


MODEL_SUFFIXES = (".joblib", ".pt", ".pth", ".ckpt", ".h5", ".hdf5", ".keras", ".onnx", ".safetensors", ".model",
                  ".cbm", ".bst", ".pb", ".tflite", ".bin")
MODEL_DIRS = ("models", "model", "checkpoints", "checkpoint", "ckpt", "weights", "saved_models", "saved_model")
MODEL_FORMATS = ("torch", "keras", "pretrained", "model")


def is_model_artifact(path: str) -> bool:
    """Whether a path names a saved model (by its folder or its suffix)."""
    parts = path.lower().split("/")
    return parts[-1].endswith(MODEL_SUFFIXES) or any(p in MODEL_DIRS for p in parts[:-1])


CODE_SUFFIXES = (".py", ".pyi", ".ipynb", ".md", ".rst", ".cfg", ".toml", ".ini", ".lock")


def is_model_access(access: Access) -> bool:
    """Whether an access saves or loads a model (by path, by format, or by what was written), or touches
    source code and documentation (code generators and model cards are no data hand-offs)."""
    return access.value == "model" or access.fmt in MODEL_FORMATS or is_model_artifact(access.artifact) \
        or access.artifact.lower().endswith(CODE_SUFFIXES) or access.fmt == "listing"


def certain_link(written: str, read: str) -> bool:
    """Whether a write and a read that match surely name the same file(s)."""
    if "*" not in written or "*" not in read or written == read:
        return True
    prefix_w = written.split("*", 1)[0]
    prefix_r = read.split("*", 1)[0]
    return prefix_w == prefix_r and prefix_w.endswith("/")


def is_test_module(path: str) -> bool:
    """Test code (``tests/``, ``test_*.py``, ``*_test.py``, ``conftest.py``) checks data, it is no pipeline step."""
    name = posixpath.basename(path)
    parts = path.split("/")[:-1]
    return name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py" or \
        any(p in ("tests", "test", "testing") for p in parts)


def walk_pipeline_files(root: Path, max_dirs: int = 5000) -> Tuple[List[str], List[str], List[str]]:
    """Runner files (``*.sh``, Makefiles), dvc.yaml files and Kedro catalogs, in one bounded walk."""
    runners: List[str] = []
    dvc: List[str] = []
    catalogs: List[str] = []
    visited = 0
    skip = {"node_modules", "__pycache__", "venv", "site-packages", "build", "dist", "env"}
    for directory, dirs, files in walk_folders(str(root)):  # iterative: any folder depth
        visited += 1
        if visited > max_dirs:
            break
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in skip)
        rel_dir = os.path.relpath(directory, root)
        rel_dir = "" if rel_dir == "." else rel_dir.replace(os.sep, "/")
        for name in sorted(files):
            rel = posixpath.join(rel_dir, name) if rel_dir else name
            if name.endswith(".sh") or name in ("Makefile", "makefile", "GNUmakefile"):
                if len(runners) < 200:
                    runners.append(rel)
            elif name in ("dvc.yaml", "dvc.yml"):
                dvc.append(rel)
            elif re.match(r"catalog.*\.ya?ml$", name) and "conf" in rel.split("/"):
                catalogs.append(rel)
    return runners, dvc, catalogs


def module_name_for(path: str, package_dirs: Sequence[str]) -> Tuple[str, bool]:
    """Dotted module name of a repo-relative path, given which folders are packages (hold ``__init__.py``)."""
    packages = set(package_dirs)
    directory, filename = posixpath.split(path)
    stem = filename.rsplit(".", 1)[0]
    is_package = stem == "__init__"
    parts = [] if is_package else [stem]
    while directory and directory in packages:
        parts.insert(0, posixpath.basename(directory))
        directory = posixpath.dirname(directory)
    if not parts:
        parts = [posixpath.basename(posixpath.dirname(path)) or stem]
    return ".".join(p.replace("-", "_").replace(" ", "_") for p in parts), is_package


def _resolve_import(target: str, importer: str, modules: Dict[str, List[str]]) -> Optional[str]:
    name = target
    while name:
        candidates = modules.get(name)
        if candidates:
            if len(candidates) == 1:
                return candidates[0]
            directory = posixpath.dirname(importer)
            for candidate in candidates:
                if posixpath.dirname(candidate) == directory:
                    return candidate
            return None
        name = name.rpartition(".")[0]
    return None


def resolve_io(resolver: Resolver, fact: IOFact, module_file: str, cwd: Optional[str] = None) -> List[ResolvedPath]:
    """The repo-relative paths (or patterns) an I/O fact may touch; ``cwd`` the folder the script runs in."""
    out = []
    for text, exact in resolver.strings(fact.path, module_file):
        if fact.target == "table":
            name = table_id(text)
            if name is not None:
                out.append(ResolvedPath(name, exact and "*" not in name, "warehouse",
                                        kind=ArtifactKind.WAREHOUSE_TABLE))
            continue
        resolved = normalise(text, module_file, cwd)
        if resolved is None:
            continue
        if not exact and resolved.exact:
            resolved = ResolvedPath(resolved.path, False, resolved.base, kind=resolved.kind)
        written = text.split("/", 1)[1] if text.startswith("@repo/") else text
        while written.startswith(("../", "./")):
            written = written.split("/", 1)[1]
        if too_generic(resolved.path) or too_generic(written):
            continue
        if written.startswith("*") and not resolved.path.startswith("*"):
            resolved = ResolvedPath(resolved.path, resolved.exact, resolved.base, True, resolved.kind)
        out.append(resolved)
    return out


def _script_folders(resolver: Resolver, placed: Sequence[PlacedIO], root: Optional[Path]) -> Set[str]:
    """Folders whose scripts run from their own folder: a relative path in them leaves the repo when taken
    from the root but stays inside from the folder (``../input/x.csv`` in ``py/``), or names a folder that
    exists next to the script and not at the root (``LOG/`` in ``a/``)."""
    folders: Set[str] = set()
    checked: Set[Tuple[str, str]] = set()
    for item in placed:
        if item.via:
            continue
        directory = posixpath.dirname(item.caller)
        if not directory or directory in folders:
            continue
        for text, _ in resolver.strings(item.fact.path, item.path):
            if leaves_root(text):
                inside = posixpath.normpath(posixpath.join(directory, text))
                if not inside.startswith(".."):
                    folders.add(directory)
                    break
            elif root is not None and "/" in text and not text.startswith(("/", "~", "@repo", "*")):
                first = text.split("/", 1)[0]
                if "*" in first or (directory, first) in checked:
                    continue
                checked.add((directory, first))
                if (root / directory / first).is_dir() and not (root / first).is_dir():
                    folders.add(directory)
                    break
    return folders


def _run_steps(project: "Project", resolver: Resolver, root: Optional[Path], runner_files: Sequence[str]) -> List[Step]:
    known: Dict[str, str] = {path: path for path in project.facts}
    for module, paths in project.modules.items():
        if len(paths) == 1:
            known["module:" + module] = paths[0]
    steps: List[Step] = []
    for path in sorted(project.facts):
        order = 0
        for run in project.facts[path].runs:
            cwd = ""
            if run.cwd is not None:
                texts = resolver.strings(run.cwd, path)
                if texts and "*" not in texts[0][0]:
                    normal = normalise(texts[0][0], path)
                    cwd = normal.path if normal is not None and normal.base != "absolute" else ""
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
                found, _ = parse_command(command, cwd, known, posixpath.dirname(path))
                for script, folder in found:
                    steps.append(Step(script, folder, path, run.line, order))
                    order += 1
    steps.extend(orchestrator_steps(project.facts, project.modules, resolver, known))  # Airflow, Prefect...
    if root is not None:
        for rel in runner_files:
            if rel.endswith(".sh"):
                steps.extend(shell_steps(root, rel, known))
            else:
                steps.extend(makefile_steps(root, rel, known))
    return steps


def build_project(facts: Dict[str, FileFacts], root: Optional[Path] = None, config=None) -> Project:
    """Build the graph and the resolved accesses from the facts of every file.

    ``root`` (the scan root) lets runners (shell scripts, Makefiles) and declared pipelines (dvc.yaml,
    Kedro catalogs) be read, and script folders be recognised by the data folders next to them.
    """
    graph = nx.MultiDiGraph()
    modules: Dict[str, List[str]] = {}
    constants = ConstantTable()
    for path in sorted(facts):
        fact = facts[path]
        graph.add_node(f"module:{path}", kind="module", path=path, module=fact.module, notebook=fact.notebook)
        modules.setdefault(fact.module, []).append(path)
        constants.add_module(fact.module, path, fact.constants, fact.imports)
    for path in sorted(facts):
        for imported in facts[path].imports:
            target = _resolve_import(imported.target, path, modules)
            if target is not None and target != path:
                graph.add_edge(f"module:{path}", f"module:{target}", kind="imports", path=path, line=imported.line)
    resolver = Resolver(constants)
    project = Project(graph=graph, facts=facts, modules=modules, resolver=resolver)
    if config is not None and getattr(config, "raw_data_dirs", None) is not None:
        project.raw_data_dirs = tuple(config.raw_data_dirs)
    runner_files: List[str] = []
    if root is not None:
        runner_files, dvc_files, catalog_files = walk_pipeline_files(Path(root))
        project.declared = load_declared(Path(root), dvc_files, catalog_files)
    index = FunctionIndex(facts, modules, constants.aliases)
    imported = {v.split(":", 1)[1] for u, v, d in graph.edges(data=True) if d.get("kind") == "imports"}
    placed, project.helper_instances = place_io(facts, index, imported)
    project.steps = _run_steps(project, resolver, Path(root) if root is not None else None, runner_files)
    for step in project.steps:
        project.run_cwds.setdefault(step.script, step.cwd)
    project.script_folders = _script_folders(resolver, placed, Path(root) if root is not None else None)
    project.root = Path(root) if root is not None else None
    sites = {"exact": 0, "pattern": 0, "unresolved": 0}
    project.io_sites = sites
    for item in placed:
        fact = item.fact
        path = item.path
        cwd = project.cwd_for(item.caller)
        resolved_paths = resolve_io(resolver, fact, path, cwd)
        if not resolved_paths:
            project.unresolved.append((path, fact.line))
            sites["unresolved"] += 1
        elif all(r.exact for r in resolved_paths):
            sites["exact"] += 1
        else:
            sites["pattern"] += 1
        if any(r.base == "absolute" for r in resolved_paths):
            anchor = resolver.anchor(fact.path, path)
            if anchor is not None and anchor[0]:
                project.anchors[(path, fact.line, fact.column)] = anchor
        for resolved in resolved_paths:
            api = fact.api if not item.via else f"{fact.api} via {item.via}"
            access = Access(fact.mode, resolved.path, resolved.exact, resolved.base, path, fact.line,
                            fact.column, api, fact.fmt, fact.scope, fact.value, item.via,
                            resolved.floating or resolved.path.startswith("*"), resolved.kind)
            project.accesses.append(access)
            node = f"artifact:{resolved.path}"
            if node not in graph:
                graph.add_node(node, kind="artifact", path=resolved.path, exact=resolved.exact,
                               base=resolved.base, declared=False, model_output=False, model_artifact=False,
                               artifact_kind=resolved.kind.value)
            data = graph.nodes[node]
            if fact.mode == "write" and fact.value == "prediction":
                data["model_output"] = True
            if is_model_access(access):
                data["model_artifact"] = True
            edge = dict(kind="writes" if fact.mode == "write" else "reads", path=path, line=fact.line,
                        api=api, base=resolved.base)
            if item.via:
                edge["via"] = item.via
            if fact.mode == "write":
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
    for pattern in artifacts:
        if graph.nodes[pattern]["exact"]:
            continue
        regex = _pattern_regex(graph.nodes[pattern]["path"])
        for other in artifacts:
            if other != pattern and (regex.match(graph.nodes[other]["path"]) or
                                     (not graph.nodes[other]["exact"] and
                                      matches(graph.nodes[pattern]["path"], graph.nodes[other]["path"]))):
                graph.add_edge(pattern, other, kind="matches")
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
    from debtscan.signals_graph import add_signal_layer  # components, signals and models (DS3xx)
    add_signal_layer(project, config)
    return project
