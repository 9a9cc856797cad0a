"""``dataflow.toml``: warehouses, SQL calls, Spark chains, orchestrators and declared pipelines, as data.

Teams extend it in ``[tool.debtscan.knowledge.<name>]`` with tables of the same sections (``sql``, ``tables``,
``spark``, ``orchestrators``, ``declared``): lists are extended, tables updated, so a team's own warehouse
client is one line (``sql = { calls = { "acme.wh.Client.query" = 0 } }``).
"""
from __future__ import annotations

from dataclasses import field
from typing import Any, Dict, FrozenSet, List, Mapping, Optional, Tuple

from debtscan.records import record

SECTIONS = ("sql", "tables", "objects", "spark", "orchestrators", "declared")


class DataflowError(ValueError):
    """A user's dataflow table has the wrong shape."""


@record(frozen=True)
class TableArg:
    """Where a table (or a Delta/Iceberg path) is named in a call: argument ``arg`` or keyword ``kw``;
    ``schema`` the schema keyword; ``path``: the argument is a path or URI (``DeltaTable(uri)``)."""

    arg: Optional[int] = 0
    kw: Optional[str] = None
    schema: Optional[str] = None
    path: bool = False


@record(frozen=True)
class ObjectCall:
    """An object-store client call: ``mode`` of the object; its bucket and key (keyword or position); the
    local file on the other side (``upload_file`` reads it, ``download_file`` writes it)."""

    mode: str
    bucket: Optional[str] = None
    key: Optional[str] = None
    bucket_arg: Optional[int] = None
    key_arg: Optional[int] = None
    local: Optional[str] = None
    local_arg: Optional[int] = None


@record
class Dataflow:
    """The merged catalogue (see ``dataflow.toml`` for what each entry means)."""

    sql_max_chars: int = 20000
    sql_calls: Dict[str, int] = field(default_factory=dict)
    sql_methods: Dict[str, int] = field(default_factory=dict)
    sql_keywords: FrozenSet[str] = frozenset()
    table_reads: Dict[str, TableArg] = field(default_factory=dict)
    table_writes: Dict[str, TableArg] = field(default_factory=dict)
    frame_table_writes: Dict[str, TableArg] = field(default_factory=dict)
    session_names: FrozenSet[str] = frozenset()
    session_reads: Dict[str, TableArg] = field(default_factory=dict)
    table_constructors: FrozenSet[str] = frozenset()
    table_read_functions: FrozenSet[str] = frozenset()
    table_write_functions: FrozenSet[str] = frozenset()
    table_read_methods: FrozenSet[str] = frozenset()
    table_write_methods: FrozenSet[str] = frozenset()
    object_calls: Dict[str, ObjectCall] = field(default_factory=dict)
    object_scheme: str = "s3"
    object_containers: Dict[str, Tuple[str, TableArg]] = field(default_factory=dict)
    object_members: Dict[str, TableArg] = field(default_factory=dict)
    object_transfers: Dict[str, ObjectCall] = field(default_factory=dict)
    dbt_receivers: FrozenSet[str] = frozenset()
    dbt_ref: str = "ref"
    dbt_source: str = "source"
    spark_readers: FrozenSet[str] = frozenset()
    spark_writers: FrozenSet[str] = frozenset()
    spark_builders: FrozenSet[str] = frozenset()
    spark_format_method: str = "format"
    spark_read_methods: Dict[str, str] = field(default_factory=dict)
    spark_write_methods: Dict[str, str] = field(default_factory=dict)
    spark_read_table_methods: FrozenSet[str] = frozenset()
    spark_write_table_methods: FrozenSet[str] = frozenset()
    spark_table_writer: str = "writeTo"
    temp_view_methods: FrozenSet[str] = frozenset()
    command_operators: Dict[str, str] = field(default_factory=dict)
    script_operators: Dict[str, str] = field(default_factory=dict)
    callable_operators: Dict[str, str] = field(default_factory=dict)
    task_decorators: FrozenSet[str] = frozenset()
    flow_decorators: FrozenSet[str] = frozenset()
    downstream_methods: FrozenSet[str] = frozenset()
    upstream_methods: FrozenSet[str] = frozenset()
    chain_functions: FrozenSet[str] = frozenset()
    not_steps: FrozenSet[str] = frozenset()
    luigi_bases: FrozenSet[str] = frozenset()
    luigi_targets: FrozenSet[str] = frozenset()
    metaflow_bases: FrozenSet[str] = frozenset()
    metaflow_next: str = "next"
    metaflow_builtins: FrozenSet[str] = frozenset()
    asset_decorators: FrozenSet[str] = frozenset()
    asset_ins: FrozenSet[str] = frozenset()
    asset_specs: FrozenSet[str] = frozenset()
    op_decorators: FrozenSet[str] = frozenset()
    kedro_nodes: FrozenSet[str] = frozenset()
    kedro_parameters: Tuple[str, ...] = ()


def is_dataflow_key(key: str) -> bool:
    return key in SECTIONS


def _merge(base: Dict[str, Any], extra: Mapping[str, Any], where: str) -> None:
    for section, table in extra.items():
        if section not in SECTIONS:
            continue
        if not isinstance(table, Mapping):
            raise DataflowError(f"{where}: {section} must be a table, got {table!r}")
        target = base.setdefault(section, {})
        for key, value in table.items():
            old = target.get(key)
            if isinstance(old, list):
                if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                    raise DataflowError(f"{where}: {section}.{key} must be a list of strings, got {value!r}")
                target[key] = old + [v for v in value if v not in old]
            elif isinstance(old, dict):
                if not isinstance(value, Mapping):
                    raise DataflowError(f"{where}: {section}.{key} must be a table, got {value!r}")
                target[key] = {**old, **value}
            elif old is None and section in base and key not in base[section]:
                raise DataflowError(f"{where}: unknown key {section}.{key}")
            else:
                target[key] = value


