"""Debt over time: ``debtscan history`` scans past commits and gives one record per commit.

Each selected commit's files are written into a private folder (:class:`debtscan.gitrepo.TreeCheckout`, read
from the object database: the user's checkout, index and refs are never touched) and scanned by the ordinary
engine (:func:`debtscan.engine.scan`), every commit with the same facts cache, so a commit costs the files it
changed (the cache is keyed by path and content). A record holds the commit, its dates, the report's summary
(counts by category, severity and rule), the headline metrics, and the findings added and paid since the
previous record, matched by fingerprint as a multiset (as ``debtscan diff`` does), so moving code is neither.
"""
from __future__ import annotations

import shutil
import tempfile
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

from debtscan.config import Config, ConfigError, find_config, load_config
from debtscan.records import record
from debtscan.report.diff import split_by_fingerprint
from debtscan.engine import InternalError, ScanOptions, scan
from debtscan.gitrepo import Commit, GitError, Repository, TreeCheckout, list_commits
from debtscan.store.history import CachePool
from debtscan.report.json_format import summary
from debtscan.rules.registry import load_rules, selected
from debtscan.report.model import Report
from debtscan.report.trends import CommitRecord, FindingRef, Headline

@record(frozen=True)
class CommitCost:
    """What one commit took: seconds (checkout and scan), files rewritten in the checkout, of them code."""

    commit: str
    seconds: float
    files_written: int
    code_files_changed: int


@record
class HistoryOptions:
    """What to scan: which commits, with which rules and configuration, and where the facts cache lives."""

    path: Path
    rev: str = "HEAD"
    since: Optional[str] = None
    last: Optional[int] = None
    every: int = 1
    first_parent: bool = True
    select: Sequence[str] = ()
    ignore: Sequence[str] = ()
    config_file: Optional[Path] = None
    jobs: int = 0
    use_cache: bool = True
    cache_dir: Optional[Path] = None  # None: a temporary folder, removed at the end


def delta(previous: Sequence[FindingRef], current: Sequence[FindingRef]
          ) -> Tuple[Tuple[FindingRef, ...], Tuple[FindingRef, ...]]:
    """(added, paid): the findings of ``current`` beyond ``previous``, and those of ``previous`` beyond
    ``current``, matched by fingerprint as multisets."""
    by_fingerprint = lambda f: f.fingerprint  # noqa: E731
    _, added, _ = split_by_fingerprint(Counter(f.fingerprint for f in previous), current, by_fingerprint)
    _, paid, _ = split_by_fingerprint(Counter(f.fingerprint for f in current), previous, by_fingerprint)
    return tuple(added), tuple(paid)


# Files no scan reads (only their existence can matter): a commit that only edits such files, adding and
# removing nothing, has the previous commit's report, and is not scanned again.
UNREAD_SUFFIXES = frozenset({
    ".csv", ".tsv", ".parquet", ".feather", ".pkl", ".pickle", ".npy", ".npz", ".h5", ".hdf5", ".joblib",
    ".bin", ".pt", ".pth", ".ckpt", ".onnx", ".zip", ".gz", ".png", ".jpg", ".jpeg", ".gif", ".pdf", ".md",
    ".rst", ".log"})


def unread_edits_only(before: Dict[str, Any], after: Dict[str, Any]) -> bool:
    """Whether ``after``'s tree differs from ``before``'s only in the content of files no scan reads."""
    if before.keys() != after.keys():
        return False
    for path, entry in after.items():
        old = before[path]
        if old.blob != entry.blob or old.mode != entry.mode:
            name = path.rsplit("/", 1)[-1].lower()
            if entry.is_link or old.is_link or "." not in name or name[name.rindex("."):] not in UNREAD_SUFFIXES:
                return False
    return True


def _is_code(path: str, prefix: str = "") -> bool:
    return path.endswith((".py", ".ipynb")) and path.startswith(prefix)


def _plugins_in(tree: Path) -> bool:
    """Whether the tree's configuration loads plugins (their rules may read any file: never skip a scan)."""
    for name in ("pyproject.toml", "debtscan.toml"):
        for found in tree.rglob(name):
            try:
                if "plugins" in found.read_text(encoding="utf-8", errors="replace"):
                    return True
            except OSError:
                return True
    return False


