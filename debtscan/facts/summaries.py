"""Function summaries, collected in the single pass.

For every statement of a file the collector works out what each value is made of (a :class:`Flow`: its
origins and the columns selected to make it) with a small table per scope, and records what matters across
functions, leaving calls symbolic:

- **call sites** of functions that may be the project's own, with what each argument is made of;
- **fits** (``fit``/``train``/``lgb.train``...): what the model, X, y and ``sample_weight`` are made of;
- **writes**: what a write (``np.save``, ``to_hdf``, ``to_feather``...) writes;
- **attributes** ``self.x = ...`` set by ``__init__`` and other methods;
- per function a :class:`FunctionSummary`: what each parameter reaches (columns selected, ``fit`` as X/y/
  weight, ``predict``, a file path, the return value, other call sites) and what the function returns.

Everything here depends on the one file: the facts are cached with the others and evaluated across modules
by :mod:`debtscan.project.flow`. The work per statement is a walk over its expression, bounded in depth.
"""
from __future__ import annotations

import sys
from typing import Any, Dict, List, Optional, Set, Tuple

import libcst as cst

from debtscan.facts.collector import MODULE_SCOPE, CollectedFacts, Collector
from debtscan.facts.io import IOCollector
from debtscan.facts.lines import LinesCollector
from debtscan.facts.model import IOFact
from debtscan.facts.signals import _flatten, _is_estimator
from debtscan.facts.summary_model import (
    AttrSet, CallSite, Column, Derived, FitSite, Flow, FlowFacts, FromAttr, FromCall, FromEstimator, FromFit,
    FromParam, FromPrediction, FromRead, FunctionSummary, Origin, ParamReach, WriteSite,
)
from debtscan.facts.values import Concat, Format, Lit, Param, PathJoin, PathOp, Ref, Seq, Sym
from debtscan.facts.values import params_in  # noqa: F401 - re-exported (it was defined here)
from debtscan.knowledge.names import callee_of

EMPTY = Flow()
MAX_ORIGINS = 32
MAX_COLUMNS = 96
MAX_DEPTH = 24
_STDLIB = frozenset(getattr(sys, "stdlib_module_names", ()))
_PARTIALS = frozenset({"functools.partial"})
_SPLITTERS = frozenset({"sklearn.model_selection.train_test_split", "sklearn.cross_validation.train_test_split"})
_WEIGHT_KEYWORDS = frozenset({"sample_weight", "weight", "sample_weights"})
_X_KEYWORDS = ("X", "x", "train_data", "dataset", "data")
_Y_KEYWORDS = ("y", "labels", "label", "target")
_PATH_SYMS = (Lit, Param, Concat, PathJoin, Format, PathOp, Ref)
#: methods whose result holds the receiver's columns (or a subset of its rows): its columns stay named
_SAME_COLUMNS = frozenset({
    "copy", "fillna", "astype", "reset_index", "dropna", "to_frame", "sort_values", "sort_index", "head", "tail",
    "sample", "clip", "round", "abs", "replace", "reindex", "drop_duplicates", "query", "interpolate", "ffill",
    "bfill",
})
_SHAPE_ATTRIBUTES = frozenset({"index", "columns", "shape", "size", "ndim", "dtypes", "empty"})
_STATEMENTS = (cst.Assign, cst.AugAssign, cst.AnnAssign, cst.Expr, cst.Return)
#: expressions made of no value (literals, lambdas): what :meth:`SummaryCollector.flow` finds in none
_NO_FLOW = frozenset({cst.SimpleString, cst.Integer, cst.Float, cst.Imaginary, cst.ConcatenatedString,
                      cst.FormattedString, cst.Lambda, cst.Ellipsis})


def union(*flows: Flow) -> Flow:
    """The flows together (origins and columns without repeats, bounded)."""
    present = [f for f in flows if f]
    if not present:
        return EMPTY
    if len(present) == 1:
        return present[0]
    origins: Dict[Origin, None] = {}
    columns: Dict[Column, None] = {}
    derived: Dict[Derived, None] = {}
    for flow in present:
        origins.update(dict.fromkeys(flow.origins))
        columns.update(dict.fromkeys(flow.columns))
        derived.update(dict.fromkeys(flow.derived))
    return Flow(tuple(origins)[:MAX_ORIGINS], tuple(columns)[:MAX_COLUMNS], tuple(derived)[:MAX_COLUMNS])


def whole(flow: Flow) -> Flow:
    """A frame used whole: its derived columns' origins join its own."""
    if not flow.derived:
        return flow
    extra = tuple(o for d in flow.derived for o in d.origins)
    return Flow(tuple(dict.fromkeys(flow.origins + extra))[:MAX_ORIGINS], flow.columns)


