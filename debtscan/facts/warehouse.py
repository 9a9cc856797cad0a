"""Warehouse, SQL and Spark facts: reads and writes of tables and object-store prefixes.

Everything here is driven by ``knowledge/dataflow.toml`` (see :mod:`debtscan.knowledge.dataflow`):

- SQL text passed to ``pd.read_sql``, ``cursor.execute``, ``spark.sql``, ``sqlalchemy.text``...: its tables
  (parsed with sqlglot, :mod:`debtscan.facts.sql`) are read or written, the columns a SELECT names are
  signals of its tables;
- tables named in calls: ``df.to_sql("t", engine, schema="s")``, ``pd.read_sql_table``, ``spark.table``,
  ``DeltaTable.forName``; SQLAlchemy ``Table("t", metadata)`` objects read by ``select(t)`` and written by
  ``insert(t)`` / ``t.update()``; dbt Python models' ``dbt.ref("x")`` / ``dbt.source("s", "x")``;
- Spark's reader and writer chains: ``spark.read.format("delta").option(...).load(path)``,
  ``df.write.mode("overwrite").partitionBy("d").parquet("s3://...")``, ``saveAsTable``, ``insertInto``,
  ``writeTo("t").append()``, JDBC reads of ``dbtable`` / ``query`` options.

The facts are :class:`IOFact` s (``target="table"`` for tables) appended to the I/O collector's list, in
order, so the signal collector links frames to them as to any read; SQL columns are :class:`SignalFact` s
whose source is ``warehouse:<table>``. Nothing is ever executed.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Set, Tuple

import libcst as cst

from debtscan.artifacts import TABLE_PREFIX
from debtscan.facts.collector import CollectedFacts, Collector
from debtscan.facts.io import IOCollector
from debtscan.facts.model import IOFact, IOMode, IOTarget, SignalFact, SignalKind
from debtscan.facts.sql import PLACEHOLDER as _WILD, looks_like_sql, parse_sql
from debtscan.facts.values import Concat, Format, Lit, Sym
from debtscan.knowledge.dataflow import TableArg
from debtscan.knowledge.names import callee_of

_MAX_CHAIN = 12


def _arg(node: cst.Call, index: Optional[int], keyword: Optional[str]) -> Optional[cst.BaseExpression]:
    if keyword is not None:
        for arg in node.args:
            if arg.keyword is not None and arg.keyword.value == keyword:
                return arg.value
    if index is not None:
        positional = [a for a in node.args if a.keyword is None and not a.star]
        if 0 <= index < len(positional):
            return positional[index].value
    return None


def _text(value: Sym, depth: int = 0) -> Optional[str]:
    """The text of a string value, with ``{placeholders}`` for the parts that are not known."""
    if depth > 12:
        return None
    if isinstance(value, Lit):
        return value.value if isinstance(value.value, str) else None
    if isinstance(value, Concat):
        parts = []
        for part in value.parts:
            text = _text(part, depth + 1)
            parts.append(text if text is not None else "{x}")
        return "".join(parts) if any(p != "{x}" for p in parts) else None
    if isinstance(value, Format):
        return _text(value.template, depth + 1)
    return None


def _table_sym(name: str) -> Sym:
    return Lit(name)


class WarehouseCollector(Collector):
    """Tables, SQL and Spark chains (after the I/O and signal collectors, sharing the I/O list)."""

    enter = {cst.FunctionDef: "_enter_function"}
    after = (IOCollector,)

    def __init__(self, ex) -> None:
        super().__init__(ex)
        self.flow = ex.knowledge.dataflow
        self.signals: List[SignalFact] = []
        self.table_vars: Dict[Tuple[str, str], Sym] = {}
        self.temp_views: Set[str] = set()
        self.object_vars: Dict[Tuple[str, str], Sym] = {}
        self._sql_budget = self.flow.sql_max_chars * 5
        self._interesting = _interesting(ex.knowledge)

    @property
    def io(self) -> List[IOFact]:
        """The file's one list of I/O facts (the I/O collector's): tables and SQL are recorded into it."""
        return self.peer(IOCollector).io

    # -- recording -------------------------------------------------------------------------------
    def _record(self, mode: str, api: str, path: Sym, fmt: str, target: str) -> None:
        ex = self.ex
        self.io.append(IOFact(IOMode(mode), api, path, ex.line, ex.col, ex.scope_name, fmt, "", IOTarget(target)))
        if ex.stmt_stack:
            ex.stmt_stack[-1].io += 1

    def _table(self, mode: str, api: str, node: cst.Call, where: TableArg, fmt: str = "table") -> None:
        value = _arg(node, where.arg, where.kw)
        if value is None:
            return
        name = self.ex.sym(value)
        if where.schema:
            schema = _arg(node, None, where.schema)
            if schema is not None:
                name = Concat((self.ex.sym(schema), Lit("."), name))
        self._record(mode, api, name, fmt if not where.path else "delta", "path" if where.path else "table")

    def _sql(self, api: str, value: Optional[cst.BaseExpression]) -> None:
        if value is None or type(value) is cst.Call:
            return  # conn.execute(text("...")): the text() call records it
        text = _text(self.ex.sym(value))
        if text is None or not looks_like_sql(text) or len(text) > self._sql_budget:
            return
        self._sql_budget -= len(text)  # a file full of huge queries is not parsed past its budget
        facts = parse_sql(text, self.flow.sql_max_chars)
        if facts is None:
            return
        self.temp_views.update(facts.temp_views)
        for name in facts.reads:
            self._record("read", api, _table_sym(name), "sql", "table")
        for name in facts.writes:
            self._record("write", api, _table_sym(name), "sql", "table")
        for path in facts.file_reads:
            self._record("read", api, Lit(path.replace(_WILD, "*")), "sql", "path")
        for path in facts.file_writes:
            self._record("write", api, Lit(path.replace(_WILD, "*")), "sql", "path")
        ex = self.ex
        for table, column in facts.columns:
            self.signals.append(SignalFact(column, SignalKind.COLUMN, ex.line, ex.col, ex.scope_name, "",
                                           Concat((Lit(TABLE_PREFIX), Lit(table)))))

    # -- hooks -----------------------------------------------------------------------------------
    def _enter_function(self, node: cst.FunctionDef) -> None:
        """A dbt Python model (``def model(dbt, session)``) writes the table named after its file."""
        if len(self.ex.scopes) != 2 or node.name.value != "model":
            return  # (the function's own scope is already entered)
        params = [p.name.value for p in node.params.params]
        if len(params) >= 1 and params[0] in self.flow.dbt_receivers:
            stem = self.ex.module.rpartition(".")[2]
            self._record("write", "dbt.model", Lit(stem), "dbt", "table")

    def on_call(self, node: cst.Call, qualname: str) -> None:
        names, methods = self._interesting
        if qualname not in names and qualname.rpartition(".")[2] not in methods:
            return  # the common case: one set lookup each
        flow = self.flow
        spec = self.ex.knowledge.io_spec(qualname)
        if spec is not None and spec.target != "path":
            # a team's own warehouse client in [tool.debtscan.io] (target = "sql" / "table")
            if spec.target == "sql":
                self._sql(spec.name, _arg(node, spec.arg, spec.kw))
            else:
                mode = "write" if spec.mode == "write" else "read"
                self._table(mode, spec.name, node, TableArg(spec.arg, spec.kw, spec.schema_kw))
            return
        func = node.func
        method = func.attr.value if type(func) is cst.Attribute else ""
        receiver = func.value if type(func) is cst.Attribute else None
        receiver_name = receiver.value if type(receiver) is cst.Name else ""
        if qualname in flow.sql_calls:
            self._sql(qualname, _arg(node, flow.sql_calls[qualname], None) or self._sql_keyword(node))
            return
        if qualname in flow.table_reads:
            self._table("read", qualname, node, flow.table_reads[qualname])
            return
        if qualname in flow.table_writes:
            self._table("write", qualname, node, flow.table_writes[qualname])
            return
        if qualname in flow.object_calls:
            self._object(node, qualname, flow.object_calls[qualname])
            return
        if qualname in flow.object_containers or qualname in flow.object_members:
            self._object_var(node)
            return
        if qualname in flow.object_transfers and type(node.func) is cst.Attribute:
            self._transfer(node, qualname, flow.object_transfers[qualname])
            return
        if qualname in flow.table_constructors:
            self._table_object(node)
            return
        if qualname in flow.table_read_functions or qualname in flow.table_write_functions:
            mode = "read" if qualname in flow.table_read_functions else "write"
            for arg in node.args:
                self._table_use(mode, qualname, arg.value)
            return
        if receiver is None:
            return
        if method in flow.temp_view_methods:
            # df.createOrReplaceTempView("v"): a name in this Spark session only, no warehouse table
            value = _arg(node, 0, "name")
            text = self.ex.sym(value) if value is not None else None
            if isinstance(text, Lit) and isinstance(text.value, str):
                self.temp_views.add(text.value.lower())
            return
        if self._spark_chain(node, method, receiver):
            return
        if method in flow.frame_table_writes:
            self._table("write", f"{qualname}", node, flow.frame_table_writes[method])
            return
        if receiver_name and receiver_name in flow.session_names and method in flow.session_reads:
            self._table("read", f"pyspark.sql.SparkSession.{method}", node, flow.session_reads[method])
            return
        if receiver_name and receiver_name in flow.dbt_receivers and method in (flow.dbt_ref, flow.dbt_source):
            self._dbt(node, method)
            return
        if receiver_name and (self.ex.scope_name, receiver_name) in self.table_vars or \
                receiver_name and ("<module>", receiver_name) in self.table_vars:
            if method in flow.table_read_methods or method in flow.table_write_methods:
                mode = "read" if method in flow.table_read_methods else "write"
                self._table_use(mode, f"sqlalchemy.Table.{method}", receiver)
            return
        if method in flow.sql_methods and (not callee_of(qualname).resolved or qualname.rpartition(".")[2] == method):
            self._sql(qualname, _arg(node, flow.sql_methods[method], None) or self._sql_keyword(node))

    def _object(self, node: cst.Call, api: str, call) -> None:
        """``s3.put_object(Bucket="b", Key=f"x/{d}.csv")``: the object ``s3://b/x/*.csv``."""
        bucket = _arg(node, call.bucket_arg, call.bucket)
        key = _arg(node, call.key_arg, call.key)
        if bucket is None or key is None:
            return
        uri = Concat((Lit(self.flow.object_scheme + "://"), self.ex.sym(bucket), Lit("/"), self.ex.sym(key)))
        self._record(call.mode, api, uri, "object", "path")
        local = _arg(node, call.local_arg, call.local) if (call.local or call.local_arg is not None) else None
        if local is not None:
            self._record("read" if call.mode == "write" else "write", api, self.ex.sym(local), "", "path")

    def _object_uri(self, node: cst.BaseExpression, depth: int = 0) -> Optional[Sym]:
        """The URI a bucket or blob expression stands for (through variables bound in this file)."""
        if depth > 4:
            return None
        if type(node) is cst.Name:
            return self.object_vars.get((self.ex.scope_name, node.value)) or \
                self.object_vars.get(("<module>", node.value))
        if not type(node) is cst.Call or not type(node.func) is cst.Attribute:
            return None
        qualname = self.ex.qualname_of_call(node)
        flow = self.flow
        if qualname in flow.object_containers:
            scheme, where = flow.object_containers[qualname]
            value = _arg(node, where.arg, where.kw)
            return Concat((Lit(scheme + "://"), self.ex.sym(value))) if value is not None else None
        if qualname in flow.object_members:
            where = flow.object_members[qualname]
            value = _arg(node, where.arg, where.kw)
            container = self._object_uri(node.func.value, depth + 1)
            if value is None or container is None:
                return None
            return Concat((container, Lit("/"), self.ex.sym(value)))
        return None

    def _object_var(self, node: cst.Call) -> None:
        stack = self.ex.stmt_stack
        statement = stack[-1].node if stack else None
        if type(statement) is cst.Assign and statement.value is node and len(statement.targets) == 1 and \
                type(statement.targets[0].target) is cst.Name:
            uri = self._object_uri(node)
            if uri is not None:
                self.object_vars[(self.ex.scope_name, statement.targets[0].target.value)] = uri

    def _transfer(self, node: cst.Call, api: str, call) -> None:
        """``blob.upload_from_filename(local)``, ``bucket.upload_file(local, key)``: the object and the file."""
        uri = self._object_uri(node.func.value)
        if uri is None:
            return
        if call.key is not None or call.key_arg is not None:
            key = _arg(node, call.key_arg, call.key)
            if key is None:
                return
            uri = Concat((uri, Lit("/"), self.ex.sym(key)))
        self._record(call.mode, api, uri, "object", "path")
        local = _arg(node, call.local_arg, call.local) if (call.local or call.local_arg is not None) else None
        if local is not None:
            self._record("read" if call.mode == "write" else "write", api, self.ex.sym(local), "", "path")

    def _sql_keyword(self, node: cst.Call) -> Optional[cst.BaseExpression]:
        for arg in node.args:
            if arg.keyword is not None and arg.keyword.value in self.flow.sql_keywords:
                return arg.value
        return None

    def _dbt(self, node: cst.Call, method: str) -> None:
        args = [self.ex.sym(a.value) for a in node.args if a.keyword is None]
        if not args:
            return
        name: Sym = args[-1] if method == self.flow.dbt_ref else (
            Concat((args[0], Lit("."), args[1])) if len(args) >= 2 else args[0])
        self._record("read", f"dbt.{method}", name, "dbt", "table")

    # -- SQLAlchemy Table objects ------------------------------------------------------------------
    def _table_object(self, node: cst.Call) -> None:
        stack = self.ex.stmt_stack
        statement = stack[-1].node if stack else None
        if not type(statement) is cst.Assign or statement.value is not node or len(statement.targets) != 1:
            return
        target = statement.targets[0].target
        value = _arg(node, 0, "name")
        if not type(target) is cst.Name or value is None:
            return
        name = self.ex.sym(value)
        schema = _arg(node, None, "schema")
        if schema is not None:
            name = Concat((self.ex.sym(schema), Lit("."), name))
        self.table_vars[(self.ex.scope_name, target.value)] = name

    def _table_use(self, mode: str, api: str, value: cst.BaseExpression) -> None:
        column = ""
        # select(users.c.age): the table, and its column as a signal
        if type(value) is cst.Attribute and type(value.value) is cst.Attribute and \
                value.value.attr.value in ("c", "columns"):
            column, value = value.attr.value, value.value.value
        if not type(value) is cst.Name:
            return
        name = self.table_vars.get((self.ex.scope_name, value.value)) or \
            self.table_vars.get(("<module>", value.value))
        if name is None:
            return
        self._record(mode, api, name, "sql", "table")
        if column and mode == "read":
            ex = self.ex
            self.signals.append(SignalFact(column, SignalKind.COLUMN, ex.line, ex.col, ex.scope_name, "",
                                           Concat((Lit(TABLE_PREFIX), name))))

    # -- Spark reader / writer chains --------------------------------------------------------------
    def _spark_chain(self, node: cst.Call, method: str, receiver: cst.BaseExpression) -> bool:
        flow = self.flow
        if method not in flow.spark_read_methods and method not in flow.spark_write_methods and \
                method not in flow.spark_read_table_methods and method not in flow.spark_write_table_methods:
            return False
        fmt = ""
        options: Dict[str, Any] = {}
        current = receiver
        table_writer: Optional[cst.Call] = None
        for _ in range(_MAX_CHAIN):
            if type(current) is cst.Call and type(current.func) is cst.Attribute:
                name = current.func.attr.value
                if name == flow.spark_table_writer:
                    table_writer = current
                    break
                if name not in flow.spark_builders:
                    return False
                if name == flow.spark_format_method and current.args:
                    value = self.ex.sym(current.args[0].value)
                    if isinstance(value, Lit) and isinstance(value.value, str) and not fmt:
                        fmt = value.value.lower()
                if name == "option" and len(current.args) >= 2:
                    key, value = self.ex.sym(current.args[0].value), current.args[1].value
                    if isinstance(key, Lit) and isinstance(key.value, str) and key.value.lower() not in options:
                        options[key.value.lower()] = value
                current = current.func.value
                continue
            break
        if table_writer is not None:
            if method in flow.spark_write_table_methods:
                self._table("write", f"pyspark.sql.DataFrameWriterV2.{method}", table_writer, TableArg(0, "table"))
                return True
            return False
        if not type(current) is cst.Attribute:
            return False
        side = current.attr.value
        if side in flow.spark_readers:
            api = f"pyspark.sql.DataFrameReader.{method}"
            if method in flow.spark_read_table_methods:
                self._table("read", api, node, TableArg(0, "tableName"), "spark")
            elif method in flow.spark_read_methods:
                if (fmt == "jdbc" or method == "jdbc") and (options.get("dbtable") or options.get("query")):
                    if "query" in options:
                        self._sql(api, options["query"])
                    else:
                        self._record("read", api, self.ex.sym(options["dbtable"]), "jdbc", "table")
                    return True
                if method == "jdbc":
                    self._table("read", api, node, TableArg(1, "table"), "jdbc")
                    return True
                path = _arg(node, 0, "path")
                if path is None and "path" in options:
                    path = options["path"]
                if path is None:
                    return True
                self._record("read", api, self.ex.sym(path), flow.spark_read_methods[method] or fmt or "spark",
                             "path")
            else:
                return False
            return True
        if side in flow.spark_writers:
            api = f"pyspark.sql.DataFrameWriter.{method}"
            if method in flow.spark_write_table_methods:
                self._table("write", api, node, TableArg(0, "name"), fmt or "spark")
            elif method in flow.spark_write_methods:
                if method == "jdbc":
                    self._table("write", api, node, TableArg(1, "table"), "jdbc")
                    return True
                if fmt == "jdbc" and options.get("dbtable") is not None:
                    self._record("write", api, self.ex.sym(options["dbtable"]), "jdbc", "table")
                    return True
                path = _arg(node, 0, "path")
                if path is None and "path" in options:
                    path = options["path"]
                if path is None:
                    return True
                self._record("write", api, self.ex.sym(path), flow.spark_write_methods[method] or fmt or "spark",
                             "path")
            else:
                return False
            return True
        return False

    def _is_temp_view(self, path: Sym) -> bool:
        if isinstance(path, Concat) and len(path.parts) == 2 and path.parts[0] == Lit(TABLE_PREFIX):
            path = path.parts[1]
        return isinstance(path, Lit) and isinstance(path.value, str) and path.value.lower() in self.temp_views

    def finish(self, out: CollectedFacts) -> None:
        if self.temp_views:
            # reads of this file's temporary views are no table reads (the shared I/O list, in place)
            self.io[:] = [f for f in self.io if not (f.target == "table" and self._is_temp_view(f.path))]
            self.signals = [s for s in self.signals if not (s.source is not None and self._is_temp_view(s.source))]
        out.signals.extend(self.signals)


