"""The command line: ``debtscan scan | rules | explain | graph``."""
from __future__ import annotations

import contextlib
import functools
import os
import signal
import subprocess
import threading
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

import click
from rich.console import Console

from debtscan import __version__
from debtscan.config import SEVERITIES, Config, ConfigError, load_config
from debtscan.docs import rule_page
from debtscan.engine import INTERNAL_ERROR, InternalError, ScanOptions, scan
from debtscan.report import console as console_report
from debtscan.report.formats import formats
from debtscan.rules.registry import rules_for
from debtscan.safefile import OutputRefused, WriteError, check_output, write_text
from debtscan.trust import CACHE_ENV, TRUST_ENV, PluginPolicy, chosen_cache_dir, plugin_policy

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
EXIT_INTERRUPTED, EXIT_TERMINATED = 130, 143  # 128 + SIGINT, 128 + SIGTERM, as shells report them


class UsageFailure(click.ClickException):
    exit_code = EXIT_ERROR


def _split(values: Sequence[str]) -> List[str]:
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


@dataclass(frozen=True)
class TrustChoice:
    """What the user lets the scanned repository's configuration do (see debtscan.trust)."""

    policy: PluginPolicy = PluginPolicy.INSTALLED
    isolated: bool = False
    cache_dir: Optional[str] = None  # --cache-dir


_TRUST = "debtscan.trust"


def trust_options(cache: bool = True):
    """``--trust-config``, ``--no-plugins``, ``--isolated`` (and ``--cache-dir``) for a command that reads the
    configuration; the choice is kept in the click context for :func:`load_trusted_config`."""

    def decorate(command):
        @functools.wraps(command)
        def wrapper(*args, trust_config=False, no_plugins=False, isolated=False, cache_dir=None, **kwargs):
            click.get_current_context().meta[_TRUST] = TrustChoice(
                plugin_policy(trust_config, no_plugins), isolated, cache_dir)
            return command(*args, **kwargs)

        options = [
            click.option("--trust-config", is_flag=True,
                         help=f"Trust the configuration: import the modules its `plugins` names (code of the "
                              f"scanned repository), from the project root. Also {TRUST_ENV}=1."),
            click.option("--no-plugins", is_flag=True,
                         help="Built-in rules only: no installed (entry-point) plugin, no `plugins`."),
            click.option("--isolated", is_flag=True,
                         help="Ignore every configuration file (pyproject.toml, debtscan.toml): defaults and "
                              "command-line options only."),
        ]
        if cache:
            options.append(click.option(
                "--cache-dir", type=click.Path(file_okay=False),
                help=f"The facts cache folder, anywhere (default: .debtscan_cache in the project, or the "
                     f"configuration's cache-dir inside the project). Also {CACHE_ENV}."))
        for option in reversed(options):
            wrapper = option(wrapper)
        return wrapper

    return decorate


def load_trusted_config(explicit: Optional[Path], start: Path) -> Config:
    """The configuration for ``start`` (or ``explicit``) with the trust the command line gave it."""
    ctx = click.get_current_context(silent=True)
    choice = (ctx.meta.get(_TRUST) if ctx is not None else None) or TrustChoice()
    if choice.isolated:
        if explicit is not None:
            raise UsageFailure("--isolated ignores every configuration file; it cannot be combined with --config")
        config = Config()
    else:
        config = load_config(explicit, start)
    config = replace(config, plugin_policy=choice.policy)
    chosen = chosen_cache_dir(choice.cache_dir)  # the user's choice may be anywhere
    if chosen is not None:
        config.cache_dir = str(chosen)
        config.refused.pop("cache-dir", None)
    return config


def print_notices(errors) -> None:
    """The report's notes about the whole scan (refused settings, plugins that did not load), on stderr."""
    for error in errors:
        if error.notice:
            label = "" if error.path == "<cache-dir>" else f"{error.path.strip('<>')}: "
            click.echo(f"warning: {label}{error.message}", err=True)


