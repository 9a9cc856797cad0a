"""Every line's class across files: calls of the project's own functions, classified by what those functions are.

The single pass classifies each logical line from its own file (:mod:`debtscan.facts.lines`). A line that
only calls a project helper (``X = to_model_input(rows)``) says nothing there; what it does is what the
helper does. This stage, run once over all the facts, gives every function a *summary* of its body (its
lines per class, and its dominant class when one class has at least half of them) and then:

- a line of class ``other`` that calls a project function whose summary has a dominant class gets that
  class (the call site of a glue helper is glue, of a feature builder is prep, of a training function ML);
- the ``other`` lines inside such a function (its ``return frame``, its loop headers) get that class too:
  the function is that box's code;
- a class is what its methods are as a whole (its ``__init__``'s ``self.x = x`` lines too); an *adapter
  class* (every public method of it is glue, and it has one) is glue as a whole, and so are the places that
  make one or call its methods (``?.method`` calls are matched to a class by the method's name when no other
  project class has a method of that name);
- an import of a project function counts as what that function is (imports of libraries are classified
  in the facts, by ``classes.toml`` ``modules``: ``import matplotlib.pyplot`` is analysis).

Summaries are recomputed until nothing changes (chains of helpers: ``prepare`` calls ``to_frame`` calls
``pd.DataFrame``), at most :data:`MAX_ROUNDS` times. The per-function facts used are the ones every file
already has (:class:`~debtscan.facts.model.FunctionFact`, :class:`~debtscan.facts.model.CallFact`, the
statements' scopes); which project function a call names is the value-flow core's answer
(:class:`~debtscan.project.calls.Functions`, the index the data flow and the path helpers use). A glue line
that converts by calling a project function (``X = to_matrix(frame)``, ``to_matrix`` returning
``frame.values`` in another module) makes the conversion that function's returned value went through
(``pandas->numpy``: :attr:`~debtscan.facts.summary_model.FunctionSummary.adapter`, a per-file fact, followed
through ``return other(...)`` to :data:`~debtscan.project.calls.MAX_DEPTH` levels).

:func:`build_composition` then tallies the resolved classes per file, per folder and for the repo, with the
adapters the glue converts between (``pandas->numpy``) ranked: the ``composition`` part of the ``Project``,
built once per scan; the glue rules and ``metrics.composition`` read it.
"""
from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from dataclasses import field, replace
from typing import Any, Dict, List, Mapping, Optional, Set, Tuple

from debtscan.facts.model import LINE_KINDS as KINDS
from debtscan.facts.model import FileFacts, IOMode, StatementFact
from debtscan.facts.summary_model import FromCall, FromRead
from debtscan.knowledge import Knowledge
from debtscan.knowledge.code_classes import CALL_ORDER, method_class
from debtscan.knowledge.names import callee_of
from debtscan.project.calls import MAX_DEPTH, Functions
from debtscan.records import record

MAX_ROUNDS = 6
MODULE = "<module>"
#: Glue must have at least this share of a body's lines to be its class.
DOMINANT_SHARE = 0.5
#: Classes that need that share too: glue (a claim of debt must be sure) and monitoring (a function that
#: logs what it does is not logging code).
STRICT = frozenset({"glue", "monitoring"})
#: Another class is a body's class when it has the most classified lines and those are this share of all.
CLASSIFIED_SHARE = 0.25


@record(frozen=True)
class FunctionSummary:
    """What a project function's body is: its lines per class and its dominant class (None: mixed)."""

    path: str
    name: str          # within its module (``Adapter.to_frame``)
    qualname: str      # ``service.adapters.Adapter.to_frame``
    line: int
    lines: Tuple[Tuple[str, int], ...]
    kind: Optional[str]
    call_sites: int = 0

    @property
    def code_lines(self) -> int:
        return sum(n for _, n in self.lines)


@record(frozen=True)
class AdapterClass:
    """A project class whose every public method only converts data (a glue adapter)."""

    path: str
    name: str
    line: int
    methods: Tuple[str, ...]
    lines: int


