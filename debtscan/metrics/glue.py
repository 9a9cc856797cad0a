"""The glue-code numbers: how many logical lines are in each box of Sculley et al.'s Figure 1 (ML, glue, data
collection and I/O, data preparation, verification, configuration, process management, serving, monitoring,
analysis, other), after calls of the project's own helpers are classified (:mod:`debtscan.project.composition`).

``metrics.composition`` has them for the repo, for every directory (counting everything under it) and for
every file, with the fractions, plus the adapters the glue converts between (``pandas->numpy``), ranked,
the project's glue functions (with their call sites) and adapter classes.
``metrics.glue_code_ratio`` and ``metrics.ml_code_ratio`` are the repo's glue and ML lines over its code
lines (code lines = logical lines that are not blank, not comments and not docstrings).
"""
from __future__ import annotations

import weakref
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

from debtscan.config import Config
from debtscan.facts.model import LINE_KINDS as KINDS
from debtscan.facts.model import FileFacts, LineKind, StatementFact
from debtscan.project.graph import Project
from debtscan.project.composition import AdapterClass, FunctionSummary, LineClasses, glue_helpers, resolve


@dataclass
class Tally:
    """Lines per class in a file, a directory or the repo."""

    lines: Counter = field(default_factory=Counter)
    files: int = 0

    @property
    def code_lines(self) -> int:
        return sum(self.lines.values())

    def ratio(self, kind: str) -> float:
        total = self.code_lines
        return self.lines[kind] / total if total else 0.0

    def add(self, other: "Tally") -> None:
        self.lines.update(other.lines)
        self.files += other.files

    def to_json(self) -> Dict[str, Any]:
        total = self.code_lines
        return {
            "code_lines": total,
            "files": self.files,
            "lines": {kind: self.lines[kind] for kind in KINDS},
            "fractions": {kind: round(self.lines[kind] / total, 4) if total else 0.0 for kind in KINDS},
        }


@dataclass
class Composition:
    """The tallies of a project, by file and by directory, and the adapters ranked."""

    repo: Tally
    files: Dict[str, Tally]
    packages: Dict[str, Tally]
    adapters: List[Tuple[str, int, int]]  # (adapter, glue lines, files)
    classes: LineClasses = field(default_factory=lambda: LineClasses({}))

    def kinds(self, path: str) -> Tuple[str, ...]:
        """The resolved class of each statement of a file."""
        return self.classes.kinds.get(path, ())

    @property
    def glue_functions(self) -> List[FunctionSummary]:
        return glue_helpers(self.classes)

    @property
    def adapter_classes(self) -> Tuple[AdapterClass, ...]:
        return self.classes.adapters

    def heaviest_files(self, limit: int = 5, min_code_lines: int = 10) -> List[Tuple[str, Tally]]:
        """Files ranked by glue lines (then glue ratio), those with at least ``min_code_lines``."""
        ranked = [(path, tally) for path, tally in self.files.items()
                  if tally.code_lines >= min_code_lines and tally.lines["glue"]]
        ranked.sort(key=lambda item: (-item[1].lines["glue"], -item[1].ratio("glue"), item[0]))
        return ranked[:limit]


def package_of(path: str) -> List[str]:
    """Every directory a path is under (``a/b/c.py`` -> ``a``, ``a/b``)."""
    parts = path.split("/")[:-1]
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]


def tally_of(facts: FileFacts, kinds: Optional[Tuple[str, ...]] = None) -> Tally:
    """A file's lines per class: the resolved ``kinds`` when given, else each statement's own class."""
    return Tally(Counter(kinds if kinds is not None else (s.kind for s in facts.statements)), 1)


_MEMO: Dict[str, Any] = {}  # the last project's composition (rules and metric providers share it)


