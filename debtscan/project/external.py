"""The external-world view of the project: where models predict, who asks them to (request handlers, batch
scorers), what happens on the way (validation, monitoring) and the fixed thresholds applied to their outputs.

This is the one interface the DS4xx rules read models and predictions through. Today it is built from each
file's :class:`~debtscan.facts.external_model.ExternalFacts` and the signal layer's models (a model loaded
from a file is the model that saved it); value flow through functions (factories, helpers) feeds it by
adding prediction sites and edges of the call graph, without the rules changing.

Cost: linear in functions, calls and facts; reach is a breadth-first search over the project's call graph,
bounded per start (:data:`MAX_REACH`) and cached.
"""
from __future__ import annotations

import posixpath
from dataclasses import field
from enum import Enum
from typing import Dict, FrozenSet, Iterable, List, Mapping, Optional, Sequence, Set, Tuple

from debtscan.facts.external_model import CheckKind
from debtscan.facts.model import MODULE_SCOPE, CallFact, FileFacts, IOMode, ModelKind, PredictionOutput
from debtscan.knowledge.external import ExternalKnowledge, Framework, name_matches
from debtscan.project.signals import SignalLayer
from debtscan.knowledge.names import callee_of
from debtscan.records import record

MAX_REACH = 400
Function = Tuple[str, str]  # (path, function qualified within its module; "<module>" for module-level code)


@record(frozen=True)
class ModelRef:
    """A model as the project knows it: ``id`` is the signal layer's node (``model:<path>:<line>``) of the
    model that trained it when known (a loaded model is the model that saved its file), ``label`` how a
    message names it, ``artifacts`` the files it was loaded from."""

    id: str
    label: str
    artifacts: Tuple[str, ...] = ()
    key: str = ""   # the same identity without line numbers (``train.py:model``), for fingerprints


@record(frozen=True)
class PredictionSite:
    """A call that makes predictions: where, in which function, of which model, with what."""

    path: str
    line: int
    column: int
    scope: str
    model: ModelRef
    method: str
    fitted_here: bool
    sources: Tuple[str, ...] = ()   # artifacts its input data was read from (resolved), when known
    outputs: Tuple[PredictionOutput, ...] = ()   # where the predictions went: a file, a column, returned

    @property
    def function(self) -> Function:
        return (self.path, self.scope)


@record(frozen=True)
class Threshold:
    """A fixed number compared with a model's predictions."""

    path: str
    line: int
    column: int
    scope: str
    model: ModelRef
    op: str
    value: str
    subject: str
    constant: str
    constant_line: int
    notebook: bool
    fitted_here: bool

    @property
    def function(self) -> Function:
        return (self.path, self.scope)

    @property
    def text(self) -> str:
        number = f"{self.constant} = {self.value}" if self.constant else self.value
        return f"`{self.subject} {self.op} {number}`" if self.subject else f"`{self.op} {number}`"


class EndpointKind(Enum):
    """How the outside world reaches a function with its data."""

    WEB = "web"              # a route of a web framework (@app.post("/predict"))
    CALLBACK = "callback"    # a function registered with a UI or router (gr.Interface(fn=predict))
    CLASS = "class"          # a method of a handler class (mlflow.pyfunc.PythonModel.predict)
    EVENT = "event"          # a serverless handler called with (event, context)
    APP = "app"              # a script an app framework reruns on every input (Streamlit)


@record(frozen=True)
class Endpoint:
    """A function the outside world calls with its data: a web route, a registered callback, a handler
    class's method, a serverless handler, a script an app framework reruns on input (``<module>``).
    ``typed``: the framework validates its annotated parameters."""

    path: str
    function: str
    line: int
    framework: str
    kind: EndpointKind
    route: str = ""
    typed: bool = False

    @property
    def key(self) -> Function:
        return (self.path, self.function)

    @property
    def label(self) -> str:
        where = f" {self.route}" if self.route else ""
        return f"{self.framework} handler `{self.function}`{where}" if self.function != MODULE_SCOPE else \
            f"{self.framework} app"


