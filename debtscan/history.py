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
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

from debtscan.config import Config, ConfigError, find_config, load_config
from debtscan.diff import split_by_fingerprint
from debtscan.engine import InternalError, ScanOptions, scan
from debtscan.gitrepo import Commit, GitError, Repository, TreeCheckout, list_commits
from debtscan.store.history import CachePool
from debtscan.report.json_format import summary
from debtscan.rules.registry import load_rules, selected
from debtscan.report.model import Finding, Report

HISTORY_VERSION = "1.0"


@dataclass(frozen=True)
class FindingRef:
    """A finding as a history record lists it (added or paid): enough to find it, not its whole help."""

    fingerprint: str
    code: str
    category: str
    severity: str
    path: str
    line: int
    message: str

    @classmethod
    def of(cls, finding: Finding) -> "FindingRef":
        return cls(finding.fingerprint, finding.code, finding.category, finding.severity, finding.path,
                   finding.line, finding.message)

    def to_json(self) -> Dict[str, Any]:
        return {"fingerprint": self.fingerprint, "code": self.code, "category": self.category,
                "severity": self.severity, "path": self.path, "line": self.line, "message": self.message}


@dataclass(frozen=True)
class Headline:
    """The metrics a trend shows, taken from the report's ``metrics`` (None when a provider gave none)."""

    code_lines: Optional[int] = None
    glue_code_ratio: Optional[float] = None
    ml_code_ratio: Optional[float] = None
    handoffs: Optional[int] = None
    longest_chain: Optional[int] = None
    modules_in_jungle: Optional[int] = None
    shared_signals: Optional[int] = None
    cascades: Optional[int] = None

    @classmethod
    def of(cls, metrics: Dict[str, Any]) -> "Headline":
        def at(*keys: str) -> Any:
            value: Any = metrics
            for key in keys:
                if not isinstance(value, dict):
                    return None
                value = value.get(key)
            return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None

        return cls(code_lines=at("composition", "repo", "code_lines"), glue_code_ratio=at("glue_code_ratio"),
                   ml_code_ratio=at("ml_code_ratio"), handoffs=at("pipeline", "handoffs"),
                   longest_chain=at("pipeline", "longest_chain", "length"),
                   modules_in_jungle=at("pipeline", "modules_in_jungle"),
                   shared_signals=at("signals", "shared_signals"), cascades=at("signals", "cascades"))

    def to_json(self) -> Dict[str, Any]:
        return {name: getattr(self, name) for name in HEADLINE_FIELDS}


HEADLINE_FIELDS: Tuple[str, ...] = ("code_lines", "glue_code_ratio", "ml_code_ratio", "handoffs", "longest_chain",
                                    "modules_in_jungle", "shared_signals", "cascades")


@dataclass
class CommitRecord:
    """One commit's place in the trend. ``added``/``paid`` are None where there is nothing to compare with
    (the first record, unless it is a root commit, which is compared with the empty tree)."""

    commit: Commit
    summary: Dict[str, Any] = field(default_factory=dict)
    headline: Headline = field(default_factory=Headline)
    compared_with: Optional[str] = None
    added: Optional[Tuple[FindingRef, ...]] = None
    paid: Optional[Tuple[FindingRef, ...]] = None
    error: Optional[str] = None
    findings: Tuple[FindingRef, ...] = ()  # every finding of the commit (for the next delta; not written)

    @property
    def ok(self) -> bool:
        return self.error is None

    def count(self, key: str) -> int:
        value = self.summary.get(key)
        return value if isinstance(value, int) else 0

    def to_json(self) -> Dict[str, Any]:
        c = self.commit
        return {
            "schema_version": HISTORY_VERSION,
            "commit": c.sha,
            "parents": list(c.parents),
            "date": c.date,
            "author_date": c.author_date,
            "author": c.author,
            "subject": c.subject,
            "error": self.error,
            "summary": self.summary if self.ok else None,
            "metrics": self.headline.to_json() if self.ok else None,
            "compared_with": self.compared_with,
            "added": len(self.added) if self.added is not None else None,
            "paid": len(self.paid) if self.paid is not None else None,
            "added_findings": [f.to_json() for f in self.added] if self.added is not None else None,
            "paid_findings": [f.to_json() for f in self.paid] if self.paid is not None else None,
        }


@dataclass(frozen=True)
class CommitCost:
    """What one commit took: seconds (checkout and scan), files rewritten in the checkout, of them code."""

    commit: str
    seconds: float
    files_written: int
    code_files_changed: int


@dataclass
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


def top_commits(records: Sequence[CommitRecord], which: str, limit: int = 5) -> List[CommitRecord]:
    """The records that added (``which="added"``) or paid (``"paid"``) the most findings, most first; ties
    in history order; records with none left out."""
    scored = [(len(getattr(r, which) or ()), i, r) for i, r in enumerate(records)]
    scored = [item for item in scored if item[0] > 0]
    scored.sort(key=lambda item: (-item[0], item[1]))
    return [r for _, _, r in scored[:limit]]


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
