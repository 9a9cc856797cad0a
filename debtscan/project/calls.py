"""The value-flow core's call machinery: a call of a project function bound to the function's parameters.

Every fact family that follows a value into a function and back reads this module: the data flow of
:mod:`debtscan.project.flow` (frames, columns, models, predictions, evaluated as
:class:`~debtscan.project.flow.Value`), the path helpers of :mod:`debtscan.project.pipeline.helpers` (paths,
evaluated as symbolic :data:`~debtscan.facts.values.Sym` values) and the per-column files that join the two.
What is here:

- **binding** a call's arguments to the callee's parameters (:func:`bind_arguments`) and **substituting**
  them into a symbolic value the callee's summary holds (:func:`substitute`, with the items and elements
  of a list argument, :func:`replace_attributes` for ``self.<attr>`` set by the constructor);
- **path-producing returns** (:class:`ReturnedPaths`): ``feature_path("train_x")`` of
  ``def feature_path(name): return f"../feature/{name}.f"`` is the callee's returned path
  (:attr:`~debtscan.facts.summary_model.FunctionSummary.path`, a per-file fact) with the call's arguments,
  through calls of calls, to :data:`MAX_DEPTH` levels, each (callee, arguments) instantiated once (memoised);
- **per-column files** (:func:`column_params`, :func:`with_columns`): a path built from a frame's column
  names (``f"{path}_{c}.f" for c in df.columns``) with the names the caller's frame is known to hold.

Cost: linear in call sites times :data:`MAX_DEPTH`; nothing here reads the disk or runs scanned code.
"""
from __future__ import annotations

from typing import Callable, Dict, List, Optional, Set, Tuple

from debtscan.facts.model import FileFacts, PathCallFact
from debtscan.facts.summary_model import FunctionSummary
from debtscan.facts.values import Choice, Concat, Format, Lit, Param, PathJoin, PathOp, Seq, Sym, Unknown, Why
from debtscan.knowledge.names import callee_of
from debtscan.project.folders import pin_here

MAX_DEPTH = 4
"""Levels of calls evaluated with the caller's arguments (data flow and returned paths alike); deeper calls
are evaluated once, without them."""

Target = Tuple[str, str]   # (module path, function name inside it)


# -- binding and substitution --------------------------------------------------------------------------
def bind_arguments(call: PathCallFact, params: Tuple[str, ...]) -> Dict[str, Sym]:
    """The callee's parameters (``self``/``cls`` skipped) mapped to what the call passes."""
    mapping: Dict[str, Sym] = {}
    names = [p for p in params if p not in ("self", "cls")] if params and params[0] in ("self", "cls") else list(params)
    for name, value in zip(names, call.args):
        mapping[name] = value
    for name, value in zip(call.kwnames, call.kwvalues):
        mapping[name] = value
    return mapping


def params_of(value: Sym, acc: Optional[Set[Tuple[str, str]]] = None, depth: int = 0) -> Set[Tuple[str, str]]:
    """The (function, parameter) pairs a symbolic value depends on."""
    acc = set() if acc is None else acc
    if depth > 30:
        return acc
    kind = type(value)
    if kind is Param:
        acc.add((value.function, value.name))
    elif kind in (Concat, PathJoin):
        for part in value.parts:
            params_of(part, acc, depth + 1)
    elif kind is Format:
        params_of(value.template, acc, depth + 1)
        for part in value.args + value.kwvalues:
            params_of(part, acc, depth + 1)
    elif kind is PathOp:
        params_of(value.base, acc, depth + 1)
        if value.arg is not None:
            params_of(value.arg, acc, depth + 1)
    elif kind is Choice:
        for option in value.options:
            params_of(option, acc, depth + 1)
    elif kind is Seq:
        for item in value.items:
            params_of(item, acc, depth + 1)
    return acc


