"""I/O facts: calls that read or write files, with their paths kept symbolic.

Besides matching calls against the catalogue (``knowledge/io.toml`` plus ``[tool.debtscan.io]``), this
collector follows the patterns real pipelines use, all in the single extraction pass and O(1) per node:

- handles: ``with open(p, "wb") as f: pickle.dump(x, f)`` is one write of ``p`` with format ``pickle``;
- option defaults: ``parser.add_argument("--out", default="data/x.csv")`` and ``@click.option`` defaults
  stand in for ``args.out`` / the decorated parameter;
- loop variables over ``range(n)``, literal tuples and ``glob(...)`` results;
- what is written: a prediction (``model.predict``, out-of-fold arrays) or a fitted model, in
  ``IOFact.value`` (``"prediction"`` / ``"model"``);
- calls to project functions with partly known arguments (:class:`PathCallFact`), so that helpers whose
  parameters flow into paths are instantiated when the graph is built;
- runners: ``os.system("python 02_x.py")``, ``subprocess.run([...])`` (:class:`RunFact`).
"""
from __future__ import annotations

import re
from dataclasses import replace
from typing import Any, Dict, List, Optional, Set, Tuple

import libcst as cst

from debtscan.facts.collector import CollectedFacts, Collector
from debtscan.facts.model import Arity, CliArg, ConstantFact, IOFact, IOMode, PathCallFact, RunFact
from debtscan.facts.values import (
    Arg, Choice, Concat, Format, Here, Lit, Param, PathJoin, PathOp, Ref, Seq, Sym, Unknown, Why, literal_strings,
)
from debtscan.knowledge import IOSpec
from debtscan.knowledge.names import callee_of

_WRITE_MODE_CHARS = frozenset("wax+")
_STRUCTURAL = (Lit, Ref, Concat, Format, PathJoin, PathOp, Here, Param, Arg, Choice)


def argument(node: cst.Call, index: Optional[int], keyword: Optional[str]) -> Optional[cst.BaseExpression]:
    """The expression passed as positional ``index`` or as ``keyword``."""
    if keyword is not None:
        for arg in node.args:
            if arg.keyword is not None and arg.keyword.value == keyword:
                return arg.value
    if index is not None:
        positional = [a for a in node.args if a.keyword is None and not a.star]
        if 0 <= index < len(positional):
            return positional[index].value
    return None


def _as_seq(value: Sym) -> Sym:
    """``a = [...]; a += [...]`` is bound as a concatenation: one literal sequence when every part is one."""
    if isinstance(value, Concat) and value.parts and all(isinstance(_as_seq(p), Seq) for p in value.parts):
        items: list = []
        for part in value.parts:
            items.extend(_as_seq(part).items)
        return Seq(tuple(items))
    return value


def _root_name(node: Optional[cst.BaseExpression], depth: int = 0) -> Optional[str]:
    """The variable an expression is built on: ``sub[["id", "y"]].values`` -> ``sub``."""
    while node is not None and depth < 8:
        depth += 1
        if type(node) is cst.Name:
            return node.value
        if type(node) in (cst.Subscript, cst.Attribute):
            node = node.value
        elif type(node) is cst.Call and type(node.func) is cst.Attribute:
            node = node.func.value
        else:
            return None
    return None


def _method_name(node: cst.BaseExpression) -> str:
    if type(node) is cst.Call:
        func = node.func
        if type(func) is cst.Attribute:
            return func.attr.value
        if type(func) is cst.Name:
            return func.value
    return ""


def _contains_unknown_attr(value: Sym, names: Dict[str, Sym], depth: int = 0,
                           namespaces: Set[str] = frozenset()) -> Sym:
    """``value`` with ``Unknown(Why.ATTRIBUTE, "dest")`` (and ``<module>.args.dest``, ``args`` one of the
    module-level ``namespaces`` that ``parse_args()`` returns) replaced by the argparse argument ``dest``
    (``names[dest]``, an :class:`Arg` that keeps its default)."""
    if depth > 12:
        return value
    kind = type(value)
    if kind is Unknown:
        if value.why is Why.ATTRIBUTE and value.detail in names:
            return names[value.detail]
        return value
    if kind is Ref:
        # args.out at module level, args = parser.parse_args(): a reference to <module>.args.out
        head, _, dest = value.name.rpartition(".")
        if dest in names and head.rpartition(".")[2] in namespaces:
            return names[dest]
        return value
    if kind is Concat:
        return Concat(tuple(_contains_unknown_attr(p, names, depth + 1, namespaces) for p in value.parts))
    if kind is PathJoin:
        return PathJoin(tuple(_contains_unknown_attr(p, names, depth + 1, namespaces) for p in value.parts))
    if kind is PathOp:
        return PathOp(value.op, _contains_unknown_attr(value.base, names, depth + 1, namespaces), value.arg)
    if kind is Format:
        return Format(_contains_unknown_attr(value.template, names, depth + 1, namespaces),
                      tuple(_contains_unknown_attr(a, names, depth + 1, namespaces) for a in value.args),
                      value.kwnames,
                      tuple(_contains_unknown_attr(a, names, depth + 1, namespaces) for a in value.kwvalues), value.style)
    if kind is Choice:
        return Choice(tuple(_contains_unknown_attr(o, names, depth + 1, namespaces) for o in value.options))
    return value