def _git_toplevel(start: Path) -> Optional[Path]:
    try:
        out = subprocess.run(["git", "-C", str(start), "rev-parse", "--show-toplevel"], capture_output=True,
                             text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return Path(out.stdout.strip()) if out.returncode == 0 and out.stdout.strip() else None


def resolve_targets(paths: Sequence[str], config_file: Optional[str]) -> Tuple[Path, List[Path], Config, Optional[set]]:
    """The scan root, the paths to scan, the config, and (for file arguments) the files to report on.

    A directory argument is scanned as the root. File arguments (as pre-commit passes them) make the whole
    project the root (the config's folder, else the git work tree, else the current folder), so that
    cross-file rules see every file; only findings touching the named files are reported.
    """
    targets = [Path(p) for p in (paths or (".",))]
    for target in targets:
        if not target.exists():
            raise UsageFailure(f"path does not exist: {target}")
    explicit = Path(config_file) if config_file else None
    first = targets[0]
    config = load_trusted_config(explicit, first)
    if all(t.is_dir() for t in targets):
        root = first.resolve() if len(targets) == 1 else Path(os.path.commonpath([t.resolve() for t in targets]))
        return root, [t.resolve() for t in targets] if len(targets) > 1 else [], config, None
    root = (config.root if config.path else None) or _git_toplevel(first.resolve().parent) or Path.cwd()
    root = root.resolve()
    only = set()
    for target in targets:
        resolved = target.resolve()
        try:
            only.add(resolved.relative_to(root).as_posix())
        except ValueError:
            raise UsageFailure(f"{target} is outside the project root {root}") from None
    return root, [], config, only


def _verbose(ctx: click.Context) -> bool:
    return bool(ctx.meta.get("debtscan.verbose") or os.environ.get("DEBTSCAN_DEBUG"))


class Terminated(BaseException):
    """SIGTERM, turned into an exception so that the progress bar, the workers and temporary files are
    cleaned up on the way out."""


@contextlib.contextmanager
def interruptible():
    """Ctrl-C and SIGTERM end the command cleanly: the first raises (KeyboardInterrupt / Terminated) and
    further ones are ignored while the terminal, the worker pool and temporary files are restored, so that a
    second Ctrl-C cannot leave a hidden cursor or a stale progress bar behind. A signal whose exception
    Python swallowed (one raised while a finalizer ran) still ends the command when the block is done."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: List[int] = []

    def on_signal(signum, frame):  # noqa: ARG001 - signal handler signature
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        received.append(signum)
        raise KeyboardInterrupt if signum == signal.SIGINT else Terminated

    previous = signal.signal(signal.SIGINT, on_signal), signal.signal(signal.SIGTERM, on_signal)
    try:
        yield
        if received:
            raise KeyboardInterrupt if received[0] == signal.SIGINT else Terminated
    finally:
        if not received:  # after a signal, further ones stay ignored until the process exits
            signal.signal(signal.SIGINT, previous[0])
            signal.signal(signal.SIGTERM, previous[1])


def checked_output(output: Optional[str], scanned: Sequence[Path], inputs: Sequence[Optional[str]] = (),
                   force: bool = False, option: str = "--output") -> Optional[Path]:
    """``output`` checked before any work (see :func:`debtscan.safefile.check_output`), or None."""
    if not output:
        return None
    try:
        return check_output(output, scanned=scanned, inputs=[i for i in inputs if i], force=force, option=option)
    except OutputRefused as exc:
        raise UsageFailure(str(exc)) from None


def write_output(output: str, text: str) -> None:
    """Write a report the user asked for, atomically; a failure names the file and keeps the previous one."""
    try:
        write_text(output, text)
    except WriteError as exc:
        raise UsageFailure(f"{exc} (any previous {output} is unchanged)") from None


def render_console_text(render) -> str:
    """What a console renderer prints, as plain text 120 columns wide (for ``-o FILE``)."""
    import io

    buffer = io.StringIO()
    render(Console(file=buffer, width=120, no_color=True))
    return buffer.getvalue()


class _Main(click.Group):
    """Every command's failure ends as one line on stderr and exit code 2; a traceback only with --verbose
    (or ``DEBTSCAN_DEBUG=1``)."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:  # Ctrl-C: exit 130 as shells and most CLIs do (click would say 1)
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            click.echo("Interrupted.", err=True)
            raise click.exceptions.Exit(EXIT_INTERRUPTED) from None
        except Terminated:
            click.echo("Terminated.", err=True)
            raise click.exceptions.Exit(EXIT_TERMINATED) from None
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort, SystemExit):
            raise
        except (OutputRefused, WriteError) as exc:  # already names the file and what to do
            raise UsageFailure(str(exc)) from None
        except ConfigError as exc:
            raise UsageFailure(f"configuration error: {exc}") from None
        except InternalError as exc:  # names the stage and the file
            if _verbose(ctx):
                raise
            raise UsageFailure(f"{exc} (run with --verbose for details)") from None
        except OSError as exc:  # e.g. --output in a folder that does not exist or cannot be written
            if _verbose(ctx):
                raise
            where = f"{exc.filename}: " if exc.filename else ""
            raise UsageFailure(f"{where}{exc.strerror or exc}") from None
        except Exception as exc:  # noqa: BLE001 - the user sees one line unless --verbose
            if _verbose(ctx):
                raise
            raise UsageFailure(f"internal error: {type(exc).__name__}: {exc} (run with --verbose for details)"
                               ) from None