def substitute(value: Sym, function: str, mapping: Dict[str, Sym], depth: int = 0) -> Sym:
    """``value`` with the parameters of ``function`` replaced by the call's arguments."""
    if depth > 30:
        return value
    kind = type(value)
    if kind is Param:
        if value.function != function:
            return value
        if value.name in mapping:
            return mapping[value.name]
        base, _, index = value.name.partition("[")
        if index == "*]" and base in mapping:
            return _items(mapping[base])
        if index and base in mapping:
            return _element(mapping[base], int(index.rstrip("]")))
        return value.default if value.default is not None else Unknown(Why.PARAMETER, value.name)
    if kind is Concat:
        return Concat(tuple(substitute(p, function, mapping, depth + 1) for p in value.parts))
    if kind is PathJoin:
        return PathJoin(tuple(substitute(p, function, mapping, depth + 1) for p in value.parts))
    if kind is Format:
        return Format(substitute(value.template, function, mapping, depth + 1),
                      tuple(substitute(a, function, mapping, depth + 1) for a in value.args), value.kwnames,
                      tuple(substitute(a, function, mapping, depth + 1) for a in value.kwvalues), value.style)
    if kind is PathOp:
        arg = substitute(value.arg, function, mapping, depth + 1) if value.arg is not None else None
        return PathOp(value.op, substitute(value.base, function, mapping, depth + 1), arg)
    if kind is Choice:
        return Choice(tuple(substitute(o, function, mapping, depth + 1) for o in value.options))
    if kind is Seq:
        return Seq(tuple(substitute(i, function, mapping, depth + 1) for i in value.items))
    return value


def _items(value: Sym) -> Sym:
    """Any item of a list argument (``for p in paths`` inside the helper), through a choice of lists."""
    if isinstance(value, Seq):
        return Choice(value.items) if value.items else Unknown(Why.EMPTY)
    if isinstance(value, Choice):
        return Choice(tuple(_items(option) for option in value.options))
    return Unknown(Why.ITEMS)


def _element(value: Sym, index: int) -> Sym:
    """Item ``index`` of a tuple argument (``path, pref = args``), through a choice of tuples."""
    if isinstance(value, Seq):
        return value.items[index] if index < len(value.items) else Unknown(Why.INDEX)
    if isinstance(value, Choice):
        items = [_element(option, index) for option in value.options]
        return Choice(tuple(items))
    return Unknown(Why.INDEX)


def mentions_attribute(value: Sym, depth: int = 0) -> bool:
    """Whether ``value`` holds an attribute of an unknown value (``self.out_dir``) anywhere inside."""
    if depth > 20:
        return False
    kind = type(value)
    if kind is Unknown:
        return value.why is Why.ATTRIBUTE
    if kind in (Concat, PathJoin):
        return any(mentions_attribute(p, depth + 1) for p in value.parts)
    if kind is Format:
        return mentions_attribute(value.template, depth + 1) or any(
            mentions_attribute(a, depth + 1) for a in value.args)
    if kind is PathOp:
        return mentions_attribute(value.base, depth + 1)
    return False


def replace_attributes(value: Sym, attrs: Dict[str, Sym], depth: int = 0) -> Sym:
    """``value`` with ``self.<name>`` (an ``Unknown`` attribute ``<name>``) replaced by ``attrs[name]``."""
    if depth > 20:
        return value
    kind = type(value)
    if kind is Unknown and value.why is Why.ATTRIBUTE and value.detail in attrs:
        return attrs[value.detail]
    if kind in (Concat, PathJoin):
        parts = tuple(replace_attributes(p, attrs, depth + 1) for p in value.parts)
        return value if all(a is b for a, b in zip(parts, value.parts)) else kind(parts)
    if kind is Format:
        template = replace_attributes(value.template, attrs, depth + 1)
        args = tuple(replace_attributes(a, attrs, depth + 1) for a in value.args)
        if template is value.template and all(a is b for a, b in zip(args, value.args)):
            return value
        return Format(template, args, value.kwnames, value.kwvalues, value.style)
    if kind is PathOp:
        base = replace_attributes(value.base, attrs, depth + 1)
        return value if base is value.base else PathOp(value.op, base, value.arg)
    return value


