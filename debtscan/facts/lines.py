"""What each logical line does, in the boxes of Sculley et al. (2015), Figure 1 (the glue-code family).

Every statement is classified once, from what the single pass already knows about it, into one of
:data:`debtscan.facts.model.LINE_KINDS`:

- ``io`` (data collection and I/O): the I/O catalogue matched a call in it (``frame.io``, counted by the I/O
  collector), or a call ``classes.toml`` names data collection (``requests.get``, ``datasets.load_dataset``,
  ``os.makedirs``, ``glob.glob``);
- ``ml``: a call that ``ml.toml`` names ML (``sklearn...``, ``torch.nn...``, ``model.fit``), a call of or on
  a value that holds a model, optimizer or loss (made by an ML constructor here, or conventionally named
  ``model``/``optimizer``/``criterion``...), or any line inside a class whose base is a model class
  (``nn.Module``, ``keras.Model``, ``BaseEstimator``);
- ``analysis`` (analysis and plots): a call into a plotting or EDA library (matplotlib, seaborn, plotly,
  ``df.describe()``), or a bare expression that only shows a value (``df.head()``, ``df.shape`` in a
  notebook cell);
- ``monitoring`` (monitoring and logging): ``print``, ``logging``, ``logger.info(...)``, ``wandb.log``,
  ``mlflow.log_metric``, ``tqdm``, timers; a conversion made only to print or log a value
  (``print(loss.item())``, ``logger.info(json.dumps(d))``) is monitoring, not glue;
- ``glue``: a call or attribute that only converts data between package types (``.values``,
  ``.to_numpy()``, ``np.array(rows)``, ``pd.DataFrame(records)``, ``torch.tensor(x)``, ``.numpy()``,
  ``json.dumps``, ``astype``/``reshape``/``squeeze``), renaming columns for a downstream API
  (``.rename(columns=...)``, ``df.columns = [...]``), hand assembly of feature vectors or records
  (``[row["a"], row["b"], row["c"]]``, ``[{"id": i, ...} for ...]``), and copying or coercing a record's
  fields under new keys (``out["age"] = int(body["Age"])``);
- ``verify`` (data verification): ``assert`` statements, schema and validation libraries (pandera,
  great_expectations, jsonschema), and every line of a class derived from a record or frame schema
  (``pydantic.BaseModel``, ``pandera.DataFrameModel``);
- ``serving``: web-framework and RPC plumbing (flask, fastapi, starlette, grpc, uvicorn, bentoml...); the
  request and response bodies themselves (``request.get_json()``, ``jsonify(...)``) are glue;
- ``process`` (process and machine-resource management): subprocess, multiprocessing, thread and process
  pools, schedulers and orchestrators (airflow, prefect, dagster, luigi), ``torch.distributed``, ``sys.exit``;
- ``prep`` (feature extraction and data preparation): frame transforms, joins, aggregations and cleaning
  (pandas, numpy, polars, scipy; ``groupby``/``merge``/``fillna`` on frames of unknown type), encoders and
  tokenizers (``sklearn.preprocessing``, ``tiktoken``), and new frame columns computed from others
  (``df["ratio"] = df["a"] / df["b"]``, ``df.loc[mask, "x"] = 0``);
- ``config``: argument parsing, settings and seeds, and constants (a module- or class-level name bound to
  a literal, a path or another constant);
- ``other``: everything else (control flow, plain logic). An import line belongs to the box of what it
  imports (``classes.toml`` ``modules``: ``import matplotlib.pyplot as plt`` is analysis). Calls and imports
  of the project's own functions are classified later, across files (:mod:`debtscan.project.composition`).

The first matching class in that order wins: a line that both converts and fits is ML, a conversion inside
a plot call is analysis. Glue lines carry a ``shape`` (the number of conversions; each conversion call with
the node type of its first argument and its keyword names, and the converting attributes; then the other
calls made: every variable name, string and number is left out, and methods are named without their
receiver's type) for repeated-glue detection, and ``adapters`` (``pandas->numpy``) saying which types they
convert between.

Everything here is O(1) per node: dictionary look-ups on qualified names and a look at the node handed over;
no subtree is walked except bounded literal displays (constants) and the top level of a list or dict.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Set, Tuple

import libcst as cst

from debtscan.facts.collector import CollectedFacts, MODULE_SCOPE, Collector, StatementFrame
from debtscan.facts.model import LineKind, LINE_KINDS, StatementFact
from debtscan.knowledge.code_classes import method_class
from debtscan.knowledge.names import callee_of, unknown_method, unresolved

_LITERALS = (cst.SimpleString, cst.Integer, cst.Float, cst.Imaginary, cst.ConcatenatedString)
_DISPLAYS = (cst.List, cst.Tuple, cst.Set)
_CONFIG_BUILDERS = frozenset({
    "os.path.join", "os.path.dirname", "os.path.abspath", "os.path.realpath", "os.path.expanduser",
    "os.path.normpath", "pathlib.Path", "pathlib.PurePath", "pathlib.Path.resolve", "pathlib.Path.absolute",
    "pathlib.Path.joinpath", "pathlib.Path.expanduser", "pathlib.Path.home", "pathlib.Path.cwd", "os.getcwd",
    "os.environ.get", "os.getenv", "builtins.dict", "builtins.list", "builtins.tuple", "builtins.set",
    "builtins.frozenset", "builtins.int", "builtins.float", "builtins.str", "builtins.bool", "builtins.range",
    "collections.namedtuple", "typing.NamedTuple", "dataclasses.field", "typing.TypeVar",
})
_MODEL_FACTORIES = frozenset({"from_pretrained", "make_pipeline", "load_model", "from_config", "Sequential"})
_KINDS = LINE_KINDS
_NONE: Set[str] = frozenset()  # type: ignore[assignment]
_SHOW_METHODS = frozenset({"head", "tail", "describe", "info", "value_counts", "nunique", "corr", "sample",
                           "unique", "isnull", "isna", "sum", "mean", "count", "memory_usage", "dtypes",
                           "show", "display"})
_SHOW_ATTRIBUTES = frozenset({"shape", "dtypes", "columns", "index", "T", "size"})
_LOG_CALLS = frozenset({"builtins.print", "pprint.pprint", "wandb.log", "tqdm.tqdm.write"})
_LOG_PREFIXES = ("logging.", "mlflow.log", "loguru.", unknown_method("set_postfix"), unknown_method("add_scalar"))
_RENAME = unknown_method("rename")
_LOG_METHODS = frozenset({"debug", "info", "warning", "warn", "error", "exception", "critical", "log"})


class _Evidence:
    """What the calls and attributes of one statement showed."""

    __slots__ = ("frame", "kinds", "ops", "adapters", "first")

    def __init__(self, frame: StatementFrame) -> None:
        self.frame = frame
        self.kinds: Set[str] = set()  # the classes of the calls made (other than glue)
        self.ops: List[str] = []
        self.adapters: List[str] = []
        self.first: Optional[cst.CSTNode] = None  # the call or attribute of the first conversion met

    def adapter(self, node: cst.CSTNode, adapter: str) -> None:
        if not self.adapters:
            self.first = node
        self.adapters.append(adapter)


def _dotted(node: cst.BaseExpression) -> Optional[str]:
    """``name`` or ``self.name`` (the receivers whose values are tracked)."""
    kind = type(node)
    if kind is cst.Name:
        return node.value
    if kind is cst.Attribute and type(node.value) is cst.Name and node.value.value in ("self", "cls"):
        return "self." + node.attr.value
    return None


class LinesCollector(Collector):
    """Classifies every logical line; see the module docstring."""

    enter = {cst.Attribute: "on_attribute", cst.ClassDef: "on_class"}
    leave = {cst.ClassDef: "off_class"}

    def __init__(self, ex) -> None:
        super().__init__(ex)
        self.code = ex.knowledge.code
        self.evidence: Dict[int, _Evidence] = {}
        self.call_funcs: Set[int] = set()
        self.class_stack: List[Optional[str]] = []  # "ml" / "verify" for a model or schema class
        self.ml_classes: Set[str] = set()
        self.schema_classes: Set[str] = set()
        self.ml_objects: Set[Tuple[str, str]] = set()
        self.prep_objects: Set[Tuple[str, str]] = set()  # encoders, scalers, tokenizers made here
        self.hints: Dict[Tuple[str, str], str] = {}
        self.adapted: Dict[Tuple[str, str], str] = {}   # (scope, name) -> the conversion that made its value
        #: what each function returns, for the glue of its callers (:attr:`FunctionSummary.adapter`): the
        #: conversion that made the returned value (``return df.values``: ``pandas->numpy``), or the project
        #: call whose value it returns (``return to_matrix(frame)``), evaluated across files
        self.returned: Dict[str, Tuple[str, str]] = {}
        self._last_adapter = ""
        self._last_adapter_node: Optional[cst.CSTNode] = None
        #: whether a name of this file holds a symbolic package (``X = to_matrix(frame)``): only then are the
        #: uses of such values looked for (:meth:`_symbolic_use`)
        self.symbolic = False
        #: names whose package came from a conversion in an argument of the call that made them (not used
        #: for the classes of their methods, :meth:`_hinted_class`)
        self.loose: Set[Tuple[str, str]] = set()
        #: id(statement frame) -> (frame, its calls of methods on values of symbolic package: ``@m.f:mean``)
        self.uses: Dict[int, Tuple[StatementFrame, List[str]]] = {}

    # -- per-node hooks ------------------------------------------------------------------------------
    def _frame_evidence(self) -> Optional[_Evidence]:
        stack = self.ex.stmt_stack
        if not stack:
            return None
        frame = stack[-1]
        found = self.evidence.get(id(frame))
        if found is None or found.frame is not frame:   # (an id can be reused once a frame is gone)
            found = self.evidence[id(frame)] = _Evidence(frame)
        return found

    def on_call(self, node: cst.Call, qualname: str) -> None:
        func = node.func
        receiver = func.value if type(func) is cst.Attribute else None
        if receiver is not None and func.attr.value in self.code.attributes:
            self.call_funcs.add(id(func))
        entry = None
        if not callee_of(qualname).resolved:
            holder = receiver if receiver is not None else (func if type(func) is cst.Name else None)
            if holder is not None and self._holds_model(holder):
                qualname = unresolved()  # model.apply(fn), net(x): ML whatever the method's name
                entry = ("ml", "")
            elif holder is not None and self.prep_objects and self._holds_prep(holder):
                qualname = unresolved()  # scaler.transform(X), enc.encode(text): data preparation
                entry = ("prep", "")
        if entry is None and self.ex.knowledge.io_spec(qualname) is not None:
            entry = ("io", "")  # a read or write the I/O catalogue knows, whatever its path
        entry = entry or self.code.classify(qualname)
        if entry is not None and receiver is not None and qualname not in self.code.names:
            # a method of a known data type covered only by its library's name (``pandas`` is prep):
            # a converting method name (``tolist``) still converts
            owner, _, method = qualname.rpartition(".")
            found = self.code.methods.get(method)
            if found is not None and found[0] == "glue" and owner in self.ex.knowledge.method_returns:
                entry = found
                qualname = unknown_method(method)
        kind = entry[0] if entry is not None else None
        if kind is None:
            if qualname in self.ml_classes:
                kind = "ml"
            elif not callee_of(qualname).resolved:
                if receiver is not None:
                    kind = self._hinted_class(receiver, func.attr.value)
                    if kind is None and self.symbolic:
                        self._symbolic_use(receiver, func.attr.value)
            elif receiver is not None:
                owner, _, method = qualname.rpartition(".")
                if self._holds_model(receiver):
                    owner = ""  # a call on a model: ML whatever the method's name
                if not owner:
                    kind = "ml"
                elif owner in self.ex.knowledge.method_returns:
                    # a method of a known data type that the catalogue does not list by its full name
                    entry = self.code.methods.get(method)
                    if entry is not None and entry[0] == "glue":
                        kind = "glue"
                        qualname = unknown_method(method)
                    elif entry is not None and entry[0] != "ml" and entry[0] != "config":
                        kind = entry[0]  # groupby, plot, validate ... on a known data type
                    else:
                        entry = None
                else:
                    entry = self.code.classify_method(qualname)
                    if entry is not None:
                        kind = entry[0]
                    elif self._holds_model(receiver):
                        kind = "ml"
        if (kind is None or kind == "prep") and (qualname == _RENAME or qualname.endswith(".DataFrame.rename")):
            if any(a.keyword is not None and a.keyword.value == "columns" for a in node.args):
                evidence = self._frame_evidence()
                if evidence is not None:  # renaming columns for a downstream API: glue
                    evidence.ops.append(_call_token(".rename", node))
                    evidence.adapter(node, "pandas->pandas")
                return
        if kind is None or kind == "other":
            return
        evidence = self._frame_evidence()
        if evidence is None:
            return
        if kind != "glue":
            evidence.kinds.add(kind)
        else:
            evidence.ops.append(_call_token(self._token(qualname), node))
            adapter = self._adapter(entry[1], qualname, node, receiver)
            if adapter:
                evidence.adapter(node, adapter)

    def on_attribute(self, node: cst.Attribute) -> None:
        spec = self.code.attributes.get(node.attr.value)
        if spec is None or id(node) in self.call_funcs:
            return
        receiver = node.value
        if type(receiver) is cst.Name and receiver.value in ("self", "cls"):
            return
        source, _, target = spec.partition("->")
        package = self._package_of(receiver)
        if package is not None and package[0] != "@" and package != source:
            return
        evidence = self._frame_evidence()
        if evidence is not None:
            evidence.ops.append("." + node.attr.value)
            evidence.adapter(node, spec)

    def on_class(self, node: cst.ClassDef) -> None:
        kind = self.class_stack[-1] if self.class_stack else None
        if kind is None:
            for arg in node.bases:
                name = self.ex.qualname(arg.value)
                if name is None:
                    continue
                if name in self.code.ml_bases or name in self.ml_classes:
                    kind = "ml"
                    break
                if name in self.code.verify_bases or name in self.schema_classes:
                    kind = "verify"
                    break
        self.class_stack.append(kind)
        if kind is not None and len(self.ex.scopes) == 2:
            (self.ml_classes if kind == "ml" else self.schema_classes).add(f"{self.ex.module}.{node.name.value}")

    def off_class(self, node: cst.ClassDef) -> None:
        if self.class_stack:
            self.class_stack.pop()

    # -- values ------------------------------------------------------------------------------------
    def _owner(self, dotted: str) -> str:
        scope = self.ex.scope_name
        if dotted.startswith("self."):
            return scope.rsplit(".", 1)[0] if "." in scope else scope
        return scope

    def _holds_model(self, node: cst.BaseExpression) -> bool:
        dotted = _dotted(node)
        if dotted is None:
            return False
        if (self._owner(dotted), dotted) in self.ml_objects or (MODULE_SCOPE, dotted) in self.ml_objects:
            return True
        name = dotted.rpartition(".")[2]
        return name in self.code.ml_receivers or (name.isupper() and name.lower() in self.code.ml_receivers)

    def _package_of(self, node: cst.BaseExpression, depth: int = 0) -> Optional[str]:
        """The package of a value's type (``numpy``, ``pandas``...), when known; None otherwise."""
        kind = type(node)
        if kind is cst.Name:
            hint = self._hint(node.value)[1]
            if hint is not None:
                return hint
        elif kind is cst.Subscript:
            return self._package_of(node.value, depth + 1) if depth < 4 else None
        elif kind is cst.Call:
            entry = self.code.classify(self.ex.qualname_of_call(node))
            if entry is not None and entry[0] == "glue":
                target = entry[1].partition("->")[2]
                if target != "=" :
                    return target
                func = node.func
                if type(func) is cst.Attribute and depth < 4:
                    return self._package_of(func.value, depth + 1)
                return None
        elif kind is cst.Attribute:
            spec = self.code.attributes.get(node.attr.value)
            if spec is not None:
                return spec.partition("->")[2]
        elif kind in _DISPLAYS or kind is cst.ListComp or kind is cst.GeneratorExp:
            return "python"
        elif kind is cst.Dict or kind is cst.DictComp:
            return "records"
        type_ = self.ex.type_of(node) if kind is not cst.Call or depth < 4 else None
        return type_.split(".", 1)[0] if type_ else None

    def _hint(self, name: str) -> Tuple[Tuple[str, str], Optional[str]]:
        """(the key, the package) a name's binding left in :attr:`hints`: the enclosing scope's, else the
        module's; the package None when neither has one."""
        key = (self.ex.scope_name, name)
        hint = self.hints.get(key)
        if hint is None:
            key = (MODULE_SCOPE, name)
            hint = self.hints.get(key)
        return key, hint

    def _symbolic(self, node: cst.BaseExpression) -> Optional[str]:
        """The symbolic package (``@m.to_matrix``) of a name or of a subscript of one (``X``, ``X[:, 0]``), else
        None: two dictionary look-ups, no type inference."""
        if type(node) is cst.Subscript:
            node = node.value
        if type(node) is not cst.Name:
            return None
        hint = self._hint(node.value)[1]
        return hint if hint is not None and hint[0] == "@" else None

    def _hinted_class(self, receiver: cst.BaseExpression, method: str) -> Optional[str]:
        """The class of a method of no known class called on a name (or a subscript of one) whose package this
        file's own conversions fixed (``X = frame.values`` of a parameter ``frame``, then ``X.mean()``): the
        class that method has on the package's type (``numpy.ndarray.mean``: prep), as for a value of known
        type; None for a package without a type, a symbolic one (:meth:`_symbolic_use`) or a method of no
        class or of glue (its conversion is the catalogue's, named by the usual path). Two look-ups first,
        no type inference."""
        if type(receiver) is cst.Subscript:
            receiver = receiver.value
        if type(receiver) is not cst.Name:
            return None
        key, hint = self._hint(receiver.value)
        if hint is None or hint[0] == "@" or key in self.loose:
            return None
        typename = self.ex.knowledge.packages.get(hint)
        kind = method_class(self.ex.knowledge, typename, method) if typename else None
        return kind if kind is not None and kind != "glue" else None

    def _symbolic_use(self, receiver: cst.BaseExpression, method: str) -> None:
        """A method of no known class called on a value of symbolic package (``X.mean()`` after ``X =
        to_matrix(frame)``): kept as ``@m.to_matrix:mean``, classified across files once that package is known
        (:func:`~debtscan.knowledge.code_classes.method_class`). Only looked for in a file with such a value."""
        package = self._symbolic(receiver)
        if package is None:
            return
        stack = self.ex.stmt_stack
        if not stack:
            return
        frame = stack[-1]
        found = self.uses.get(id(frame))
        if found is None or found[0] is not frame:
            found = self.uses[id(frame)] = (frame, [])
        found[1].append(f"{symbol(package)}:{method}")

    def _symbolic_column(self, node: cst.CSTNode) -> str:
        """``X["ratio"] = 0`` with X of symbolic package: ``@m.f:[]`` (a new frame column if that package is a
        frame's, :meth:`_new_column`), else ``""``."""
        kind = type(node)
        if kind is cst.Assign and len(node.targets) == 1:
            target = node.targets[0].target
        elif kind is cst.AugAssign:
            target = node.target
        else:
            return ""
        if type(target) is not cst.Subscript or len(target.slice) != 1:
            return ""
        index = target.slice[0].slice
        if type(index) is not cst.Index or type(index.value) not in (cst.SimpleString, cst.FormattedString):
            return ""
        package = self._symbolic(target.value)
        return f"{symbol(package)}:[]" if package is not None else ""

    def _adapter(self, spec: str, qualname: str, node: cst.Call, receiver) -> str:
        source, _, target = spec.partition("->")
        if callee_of(qualname).unknown_receiver:
            known = self._package_of(receiver) if receiver is not None else None
            if known is not None:
                source = f"{known}~{source}" if known[0] == "@" else known
        elif source in ("python", "records"):
            for arg in node.args:
                if arg.keyword is None and not arg.star:
                    known = self._package_of(arg.value)
                    if known is not None:
                        source = f"{known}~{source}" if known[0] == "@" else known
                    break
        if target == "=":
            target = source
        if source == "?" or not source or not target:
            return ""
        return f"{source}->{target}"

    # -- statements --------------------------------------------------------------------------------
    def on_statement(self, frame: StatementFrame) -> Optional[StatementFact]:
        evidence = self.evidence.pop(id(frame), None)
        if evidence is not None and evidence.frame is not frame:
            evidence = None
        node = frame.node
        seen = evidence.kinds if evidence is not None else _NONE
        kind = "other"
        shape = ""
        adapters: Tuple[str, ...] = ()
        through: Tuple[str, ...] = ()
        if frame.io or "io" in seen:
            kind = "io"
        elif type(node) is cst.Import or type(node) is cst.ImportFrom:
            kind = self._imported(node)
        elif self.class_stack and self.class_stack[-1] is not None:
            kind = self.class_stack[-1]
        elif "ml" in seen:
            kind = "ml"
        elif "analysis" in seen:
            kind = "analysis"
        elif "monitoring" in seen or self._is_logging(node):
            kind = "monitoring"
        elif self._shows_value(node):
            kind = "analysis"
        elif evidence is not None and evidence.ops:
            kind = "glue"
            adapters = tuple(dict.fromkeys(evidence.adapters))
            shape = self._shape(frame, evidence.ops)
            if any("@" in a for a in adapters):
                through = adapters
                adapters = tuple(dict.fromkeys(a for a in map(fallback, adapters) if a))
        else:
            structural = self._structural_glue(node)
            if structural is not None:
                kind = "glue"
                adapters = (structural[1],)
                shape = self._shape(frame, [structural[0]])
            elif "verify" in seen or type(node) is cst.Assert:
                kind = "verify"
            elif "serving" in seen:
                kind = "serving"
            elif "process" in seen:
                kind = "process"
            elif "prep" in seen or self._new_column(node):
                kind = "prep"
            elif self._builds_model(node):
                kind = "ml"
            elif "config" in seen or self._is_setting(node):
                kind = "config"
        if self.symbolic:
            uses = self.uses.pop(id(frame), None) if self.uses else None
            if kind == "other":
                found = uses[1] if uses is not None and uses[0] is frame else []
                column = self._symbolic_column(node)
                if column:
                    found.append(column)
                if found:
                    through = tuple(dict.fromkeys(found))
        # the conversion that made the line's value: its outermost, the first met (``torch.from_numpy(df.values)``:
        # ``numpy->torch``, then ``pandas->numpy``)
        self._last_adapter = (through or adapters)[0] if (through or adapters) and kind == "glue" else ""
        self._last_adapter_node = evidence.first if self._last_adapter and not through and evidence else None
        self._track(node, kind)
        if type(node) is cst.Return and node.value is not None and frame.scope != MODULE_SCOPE:
            self._returned(frame.scope, node.value, (through or adapters) if kind == "glue" else ())
        return StatementFact(frame.line, frame.end_line, LineKind(kind), shape, adapters, frame.scope, through)

    def _returned(self, scope: str, value: cst.BaseExpression, adapters: Tuple[str, ...]) -> None:
        """What function ``scope`` returns, for its callers' glue: the conversion of its return line, of
        the name it returns (``X = df.values`` ... ``return X``), or the project function whose value it
        returns; the first return that says wins."""
        if scope in self.returned:
            return
        if adapters:
            self.returned[scope] = (adapters[0], "")
            return
        dotted = _dotted(value)
        if dotted is not None:
            made = self.adapted.get((self._owner(dotted), dotted))
            if made:
                self.returned[scope] = (made, "")
            elif self.symbolic and type(value) is cst.Name:
                package = self._symbolic(value)
                if package is not None:
                    # ``X = to_matrix(frame); return X``: what that function returns, as ``return to_matrix(frame)``
                    self.returned[scope] = ("", symbol(package)[1:])
            return
        if type(value) is cst.Call:
            qualname = self._project_call(value)
            if qualname:
                self.returned[scope] = ("", qualname)  # a project function's, perhaps: known across files

    def _project_call(self, value: cst.Call) -> str:
        """The qualified name of a call that may be a project function's (resolved, and neither a call the
        catalogues classify nor an I/O call), else ``""``."""
        qualname = self.ex.qualname_of_call(value)
        if callee_of(qualname).resolved and self.code.classify(qualname) is None \
                and self.ex.knowledge.io_spec(qualname) is None:
            return qualname
        return ""

    def _imported(self, node) -> str:
        """An import line belongs to the box of what it imports (``classes.toml`` ``modules``): ``import
        matplotlib.pyplot as plt`` is analysis, ``from sklearn.linear_model import Ridge`` ML."""
        if type(node) is cst.Import:
            names = [_dotted_name(alias.name) for alias in node.names]
        else:
            base = self.ex._resolve_from(node)
            if base is None:
                return "other"
            if type(node.names) is cst.ImportStar:
                names = [base]
            else:
                names = [f"{base}.{_dotted_name(alias.name)}" if base else _dotted_name(alias.name)
                         for alias in node.names]
        for name in names:
            kind = self.code.module_class(name)
            if kind is not None:
                return kind
        return "other"

    def _shows_value(self, node: cst.CSTNode) -> bool:
        """A bare expression that only shows a value (``df.head()``, ``df.shape``, ``df["a"].value_counts()``
        as a notebook cell's last line or a script's statement): exploratory analysis."""
        if type(node) is not cst.Expr:
            return False
        value = node.value
        kind = type(value)
        if kind is cst.Call:
            func = value.func
            return type(func) is cst.Attribute and func.attr.value in _SHOW_METHODS
        if kind is cst.Attribute:
            return value.attr.value in _SHOW_ATTRIBUTES
        return kind is cst.Subscript or kind is cst.Name

    def _new_column(self, node: cst.CSTNode) -> bool:
        """``df["ratio"] = df["a"] / df["b"]``, ``df.loc[mask, "x"] = 0``, ``df["n"] += 1``: a frame column
        computed from others (a plain copy of a field, ``out["a"] = row["b"]``, is glue instead)."""
        kind = type(node)
        if kind is cst.Assign:
            if len(node.targets) != 1:
                return False
            target = node.targets[0].target
        elif kind is cst.AugAssign:
            target = node.target
        else:
            return False
        if type(target) is not cst.Subscript:
            return False
        base = target.value
        if type(base) is cst.Attribute and base.attr.value in ("loc", "iloc", "at", "iat"):
            return True
        if len(target.slice) != 1:
            return False
        index = target.slice[0].slice
        if not type(index) is cst.Index or type(index.value) not in (cst.SimpleString, cst.FormattedString):
            return False
        package = self._package_of(base)
        if package in ("pandas", "polars"):
            return True
        value = node.value
        value_kind = type(value)
        if value_kind is cst.BinaryOperation:
            return _reads_column(value.left) or _reads_column(value.right)
        if value_kind is cst.Call and type(value.func) is cst.Attribute:
            return _reads_column(value.func.value)
        return False

    def _shape(self, frame: StatementFrame, ops: List[str]) -> str:
        converted = {op.partition("(")[0] for op in ops}
        others = [token for token in map(self._token, frame.calls) if token not in converted]
        return f"[{len(ops)}]:" + ",".join(ops) + ("|" + ",".join(others) if others else "")

    def _token(self, qualname: str) -> str:
        """A call in a shape: a method by its name alone (whether or not the receiver's type is known)."""
        called = callee_of(qualname)
        if called.unknown_receiver:
            return "." + called.name
        if not called.resolved:
            return "?()"
        owner, _, method = qualname.rpartition(".")
        return "." + method if owner in self.ex.knowledge.method_returns else qualname

    def _track(self, node: cst.CSTNode, kind: str) -> None:
        """Remember which names hold models (for ``model.fit``) and arrays of which package (for adapters)."""
        kind_node = type(node)
        if kind_node is cst.Assign:
            if len(node.targets) != 1:
                return
            target = node.targets[0].target
        elif kind_node is cst.AnnAssign and node.value is not None:
            target = node.target
        else:
            return
        dotted = _dotted(target)
        if dotted is None:
            return
        key = (self._owner(dotted), dotted)
        if kind == "ml":
            if self._constructs_model(node.value):
                self.ml_objects.add(key)
        else:
            self.ml_objects.discard(key)
        if kind == "prep" and self._constructs(node.value, "prep"):
            self.prep_objects.add(key)
        else:
            self.prep_objects.discard(key)
        if kind == "other" and not dotted.startswith("self.") and type(node.value) is cst.Call:
            called = self._project_call(node.value)
            if called and called.split(".", 1)[0] not in self.code.roots and self._package_of(node.value) is None:
                # ``X = to_matrix(frame)``: X is what that function returns, of the package its returned
                # value was converted to (known across files: ``@<callee>`` until then)
                self.adapted.pop(key, None)
                self.hints[key] = "@" + called
                self.symbolic = True
                return
        if kind == "glue" and not dotted.startswith("self."):
            package = self._package_of(node.value)
            if package is None and self._last_adapter:
                package = symbol(self._last_adapter.partition("->")[2])
                if type(node.value) is cst.Call and self._last_adapter_node is not node.value:
                    # ``solver = Solver(t.numpy())``: the conversion is in an argument, what the call makes
                    # may be anything; good enough to name a later conversion's source, not a method's class
                    self.loose.add(key)
                else:
                    self.loose.discard(key)
            else:
                self.loose.discard(key)
            if self._last_adapter:
                self.adapted[key] = self._last_adapter
            else:
                self.adapted.pop(key, None)
            if package is not None:
                self.hints[key] = package
                if package[0] == "@":
                    self.symbolic = True
                return
        elif self.symbolic and not dotted.startswith("self."):
            # ``Z = X``, ``X = X.mean(axis=0)`` (a method of no known class): the same symbolic package, as a
            # method of an array returns an array of its package (numpy's, torch's ``*``)
            value = node.value
            if type(value) is cst.Call and type(value.func) is cst.Attribute and \
                    not callee_of(self.ex.qualname_of_call(value)).resolved:
                value = value.func.value
            package = self._symbolic(value) if type(value) is cst.Name else None
            if package is not None:
                self.adapted.pop(key, None)
                self.hints[key] = package
                return
        self.adapted.pop(key, None)
        self.hints.pop(key, None)
        self.loose.discard(key)

    def _is_logging(self, node: cst.CSTNode) -> bool:
        """``print(...)``, ``logger.info(...)``, ``wandb.log(...)``: conversions made only to log are not glue."""
        if type(node) is not cst.Expr or type(node.value) is not cst.Call:
            return False
        call = node.value
        qualname = self.ex.qualname_of_call(call)
        if qualname in _LOG_CALLS or qualname.startswith(_LOG_PREFIXES):
            return True
        func = call.func
        if type(func) is cst.Attribute and func.attr.value in _LOG_METHODS:
            receiver = _dotted(func.value)
            return receiver is not None and "log" in receiver.lower()
        return False

    def _builds_model(self, node: cst.CSTNode) -> bool:
        """``model = GPT(config)``, ``model = build_model()``: a call bound to a model-named variable (a guess,
        for models built by project code debtscan cannot see into)."""
        if type(node) is not cst.Assign or len(node.targets) != 1 or type(node.value) is not cst.Call:
            return False
        dotted = _dotted(node.targets[0].target)
        if dotted is None:
            return False
        name = dotted.rpartition(".")[2]
        return name in self.code.ml_receivers and self.code.classify(self.ex.qualname_of_call(node.value)) is None

    def _constructs(self, value: cst.BaseExpression, kind: str) -> bool:
        """``StandardScaler()``, ``tiktoken.get_encoding("gpt2")``: an object of a library of that class."""
        if type(value) is not cst.Call:
            return False
        qualname = self.ex.qualname_of_call(value)
        entry = self.code.classify(qualname)
        return entry is not None and entry[0] == kind and callee_of(qualname).resolved

    def _holds_prep(self, node: cst.BaseExpression) -> bool:
        dotted = _dotted(node)
        return dotted is not None and ((self._owner(dotted), dotted) in self.prep_objects
                                       or (MODULE_SCOPE, dotted) in self.prep_objects)

    def _constructs_model(self, value: cst.BaseExpression) -> bool:
        for _ in range(4):
            if type(value) is not cst.Call:
                return False
            qualname = self.ex.qualname_of_call(value)
            if qualname in self.ml_classes:
                return True
            entry = self.code.classify(qualname)
            if entry is not None and entry[0] == "ml" and callee_of(qualname).resolved:
                last = qualname.rpartition(".")[2]
                if last[:1].isupper() or last in _MODEL_FACTORIES:
                    return True
            func = value.func
            if type(func) is not cst.Attribute:
                return False
            value = func.value
        return False

    def _structural_glue(self, node: cst.CSTNode) -> Optional[Tuple[str, str]]:
        """Glue without a conversion call: renaming columns, assembling vectors or records by hand."""
        kind = type(node)
        if kind is cst.Assign:
            for target in node.targets:
                target = target.target
                if type(target) is cst.Attribute and target.attr.value == "columns":
                    return ".columns=", "pandas->pandas"
            value = node.value
            target = node.targets[0].target
            if len(node.targets) == 1 and _string_key(target) and _field_read(value) and not \
                    self._module_attribute(value):
                coerced = value.func.value if type(value) is cst.Call else ""
                return f"[key]={coerced}(field)", "records->records"  # out["age"] = int(body["Age"])
        elif kind is cst.Return or kind is cst.AnnAssign:
            value = node.value
        else:
            return None
        if value is None:
            return None
        value_kind = type(value)
        if value_kind is cst.ListComp or value_kind is cst.GeneratorExp:
            if type(value.elt) is cst.Dict and len(value.elt.elements) >= 2:
                return "[{...} for]", "python->records"
            if _coercion(value.elt):
                return "[coerce for]", "python->python"  # [float(x) for x in row]
            return None
        if value_kind is cst.DictComp:
            if _coercion(value.value):
                return "{k: coerce for}", "records->records"  # {k: float(v) for k, v in ret.items()}
            return None
        if value_kind is cst.Dict:
            items = [e.value for e in value.elements if type(e) is cst.DictElement]
        elif value_kind in _DISPLAYS:
            items = [e.value for e in value.elements]
        else:
            return None
        if len(items) < 3:
            return None
        if all(_field_read(item) and not self._module_attribute(item) for item in items):
            return ("{fields}" if value_kind is cst.Dict else "[fields]"), "records->python"
        return None

    def _module_attribute(self, node: cst.BaseExpression) -> bool:
        """``torch.int32``, ``np.float32``: a name from a module, not a field of a record."""
        return type(node) is cst.Attribute and self.ex.qualname(node.value) is not None

    def _is_setting(self, node: cst.CSTNode) -> bool:
        """A module- or class-level name bound to a constant (a literal, a path, another constant)."""
        kind = type(node)
        if self.ex.scopes[-1].kind == "function" and not (
                kind is cst.Assign and type(node.targets[0].target) is cst.Attribute):
            return False
        if kind is cst.AnnAssign:
            if type(node.target) is not cst.Name:
                return False
            return node.value is None or self._constant(node.value, 0)
        if kind is not cst.Assign:
            return False
        for target in node.targets:
            target = target.target
            if type(target) is cst.Attribute:
                name = self.ex.qualname(target)
                entry = self.code.classify(name) if name else None
                if entry is None or entry[0] != "config":
                    return False
            elif type(target) is not cst.Name:
                return False
        return self._constant(node.value, 0)

    def _constant(self, node: cst.BaseExpression, depth: int) -> bool:
        if depth > 8:
            return False
        kind = type(node)
        if kind in _LITERALS:
            return True
        if kind is cst.Name:
            value = node.value
            return (value in ("True", "False", "None", "__file__") or value in self.ex.constants
                    or value.isupper())
        if kind is cst.Attribute:
            return self.ex.qualname(node.value) is not None or self._constant(node.value, depth + 1)
        if kind is cst.UnaryOperation:
            return self._constant(node.expression, depth + 1)
        if kind is cst.BinaryOperation:
            return self._constant(node.left, depth + 1) and self._constant(node.right, depth + 1)
        if kind in _DISPLAYS:
            elements = node.elements
            return len(elements) <= 200 and all(self._constant(e.value, depth + 1) for e in elements)
        if kind is cst.Dict:
            elements = node.elements
            return len(elements) <= 200 and all(
                type(e) is cst.DictElement and self._constant(e.key, depth + 1)
                and self._constant(e.value, depth + 1) for e in elements)
        if kind is cst.FormattedString:
            return all(type(p) is cst.FormattedStringText or self._constant(p.expression, depth + 1)
                       for p in node.parts)
        if kind is cst.Subscript:
            return self.ex.qualname(node.value) == "os.environ"
        if kind is cst.Call:
            qualname = self.ex.qualname_of_call(node)
            entry = self.code.classify(qualname)
            if qualname not in _CONFIG_BUILDERS and (entry is None or entry[0] != "config"):
                return False
            return len(node.args) <= 20 and all(self._constant(a.value, depth + 1) for a in node.args)
        return False

    def finish(self, out: CollectedFacts) -> None:
        """The statements themselves are collected by the extraction core."""


