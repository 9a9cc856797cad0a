"""The command line: ``debtscan scan | rules | explain | graph``."""
from __future__ import annotations

import contextlib
import functools
import os
import signal
import threading
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, List, Optional, Sequence, Tuple

import click

from debtscan import __version__
from debtscan.config import SEVERITIES, Config, ConfigError, load_config
from debtscan.errors import ErrorKind, InternalError, SelectorError
from debtscan.records import record
from debtscan.scope import ScopeError, resolve as resolve_scope
from debtscan.safefile import OutputRefused, WriteError, check_output, write_text
from debtscan.trust import CACHE_ENV, TRUST_ENV, PluginPolicy, chosen_cache_dir, plugin_policy

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
EXIT_INTERRUPTED, EXIT_TERMINATED = 130, 143  # 128 + SIGINT, 128 + SIGTERM, as shells report them


class UsageFailure(click.ClickException):
    exit_code = EXIT_ERROR


def _split(values: Sequence[str]) -> List[str]:
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


@record(frozen=True)
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


def notice_lines(errors) -> List[str]:
    """The report's notes about the whole scan (refused settings, plugins that did not load), for stderr."""
    lines = []
    for error in errors:
        if error.notice:
            label = "" if error.path == "<cache-dir>" else f"{error.path.strip('<>')}: "
            lines.append(f"warning: {label}{error.message}")
    return lines


def print_notices(errors) -> None:
    """The report's notes about the whole scan (refused settings, plugins that did not load), on stderr."""
    for line in notice_lines(errors):
        click.echo(line, err=True)


def resolve_targets(paths: Sequence[str], config_file: Optional[str]) -> Tuple[Path, List[Path], Config, Optional[set]]:
    """The project root, the paths to discover (empty: the whole root), the config, and the scope: the paths,
    relative to the root, whose findings are reported (``None``: the whole root). See :mod:`debtscan.scope`:
    ``debtscan scan fraud`` and ``debtscan scan fraud/train_fraud.py`` agree on train_fraud.py's findings, and
    pre-commit, which passes the staged files, sees every hand-off of the repository.
    """
    targets = [Path(p) for p in (paths or (".",))]
    for target in targets:
        if not target.exists():
            raise UsageFailure(f"path does not exist: {target}")
    config = load_trusted_config(Path(config_file) if config_file else None, targets[0])
    try:
        root, only = resolve_scope(targets, config)
    except ScopeError as exc:
        raise UsageFailure(str(exc)) from None
    return root, [], config, only


if TYPE_CHECKING:  # what a command needs is imported when it runs: start-up loads click and the base only
    from rich.console import Console

    from debtscan.engine import ScanOptions

NO_WRAP = 100_000  # the width of a console that must not wrap (output piped or written to a file)


def stdout_console() -> Console:
    """The console for stdout: the terminal's width on a terminal; piped (or with ``COLUMNS`` unset and no
    terminal), no hard wrapping at all, so that grep and editors see one line per finding."""
    from rich.console import Console

    console = Console()
    if console.is_terminal or os.environ.get("COLUMNS"):
        return console
    return Console(width=NO_WRAP)


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

    from rich.console import Console

    buffer = io.StringIO()
    render(Console(file=buffer, width=NO_WRAP, no_color=True))  # a file is never hard-wrapped
    return buffer.getvalue()


_RAW_ARGS: List[str] = []  # the arguments of this invocation, as the process received them


class _Main(click.Group):
    """Every command's failure ends as one line on stderr and exit code 2; a traceback only with --verbose
    (or ``DEBTSCAN_DEBUG=1``)."""

    def main(self, args=None, *rest, **options):
        _RAW_ARGS[:] = sys.argv[1:] if args is None else list(args)  # what a replay record is named by
        return super().main(args, *rest, **options)

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
        except (OutputRefused, WriteError, SelectorError) as exc:  # already names the file / the closest selector
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
@click.version_option(__version__, "-V", "--version", prog_name="debtscan")
def main() -> None:
    """Find machine-learning technical debt (Sculley et al.) in a Python codebase."""


@main.command("scan")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--format", "output_format", default="console", show_default=True,
              help="console, concise, json, sarif, github, gitlab, markdown, html, or a format a plugin "
                   "registers.")
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write the report to this file.")
@click.option("--select", multiple=True,
              help="Rule codes, code prefixes (DS2), categories or rule names to enable (replaces the config's).")
@click.option("--extend-select", multiple=True, help="Rules to enable on top of the config's `select`.")
@click.option("--ignore", multiple=True, help="Rule codes, code prefixes, categories or rule names to disable.")
@click.option("--exclude", multiple=True,
              help="Gitignore-style patterns of files to skip (replaces the config's `exclude`).")
