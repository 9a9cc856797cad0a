"""Signal and model facts: which columns / feature keys each piece of code consumes, and where models are
fitted, what they are fed and where their predictions go.

Everything happens in the single extraction pass: the collector is handed the nodes it asked for (names,
subscripts, attributes, arguments, statements) and inspects only the node it is given, so its work per node
is O(1). Values are followed through local names with a small per-scope table (:class:`Info`): a name bound
to a frame read from a file remembers the file, an array made from ``df[FEATURES]`` remembers the signals
and the feature list, a variable holding ``model.predict(...)`` remembers the model.
"""
from __future__ import annotations

import re
from dataclasses import field
from typing import Any, Dict, FrozenSet, List, Optional, Set, Tuple

import libcst as cst

from debtscan.facts.collector import MODULE_SCOPE, CollectedFacts, Collector
from debtscan.facts.io import IOCollector, argument
from debtscan.facts.model import (
    IOFact, IOMode, ModelFact, ModelKind, ModelRef, OutputKind, PredictionOutput, SignalFact, SignalKind,
)
from debtscan.facts.warehouse import is_spark_read
from debtscan.knowledge.tables import ModelTables
from debtscan.facts.values import Choice, Concat, Lit, Param, PathJoin, ReadsAt, Ref, Seq, Sym, Unknown
from debtscan.knowledge.names import CalleeKind, callee_of
from debtscan.records import record

_MAX_ITEMS = 64


def _target_key(node: cst.BaseExpression) -> Optional[str]:
    """A name or ``self.attr`` as a tracking key."""
    if type(node) is cst.Name:
        return node.value
    if type(node) is cst.Attribute and type(node.value) is cst.Name and node.value.value == "self":
        return f"self.{node.attr.value}"
    return None


def _short(qualname: str) -> str:
    return qualname.rpartition(".")[2]


_ESTIMATORS: Dict[int, Tuple[ModelTables, Dict[str, bool]]] = {}  # id(tables) -> (tables, qualname -> answer)


def _is_estimator(models: ModelTables, qualname: str) -> bool:
    """Whether a call makes an estimator or network (not a transformer, splitter or config object); decided
    once per name and tables (the entry holds the tables, so their id is not reused while it stays)."""
    entry = _ESTIMATORS.get(id(models))
    if entry is None or entry[0] is not models:
        if len(_ESTIMATORS) >= 8:
            _ESTIMATORS.clear()
        entry = _ESTIMATORS[id(models)] = (models, {})
    answers = entry[1]
    found = answers.get(qualname)
    if found is None:
        if len(answers) >= 65536:
            answers.clear()
        found = answers[qualname] = _decide_estimator(models, qualname)
    return found


def _decide_estimator(models: ModelTables, qualname: str) -> bool:
    if qualname in models.pipeline_calls:
        return True
    called = callee_of(qualname)
    qualname = called.name if called.kind is CalleeKind.UNRESOLVED else (
        "." + called.name if called.unknown_receiver else qualname)
    name = _short(qualname)
    if name in models.loaders:
        qualname = qualname.rpartition(".")[0]
        name = _short(qualname)
    if not name[:1].isupper() or models.transformer_words.search(name) or qualname.startswith(models.non_model_prefixes):
        return False
    if qualname.startswith(models.libraries):
        return True
    return bool(models.model_words.search(name))


def _union(*parts: Tuple) -> Tuple:
    """The items of the parts in order, without repeats, at most ``_MAX_ITEMS``."""
    if len(parts) == 1 or not any(parts[1:]):
        first = parts[0]
        return first if len(first) < 2 else tuple(dict.fromkeys(first))[:_MAX_ITEMS]
    if not parts[0] and len(parts) == 2:
        second = parts[1]
        return second if len(second) < 2 else tuple(dict.fromkeys(second))[:_MAX_ITEMS]
    merged: Dict[Any, None] = {}
    for part in parts:
        for item in part:
            merged[item] = None
    return tuple(merged)[:_MAX_ITEMS]


@record
class Info:
    """What a local name holds, as far as signals go."""

    kind: str = "value"              # frame | record | records | model | loaded | value
    sources: Tuple[Sym, ...] = ()     # artifacts the data came from
    signals: Tuple[str, ...] = ()     # columns that flow into it
    vias: Tuple[str, ...] = ()        # feature-list constants they came through
    targets: Tuple[str, ...] = ()     # label columns mixed in (``label=y``)
    preds: Tuple[str, ...] = ()       # model keys whose predictions it holds
    pred_cols: Tuple[Tuple[str, str], ...] = ()   # (column, model key) for frames with prediction columns
    derived: Tuple[str, ...] = ()     # columns computed in this file (not read from the sources)
    model: str = ""                   # model key, for models
    api: str = ""
    artifact: Optional[Sym] = None    # for loaded objects / models: where from

    def merged(self, other: "Info") -> "Info":
        return Info(
            kind=self.kind if self.kind != "value" else other.kind,
            sources=_union(self.sources, other.sources), signals=_union(self.signals, other.signals),
            vias=_union(self.vias, other.vias), targets=_union(self.targets, other.targets),
            preds=_union(self.preds, other.preds), pred_cols=_union(self.pred_cols, other.pred_cols),
            derived=_union(self.derived, other.derived),
        )


@record
class Stmt:
    """The statement being generated: names of tracked values referenced, signals consumed, calls seen."""

    node: cst.CSTNode
    refs: List[Tuple[str, Info, Optional[Tuple[int, str]]]] = field(default_factory=list)
    consumed: List[Tuple[str, str, Tuple[Sym, ...], Optional[Tuple[int, str]]]] = field(default_factory=list)
    preds: List[Tuple[str, Optional[Tuple[int, str]]]] = field(default_factory=list)
    fits: List[Tuple[int, str, str, str]] = field(default_factory=list)       # (id, model key, name, api)
    predicts: List[Tuple[int, str]] = field(default_factory=list)             # (id, model key)
    pending_polars: List[SignalFact] = field(default_factory=list)
    keys: Set[str] = field(default_factory=set)                              # merge / groupby keys
    in_target: int = 0
    target_frames: List[Tuple[str, str]] = field(default_factory=list)       # (frame key, column) assigned
    io_start: int = 0
    model_target: Optional[Tuple[str, str]] = None                            # (name, api) of a made model


@record
class _Model:
    """A model the signal pass has seen made in this file: its name, API, line, scope, kind and inputs."""

    name: str
    api: str
    line: int
    scope: str
    kind: ModelKind = ModelKind.FIT
    inputs: Tuple[str, ...] = ()
    input_sources: Tuple[Sym, ...] = ()
    feature_lists: Tuple[str, ...] = ()
    targets: Tuple[str, ...] = ()
    target_lists: Tuple[str, ...] = ()
    outputs: Tuple[PredictionOutput, ...] = ()
    output_artifacts: Tuple[Sym, ...] = ()
    input_models: Tuple[str, ...] = ()
    artifact: Optional[Sym] = None


