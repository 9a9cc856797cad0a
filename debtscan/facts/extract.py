"""The single extraction pass.

libcst's visitor framework rebuilds every node it visits, and its Position/Scope/QualifiedName metadata
providers cost several times the parse again. debtscan instead walks the tree once while generating its
code (:class:`debtscan.facts.codegen.PositionedWalk`, the one module using libcst internals), whose hooks see
every node in source order together with its exact line and column, for about a quarter of the parse's
cost. Import aliases, scopes and local bindings are tracked here; fact families plug in as
:class:`~debtscan.facts.collector.Collector` objects that receive the nodes they asked for, in an order
their ``after`` declarations decide, and fill a typed :class:`~debtscan.facts.collector.CollectedFacts`.
"""
from __future__ import annotations

import builtins
import inspect
import re
import types
from dataclasses import field
from typing import Callable, Dict, List, Optional, Sequence, Tuple, Type, TypeVar

import libcst as cst

from debtscan.facts.model import (
    CallFact,
    CellSpan,
    ConstantFact,
    FileFacts,
    FunctionFact,
    ImportFact,
    IOFact,
    IOMode,
    LineKind,
    StatementFact,
    SuppressionFact,
)
from debtscan.facts.values import (
    Choice,
    Concat,
    Format,
    Here,
    Lit,
    Param,
    Arg,
    PathJoin,
    PathOp,
    Ref,
    Seq,
    Sym,
    Unknown,
    Why,
)
from debtscan.facts.codegen import Handlers, PositionedWalk, chain
from debtscan.facts.literals import integer_value, string_value
from debtscan.facts.collector import (  # noqa: F401 (re-exported)
    MODULE_SCOPE,
    CollectedFacts,
    Collector,
    CollectorOrderError,
    StatementFrame,
    ordered,
)
from debtscan.knowledge import Knowledge
from debtscan.knowledge.names import unknown_method, unresolved
from debtscan.records import record

_BUILTINS = frozenset(dir(builtins))
# Standard modules a ``from project_module import *`` commonly brings along (the module did ``import os``):
# an unbound ``os.path.join`` in such a file is the standard one.
_STAR_REEXPORTED = frozenset({"os", "sys", "re", "json", "csv", "glob", "pickle", "shutil"})
_SMALL_STATEMENTS = (
    cst.Expr, cst.Assign, cst.AnnAssign, cst.AugAssign, cst.Return, cst.Raise, cst.Assert, cst.Import,
    cst.ImportFrom, cst.Pass, cst.Break, cst.Continue, cst.Del, cst.Global, cst.Nonlocal,
)
_COMPOUND_STATEMENTS = (
    cst.If, cst.For, cst.While, cst.With, cst.Try, cst.FunctionDef, cst.ClassDef, cst.Match, cst.TryStar,
)
_SUPPRESSION = re.compile(r"#\s*debtscan:\s*(ignore-file|ignore)(?:\[([A-Za-z0-9_,\s-]*)\])?")


@record
class Scope:
    """A function, class or the module: its name and what its local names are bound to."""

    name: str
    kind: str
    params: Dict[str, Param] = field(default_factory=dict)
    bindings: Dict[str, Sym] = field(default_factory=dict)
    types: Dict[str, str] = field(default_factory=dict)
    nodes: Dict[str, cst.BaseExpression] = field(default_factory=dict)


C = TypeVar("C", bound=Collector)

# The core's own handlers (methods of :class:`Extraction`), by node type.
_CORE_BEFORE: Dict[type, str] = {cst.Call: "_enter_call", cst.IndentedBlock: "_enter_suite",
                                 cst.SimpleStatementSuite: "_enter_suite"}
_CORE_BEFORE.update((kind, "_enter_small") for kind in _SMALL_STATEMENTS)
_CORE_BEFORE.update((kind, "_enter_compound") for kind in _COMPOUND_STATEMENTS)
_CORE_AFTER: Dict[type, str] = {kind: "_leave_small" for kind in _SMALL_STATEMENTS}
_CORE_AFTER.update((kind, "_leave_compound") for kind in _COMPOUND_STATEMENTS)
_CORE_AFTER[cst.FunctionDef] = _CORE_AFTER[cst.ClassDef] = "_leave_def_statement"


