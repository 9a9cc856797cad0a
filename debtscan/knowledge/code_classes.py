"""Which calls are ML, glue, configuration or one of the other boxes of Sculley et al.'s Figure 1: ``ml.toml``
and ``classes.toml`` merged with ``[tool.debtscan.knowledge.<name>]``.

Lookups are by qualified name; an ``ml``/``config``/``other`` entry covers every name under it
(``torch.nn`` covers ``torch.nn.Linear``; a ``glue`` entry only its exact name, so ``pandas.DataFrame`` does
not cover ``pandas.DataFrame.merge``) and the longest matching entry wins, so ``other = ["sklearn.datasets"]`` carves an
exception out of ``ml = ["sklearn"]``. Method names alone are looked up only for values of unknown type.
"""
from __future__ import annotations

import difflib
from dataclasses import field
from typing import Any, Dict, FrozenSet, Mapping, Optional, Sequence, Tuple

from debtscan.config import ConfigError
from debtscan.knowledge.names import callee_of
from debtscan.records import record

#: The classes a logical line can have, in the order they are shown (Sculley et al. 2015, Figure 1):
#: ML code; glue; data collection and I/O; feature extraction and data preparation; data verification;
#: configuration; process (and machine resource) management; serving; monitoring and logging; analysis and
#: plots; and ``other`` (imports of nothing in particular, plain control flow).
CLASSES = ("ml", "glue", "io", "prep", "verify", "config", "process", "serving", "monitoring", "analysis", "other")
#: The classes named by call (besides glue, whose entries carry an adapter).
CALL_CLASSES = ("ml", "config", "other", "io", "prep", "verify", "process", "serving", "monitoring", "analysis")
#: A human label per class (reports).
LABELS = {
    "ml": "ML code", "glue": "glue", "io": "data collection and I/O",
    "prep": "feature extraction and data preparation", "verify": "data verification", "config": "configuration",
    "process": "process management", "serving": "serving", "monitoring": "monitoring and logging",
    "analysis": "analysis and plots", "other": "other",
}
_METHOD_CLASSES = ("ml", "config", "io", "prep", "verify", "process", "serving", "monitoring", "analysis")

#: The keys a library table may have (in ml.toml, classes.toml or [tool.debtscan.knowledge.<name>]).
LIST_KEYS = CALL_CLASSES + tuple(f"{kind}-methods" for kind in _METHOD_CLASSES) + (
    "ml-bases", "verify-bases", "ml-receivers")
TABLE_KEYS = ("glue", "glue-methods", "glue-attributes", "modules")
KEYS = LIST_KEYS + TABLE_KEYS
DATAFLOW_SECTIONS = ("sql", "tables", "objects", "spark", "orchestrators", "declared")
TABLE_SECTIONS = ("frames", "models", "predictions", "artifacts", "paths", "code")  # signals.toml (debtscan.knowledge.tables)

Entry = Tuple[str, str]  # (kind, adapter spec "SRC->DST" for glue, "" otherwise)


@record
class CodeKnowledge:
    """The merged catalogue. ``names``: qualified name (or a prefix of one) -> (kind, adapter spec)."""

    names: Dict[str, Entry] = field(default_factory=dict)
    methods: Dict[str, Entry] = field(default_factory=dict)
    attributes: Dict[str, str] = field(default_factory=dict)
    ml_bases: FrozenSet[str] = frozenset()
    verify_bases: FrozenSet[str] = frozenset()
    modules: Dict[str, str] = field(default_factory=dict)
    ml_receivers: FrozenSet[str] = frozenset()
    roots: FrozenSet[str] = frozenset()
    _memo: Dict[str, Optional[Entry]] = field(default_factory=dict, repr=False, compare=False)

    def classify(self, qualname: str) -> Optional[Entry]:
        """(kind, adapter) of a call's resolved qualified name; ``?.method`` looks at the method alone."""
        found = self._memo.get(qualname, False)
        if found is not False:
            return found  # type: ignore[return-value]
        result: Optional[Entry] = None
        called = callee_of(qualname)
        if called.unknown_receiver:
            result = self.methods.get(called.name)
        elif called.resolved:
            name = qualname
            names = self.names
            while True:
                result = names.get(name)
                if result is not None and (result[0] != "glue" or name == qualname):
                    break
                result = None
                cut = name.rfind(".")
                if cut <= 0:
                    break
                name = name[:cut]
        if len(self._memo) < 100_000:
            self._memo[qualname] = result
        return result

    def module_class(self, module: str) -> Optional[str]:
        """What an import of ``module`` counts as: the ``modules`` entry of it or of the package it is in,
        else the class of the call it names (``from sklearn.ensemble import X``: ML)."""
        name = module
        while name:
            found = self.modules.get(name)
            if found is not None:
                return found
            name = name.rpartition(".")[0]
        entry = self.classify(module)
        return entry[0] if entry is not None and entry[0] != "other" else None

    def classify_method(self, qualname: str) -> Optional[Entry]:
        """For a resolved call the catalogue does not know (``utils.to_numpy``, ``config.MODEL.predict``):
        its method name alone, unless it belongs to a catalogued library (whose entries are authoritative)."""
        root = qualname.split(".", 1)[0]
        if root in self.roots:
            return None
        return self.methods.get(qualname.rpartition(".")[2])

    def __getstate__(self) -> Dict[str, Any]:
        state = dict(self.__dict__)
        state["_memo"] = {}
        return state


