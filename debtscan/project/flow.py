"""Values followed through functions, across modules: the function summaries of every file
(:mod:`debtscan.facts.summaries`) evaluated at each call site with the arguments actually passed.

What a call returns is the callee's summary with its parameters replaced by what the caller passes (a frame
read from a table, a column list, a model), context-sensitive to :data:`MAX_DEPTH` levels of calls and
merged beyond them; calls of calls compose, across the import graph, so a fixed point is reached without
iterating over files. Each (callee, arguments, place) is evaluated once (memoised), so the cost is linear in
call sites times the depth.

From that, for every fit of the repository (a :class:`~debtscan.facts.summary_model.FitSite`), evaluated
once per calling context:

- the **columns that reach it as model inputs** (X), with the tables they were read from and the place
  where each was selected (moved to the call site in the model's own component when the selection is
  written in another component's helper);
- its labels and sample weights, and the **models whose predictions** reach X, y or the weights (a
  correction cascade, also through helpers and attributes of a model class);
- what **made the model**: an estimator constructor, a pipeline, a factory function, an attribute of a class.

And for every write (``np.save``, ``to_hdf``, ``to_feather``, ``to_csv``...), the models whose predictions
it writes, placed where the file's path is written down (the helper's line when the path is fixed there,
the call site when the caller supplies it).

The function index, argument binding and the depth bound are the core's shared part
(:mod:`debtscan.project.calls`); :class:`FrameColumns` gives the path helpers the column names of a frame
passed at a call (the per-column files of the hand-off graph).

Nothing here imports or runs the scanned code; everything is computed from per-file facts.
"""
from __future__ import annotations

from dataclasses import field
from typing import Callable, Dict, FrozenSet, Iterable, List, Optional, Set, Tuple

from debtscan.facts.model import FileFacts
from debtscan.facts.summary_model import (
    CallSite, FitSite, Flow, FlowFacts, FromAttr, FromCall, FromEstimator, FromFit, FromParam, FromPrediction,
    FromRead,
)
from debtscan.facts.values import Lit, Param, Sym, params_in
from debtscan.project.calls import MAX_DEPTH, Functions, through_constructions
from debtscan.knowledge.names import callee_of
from debtscan.records import record

MAX_CONTEXTS = 8
"""Calling contexts kept per function through its callers' callers (the first call sites, in file order)."""
MAX_CALLERS = 64
"""Direct call sites of one function evaluated as its contexts (a ``to_feature(df, path)`` helper that a
hundred scripts call is evaluated with the first 64 of them)."""
MAX_ITEMS = 96
LOOP_METHODS = frozenset({"backward"})
"""Fit methods of a network trained in a loop of the function's own (``loss.backward()``): the per-file
facts record such a fit for a network the function is given (:class:`~debtscan.facts.summary_model.FitSite`)."""
LOOP_API = "torch.training-loop"

Place = Tuple[str, int, int]   # (module path, line, column)


@record(frozen=True)
class Col:
    """A column in a value: its name, the artifacts it was read from, where it was selected and the chain of
    call sites (outermost first) through which the selection reached the value."""

    name: str
    sources: FrozenSet[str]
    place: Place
    via: str = ""
    trail: Tuple[Place, ...] = ()


@record(frozen=True)
class Value:
    """What a value is, evaluated: the artifacts its data came from, its columns (None: not selected), the
    models it is (ids), the models whose predictions it holds, the project classes it is an instance of."""

    sources: FrozenSet[str] = frozenset()
    columns: Optional[FrozenSet[Col]] = None
    models: FrozenSet[str] = frozenset()
    preds: FrozenSet[str] = frozenset()
    instances: FrozenSet[str] = frozenset()
    derived: FrozenSet[Tuple[str, FrozenSet[Col]]] = frozenset()   # computed columns and their inputs

    def __bool__(self) -> bool:
        return bool(self.sources or self.columns or self.models or self.preds or self.instances or self.derived)


NOTHING = Value()


def join(values: Iterable[Value]) -> Value:
    values = [v for v in values if v]
    if not values:
        return NOTHING
    if len(values) == 1:
        return values[0]
    columns: Optional[Set[Col]] = None
    for value in values:
        if value.columns is not None:
            columns = (columns or set()) | value.columns
    return Value(
        frozenset().union(*(v.sources for v in values)),
        frozenset(sorted(columns, key=_col_order)[:MAX_ITEMS]) if columns is not None else None,
        frozenset().union(*(v.models for v in values)),
        frozenset().union(*(v.preds for v in values)),
        frozenset().union(*(v.instances for v in values)),
        frozenset(sorted(frozenset().union(*(v.derived for v in values)), key=_derived_order)[:MAX_ITEMS]),
    )


def _derived_order(item: Tuple[str, FrozenSet[Col]]) -> Tuple:
    return (item[0], tuple(sorted(_col_order(c) for c in item[1])))


def _col_order(col: Col) -> Tuple:
    return (col.place, col.name, col.via, tuple(sorted(col.sources)), col.trail)


