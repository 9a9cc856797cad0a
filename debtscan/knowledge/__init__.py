"""What debtscan knows about libraries, kept as TOML data in this folder.

- ``types.toml``: what calls return (``pandas.read_csv`` -> ``pandas.DataFrame``), so that methods on
  values made by known calls resolve (``df.merge`` -> ``pandas.DataFrame.merge``).
- ``io.toml``: calls and methods that read or write files, and which argument is the path.
- ``ml.toml``: per library, which calls are ML, glue (with the adapter, ``pandas->numpy``) or configuration
  (extended in ``[tool.debtscan.knowledge.<name>]``; see :mod:`debtscan.knowledge.code_classes`).
- ``classes.toml``: per library, the other boxes of Sculley et al.'s Figure 1: data collection and I/O,
  feature extraction and data preparation, data verification, process management, serving, monitoring and
  logging, analysis and plots, and what an import of each module counts as (extended the same way).
- ``dataflow.toml``: SQL, warehouse tables, object stores, Spark, orchestrators and declared pipelines
  (:mod:`debtscan.knowledge.dataflow`).
- ``signals.toml``: frames and their column methods, estimators, predictions, path functions, script
  runners and library roots (:mod:`debtscan.knowledge.tables`).

Every ``[tool.debtscan.knowledge.<name>]`` table extends these with the same sections and keys; a key
none of them knows is an error naming the closest valid one.

Users extend the I/O catalogue in ``[tool.debtscan.io]``; the extended knowledge is part of the cache key.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import field
from importlib import resources
from typing import Any, Dict, Mapping, Optional, Tuple

from debtscan.config import ConfigError
from debtscan.knowledge.code_classes import CodeKnowledge, build as build_code_knowledge
from debtscan.knowledge.names import callee_of
from debtscan.knowledge.dataflow import SECTIONS as DATAFLOW_SECTIONS, Dataflow, DataflowError, build as build_dataflow
from debtscan.knowledge.tables import SECTIONS as TABLE_SECTIONS, Tables, TablesError, build as build_tables, closest
from debtscan.records import record
from debtscan.tomlcompat import tomllib


@record(frozen=True)
class IOSpec:
    """How a call reads or writes a file: ``mode`` read/write/both/open; the path is argument ``arg``
    (positional index) or keyword ``kw``; ``fmt`` the data format; ``dest_arg`` for copies.

    ``receiver_path``: the path is the receiver (``Path.read_text``); ``handle_only``: the call only reads
    or writes through an open handle (``json.load(f)``); ``local_only``: only local paths count
    (``from_pretrained``); ``value_arg``: the argument holding the data written (for methods, the receiver);
    ``default_mode``: the open mode when none is given; ``listing``: lists a folder (``os.listdir``).
    ``target``: what the argument names: ``path`` (a file or URI), ``table`` (a table name; ``schema_kw``
    names the schema argument) or ``sql`` (SQL text whose tables are read and written);
    ``receiver_names``: variable names that stand for the receiver when its type is unknown (``spark``);
    ``tree``: the path may name a folder, moved or copied with everything below it (``shutil.move``)."""

    name: str
    mode: str
    arg: Optional[int] = 0
    kw: Optional[str] = None
    fmt: str = ""
    receivers: Tuple[str, ...] = ()
    unknown_receiver: bool = False
    dest_arg: Optional[int] = None
    dest_kw: Optional[str] = None
    mode_arg: Optional[int] = None
    pattern: bool = False
    receiver_path: bool = False
    handle_only: bool = False
    local_only: bool = False
    value_arg: Optional[int] = None
    default_mode: str = "r"
    listing: bool = False
    target: str = "path"
    schema_kw: Optional[str] = None
    receiver_names: Tuple[str, ...] = ()
    tree: bool = False  # the path may be a folder, taken with all it holds (``shutil.move``, ``copytree``)


@record
class Knowledge:
    """All catalogues, merged with the user's extensions."""

    returns: Dict[str, str] = field(default_factory=dict)
    method_returns: Dict[str, Dict[str, str]] = field(default_factory=dict)
    attributes: Dict[str, Dict[str, str]] = field(default_factory=dict)
    subscripts: Dict[str, str] = field(default_factory=dict)
    #: the type of a value a conversion made, by the package the conversion names as its target (``numpy``:
    #: ``numpy.ndarray``), for the classes of the methods called on a value a project function converted
    #: (:func:`debtscan.knowledge.code_classes.method_class`)
    packages: Dict[str, str] = field(default_factory=dict)
    io_calls: Dict[str, IOSpec] = field(default_factory=dict)
    io_methods: Dict[str, IOSpec] = field(default_factory=dict)
    extra: Dict[str, Any] = field(default_factory=dict)
    code: CodeKnowledge = field(default_factory=CodeKnowledge)  # ml.toml: which calls are ML / glue / config
    dataflow: Dataflow = field(default_factory=Dataflow)  # dataflow.toml: SQL, tables, Spark, orchestrators
    tables: Tables = field(default_factory=Tables)  # signals.toml: frames, models, paths, runners
    fingerprint: str = ""

    def return_type(self, qualname: Optional[str]) -> Optional[str]:
        if not qualname:
            return None
        found = self.returns.get(qualname)
        if found is not None:
            return found or None
        receiver, _, method = qualname.rpartition(".")
        table = self.method_returns.get(receiver)
        if table is not None:
            value = table.get(method, table.get("*", ""))
            return value or None
        return None

    def attribute_type(self, receiver: str, attr: str) -> Optional[str]:
        table = self.attributes.get(receiver)
        if table is None:
            return None
        return table.get(attr) or None

    def subscript_type(self, receiver: str) -> Optional[str]:
        return self.subscripts.get(receiver) or None

    def io_spec(self, qualname: str) -> Optional[IOSpec]:
        """The catalogue entry for a resolved call name (or a method of an unknown receiver, ``to_csv``)."""
        spec = self.io_calls.get(qualname)
        if spec is not None:
            return spec
        receiver, _, method = qualname.rpartition(".")
        spec = self.io_methods.get(method)
        if spec is None:
            return None
        if callee_of(qualname).unknown_receiver:
            return spec if spec.unknown_receiver and not spec.receiver_names else None
        if not spec.receivers or receiver in spec.receivers:
            return spec
        return None