def symbol(package: str) -> str:
    """``@conv.to_matrix`` of ``@conv.to_matrix~python`` (a symbolic package without its default)."""
    return package.partition("~")[0] if package[:1] == "@" else package


def fallback(adapter: str) -> str:
    """A symbolic adapter (``@conv.to_matrix~?->numpy``: the package of the value ``conv.to_matrix`` returns,
    to numpy) as it reads without knowing that function: each symbolic side its default, ``""`` when a side
    stays unknown (``?``)."""
    source, _, target = adapter.partition("->")
    source = source.partition("~")[2] if source[:1] == "@" else source
    target = target.partition("~")[2] if target[:1] == "@" else target
    return "" if source in ("", "?") or target in ("", "?") else f"{source}->{target}"


def _call_token(name: str, node: cst.Call) -> str:
    """A conversion call in a shape: its name, the node type of its first argument and its keywords
    (``numpy.array(Name;dtype)``), so ``np.array(ids, dtype=np.uint16)`` and ``np.array([...])`` differ."""
    first = ""
    keywords = []
    for arg in node.args:
        if arg.keyword is not None:
            keywords.append(arg.keyword.value)
        elif not first:
            first = "*" if arg.star else type(arg.value).__name__
    return f"{name}({first}{';' + ','.join(keywords) if keywords else ''})"


