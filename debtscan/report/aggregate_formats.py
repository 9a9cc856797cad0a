"""``debtscan aggregate`` output: JSON (schema in ``report/aggregate-schema.json``), CSV (a row per repository
and a TOTAL row), Markdown (for a wiki page or a CI summary) and a self-contained HTML page."""
from __future__ import annotations

import csv
import io
import json
from importlib import resources
from typing import Any, Callable, Dict, List

from debtscan import __version__
from debtscan.report.aggregate_model import BREAKDOWNS, COUNT_KEYS, Aggregate
from debtscan.report.html import CSS
from debtscan.report.markdown_table import table
from debtscan.report.svg_charts import PALETTE, esc, hbar_chart

METRIC_KEYS = ("code_lines", "glue_lines", "ml_lines", "glue_code_ratio", "ml_code_ratio", "handoffs",
               "longest_chain", "modules_in_jungle", "shared_signals", "cascades")
TOTAL = "TOTAL"


def render_json(result: Aggregate) -> str:
    return json.dumps(result.to_json(), indent=2, ensure_ascii=False) + "\n"


def _columns(data: Dict[str, Any]) -> Dict[str, List[str]]:
    return {key: sorted(data["totals"][key]) for key in BREAKDOWNS}


def _blank(value: Any) -> Any:
    return "" if value is None else value


def render_csv(result: Aggregate) -> str:
    data = result.to_json()
    names = _columns(data)
    prefixes = {"by_category": "category", "by_severity": "severity", "by_rule": "rule"}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["repository", "root", *COUNT_KEYS, *METRIC_KEYS,
                     *(f"{prefixes[key]}:{name}" for key in BREAKDOWNS for name in names[key])])
    rows = [(r["name"], r["root"], r) for r in data["repositories"]] + [(TOTAL, "", data["totals"])]
    for name, root, entry in rows:
        writer.writerow([name, root, *(entry[k] for k in COUNT_KEYS),
                         *(_blank(entry["metrics"][k]) for k in METRIC_KEYS),
                         *(entry[key].get(n, 0) for key in BREAKDOWNS for n in names[key])])
    return out.getvalue()


def _pct(value: Any) -> str:
    return "–" if value is None else f"{100 * value:.1f}%"


def _num(value: Any) -> str:
    return "–" if value is None else str(value)


def render_markdown(result: Aggregate) -> str:
    data = result.to_json()
    totals = data["totals"]
    m = totals["metrics"]
    lines = [f"## debtscan: {totals['repositories']} repositories", "",
             f"**{totals['findings']} findings** in {totals['files_scanned']} files; glue {_pct(m['glue_code_ratio'])}"
             f" and ML {_pct(m['ml_code_ratio'])} of {_num(m['code_lines'])} code lines; {_num(m['handoffs'])} "
             f"hand-offs, longest chain {_num(m['longest_chain'])}, {_num(m['shared_signals'])} shared signals, "
             f"{_num(m['cascades'])} cascades.", ""]
    categories = sorted(totals["by_category"])
    header = ["repository", "findings", *categories, "glue", "ML", "hand-offs", "longest chain", "shared signals",
              "cascades", "files"]
    body = []
    for entry in [*data["repositories"], {**totals, "name": f"**{TOTAL}**"}]:
        em = entry["metrics"]
        body.append([entry["name"], entry["findings"], *(entry["by_category"].get(c, 0) for c in categories),
                     _pct(em["glue_code_ratio"]), _pct(em["ml_code_ratio"]), _num(em["handoffs"]),
                     _num(em["longest_chain"]), _num(em["shared_signals"]), _num(em["cascades"]),
                     entry["files_scanned"]])
    lines += table(header, body, "l" + "r" * (len(header) - 1))
    if totals["by_rule"]:
        lines += ["", "### Findings by rule", ""]
        lines += table(["rule", "findings", "repositories"],
                       [[code, count, sum(1 for r in data["repositories"] if r["by_rule"].get(code))]
                        for code, count in sorted(totals["by_rule"].items(), key=lambda kv: (-kv[1], kv[0]))],
                       "lrr")
    return "\n".join(lines) + "\n"