class SignalCollector(Collector):
    """Collects :class:`SignalFact` and :class:`ModelFact` in the single pass (reading the I/O facts of
    each statement as the I/O collector records them)."""

    after = (IOCollector,)

    enter = {
        cst.Name: "on_name", cst.Attribute: "on_attribute", cst.Subscript: "on_subscript", cst.Arg: "on_arg",
        cst.AssignTarget: "on_target",
        **{t: "on_stmt" for t in (cst.Expr, cst.Assign, cst.AnnAssign, cst.AugAssign, cst.Return, cst.Raise,
                                  cst.Assert, cst.Del, cst.If, cst.While, cst.With, cst.Try, cst.FunctionDef,
                                  cst.ClassDef, cst.Match, cst.For)},
    }
    leave = {
        cst.Arg: "off_arg", cst.AssignTarget: "off_target",
        **{t: "off_stmt" for t in (cst.Expr, cst.Assign, cst.AnnAssign, cst.AugAssign, cst.Return, cst.Raise,
                                   cst.Assert, cst.Del, cst.If, cst.While, cst.With, cst.Try, cst.FunctionDef,
                                   cst.ClassDef, cst.Match, cst.For)},
    }

    def __init__(self, ex) -> None:
        super().__init__(ex)
        self.frames_k = ex.knowledge.tables.frames  # signals.toml [frames]
        self.models_k = ex.knowledge.tables.models  # signals.toml [models]
        self.tables: Dict[str, Dict[str, Info]] = {MODULE_SCOPE: {}}
        self.stmts: List[Stmt] = []
        self.skip: Set[int] = set()
        self.methods: Set[int] = set()
        self.watch: Dict[int, Tuple[int, str]] = {}
        self.roles: List[Tuple[int, str]] = []
        self.signals: List[SignalFact] = []
        self.models: Dict[str, _Model] = {}
        self.returns: Dict[str, Info] = {}
        self._filtering = 0  # comprehensions of feature lists being followed (_filtered_names)
        self.forwards: Dict[str, str] = {}   # scope -> the network it called last (``net(x)``)
        self.lambda_records: Dict[str, Info] = {}
        self.tracked: Set[str] = set()   # every key ever bound to an Info: a cheap filter for names
        self._io: Optional[List[IOFact]] = None

    # -- tables ----------------------------------------------------------------------------------
    @property
    def io_list(self) -> List[IOFact]:
        """The file's I/O facts so far (the I/O collector's list, in source order)."""
        if self._io is None:
            self._io = self.peer(IOCollector).io
        return self._io

    def get(self, key: str) -> Optional[Info]:
        if key not in self.tracked:
            return None
        scope = self.ex.scope_name
        table = self.tables.get(scope)
        if table is not None and key in table:
            return table[key]
        if key in self.lambda_records:
            return self.lambda_records[key]
        if scope != MODULE_SCOPE and key.startswith("self."):
            # attributes set in another method of the same class
            cls = scope.rpartition(".")[0]
            for name, tab in self.tables.items():
                if name.rpartition(".")[0] == cls and key in tab:
                    return tab[key]
        local = self.ex.scope.bindings
        if key in local and scope != MODULE_SCOPE:
            return None
        return self.tables[MODULE_SCOPE].get(key)

    def put(self, key: str, info: Optional[Info]) -> None:
        table = self.tables.setdefault(self.ex.scope_name, {})
        if info is None:
            table.pop(key, None)
        else:
            table[key] = info
            self.tracked.add(key)

    def is_frame_expr(self, node: cst.BaseExpression, depth: int = 0) -> Optional[Info]:
        """The Info of the frame (or record) an expression is, following method chains to their root."""
        key = _target_key(node)
        if key is not None:
            info = self.get(key)
            if info is not None and info.kind in ("frame", "record"):
                return info
            if type(node) is cst.Name and self.ex.type_of(node) in self.frames_k.types:
                return Info(kind="frame")
            return None
        if depth > 6:
            return None
        if type(node) is cst.Attribute:
            if node.attr.value in ("loc", "iloc", "T", "lazy"):
                return self.is_frame_expr(node.value, depth + 1)
            return None
        if type(node) is cst.Subscript:
            return self.is_frame_expr(node.value, depth + 1)
        if type(node) is cst.Call and type(node.func) is cst.Attribute:
            if node.func.attr.value in ("to_numpy", "tolist", "to_list", "numpy", "item", "values", "sum", "mean",
                                        "max", "min", "count", "nunique", "std", "median"):
                return None
            return self.is_frame_expr(node.func.value, depth + 1)
        if type(node) is cst.Call and self.ex.type_of(node) in self.frames_k.types:
            return Info(kind="frame")
        return None

    # -- statements ------------------------------------------------------------------------------
    def on_stmt(self, node: cst.CSTNode) -> None:
        self.stmts.append(Stmt(node, io_start=len(self.io_list)))
        kind = type(node)
        if kind is cst.For:
            self.on_for(node)
        elif kind is cst.FunctionDef:
            # ``def prepare(df: pd.DataFrame)``: an annotated frame parameter
            params = node.params
            for param in (*params.posonly_params, *params.params, *params.kwonly_params):
                annotation = param.annotation
                if annotation is not None and self.ex.qualname(annotation.annotation) in self.frames_k.types:
                    self.put(param.name.value, Info(kind="frame"))

    def off_stmt(self, node: cst.CSTNode) -> None:
        if not self.stmts:
            return
        stmt = self.stmts.pop()
        if type(node) in (cst.FunctionDef, cst.ClassDef, cst.If, cst.While, cst.With, cst.Try, cst.Match, cst.For):
            return
        self._finish_statement(stmt)

    def _line(self) -> int:
        return self.ex.stmt_line

    # -- names and references --------------------------------------------------------------------
    def on_name(self, node: cst.Name) -> None:
        if node.value in self.tracked and id(node) not in self.skip:
            self._ref(node.value)

    def _ref(self, key: str) -> None:
        if not self.stmts:
            return
        stmt = self.stmts[-1]
        if stmt.in_target:
            return
        info = self.get(key)
        if info is not None:
            stmt.refs.append((key, info, self.roles[-1] if self.roles else None))

    def on_arg(self, node: cst.Arg) -> None:
        if node.keyword is not None:
            self.skip.add(id(node.keyword))
        role = self.watch.get(id(node))
        if role is not None:
            self.roles.append(role)

    def off_arg(self, node: cst.Arg) -> None:
        if id(node) in self.watch and self.roles:
            self.roles.pop()

    def on_target(self, node: cst.AssignTarget) -> None:
        if self.stmts:
            self.stmts[-1].in_target += 1
            target = node.target
            if type(target) is cst.Subscript:
                frame_key = _target_key(target.value)
                column = self._single_string(target)
                if frame_key and column is not None and self.is_frame_expr(target.value) is not None:
                    self.stmts[-1].target_frames.append((frame_key, column))

    def off_target(self, node: cst.AssignTarget) -> None:
        if self.stmts and self.stmts[-1].in_target:
            self.stmts[-1].in_target -= 1

    # -- signals ---------------------------------------------------------------------------------
    def _consume(self, names: Tuple[str, ...], via: str, refs: Tuple[str, ...], frame: str, kind: SignalKind,
                 info: Optional[Info], key: bool = False) -> None:
        """Record signals consumed here: literal names (through the constant ``via``) and constants of other
        modules (``refs``), resolved when the graph is built."""
        if not self.stmts or self.stmts[-1].in_target:
            return
        ex = self.ex
        stmt = self.stmts[-1]
        role = self.roles[-1] if self.roles else None
        sources = info.sources if info is not None else ()
        source = _source_sym(sources)
        made_here = set(info.derived) | {c for c, _ in info.pred_cols} if info is not None else set()
        line, col = ex.line, ex.col
        if key:
            stmt.keys.update(names)
        for name in names:
            # a column computed earlier in this file does not come from the frame's source file
            own = name in made_here
            self.signals.append(SignalFact(name, kind, line, col, ex.scope_name, frame, None if own else source, via))
            stmt.consumed.append((name, via, () if own else sources, role))
        for ref in refs:
            self.signals.append(SignalFact("", kind, line, col, ex.scope_name, frame, source, ref))
            stmt.consumed.append(("", ref, sources, role))

    def _names_of(self, node: cst.BaseExpression) -> Tuple[Tuple[str, ...], str, Tuple[str, ...]]:
        """Column names in an expression: (literal names, the module constant they came through, constants
        imported from elsewhere that are resolved when the graph is built)."""
        ex = self.ex
        if type(node) is cst.SimpleString:
            value = ex.sym(node)
            return ((value.value,) if isinstance(value, Lit) and isinstance(value.value, str) else ()), "", ()
        if type(node) in (cst.List, cst.Tuple):
            names: List[str] = []
            refs: List[str] = []
            for element in node.elements[:_MAX_ITEMS]:
                if type(element.value) in (cst.SimpleString, cst.Name, cst.Attribute):
                    n, v, r = self._names_of(element.value)
                    names.extend(n)
                    refs.extend(r + ((v,) if v else ()))
            return tuple(names), "", tuple(refs)
        if type(node) is cst.Name:
            bound = ex.lookup(node.value)
            if bound is None:
                return (), "", ()
            if isinstance(bound, Unknown):
                # ``cols = [c for c in FEATURES if c in df.columns]``: the list it filters
                made = ex.scopes[-1].nodes.get(node.value) if node.value in ex.scopes[-1].bindings else \
                    ex.scopes[0].nodes.get(node.value)
                return self._filtered_names(made) if made is not None else ((), "", ())
            if isinstance(bound, Ref):
                return (), "", (bound.name,)
            names_, refs_ = _flatten(bound)
            if names_ is None:
                return (), "", ()
            module_level = ex.scope.kind == "module" or node.value not in ex.scope.bindings
            via = f"{ex.module}.{node.value}" if module_level and isinstance(bound, (Seq, Concat)) else ""
            return names_, via, tuple(r.name for r in refs_)
        if type(node) is cst.ListComp or type(node) is cst.GeneratorExp:
            return self._filtered_names(node)
        if type(node) in (cst.Attribute, cst.BinaryOperation):
            value = ex.sym(node)
            if isinstance(value, Ref):
                return (), "", (value.name,)
            names_, refs_ = _flatten(value)
            if names_ is None:
                return (), "", ()
            return names_, "", tuple(r.name for r in refs_)
        return (), "", ()

    def _filtered_names(self, node: cst.BaseExpression) -> Tuple[Tuple[str, ...], str, Tuple[str, ...]]:
        """A list comprehension that filters a list of names (``[c for c in FEATURES if c in df.columns]``): the
        names of that list and the constant it came through; those a ``c not in [...]`` clause drops are left
        out. Anything else a comprehension makes is not a list of names here."""
        if not (type(node) is cst.ListComp or type(node) is cst.GeneratorExp):
            return (), "", ()
        loop = node.for_in
        if loop.inner_for_in is not None or type(loop.target) is not cst.Name or type(node.elt) is not cst.Name \
                or node.elt.value != loop.target.value or type(loop.iter) not in (cst.Name, cst.Attribute):
            return (), "", ()
        if self._filtering > 2:
            return (), "", ()  # ``cols = [c for c in cols if ...]``: a name filtered from itself, or deeper
        self._filtering += 1
        try:
            names, via, refs = self._names_of(loop.iter)
        finally:
            self._filtering -= 1
        dropped: Set[str] = set()
        for clause in loop.ifs:
            test = clause.test
            if type(test) is cst.Comparison and len(test.comparisons) == 1 and type(test.left) is cst.Name \
                    and test.left.value == loop.target.value and type(test.comparisons[0].operator) is cst.NotIn:
                dropped.update(self._names_of(test.comparisons[0].comparator)[0])
        if dropped & set(names):
            # the list less some names: those it keeps (not the whole constant, whose names the graph would add)
            return tuple(n for n in names if n not in dropped), "", refs
        return names, via, refs

    def _single_string(self, node: cst.Subscript) -> Optional[str]:
        if len(node.slice) != 1 or not type(node.slice[0].slice) is cst.Index:
            return None
        value = node.slice[0].slice.value
        if type(value) is cst.SimpleString:
            sym = self.ex.sym(value)
            if isinstance(sym, Lit) and isinstance(sym.value, str):
                return sym.value
        return None

    def on_subscript(self, node: cst.Subscript) -> None:
        if not self.stmts or self.stmts[-1].in_target:
            return
        base = node.value
        elements = node.slice
        frame_key = ""
        if type(base) is cst.Attribute and base.attr.value in ("loc", "iloc"):
            if base.attr.value == "iloc" or len(elements) != 2:
                return
            element = elements[1]
            base = base.value
        elif len(elements) == 1:
            element = elements[0]
        else:
            return
        if not type(element.slice) is cst.Index:
            return
        index = element.slice.value
        info = self.is_frame_expr(base)
        frame_key = _target_key(base) or ""
        if info is None:
            # ``x[["a", "b"]]`` and ``x[FEATURES]`` (a feature-list constant) select columns whatever ``x`` is:
            # a dict cannot be indexed by a list
            if type(index) is cst.List:
                names, via, refs = self._names_of(index)
                if names and len(names) == len(index.elements):
                    self._consume(names, via, refs, frame_key, SignalKind.COLUMN, self.get(frame_key) if frame_key else None)
                return
            if not type(index) in (cst.Name, cst.Attribute, cst.BinaryOperation, cst.ListComp):
                return
            names, via, refs = self._names_of(index)
            if not (via or refs or (names and self._is_list(index))) or not self._known_list(index):
                return
            known = self.get(frame_key) if frame_key else None
            self._consume(names, via, refs, frame_key, SignalKind.COLUMN, known)
            return
        kind = SignalKind.KEY if info.kind == "record" else SignalKind.COLUMN
        names, via, refs = self._names_of(index)
        if names or refs:
            self._consume(names, via, refs, frame_key, kind, info)

    def _is_list(self, index: cst.BaseExpression) -> bool:
        """Whether an index expression is a list of names (``cols``, ``cat + num``), not a single string."""
        value = self.ex.sym(index)
        return isinstance(value, Seq) or (isinstance(value, Concat) and any(isinstance(p, Seq) for p in value.parts))

    def _known_list(self, index: cst.BaseExpression) -> bool:
        if type(index) is cst.Name:
            return self.ex.lookup(index.value) is not None
        return True

    def on_attribute(self, node: cst.Attribute) -> None:
        self.skip.add(id(node.attr))
        if type(node.value) is cst.Name and node.value.value == "self":
            self.skip.add(id(node.value))
            self._ref(f"self.{node.attr.value}")
            return
        if id(node) in self.methods or not self.stmts or self.stmts[-1].in_target:
            return
        attr = node.attr.value
        if attr in self.frames_k.attributes or attr.startswith("_"):
            return
        key = _target_key(node.value)
        if key is None:
            # ``pred.groupby("loan_id").rate_pred``: a column of a frame's method chain
            chain = node.value
            if type(chain) is not cst.Call or type(chain.func) is not cst.Attribute:
                return
            info = self.is_frame_expr(chain)
            if info is None or info.kind != "frame":
                return
            while type(chain) is cst.Call and type(chain.func) is cst.Attribute:
                chain = chain.func.value
            self._consume((attr,), "", (), _target_key(chain) or "", SignalKind.COLUMN, info)
            return
        info = self.get(key)
        if info is None or info.kind not in ("frame", "record"):
            return
        self._consume((attr,), "", (), key, SignalKind.KEY if info.kind == "record" else SignalKind.COLUMN, info)

    # -- calls -----------------------------------------------------------------------------------
    def on_call(self, node: cst.Call, qualname: str) -> None:
        func = node.func
        if type(func) is cst.Attribute:
            self.methods.add(id(func))
        if not self.stmts:
            return
        stmt = self.stmts[-1]
        method = qualname.rpartition(".")[2]
        receiver = func.value if type(func) is cst.Attribute else None
        receiver_key = _target_key(receiver) if receiver is not None else None
        receiver_info = self.get(receiver_key) if receiver_key else None
        # a frame passed to a function of this module: its columns used there come from the frame's source
        if type(func) is cst.Name and qualname == f"{self.ex.module}.{func.value}" and node.args:
            self._bind_arguments(node, func.value)
        # columns read with the file (``usecols=``, ``columns=``)
        if self.io_list and qualname.startswith(("pandas.read_", "polars.read_", "polars.scan_", "pyarrow.")):
            for arg in node.args:
                if arg.keyword is not None and arg.keyword.value in self.frames_k.read_column_keywords:
                    names, via, refs = self._names_of(arg.value)
                    fact = self.io_list[-1]
                    self._consume(names, via, refs, "", SignalKind.COLUMN, Info(sources=(fact.path,)))
        if qualname == "polars.col" or qualname == "pyspark.sql.functions.col":
            for arg in node.args:
                if arg.keyword is None:
                    names, _, _ = self._names_of(arg.value)
                    for name in names:
                        stmt.pending_polars.append(SignalFact(name, SignalKind.COLUMN, self.ex.line, self.ex.col,
                                                              self.ex.scope_name))
            return
        # column-taking methods on frames
        if receiver is not None and method in self.frames_k.column_methods and not stmt.in_target:
            frame = self.is_frame_expr(receiver)
            if frame is not None or (method in ("merge", "groupby") and receiver_info is None
                                     and qualname.startswith("pandas.")):
                self._column_args(node, method, frame, receiver_key or "")
        if method == "get" and receiver_info is not None and receiver_info.kind == "record" and node.args:
            names, via, refs = self._names_of(node.args[0].value)
            self._consume(names, via, refs, receiver_key or "", SignalKind.KEY, receiver_info)
        if method == "apply" and receiver is not None and node.args:
            frame = self.is_frame_expr(receiver)
            first = node.args[0].value
            if frame is not None and type(first) is cst.Lambda and first.params.params:
                self.lambda_records[first.params.params[0].name.value] = Info(kind="record", sources=frame.sources)
                self.tracked.add(first.params.params[0].name.value)
        # models: fit / train
        if qualname in self.models_k.train_functions:
            index, keyword = self.models_k.train_functions[qualname]
            self._watch(node, index, (keyword,), "x", len(stmt.fits))
            stmt.fits.append((len(stmt.fits), "", "", qualname))
        elif method in self.models_k.fit_methods and receiver is not None:
            self._on_fit(node, qualname, method, receiver, receiver_key, receiver_info)
        elif qualname in self.models_k.oof_functions and node.args:
            model_key = _target_key(node.args[0].value)
            info = self.get(model_key) if model_key else None
            if info is not None and info.kind == "model":
                fit_id = len(stmt.fits)
                stmt.fits.append((fit_id, info.model, model_key, info.api))
                self._watch(node, 1, ("X",), "x", fit_id)
                self._watch(node, 2, ("y",), "y", fit_id)
                stmt.preds.append((info.model, None))
                stmt.predicts.append((fit_id, info.model))
        elif qualname.startswith(self.models_k.trainer_calls):
            self._watch(node, None, ("train_dataset",), "x", -1)
            stmt.model_target = (_short(qualname), qualname)
        elif qualname.startswith(("lightning.", "pytorch_lightning.")) and _short(qualname) == "Trainer":
            stmt.model_target = ("Trainer", qualname)
        # models: predictions
        if method in self.models_k.predict_methods or method in self.models_k.predict_only_methods:
            self._on_predict(node, method, receiver, receiver_key, receiver_info)
        elif method == "transform" and receiver_info is not None and receiver_info.kind == "model" and \
                receiver_info.api.startswith(("pyspark.ml", "pyspark.mllib")) and not \
                self.models_k.transformer_words.search(_short(receiver_info.api)):
            # MLlib: a fitted model's transform() adds its prediction column
            self._on_predict(node, "predict", receiver, receiver_key, receiver_info)
        elif type(func) in (cst.Name, cst.Attribute) and receiver is None:
            key = _target_key(func)
            info = self.get(key) if key else None
            if info is not None and info.kind == "model" and self.models_k.is_network(info.api):
                self._on_predict(node, "forward", func, key, info)
        # a made estimator
        if _is_estimator(self.models_k, qualname) and self.ex.stmt_stack and type(self.ex.stmt_stack[-1].node) is cst.Assign:
            if stmt.model_target is None:
                stmt.model_target = (_short(qualname), qualname)
        network = self.models_k.network_methods.get(method) if receiver_key else None
        if network is not None:
            # ``torch.optim.Adam(net.parameters())``: ``net`` is a network being optimised
            if receiver_info is None or receiver_info.kind != "model":
                self.put(receiver_key, Info(kind="model", model=f"{self.ex.scope_name}:{receiver_key}",
                                            api=network))
            elif not self.models_k.is_network(receiver_info.api):
                receiver_info.api = network
        if method in self.models_k.loop_steps and node.args == ():
            self._on_backward()

    def _bind_arguments(self, node: cst.Call, function: str) -> None:
        params: Tuple[str, ...] = ()
        for fn in reversed(self.ex.functions):
            if fn.name == function:
                params = fn.params
                break
        if not params:
            return
        positional = [a for a in node.args if a.keyword is None and not a.star]
        for index, arg in enumerate(node.args):
            key = _target_key(arg.value)
            info = self.get(key) if key else None
            if info is None or not info.sources or info.kind not in ("frame", "record", "records"):
                continue
            if arg.keyword is not None:
                param = arg.keyword.value
            elif arg in positional and positional.index(arg) < len(params):
                param = params[positional.index(arg)]
            else:
                continue
            self.signals.append(SignalFact("", SignalKind.BIND, self.ex.line, self.ex.col, self.ex.scope_name, param,
                                           _source_sym(info.sources), function))

    def _column_args(self, node: cst.Call, method: str, frame: Optional[Info], frame_key: str) -> None:
        index, keywords = self.frames_k.column_methods[method]
        positional = [a for a in node.args if a.keyword is None and not a.star]
        chosen: List[cst.BaseExpression] = []
        if index == "*":
            chosen.extend(a.value for a in positional)
        elif index is not None and index < len(positional):
            chosen.append(positional[index].value)
        for arg in node.args:
            if arg.keyword is not None and arg.keyword.value in keywords:
                chosen.append(arg.value)
        key = method not in self.frames_k.select_methods
        for value in chosen:
            names, via, refs = self._names_of(value)
            if names or refs:
                self._consume(names, via, refs, frame_key, SignalKind.COLUMN, frame, key)

    def _watch(self, node: cst.Call, index: Optional[int], keywords: Tuple[str, ...], role: str, fit_id: int) -> None:
        positional = [a for a in node.args if a.keyword is None and not a.star]
        if index is not None and index < len(positional):
            self.watch[id(positional[index])] = (fit_id, role)
        for arg in node.args:
            if arg.keyword is not None and arg.keyword.value in keywords:
                self.watch[id(arg)] = (fit_id, role)

    def _on_fit(self, node, qualname, method, receiver, receiver_key, receiver_info) -> None:
        stmt = self.stmts[-1]
        positional = [a for a in node.args if a.keyword is None and not a.star]
        name = receiver_key or ""
        api = ""
        if receiver_info is not None:
            if receiver_info.kind == "model":
                api = receiver_info.api
            elif receiver_info.kind != "loaded":
                return
        elif type(receiver) is cst.Call:
            made = self.ex.qualname_of_call(receiver)
            if not _is_estimator(self.models_k, made):
                return
            api, name = made, _assign_target(stmt.node) or _short(made)
        else:
            # an estimator of unknown type: only a supervised-looking call (X and y) counts
            if method != "fit" or (len(positional) < 2 and not any(
                    a.keyword is not None and a.keyword.value in ("y", "labels") for a in node.args)):
                return
            if receiver_key is None or self.ex.type_of(receiver) is not None:
                return
        if method == "train" and not positional and receiver_info is not None and receiver_info.api.startswith(
                self.models_k.trainer_calls):
            fit_id = len(stmt.fits)
            stmt.fits.append((fit_id, receiver_info.model, receiver_key, receiver_info.api))
            data = Info(sources=receiver_info.sources, signals=receiver_info.signals, vias=receiver_info.vias)
            stmt.refs.append((receiver_key, data, (fit_id, "x")))
            return
        if api.startswith(("lightning.", "pytorch_lightning.")):
            # ``trainer.fit(model, datamodule)``: the model is the first argument
            model_node = positional[0].value if positional else None
            key = _target_key(model_node) if model_node is not None else None
            if key is None:
                return
            info = self.get(key)
            fit_id = len(stmt.fits)
            stmt.fits.append((fit_id, info.model if info and info.model else f"{self.ex.scope_name}:{key}", key,
                              info.api if info else "lightning"))
            self._watch(node, 1, ("train_dataloaders", "datamodule"), "x", fit_id)
            return
        if method == "train" and positional:
            return
        if method in self.models_k.mode_methods and not node.args and self.models_k.is_network(api):
            return  # ``net.train()``: a network switched to training mode (its loop trains it)
        model_key = receiver_info.model if receiver_info is not None and receiver_info.model else \
            f"{self.ex.scope_name}:{name}"
        fit_id = len(stmt.fits)
        stmt.fits.append((fit_id, model_key, name, api or "?"))
        self._watch(node, 0, ("X", "x", "train_data", "dataset"), "x", fit_id)
        self._watch(node, 1, ("y", "labels"), "y", fit_id)
        if method == "fit_predict":
            stmt.preds.append((model_key, None))

    def _on_predict(self, node, method, receiver, receiver_key, receiver_info) -> None:
        stmt = self.stmts[-1]
        if receiver_info is not None and receiver_info.kind in ("model", "loaded"):
            model_key = receiver_info.model or f"{self.ex.scope_name}:{receiver_key}"
            api = receiver_info.api
            artifact = receiver_info.artifact
        elif method in self.models_k.predict_only_methods or receiver is None:
            return
        elif receiver_info is not None or self.is_frame_expr(receiver) is not None:
            return
        elif type(receiver) is cst.Call and _is_estimator(self.models_k, self.ex.qualname_of_call(receiver)):
            return
        else:
            if receiver_key is None or self.ex.type_of(receiver) is not None:
                return
            model_key = f"{self.ex.scope_name}:{receiver_key}"
            api, artifact = "?", None
        fit_id = 1000 + len(stmt.predicts)
        if method == "forward":
            self.forwards[self.ex.scope_name] = model_key
        stmt.predicts.append((fit_id, model_key))
        stmt.preds.append((model_key, None))
        if model_key not in self.models:
            name = model_key.rpartition(":")[2]
            self.models[model_key] = _Model(name, api or "?", self._line(), self.ex.scope_name, kind=ModelKind.PREDICT,
                                            artifact=artifact)
        self._watch(node, 0, ("X", "x", "data"), "x", fit_id)

    def _on_backward(self) -> None:
        scope = self.ex.scope_name
        candidates = [info for table in (self.tables.get(scope, {}), self.tables[MODULE_SCOPE])
                      for info in table.values() if info.kind == "model" and self.models_k.is_network(info.api)]
        if not candidates:
            return
        # the network whose forward pass this scope made last (the loss is computed from its outputs)
        forward = self.forwards.get(scope)
        info = next((c for c in reversed(candidates) if c.model == forward), candidates[-1])
        if info.model not in self.models or self.models[info.model].kind is not ModelKind.FIT:
            name = info.model.rpartition(":")[2]
            previous = self.models.get(info.model)
            model = _Model(name, f"{info.api.partition('.')[0]}.training-loop", self._line(), scope)
            if previous is not None:
                # the forward passes before the first step are the network's training inputs
                model.outputs, model.output_artifacts = previous.outputs, previous.output_artifacts
                model.inputs, model.input_sources = previous.inputs, previous.input_sources
                model.feature_lists = previous.feature_lists
            self.models[info.model] = model

    def on_for(self, node: cst.For) -> None:
        iterable = node.iter
        target = node.target
        if type(target) is cst.Tuple and target.elements:
            target = target.elements[-1].value
        key = _target_key(target)
        if key is None:
            return
        info = None
        if type(iterable) is cst.Call and type(iterable.func) is cst.Attribute:
            if iterable.func.attr.value in self.frames_k.record_iterators or (
                    iterable.func.attr.value == "to_dict" and iterable.args):
                info = self.is_frame_expr(iterable.func.value)
        else:
            source_key = _target_key(iterable)
            source = self.get(source_key) if source_key else None
            if source is not None and source.kind == "records":
                info = source
        if info is not None:
            self.put(key, Info(kind="record", sources=info.sources))
            return
        # batches of a tracked dataset (``for x, y in DataLoader(train_set)``, ``for i, (x, y) in
        # enumerate(loader)``): each batch comes from the dataset's artifacts (its columns are not split
        # between the inputs and the label, so only the artifacts are kept)
        data = self._iterated_data(iterable)
        if data is None:
            return
        for name in _loop_names(node.target):
            if self.get(name) is None:
                self.put(name, Info(kind="value", sources=data.sources))

    def _iterated_data(self, iterable: cst.BaseExpression, depth: int = 0) -> Optional[Info]:
        """The data a loop iterates over: a tracked name, or a call wrapping one (a loader, enumerate)."""
        if type(iterable) is cst.Name:
            info = self.get(iterable.value)
            return info if info is not None and info.sources and info.kind in ("value", "frame") else None
        if type(iterable) is cst.Call and depth < 2:
            for arg in iterable.args:
                if arg.keyword is None and not arg.star:
                    found = self._iterated_data(arg.value, depth + 1)
                    if found is not None:
                        return found
        return None

    # -- end of a statement ----------------------------------------------------------------------
    def _finish_statement(self, stmt: Stmt) -> None:
        ex = self.ex
        if not (stmt.refs or stmt.consumed or stmt.fits or stmt.predicts or stmt.preds or stmt.pending_polars
                or stmt.model_target or stmt.target_frames or len(self.io_list) > stmt.io_start):
            # nothing tracked flows here: only a rebinding of a tracked name, or a call of a local function
            # whose result is known, needs the full treatment
            node = stmt.node
            if not type(node) in (cst.Assign, cst.AnnAssign, cst.AugAssign):
                return
            value = node.value
            if not (type(value) is cst.Call and (_call_name(value) in self.returns or _project_call(ex, value))) \
                    and not any(t in self.tracked for t in _assign_targets(node)) and not self._handle_load(value):
                return
        self._finish(stmt)

    def _finish(self, stmt: Stmt) -> None:
        ex = self.ex
        node = stmt.node
        line = self._line()
        new_io = self.io_list[stmt.io_start:]
        # polars ``pl.col("x")``: attributed to the frames the statement uses
        if stmt.pending_polars:
            frames = [info for _, info, _ in stmt.refs if info.kind == "frame"]
            sources = _union(*(f.sources for f in frames)) if frames else ()
            for fact in stmt.pending_polars:
                self.signals.append(SignalFact(fact.name, fact.kind, fact.line, fact.column, fact.scope,
                                               "", _source_sym(sources)))
                stmt.consumed.append((fact.name, "", sources, None))
        whole = self._combine(stmt, None)
        # fits
        for fit_id, model_key, name, api in stmt.fits:
            x = self._combine(stmt, (fit_id, "x"))
            y = self._combine(stmt, (fit_id, "y"))
            if not model_key:
                # ``booster = xgb.train(params, dtrain)``: the model is what the call returns
                target = _assign_target(node)
                if target is None:
                    target = "model"
                model_key = f"{ex.scope_name}:{target}"
                name = target
                self.put(target, Info(kind="model", model=model_key, api=api))
            model = self.models.get(model_key)
            if model is None or model.kind is not ModelKind.FIT:
                previous = model
                model = _Model(name or model_key.rpartition(":")[2], api, line, ex.scope_name)
                if previous is not None:
                    model.outputs, model.output_artifacts = previous.outputs, previous.output_artifacts
                self.models[model_key] = model
            model.inputs = _union(model.inputs, x.signals)
            model.input_sources = _union(model.input_sources, x.sources)
            model.feature_lists = _union(model.feature_lists, x.vias)
            model.targets = _union(model.targets, y.signals, x.targets)
            model.target_lists = _union(model.target_lists, y.vias)
            model.input_models = _union(model.input_models, tuple(p for p in x.preds if p != model_key),
                                        tuple(m for c, m in x.pred_cols
                                              if m != model_key and (c in x.signals or not x.signals)))
        for fit_id, model_key in stmt.predicts:
            model = self.models.get(model_key)
            if model is not None and model.kind is ModelKind.PREDICT:
                x = self._combine(stmt, (fit_id, "x"))
                model.inputs = _union(model.inputs, x.signals)
                model.input_sources = _union(model.input_sources, x.sources)
                model.feature_lists = _union(model.feature_lists, x.vias)
        preds = _union(whole.preds, tuple(m for m, _ in stmt.preds))
        if preds and type(node) in (cst.Assign, cst.AugAssign, cst.AnnAssign) and _is_metric(ex, node.value):
            preds = ()  # a loss or a score computed from predictions is not a prediction
        # writes: predictions persisted, models saved (also through an open handle, ``pickle.dump(x, f)``:
        # the write of the ``open``'s path, at its line)
        dumped = self._through_handle(node.value, IOMode.WRITE) \
            if type(node) is cst.Expr and type(node.value) is cst.Call else []
        for fact in new_io + dumped:
            if fact.mode is not IOMode.WRITE:
                continue
            chosen = self._written_columns(stmt, node, fact, whole) if whole.pred_cols and whole.signals \
                else whole.signals
            written_preds = preds or tuple(m for c, m in whole.pred_cols if not chosen or c in chosen)
            for model_key in written_preds:
                model = self.models.get(model_key)
                if model is not None:
                    columns = tuple(c for c, m in whole.pred_cols if m == model_key and c in chosen)
                    model.outputs = _union(model.outputs, tuple(PredictionOutput(OutputKind.COLUMN, c) for c in columns)
                                           + (PredictionOutput(OutputKind.FILE),))
                    model.output_artifacts = _union(model.output_artifacts, (fact.path,))
            for key, info, _ in stmt.refs:
                if info.kind == "model" and info.model in self.models and not written_preds:
                    self.models[info.model].artifact = fact.path
            # lineage: the artifacts whose data flows into this write
            upstream = tuple(src for src in whole.sources if src != fact.path)
            if upstream and not written_preds:
                self.signals.append(SignalFact("", SignalKind.FLOW, fact.line, fact.column, fact.scope, "",
                                               _source_sym(upstream)))
        collected = _collected_into(node)
        read_here = tuple(f.path for f in new_io if f.mode is IOMode.READ)
        collected_preds = preds if collected is not None and self._collects_predictions(_collected_item(node)) else ()
        if collected is not None and (whole.sources or whole.pred_cols or read_here or collected_preds):
            # ``parts.append(fold)``, ``parts.append(pd.read_pickle(p))``: the list holds the data of what it
            # collects (``pd.concat(parts)`` later); ``outputs.append(net(x).sigmoid().cpu().numpy())``: the
            # list holds the network's predictions (``losses.append(loss_fn(net(x), y).item())`` a metric)
            old = self.get(collected)
            if old is None or old.kind == "value":
                held = Info(sources=_union(whole.sources, read_here), pred_cols=whole.pred_cols,
                            derived=whole.derived, preds=collected_preds)
                self.put(collected, old.merged(held) if old is not None else held)
            return
        if type(node) is cst.Expr and type(node.value) is cst.Call and whole.sources and not preds and \
                not dumped and not any(f.mode is IOMode.WRITE for f in new_io):
            # a call that may write through a project helper (``utils.to_feature(df, path)``): resolved against
            # the writes placed at this line when the graph is built
            self.signals.append(SignalFact("", SignalKind.FLOW, line, 0, ex.scope_name, "", _source_sym(whole.sources)))
        if type(node) is cst.Return:
            returned = _target_key(node.value) if node.value is not None else None
            returned_info = self.get(returned) if returned else None
            if returned_info is not None and ex.scope.kind == "function":
                self.returns[ex.scope_name] = returned_info
                return
            for model_key in preds:
                if model_key in self.models:
                    self.models[model_key].outputs = _union(self.models[model_key].outputs,
                                                            (PredictionOutput(OutputKind.RETURN),))
            info = whole if (whole.signals or whole.sources or whole.preds or whole.vias) else None
            if info is None and type(node.value) is cst.Call and new_io:
                reads = [f for f in new_io if f.mode is IOMode.READ]
                if reads and ex.type_of(node.value) in self.frames_k.types:
                    info = Info(kind="frame", sources=(reads[-1].path,))
            if info is not None and ex.scope.kind == "function":
                self.returns[ex.scope_name] = info
            return
        if not type(node) in (cst.Assign, cst.AnnAssign, cst.AugAssign):
            return
        value = node.value
        if value is None:
            return
        # derived columns: ``df["ratio"] = df.a / df.b``
        target_frames = list(stmt.target_frames)
        if type(node) is cst.AugAssign and type(node.target) is cst.Subscript:
            frame_key = _target_key(node.target.value)
            column = self._single_string(node.target)
            if frame_key and column is not None and self.is_frame_expr(node.target.value) is not None:
                target_frames.append((frame_key, column))
        for frame_key, column in target_frames:
            inputs = tuple(n for n, _, _, _ in stmt.consumed if n and n != column) or ()
            input_lists = _union((), tuple(v for _, v, _, _ in stmt.consumed if v))
            frame = self.get(frame_key)
            if preds:
                self.signals.append(SignalFact(column, SignalKind.PREDICTION, line, 0, ex.scope_name, frame_key,
                                               _source_sym(frame.sources if frame else ()), "",
                                               models=tuple(_model_ref(m) for m in preds)))
                if frame is not None:
                    self.put(frame_key, _replace(frame, pred_cols=_union(frame.pred_cols,
                                                                          tuple((column, m) for m in preds))))
                for model_key in preds:
                    if model_key in self.models:
                        self.models[model_key].outputs = _union(self.models[model_key].outputs,
                                                                (PredictionOutput(OutputKind.COLUMN, column),))
            else:
                self.signals.append(SignalFact(column, SignalKind.DERIVED, line, 0, ex.scope_name, frame_key,
                                               _source_sym(frame.sources if frame else ()), "", inputs,
                                               input_lists=input_lists))
                if frame is not None:
                    # the frame now holds the new column, and data from what it was computed from (a column
                    # rewritten from itself, ``df["c"] = df["c"].fillna(0)``, still comes from the source)
                    rewritten = any(n == column for n, _, _, _ in stmt.consumed)
                    self.put(frame_key, _replace(frame, sources=_union(frame.sources, whole.sources),
                                                 derived=frame.derived if rewritten else
                                                 _union(frame.derived, (column,))))
        if preds and type(node) in (cst.Assign, cst.AugAssign):
            exprs = [t.target for t in node.targets] if type(node) is cst.Assign else [node.target]
            for target in exprs:
                if type(target) is cst.Subscript and self._single_string(target) is None:
                    key = _target_key(target.value)
                    if key is not None:
                        old = self.get(key) or Info()
                        self.put(key, _replace(old, preds=_union(old.preds, preds)))
        if type(node) is cst.Assign and whole.sources and not preds:
            # data stored into an element of a tracked value (``folds[k]["outputs"] = scores[cols].values``):
            # the value now holds data from where the stored data came from
            covered = {k for k, _ in target_frames}
            for assigned in node.targets:
                base = assigned.target
                if type(base) is not cst.Subscript:
                    continue
                while type(base) is cst.Subscript:
                    base = base.value
                key = _target_key(base)
                old = self.get(key) if key and key not in covered else None
                if old is not None and old.kind in ("frame", "loaded", "value", "records"):
                    self.put(key, _replace(old, sources=_union(old.sources, whole.sources)))
        targets = _assign_targets(node)
        if not targets:
            return
        reads = [f for f in new_io if f.mode is IOMode.READ] or self._handle_load(value)
        value_type = ex.type_of(value)
        info: Optional[Info] = None
        if reads and (value_type in self.frames_k.types or _is_read_call(ex, value)):
            if value_type in self.frames_k.types or _is_frame_read(ex, value):
                info = Info(kind="frame", sources=_union((reads[-1].path,), whole.sources),
                            pred_cols=whole.pred_cols)
            elif value_type is not None:
                info = Info(kind="value", sources=tuple(r.path for r in reads))
            else:
                info = Info(kind="loaded", sources=(reads[-1].path,), artifact=reads[-1].path)
        elif stmt.model_target is not None and type(value) is cst.Call and not stmt.fits:
            short, api = stmt.model_target
            data = self._combine(stmt, (-1, "x"))
            info = Info(kind="model", api=api, sources=data.sources, signals=data.signals, vias=data.vias)
        elif stmt.fits and any(f[1] == "" or f[3].startswith(tuple(self.models_k.train_functions)) for f in stmt.fits):
            return  # handled above: the trained model was bound to the target
        elif stmt.fits and type(value) is cst.Call and type(value.func) is cst.Attribute and \
                value.func.attr.value in ("fit", "train") and not preds:
            # ``model = model.fit(X, y)`` / ``clf = Estimator().fit(X, y)``
            fit = stmt.fits[-1]
            info = Info(kind="model", api=fit[3], model=fit[1])
        elif type(value) is cst.Call and ex.qualname_of_call(value) == f"{ex.module}.{_call_name(value)}" and \
                f"{_call_name(value)}" in self.returns:
            info = self._substitute(self.returns[_call_name(value)], value, _call_name(value))
            if not info.sources and whole.sources and info.kind in ("frame", "value", "records"):
                # ``train = make_feats(train, "lgb")``: a local function given data returns data made from it
                # (its parameters are not followed here: what it returns is made of what it was given)
                info = _replace(info, sources=whole.sources)
        else:
            frame = None if _is_records_call(value) else self.is_frame_expr(value)
            if preds:
                info = Info(kind="value", preds=preds, signals=whole.signals, sources=whole.sources)
            elif frame is not None:
                info = _replace(whole, kind="frame")
                info.sources = _union(frame.sources, whole.sources)
                info.pred_cols = _union(frame.pred_cols, whole.pred_cols)
                info.derived = _union(frame.derived, whole.derived)
                info.signals = tuple(n for n in whole.signals if n not in stmt.keys) if stmt.consumed else ()
                if not stmt.consumed:
                    info.vias = ()
            elif _names_only(value, self.frames_k.name_attributes):
                info = None  # column names of a frame (``X_cols = test.columns.drop(["id"])``): none of its data
            elif whole.signals or whole.vias or whole.sources or whole.pred_cols:
                kind = "records" if _is_records_call(value) else "value"
                info = _replace(whole, kind=kind)
            elif _project_call(ex, value):
                # data loaded through a project helper (``utils.load_train(cols)``): the reads placed at this
                # line when the graph is built are its sources
                info = Info(kind="frame", sources=(ReadsAt(line),))
        if info is not None and info.kind == "value" and stmt.refs and not new_io \
                and _sizes_only(value, {k for k, _, _ in stmt.refs}):
            info = None  # ``cut = int(len(X) * 0.9)``: a number of rows, none of the data
        parts = _paired(node) if info is not None and len(targets) > 1 and info.kind in ("frame", "value") else None
        for target in targets:
            if info is not None and info.kind in ("model", "loaded") and not info.model:
                info = _replace(info, model=f"{ex.scope_name}:{target}")
            self.put(target, _own_part(info, stmt, parts, target) if parts else info)

    def _written_columns(self, stmt: Stmt, node: cst.CSTNode, fact: IOFact, whole: Info) -> Tuple[str, ...]:
        """The columns a write selects: the statement's, less the columns of the names its path is made of.
        ``frame.to_parquet(out / f"{key}.parquet")`` with ``key = frame["store"].iloc[0]`` writes the whole
        frame (its prediction columns too), not column ``store``."""
        if not (type(node) is cst.Expr and type(node.value) is cst.Call):
            return whole.signals
        known = self.ex.knowledge
        spec = known.io_calls.get(fact.api) or known.io_methods.get(fact.api.rpartition(".")[2])
        path = argument(node.value, spec.arg, spec.kw) if spec is not None and not spec.receiver_path else None
        in_path = {n.value for n in _names_in(path) if type(n) is cst.Name} if path is not None else set()
        if not in_path:
            return whole.signals
        names = tuple(n for n, _, _, _ in stmt.consumed if n)
        selected = bool(names) or any(v for _, v, _, _ in stmt.consumed)
        return _union(names, *(info.signals for key, info, _ in stmt.refs if key not in in_path and info.kind != "model"
                               and not (info.kind in ("frame", "record") and selected)))

    def _collects_predictions(self, item: Optional[cst.BaseExpression]) -> bool:
        """Whether what a statement collects holds predictions, not only metrics computed from them:
        ``scores.append(net(x).sigmoid())`` does, ``history.append({"loss": loss.item(), "auc": auc(y, p)})``
        and ``losses.append(loss_fn(net(x), y).item())`` do not (each part of a literal is judged alone)."""
        if item is None or _is_metric(self.ex, item):
            return False
        if type(item) in (cst.Dict, cst.List, cst.Tuple, cst.Set):
            parts = [e.value for e in item.elements if type(e) in (cst.DictElement, cst.Element)]
            return any(self._collects_predictions(p) for p in parts if self._mentions_predictions(p))
        return True

    def _mentions_predictions(self, node: cst.CSTNode) -> bool:
        """Whether an expression names a value holding predictions or calls a model (a bounded walk)."""
        stack, seen = [node], 0
        while stack and seen < 256:
            current = stack.pop()
            seen += 1
            if type(current) is cst.Name:
                info = self.get(current.value)
                if info is not None and (info.preds or info.kind == "model"):
                    return True
            elif type(current) is cst.Call and type(current.func) is cst.Attribute and (
                    current.func.attr.value in self.models_k.predict_methods):
                return True
            stack.extend(current.children)
        return False

    def _handle_load(self, value: cst.BaseExpression) -> List[IOFact]:
        """The read of the file a value is loaded from through an open handle (``with open(p, "rb") as f:
        train = pickle.load(f)``: ``train`` comes from ``p``, read at the ``open``)."""
        node = value.value if type(value) is cst.Subscript else value
        if type(node) is not cst.Call:
            return []
        return self._through_handle(node, IOMode.READ)

    def _through_handle(self, call: cst.Call, mode: IOMode) -> List[IOFact]:
        """The open's fact of the handle ``call`` loads from or dumps to, when the open has ``mode``."""
        index = self.peer(IOCollector).handle_calls.get(id(call))
        if index is None:
            return []
        fact = self.io_list[index]
        return [fact] if fact.mode is mode else []

    def _substitute(self, info: Info, call: cst.Call, function: str) -> Info:
        """A local function's returned value at a call: its parameters replaced by the call's arguments
        (``read_dataframe("data/jan.parquet")`` returns a frame read from ``data/jan.parquet``)."""
        if not any(isinstance(s, (Param, Concat, PathJoin)) for s in info.sources):
            return info
        params: Tuple[str, ...] = ()
        for fn in reversed(self.ex.functions):
            if fn.name == function:
                params = fn.params
                break
        positional = [a for a in call.args if a.keyword is None and not a.star]
        keywords = {a.keyword.value: a.value for a in call.args if a.keyword is not None}

        def replace(sym: Sym, depth: int = 0) -> Sym:
            if depth > 6:
                return sym
            if isinstance(sym, Param) and sym.function == function:
                if sym.name in keywords:
                    return self.ex.sym(keywords[sym.name])
                if sym.name in params and params.index(sym.name) < len(positional):
                    return self.ex.sym(positional[params.index(sym.name)].value)
                return sym
            if isinstance(sym, Concat):
                return Concat(tuple(replace(p, depth + 1) for p in sym.parts))
            if isinstance(sym, PathJoin):
                return PathJoin(tuple(replace(p, depth + 1) for p in sym.parts))
            return sym

        return _replace(info, sources=tuple(replace(s) for s in info.sources))

    def _combine(self, stmt: Stmt, role: Optional[Tuple[int, str]]) -> Info:
        """What the statement's references and consumed signals carry (all of them, or one argument's)."""
        out = Info()
        names = tuple(n for n, _, _, r in stmt.consumed if n and (role is None or r == role))
        vias = tuple(v for _, v, _, r in stmt.consumed if v and (role is None or r == role))
        selected = bool(names or vias)
        parts: Dict[str, List[Tuple]] = {"sources": [], "signals": [], "vias": [], "targets": [], "preds": [],
                                         "pred_cols": [], "derived": []}
        for _, info, ref_role in stmt.refs:
            if role is not None and ref_role != role:
                continue
            if info.kind == "model":
                continue
            whole_frame = info.kind in ("frame", "record") and selected
            parts["sources"].append(info.sources)
            if not whole_frame:
                parts["signals"].append(info.signals)
                parts["vias"].append(info.vias)
            parts["targets"].append(info.targets)
            parts["preds"].append(info.preds)
            parts["pred_cols"].append(info.pred_cols)
            parts["derived"].append(info.derived)
        if stmt.refs:
            out = Info(**{key: _union((), *values) for key, values in parts.items()})
        sources = tuple(s for _, _, srcs, r in stmt.consumed if role is None or r == role for s in srcs)
        out.signals = _union(out.signals, names)
        out.vias = _union(out.vias, vias)
        out.sources = _union(out.sources, sources)
        if role is None:
            targets = tuple(n for n, _, _, r in stmt.consumed if n and r is not None and r[1] == "target")
            out.targets = _union(out.targets, targets)
        return out

    def finish(self, out: CollectedFacts) -> None:
        out.signals.extend(self.signals)
        models = []
        for model in sorted(self.models.values(), key=lambda m: (m.line, m.name)):
            models.append(ModelFact(
                model.name, model.api, model.line, model.scope,
                inputs=tuple(n for n in model.inputs if n not in model.targets),
                input_sources=model.input_sources, feature_lists=model.feature_lists, outputs=model.outputs,
                kind=model.kind, artifact=model.artifact, output_artifacts=model.output_artifacts,
                targets=model.targets, input_models=tuple(_model_ref(m) for m in model.input_models),
                target_lists=model.target_lists,
            ))
        out.models.extend(models)