@click.option("--extend-exclude", multiple=True, help="Patterns to skip on top of the config's `exclude`.")
@click.option("--config", "config_file", type=click.Path(dir_okay=False), help="Use this configuration file.")
@trust_options()
@click.option("--fail-on", type=click.Choice(SEVERITIES), default=None,
              help="Exit 1 when a finding is at or above this severity (default: warning, or the config).")
@click.option("--fail-on-error", is_flag=True,
              help="Exit 1 when a file cannot be analysed (syntax error, undecodable, too large) or a plugin "
                   "fails, as ruff's E999.")
@click.option("--statistics", is_flag=True, help="Show the number of findings per rule instead of the findings.")
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
                 quiet, verbose, baseline_file=None, extend_select=(), exclude=(), extend_exclude=(),
                 fail_on_error=False, statistics=False, force=False) -> None:
    """Scan PATHS (default: the current folder) for ML technical debt.

    Findings are reported in PATHS only; the context (which script reads what another writes) always comes
    from the whole project: the folder of the configuration file, else the git work tree, else the current
    folder.
    """
    from debtscan.report.formats import formats

    click.get_current_context().meta["debtscan.verbose"] = verbose
    renderers = formats()
    if output_format not in ("console", "concise") and output_format not in renderers:
        raise UsageFailure(f"unknown format {output_format!r}; choose from: "
                           f"{', '.join(['console', 'concise', *sorted(renderers)])}")
    if statistics and output_format not in ("console", "concise", "json"):
        raise UsageFailure("--statistics works with --format console, concise or json")
    debug = os.environ.get("DEBTSCAN_DEBUG")
    if verbose:  # per-file and per-rule tracebacks too (worker processes inherit the environment)
        os.environ["DEBTSCAN_DEBUG"] = "1"
    root = None
    replay_start = None
    if output_format != "console" and not verbose and not no_cache:  # observed before anything is read
        replay_start = _replay_start(paths, [config_file, baseline_file])
    try:
        root, scan_paths, config, only = resolve_targets(paths, config_file)
        apply_exclude_options(config, exclude, extend_exclude)
        # every input is checked before the scan: where the report goes, the baseline
        target = checked_output(output, scan_paths or [root], [baseline_file, config.path], force)
        baseline = _load_baseline(baseline_file) if baseline_file else None
        err = None
        if output_format == "console" and not quiet and output is None and sys.stdout.isatty():
            from rich.console import Console

            err = Console(stderr=True)
        show_progress = err is not None and err.is_terminal
        probe = None
        if output_format != "console" and not verbose and not no_cache:  # the result cache (store.results)
            # (not --output: the text is the same wherever it is written; a report written inside the root
            # shows in the walk's folder listings, which the key covers)
            invocation = (output_format, _split(select), _split(ignore),
                          _split(extend_select), fail_on, fail_on_error, statistics, exit_zero, quiet,
                          list(paths), sorted(only) if only is not None else None,
                          _file_bytes(baseline_file) if baseline_file else None)
            probe = _result_probe(root, scan_paths, config, invocation)
            stored = probe.get() if probe is not None else None
            if stored is not None:
                if target:
                    from debtscan.safefile import check_not_scanned

                    check_not_scanned(target, root, probe.sources.files)
                _record_replay(replay_start, probe, root, config, output, baseline_file)
                _emit(stored, output)
        from debtscan.engine import ScanOptions

        report, project = _run_with_progress(
            ScanOptions(root=root, paths=scan_paths, config=config, jobs=jobs, use_cache=not no_cache,
                        select=_split(select), ignore=_split(ignore), only_paths=only,
                        extend_select=_split(extend_select), outputs=[target] if target else [],
                        sources=probe.sources if probe is not None else None,
                        digests=probe.observed if probe is not None else None),
            err if show_progress else None,
        )
    except SelectorError as exc:
        raise UsageFailure(str(exc)) from None
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
        from debtscan.report.baseline import apply_baseline

        apply_baseline(report, baseline, baseline_file, only)
    no_files = None
    if report.scope_files == 0:  # nothing to check: say so, as ruff does (the exit status stays 0)
        where = ", ".join(paths) if paths else "."
        no_files = f"warning: no Python files or notebooks found in {where} (after excludes and .gitignore)"
    if output_format == "console":
        if no_files:
            click.echo(no_files, err=True)
        from debtscan.report import console as console_report

        if output:
            write_output(output, render_console_text(
                lambda console: console_report.render(report, console, verbose, quiet=quiet, statistics=statistics)))
        else:
            console_report.render(report, stdout_console(), verbose, quiet=quiet, statistics=statistics)
        if output is not None or not sys.stdout.isatty():  # else shown just above
            print_notices(report.errors)
        internal = [e for e in report.errors if e.kind is ErrorKind.INTERNAL]
        for error in internal:  # a debtscan bug on some file or rule: the report above is complete otherwise
            click.echo(f"Error: {error.message} (run with --verbose for details)", err=True)
        sys.exit(_status(report, config, fail_on, exit_zero, fail_on_error, internal))
    before: List[str] = [no_files] if no_files else []
    if output_format == "concise":
        from debtscan.report import console as console_report

        text = console_report.concise(report, statistics=statistics)
        before.extend(f"error: {error.path}: {error.message}" for error in report.errors)  # stdout: findings only
        if not quiet:
            before.append(console_report.summary_line(report).plain)
    elif statistics:
        import json

        from debtscan.report import console as console_report

        text = json.dumps(console_report.statistics_rows(report), indent=2) + "\n"
    else:
        renderer = renderers[output_format]
        if renderer.draws_pipeline:  # the drawing (and networkx) only for the formats that draw it
            from debtscan.report.drawing import with_pipeline

            text = renderer(with_pipeline(report, project))
        else:
            text = renderer(report)
    after = notice_lines(report.errors)
    internal = [e for e in report.errors if e.kind is ErrorKind.INTERNAL]
    # a debtscan bug on some file or rule: the report is complete otherwise
    after.extend(f"Error: {error.message} (run with --verbose for details)" for error in internal)
    from debtscan.store.results import Outcome, plugin_files, reusable

    outcome = Outcome(text, tuple(before), tuple(after),
                      _status(report, config, fail_on, exit_zero, fail_on_error, internal))
    if probe is not None and reusable(report.errors) and probe.put(outcome, plugin_files()):
        _record_replay(replay_start, probe, root, config, output, baseline_file)
    _emit(outcome, output)