@record(frozen=True)
class Context:
    """The parameters' values of the function being evaluated and the call site that called it."""

    params: Tuple[Tuple[str, Value], ...] = ()
    place: Optional[Place] = None
    depth: int = 0
    #: for a method called on an instance made in the caller (``model = Model(train=frame)``;
    #: ``model.fit_cv()``): the attributes its ``__init__`` sets from the constructor's arguments
    attrs: Tuple[Tuple[str, Value], ...] = ()
    #: where the method was called on that instance, kept through the calls of ``self``'s other methods
    owner: Optional[Place] = None

    def param(self, name: str) -> Value:
        for key, value in self.params:
            if key == name:
                return value
        return NOTHING

    def attr(self, name: str) -> Value:
        for key, value in self.attrs:
            if key == name:
                return value
        return NOTHING


EMPTY_CONTEXT = Context()


@record(frozen=True)
class Resolver:
    """What the cross-file stage knows about paths and constants, as functions of the module path."""

    sources: Callable[[Sym, str], Tuple[str, ...]]      # a read's or write's path -> artifacts
    reads_at: Callable[[str, int], Tuple[str, ...]]     # artifacts read at a line (helpers placed there)
    writes_at: Callable[[str, int], Tuple[str, ...]]    # artifacts written at a line
    names: Callable[[str, str], Tuple[str, ...]]        # a feature-list constant -> its column names
    predicts: Callable[[str], bool] = lambda name: False  # a foreign function's name says it predicts


@record(frozen=True)
class InputUse:
    """A column consumed as a model input: ``model`` is the fit's node id, ``place`` where the column's use
    is reported (see the module's docstring)."""

    name: str
    sources: Tuple[str, ...]
    place: Place
    scope: str
    via: str
    model: str


@record
class FitResult:
    """A fit, evaluated in all its calling contexts."""

    id: str
    path: str
    line: int
    scope: str
    name: str
    api: str
    inputs: Set[str] = field(default_factory=set)
    sources: Set[str] = field(default_factory=set)
    label_sources: Set[str] = field(default_factory=set)  # files its labels and sample weights come from
    targets: Set[str] = field(default_factory=set)
    upstream: Set[str] = field(default_factory=set)     # ids of models whose predictions it is trained on
    wrapper: bool = False                              # a project method that fits inside: not a model itself
    delegated: bool = False                            # ... but the model its inside fit trains, for this call
    parts: Set[str] = field(default_factory=set)       # ids of the inside fits a delegated call trains


@record(frozen=True)
class PredictionWrite:
    """Predictions of model ``model`` written to ``artifact``, reported at ``place``."""

    artifact: str
    model: str
    place: Place


@record(frozen=True)
class ColumnsWrite:
    """Columns selected into a file (``frame[FEATURES].to_feather(path)``): model inputs when a model
    trains on that file."""

    artifact: str
    columns: Tuple[Col, ...]
    scope: str
    place: Place = ("", 0, 0)
    whole: bool = False                                # the whole frame: every column of ``sources``
    sources: Tuple[str, ...] = ()
    derived: Tuple[Tuple[str, Tuple[Col, ...]], ...] = ()


@record
class FlowResult:
    """What the flow algorithms found: the fits, the input uses, the prediction and column writes."""

    fits: Dict[str, FitResult]
    uses: List[InputUse]
    writes: List[PredictionWrite]
    columns_written: List[ColumnsWrite] = field(default_factory=list)