@click.group(cls=_Main, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="debtscan")
def main() -> None:
    """Find machine-learning technical debt (Sculley et al.) in a Python codebase."""


@main.command("scan")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--format", "output_format", default="console", show_default=True,
              help="console, json, sarif, github, gitlab, markdown, html, or a format a plugin registers.")
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write the report to this file.")
@click.option("--select", multiple=True, help="Rule codes, code prefixes (DS2) or categories to enable.")
@click.option("--ignore", multiple=True, help="Rule codes, code prefixes or categories to disable.")
@click.option("--config", "config_file", type=click.Path(dir_okay=False), help="Use this configuration file.")
@trust_options()
@click.option("--fail-on", type=click.Choice(SEVERITIES), default=None,
              help="Exit 1 when a finding is at or above this severity (default: warning, or the config).")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings.")
@click.option("--jobs", "-j", type=click.IntRange(min=0), default=0, help="Worker processes (0: one per core).")
@click.option("--no-cache", is_flag=True, help="Do not read or write the facts cache.")
@click.option("--baseline", "baseline_file", type=click.Path(dir_okay=False),
              help="Report only findings beyond this baseline (`debtscan baseline`), and list its entries "
                   "that no longer occur.")
@click.option("--quiet", "-q", is_flag=True, help="Print only the findings (no progress, no summary extras).")
@click.option("--verbose", "-v", is_flag=True, help="Show help for every finding, and tracebacks on errors.")
@click.option("--force", is_flag=True, help="Let --output create a .py/.ipynb file under the scanned paths "
                                            "(never one of the scanned files).")
def scan_command(paths, output_format, output, select, ignore, config_file, fail_on, exit_zero, jobs, no_cache,
                 quiet, verbose, baseline_file=None, force=False) -> None:
    """Scan PATHS (default: the current folder) for ML technical debt."""
    click.get_current_context().meta["debtscan.verbose"] = verbose
    renderers = formats()
    if output_format != "console" and output_format not in renderers:
        raise UsageFailure(f"unknown format {output_format!r}; choose from: "
                           f"{', '.join(['console', *sorted(renderers)])}")
    debug = os.environ.get("DEBTSCAN_DEBUG")
    if verbose:  # per-file and per-rule tracebacks too (worker processes inherit the environment)
        os.environ["DEBTSCAN_DEBUG"] = "1"
    root = None
    try:
        root, scan_paths, config, only = resolve_targets(paths, config_file)
        # every input is checked before the scan: where the report goes, the baseline
        target = checked_output(output, scan_paths or [root], [baseline_file, config.path], force)
        baseline = _load_baseline(baseline_file) if baseline_file else None
        err = Console(stderr=True)
        show_progress = (output_format == "console" and not quiet and output is None and sys.stdout.isatty()
                         and err.is_terminal)
        report, project = _run_with_progress(
            ScanOptions(root=root, paths=scan_paths, config=config, jobs=jobs, use_cache=not no_cache,
                        select=_split(select), ignore=_split(ignore), only_paths=only,
                        outputs=[target] if target else []),
            err if show_progress else None,
        )
    except ConfigError as exc:
        raise UsageFailure(f"configuration error: {exc}") from None
    except OutputRefused as exc:
        raise UsageFailure(str(exc)) from None
    except click.ClickException:
        raise
    except InternalError as exc:  # already names the stage and the file
        if verbose:
            raise
        raise UsageFailure(f"{exc} (run with --verbose for details)") from None
    except Exception as exc:  # noqa: BLE001 - the user sees one line unless --verbose
        if verbose:
            raise
        where = f" while scanning {root}" if root is not None else ""
        raise UsageFailure(f"internal error{where}: {type(exc).__name__}: {exc} (run with --verbose for "
                           f"details)") from None
    finally:
        if verbose and debug is None:
            os.environ.pop("DEBTSCAN_DEBUG", None)
    if baseline is not None:
        from debtscan.baseline import apply_baseline

        apply_baseline(report, baseline, baseline_file, only)
    if output_format == "console":
        if output:
            write_output(output, render_console_text(
                lambda console: console_report.render(report, console, verbose, quiet=quiet)))
        else:
            console_report.render(report, Console(), verbose, quiet=quiet)
    else:
        text = renderers[output_format](report, project)
        if output:
            write_output(output, text)
        else:
            click.echo(text, nl=False)
    if not (output_format == "console" and output is None and sys.stdout.isatty()):  # else shown just above
        print_notices(report.errors)
    internal = [e for e in report.errors if e.message.startswith(INTERNAL_ERROR)]
    if internal:  # a debtscan bug on some file or rule: the report above is complete otherwise
        for error in internal:
            click.echo(f"Error: {error.message} (run with --verbose for details)", err=True)
        sys.exit(EXIT_ERROR)
    threshold = fail_on or config.fail_on
    if not exit_zero and report.fails(threshold):
        sys.exit(EXIT_FINDINGS)
    sys.exit(EXIT_CLEAN)