def _status(report, config: Config, fail_on: Optional[str], exit_zero: bool, fail_on_error: bool,
            internal: list) -> int:
    """The exit status of a scan: 2 with an internal error, 1 with findings at or above the threshold (or,
    with --fail-on-error, a file that could not be analysed), else 0."""
    if internal:
        return EXIT_ERROR
    threshold = fail_on or config.fail_on
    if not exit_zero and report.fails(threshold):
        return EXIT_FINDINGS
    if not exit_zero and fail_on_error and analysis_errors(report):
        return EXIT_FINDINGS
    return EXIT_CLEAN


def _emit(outcome, output: Optional[str]) -> None:
    """Write a scan's outcome (computed now or reused from the result cache) and exit with its status."""
    for line in outcome.before:
        click.echo(line, err=True)
    if output:
        write_output(output, outcome.text)
    else:
        click.echo(outcome.text, nl=False)
    for line in outcome.after:
        click.echo(line, err=True)
    sys.exit(outcome.status)


def _file_bytes(path: str) -> Optional[bytes]:
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError:
        return None


def _result_probe(root: Path, scan_paths: Sequence[Path], config: Config, invocation):
    """The result cache's key for this scan (:mod:`debtscan.store.results`), or None (not applicable, or a
    problem the scan itself will report)."""
    from debtscan.store.results import probe

    try:
        return probe(root, config, scan_paths, invocation)
    except Exception:  # noqa: BLE001 - the uncached scan reports the problem in its own words
        return None


def _replay_start(paths: Sequence[str], files: Sequence[Optional[str]]):
    """What a replay record of this invocation starts from (:mod:`debtscan.store.replay`): its name and the
    observations the configuration and the project root are found from, made before they are; or None."""
    from debtscan.scope import PROJECT_MARKERS
    from debtscan.store import replay

    cwd, environ = os.getcwd(), dict(os.environ)
    if not replay.applies(environ):
        return None
    try:
        checks = replay.invocation_checks(list(paths), cwd, environ, PROJECT_MARKERS, files)
    except Exception:  # noqa: BLE001 - no replay record then; the scan is unchanged
        return None
    invocation = replay.parse(_RAW_ARGS)
    if invocation is None or invocation.paths != list(paths):  # the replay reads these arguments as click did
        return None
    return replay.stamp(invocation.tokens, cwd, environ), cwd, environ, invocation, list(files), checks


