"""Orchestrators as runners, and declared data pipelines as managed artifacts.

- **Runners**: an Airflow DAG, a Prefect flow or a Luigi pipeline runs scripts and functions in an order,
  like ``run.sh`` does. Each task (:class:`~debtscan.facts.model.TaskFact`) becomes a :class:`Step` of the
  file that declares it: a ``BashOperator``'s command is parsed like a shell line (``spark-submit jobs/x.py``,
  ``python -m pkg.train``; an absolute path in the container, ``/opt/airflow/jobs/x.py``, is matched by its
  longest suffix that names exactly one file of the repo), a ``PythonOperator``'s callable and a task a flow
  calls run the module defining them. The order is the topological order of ``>>`` / ``set_downstream`` /
  ``chain`` / ``requires`` edges (ties by line), then the flow bodies' calls in order.
- **Declared pipelines**: what Dagster assets read and write when the reading asset depends on the writing
  one (``deps=``, ``ins=``, parameters), what dbt models ``ref()`` and build, and Luigi ``output()`` targets
  are managed by the tool: declared artifacts, never reported as jungle (like dvc.yaml stages).
"""
from __future__ import annotations

import heapq
import posixpath
import shlex
from typing import Callable, Dict, List, Mapping, Optional, Sequence, Set, Tuple

from debtscan.facts.model import AssetFact, FileFacts, TaskFact, TaskKind
from debtscan.project.accesses import Access
from debtscan.project.calls import nearest
from debtscan.project.pipeline.runners import Step, parse_command

_RUNNING_KINDS = (TaskKind.COMMAND, TaskKind.SCRIPT, TaskKind.CALLABLE, TaskKind.LUIGI)


def module_file(qualname: str, modules: Dict[str, List[str]], caller: Optional[str] = None,
                project_of: Optional[Callable[[str], str]] = None) -> Optional[str]:
    """The file defining a function named by qualified name (``jobs.train.main`` -> ``jobs/train.py``).

    An import written from a folder above the packages (``scripts.dds.loaders.users.UsersLoader`` where
    ``loaders`` is the top package) is matched by its longest dotted suffix that names one module.

    Several files of one dotted name (two projects side by side, each with its own ``churn/report.py``) are
    decided from the calling file ``caller``: the files of its own project (``project_of``: a file's project
    root) first, then the nearest one (:func:`~debtscan.project.calls.nearest`, the value-flow core's rule);
    None when that leaves two, as before."""
    name = qualname
    while "." in name:
        name = name.rpartition(".")[0]
        paths = modules.get(name)
        if paths:
            return _one_of(paths, caller, project_of)
        parts = name.split(".")
        for start in range(1, len(parts)):
            paths = modules.get(".".join(parts[start:]))
            if paths:
                suffix = "/".join(parts[start - 1:]) + ".py"
                return _one_of([p for p in paths if p.endswith(suffix)], caller, project_of)
    return None


def _one_of(paths: List[str], caller: Optional[str], project_of: Optional[Callable[[str], str]]) -> Optional[str]:
    """The one file of ``paths`` a call from ``caller`` means, or None (see :func:`module_file`)."""
    if len(paths) <= 1:
        return paths[0] if paths else None
    return None if caller is None else nearest(paths, caller, project_of)


def _by_suffix(script: str, known: Dict[str, str]) -> Optional[str]:
    """A script named by a path outside the repo (``/opt/airflow/jobs/x.py``): the one repo file whose path
    is the longest suffix of it."""
    parts = script.strip("/").split("/")
    for start in range(len(parts)):
        candidate = "/".join(parts[start:])
        if candidate in known and not candidate.startswith("module:"):
            if start == len(parts) - 1:
                matches = [k for k in known if not k.startswith("module:") and posixpath.basename(k) == candidate]
                return known[candidate] if len(matches) == 1 else None
            return known[candidate]
    if len(parts) >= 1:
        name = parts[-1]
        matches = [k for k in known if not k.startswith("module:") and posixpath.basename(k) == name]
        if len(matches) == 1 and len(parts) > 1:
            return known[matches[0]]
    return None


def _scripts_of_command(command: str, known: Dict[str, str], folder: str) -> List[Tuple[str, str]]:
    found, _ = parse_command(command, "", known, folder)
    if found:
        return found
    out = []
    try:
        words = shlex.split(command)
    except ValueError:
        words = command.split()
    for word in words:
        if word.endswith(".py") and "{{" not in word:
            script = _by_suffix(word, known)
            if script is not None:
                out.append((script, ""))
    return out


def _ordered(tasks: List[TaskFact], edges: List[Tuple[str, str]]) -> List[TaskFact]:
    """Tasks in a topological order of the edges between them (ties by line); tasks on a cycle keep their
    line order at the end."""
    names = {t.name for t in tasks if t.name}
    indegree: Dict[str, int] = {t.name: 0 for t in tasks if t.name}
    successors: Dict[str, Set[str]] = {}
    for upstream, downstream in edges:
        if upstream in names and downstream in names and downstream not in successors.get(upstream, set()):
            successors.setdefault(upstream, set()).add(downstream)
            indegree[downstream] += 1
    line_of = {}
    for task in tasks:
        line_of.setdefault(task.name, task.line)
    heap = [(line_of[n], n) for n, d in indegree.items() if d == 0]
    heapq.heapify(heap)
    order: List[str] = []
    while heap:
        _, name = heapq.heappop(heap)
        order.append(name)
        for succ in successors.get(name, ()):
            indegree[succ] -= 1
            if indegree[succ] == 0:
                heapq.heappush(heap, (line_of[succ], succ))
    rank = {name: i for i, name in enumerate(order)}
    return sorted(tasks, key=lambda t: (rank.get(t.name, len(rank)), t.line))


