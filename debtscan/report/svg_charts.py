"""Small self-contained SVG charts (no script, no network) for the trend and aggregate pages.

Every point and bar carries a ``<title>`` (the browser shows it on hover), axes have round ticks, and each
chart has a legend in the page's text, so a chart reads in print and without colour too.
"""
from __future__ import annotations

import html
import math
from typing import Callable, List, Optional, Sequence, Tuple

from debtscan.records import record

PALETTE = ("#c00000", "#3b6fd6", "#2e8b57", "#c98a00", "#8246c8", "#17becf", "#e377c2", "#7f7f7f", "#8c564b",
           "#bcbd22")
LEFT, RIGHT, TOP, BOTTOM = 56, 44, 14, 46


def esc(value: object) -> str:
    return html.escape(str(value), quote=True)


@record(frozen=True)
class Series:
    """One line (or band) of a chart: its name, a value per x position (None: no value there), a colour."""

    name: str
    values: Tuple[Optional[float], ...]
    colour: str


def nice_ticks(top: float, count: int = 5, integer: bool = False) -> List[float]:
    """Round tick values from 0 to at least ``top`` (steps of 1, 2 or 5 times a power of ten; whole steps
    for counts)."""
    if top <= 0:
        return [0.0, 1.0]
    raw = top / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    if integer:
        step = max(1.0, round(step))
    ticks = [0.0]
    while ticks[-1] < top - 1e-12:
        ticks.append(round(ticks[-1] + step, 10))
    return ticks


def _fmt(value: float, percent: bool) -> str:
    if percent:
        return f"{100 * value:.0f}%" if abs(100 * value - round(100 * value)) < 1e-9 else f"{100 * value:.1f}%"
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.2f}"


class _Frame:
    """The plot area: maps (index, value) to pixels, and draws the axes and x labels."""

    def __init__(self, labels: Sequence[str], top: float, width: int, height: int, percent: bool,
                 integer: bool = False) -> None:
        self.labels = list(labels)
        self.ticks = nice_ticks(top, integer=integer and not percent)
        self.top = self.ticks[-1] or 1.0
        self.width, self.height, self.percent = width, height, percent
        self.plot_w = width - LEFT - RIGHT
        self.plot_h = height - TOP - BOTTOM

    def x(self, index: int) -> float:
        """The centre of the index-th of n equal slots (so bars and points line up across charts)."""
        return LEFT + self.slot() * (index + 0.5)

    def y(self, value: float) -> float:
        return TOP + self.plot_h * (1 - value / self.top)

    def slot(self) -> float:
        return self.plot_w / max(1, len(self.labels))

    def axes(self) -> str:
        parts = []
        for tick in self.ticks:
            y = self.y(tick)
            parts.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{self.width - RIGHT}" y2="{y:.1f}" stroke="#eaeef2"/>'
                         f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" fill="#57606a">'
                         f'{esc(_fmt(tick, self.percent))}</text>')
        parts.append(f'<line x1="{LEFT}" y1="{TOP + self.plot_h}" x2="{self.width - RIGHT}" y2="{TOP + self.plot_h}" '
                     f'stroke="#8c959f"/>')
        n = len(self.labels)
        shown = sorted({round(i * (n - 1) / 7) for i in range(8)}) if n > 8 else range(n)
        for i in shown:
            x = self.x(i)
            parts.append(f'<line x1="{x:.1f}" y1="{TOP + self.plot_h}" x2="{x:.1f}" y2="{TOP + self.plot_h + 4}" '
                         f'stroke="#8c959f"/><text x="{x:.1f}" y="{TOP + self.plot_h + 18}" text-anchor="middle" '
                         f'font-size="11" fill="#57606a">{esc(self.labels[i])}</text>')
        return "".join(parts)

    def svg(self, body: str, title: str) -> str:
        return (f'<svg role="img" aria-label="{esc(title)}" width="{self.width}" height="{self.height}" '
                f'viewBox="0 0 {self.width} {self.height}" xmlns="http://www.w3.org/2000/svg">'
                f'<title>{esc(title)}</title>{self.axes()}{body}</svg>')


def legend(series: Sequence[Series], last: Callable[[Series], str] = lambda s: "") -> str:
    return '<p class="legend">' + "".join(
        f'<span><i class="swatch" style="background:{s.colour}"></i>{esc(s.name)}{esc(last(s))}</span>'
        for s in series) + "</p>"


def line_chart(series: Sequence[Series], labels: Sequence[str], title: str, tips: Sequence[str] = (),
               width: int = 1100, height: int = 240, percent: bool = False) -> str:
    """One polyline per series over the x positions (a gap where a value is None), a dot per value."""
    values = [v for s in series for v in s.values if v is not None]
    integer = all(float(v).is_integer() for v in values)
    frame = _Frame(labels, max(values, default=0.0), width, height, percent, integer)
    parts = []
    for s in series:
        runs: List[List[Tuple[float, float]]] = [[]]
        dots = []
        for i, value in enumerate(s.values):
            if value is None:
                runs.append([])
                continue
            x, y = frame.x(i), frame.y(value)
            runs[-1].append((x, y))
            tip = f"{tips[i] if i < len(tips) else labels[i]}: {s.name} {_fmt(value, percent)}"
            dots.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.6" fill="{s.colour}"><title>{esc(tip)}</title>'
                        f'</circle>')
        for run in runs:
            if len(run) > 1:
                points = " ".join(f"{x:.1f},{y:.1f}" for x, y in run)
                parts.append(f'<polyline fill="none" stroke="{s.colour}" stroke-width="2" points="{points}"/>')
        parts.extend(dots)
    return frame.svg("".join(parts), title)


