"""The scan: discover -> extract (parallel, cached) -> graph -> rules -> suppressions -> Report."""
from __future__ import annotations

import fnmatch
import os
import sys
import traceback
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Set, Tuple

import libcst as cst

from debtscan.cache import FactsCache
from debtscan.config import Config, ConfigError
from debtscan.discover import discover
from debtscan.facts.extract import extract
from debtscan.facts.model import FileFacts
from debtscan.graph import Project, build_project, module_name_for
from debtscan.knowledge import Knowledge, load_knowledge
from debtscan.metrics import compute_metrics
from debtscan.report.model import Finding, Report, ScanError, assign_fingerprints
from debtscan.rules.base import Rule, RuleContext, rule_options
from debtscan.rules.meta import UnusedSuppression
from debtscan.rules.registry import load_rules, selected
from debtscan.source import SourceError, read_source

ProgressCallback = Callable[[int, int], None]


@dataclass
class ScanOptions:
    """What to scan and how."""

    root: Path
    paths: Sequence[Path] = ()
    config: Config = field(default_factory=Config)
    jobs: int = 0
    use_cache: bool = True
    select: Sequence[str] = ()
    ignore: Sequence[str] = ()
    only_paths: Optional[Set[str]] = None
    progress: Optional[ProgressCallback] = None


@dataclass(frozen=True)
class FileTask:
    """One file to extract: where it is and what module it is."""

    path: str
    module: str
    is_package: bool


def knowledge_for(config: Config) -> Knowledge:
    return load_knowledge(config.io, config.knowledge)


def extract_file(root: str, task: FileTask, knowledge: Knowledge, max_size: int,
                 data: Optional[bytes] = None) -> FileFacts:
    """Facts of one file; any failure becomes ``FileFacts.error`` with a clear reason, never an exception."""
    try:
        if data is None:
            with open(os.path.join(root, task.path), "rb") as handle:
                data = handle.read(max_size + 1)
        if len(data) > max_size:
            raise SourceError(f"file larger than max-file-size ({max_size} bytes): skipped")
        source = read_source(task.path, data)
        module = cst.parse_module(source.text)
        return extract(module, path=task.path, module_name=task.module, is_package=task.is_package,
                       text=source.text, knowledge=knowledge, cells=source.cells, notebook=source.notebook)
    except SourceError as exc:
        reason = str(exc)
    except cst.ParserSyntaxError as exc:
        reason = f"syntax error at line {exc.raw_line}, column {exc.raw_column}: {exc.message}"
    except RecursionError:
        reason = "too deeply nested to analyse (recursion limit): skipped"
    except MemoryError:
        reason = "out of memory while analysing: skipped"
    except OSError as exc:
        reason = f"cannot read: {exc.strerror or exc}"
    except Exception as exc:  # noqa: BLE001 - one odd file must not stop the scan
        reason = f"internal error while analysing this file: {type(exc).__name__}: {exc}"
        if os.environ.get("DEBTSCAN_DEBUG"):
            traceback.print_exc()
    return FileFacts(path=task.path, module=task.module, is_package=task.is_package,
                     notebook=task.path.endswith(".ipynb"), error=reason)


_WORKER_STATE: Dict[str, object] = {}


def _init_worker(root: str, knowledge: Knowledge, max_size: int) -> None:
    _WORKER_STATE.update(root=root, knowledge=knowledge, max_size=max_size)
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 3000))


def _work(task: FileTask) -> FileFacts:
    return extract_file(_WORKER_STATE["root"], task, _WORKER_STATE["knowledge"], _WORKER_STATE["max_size"])


def plan_tasks(files: Sequence[str]) -> List[FileTask]:
    package_dirs = {f.rsplit("/", 1)[0] if "/" in f else "" for f in files if f.endswith("/__init__.py")}
    tasks = []
    for path in files:
        module, is_package = module_name_for(path, sorted(package_dirs))
        tasks.append(FileTask(path, module, is_package))
    return tasks


