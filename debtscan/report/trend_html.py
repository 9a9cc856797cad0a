"""The trend page of ``debtscan history --format html`` (or ``--html FILE``): one self-contained HTML file,
inline SVG charts, no script, no network.

Findings by category over the commits, the debt each commit added and paid, the glue and ML shares, the
pipeline and signal metrics, the commits that added and paid the most (with the findings, by fingerprint),
and every record in a table.
"""
from __future__ import annotations

from typing import List, Optional, Sequence

from debtscan import __version__
from debtscan.report.trends import CommitRecord, FindingRef, top_commits
from debtscan.report.html import CSS
from debtscan.report.svg_charts import PALETTE, Series, esc, legend, line_chart, stacked_chart, updown_chart

MAX_LISTED = 30  # findings listed under one top commit
EXTRA_CSS = "svg{max-width:100%;height:auto}.chart{margin:.5rem 0 1.5rem}.err{color:#c00000}"


def _day(date: str) -> str:
    return date[:10]


def _pct(value: Optional[float]) -> str:
    return "–" if value is None else f"{100 * value:.1f}%"


def _num(value: Optional[float]) -> str:
    return "–" if value is None else f"{value:g}"


def _change(first: Optional[float], last: Optional[float], percent: bool = False) -> str:
    if first is None or last is None:
        return ""
    diff = last - first
    if abs(diff) < 1e-12:
        return "no change"
    return f"{'+' if diff > 0 else ''}{100 * diff:.1f} points" if percent else f"{'+' if diff > 0 else ''}{diff:g}"


def _finding_list(refs: Sequence[FindingRef]) -> str:
    items = "".join(f"<li><code>{esc(f.code)}</code> <code>{esc(f.path)}:{f.line}</code> {esc(f.message)}</li>"
                    for f in refs[:MAX_LISTED])
    more = f"<li class=muted>… and {len(refs) - MAX_LISTED} more</li>" if len(refs) > MAX_LISTED else ""
    return f"<details><summary>{len(refs)} finding(s)</summary><ul>{items}{more}</ul></details>"


def _top_table(records: Sequence[CommitRecord], which: str, limit: int) -> str:
    top = top_commits(records, which, limit)
    if not top:
        return f'<p class="muted">No commit in this range {"added" if which == "added" else "paid"} debt.</p>'
    rows = []
    for r in top:
        refs = getattr(r, which) or ()
        rows.append(f"<tr><td><code>{esc(r.commit.short)}</code></td><td>{esc(_day(r.commit.date))}</td>"
                    f"<td>{esc(r.commit.author)}</td><td>{esc(r.commit.subject)}</td>"
                    f"<td class=num>{'+' if which == 'added' else '-'}{len(refs)}</td>"
                    f"<td>{_finding_list(refs)}</td></tr>")
    return ("<table><tr><th>commit</th><th>date</th><th>author</th><th>subject</th><th>count</th><th>findings</th>"
            "</tr>" + "".join(rows) + "</table>")