@record(frozen=True)
class _Plan:
    """Who handles what, for one list of collector classes: the collectors in run order, and per node type
    the (owner, method name) steps before and after its code (owner 0 is the extraction itself, owner
    ``i + 1`` the ``i``-th collector). Computed once per list.

    ``before_functions``/``after_functions``: the same steps with each method as the plain function its
    class defines, (owner, function), so that a file's walk calls ``function(owner, node)`` without binding
    any method per file; None when some handler is not a plain function (then each file binds its own)."""

    key: Tuple[type, Tuple[Type[Collector], ...]]
    order: Tuple[Type[Collector], ...]
    before: Dict[type, Tuple[Tuple[int, str], ...]]
    after: Dict[type, Tuple[Tuple[int, str], ...]]
    before_functions: Optional[Dict[type, Tuple[Tuple[int, Callable], ...]]] = None
    after_functions: Optional[Dict[type, Tuple[Tuple[int, Callable], ...]]] = None


_PLANS: Dict[Tuple[type, Tuple[Type[Collector], ...]], _Plan] = {}


def _functions(steps: Dict[type, Tuple[Tuple[int, str], ...]], owners: Sequence[type]
               ) -> Optional[Dict[type, Tuple[Tuple[int, Callable], ...]]]:
    """``steps`` with each method name replaced by the plain function its owner's class defines, or None
    when one is not a plain function (a static or class method, a descriptor)."""
    out: Dict[type, Tuple[Tuple[int, Callable], ...]] = {}
    for kind, handlers in steps.items():
        resolved = []
        for index, method in handlers:
            function = inspect.getattr_static(owners[index], method, None)
            if not isinstance(function, types.FunctionType):
                return None
            resolved.append((index, function))
        out[kind] = tuple(resolved)
    return out


def _plan(walker: type, kinds: Tuple[Type[Collector], ...]) -> _Plan:
    plan = _PLANS.get((walker, kinds))
    if plan is not None:
        return plan
    order = tuple(ordered(kinds))
    enter: Dict[type, List[Tuple[int, str]]] = {}
    leave: Dict[type, List[Tuple[int, str]]] = {}
    for index, collector in enumerate(order, start=1):
        for table, target in ((collector.enter, enter), (collector.leave, leave)):
            for node_type, method in table.items():
                target.setdefault(node_type, []).append((index, method))
    before = {kind: tuple(([(0, _CORE_BEFORE[kind])] if kind in _CORE_BEFORE else []) + enter.get(kind, []))
              for kind in set(_CORE_BEFORE) | set(enter)}
    after = {kind: tuple(leave.get(kind, []) + ([(0, _CORE_AFTER[kind])] if kind in _CORE_AFTER else []))
             for kind in set(_CORE_AFTER) | set(leave)}
    owners = (walker, *order)
    plan = _PLANS[(walker, kinds)] = _Plan((walker, kinds), order, before, after, _functions(before, owners),
                                           _functions(after, owners))
    return plan