# -- helpers -------------------------------------------------------------------------------------
def _replace(info: Info, **changes) -> Info:
    data = dict(info.__dict__)
    data.update(changes)
    return Info(**data)


def _flatten(value: Sym) -> Tuple[Optional[Tuple[str, ...]], Tuple[Ref, ...]]:
    """Literal names and unresolved constant references in a list expression (None when not a list)."""
    names: List[str] = []
    refs: List[Ref] = []

    def walk(v: Sym, depth: int) -> bool:
        if depth > 8:
            return False
        if isinstance(v, Lit):
            if isinstance(v.value, str):
                names.append(v.value)
                return True
            return False
        if isinstance(v, Seq):
            return all(walk(item, depth + 1) for item in v.items)
        if isinstance(v, Concat):
            return all(walk(part, depth + 1) for part in v.parts)
        if isinstance(v, Ref):
            refs.append(v)
            return True
        return False

    if not walk(value, 0):
        return None, ()
    return tuple(names), tuple(refs)


def _source_sym(sources: Tuple[Sym, ...]) -> Optional[Sym]:
    if not sources:
        return None
    if len(sources) == 1:
        return sources[0]
    return Choice(tuple(sources))


def _assign_targets(node) -> List[str]:
    if type(node) is cst.Assign:
        targets = []
        for t in node.targets:
            target = t.target
            key = _target_key(target)
            if key is not None:
                targets.append(key)
            elif type(target) in (cst.Tuple, cst.List):
                targets.extend(k for k in (_target_key(e.value) for e in target.elements) if k)
        return targets
    if type(node) in (cst.AnnAssign, cst.AugAssign):
        key = _target_key(node.target)
        return [key] if key else []
    return []