def composition(project: Project) -> Composition:
    """The composition of a project (computed once per project)."""
    ref = _MEMO.get("project")
    if ref is not None and ref() is project:
        return _MEMO["composition"]
    repo = Tally()
    files: Dict[str, Tally] = {}
    packages: Dict[str, Tally] = {}
    adapter_lines: Counter = Counter()
    adapter_files: Dict[str, set] = {}
    classes = resolve(project.facts)
    for path, facts in sorted(project.facts.items()):
        tally = tally_of(facts, classes.kinds.get(path))
        files[path] = tally
        repo.add(tally)
        for directory in package_of(path):
            packages.setdefault(directory, Tally()).add(tally)
        for statement in facts.statements:
            for adapter in statement.adapters:
                adapter_lines[adapter] += 1
                adapter_files.setdefault(adapter, set()).add(path)
    adapters = sorted(((a, n, len(adapter_files[a])) for a, n in adapter_lines.items()),
                      key=lambda item: (-item[1], -item[2], item[0]))
    result = Composition(repo, files, packages, adapters, classes)
    _MEMO.clear()
    _MEMO.update(project=weakref.ref(project), composition=result)
    return result


def glue_runs(facts: FileFacts, kinds: Optional[Tuple[str, ...]] = None) -> List[List[StatementFact]]:
    """Maximal blocks of consecutive glue statements in one scope, in source order (by the resolved ``kinds``
    when given, else by each statement's own class: the conversions written out in the file)."""
    runs: List[List[StatementFact]] = []
    current: List[StatementFact] = []
    if kinds is None or len(kinds) != len(facts.statements):
        kinds = tuple(s.kind for s in facts.statements)
    for statement, kind in zip(facts.statements, kinds):
        glue = kind == "glue"
        if glue and (not current or current[-1].scope == statement.scope):
            current.append(statement)
            continue
        if current:
            runs.append(current)
        current = [statement] if glue else []
    if current:
        runs.append(current)
    return runs


def line_ranges(runs: List[List[StatementFact]], limit: int = 6) -> str:
    """``12-15, 30, 42-44`` for the longest runs (shown in source order)."""
    chosen = sorted(sorted(runs, key=lambda r: (-len(r), r[0].line))[:limit], key=lambda r: r[0].line)
    parts = []
    for run in chosen:
        first, last = run[0].line, run[-1].end_line
        parts.append(str(first) if first == last else f"{first}-{last}")
    more = len(runs) - len(chosen)
    return ", ".join(parts) + (f" and {more} more" if more > 0 else "")


def top_adapters(statements: List[StatementFact], limit: int = 3) -> List[Tuple[str, int]]:
    counts: Counter = Counter(a for s in statements for a in s.adapters)
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:limit]


def describe_adapters(ranked: List[Tuple[str, int]]) -> str:
    return ", ".join(f"{a} ({n})" for a, n in ranked)


def longest_run(runs: List[List[StatementFact]]) -> Optional[List[StatementFact]]:
    if not runs:
        return None
    return min(runs, key=lambda r: (-len(r), r[0].line))


def composition_metric(project: Project, config: Config) -> Dict[str, Any]:
    comp = composition(project)
    return {
        "classes": list(KINDS),
        "repo": comp.repo.to_json(),
        "packages": {name: tally.to_json() for name, tally in sorted(comp.packages.items())},
        "files": {path: tally.to_json() for path, tally in sorted(comp.files.items())},
        "adapters": [{"adapter": a, "lines": n, "files": f} for a, n, f in comp.adapters],
        "glue_functions": [{"function": s.qualname, "path": s.path, "line": s.line, "code_lines": s.code_lines,
                            "call_sites": s.call_sites} for s in comp.glue_functions],
        "adapter_classes": [{"class": a.name, "path": a.path, "line": a.line, "methods": list(a.methods),
                             "code_lines": a.lines} for a in comp.adapter_classes],
        "through_helpers": sum(comp.classes.through_helpers.values()),
    }


def glue_code_ratio(project: Project, config: Config) -> float:
    return round(composition(project).repo.ratio("glue"), 4)


def ml_code_ratio(project: Project, config: Config) -> float:
    return round(composition(project).repo.ratio("ml"), 4)