class Extraction(PositionedWalk):
    """Walks one module in source order (by generating its code) and gathers FileFacts."""

    __slots__ = (
        "module", "is_package", "knowledge", "paths", "aliases", "scopes", "toplevel",
        "imports", "calls", "constants", "functions", "stmt_stack", "statements", "collectors",
        "_by_kind", "plan", "_call_hooks", "_statement_hooks", "_call_names", "_func_stack", "text",
        "star_imports", "_owners", "_before_functions", "_after_functions",
    )

    def __init__(self, module: cst.Module, module_name: str, is_package: bool, knowledge: Knowledge,
                 collector_types: Sequence[Type[Collector]]) -> None:
        PositionedWalk.__init__(self, module)
        self.module = module_name
        self.is_package = is_package
        self.knowledge = knowledge
        self.paths = knowledge.tables.paths  # signals.toml [paths]: path functions
        self.aliases: Dict[str, str] = {}
        self.star_imports: List[str] = []  # the modules this file star-imports
        self.scopes: List[Scope] = [Scope(MODULE_SCOPE, "module")]
        self.toplevel = {
            stmt.name.value
            for stmt in module.body
            if type(stmt) in (cst.FunctionDef, cst.ClassDef)
        }
        self.imports: List[ImportFact] = []
        self.calls: List[CallFact] = []
        self.constants: Dict[str, ConstantFact] = {}
        self.functions: List[FunctionFact] = []
        self.stmt_stack: List[StatementFrame] = []
        self.statements: List[StatementFact] = []
        self._call_names: Dict[int, str] = {}
        self._func_stack: List[Tuple[str, int]] = []
        self.text = ""  # the source, for collectors that read it in finish()
        plan = _plan(type(self), tuple(collector_types))
        self.plan = plan
        self.collectors = [c(self) for c in plan.order]
        self._owners = (self, *self.collectors)
        self._before_functions = plan.before_functions
        self._after_functions = plan.after_functions
        self._by_kind: Dict[type, Collector] = {type(c): c for c in self.collectors}
        # only the collectors that override a hook are asked (the base's hooks do nothing)
        self._call_hooks = [c.on_call for c in self.collectors if type(c).on_call is not Collector.on_call]
        self._statement_hooks = [c.on_statement for c in self.collectors
                                 if type(c).on_statement is not Collector.on_statement]
        self._before = Handlers(self._bind_before)
        self._after = Handlers(self._bind_after)

    def before_codegen(self, node: cst.CSTNode) -> None:
        functions = self._before_functions
        if functions is None:  # handlers bound per file (see _Plan)
            return PositionedWalk.before_codegen(self, node)
        steps = functions.get(type(node))
        if steps is not None:
            owners = self._owners
            for index, function in steps:
                function(owners[index], node)

    def after_codegen(self, node: cst.CSTNode) -> None:
        functions = self._after_functions
        if functions is None:
            return PositionedWalk.after_codegen(self, node)
        steps = functions.get(type(node))
        if steps is not None:
            owners = self._owners
            for index, function in steps:
                function(owners[index], node)

    def _bind_before(self, kind: type) -> Optional[Callable]:
        """The handlers of a node type met for the first time in this file: the core's, then the collectors'."""
        return self._handlers(self.plan.before.get(kind))

    def _bind_after(self, kind: type) -> Optional[Callable]:
        """The handlers after a node type's code: the collectors' first, then the core's."""
        return self._handlers(self.plan.after.get(kind))

    def _handlers(self, steps: Optional[Tuple[Tuple[int, str], ...]]) -> Optional[Callable]:
        if not steps:
            return None
        owners = (self, *self.collectors)
        return chain([getattr(owners[index], method) for index, method in steps])

    def collector(self, kind: Type[C]) -> C:
        """The running collector of class ``kind`` (see :meth:`Collector.peer`)."""
        found = self._by_kind.get(kind)
        if found is None:
            raise CollectorOrderError(f"no {kind.__name__} in this extraction")
        return found  # type: ignore[return-value]

    def _enter_small(self, node: cst.CSTNode) -> None:
        self.stmt_stack.append(StatementFrame(node, self.line, self.scopes[-1].name))

    def _enter_compound(self, node: cst.CSTNode) -> None:
        kind = type(node)
        line = self.line + len(node.leading_lines)
        if kind is cst.FunctionDef or kind is cst.ClassDef:
            line += sum(1 + len(d.leading_lines) for d in node.decorators) + len(node.lines_after_decorators)
            self._enter_def(node, line)
        elif kind is cst.For:
            self._bind_loop(node)
        self.stmt_stack.append(StatementFrame(node, line, self.scopes[-1].name))

    def _enter_suite(self, node: cst.CSTNode) -> None:
        """The body of a compound statement starts: its header (``for ...:``) ends here."""
        if self.stmt_stack:
            frame = self.stmt_stack[-1]
            if not frame.end_line and type(frame.node) in _COMPOUND_SET:
                frame.end_line = self.line

    def _leave_compound(self, node: cst.CSTNode) -> None:
        """Classify a compound statement's header line (``with open(p) as f:``) once its body is generated.

        A header that calls nothing and touches no file (``def f(x):``, ``else:``, ``for row in rows:``) is
        structure, not code that does something, and is not counted as a logical line of code.
        """
        frame = self.stmt_stack.pop()
        if frame.calls or frame.io:
            self._classify(frame, frame.end_line or frame.line)

    def _leave_def_statement(self, node: cst.CSTNode) -> None:
        self._leave_compound(node)
        self._leave_def(node)

    def _leave_small(self, node: cst.CSTNode) -> None:
        self._classify(self.stmt_stack.pop(), self.line)
        kind = type(node)
        if kind is cst.Assign or kind is cst.AnnAssign or kind is cst.AugAssign:
            self._bind_assignment(node)
        elif kind is cst.Import or kind is cst.ImportFrom:
            self._record_import(node)

    # -- scopes ----------------------------------------------------------------------------------
    @property
    def scope(self) -> Scope:
        return self.scopes[-1]

    @property
    def scope_name(self) -> str:
        return self.scopes[-1].name

    def _enter_def(self, node, line: int) -> None:
        outer = self.scopes[-1]
        prefix = "" if outer.kind == "module" else outer.name + "."
        name = prefix + node.name.value
        if type(node) is cst.FunctionDef:
            scope = Scope(name, "function")
            for param in _all_params(node.params):
                pname = param.name.value
                default = self.sym(param.default) if param.default is not None else None
                scope.params[pname] = Param(name, pname, default)
                scope.bindings[pname] = scope.params[pname]
        else:
            scope = Scope(name, "class")
        self.scopes.append(scope)
        self._func_stack.append((name, line))

    def _leave_def(self, node) -> None:
        scope = self.scopes.pop()
        name, line = self._func_stack.pop()
        if scope.kind == "function":
            self.functions.append(FunctionFact(name, tuple(scope.params), line, self.line - 1))

    def lookup(self, name: str) -> Optional[Sym]:
        """What a bare name is bound to here: a local, a parameter, a module-level value or an import."""
        local = self.scopes[-1].bindings.get(name)
        if local is not None:
            return local
        module_value = self.scopes[0].bindings.get(name)
        if module_value is not None:
            return module_value
        if name in self.aliases:
            return Ref(self.aliases[name])
        return None

    def type_of(self, node: cst.BaseExpression) -> Optional[str]:
        """The known type of a value: from how it was made (``pd.read_csv`` -> ``pandas.DataFrame``)."""
        if type(node) is cst.Name:
            for scope in (self.scopes[-1], self.scopes[0]):
                if node.value in scope.types:
                    return scope.types[node.value]
            return None
        if type(node) is cst.Call:
            return self.knowledge.return_type(self.qualname_of_call(node))
        if type(node) is cst.Subscript:
            base = self.type_of(node.value)
            return self.knowledge.subscript_type(base) if base else None
        if type(node) is cst.Attribute:
            base = self.type_of(node.value)
            if base:
                return self.knowledge.attribute_type(base, node.attr.value)
            qualname = self.qualname(node)
            return self.knowledge.return_type(qualname) if qualname else None
        if type(node) is cst.BinaryOperation and type(node.operator) is cst.Divide:
            # ``root / "data"`` is a path when ``root`` is one (its type's ``__truediv__``)
            left = self.type_of(node.left)
            table = self.knowledge.method_returns.get(left) if left else None
            return table.get("__truediv__") or None if table else None
        return None

    # -- names -----------------------------------------------------------------------------------
    def qualname(self, node: cst.BaseExpression) -> Optional[str]:
        """Qualified name of a name or attribute chain through import aliases; None when unknown."""
        if type(node) is cst.Name:
            value = node.value
            scope = self.scopes[-1]
            if value in scope.bindings and scope.kind != "module":
                return None
            if value in self.aliases:
                return self.aliases[value]
            if value in self.toplevel:
                return f"{self.module}.{value}"
            if value in _BUILTINS and value not in self.scopes[0].bindings:
                return f"builtins.{value}"
            if self.star_imports and value in _STAR_REEXPORTED and value not in self.scopes[0].bindings:
                return value
            return None
        if type(node) is cst.Attribute:
            base = self.qualname(node.value)
            if base is not None:
                return f"{base}.{node.attr.value}"
            receiver = self.type_of(node.value)
            if receiver is not None:
                return f"{receiver}.{node.attr.value}"
            return None
        return None

    def qualname_of_call(self, node: cst.Call) -> str:
        """The callee's qualified name; ``?.method`` for a method of a value of unknown type."""
        key = id(node)
        cached = self._call_names.get(key)
        if cached is not None:
            return cached
        func = node.func
        name = self.qualname(func)
        if name is None:
            if type(func) is cst.Attribute:
                name = unknown_method(func.attr.value)
            elif type(func) is cst.Name:
                star = self.star_imports
                # a function of the one module this file star-imports (from pkg.helpers import *)
                name = f"{star[0]}.{func.value}" if len(star) == 1 and not \
                    (func.value in self.scopes[-1].bindings or func.value in self.scopes[0].bindings) \
                    else unresolved(func.value)
            else:
                name = unresolved()
        self._call_names[key] = name
        return name

    def _enter_call(self, node: cst.Call) -> None:
        name = self.qualname_of_call(node)
        self.calls.append(CallFact(name, self.line, self.col, self.scopes[-1].name))
        if self.stmt_stack:
            self.stmt_stack[-1].calls.append(name)
        for on_call in self._call_hooks:
            on_call(node, name)

    # -- imports ---------------------------------------------------------------------------------
    def _record_import(self, node) -> None:
        line = self.stmt_line
        if type(node) is cst.Import:
            for alias in node.names:
                target = _dotted(alias.name)
                if alias.asname is not None:
                    local = alias.asname.name.value
                    self.aliases[local] = target
                else:
                    local = target.split(".")[0]
                    self.aliases[local] = local
                self.imports.append(ImportFact(target, local, line))
            return
        base = self._resolve_from(node)
        if base is None or type(node.names) is cst.ImportStar:
            if base is not None:
                self.imports.append(ImportFact(base, "*", line, True))
                self.star_imports.append(base)
            return
        for alias in node.names:
            name = _dotted(alias.name)
            local = alias.asname.name.value if alias.asname is not None else name
            target = f"{base}.{name}" if base else name
            self.aliases[local] = target
            self.imports.append(ImportFact(target, local, line, True))

    def _resolve_from(self, node: cst.ImportFrom) -> Optional[str]:
        module = _dotted(node.module) if node.module is not None else ""
        level = len(node.relative)
        if not level:
            return module
        parts = self.module.split(".")
        if not self.is_package:
            parts = parts[:-1]
        if level > 1:
            if level - 1 > len(parts):
                return None
            parts = parts[: len(parts) - (level - 1)]
        base = ".".join(parts)
        return f"{base}.{module}" if base and module else (base or module)

    # -- statements and bindings -----------------------------------------------------------------
    @property
    def stmt_line(self) -> int:
        return self.stmt_stack[-1].line if self.stmt_stack else self.line

    def _classify(self, frame: StatementFrame, end_line: int) -> None:
        frame.end_line = max(frame.line, end_line)
        node = frame.node
        if type(node) is cst.Expr and type(node.value) in (cst.SimpleString, cst.ConcatenatedString):
            return
        for on_statement in self._statement_hooks:
            fact_ = on_statement(frame)
            if fact_ is not None:
                self.statements.append(fact_)
                return
        self.statements.append(StatementFact(frame.line, frame.end_line, LineKind.OTHER, scope=frame.scope))

    def _bind_assignment(self, node) -> None:
        value = node.value
        if value is None:
            return
        if type(node) is cst.AugAssign:
            if type(node.target) is cst.Name and type(node.operator) is cst.AddAssign:
                name = node.target.value
                previous = self.lookup(name)
                self._bind(name, Concat((previous or Unknown(Why.AUGMENTED), self.sym(value))), value, None)
            return
        targets = [t.target for t in node.targets] if type(node) is cst.Assign else [node.target]
        sym_value = None
        type_ = None
        for target in targets:
            if type(target) is cst.Name:
                if sym_value is None:
                    sym_value = self.sym(value)
                    type_ = self.type_of(value)
                self._bind(target.value, sym_value, value, type_)
            elif type(target) in (cst.Tuple, cst.List):
                for element in target.elements:
                    if type(element.value) is cst.Name:
                        self._bind(element.value.value, Unknown(Why.UNPACKED), None, None)

    def _bind(self, name: str, value: Sym, node: Optional[cst.BaseExpression], type_: Optional[str]) -> None:
        scope = self.scopes[-1]
        scope.bindings[name] = value
        if node is not None:
            scope.nodes[name] = node
        if type_:
            scope.types[name] = type_
        else:
            scope.types.pop(name, None)
        if scope.kind == "module" and not isinstance(value, Unknown):
            self.constants[name] = ConstantFact(name, value, self.stmt_line if self.stmt_stack else self.line)
        elif scope.kind == "module":
            self.constants.pop(name, None)

    def _bind_loop(self, node: cst.For) -> None:
        target = node.target
        if type(target) is cst.Name:
            iterable = self.sym(node.iter)
            if isinstance(iterable, Seq):
                self.scopes[-1].bindings[target.value] = Choice(iterable.items)

    # -- symbolic evaluation ---------------------------------------------------------------------
    def sym(self, node: Optional[cst.BaseExpression], depth: int = 0) -> Sym:
        """What an expression is known to be, without evaluating any code."""
        if node is None or depth > 40:
            return Unknown(Why.DEEP)
        kind = type(node)
        if kind is cst.SimpleString:
            try:
                value = string_value(node)
            except Exception:  # noqa: BLE001 - malformed literal: unknown, never fatal
                return Unknown(Why.STRING)
            return Lit(value if isinstance(value, str) else value.decode("latin-1"))
        if kind is cst.Integer or kind is cst.Float:
            try:
                return Lit(integer_value(node) if kind is cst.Integer else node.evaluated_value)
            except Exception:  # noqa: BLE001
                return Unknown(Why.NUMBER)
        if kind is cst.Name:
            value = node.value
            if value in ("True", "False", "None"):
                return Lit({"True": True, "False": False, "None": None}[value])
            if value == "__file__":
                return Here()
            bound = self.lookup(value)
            return bound if bound is not None else Unknown(Why.NAME, value)
        if kind is cst.ConcatenatedString:
            return Concat((self.sym(node.left, depth + 1), self.sym(node.right, depth + 1)))
        if kind is cst.FormattedString:
            parts: List[Sym] = []
            for part in node.parts:
                if type(part) is cst.FormattedStringText:
                    parts.append(Lit(part.value.replace("{{", "{").replace("}}", "}")))
                else:
                    value = self.sym(part.expression, depth + 1)
                    spec = part.format_spec
                    if spec and len(spec) == 1 and type(spec[0]) is cst.FormattedStringText and \
                            re.fullmatch(r"0?\d{1,2}d", spec[0].value):
                        # f"{month:02d}": the spec shapes the text (resolved in debtscan.project.paths)
                        value = Format(Lit("{:" + spec[0].value + "}"), (value,), (), ())
                    parts.append(value)
            return Concat(tuple(parts))
        if kind is cst.List or kind is cst.Tuple or kind is cst.Set:
            items = []
            for element in node.elements:
                if type(element) is cst.StarredElement:
                    inner = self.sym(element.value, depth + 1)
                    if isinstance(inner, Seq):
                        items.extend(inner.items)
                        continue
                    return Unknown(Why.STARRED)
                items.append(self.sym(element.value, depth + 1))
            return Seq(tuple(items))
        if kind is cst.BinaryOperation:
            op = type(node.operator)
            left = self.sym(node.left, depth + 1)
            right = self.sym(node.right, depth + 1)
            if op is cst.Add:
                if isinstance(left, Seq) and isinstance(right, Seq):
                    return Seq(left.items + right.items)
                return Concat((left, right))
            if op is cst.Divide:
                return PathJoin((left, right))
            if op is cst.Modulo:
                args = right.items if isinstance(right, Seq) else (right,)
                return Format(left, tuple(args), (), (), "percent")
            return Unknown(Why.ARITHMETIC)
        if kind is cst.Attribute:
            qualname = self.qualname(node)
            base_sym = None
            properties = self.paths.properties
            if node.attr.value in properties and self.type_of(node.value) == "pathlib.Path":
                return PathOp(properties[node.attr.value], self.sym(node.value, depth + 1))
            if qualname is not None and type(node.value) in (cst.Name, cst.Attribute) and self.qualname(node.value):
                return Ref(qualname)
            prop = properties.get(node.attr.value)
            if prop:
                base_sym = self.sym(node.value, depth + 1)
                if type(base_sym) is Unknown and (base_sym.why is Why.UNPACKED or base_sym.why is Why.CALL and
                                                  base_sym.detail.endswith(("parse_args", "parse_known_args"))):
                    return Unknown(Why.ATTRIBUTE, node.attr.value)  # args.name: an argument, not a path's name
                return PathOp(prop, base_sym)
            return Unknown(Why.ATTRIBUTE, node.attr.value)
        if kind is cst.Call:
            return self._sym_call(node, depth)
        if kind is cst.IfExp:
            options = Choice((self.sym(node.body, depth + 1), self.sym(node.orelse, depth + 1)))
            test = self.sym(node.test, depth + 1) if type(node.test) is cst.Name else None
            if type(test) is Param:
                # ``"aug_" if augmented else ""``: the caller's argument decides (PathOp "if", see Resolver)
                return PathOp("if", options, test)
            return options
        if kind is cst.Subscript and type(node.value) is cst.Attribute and node.value.attr.value == "argv" \
                and len(node.slice) == 1 and type(node.slice[0].slice) is cst.Index \
                and type(node.slice[0].slice.value) is cst.Integer and self.qualname(node.value) == "sys.argv":
            # sys.argv[1]: the first word the runner passes (debtscan.project.argv)
            index = int(node.slice[0].slice.value.evaluated_value)
            return Arg("", index) if index >= 1 else Unknown(Why.ARGUMENT)
        if kind is cst.Subscript and type(node.value) is cst.Attribute and node.value.attr.value == "parents" \
                and len(node.slice) == 1 and type(node.slice[0].slice) is cst.Index \
                and type(node.slice[0].slice.value) is cst.Integer:
            # Path(__file__).resolve().parents[2]: three dirname steps up
            value = self.sym(node.value.value, depth + 1)
            levels = node.slice[0].slice.value.evaluated_value
            for _ in range(min(int(levels), 20) + 1):
                value = PathOp("dirname", value)
            return value
        return Unknown(Why.EXPRESSION, kind.__name__)

    def _sym_call(self, node: cst.Call, depth: int) -> Sym:
        qualname = self.qualname_of_call(node)
        args = [a for a in node.args if a.keyword is None and not a.star]
        paths = self.paths
        if qualname in paths.joins or qualname in paths.constructors:
            if not args:
                return Lit(".")
            return PathJoin(tuple(self.sym(a.value, depth + 1) for a in args))
        if qualname in paths.operations and args:
            return PathOp(paths.operations[qualname], self.sym(args[0].value, depth + 1))
        if qualname in paths.passthrough and len(args) == 1:
            return self.sym(args[0].value, depth + 1)
        folder = paths.folders.get(qualname)
        if folder is not None:
            return Lit(folder)
        func = node.func
        if type(func) is cst.Attribute:
            method = func.attr.value
            if method == "format":
                template = self.sym(func.value, depth + 1)
                kw = [a for a in node.args if a.keyword is not None]
                return Format(
                    template,
                    tuple(self.sym(a.value, depth + 1) for a in args),
                    tuple(a.keyword.value for a in kw),
                    tuple(self.sym(a.value, depth + 1) for a in kw),
                )
            if method == "joinpath":
                return PathJoin((self.sym(func.value, depth + 1),) + tuple(self.sym(a.value, depth + 1) for a in args))
            if method in ("with_suffix", "with_name") and args:
                return PathOp(method, self.sym(func.value, depth + 1), self.sym(args[0].value, depth + 1))
            if method in paths.method_operations:
                return PathOp(paths.method_operations[method], self.sym(func.value, depth + 1))
            if method in ("get", "getenv") and qualname in ("os.environ.get", "os.getenv"):
                default = args[1].value if len(args) > 1 else None
                return self.sym(default, depth + 1) if default is not None else Unknown(Why.ENV)
        return Unknown(Why.CALL, qualname)

    # -- result ----------------------------------------------------------------------------------
    def result(self, path: str, text: str, cells: Tuple[CellSpan, ...], notebook: bool) -> FileFacts:
        out = CollectedFacts()
        self.text = text
        for collector in self.collectors:
            collector.finish(out)
        if notebook:
            # ``!wget URL`` / ``!cmd > file`` in a notebook: files its shell escapes write
            from debtscan.facts.shell import shell_writes
            out.io.extend(IOFact(IOMode.WRITE, "shell", Lit(path), line, 0, MODULE_SCOPE, "shell")
                          for line, path in shell_writes(text))
        return FileFacts(
            path=path,
            module=self.module,
            is_package=self.is_package,
            notebook=notebook,
            cells=cells,
            imports=tuple(self.imports),
            calls=tuple(self.calls),
            constants=tuple(self.constants.values()),
            functions=tuple(self.functions),
            io=tuple(out.io),
            runs=tuple(out.runs),
            cli=tuple(out.cli),
            path_calls=tuple(out.path_calls),
            statements=tuple(sorted(self.statements, key=_statement_order)),
            signals=tuple(out.signals),
            models=tuple(out.models),
            tasks=tuple(out.tasks),
            task_edges=tuple(out.task_edges),
            assets=tuple(out.assets),
            step_artifacts=tuple(out.step_artifacts),
            pipeline_nodes=tuple(out.pipeline_nodes),
            suppressions=_suppressions(text),
            dead_blocks=tuple(out.dead_blocks),
            flags=tuple(out.flags),
            settings=tuple(out.settings),
            config_blocks=tuple(out.config_blocks),
            fingerprint=out.fingerprint,
            names=out.names,
            flows=out.flows,
            external=out.external,
            main_guard=out.main_guard,
            top_level_calls=out.top_level_calls,
            code_lines=len(self.statements),
        )