def stacked_chart(series: Sequence[Series], labels: Sequence[str], title: str, tips: Sequence[str] = (),
                  width: int = 1100, height: int = 280) -> str:
    """A stacked column per x position (one segment per series, None counted as 0): the total's height and
    each part's share, commit by commit."""
    n = len(labels)
    totals = [sum((s.values[i] or 0) for s in series) for i in range(n)]
    frame = _Frame(labels, max(totals, default=0.0), width, height, False, integer=True)
    bar = max(1.0, min(28.0, frame.slot() * 0.8))
    parts = []
    for i in range(n):
        base = 0.0
        tip = (f"{tips[i] if i < len(tips) else labels[i]}: {totals[i]:.0f} findings"
               + "".join(f"; {s.name} {s.values[i] or 0:.0f}" for s in series if s.values[i]))
        for s in series:
            value = s.values[i] or 0
            if value:
                y_top, y_base = frame.y(base + value), frame.y(base)
                parts.append(f'<rect x="{frame.x(i) - bar / 2:.1f}" y="{y_top:.1f}" width="{bar:.1f}" '
                             f'height="{y_base - y_top:.1f}" fill="{s.colour}"><title>{esc(tip)}</title></rect>')
            base += value
    return frame.svg("".join(parts), title)


def updown_chart(up: Sequence[int], down: Sequence[int], labels: Sequence[str], title: str,
                 tips: Sequence[str] = (), width: int = 1100, height: int = 220,
                 colours: Tuple[str, str] = ("#c00000", "#2e8b57"), names: Tuple[str, str] = ("added", "paid")
                 ) -> str:
    """A bar up (``up[i]``) and a bar down (``down[i]``) per x position, from a zero line in the middle."""
    peak = max([*up, *down, 1])
    ticks = nice_ticks(peak, 3, integer=True)
    top = ticks[-1]
    plot_h = height - TOP - BOTTOM
    zero = TOP + plot_h / 2
    n = len(labels)
    frame = _Frame(labels, 1.0, width, height, False)
    bar = max(1.0, min(18.0, frame.slot() * 0.7))
    parts = []
    for tick in ticks:
        for sign in ((1, -1) if tick else (1,)):
            y = zero - sign * (plot_h / 2) * tick / top
            parts.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{width - RIGHT}" y2="{y:.1f}" stroke="#eaeef2"/>'
                         f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" fill="#57606a">'
                         f'{"-" if sign < 0 else ("+" if tick else "")}{tick:.0f}</text>')
    parts.append(f'<line x1="{LEFT}" y1="{zero}" x2="{width - RIGHT}" y2="{zero}" stroke="#8c959f"/>')
    for i in range(n):
        x = frame.x(i) - bar / 2
        tip = f"{tips[i] if i < len(tips) else labels[i]}: +{up[i]} {names[0]}, -{down[i]} {names[1]}"
        if up[i]:
            h = (plot_h / 2) * up[i] / top
            parts.append(f'<rect x="{x:.1f}" y="{zero - h:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                         f'fill="{colours[0]}"><title>{esc(tip)}</title></rect>')
        if down[i]:
            h = (plot_h / 2) * down[i] / top
            parts.append(f'<rect x="{x:.1f}" y="{zero:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                         f'fill="{colours[1]}"><title>{esc(tip)}</title></rect>')
    labels_svg = []
    shown = sorted({round(i * (n - 1) / 7) for i in range(8)}) if n > 8 else range(n)
    for i in shown:
        labels_svg.append(f'<text x="{frame.x(i):.1f}" y="{height - BOTTOM + 18}" text-anchor="middle" '
                          f'font-size="11" fill="#57606a">{esc(labels[i])}</text>')
    return (f'<svg role="img" aria-label="{esc(title)}" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg"><title>{esc(title)}</title>'
            f'{"".join(parts)}{"".join(labels_svg)}</svg>')


def hbar_chart(rows: Sequence[Tuple[str, float]], title: str, colour: str = "#3b6fd6", width: int = 700,
               percent: bool = False) -> str:
    """Horizontal bars, one per (label, value), the value written at the end of the bar."""
    label_w, bar_h, gap = 220, 18, 6
    height = TOP + len(rows) * (bar_h + gap) + 8
    peak = max([v for _, v in rows] + [1e-12])
    span = width - label_w - 70
    parts = []
    for i, (label, value) in enumerate(rows):
        y = TOP + i * (bar_h + gap)
        w = span * value / peak if peak else 0
        parts.append(f'<text x="{label_w - 8}" y="{y + 13}" text-anchor="end" font-size="12">'
                     f'{esc(label if len(label) <= 32 else "…" + label[-31:])}</text>'
                     f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{colour}">'
                     f'<title>{esc(label)}: {esc(_fmt(value, percent))}</title></rect>'
                     f'<text x="{label_w + w + 6:.1f}" y="{y + 13}" font-size="12">{esc(_fmt(value, percent))}'
                     f'</text>')
    return (f'<svg role="img" aria-label="{esc(title)}" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg"><title>{esc(title)}</title>'
            f'{"".join(parts)}</svg>')
