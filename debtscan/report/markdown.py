"""A Markdown summary (``--format markdown``) for pull-request comments and CI step summaries.

Counts by category and severity, the metrics, the top findings (errors first) and a Mermaid drawing of the
pipeline graph (modules and the files they hand to each other, the jungle highlighted), which GitHub and
GitLab render in comments and in ``$GITHUB_STEP_SUMMARY``.
"""
from __future__ import annotations

import re
from collections import Counter
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

import networkx as nx

from debtscan.diff import flatten_metrics
from debtscan.project.graph import Project
from debtscan.project.export import to_mermaid
from debtscan.report.formats import output_format
from debtscan.report.model import SEVERITY_ORDER, Finding, Report

TOP_FINDINGS = 15
MAX_METRIC_ROWS = 40
MAX_MERMAID_CHARS = 40000  # GitHub refuses larger diagrams


def cell(text: Any) -> str:
    """Text safe inside a Markdown table cell: no pipes or newlines, and no raw HTML outside `code spans`
    (inside them ``<`` is shown as is, and an entity would be shown literally)."""
    parts = str(text).replace("\r", " ").replace("\n", " ").split("`")
    balanced = len(parts) % 2 == 1
    for i in range(len(parts)):
        if i % 2 == 0 or not balanced:  # outside a code span
            parts[i] = parts[i].replace("&", "&amp;").replace("<", "&lt;")
    return "`".join(parts).replace("|", "\\|")


def table(header: Sequence[str], rows: Iterable[Sequence[Any]], align: str = "") -> List[str]:
    lines = ["| " + " | ".join(header) + " |",
             "| " + " | ".join("---:" if c == "r" else "---" for c in align.ljust(len(header), "l")) + " |"]
    lines.extend("| " + " | ".join(cell(v) for v in row) + " |" for row in rows)
    return lines


def number(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3f}".rstrip("0").rstrip(".") if value == value else "nan"
    return str(value)


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def class_counts(entry: Any) -> Optional[Dict[str, float]]:
    """Lines per class (``{"glue": 120, "ml": 30, ...}``) of a ``metrics.composition`` entry
    (``{"lines": {...}}``), or of its ``repo`` entry; None when absent or shaped otherwise."""
    if not isinstance(entry, dict):
        return None
    lines = entry.get("lines")
    if isinstance(lines, dict) and lines and all(is_number(v) for v in lines.values()):
        return {str(k): v for k, v in lines.items()}
    return class_counts(entry["repo"]) if isinstance(entry.get("repo"), dict) else None


def composition_line(metrics: dict) -> Optional[str]:
    """``Code composition: glue 41% · ml 12% · ...`` for the repo, when the glue-code metrics are present."""
    counts = class_counts(metrics.get("composition"))
    total = sum(counts.values()) if counts else 0
    if not total:
        return None
    parts = [f"{name} {100 * value / total:.0f}%" for name, value in sorted(counts.items(), key=lambda kv: -kv[1])
             if value]
    return f"Code composition ({number(total)} code lines): " + " · ".join(parts)


def summary_metrics(metrics: dict) -> List[Tuple[str, Any]]:
    """The report's scalar metrics, leaving out per-file and per-package breakdowns (tables of many keys)."""
    rows = [(name, value) for name, value in flatten_metrics(metrics, max_width=24) if name.count(".") <= 2]
    return rows[:MAX_METRIC_ROWS]


def top_findings(findings: Sequence[Finding], limit: int = TOP_FINDINGS) -> List[Finding]:
    return sorted(findings, key=lambda f: (-SEVERITY_ORDER.get(f.severity, 0), f.sort_key()))[:limit]


def location(finding: Finding) -> str:
    where = f"{finding.path}:{finding.line}"
    return f"{where} (cell {finding.cell})" if finding.cell is not None else where


def _mermaid_text(text: str) -> str:
    return re.sub(r'["\[\]{}()<>|#;]', "_", text)


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