def _is_library(qualname: str, libraries) -> bool:
    """``libraries``: the library roots of ``signals.toml`` ``[frames] library-roots``."""
    root = qualname.split(".", 1)[0]
    return root in libraries or root in _STDLIB or root == "builtins"


class SummaryCollector(Collector):
    """Collects :class:`FlowFacts` in the single pass (see the module's docstring)."""

    enter = {cst.For: "on_for", cst.FunctionDef: "on_def"}
    leave = {kind: "on_statement_end" for kind in _STATEMENTS}
    # reads each statement's I/O facts as the I/O collector records them; what the lines collector saw each
    # function return (the conversion its value went through, for its callers' glue)
    after = (IOCollector, LinesCollector)

    def __init__(self, ex) -> None:
        super().__init__(ex)
        self.tables: Dict[str, Dict[str, Flow]] = {MODULE_SCOPE: {}}
        self.positions: Dict[int, Tuple[int, int]] = {}
        self.reads: Dict[int, IOFact] = {}
        self.writes_at: Dict[int, IOFact] = {}
        self.sites: List[CallSite] = []
        self.fits: List[FitSite] = []
        self.writes: List[WriteSite] = []
        self.attrs: List[AttrSet] = []
        self.returns: Dict[str, Flow] = {}
        self.param_columns: Dict[Tuple[str, str], List[Column]] = {}
        self.predicted: Set[Tuple[str, str]] = set()
        self.stars: Dict[str, Tuple[str, str]] = {}          # function -> its *args and **kwargs names
        self.partials: Dict[Tuple[str, str], CallSite] = {}  # (scope, name) -> functools.partial's call
        #: function -> the parameter it called last (``model(inputs)``) and what it passed: a network given
        #: by the caller, trained here when the function steps a loss (``loss.backward()``)
        self.forwards: Dict[str, Tuple[str, Flow]] = {}
        self.looped: Set[Tuple[str, str]] = set()            # (function, parameter) trained in its loop
        self._io_seen = 0
        self._io: Optional[list] = None

    # -- the pass --------------------------------------------------------------------------------
    @property
    def io_list(self) -> List[IOFact]:
        """The file's I/O facts so far (the I/O collector's list, in source order)."""
        if self._io is None:
            self._io = self.peer(IOCollector).io
        return self._io

    def on_call(self, node: cst.Call, qualname: str) -> None:
        ex = self.ex
        self.positions[id(node)] = (ex.line, ex.col)
        io = self.io_list
        if len(io) > self._io_seen:
            fact = io[-1]
            self._io_seen = len(io)
            if fact.line == ex.line and fact.column == ex.col:
                (self.reads if fact.mode == "read" else self.writes_at)[id(node)] = fact

    def on_def(self, node: cst.FunctionDef) -> None:
        params = node.params
        star = params.star_arg.name.value if isinstance(params.star_arg, cst.Param) else ""
        dstar = params.star_kwarg.name.value if params.star_kwarg is not None else ""
        if star or dstar:
            self.stars[self.ex.scope_name] = (star, dstar)

    def on_for(self, node: cst.For) -> None:
        flow = self.flow(node.iter)
        if flow:
            for key in _names(node.target):
                self._put(key, flow)

    def on_statement_end(self, node: cst.CSTNode) -> None:
        kind = type(node)
        if kind is cst.Expr:
            if isinstance(node.value, cst.Call):
                flow = self.flow(node.value)
                func = node.value.func
                if flow and isinstance(func, cst.Attribute) and func.attr.value in ("append", "extend") and \
                        isinstance(func.value, cst.Name) and len(node.value.args) == 1:
                    # ``outputs.append(torch.sigmoid(logits).cpu().numpy())``: the list holds what it collects
                    key = func.value.value
                    self._put(key, union(self._get(key), whole(flow)))
            return
        if kind is cst.Return:
            if node.value is not None and self.ex.scope.kind == "function":
                flow = self.flow(node.value)
                if flow:
                    name = self.ex.scope_name
                    self.returns[name] = union(self.returns.get(name, EMPTY), flow)
            return
        value = node.value
        if value is None:
            return
        flow = self.flow(value)
        targets = [t.target for t in node.targets] if kind is cst.Assign else [node.target]
        for target in targets:
            self._assign(target, value, flow, kind is cst.AugAssign)

    def _assign(self, target: cst.BaseExpression, value: cst.BaseExpression, flow: Flow, augmented: bool) -> None:
        if isinstance(target, (cst.Tuple, cst.List)):
            elements = [e.value for e in target.elements]
            if isinstance(value, cst.Call) and self.ex.qualname_of_call(value) in _SPLITTERS:
                # X_tr, X_te, y_tr, y_te = train_test_split(X, y): each pair comes from one argument
                args = [a.value for a in value.args if a.keyword is None and not a.star]
                for position, element in enumerate(elements):
                    index = position // 2
                    self._assign(element, value, self.flow(args[index]) if index < len(args) else EMPTY, False)
                return
            if isinstance(value, (cst.Tuple, cst.List)) and len(value.elements) == len(elements):
                for element, item in zip(elements, value.elements):
                    self._assign(element, item.value, self.flow(item.value), False)
                return
            for element in elements:
                self._assign(element, value, flow, False)
            return
        if isinstance(target, cst.Subscript):
            key = _key(target.value)
            if key is None:
                return
            old = self._get(key)
            column = _single_string(target)
            if column is not None and flow:
                # ``df["score"] = model.predict(X)``: the frame holds a column made of the value's origins
                made = Derived(column, whole(flow).origins, flow.columns[:MAX_COLUMNS])
                derived = tuple(d for d in old.derived if d.name != column) + (made,)
                self._put(key, Flow(old.origins, old.columns, derived[-MAX_COLUMNS:]))
            elif flow:
                # ``oof[valid_idx] = model.predict(X[valid_idx])``: part of the array is the value
                self._put(key, union(old, whole(flow)))
            return
        if isinstance(target, cst.Attribute) and target.attr.value == "name" and isinstance(target.value, cst.Name):
            # ``y_pred.name = "f190_adv"``: the series is that column of the frames made from it (``to_frame()``)
            named = self.ex.sym(value)
            old = self._get(target.value.value)
            if old and isinstance(named, Lit) and isinstance(named.value, str):
                made = Derived(named.value, whole(old).origins, old.columns[:MAX_COLUMNS])
                self._put(target.value.value, Flow(old.origins, (), (made,)))
            return
        key = _key(target)
        if key is None:
            return
        if augmented:
            flow = union(self._get(key), flow)
        partial = self._partial_of(value)
        if partial is not None:
            self.partials[(self.ex.scope_name, key)] = partial
        self._put(key, flow)
        if key.startswith("self.") and self.ex.scope.kind == "function" and "." in self.ex.scope_name:
            cls = self.ex.scope_name.rpartition(".")[0]
            path = self.ex.sym(value)
            path = path if isinstance(path, _PATH_SYMS) else None
            if flow or path is not None:
                self.attrs.append(AttrSet(cls, key[5:], self.ex.stmt_line, self.ex.scope_name, flow, path))

    # -- tables ----------------------------------------------------------------------------------
    def _get(self, key: str) -> Flow:
        ex = self.ex
        scope = ex.scope_name
        table = self.tables.get(scope)
        if table is not None and key in table:
            return table[key]
        if ex.scope.kind == "function":
            if key in ex.scope.params:
                return Flow((FromParam(key),))
            if key.startswith("self."):
                return Flow((FromAttr(key[5:]),))
            if key in ex.scope.bindings:
                return EMPTY
        return self.tables[MODULE_SCOPE].get(key, EMPTY)

    def _put(self, key: str, flow: Flow) -> None:
        table = self.tables.setdefault(self.ex.scope_name, {})
        if flow:
            table[key] = flow
        else:
            table.pop(key, None)

    # -- expressions -----------------------------------------------------------------------------
    def flow(self, node: Optional[cst.BaseExpression], depth: int = 0) -> Flow:
        """What an expression's value is made of."""
        if node is None or depth > MAX_DEPTH:
            return EMPTY
        kind = type(node)
        if kind in _NO_FLOW:
            return EMPTY
        if kind is cst.Name:
            return self._get(node.value)
        if kind is cst.Call:
            return self._call(node, depth)
        if kind is cst.Subscript:
            return self._subscript(node, depth)
        if kind is cst.Attribute:
            key = _key(node)
            if key is not None:
                return self._get(key)
            if node.attr.value in ("loc", "iloc", "values", "T"):
                return self.flow(node.value, depth + 1)
            if node.attr.value in _SHAPE_ATTRIBUTES:
                return EMPTY  # the rows' labels or the frame's shape: no data of it
            return whole(self.flow(node.value, depth + 1))
        if kind in (cst.BinaryOperation, cst.BooleanOperation):
            return union(whole(self.flow(node.left, depth + 1)), whole(self.flow(node.right, depth + 1)))
        if kind is cst.UnaryOperation:
            return self.flow(node.expression, depth + 1)
        if kind is cst.Comparison:
            return EMPTY  # a mask or a test, not data
        if kind in (cst.List, cst.Tuple, cst.Set):
            return union(*(self.flow(e.value, depth + 1) for e in node.elements[:64]))
        if kind is cst.Dict:
            return union(*(self.flow(e.value, depth + 1) for e in node.elements[:64] if isinstance(e, cst.DictElement)))
        if kind in (cst.ListComp, cst.GeneratorExp, cst.SetComp):
            return self._comprehension(node, node.elt, depth)
        if kind is cst.DictComp:
            return self._comprehension(node, node.value, depth)
        if kind is cst.IfExp:
            return union(self.flow(node.body, depth + 1), self.flow(node.orelse, depth + 1))
        if kind in (cst.Await, cst.StarredElement):
            return self.flow(node.value if kind is cst.StarredElement else node.expression, depth + 1)
        if kind is cst.NamedExpr:
            flow = self.flow(node.value, depth + 1)
            key = _key(node.target)
            if key is not None:
                self._put(key, flow)
            return flow
        return EMPTY

    def _comprehension(self, node, element, depth: int) -> Flow:
        table = self.tables.setdefault(self.ex.scope_name, {})
        saved: List[Tuple[str, Optional[Flow]]] = []
        comp = node.for_in
        while comp is not None:
            source = self.flow(comp.iter, depth + 1)
            for key in _names(comp.target):
                saved.append((key, table.get(key)))
                self._put(key, source)
            comp = comp.inner_for_in
        try:
            return whole(self.flow(element, depth + 1))
        finally:
            for key, previous in reversed(saved):
                if previous is None:
                    table.pop(key, None)
                else:
                    table[key] = previous

    def _subscript(self, node: cst.Subscript, depth: int) -> Flow:
        base_node = node.value
        elements = node.slice
        index: Optional[cst.BaseExpression] = None
        if isinstance(base_node, cst.Attribute) and base_node.attr.value in ("loc", "iloc"):
            base_node = base_node.value
            if len(elements) == 2 and isinstance(elements[1].slice, cst.Index) and node.value.attr.value == "loc":
                index = elements[1].slice.value
        elif len(elements) == 1 and isinstance(elements[0].slice, cst.Index):
            index = elements[0].slice.value
        base = self.flow(base_node, depth + 1)
        if not base or index is None:
            return base  # rows (a slice, positions, ``.iloc[:n, ]``): the same columns
        columns = self._names(index)
        if columns is None:
            # a mask, a slice, positions or keys: the same data
            return base
        return self._select(base, columns)

    def _select(self, base: Flow, columns: Tuple[Column, ...]) -> Flow:
        names = {c.name for c in columns if c.name}
        extra = tuple(o for d in base.derived if d.name in names or not names for o in d.origins)
        scope = self.ex.scope_name
        for origin in base.origins:
            if type(origin) is FromParam:
                self.param_columns.setdefault((scope, origin.name), []).extend(columns)
        origins = tuple(dict.fromkeys(base.origins + extra))[:MAX_ORIGINS]
        return Flow(origins, columns, tuple(d for d in base.derived if d.name in names))

    def _names(self, node: cst.BaseExpression) -> Optional[Tuple[Column, ...]]:
        """The columns an index expression names (literal names, a feature-list constant, a parameter),
        or None when it is not a column selection."""
        ex = self.ex
        line, col = ex.stmt_line, 0
        if isinstance(node, cst.SimpleString):
            value = ex.sym(node)
            if isinstance(value, Lit) and isinstance(value.value, str):
                return (Column(value.value, line, col),)
            return None
        if isinstance(node, (cst.List, cst.Tuple)):
            if not node.elements or not all(isinstance(e.value, (cst.SimpleString, cst.Name, cst.Attribute))
                                            for e in node.elements):
                return None
            out: List[Column] = []
            for element in node.elements[:MAX_COLUMNS]:
                names = self._names(element.value)
                if names is None:
                    return None
                out.extend(names)
            return tuple(out)
        if isinstance(node, cst.Name):
            if ex.scope.kind == "function" and node.value in ex.scope.params and \
                    node.value not in self.tables.get(ex.scope_name, {}):
                param = ex.scope.params[node.value]
                if param.default is None or isinstance(param.default, (Seq, Lit)):
                    return (Column("", line, col, param=node.value),)
            bound = ex.lookup(node.value)
            flow = self.tables.get(ex.scope_name, {}).get(node.value)
            if flow is not None and flow.columns and not flow.origins:
                return flow.columns
            if bound is None:
                return None
            return self._sym_columns(bound, node.value, line, col)
        if isinstance(node, (cst.Attribute, cst.BinaryOperation)):
            bound = ex.sym(node)
            return self._sym_columns(bound, "", line, col)
        return None

    def _sym_columns(self, value: Sym, name: str, line: int, col: int) -> Optional[Tuple[Column, ...]]:
        ex = self.ex
        if isinstance(value, Ref):
            return (Column("", line, col, via=value.name),)
        if isinstance(value, Lit):
            return (Column(value.value, line, col),) if isinstance(value.value, str) else None
        if not isinstance(value, (Seq, Concat)):
            return None
        names, refs = _flatten(value)
        if names is None or (not names and not refs):
            return None
        module_level = name and (ex.scope.kind == "module" or name not in ex.scope.bindings)
        if module_level:
            return (Column("", line, col, via=f"{ex.module}.{name}"),)
        return tuple(Column(n, line, col) for n in names[:MAX_COLUMNS]) + tuple(
            Column("", line, col, via=r.name) for r in refs)

    def _partial_of(self, value: cst.BaseExpression) -> Optional[CallSite]:
        """``functools.partial(build, frame, cols=FEATURES)`` of a project function: a call site of it with
        the bound arguments (the calls of the partial add theirs), else None."""
        if not isinstance(value, cst.Call) or self.ex.qualname_of_call(value) not in _PARTIALS or not value.args:
            return None
        target = value.args[0].value
        qualname = self.ex.qualname(target) if isinstance(target, (cst.Name, cst.Attribute)) else None
        callee = self._project_callee(qualname, None, EMPTY) if qualname else None
        if callee is None:
            return None
        bound = [a for a in value.args[1:] if a.keyword is None and not a.star]
        keywords = [a for a in value.args[1:] if a.keyword is not None]
        return CallSite(-1, callee, 0, 0, self.ex.scope_name, tuple(self._arg_flow(a.value, 0) for a in bound),
                        tuple(a.keyword.value for a in keywords),
                        tuple(self._arg_flow(a.value, 0) for a in keywords))

    def _bound_partial(self, node: cst.Call) -> Optional[CallSite]:
        if not isinstance(node.func, cst.Name):
            return None
        name = node.func.value
        ex = self.ex
        found = self.partials.get((ex.scope_name, name))
        if found is None and (ex.scope.kind == "module" or name not in ex.scope.bindings):
            found = self.partials.get((MODULE_SCOPE, name))
        return found

    def _call(self, node: cst.Call, depth: int) -> Flow:
        ex = self.ex
        partial = self._bound_partial(node) if self.partials else None
        if partial is not None:
            line, col = self.positions.get(id(node), (ex.stmt_line, 0))
            return self._site(node, partial.callee, None, EMPTY, line, col, depth, partial.callee, partial)
        qualname = ex.qualname_of_call(node)
        func = node.func
        method = qualname.rpartition(".")[2]
        receiver_node = func.value if isinstance(func, cst.Attribute) else None
        line, col = self.positions.get(id(node), (ex.stmt_line, 0))
        read = self.reads.get(id(node))
        if read is not None:
            columns = None
            for arg in node.args:
                if arg.keyword is not None and arg.keyword.value in ("usecols", "columns"):
                    columns = self._names(arg.value)
            flow = Flow((FromRead(read.path, read.line),))
            return Flow(flow.origins, columns) if columns else flow
        written = self.writes_at.get(id(node))
        if written is not None:
            parts = [self.flow(a.value, depth + 1) for a in node.args]
            if receiver_node is not None:
                parts.append(self.flow(receiver_node, depth + 1))
            value = union(*parts)  # a frame's computed columns stay (evaluated with their origins)
            if value:
                self.writes.append(WriteSite(written.line, written.column, ex.scope_name, written.path, value))
            return EMPTY
        models = self.ex.knowledge.tables.models
        if qualname.startswith(models.metric_prefixes):
            return EMPTY  # ``accuracy_score(y_test, model.predict(X))``: a metric of predictions, no data
        if ex.scope.kind == "function":
            scope = ex.scope_name
            if isinstance(func, cst.Name):
                given = self._get(func.value)
                if len(given.origins) == 1 and type(given.origins[0]) is FromParam and \
                        given.origins[0].name not in ("self", "cls") and not callee_of(qualname).resolved:
                    # ``model(inputs)`` of a parameter: the forward pass of the network a caller passes
                    param = given.origins[0].name
                    passed = union(*(self.flow(a.value, depth + 1) for a in node.args[:16]))
                    if any(type(o) is FromPrediction and o.given for o in passed.origins):
                        return EMPTY  # ``criterion(logits, targets)``: a loss or metric of a forward pass
                    self.forwards[scope] = (param, self._argument(node, 0, ("x", "input", "inputs"), depth))
                    return Flow((FromPrediction((FromParam(param),), line, True),))
            elif receiver_node is not None and method in models.loop_steps and not node.args and \
                    scope in self.forwards:
                # ``loss.backward()`` after a forward pass of a parameter: this function trains that network
                param, x = self.forwards[scope]
                if (scope, param) not in self.looped:
                    self.looped.add((scope, param))
                    self._fit(line, col, method, Flow((FromParam(param),)), x, EMPTY, EMPTY, param)
                return EMPTY
        if qualname in models.train_functions:
            index, keyword = models.train_functions[qualname]
            x = self._argument(node, index, (keyword,), depth)
            model = Flow((FromEstimator(qualname, line),))
            targets = _names(self.ex.stmt_stack[-1].node.targets[0].target) if self.ex.stmt_stack and isinstance(
                self.ex.stmt_stack[-1].node, cst.Assign) else []
            return self._fit(line, col, method, model, x, EMPTY, self._argument(node, None, ("weight",), depth),
                             targets[0] if targets else _short(qualname))
        if qualname in models.oof_functions:
            # cross_val_predict(estimator, X, y): the estimator is fitted per fold, the result its predictions
            model = self._argument(node, 0, ("estimator",), depth)
            x = self._argument(node, 1, ("X",), depth)
            y = self._argument(node, 2, ("y",), depth)
            fitted = self._fit(line, col, "fit", model, x, y, EMPTY, _receiver_name(node.args[0].value)
                               if node.args else "estimator")
            return Flow((FromPrediction(union(model, fitted).origins, line),))
        if receiver_node is not None and method in models.fit_methods:
            model = self.flow(receiver_node, depth + 1)
            if method in models.mode_methods and not node.args and _key(receiver_node) != "self" and not any(
                    type(o) is FromCall or (type(o) is FromEstimator and o.api.startswith(models.trainer_calls))
                    for o in model.origins):
                # ``net.train()``: a library network switched to training mode, no fit (a trainer's ``train()``
                # and the project's own ``train()`` methods are)
                return model
            x = self._argument(node, 0, _X_KEYWORDS, depth)
            y = self._argument(node, 1, _Y_KEYWORDS, depth)
            weight = self._argument(node, None, tuple(_WEIGHT_KEYWORDS), depth)
            if not model and not (isinstance(receiver_node, cst.Name) and y):
                return EMPTY
            name = _key(receiver_node) or _receiver_name(receiver_node)
            fitted = self._fit(line, col, method, model, x, y, weight, name)
            if any(type(o) is FromCall for o in model.origins) or _key(receiver_node) == "self":
                # ``Model(out).train(X, y)``: the project's own method, evaluated at this call too
                self._site(node, qualname, receiver_node, model, line, col, depth)
            key = _key(receiver_node)
            if key is not None:
                self._put(key, union(model, fitted))
            if method == "fit_predict":
                return Flow((FromPrediction(fitted.origins, line),))
            return union(model, fitted)
        if receiver_node is not None and method in models.predict_methods:
            model = self.flow(receiver_node, depth + 1)
            x = self._argument(node, 0, _X_KEYWORDS, depth)
            for origin in x.origins:
                if type(origin) is FromParam:
                    self.predicted.add((ex.scope_name, origin.name))
            if any(type(o) is FromCall for o in model.origins) or _key(receiver_node) == "self":
                self._site(node, qualname, receiver_node, model, line, col, depth)
            if not model and isinstance(receiver_node, cst.Call):
                return EMPTY
            if not model:
                key = _key(receiver_node)
                if key is None:
                    return EMPTY
                model = EMPTY
            return Flow((FromPrediction(model.origins, line),))
        if _is_estimator(models, qualname) and (not callee_of(qualname).resolved or
                                                _is_library(qualname, self.ex.knowledge.tables.frames.library_roots)):
            return Flow((FromEstimator(qualname, line),))
        receiver = self.flow(receiver_node, depth + 1) if receiver_node is not None else EMPTY
        callee = self._project_callee(qualname, receiver_node, receiver)
        if callee is not None:
            return self._site(node, qualname, receiver_node, receiver, line, col, depth, callee)
        if receiver and method in ("agg", "aggregate"):
            aggregated = self._aggregated(node)
            if aggregated:
                # ``groupby(k).agg(total=("amount", "sum"))``: the result is computed from those columns
                return self._select(whole(receiver), aggregated)
        if receiver and method in ("add_prefix", "add_suffix") and node.args:
            affix = self.ex.sym(node.args[0].value)
            if isinstance(affix, Lit) and isinstance(affix.value, str):
                return _renamed(receiver, affix.value, method == "add_prefix")
        # a library call: what it returns is made of its receiver and its arguments
        parts = [whole(self.flow(a.value, depth + 1)) for a in node.args[:16]]
        if receiver:
            parts.append(receiver if method in _SAME_COLUMNS else whole(receiver))
        return union(*parts)

    def _aggregated(self, node: cst.Call) -> Tuple[Column, ...]:
        """The columns an aggregation names: a dict's keys (``agg({"amount": "sum"})``), named aggregations'
        columns (``agg(total=("amount", "sum"))``, ``pd.NamedAgg(column="amount", ...)``)."""
        line = self.ex.stmt_line
        out: List[Column] = []
        for arg in node.args:
            value = arg.value
            if arg.keyword is None and isinstance(value, cst.Dict):
                for element in value.elements:
                    if isinstance(element, cst.DictElement):
                        name = _string(element.key)
                        if name is not None:
                            out.append(Column(name, line, 0))
            elif arg.keyword is not None and isinstance(value, cst.Tuple) and value.elements:
                name = _string(value.elements[0].value)
                if name is not None:
                    out.append(Column(name, line, 0))
            elif arg.keyword is not None and isinstance(value, cst.Call):
                for inner in value.args:
                    if (inner.keyword is not None and inner.keyword.value == "column") or \
                            (inner.keyword is None and inner is value.args[0]):
                        name = _string(inner.value)
                        if name is not None:
                            out.append(Column(name, line, 0))
                        break
        return tuple(out[:MAX_COLUMNS])

    def _site(self, node: cst.Call, qualname: str, receiver_node, receiver: Flow, line: int, col: int,
              depth: int, callee: Optional[str] = None, partial: Optional[CallSite] = None) -> Flow:
        ex = self.ex
        if callee is None:
            callee = self._project_callee(qualname, receiver_node, receiver) or qualname
        positional = [a for a in node.args if a.keyword is None and not a.star]
        keywords = [a for a in node.args if a.keyword is not None]
        args = tuple(self._arg_flow(a.value, depth) for a in positional)  # inner calls first: their sites
        kwargs = tuple(self._arg_flow(a.value, depth) for a in keywords)
        kwnames = tuple(a.keyword.value for a in keywords)
        if partial is not None:  # the arguments functools.partial bound come first
            args = partial.args + args
            kwnames, kwargs = partial.kwnames + kwnames, partial.kwargs + kwargs
        star = dstar = ""
        if ex.scope.kind == "function":
            for arg in node.args:
                if arg.star and isinstance(arg.value, cst.Name) and arg.value.value in ex.scope.params:
                    if arg.star == "*":
                        star = arg.value.value
                    else:
                        dstar = arg.value.value
        site = CallSite(len(self.sites), callee, line, col, ex.scope_name, args, kwnames, kwargs,
                        receiver if receiver else None, star, dstar)
        self.sites.append(site)
        return Flow((FromCall(site.index),))

    def _arg_flow(self, node: cst.BaseExpression, depth: int) -> Flow:
        flow = self.flow(node, depth + 1)
        if flow:
            return flow
        columns = self._names(node) if isinstance(node, (cst.List, cst.Tuple, cst.Name, cst.Attribute)) else None
        return Flow((), columns) if columns else EMPTY

    def _argument(self, node: cst.Call, index: Optional[int], keywords: Tuple[str, ...], depth: int) -> Flow:
        positional = [a for a in node.args if a.keyword is None and not a.star]
        for arg in node.args:
            if arg.keyword is not None and arg.keyword.value in keywords:
                return self.flow(arg.value, depth + 1)
        if index is not None and index < len(positional):
            return self.flow(positional[index].value, depth + 1)
        return EMPTY

    def _fit(self, line: int, col: int, method: str, model: Flow, x: Flow, y: Flow, weight: Flow,
             name: str) -> Flow:
        ex = self.ex
        fit = FitSite(len(self.fits), ex.stmt_line, col, ex.scope_name, method, model, x, y, weight, name)
        self.fits.append(fit)
        return Flow((FromFit(fit.index),))

    def _project_callee(self, qualname: str, receiver_node, receiver: Flow) -> Optional[str]:
        """The callee's name when it may be a function or method of the project, else None."""
        ex = self.ex
        if receiver_node is not None and isinstance(receiver_node, cst.Name) and receiver_node.value == "self" \
                and "." in ex.scope_name:
            cls = ex.scope_name.rpartition(".")[0]
            return f"{ex.module}.{cls}.{qualname.rpartition('.')[2]}"
        called = callee_of(qualname)
        if not called.resolved:
            # a method of an object a project call made (``Model(out).train(X)``): resolved across files
            return qualname if called.unknown_receiver and any(
                type(o) is FromCall for o in receiver.origins) else None
        if _is_library(qualname, self.ex.knowledge.tables.frames.library_roots):
            return None
        return qualname

    # -- the facts -------------------------------------------------------------------------------
    def finish(self, out: CollectedFacts) -> None:
        # the paths functions return (the I/O collector's ``name()`` values, which it finished before)
        returned_paths = {function.name: self.ex.constants[f"{function.name}()"].value
                          for function in self.ex.functions if f"{function.name}()" in self.ex.constants}
        adapters = self.peer(LinesCollector).returned
        if not (self.sites or self.fits or self.writes or self.attrs or self.returns or returned_paths or adapters):
            return
        by_scope: Dict[str, Dict[str, Dict[str, Any]]] = {}

        def slot(scope: str, name: str) -> Dict[str, Any]:
            return by_scope.setdefault(scope, {}).setdefault(name, {"fit_roles": [], "passed": []})

        for fit in self.fits:
            for role, flow in (("x", fit.x), ("y", fit.y), ("weight", fit.weight)):
                for origin in flow.origins:
                    if type(origin) is FromParam:
                        slot(fit.scope, origin.name)["fit_roles"].append(role)
        for site in self.sites:
            for flow in site.args + site.kwargs:
                for origin in flow.origins:
                    if type(origin) is FromParam:
                        slot(site.scope, origin.name)["passed"].append(site.index)
        written = {(w.scope, o.name) for w in self.writes for o in w.value.origins if type(o) is FromParam}
        paths: Set[Tuple[str, str]] = set()
        for fact in out.io:
            for name in params_in(fact.path, fact.scope, set()):
                paths.add((fact.scope, name))
        summaries = []
        for function in self.ex.functions:
            returns = self.returns.get(function.name, EMPTY)
            returned = {o.name for o in returns.origins if type(o) is FromParam}
            reach = []
            for param in function.params:
                data = by_scope.get(function.name, {}).get(param, {"fit_roles": [], "passed": []})
                columns = tuple(dict.fromkeys(self.param_columns.get((function.name, param), ())))[:MAX_COLUMNS]
                item = ParamReach(param, columns, tuple(dict.fromkeys(data["fit_roles"])),
                                  (function.name, param) in self.predicted, (function.name, param) in paths,
                                  (function.name, param) in written, param in returned,
                                  tuple(dict.fromkeys(data["passed"])))
                if item != ParamReach(param):
                    reach.append(item)
            star, dstar = self.stars.get(function.name, ("", ""))
            path = returned_paths.get(function.name)
            adapter, via = adapters.get(function.name, ("", ""))
            if returns or reach or star or dstar or path is not None or adapter or via:
                is_method = "." in function.name
                summaries.append(FunctionSummary(function.name, function.params, function.line, returns,
                                                 tuple(reach), is_method, star, dstar, path, adapter, via))
        out.flows = FlowFacts(tuple(summaries), tuple(self.sites), tuple(self.fits), tuple(self.writes),
                                 tuple(self.attrs))