def _interesting(knowledge) -> Tuple[frozenset, frozenset]:
    """The qualified names and method names this collector acts on (cached on the knowledge object)."""
    cached = getattr(knowledge, "_warehouse_names", None)
    if cached is not None:
        return cached
    flow = knowledge.dataflow
    names = set(flow.sql_calls) | set(flow.table_reads) | set(flow.table_writes) | set(flow.table_constructors) \
        | set(flow.table_read_functions) | set(flow.table_write_functions) | set(flow.object_calls) \
        | set(flow.object_containers) | set(flow.object_members) | set(flow.object_transfers)
    names |= {n for n, spec in knowledge.io_calls.items() if spec.target != "path"}
    methods = set(flow.sql_methods) | set(flow.frame_table_writes) | set(flow.session_reads) \
        | {flow.dbt_ref, flow.dbt_source} | flow.table_read_methods | flow.table_write_methods \
        | flow.temp_view_methods | set(flow.spark_read_methods) | set(flow.spark_write_methods) \
        | flow.spark_read_table_methods | flow.spark_write_table_methods
    methods |= {n for n, spec in knowledge.io_methods.items() if spec.target != "path"}
    result = (frozenset(names), frozenset(methods))
    try:
        knowledge._warehouse_names = result
    except AttributeError:  # pragma: no cover - a slotted knowledge object
        pass
    return result


def is_spark_read(node: cst.BaseExpression, flow) -> bool:
    """Whether an expression is a Spark reader chain's result (``spark.read.format("x").load(p)``)."""
    if not type(node) is cst.Call or not type(node.func) is cst.Attribute:
        return False
    method = node.func.attr.value
    if method not in flow.spark_read_methods and method not in flow.spark_read_table_methods:
        return False
    current = node.func.value
    for _ in range(_MAX_CHAIN):
        if type(current) is cst.Call and type(current.func) is cst.Attribute and \
                current.func.attr.value in flow.spark_builders:
            current = current.func.value
            continue
        break
    return type(current) is cst.Attribute and current.attr.value in flow.spark_readers
