"""Project helpers that read or write files, inferred from per-file facts and composed across modules.

A function whose parameter flows into the path of a known read or write (``def to_pickles(df, path):
df.to_pickle(f"{path}/{i}.p")``) is itself a writer with the same path transformation. Per-file facts keep
the I/O symbolic (``Param("to_pickles", "path")``) and record calls to project functions with their
arguments (:class:`~debtscan.facts.model.PathCallFact`); here each call instantiates the helper's I/O with
the caller's arguments. A caller whose own parameter reaches the helper becomes a helper in turn, so
helpers of helpers compose (up to the core's :data:`~debtscan.project.calls.MAX_DEPTH` levels, the
bound the data flow and returned paths use).

An instantiated access is placed at the call when the helper lives in another module (the caller is the
one reading or writing), and at the helper's own I/O line when caller and helper share a module (a script
calling its own function with ``T=3`` and ``T=5``).

What crosses a call is evaluated by the value-flow core, not here: binding and substitution, paths that
project functions return (:class:`~debtscan.project.calls.ReturnedPaths`, read from the function summaries)
and the column names of the frame a call passes (:class:`~debtscan.project.flow.FrameColumns`), so a helper
writing one file per column writes the files of the caller's named columns (:attr:`PlacedIO.family` keeps
the pattern they are named from). What this module adds is placement: which caller runs which helper I/O,
where the path is written down, tasks an orchestrator runs, constructions of classes holding paths.

Cost: O(call sites x :data:`MAX_DEPTH`) instantiations (at most :data:`MAX_INSTANCES`), each returned path
and frame evaluated once.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Callable, Dict, List, Optional, Set, Tuple

from debtscan.facts.model import FileFacts, IOFact, PathCallFact, TaskKind
from debtscan.project.calls import (
    MAX_DEPTH, Functions, ReturnedPaths, bind_arguments, column_params, params_of, substitute, through_constructions,
    with_columns,
)
from debtscan.project.folders import pin_here
from debtscan.project.paths import MAX_VARIANTS
from debtscan.facts.values import Lit, Param, PathOp, Sym
from debtscan.records import record

#: the column names of the frame a call passes to a parameter of a project function:
#: (caller, line, column, (helper file, function), parameter) -> names (:class:`~debtscan.project.flow.FrameColumns`)
FrameNames = Callable[[str, int, int, Tuple[str, str], str], Tuple[str, ...]]

MAX_INSTANCES = 20000
"""Helper instantiations made at most (a bound on the cost, never reached by the repositories measured)."""
MAX_CONSTRUCTIONS = 20
"""Constructions of a class at which a method's ``self.<attr>`` path is instantiated."""


@record(frozen=True)
class PlacedIO:
    """An I/O fact to resolve for module file ``path``; ``caller`` is the file whose working folder applies.

    ``at`` is where the access's path is written down when that is not the fact's own place: a helper of
    another module that reads or writes a fixed path (``def assemble(): return pd.read_parquet(PREDICTIONS)``)
    is instantiated at each call (the caller is the step that reads), but its path is written at the helper's
    line, which is where it is reported."""

    path: str
    fact: IOFact
    caller: str
    via: str = ""
    at: Optional[Tuple[str, int, int]] = None
    #: the call of the helper's own module whose arguments fixed the path (``load_train()`` calling
    #: ``read_pickles("../data/train", col)``): where the path is written down once a caller of another
    #: module instantiates it
    fixed: Optional[Tuple[str, int, int]] = None
    #: for one file per column of a frame named from the frame's columns (``feature/train_f1_age.f``), the
    #: path of the whole family (``feature/train_f1_*.f``): what a pattern read meets, as before the names
    family: Optional[Sym] = None


def _through_attributes(path: str, fact: IOFact, index: Functions) -> List[PlacedIO]:
    """A method's I/O whose path uses ``self.<attr>`` (``self.out_dir + "/scores.csv"``) set from a parameter
    of ``__init__``: instantiated with what each construction of the class passes (the core's
    :func:`~debtscan.project.calls.through_constructions`), and placed at the construction (the caller
    supplies the folder)."""
    out: List[PlacedIO] = []
    for new_path, caller, call in through_constructions(index, path, fact.scope, fact.path, MAX_CONSTRUCTIONS,
                                                        from_parameters=True):
        moved = replace(fact, path=new_path, line=call.line, column=call.column, scope=call.scope)
        if caller == path:
            out.append(PlacedIO(path, moved, path))
        else:
            out.append(PlacedIO(caller, moved, caller, call.callee))
    return out


