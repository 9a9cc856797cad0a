"""The ``debtscan history`` and ``debtscan aggregate`` commands (registered on the main group by cli.py)."""
from __future__ import annotations

import re
import sys
import time
from pathlib import Path
from typing import List, Optional

import click

EXIT_CLEAN, EXIT_ERROR = 0, 2
_RELATIVE = re.compile(r"^\s*(\d+)\s*\.?\s*(second|minute|hour|day|week|month|year)s?\s*(\.?\s*ago)?\s*$", re.I)
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2})?(\.\d+)?(Z|[+-]\d{2}:?\d{2})?)?$")


class CommandFailure(click.ClickException):
    exit_code = EXIT_ERROR


def since_date(value: Optional[str]) -> Optional[str]:
    """``--since``: an ISO date (``2024-01-31``, ``2024-01-31T12:00:00+01:00``) or ``N days|weeks|months|years
    ago``; anything else is refused (git would silently read a typo as some other date)."""
    if value is None:
        return None
    text = value.strip()
    match = _RELATIVE.match(text)
    if match:
        return f"{match.group(1)}.{match.group(2).lower()}s.ago"
    if _ISO.match(text):
        from datetime import datetime

        try:
            datetime.fromisoformat(text.replace("Z", "+00:00").replace(" ", "T"))
        except ValueError:
            raise CommandFailure(f"--since {value!r} is not a valid date") from None
        return text
    raise CommandFailure(f"--since {value!r}: give a date (2024-01-31, 2024-01-31T12:00:00Z) or "
                         f"'N days|weeks|months|years ago'")


def _write(path: str, text: str) -> None:
    """Write an output file atomically; a failure is one line naming it (the previous file is kept)."""
    from debtscan.safefile import WriteError, write_text

    try:
        write_text(path, text)
    except WriteError as exc:
        raise CommandFailure(f"{exc} (any previous {path} is unchanged)") from None


def _split(values) -> List[str]:
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


@click.command("history")
@click.argument("path", default=".", type=click.Path(exists=True, file_okay=False))
@click.option("--since", help="Commits committed since this date (2024-01-31, or '6 months ago').")
@click.option("--last", type=click.IntRange(min=1), help="At most the N newest commits.")
@click.option("--every", type=click.IntRange(min=1), default=1, show_default=True,
              help="Scan every K-th commit of the range (counted back from the newest, which is always scanned).")
@click.option("--rev", default="HEAD", show_default=True, help="The branch, tag or commit to walk back from.")
@click.option("--first-parent/--all-commits", default=True, show_default=True,
              help="Follow the first parent of merges (the main line), or every commit reachable.")
@click.option("--format", "output_format", type=click.Choice(["jsonl", "csv", "html"]), default="jsonl",
              show_default=True, help="One record per commit as JSON Lines or CSV, or the HTML trend page.")
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write the records to this file.")
@click.option("--html", "html_output", type=click.Path(dir_okay=False),
              help="Also write the HTML trend page to this file.")
@click.option("--top", type=click.IntRange(min=1), default=5, show_default=True,
              help="How many commits that added / paid the most debt to show.")
@click.option("--select", multiple=True, help="Rule codes, code prefixes (DS2) or categories to enable.")
@click.option("--ignore", multiple=True, help="Rule codes, code prefixes or categories to disable.")
@click.option("--config", "config_file", type=click.Path(dir_okay=False, exists=True),
              help="Use this configuration for every commit (default: each commit's own).")
@click.option("--jobs", "-j", type=click.IntRange(min=0), default=0, help="Worker processes (0: one per core).")
@click.option("--cache-dir", type=click.Path(file_okay=False),
              help="Keep the facts cache here between runs (default: a temporary folder, removed at the end).")