def _names_in(node: Optional[cst.CSTNode], depth: int = 0, strings: bool = False) -> List[cst.CSTNode]:
    """The names an (argument) expression is made of (``out / f"{key}.csv"``: ``out``, ``key``), and its
    plain strings when asked."""
    if node is None or depth > 12:
        return []
    if type(node) is cst.Name or strings and type(node) is cst.SimpleString:
        return [node]
    found: List[cst.CSTNode] = []
    for child in node.children:
        found.extend(_names_in(child, depth + 1, strings))
    return found


def _collected_into(node) -> Optional[str]:
    """The local list a statement collects into (``parts.append(x)``, ``parts.extend(xs)``), if it does."""
    if type(node) is not cst.Expr or type(node.value) is not cst.Call:
        return None
    func = node.value.func
    if type(func) is cst.Attribute and func.attr.value in ("append", "extend") and type(func.value) is cst.Name:
        return func.value.value
    return None


def _names_only(value: cst.BaseExpression, attributes: FrozenSet[str]) -> bool:
    """Whether a value is made of a frame's column names (or sizes) only: a chain through one of the name
    ``attributes`` (``test.columns.drop(["id"])``), or a comprehension or ``list(...)`` over one."""
    node = value
    if type(node) in (cst.ListComp, cst.SetComp, cst.GeneratorExp):
        node = node.for_in.iter
    elif type(node) is cst.Call and type(node.func) is cst.Name and node.func.value in ("list", "sorted", "set") \
            and len(node.args) == 1:
        node = node.args[0].value
    for _ in range(8):
        if type(node) is cst.Attribute:
            if node.attr.value in attributes:
                return True
            node = node.value
        elif type(node) is cst.Call:
            node = node.func
        elif type(node) is cst.Subscript:
            node = node.value
        else:
            return False
    return False