def handoff_mermaid(graph: nx.DiGraph) -> str:
    ids = {node: f"m{i}" for i, node in enumerate(sorted(graph))}
    lines = ["flowchart LR"]
    lines += [f'  {ids[node]}["{_mermaid_text(node)}"]' for node in sorted(graph)]
    for u, v, data in sorted(graph.edges(data=True), key=lambda e: (e[0], e[1])):
        count = len(data["artifacts"])
        label = next(iter(data["artifacts"])) if count == 1 else f"{count} files"
        lines.append(f'  {ids[u]} -->|"{_mermaid_text(label)}"| {ids[v]}')
    return "\n".join(lines) + "\n"


def mermaid_block(project: Project) -> List[str]:
    drawing = to_mermaid(project)
    if drawing.strip() == "flowchart LR":
        return ["No module hands data to another through files, and no reads or writes were found."]
    if len(drawing) <= MAX_MERMAID_CHARS:
        return ["```mermaid", drawing.rstrip("\n"), "```"]
    modules = handoff_graph(project)
    compact = handoff_mermaid(modules)
    if modules.number_of_edges() and len(compact) <= MAX_MERMAID_CHARS:
        return [f"The whole graph is too large to draw here ({len(drawing)} characters of Mermaid); these are the "
                "modules that hand files to each other (an arrow: the writer, the reader, and what it reads):", "",
                "```mermaid", compact.rstrip("\n"), "```"]
    return [f"The graph is too large to draw here ({len(drawing)} characters of Mermaid); "
            "run `debtscan graph . --format mermaid` or open the `--format html` report."]


def render_markdown(report: Report, project: Project) -> str:
    findings = report.findings
    title = f"## debtscan: {len(findings)} finding(s) in {report.files_scanned} file(s)"
    out: List[str] = [title, ""]
    severities = Counter(f.severity for f in findings)
    parts = [f"**{severities[s]}** {s}" for s in ("error", "warning", "info") if severities[s]]
    parts.append(f"{report.suppressed} suppressed")
    errors = len(report.errors)
    if errors:
        parts.append(f"{errors} file(s) or rule(s) not analysed")
    out += [" · ".join(parts), ""]
    if report.baseline is not None:
        base = report.baseline
        matched, fixed = base.get("matched", 0), base.get("fixed_count", 0)
        out += [f"Baseline `{cell(base.get('file', ''))}`: {matched} known finding{'' if matched == 1 else 's'} "
                f"hidden, {len(findings)} new; {fixed} baseline finding{'' if fixed == 1 else 's'} no longer "
                f"occur{'s' if fixed == 1 else ''}"
                + (" — run `debtscan baseline` to ratchet it down." if base.get("fixed_count") else "."), ""]
    categories = Counter(f.category for f in findings)
    if categories:
        out += table(["category", "findings"], sorted(categories.items()), "lr") + [""]
    composition = composition_line(report.metrics)
    if composition:
        out += [composition, ""]
    rows = summary_metrics(report.metrics)
    if rows:
        out += ["### Metrics", ""] + table(["metric", "value"], [(f"`{n}`", number(v)) for n, v in rows], "lr")
        out.append("")
    if findings:
        shown = top_findings(findings)
        heading = "### Top findings" + (f" ({len(shown)} of {len(findings)})" if len(shown) < len(findings) else "")
        out += [heading, ""]
        out += table(["severity", "rule", "location", "message"],
                     [(f.severity, f"{f.code} {f.name}", f"`{location(f)}`", f.message) for f in shown])
        out.append("")
    if report.errors:
        out += ["<details><summary>Not analysed</summary>", ""]
        out += [f"- `{cell(e.path)}`: {cell(e.message)}" for e in report.errors]
        out += ["", "</details>", ""]
    out += ["### Pipeline graph", ""] + mermaid_block(project) + [""]
    return "\n".join(out)


@output_format("markdown")
def render(report: Report, project: Project) -> str:
    return render_markdown(report, project)