def collect_facts(root: Path, tasks: Sequence[FileTask], config: Config, knowledge: Knowledge, jobs: int,
                  cache: Optional[FactsCache], progress: Optional[ProgressCallback] = None
                  ) -> Dict[str, FileFacts]:
    """Facts of every file: from the cache where the content is unchanged, else extracted (in parallel)."""
    results: Dict[str, FileFacts] = {}
    pending: List[Tuple[FileTask, Optional[str]]] = []
    done = 0
    for task in tasks:
        key = None
        if cache is not None:
            try:
                with open(root / task.path, "rb") as handle:
                    data = handle.read(config.max_file_size + 1)
                key = cache.key(data, task.path, task.module, task.is_package)
                cached = cache.get(key)
            except OSError:
                cached = None
            if cached is not None:
                results[task.path] = cached
                done += 1
                continue
        pending.append((task, key))
    if progress:
        progress(done, len(tasks))
    workers = jobs if jobs > 0 else (os.cpu_count() or 1)
    workers = min(workers, max(1, len(pending) // 8))
    root_text = str(root)
    if workers <= 1:
        outputs = (extract_file(root_text, task, knowledge, config.max_file_size) for task, _ in pending)
        executor = None
    else:
        executor = ProcessPoolExecutor(max_workers=workers, initializer=_init_worker,
                                       initargs=(root_text, knowledge, config.max_file_size))
        outputs = executor.map(_work, [task for task, _ in pending], chunksize=max(1, len(pending) // (workers * 8)))
    try:
        for (task, key), facts in zip(pending, outputs):
            results[task.path] = facts
            if cache is not None and key is not None and not facts.error:
                cache.put(key, facts)
            done += 1
            if progress:
                progress(done, len(tasks))
    finally:
        if executor is not None:
            executor.shutdown()
    return results


def _suppressed(finding: Finding, facts: Optional[FileFacts], per_file: Dict[str, List[str]]) -> Optional[Tuple[int, bool]]:
    for pattern, codes in per_file.items():
        if fnmatch.fnmatchcase(finding.path, pattern) and any(finding.code.startswith(c) for c in codes):
            return (-1, True)
    if facts is None:
        return None
    for suppression in facts.suppressions:
        if not suppression.codes or finding.code in suppression.codes:
            if suppression.file_level or suppression.line == finding.line:
                return (suppression.line, suppression.file_level)
    return None


def run_rules(project: Project, config: Config, rule_classes: Dict[str, type], codes: Sequence[str],
              errors: List[ScanError]) -> List[Finding]:
    findings: List[Finding] = []
    for code in codes:
        rule: Rule = rule_classes[code]()
        options = rule_options(rule, config.rule_options(code))
        try:
            findings.extend(rule.check(RuleContext(project, options, config)))
        except Exception as exc:  # noqa: BLE001 - a failing rule is reported, the others still run
            errors.append(ScanError(f"<rule {code}>", f"rule {code} ({rule.name}) failed: "
                                                      f"{type(exc).__name__}: {exc}"))
    return findings


def scan(options: ScanOptions) -> Tuple[Report, Project]:
    """Run a whole scan and return the report and the project it was computed from."""
    config = options.config
    root = options.root.resolve()
    ruleset = load_rules(config.plugins)
    for code in config.rules:
        if code not in ruleset.rules:
            raise ConfigError(f"{config.path}: [tool.debtscan.rules.{code}]: no rule has code {code}")
    select = list(options.select) or list(config.select)
    ignore = list(options.ignore) + list(config.ignore)
    codes = selected(sorted(ruleset.rules), ruleset.rules, select, ignore)
    for code in codes:
        rule_options(ruleset.rules[code](), config.rule_options(code))
    found = discover(root, options.paths, config.excludes, config.respect_gitignore)
    tasks = plan_tasks(found.files)
    knowledge = knowledge_for(config)
    cache = None
    if options.use_cache and not os.environ.get("DEBTSCAN_NO_CACHE"):
        cache_dir = Path(config.cache_dir)
        if not cache_dir.is_absolute():
            cache_dir = (config.root or root) / cache_dir
        cache = FactsCache(cache_dir, knowledge.fingerprint)
    facts = collect_facts(root, tasks, config, knowledge, options.jobs, cache, options.progress)
    errors = [ScanError(path, reason) for path, reason in found.skipped]
    errors.extend(ScanError(path, f.error) for path, f in sorted(facts.items()) if f.error)
    errors.extend(ScanError(origin, reason) for origin, reason in ruleset.errors)
    good = {path: f for path, f in facts.items() if not f.error}
    project = build_project(good)
    raw = run_rules(project, config, ruleset.rules, codes, errors)
    findings, suppressed_count = apply_suppressions(raw, good, config, codes, ruleset.rules)
    if options.only_paths is not None:
        findings = [f for f in findings if f.path in options.only_paths
                    or any(r.path in options.only_paths for r in f.related)]
    findings = [_to_cells(f, good.get(f.path)) for f in findings]
    findings = assign_fingerprints(findings)
    report = Report(
        root=str(root),
        config_file=str(config.path) if config.path else None,
        files_scanned=len(tasks),
        findings=findings,
        errors=sorted(set(errors), key=lambda e: (e.path, e.message)),
        suppressed=suppressed_count,
        metrics=compute_metrics(project, config),
        rules=[ruleset.rules[c] for c in codes],
    )
    if cache is not None:
        report.errors.extend(ScanError("<cache>", w) for w in cache.warnings)
    return report, project


def apply_suppressions(findings: List[Finding], facts: Dict[str, FileFacts], config: Config,
                       codes: Sequence[str], rules: Dict[str, type]) -> Tuple[List[Finding], int]:
    """Drop suppressed findings; report suppressions that suppressed nothing (DS001)."""
    kept: List[Finding] = []
    used: Set[Tuple[str, int]] = set()
    count = 0
    for finding in findings:
        hit = _suppressed(finding, facts.get(finding.path), config.per_file_ignores)
        if hit is None:
            kept.append(finding)
        else:
            count += 1
            used.add((finding.path, hit[0]))
    if UnusedSuppression.code in codes:
        checker = UnusedSuppression()
        active = set(codes)
        for path, fact in sorted(facts.items()):
            for suppression in fact.suppressions:
                if (path, suppression.line) in used:
                    continue
                if suppression.codes and not all(c in active or c not in rules for c in suppression.codes):
                    continue
                label = f"[{', '.join(suppression.codes)}]" if suppression.codes else ""
                kind = "ignore-file" if suppression.file_level else "ignore"
                kept.append(checker.finding(
                    path, suppression.line, f"`# debtscan: {kind}{label}` suppresses no finding.",
                    subject=f"{kind}{label}"))
    return kept, count


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
