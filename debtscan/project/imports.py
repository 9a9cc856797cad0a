"""The one import graph of a scan: which file imports which, from every file's resolved import statements.

Every other view of the imports (the module nodes' ``imports`` edges of the networkx graph, the import reach
of a component, the files some module imports) is read from :class:`Imports`; nothing else resolves imports.
"""
from __future__ import annotations

import posixpath
from functools import cached_property
from typing import TYPE_CHECKING, Dict, FrozenSet, Iterable, List, Mapping, Optional, Set, Tuple

if TYPE_CHECKING:  # imported when the graph is asked for
    import networkx as nx

from debtscan.facts.model import FileFacts
from debtscan.project.roots import ProjectRoots
from debtscan.records import record


@record(frozen=True)
class ImportEdge:
    """``importer`` (a scanned file) imports ``target`` (another scanned file) at ``line``."""

    importer: str
    target: str
    line: int


@record(frozen=True, eq=False)
class Imports:
    """The resolved imports between scanned files: ``edges`` in file order, then statement order."""

    files: Tuple[str, ...]
    edges: Tuple[ImportEdge, ...]

    @cached_property
    def imported(self) -> FrozenSet[str]:
        """Files some other scanned file imports."""
        return frozenset(edge.target for edge in self.edges)

    @cached_property
    def successors(self) -> Mapping[str, Tuple[str, ...]]:
        """File -> the files it imports directly (each once, in the order first imported)."""
        out: Dict[str, List[str]] = {}
        for edge in self.edges:
            targets = out.setdefault(edge.importer, [])
            if edge.target not in targets:
                targets.append(edge.target)
        return {path: tuple(targets) for path, targets in out.items()}

    @cached_property
    def graph(self) -> nx.DiGraph:
        """The imports as a networkx graph over ``module:<path>`` nodes (every scanned file is a node)."""
        import networkx as nx

        graph = nx.DiGraph()
        graph.add_nodes_from(f"module:{path}" for path in self.files)
        for edge in self.edges:
            graph.add_edge(f"module:{edge.importer}", f"module:{edge.target}")
        return graph

    def reaches(self, a: str, b: str) -> bool:
        """Whether file ``a`` imports ``b`` directly or transitively."""
        source, target = f"module:{a}", f"module:{b}"
        if source not in self.graph or target not in self.graph:
            return False
        import networkx as nx

        return nx.has_path(self.graph, source, target)


def build_imports(facts: Mapping[str, FileFacts], modules: Mapping[str, List[str]], projects: ProjectRoots,
                  scoped: Mapping[Tuple[str, str], List[str]]) -> Imports:
    """Resolve every import statement of every file to the scanned file it names, where one does.
    O(imports x depth of the dotted name)."""
    edges: List[ImportEdge] = []
    for path in sorted(facts):
        for imported in facts[path].imports:
            target = resolve_import(imported.target, path, modules, projects, scoped)
            if target is not None and target != path:
                edges.append(ImportEdge(path, target, imported.line))
    return Imports(tuple(sorted(facts)), tuple(edges))


def resolve_import(target: str, importer: str, modules: Mapping[str, List[str]],
                   projects: Optional[ProjectRoots] = None,
                   scoped: Optional[Mapping[Tuple[str, str], List[str]]] = None) -> Optional[str]:
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


def reach(imports: Imports, start: Iterable[str], links: Mapping[str, Iterable[str]] = {},
          groups: Mapping[str, Iterable[str]] = {}) -> Set[str]:
    """Files that ``start`` import, directly or transitively (``start`` included). ``links`` adds, per file,
    groups it counts as importing (the components its imports name), each standing for its files in
    ``groups``; a group is expanded once. O(files + imports + links) reached."""
    seen: Set[str] = set()
    expanded: Set[str] = set()
    stack = list(start)
    successors = imports.successors
    while stack:
        path = stack.pop()
        if path in seen:
            continue
        seen.add(path)
        stack.extend(successors.get(path, ()))
        for group in links.get(path, ()):
            if group not in expanded:
                expanded.add(group)
                stack.extend(groups.get(group, ()))
    return seen
