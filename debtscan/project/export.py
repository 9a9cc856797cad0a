"""Exporting the repo graph: JSON (node-link), GraphML, Graphviz dot and Mermaid."""
from __future__ import annotations

import io
import json
import re
from typing import Dict

import networkx as nx

from debtscan.project.graph import Project

_KIND_SHAPES = {"module": ("[", "]"), "artifact": ("[(", ")]"), "signal": ("([", "])"), "model": ("{{", "}}"),
                "component": ("[[", "]]")}


def _plain(graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """A copy with only scalar attributes (what GraphML can hold)."""
    out = nx.MultiDiGraph()
    for node, data in sorted(graph.nodes(data=True)):
        out.add_node(node, **{k: v for k, v in data.items() if isinstance(v, (str, int, float, bool))})
    for u, v, data in sorted(graph.edges(data=True), key=lambda e: (e[0], e[1], sorted(e[2].items()))):
        out.add_edge(u, v, **{k: val for k, val in data.items() if isinstance(val, (str, int, float, bool))})
    return out


def to_json(project: Project) -> str:
    """``{"directed", "multigraph", "nodes": [{"id", "kind", ...}], "edges": [{"source", "target", "kind", ...}]}``."""
    graph = _plain(project.graph)
    nodes = [{"id": n, **d} for n, d in graph.nodes(data=True)]
    edges = [{"source": u, "target": v, **d} for u, v, d in graph.edges(data=True)]
    return json.dumps({"directed": True, "multigraph": True, "nodes": nodes, "edges": edges}, indent=2) + "\n"


def to_graphml(project: Project) -> str:
    buffer = io.BytesIO()
    nx.write_graphml(_plain(project.graph), buffer)
    return buffer.getvalue().decode("utf-8")


def _ids(graph: nx.MultiDiGraph) -> Dict[str, str]:
    return {node: f"n{i}" for i, node in enumerate(sorted(graph.nodes))}


def _label(node: str, data: dict) -> str:
    return data.get("label") or data.get("path") or node.split(":", 1)[-1]


def _jungle_nodes(project: Project) -> set:
    nodes = set()
    for group in project.handoff_groups:
        nodes.update(f"module:{m}" for m in group.writer_modules + group.reader_modules)
        nodes.update({f"artifact:{group.written}", f"artifact:{group.read}"})
    return nodes


def _chain_nodes(project: Project) -> set:
    """Modules and artifacts of the longest jungle chain of each connected part (drawn bold)."""
    nodes = set()
    hubs = project.hubs
    for chain in project.chains:
        if len(chain) < 3:
            continue
        for source, target in zip(chain, chain[1:]):
            nodes.update({f"module:{source}", f"module:{target}"})
            for written, read in hubs.artifacts(source, target):
                nodes.update({f"artifact:{written}", f"artifact:{read}"})
    return nodes


def to_dot(project: Project, include_imports: bool = True) -> str:
    graph = project.graph
    ids = _ids(graph)
    jungle = _jungle_nodes(project)
    chain = _chain_nodes(project)
    lines = ["digraph debtscan {", "  rankdir=LR;", '  node [fontname="Helvetica", fontsize=10];']
    shapes = {"module": "box", "artifact": "cylinder", "signal": "ellipse", "model": "hexagon", "component": "folder"}
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
        lines.append(f'  {ids[u]} -> {ids[v]} [label="{data.get("kind", "")}"{style}];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def _mermaid_text(text: str) -> str:
    return re.sub(r'["\[\]{}()<>|]', "_", text)


def to_mermaid(project: Project, include_imports: bool = False) -> str:
    """A Mermaid flowchart of modules and artifacts, with the jungle highlighted."""
    graph = project.graph
    ids = _ids(graph)
    jungle = _jungle_nodes(project)
    lines = ["flowchart LR"]
    used = set()
    edges = []
    for u, v, data in sorted(graph.edges(data=True), key=lambda e: (e[0], e[1], e[2].get("kind", ""))):
        kind = data.get("kind")
        if kind == "imports" and not include_imports:
            continue
        arrow = "-.->" if kind in ("imports", "matches") else "-->"
        edges.append(f"  {ids[u]} {arrow}|{kind}| {ids[v]}")
        used.update((u, v))
    for node in sorted(used):
        data = graph.nodes[node]
        open_, close = _KIND_SHAPES.get(data.get("kind"), ("[", "]"))
        lines.append(f'  {ids[node]}{open_}"{_mermaid_text(_label(node, data))}"{close}')
    lines.extend(edges)
    highlighted = sorted(ids[n] for n in used if n in jungle)
    if highlighted:
        lines.append("  classDef jungle fill:#ffd6d6,stroke:#c00")
        lines.append(f"  class {','.join(highlighted)} jungle")
    chained = sorted(ids[n] for n in used if n in _chain_nodes(project))
    if chained:
        lines.append("  classDef chain fill:#ffd6d6,stroke:#c00,stroke-width:3px")
        lines.append(f"  class {','.join(chained)} chain")
    return "\n".join(lines) + "\n"


EXPORTERS = {"json": to_json, "graphml": to_graphml, "dot": to_dot, "mermaid": to_mermaid}