@record(frozen=True)
class LineClasses:
    """The resolved class of every statement (aligned with each file's ``statements``) and the summaries."""

    kinds: Mapping[str, Tuple[str, ...]]
    functions: Mapping[str, FunctionSummary] = field(default_factory=dict)
    adapters: Tuple[AdapterClass, ...] = ()
    through_helpers: Mapping[str, int] = field(default_factory=dict)  # path -> lines classified via helpers
    #: path -> statement index -> the conversions a glue line makes by calling a project function (``X =
    #: to_matrix(frame)`` where ``to_matrix`` returns ``frame.values`` in another module: ``pandas->numpy``)
    adapters_through: Mapping[str, Mapping[int, Tuple[str, ...]]] = field(default_factory=dict)

    def statements(self, facts: FileFacts) -> List[Tuple[StatementFact, str]]:
        """(statement, resolved class) for one file, with the conversions made through calls."""
        return list(zip(self.resolved(facts), self.kinds.get(facts.path, ())))

    def resolved(self, facts: FileFacts) -> Tuple[StatementFact, ...]:
        """A file's statements, each glue line that converts through a project function's call carrying that
        conversion among its ``adapters``."""
        through = self.adapters_through.get(facts.path)
        if not through:
            return facts.statements
        return tuple(replace(s, adapters=through[i]) if i in through else s for i, s in enumerate(facts.statements))


@record
class _Function:
    """A function of the project as composition sees it: where it is, its statements and its class."""

    path: str
    name: str
    qualname: str
    line: int
    statements: List[int]       # indexes into the file's statements
    cls: str = ""               # the class a method belongs to ("" for a plain function)


def _calls_by_statement(facts: FileFacts) -> Dict[int, List[str]]:
    """Index of a statement -> the callees of the calls made in it (same scope, within its lines): a binary
    search per call in its scope's statements, O(calls log statements)."""
    lines_of: Dict[str, List[int]] = {}     # scope -> its statements' first lines, in order
    indexes_of: Dict[str, List[int]] = {}   # scope -> those statements' indexes
    for index, statement in enumerate(facts.statements):
        if statement.scope not in lines_of:
            lines_of[statement.scope], indexes_of[statement.scope] = [], []
        lines_of[statement.scope].append(statement.line)
        indexes_of[statement.scope].append(index)
    out: Dict[int, List[str]] = {}
    for call in facts.calls:
        lines = lines_of.get(call.scope)
        if not lines:
            continue
        # the last statement of the scope that starts at or before the call's line and reaches it
        low = bisect_right(lines, call.line)
        if low == 0:
            continue
        index = indexes_of[call.scope][low - 1]
        statement = facts.statements[index]
        if statement.line <= call.line <= statement.end_line:
            out.setdefault(index, []).append(call.qualname)
    return out


def _is_public(method: str) -> bool:
    return not method.startswith("_")