def place_io(facts: Dict[str, FileFacts], index: Functions,
             imported: Optional[Set[str]] = None, frames: Optional[FrameNames] = None) -> Tuple[List[PlacedIO], int]:
    """Every I/O fact to resolve: direct ones, and helper I/O instantiated at each call.

    The value-flow core (:mod:`debtscan.project.calls`) evaluates what crosses each call: a path that a
    project function returns (``pd.read_feather(paths.feature_path("train_x"))``) is the callee's returned
    path with the call's arguments, in the I/O fact and in the arguments passed to a helper; a path made of
    a frame's column names (``f"{path}_{c}.f" for c in df.columns``) names one file per column the call's
    frame holds (``frames``, from the function summaries), when those are known and at most
    :data:`~debtscan.project.paths.MAX_VARIANTS`.

    I/O inside a top-level function of a module other modules import (a ``utils.py``) that nothing in the
    repo calls is left out: no script runs it, so it is no evidence of a hand-off. Returns the placed facts
    and the number of helper instantiations made (returned paths instantiated included).
    """
    imported = imported or set()
    returned = ReturnedPaths(facts, index.function)
    calls_to: Dict[Tuple[str, str], List[Tuple[str, PathCallFact]]] = {}
    # a flow calling a task (Prefect, Airflow TaskFlow) runs it as its own step: the task's I/O is bound to
    # the call's arguments but stays in the task's module
    task_calls: Set[Tuple[str, int, str]] = set()
    for path in sorted(facts):
        task_calls.update((path, t.line, t.callable) for t in facts[path].tasks if t.kind is TaskKind.CALL)
        for call in facts[path].path_calls:
            target = index.function(call.callee, path)
            if target is not None:
                calls_to.setdefault(target, []).append((path, call))
    placed: List[PlacedIO] = []
    templates: List[Tuple[str, str, PlacedIO]] = []
    # functions an orchestrator runs (tasks, flows, Dagster assets, PythonOperator callables): entry points
    entry_points: Set[Tuple[str, str]] = set()
    for path in sorted(facts):
        for task in facts[path].tasks:
            if task.kind in (TaskKind.FUNCTION, TaskKind.FLOW):
                entry_points.add((path, task.scope))
            elif task.kind is TaskKind.CALLABLE and task.callable:
                target = index.function(task.callable, path)
                if target is not None:
                    entry_points.add(target)
        entry_points.update((path, asset.function) for asset in facts[path].assets)
    for path in sorted(facts):
        for fact in facts[path].io:
            if returned:
                expanded = returned.expand(fact.path, path, fact.scope, fact.line)
                if expanded is not fact.path:
                    fact = replace(fact, path=expanded)
            item = PlacedIO(path, fact, path)
            instances_of_class = _through_attributes(path, fact, index)
            if instances_of_class:
                placed.extend(instances_of_class)
                continue
            callers = calls_to.get((path, fact.scope), ())
            if not callers and path in imported and (path, fact.scope) in index.params and "." not in fact.scope \
                    and (path, fact.scope) not in entry_points:
                continue
            own = {name for function, name in params_of(fact.path) if function == fact.scope}
            if callers and (own or any(caller != path for caller, _ in callers)):
                templates.append((path, fact.scope, item))
            else:
                placed.append(item)
    instances = 0
    seen: Set[Tuple] = set()
    # every template instantiated so far, kept alive: ``seen`` names them by ``id``, and the id of an item
    # freed after its level could be reused by a new one (which was then skipped, depending on memory layout)
    instantiated: List[PlacedIO] = []
    level = 0
    while templates and level < MAX_DEPTH and instances < MAX_INSTANCES:
        level += 1
        next_templates: List[Tuple[str, str, PlacedIO]] = []
        for helper_path, function, item in templates:
            for caller_path, call in calls_to.get((helper_path, function), ()):
                key = (id(item), caller_path, call.line, call.column)
                if key in seen:
                    continue
                seen.add(key)
                instantiated.append(item)
                mapping = bind_arguments(call, index.params.get((helper_path, function), ()))
                template = _per_column(item.fact.path, function, frames, caller_path, call, helper_path, mapping)
                new_path = substitute(template, function, mapping)
                family = substitute(item.fact.path if template is not item.fact.path else item.family,
                                    function, mapping) if template is not item.fact.path or item.family else None
                if returned:
                    # what the caller passed may be a path another project function returns
                    new_path = returned.expand(new_path, caller_path, call.scope, call.line)
                    if family is not None:
                        family = returned.expand(family, caller_path, call.scope, call.line)
                if (caller_path, call.line, call.callee) in task_calls:
                    fact = replace(item.fact, path=new_path, scope=call.scope)
                    new_item = PlacedIO(item.path, fact, item.caller, item.via, item.at, item.fixed, family)
                    instances += 1
                    own = {name for fn, name in params_of(new_path) if fn == call.scope}
                    if own and calls_to.get((caller_path, call.scope)) and level < MAX_DEPTH:
                        next_templates.append((caller_path, call.scope, new_item))  # the flow's own callers
                    else:
                        placed.append(new_item)
                    continue
                if caller_path == helper_path:
                    fact = replace(item.fact, path=new_path, scope=call.scope)
                    fixed = item.fixed
                    if fixed is None and any(fn == function for fn, _ in params_of(item.fact.path)) and \
                            not any(fn == call.scope for fn, _ in params_of(new_path)):
                        fixed = (caller_path, call.line, call.column)
                    new_item = PlacedIO(item.path, fact, item.caller, item.via, item.at, fixed, family)
                else:
                    # the helper's own ``__file__`` stays its own, whoever calls it
                    new_path = pin_here(new_path, item.path)
                    fact = replace(item.fact, path=new_path, line=call.line, column=call.column, scope=call.scope)
                    via = call.callee
                    at = item.at
                    if at is None and not any(fn == function for fn, _ in params_of(item.fact.path)):
                        # the path is fixed inside the helper: written down there, not at this call
                        at = item.fixed or (item.path, item.fact.line, item.fact.column)
                    new_item = PlacedIO(caller_path, fact, caller_path, via, at,
                                        family=pin_here(family, item.path) if family is not None else None)
                instances += 1
                own = {name for fn, name in params_of(new_path) if fn == call.scope}
                callers = calls_to.get((new_item.path, call.scope), ())
                if callers and (own or any(c != new_item.path for c, _ in callers)) and level < MAX_DEPTH:
                    next_templates.append((new_item.path if caller_path == helper_path else caller_path,
                                           call.scope, new_item))
                elif not callers and new_item.path in imported and "." not in call.scope \
                        and (new_item.path, call.scope) in index.params:
                    continue
                else:
                    placed.append(new_item)
        templates = next_templates
    for _, _, item in templates:
        placed.append(item)
    instances += returned.instances
    unique: Dict[Tuple, PlacedIO] = {}
    for item in placed:
        unique.setdefault((item.path, item.caller, item.fact.line, item.fact.column, item.fact.mode,
                           repr(item.fact.path), item.at), item)
    return list(unique.values()), instances