#: The classes a statement's calls give it, first wins (the order of
#: :meth:`debtscan.facts.lines.LinesCollector.on_statement`; glue, which comes between monitoring and verify
#: there, has its own conversions: ``StatementFact.through``).
CALL_ORDER = ("io", "ml", "analysis", "monitoring", "verify", "serving", "process", "prep", "config")


def method_class(knowledge: Any, typename: str, method: str) -> Optional[str]:
    """The class :meth:`debtscan.facts.lines.LinesCollector.on_call` gives a call of ``method`` on a value of
    type ``typename`` (``numpy.ndarray``, ``mean``: prep), the receiver's type known: the I/O catalogue, then
    the code catalogue by the qualified name (a converting method name still converts), then the method name
    on a catalogued type (not an ML or configuration name). For the calls the single pass keeps symbolic
    (``LinesCollector._symbolic_use``), classified across files once their value's package is known
    (:mod:`debtscan.project.composition`)."""
    qualname = f"{typename}.{method}"
    if knowledge.io_spec(qualname) is not None:
        return "io"
    code = knowledge.code
    entry = code.classify(qualname)
    if entry is not None:
        if qualname not in code.names and typename in knowledge.method_returns:
            found = code.methods.get(method)
            if found is not None and found[0] == "glue":
                return "glue"
        return entry[0]
    if typename in knowledge.method_returns:
        found = code.methods.get(method)
        return found[0] if found is not None and found[0] not in ("ml", "config") else None
    found = code.classify_method(qualname)
    return found[0] if found is not None else None


def _check_table(where: str, table: Mapping[str, Any]) -> None:
    for key, value in table.items():
        if key in DATAFLOW_SECTIONS or key in TABLE_SECTIONS:
            continue  # dataflow.toml's and signals.toml's sections (debtscan.knowledge.dataflow, .tables)
        if key not in KEYS:
            found = difflib.get_close_matches(key, KEYS + DATAFLOW_SECTIONS + TABLE_SECTIONS, n=1, cutoff=0.6)
            hint = f" (did you mean {found[0]!r}?)" if found else ""
            raise ConfigError(f"{where}: unknown key {key!r}{hint} (known keys: {', '.join(KEYS)})")
        if key in LIST_KEYS:
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ConfigError(f"{where} {key} must be a list of strings, got {value!r}")
        elif not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            raise ConfigError(f"{where} {key} must be a table of strings, got {value!r}")
        if key == "modules":
            for name, kind in value.items():
                if kind not in CLASSES:
                    raise ConfigError(f"{where} modules: {name!r} must map to one of {', '.join(CLASSES)}, "
                                      f"got {kind!r}")
        elif key in ("glue", "glue-methods", "glue-attributes"):
            for name, spec in value.items():
                source, arrow, target = spec.partition("->")
                if not arrow or not source or not target or ">" in source + target:
                    raise ConfigError(f"{where} {key}: {name!r} must map to \"SRC->DST\", got {spec!r}")


def is_code_table(table: Any) -> bool:
    """Whether a ``[tool.debtscan.knowledge.<name>]`` table is one of ours (has any of our keys)."""
    return isinstance(table, dict) and any(key in table for key in KEYS)


def build(packaged: Mapping[str, Any], user: Optional[Mapping[str, Any]] = None,
          catalogues: Sequence[Tuple[str, Mapping[str, Any]]] = ()) -> CodeKnowledge:
    """Merge the packaged library tables (``ml.toml``, then each of ``catalogues``: ``classes.toml``) with the
    user's; later entries win, the user's last."""
    names: Dict[str, Entry] = {}
    methods: Dict[str, Entry] = {}
    attributes: Dict[str, str] = {}
    bases = set()
    verify_bases = set()
    modules: Dict[str, str] = {}
    receivers = set()
    tables = [(f"ml.toml [{name}]", table) for name, table in packaged.items()]
    for source, catalogue in catalogues:
        tables += [(f"{source} [{name}]", table) for name, table in catalogue.items()]
    tables += [(f"[tool.debtscan.knowledge.{name}]", table) for name, table in (user or {}).items()
               if is_code_table(table)]
    for where, table in tables:
        _check_table(where, table)
        for kind in CALL_CLASSES:
            for name in table.get(kind, ()):
                names[name] = (kind, "")
        for name, spec in table.get("glue", {}).items():
            names[name] = ("glue", spec)
        for kind in _METHOD_CLASSES:
            for method in table.get(f"{kind}-methods", ()):
                methods[method] = (kind, "")
        for method, spec in table.get("glue-methods", {}).items():
            methods[method] = ("glue", spec)
        attributes.update(table.get("glue-attributes", {}))
        bases.update(table.get("ml-bases", ()))
        verify_bases.update(table.get("verify-bases", ()))
        modules.update(table.get("modules", {}))
        receivers.update(table.get("ml-receivers", ()))
    roots = frozenset(name.split(".", 1)[0] for name in names)
    return CodeKnowledge(names, methods, attributes, frozenset(bases), frozenset(verify_bases), modules,
                         frozenset(receivers), roots)