def _read_toml(name: str) -> Dict[str, Any]:
    with resources.files(__name__).joinpath(name).open("rb") as handle:
        return tomllib.load(handle)


def _io_spec(name: str, entry: Mapping[str, Any]) -> IOSpec:
    return IOSpec(
        name=name,
        mode=entry["mode"],
        arg=entry.get("arg", 0),
        kw=entry.get("kw"),
        fmt=entry.get("format", ""),
        receivers=tuple(entry.get("receivers", ())),
        unknown_receiver=bool(entry.get("unknown_receiver", False)),
        dest_arg=entry.get("dest_arg"),
        dest_kw=entry.get("dest_kw"),
        mode_arg=entry.get("mode_arg"),
        pattern=bool(entry.get("pattern", False)),
        receiver_path=bool(entry.get("receiver_path", False)),
        handle_only=bool(entry.get("handle_only", False)),
        local_only=bool(entry.get("local_only", False)),
        value_arg=entry.get("value_arg"),
        default_mode=entry.get("default_mode", "r"),
        listing=bool(entry.get("listing", False)),
        target=entry.get("target", "path"),
        schema_kw=entry.get("schema_kw"),
        receiver_names=tuple(entry.get("receiver_names", ())),
        tree=bool(entry.get("tree", False)),
    )


_MEMO: Dict[str, "Knowledge"] = {}


def tables_for(io_extensions: Optional[Mapping[str, Any]] = None, extra: Optional[Mapping[str, Any]] = None) -> Tables:
    """The merged ``signals.toml`` for a configuration (memoised: the project stage asks once per build, and
    a scan's :func:`load_knowledge` has already built them: the catalogues are read once per scan)."""
    return knowledge_for(io_extensions, extra).tables