def _table_arg(where: str, name: str, entry: Any) -> TableArg:
    if isinstance(entry, int) and not isinstance(entry, bool):
        return TableArg(arg=entry)
    if not isinstance(entry, Mapping):
        raise DataflowError(f"{where}: {name!r} must be an argument index or a table, got {entry!r}")
    return TableArg(arg=entry.get("arg", 0), kw=entry.get("kw"), schema=entry.get("schema"),
                    path=bool(entry.get("path", False)))


def _object_call(name: str, entry: Any) -> ObjectCall:
    if not isinstance(entry, Mapping) or entry.get("mode") not in ("read", "write"):
        raise DataflowError(f"objects.calls: {name!r} must be a table with mode = \"read\" or \"write\"")
    return ObjectCall(entry["mode"], entry.get("bucket"), entry.get("key"), entry.get("bucket_arg"),
                      entry.get("key_arg"), entry.get("local"), entry.get("local_arg"))


def build(packaged: Mapping[str, Any], user: Optional[Mapping[str, Mapping[str, Any]]] = None) -> Dataflow:
    """The packaged catalogue merged with the user's tables (those with any of :data:`SECTIONS`)."""
    data: Dict[str, Any] = {s: dict(packaged.get(s, {})) for s in SECTIONS}
    for name, table in (user or {}).items():
        if isinstance(table, Mapping) and any(s in table for s in SECTIONS):
            _merge(data, table, f"[tool.debtscan.knowledge.{name}]")
    sql, tables, spark, objects = data["sql"], data["tables"], data["spark"], data["objects"]
    orch, declared = data["orchestrators"], data["declared"]

    def args(section: Dict[str, Any], key: str) -> Dict[str, TableArg]:
        return {n: _table_arg(key, n, e) for n, e in section.get(key, {}).items()}

    def names(section: Dict[str, Any], key: str) -> FrozenSet[str]:
        return frozenset(section.get(key, ()))

    return Dataflow(
        sql_max_chars=int(sql.get("max-chars", 20000)),
        sql_calls={k: int(v) for k, v in sql.get("calls", {}).items()},
        sql_methods={k: int(v) for k, v in sql.get("methods", {}).items()},
        sql_keywords=names(sql, "keywords"),
        table_reads=args(tables, "reads"), table_writes=args(tables, "writes"),
        frame_table_writes=args(tables, "write-methods"),
        session_names=names(tables, "session-names"), session_reads=args(tables, "session-reads"),
        table_constructors=names(tables, "table-constructors"),
        table_read_functions=names(tables, "table-read-functions"),
        table_write_functions=names(tables, "table-write-functions"),
        table_read_methods=names(tables, "table-read-methods"),
        table_write_methods=names(tables, "table-write-methods"),
        object_calls={n: _object_call(n, e) for n, e in objects.get("calls", {}).items()},
        object_scheme=objects.get("scheme", "s3"),
        object_containers={n: (str(e.get("scheme", "s3")) if isinstance(e, Mapping) else "s3",
                               _table_arg("objects.containers", n, e)) for n, e in objects.get("containers", {}).items()},
        object_members=args(objects, "members"),
        object_transfers={n: _object_call(n, e) for n, e in objects.get("transfers", {}).items()},
        dbt_receivers=names(tables, "dbt-receivers"), dbt_ref=tables.get("dbt-ref", "ref"),
        dbt_source=tables.get("dbt-source", "source"),
        spark_readers=names(spark, "readers"), spark_writers=names(spark, "writers"),
        spark_builders=names(spark, "builders"), spark_format_method=spark.get("format-method", "format"),
        spark_read_methods=dict(spark.get("read-methods", {})),
        spark_write_methods=dict(spark.get("write-methods", {})),
        spark_read_table_methods=names(spark, "read-table-methods"),
        spark_write_table_methods=names(spark, "write-table-methods"),
        spark_table_writer=spark.get("table-writer", "writeTo"),
        temp_view_methods=names(spark, "temp-view-methods"),
        command_operators=dict(orch.get("command-operators", {})),
        script_operators=dict(orch.get("script-operators", {})),
        callable_operators=dict(orch.get("callable-operators", {})),
        task_decorators=names(orch, "task-decorators"), flow_decorators=names(orch, "flow-decorators"),
        downstream_methods=names(orch, "downstream-methods"), upstream_methods=names(orch, "upstream-methods"),
        chain_functions=names(orch, "chain-functions"), not_steps=names(orch, "not-steps"),
        luigi_bases=names(orch, "luigi-bases"), luigi_targets=names(orch, "luigi-targets"),
        metaflow_bases=names(orch, "metaflow-bases"), metaflow_next=str(orch.get("metaflow-next", "next")),
        metaflow_builtins=names(orch, "metaflow-builtins"),
        asset_decorators=names(declared, "asset-decorators"), asset_ins=names(declared, "asset-ins"),
        asset_specs=names(declared, "asset-specs"), op_decorators=names(declared, "op-decorators"),
        kedro_nodes=names(declared, "kedro-nodes"), kedro_parameters=tuple(declared.get("kedro-parameters", ())),
    )