def through_constructions(index: "Functions", path: str, scope: str, value: Sym, limit: int,
                          from_parameters: bool = False) -> List[Tuple[Sym, str, PathCallFact]]:
    """A method's path that uses ``self.<attr>`` (``self.out_dir + "/scores.csv"`` in method ``scope`` of
    ``path``) with the attribute replaced by what the class assigns to it and the constructor's parameters
    by what each construction of the class passes (the first ``limit`` constructions, in file order):
    (path, constructing file, construction call). ``from_parameters``: only attributes set from a parameter
    of ``__init__`` (``self.out_dir = out_dir``), the ones a construction's caller supplies.

    The one place a constructor's arguments are substituted into a method's path: the path helpers place
    such an access at each construction, the data flow finds the file a method writes predictions to."""
    if "." not in scope or not mentions_attribute(value):
        return []
    cls = scope.rpartition(".")[0]
    fileflows = index.facts[path].flows
    init = f"{cls}.__init__"
    attrs = {a.name: a.path for a in (fileflows.attrs if fileflows is not None else ())
             if a.cls == cls and a.path is not None
             and (not from_parameters or (isinstance(a.path, Param) and a.path.function == init))}
    if not attrs:
        return []
    replaced = replace_attributes(value, attrs)
    if replaced is value:
        return []
    params = index.params.get((path, init), ())
    out: List[Tuple[Sym, str, PathCallFact]] = []
    for caller, call in index.constructions(f"{path}::{cls}")[:limit]:
        out.append((substitute(replaced, init, bind_arguments(call, params)), caller, call))
    return out


# -- per-column files ----------------------------------------------------------------------------------
def column_params(value: Sym, function: str, depth: int = 0) -> Set[str]:
    """Parameters of ``function`` whose column names a path holds (``PathOp("columns", Param(df))``)."""
    if depth > 20:
        return set()
    kind = type(value)
    if kind is PathOp:
        if value.op == "columns" and isinstance(value.base, Param) and value.base.function == function:
            return {value.base.name}
        return column_params(value.base, function, depth + 1)
    if kind in (Concat, PathJoin):
        return set().union(*(column_params(p, function, depth + 1) for p in value.parts))
    if kind is Format:
        return set().union(column_params(value.template, function, depth + 1),
                           *(column_params(a, function, depth + 1) for a in value.args + value.kwvalues))
    return set()


def with_columns(value: Sym, function: str, names: Dict[str, Tuple[str, ...]], depth: int = 0) -> Sym:
    """``value`` with each ``PathOp("columns", Param(df))`` replaced by a choice of the column names."""
    if depth > 20:
        return value
    kind = type(value)
    if kind is PathOp and value.op == "columns" and isinstance(value.base, Param) and \
            value.base.function == function and value.base.name in names:
        return Choice(tuple(Lit(n) for n in names[value.base.name]))
    if kind in (Concat, PathJoin):
        return kind(tuple(with_columns(p, function, names, depth + 1) for p in value.parts))
    if kind is Format:
        return Format(with_columns(value.template, function, names, depth + 1),
                      tuple(with_columns(a, function, names, depth + 1) for a in value.args), value.kwnames,
                      tuple(with_columns(a, function, names, depth + 1) for a in value.kwvalues), value.style)
    return value