@record
class ExternalWorld:
    """Everything the DS4xx rules need, built once per project (:func:`build_external_world`, the project's ``external`` part)."""

    facts: Dict[str, FileFacts]
    knowledge: ExternalKnowledge
    predictions: List[PredictionSite] = field(default_factory=list)
    thresholds: List[Threshold] = field(default_factory=list)
    endpoints: List[Endpoint] = field(default_factory=list)
    callees: Dict[Function, Set[Function]] = field(default_factory=dict)
    calls_by: Dict[Function, List[CallFact]] = field(default_factory=dict)
    schema_classes: Set[str] = field(default_factory=set)      # qualified names of the project's schema classes
    function_names: Dict[str, Function] = field(default_factory=dict)  # qualified name -> function
    _reach: Dict[Function, FrozenSet[Function]] = field(default_factory=dict)

    # -- the call graph --------------------------------------------------------------------------
    def reach(self, start: Function) -> FrozenSet[Function]:
        """The functions ``start`` calls, directly or through others in the project (itself included)."""
        found = self._reach.get(start)
        if found is None:
            seen: Set[Function] = {start}
            queue = [start]
            while queue and len(seen) < MAX_REACH:
                node = queue.pop(0)
                for callee in sorted(self.callees.get(node, ())):
                    if callee not in seen:
                        seen.add(callee)
                        queue.append(callee)
            found = self._reach[start] = frozenset(seen)
        return found

    def predictions_in(self, functions: Iterable[Function]) -> List[PredictionSite]:
        wanted = set(functions)
        return [p for p in self.predictions if p.function in wanted]

    # -- what happens on the way -----------------------------------------------------------------
    def validation_in(self, functions: Iterable[Function], extra: Sequence[str] = ()) -> Optional[Tuple[str, int, str]]:
        """The first check of input data among ``functions`` (path, line, what), or None: a call of a
        validation library (or of ``extra`` names), a project function named like a check, a schema class
        constructed, an ``assert`` or an ``if ...: raise`` on the data."""
        functions = sorted(set(functions))
        model_names = {p.model.label.strip("`").split("`")[0] for p in self.predictions}
        calls = list(self.knowledge.validation_calls) + list(extra)
        words = self.knowledge.function_words
        for path, scope in functions:
            short = scope.rpartition(".")[2].lower()
            if scope != MODULE_SCOPE and any(w in short for w in words):
                fn = next((f for f in self.facts[path].functions if f.name == scope), None)
                return path, fn.line if fn else 1, f"`{scope}`"
            for call in self.calls_by.get((path, scope), ()):
                if name_matches(call.qualname, calls):
                    return path, call.line, f"`{_callee(call.qualname)}`"
                if call.qualname in self.schema_classes:
                    return path, call.line, f"schema `{_callee(call.qualname)}`"
                target = self.function_names.get(call.qualname)
                callee = call.qualname.rpartition(".")[2].lower()
                if target is not None and any(w in callee for w in words):
                    return path, call.line, f"`{_callee(call.qualname)}`"
            external = self.facts[path].external
            if external is None:
                continue
            for check in external.checks:
                if check.scope != scope:
                    continue
                names = set(check.names) - {"None", "self", "is_loaded", "loaded"}
                if names and not names <= model_names:
                    return path, check.line, "an `assert`" if check.kind is CheckKind.ASSERT else "a check that rejects bad input"
        return None

    def monitoring_in(self, functions: Iterable[Function], extra: Sequence[str] = ()) -> Optional[Tuple[str, int, str]]:
        """The first place among ``functions`` that records predictions or inputs: a logging or metrics call
        (or one of ``extra``), or a write to a file or table."""
        calls = list(self.knowledge.monitoring_calls) + list(extra)
        for path, scope in sorted(set(functions)):
            for call in self.calls_by.get((path, scope), ()):
                if name_matches(call.qualname, calls):
                    return path, call.line, f"`{_callee(call.qualname)}`"
            for io in self.facts[path].io:
                if io.scope == scope and io.mode is IOMode.WRITE:
                    return path, io.line, f"a write (`{io.api}`)"
        return None

    def middleware(self, path: str) -> List[Function]:
        """Functions of a serving file that run around every request (``@app.middleware``, ``after_request``)."""
        external = self.facts[path].external
        if external is None:
            return []
        out = []
        for endpoint in external.endpoints:
            if any(d.rpartition(".")[2] in _MIDDLEWARE for d in endpoint.decorators):
                out.append((path, endpoint.function))
        return out


_MIDDLEWARE = frozenset({"middleware", "after_request", "before_request", "teardown_request", "on_event"})


def _callee(qualname: str) -> str:
    """A call's name as a finding shows it: the method alone for a receiver of unknown type."""
    called = callee_of(qualname)
    return called.name if called.unknown_receiver else qualname


