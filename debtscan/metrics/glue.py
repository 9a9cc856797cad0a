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

from collections import Counter
from typing import Any, Dict, List, Optional, Tuple

from debtscan.config import Config
from debtscan.facts.model import LINE_KINDS as KINDS
from debtscan.facts.model import FileFacts, StatementFact
from debtscan.project.model import Project


def glue_runs(facts: FileFacts, kinds: Optional[Tuple[str, ...]] = None,
              statements: Optional[Tuple[StatementFact, ...]] = None) -> List[List[StatementFact]]:
    """Maximal blocks of consecutive glue statements in one scope, in source order (by the resolved ``kinds``
    when given, else by each statement's own class: the conversions written out in the file); ``statements``:
    the file's statements as resolved across files (with the conversions made through calls)."""
    runs: List[List[StatementFact]] = []
    current: List[StatementFact] = []
    if statements is None or len(statements) != len(facts.statements):
        statements = facts.statements
    if kinds is None or len(kinds) != len(facts.statements):
        kinds = tuple(s.kind for s in facts.statements)
    for statement, kind in zip(statements, kinds):
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
    comp = project.composition
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
    return round(project.composition.repo.ratio("glue"), 4)


def ml_code_ratio(project: Project, config: Config) -> float:
    return round(project.composition.repo.ratio("ml"), 4)