class FlowEvaluation:
    """Evaluates flows (see the module's docstring); one per project build."""

    def __init__(self, facts: Dict[str, FileFacts], resolver: Resolver,
                 project_of: Optional[Callable[[str], str]] = None) -> None:
        self.facts = facts
        self.resolver = resolver
        self.index = Functions(facts, project_of)
        self.memo: Dict[Tuple, Value] = {}
        self.attr_memo: Dict[Tuple[str, str, str], Value] = {}
        self.active: Set[Tuple] = set()
        self.estimators: Dict[str, str] = {}    # estimator id -> api
        self.aliases: Dict[str, Set[str]] = {}  # model id (estimator, attribute) -> fit ids it is fitted as
        self.context_memo: Dict[Tuple[str, str, int], List[Context]] = {}
        self.bound_memo: Dict[Tuple, Context] = {}
        #: (path, site index, context) -> what the call site evaluates to; kept only for evaluations that
        #: cut no cycle (see :meth:`call`)
        self.site_memo: Dict[Tuple[str, int, Context], Value] = {}
        self.attr_active: Set[Tuple[str, str, str]] = set()
        self.cuts = 0   # cycles cut so far (a recursive call or attribute answered NOTHING while in progress)

    # -- values ----------------------------------------------------------------------------------
    def value(self, path: str, scope: str, flow: Flow, ctx: Context) -> Value:
        if not flow:
            return NOTHING
        parts = [self.origin(path, scope, o, ctx) for o in flow.origins]
        parts.extend(self.origin(path, scope, o, ctx) for d in flow.derived for o in d.origins)
        base = join(parts)
        derived = dict(base.derived)
        for made in flow.derived:
            inputs = self.columns(path, made.inputs, base.sources, ctx)
            derived[made.name] = frozenset(inputs or ())
        if derived:
            base = Value(base.sources, base.columns, base.models, base.preds, base.instances,
                         frozenset(sorted(derived.items(), key=_derived_order)[:MAX_ITEMS]))
        if not flow.columns:
            return base
        cols = self.columns(path, flow.columns, base.sources, ctx)
        if cols is None:
            return base
        # a computed column selected stands for the columns it is computed from
        expanded: Set[Col] = set()
        for col in cols:
            expanded.update(derived.get(col.name) or (col,))
        return Value(base.sources, frozenset(expanded), base.models, base.preds, base.instances,
                     frozenset((n, c) for n, c in base.derived if n in {col.name for col in cols}))

    def columns(self, path: str, columns, sources: FrozenSet[str], ctx: Context) -> Optional[Set[Col]]:
        """The columns a selection names (None when it selects nothing known: a parameter without columns)."""
        cols: Set[Col] = set()
        selected = False
        for column in columns:
            place = (path, column.line, column.column)
            if column.param:
                given = ctx.param(column.param)
                if given.columns:
                    selected = True
                    cols.update(Col(c.name, sources or c.sources, place, c.via) for c in given.columns)
                continue
            selected = True
            if column.name:
                cols.add(Col(column.name, sources, place))
            elif column.via:
                for name in self.resolver.names(column.via, path)[:MAX_ITEMS]:
                    cols.add(Col(name, sources, place, column.via))
        return cols if selected else None

    def origin(self, path: str, scope: str, origin, ctx: Context) -> Value:
        kind = type(origin)
        if kind is FromParam:
            return ctx.param(origin.name)
        if kind is FromRead:
            artifacts: Tuple[str, ...] = ()
            if ctx.place is not None and params_in(origin.path, scope, set()):
                # the caller supplies the path: the read is placed at its call
                artifacts = self.resolver.reads_at(ctx.place[0], ctx.place[1])
            if not artifacts:
                artifacts = self.resolver.sources(origin.path, path)
            if not artifacts and ctx.place is not None:
                artifacts = self.resolver.reads_at(ctx.place[0], ctx.place[1])
            if not artifacts and ctx.place is not None:
                artifacts = self._named_paths(origin.path, scope, ctx)
            if not artifacts:
                artifacts = self.resolver.reads_at(path, origin.line)
            return Value(sources=frozenset(artifacts)) if artifacts else NOTHING
        if kind is FromCall:
            fileflows = self.facts[path].flows
            if fileflows is None or origin.site >= len(fileflows.sites):
                return NOTHING
            return self.call(path, fileflows.sites[origin.site], ctx)
        if kind is FromEstimator:
            key = f"estimator:{path}:{origin.line}"
            self.estimators.setdefault(key, origin.api)
            return Value(models=frozenset((key,)))
        if kind is FromFit:
            return Value(models=frozenset((f"fit:{path}:{origin.fit}",)))
        if kind is FromPrediction:
            model = join(self.origin(path, scope, o, ctx) for o in origin.model)
            preds = set(model.models)
            for cls in model.instances:
                preds.add(f"class:{cls}")
            if not preds and origin.given:
                # a forward pass of a parameter: the network this function trains in its own loop, else
                # nothing (what the caller passes is no model: ``apply(fn, x)``)
                fit = self._looped(path, scope, origin.model)
                return Value(preds=frozenset((fit,))) if fit else NOTHING
            if not preds:
                preds.add(f"unknown:{path}:{origin.line}")
            return Value(preds=frozenset(preds))
        if kind is FromAttr:
            if "." not in scope:
                return NOTHING
            own = ctx.attr(origin.name)
            shared = self.attribute(path, scope.rpartition(".")[0], origin.name)
            return join((own, shared)) if own else shared
        return NOTHING

    def _looped(self, path: str, scope: str, model) -> str:
        """``fit:<path>:<index>`` of the loop of function ``scope`` that trains the parameter ``model`` names
        (:data:`LOOP_METHODS`), or ``""``."""
        fileflows = self.facts[path].flows
        for fit in (fileflows.fits if fileflows is not None else ()):
            if fit.scope == scope and fit.method in LOOP_METHODS and fit.model.origins == tuple(model):
                return f"fit:{path}:{fit.index}"
        return ""

    def _named_paths(self, sym: Sym, scope: str, ctx: Context) -> Tuple[str, ...]:
        """The files a read of a parameter names when the caller passes literal paths (``concat([
        "level1/a_oof.h5", "level1/b_oof.h5"])`` read by ``[pd.read_hdf(p) for p in paths]``), resolved
        from the caller's module."""
        if not isinstance(sym, Param) or sym.function != scope:
            return ()
        given = ctx.param(sym.name[:-3] if sym.name.endswith("[*]") else sym.name)
        out: Set[str] = set()
        for col in sorted(given.columns or (), key=_col_order)[:MAX_ITEMS]:
            if col.name and ("/" in col.name or "." in col.name):
                out.update(self.resolver.sources(Lit(col.name), ctx.place[0]))
        return tuple(sorted(out))

    def attribute(self, path: str, cls: str, name: str) -> Value:
        """``self.<name>`` in class ``cls``: whatever its methods assign to it (without their arguments)."""
        key = (path, cls, name)
        if key in self.attr_memo:
            if key in self.attr_active:
                self.cuts += 1
            return self.attr_memo[key]
        self.attr_memo[key] = NOTHING   # a cycle (``self.x = self.x + 1``) adds nothing
        self.attr_active.add(key)
        parts = [Value(models=frozenset((f"attr:{path}:{cls}.{name}",)))]
        for member in self.index.family(f"{path}::{cls}"):   # set in a base's or a subclass's methods too
            member_path, _, member_cls = member.partition("::")
            fileflows = self.facts[member_path].flows
            for attr in (fileflows.attrs if fileflows is not None else ()):
                if attr.cls == member_cls and attr.name == name:
                    parts.append(self.value(member_path, attr.scope, attr.value, EMPTY_CONTEXT))
        value = join(parts)
        self.attr_memo[key] = value
        self.attr_active.discard(key)
        return value

    def callee(self, path: str, site: CallSite, ctx: Context) -> Tuple[Optional[Tuple[str, str]], Value]:
        """The function a call site calls (path, name) and the receiver's value."""
        receiver = self.value(path, site.scope, site.receiver, ctx) if site.receiver is not None else NOTHING
        target = self.index.function(site.callee, path)
        called = callee_of(site.callee)
        if target is None and called.unknown_receiver:
            method = called.name
            for cls in sorted(receiver.instances):
                target = self.index.method(cls, method)
                if target is not None:
                    break
        return target, receiver

    def call(self, path: str, site: CallSite, ctx: Context) -> Value:
        """What call site ``site`` of ``path`` evaluates to in ``ctx``, once per (site, context).

        A value is kept when its evaluation cut no cycle (no recursive call or attribute in progress was
        answered NOTHING on the way): it is then a function of the site, the context and the memos, whose
        entries never change once set, so evaluating it again gives the same value. Without this memo a
        chain of calls on the values of earlier calls (``h = self.norm(h); h = self.attn(h); ...``, each
        receiver and argument evaluated again at every later call) costs the square of its length, and more
        where a value is used twice; with it, each (site, context) is evaluated once: O(call sites x
        contexts) in all."""
        key = (path, site.index, ctx)
        known = self.site_memo.get(key)
        if known is not None:
            return known
        cuts = self.cuts
        value = self._call(path, site, ctx)
        if self.cuts == cuts:
            self.site_memo[key] = value
        return value

    def _call(self, path: str, site: CallSite, ctx: Context) -> Value:
        cls = self.index.cls(site.callee, path)
        if cls is not None:
            return Value(instances=frozenset((cls,)))
        target, receiver = self.callee(path, site, ctx)
        if target is None:
            if callee_of(site.callee).unknown_receiver:
                # a method of a library value after all (``read_snapshot().merge(bills)``): made of its
                # receiver and its arguments
                return join([receiver] + [self.value(path, site.scope, f, ctx) for f in site.args + site.kwargs])
            return self._foreign(path, site, ctx)
        callee_path, name = target
        summary = self.index.summaries.get(target)
        if summary is None or not summary.returns:
            return NOTHING
        inner = self.context(path, site, ctx, target) if ctx.depth < MAX_DEPTH else Context(depth=MAX_DEPTH)
        key = (callee_path, name, inner.params, inner.place if self._reads_params(target) else None, inner.depth)
        if key in self.memo:
            value = self.memo[key]
        elif key in self.active:
            self.cuts += 1
            return NOTHING  # recursion: what the cycle adds is already on the way
        else:
            self.active.add(key)
            try:
                value = self.value(callee_path, name, summary.returns, inner)
            finally:
                self.active.discard(key)
            self.memo[key] = value
        return self._through(value, (path, site.line, site.column))

    def _foreign(self, path: str, site: CallSite, ctx: Context) -> Value:
        """A function neither of the project nor of a known library (a team's private helper package,
        ``ex.eval_oob(X, y, models)``): given a fitted model and named for predicting (the catalogue's
        ``[predictions] functions``), it returns that model's predictions; else nothing is known of it."""
        if not self.resolver.predicts(site.callee.rpartition(".")[2]):
            return NOTHING
        given = [self.value(path, site.scope, f, ctx) for f in site.args + site.kwargs]
        preds = {m for v in given for m in v.models} | {f"class:{c}" for v in given for c in v.instances}
        return Value(preds=frozenset(preds)) if preds else NOTHING

    def _reads_params(self, target: Tuple[str, str]) -> bool:
        summary = self.index.summaries.get(target)
        return summary is not None and any(r.path for r in summary.reach)

    def context(self, path: str, site: CallSite, ctx: Context, target: Tuple[str, str]) -> Context:
        """The callee's parameters bound to what the call site passes, evaluated in the caller's context.

        A call forwarding the caller's ``*args`` / ``**kwargs`` passes what the caller was given there; a
        callee's ``*args`` takes the positional arguments beyond its named parameters (``args[0]``...), its
        ``**kwargs`` the keywords it does not name (``kwargs[frame]``)."""
        key = (path, site.index, ctx, target)
        known = self.bound_memo.get(key)
        if known is not None:
            return known
        params = self.index.params.get(target, ())
        if params and params[0] in ("self", "cls") and "." in target[1]:
            params = params[1:]
        summary = self.index.summaries.get(target)
        varargs, varkw = (summary.varargs, summary.varkw) if summary is not None else ("", "")
        named = tuple(p for p in params if p not in (varargs, varkw))
        positional = [self.value(path, site.scope, flow, ctx) for flow in site.args]
        keywords = [(n, self.value(path, site.scope, flow, ctx)) for n, flow in zip(site.kwnames, site.kwargs)]
        if site.star:
            positional.extend(_forwarded(ctx, site.star))
        if site.dstar:
            prefix = site.dstar + "["
            keywords.extend((n[len(prefix):-1], v) for n, v in ctx.params if n.startswith(prefix))
        bound: List[Tuple[str, Value]] = list(zip(named, positional))
        if varargs:
            bound.extend((f"{varargs}[{i}]", v) for i, v in enumerate(positional[len(named):MAX_ITEMS]))
        for name, value in keywords:
            if name in named:
                bound.append((name, value))
            elif varkw:
                bound.append((f"{varkw}[{name}]", value))
        bound = [(n, v) for n, v in bound if v]
        attrs, owner = self.instance_attrs(path, site, ctx, target) if "." in target[1] else ((), None)
        out = Context(tuple(sorted(bound, key=lambda item: item[0])), (path, site.line, site.column),
                      ctx.depth + 1, attrs, owner)
        self.bound_memo[key] = out
        return out

    def instance_attrs(self, path: str, site: CallSite, ctx: Context,
                       target: Tuple[str, str]) -> Tuple[Tuple[Tuple[str, Value], ...], Optional[Place]]:
        """The attributes of the instance a method is called on, as its ``__init__`` set them from the
        constructor's arguments: ``model = Model(train=frame); model.fit_cv()`` trains on ``frame`` (not on
        every frame any ``Model`` was ever given). A method calling another of ``self`` keeps them. With them,
        where the method was called on the instance (the call that is that instance's model)."""
        receiver = site.receiver
        if receiver is None:
            return (), None
        if any(type(o) is FromParam and o.name in ("self", "cls") for o in receiver.origins):
            # ``self.prepare()`` inside a method: the same instance
            same = site.scope.rpartition(".")[0] == target[1].rpartition(".")[0]
            return (ctx.attrs, ctx.owner) if same else ((), None)
        fileflows = self.facts[path].flows
        if fileflows is None:
            return (), None
        out: Dict[str, Value] = {}
        for origin in receiver.origins:
            if type(origin) is not FromCall or origin.site >= len(fileflows.sites):
                continue
            made = fileflows.sites[origin.site]
            cls = self.index.cls(made.callee, path)
            if cls is None:
                continue
            init = self.index.method(cls, "__init__")
            if init is None:
                continue
            init_ctx = self.context(path, made, ctx, init)
            if not init_ctx.params:
                continue
            init_flows = self.facts[init[0]].flows
            for attr in (init_flows.attrs if init_flows is not None else ()):
                if attr.scope == init[1]:
                    value = self.value(init[0], attr.scope, attr.value, init_ctx)
                    if value:
                        out[attr.name] = join((out[attr.name], value)) if attr.name in out else value
        return tuple(sorted(out.items())), ((path, site.line, site.column) if out else None)

    @staticmethod
    def _through(value: Value, place: Place) -> Value:
        """A callee's value as the caller sees it: its columns reached the caller through this call site."""
        if not value.columns and not value.derived:
            return value

        def moved(cols):
            return frozenset(Col(c.name, c.sources, c.place, c.via, (place,) + c.trail[:MAX_DEPTH]) for c in cols)

        return Value(value.sources, moved(value.columns) if value.columns is not None else None, value.models,
                     value.preds, value.instances, frozenset((n, moved(c)) for n, c in value.derived))

    # -- contexts of a function ------------------------------------------------------------------
    def callers(self) -> Dict[Tuple[str, str], List[Tuple[str, CallSite]]]:
        """Call sites per called function (path, name), resolved with the callers' own values."""
        out: Dict[Tuple[str, str], List[Tuple[str, CallSite]]] = {}
        for path in sorted(self.facts):
            fileflows = self.facts[path].flows
            if fileflows is None:
                continue
            for site in fileflows.sites:
                target, _ = self.callee(path, site, EMPTY_CONTEXT)
                if target is not None:
                    slot = out.setdefault(target, [])
                    if len(slot) < MAX_CALLERS:
                        slot.append((path, site))
        return out

    def contexts(self, path: str, scope: str, callers, level: int = 0) -> List[Context]:
        """The contexts function ``scope`` of ``path`` is called in (its callers' arguments), up to
        :data:`MAX_DEPTH` levels of callers; the empty context when nothing calls it."""
        sites = callers.get((path, scope), ())
        if not sites or level >= MAX_DEPTH:
            return [EMPTY_CONTEXT]
        key = (path, scope, level)
        known = self.context_memo.get(key)
        if known is not None:
            return known  # every fit and write of a function shares its contexts: computed once
        limit = MAX_CALLERS if level == 0 else MAX_CONTEXTS
        out: List[Context] = []
        self.context_memo[key] = out
        for caller_path, site in sites[:limit]:
            outer = [EMPTY_CONTEXT] if site.scope == "<module>" else \
                self.contexts(caller_path, site.scope, callers, level + 1)
            for ctx in outer:
                inner = self.context(caller_path, site, ctx, (path, scope))
                if inner not in out:
                    out.append(inner)
                if len(out) >= limit:
                    return out
        return out