def resolve(facts_by_path: Mapping[str, FileFacts], index: Optional[Functions] = None,
            knowledge: Optional[Knowledge] = None) -> LineClasses:
    """Classify every statement across files (see the module docstring). A call's project function is found
    by the value-flow core's function index (:class:`~debtscan.project.calls.Functions`, the one the data
    flow and the path helpers use): re-exports of packages, ``src/`` and namespace-package layouts, and of
    several modules of one name (every folder its ``utils.py``) the caller's closest. With the scan's
    ``knowledge`` (:class:`~debtscan.knowledge.Knowledge`), a line of class ``other`` that calls methods on a
    value a project function returned (``X = to_matrix(frame)`` ... ``m = X.mean()``) gets the class those
    calls have on that value's type, first (:func:`_used_class`)."""
    core = index if index is not None else Functions(dict(facts_by_path))
    functions: Dict[str, _Function] = {}
    records: List[_Function] = []    # every function, also of modules that share a name (``utils.py``)
    by_file: Dict[str, Dict[str, _Function]] = {}
    classes: Dict[str, Dict[str, _Function]] = {}        # "module.Class" -> method name -> function
    method_owners: Dict[str, Set[str]] = {}              # method name -> "module.Class" having it
    kinds: Dict[str, List[str]] = {}
    scripts: List[_Function] = []                       # each file's module-level lines
    calls: Dict[str, Dict[int, List[str]]] = {}
    uses: List[Tuple[str, int]] = []                    # lines of class other using symbolic values
    for path, facts in facts_by_path.items():
        kinds[path] = [s.kind for s in facts.statements]
        if not facts.statements:
            continue
        local: Dict[str, _Function] = {}
        for fn in facts.functions:
            qualname = f"{facts.module}.{fn.name}" if facts.module else fn.name
            owner, _, method = fn.name.rpartition(".")
            record = _Function(path, fn.name, qualname, fn.line, [], owner)
            functions[qualname] = local[fn.name] = record
            records.append(record)
            if owner and "." not in owner:
                key = f"{facts.module}.{owner}"
                classes.setdefault(key, {})[method] = record
                method_owners.setdefault(method, set()).add(key)
        script = _Function(path, MODULE, f"{facts.module}:{MODULE}", 1, [])
        for index, statement in enumerate(facts.statements):
            record = local.get(statement.scope)
            if record is not None:
                record.statements.append(index)
            elif statement.scope == MODULE:
                script.statements.append(index)
            if statement.through and statement.kind == "other":
                uses.append((path, index))
        scripts.append(script)
        by_file[path] = local
        calls[path] = _calls_by_statement(facts)

    looked_up: Dict[Tuple[str, str, str], Optional[_Function]] = {}

    def lookup(name: str, path: str, scope: str) -> Optional[_Function]:
        """The project function a call names, from the tables above (fixed by now): memoised per (name,
        file, scope), one function index look-up each."""
        key = (name, path, scope)
        if key in looked_up:
            return looked_up[key]
        found = looked_up[key] = _lookup(name, path, scope)
        return found

    def _lookup(name: str, path: str, scope: str) -> Optional[_Function]:
        called = callee_of(name)
        if called.unknown_receiver:
            method = called.name
            record = by_file.get(path, {})
            owner = scope.rpartition(".")[0]
            if owner and f"{owner}.{method}" in record:
                return record[f"{owner}.{method}"]  # self.method() inside the class
            owners = method_owners.get(method, ())
            if len(owners) == 1 and _is_public(method):
                (only,) = owners
                return classes[only].get(method)
            return None
        if not called.resolved:
            return None
        found = core.find(name, path)
        if found is None:
            return None
        where, inner = found
        if (where, inner) in core.classes and inner not in by_file.get(where, {}):
            inner = f"{inner}.__init__"   # making one: what its constructor (class) is
        return by_file.get(where, {}).get(inner)

    # a value a project function returned used in a line of class other (``m = X.mean()`` after ``X =
    # to_matrix(frame)``, ``to_matrix`` returning ``frame.values``): the class its calls have on that value's
    # type (``numpy.ndarray.mean``: prep), as ``X = frame.values`` written out gives; else as the file reads
    if knowledge is not None:
        for path, index in uses:
            kind = _used_class(core, knowledge, facts_by_path[path].statements[index].through, path)
            if kind is not None:
                kinds[path][index] = kind

    summaries: Dict[str, FunctionSummary] = {}
    adapters: Dict[str, AdapterClass] = {}
    through: Counter = Counter()
    sites: Counter = Counter()
    targets: Dict[Tuple[str, int], List[_Function]] = {}
    for path, by_index in calls.items():
        facts = facts_by_path[path]
        for index, callees in by_index.items():
            found = []
            for callee in callees:
                record = lookup(callee, path, facts.statements[index].scope)
                if record is not None and not (record.path == path and index in record.statements):
                    found.append(record)
            if found:
                targets[(path, index)] = found
                for record in found:
                    sites[record.qualname] += 1
    modules = {facts.module: path for path, facts in facts_by_path.items() if facts.module}
    module_imports: List[Tuple[str, int, str]] = []   # (path, statement index, imported module's path)
    imported_at: Set[Tuple[str, int]] = set()          # import lines of project functions (no conversion made)
    # an import of a project function counts as what the function is (library imports are classified in the
    # facts: classes.toml ``modules``)
    for path, facts in facts_by_path.items():
        if not facts.statements or not facts.imports:
            continue
        lines = {s.line: i for i, s in enumerate(facts.statements) if s.kind == "other"}
        for imp in facts.imports:
            index = lines.get(imp.line)
            if index is None:
                continue
            record = lookup(imp.target, path, MODULE)
            if record is not None:
                targets.setdefault((path, index), []).append(record)
                imported_at.add((path, index))
            else:
                module = imp.target if imp.target in modules else imp.target.rpartition(".")[0]
                if module in modules and modules[module] != path:  # a module, or a constant of one
                    module_imports.append((path, index, modules[module]))

    # The rounds are incremental: a function's summary is recomputed only when one of its statements changed
    # class in the round before, and a class's adapter status and class only when one of its methods'
    # summaries was recomputed; everything else is what it was (each is a function of those alone). Cost:
    # O(functions + classes + targets) per round plus O(statements) in all for the summaries, instead of
    # O(statements) per round.
    owner_of: Dict[str, List[Optional[_Function]]] = {path: [None] * len(k) for path, k in kinds.items()}
    for record in records:
        owners = owner_of[record.path]
        for i in record.statements:
            owners[i] = record
    classes_of: Dict[str, List[str]] = {}   # a method's qualname -> the classes whose kind its summary counts in
    for key, methods in classes.items():
        for record in methods.values():
            classes_of.setdefault(record.qualname, []).append(key)
    own: Dict[int, FunctionSummary] = {}     # id(record): every record stays alive in ``records``
    adapter_of: Dict[str, Optional[AdapterClass]] = {}
    kind_of: Dict[str, Optional[Tuple[Tuple[str, str], str]]] = {}
    dirty: Dict[int, _Function] = {id(record): record for record in records}
    stale: Set[str] = set(classes)
    pending = list(targets.items())
    unresolved: Dict[str, List[int]] = {}    # qualname -> its statements that may still be of class ``other``
    for _ in range(MAX_ROUNDS):
        changed = False
        # what each function's own body is (of two modules of one name, each its own: the one a call means)
        for record in dirty.values():
            file_kinds = kinds[record.path]
            tally = Counter([file_kinds[i] for i in record.statements])
            own[id(record)] = FunctionSummary(record.path, record.name, record.qualname, record.line,
                                              tuple(sorted(tally.items())), dominant(tally), sites[record.qualname])
        # the summaries and the classes to look at again, for the recomputed functions only (every function
        # the first round, when all are)
        if not summaries:
            summaries = {qualname: own[id(record)] for qualname, record in functions.items()}
        for record in dirty.values():
            if functions.get(record.qualname) is record:  # not a same-named one it replaced
                summaries[record.qualname] = own[id(record)]
                stale.update(classes_of.get(record.qualname, ()))
        dirty = {}
        for key in stale:
            adapter_of[key] = _adapter_class(classes[key], summaries)
        for key in stale:
            kind_of[key] = _class_kind(classes[key], summaries, adapter_of[key] is not None)
        stale = set()
        adapters = {key: adapter_of[key] for key in classes if adapter_of[key] is not None}
        class_kinds = {}
        for key in classes:
            found_kind = kind_of[key]
            if found_kind is not None:
                class_kinds[found_kind[0]] = found_kind[1]
        # a target no longer of class ``other`` never is again: left out of the later rounds
        pending = [(place, found) for place, found in pending if kinds[place[0]][place[1]] == "other"]
        for (path, index), found in pending:
            if kinds[path][index] != "other":
                continue
            for record in found:
                kind = own[id(record)].kind
                if record.cls:
                    kind = class_kinds.get((record.path, record.cls), kind)
                if kind is not None:
                    kinds[path][index] = kind
                    through[path] += 1
                    changed = True
                    owner = owner_of[path][index]
                    if owner is not None:
                        dirty[id(owner)] = owner
                    break
        for qualname, record in functions.items():
            # only the function's lines still of class ``other`` can change (a line never becomes ``other``
            # again): once its class is given to them, it has none left and is passed over in O(1) (was:
            # every statement of every function, every round)
            left = unresolved.get(qualname)
            if left is None:
                left = unresolved[qualname] = record.statements
            if not left:
                continue
            kind = summaries[qualname].kind
            if record.cls and (record.path, record.cls) in class_kinds:
                kind = class_kinds[(record.path, record.cls)] if kind is None or kind == "glue" or \
                    class_kinds[(record.path, record.cls)] == "glue" else kind
            if kind is None:
                continue
            file_kinds = kinds[record.path]
            owners = owner_of[record.path]
            for i in left:
                if file_kinds[i] == "other":
                    file_kinds[i] = kind
                    changed = True
                    owner = owners[i]
                    if owner is not None:
                        dirty[id(owner)] = owner
            unresolved[qualname] = []
        if not changed:
            break
    # a script's plain top-level lines belong to what the script mostly does
    for script in scripts:
        file_kinds = kinds[script.path]
        kind = dominant(Counter(file_kinds[i] for i in script.statements))
        if kind is not None:
            for i in script.statements:
                if file_kinds[i] == "other":
                    file_kinds[i] = kind
    # the class-level lines of a class with a dominant class (an adapter's: glue) are of that class as well
    # (each file's statements grouped by scope once: was every statement of the file for each of its classes)
    by_scope: Dict[str, Dict[str, List[int]]] = {}
    for (path, name), kind in class_kinds.items():
        scopes = by_scope.get(path)
        if scopes is None:
            scopes = by_scope[path] = {}
            for i, statement in enumerate(facts_by_path[path].statements):
                scopes.setdefault(statement.scope, []).append(i)
        file_kinds = kinds[path]
        for i in scopes.get(name, ()):
            if file_kinds[i] == "other":
                file_kinds[i] = kind
    # an import of a project module counts as what that module mostly is
    for path, index, imported in module_imports:
        kind = dominant(Counter(kinds[imported]))
        if kind is not None and kinds[path][index] == "other":
            kinds[path][index] = kind
    # the conversion a glue line makes by calling a project function: what that function's returned value
    # went through (its summary, through ``return other(...)`` chains to the core's depth)
    converted: Dict[str, Dict[int, Tuple[str, ...]]] = {}
    for (path, index), found in sorted(targets.items()):
        statement = facts_by_path[path].statements[index]
        if kinds[path][index] != "glue" or statement.adapters or statement.through or (path, index) in imported_at:
            continue
        for record in found:
            adapter = _returned_adapter(core, record.path, record.name)
            if adapter:
                converted.setdefault(path, {})[index] = (adapter,)
                break
    # the later lines of a value bound from such a call (``X = to_matrix(frame)`` ... ``X.astype("f4")``):
    # their conversions with that value's package, the one the function's returned value was converted to
    for path, facts in facts_by_path.items():
        for index, statement in enumerate(facts.statements):
            if statement.through and kinds[path][index] == "glue":
                made = tuple(dict.fromkeys(a for a in (_concrete(core, a, path) for a in statement.through) if a))
                if made != statement.adapters:
                    converted.setdefault(path, {})[index] = made
    return LineClasses({path: tuple(k) for path, k in kinds.items()}, summaries,
                       tuple(sorted(adapters.values(), key=lambda a: (a.path, a.line))), dict(through), converted)


