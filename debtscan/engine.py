"""The scan, as orchestration only: sources -> facts (cached, in parallel) -> project -> metrics -> rules
(suppressions last) -> Report. Each stage is a package (:mod:`debtscan.sources`, :mod:`debtscan.facts`,
:mod:`debtscan.store`, the project model, the metrics, :mod:`debtscan.rules`, :mod:`debtscan.report`); this
module only hands each stage's typed output to the next."""
from __future__ import annotations

import gc
from dataclasses import field, replace
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Set, Tuple

from debtscan.config import Config, ConfigError, line_of
from debtscan.errors import INTERNAL_ERROR, InternalError
from debtscan.facts.model import FileFacts
from debtscan.project.graph import build_project
from debtscan.project.model import Project
from debtscan.knowledge import Knowledge, load_knowledge
from debtscan.liveness import split_live
from debtscan.metrics.base import compute_metrics
from debtscan.records import record
from debtscan.report.model import Finding, Report, ScanError, assign_fingerprints
from debtscan.rules.base import rule_options
from debtscan.rules.redirects import redirect, redirect_notes
from debtscan.rules.registry import rules_for, selected
from debtscan.rules.runner import run_all
from debtscan.rules.selectors import SelectorError, check_selectors, suggestion
from debtscan.rules.stdout_guard import stdout_to_stderr
from debtscan.safefile import check_not_scanned
from debtscan.scope import in_scope
from debtscan.sources.discover import SourceSet, find_sources
from debtscan.sources.files import plan_tasks
from debtscan.store.cache import FactsCache
from debtscan.store.collect import ProgressCallback, cache_disabled_by_env, cache_folder, collect_facts
from debtscan.trust import relative_cache_note


@record
class ScanOptions:
    """What to scan and how."""

    root: Path
    paths: Sequence[Path] = ()
    config: Config = field(default_factory=Config)
    jobs: int = 0
    use_cache: bool = True
    select: Sequence[str] = ()
    ignore: Sequence[str] = ()
    only_paths: Optional[Set[str]] = None  # report findings only in these files or folders (root-relative)
    progress: Optional[ProgressCallback] = None
    extend_select: Sequence[str] = ()
    # files this run will write (-o): refused, before any file is analysed, if one is a scanned source file
    outputs: Sequence[Path] = ()
    # Given the facts cache a scan would use, the one to use instead (history keeps one for all its commits).
    cache_factory: Optional[Callable[[FactsCache], FactsCache]] = None
    # The walk's result when the caller already made it (the result cache keys on it): find_sources(root,
    # paths, config.excludes, config.respect_gitignore, skip=[the cache folder]).
    sources: Optional[SourceSet] = None
    # Receives each file's content digest as the facts cache saw it (see store.collect.collect_facts).
    digests: Optional[Dict[str, bytes]] = None


def knowledge_for(config: Config) -> Knowledge:
    try:
        return load_knowledge(config.io, config.knowledge)
    except ConfigError as exc:  # a bad [tool.debtscan.knowledge] table: name the file
        raise ConfigError(f"{config.path or 'configuration'}: {exc}") from None


def _culprit(facts: Dict[str, FileFacts], root: Path, config: Config, sources: SourceSet,
             limit: int = 2000) -> str:
    """`` from the facts of PATH`` for the first file whose facts alone make the graph fail to build, or ``""``
    (only run after a failure: one small build per file)."""
    def fails(subset) -> bool:
        try:
            build_project(subset, root=root, config=config, sources=sources)
        except Exception:  # noqa: BLE001
            return True
        return False

    if fails({}):
        return ""
    for path in sorted(facts)[:limit]:
        if fails({path: facts[path]}):
            return f" from the facts of {path}"
    return ""


def missing_facts_notes(facts: Dict[str, FileFacts], shown: int = 5) -> List[ScanError]:
    """One note when files have no facts for a reason other than their contents (a transient
    :class:`~debtscan.errors.ErrorKind`): which files, and which files import them (their cross-file findings
    are the likeliest to be missing or incomplete)."""
    missing = sorted(path for path, f in facts.items() if f.error_kind is not None and f.error_kind.transient)
    if not missing:
        return []
    modules = {facts[path].module for path in missing if facts[path].module}
    importers = sorted(path for path, f in facts.items() if not f.error and any(
        imp.target == m or imp.target.startswith(m + ".") for imp in f.imports for m in modules))

    def listing(paths: List[str]) -> str:
        more = f" and {len(paths) - shown} more" if len(paths) > shown else ""
        return ", ".join(paths[:shown]) + more

    message = (f"facts missing for {len(missing)} file(s) ({listing(missing)}): the cross-file stage ran "
               f"without them, so findings that relate several files (hand-offs, pipeline chains, signal "
               f"consumers, repeated glue, repo-wide metrics) may be missing or incomplete")
    if importers:
        message += f", in particular around the {len(importers)} file(s) importing them ({listing(importers)})"
    return [ScanError("<cross-file>", message)]