def render(records: Sequence[CommitRecord], title: str = "", top: int = 5, note: str = "") -> str:
    ok = [r for r in records if r.ok]
    failed = [r for r in records if not r.ok]
    name = title or "repository"
    out: List[str] = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>debtscan history: {esc(name)}</title><style>{CSS}{EXTRA_CSS}</style></head><body>",
        f"<h1>ML technical debt over time: {esc(name)}</h1>",
    ]
    if records:
        first, last = records[0].commit, records[-1].commit
        out.append(f'<p class="muted">{len(records)} commit(s), {esc(_day(first.date))} '
                   f"(<code>{esc(first.short)}</code>) to {esc(_day(last.date))} (<code>{esc(last.short)}</code>)"
                   f"{esc(note)} · debtscan {esc(__version__)}</p>")
    if not ok:
        out.append('<p class="err">No commit could be scanned.</p>' if records else
                   '<p class="muted">No commit in the range.</p>')
    else:
        a, b = ok[0], ok[-1]
        cards = [("findings", _num(b.count("findings")), _change(a.count("findings"), b.count("findings"))),
                 ("glue share", _pct(b.headline.glue_code_ratio),
                  _change(a.headline.glue_code_ratio, b.headline.glue_code_ratio, True)),
                 ("ML share", _pct(b.headline.ml_code_ratio),
                  _change(a.headline.ml_code_ratio, b.headline.ml_code_ratio, True))]
        for field, label in (("handoffs", "hand-offs"), ("longest_chain", "longest chain"),
                             ("shared_signals", "shared signals"), ("cascades", "cascades")):
            cards.append((label, _num(getattr(b.headline, field)),
                          _change(getattr(a.headline, field), getattr(b.headline, field))))
        out.append('<div class="cards">' + "".join(
            f'<div class="card"><b>{esc(value)}</b>{esc(label)}<br><span class="muted">{esc(change)}</span></div>'
            for label, value, change in cards) + "</div>")
        out.append('<p class="muted">Each card: the newest commit scanned, and the change since the oldest. In the '
                   "charts the commits stand side by side, oldest first, evenly spaced whatever the time between "
                   "them (hover over a point for the commit).</p>")
        labels = [_day(r.commit.date) for r in ok]
        tips = [f"{r.commit.short} {_day(r.commit.date)} {r.commit.subject[:60]}" for r in ok]
        categories = sorted({c for r in ok for c in r.summary.get("by_category", {})})
        bands = [Series(c, tuple(float(r.summary["by_category"].get(c, 0)) for r in ok), PALETTE[i % len(PALETTE)])
                 for i, c in enumerate(categories)]
        out.append("<h2>Findings by category</h2>")
        out.append(f'<div class="chart">{stacked_chart(bands, labels, "findings by category", tips)}</div>')
        out.append(legend(bands, lambda s: f" (newest: {s.values[-1]:.0f})"))
        out.append("<h2>Debt added and paid</h2><p>Per commit, the findings that appeared (up) and disappeared "
                   "(down) since the previous commit of the trend, matched by fingerprint.</p>")
        up = [len(r.added or ()) for r in ok]
        down = [len(r.paid or ()) for r in ok]
        out.append(f'<div class="chart">{updown_chart(up, down, labels, "debt added and paid", tips)}</div>')
        out.append(legend([Series("added", (), "#c00000"), Series("paid", (), "#2e8b57")],
                          lambda s: f" (in all: {sum(up) if s.name == 'added' else sum(down)})"))
        shares = [Series("glue share", tuple(r.headline.glue_code_ratio for r in ok), "#c00000"),
                  Series("ML share", tuple(r.headline.ml_code_ratio for r in ok), "#2e8b57")]
        out.append("<h2>Glue and ML shares of the code</h2>")
        out.append(f'<div class="chart">{line_chart(shares, labels, "glue and ML shares", tips, percent=True)}</div>')
        out.append(legend(shares, lambda s: f" (newest: {_pct(s.values[-1])})"))
        structure = [Series(label, tuple(getattr(r.headline, field) for r in ok), colour)
                     for field, label, colour in (("handoffs", "hand-offs", "#c98a00"),
                                                  ("longest_chain", "longest chain", "#8246c8"),
                                                  ("shared_signals", "shared signals", "#3b6fd6"),
                                                  ("cascades", "cascades", "#17becf"))]
        out.append("<h2>Pipeline jungle and coupled signals</h2>")
        out.append(f'<div class="chart">{line_chart(structure, labels, "pipeline and signal metrics", tips)}</div>')
        out.append(legend(structure, lambda s: f" (newest: {_num(s.values[-1])})"))
        out.append("<h2>Commits that added the most debt</h2>" + _top_table(ok, "added", top))
        out.append("<h2>Commits that paid the most debt</h2>" + _top_table(ok, "paid", top))
    out.append("<h2>Every commit</h2><table><tr><th>commit</th><th>date</th><th>subject</th><th>findings</th>"
               "<th>added</th><th>paid</th><th>glue</th><th>ML</th><th>hand-offs</th><th>longest chain</th>"
               "<th>shared signals</th><th>cascades</th></tr>")
    for r in records:
        head = f"<tr><td><code>{esc(r.commit.short)}</code></td><td>{esc(_day(r.commit.date))}</td>" \
               f"<td>{esc(r.commit.subject)}</td>"
        if not r.ok:
            out.append(f'{head}<td colspan="9" class="err">{esc(r.error)}</td></tr>')
            continue
        h = r.headline
        out.append(f"{head}<td class=num>{r.count('findings')}</td>"
                   f"<td class=num>{'' if r.added is None else '+' + str(len(r.added))}</td>"
                   f"<td class=num>{'' if r.paid is None else '-' + str(len(r.paid))}</td>"
                   f"<td class=num>{_pct(h.glue_code_ratio)}</td><td class=num>{_pct(h.ml_code_ratio)}</td>"
                   f"<td class=num>{_num(h.handoffs)}</td><td class=num>{_num(h.longest_chain)}</td>"
                   f"<td class=num>{_num(h.shared_signals)}</td><td class=num>{_num(h.cascades)}</td></tr>")
    out.append("</table>")
    if failed:
        out.append(f'<p class="err">{len(failed)} commit(s) could not be scanned (listed above with why).</p>')
    out.append("</body></html>")
    return "\n".join(out) + "\n"
