"""The repo graph: FileFacts of every file -> a networkx MultiDiGraph.

Nodes (attribute ``kind``): ``module`` (id ``module:<path>``), ``artifact`` (``artifact:<path>``),
``signal`` (``signal:<name>``), ``model`` (``model:<path>:<line>``). Edges (attribute ``kind``):
``imports`` (module -> module), ``writes`` (module -> artifact), ``reads`` (artifact -> module),
``matches`` (pattern artifact -> concrete artifact), ``consumes`` (signal -> module or model).
Every edge carries the source location (``path``, ``line``). Cross-file resolution happens here.
"""
from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from functools import cached_property
from typing import Dict, List, Optional, Sequence, Tuple

import networkx as nx

from debtscan.facts.model import FileFacts, IOFact
from debtscan.paths import ConstantTable, ResolvedPath, Resolver, matches, normalise


@dataclass(frozen=True)
class Access:
    """A resolved read or write of an artifact by a module, at a place."""

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


@dataclass
class Project:
    """Everything rules see: the graph, the facts by path, and the resolved artifact accesses."""

    graph: nx.MultiDiGraph
    facts: Dict[str, FileFacts]
    accesses: List[Access] = field(default_factory=list)
    modules: Dict[str, List[str]] = field(default_factory=dict)
    resolver: Optional[Resolver] = None

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

    @cached_property
    def handoffs(self) -> List[Tuple[Access, Access]]:
        """(write, read) pairs where a module reads what another module of the repo writes.

        Saved models loaded for inference (``models/churn.joblib``, ``*.pt``) are the normal train/serve
        boundary, not a data hand-off, and are left out.
        """
        pairs = []
        written = sorted(w for w in self.writers if not is_model_artifact(w))
        for read_path, reads in sorted(self.readers.items()):
            for write_path in written:
                if not matches(read_path, write_path):
                    continue
                for write in self.writers[write_path]:
                    for read in reads:
                        if write.module != read.module:
                            pairs.append((write, read))
        return pairs

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


MODEL_SUFFIXES = (".joblib", ".pt", ".pth", ".ckpt", ".h5", ".keras", ".onnx", ".safetensors", ".model", ".cbm",
                  ".bst", ".pb", ".tflite")
MODEL_DIRS = ("models", "model", "checkpoints", "ckpt", "weights")


def is_model_artifact(path: str) -> bool:
    """Whether a path names a saved model (by its folder or its suffix)."""
    parts = path.lower().split("/")
    return parts[-1].endswith(MODEL_SUFFIXES) or any(p in MODEL_DIRS for p in parts[:-1])


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


def resolve_io(resolver: Resolver, fact: IOFact, module_file: str) -> List[ResolvedPath]:
    """The repo-relative paths (or patterns) an I/O fact may touch."""
    out = []
    for text, exact in resolver.strings(fact.path, module_file):
        resolved = normalise(text, module_file)
        if resolved is None:
            continue
        if not exact and resolved.exact:
            resolved = ResolvedPath(resolved.path, False, resolved.base)
        out.append(resolved)
    return out


def build_project(facts: Dict[str, FileFacts]) -> Project:
    """Build the graph and the resolved accesses from the facts of every file."""
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
    for path in sorted(facts):
        for fact in facts[path].io:
            for resolved in resolve_io(resolver, fact, path):
                access = Access(fact.mode, resolved.path, resolved.exact, resolved.base, path, fact.line,
                                fact.column, fact.api, fact.fmt, fact.scope)
                project.accesses.append(access)
                node = f"artifact:{resolved.path}"
                if node not in graph:
                    graph.add_node(node, kind="artifact", path=resolved.path, exact=resolved.exact,
                                   base=resolved.base)
                edge = dict(kind="writes" if fact.mode == "write" else "reads", path=path, line=fact.line,
                            api=fact.api)
                if fact.mode == "write":
                    graph.add_edge(f"module:{path}", node, **edge)
                else:
                    graph.add_edge(node, f"module:{path}", **edge)
    artifacts = sorted(n for n, d in graph.nodes(data=True) if d["kind"] == "artifact")
    for pattern in artifacts:
        if graph.nodes[pattern]["exact"]:
            continue
        for other in artifacts:
            if other != pattern and matches(graph.nodes[pattern]["path"], graph.nodes[other]["path"]):
                graph.add_edge(pattern, other, kind="matches")
    return project