def _returned_adapter(core: Functions, path: str, name: str, depth: int = 0) -> str:
    """The conversion the value function ``name`` of ``path`` returns went through (``pandas->numpy``), from
    its summary, through the project functions whose values it returns, to :data:`MAX_DEPTH` levels."""
    for _ in range(MAX_DEPTH - depth):
        summary = core.summaries.get((path, name))
        if summary is None:
            return ""
        if summary.adapter:
            return _concrete(core, summary.adapter, path, depth + 1) if "@" in summary.adapter else summary.adapter
        if not summary.adapter_via:
            return ""
        found = core.function(summary.adapter_via, path)
        if found is None:
            return ""
        path, name = found
        depth += 1
    return ""


def _used_class(core: Functions, knowledge: Knowledge, uses: Tuple[str, ...], path: str) -> Optional[str]:
    """The class a line's uses of values of symbolic package give it (``@m.to_matrix:mean``: ``mean`` called on
    what ``m.to_matrix`` returns; ``@m.to_frame:[]``: a new column of it): each use's value type is that of
    what the function returns (:func:`_returned_type`: the target of the conversion it went through, or the
    type of the read it came from), the call's class on that type
    (:func:`~debtscan.knowledge.code_classes.method_class`); the first of them in the statement order
    (:data:`~debtscan.knowledge.code_classes.CALL_ORDER`). None when no use's type is known, or the calls
    are of no class (or glue, whose conversions the single pass already named)."""
    found: Set[str] = set()
    for use in uses:
        name, _, method = use.partition(":")
        if not method or name[:1] != "@":
            continue
        target = core.function(name[1:], path)
        typename = _returned_type(core, knowledge, target[0], target[1]) if target is not None else ""
        if not typename:
            continue
        if method == "[]":
            if typename in _FRAME_TYPES:
                found.add("prep")   # a new frame column (``LinesCollector._new_column``)
            continue
        kind = method_class(knowledge, typename, method)
        if kind is not None:
            found.add(kind)
    for kind in CALL_ORDER:
        if kind in found:
            return kind
    return None