def scan(options: ScanOptions) -> Tuple[Report, Project]:
    """Run a whole scan and return the report and the project it was computed from."""
    config = options.config
    root = options.root.resolve()
    ruleset = rules_for(config)
    notes: List[ScanError] = []
    notes.extend(ScanError("<redirect>", note, notice=True) for note in redirect_notes(
        _written_selectors(options, config), ruleset.rules))
    for code in config.rules:
        if code not in ruleset.rules and redirect(code) is not None:
            continue  # an old code: its table is the new rule's (noted above)
        if code not in ruleset.rules:
            message = (f"{line_of(config.path, 'rules', code)}: [tool.debtscan.rules.{code}]: no rule has code "
                       f"{code}")
            if not ruleset.unloaded:
                raise ConfigError(f"{message}; {suggestion(code, ruleset.rules)}")
            notes.append(ScanError(f"<rule {code}>", message + ruleset.unknown_code_hint(), notice=True))
    try:
        check_scan_selectors(options, config, ruleset.rules, command_line=True)
    except SelectorError as exc:  # a plugin that did not load may be why its codes are unknown
        if ruleset.unloaded:
            raise SelectorError(f"{exc}{ruleset.unknown_code_hint()}") from None
        raise
    try:
        check_scan_selectors(options, config, ruleset.rules, command_line=False)
    except SelectorError as exc:  # the file's selectors may name the rules of its plugins that did not load
        if not ruleset.unloaded:
            raise
        notes.append(ScanError("<selectors>", f"{exc}{ruleset.unknown_code_hint()}", notice=True))
    select = list(options.select) or list(config.select)
    extend = list(options.extend_select) + list(getattr(config, "extend_select", None) or ())
    if extend:
        select = (select or ["ALL"]) + extend
    ignore = list(options.ignore) + list(config.ignore)
    codes = selected(sorted(ruleset.rules), ruleset.rules, select, ignore)
    for code in codes:
        try:
            with stdout_to_stderr():  # a plugin rule's constructor is plugin code
                rule_options(ruleset.rules[code](), config.rule_options(code))
        except ConfigError as exc:  # name the file and the line of the option
            option = next((k for k in config.rule_options(code) if repr(k) in str(exc)), code)
            raise ConfigError(f"{line_of(config.path, 'rules', code, option)}: "
                              f"[tool.debtscan.rules.{code}] {exc}") from None
    cache_dir, cache_note = cache_folder(config, root)
    found = options.sources if options.sources is not None else find_sources(
        root, options.paths, config.excludes, config.respect_gitignore, skip=[cache_dir] if cache_dir is not None else [])
    for output in options.outputs:
        check_not_scanned(output, root, found.files)
    tasks = plan_tasks(found.files)
    knowledge = knowledge_for(config)
    cache = None
    notes.extend(ScanError(f"<{key}>", note, notice=True) for key, note in sorted(config.refused.items()))
    if options.use_cache and not cache_disabled_by_env() and cache_dir is not None:
        escape = relative_cache_note(config.cache_dir, config.root or root)  # e.g. a shipped symlink out
        if escape:
            notes.append(ScanError("<cache-dir>", escape, notice=True))
        else:
            cache = FactsCache(cache_dir, f"{knowledge.fingerprint}:{config.max_file_size}")
            if options.cache_factory is not None:
                cache = options.cache_factory(cache)
    facts = collect_facts(root, tasks, config, knowledge, options.jobs, cache, options.progress, options.digests)
    # The facts of every file live until the report is made: moved out of the collector's reach (gc.freeze)
    # while the project is built and the rules run, every collection no longer rescans them (diffusers, facts
    # from the cache: 32 -> 26 s of CPU); given back to the collector afterwards, whatever happens.
    gc.freeze()
    try:
        return _cross_file(options, config, root, ruleset, codes, notes, found, tasks, cache, cache_note, facts)
    finally:
        gc.unfreeze()


