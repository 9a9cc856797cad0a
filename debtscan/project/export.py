"""Exporting the repo graph: JSON (node-link), GraphML, Graphviz dot and Mermaid, in full or collapsed.

``collapse`` draws a coarser view of the same project (:class:`Collapse`): ``modules`` keeps the modules (and
runners) and folds every artifact, signal and model into the data links between them (one ``data`` edge per
writer and reader module, with the number of files it hands over); ``folders`` folds those modules further
into their folders. Mermaid refuses diagrams over its default limits (``maxTextSize`` 50,000 characters,
``maxEdges`` 500), so :func:`to_mermaid` picks the finest view that stays under them (``Collapse.AUTO``, its
default; see :func:`mermaid_drawing`), keeping only the heaviest links where it must and saying in a comment
how many it left out.
"""
from __future__ import annotations

import enum
import io
import json
import posixpath
import re
from typing import Dict, List, Optional, Set, Tuple

import networkx as nx

from debtscan.project.model import Project
from debtscan.records import record

_KIND_SHAPES = {"module": ("[", "]"), "artifact": ("[(", ")]"), "signal": ("([", "])"), "model": ("{{", "}}"),
                "component": ("[[", "]]"), "runner": ("[", "]"), "folder": ("[[", "]]")}

MERMAID_MAX_TEXT = 50_000  # Mermaid's default maxTextSize (characters)
MERMAID_MAX_EDGES = 500    # Mermaid's default maxEdges
ROOT_FOLDER = "(root)"


class Collapse(enum.Enum):
    """How much of the graph an export draws."""

    #: every node: modules, artifacts, signals, models, components
    NONE = "none"
    #: modules and runners, linked by the files they hand over, their imports and the runs
    MODULES = "modules"
    #: folders, linked likewise (links inside one folder are left out)
    FOLDERS = "folders"
    #: Mermaid: the finest view under Mermaid's limits; the other formats: the full graph
    AUTO = "auto"


@record(frozen=True)
class View:
    """A graph to draw, with the nodes to highlight: the jungle (hand-offs) and the longest chains."""

    graph: nx.MultiDiGraph
    jungle: Set[str]
    chain: Set[str]
    level: Collapse