def evaluate(facts: Dict[str, FileFacts], resolver: Resolver, component: Callable[[str], str],
             project_of: Optional[Callable[[str], str]] = None) -> FlowResult:
    """Every fit and write of the repository, evaluated in its calling contexts (see the module); a call is
    resolved in its file's own project first (``project_of``: a file's project root)."""
    ev = FlowEvaluation(facts, resolver, project_of)
    callers = ev.callers()
    fits: Dict[str, FitResult] = {}
    uses: List[InputUse] = []
    by_fit: Dict[str, str] = {}           # "fit:path:index" -> node id
    pending: List[Tuple[FitResult, Set[str]]] = []
    # what a fit inside a project method was given in the context of one call: its data belongs to the
    # caller's model when that call is itself a fit (``stacker.fit_predict()`` of a class whose
    # ``fit_predict`` fits a booster on ``self.train``): one model per instance, not one per class
    through_calls: List[Tuple[Place, FitResult, Set[str], Set[str], Set[str]]] = []
    at_place: Dict[Tuple[str, int], str] = {}
    for path in sorted(facts):
        for fit in (facts[path].flows.fits if facts[path].flows is not None else ()):
            at_place.setdefault((path, fit.line), f"model:{path}:{fit.line}")
    for path in sorted(facts):
        fileflows: Optional[FlowFacts] = facts[path].flows
        if fileflows is None:
            continue
        for fit in fileflows.fits:
            node_id = f"model:{path}:{fit.line}"
            by_fit[f"fit:{path}:{fit.index}"] = node_id
            result = fits.get(node_id)
            if result is None:
                result = fits[node_id] = FitResult(node_id, path, fit.line, fit.scope, fit.name or "model", "")
            contexts = ev.contexts(path, fit.scope, callers) if fit.scope != "<module>" else [EMPTY_CONTEXT]
            upstream: Set[str] = set()
            for ctx in contexts:
                model = ev.value(path, fit.scope, fit.model, ctx)
                if _wraps_fit(ev, model, fit):
                    result.wrapper = True
                x = ev.value(path, fit.scope, fit.x, ctx)
                y = ev.value(path, fit.scope, fit.y, ctx)
                weight = ev.value(path, fit.scope, fit.weight, ctx)
                for model_id in sorted(model.models):
                    ev.aliases.setdefault(model_id, set()).add(f"fit:{path}:{fit.index}")
                    if not result.api and model_id in ev.estimators:
                        result.api = ev.estimators[model_id]
                if fit.method in LOOP_METHODS:
                    # a network a caller passes, trained in this function's loop: the caller's network (an
                    # instance of a project class too) predicts as this model, whatever made it
                    for cls in sorted(model.instances):
                        ev.aliases.setdefault(f"class:{cls}", set()).add(f"fit:{path}:{fit.index}")
                    result.api = result.api or LOOP_API
                if not result.api and model.instances:
                    result.api = sorted(model.instances)[0]
                call = ctx.owner or ctx.place
                given = set(x.sources).union(*(c.sources for c in (x.columns or ())))
                if call is not None and (call[0], call[1]) in at_place:
                    through_calls.append((call, result, given, set(y.sources | weight.sources),
                                          set(x.preds | y.preds | weight.preds)))
                else:
                    result.sources.update(given)
                    result.label_sources.update(y.sources | weight.sources)
                for col in sorted(x.columns or (), key=_col_order):
                    result.inputs.add(col.name)
                    # a fit in a shared helper or base class (``Trainer.train``) consumes for the component
                    # that calls it: the columns are reported in the caller's component
                    owner = ctx.place[0] if ctx.place is not None and component(ctx.place[0]) != component(path) \
                        else path
                    place = _report_place(col, owner, component)
                    uses.append(InputUse(col.name, tuple(sorted(col.sources)), place, fit.scope, col.via, node_id))
                result.targets.update(c.name for c in (y.columns or ()))
                if call is None or (call[0], call[1]) not in at_place:
                    upstream.update(x.preds | y.preds | weight.preds)
            pending.append((result, upstream))
    for place, inner, sources, label_sources, preds in through_calls:
        outer = fits.get(at_place[(place[0], place[1])])
        if outer is None or not outer.wrapper:
            outer = inner  # the call is no fit of a wrapper: the data is the inner fit's own
            pending.append((inner, preds))
        else:
            outer.delegated = True
            outer.parts.add(inner.id)
            pending.append((outer, preds))
        outer.sources.update(sources)
        outer.label_sources.update(label_sources)
    # the models whose predictions reach each fit: estimator / attribute / class ids -> the fits they are
    for result, upstream in pending:
        for ref in upstream:
            for producer in _producers(ev, ref, by_fit, fits):
                if producer != result.id:
                    result.upstream.add(producer)
    writes: List[PredictionWrite] = []
    columns_written: List[ColumnsWrite] = []
    seen: Set[Tuple[str, str]] = set()
    for path in sorted(facts):
        fileflows = facts[path].flows
        if fileflows is None:
            continue
        for write in fileflows.writes:
            contexts = ev.contexts(path, write.scope, callers) if write.scope != "<module>" else [EMPTY_CONTEXT]
            for ctx in contexts:
                value = ev.value(path, write.scope, write.value, ctx)
                if not value.preds and not value.columns and not (value.sources or value.derived):
                    continue
                artifacts: Tuple[str, ...] = ()
                place: Place = (path, write.line, write.column)
                if ctx.place is not None and params_in(write.path, write.scope, set()):
                    # the caller supplies the path: reported at its call
                    artifacts, place = resolver.writes_at(ctx.place[0], ctx.place[1]), ctx.place
                if not artifacts:
                    artifacts, place = resolver.sources(write.path, path), (path, write.line, write.column)
                if not artifacts and ctx.place is not None:
                    artifacts = resolver.writes_at(ctx.place[0], ctx.place[1])
                    place = ctx.place
                if not artifacts:
                    artifacts = resolver.writes_at(path, write.line)
                if not artifacts or all("*" in a for a in artifacts):
                    # ``self.out_dir + "/scores.csv"``: the folder the object was made with (for a method called
                    # on an instance, the construction nearest before that call in its module first)
                    made = _attribute_paths(ev, path, write.scope, write.path)
                    call = ctx.owner or ctx.place
                    if call is not None:
                        made.sort(key=lambda m: (m[1] != call[0], m[2][1] > call[1], abs(call[1] - m[2][1])))
                    for sym, caller, where in made:
                        found = resolver.sources(sym, caller)
                        if found:
                            artifacts, place = found, where
                            break
                cols = tuple(sorted(value.columns or (), key=_col_order))
                made = tuple((n, tuple(sorted(c, key=_col_order))) for n, c in sorted(value.derived, key=_derived_order))
                for artifact in artifacts:
                    if artifact not in value.sources or made:
                        columns_written.append(ColumnsWrite(artifact, cols, write.scope, place, value.columns is None,
                                                            tuple(sorted(value.sources - {artifact})), made))
                # predictions an instance's method writes are that instance's model's (the call's)
                call = ctx.owner or ctx.place
                instance = at_place.get((call[0], call[1])) if call is not None else None
                if instance is None or instance not in fits or not fits[instance].wrapper:
                    instance = None
                for ref in sorted(value.preds):
                    producers = _producers(ev, ref, by_fit, fits)
                    if instance is not None and producers:
                        producers = {instance}
                    for producer in sorted(producers):
                        for artifact in artifacts:
                            if (artifact, producer) not in seen:
                                seen.add((artifact, producer))
                                writes.append(PredictionWrite(artifact, producer, place))
    return FlowResult(fits, uses, writes, columns_written)


