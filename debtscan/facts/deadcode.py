"""Code that can never run, experiment switches that never change, and the ``__main__`` guard.

From the single pass, looking only at the node handed over and its immediate children:

- a block (a module, a function or loop body...) whose statement ends unconditionally (``return``,
  ``raise``, ``continue``, ``break``, ``assert False``/``assert 0``, ``sys.exit()``/``exit()``/``quit()``/
  ``os._exit()``) before its last statement: the statements after it are a :class:`DeadBlockFact` (an empty
  generator's ``return`` followed only by ``yield`` is the idiom, not dead code);
- the body of ``if False:``/``if 0:``/``while False:``/``while 0:``;
- module-level names bound once to ``True``/``False``/``0``/``1`` that ``if NAME:`` / ``if not NAME:`` test
  (:class:`FlagFact`), and whether anything else in the file binds them;
- the line of ``if __name__ == "__main__":``, and how many calls are made for their effect at the top level
  (``main()``, ``utils.start(__file__)``; not ``START = time.time()``): what makes a module a script.

Positions are known only while the code is generated, so the first dead statement and the block are marked
on entering the block and their lines taken when the pass reaches them.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Set, Tuple

import libcst as cst

from debtscan.facts.collector import CollectedFacts, Collector
from debtscan.facts.model import DeadBlockFact, FlagFact

_STATEMENTS = (
    cst.SimpleStatementLine, cst.If, cst.For, cst.While, cst.With, cst.Try, cst.FunctionDef, cst.ClassDef,
    cst.Match, cst.TryStar,
)


def _is_false(node: cst.BaseExpression) -> bool:
    kind = type(node)
    if kind is cst.Name:
        return node.value == "False"
    if kind is cst.Integer:
        return node.value in ("0", "0x0", "0o0", "0b0")
    return False


class _Open:
    """A dead stretch being measured: where it starts, why, and how many statements it has."""

    __slots__ = ("reason", "at", "line", "statements", "scope", "at_node", "cancelled")

    def __init__(self, reason: str, statements: int, scope: str, at_node: Optional[cst.CSTNode]) -> None:
        self.reason = reason
        self.at = 0
        self.line = 0
        self.statements = statements
        self.scope = scope
        self.at_node = at_node
        self.cancelled = False


class DeadCodeCollector(Collector):
    """Dead blocks, constant flags and the main guard; see the module docstring."""

    enter = {cst.Module: "on_block", cst.IndentedBlock: "on_block", cst.Assign: "on_assign",
             cst.AnnAssign: "on_rebind", cst.AugAssign: "on_rebind", cst.Global: "on_global", cst.Expr: "on_expr"}
    enter.update((kind, "on_statement_node") for kind in _STATEMENTS)
    leave = {cst.Module: "off_block", cst.IndentedBlock: "off_block", cst.SimpleStatementSuite: "off_block"}

    def __init__(self, ex) -> None:
        super().__init__(ex)
        self.first_dead: Dict[int, _Open] = {}
        self.terminals: Dict[int, _Open] = {}
        self.blocks: Dict[int, _Open] = {}
        self.dead: List[DeadBlockFact] = []
        self.flag_values: Dict[str, Tuple[bool, int]] = {}
        self.bound: Dict[str, int] = {}
        self.tests: Dict[str, List[int]] = {}
        self.main_guard = 0
        self.top_level_calls = 0

    # -- unreachable statements ------------------------------------------------------------------
    def _terminal(self, statement: cst.CSTNode) -> str:
        if type(statement) is not cst.SimpleStatementLine or not statement.body:
            return ""
        last = statement.body[-1]
        kind = type(last)
        if kind is cst.Return:
            return "return"
        if kind is cst.Raise:
            return "raise"
        if kind is cst.Continue:
            return "continue"
        if kind is cst.Break:
            return "break"
        if kind is cst.Assert and _is_false(last.test):
            return "assert False"
        if kind is cst.Expr and type(last.value) is cst.Call:
            func = last.value.func
            # imports above may not have been seen yet: a candidate now, confirmed when the pass reaches it
            if (type(func) is cst.Name and func.value in ("exit", "quit")) or (
                    type(func) is cst.Attribute and func.attr.value in ("exit", "_exit", "abort")):
                return "exit"
        return ""

    def _confirm(self, statement: cst.CSTNode, stretch: "_Open") -> bool:
        """Whether a candidate ``exit()`` really is ``sys.exit``/``exit``/``os._exit`` (aliases known now)."""
        if stretch.reason != "exit":
            return True
        name = self.ex.qualname(statement.body[-1].value.func)
        if name in self.ex.knowledge.tables.code.exits:
            stretch.reason = name.replace("builtins.", "") + "()"
            return True
        return False

    def on_block(self, node) -> None:
        if id(node) in self.blocks:  # the body of ``if False:``: dead as a whole
            return
        body = node.body
        for index, statement in enumerate(body[:-1]):
            reason = self._terminal(statement)
            if not reason:
                continue
            rest = body[index + 1:]
            if reason == "return" and all(_only_yield(s) for s in rest):
                return
            stretch = _Open(reason, len(rest), self.ex.scope_name, statement)
            self.terminals[id(statement)] = stretch
            self.first_dead[id(rest[0])] = stretch
            self.blocks[id(node)] = stretch
            return

    def on_statement_node(self, node) -> None:
        kind = type(node)
        if kind is cst.If:
            self.on_if(node)
        elif kind is cst.For:
            self.on_for(node)
        elif kind is cst.While:
            self.on_while(node)
        key = id(node)
        if key in self.terminals:
            stretch = self.terminals.pop(key)
            if self._confirm(node, stretch):
                stretch.at = self.ex.line + len(node.leading_lines)
            else:
                stretch.cancelled = True
        if key in self.first_dead:
            lines = len(node.leading_lines)
            if type(node) in (cst.FunctionDef, cst.ClassDef) and node.decorators:
                lines += len(node.decorators[0].leading_lines)
            self.first_dead.pop(key).line = self.ex.line + lines

    def off_block(self, node) -> None:
        stretch = self.blocks.pop(id(node), None)
        if stretch is None or not stretch.line or stretch.cancelled:
            return
        end = max(stretch.line, self.ex.line - 1 if self.ex.col == 0 else self.ex.line)
        self.dead.append(DeadBlockFact(stretch.line, end, stretch.reason, stretch.at or stretch.line,
                                       stretch.scope, stretch.statements))

    def _dead_body(self, node, reason: str) -> None:
        body = node.body
        line = self.ex.stmt_stack[-1].line if self.ex.stmt_stack else self.ex.line
        stretch = _Open(reason, len(body.body), self.ex.scope_name, None)
        stretch.at = line
        if type(body) is cst.SimpleStatementSuite:
            stretch.line = line
        elif body.body:
            self.first_dead[id(body.body[0])] = stretch
        self.blocks[id(body)] = stretch

    # -- conditions: dead bodies, flags, the main guard --------------------------------------------
    def on_if(self, node: cst.If) -> None:
        test = node.test
        if _is_false(test):
            self._dead_body(node, "if False")
            return
        line = self.ex.stmt_stack[-1].line if self.ex.stmt_stack else self.ex.line
        name = _flag_name(test)
        if name is not None:
            scope = self.ex.scope
            if scope.kind == "module" or (name not in scope.bindings and name not in scope.params):
                self.tests.setdefault(name, []).append(line)
        elif (self.ex.scope.kind == "module" and type(test) is cst.Comparison and type(test.left) is cst.Name
              and test.left.value == "__name__" and not self.main_guard):
            self.main_guard = line

    def on_while(self, node: cst.While) -> None:
        if _is_false(node.test):
            self._dead_body(node, "while False")

    def on_assign(self, node: cst.Assign) -> None:
        value = node.value
        literal: Optional[bool] = None
        if type(value) is cst.Name and value.value in ("True", "False"):
            literal = value.value == "True"
        elif type(value) is cst.Integer and value.value in ("0", "1"):
            literal = value.value == "1"
        single = len(node.targets) == 1 and type(node.targets[0].target) is cst.Name
        for target in node.targets:
            for name in _target_names(target.target):
                self.bound[name] = self.bound.get(name, 0) + 1
        if single and literal is not None and self.ex.scope.kind == "module":
            name = node.targets[0].target.value
            if name not in self.flag_values:
                self.flag_values[name] = (literal, self.ex.stmt_line)

    def on_expr(self, node: cst.Expr) -> None:
        """A call made for its effect at the top level (``main()``, ``utils.start(__file__)``): a script."""
        if type(node.value) is cst.Call and self.ex.scope.kind == "module":
            self.top_level_calls += 1

    def on_rebind(self, node) -> None:
        for name in _target_names(node.target):
            self.bound[name] = self.bound.get(name, 0) + 2

    def on_for(self, node: cst.For) -> None:
        for name in _target_names(node.target):
            self.bound[name] = self.bound.get(name, 0) + 2

    def on_global(self, node: cst.Global) -> None:
        for item in node.names:
            self.bound[item.name.value] = self.bound.get(item.name.value, 0) + 2

    def finish(self, out: CollectedFacts) -> None:
        flags = []
        for name, (value, line) in sorted(self.flag_values.items(), key=lambda item: item[1][1]):
            tests = self.tests.get(name)
            if not tests:
                continue
            flags.append(FlagFact(name, value, line, tuple(sorted(set(tests))), self.bound.get(name, 0) > 1))
        last = self.ex.text.count("\n") + (0 if self.ex.text.endswith("\n") else 1)
        dead = [d if d.end_line <= last else DeadBlockFact(d.line, max(d.line, last), d.reason, d.at, d.scope,
                                                           d.statements) for d in self.dead]
        out.dead_blocks.extend(sorted(dead, key=lambda d: (d.line, d.end_line)))
        out.flags.extend(flags)
        out.main_guard = self.main_guard
        out.top_level_calls = self.top_level_calls


def _only_yield(statement: cst.CSTNode) -> bool:
    return (type(statement) is cst.SimpleStatementLine and len(statement.body) == 1
            and type(statement.body[0]) is cst.Expr and type(statement.body[0].value) is cst.Yield)


def _flag_name(test: cst.BaseExpression) -> Optional[str]:
    if type(test) is cst.Name and test.value not in ("True", "False", "None"):
        return test.value
    if type(test) is cst.UnaryOperation and type(test.operator) is cst.Not and type(test.expression) is cst.Name:
        return test.expression.value
    return None


def _target_names(target: cst.BaseExpression) -> Set[str]:
    kind = type(target)
    if kind is cst.Name:
        return {target.value}
    if kind is cst.Tuple or kind is cst.List:
        out: Set[str] = set()
        for element in target.elements:
            out |= _target_names(element.value)
        return out
    if kind is cst.StarredElement:
        return _target_names(target.value)
    return set()

