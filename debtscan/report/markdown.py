"""A Markdown summary (``--format markdown``) for pull-request comments and CI step summaries.

Counts by category and severity, the metrics, the top findings (errors first) and a Mermaid drawing of the
pipeline graph (modules and the files they hand to each other, the jungle highlighted), which GitHub and
GitLab render in comments and in ``$GITHUB_STEP_SUMMARY``.
"""
from __future__ import annotations

import re
from collections import Counter
from typing import Any, Dict, List, Optional, Sequence, Tuple

from debtscan.report.diff import flatten_metrics
from debtscan.report.markdown_table import cell, table
from debtscan.report.model import SEVERITY_ORDER, Finding, ModuleHandoff, PipelineDrawing, Report

TOP_FINDINGS = 15
MAX_METRIC_ROWS = 40
MAX_MERMAID_CHARS = 40000  # GitHub refuses larger diagrams


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


def handoff_mermaid(handoffs: Sequence[ModuleHandoff]) -> str:
    """Modules only, an arrow from writer to reader labelled with the file handed over (or how many)."""
    modules = sorted({h.writer for h in handoffs} | {h.reader for h in handoffs})
    ids = {node: f"m{i}" for i, node in enumerate(modules)}
    lines = ["flowchart LR"]
    lines += [f'  {ids[node]}["{_mermaid_text(node)}"]' for node in modules]
    for handoff in handoffs:
        count = len(handoff.artifacts)
        label = handoff.artifacts[0] if count == 1 else f"{count} files"
        lines.append(f'  {ids[handoff.writer]} -->|"{_mermaid_text(label)}"| {ids[handoff.reader]}')
    return "\n".join(lines) + "\n"


def mermaid_block(pipeline: PipelineDrawing) -> List[str]:
    drawing = pipeline.mermaid
    if drawing.strip() == "flowchart LR":
        return ["No module hands data to another through files, and no reads or writes were found."]
    if len(drawing) <= MAX_MERMAID_CHARS:
        return ["```mermaid", drawing.rstrip("\n"), "```"]
    compact = handoff_mermaid(pipeline.handoffs)
    if pipeline.handoffs and len(compact) <= MAX_MERMAID_CHARS:
        return [f"The whole graph is too large to draw here ({len(drawing)} characters of Mermaid); these are the "
                "modules that hand files to each other (an arrow: the writer, the reader, and what it reads):", "",
                "```mermaid", compact.rstrip("\n"), "```"]
    return [f"The graph is too large to draw here ({len(drawing)} characters of Mermaid); "
            "run `debtscan graph . --format mermaid` or open the `--format html` report."]


def render_markdown(report: Report) -> str:
    if report.pipeline is None:
        raise ValueError("the markdown format draws the pipeline: fill Report.pipeline first "
                         "(debtscan.report.drawing.with_pipeline)")
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
    out += ["### Pipeline graph", ""] + mermaid_block(report.pipeline) + [""]
    return "\n".join(out)


def render(report: Report) -> str:
    return render_markdown(report)