def _forwarded(ctx: Context, star: str) -> List[Value]:
    """The positional arguments a function's ``*args`` (named ``star``) holds in ``ctx``, in order (a gap:
    nothing is known of that one)."""
    prefix = star + "["
    found = {int(n[len(prefix):-1]): v for n, v in ctx.params if n.startswith(prefix) and n[len(prefix):-1].isdigit()}
    return [found.get(i, NOTHING) for i in range(max(found) + 1)] if found else []


def _attribute_paths(ev: FlowEvaluation, path: str, scope: str, value: Sym) -> List[Tuple[Sym, str, Place]]:
    """A method's path that uses ``self.<attr>``, with the attribute replaced by what the class assigns to
    it and the constructor's parameters by what each construction of the class passes (at most
    :data:`MAX_CONTEXTS` constructions; the core's :func:`~debtscan.project.calls.through_constructions`):
    (path, the constructing module, the construction's place)."""
    return [(sym, caller, (caller, call.line, call.column))
            for sym, caller, call in through_constructions(ev.index, path, scope, value, MAX_CONTEXTS)]


def _wraps_fit(ev: FlowEvaluation, model: Value, fit: FitSite) -> bool:
    """``Model(out).train(X, y)`` of a project class whose ``train`` fits a model inside (itself, or in
    another method of the class it calls on ``self``): a wrapper."""
    for cls in model.instances:
        target = ev.index.method(cls, fit.method)
        if target is None:
            continue
        fileflows = ev.facts[target[0]].flows
        owner = target[1].rpartition(".")[0]
        if fileflows is not None and any(f.scope == target[1] or f.scope.rpartition(".")[0] == owner
                                         for f in fileflows.fits):
            return True
    return False