def _renamed(flow: Flow, affix: str, prefix: bool) -> Flow:
    """``frame.add_prefix("f702_")``: the frame's named columns (selected or computed) under their new names,
    each computed from the column it renames."""
    def name(old: str) -> str:
        return affix + old if prefix else old + affix

    derived = tuple(Derived(name(d.name), d.origins, d.inputs) for d in flow.derived)
    derived += tuple(Derived(name(c.name), (), (c,)) for c in flow.columns if c.name)
    if not derived:
        return flow
    return Flow(flow.origins, flow.columns if not any(c.name for c in flow.columns) else (), derived[:MAX_COLUMNS])


def _key(node: cst.BaseExpression) -> Optional[str]:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name) and node.value.value == "self":
        return f"self.{node.attr.value}"
    return None


def _short(qualname: str) -> str:
    return qualname.rpartition(".")[2]


def _receiver_name(node: cst.BaseExpression) -> str:
    """A name for a model fitted on an expression: ``Ridge().fit`` -> ``Ridge``, ``new_model().fit`` ->
    ``new_model``."""
    for _ in range(4):
        if isinstance(node, cst.Call):
            node = node.func
        elif isinstance(node, cst.Attribute):
            return node.attr.value
        elif isinstance(node, cst.Name):
            return node.value
        else:
            break
    return "model"


def _names(target: cst.BaseExpression) -> List[str]:
    key = _key(target)
    if key is not None:
        return [key]
    if isinstance(target, (cst.Tuple, cst.List)):
        return [k for e in target.elements for k in _names(e.value)]
    return []


def _string(node: cst.BaseExpression) -> Optional[str]:
    if isinstance(node, cst.SimpleString):
        try:
            text = node.evaluated_value
        except Exception:  # noqa: BLE001 - a malformed literal is no column
            return None
        return text if isinstance(text, str) else None
    return None


def _single_string(node: cst.Subscript) -> Optional[str]:
    if len(node.slice) != 1 or not isinstance(node.slice[0].slice, cst.Index):
        return None
    value = node.slice[0].slice.value
    if isinstance(value, cst.SimpleString):
        try:
            text = value.evaluated_value
        except Exception:  # noqa: BLE001 - a malformed literal is no column
            return None
        return text if isinstance(text, str) else None
    return None
