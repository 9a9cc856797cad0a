"""The console report, through rich: findings grouped by file, statistics, the concise one-line format.

Finding lines are wrapped by hand to the console's width with a hanging indent (so a wrapped message stays
under its finding); the CLI gives a console that does not wrap at all when stdout is not a terminal.
"""
from __future__ import annotations

import textwrap
from collections import Counter
from typing import Dict, List, Optional, Tuple

from rich.console import Console
from rich.text import Text

from debtscan.report.model import Finding, Report

_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}
# Finding lines: "  <where, 10 wide>  CODE [severity] message (rule-name)"; wrapped lines and related
# locations are indented under the code.
_WHERE = 10
INDENT = 2 + _WHERE + 2


def plural(count: int, word: str, many: Optional[str] = None) -> str:
    """``1 finding``, ``2 findings``."""
    return f"{count} {word if count == 1 else (many or word + 's')}"


def location(finding: Finding) -> str:
    """``line:col`` (1-based column), ``cell N, line:col`` in a notebook."""
    where = f"{finding.line}:{finding.column + 1}"
    return f"cell {finding.cell}, {where}" if finding.cell is not None else where


def _wrapped(console: Console, parts: List[Tuple[str, str]], hanging: int) -> None:
    """Print styled ``parts`` as one logical line, wrapped at the console's width with continuation lines
    indented by ``hanging`` spaces (never wrapped when the console is wide enough or too narrow)."""
    full = Text(no_wrap=True)
    for text, style in parts:
        full.append(text, style=style)
    plain = full.plain
    width = console.width
    if len(plain) <= width or width - hanging < 20:
        console.print(full, soft_wrap=True)
        return
    lead = len(plain) - len(plain.lstrip(" "))
    rows = textwrap.wrap(plain[lead:], width=width - lead, subsequent_indent=" " * (hanging - lead),
                         break_long_words=False, break_on_hyphens=False, replace_whitespace=False,
                         expand_tabs=False) or [plain[lead:]]
    position = 0
    for number, row in enumerate(rows):
        body = row.lstrip(" ") if number else row
        start = plain.find(body, position if number else lead)
        if start < 0:  # cannot happen with the options above; never lose text
            console.print(full, soft_wrap=True)
            return
        line = Text(" " * (lead if number == 0 else hanging), no_wrap=True)
        line.append_text(full[start:start + len(body)])
        console.print(line, soft_wrap=True)
        position = start + len(body)


def finding_line(console: Console, finding: Finding) -> None:
    _wrapped(console, [
        ("  " + f"{location(finding):>{_WHERE}}" + "  ", "dim"),
        (finding.code, _STYLE.get(finding.severity, "")),
        (f" [{finding.severity}] ", _STYLE.get(finding.severity, "")),
        (" ".join(finding.message.split()), ""),
        (f" ({finding.name})", "dim"),
    ], INDENT)


def render(report: Report, console: Console, verbose: bool = False, show_help: bool = True,
           quiet: bool = False, statistics: bool = False) -> None:
    """Findings grouped by file, then errors and a summary (``statistics``: counts per rule instead of the
    findings).

    ``quiet`` leaves out the extra sections (charts) and hints: findings, errors and the count line only.
    ``verbose`` lists every related location and, once per rule reported, why it is debt and what to do.
    """
    if statistics:
        render_statistics(report, console)
    else:
        current: Optional[str] = None
        for finding in report.findings:
            if finding.path != current:
                current = finding.path
                console.print(Text(finding.path, style="bold underline"), soft_wrap=True)
            finding_line(console, finding)
            shown = finding.related if verbose else finding.related[:6]
            for related in shown:
                _wrapped(console, [(" " * INDENT + f"↳ {related.path}:{related.line} {related.message}", "dim")],
                         INDENT + 2)
            if len(shown) < len(finding.related):
                console.print(Text(" " * INDENT + f"↳ … {len(finding.related) - len(shown)} more (--verbose)",
                                   style="dim"), soft_wrap=True)
        if verbose and show_help:
            _render_help(report, console)
    if not (quiet or statistics):  # the extra sections, after the findings (each prints only if it applies)
        from debtscan.report import baseline, glue_chart

        for renderer in (baseline.console_section, glue_chart.render_composition):
            renderer(report, console)
    _print_errors(report, console)
    console.print()
    console.print(summary_line(report), soft_wrap=True)
    if report.findings and not verbose and not quiet:
        console.print(Text("Run `debtscan explain CODE` for why each is debt and what to do instead, "
                           "or add --verbose.", style="dim"), soft_wrap=True)