def _plain(graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """A copy with only scalar attributes (what GraphML can hold)."""
    out = nx.MultiDiGraph()
    for node, data in sorted(graph.nodes(data=True)):
        out.add_node(node, **{k: v for k, v in data.items() if isinstance(v, (str, int, float, bool))})
    for u, v, data in sorted(graph.edges(data=True), key=lambda e: (e[0], e[1], sorted(e[2].items()))):
        out.add_edge(u, v, **{k: val for k, val in data.items() if isinstance(val, (str, int, float, bool))})
    return out


def to_json(project: Project, collapse: Collapse = Collapse.NONE) -> str:
    """``{"directed", "multigraph", "nodes": [{"id", "kind", ...}], "edges": [{"source", "target", "kind", ...}]}``."""
    graph = _plain(view(project, collapse).graph)
    nodes = [{"id": n, **d} for n, d in graph.nodes(data=True)]
    edges = [{"source": u, "target": v, **d} for u, v, d in graph.edges(data=True)]
    return json.dumps({"directed": True, "multigraph": True, "nodes": nodes, "edges": edges}, indent=2) + "\n"


def to_graphml(project: Project, collapse: Collapse = Collapse.NONE) -> str:
    buffer = io.BytesIO()
    nx.write_graphml(_plain(view(project, collapse).graph), buffer)
    return buffer.getvalue().decode("utf-8")


def _ids(graph: nx.MultiDiGraph) -> Dict[str, str]:
    return {node: f"n{i}" for i, node in enumerate(sorted(graph.nodes))}


def _label(node: str, data: dict) -> str:
    return data.get("label") or data.get("path") or node.split(":", 1)[-1]


def _jungle_nodes(project: Project) -> set:
    nodes = set()
    for group in project.pipeline.handoff_groups:
        nodes.update(f"module:{m}" for m in group.writer_modules + group.reader_modules)
        nodes.update({f"artifact:{group.written}", f"artifact:{group.read}"})
    return nodes


def _chain_nodes(project: Project) -> set:
    """Modules and artifacts of the longest jungle chain of each connected part (drawn bold)."""
    nodes = set()
    hubs = project.pipeline.hubs
    for chain in project.pipeline.chains:
        if len(chain) < 3:
            continue
        for source, target in zip(chain, chain[1:]):
            nodes.update({f"module:{source}", f"module:{target}"})
            for written, read in hubs.artifacts(source, target):
                nodes.update({f"artifact:{written}", f"artifact:{read}"})
    return nodes


# -- collapsed views ------------------------------------------------------------------------------
def view(project: Project, collapse: Collapse = Collapse.NONE) -> View:
    """The graph drawn at a level of detail (``AUTO`` is the full graph here; :func:`to_mermaid` decides)."""
    if collapse in (Collapse.NONE, Collapse.AUTO):
        return View(project.graph, _jungle_nodes(project), _chain_nodes(project), Collapse.NONE)
    modules = _module_view(project)
    return modules if collapse is Collapse.MODULES else _folder_view(modules)


def _module_view(project: Project) -> View:
    """Modules and runners; one ``data`` edge per (writer module, reader module) of the hand-offs (declared
    ones included), with the number of files (``files``) and whether a pipeline tool declares all of them;
    one ``imports`` edge per importing pair; the runners' ``runs``. O(modules + hand-off module pairs)."""
    full = project.graph
    graph = nx.MultiDiGraph()
    for node, data in full.nodes(data=True):
        if data.get("kind") in ("module", "runner"):
            graph.add_node(node, **{k: v for k, v in data.items() if isinstance(v, (str, int, float, bool))})
    links: Dict[Tuple[str, str], Dict[str, bool]] = {}
    for group in project.pipeline.all_handoff_groups:
        declared = project.pipeline.is_declared(group.written) and project.pipeline.is_declared(group.read)
        artifact = group.written if group.written == group.read else f"{group.written} -> {group.read}"
        readers = sorted({r.module for r in group.reads})
        for writer in sorted({w.module for w in group.writes}):
            for reader in readers:
                if writer != reader:
                    files = links.setdefault((writer, reader), {})
                    files[artifact] = files.get(artifact, True) and declared
    for (writer, reader), files in sorted(links.items()):
        graph.add_edge(f"module:{writer}", f"module:{reader}", kind="data", files=len(files),
                       declared=all(files.values()), artifacts=", ".join(sorted(files)[:5]))
    seen: Set[Tuple[str, str]] = set()
    for edge in project.imports.edges:
        if (edge.importer, edge.target) not in seen:
            seen.add((edge.importer, edge.target))
            graph.add_edge(f"module:{edge.importer}", f"module:{edge.target}", kind="imports", path=edge.importer,
                           line=edge.line)
    for u, v, data in full.edges(data=True):
        if data.get("kind") == "runs":
            graph.add_edge(u, v, **data)
    jungle = {n for n in _jungle_nodes(project) if n in graph}
    chain = {n for n in _chain_nodes(project) if n in graph}
    return View(graph, jungle, chain, Collapse.MODULES)


def folder_of(path: str) -> str:
    """The folder a file is drawn in by the folder view (``(root)`` for the scan root's files)."""
    return posixpath.dirname(path) or ROOT_FOLDER


def _folder_view(modules: View) -> View:
    """The module view with each module (and runner) folded into its folder: edges summed per (folder,
    folder, kind), links inside one folder counted on the folder (``internal``) instead of drawn."""
    graph = nx.MultiDiGraph()
    folder: Dict[str, str] = {}
    for node, data in modules.graph.nodes(data=True):
        name = folder_of(data.get("path") or node.split(":", 1)[1])
        folder[node] = f"folder:{name}"
        if folder[node] not in graph:
            graph.add_node(folder[node], kind="folder", path=name, modules=0, internal=0)
        if data.get("kind") == "module":
            graph.nodes[folder[node]]["modules"] += 1
    for data in graph.nodes.values():
        where = "scan root" if data["path"] == ROOT_FOLDER else data["path"] + "/"
        data["label"] = f"{where} · {data['modules']} module{'s' if data['modules'] != 1 else ''}"
    totals: Dict[Tuple[str, str, str], Dict[str, int]] = {}
    for u, v, data in modules.graph.edges(data=True):
        source, target, kind = folder[u], folder[v], data.get("kind", "")
        if source == target:
            graph.nodes[source]["internal"] += 1
            continue
        total = totals.setdefault((source, target, kind), {"links": 0, "files": 0})
        total["links"] += 1
        total["files"] += int(data.get("files", 0))
    for (source, target, kind), total in sorted(totals.items()):
        attributes = {"kind": kind, "links": total["links"]}
        if kind == "data":
            attributes["files"] = total["files"]
        graph.add_edge(source, target, **attributes)
    jungle = {folder[n] for n in modules.jungle if n in folder}
    chain = {folder[n] for n in modules.chain if n in folder}
    return View(graph, jungle, chain, Collapse.FOLDERS)


def to_dot(project: Project, include_imports: bool = True, collapse: Collapse = Collapse.NONE) -> str:
    drawn = view(project, collapse)
    graph = drawn.graph
    ids = _ids(graph)
    jungle = drawn.jungle
    chain = drawn.chain
    lines = ["digraph debtscan {", "  rankdir=LR;", '  node [fontname="Helvetica", fontsize=10];']
    shapes = {"module": "box", "artifact": "cylinder", "signal": "ellipse", "model": "hexagon", "component": "folder",
              "folder": "folder"}
    for node, data in sorted(graph.nodes(data=True)):
        label = _label(node, data).replace('"', '\\"')
        style = ', style=filled, fillcolor="#ffd6d6"' if node in jungle else ""
        if node in chain:
            style += ', color="#c00000", penwidth=2.5'
        lines.append(f'  {ids[node]} [label="{label}", shape={shapes.get(data.get("kind"), "box")}{style}];')
    for u, v, data in sorted(graph.edges(data=True), key=lambda e: (e[0], e[1], e[2].get("kind", ""))):
        if data.get("kind") == "imports" and not include_imports:
            continue
        style = ", style=dashed" if data.get("kind") in ("imports", "matches") else ""
        lines.append(f'  {ids[u]} -> {ids[v]} [label="{_edge_label(data)}"{style}];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def _edge_label(data: dict) -> str:
    """``reads``, ``imports``...; a collapsed link says how many files (or links) it stands for."""
    kind = data.get("kind", "")
    if kind == "data":
        files = int(data.get("files", 0))
        return f"{files} file{'s' if files != 1 else ''}"
    links = int(data.get("links", 1))
    return f"{kind} x{links}" if links > 1 else kind


def _mermaid_text(text: str) -> str:
    return re.sub(r'["\[\]{}()<>|]', "_", text)


@record(frozen=True)
class MermaidDrawing:
    """A Mermaid flowchart, the view it draws, its edge count and how many links it left out to fit."""

    text: str
    level: Collapse
    edges: int
    left_out: int = 0

    @property
    def within_limits(self) -> bool:
        return len(self.text) <= MERMAID_MAX_TEXT and self.edges <= MERMAID_MAX_EDGES


def _mermaid_edges(graph: nx.MultiDiGraph, include_imports: bool) -> List[Tuple[str, str, dict]]:
    return [(u, v, data) for u, v, data in sorted(graph.edges(data=True),
                                                  key=lambda e: (e[0], e[1], e[2].get("kind", "")))
            if data.get("kind") != "imports" or include_imports]


def _draw_mermaid(drawn: View, edges: List[Tuple[str, str, dict]], comment: str = "") -> str:
    graph = drawn.graph
    ids = _ids(graph)
    lines = ["flowchart LR"]
    if comment:
        lines.append(f"  %% {comment}")
    used = set()
    arrows = []
    for u, v, data in edges:
        kind = data.get("kind")
        arrow = "-.->" if kind in ("imports", "matches") else "-->"
        arrows.append(f"  {ids[u]} {arrow}|{_edge_label(data)}| {ids[v]}")
        used.update((u, v))
    for node in sorted(used):
        data = graph.nodes[node]
        open_, close = _KIND_SHAPES.get(data.get("kind"), ("[", "]"))
        lines.append(f'  {ids[node]}{open_}"{_mermaid_text(_label(node, data))}"{close}')
    lines.extend(arrows)
    highlighted = sorted(ids[n] for n in used if n in drawn.jungle)
    if highlighted:
        lines.append("  classDef jungle fill:#ffd6d6,stroke:#c00")
        lines.append(f"  class {','.join(highlighted)} jungle")
    chained = sorted(ids[n] for n in used if n in drawn.chain)
    if chained:
        lines.append("  classDef chain fill:#ffd6d6,stroke:#c00,stroke-width:3px")
        lines.append(f"  class {','.join(chained)} chain")
    return "\n".join(lines) + "\n"


def _weight(data: dict) -> int:
    return int(data.get("files", 0)) * 2 + int(data.get("links", 1))


MAX_LEFT_OUT = 0.10  # auto: the module view may leave out its lightest links, up to this share of them


def mermaid_drawing(project: Project, include_imports: bool = False,
                    collapse: Collapse = Collapse.AUTO) -> MermaidDrawing:
    """The project as a Mermaid flowchart. An explicit level is drawn as asked, whatever its size. ``AUTO``
    takes the first that stays under Mermaid's default limits of: the full graph; the module view; the module
    view's heaviest links (most files handed over first) when at most a tenth of them must go; the folder
    view; the folder view's heaviest links that fit. A collapsed or trimmed drawing says so in a comment."""
    if collapse is not Collapse.AUTO:
        drawn = view(project, collapse)
        edges = _mermaid_edges(drawn.graph, include_imports)
        return MermaidDrawing(_draw_mermaid(drawn, edges), drawn.level, len(edges))
    full = _mermaid_edges(project.graph, include_imports)
    drawing = MermaidDrawing(_draw_mermaid(view(project), full), Collapse.NONE, len(full))
    if drawing.within_limits:
        return drawing
    limits = f"over Mermaid's limits ({MERMAID_MAX_EDGES} edges, {MERMAID_MAX_TEXT:,} characters)"
    modules = view(project, Collapse.MODULES)
    for drawn in (modules, _folder_view(modules)):
        edges = _mermaid_edges(drawn.graph, include_imports)
        level = drawn.level.value
        whole = _draw_mermaid(drawn, edges, f"collapsed to {level}: the full graph has {len(full):,} edges, {limits}")
        drawing = MermaidDrawing(whole, drawn.level, len(edges))
        if drawing.within_limits:
            return drawing
        trimmed = _heaviest(drawn, edges, lambda kept, left: (
            f"collapsed to {level}, the {kept:,} heaviest of {len(edges):,} links: the full graph has "
            f"{len(full):,} edges, {limits}; {left:,} links left out"))
        if drawn.level is Collapse.FOLDERS or trimmed.left_out <= MAX_LEFT_OUT * len(edges):
            return trimmed
    return trimmed  # pragma: no cover - the folder view always returns above


def _heaviest(drawn: View, edges: List[Tuple[str, str, dict]], note) -> MermaidDrawing:
    """The drawing of the most links, heaviest first, that stays under the limits (a binary search on how
    many: O(E log E))."""
    ranked = sorted(edges, key=lambda e: (-_weight(e[2]), e[0], e[1], e[2].get("kind", "")))

    def drawing(count: int) -> MermaidDrawing:
        kept = sorted(ranked[:count], key=lambda e: (e[0], e[1], e[2].get("kind", "")))
        left = len(ranked) - count
        return MermaidDrawing(_draw_mermaid(drawn, kept, note(count, left)), drawn.level, count, left)

    low, high = 0, min(len(ranked), MERMAID_MAX_EDGES)
    while low < high:
        middle = (low + high + 1) // 2
        if drawing(middle).within_limits:
            low = middle
        else:
            high = middle - 1
    return drawing(low)


def to_mermaid(project: Project, include_imports: bool = False, collapse: Collapse = Collapse.AUTO) -> str:
    """A Mermaid flowchart of modules and artifacts, with the jungle highlighted; collapsed (see
    :func:`mermaid_drawing`) when the full graph is over Mermaid's default limits."""
    return mermaid_drawing(project, include_imports, collapse).text


EXPORTERS = {"json": to_json, "graphml": to_graphml, "dot": to_dot, "mermaid": to_mermaid}