def _record_replay(start, probe, root: Path, config: Config, output: Optional[str],
                   baseline_file: Optional[str]) -> None:
    """Write the replay record of this invocation for the output ``probe`` stored or reused, when every
    observation made before the scan is unchanged after it (:mod:`debtscan.store.replay`)."""
    if start is None:
        return
    from debtscan.scope import PROJECT_MARKERS
    from debtscan.sources.discover import MAX_DECLARED_BYTES, MAX_RUNNER_BYTES
    from debtscan.store import replay

    name, cwd, environ, invocation, files, before = start
    try:
        if invocation.output != output or os.getcwd() != cwd or \
                replay.invocation_checks(invocation.paths, cwd, environ, PROJECT_MARKERS, files) != before:
            return
        folder = str(probe.folder)
        real_folder = os.path.realpath(folder)
        if not replay.is_own_folder(folder):  # a user's folder: the replay does not repeat the check on it
            return
        walk = replay.walk_checks(probe.sources, [real_folder], MAX_RUNNER_BYTES, MAX_DECLARED_BYTES)
        if walk is None:
            return
        inputs = [p for p in (baseline_file, str(config.path) if config.path is not None else None) if p]
        checks = before + walk + replay.source_checks(probe.sources.root, probe.reads, probe.digests)
        checks += [("real", folder, real_folder), ("own", folder), ("real", str(root), os.path.realpath(root))]
        replay.write_record(folder, name, probe.key, inputs, checks, probe.environment)
    except Exception:  # noqa: BLE001 - no replay record then; the scan's output is unchanged
        return


def analysis_errors(report) -> list:
    """The files that could not be analysed and the plugins or rules that failed (not cache warnings)."""
    return [e for e in report.errors if e.path not in ("<cache>", "<redirect>")]


def apply_exclude_options(config: Config, exclude: Sequence[str], extend_exclude: Sequence[str]) -> None:
    """``--exclude`` replaces the config's ``exclude``; ``--extend-exclude`` adds to ``extend-exclude``."""
    if exclude:
        config.exclude = _split(exclude)
    if extend_exclude:
        config.extend_exclude = list(config.extend_exclude) + _split(extend_exclude)
def _load_baseline(path: str):
    from debtscan.report.baseline import BaselineError, load_baseline

    try:
        return load_baseline(path)
    except BaselineError as exc:
        raise UsageFailure(str(exc)) from None


def _run_with_progress(options: "ScanOptions", console: Optional["Console"]):
    from debtscan import startup

    startup.begin_imports()  # the scan's modules, as the command line's (debtscan.startup)
    try:
        from debtscan.engine import scan
    finally:
        startup.settled_imports()

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
@click.option("--format", "rules_format", type=click.Choice(["table", "json"]), default="table", show_default=True,
              help="json: a list of {code, name, category, severity, summary, why, fix, options, origin}.")
def rules_command(config_file, rules_format="table") -> None:
    """List every rule: code, name, category, default severity and summary."""
    try:
        config = load_trusted_config(Path(config_file) if config_file else None, Path.cwd())
    except ConfigError as exc:
        raise UsageFailure(f"configuration error: {exc}") from None
    from debtscan.rules.registry import rules_for

    ruleset = rules_for(config)
    if rules_format == "json":
        import json

        rows = [{"code": code, "name": rule.name, "category": rule.category, "severity": rule.severity,
                 "summary": rule.summary, "why": rule.why, "fix": rule.fix, "options": dict(rule.options),
                 "origin": ruleset.origins.get(code, "debtscan")}
                for code, rule in sorted(ruleset.rules.items())]
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        for origin, reason in ruleset.errors:
            click.echo(f"warning: {origin}: {reason}", err=True)
        return
    from rich.table import Table

    table = Table(show_lines=False, header_style="bold")
    for column in ("code", "name", "category", "severity", "summary"):
        table.add_column(column, overflow="fold")
    for code in sorted(ruleset.rules):
        rule = ruleset.rules[code]
        table.add_row(code, rule.name, rule.category, rule.severity, rule.summary)
    stdout_console().print(table)
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
    from debtscan.rules.pages import rule_page
    from debtscan.rules.redirects import redirect
    from debtscan.rules.registry import rules_for
    from debtscan.rules.selectors import suggestion

    ruleset = rules_for(config)
    for origin, reason in ruleset.errors:
        click.echo(f"warning: {origin}: {reason}", err=True)
    moved = redirect(code)
    if moved is not None and moved in ruleset.rules:
        click.echo(f"note: `{code}` has been remapped to `{moved}`; write `{moved}` instead", err=True)
        code = moved
    rule = ruleset.rules.get(code.upper()) or next((r for r in ruleset.rules.values() if r.name == code.lower()),
                                                   None)
    if rule is None:
        raise UsageFailure(f"no rule has code {code!r}{ruleset.unknown_code_hint()}; {suggestion(code, ruleset.rules)} "
                           "(`debtscan rules` lists them)")
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
@click.option("--collapse", type=click.Choice(["auto", "none", "modules", "folders"]), default="auto",
              show_default=True,
              help="modules: modules linked by the files they hand over; folders: the same per folder; auto: "
                   "for mermaid the finest view under Mermaid's limits, else the full graph.")