#: the types whose new columns (``frame["n"] = ...``) are data preparation
_FRAME_TYPES = frozenset({"pandas.DataFrame", "polars.DataFrame"})


def _returned_type(core: Functions, knowledge: Knowledge, path: str, name: str, depth: int = 1) -> str:
    """The type of the value function ``name`` of ``path`` returns, as the single pass would know it written
    out in the caller: the type of the package its returned conversion targets (``return frame.values``:
    ``numpy.ndarray``, :attr:`Knowledge.packages`), else the type the catalogue gives the read its value comes
    from (``return pd.read_pickle(p)``, also ``df = pd.read_csv(p); df["r"] = ...; return df``:
    ``pandas.DataFrame``, :attr:`Knowledge.returns`), through the project functions whose values it returns,
    to :data:`MAX_DEPTH` levels (new columns keep the frame's type); ``""`` when not known (a value also made
    of other origins, a selection of columns, a read of no catalogued type such as ``joblib.load``)."""
    package = _returned_adapter(core, path, name, depth).partition("->")[2]
    if package:
        return knowledge.packages.get(package, "")
    for _ in range(MAX_DEPTH - depth):
        summary = core.summaries.get((path, name))
        returned = summary.returns if summary is not None else None
        if returned is None or not returned.origins or returned.columns:
            return ""
        if len(returned.origins) == 1 and isinstance(returned.origins[0], FromCall):
            flows = core.facts[path].flows
            site = returned.origins[0].site
            if flows is None or not 0 <= site < len(flows.sites):
                return ""
            found = core.function(flows.sites[site].callee, path)
            if found is None:
                return ""
            path, name = found
            continue
        if not all(isinstance(origin, FromRead) for origin in returned.origins):
            return ""
        lines = {origin.line for origin in returned.origins}
        types = {knowledge.returns.get(io.api, "") for io in core.facts[path].io
                 if io.mode is IOMode.READ and io.line in lines}
        return types.pop() if len(types) == 1 else ""
    return ""