def knowledge_for(io_extensions: Optional[Mapping[str, Any]] = None,
                  extra: Optional[Mapping[str, Any]] = None) -> "Knowledge":
    """The merged catalogues for a configuration, the ones the scan's :func:`load_knowledge` built (read
    again only when no scan of this process loaded them)."""
    found = _MEMO.get(_tables_key(io_extensions, extra))
    if found is None:
        found = load_knowledge(io_extensions, extra)  # memoised by load_knowledge
    return found


def _tables_key(io_extensions: Optional[Mapping[str, Any]], extra: Optional[Mapping[str, Any]]) -> str:
    return json.dumps([io_extensions or {}, extra or {}], sort_keys=True, default=str)


def _remember(io_extensions: Optional[Mapping[str, Any]], extra: Optional[Mapping[str, Any]],
              knowledge: "Knowledge") -> None:
    if len(_MEMO) > 16:
        _MEMO.clear()
    _MEMO[_tables_key(io_extensions, extra)] = knowledge


def _check_user_tables(extra: Optional[Mapping[str, Any]]) -> None:
    """Every key of a ``[tool.debtscan.knowledge.<name>]`` table that extends our catalogues (has one of
    their keys) belongs to one of them; a table with none of their keys is another family's, left alone."""
    from debtscan.knowledge.code_classes import KEYS as CODE_KEYS

    valid = tuple(CODE_KEYS) + tuple(DATAFLOW_SECTIONS) + tuple(TABLE_SECTIONS)
    for name, table in (extra or {}).items():
        if not isinstance(table, Mapping):
            raise ConfigError(f"[tool.debtscan.knowledge.{name}] must be a table, got {table!r}")
        if not any(key in valid for key in table):
            continue
        for key in table:
            if key not in valid:
                raise ConfigError(f"[tool.debtscan.knowledge.{name}]: unknown key {key!r}{closest(key, valid)} "
                                  f"(known keys: {', '.join(valid)})")


def load_knowledge(io_extensions: Optional[Mapping[str, Mapping[str, Any]]] = None,
                   extra: Optional[Mapping[str, Any]] = None) -> Knowledge:
    """Load the packaged catalogues and merge the user's ``[tool.debtscan.io]`` entries."""
    types = _read_toml("types.toml")
    io = _read_toml("io.toml")
    ml = _read_toml("ml.toml")
    classes = _read_toml("classes.toml")
    dataflow = _read_toml("dataflow.toml")
    signals = _read_toml("signals.toml")
    _check_user_tables(extra)
    knowledge = Knowledge(
        returns=dict(types.get("returns", {})),
        method_returns={k: dict(v) for k, v in types.get("methods", {}).items()},
        attributes={k: dict(v) for k, v in types.get("attributes", {}).items()},
        subscripts=dict(types.get("subscripts", {})),
        packages=dict(types.get("packages", {})),
        io_calls={name: _io_spec(name, entry) for name, entry in io.get("calls", {}).items()},
        io_methods={name: _io_spec(name, entry) for name, entry in io.get("methods", {}).items()},
        extra=dict(extra or {}),
        code=build_code_knowledge(ml, extra, [("classes.toml", classes)]),
    )
    try:
        knowledge.dataflow = build_dataflow(dataflow, extra)
        knowledge.tables = build_tables(signals, extra)
    except (DataflowError, TablesError) as exc:
        raise ConfigError(str(exc)) from None
    for name, entry in (io_extensions or {}).items():
        knowledge.io_calls[name] = _io_spec(name, entry)
    digest = hashlib.sha256(
        json.dumps([types, io, ml, classes, dataflow, signals, dict(io_extensions or {}), dict(extra or {})],
                   sort_keys=True, default=str).encode()
    ).hexdigest()
    knowledge.fingerprint = digest[:16]
    _remember(io_extensions, extra, knowledge)
    return knowledge