class History:
    """A walk through a repository's history; iterate :meth:`run` for (record, cost) pairs, oldest first."""

    def __init__(self, options: HistoryOptions, repo: Repository) -> None:
        self.options = options
        self.repo = repo
        self.explicit_config: Optional[Config] = None
        if options.config_file is not None:
            self.explicit_config = load_config(Path(options.config_file), Path(options.config_file).parent)
        self.pool: Optional[CachePool] = None
        self.missing: set = set()
        # --select/--ignore are the same for every commit: check them once, before the walk.
        ruleset = load_rules((self.explicit_config or Config()).plugins)
        selected(sorted(ruleset.rules), ruleset.rules, list(options.select), list(options.ignore))
        self.commits: List[Commit] = list_commits(repo, options.rev, options.since, options.last, options.every,
                                                  options.first_parent)

    @property
    def warnings(self) -> List[str]:
        """What went wrong with the facts cache (a corrupt or unwritable pack): the walk went on regardless."""
        out = [w for cache in (self.pool.caches.values() if self.pool else ()) for w in cache.warnings]
        if self.missing:
            names = sorted(self.missing)
            out.append(f"{len(names)} data file(s) have no content in this repository (a partial clone, or a copy "
                       f"without large files) and were scanned as empty files: {', '.join(names[:5])}"
                       + (" ..." if len(names) > 5 else ""))
        return out

    def _config(self, scan_root: Path, tree_root: Path, cache_dir: Path) -> Config:
        """The commit's own configuration (found as a scan would, but never above the checkout), or --config."""
        if self.explicit_config is not None:
            config = self.explicit_config
        else:
            found = find_config(scan_root)
            inside = found is not None and tree_root.resolve() in found.resolve().parents
            config = load_config(None, scan_root) if inside else Config()
        return replace(config, cache_dir=str(cache_dir))

    def _scan(self, tree_root: Path, cache_dir: Path, pool: CachePool) -> Report:
        prefix = self.repo.prefix
        scan_root = tree_root / prefix if prefix else tree_root
        if not scan_root.is_dir():
            raise GitError(f"{prefix}/ does not exist in this commit")
        config = self._config(scan_root, tree_root, cache_dir)
        o = self.options
        report, _ = scan(ScanOptions(root=scan_root, config=config, jobs=o.jobs, use_cache=o.use_cache,
                                     select=list(o.select), ignore=list(o.ignore), cache_factory=pool))
        return report

    def run(self) -> Iterator[Tuple[CommitRecord, CommitCost]]:
        work = Path(tempfile.mkdtemp(prefix="debtscan-history-"))
        cache_dir = Path(self.options.cache_dir).resolve() if self.options.cache_dir else work / "cache"
        pool = self.pool = CachePool(cache_dir)
        previous: Optional[CommitRecord] = None
        scanned: Dict[str, CommitRecord] = {}
        last: Optional[Report] = None  # the report of the tree the checkout held before this commit
        # Unchanged findings are one object across records, so keeping every record's findings (any may be a
        # later commit's first parent) costs a pointer per finding per commit.
        interned: Dict[FindingRef, FindingRef] = {}
        prefix = f"{self.repo.prefix}/" if self.repo.prefix else ""
        try:
            with TreeCheckout(self.repo, work / "tree") as checkout:
                self.missing = checkout.missing
                for commit in self.commits:
                    started = time.perf_counter()
                    record = CommitRecord(commit)
                    written = changed = 0
                    try:
                        before = dict(checkout.current)
                        stats = checkout.checkout(commit.sha)
                        written = stats.written + stats.removed
                        changed = sum(1 for p, e in checkout.current.items() if _is_code(p, prefix)
                                      and (p not in before or before[p].blob != e.blob))
                        changed += sum(1 for p in before if _is_code(p, prefix) and p not in checkout.current)
                        if last is not None and unread_edits_only(before, checkout.current) \
                                and not (self.explicit_config and self.explicit_config.plugins) \
                                and not _plugins_in(checkout.folder):
                            report = last  # nothing the scan reads changed: the same report
                        else:
                            report = self._scan(checkout.folder, cache_dir, pool)
                    except (ConfigError, InternalError, GitError) as exc:
                        record.error = str(exc)
                        last = None
                    except Exception as exc:  # noqa: BLE001 - one commit must not end a long walk
                        record.error = f"internal error: {type(exc).__name__}: {exc}"
                        last = None
                    else:
                        last = report
                        record.summary = summary(report)
                        record.headline = Headline.of(report.metrics)
                        record.findings = tuple(interned.setdefault(ref, ref)
                                                for ref in map(FindingRef.of, report.findings))
                        # Compared with its first parent where that was scanned (a walk over every commit
                        # interleaves branches), else with the previous record.
                        base = scanned.get(commit.parents[0]) if commit.parents else None
                        base = base or previous
                        if base is not None:
                            record.compared_with = base.commit.sha
                            record.added, record.paid = delta(base.findings, record.findings)
                        elif self.repo.is_root(commit):  # a root commit: everything it has, it added
                            record.added, record.paid = record.findings, ()
                        previous = scanned[commit.sha] = record
                    yield record, CommitCost(commit.sha, time.perf_counter() - started, written, changed)
        finally:
            if self.options.cache_dir:
                pool.flush()
            shutil.rmtree(work, ignore_errors=True)
