"""The console's composition chart: how the code's lines fall into the classes of Sculley's Figure 1.

One stacked bar for the repo, then one bar per glue-heaviest file, drawn with ``rich`` from
``report.metrics["composition"]`` (so the console shows the same numbers as ``--format json``).
"""
from __future__ import annotations

from typing import Any, Dict, List, Tuple

from rich.console import Console
from rich.table import Table
from rich.text import Text

from debtscan.knowledge.code_classes import CLASSES
from debtscan.report.model import Report
from debtscan.scope import in_scope

KIND_ORDER = CLASSES  # ml, glue, io, prep, verify, config, process, serving, monitoring, analysis, other
KIND_STYLE = {"ml": "green", "glue": "magenta", "io": "blue", "prep": "cyan", "verify": "bright_green",
              "config": "yellow", "process": "bright_blue", "serving": "bright_magenta",
              "monitoring": "bright_yellow", "analysis": "bright_cyan", "other": "grey50"}
# A glyph per class as well as a colour, so the chart reads without colour (piped, --no-color, printed).
KIND_GLYPH = {"ml": "█", "glue": "▓", "io": "▒", "prep": "▚", "verify": "▞", "config": "░", "process": "▤",
              "serving": "▥", "monitoring": "▦", "analysis": "▧", "other": "·"}
ALWAYS_SHOWN = ("ml", "glue", "io", "config", "other")  # in the legend even at 0, as before the Figure-1 classes
BAR_WIDTH = 40
HEAVIEST = 5


def bar(fractions: Dict[str, float], width: int = BAR_WIDTH) -> Text:
    """A stacked bar: one coloured block per class, in proportion (largest remainders, so it sums up)."""
    raw = [(kind, fractions.get(kind, 0.0) * width) for kind in KIND_ORDER]
    cells = {kind: int(value) for kind, value in raw}
    left = width - sum(cells.values()) if any(v for _, v in raw) else 0
    for kind, value in sorted(raw, key=lambda item: -(item[1] - int(item[1])))[:max(0, left)]:
        cells[kind] += 1
    text = Text()
    for kind in KIND_ORDER:
        if cells[kind]:
            text.append(KIND_GLYPH[kind] * cells[kind], style=KIND_STYLE[kind])
    if not text.plain:
        text.append(" " * width)
    return text


def heaviest(files: Dict[str, Dict[str, Any]], limit: int = HEAVIEST, min_code_lines: int = 10
             ) -> List[Tuple[str, Dict[str, Any]]]:
    ranked = [(p, c) for p, c in files.items() if c["code_lines"] >= min_code_lines and c["lines"]["glue"]]
    ranked.sort(key=lambda item: (-item[1]["lines"]["glue"], -item[1]["fractions"]["glue"], item[0]))
    return ranked[:limit]


def render_composition(report: Report, console: Console) -> None:
    data = report.metrics.get("composition")
    if not data or not data["repo"]["code_lines"]:
        return
    repo = data["repo"]
    console.print()
    console.print(Text("Code composition", style="bold"))
    files = data["files"]
    if report.scope is not None:  # a scan of some paths: the project's bar, then those paths' files
        scope = set(report.scope)
        files = {path: comp for path, comp in files.items() if in_scope(path, scope)}
    rows = heaviest(files)
    label = max([4] + [len(path) for path, _ in rows])
    # the bar shrinks (down to 10) before a path is folded; numbers never are
    width = max(10, min(BAR_WIDTH, console.width - min(label, 40) - 30))
    table = Table(show_header=True, header_style="dim", box=None, padding=(0, 1))
    table.add_column("", overflow="fold")  # a long path folds onto more lines, never "py_feature/21…" twice
    table.add_column("", no_wrap=True)
    table.add_column("glue", justify="right", no_wrap=True)
    table.add_column("ml", justify="right", no_wrap=True)
    table.add_column("code lines", justify="right", no_wrap=True)
    table.add_row(Text("repo", style="bold"), bar(repo["fractions"], width), f"{repo['fractions']['glue']:.0%}",
                  f"{repo['fractions']['ml']:.0%}", str(repo["code_lines"]))
    for path, comp in rows:
        table.add_row(path, bar(comp["fractions"], width), f"{comp['fractions']['glue']:.0%}",
                      f"{comp['fractions']['ml']:.0%}", str(comp["code_lines"]))
    console.print(table)
    legend = Text("  ")
    for kind in KIND_ORDER:
        if not repo["lines"].get(kind) and kind not in ALWAYS_SHOWN:
            continue  # a Figure-1 class with no line in this repo takes no room in the legend
        legend.append(KIND_GLYPH[kind] + " ", style=KIND_STYLE[kind])
        legend.append(f"{kind} {repo['lines'][kind]}   ", style="dim")
    console.print(legend)
    adapters = data.get("adapters") or []
    if adapters:
        console.print(Text("  glue adapts: " + ", ".join(f"{a['adapter']} ({a['lines']})" for a in adapters[:6]),
                           style="dim"))
