"""The repository drawn as Sculley et al.'s Figure 1 (2015): one box per class of code, sized by its lines.

The paper's figure puts a small "ML Code" box in the middle of much larger boxes (configuration, data
collection, feature extraction, data verification, machine resource management, analysis tools, process
management tools, serving infrastructure, monitoring). Here the boxes are the line classes of
:mod:`debtscan.facts.lines`, each a square whose **area** is proportional to its lines (the largest class
fills its slot), ML in the middle and the others around it in the paper's order, glue drawn with a heavy
border. Beside it: the glue-heaviest files, and the project's glue functions and adapter classes.

Input is the report's ``metrics["composition"]`` (the JSON numbers), output inline SVG and HTML: no script,
so the picture is there in a browser without JavaScript, in a mail client and in a printed page.
"""
from __future__ import annotations

import html
import math
from typing import Any, Dict, List, Mapping, Tuple

from debtscan.knowledge.code_classes import CLASSES, LABELS

#: A colour per class (the console uses its own palette; these read on white and in greyscale print).
CLASS_COLOURS = {
    "ml": "#2e8b57", "glue": "#c00000", "io": "#c98a00", "prep": "#1f77b4", "verify": "#17becf",
    "config": "#8246c8", "process": "#8c564b", "serving": "#e377c2", "monitoring": "#7f7f7f",
    "analysis": "#bcbd22", "other": "#9aa4ad",
}

#: The slots around the ML box, clockwise from the top left (Figure 1's arrangement: configuration top left,
#: data collection and feature extraction along the top, serving and monitoring on the right...).
RING = ("config", "io", "prep", "verify", "glue", "monitoring", "serving", "process", "analysis", "other")

WIDTH, HEIGHT = 1000, 640
SLOT = 180          # the side of the largest box (before shrinking to avoid overlaps)
CENTRE = (WIDTH / 2, HEIGHT / 2)
RADII = (WIDTH / 2 - SLOT / 2 - 12, HEIGHT / 2 - SLOT / 2 - 12)


def _esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def layout(lines: Mapping[str, int]) -> List[Tuple[str, float, float, float]]:
    """(class, centre x, centre y, side) of each box with lines: ML in the middle, the rest on an ellipse.
    The sides share one scale (area in proportion to lines), shrunk until no box or its label overlaps
    another."""
    biggest = max((lines.get(k, 0) for k in CLASSES), default=0)
    if not biggest:
        return []
    slots = []
    if lines.get("ml"):
        slots.append(("ml", CENTRE[0], CENTRE[1]))
    ring = [kind for kind in RING if lines.get(kind)]
    for i, kind in enumerate(ring):
        angle = -math.pi * 3 / 4 + 2 * math.pi * i / max(len(ring), 1)
        slots.append((kind, CENTRE[0] + RADII[0] * math.cos(angle), CENTRE[1] + RADII[1] * math.sin(angle)))
    scale = float(SLOT)
    for _ in range(40):
        boxes = [(kind, x, y, max(scale * math.sqrt(lines[kind] / biggest), 6.0)) for kind, x, y in slots]
        if not _overlapping(boxes):
            break
        scale *= 0.93
    return boxes


def _extent(box: Tuple[str, float, float, float]) -> Tuple[float, float, float, float]:
    """A box with the room its label takes (below it when it is small; the label is 260 px wide at most)."""
    kind, x, y, side = box
    half = max(side / 2, 120 if side < 90 else side / 2)
    bottom = y + side / 2 + (32 if side < 90 else 0)
    return x - half, y - side / 2, x + half, bottom


def _overlapping(boxes: List[Tuple[str, float, float, float]]) -> bool:
    extents = [_extent(b) for b in boxes]
    for i in range(len(extents)):
        a = extents[i]
        for b in extents[i + 1:]:
            if a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]:
                return True
    return False