def build_external_world(facts: Mapping[str, FileFacts], layer: SignalLayer) -> ExternalWorld:
    """The external-world view of the scanned files, given the signal layer's models (the ``external`` part
    of the project, built once before the rules run)."""
    world = ExternalWorld(facts, ExternalKnowledge.load())
    _call_graph(world, facts)
    # models: a loaded model is the model that saved its file
    saved_by: Dict[str, str] = {}
    for node in sorted(layer.models.values(), key=lambda m: m.id):
        if node.kind is ModelKind.FIT:
            for artifact in sorted(node.artifacts):
                saved_by.setdefault(artifact, node.id)

    def model_ref(path: str, line: int, name: str) -> Tuple[ModelRef, Tuple[str, ...], Tuple[str, ...]]:
        node = layer.models.get(f"model:{path}:{line}")
        if node is None:
            return ModelRef(f"model:{path}:{name}", f"`{name}`", key=f"{path}:{name}"), (), ()
        artifacts = tuple(sorted(node.artifacts))
        trained = next((saved_by[a] for a in artifacts if a in saved_by), None) if node.kind is not ModelKind.FIT else None
        label = f"`{node.name}`" + (f" (loaded from `{artifacts[0]}`)" if artifacts and node.kind is not ModelKind.FIT else "")
        fact = next((m for m in facts[path].models if m.line == line), None)
        outputs = tuple(fact.outputs) if fact is not None else ()
        loaded = f"artifact:{artifacts[0]}" if artifacts and node.kind is not ModelKind.FIT else ""
        home = layer.models[trained] if trained else node
        key = loaded if loaded and not trained else f"{home.path}:{home.name}"
        return ModelRef(trained or loaded or node.id, label, artifacts, key), tuple(sorted(node.sources)), outputs

    for path in sorted(facts):
        external = facts[path].external
        if external is None:
            continue
        for p in external.predictions:
            ref, sources, outputs = model_ref(path, p.model_line, p.model)
            world.predictions.append(PredictionSite(path, p.line, p.column, p.scope, ref, p.method, p.fitted,
                                                    sources, outputs))
        for t in external.thresholds:
            ref, _, _ = model_ref(path, t.model_line, t.model)
            fitted = any(m.line == t.model_line and m.kind is ModelKind.FIT for m in facts[path].models)
            world.thresholds.append(Threshold(path, t.line, t.column, t.scope, ref, t.op, t.value, t.subject,
                                              t.constant, t.constant_line, facts[path].notebook, fitted))
        world.endpoints.extend(_endpoints(world, path))
    return world


def _call_graph(world: ExternalWorld, facts: Dict[str, FileFacts]) -> None:
    """Caller -> callee edges between the project's functions, from the resolved calls of every file.

    A call names a function by qualified name (``churn.scoring.score``); scripts of different folders share
    module names (``predict``), so a name found in several files resolves to the caller's own file, else to the
    file nearest the caller (same folder, then the same top folder), else to none. A method called on a value
    of unknown type (``?.predict``) resolves to the caller's own class, else to the methods of that name (at most
    three) in the caller's file or in the modules it imports."""
    named: Dict[str, List[Function]] = {}
    by_method: Dict[str, List[Function]] = {}
    for path in sorted(facts):
        f = facts[path]
        for fn in f.functions:
            key = (path, fn.name)
            named.setdefault(f"{f.module}.{fn.name}", []).append(key)
            if "." in fn.name:
                by_method.setdefault(fn.name.rpartition(".")[2], []).append(key)
        external = f.external
        if external is not None:
            for cls in external.classes:
                if any(name_matches(b, world.knowledge.schema_bases) for b in cls.bases):
                    world.schema_classes.add(f"{f.module}.{cls.name}")
    for name, keys in named.items():
        world.function_names[name] = keys[0]
    # schema classes derived from the project's own schema classes (class Customer(BaseRequest))
    for _ in range(3):
        for path in sorted(facts):
            f = facts[path]
            if f.external is None:
                continue
            for cls in f.external.classes:
                own = f"{f.module}.{cls.name}"
                if own not in world.schema_classes and any(b in world.schema_classes for b in cls.bases):
                    world.schema_classes.add(own)

    def nearest(caller_path: str, keys: List[Function]) -> List[Function]:
        if len(keys) == 1:
            return keys
        own = [k for k in keys if k[0] == caller_path]
        if own:
            return own[:1]
        folder = posixpath.dirname(caller_path)
        same = [k for k in keys if posixpath.dirname(k[0]) == folder]
        if len(same) == 1:
            return same
        top = caller_path.split("/")[0]
        same_top = [k for k in keys if k[0].split("/")[0] == top]
        return same_top if len(same_top) == 1 else []

    modules_of = {path: facts[path].module for path in facts}
    for path in sorted(facts):
        f = facts[path]
        # every module an import of the file names or lies under (``a.b.c`` covers ``a``, ``a.b``, ``a.b.c``):
        # ``m in covered`` is ``any(t == m or t.startswith(m + ".") for t in imported)``, one look-up per callee
        covered = {t[:cut] for t in {imp.target for imp in f.imports}
                   for cut in [len(t), *(j for j, char in enumerate(t) if char == ".")]}
        # the methods of one name a file may call: once per (file, method), not once per call (``forward`` has
        # thousands of methods in a model library): O(calls + distinct (file, method) x methods of the name)
        reachable: Dict[str, List[Function]] = {}
        for call in f.calls:
            caller = (path, call.scope)
            world.calls_by.setdefault(caller, []).append(call)
            name = call.qualname
            targets: List[Function] = []
            if name in named:
                targets = nearest(path, named[name])
            elif callee_of(name).unknown_receiver:
                method = callee_of(name).name
                cls = call.scope.rpartition(".")[0]
                own = f"{f.module}.{cls}.{method}" if cls else ""
                if own and own in named:
                    targets = nearest(path, named[own])
                else:
                    candidates = reachable.get(method)
                    if candidates is None:
                        candidates = reachable[method] = [k for k in by_method.get(method, [])
                                                          if k[0] == path or modules_of[k[0]] in covered]
                    if 0 < len(candidates) <= 3:
                        targets = candidates
            elif f"{name}.__call__" in named:
                targets = nearest(path, named[f"{name}.__call__"])
            for target in targets:
                if target != caller:
                    world.callees.setdefault(caller, set()).add(target)


