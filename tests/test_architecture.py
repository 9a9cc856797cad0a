"""The import structure follows the data path: no cycles, and no arrow from an earlier stage to a later one.

Every ``import`` in debtscan's sources counts, deferred ones inside functions and ``TYPE_CHECKING`` blocks
too (a deferred import is a dependency that only waits to be executed). Read from the AST: nothing is
imported. The stages, earliest first:

  base     configuration, artifacts, knowledge catalogues, trust, safe file writing, scope: used by all
  sources  which files to scan and how they are decoded
  facts    the single libcst pass per file: typed, serialisable facts
  store    the facts cache and the worker pool
  project  the cross-file model built from all facts, and the networkx graph built from it
  metrics  the metric providers
  rules    the rule API, the registry, suppressions and the rule families
  report   the Report model, its renderers, baseline and diff
  app      orchestration and the commands: engine, CLI, Python API, history, aggregate

A module may import modules of its own stage or of earlier ones. The package ``debtscan`` itself (its
``__init__``: the version and the lazy public facade) is outside the stages: Python runs it for any
submodule import anyway.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

PACKAGE = Path(__file__).resolve().parent.parent / "debtscan"

STAGE_ORDER = ("base", "sources", "facts", "store", "project", "metrics", "rules", "report", "app")

# Module (or package prefix) -> stage; the longest matching prefix wins. A new module must be placed here.
STAGES: Dict[str, str] = {
    # base: importable by every stage
    "debtscan.config": "base", "debtscan.artifacts": "base", "debtscan.knowledge": "base",
    "debtscan.trust": "base", "debtscan.safefile": "base", "debtscan.scope": "base",
    "debtscan.tomlcompat": "base", "debtscan.jsonfile": "base", "debtscan.gitrepo": "base",
    "debtscan.errors": "base", "debtscan.gittop": "base", "debtscan.startup": "base",
    "debtscan.records": "base",
    # sources
    "debtscan.sources": "sources",
    # facts
    "debtscan.facts": "facts",
    # store
    "debtscan.store": "store",
    # project
    "debtscan.project": "project", "debtscan.liveness": "project", "debtscan.clones": "project",
    "debtscan.config_debt": "project",
    # metrics
    "debtscan.metrics": "metrics",
    # rules
    "debtscan.rules": "rules",
    # report
    "debtscan.report": "report",
    # app
    "debtscan.engine": "app", "debtscan.scan": "app", "debtscan.cli": "app", "debtscan.cli_trends": "app",
    "debtscan.api": "app", "debtscan.history": "app",
    "debtscan.aggregate": "app", "debtscan.batch": "app", "debtscan.testing": "app", "debtscan.__main__": "app",
}


# Known violations still being removed by the issue-13 work in flight (each names its owner's move). The
# checks fail on any violation not listed here, and on any entry here that no longer occurs, so this only
# shrinks; it must end empty.
KNOWN_BACKWARD: set = set()
KNOWN_CYCLES: list = [
    # (the signal layer used to read the graph module's model-artifact test: it reads the project's
    # catalogued artifact tables now, and the cycle is gone)
]


@dataclass(frozen=True)
class Import:
    """One import statement's edge: ``source`` (a module) imports ``target`` (a module) at file:line."""

    source: str
    target: str
    path: Path
    line: int

    def where(self) -> str:
        return f"{self.path.relative_to(PACKAGE.parent)}:{self.line}"