def _load_baseline(path: str):
    from debtscan.baseline import BaselineError, load_baseline

    try:
        return load_baseline(path)
    except BaselineError as exc:
        raise UsageFailure(str(exc)) from None


def _run_with_progress(options: ScanOptions, console: Optional[Console]):
    with interruptible():
        if console is None:
            return scan(options)
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        try:
            with Progress(TextColumn("analysing"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                          console=console, transient=True) as progress:
                task = progress.add_task("files", total=None)

                def update(done: int, total: int) -> None:
                    progress.update(task, completed=done, total=total)

                options.progress = update
                return scan(options)
        finally:
            console.show_cursor(True)


@main.command("rules")
@click.option("--config", "config_file", type=click.Path(dir_okay=False), help="Load plugins from this config.")
@trust_options(cache=False)
def rules_command(config_file) -> None:
    """List every rule: code, name, category, default severity and summary."""
    try:
        config = load_trusted_config(Path(config_file) if config_file else None, Path.cwd())
    except ConfigError as exc:
        raise UsageFailure(f"configuration error: {exc}") from None
    ruleset = rules_for(config)
    from rich.table import Table

    table = Table(show_lines=False, header_style="bold")
    for column in ("code", "name", "category", "severity", "summary"):
        table.add_column(column, overflow="fold")
    for code in sorted(ruleset.rules):
        rule = ruleset.rules[code]
        table.add_row(code, rule.name, rule.category, rule.severity, rule.summary)
    Console().print(table)
    for origin, reason in ruleset.errors:
        click.echo(f"warning: {origin}: {reason}", err=True)


@main.command("explain")
@click.argument("code")
@click.option("--config", "config_file", type=click.Path(dir_okay=False), help="Load plugins from this config.")
@trust_options(cache=False)
def explain_command(code: str, config_file=None) -> None:
    """Print the documentation page of rule CODE (a plugin's too: the configuration's `plugins` with
    --trust-config)."""
    try:
        config = load_trusted_config(Path(config_file) if config_file else None, Path.cwd())
    except ConfigError as exc:
        if config_file:
            raise UsageFailure(f"configuration error: {exc}") from None
        click.echo(f"warning: configuration error: {exc} (explaining the installed rules only)", err=True)
        config = Config()
    ruleset = rules_for(config)
    for origin, reason in ruleset.errors:
        click.echo(f"warning: {origin}: {reason}", err=True)
    rule = ruleset.rules.get(code.upper())
    if rule is None:
        raise UsageFailure(f"no rule has code {code!r}{ruleset.unknown_code_hint()}; `debtscan rules` lists them")
    click.echo(rule_page(rule))


@main.command("graph")
@click.argument("path", default=".", type=click.Path(exists=True, file_okay=False))
@click.option("--format", "graph_format", type=click.Choice(["json", "graphml", "dot", "mermaid"]), default="json",
              show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write the graph to this file.")
@click.option("--config", "config_file", type=click.Path(dir_okay=False))
@trust_options()
@click.option("--no-cache", is_flag=True)
@click.option("--force", is_flag=True, help="Let --output create a .py/.ipynb file under PATH.")
def graph_command(path, graph_format, output, config_file, no_cache, force=False) -> None:
    """Export the repo graph (modules, artifacts, signals, models and their edges)."""
    from debtscan.graph_export import EXPORTERS

    try:
        root, scan_paths, config, _ = resolve_targets([path], config_file)
        target = checked_output(output, scan_paths or [root], [config.path], force)
        with interruptible():
            report, project = scan(ScanOptions(root=root, paths=scan_paths, config=config, use_cache=not no_cache,
                                               outputs=[target] if target else []))
    except ConfigError as exc:
        raise UsageFailure(f"configuration error: {exc}") from None
    print_notices(report.errors)
    text = EXPORTERS[graph_format](project)
    if output:
        write_output(output, text)
    else:
        click.echo(text, nl=False)


@main.command("baseline")
@click.argument("path", default=".", type=click.Path(exists=True, file_okay=False))
@click.option("--output", "-o", default=".debtscan-baseline.json", show_default=True,
              type=click.Path(dir_okay=False), help="Write the baseline to this file.")
@click.option("--select", multiple=True, help="Rule codes, code prefixes (DS2) or categories to enable.")
@click.option("--ignore", multiple=True, help="Rule codes, code prefixes or categories to disable.")
@click.option("--config", "config_file", type=click.Path(dir_okay=False), help="Use this configuration file.")
@trust_options()
@click.option("--no-cache", is_flag=True, help="Do not read or write the facts cache.")
@click.option("--force", is_flag=True, help="Let --output create a .py/.ipynb file under PATH "
                                            "(never one of the scanned files).")
def baseline_command(path, output, select, ignore, config_file, no_cache, force=False) -> None:
    """Record the current findings of PATH as a baseline (by fingerprint, with a count per fingerprint).

    `debtscan scan --baseline FILE` then reports only new findings. Run it from the same folder (same scan
    root) as the scans that use the baseline: fingerprints hold paths relative to the scan root.
    """
    from debtscan.baseline import render_baseline

    try:
        root, scan_paths, config, _ = resolve_targets([path], config_file)
        target = checked_output(output, scan_paths or [root], [config.path], force)
        with interruptible():
            report, _ = scan(ScanOptions(root=root, paths=scan_paths, config=config, use_cache=not no_cache,
                                         select=_split(select), ignore=_split(ignore), outputs=[target]))
    except ConfigError as exc:
        raise UsageFailure(f"configuration error: {exc}") from None
    print_notices(report.errors)
    write_output(output, render_baseline(report.findings))
    fingerprints = len({f.fingerprint for f in report.findings})
    click.echo(f"wrote {output}: {len(report.findings)} finding(s), {fingerprints} fingerprint(s)", err=True)


@main.command("diff")
@click.argument("old", type=click.Path(exists=True, dir_okay=False))
@click.argument("new", type=click.Path(exists=True, dir_okay=False))
@click.option("--format", "diff_format", type=click.Choice(["console", "json", "markdown"]), default="console",
              show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write the diff to this file.")
@click.option("--fail-on-new", is_flag=True, help="Exit 1 when NEW has findings that OLD does not.")
def diff_command(old, new, diff_format, output, fail_on_new) -> None:
    """Compare two JSON reports (`debtscan scan --format json`): new and fixed findings, every metric's change."""
    from debtscan import diff as report_diff

    checked_output(output, [], [old, new])
    try:
        result = report_diff.diff_reports(report_diff.load_report(old), report_diff.load_report(new))
    except report_diff.ReportError as exc:
        raise UsageFailure(str(exc)) from None
    if diff_format == "console":
        if output:
            write_output(output, render_console_text(lambda console: report_diff.render_console(result, console)))
        else:
            report_diff.render_console(result, Console())
    else:
        text = report_diff.render_json(result) if diff_format == "json" else report_diff.render_markdown(result)
        if output:
            write_output(output, text)
        else:
            click.echo(text, nl=False)
    sys.exit(EXIT_FINDINGS if fail_on_new and result["counts"]["new"] else EXIT_CLEAN)


from debtscan.cli_trends import aggregate_command, history_command  # noqa: E402 - in their own module

main.add_command(history_command)
main.add_command(aggregate_command)