def orchestrator_steps(facts: Dict[str, object], modules: Dict[str, List[str]], resolver,
                       known: Dict[str, str], project_of: Optional[Callable[[str], str]] = None) -> List[Step]:
    """The steps every orchestrator file runs, in order; a callable's module is looked up from the
    orchestrator file, in its own project first (``project_of``: a file's project root)."""
    task_functions: Set[str] = set()
    for path in sorted(facts):
        for task in getattr(facts[path], "tasks", ()):
            if task.kind is TaskKind.FUNCTION:
                task_functions.add(task.callable)
    steps: List[Step] = []
    for path in sorted(facts):
        fact = facts[path]
        tasks = list(getattr(fact, "tasks", ()))
        if not tasks:
            continue
        edges = [(e.upstream, e.downstream) for e in fact.task_edges]
        running = _ordered([t for t in tasks if t.kind in _RUNNING_KINDS or t.kind is TaskKind.FUNCTION], edges)
        running += sorted((t for t in tasks if t.kind is TaskKind.CALL), key=lambda t: (t.scope, t.line))
        order = 0
        folder = posixpath.dirname(path)
        for task in running:
            scripts: List[Tuple[str, str]] = []
            if task.kind is TaskKind.COMMAND and task.command is not None:
                for text, _ in resolver.strings(task.command, path)[:4]:
                    scripts.extend(_scripts_of_command(text, known, folder))
            elif task.kind is TaskKind.SCRIPT and task.command is not None:
                for text, _ in resolver.strings(task.command, path)[:4]:
                    script = known.get(text.lstrip("./")) or _by_suffix(text, known)
                    if script is not None:
                        scripts.append((script, ""))
            elif task.kind is TaskKind.CALLABLE or (task.kind is TaskKind.CALL and task.callable in task_functions):
                script = module_file(task.callable, modules, path, project_of)
                if script is not None and (facts[script].io or task.kind is TaskKind.CALL):
                    scripts.append((script, ""))  # (code that reads or writes nothing orders no data)
            for script, cwd in dict.fromkeys(scripts):
                if script == path:
                    continue
                steps.append(Step(script, cwd, path, task.line, order))
                order += 1
    return steps


def _asset_scopes(facts: Dict[str, object]) -> Tuple[Dict[Tuple[str, str], AssetFact], Dict[str, AssetFact]]:
    by_scope: Dict[Tuple[str, str], AssetFact] = {}
    by_name: Dict[str, AssetFact] = {}
    for path in sorted(facts):
        for asset in getattr(facts[path], "assets", ()):
            by_scope[(path, asset.function)] = asset
            by_name.setdefault(asset.name, asset)
    return by_scope, by_name


def _asset_of(scope: str, module: str, by_scope: Dict[Tuple[str, str], AssetFact]) -> Optional[AssetFact]:
    """The asset whose function (or a function nested in it) made an access."""
    name = scope
    while name:
        asset = by_scope.get((module, name))
        if asset is not None:
            return asset
        name = name.rpartition(".")[0]
    return None


def managed_artifacts(facts: Mapping[str, FileFacts], writers: Mapping[str, Sequence[Access]],
                      readers: Mapping[str, Sequence[Access]], is_test_module: Callable[[str], bool]
                      ) -> Dict[str, str]:
    """Artifact -> what declares it, for artifacts a declared data pipeline manages (Dagster, dbt, Luigi),
    given every artifact's resolved ``writers`` and ``readers``; ``is_test_module`` tells test code (which is
    no pipeline step)."""
    out: Dict[str, str] = {}
    by_scope, by_name = _asset_scopes(facts)
    for artifact in sorted(set(writers) | set(readers)):
        writes = [w for w in writers.get(artifact, ()) if not is_test_module(w.module)]
        reads = [r for r in readers.get(artifact, ()) if not is_test_module(r.module)]
        accesses = writes + reads
        if not accesses:
            continue
        if all(a.fmt == "dbt" for a in accesses):
            out[artifact] = "dbt models (ref / source)"
            continue
        luigi = [w for w in writes if w.fmt == "luigi"]
        if luigi:
            out[artifact] = f"luigi output() of {luigi[0].module}:{luigi[0].line}"
            continue
        if not by_scope or not writes:
            continue
        writer_assets = [_asset_of(w.scope, w.module, by_scope) for w in writes]
        if any(a is None for a in writer_assets):
            continue
        names = {a.name for a in writer_assets if a is not None}
        declared = True
        for read in reads:
            reader = _asset_of(read.scope, read.module, by_scope)
            if reader is None or not (reader.name in names or names & set(reader.deps)):
                declared = False
                break
        if declared:
            first = writer_assets[0]
            out[artifact] = f"dagster asset `{first.name}`" if first is not None else "dagster"
    return out