def _loop_names(target: cst.BaseExpression, depth: int = 0) -> List[str]:
    """The names a for loop binds (``x``, ``(x, y)``, ``i, (x, y)``)."""
    if type(target) is cst.Name:
        return [target.value]
    if type(target) in (cst.Tuple, cst.List) and depth < 2:
        return [n for e in target.elements for n in _loop_names(e.value, depth + 1)]
    return []


_SIZES = frozenset({"shape", "size", "ndim"})
_NUMBER_CALLS = frozenset({"int", "float", "round", "min", "max", "abs", "ceil", "floor"})


def _sizes_only(node: cst.CSTNode, tracked: Set[str]) -> bool:
    """Whether a value is a number made from sizes of tracked data: ``int(len(X) * 0.9)``, ``X.shape[0] // 2``
    (none of the data flows into it)."""
    seen: List[bool] = []

    def walk(part: cst.CSTNode, depth: int) -> bool:
        kind = type(part)
        if depth > 12:
            return False
        if kind is cst.Integer or kind is cst.Float:
            return True
        if kind is cst.Name:
            return part.value not in tracked
        if kind is cst.Call and type(part.func) is cst.Name and part.func.value == "len" or \
                kind is cst.Attribute and part.attr.value in _SIZES:
            seen.append(True)
            return True
        if kind is cst.Call:
            func = part.func
            name = func.value if type(func) is cst.Name else func.attr.value if type(func) is cst.Attribute else ""
            if name not in _NUMBER_CALLS:
                return False
            return all(walk(arg.value, depth + 1) for arg in part.args)
        if kind is cst.BinaryOperation:
            return walk(part.left, depth + 1) and walk(part.right, depth + 1)
        if kind is cst.UnaryOperation:
            return walk(part.expression, depth + 1)
        if kind is cst.Subscript:
            return walk(part.value, depth + 1)
        return False

    return walk(node, 0) and bool(seen)