def _column_naming(node: cst.BaseExpression, ex) -> Optional[Sym]:
    """``df.add_prefix("f101_")`` / ``df.add_suffix("_w3")`` passed to a helper: a frame whose column names
    start (end) with the text, as ``PathOp("add_prefix" | "add_suffix", <frame>, <text>)``, so that a helper
    writing one file per column (``for c in df.columns: df[[c]].to_feather(f"{path}_{c}.f")``) writes
    ``train_f101_*.f``, not ``train_*.f``. None for any other expression."""
    if not (type(node) is cst.Call and type(node.func) is cst.Attribute
            and node.func.attr.value in ("add_prefix", "add_suffix") and node.args):
        return None
    text = ex.sym(node.args[0].value)
    if not (isinstance(text, Lit) and isinstance(text.value, str)) and not isinstance(text, (Ref, Concat, Format)):
        return None
    return PathOp(node.func.attr.value, Unknown(Why.FRAME), text)


_FLAG_ACTIONS = frozenset({"store_true", "store_false", "store_const", "append_const", "count", "help", "version"})


def _arity(node: cst.Call) -> Arity:
    """How many words ``add_argument(..., action=, nargs=)`` takes."""
    action = argument(node, None, "action")
    if type(action) is cst.SimpleString and action.evaluated_value in _FLAG_ACTIONS:
        return Arity.NONE
    nargs = argument(node, None, "nargs")
    if nargs is None:
        return Arity.ONE
    if type(nargs) is cst.SimpleString:
        return Arity.OPTIONAL if nargs.evaluated_value == "?" else Arity.MANY
    if type(nargs) is cst.Integer:
        return Arity.ONE if nargs.value == "1" else Arity.MANY
    return Arity.MANY  # argparse.REMAINDER and the like


def _tree(path: Sym) -> Sym:
    """A path that a move or copy of a whole folder takes (``shutil.move(patient_dir, dest)``): the folder and
    everything below it, ``<path>/**``; a path whose last part names a file (``x.csv``) stays as it is."""
    last = path
    while type(last) in (PathJoin, Concat) and last.parts:
        last = last.parts[-1]
    if type(last) is Lit and isinstance(last.value, str) and "." in last.value.rsplit("/", 1)[-1].lstrip("."):
        return path
    return PathJoin((path, Lit("**")))


