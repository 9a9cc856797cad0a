"""Orchestrator facts: tasks, their order, and the assets of declared data pipelines.

Driven by ``knowledge/dataflow.toml`` (``[orchestrators]``, ``[declared]``):

- Airflow operators (``BashOperator(bash_command="spark-submit jobs/x.py")``, ``SparkSubmitOperator(
  application=...)``, ``PythonOperator(python_callable=f)``) bound to variables, and ``a >> b >> c``,
  ``[a, b] >> c``, ``a << b``, ``a.set_downstream(b)``, ``chain(a, b, c)``;
- task and flow decorators (Airflow TaskFlow ``@task`` / ``@dag``, Prefect ``@task`` / ``@flow``): the task
  functions, and the task calls a flow's body makes, in order;
- Luigi tasks: ``requires()`` returning other tasks (order), ``output()`` returning targets
  (``luigi.LocalTarget(path)``: a write of the task, declared by Luigi);
- Dagster ``@asset`` functions and what they depend on (:class:`AssetFact`);
- Metaflow flows (``class F(FlowSpec)``): ``@step`` methods are task functions, ``self.next(self.b)`` their
  order (edges) and ``self.<name>`` assigned in one step and read in another their artifacts
  (:class:`StepArtifactFact`).

The graph turns tasks into runner steps (:mod:`debtscan.project.pipeline.orchestrators`), like shell scripts.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Set, Tuple

import libcst as cst

from debtscan.facts.collector import CollectedFacts, Collector
from debtscan.facts.io import IOCollector
from debtscan.facts.model import (
    AssetFact, IOFact, IOMode, IOTarget, PipelineNodeFact, StepArtifactFact, TaskEdgeFact, TaskFact, TaskKind,
)
from debtscan.facts.values import Lit
from debtscan.knowledge.names import callee_of

_NOT_ASSET_PARAMS = frozenset({"context", "config", "self", "cls"})


def _framework(qualname: str) -> str:
    return qualname.split(".", 1)[0]


def _kwarg(node: cst.Call, name: str) -> Optional[cst.BaseExpression]:
    for arg in node.args:
        if arg.keyword is not None and arg.keyword.value == name:
            return arg.value
    return None


class OrchestrationCollector(Collector):
    """Tasks, task edges and assets of one file."""

    enter = {cst.FunctionDef: "_enter_function", cst.BinaryOperation: "_enter_binary",
             cst.ClassDef: "_enter_class", cst.Return: "_enter_return", cst.Attribute: "_enter_attribute",
             cst.AssignTarget: "_enter_target"}
    leave = {cst.AssignTarget: "_leave_target"}
    after = (IOCollector,)  # Luigi outputs are writes: recorded into the file's I/O list

    def __init__(self, ex) -> None:
        super().__init__(ex)
        self.flow = ex.knowledge.dataflow
        self.tasks: List[TaskFact] = []
        self.edges: List[TaskEdgeFact] = []
        self.assets: List[AssetFact] = []
        self.task_functions: Dict[str, str] = {}  # local function name -> framework
        self.task_scopes: Dict[str, Tuple[str, str]] = {}  # scope of a task function -> (its name, framework)
        self.aliases: Dict[str, str] = {}          # users = load_users() in a flow body: users -> load_users
        self.flows: Set[str] = set()              # scope names of flow functions
        self.luigi_classes: Set[str] = set()
        self.metaflow_classes: Set[str] = set()   # scope names of FlowSpec subclasses
        self.metaflow_steps: Dict[str, Tuple[str, str]] = {}  # scope of a step -> (flow scope, step name)
        self.step_artifacts: Dict[Tuple[str, str, str, IOMode], int] = {}  # (flow, step, name, mode) -> line
        self._in_target = 0
        self._seen_binary: Set[int] = set()
        self._operators = frozenset(self.flow.command_operators) | frozenset(self.flow.script_operators) | \
            frozenset(self.flow.callable_operators) | self.flow.chain_functions | self.flow.kedro_nodes
        self.nodes: List[PipelineNodeFact] = []
        self._dependency_methods = self.flow.downstream_methods | self.flow.upstream_methods

    @property
    def io(self) -> List[IOFact]:
        """The file's one list of I/O facts (the I/O collector's): tables and SQL are recorded into it."""
        return self.peer(IOCollector).io

    # -- decorated functions ------------------------------------------------------------------------
    def _decorators(self, node: cst.FunctionDef) -> List[Tuple[str, Optional[cst.Call]]]:
        out = []
        for decorator in node.decorators:
            expr = decorator.decorator
            call = expr if type(expr) is cst.Call else None
            target = expr.func if call is not None else expr
            if type(target) is cst.Attribute and type(target.value) in (cst.Name, cst.Attribute) and \
                    self.ex.qualname(target.value) in self.flow.task_decorators:
                target = target.value  # @task.virtualenv(...), @task.bash
            name = self.ex.qualname(target) if type(target) in (cst.Name, cst.Attribute) else None
            if name:
                out.append((name, call))
        return out

    def _enter_function(self, node: cst.FunctionDef) -> None:
        if not node.decorators:
            return
        scope = self.ex.scope_name  # the function's own scope (entered before collectors run)
        line = self.ex.stmt_stack[-1].line if self.ex.stmt_stack else self.ex.line
        for name, call in self._decorators(node):
            if name in self.flow.task_decorators:
                framework = _framework(name)
                outer = scope.rpartition(".")[0]
                if framework == "metaflow" and outer in self.metaflow_classes:
                    self.metaflow_steps[scope] = (outer, node.name.value)
                self.task_functions[node.name.value] = framework
                self.task_scopes[scope] = (node.name.value, framework)
                self.tasks.append(TaskFact(node.name.value, TaskKind.FUNCTION, framework, line, scope,
                                           callable=f"{self.ex.module}.{scope}"))
            elif name in self.flow.flow_decorators:
                self.flows.add(scope)
                self.tasks.append(TaskFact(node.name.value, TaskKind.FLOW, _framework(name), line, scope,
                                           callable=f"{self.ex.module}.{scope}"))
            elif name in self.flow.asset_decorators:
                self._asset(node, call, scope, line)

    def _asset(self, node: cst.FunctionDef, call: Optional[cst.Call], scope: str, line: int) -> None:
        name = node.name.value
        deps: List[str] = []
        if call is not None:
            value = self.ex.sym(_kwarg(call, "name")) if _kwarg(call, "name") is not None else None
            if isinstance(value, Lit) and isinstance(value.value, str):
                name = value.value
            deps.extend(self._asset_names(_kwarg(call, "deps")))
            ins = _kwarg(call, "ins")
            if type(ins) is cst.Dict:
                for element in ins.elements:
                    if not type(element) is cst.DictElement:
                        continue
                    key = self.ex.sym(element.key)
                    upstream = self._asset_names(element.value)
                    if upstream:
                        deps.extend(upstream)
                    elif isinstance(key, Lit) and isinstance(key.value, str):
                        deps.append(key.value)
        for param in node.params.params:
            if param.name.value not in _NOT_ASSET_PARAMS and param.name.value not in deps:
                deps.append(param.name.value)
        self.assets.append(AssetFact(name, scope, line, tuple(dict.fromkeys(deps))))

    def _asset_names(self, value: Optional[cst.BaseExpression]) -> List[str]:
        """Asset names in ``deps=[raw, "events", AssetKey("x"), AssetIn("y")]``."""
        if value is None:
            return []
        items = value.elements if type(value) in (cst.List, cst.Tuple, cst.Set) else [value]
        out: List[str] = []
        for item in items:
            expr = item.value if isinstance(item, cst.BaseElement) else item
            if type(expr) is cst.Name:
                out.append(expr.value)
            elif type(expr) is cst.SimpleString:
                text = self.ex.sym(expr)
                if isinstance(text, Lit) and isinstance(text.value, str):
                    out.append(text.value.split("/")[-1])
            elif type(expr) is cst.Call and expr.args:
                qualname = self.ex.qualname_of_call(expr)
                if qualname in self.flow.asset_ins or qualname in self.flow.asset_specs:
                    key = _kwarg(expr, "key") or expr.args[0].value
                    out.extend(self._asset_names(key))
        return out

    # -- Luigi ----------------------------------------------------------------------------------
    def _enter_class(self, node: cst.ClassDef) -> None:
        for base in node.bases:
            name = self.ex.qualname(base.value) if type(base.value) in (cst.Name, cst.Attribute) else None
            if name in self.flow.metaflow_bases or (type(base.value) is cst.Name and any(
                    c.rpartition(".")[2] == base.value.value for c in self.metaflow_classes)):
                self.metaflow_classes.add(self.ex.scope_name)
                break
        for base in node.bases:
            name = self.ex.qualname(base.value) if type(base.value) in (cst.Name, cst.Attribute) else None
            if name in self.flow.luigi_bases or (type(base.value) is cst.Name and base.value.value in
                                                 self.luigi_classes):
                self.luigi_classes.add(node.name.value)
                self.tasks.append(TaskFact(node.name.value, TaskKind.LUIGI, "luigi", self.ex.line, self.ex.scope_name,
                                           callable=f"{self.ex.module}.{self.ex.scope_name}"))
                return

    def _enter_return(self, node: cst.Return) -> None:
        scope = self.ex.scope_name
        cls, _, method = scope.rpartition(".")
        if cls not in self.luigi_classes or method not in ("requires", "output") or node.value is None:
            return
        values = node.value.elements if type(node.value) in (cst.List, cst.Tuple) else [node.value]
        if type(node.value) is cst.Dict:
            values = [e.value for e in node.value.elements if type(e) is cst.DictElement]
        for item in values:
            expr = item.value if isinstance(item, cst.BaseElement) else item
            if not type(expr) is cst.Call:
                continue
            if method == "requires" and type(expr.func) is cst.Name:
                self.edges.append(TaskEdgeFact(expr.func.value, cls, self.ex.line))
            elif method == "output" and self.ex.qualname_of_call(expr) in self.flow.luigi_targets and expr.args:
                path = _kwarg(expr, "path") or expr.args[0].value
                self.io.append(IOFact(IOMode.WRITE, self.ex.qualname_of_call(expr), self.ex.sym(path), self.ex.line,
                                      self.ex.col, scope, "luigi", "", IOTarget.PATH))

    # -- Kedro nodes ----------------------------------------------------------------------------------
    def _kedro_node(self, node: cst.Call) -> None:
        """``node(func, inputs, outputs, name=...)``, positionally or by keyword."""
        positional = [a.value for a in node.args if a.keyword is None and not a.star]

        def argument(index: int, keyword: str) -> Optional[cst.BaseExpression]:
            value = _kwarg(node, keyword)
            return value if value is not None else (positional[index] if len(positional) > index else None)

        func = argument(0, "func")
        function = self.ex.qualname(func) if type(func) in (cst.Name, cst.Attribute) else None
        if not function:
            return
        name = self.ex.sym(_kwarg(node, "name")) if _kwarg(node, "name") is not None else None
        inputs = tuple(d for d in self._datasets(argument(1, "inputs"))
                       if not d.startswith(self.flow.kedro_parameters))
        outputs = self._datasets(argument(2, "outputs"))
        self.nodes.append(PipelineNodeFact(
            function, inputs, outputs, self.ex.line,
            name.value if isinstance(name, Lit) and isinstance(name.value, str) else ""))

    def _datasets(self, value: Optional[cst.BaseExpression]) -> Tuple[str, ...]:
        """Dataset names: a string, a list of strings, or a dict's string values (``{...}`` or ``dict(...)``)."""
        if value is None:
            return ()
        if type(value) is cst.Call and self.ex.qualname_of_call(value) == "builtins.dict":
            items = [a.value for a in value.args if a.keyword is not None]
        elif type(value) is cst.Dict:
            items = [e.value for e in value.elements if type(e) is cst.DictElement]
        elif type(value) in (cst.List, cst.Tuple):
            items = [e.value for e in value.elements]
        else:
            items = [value]
        out = []
        for item in items:
            literal = self.ex.sym(item)
            if isinstance(literal, Lit) and isinstance(literal.value, str) and literal.value:
                out.append(literal.value)
        return tuple(dict.fromkeys(out))

    # -- Metaflow artifacts ------------------------------------------------------------------------------
    def _enter_target(self, node: cst.AssignTarget) -> None:
        self._in_target += 1

    def _leave_target(self, node: cst.AssignTarget) -> None:
        self._in_target -= 1

    def _enter_attribute(self, node: cst.Attribute) -> None:
        if not self.metaflow_steps:
            return
        step = self.metaflow_steps.get(self.ex.scope_name)
        value = node.value
        if step is None or type(value) is not cst.Name or value.value != "self":
            return
        name = node.attr.value
        if name in self.flow.metaflow_builtins:
            return
        stack = self.ex.stmt_stack
        statement = stack[-1].node if stack else None
        modes = []
        if self._in_target:
            modes.append(IOMode.WRITE)
        elif type(statement) is cst.AugAssign and statement.target is node:
            modes.extend((IOMode.READ, IOMode.WRITE))
        elif type(statement) is cst.AnnAssign and statement.target is node:
            modes.append(IOMode.WRITE)
        else:
            modes.append(IOMode.READ)
        for mode in modes:
            self.step_artifacts.setdefault((step[0], step[1], name, mode), self.ex.line)

    # -- operators, calls and edges -----------------------------------------------------------------
    def on_call(self, node: cst.Call, qualname: str) -> None:
        if qualname not in self._operators and not self.flows and not self.task_scopes and \
                qualname.rpartition(".")[2] not in self._dependency_methods:
            return  # the common case: no orchestrator in sight
        flow = self.flow
        kind, keyword = "", ""
        if qualname in flow.command_operators:
            kind, keyword = "command", flow.command_operators[qualname]
        elif qualname in flow.script_operators:
            kind, keyword = "script", flow.script_operators[qualname]
        elif qualname in flow.callable_operators:
            kind, keyword = "callable", flow.callable_operators[qualname]
        if kind:
            self._operator(node, qualname, kind, keyword)
            return
        if qualname in flow.kedro_nodes:
            self._kedro_node(node)
            return
        if qualname in flow.chain_functions:
            names = [self._task_names(a.value) for a in node.args if a.keyword is None]
            for upstream, downstream in zip(names, names[1:]):
                self._edges(upstream, downstream)
            return
        func = node.func
        step = self.metaflow_steps.get(self.ex.scope_name) if self.metaflow_steps else None
        if step is not None and type(func) is cst.Attribute and func.attr.value == flow.metaflow_next and \
                type(func.value) is cst.Name and func.value.value == "self":
            # self.next(self.a, self.b) / self.next(self.train, foreach="grid"): the steps that run next
            for arg in node.args:
                target = arg.value
                if arg.keyword is None and type(target) is cst.Attribute and \
                        type(target.value) is cst.Name and target.value.value == "self":
                    self.edges.append(TaskEdgeFact(step[1], target.attr.value, self.ex.line))
            return
        if type(func) is cst.Attribute and func.attr.value in self._dependency_methods:
            upstream = self._task_names(func.value)
            downstream = [n for a in node.args if a.keyword is None for n in self._task_names(a.value)]
            if func.attr.value in flow.upstream_methods:
                upstream, downstream = downstream, upstream
            self._edges(upstream, downstream)
            return
        scope = self.ex.scope_name
        if scope in self.flows and type(func) is cst.Name and func.value in self.task_functions:
            # users = load_users(): ``users >> ...`` later names the task load_users
            stack = self.ex.stmt_stack
            statement = stack[-1].node if stack else None
            if type(statement) is cst.Assign and statement.value is node and len(statement.targets) == 1 and \
                    type(statement.targets[0].target) is cst.Name:
                self.aliases[statement.targets[0].target.value] = func.value
        if scope in self.task_scopes and type(func) in (cst.Name, cst.Attribute) and \
                callee_of(qualname).resolved and not qualname.startswith("builtins.") and "." in qualname:
            # the code a task function runs: a project function or class of another module (a step)
            name, framework = self.task_scopes[scope]
            self.tasks.append(TaskFact(name, TaskKind.CALLABLE, framework, self.ex.line, scope, callable=qualname))
            return
        if scope in self.flows and type(func) in (cst.Name, cst.Attribute) and callee_of(qualname).resolved:
            root = qualname.split(".", 1)[0]
            if root not in flow.not_steps:
                name = func.value if type(func) is cst.Name else func.attr.value
                self.tasks.append(TaskFact(name, TaskKind.CALL, "", self.ex.line, scope, callable=qualname))

    def _operator(self, node: cst.Call, qualname: str, kind: str, keyword: str) -> None:
        stack = self.ex.stmt_stack
        statement = stack[-1].node if stack else None
        name = ""
        if type(statement) is cst.Assign and statement.value is node and len(statement.targets) == 1 and \
                type(statement.targets[0].target) is cst.Name:
            name = statement.targets[0].target.value
        task_id = _kwarg(node, "task_id")
        if not name and task_id is not None:
            value = self.ex.sym(task_id)
            name = value.value if isinstance(value, Lit) and isinstance(value.value, str) else ""
        value = _kwarg(node, keyword)
        if value is None:
            return
        framework = _framework(qualname)
        if kind == "callable":
            target = self.ex.qualname(value) if type(value) in (cst.Name, cst.Attribute) else None
            if target:
                self.tasks.append(TaskFact(name, TaskKind.CALLABLE, framework, self.ex.line, self.ex.scope_name,
                                           callable=target))
            return
        self.tasks.append(TaskFact(name, TaskKind(kind), framework, self.ex.line, self.ex.scope_name,
                                   self.ex.sym(value)))

    def _task_names(self, node: cst.BaseExpression) -> List[str]:
        if type(node) is cst.Name:
            return [self.aliases.get(node.value, node.value)]
        if type(node) in (cst.List, cst.Tuple):
            return [n for e in node.elements for n in self._task_names(e.value)]
        if type(node) is cst.Call and type(node.func) is cst.Name:
            return [node.func.value]  # TaskFlow: extract() >> load()
        if type(node) is cst.BinaryOperation:
            return self._chain(node)[1]
        return []

    def _edges(self, upstream: List[str], downstream: List[str]) -> None:
        for u in upstream:
            for d in downstream:
                if u != d:
                    self.edges.append(TaskEdgeFact(u, d, self.ex.line))

    def _chain(self, node: cst.BinaryOperation) -> Tuple[List[str], List[str]]:
        """(first, last) task names of ``a >> b >> c``; records the edges."""
        self._seen_binary.add(id(node))
        left = self._chain(node.left) if type(node.left) is cst.BinaryOperation and \
            type(node.left.operator) in (cst.RightShift, cst.LeftShift) else (
                self._task_names(node.left), self._task_names(node.left))
        right = self._chain(node.right) if type(node.right) is cst.BinaryOperation and \
            type(node.right.operator) in (cst.RightShift, cst.LeftShift) else (
                self._task_names(node.right), self._task_names(node.right))
        if type(node.operator) is cst.RightShift:
            self._edges(left[1], right[0])
        else:
            self._edges(right[1], left[0])
        return left[0], right[1]

    def _enter_binary(self, node: cst.BinaryOperation) -> None:
        if id(node) in self._seen_binary or not type(node.operator) in (cst.RightShift, cst.LeftShift):
            return
        if not (self.tasks or self.task_functions):
            return  # no task in this file (yet): a bit shift, not a dependency
        self._chain(node)

    def finish(self, out: CollectedFacts) -> None:
        out.tasks.extend(self.tasks)
        out.pipeline_nodes.extend(self.nodes)
        steps = {(flow, name) for flow, name in self.metaflow_steps.values()}
        out.step_artifacts.extend(
            StepArtifactFact(flow, step, name, mode, line)
            for (flow, step, name, mode), line in sorted(self.step_artifacts.items(), key=lambda i: (i[1], i[0][2]))
            if (flow, name) not in steps)  # self.<step> names a step (self.next(self.train)), no artifact
        out.task_edges.extend(self.edges)
        out.assets.extend(self.assets)
