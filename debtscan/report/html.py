"""A self-contained HTML report (``--format html``): one file that works offline, no network, no external fonts.

The summary, the code composition chart (when the glue-code metrics are in the report), the metrics, the
findings (filterable by rule, category, severity and path, sortable, groupable) and the pipeline graph. The
graph is laid out by dagre (a layered, Sugiyama-style layout: steps left to right, crossings reduced, long
edges routed between the nodes of the layers they cross) and drawn by cytoscape.js with zoom, pan, search and
click-to-highlight; both libraries are inlined from ``vendor/`` with their licences. The views (direct steps,
modules only, modules with the files they read and write) come built in the report's pipeline drawing
(:mod:`debtscan.report.drawing`); this module only writes them into the page.
"""
from __future__ import annotations

import html
import json
import re
from collections import Counter
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List

from debtscan import __version__
from debtscan.report.markdown import class_counts, is_number, location, number, summary_metrics, top_findings
from debtscan.report.model import Finding, GraphView, PipelineDrawing, Report
from debtscan.report.figure1 import CLASS_COLOURS as CLASS_COLOURS_BY_KIND, figure_section

MIN_FILE_LINES = 10  # files smaller than this are not ranked by glue
CHAR_W = 7.3  # px per character of the 12px monospace node labels
VIEW_NAMES = {"steps": "direct steps (implied hand-offs left out)", "modules": "modules (files collapsed)",
              "files": "modules and files"}