def _concrete(core: Functions, adapter: str, path: str, depth: int = 0) -> str:
    """A conversion written in ``path`` with a symbolic side (``@m.to_matrix~?``: the package of what project
    function ``m.to_matrix`` returns, ``?`` when not known) made concrete: that function's returned
    conversion's target, else the default; ``""`` when a side stays unknown."""
    sides = []
    for side in adapter.split("->", 1):
        if side[:1] == "@":
            qualname, _, default = side[1:].partition("~")
            found = core.function(qualname, path) if depth < MAX_DEPTH else None
            returned = _returned_adapter(core, found[0], found[1], depth + 1) if found is not None else ""
            side = returned.partition("->")[2] if returned else default
        sides.append(side)
    if len(sides) != 2 or any(side in ("", "?") for side in sides):
        return ""
    return f"{sides[0]}->{sides[1]}"


def dominant(tally: Mapping[str, int]) -> Optional[str]:
    """The class a body of code belongs to, when one stands out: glue (or monitoring) when at least half of all
    its lines are (a helper that mostly does plain work is not glue; one that logs is not logging code); another
    class when it has the most of the
    classified lines and those are at least :data:`CLASSIFIED_SHARE` of all of them; None otherwise."""
    total = sum(tally.values())
    if not total:
        return None
    classified = total - tally.get("other", 0)
    ranked = sorted(((n, k) for k, n in tally.items() if k != "other" and n), reverse=True)
    if not ranked:
        return None
    count, best = ranked[0]
    if len(ranked) > 1 and ranked[1][0] == count:
        return None  # a tie: no class stands out
    if best in STRICT:
        return best if count >= DOMINANT_SHARE * total else None
    return best if classified >= CLASSIFIED_SHARE * total else None