def summary_line(report: Report) -> Text:
    """``16 findings in 3 files (10 files scanned; 2 error, 14 warning), 1 suppressed · pipeline-jungle: 16``."""
    files = len({f.path for f in report.findings})
    counts = Counter(f.severity for f in report.findings)
    parts = [f"{counts[s]} {s}" for s in ("error", "warning", "info") if counts[s]]
    if report.scope_files is not None and report.scope_files != report.files_scanned:
        scanned = f"{plural(report.scope_files, 'file')} checked, {report.files_scanned} analysed for context"
    else:
        scanned = f"{plural(report.files_scanned, 'file')} scanned"
    text = Text(f"{plural(len(report.findings), 'finding')} in {plural(files, 'file')} ({scanned}"
                + (f"; {', '.join(parts)})" if parts else ")"))
    if report.suppressed:
        text.append(f", {report.suppressed} suppressed")
    by_category = Counter(f.category for f in report.findings)
    if by_category:
        text.append(" · " + ", ".join(f"{c}: {n}" for c, n in sorted(by_category.items())), style="dim")
    return text


def statistics_rows(report: Report) -> List[Dict[str, object]]:
    """One row per rule with findings: count, code, name, severity (the worst of its findings), most first."""
    order = {"info": 0, "warning": 1, "error": 2}
    rows: Dict[str, Dict[str, object]] = {}
    for finding in report.findings:
        row = rows.setdefault(finding.code, {"count": 0, "code": finding.code, "name": finding.name,
                                             "category": finding.category, "severity": finding.severity})
        row["count"] = int(row["count"]) + 1
        if order[finding.severity] > order[str(row["severity"])]:
            row["severity"] = finding.severity
    return sorted(rows.values(), key=lambda r: (-int(r["count"]), str(r["code"])))


def render_statistics(report: Report, console: Console) -> None:
    """ruff's ``--statistics``: ``count  code  [severity]  name`` per rule, most frequent first."""
    rows = statistics_rows(report)
    width = max((len(str(r["count"])) for r in rows), default=1)
    code_width = max((len(str(r["code"])) for r in rows), default=5)
    for row in rows:
        line = Text(f"{row['count']:>{width}}  ")
        line.append(f"{row['code']:<{code_width}}", style=_STYLE.get(str(row["severity"]), ""))
        line.append(f"  [{row['severity']}]".ljust(12))
        line.append(f"{row['name']}", style="dim")
        console.print(line, soft_wrap=True)


def _render_help(report: Report, console: Console) -> None:
    seen: Dict[str, Finding] = {}
    for finding in report.findings:
        if finding.help:
            seen.setdefault(finding.code, finding)
    if not seen:
        return
    console.print()
    console.print(Text("Why these are debt, and what to do instead:", style="bold"), soft_wrap=True)
    for code in sorted(seen):
        finding = seen[code]
        _wrapped(console, [(f"  {code} ", _STYLE.get(finding.severity, "")), (f"{finding.name}: ", "bold"),
                           (finding.help, "italic")], 4)


def concise(report: Report, statistics: bool = False) -> str:
    """One line per finding, ``path:line:col: CODE [severity] message`` (ruff's ``concise``; a notebook's
    location is ``path:cell N:line:col``), for editors and grep; ``statistics``: ``count\tCODE\tname`` lines."""
    out = []
    if statistics:
        return "".join(f"{r['count']}\t{r['code']}\t[{r['severity']}]\t{r['name']}\n" for r in statistics_rows(report))
    for finding in report.findings:
        where = f"{finding.path}:cell {finding.cell}" if finding.cell is not None else finding.path
        message = " ".join(finding.message.split())
        out.append(f"{where}:{finding.line}:{finding.column + 1}: {finding.code} [{finding.severity}] {message}")
    return "".join(line + "\n" for line in out)


# Scan-wide notes under ``errors`` whose "path" is a stage, not a file: shown by name, not as a failed file.
NOTE_TITLES = {"<cache>": "Cache", "<cross-file>": "Incomplete"}


def _print_errors(report: Report, console: Console) -> None:
    """Notes on the configuration and plugins (refused settings, plugins not loaded), files that could not be
    analysed, rules or plugins that failed, then scan-wide notes (the cache, facts missing from the
    cross-file stage), each group under its own heading; long lines wrap with an indent."""
    notices = [e for e in report.errors if e.notice]
    errors = [e for e in report.errors if not e.notice]
    files = [e for e in errors if not e.path.startswith("<") and not e.path.startswith(("plugin ",
                                                                                       "entry point "))]
    rules = [e for e in errors if e.path.startswith(("<rule ", "plugin ", "entry point "))]
    notes = [e for e in errors if e.path in NOTE_TITLES]
    others = [e for e in errors if e not in files and e not in rules and e not in notes]
    if notices:
        console.print()
        console.print(Text(f"{len(notices)} note(s) on the configuration and plugins:", style="bold yellow"),
                      soft_wrap=True)
        for error in notices:
            _wrapped(console, [(f"  {error.path}: {error.message}", "yellow")], 4)
    for group, one, many in ((files, "file could not be analysed", "files could not be analysed"),
                             (rules + others, "rule or plugin failed", "rules or plugins failed")):
        if group:
            console.print()
            console.print(Text(f"{len(group)} {one if len(group) == 1 else many}:", style="bold red"),
                          soft_wrap=True)
            for error in group:
                _wrapped(console, [(f"  {error.path}: {error.message}", "red")], 4)
    if notes:
        console.print()
        for error in notes:
            _wrapped(console, [(f"{NOTE_TITLES[error.path]}: {error.message}", "yellow")], 4)