# -- the project's functions -------------------------------------------------------------------------
class Functions:
    """Where each function, method and class of the repository is defined, found from a qualified name as a
    file sees it: ``churn.features.usage_matrix`` is function ``usage_matrix`` of the file whose dotted path
    ends with ``churn.features`` (``churn/features.py``, ``src/churn/features.py``), the caller's own
    project's first when several match."""

    def __init__(self, facts: Dict[str, FileFacts], project_of: Optional[Callable[[str], str]] = None) -> None:
        self.facts = facts
        self.project_of = project_of   # a file's project root (None: one project)
        self.summaries: Dict[Tuple[str, str], FunctionSummary] = {}
        self.params: Dict[Tuple[str, str], Tuple[str, ...]] = {}
        self.classes: Set[Tuple[str, str]] = set()
        self.files: Dict[str, List[str]] = {}                   # dotted suffix of a file -> files
        self.reexports: Dict[Tuple[str, str], str] = {}         # (package file, name) -> imported qualname
        self.cache: Dict[Tuple[str, str], Optional[Tuple[str, str]]] = {}
        self.bases: Dict[Tuple[str, str], Tuple[str, ...]] = {}   # (file, class) -> its bases as written
        for path in sorted(facts):
            fileflows = facts[path].flows
            external = facts[path].external
            for declared in (external.classes if external is not None else ()):
                if declared.bases:
                    self.bases[(path, declared.name)] = declared.bases
            for function in facts[path].functions:
                self.params[(path, function.name)] = function.params
                if "." in function.name:
                    self.classes.add((path, function.name.rpartition(".")[0]))
            if fileflows is not None:
                for summary in fileflows.summaries:
                    self.summaries[(path, summary.name)] = summary
            dotted = path[:-3] if path.endswith(".py") else path.rpartition(".")[0]
            if dotted.endswith("/__init__"):
                dotted = dotted[: -len("/__init__")]
                for imported in facts[path].imports:
                    if imported.is_from:
                        self.reexports.setdefault((path, imported.alias), imported.target)
            parts = dotted.split("/")
            for start in range(len(parts)):
                self.files.setdefault(".".join(parts[start:]), []).append(path)
            module = facts[path].module
            if module and path not in self.files.get(module, ()):
                # a notebook's or script's own module name (``duration-prediction.ipynb`` is
                # ``duration_prediction``): several files may share it, the caller's closest is meant
                self.files.setdefault(module, []).append(path)
        # ``def concat(paths): def join(l, r): ...``: a function's nested function makes it no class
        self.classes -= set(self.params)

    def find(self, qualname: str, caller: str, depth: int = 0) -> Optional[Tuple[str, str]]:
        """(file, name inside it) of a function, method or class, or None."""
        key = (qualname, caller)
        if key in self.cache:
            return self.cache[key]
        self.cache[key] = None
        found = None
        parts = qualname.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            module, rest = ".".join(parts[:cut]), ".".join(parts[cut:])
            candidates = self.files.get(module)
            if not candidates:
                continue
            matching = [c for c in candidates if (c, rest) in self.params or (c, rest) in self.classes]
            if matching:
                best = nearest(matching, caller, self.project_of)
                found = (best, rest) if best is not None else None
                break
            for candidate in candidates:
                target = self.reexports.get((candidate, parts[cut]))
                if target is not None and depth < 4:
                    found = self.find(".".join([target] + parts[cut + 1:]), candidate, depth + 1)
                    if found is not None:
                        break
            if found is not None:
                break
        self.cache[key] = found
        return found

    def function(self, qualname: str, caller: str) -> Optional[Tuple[str, str]]:
        found = self.find(qualname, caller)
        return found if found is not None and found in self.params else None

    def cls(self, qualname: str, caller: str) -> Optional[str]:
        """The class's key (``<file>::<Class>``) when ``qualname`` names a project class."""
        found = self.find(qualname, caller)
        return f"{found[0]}::{found[1]}" if found is not None and found in self.classes else None

    def method(self, cls: str, name: str) -> Optional[Tuple[str, str]]:
        """The method ``name`` of class ``cls`` (``<file>::<Class>``), its own or inherited from a base class
        of the project (the first base first, as Python's method resolution goes for single inheritance)."""
        for ancestor in self.lineage(cls):
            path, _, class_name = ancestor.partition("::")
            key = (path, f"{class_name}.{name}")
            if key in self.params:
                return key
        return None

    def lineage(self, cls: str, depth: int = 0) -> List[str]:
        """The class and its project base classes, nearest first (at most 6 levels)."""
        out = [cls]
        if depth >= 6:
            return out
        path, _, class_name = cls.partition("::")
        for base in self.bases.get((path, class_name), ()):
            if base == "?":
                continue
            found = self.cls(base, path) or self.cls(f"{self.facts[path].module}.{base}", path)
            if found is not None and found not in out:
                out.extend(c for c in self.lineage(found, depth + 1) if c not in out)
        return out

    def constructions(self, cls: str) -> List[Tuple[str, PathCallFact]]:
        """The calls constructing class ``cls`` (``<file>::<Class>``) with their arguments, in file order:
        (calling file, call)."""
        if not hasattr(self, "_constructions"):
            self._constructions: Dict[str, List[Tuple[str, PathCallFact]]] = {}
            names = {name for _, name in self.classes}
            for path in sorted(self.facts):
                for call in self.facts[path].path_calls:
                    if call.callee.rpartition(".")[2] not in names:
                        continue
                    found = self.cls(call.callee, path)
                    if found is not None:
                        self._constructions.setdefault(found, []).append((path, call))
        return self._constructions.get(cls, [])

    def family(self, cls: str) -> List[str]:
        """The class, its project bases and the project classes derived from it (whose attributes a method of
        the base may read through ``self``)."""
        if not hasattr(self, "_derived"):
            self._derived: Dict[str, List[str]] = {}
            for (path, class_name) in sorted(self.bases):
                key = f"{path}::{class_name}"
                for ancestor in self.lineage(key)[1:]:
                    self._derived.setdefault(ancestor, []).append(key)
        out = self.lineage(cls)
        out.extend(c for c in self._derived.get(cls, ()) if c not in out)
        return out