def graph_command(path, graph_format, output, config_file, no_cache, force=False, collapse="auto") -> None:
    """Export the repo graph (modules, artifacts, signals, models and their edges)."""
    from debtscan.engine import ScanOptions, scan
    from debtscan.project.export import EXPORTERS, Collapse, mermaid_drawing

    try:
        root = Path(path).resolve()  # the graph of the folder given (not of the project around it)
        config = load_trusted_config(Path(config_file) if config_file else None, root)
        target = checked_output(output, [root], [config.path], force)
        with interruptible():
            report, project = scan(ScanOptions(root=root, config=config, use_cache=not no_cache,
                                               outputs=[target] if target else []))
    except ConfigError as exc:
        raise UsageFailure(f"configuration error: {exc}") from None
    print_notices(report.errors)
    level = Collapse(collapse)
    if graph_format == "mermaid":
        drawing = mermaid_drawing(project, collapse=level)
        text = drawing.text
        if level is Collapse.AUTO and drawing.level is not Collapse.NONE:
            left = f", its {drawing.left_out:,} lightest links left out" if drawing.left_out else ""
            click.echo(f"note: the full graph is over Mermaid's limits; drawn collapsed to {drawing.level.value}"
                       f"{left} (--collapse none for every node)", err=True)
        elif not drawing.within_limits:
            click.echo("warning: this drawing is over Mermaid's default limits (500 edges, 50,000 characters); "
                       "--collapse auto fits it", err=True)
    else:
        text = EXPORTERS[graph_format](project, collapse=level)
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
    from debtscan.engine import ScanOptions, scan
    from debtscan.report import console as console_report
    from debtscan.report.baseline import render_baseline

    try:
        root, scan_paths, config, only = resolve_targets([path], config_file)
        target = checked_output(output, scan_paths or [root], [config.path], force)
        with interruptible():
            report, _ = scan(ScanOptions(root=root, paths=scan_paths, config=config, use_cache=not no_cache,
                                         select=_split(select), ignore=_split(ignore), only_paths=only,
                                         outputs=[target]))
    except SelectorError as exc:
        raise UsageFailure(str(exc)) from None
    except ConfigError as exc:
        raise UsageFailure(f"configuration error: {exc}") from None
    print_notices(report.errors)
    write_output(output, render_baseline(report.findings))
    fingerprints = len({f.fingerprint for f in report.findings})
    click.echo(f"wrote {output}: {console_report.plural(len(report.findings), 'finding')}, "
               f"{console_report.plural(fingerprints, 'fingerprint')}", err=True)


@main.command("diff")
@click.argument("old", type=click.Path(exists=True, dir_okay=False))
@click.argument("new", type=click.Path(exists=True, dir_okay=False))
@click.option("--format", "diff_format", type=click.Choice(["console", "json", "markdown"]), default="console",
              show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write the diff to this file.")
@click.option("--fail-on-new", is_flag=True, help="Exit 1 when NEW has findings that OLD does not.")
@click.option("--details", is_flag=True,
              help="List every metric that changed (per file, per component), not only the headline ones.")
def diff_command(old, new, diff_format, output, fail_on_new, details=False) -> None:
    """Compare two JSON reports (`debtscan scan --format json`): new and fixed findings, and the headline
    metrics that changed (--details: every metric that changed)."""
    from debtscan.report import diff as report_diff

    checked_output(output, [], [old, new])
    try:
        result = report_diff.diff_reports(report_diff.load_report(old), report_diff.load_report(new))
    except report_diff.ReportError as exc:
        raise UsageFailure(str(exc)) from None
    if diff_format == "console":
        if output:
            write_output(output, render_console_text(
                lambda console: report_diff.render_console(result, console, details=details)))
        else:
            report_diff.render_console(result, stdout_console(), details=details)
    else:
        text = (report_diff.render_json(result) if diff_format == "json"
                else report_diff.render_markdown(result, details=details))
        if output:
            write_output(output, text)
        else:
            click.echo(text, nl=False)
    sys.exit(EXIT_FINDINGS if fail_on_new and result["counts"]["new"] else EXIT_CLEAN)


from debtscan.cli_trends import aggregate_command, history_command  # noqa: E402 - in their own module

main.add_command(history_command)
main.add_command(aggregate_command)