def _producers(ev: FlowEvaluation, ref: str, by_fit: Dict[str, str], fits: Dict[str, FitResult]) -> Set[str]:
    """The fitted models (node ids) a model reference stands for."""
    if ref.startswith("fit:"):
        return {by_fit[ref]} if ref in by_fit else set()
    if ref.startswith("class:"):
        owners = {tuple(c.partition("::")[::2]) for c in ev.index.lineage(ref[len("class:"):])}
        return {node_id for node_id, result in fits.items()
                if (result.path, result.scope.rpartition(".")[0]) in owners and not result.wrapper} | {
            by_fit[f] for f in ev.aliases.get(ref, ()) if f in by_fit}
    return {by_fit[f] for f in ev.aliases.get(ref, ()) if f in by_fit}


def _report_place(col: Col, fit_path: str, component: Callable[[str], str]) -> Place:
    """Where a column consumed by the model fitted in ``fit_path`` (or, for a fit in another component's
    helper, by the module calling it) is reported: where it is selected when that is in the consuming
    component, else at the innermost call site in that component that leads to it, else at the outermost
    call."""
    owner = component(fit_path)
    if component(col.place[0]) == owner:
        return col.place
    for place in reversed(col.trail):
        if component(place[0]) == owner:
            return place
    return col.trail[0] if col.trail else col.place