_SMALL_STATEMENTS_SET = frozenset(_SMALL_STATEMENTS)
_COMPOUND_SET = frozenset(_COMPOUND_STATEMENTS)


def _statement_order(statement: StatementFact) -> Tuple[int, int]:
    return statement.line, statement.end_line


def _dotted(node: cst.BaseExpression) -> str:
    if type(node) is cst.Name:
        return node.value
    if type(node) is cst.Attribute:
        return f"{_dotted(node.value)}.{node.attr.value}"
    return ""


def _all_params(params: cst.Parameters):
    yield from params.posonly_params
    yield from params.params
    if type(params.star_arg) is cst.Param:
        yield params.star_arg
    yield from params.kwonly_params
    if params.star_kwarg is not None:
        yield params.star_kwarg


def _suppressions(text: str) -> Tuple[SuppressionFact, ...]:
    if "debtscan:" not in text:
        return ()
    found = []
    for number, line_text in enumerate(text.split("\n"), start=1):  # as libcst counts lines: not at \x0c
        if "debtscan:" not in line_text:
            continue
        for match in _SUPPRESSION.finditer(line_text):
            codes = tuple(sorted(c.strip().upper() for c in (match.group(2) or "").split(",") if c.strip()))
            found.append(SuppressionFact(number, codes, match.group(1) == "ignore-file"))
    return tuple(found)