def _paired(node) -> Optional[Dict[str, Tuple[Set[str], Set[str]]]]:
    """``X_tr, y_tr = X[m], y[m]``: each target name, and the names and strings its own element is made of."""
    if not (type(node) is cst.Assign and len(node.targets) == 1):
        return None
    target, value = node.targets[0].target, node.value
    if type(target) not in (cst.Tuple, cst.List) or type(value) not in (cst.Tuple, cst.List) \
            or len(target.elements) != len(value.elements) or len(value.elements) > _MAX_ITEMS:
        return None
    paired: Dict[str, Tuple[Set[str], Set[str]]] = {}
    for left, right in zip(target.elements, value.elements):
        if type(left.value) is cst.Name and type(right) is cst.Element:
            parts = _names_in(right.value, strings=True)
            paired[left.value.value] = ({p.value for p in parts if type(p) is cst.Name},
                                        {p.evaluated_value for p in parts if type(p) is cst.SimpleString})
    return paired


def _own_part(info: Info, stmt: Stmt, parts: Dict[str, Tuple[Set[str], Set[str]]], target: str) -> Info:
    """What a target of a paired assignment holds: the statement's data less the columns and feature lists
    that only the other elements carry (``y_tr`` gets none of ``X``'s features). A name's data goes with the
    elements the name is in; a column selected here, with the elements its string or its list's name is in."""
    own = parts.get(target)
    if own is None:
        return info
    names, strings = own

    def in_element(signal: str, via: str, element: Tuple[Set[str], Set[str]]) -> bool:
        return bool(signal and signal in element[1] or via and via.rpartition(".")[2] in element[0])

    keep_signals: Set[str] = set()
    keep_vias: Set[str] = set()
    drop_signals: Set[str] = set()
    drop_vias: Set[str] = set()
    for key, i, _ in stmt.refs:
        mine = key in names
        if mine or any(key in other[0] for name, other in parts.items() if name != target):
            (keep_signals if mine else drop_signals).update(i.signals)
            (keep_vias if mine else drop_vias).update(i.vias)
    for signal, via, _, _ in stmt.consumed:
        mine = in_element(signal, via, own)
        if mine or any(in_element(signal, via, other) for name, other in parts.items() if name != target):
            if signal:
                (keep_signals if mine else drop_signals).add(signal)
            if via:
                (keep_vias if mine else drop_vias).add(via)
    drop_signals -= keep_signals
    drop_vias -= keep_vias
    if not (drop_signals or drop_vias):
        return info
    return _replace(info, signals=tuple(n for n in info.signals if n not in drop_signals),
                    vias=tuple(v for v in info.vias if v not in drop_vias),
                    targets=tuple(n for n in info.targets if n not in drop_signals))


