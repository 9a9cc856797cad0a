"""Project helpers that read or write files, inferred from per-file facts and composed across modules.

A function whose parameter flows into the path of a known read or write (``def to_pickles(df, path):
df.to_pickle(f"{path}/{i}.p")``) is itself a writer with the same path transformation. Per-file facts keep
the I/O symbolic (``Param("to_pickles", "path")``) and record calls to project functions with their
arguments (:class:`~debtscan.facts.model.PathCallFact`); here each call instantiates the helper's I/O with
the caller's arguments. A caller whose own parameter reaches the helper becomes a helper in turn, so
helpers of helpers compose (up to :data:`MAX_LEVELS` levels).

An instantiated access is placed at the call when the helper lives in another module (the caller is the
one reading or writing), and at the helper's own I/O line when caller and helper share a module (a script
calling its own function with ``T=3`` and ``T=5``).

What crosses a call is evaluated by the value-flow core, not here: binding and substitution, paths that
project functions return (:class:`~debtscan.project.calls.ReturnedPaths`, read from the function summaries)
and the column names of the frame a call passes (:class:`~debtscan.project.flow.FrameColumns`), so a helper
writing one file per column writes the files of the caller's named columns (:attr:`PlacedIO.family` keeps
the pattern they are named from). What this module adds is placement: which caller runs which helper I/O,
where the path is written down, tasks an orchestrator runs, constructions of classes holding paths.

Cost: O(call sites x :data:`MAX_LEVELS`) instantiations (at most :data:`MAX_INSTANCES`), each returned path
and frame evaluated once.
"""
from __future__ import annotations

import posixpath
from dataclasses import dataclass, replace
from typing import Callable, Dict, List, Optional, Sequence, Set, Tuple

from debtscan.facts.model import FileFacts, IOFact, PathCallFact, TaskKind
from debtscan.project.calls import (
    ReturnedPaths, bind_arguments, column_params, mentions_attribute, params_of, replace_attributes, substitute,
    with_columns,
)
from debtscan.project.folders import pin_here
from debtscan.project.paths import MAX_VARIANTS
from debtscan.facts.values import Lit, Param, PathOp, Sym

#: the column names of the frame a call passes to a parameter of a project function:
#: (caller, line, column, (helper file, function), parameter) -> names (:class:`~debtscan.project.flow.FrameColumns`)
FrameNames = Callable[[str, int, int, Tuple[str, str], str], Tuple[str, ...]]

MAX_LEVELS = 6
MAX_INSTANCES = 20000


@dataclass(frozen=True)
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


def _constructions(facts: Dict[str, FileFacts], index: FunctionIndex
                   ) -> Dict[Tuple[str, str], List[Tuple[str, PathCallFact]]]:
    """Constructions of the project's classes with known arguments: (file, class) -> [(caller, call)]."""
    out: Dict[Tuple[str, str], List[Tuple[str, PathCallFact]]] = {}
    classes: Dict[str, List[str]] = {}   # class name -> files defining it with an __init__
    for (path, function) in index.params:
        if function.endswith(".__init__") and function.count(".") == 1:
            classes.setdefault(function.rpartition(".")[0], []).append(path)
    if not classes:
        return out
    for path in sorted(facts):
        for call in facts[path].path_calls:
            module, _, cls = call.callee.rpartition(".")
            files = classes.get(cls)
            if not files or not module:
                continue
            dotted = module.replace(".", "/")
            matching = [f for f in files if f[:-3].endswith(dotted) or f[:-3] == path[:-3]
                        or f.rpartition("/")[2][:-3] == module.rpartition(".")[2]]
            if matching:
                target = _closest(matching, path) or sorted(matching)[0]
                out.setdefault((target, cls), []).append((path, call))
    return out


def _through_attributes(facts: Dict[str, FileFacts], path: str, fact: IOFact, index: FunctionIndex,
                        constructions) -> List[PlacedIO]:
    """A method's I/O whose path uses ``self.<attr>`` (``self.out_dir + "/scores.csv"``) set from a parameter
    of ``__init__``: instantiated with what each construction of the class passes, and placed at the
    construction (the caller supplies the folder)."""
    if "." not in fact.scope or not mentions_attribute(fact.path):
        return []
    cls = fact.scope.rpartition(".")[0]
    flows = facts[path].flows
    if flows is None:
        return []
    attrs = {a.name: a.path for a in flows.attrs if a.cls == cls and isinstance(a.path, Param)
             and a.path.function == f"{cls}.__init__"}
    if not attrs:
        return []
    value = replace_attributes(fact.path, attrs)
    if value is fact.path:
        return []
    init = f"{cls}.__init__"
    out: List[PlacedIO] = []
    for caller, call in constructions.get((path, cls), ())[:20]:
        mapping = bind_arguments(call, index.params.get((path, init), ()))
        new_path = substitute(value, init, mapping)
        if caller == path:
            out.append(PlacedIO(path, replace(fact, path=new_path, line=call.line, column=call.column,
                                              scope=call.scope), path))
        else:
            out.append(PlacedIO(caller, replace(fact, path=new_path, line=call.line, column=call.column,
                                                scope=call.scope), caller, call.callee))
    return out