def figure_svg(composition: Mapping[str, Any]) -> str:
    """The Figure-1 picture of a repo's ``metrics.composition``."""
    repo = composition.get("repo") or {}
    lines: Dict[str, int] = {k: int(v) for k, v in (repo.get("lines") or {}).items() if isinstance(v, (int, float))}
    total = sum(lines.values())
    if not total:
        return ""
    parts = [f'<svg id="figure1" role="img" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" '
             f'aria-label="Code composition drawn as Sculley et al. Figure 1">',
             f'<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>']
    for kind, x, y, side in layout(lines):
        count = lines.get(kind, 0)
        share = count / total
        colour = CLASS_COLOURS.get(kind, "#999999")
        stroke = 5 if kind == "glue" else (3 if kind == "ml" else 1.5)
        label = LABELS.get(kind, kind)
        parts.append(
            f'<g class="box" data-class="{_esc(kind)}" data-lines="{count}">'
            f'<rect x="{x - side / 2:.1f}" y="{y - side / 2:.1f}" width="{side:.1f}" height="{side:.1f}" '
            f'rx="3" fill="{colour}" fill-opacity="0.18" stroke="{colour}" stroke-width="{stroke}">'
            f'<title>{_esc(label)}: {count} lines ({100 * share:.1f}%)</title></rect>')
        # labels below small boxes, inside large ones
        inside = side >= 90
        ty = y if inside else y + side / 2 + 14
        weight = "700" if kind in ("glue", "ml") else "400"
        parts.append(f'<text x="{x:.1f}" y="{ty - (6 if inside else 0):.1f}" text-anchor="middle" '
                     f'font-size="13" font-weight="{weight}" fill="#222">{_esc(label)}</text>')
        parts.append(f'<text x="{x:.1f}" y="{ty + (10 if inside else 14):.1f}" text-anchor="middle" '
                     f'font-size="12" fill="#444">{count} line{"s" if count != 1 else ""} · {100 * share:.0f}%</text></g>')
    parts.append("</svg>")
    return "".join(parts)


def figure_section(composition: Mapping[str, Any], limit: int = 8) -> str:
    """The picture, then the glue-heaviest files and the project's glue functions and adapter classes."""
    picture = figure_svg(composition)
    if not picture:
        return ""
    repo = composition["repo"]
    lines = repo.get("lines") or {}
    total = sum(v for v in lines.values() if isinstance(v, (int, float))) or 1
    ml, glue = lines.get("ml", 0) / total, lines.get("glue", 0) / total
    out = ['<section id="figure1-section"><h3>The system as Sculley et al. draw it (Figure 1)</h3>',
           f'<p>Each box\'s area is its share of the {int(repo.get("code_lines", total))} code lines. ML code is '
           f'{100 * ml:.1f}% here (the paper notes a mature system may be 5% ML code), glue {100 * glue:.1f}%.</p>',
           f'<div class="figure1">{picture}</div>']
    files = composition.get("files") or {}
    heavy = sorted(((int(t["lines"]["glue"]), t["lines"]["glue"] / (sum(t["lines"].values()) or 1), p)
                    for p, t in files.items() if isinstance(t, dict) and (t.get("lines") or {}).get("glue")),
                   key=lambda r: (-r[0], -r[1], r[2]))[:limit]
    if heavy:
        out.append('<table class="figure1-files"><tr><th>glue-heaviest file</th><th>glue lines</th>'
                   '<th>glue share</th></tr>')
        out += [f'<tr><td><code>{_esc(p)}</code></td><td class=num>{n}</td><td class=num>{100 * s:.0f}%</td></tr>'
                for n, s, p in heavy]
        out.append("</table>")
    helpers = composition.get("glue_functions") or []
    adapters = composition.get("adapter_classes") or []
    if helpers or adapters:
        out.append('<table class="figure1-adapters"><tr><th>glue function or adapter class</th><th>where</th>'
                   '<th>code lines</th><th>call sites</th></tr>')
        out += [f'<tr><td><code>{_esc(a["class"])}</code> (adapter class: {_esc(", ".join(a["methods"]))})</td>'
                f'<td><code>{_esc(a["path"])}:{a["line"]}</code></td><td class=num>{a["code_lines"]}</td>'
                f'<td class=num></td></tr>' for a in adapters[:limit]]
        out += [f'<tr><td><code>{_esc(h["function"])}</code></td><td><code>{_esc(h["path"])}:{h["line"]}</code></td>'
                f'<td class=num>{h["code_lines"]}</td><td class=num>{h["call_sites"]}</td></tr>'
                for h in helpers[:limit]]
        out.append("</table>")
    out.append("</section>")
    return "\n".join(out)