def _per_column(value: Sym, function: str, frames: Optional[FrameNames], caller: str, call: PathCallFact,
                helper: str, mapping: Dict[str, Sym]) -> Sym:
    """A helper's path made of the column names of a frame parameter (``f"{path}_{c}.f" for c in
    df.columns``) with the names of the frame this call passes: one file per column, when every such
    frame's names are known, few enough to be resolved one by one and agree with the renaming the call's
    argument is seen to do (``.add_prefix("f101_")``: every name starts so); else the path as it is
    (``*``, the renaming's affixes around it)."""
    if frames is None:
        return value
    params = column_params(value, function)
    if not params:
        return value
    names: Dict[str, Tuple[str, ...]] = {}
    for param in sorted(params):
        found = frames(caller, call.line, call.column, (helper, function), param)
        if not found or len(found) > MAX_VARIANTS:
            return value
        affixes = _affixes(mapping.get(param))
        if affixes is None or not all(n.startswith(affixes[0]) and n.endswith(affixes[1]) for n in found):
            return value
        names[param] = found
    return with_columns(value, function, names)


def _affixes(value: Optional[Sym]) -> Optional[Tuple[str, str]]:
    """The prefix and suffix a frame argument's renaming puts on every column name
    (``frame.add_prefix("f1_").add_suffix("_w")``); None when one of them is not a literal (the names are
    then not known: ``add_prefix(PREF + pref)``)."""
    prefix, suffix = "", ""
    for _ in range(8):
        if not isinstance(value, PathOp) or value.op not in ("add_prefix", "add_suffix"):
            break
        if not (isinstance(value.arg, Lit) and isinstance(value.arg.value, str)):
            return None
        text = value.arg.value
        if value.op == "add_prefix":
            prefix = text + prefix
        else:
            suffix = suffix + text
        value = value.base
    return prefix, suffix