def _imports(f: FileFacts) -> Set[str]:
    return {i.target for i in f.imports}


def _imports_any(imported: Set[str], modules: Sequence[str]) -> bool:
    return any(t == m or t.startswith(m + ".") for t in imported for m in modules)


def _endpoints(world: ExternalWorld, path: str) -> List[Endpoint]:
    f = world.facts[path]
    knowledge = world.knowledge
    imported = _imports(f)
    frameworks = [fw for fw in knowledge.frameworks if _imports_any(imported, fw.imports)]
    out: List[Endpoint] = []
    external = f.external
    if external is not None:
        for endpoint in external.endpoints:
            if endpoint.callback:
                callee = endpoint.decorators[0] if endpoint.decorators else ""
                if frameworks and name_matches(callee, knowledge.callbacks):
                    framework = frameworks[0].name
                    scope = endpoint.function
                    if not any(fn.name == scope for fn in f.functions):
                        continue
                    out.append(Endpoint(path, scope, endpoint.line, framework, EndpointKind.CALLBACK))
                continue
            framework = _web_framework(endpoint.decorators, frameworks)
            if framework is None:
                continue
            typed = framework.typed_parameters and any(
                annotation not in knowledge.untyped_annotations for _, annotation in endpoint.annotations)
            schema = any(annotation in world.schema_classes for _, annotation in endpoint.annotations)
            out.append(Endpoint(path, endpoint.function, endpoint.line, framework.name, EndpointKind.WEB,
                                endpoint.routes[0] if endpoint.routes else "", typed or schema))
        for cls in external.classes:
            for spec in knowledge.handler_classes:
                if any(b == spec[0] or b.endswith("." + spec[0].rpartition(".")[2]) and b.split(".")[0] == spec[0].split(".")[0]
                       for b in cls.bases):
                    for fn in f.functions:
                        if fn.name.startswith(cls.name + ".") and fn.name.rpartition(".")[2] in spec[1]:
                            out.append(Endpoint(path, fn.name, fn.line, spec[0].rpartition(".")[2], EndpointKind.CLASS))
    for fn in f.functions:
        if fn.name in knowledge.event_handlers and tuple(fn.params[:2]) == ("event", "context"):
            out.append(Endpoint(path, fn.name, fn.line, "serverless", EndpointKind.EVENT))
    if any(fw.module for fw in frameworks):
        out.append(Endpoint(path, MODULE_SCOPE, 1, next(fw.name for fw in frameworks if fw.module), EndpointKind.APP))
    return out


def _web_framework(decorators: Sequence[str], frameworks: Sequence[Framework]) -> Optional[Framework]:
    for decorator in decorators:
        method = decorator.rpartition(".")[2]
        receiver = decorator.rpartition(".")[0]
        for framework in frameworks:
            if method in framework.decorators and (receiver == "?" or receiver.split(".")[0] in
                                                   {m.split(".")[0] for m in framework.imports} or
                                                   not receiver.startswith(("builtins", "functools", "typing"))):
                return framework
    return None


def is_test_path(path: str) -> bool:
    parts = path.split("/")
    name = posixpath.basename(path)
    return name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py" or any(
        p in ("tests", "test", "testing") for p in parts[:-1])
