"""A self-contained HTML report (``--format html``): one file, no network, no scripts, no external fonts.

The summary, the code composition chart (when the glue-code metrics are in the report), the metrics, the
findings table and the pipeline graph drawn as inline SVG with a small layered layout: modules and the files
they read and write in columns by topological depth, so the jungle reads left to right.
"""
from __future__ import annotations

import html
from collections import Counter, defaultdict
from typing import Any, Dict, List, Tuple

import networkx as nx

from debtscan import __version__
from debtscan.graph import Project
from debtscan.report.formats import output_format
from debtscan.report.markdown import (class_counts, handoff_graph, is_number, location, number, summary_metrics,
                                      top_findings)
from debtscan.report.model import Report

PIPELINE_EDGES = ("writes", "reads", "matches")
MAX_GRAPH_NODES = 300
MIN_FILE_LINES = 10  # files smaller than this are not ranked by glue
NODE_W, NODE_H, COL_GAP, ROW_GAP, PAD = 190, 30, 90, 14, 20
COLOURS = {"module": ("#e8f0fe", "#3b6fd6"), "artifact": ("#fff4dd", "#c98a00"), "signal": ("#e9f7ef", "#2e8b57"),
           "model": ("#f3e8fd", "#8246c8")}
JUNGLE = ("#ffd6d6", "#c00000")
CLASS_COLOURS = ["#c00000", "#3b6fd6", "#2e8b57", "#c98a00", "#8246c8", "#7f7f7f", "#17becf", "#e377c2"]

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;margin:2rem auto;max-width:1200px;
color:#1f2328;padding:0 1rem}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #d0d7de}
.muted{color:#57606a}.cards{display:flex;flex-wrap:wrap;gap:.8rem;margin:1rem 0}
.card{border:1px solid #d0d7de;border-radius:6px;padding:.6rem 1rem;min-width:8rem}
.card b{display:block;font-size:1.5rem}table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{border:1px solid #d0d7de;padding:.3rem .5rem;text-align:left;vertical-align:top}th{background:#f6f8fa}
td.num{text-align:right}.sev-error{color:#c00000;font-weight:bold}.sev-warning{color:#9a6700}
.sev-info{color:#0969da}code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.85em}
details summary{cursor:pointer;color:#57606a}.graph{overflow:auto;border:1px solid #d0d7de;border-radius:6px}
.legend span{display:inline-block;margin-right:1rem}.swatch{display:inline-block;width:.8rem;height:.8rem;
margin-right:.3rem;vertical-align:middle;border:1px solid #888}
"""


def esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


# --- composition (metrics produced by the glue-code rules, when present) ---------------------------------

KIND_COLOURS = {"glue": "#c00000", "ml": "#2e8b57", "io": "#c98a00", "config": "#8246c8", "other": "#9aa4ad"}


def _colour(name: str, index: int) -> str:
    return KIND_COLOURS.get(name, CLASS_COLOURS[index % len(CLASS_COLOURS)])


def _stacked_bar(counts: Dict[str, float], width: int = 700, height: int = 26) -> str:
    total = sum(counts.values()) or 1
    shown = [(i, name, value) for i, (name, value) in enumerate(sorted(counts.items(), key=lambda kv: -kv[1])) if value]
    x = 0.0
    parts = []
    for i, name, value in shown:
        w = width * value / total
        parts.append(f'<rect x="{x:.1f}" y="0" width="{w:.1f}" height="{height}" fill="{_colour(name, i)}">'
                     f'<title>{esc(name)}: {esc(number(value))} ({100 * value / total:.1f}%)</title></rect>')
        x += w
    legend = "".join(
        f'<span><i class="swatch" style="background:{_colour(name, i)}"></i>{esc(name)} '
        f'{esc(number(value))} ({100 * value / total:.1f}%)</span>' for i, name, value in shown)
    return (f'<svg role="img" width="{width}" height="{height}" viewBox="0 0 {width} {height}">'
            f'{"".join(parts)}</svg><p class="legend">{legend}</p>')


def composition_section(metrics: Dict[str, Any]) -> str:
    ratios = [(name, metrics[name]) for name in ("glue_code_ratio", "ml_code_ratio") if is_number(metrics.get(name))]
    composition = metrics.get("composition")
    repo = class_counts(composition) if isinstance(composition, dict) else None
    if not ratios and not repo:
        return ""
    out = ["<h2>Code composition</h2>"]
    if ratios:
        out.append('<div class="cards">' + "".join(
            f'<div class="card"><b>{100 * value:.1f}%</b>{esc(name.replace("_", " "))}</div>'
            for name, value in ratios) + "</div>")
    if repo:
        out.append("<p>Lines of code by class, for the whole repository:</p>" + _stacked_bar(repo))
    files = composition.get("files") if isinstance(composition, dict) else None
    if isinstance(files, dict):
        rows = []
        for path, entry in files.items():
            counts = class_counts(entry)
            total = sum(counts.values()) if counts else 0
            if counts and counts.get("glue") and total >= MIN_FILE_LINES:
                rows.append((counts["glue"], counts["glue"] / total, str(path), counts))
        rows.sort(key=lambda r: (-r[0], -r[1], r[2]))  # most glue lines first, then the highest share
        if rows:
            out.append("<h3>Glue-heaviest files</h3><table><tr><th>file</th><th>glue lines</th><th>glue share</th>"
                       "<th>lines by class</th></tr>")
            for glue, share, path, counts in rows[:10]:
                out.append(f"<tr><td><code>{esc(path)}</code></td><td class=num>{esc(number(glue))}</td>"
                           f"<td class=num>{100 * share:.0f}%</td>"
                           f"<td>{_stacked_bar(counts, width=300, height=14)}</td></tr>")
            out.append("</table>")
    return "\n".join(out)


# --- the pipeline graph as inline SVG -----------------------------------------------------------------

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


def layered_layout(graph: nx.DiGraph) -> Dict[str, Tuple[int, int]]:
    """(column, row) of every node: column = longest path from a source (cycles collapsed), rows ordered by
    the mean row of the predecessors to keep edges short."""
    condensed = nx.condensation(graph)
    depth: Dict[int, int] = {}
    for component in nx.topological_sort(condensed):
        preds = list(condensed.predecessors(component))
        depth[component] = max((depth[p] + 1 for p in preds), default=0)
    column = {node: depth[condensed.graph["mapping"][node]] for node in graph}
    for node in graph:  # a raw input sits just left of its first reader, not far away in column 0
        if graph.in_degree(node) == 0 and graph.out_degree(node) > 0:
            column[node] = max(0, min(column[s] for s in graph.successors(node)) - 1)
    columns: Dict[int, List[str]] = defaultdict(list)
    for node in sorted(graph, key=lambda n: (graph.nodes[n]["label"], n)):
        columns[column[node]].append(node)
    row: Dict[str, float] = {}
    for col in sorted(columns):
        def weight(node: str) -> Tuple[float, str]:
            preds = [row[p] for p in graph.predecessors(node) if p in row]
            return (sum(preds) / len(preds) if preds else float("inf"), graph.nodes[node]["label"])

        ordered = sorted(columns[col], key=weight)
        for i, node in enumerate(ordered):
            row[node] = i
    return {node: (column[node], int(row[node])) for node in graph}


def _truncate(text: str, limit: int = 28) -> str:
    return text if len(text) <= limit else "…" + text[-(limit - 1):]


def module_graph(project: Project) -> nx.DiGraph:
    """Modules only, an edge from writer to reader titled with the files handed over (for large repos)."""
    graph = nx.DiGraph()
    for u, v, data in handoff_graph(project).edges(data=True):
        for node in (u, v):
            graph.add_node(f"module:{node}", kind="module", label=node)
        files = sorted(data["artifacts"])
        title = files[0] if len(files) == 1 else f"{len(files)} files: {', '.join(files[:20])}"
        graph.add_edge(f"module:{u}", f"module:{v}", kind="hands off", title=title)
    return graph


def graph_svg(project: Project) -> str:
    graph = pipeline_graph(project)
    if graph.number_of_nodes() == 0:
        return '<p class="muted">No module reads or writes a file that another module uses.</p>'
    jungle = set()
    for write, read in project.handoffs:
        jungle.update({f"module:{write.module}", f"module:{read.module}", f"artifact:{write.artifact}",
                       f"artifact:{read.artifact}"})
    note = ""
    if graph.number_of_nodes() > MAX_GRAPH_NODES:
        total = graph.number_of_nodes()
        graph = module_graph(project)
        note = (f'<p class="muted">The modules and files are too many to draw ({total}); these are the modules '
                "that hand files to each other (hover over an arrow for the files).</p>")
        if graph.number_of_nodes() == 0 or graph.number_of_nodes() > MAX_GRAPH_NODES:
            return (f'<p class="muted">The graph is too large to draw here ({total} modules and files).</p>'
                    '<p class="muted">Run <code>debtscan graph . --format dot</code> for the whole graph.</p>')
    layout = layered_layout(graph)
    pos = {node: (PAD + col * (NODE_W + COL_GAP), PAD + r * (NODE_H + ROW_GAP)) for node, (col, r) in layout.items()}
    width = max(x for x, _ in pos.values()) + NODE_W + PAD
    height = max(y for _, y in pos.values()) + NODE_H + PAD
    parts = ['<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
             'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#57606a"/></marker></defs>']
    for u, v, data in sorted(graph.edges(data=True)):
        (x1, y1), (x2, y2) = pos[u], pos[v]
        sx, sy = x1 + NODE_W, y1 + NODE_H / 2
        tx, ty = x2, y2 + NODE_H / 2
        if tx > sx:
            bend = (tx - sx) / 2
            d = f"M{sx},{sy} C{sx + bend},{sy} {tx - bend},{ty} {tx},{ty}"
        else:  # a backward edge (a cycle): loop around below the nodes
            low = max(sy, ty) + NODE_H + 20
            d = f"M{sx},{sy} C{sx + 60},{low} {tx - 60},{low} {tx},{ty}"
        dash = ' stroke-dasharray="4 3"' if data.get("kind") == "matches" else ""
        parts.append(f'<path d="{d}" fill="none" stroke="#8c959f" stroke-width="1.3"{dash} '
                     f'marker-end="url(#arrow)"><title>{esc(graph.nodes[u]["label"])} {esc(data.get("kind"))} '
                     f'{esc(graph.nodes[v]["label"])}{": " + esc(data["title"]) if data.get("title") else ""}'
                     "</title></path>")
    for node in sorted(graph):
        x, y = pos[node]
        kind = graph.nodes[node]["kind"]
        label = graph.nodes[node]["label"]
        fill, stroke = JUNGLE if node in jungle else COLOURS.get(kind, COLOURS["module"])
        radius = 12 if kind == "artifact" else 3
        parts.append(f'<g><title>{esc(kind)}: {esc(label)}</title><rect x="{x}" y="{y}" width="{NODE_W}" '
                     f'height="{NODE_H}" rx="{radius}" fill="{fill}" stroke="{stroke}"/>'
                     f'<text x="{x + NODE_W / 2}" y="{y + NODE_H / 2 + 4}" text-anchor="middle" font-size="12" '
                     f'font-family="ui-monospace,Menlo,Consolas,monospace">{esc(_truncate(label))}</text></g>')
    legend = ('<p class="legend"><span><i class="swatch" style="background:#e8f0fe"></i>module</span>'
              '<span><i class="swatch" style="background:#fff4dd;border-radius:40%"></i>file (artifact)</span>'
              f'<span><i class="swatch" style="background:{JUNGLE[0]}"></i>in the pipeline jungle</span>'
              '<span>dashed: a path pattern matching a file</span></p>')
    svg = (f'<div class="graph"><svg role="img" aria-label="pipeline graph" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}">{"".join(parts)}</svg></div>')
    return note + legend + svg


# --- the page -----------------------------------------------------------------------------------------

def _findings_table(report: Report) -> str:
    if not report.findings:
        return "<p>No findings.</p>"
    rows = ["<table><tr><th>severity</th><th>rule</th><th>location</th><th>message</th></tr>"]
    for finding in top_findings(report.findings, limit=len(report.findings)):
        related = ""
        if finding.related:
            items = "".join(f"<li><code>{esc(r.path)}:{r.line}</code> {esc(r.message)}</li>" for r in finding.related)
            related = f"<details><summary>{len(finding.related)} related</summary><ul>{items}</ul></details>"
        help_text = f'<details><summary>why, and what to do</summary>{esc(finding.help)}</details>' \
            if finding.help else ""
        rows.append(f'<tr><td class="sev-{esc(finding.severity)}">{esc(finding.severity)}</td>'
                    f"<td><code>{esc(finding.code)}</code> {esc(finding.name)}</td>"
                    f"<td><code>{esc(location(finding))}</code></td>"
                    f"<td>{esc(finding.message)}{related}{help_text}</td></tr>")
    rows.append("</table>")
    return "\n".join(rows)


def render_html(report: Report, project: Project) -> str:
    findings = report.findings
    severities = Counter(f.severity for f in findings)
    categories = Counter(f.category for f in findings)
    cards = [(len(findings), "findings"), *((severities[s], s) for s in ("error", "warning", "info") if severities[s]),
             (report.suppressed, "suppressed"), (report.files_scanned, "files scanned")]
    if report.errors:
        cards.append((len(report.errors), "not analysed"))
    body = [f"<h1>debtscan report</h1><p class=muted>{esc(report.root)} · debtscan {esc(__version__)}</p>",
            '<div class="cards">' + "".join(f"<div class=card><b>{esc(n)}</b>{esc(label)}</div>"
                                            for n, label in cards) + "</div>"]
    if report.baseline is not None:
        base = report.baseline
        body.append(f"<p>Baseline <code>{esc(base.get('file', ''))}</code>: {esc(base.get('matched', 0))} known "
                    f"finding(s) not shown; {esc(base.get('fixed_count', 0))} baseline entr(y/ies) no longer "
                    "occur.</p>")
    if categories:
        body.append("<h2>By category</h2><table><tr><th>category</th><th>findings</th></tr>" + "".join(
            f"<tr><td>{esc(c)}</td><td class=num>{n}</td></tr>" for c, n in sorted(categories.items())) + "</table>")
    body.append(composition_section(report.metrics))
    metrics = summary_metrics(report.metrics)
    if metrics:
        body.append("<h2>Metrics</h2><table><tr><th>metric</th><th>value</th></tr>" + "".join(
            f"<tr><td><code>{esc(n)}</code></td><td class=num>{esc(number(v))}</td></tr>" for n, v in metrics)
            + "</table>")
    body.append("<h2>Findings</h2>" + _findings_table(report))
    body.append("<h2>Pipeline graph</h2>" + graph_svg(project))
    if report.errors:
        body.append("<h2>Not analysed</h2><ul>" + "".join(
            f"<li><code>{esc(e.path)}</code>: {esc(e.message)}</li>" for e in report.errors) + "</ul>")
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>debtscan report</title><style>{CSS}</style></head><body>\n"
            + "\n".join(part for part in body if part) + "\n</body></html>\n")


@output_format("html")
def render(report: Report, project: Project) -> str:
    return render_html(report, project)