def default_collectors() -> List[Type[Collector]]:
    """The built-in fact families, in the order they see each node and classify lines (each also runs after
    the collectors its ``after`` names: :func:`~debtscan.facts.collector.ordered`)."""
    if not _DEFAULT:
        _DEFAULT.extend(_load_default_collectors())
    return list(_DEFAULT)


_DEFAULT: List[Type[Collector]] = []


def _load_default_collectors() -> List[Type[Collector]]:
    from debtscan.facts.io import IOCollector
    from debtscan.facts.lines import LinesCollector
    from debtscan.facts.deadcode import DeadCodeCollector
    from debtscan.facts.fingerprints import FingerprintCollector
    from debtscan.facts.settings import SettingsCollector
    from debtscan.facts.signals import SignalCollector
    from debtscan.facts.orchestration import OrchestrationCollector
    from debtscan.facts.summaries import SummaryCollector
    from debtscan.facts.warehouse import WarehouseCollector
    from debtscan.facts.external import ExternalCollector

    return [FingerprintCollector, IOCollector, LinesCollector, SignalCollector, WarehouseCollector,
            OrchestrationCollector, DeadCodeCollector, SettingsCollector, SummaryCollector, ExternalCollector]


def extract(module: cst.Module, *, path: str, module_name: str, is_package: bool, text: str,
            knowledge: Knowledge, cells: Tuple[CellSpan, ...] = (), notebook: bool = False,
            collectors: Optional[Sequence[Type[Collector]]] = None) -> FileFacts:
    """Run the single pass over a parsed module and return its facts."""
    ex = Extraction(module, module_name, is_package, knowledge,
                    default_collectors() if collectors is None else collectors)
    try:
        ex.walk(module)
        return ex.result(path, text, cells, notebook)
    finally:
        # Break the extraction <-> collector reference cycles, so that reference counting frees the tree
        # at once (the scan pauses the cyclic garbage collector while extracting).
        ex.collectors = []
        ex._owners = ()
        ex._by_kind = {}
        ex._call_hooks = ex._statement_hooks = []
        ex.release()