VENDOR = Path(__file__).resolve().parent / "vendor"
VENDORED = (("dagre.min.js", "@dagrejs/dagre 3.1.3, MIT"), ("cytoscape.min.js", "cytoscape 3.34.4, MIT"))
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
.toolbar{display:flex;flex-wrap:wrap;gap:.6rem;align-items:center;margin:.6rem 0}
.toolbar input[type=search],.toolbar select{font:inherit;padding:.15rem .3rem}
#graph-wrap{position:relative}#graph{height:480px;border:1px solid #d0d7de;border-radius:6px;background:#fff}
#graph-tip{position:absolute;pointer-events:none;background:#1f2328;color:#fff;padding:.25rem .5rem;
border-radius:4px;font-size:.8rem;max-width:36rem;z-index:5}
#graph-info{margin:.5rem 0;font-size:.9rem}#graph-info ul{margin:.2rem 0 .5rem 1.2rem;padding:0}
th[data-sort]{cursor:pointer;user-select:none;white-space:nowrap}th[data-sort]:after{content:" \\2195";color:#8c959f}
th[aria-sort=ascending]:after{content:" \\2191";color:#1f2328}th[aria-sort=descending]:after{content:" \\2193";color:#1f2328}
tr.group td{background:#f6f8fa;font-weight:bold}
"""


def esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


# --- composition (metrics produced by the glue-code rules, when present) ---------------------------------

KIND_COLOURS = CLASS_COLOURS_BY_KIND  # one colour per line class (debtscan.report.figure1)


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
        out.append(figure_section(composition))
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


# --- the pipeline graph: cytoscape.js drawing a dagre (layered, Sugiyama) layout ---------------------------

def _node_width(label: str) -> int:
    return int(max(60, CHAR_W * len(label) + 24))


def view_data(view: GraphView) -> Dict[str, Any]:
    """Nodes and edges of one view as the page's script reads them."""
    nodes = []
    for node in view.nodes:
        item: Dict[str, Any] = {"id": node.id, "key": node.key, "label": node.label, "kind": node.kind,
                                "jungle": node.jungle, "w": _node_width(node.label)}
        if node.more_in:
            item["more_in"] = list(node.more_in)
        if node.more_out:
            item["more_out"] = list(node.more_out)
        nodes.append(item)
    edges = []
    for edge in view.edges:
        data: Dict[str, Any] = {"id": edge.id, "source": edge.source, "target": edge.target, "kind": edge.kind,
                                "title": edge.title}
        if edge.files:
            data["files"] = list(edge.files)
        edges.append(data)
    return {"nodes": nodes, "edges": edges}


def graph_data(drawing: PipelineDrawing) -> Dict[str, Any]:
    """The views of the pipeline, their notes and the view to open on, as the page's script reads them."""
    return {"views": {name: view_data(view) for name, view in drawing.views}, "notes": dict(drawing.notes),
            "default": drawing.default}


def _json_script(element_id: str, data: Any) -> str:
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return f'<script type="application/json" id="{element_id}">{text}</script>'


@lru_cache(maxsize=1)
def vendored_scripts() -> str:
    """The layout and drawing libraries, inlined (their licences ship beside them in ``vendor/``)."""
    parts = []
    for name, licence in VENDORED:
        code = (VENDOR / name).read_text(encoding="utf-8")
        code = re.sub(r"\n?//# sourceMappingURL=\S*\s*$", "\n", code)
        if "</script" in code.lower():
            raise ValueError(f"vendored {name} cannot be inlined: it contains </script")
        parts.append(f"<script>/* {name}: {licence}, see debtscan/report/vendor/ */\n{code}</script>")
    return "\n".join(parts)


@lru_cache(maxsize=1)
def page_script() -> str:
    """The page's own script (``report.js``): the graph's views, search and highlighting, the table's filters."""
    code = (Path(__file__).resolve().parent / "report.js").read_text(encoding="utf-8")
    if "</script" in code.lower():
        raise ValueError("report.js cannot be inlined: it contains </script")
    return code


def graph_section(drawing: PipelineDrawing) -> str:
    data = graph_data(drawing)
    if not data["views"]:
        if data["notes"]:
            return "".join(f'<p class="muted">{esc(note)}</p>' for note in data["notes"].values())
        return '<p class="muted">No module reads or writes a file that another module uses.</p>'
    buttons = "".join(
        f'<label><input type="radio" name="graph-view" value="{name}"'
        f'{" checked" if name == data["default"] else ""}> {label}</label>'
        for name, label in VIEW_NAMES.items() if name in data["views"])
    notes = "".join(f'<p class="muted">{esc(VIEW_NAMES[name])}: {esc(note)}</p>'
                    for name, note in sorted(data["notes"].items()))
    return (f'<div class="toolbar" id="graph-tools">{buttons}'
            '<input type="search" id="graph-search" placeholder="find a module or file" aria-label="find in the graph">'
            '<button type="button" id="graph-fit">fit</button><span id="graph-status" class="muted"></span></div>'
            f"{notes}"
            '<p class="legend"><span><i class="swatch" style="background:#e8f0fe"></i>module</span>'
            '<span><i class="swatch" style="background:#fff4dd;border-radius:40%"></i>file (artifact)</span>'
            f'<span><i class="swatch" style="background:{JUNGLE[0]}"></i>in the pipeline jungle</span>'
            '<span>dashed: a path pattern matching a file</span>'
            '<span class="muted">scroll to zoom, drag to pan, click a node for its hand-offs</span></p>'
            '<div id="graph-wrap"><div id="graph" role="img" aria-label="pipeline graph"></div>'
            '<div id="graph-tip" hidden></div></div><div id="graph-info" class="muted">Click a module or file to '
            "highlight what it reads and writes.</div>"
            '<noscript><p class="muted">The graph needs JavaScript; <code>debtscan graph . --format dot</code> '
            "draws it with Graphviz.</p></noscript>"
            + _json_script("graph-data", data))


# --- the page -----------------------------------------------------------------------------------------

def _options(label: str, name: str, values: List[str]) -> str:
    options = "".join(f'<option value="{esc(v)}">{esc(v)}</option>' for v in values)
    return (f'<label>{esc(label)} <select id="filter-{name}" data-filter="{name}"><option value="">all</option>'
            f"{options}</select></label>")


def _finding_row(finding: Finding) -> str:
    related = ""
    if finding.related:
        items = "".join(f"<li><code>{esc(r.path)}:{r.line}</code>"
                        f"{f' (cell {r.cell})' if r.cell is not None else ''} {esc(r.message)}</li>"
                        for r in finding.related)
        related = f"<details><summary>{len(finding.related)} related</summary><ul>{items}</ul></details>"
    help_text = f"<details><summary>why, and what to do</summary>{esc(finding.help)}</details>" \
        if finding.help else ""
    return (f'<tr data-rule="{esc(finding.code)}" data-category="{esc(finding.category)}" '
            f'data-severity="{esc(finding.severity)}" data-path="{esc(finding.path)}" data-line="{finding.line}">'
            f'<td class="sev-{esc(finding.severity)}">{esc(finding.severity)}</td>'
            f"<td><code>{esc(finding.code)}</code> {esc(finding.name)}</td>"
            f"<td>{esc(finding.category)}</td>"
            f"<td><code>{esc(location(finding))}</code></td>"
            f"<td>{esc(finding.message)}{related}{help_text}</td></tr>")


def findings_section(report: Report) -> str:
    """Every finding, most severe first, with filters (rule, category, severity, path), sorting and grouping."""
    if not report.findings:
        return "<p>No findings.</p>"
    findings = top_findings(report.findings, limit=len(report.findings))
    rules = sorted({f"{f.code}" for f in findings})
    names = {f.code: f.name for f in findings}
    rule_options = "".join(f'<option value="{esc(c)}">{esc(c)} {esc(names[c])}</option>' for c in rules)
    severities = [s for s in ("error", "warning", "info") if any(f.severity == s for f in findings)]
    tools = ('<div class="toolbar" id="finding-tools">'
             f'<label>rule <select id="filter-rule" data-filter="rule"><option value="">all</option>{rule_options}'
             "</select></label>"
             + _options("category", "category", sorted({f.category for f in findings}))
             + _options("severity", "severity", severities)
             + '<label>path <input type="search" id="filter-path" data-filter="path" placeholder="part of a path">'
             '</label><label>group by <select id="group-by"><option value="">nothing</option>'
             '<option value="path">file</option><option value="rule">rule</option>'
             '<option value="category">category</option></select></label>'
             f'<span id="finding-count" class="muted">{len(findings)} of {len(findings)} shown</span></div>')
    head = ('<table id="findings"><thead><tr><th data-sort="severity">severity</th><th data-sort="rule">rule</th>'
            '<th data-sort="category">category</th><th data-sort="location">location</th>'
            "<th>message</th></tr></thead><tbody>")
    return tools + head + "".join(_finding_row(f) for f in findings) + "</tbody></table>"


def render_html(report: Report) -> str:
    if report.pipeline is None:
        raise ValueError("the html format draws the pipeline: fill Report.pipeline first "
                         "(debtscan.report.drawing.with_pipeline)")
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
    body.append("<h2>Pipeline graph</h2>" + graph_section(report.pipeline))
    body.append("<h2>Findings</h2>" + findings_section(report))
    if report.errors:
        body.append("<h2>Not analysed</h2><ul>" + "".join(
            f"<li><code>{esc(e.path)}</code>: {esc(e.message)}</li>" for e in report.errors) + "</ul>")
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>debtscan report</title><style>{CSS}</style></head><body>\n"
            + "\n".join(part for part in body if part) + "\n"
            + vendored_scripts() + f"\n<script>\n{page_script()}</script>\n</body></html>\n")


def render(report: Report) -> str:
    return render_html(report)