class FunctionIndex:
    """Top-level functions of the project by qualified name, and the parameters of every function."""

    def __init__(self, facts: Dict[str, FileFacts], modules: Dict[str, List[str]], aliases: Dict[str, str],
                 constants=None) -> None:
        self.facts = facts
        self.modules = modules
        self.aliases = aliases
        self.constants = constants  # a ConstantTable: aliases and module files as the caller's project sees them
        self.params: Dict[Tuple[str, str], Tuple[str, ...]] = {}
        for path, fact in facts.items():
            for function in fact.functions:
                self.params[(path, function.name)] = function.params

    def resolve(self, callee: str, caller: str, depth: int = 0) -> Optional[Tuple[str, str]]:
        """(file, function name) of a called project function, or None."""
        if depth > 6:
            return None
        module, _, name = callee.rpartition(".")
        if not module:
            return None
        candidates = self.modules.get(module)
        if candidates:
            target = candidates[0] if len(candidates) == 1 else self._closest(module, candidates, caller)
            if target is not None and (target, name) in self.params:
                return target, name
            alias = self._alias(callee, caller)
            if alias and alias != callee:
                return self.resolve(alias, caller, depth + 1)
            return None
        alias = self._alias(callee, caller)
        if alias and alias != callee:
            return self.resolve(alias, caller, depth + 1)
        return None


    def _alias(self, callee: str, caller: str) -> Optional[str]:
        if self.constants is not None:
            return self.constants.alias(callee, caller)
        return self.aliases.get(callee)

    def _closest(self, module: str, candidates: Sequence[str], caller: str) -> Optional[str]:
        """Of several modules of one name, the caller's project's (every project may have a ``utils.py``),
        else the one in the caller's folder."""
        scope = self.constants.scope if self.constants is not None else None
        if scope is not None:
            home = scope(caller)
            mine = [c for c in candidates if scope(c) == home]
            if len(mine) == 1:
                return mine[0]
            candidates = mine or candidates
        return _closest(candidates, caller)


def _closest(candidates: Sequence[str], caller: str) -> Optional[str]:
    directory = posixpath.dirname(caller)
    for candidate in candidates:
        if posixpath.dirname(candidate) == directory:
            return candidate
    return None


def place_io(facts: Dict[str, FileFacts], index: FunctionIndex,
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
    returned = ReturnedPaths(facts, index.resolve)
    calls_to: Dict[Tuple[str, str], List[Tuple[str, PathCallFact]]] = {}
    # a flow calling a task (Prefect, Airflow TaskFlow) runs it as its own step: the task's I/O is bound to
    # the call's arguments but stays in the task's module
    task_calls: Set[Tuple[str, int, str]] = set()
    for path in sorted(facts):
        task_calls.update((path, t.line, t.callable) for t in facts[path].tasks if t.kind is TaskKind.CALL)
        for call in facts[path].path_calls:
            target = index.resolve(call.callee, path)
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
                target = index.resolve(task.callable, path)
                if target is not None:
                    entry_points.add(target)
        entry_points.update((path, asset.function) for asset in facts[path].assets)
    constructions = _constructions(facts, index)
    for path in sorted(facts):
        for fact in facts[path].io:
            if returned:
                expanded = returned.expand(fact.path, path, fact.scope, fact.line)
                if expanded is not fact.path:
                    fact = replace(fact, path=expanded)
            item = PlacedIO(path, fact, path)
            instances_of_class = _through_attributes(facts, path, fact, index, constructions)
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
    while templates and level < MAX_LEVELS and instances < MAX_INSTANCES:
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
                    if own and calls_to.get((caller_path, call.scope)) and level < MAX_LEVELS:
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
                if callers and (own or any(c != new_item.path for c, _ in callers)) and level < MAX_LEVELS:
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