def nearest(candidates: List[str], caller: str,
            project_of: Optional[Callable[[str], str]] = None) -> Optional[str]:
    """Of several files, the caller itself, else the one sharing the most folders with the caller (the same
    folder first: a script's own ``utils.py`` beside it, as Python's ``sys.path[0]`` gives it); None when
    two are equally near (``utils`` imported from the root of a repository with ``py/utils.py`` and
    ``jn/utils.py``: which one runs depends on how it is started, so neither is said to). With
    ``project_of`` (a file's project root), the files of the caller's own project are asked first: two
    projects side by side, each with its own ``churn/report.py``."""
    if project_of is not None and len(candidates) > 1:
        home_project = project_of(caller)
        candidates = [c for c in candidates if project_of(c) == home_project] or candidates
    if caller in candidates:
        return caller
    if len(candidates) == 1:
        return candidates[0]
    home = caller.split("/")[:-1]
    depth = len(home)
    if depth:  # only candidates under the caller's top folder can be near it (the others share no folder)
        top = home[0] + "/"
        candidates = [c for c in candidates if c.startswith(top)]
        if len(candidates) < 2:
            return candidates[0] if candidates else None  # one near one, or several equally far ones
    # One pass, O(candidates): the nearest is the one ranked first by (same folder, folders shared); two
    # equally near ones (the same rank) say nothing. A monorepo's ``features`` may have 80 candidates, one
    # per project, asked about from every file of every project: no sort per question.
    best: Optional[str] = None
    best_rank = (-1, -1)
    tied = False
    for candidate in candidates:
        folders = candidate.split("/")[:-1]
        n = 0
        limit = min(len(folders), depth)
        while n < limit and folders[n] == home[n]:
            n += 1
        rank = (1 if n == len(folders) == depth else 0, n)
        if rank > best_rank:
            best, best_rank, tied = candidate, rank, False
        elif rank == best_rank:
            tied = True
    return None if tied else best