def _class_kinds(classes: Mapping[str, Mapping[str, "_Function"]], summaries: Mapping[str, FunctionSummary],
                 adapters: Mapping[str, AdapterClass]) -> Dict[Tuple[str, str], str]:
    """(path, class name) -> the class of code a project class is: glue for an adapter, else the dominant
    class of all its methods' lines."""
    out: Dict[Tuple[str, str], str] = {}
    for key, methods in classes.items():
        found = _class_kind(methods, summaries, key in adapters)
        if found is not None:
            out[found[0]] = found[1]
    return out


def _class_kind(methods: Mapping[str, "_Function"], summaries: Mapping[str, FunctionSummary],
                adapter: bool) -> Optional[Tuple[Tuple[str, str], str]]:
    """((path, class name), its class of code) for one project class (see :func:`_class_kinds`), or None."""
    if not methods:
        return None
    first = next(iter(methods.values()))
    if adapter:
        return (first.path, first.cls), "glue"
    tally: Counter = Counter()
    for record in methods.values():
        tally.update(dict(summaries[record.qualname].lines))
    kind = dominant(tally)
    return ((first.path, first.cls), kind) if kind is not None else None


def _adapter_classes(classes: Mapping[str, Mapping[str, _Function]],
                     summaries: Mapping[str, FunctionSummary]) -> Dict[str, AdapterClass]:
    out: Dict[str, AdapterClass] = {}
    for key, methods in classes.items():
        found = _adapter_class(methods, summaries)
        if found is not None:
            out[key] = found
    return out


def _adapter_class(methods: Mapping[str, _Function], summaries: Mapping[str, FunctionSummary]) -> Optional[AdapterClass]:
    """One project class as an adapter (every public method of it glue, and it has one), else None."""
    public = {m: f for m, f in methods.items() if _is_public(m)}
    if not public:
        return None
    if all(summaries[f.qualname].kind == "glue" for f in public.values()):
        first = min(methods.values(), key=lambda f: f.line)
        size = sum(summaries[f.qualname].code_lines for f in methods.values())
        return AdapterClass(first.path, first.cls, first.line, tuple(sorted(public)), size)
    return None


def glue_helpers(classes: LineClasses, limit: int = 20) -> List[FunctionSummary]:
    """The project's glue functions with most call sites (then most lines) first."""
    found = [s for s in classes.functions.values() if s.kind == "glue"]
    found.sort(key=lambda s: (-s.call_sites, -s.code_lines, s.path, s.line))
    return found[:limit]