class FrameColumns:
    """The column names of the frame a call passes to a project function's parameter, from the function
    summaries, before any path is resolved (a column's name does not depend on where its data was read):
    what a helper that writes one file per column (``f"{path}_{c}.f" for c in df.columns``) writes for that
    call (:mod:`debtscan.project.pipeline.helpers` asks, the hand-off graph gets the files).

    Only frames whose every column is known by name count: a frame made of no file read (predictions, a
    named series, literals: ``y_pred.name = "f190_adv"``), or a selection written in the call's argument
    itself (``to_feature(frame[["a", "b"]].add_prefix("f1_"), path)``). A frame read from a file, or
    selected on an earlier line, may hold other columns or be renamed since (``frame.columns = [...]``):
    its files stay a pattern. The frame is evaluated as the call's own scope sees it, without its callers'
    arguments."""

    READ = "<read>"

    def __init__(self, facts: Dict[str, FileFacts], names: Callable[[str, str], Tuple[str, ...]]) -> None:
        self.facts = facts
        self.names = names
        self._ev: Optional[FlowEvaluation] = None
        self._sites: Dict[str, Dict[Tuple[int, int], CallSite]] = {}

    def __call__(self, caller: str, line: int, column: int, target: Tuple[str, str], param: str) -> Tuple[str, ...]:
        """The names (sorted; empty when not all are known) the frame passed as ``param`` of ``target`` by
        the call at (``caller``, ``line``, ``column``) holds: columns selected, computed, named or prefixed."""
        sites = self._sites.get(caller)
        if sites is None:
            fileflows = self.facts[caller].flows
            sites = self._sites[caller] = {(s.line, s.column): s for s in (fileflows.sites if fileflows else ())}
        site = sites.get((line, column))
        if site is None:
            return ()
        if self._ev is None:
            read: Callable[..., Tuple[str, ...]] = lambda *_: (self.READ,)
            self._ev = FlowEvaluation(self.facts, Resolver(read, read, lambda *_: (), self.names))
        given = self._ev.context(caller, site, EMPTY_CONTEXT, target).param(param)
        if given.sources and not _selected_in(self._argument(site, target, param), site.line):
            return ()
        return tuple(sorted({c.name for c in given.columns or () if c.name} | {n for n, _ in given.derived if n}))

    def _argument(self, site: CallSite, target: Tuple[str, str], param: str) -> Flow:
        """What the call passes as ``param`` (by keyword or position)."""
        for name, flow in zip(site.kwnames, site.kwargs):
            if name == param:
                return flow
        assert self._ev is not None
        params = self._ev.index.params.get(target, ())
        if params and params[0] in ("self", "cls") and "." in target[1]:
            params = params[1:]
        position = params.index(param) if param in params else -1
        return site.args[position] if 0 <= position < len(site.args) else Flow()


def _selected_in(flow: Flow, line: int) -> bool:
    """Whether a value is a selection of named columns written at ``line`` (renamed there at most): its
    columns, or the columns its renamed ones come from, are all selected on that line."""
    if flow.origins and any(type(o) is not FromRead and type(o) is not FromCall for o in flow.origins):
        return False
    columns = list(flow.columns) + [c for d in flow.derived for c in d.inputs]
    if not columns or any(d.origins or not d.inputs for d in flow.derived):
        return False
    return all(c.line == line and (c.name or c.via) for c in columns)


__all__ = ["Col", "Value", "Context", "Resolver", "InputUse", "FitResult", "PredictionWrite", "ColumnsWrite",
           "FlowResult",
           "FlowEvaluation", "FrameColumns", "evaluate", "MAX_DEPTH", "MAX_CONTEXTS"]