def _cross_file(options: ScanOptions, config: Config, root: Path, ruleset, codes: List[str],
                notes: List[ScanError], found: SourceSet, tasks, cache: Optional[FactsCache],
                cache_note: Optional[str], facts: Dict[str, FileFacts]) -> Tuple[Report, Project]:
    """The scan after the facts: the project, the rules, the metrics and the report."""
    errors = [ScanError(path, reason) for path, reason in found.skipped]
    if cache_note and options.use_cache and not cache_disabled_by_env():
        errors.append(ScanError("<cache>", cache_note))
    errors.extend(missing_facts_notes(facts))
    errors.extend(ScanError(path, f.error, kind=f.error_kind) for path, f in sorted(facts.items()) if f.error)
    errors.extend(ScanError(f"<{origin}>", reason, notice=True) for origin, reason in ruleset.errors)
    errors.extend(notes)
    good = {path: f for path, f in facts.items() if not f.error}
    live, liveness = split_live(good, config)  # abandoned folders and never-run statements set apart
    try:
        project = build_project(live, root=root, config=config, sources=found, liveness=liveness)
    except Exception as exc:  # noqa: BLE001 - a debtscan bug: name the file whose facts trigger it
        raise InternalError(f"{INTERNAL_ERROR} while building the graph{_culprit(live, root, config, found)}: "
                            f"{type(exc).__name__}: {exc}") from exc
    findings, suppressed_count = run_all(project, good, config, ruleset.rules, codes, errors, ruleset.origins)
    errors.extend(ScanError("<redirect>", note, notice=True) for note in redirect_notes(
        ((code, f"{path}:{s.line}: `# debtscan: {'ignore-file' if s.file_level else 'ignore'}[...]`")
         for path, f in sorted(good.items()) for s in f.suppressions for code in s.codes), ruleset.rules))
    findings = [_related_to_cells(_to_cells(f, good.get(f.path)), good) for f in findings]
    findings = assign_fingerprints(findings)
    scope_files = None
    if options.only_paths is not None:  # after fingerprinting, so fingerprints equal a full scan's
        findings = [f for f in findings if in_scope(f.path, options.only_paths)]
        scope_files = sum(1 for task in tasks if in_scope(task.path, options.only_paths))
        files = {task.path for task in tasks} | {path for path, _ in found.skipped}
        errors = [e for e in errors if e.path not in files or in_scope(e.path, options.only_paths)]
    report = Report(
        root=str(root),
        config_file=str(config.path) if config.path else None,
        files_scanned=len(tasks),
        findings=findings,
        errors=sorted(set(errors), key=lambda e: (e.path, e.message)),
        suppressed=suppressed_count,
        metrics=compute_metrics(project, config),
        rules=[ruleset.rules[c] for c in codes],
        scope_files=scope_files if scope_files is not None else (0 if not tasks else None),
        scope=tuple(sorted(options.only_paths)) if options.only_paths is not None else None,
    )
    if cache is not None:
        report.errors.extend(ScanError("<cache>", w) for w in cache.warnings)
    return report, project


def _written_selectors(options: ScanOptions, config: Config) -> List[Tuple[str, str]]:
    """Every selector of the command line and the configuration, with where it was written."""
    out = [(s, "--select") for s in options.select] + [(s, "--extend-select") for s in
                                                        getattr(options, "extend_select", ())]
    out += [(s, "--ignore") for s in options.ignore]
    for key in ("select", "extend-select", "ignore"):
        out += [(s, f"{line_of(config.path, key)}: [tool.debtscan] {key}")
                for s in getattr(config, key.replace("-", "_"), None) or ()]
    for pattern, values in config.per_file_ignores.items():
        out += [(s, f"{line_of(config.path, 'per-file-ignores', pattern)}: [tool.debtscan.per-file-ignores]")
                for s in values]
    out += [(code, f"{line_of(config.path, 'rules', code)}: [tool.debtscan.rules.{code}]") for code in config.rules]
    return out


def check_scan_selectors(options: ScanOptions, config: Config, rules: Dict[str, type],
                         command_line: Optional[bool] = None) -> None:
    """Every selector of the command line and the configuration names some loaded rule, else
    :class:`SelectorError` naming where it was written and the closest valid selector. ``command_line``:
    True checks only the command line's selectors, False only the configuration file's, None both."""
    if command_line is not False:
        check_selectors(options.select, rules, "--select")
        check_selectors(getattr(options, "extend_select", ()), rules, "--extend-select")
        check_selectors(options.ignore, rules, "--ignore")
    if command_line is True:
        return
    for key in ("select", "extend-select", "ignore"):
        values = getattr(config, key.replace("-", "_"), None) or ()
        check_selectors(values, rules, f"{line_of(config.path, key)}: [tool.debtscan] {key}")
    for pattern, values in config.per_file_ignores.items():
        check_selectors(values, rules, f"{line_of(config.path, 'per-file-ignores', pattern)}: "
                                       f"[tool.debtscan.per-file-ignores] {pattern!r}")


def _related_to_cells(finding: Finding, facts: Dict[str, FileFacts]) -> Finding:
    """Related places in notebooks as (cell, line inside the cell), like the finding's own place."""
    if not any(r.cell is None and r.path in facts and facts[r.path].notebook for r in finding.related):
        return finding
    related = []
    for place in finding.related:
        where = facts[place.path].cell_of(place.line) if place.cell is None and place.path in facts \
            and facts[place.path].notebook else None
        related.append(replace(place, cell=where[0], line=where[1]) if where else place)
    return replace(finding, related=tuple(related))


def _to_cells(finding: Finding, facts: Optional[FileFacts]) -> Finding:
    if facts is None or not facts.notebook:
        return finding
    where = facts.cell_of(finding.line)
    if where is None:
        return finding
    cell, line = where
    end = None
    if finding.end_line is not None:
        end_where = facts.cell_of(finding.end_line)
        end = end_where[1] if end_where and end_where[0] == cell else line
    return replace(finding, cell=cell, line=line, end_line=end)
