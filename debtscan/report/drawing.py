"""The pipeline drawing of a report, built from the project before rendering (renderers never read it).

Three views of the pipeline for the HTML page (cytoscape.js draws them with a dagre layout): direct steps
between modules (hand-offs a longer path implies left out), modules only (files collapsed), and modules with
the files they write and read; the whole graph as Mermaid and the module-to-module hand-offs for Markdown.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Dict, List, Set, Tuple

import networkx as nx

from debtscan.project.model import Project
from debtscan.project.export import to_mermaid
from debtscan.report.model import DrawnEdge, DrawnNode, GraphView, ModuleHandoff, PipelineDrawing, Report

PIPELINE_EDGES = ("writes", "reads", "matches")
# A view larger than this is not laid out in the page: dagre's time grows with the edges and the layers they
# span (measured: 63 modules / 496 edges about 3 s, 430 nodes / 1,038 edges about 5 s, 192 modules / 2,538
# edges about 3 minutes), and the page would freeze.
MAX_GRAPH_NODES = 1000
MAX_GRAPH_EDGES = 1200
MAX_MATCH_EDGES = 300  # more path-pattern -> file edges than this are left out of the files view
MAX_DEFAULT_FILE_NODES = 150  # beyond this the page opens on the modules-only view
MAX_DEFAULT_MODULE_EDGES = 150  # beyond this it opens on the direct steps between modules


def with_pipeline(report: Report, project: Project) -> Report:
    """The report with its pipeline drawing filled in (for the formats that draw it)."""
    return replace(report, pipeline=pipeline_drawing(project))


def pipeline_drawing(project: Project) -> PipelineDrawing:
    views, notes, default = graph_views(project)
    handoffs = tuple(ModuleHandoff(u, v, tuple(sorted(data["artifacts"])))
                     for u, v, data in sorted(handoff_graph(project).edges(data=True), key=lambda e: (e[0], e[1])))
    return PipelineDrawing(views=tuple(views.items()), notes=tuple(notes.items()), default=default,
                           mermaid=to_mermaid(project), handoffs=handoffs)


def handoff_graph(project: Project) -> nx.DiGraph:
    """Modules only, with an edge from writer to reader for the files one hands to the other
    (``artifacts`` on the edge): the pipeline at a glance when files and modules are too many to draw."""
    graph = nx.DiGraph()
    for write, read in project.handoffs:
        if write.module == read.module:
            continue
        if graph.has_edge(write.module, read.module):
            graph.edges[write.module, read.module]["artifacts"].add(read.artifact)
        else:
            graph.add_edge(write.module, read.module, artifacts={read.artifact})
    return graph


def pipeline_graph(project: Project) -> nx.DiGraph:
    """Modules and the files (artifacts) they write and read; imports and signals left out."""
    graph = nx.DiGraph()
    for u, v, data in project.graph.edges(data=True):
        kind = data.get("kind")
        if kind in PIPELINE_EDGES:
            for node in (u, v):
                if node not in graph:
                    attrs = project.graph.nodes[node]
                    graph.add_node(node, kind=attrs.get("kind", "module"),
                                   label=attrs.get("path") or node.split(":", 1)[-1])
            graph.add_edge(u, v, kind=kind)
    return graph


def module_graph(project: Project) -> nx.DiGraph:
    """Modules only (files collapsed): an edge from writer to reader, with the files handed over."""
    graph = nx.DiGraph()
    for u, v, data in handoff_graph(project).edges(data=True):
        for node in (u, v):
            graph.add_node(f"module:{node}", kind="module", label=node)
        graph.add_edge(f"module:{u}", f"module:{v}", kind="hands off", files=sorted(data["artifacts"]))
    return graph


def direct_steps(modules: nx.DiGraph) -> nx.DiGraph:
    """The module graph with only as many hand-offs as it takes to keep who-reaches-whom: every hand-off left
    out has another path between the same two modules. Between strongly connected parts that is the transitive
    reduction of the condensation, with one hand-off per kept pair of parts; inside a part (a cycle), the
    edges of a BFS tree out of and into its first module. Each module lists the hand-offs left out as
    ``more_in`` / ``more_out`` (edge titles)."""
    condensed = nx.condensation(modules)
    component = condensed.graph["mapping"]
    kept_pairs = set(nx.transitive_reduction(condensed).edges())
    kept: Set[Any] = set()
    for c in condensed:
        members = sorted(condensed.nodes[c]["members"])
        if len(members) < 2:
            continue
        part = modules.subgraph(members)
        root = members[0]
        kept.update(nx.bfs_edges(part, root))
        kept.update((v, u) for u, v in nx.bfs_edges(part.reverse(copy=False), root))
    chosen: Dict[Any, Any] = {}
    for u, v in sorted(modules.edges()):
        pair = (component[u], component[v])
        if pair in kept_pairs and pair not in chosen:
            chosen[pair] = (u, v)
    kept.update(chosen.values())
    steps = nx.DiGraph()
    steps.add_nodes_from(modules.nodes(data=True))
    for node in steps:
        steps.nodes[node]["more_in"], steps.nodes[node]["more_out"] = [], []
    for u, v, data in sorted(modules.edges(data=True), key=lambda e: (e[0], e[1])):
        if (u, v) in kept:
            steps.add_edge(u, v, **data)
        else:
            title = edge_title(modules, u, v, data)
            steps.nodes[v]["more_in"].append(title)
            steps.nodes[u]["more_out"].append(title)
    return steps


def _listing(files: List[str], limit: int = 12) -> str:
    shown = ", ".join(files[:limit])
    return shown + (f" and {len(files) - limit} more" if len(files) > limit else "")


def edge_title(graph: nx.DiGraph, u: str, v: str, data: Dict[str, Any]) -> str:
    """What an edge says, subject first: ``03_train.py reads data/features/train.pkl``."""
    source, target = graph.nodes[u]["label"], graph.nodes[v]["label"]
    kind = data.get("kind")
    if kind == "reads":  # drawn from the file to the module that reads it
        return f"{target} reads {source}"
    if kind == "writes":
        return f"{source} writes {target}"
    if kind == "matches":
        return f"the path pattern {source} matches {target}"
    files = data.get("files", [])
    what = files[0] if len(files) == 1 else f"{len(files)} files"
    return f"{target} reads {what} written by {source}" + (f": {_listing(files)}" if len(files) > 1 else "")


def graph_view(graph: nx.DiGraph, jungle: Set[str]) -> GraphView:
    """One view's nodes and edges, sorted (so that the page is reproducible)."""
    ids = {node: f"n{i}" for i, node in enumerate(sorted(graph))}
    nodes = []
    for node in sorted(graph):
        attrs = graph.nodes[node]
        nodes.append(DrawnNode(id=ids[node], key=node, label=attrs["label"], kind=attrs["kind"],
                               jungle=node in jungle, more_in=tuple(attrs.get("more_in") or ()),
                               more_out=tuple(attrs.get("more_out") or ())))
    edges = []
    for i, (u, v, data) in enumerate(sorted(graph.edges(data=True), key=lambda e: (e[0], e[1]))):
        edges.append(DrawnEdge(id=f"e{i}", source=ids[u], target=ids[v], kind=data.get("kind", ""),
                               title=edge_title(graph, u, v, data), files=tuple(data.get("files") or ())))
    return GraphView(nodes=tuple(nodes), edges=tuple(edges))


