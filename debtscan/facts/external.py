"""Facts about the code that meets the changing external world: where models predict, the fixed thresholds
applied to their outputs, the functions that serve requests, the explicit checks of input data and the
reads that guard against a missing file.

Everything happens in the single extraction pass and looks only at the node handed over (and a few levels
of its children, bounded). Which model a prediction comes from is asked of the signal collector
(:mod:`debtscan.facts.signals`), the one place that follows models and predictions through local names: a
call it records as a prediction is a :class:`PredictionFact` here, and a comparison of one of its
predictions with a literal number is a :class:`ThresholdFact`. What counts as a web handler, a validation
library or a logging call is decided later, from the catalogue (``debtscan/knowledge/external.toml``), so
these facts do not depend on the configuration and stay cacheable by content.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

import libcst as cst

from debtscan.facts.collector import CollectedFacts, Collector
from debtscan.facts.literals import string_value
from debtscan.facts.external_model import (
    CheckFact, CheckKind, ClassFact, EndpointFact, ExternalFacts, GuardFact, GuardKind, PredictionFact, ThresholdFact,
)
from debtscan.facts.model import ModelKind
from debtscan.facts.signals import SignalCollector
from debtscan.facts.values import Lit, Sym
from debtscan.knowledge.names import unknown_method, unresolved

_COMPARISONS = {cst.GreaterThan: ">", cst.GreaterThanEqual: ">=", cst.LessThan: "<", cst.LessThanEqual: "<="}
_FLIP = {">": "<", ">=": "<=", "<": ">", "<=": ">="}
# Calls that pass a prediction through unchanged, as far as a threshold goes (``float(p)``, ``np.asarray(p)``).
_PASS_THROUGH = frozenset({"float", "asarray", "array", "squeeze", "ravel", "flatten", "sigmoid", "softmax",
                           "item", "tolist", "numpy", "cpu", "detach", "exp", "expit", "max", "values"})
_GUARD_CALLS = frozenset({"os.path.exists", "os.path.isfile", "os.path.isdir", "os.access", "pathlib.Path.exists",
                          "pathlib.Path.is_file", "pathlib.Path.is_dir"})
_GUARD_METHODS = frozenset({"exists", "is_file", "isfile"})
_MISSING_ERRORS = frozenset({"FileNotFoundError", "IOError", "OSError", "EnvironmentError"})
_CALLBACK_KEYWORDS = frozenset({"fn", "view_func", "func", "predict_fn"})
_MAX_DEPTH = 8


def _key(node: cst.BaseExpression) -> Optional[str]:
    if type(node) is cst.Name:
        return node.value
    if type(node) is cst.Attribute and type(node.value) is cst.Name and node.value.value == "self":
        return f"self.{node.attr.value}"
    return None


def _short_text(node: cst.CSTNode, limit: int = 48) -> str:
    try:
        text = cst.Module(body=[]).code_for_node(node)
    except Exception:  # noqa: BLE001 - a node libcst cannot print: no text, never fatal
        return ""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _names_in(node: cst.CSTNode, depth: int = 0, out: Optional[List[str]] = None) -> List[str]:
    """The names an expression reads (bounded walk)."""
    out = [] if out is None else out
    if depth > _MAX_DEPTH or len(out) > 16:
        return out
    if type(node) is cst.Name:
        out.append(node.value)
        return out
    if type(node) is cst.Attribute:
        out.append(node.attr.value)
    for child in node.children:
        if isinstance(child, cst.CSTNode) and not type(child) in (cst.SimpleString, cst.Integer, cst.Float):
            _names_in(child, depth + 1, out)
    return out


class ExternalCollector(Collector):
    """Collects :class:`ExternalFacts` in the single pass (after the signal collector, which it asks which
    calls are predictions and which names hold predictions)."""

    after = (SignalCollector,)  # reads the models and statements of the signal collector

    enter = {cst.FunctionDef: "on_def", cst.ClassDef: "on_class", cst.For: "on_for", cst.ListComp: "on_comp",
             cst.SetComp: "on_comp", cst.GeneratorExp: "on_comp", cst.DictComp: "on_comp"}
    leave = {cst.Comparison: "off_comparison", cst.Assert: "off_assert", cst.If: "off_if", cst.Try: "off_try"}

    def __init__(self, ex) -> None:
        super().__init__(ex)
        self._signals = None
        self._last: Tuple[Any, int] = (None, 0)  # (the signal collector's statement, predicts seen in it)
        self.prediction_calls: Dict[int, str] = {}  # id(call node) -> model key
        self.predictions: List[Tuple[str, str, int, int, str]] = []  # (model key, method, line, column, scope)
        self.thresholds: List[Tuple[str, str, str, int, int, str, str, str, int]] = []
        self.endpoints: List[EndpointFact] = []
        self.classes: List[ClassFact] = []
        self.checks: List[CheckFact] = []
        self.guards: List[GuardFact] = []
        self.loop_names: Dict[Tuple[str, str], str] = {}  # (scope, loop variable) -> model key

    @property
    def signals(self):
        """The signal collector running beside this one (declared in ``after``)."""
        if self._signals is None:
            self._signals = self.peer(SignalCollector)
        return self._signals

    # -- predictions -----------------------------------------------------------------------------
    def on_call(self, node: cst.Call, qualname: str) -> None:
        signals = self.signals
        if signals is not None and signals.stmts:
            stmt = signals.stmts[-1]
            # the statement itself, not its id: a finished statement's id can be reused by the next one
            seen = self._last[1] if self._last[0] is stmt else 0
            if len(stmt.predicts) > seen:
                model_key = stmt.predicts[-1][1]
                self._last = (stmt, len(stmt.predicts))
                method = qualname.rpartition(".")[2]
                self.prediction_calls[id(node)] = model_key
                self.predictions.append((model_key, method, self.ex.line, self.ex.col, self.ex.scope_name))
            elif self._last[0] is not stmt:
                self._last = (stmt, len(stmt.predicts))
        for arg in node.args:
            if arg.keyword is not None and arg.keyword.value in _CALLBACK_KEYWORDS and type(arg.value) is cst.Name:
                self.endpoints.append(EndpointFact(arg.value.value, self.ex.line, (qualname,), callback=True))

    def _model_of(self, node: cst.BaseExpression, depth: int = 0) -> Optional[str]:
        """The model whose predictions an expression holds, or None."""
        if depth > _MAX_DEPTH:
            return None
        kind = type(node)
        if kind is cst.Call:
            found = self.prediction_calls.get(id(node))
            if found is not None:
                return found
            func = node.func
            if type(func) is cst.Attribute and func.attr.value in self.ex.knowledge.tables.models.predict_methods:
                # a prediction not generated yet (a comprehension's iterable): a known model's method
                key = _key(func.value)
                info = self.signals.get(key) if key is not None and self.signals is not None else None
                if info is not None and info.kind in ("model", "loaded"):
                    return info.model or f"{self.ex.scope_name}:{key}"
            name = func.attr.value if type(func) is cst.Attribute else func.value if type(func) is cst.Name else ""
            if name in _PASS_THROUGH:
                if type(func) is cst.Attribute:
                    inner = self._model_of(func.value, depth + 1)
                    if inner is not None:
                        return inner
                if node.args:
                    return self._model_of(node.args[0].value, depth + 1)
                return None
            signals = self.signals
            if type(func) is cst.Name and signals is not None:
                returned = signals.returns.get(func.value)
                if returned is not None and returned.preds:
                    return returned.preds[0]
            return None
        if kind is cst.Subscript:
            column = _single_string(node)
            key = _key(node.value)
            if column is not None and key is not None and self.signals is not None:
                # ``frame["score"]``: a prediction column of a frame
                info = self.signals.get(key)
                if info is not None:
                    return next((m for c, m in info.pred_cols if c == column), None)
            return self._model_of(node.value, depth + 1)
        if kind is cst.Attribute:
            key = _key(node)
            if key is not None:
                return self._held(key)
            return self._model_of(node.value, depth + 1)
        if kind is cst.Name:
            return self._held(node.value)
        return None

    def _held(self, key: str) -> Optional[str]:
        loop = self.loop_names.get((self.ex.scope_name, key))
        if loop is not None:
            return loop
        signals = self.signals
        if signals is None:
            return None
        info = signals.get(key)
        if info is not None and info.preds and info.kind not in ("model", "loaded"):
            return info.preds[0]
        return None

    def on_comp(self, node) -> None:
        """``[1 if p > 0.5 else 0 for p in proba]``: the element comes before its ``for`` in the source."""
        self._bind_loop(node.for_in.target, node.for_in.iter)

    def on_for(self, node: cst.For) -> None:
        self._bind_loop(node.target, node.iter)

    def _bind_loop(self, target: cst.BaseExpression, iterable: cst.BaseExpression) -> None:
        if not type(target) is cst.Name:
            return
        model = self._model_of(iterable)
        if model is not None:
            self.loop_names[(self.ex.scope_name, target.value)] = model
        else:
            self.loop_names.pop((self.ex.scope_name, target.value), None)

    # -- thresholds ------------------------------------------------------------------------------
    def off_comparison(self, node: cst.Comparison) -> None:
        if len(node.comparisons) != 1:
            return
        target = node.comparisons[0]
        op = _COMPARISONS.get(type(target.operator))
        if op is None:
            return
        left, right = node.left, target.comparator
        number = self._number(right)
        subject = left
        if number is None:
            number = self._number(left)
            subject = right
            op = _FLIP[op]
        if number is None:
            return
        model = self._model_of(subject)
        if model is None:
            return
        value, constant, constant_line = number
        self.thresholds.append((model, op, value, self.ex.stmt_line, 0, self.ex.scope_name, _short_text(subject),
                                constant, constant_line))

    def _number(self, node: cst.BaseExpression) -> Optional[Tuple[str, str, int]]:
        """(source text, constant name, its line) when the expression is a fixed non-integer number."""
        if type(node) is cst.Float:
            return node.value, "", 0
        if type(node) is cst.UnaryOperation and type(node.operator) is cst.Minus and \
                type(node.expression) is cst.Float:
            return "-" + node.expression.value, "", 0
        if type(node) is cst.Name:
            bound = self.ex.scopes[0].bindings.get(node.value)
            local = self.ex.scope.bindings.get(node.value)
            if local is not None and self.ex.scope.kind != "module":
                bound = local if isinstance(local, Lit) else None
            if isinstance(bound, Lit) and isinstance(bound.value, float) and not isinstance(bound.value, bool):
                constant = self.ex.constants.get(node.value)
                return repr(bound.value), node.value, constant.line if constant is not None else 0
        return None

    # -- handlers and classes --------------------------------------------------------------------
    def on_def(self, node: cst.FunctionDef) -> None:
        if not node.decorators:
            return
        decorators: List[str] = []
        routes: List[str] = []
        for decorator in node.decorators:
            expr = decorator.decorator
            call = expr if type(expr) is cst.Call else None
            if call is not None:
                decorators.append(self.ex.qualname_of_call(call))
                first = next((a.value for a in call.args if a.keyword is None), None)
                if type(first) is cst.SimpleString:
                    try:
                        routes.append(str(string_value(first)))
                    except Exception:  # noqa: BLE001 - a malformed literal is no route
                        pass
            else:
                name = self.ex.qualname(expr)
                if name is None and type(expr) is cst.Attribute:
                    name = unknown_method(expr.attr.value)
                decorators.append(name or unresolved())
        annotations: List[Tuple[str, str]] = []
        params = node.params
        for param in (*params.posonly_params, *params.params, *params.kwonly_params):
            annotation = ""
            if param.annotation is not None:
                value = param.annotation.annotation
                base = value.value if type(value) is cst.Subscript else value
                annotation = self.ex.qualname(base) or (base.value if type(base) is cst.Name else "?")
            annotations.append((param.name.value, annotation))
        line = self.ex._func_stack[-1][1] if self.ex._func_stack else self.ex.line
        self.endpoints.append(EndpointFact(self.ex.scope_name, line, tuple(decorators), tuple(routes),
                                           tuple(annotations)))

    def on_class(self, node: cst.ClassDef) -> None:
        bases = []
        for arg in node.bases:
            name = self.ex.qualname(arg.value)
            if name is None and type(arg.value) is cst.Name:
                name = arg.value.value
            bases.append(name or "?")
        line = self.ex._func_stack[-1][1] if self.ex._func_stack else self.ex.line
        self.classes.append(ClassFact(self.ex.scope_name, line, tuple(bases)))

    # -- checks and guards -----------------------------------------------------------------------
    def off_assert(self, node: cst.Assert) -> None:
        self.checks.append(CheckFact(self.ex.stmt_line, self.ex.scope_name, CheckKind.ASSERT, tuple(_names_in(node.test))))

    def off_if(self, node: cst.If) -> None:
        line = self.ex.stmt_line
        end = self.ex.line
        test = node.test
        if self._is_guard(test):
            self.guards.append(GuardFact(line, end, GuardKind.EXISTS))
        if _rejects(node.body):
            self.checks.append(CheckFact(line, self.ex.scope_name, CheckKind.REJECT, tuple(_names_in(test))))

    def _is_guard(self, test: cst.BaseExpression, depth: int = 0) -> bool:
        if depth > 4:
            return False
        if type(test) is cst.UnaryOperation:
            return self._is_guard(test.expression, depth + 1)
        if type(test) is cst.BooleanOperation:
            return self._is_guard(test.left, depth + 1) or self._is_guard(test.right, depth + 1)
        if type(test) is cst.Call:
            name = self.ex.qualname_of_call(test)
            if name in _GUARD_CALLS:
                return True
            return type(test.func) is cst.Attribute and test.func.attr.value in _GUARD_METHODS
        return False

    def off_try(self, node: cst.Try) -> None:
        for handler in node.handlers:
            caught = handler.type
            names = set(_names_in(caught)) if caught is not None else set()
            if names & _MISSING_ERRORS:
                line = self.ex.stmt_line
                self.guards.append(GuardFact(line, self.ex.line, GuardKind.TRY))
                return

    def finish(self, out: CollectedFacts) -> None:
        signals = self.signals
        models = signals.models if signals is not None else {}

        def identity(key: str) -> Tuple[str, int, bool, Optional[Sym]]:
            model = models.get(key)
            if model is None:
                return key.rpartition(":")[2], 0, False, None
            return model.name, model.line, model.kind is ModelKind.FIT, model.artifact

        predictions = []
        for key, method, line, column, scope in self.predictions:
            name, model_line, fitted, artifact = identity(key)
            predictions.append(PredictionFact(name, model_line, method, line, column, scope, fitted, artifact))
        thresholds = []
        for key, op, value, line, column, scope, subject, constant, constant_line in self.thresholds:
            name, model_line, _, _ = identity(key)
            thresholds.append(ThresholdFact(name, model_line, op, value, line, column, scope, subject, constant,
                                            constant_line))
        facts = ExternalFacts(tuple(predictions), tuple(thresholds), tuple(self.endpoints), tuple(self.classes),
                              tuple(self.checks), tuple(self.guards))
        if facts:
            out.external = facts


def _rejects(body: cst.BaseSuite) -> bool:
    """Whether a block raises, aborts or answers with a client error (4xx) among its first statements."""
    statements = body.body if type(body) in (cst.IndentedBlock, cst.SimpleStatementSuite) else ()
    for statement in list(statements)[:4]:
        smalls = statement.body if type(statement) is cst.SimpleStatementLine else (
            [statement] if isinstance(statement, cst.BaseSmallStatement) else [])
        for small in smalls:
            if type(small) is cst.Raise:
                return True
            if type(small) is cst.Expr and type(small.value) is cst.Call:
                func = small.value.func
                name = func.attr.value if type(func) is cst.Attribute else func.value if type(func) is cst.Name else ""
                if name in ("abort", "exit", "fail", "error"):
                    return True
            if type(small) is cst.Return and small.value is not None and _client_error(small.value):
                return True
    return False


def _client_error(node: cst.CSTNode, depth: int = 0) -> bool:
    if depth > 5:
        return False
    if type(node) is cst.Integer:
        return node.value.isdigit() and 400 <= int(node.value) < 500
    return any(_client_error(child, depth + 1) for child in node.children if isinstance(child, cst.CSTNode))



def _single_string(node: cst.Subscript) -> Optional[str]:
    """``frame["score"]``: the one string a subscript names, or None."""
    if len(node.slice) != 1 or not type(node.slice[0].slice) is cst.Index:
        return None
    value = node.slice[0].slice.value
    if type(value) is cst.SimpleString:
        try:
            text = string_value(value)
        except Exception:  # noqa: BLE001 - a malformed literal names nothing
            return None
        return text if isinstance(text, str) else None
    return None