class IOCollector(Collector):
    """Matches every call against the I/O catalogue and records reads, writes, helper calls and runners."""

    enter = {cst.With: "_enter_with", cst.Assign: "_enter_assign", cst.For: "_enter_for",
             cst.FunctionDef: "_enter_function", cst.ListComp: "_enter_comp", cst.GeneratorExp: "_enter_comp",
             cst.SetComp: "_enter_comp", cst.DictComp: "_enter_comp", cst.If: "_enter_if",
             cst.SimpleStatementLine: "_flush_unpack", cst.Return: "_flush_unpack"}
    leave = {cst.Assign: "_leave_assign", cst.AugAssign: "_leave_assign", cst.ListComp: "_leave_comp",
             cst.GeneratorExp: "_leave_comp", cst.SetComp: "_leave_comp", cst.DictComp: "_leave_comp",
             cst.If: "_leave_if", cst.Return: "_leave_return"}

    def __init__(self, ex) -> None:
        super().__init__(ex)
        self.k_code = ex.knowledge.tables.code  # signals.toml [code]: runners, library roots
        self.k_predictions = ex.knowledge.tables.predictions  # signals.toml [predictions]
        self.k_artifacts = ex.knowledge.tables.artifacts  # signals.toml [artifacts]
        self.io: List[IOFact] = []
        self.runs: List[RunFact] = []
        self.path_calls: List[PathCallFact] = []
        self._handle_targets: Dict[int, str] = {}
        self._handles: Dict[Tuple[str, str], int] = {}
        self._open_fact: Dict[int, int] = {}
        #: a load or dump through a named open handle (``pickle.load(f)``, ``pickle.dump(x, f)``, ``f`` from
        #: ``with open(p, "rb") as f``): the call -> the index of the open's fact (what the load returns comes
        #: from ``p``; what the dump writes goes to ``p``)
        self.handle_calls: Dict[int, int] = {}
        self._pending_fmt: Dict[int, Tuple[str, str]] = {}
        self._option_defaults: Dict[str, Sym] = {}  # argparse dest -> Arg(dest, default)
        self.cli: List[CliArg] = []
        self._namespaces: Set[str] = set()  # module-level names parse_args() is assigned to
        self._late_attrs: Dict[Tuple[int, Any], str] = {}  # (helper call, argument slot) -> attribute name
        self._positionals = 0
        self._predictions: Dict[str, Set[str]] = {}
        self._models: Dict[str, Set[str]] = {}
        self._comp_saved: List[List[Tuple[str, Optional[Sym]]]] = []
        self._if_stack: List[Dict[str, List[Sym]]] = []
        self._pending_unpack: List[Tuple[str, Sym]] = []
        self._returns: Dict[str, List[Tuple[Sym, int]]] = {}
        self._globbed: Dict[Tuple[str, str], List[Sym]] = {}  # (scope, name) -> patterns a list holds

    # -- node hooks ------------------------------------------------------------------------------
    def _enter_with(self, node: cst.With) -> None:
        for item in node.items:
            if type(item.item) is cst.Call and item.asname is not None and type(item.asname.name) is cst.Name:
                self._handle_targets[id(item.item)] = item.asname.name.value

    def _flush_unpack(self, node) -> None:
        """Apply ``a, b = param`` bindings once the assignment is done (the pass binds them as unknown)."""
        if self._pending_unpack:
            scope = self.ex.scope
            for name, value in self._pending_unpack:
                scope.bindings[name] = value
            self._pending_unpack = []

    def _enter_assign(self, node: cst.Assign) -> None:
        target = node.targets[0].target if len(node.targets) == 1 else None
        if _method_name(node.value) in ("parse_args", "parse_known_args") and target is not None:
            if type(target) in (cst.Tuple, cst.List) and target.elements:
                target = target.elements[0].value  # args, unknown = parser.parse_known_args()
            if type(target) is cst.Name:
                self._namespaces.add(target.value)
            target = node.targets[0].target
        if type(target) in (cst.Tuple, cst.List) and type(node.value) is cst.Name:
            # path, pref = args (args a parameter): element i of whatever the caller passes
            bound = self.ex.lookup(node.value.value)
            if isinstance(bound, Param) and bound.default is None:
                for position, element in enumerate(target.elements):
                    if type(element.value) is cst.Name:
                        self._pending_unpack.append(
                            (element.value.value, Param(bound.function, f"{bound.name}[{position}]")))
        if len(node.targets) == 1 and type(node.targets[0].target) is cst.Name:
            value = node.value
            if type(value) is cst.Call:
                self._handle_targets[id(value)] = node.targets[0].target.value
            elif type(value) is cst.Attribute and type(value.value) is cst.Call:
                # f = open(p).read() is not a handle; nothing to do
                pass

    def _glob_patterns(self, node: cst.BaseExpression, depth: int = 0) -> List[Sym]:
        """The glob patterns whose files an expression lists: ``glob(p)``, ``sorted(glob(p))``,
        ``Path(d).glob("*.csv")``, ``a + b``, ``set(a) - set(b)`` (its left side), a name holding some."""
        if depth > 6:
            return []
        if type(node) is cst.Call:
            name = self.ex.qualname_of_call(node)
            spec = self.ex.knowledge.io_spec(name)
            args = [a for a in node.args if a.keyword is None and not a.star]
            if spec is not None and spec.pattern:
                if spec.receiver_path:
                    if not type(node.func) is cst.Attribute:
                        return []
                    inner = self.ex.sym(args[0].value) if args else Lit("*")
                    extra = (Lit("**"),) if spec.name == "rglob" else ()
                    return [PathJoin((self.ex.sym(node.func.value),) + extra + (inner,))]
                return [self.ex.sym(args[0].value)] if args else []
            if name in self.k_code.iteration_wrappers and args:
                return self._glob_patterns(args[0].value, depth + 1)
            return []
        if type(node) is cst.BinaryOperation:
            left = self._glob_patterns(node.left, depth + 1)
            if type(node.operator) in (cst.Add, cst.BitOr):
                return left + [p for p in self._glob_patterns(node.right, depth + 1) if p not in left]
            return left  # set(a) - set(b), set(a) & set(b): within a
        if type(node) is cst.Name:
            return list(self._globbed.get((self.ex.scope_name, node.value), ()))
        if type(node) in (cst.ListComp, cst.GeneratorExp, cst.SetComp) and type(node.elt) is cst.Name \
                and type(node.for_in.target) is cst.Name and node.elt.value == node.for_in.target.value:
            return self._glob_patterns(node.for_in.iter, depth + 1)
        return []

    def _leave_return(self, node: cst.Return) -> None:
        """``def feature_path(name): return f"{FEATURE_DIR}/{name}.p"``: a function that builds a path.

        Recorded as the constant ``feature_path()`` so that ``pd.read_pickle(feature_path("x"))`` resolves
        (its parameters become ``*``) when the graph is built.
        """
        scope = self.ex.scope
        if scope.kind != "function" or "." in scope.name or node.value is None:
            return
        globbed = self._glob_patterns(node.value)
        if globbed:
            # return sorted(glob(p)): the function lists files; iterating its result reads them
            value: Sym = globbed[0] if len(globbed) == 1 else Choice(tuple(globbed[:8]))
            self._returns.setdefault(scope.name, []).append((value, self.ex.stmt_line))
            return
        value = self.ex.sym(node.value)
        if isinstance(value, (Concat, PathJoin, Format)) or type(value) is PathOp and value.op != "if" or (
                isinstance(value, Lit) and isinstance(value.value, str) and "/" in value.value):
            self._returns.setdefault(scope.name, []).append((value, self.ex.stmt_line))

    def _enter_if(self, node: cst.If) -> None:
        self._if_stack.append({})

    def _leave_if(self, node: cst.If) -> None:
        """After ``if a: p = "x" elif b: p = "y"``, ``p`` is one of the values the branches assigned."""
        if not self._if_stack:
            return
        assigned = self._if_stack.pop()
        for name, values in assigned.items():
            unique = list(dict.fromkeys(values))
            if 1 < len(unique) <= 8 and not any(isinstance(v, Unknown) for v in unique):
                self.ex._bind(name, Choice(tuple(unique)), None, self.ex.scope.types.get(name))
            if self._if_stack:
                self._if_stack[-1].setdefault(name, []).extend(values)

    def _leave_assign(self, node) -> None:
        """Names assigned from predictions (``oof[idx] = m.predict(X)``) or holding models; names holding
        the files of a glob (``files += glob(p)``)."""
        value = node.value
        if value is None:
            return
        targets = [t.target for t in node.targets] if type(node) is cst.Assign else [node.target]
        if len(targets) == 1 and type(targets[0]) is cst.Name:
            patterns = self._glob_patterns(value)
            if patterns:
                known = self._globbed.setdefault((self.ex.scope_name, targets[0].value), [])
                known.extend(p for p in patterns if p not in known)
        if self._if_stack and type(node) is cst.Assign:
            for target in node.targets:
                if type(target.target) is cst.Name:
                    self._if_stack[-1].setdefault(target.target.value, []).append(self.ex.sym(value))
        scope = self.ex.scope_name
        is_prediction = self._is_prediction(value)
        is_model = self._is_model_value(value)
        if not (is_prediction or is_model):
            return
        targets = [t.target for t in node.targets] if type(node) is cst.Assign else [node.target]
        for target in targets:
            name = _root_name(target)
            if name is None:
                continue
            if is_prediction:
                self._predictions.setdefault(scope, set()).add(name)
            elif is_model and type(target) is cst.Name:
                self._models.setdefault(scope, set()).add(name)

    def _enter_comp(self, node) -> None:
        """Comprehension variables, bound before the element is generated, restored after."""
        saved = []
        comp = node.for_in
        scope = self.ex.scope
        while comp is not None:
            names = [comp.target.value] if type(comp.target) is cst.Name else \
                [e.value.value for e in getattr(comp.target, "elements", ()) if type(e.value) is cst.Name]
            for name in names:
                saved.append((name, scope.bindings.get(name)))
            self._bind_iteration(scope, comp.target, comp.iter)
            comp = comp.inner_for_in
        self._comp_saved.append(saved)

    def _leave_comp(self, node) -> None:
        if not self._comp_saved:
            return
        scope = self.ex.scope
        for name, previous in reversed(self._comp_saved.pop()):
            if previous is None:
                scope.bindings.pop(name, None)
            else:
                scope.bindings[name] = previous

    def _enter_for(self, node: cst.For) -> None:
        """Loop variables: ``range(n)``, tuples of literal tuples, files of a glob."""
        self._bind_iteration(self.ex.scope, node.target, node.iter)

    def _bind_iteration(self, scope, target, iterable) -> None:
        if type(target) is cst.Name:
            inner = iterable
            while type(inner) is cst.Call and self.ex.qualname_of_call(inner) in self.k_code.iteration_wrappers \
                    and inner.args:
                inner = inner.args[0].value
            globbed = self._glob_patterns(inner)
            if globbed:
                # for f in files (files = sorted(glob(p)), files += glob(q)): one of the matched files
                scope.bindings[target.value] = globbed[0] if len(globbed) == 1 else Choice(tuple(globbed[:8]))
                return
            built = scope.nodes.get(inner.value) if type(inner) is cst.Name else inner
            while type(built) is cst.Call and self.ex.qualname_of_call(built) in self.k_code.iteration_wrappers \
                    and built.args:
                built = built.args[0].value
            if type(built) in (cst.ListComp, cst.GeneratorExp):
                # files = sorted([str(DIR / f"{f}.csv") for f in names]): one of the paths the list builds
                element = built.elt
                if type(element) is cst.Call and self.ex.qualname_of_call(element) == "builtins.str" \
                        and element.args:
                    element = element.args[0].value
                value = self.ex.sym(element)
                if isinstance(value, (Concat, Format, PathJoin)) or type(value) is PathOp and value.op != "if":
                    scope.bindings[target.value] = value
                    return
            listed = scope.bindings.get(inner.value) if type(inner) is cst.Name else None
            if isinstance(listed, Unknown) and listed.why is Why.CALL and callee_of(listed.detail).resolved \
                    and listed.detail.split(".", 1)[0] not in self.k_code.libraries:
                # files = utils.get_use_files(...); for f in files: the elements of what the helper returns
                scope.bindings[target.value] = listed
                return
        for _ in range(3):
            # files = sorted(glob(p)); for f in tqdm(files): ... -> the glob's pattern
            if type(iterable) is cst.Name and iterable.value in scope.nodes \
                    and isinstance(scope.bindings.get(iterable.value), Unknown):
                iterable = scope.nodes[iterable.value]
            elif type(iterable) is cst.Call and self.ex.qualname_of_call(iterable) in self.k_code.iteration_wrappers \
                    and iterable.args:
                iterable = iterable.args[0].value
            elif type(iterable) is cst.Call and type(iterable.func) is cst.Attribute \
                    and iterable.func.attr.value in ("tolist", "to_list", "unique") and not iterable.args:
                # ('../feature/train_' + imp.feature + '.f').tolist(): one path per row
                inner = self.ex.sym(iterable.func.value)
                if isinstance(inner, (Concat, Format, PathJoin)) and type(target) is cst.Name:
                    scope.bindings[target.value] = inner
                    return
                break
            else:
                break
        if type(iterable) is cst.Attribute and iterable.attr.value == "columns" \
                and type(iterable.value) is cst.Name and type(target) is cst.Name:
            # for c in df.columns: df.to_feather(f"{path}_{c}.f") -- a column name of the frame passed in
            frame = self.ex.lookup(iterable.value.value)
            if isinstance(frame, Param):
                scope.bindings[target.value] = PathOp("columns", frame)
                return
        if type(iterable) is cst.Call:
            name = self.ex.qualname_of_call(iterable)
            args = [a for a in iterable.args if a.keyword is None and not a.star]
            if name == "builtins.range" and type(target) is cst.Name and args:
                bounds = [self.ex.sym(a.value) for a in args]
                if all(isinstance(b, Lit) and isinstance(b.value, int) and not isinstance(b.value, bool)
                       for b in bounds):
                    values = range(*[b.value for b in bounds][:3])
                    if 0 < len(values) <= 16:
                        scope.bindings[target.value] = Choice(tuple(Lit(v) for v in values))
                        return
                scope.bindings[target.value] = Unknown(Why.LOOP)
                return
            spec = self.ex.knowledge.io_spec(name)
            if spec is not None and spec.pattern and type(target) is cst.Name and args:
                pattern = self.ex.sym(args[0].value)
                if spec.receiver_path and type(iterable.func) is cst.Attribute:
                    # Path.rglob("*.csv") is Path.glob("**/*.csv"): any depth below the folder
                    inner = (Lit("**"), pattern) if spec.name == "rglob" else (pattern,)
                    pattern = PathJoin((self.ex.sym(iterable.func.value),) + inner)
                scope.bindings[target.value] = pattern
                return
            if spec is not None and spec.listing and spec.receiver_path and type(target) is cst.Name \
                    and type(iterable.func) is cst.Attribute:
                # for p in folder.iterdir(): each entry's full path
                scope.bindings[target.value] = PathJoin((self.ex.sym(iterable.func.value), Lit("*")))
                return
            if name == "builtins.enumerate" and type(target) is cst.Tuple and args \
                    and len(target.elements) == 2:
                if type(target.elements[0].value) is cst.Name:
                    scope.bindings[target.elements[0].value.value] = Unknown(Why.LOOP)
                self._bind_iteration(scope, target.elements[1].value, args[0].value)
                return
        if type(target) in (cst.Tuple, cst.List):
            seq = _as_seq(self.ex.sym(iterable))
            names = [e.value.value if type(e.value) is cst.Name else None for e in target.elements]
            if isinstance(seq, Seq) and seq.items and all(isinstance(i, Seq) and len(i.items) == len(names)
                                                          for i in seq.items):
                for position, name in enumerate(names):
                    if name:
                        scope.bindings[name] = Choice(tuple(i.items[position] for i in seq.items))
            else:
                for name in names:
                    if name:
                        scope.bindings[name] = Unknown(Why.LOOP)
        elif type(target) is cst.Name:
            value = self.ex.sym(iterable)
            seq = _as_seq(value)
            if isinstance(seq, Seq):
                scope.bindings[target.value] = Choice(seq.items)
            elif isinstance(seq, Ref):
                scope.bindings[target.value] = Choice((seq,))
            elif isinstance(value, Param) and value.default is None and "[" not in value.name:
                # ``for p in feat_paths`` over a parameter: any item of what each caller passes
                scope.bindings[target.value] = Param(value.function, f"{value.name}[*]")
            else:
                scope.bindings[target.value] = Unknown(Why.LOOP)

    def _enter_function(self, node: cst.FunctionDef) -> None:
        """``@click.option("--out", default="x.csv")``: the parameter's default is the option's."""
        scope = self.ex.scope
        for decorator in node.decorators:
            call = decorator.decorator
            if not type(call) is cst.Call:
                continue
            name = self.ex.qualname_of_call(call)
            if not (name.endswith(".option") or name.endswith(".argument")) or not name.startswith(("click", "typer")):
                continue
            default = argument(call, None, "default")
            flags = [a.value for a in call.args if a.keyword is None and type(a.value) is cst.SimpleString]
            if default is None or not flags:
                continue
            dest = None
            for flag in flags:
                text = self.ex.sym(flag)
                if isinstance(text, Lit) and isinstance(text.value, str):
                    candidate = text.value.lstrip("-").replace("-", "_")
                    if candidate in scope.params:
                        dest = candidate
                        break
            if dest is None:
                continue
            param = Param(scope.name, dest, self.ex.sym(default))
            scope.params[dest] = param
            scope.bindings[dest] = param

    # -- calls -----------------------------------------------------------------------------------
    def on_call(self, node: cst.Call, qualname: str) -> None:
        spec = self.ex.knowledge.io_spec(qualname)
        if spec is not None:
            if spec.target == "path":  # tables and SQL: debtscan.facts.warehouse
                self._io_call(node, spec)
            return
        method = qualname.rpartition(".")[2]
        if method == "add_argument":
            self._argparse_option(node)
            return
        if method in self.k_code.mappers and len(node.args) >= 2 and type(node.args[0].value) in (cst.Name, cst.Attribute):
            # Pool().map(make, [3, 5]) / map(make, WINDOWS): make is called with each item
            function = self.ex.qualname(node.args[0].value)
            items = _as_seq(self.ex.sym(node.args[1].value))
            if function and isinstance(items, (Seq, Ref)) and function.split(".", 1)[0] not in self.k_code.libraries:
                ex = self.ex
                option = Choice(items.items) if isinstance(items, Seq) else Choice((items,))
                self.path_calls.append(PathCallFact(function, (option,), (), (), ex.line, ex.col, ex.scope_name))
            return
        if qualname in self.k_code.runners:
            self._runner(node, qualname)
            return
        if not callee_of(qualname).resolved or "." not in qualname:
            return
        root = qualname.split(".", 1)[0]
        if root in self.k_code.libraries:
            return
        self._path_call(node, qualname)

    def _io_call(self, node: cst.Call, spec: IOSpec) -> None:
        if spec.pattern or spec.listing:
            # a glob or a folder listing reads no file: the reads of what it returns are the reads of the
            # matched files (the loop variable is bound to the pattern, :meth:`_bind_iteration`)
            return
        if spec.receiver_path:
            func = node.func
            if not type(func) is cst.Attribute:
                return
            base = self.ex.sym(func.value)
            if spec.pattern:
                pattern = argument(node, 0, "pattern")
                path: Sym = PathJoin((base, self.ex.sym(pattern) if pattern is not None else Lit("*")))
            elif spec.listing:
                path = PathJoin((base, Lit("*")))
            else:
                path = base
            self._record(self._mode(node, spec), spec, path, self._written_value(node, spec), node)
            return
        path_node = argument(node, spec.arg, spec.kw)
        if path_node is None:
            return
        value = self._written_value(node, spec)
        if self._through_handle(path_node, spec, value, node):
            return
        if spec.handle_only:
            return
        path = self.ex.sym(path_node)
        if spec.listing:
            path = PathJoin((path, Lit("*")))
        if spec.local_only and isinstance(path, Lit) and isinstance(path.value, str) \
                and not path.value.startswith((".", "/", "~")):
            return
        mode = self._mode(node, spec)
        self._record(mode, spec, _tree(path) if spec.tree else path, value, node)
        if spec.dest_arg is not None or spec.dest_kw is not None:
            dest = argument(node, spec.dest_arg, spec.dest_kw)
            if dest is not None:
                dest_path = self.ex.sym(dest)
                self._record("write", spec, _tree(dest_path) if spec.tree else dest_path, value, None)

    def _through_handle(self, path_node: cst.BaseExpression, spec: IOSpec, value: str,
                        call: Optional[cst.Call] = None) -> bool:
        """A read or write through an open handle updates the open's fact (format, what is written); a
        load or dump through a named handle is remembered (:attr:`handle_calls`)."""
        if type(path_node) is cst.Name:
            index = self._handles.get((self.ex.scope_name, path_node.value))
            if index is None:
                return False
            self._upgrade(index, spec, value)
            if call is not None:
                self.handle_calls[id(call)] = index
            return True
        if type(path_node) is cst.Call:
            target = self.ex.knowledge.io_spec(self.ex.qualname_of_call(path_node))
            if target is not None and target.mode == "open":
                self._pending_fmt[id(path_node)] = (spec.fmt, value)
                return True
        return False

    def _upgrade(self, index: int, spec: IOSpec, value: str) -> None:
        fact = self.io[index]
        self.io[index] = replace(fact, fmt=spec.fmt or fact.fmt, value=value or fact.value)

    def _mode(self, node: cst.Call, spec: IOSpec) -> str:
        if spec.mode != "open":
            return "read" if spec.mode == "both" else spec.mode
        mode_node = argument(node, spec.mode_arg, "mode")
        if mode_node is None:
            mode_text = spec.default_mode
        else:
            mode_value = self.ex.sym(mode_node)
            if not (isinstance(mode_value, Lit) and isinstance(mode_value.value, str)):
                return "read"
            mode_text = mode_value.value
        return "write" if _WRITE_MODE_CHARS & set(mode_text) else "read"

    def _written_value(self, node: cst.Call, spec: IOSpec) -> str:
        """``prediction`` / ``model`` when the data written is one, else ``""``."""
        if spec.mode not in ("write", "open"):
            return "model" if spec.fmt in self.k_artifacts.model_formats else ""
        if spec.fmt in self.k_artifacts.model_formats:
            return "model"
        data: Optional[cst.BaseExpression] = None
        if spec.value_arg is not None:
            data = argument(node, spec.value_arg, None)
        elif type(node.func) is cst.Attribute and not spec.receiver_path:
            data = node.func.value
        if data is None:
            return ""
        if self._is_prediction(data):
            return "prediction"
        if self._is_model_value(data):
            return "model"
        return ""

    def _is_prediction(self, node: cst.BaseExpression, depth: int = 0) -> bool:
        if depth > 4:
            return False
        if _method_name(node) in self.k_predictions.methods:
            return True
        root = _root_name(node)
        if root is not None:
            if root in self._predictions.get(self.ex.scope_name, ()) or \
                    root in self._predictions.get("<module>", ()):
                return True
            if self.k_predictions.names.search(root):
                return True
        inner = node
        while type(inner) in (cst.Subscript, cst.Attribute):
            inner = inner.value
        if type(inner) is cst.Call:
            if _method_name(inner) in self.k_predictions.methods:
                return True
            for arg in inner.args[:4]:
                value = arg.value
                if type(value) is cst.Dict:
                    if any(type(e) is cst.DictElement and self._is_prediction(e.value, depth + 1)
                           for e in value.elements[:8]):
                        return True
                elif self._is_prediction(value, depth + 1):
                    return True
        if type(inner) is cst.BinaryOperation:
            return self._is_prediction(inner.left, depth + 1) or self._is_prediction(inner.right, depth + 1)
        return False

    def _is_model_value(self, node: cst.BaseExpression) -> bool:
        if type(node) is cst.Name:
            name = node.value
            return bool(self.k_predictions.model_names.search(name)) or name in self._models.get(self.ex.scope_name, ()) \
                or name in self._models.get("<module>", ())
        if type(node) is cst.Attribute and type(node.value) is cst.Name and node.value.value == "self":
            return bool(self.k_predictions.model_names.search(node.attr.value))
        method = _method_name(node)
        return method in ("fit", "train") and type(node) is cst.Call

    def _record(self, mode: str, spec: IOSpec, path: Sym, value: str, node: Optional[cst.Call]) -> None:
        ex = self.ex
        if self._option_defaults:
            path = _contains_unknown_attr(path, self._option_defaults, 0, self._namespaces)
        fmt = spec.fmt
        if node is not None and id(node) in self._pending_fmt:
            fmt, pending_value = self._pending_fmt.pop(id(node))
            value = value or pending_value
        self.io.append(IOFact(IOMode(mode), spec.name, path, ex.line, ex.col, ex.scope_name, fmt, value))
        index = len(self.io) - 1
        if node is not None and spec.mode == "open":
            target = self._handle_targets.pop(id(node), None)
            if target is not None:
                self._handles[(ex.scope_name, target)] = index
        if ex.stmt_stack:
            ex.stmt_stack[-1].io += 1

    # -- option defaults, helper calls, runners --------------------------------------------------
    def _argparse_option(self, node: cst.Call) -> None:
        """``parser.add_argument(...)``: the argument is declared (:class:`CliArg`, in positional order), and
        ``args.<dest>`` in this file's paths stands for it (:class:`Arg`, with its default)."""
        flags: List[str] = []
        for arg in node.args:
            if arg.keyword is not None or arg.star:
                continue
            text = self.ex.sym(arg.value)
            if not (isinstance(text, Lit) and isinstance(text.value, str)) or not text.value:
                return  # a name the pass cannot read: nothing is known of the argument
            flags.append(text.value)
        if not flags:
            return
        dest_node = argument(node, None, "dest")
        dest_text = self.ex.sym(dest_node) if dest_node is not None else None
        positional = not flags[0].startswith("-")
        if isinstance(dest_text, Lit) and isinstance(dest_text.value, str):
            dest = dest_text.value
        elif positional:
            dest = flags[0]
        else:
            long = [f for f in flags if f.startswith("--")]
            dest = (long[0] if long else flags[0]).lstrip("-")
        dest = dest.replace("-", "_")
        default_node = argument(node, None, "default")
        default = self.ex.sym(default_node) if default_node is not None else None
        choices_node = argument(node, None, "choices")
        choices = literal_strings(self.ex.sym(choices_node)) if choices_node is not None else None
        self.cli.append(CliArg(dest, () if positional else tuple(flags),
                               self._positionals if positional else -1, self.ex.line, default,
                               tuple(choices or ()), _arity(node)))
        if positional:
            self._positionals += 1
        self._option_defaults[dest] = Arg(dest, 0, default)

    def _path_call(self, node: cst.Call, qualname: str) -> None:
        args: List[Sym] = []
        kwnames: List[str] = []
        kwvalues: List[Sym] = []
        for arg in node.args:
            if arg.star:
                break
            value = self.ex.sym(arg.value)
            if self._option_defaults:
                value = _contains_unknown_attr(value, self._option_defaults, 0, self._namespaces)
            named = _column_naming(arg.value, self.ex)
            if named is not None:
                value = named
            elif not isinstance(value, _STRUCTURAL) and not isinstance(value, Seq):
                if type(value) is Unknown and value.why is Why.ATTRIBUTE:  # args.out declared further down?
                    self._late_attrs[(len(self.path_calls), arg.keyword.value if arg.keyword else len(args))] = \
                        value.detail
                value = Unknown(Why.ARGUMENT)
            if arg.keyword is None:
                args.append(value)
            else:
                kwnames.append(arg.keyword.value)
                kwvalues.append(value)
        ex = self.ex
        self.path_calls.append(PathCallFact(qualname, tuple(args), tuple(kwnames), tuple(kwvalues),
                                            ex.line, ex.col, ex.scope_name))

    def _runner(self, node: cst.Call, qualname: str) -> None:
        command = argument(node, 0, "args" if qualname.startswith("subprocess") else "command")
        if command is None:
            return
        cwd = argument(node, None, "cwd")
        self.runs.append(RunFact(self.ex.sym(command), self.ex.line,
                                 self.ex.sym(cwd) if cwd is not None else None))

    def _late_arguments(self) -> None:
        """``args.<dest>`` written above the ``add_argument`` that declares it (a helper defined before
        ``main()`` builds the parser): the argument, as if declared first. O(I/O facts and helper calls)."""
        names = self._option_defaults
        for index, io in enumerate(self.io):
            path = _contains_unknown_attr(io.path, names, 0, self._namespaces)
            if path != io.path:
                self.io[index] = replace(io, path=path)
        for index, call in enumerate(self.path_calls):
            args = list(_contains_unknown_attr(a, names, 0, self._namespaces) for a in call.args)
            kwvalues = list(_contains_unknown_attr(a, names, 0, self._namespaces) for a in call.kwvalues)
            for slot, keyword in enumerate(call.kwnames):
                detail = self._late_attrs.get((index, keyword))
                if detail in names:
                    kwvalues[slot] = names[detail]
            for slot in range(len(args)):
                detail = self._late_attrs.get((index, slot))
                if detail in names:
                    args[slot] = names[detail]
            if tuple(args) != call.args or tuple(kwvalues) != call.kwvalues:
                self.path_calls[index] = replace(call, args=tuple(args), kwvalues=tuple(kwvalues))

    def finish(self, out: CollectedFacts) -> None:
        for function, values in self._returns.items():
            unique = list(dict.fromkeys(v for v, _ in values))
            value = unique[0] if len(unique) == 1 else Choice(tuple(unique[:8]))
            name = f"{function}()"
            self.ex.constants[name] = ConstantFact(name, value, values[0][1])
        if self._option_defaults:
            self._late_arguments()
        out.io = self.io  # the one list: collectors declared after this one append to it
        out.runs.extend(self.runs)
        out.cli.extend(self.cli)
        out.path_calls.extend(self.path_calls)