def modules(package: Path = PACKAGE) -> Dict[str, Path]:
    found = {}
    for path in sorted(package.rglob("*.py")):
        parts = list(path.relative_to(package.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def imports_of(name: str, path: Path, known: Dict[str, Path]) -> List[Import]:
    """The edges of one module, each to the innermost known module it names (``from a import b``: ``a.b``
    when that is a module, else ``a``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    here = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = here[: len(here) - node.level + 1] if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            targets = [module] + [f"{module}.{alias.name}" for alias in node.names]
        else:
            continue
        resolved = set()
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target:
                resolved.add(target)
        # ``from a import b`` where a.b is a module: the edge is to a.b only (a is its package)
        resolved = {t for t in resolved if not any(o.startswith(t + ".") for o in resolved)}
        for target in sorted(resolved):
            if target != name and not name.startswith(target + "."):
                out.append(Import(name, target, path, node.lineno))
    return out


def all_imports(package: Path = PACKAGE) -> List[Import]:
    known = modules(package)
    return [edge for name, path in known.items() for edge in imports_of(name, path, known)]


def stage_of(module: str, stages: Dict[str, str] = STAGES) -> Optional[str]:
    best = None
    for prefix in stages:
        if (module == prefix or module.startswith(prefix + ".")) and (best is None or len(prefix) > len(best)):
            best = prefix
    return stages[best] if best is not None else None


def backward_imports(edges: Sequence[Import], stages: Dict[str, str] = STAGES) -> List[Tuple[Import, str, str]]:
    """Edges from an earlier stage to a later one, with both stages."""
    out = []
    for edge in edges:
        if edge.source == "debtscan" or edge.target == "debtscan":
            continue
        source, target = stage_of(edge.source, stages), stage_of(edge.target, stages)
        if source and target and STAGE_ORDER.index(source) < STAGE_ORDER.index(target):
            out.append((edge, source, target))
    return out


def import_cycles(edges: Sequence[Import]) -> List[List[str]]:
    """Groups of modules that import each other (strongly connected components of more than one module)."""
    graph: Dict[str, List[str]] = {}
    for edge in edges:
        graph.setdefault(edge.source, []).append(edge.target)
        graph.setdefault(edge.target, [])
    index: Dict[str, int] = {}
    low: Dict[str, int] = {}
    on_stack, stack, out = set(), [], []
    for start in sorted(graph):
        if start in index:
            continue
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        work = [(start, iter(sorted(set(graph[start]))))]
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(set(graph[child])))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    out.append(sorted(group))
    return out


def cycle_edges(edges: Sequence[Import], group: Sequence[str]) -> List[Import]:
    members = set(group)
    return sorted((e for e in edges if e.source in members and e.target in members), key=lambda e: e.where())


# --- the checks on debtscan itself ----------------------------------------------------------------------

EDGES = all_imports()


def test_every_module_is_placed_in_a_stage():
    unplaced = sorted(name for name in modules() if name != "debtscan" and stage_of(name) is None)
    assert not unplaced, "modules in no stage (add them to STAGES in tests/test_architecture.py): " + ", ".join(
        unplaced)


def test_no_import_cycles_between_debtscan_modules():
    found = import_cycles([e for e in EDGES if "debtscan" not in (e.source, e.target)])
    new = [group for group in found if frozenset(group) not in KNOWN_CYCLES]
    lines = []
    for group in new:
        lines.append("import cycle: " + " <-> ".join(group))
        lines += [f"  {e.where()}: {e.source} imports {e.target}" for e in cycle_edges(EDGES, group)]
    assert not new, "\n" + "\n".join(lines)
    gone = [sorted(group) for group in KNOWN_CYCLES if group not in {frozenset(g) for g in found}]
    assert not gone, f"these cycles are gone: remove them from KNOWN_CYCLES: {gone}"


def test_no_import_from_an_earlier_stage_to_a_later_one():
    backward = backward_imports(EDGES)
    new = [b for b in backward if (b[0].source, b[0].target) not in KNOWN_BACKWARD]
    lines = [f"  {edge.where()}: {edge.source} ({source}) imports {edge.target} ({target})"
             for edge, source, target in sorted(new, key=lambda b: b[0].where())]
    assert not new, f"\n{len(new)} import(s) against the data path:\n" + "\n".join(lines)
    gone = sorted(KNOWN_BACKWARD - {(edge.source, edge.target) for edge, _, _ in backward})
    assert not gone, f"these imports are gone: remove them from KNOWN_BACKWARD: {gone}"


# --- the checker itself can fail -------------------------------------------------------------------------

def write(root: Path, files: Dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root / "debtscan"


def test_a_deferred_import_from_base_to_a_later_stage_is_reported_with_its_line(tmp_path):
    package = write(tmp_path, {
        "debtscan/__init__.py": "",
        "debtscan/config.py": "def load():\n    from debtscan.report.model import Report\n    return Report\n",
        "debtscan/report/__init__.py": "",
        "debtscan/report/model.py": "from debtscan import config\nclass Report: ...\n",
    })
    edges = all_imports(package)
    ((edge, source, target),) = backward_imports(edges)
    assert (edge.source, edge.target, edge.line, source, target) == (
        "debtscan.config", "debtscan.report.model", 2, "base", "report")
    assert import_cycles(edges) == [["debtscan.config", "debtscan.report.model"]]


def test_relative_imports_and_submodules_named_in_from_imports_resolve(tmp_path):
    package = write(tmp_path, {
        "debtscan/__init__.py": "",
        "debtscan/rules/__init__.py": "from . import base\n",
        "debtscan/rules/base.py": "",
        "debtscan/report/__init__.py": "",
        "debtscan/report/model.py": "from ..rules.base import Rule\n",
    })
    assert {(e.source, e.target) for e in all_imports(package)} == {
        ("debtscan.rules", "debtscan.rules.base"), ("debtscan.report.model", "debtscan.rules.base")}
    assert backward_imports(all_imports(package)) == []  # report -> rules follows the data path