def _dotted_name(node: cst.BaseExpression) -> str:
    if type(node) is cst.Name:
        return node.value
    if type(node) is cst.Attribute:
        return f"{_dotted_name(node.value)}.{node.attr.value}"
    return ""


_COERCIONS = frozenset({"float", "int", "str", "bool"})


def _coercion(node: cst.BaseExpression) -> bool:
    """``float(v)``, ``int(row["age"])``: a value's type coerced for another API."""
    return (type(node) is cst.Call and type(node.func) is cst.Name and node.func.value in _COERCIONS
            and len(node.args) == 1)


def _string_key(node: cst.BaseExpression) -> bool:
    """``out["age"]``: a record's field by a literal key."""
    if type(node) is not cst.Subscript or type(node.value) not in (cst.Name, cst.Attribute) or len(node.slice) != 1:
        return False
    index = node.slice[0].slice
    return type(index) is cst.Index and type(index.value) is cst.SimpleString


def _reads_column(node: cst.BaseExpression) -> bool:
    """``df["a"]``, ``df["a"].fillna(0)``, ``df.a.dt``: reads a column (by a literal key) of a frame."""
    for _ in range(4):
        kind = type(node)
        if kind is cst.Subscript:
            return _string_key(node)
        if kind is cst.Call and type(node.func) is cst.Attribute:
            node = node.func.value
        elif kind is cst.Attribute:
            node = node.value
        else:
            return False
    return False


def _field_read(node: cst.BaseExpression) -> bool:
    """``row["age"]``, ``row[0]``, ``record.age`` (also wrapped in ``float()``/``int()``)."""
    kind = type(node)
    if kind is cst.Call and len(node.args) == 1 and type(node.func) is cst.Name \
            and node.func.value in ("float", "int", "str", "bool"):
        node = node.args[0].value
        kind = type(node)
    if kind is cst.Subscript:
        if type(node.value) not in (cst.Name, cst.Attribute) or len(node.slice) != 1:
            return False
        index = node.slice[0].slice
        return type(index) is cst.Index and type(index.value) in (cst.SimpleString, cst.Integer)
    if kind is cst.Attribute:
        return type(node.value) is cst.Name and node.value.value not in ("self", "cls")
    return False


KINDS = _KINDS
