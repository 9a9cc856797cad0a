"""What each logical line does: ``ml``, ``glue``, ``io``, ``config`` or ``other`` (the glue-code family).

Every statement is classified once, from what the single pass already knows about it:

- ``io``: the I/O catalogue matched a call in it (``frame.io``, counted by the I/O collector);
- ``ml``: a call that ``ml.toml`` names ML (``sklearn...``, ``torch.nn...``, ``model.fit``), a call of or on
  a value that holds a model, optimizer or loss (made by an ML constructor here, or conventionally named
  ``model``/``optimizer``/``criterion``...), or any line inside a class whose base is a model class
  (``nn.Module``, ``keras.Model``, ``BaseEstimator``);
- ``glue``: a call or attribute that only converts data between package types (``.values``,
  ``.to_numpy()``, ``np.array(rows)``, ``pd.DataFrame(records)``, ``torch.tensor(x)``, ``.numpy()``,
  ``json.dumps``, ``astype``/``reshape``/``squeeze``), renaming columns for a downstream API
  (``.rename(columns=...)``, ``df.columns = [...]``), and hand assembly of feature vectors or records
  (``[row["a"], row["b"], row["c"]]``, ``[{"id": i, ...} for ...]``); a conversion made only to print or
  log a value (``print(loss.item())``, ``logger.info(json.dumps(d))``) is not glue;
- ``config``: argument parsing, settings and seeds, and constants (a module- or class-level name bound to
  a literal, a path or another constant);
- ``other``: everything else (control flow, logging, plain logic, imports).

The first matching class in that order wins: a line that both converts and fits is ML. Glue lines carry a
``shape`` (the number of conversions; each conversion call with the node type of its first argument and its
keyword names, and the converting attributes; then the other calls made: every variable name, string and
number is left out, and methods are named without their receiver's type) for
repeated-glue detection, and ``adapters`` (``pandas->numpy``) saying which types they convert between.

Everything here is O(1) per node: dictionary look-ups on qualified names and a look at the node handed over;
no subtree is walked except bounded literal displays (constants) and the top level of a list or dict.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Set, Tuple

import libcst as cst

from debtscan.facts.collector import CollectedFacts, MODULE_SCOPE, Collector, StatementFrame
from debtscan.facts.model import LineKind, LINE_KINDS, StatementFact

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
_LOG_CALLS = frozenset({"builtins.print", "pprint.pprint", "wandb.log", "tqdm.tqdm.write"})
_LOG_PREFIXES = ("logging.", "mlflow.log", "loguru.", "?.set_postfix", "?.add_scalar")
_LOG_METHODS = frozenset({"debug", "info", "warning", "warn", "error", "exception", "critical", "log"})


class _Evidence:
    """What the calls and attributes of one statement showed."""

    __slots__ = ("frame", "ml", "config", "ops", "adapters")

    def __init__(self, frame: StatementFrame) -> None:
        self.frame = frame
        self.ml = False
        self.config = False
        self.ops: List[str] = []
        self.adapters: List[str] = []


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
        self.class_stack: List[bool] = []
        self.ml_classes: Set[str] = set()
        self.ml_objects: Set[Tuple[str, str]] = set()
        self.hints: Dict[Tuple[str, str], str] = {}
        self._last_adapter = ""

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
        entry = self.code.classify(qualname)
        kind = entry[0] if entry is not None else None
        if kind is None:
            if qualname in self.ml_classes:
                kind = "ml"
            elif qualname.startswith("?"):
                holder = receiver if receiver is not None else (func if type(func) is cst.Name else None)
                if holder is not None and self._holds_model(holder):
                    kind = "ml"
            elif receiver is not None:
                owner, _, method = qualname.rpartition(".")
                if owner in self.ex.knowledge.method_returns:
                    # a method of a known data type that the catalogue does not list by its full name
                    entry = self.code.methods.get(method)
                    if entry is not None and entry[0] == "glue":
                        kind = "glue"
                        qualname = "?." + method
                    else:
                        entry = None
                else:
                    entry = self.code.classify_method(qualname)
                    if entry is not None:
                        kind = entry[0]
                    elif self._holds_model(receiver):
                        kind = "ml"
        if kind is None or kind == "other":
            if kind is None and (qualname == "?.rename" or qualname.endswith(".DataFrame.rename")):
                if any(a.keyword is not None and a.keyword.value == "columns" for a in node.args):
                    evidence = self._frame_evidence()
                    if evidence is not None:
                        evidence.ops.append(_call_token(".rename", node))
                        evidence.adapters.append("pandas->pandas")
            return
        evidence = self._frame_evidence()
        if evidence is None:
            return
        if kind == "ml":
            evidence.ml = True
        elif kind == "config":
            evidence.config = True
        elif kind == "glue":
            evidence.ops.append(_call_token(self._token(qualname), node))
            adapter = self._adapter(entry[1], qualname, node, receiver)
            if adapter:
                evidence.adapters.append(adapter)

    def on_attribute(self, node: cst.Attribute) -> None:
        spec = self.code.attributes.get(node.attr.value)
        if spec is None or id(node) in self.call_funcs:
            return
        receiver = node.value
        if type(receiver) is cst.Name and receiver.value in ("self", "cls"):
            return
        source, _, target = spec.partition("->")
        package = self._package_of(receiver)
        if package is not None and package != source:
            return
        evidence = self._frame_evidence()
        if evidence is not None:
            evidence.ops.append("." + node.attr.value)
            evidence.adapters.append(spec)

    def on_class(self, node: cst.ClassDef) -> None:
        is_model = bool(self.class_stack) and self.class_stack[-1]
        if not is_model:
            bases = self.code.ml_bases
            for arg in node.bases:
                name = self.ex.qualname(arg.value)
                if name is not None and (name in bases or name in self.ml_classes):
                    is_model = True
                    break
        self.class_stack.append(is_model)
        if is_model and len(self.ex.scopes) == 2:
            self.ml_classes.add(f"{self.ex.module}.{node.name.value}")

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
            scope = self.ex.scope_name
            hint = self.hints.get((scope, node.value)) or self.hints.get((MODULE_SCOPE, node.value))
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

    def _adapter(self, spec: str, qualname: str, node: cst.Call, receiver) -> str:
        source, _, target = spec.partition("->")
        if qualname.startswith("?."):
            known = self._package_of(receiver) if receiver is not None else None
            if known is not None:
                source = known
        elif source in ("python", "records"):
            for arg in node.args:
                if arg.keyword is None and not arg.star:
                    known = self._package_of(arg.value)
                    if known is not None:
                        source = known
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
        kind = LineKind.OTHER
        shape = ""
        adapters: Tuple[str, ...] = ()
        if frame.io:
            kind = LineKind.IO
        elif self.class_stack and self.class_stack[-1]:
            kind = LineKind.ML
        elif evidence is not None and evidence.ml:
            kind = LineKind.ML
        elif evidence is not None and evidence.ops and not self._is_logging(node):
            kind = LineKind.GLUE
            adapters = tuple(dict.fromkeys(evidence.adapters))
            shape = self._shape(frame, evidence.ops)
        else:
            structural = self._structural_glue(node)
            if structural is not None:
                kind = LineKind.GLUE
                adapters = (structural[1],)
                shape = self._shape(frame, [structural[0]])
            elif self._builds_model(node):
                kind = LineKind.ML
            elif (evidence is not None and evidence.config) or self._is_setting(node):
                kind = LineKind.CONFIG
        self._last_adapter = adapters[-1] if adapters else ""
        self._track(node, kind)
        return StatementFact(frame.line, frame.end_line, kind, shape, adapters, frame.scope)

    def _shape(self, frame: StatementFrame, ops: List[str]) -> str:
        converted = {op.partition("(")[0] for op in ops}
        others = [token for token in map(self._token, frame.calls) if token not in converted]
        return f"[{len(ops)}]:" + ",".join(ops) + ("|" + ",".join(others) if others else "")

    def _token(self, qualname: str) -> str:
        """A call in a shape: a method by its name alone (whether or not the receiver's type is known)."""
        if qualname.startswith("?."):
            return qualname[1:]
        if qualname.startswith("?"):
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
        if kind == "glue" and not dotted.startswith("self."):
            package = self._package_of(node.value)
            if package is None and self._last_adapter:
                package = self._last_adapter.partition("->")[2]
            if package is not None:
                self.hints[key] = package
                return
        self.hints.pop(key, None)

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

    def _constructs_model(self, value: cst.BaseExpression) -> bool:
        for _ in range(4):
            if type(value) is not cst.Call:
                return False
            qualname = self.ex.qualname_of_call(value)
            if qualname in self.ml_classes:
                return True
            entry = self.code.classify(qualname)
            if entry is not None and entry[0] == "ml" and not qualname.startswith("?"):
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
            return None
        if value_kind is cst.Dict:
            items = [e.value for e in value.elements if isinstance(e, cst.DictElement)]
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
                isinstance(e, cst.DictElement) and self._constant(e.key, depth + 1)
                and self._constant(e.value, depth + 1) for e in elements)
        if kind is cst.FormattedString:
            return all(isinstance(p, cst.FormattedStringText) or self._constant(p.expression, depth + 1)
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
        return isinstance(index, cst.Index) and type(index.value) in (cst.SimpleString, cst.Integer)
    if kind is cst.Attribute:
        return type(node.value) is cst.Name and node.value.value not in ("self", "cls")
    return False


KINDS = _KINDS