def render_html(result: Aggregate) -> str:
    data = result.to_json()
    totals = data["totals"]
    m = totals["metrics"]
    repos = data["repositories"]
    cards = [("repositories", totals["repositories"]), ("findings", totals["findings"]),
             ("glue share", _pct(m["glue_code_ratio"])), ("ML share", _pct(m["ml_code_ratio"])),
             ("hand-offs", _num(m["handoffs"])), ("longest chain", _num(m["longest_chain"])),
             ("shared signals", _num(m["shared_signals"])), ("cascades", _num(m["cascades"]))]
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           f"<title>debtscan: {totals['repositories']} repositories</title>"
           f"<style>{CSS}svg{{max-width:100%;height:auto}}</style></head><body>",
           f"<h1>ML technical debt across {totals['repositories']} repositories</h1>",
           f'<p class="muted">debtscan {esc(__version__)} · shares weighted by code lines · longest chain: the '
           "longest of any repository</p>",
           '<div class="cards">' + "".join(f'<div class="card"><b>{esc(v)}</b>{esc(k)}</div>' for k, v in cards)
           + "</div>"]
    if repos:
        ranked = sorted(repos, key=lambda r: (-r["findings"], r["name"]))
        out.append("<h2>Findings per repository</h2>")
        out.append(hbar_chart([(r["name"], float(r["findings"])) for r in ranked], "findings per repository",
                              PALETTE[0]))
        shares = [(r["name"], r["metrics"]["glue_code_ratio"]) for r in repos
                  if r["metrics"]["glue_code_ratio"] is not None]
        if shares:
            out.append("<h2>Glue share per repository</h2>")
            out.append(hbar_chart(sorted(shares, key=lambda kv: (-kv[1], kv[0])), "glue share per repository",
                                  PALETTE[1], percent=True))
    categories = sorted(totals["by_category"])
    out.append("<h2>Every repository</h2><table><tr><th>repository</th><th>findings</th>"
               + "".join(f"<th>{esc(c)}</th>" for c in categories)
               + "<th>glue</th><th>ML</th><th>hand-offs</th><th>longest chain</th><th>shared signals</th>"
                 "<th>cascades</th><th>files</th><th>files with errors</th></tr>")
    for entry, bold in [*((r, False) for r in repos), (totals, True)]:
        em = entry["metrics"]
        name = TOTAL if bold else entry["name"]
        cells = [entry["findings"], *(entry["by_category"].get(c, 0) for c in categories),
                 _pct(em["glue_code_ratio"]), _pct(em["ml_code_ratio"]), _num(em["handoffs"]),
                 _num(em["longest_chain"]), _num(em["shared_signals"]), _num(em["cascades"]),
                 entry["files_scanned"], entry["files_with_errors"]]
        wrap = (lambda s: f"<b>{s}</b>") if bold else (lambda s: s)
        title = "" if bold else f' title="{esc(entry["root"])}"'
        out.append(f"<tr><td{title}>{wrap(esc(name))}</td>"
                   + "".join(f"<td class=num>{wrap(esc(c))}</td>" for c in cells) + "</tr>")
    out.append("</table>")
    if totals["by_rule"]:
        out.append("<h2>Findings by rule</h2><table><tr><th>rule</th><th>findings</th><th>repositories</th></tr>")
        for code, count in sorted(totals["by_rule"].items(), key=lambda kv: (-kv[1], kv[0])):
            spread = sum(1 for r in repos if r["by_rule"].get(code))
            out.append(f"<tr><td><code>{esc(code)}</code></td><td class=num>{count}</td><td class=num>{spread}</td>"
                       "</tr>")
        out.append("</table>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def aggregate_schema() -> Dict[str, Any]:
    """The JSON Schema of ``debtscan aggregate --format json``."""
    with resources.files("debtscan.report").joinpath("aggregate-schema.json").open("r", encoding="utf-8") as handle:
        return json.load(handle)


RENDERERS: Dict[str, Callable[[Aggregate], str]] = {"json": render_json, "csv": render_csv,
                                                    "markdown": render_markdown, "html": render_html}