# -- path-producing returns ----------------------------------------------------------------------------
class ReturnedPaths:
    """What a call of a project function returns as a path, with the call's arguments.

    The callee's summary keeps its returned path symbolic in its parameters
    (:attr:`~debtscan.facts.summary_model.FunctionSummary.path`); the caller's facts keep the call's
    arguments (:class:`~debtscan.facts.model.PathCallFact`) and, in the value that uses it, the call itself
    (``Unknown(Why.CALL, "paths.feature_path")``). :meth:`expand` replaces such a call by the callee's path
    with the arguments substituted, inside the callee too (``feature_path`` calling ``folder(kind)``), to
    :data:`MAX_DEPTH` levels; each (callee, arguments) is instantiated once. A call whose arguments are not
    recorded (none is known even in part) is left as it is: the path resolver reads the callee's returned
    path without arguments then (its parameters' defaults, else ``*``).
    """

    def __init__(self, facts: Dict[str, FileFacts], resolve: Callable[[str, str], Optional[Target]]) -> None:
        self.facts = facts
        self.resolve = resolve
        self.returned: Dict[Target, Sym] = {}
        for path in sorted(facts):
            fileflows = facts[path].flows
            for summary in (fileflows.summaries if fileflows is not None else ()):
                if summary.path is not None:
                    self.returned[(path, summary.name)] = summary.path
        self.calls: Dict[Tuple[str, str], Dict[Tuple[int, str], PathCallFact]] = {}
        self.memo: Dict[Tuple[Target, Tuple, Tuple], Sym] = {}
        self.instances = 0

    def __bool__(self) -> bool:
        return bool(self.returned)

    def _calls_in(self, path: str, scope: str) -> Dict[Tuple[int, str], PathCallFact]:
        key = (path, scope)
        found = self.calls.get(key)
        if found is None:
            found = {}
            for call in self.facts[path].path_calls:
                if call.scope == scope:
                    found.setdefault((call.line, call.callee), call)
                    found.setdefault((0, call.callee), call)   # by callee alone, for a callee's own calls
            self.calls[key] = found
        return found

    def expand(self, value: Sym, path: str, scope: str, line: int = 0, depth: int = 0) -> Sym:
        """``value`` (written at ``line`` of function ``scope`` of ``path``; 0: anywhere in it) with the
        calls of project functions that return a path replaced by their path at those arguments."""
        if not self.returned or depth >= MAX_DEPTH or depth > 30:
            return value
        kind = type(value)
        if kind is Unknown:
            if value.why is not Why.CALL or not value.detail or not callee_of(value.detail).resolved:
                return value
            call = self._calls_in(path, scope).get((line, value.detail))
            if call is None:
                return value
            target = self.resolve(value.detail, path)
            if target is None or target not in self.returned:
                return value
            return self._instance(target, call, depth)
        if kind in (Concat, PathJoin):
            parts = tuple(self.expand(p, path, scope, line, depth) for p in value.parts)
            return value if all(a is b for a, b in zip(parts, value.parts)) else kind(parts)
        if kind is Format:
            template = self.expand(value.template, path, scope, line, depth)
            args = tuple(self.expand(a, path, scope, line, depth) for a in value.args)
            kwvalues = tuple(self.expand(a, path, scope, line, depth) for a in value.kwvalues)
            if template is value.template and all(a is b for a, b in zip(args + kwvalues,
                                                                           value.args + value.kwvalues)):
                return value
            return Format(template, args, value.kwnames, kwvalues, value.style)
        if kind is PathOp:
            base = self.expand(value.base, path, scope, line, depth)
            return value if base is value.base else PathOp(value.op, base, value.arg)
        if kind is Choice:
            options = tuple(self.expand(o, path, scope, line, depth) for o in value.options)
            return value if all(a is b for a, b in zip(options, value.options)) else Choice(options)
        return value

    def _instance(self, target: Target, call: PathCallFact, depth: int) -> Sym:
        key = (target, call.args, call.kwnames + tuple(repr(v) for v in call.kwvalues))
        known = self.memo.get(key)
        if known is not None:
            return known
        callee_path, function = target
        # the callee's own calls first (with its parameters still symbolic), then the arguments
        returned = self.expand(self.returned[target], callee_path, function, 0, depth + 1)
        params = self._params(target)
        # the callee's own ``__file__`` stays its own, whoever calls it
        value = pin_here(substitute(returned, function, bind_arguments(call, params)), callee_path)
        self.memo[key] = value
        self.instances += 1
        return value

    def _params(self, target: Target) -> Tuple[str, ...]:
        path, function = target
        for fn in self.facts[path].functions:
            if fn.name == function:
                return fn.params
        return ()


__all__ = ["MAX_DEPTH", "Functions", "nearest", "bind_arguments", "params_of", "substitute", "replace_attributes", "mentions_attribute",
           "through_constructions", "column_params", "with_columns", "ReturnedPaths"]