def _collected_item(node) -> Optional[cst.BaseExpression]:
    """What a collecting statement (``parts.append(x)``) collects: its first argument."""
    args = node.value.args
    return args[0].value if args else None


def _assign_target(node) -> Optional[str]:
    targets = _assign_targets(node)
    return targets[0] if targets else None


def _model_ref(key: str) -> ModelRef:
    """The collector's key of a model (``scope:target``) as a fact."""
    scope, _, name = key.rpartition(":")
    return ModelRef(name, scope)


def _call_name(node: cst.Call) -> str:
    return node.func.value if type(node.func) is cst.Name else ""


def _is_read_call(ex, value: cst.BaseExpression) -> bool:
    return type(value) is cst.Call or (type(value) is cst.Subscript and type(value.value) is cst.Call)


def _is_frame_read(ex, value: cst.BaseExpression) -> bool:
    node = value.value if type(value) is cst.Subscript else value
    if not type(node) is cst.Call:
        return False
    qualname = ex.qualname_of_call(node)
    return qualname.startswith(ex.knowledge.tables.frames.read_prefixes) or \
        qualname in ex.knowledge.dataflow.sql_calls or is_spark_read(node, ex.knowledge.dataflow)


def _project_call(ex, value: cst.BaseExpression) -> bool:
    """Whether a value is made by calling a function of another project module (not a library)."""
    node = value
    for _ in range(4):
        if type(node) is cst.Call and type(node.func) is cst.Attribute and type(node.func.value) is cst.Call:
            node = node.func.value
        else:
            break
    if not type(node) is cst.Call:
        return False
    qualname = ex.qualname_of_call(node)
    if not callee_of(qualname).resolved or "." not in qualname:
        return False
    root = qualname.split(".")[0]
    return root not in ex.knowledge.tables.frames.library_roots and not qualname.startswith(ex.module + ".")


def _is_metric(ex, value: Optional[cst.BaseExpression]) -> bool:
    """Whether a value is a metric or loss computed from predictions (``accuracy_score(y, p)``, ``loss.item()``)."""
    node = value
    while type(node) in (cst.Subscript, cst.Attribute) and not type(node) is cst.Call:
        node = node.value
    if type(value) in (cst.BinaryOperation, cst.Comparison):
        return False
    if not type(node) is cst.Call:
        return False
    qualname = ex.qualname_of_call(node)
    models = ex.knowledge.tables.models
    if qualname.startswith(models.metric_prefixes) or _short(qualname) in models.metric_methods:
        return True
    name = node.func.value if type(node.func) is cst.Name else _short(qualname)
    if type(node.func) is cst.Attribute and (name in models.predict_methods or name in models.predict_only_methods):
        return False  # a model's per-row outputs (``iso.score_samples(X)``), whatever words its method's name has
    return bool(models.metric_words.search(name))


def _is_records_call(value: cst.BaseExpression) -> bool:
    return type(value) is cst.Call and type(value.func) is cst.Attribute and \
        value.func.attr.value in ("to_dict", "to_dicts") and bool(value.args)