def graph_views(project: Project) -> Tuple[Dict[str, GraphView], Dict[str, str], str]:
    """The views of the pipeline small enough to lay out in a browser, a note per view left out or thinned,
    and the view to open on."""
    jungle: Set[str] = set()
    for write, read in project.handoffs:
        jungle.update({f"module:{write.module}", f"module:{read.module}", f"artifact:{write.artifact}",
                       f"artifact:{read.artifact}"})
    files = pipeline_graph(project)
    modules = module_graph(project)
    views: Dict[str, GraphView] = {}
    notes: Dict[str, str] = {}
    matches = [(u, v) for u, v, kind in files.edges(data="kind") if kind == "matches"]
    if len(matches) > MAX_MATCH_EDGES:
        files.remove_edges_from(matches)
        files.remove_nodes_from([n for n in list(files) if files.degree(n) == 0])
        notes["files"] = (f"the {len(matches)} links from path patterns to the files they match are left out "
                          "(too many to draw).")
    steps = direct_steps(modules)
    if steps.number_of_edges() == modules.number_of_edges():
        steps = nx.DiGraph()  # nothing implied: the modules view says it all
    else:
        hidden = modules.number_of_edges() - steps.number_of_edges()
        notes["steps"] = (f"{hidden} of the {modules.number_of_edges()} hand-offs between modules are not drawn "
                          "because a longer path already connects the two modules; click a module to list them.")
    for name, graph in (("steps", steps), ("modules", modules), ("files", files)):
        if graph.number_of_nodes() > MAX_GRAPH_NODES or graph.number_of_edges() > MAX_GRAPH_EDGES:
            notes[name] = (f"{graph.number_of_nodes()} nodes and {graph.number_of_edges()} edges are too many to "
                           "lay out in a browser; run `debtscan graph . --format dot` for the whole graph.")
        elif graph.number_of_nodes():
            views[name] = graph_view(graph, jungle)
    if "files" in views and files.number_of_nodes() <= MAX_DEFAULT_FILE_NODES:
        default = "files"
    elif "steps" in views and modules.number_of_edges() > MAX_DEFAULT_MODULE_EDGES:
        default = "steps"
    else:
        default = next((name for name in ("modules", "steps", "files") if name in views), "")
    return views, notes, default