@click.option("--no-cache", is_flag=True, help="Parse every file of every commit (to measure the cold cost).")
@click.option("--quiet", "-q", is_flag=True, help="No progress line per commit, no summary.")
def history_command(path, since, last, every, rev, first_parent, output_format, output, html_output, top, select,
                    ignore, config_file, jobs, cache_dir, no_cache, quiet) -> None:
    """Scan past commits of the git repository at PATH (read-only) and write one record per commit.

    Give --since DATE or --last N (or both). Each commit's files are read from git's object database into a
    temporary folder: the checkout, its index and refs are never touched. Commits are scanned oldest first
    with one facts cache, so each costs the files it changed.
    """
    from debtscan.gitrepo import GitError, open_repository
    from debtscan.history import History, HistoryOptions
    from debtscan.report.trends import top_commits
    from debtscan.report.history_formats import renderers

    if since is None and last is None:
        raise CommandFailure("give --since DATE or --last N (or both) to choose the commits")
    try:
        repo = open_repository(Path(path))
        history = History(HistoryOptions(
            path=Path(path), rev=rev, since=since_date(since), last=last, every=every, first_parent=first_parent,
            select=_split(select), ignore=_split(ignore), config_file=Path(config_file) if config_file else None,
            jobs=jobs, use_cache=not no_cache, cache_dir=Path(cache_dir) if cache_dir else None), repo)
    except GitError as exc:
        raise CommandFailure(str(exc)) from None
    if not history.commits:
        raise CommandFailure(f"no commit of {rev} in that range")
    if repo.shallow and not quiet and any(c.sha in repo.shallow for c in history.commits):
        sys.stderr.write("warning: this is a shallow clone: its history stops at the oldest commit fetched "
                         "(fetch the whole history, e.g. `git fetch --unshallow` or fetch-depth: 0 in CI)\n")
    err = sys.stderr
    records, costs = [], []
    started = time.perf_counter()
    total = len(history.commits)
    from debtscan.report.history_formats import jsonl_line

    # JSON Lines are written as the records come (a long walk stopped half-way keeps what it did).
    stream = None
    if output_format == "jsonl":
        stream = open(output, "w", encoding="utf-8") if output else sys.stdout
    interrupted = False
    walk = history.run()
    try:
        for record, cost in walk:
            records.append(record)
            costs.append(cost)
            if stream is not None:
                stream.write(jsonl_line(record))
                stream.flush()
            if not quiet:
                what = (f"{record.count('findings'):4d} findings  +{len(record.added or ())} "
                        f"-{len(record.paid or ())}" if record.ok else f"error: {record.error}")
                err.write(f"[{len(records):{len(str(total))}d}/{total}] {record.commit.short} "
                          f"{record.commit.date[:10]}  {what}  ({cost.code_files_changed} code files changed, "
                          f"{cost.seconds:.2f} s)\n")
                err.flush()
    except GitError as exc:
        raise CommandFailure(str(exc)) from None
    except KeyboardInterrupt:
        interrupted = True
        err.write(f"interrupted after {len(records)} of {total} commit(s); writing what was scanned\n")
    finally:
        walk.close()  # removes the temporary folder, saves the cache
        if stream is not None and stream is not sys.stdout:
            stream.close()
    elapsed = time.perf_counter() - started
    for warning in history.warnings:
        err.write(f"warning: {warning}\n")
    note = f", every {every}th" if every > 1 else ""
    page = renderers()["html"]
    if stream is None:
        text = page(records, title=repo.name, top=top, note=note) if output_format == "html" else \
            renderers()[output_format](records)
        if output:
            _write(output, text)
        else:
            click.echo(text, nl=False)
    if html_output:
        _write(html_output, page(records, title=repo.name, top=top, note=note))
    if not quiet and records:
        import statistics  # (with fractions and decimal, ~15 ms to import: only for this line)

        seconds = [c.seconds for c in costs]
        rest = f"; first {seconds[0]:.2f} s, then median {statistics.median(seconds[1:]):.2f} s" \
            if len(seconds) > 1 else ""
        err.write(f"{len(records)} commit(s) in {elapsed:.1f} s ({elapsed / max(1, len(records)):.2f} s per "
                  f"commit{rest})\n")
        for which, sign in (("added", "+"), ("paid", "-")):
            best = top_commits(records, which, top)
            if best:
                err.write(f"most debt {which}: " + "; ".join(
                    f"{r.commit.short} ({sign}{len(getattr(r, which))}) {r.commit.subject[:50]}" for r in best) + "\n")
    if interrupted:
        sys.exit(130)
    ok = [r for r in records if r.ok]
    internal = [r for r in records if r.error and r.error.startswith("internal error")]
    sys.exit(EXIT_ERROR if not ok or internal else EXIT_CLEAN)


@click.command("aggregate")
@click.argument("reports", nargs=-1, required=True)
@click.option("--format", "output_format", type=click.Choice(["json", "csv", "markdown", "html"]), default="json",
              show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write the summary to this file.")
def aggregate_command(reports, output_format, output) -> None:
    """Summarise many repositories' JSON reports (`debtscan scan --format json`) in one table with totals.

    Each REPORT is a file, or NAME=FILE to name its repository (default: the scanned folder's name).
    """
    from debtscan.aggregate import aggregate
    from debtscan.report.diff import ReportError
    from debtscan.report.aggregate_formats import RENDERERS

    try:
        result = aggregate(reports)
    except ReportError as exc:
        raise CommandFailure(str(exc)) from None
    text = RENDERERS[output_format](result)
    if output:
        _write(output, text)
    else:
        click.echo(text, nl=False)
