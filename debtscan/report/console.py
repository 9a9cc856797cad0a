"""The console report, through rich."""
from __future__ import annotations

from collections import Counter
from typing import Optional

from rich.console import Console
from rich.text import Text

from debtscan.report.model import Report

_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}


def render(report: Report, console: Console, verbose: bool = False, show_help: bool = True,
           quiet: bool = False) -> None:
    """Findings grouped by file (path:line:col  CODE  message), then errors and a summary.

    ``quiet`` leaves out the extra sections (charts) and hints: findings, errors and the count line only.
    """
    current: Optional[str] = None
    for finding in report.findings:
        if finding.path != current:
            current = finding.path
            console.print(Text(finding.path, style="bold underline"))
        where = f"{finding.line}:{finding.column + 1}"
        if finding.cell is not None:
            where = f"cell {finding.cell}, {where}"
        line = Text("  ")
        line.append(f"{where:>10}  ", style="dim")
        line.append(f"{finding.code} ", style=_STYLE.get(finding.severity, ""))
        line.append(finding.message)
        console.print(line)
        for related in finding.related[: 6 if not verbose else None]:
            console.print(Text(f"              ↳ {related.path}:{related.line} {related.message}", style="dim"))
        if verbose and show_help and finding.help:
            console.print(Text(f"              {finding.help}", style="italic dim"))
    for renderer in () if quiet else _SECTIONS:
        renderer(report, console)
    _print_errors(report, console)
    console.print()
    counts = Counter(f.severity for f in report.findings)
    parts = [f"{counts[s]} {s}" for s in ("error", "warning", "info") if counts[s]]
    text = Text(f"{len(report.findings)} finding(s) in {report.files_scanned} file(s)")
    if parts:
        text.append(f" ({', '.join(parts)})")
    if report.suppressed:
        text.append(f", {report.suppressed} suppressed")
    by_category = Counter(f.category for f in report.findings)
    if by_category:
        text.append(" · " + ", ".join(f"{c}: {n}" for c, n in sorted(by_category.items())), style="dim")
    console.print(text)
    if report.findings and not verbose and not quiet:
        console.print(Text("Run `debtscan explain CODE` for why each is debt and what to do instead, "
                           "or add --verbose.", style="dim"))


_SECTIONS = []


def section(renderer):
    """Register an extra console section (the composition chart, say), shown after the findings."""
    _SECTIONS.append(renderer)
    return renderer


# Scan-wide notes under ``errors`` whose "path" is a stage, not a file: shown by name, not as a failed file.
NOTE_TITLES = {"<cache>": "Cache", "<cross-file>": "Incomplete"}


def _print_errors(report: Report, console: Console) -> None:
    """Files that could not be analysed, rules or plugins that failed, then scan-wide notes (the cache, facts
    missing from the cross-file stage), each group under its own heading."""
    notices = [e for e in report.errors if e.notice]  # refused settings, plugins that did not load
    errors = [e for e in report.errors if not e.notice]
    files = [e for e in errors if not e.path.startswith("<") and not e.path.startswith(("plugin ",
                                                                                       "entry point "))]
    rules = [e for e in errors if e.path.startswith(("<rule ", "plugin ", "entry point "))]
    notes = [e for e in errors if e.path in NOTE_TITLES]
    others = [e for e in errors if e not in files and e not in rules and e not in notes]
    if notices:
        console.print()
        console.print(Text(f"{len(notices)} note(s) on the configuration and plugins:", style="bold yellow"))
        for error in notices:
            console.print(Text(f"  {error.path}: {error.message}", style="yellow"))
    for group, title, style in ((files, "file(s) could not be analysed", "bold red"),
                                (rules + others, "rule(s) or plugin(s) failed", "bold red")):
        if group:
            console.print()
            console.print(Text(f"{len(group)} {title}:", style=style))
            for error in group:
                console.print(Text(f"  {error.path}: {error.message}", style="red"))
    if notes:
        console.print()
        for error in notes:
            console.print(Text(f"{NOTE_TITLES[error.path]}: {error.message}", style="yellow"))