# -- the tallies: lines per class per file, folder and repo -------------------------------------------------
@record
class Tally:
    """Lines per class in a file, a directory or the repo."""

    lines: Counter = field(default_factory=Counter)
    files: int = 0

    @property
    def code_lines(self) -> int:
        return sum(self.lines.values())

    def ratio(self, kind: str) -> float:
        total = self.code_lines
        return self.lines[kind] / total if total else 0.0

    def add(self, other: "Tally") -> None:
        self.lines.update(other.lines)
        self.files += other.files

    def to_json(self) -> Dict[str, Any]:
        total = self.code_lines
        return {
            "code_lines": total,
            "files": self.files,
            "lines": {kind: self.lines[kind] for kind in KINDS},
            "fractions": {kind: round(self.lines[kind] / total, 4) if total else 0.0 for kind in KINDS},
        }


@record(frozen=True)
class Composition:
    """The tallies of a project, by file and by directory, the adapters ranked and the resolved line classes."""

    repo: Tally
    files: Mapping[str, Tally]
    packages: Mapping[str, Tally]
    adapters: Tuple[Tuple[str, int, int], ...]  # (adapter, glue lines, files)
    classes: LineClasses = field(default_factory=lambda: LineClasses({}))

    def kinds(self, path: str) -> Tuple[str, ...]:
        """The resolved class of each statement of a file."""
        return self.classes.kinds.get(path, ())

    @property
    def glue_functions(self) -> List[FunctionSummary]:
        return glue_helpers(self.classes)

    @property
    def adapter_classes(self) -> Tuple[AdapterClass, ...]:
        return self.classes.adapters

    def heaviest_files(self, limit: int = 5, min_code_lines: int = 10) -> List[Tuple[str, Tally]]:
        """Files ranked by glue lines (then glue ratio), those with at least ``min_code_lines``."""
        ranked = [(path, tally) for path, tally in self.files.items()
                  if tally.code_lines >= min_code_lines and tally.lines["glue"]]
        ranked.sort(key=lambda item: (-item[1].lines["glue"], -item[1].ratio("glue"), item[0]))
        return ranked[:limit]


def package_of(path: str) -> List[str]:
    """Every directory a path is under (``a/b/c.py`` -> ``a``, ``a/b``)."""
    parts = path.split("/")[:-1]
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]


def tally_of(facts: FileFacts, kinds: Optional[Tuple[str, ...]] = None) -> Tally:
    """A file's lines per class: the resolved ``kinds`` when given, else each statement's own class."""
    return Tally(Counter(kinds if kinds is not None else (s.kind for s in facts.statements)), 1)


def build_composition(facts: Mapping[str, FileFacts], knowledge: Optional[Knowledge] = None) -> Composition:
    """The composition of the scanned files: the line classes resolved across files (:func:`resolve`, with the
    scan's ``knowledge`` for the methods called on values project functions return), then tallied,
    O(statements) after the resolution."""
    repo = Tally()
    files: Dict[str, Tally] = {}
    packages: Dict[str, Tally] = {}
    adapter_lines: Counter = Counter()
    adapter_files: Dict[str, set] = {}
    classes = resolve(facts, knowledge=knowledge)
    for path, file_facts in sorted(facts.items()):
        tally = tally_of(file_facts, classes.kinds.get(path))
        files[path] = tally
        repo.add(tally)
        for directory in package_of(path):
            packages.setdefault(directory, Tally()).add(tally)
        for statement in classes.resolved(file_facts):
            for adapter in statement.adapters:
                adapter_lines[adapter] += 1
                adapter_files.setdefault(adapter, set()).add(path)
    adapters = tuple(sorted(((a, n, len(adapter_files[a])) for a, n in adapter_lines.items()),
                            key=lambda item: (-item[1], -item[2], item[0])))
    return Composition(repo, files, packages, adapters, classes)
