"""Tables and columns of SQL text, with sqlglot.

Only string literals of the scanned code are parsed (never executed, never sent anywhere). A ``SELECT a, b
FROM t`` reads ``t`` and consumes its columns ``a`` and ``b``; ``INSERT INTO t ...``, ``CREATE TABLE t AS
...``, ``MERGE INTO t``, ``UPDATE t`` and ``DELETE FROM t`` write ``t`` (and read every other table they
name); common table expressions are not tables. Dialects: the text is read with sqlglot's default dialect,
then Spark's (backquoted names, ``INSERT OVERWRITE``), then BigQuery's and Snowflake's; the first that parses
wins.

Guards against slow or hostile SQL: text longer than ``max_chars`` (``dataflow.toml``) or with more than
``_MAX_STATEMENTS`` statements is not parsed, and any parse error (or a recursion limit) gives no facts; a
file's SQL strings are parsed up to five times ``max-chars`` in all (the worst 20,000-character query takes
sqlglot about 1.5 s, so one file's SQL costs at most a few seconds).
Placeholders of f-strings and ``.format`` (``{schema}``) are parsed as a wildcard name part and come back as
``*`` (``warehouse:*.events`` is a pattern, matched like a path pattern).
"""
from __future__ import annotations

import logging
import re
from functools import lru_cache
from typing import Dict, Optional, Tuple

from debtscan.records import record

_MAX_STATEMENTS = 50
_DIALECTS = (None, "spark", "duckdb", "bigquery", "snowflake")
_FILE_SUFFIX = re.compile(r"\.(parquet|csv|tsv|json|ndjson|jsonl|txt|avro|orc|xlsx|arrow|feather)(\.gz|\.zst)?$", re.I)
PLACEHOLDER = "dbtscnwild"
_SQL_START = re.compile(r"^\s*(\(|--[^\n]*\n\s*)*\s*(select|with|insert|create|merge|update|delete|replace|"
                        r"upsert|copy|unload|truncate|from)\b", re.I)
_NON_TABLE = frozenset({"dual"})
_PARAM = re.compile(r"%\(\w{1,64}\)s|%s\b")
# the database's own catalogue (SELECT 1 FROM pg_database WHERE ...): no artifact of the pipeline
_SYSTEM = re.compile(r"^(pg_[a-z_]+|pg_catalog\..*|information_schema\..*|sqlite_(master|schema|sequence)|"
                     r"sys\..*|mysql\..*|system\..*)$")


@record(frozen=True)
class SqlFacts:
    """What one SQL text reads and writes: table names (as written, lower-cased, ``*`` for placeholders),
    and the columns each read table is consumed through."""

    reads: Tuple[str, ...] = ()
    writes: Tuple[str, ...] = ()
    columns: Tuple[Tuple[str, str], ...] = ()  # (table, column)
    temp_views: Tuple[str, ...] = ()  # CREATE TEMP VIEW names: session-local, no artifact
    file_reads: Tuple[str, ...] = ()  # files the query reads (DuckDB: FROM 'x.parquet', read_csv('y.csv'))
    file_writes: Tuple[str, ...] = ()  # files it writes (COPY ... TO 'out.parquet')


def looks_like_sql(text: str) -> bool:
    """Whether a string starts like a SQL statement (a cheap test before parsing)."""
    return bool(_SQL_START.match(text))


def _name(table) -> Optional[str]:
    from sqlglot import exp

    if not isinstance(table, exp.Table):
        return None
    parts = [p for p in (table.catalog, table.db, table.name) if p]
    if not parts or not table.name:
        return None
    out = ".".join(parts).lower().replace(PLACEHOLDER, "*")
    if out in _NON_TABLE or not re.match(r"^[a-z0-9_$*.\-]+$", out) or _SYSTEM.match(out):
        return None
    return out


def _file_of(table) -> Optional[str]:
    """The file a FROM item reads: ``'data/x.parquet'`` or ``read_parquet('s3://b/x/*.parquet')``."""
    from sqlglot import exp

    inner = table.this
    if isinstance(inner, exp.Identifier) and inner.quoted and ("/" in inner.name or _FILE_SUFFIX.search(inner.name)):
        return inner.name
    if isinstance(inner, exp.Func):
        name = (inner.sql_name() if not isinstance(inner, exp.Anonymous) else str(inner.this)).lower()
        if name.startswith("read_") or name in ("parquet_scan", "csv_scan"):
            for arg in inner.expressions or [inner.this]:
                if isinstance(arg, exp.Literal) and arg.is_string:
                    return arg.this
    return None


def _target(statement):
    """The table a writing statement writes, or None."""
    from sqlglot import exp

    if isinstance(statement, (exp.Insert, exp.Merge, exp.Update, exp.Delete)):
        target = statement.this
    elif isinstance(statement, exp.Create):
        kind = (statement.args.get("kind") or "").upper()
        if kind not in ("TABLE", "VIEW"):
            return None
        properties = statement.args.get("properties")
        if properties is not None and any(isinstance(p, exp.TemporaryProperty) for p in properties.expressions):
            return None  # a temporary view lives only in its session
        target = statement.this
    else:
        return None
    if isinstance(target, exp.Schema):
        target = target.this
    return target if isinstance(target, exp.Table) else None


def _statement_facts(statement, reads: Dict[str, None], writes: Dict[str, None],
                     columns: Dict[Tuple[str, str], None], temp: Dict[str, None],
                     files: Tuple[Dict[str, None], Dict[str, None]]) -> None:
    from sqlglot import exp
    from sqlglot.optimizer.scope import traverse_scope

    if isinstance(statement, exp.Copy):
        for literal in statement.args.get("files") or ():
            if isinstance(literal, exp.Literal) and literal.is_string:
                files[0 if statement.args.get("kind") else 1][literal.this] = None
        if statement.args.get("kind"):  # COPY t FROM 'file': the table is written
            name = _name(statement.this) if isinstance(statement.this, exp.Table) else None
            if name is not None:
                writes[name] = None
            return
    for table in statement.find_all(exp.Table):
        path = _file_of(table)
        if path is not None:
            files[0][path] = None

    ctes = {cte.alias_or_name.lower() for cte in statement.find_all(exp.CTE)}
    target = _target(statement)
    target_name = _name(target) if target is not None else None
    if target_name is not None:
        writes[target_name] = None
    own = statement.this if isinstance(statement, exp.Create) else None
    if isinstance(own, exp.Schema):
        own = own.this
    if own is not None and target is None and _name(own) is not None:
        temp[_name(own)] = None
    for table in statement.find_all(exp.Table):
        if table is target or table is own:
            continue
        name = _name(table)
        if name is None or name in ctes:
            continue
        reads[name] = None
    query = statement.expression if isinstance(statement, (exp.Insert, exp.Create)) else statement
    if not isinstance(query, exp.Query):
        return
    outer_with = next((statement.args.get(k) for k in ("with_", "with") if statement.args.get(k) is not None), None)
    if query is not statement and outer_with is not None and not any(query.args.get(k) for k in ("with_", "with")):
        # WITH r AS (...) INSERT INTO t SELECT ... FROM r: the CTEs belong to the query's scopes
        query = query.copy()
        query.set("with_" if "with_" in statement.args else "with", outer_with.copy())
    for scope in traverse_scope(query):
        selected = {e.alias_or_name.lower() for e in scope.expression.expressions} \
            if isinstance(scope.expression, exp.Select) else set()
        for column in scope.columns:
            if isinstance(column.this, exp.Star) or not column.name:
                continue
            qualifier = column.table
            if qualifier:
                source = scope.sources.get(qualifier)
            else:
                tables = [s for s in scope.sources.values()]
                source = tables[0] if len(tables) == 1 else None
                if column.name.lower() in selected and not isinstance(column.parent, exp.Alias) and \
                        column.find_ancestor(exp.Order, exp.Having) is not None:
                    continue  # ORDER BY total: an alias of the query's own output
            if not isinstance(source, exp.Table):
                continue
            name = _name(source)
            if name is None or name in ctes or name == target_name:
                continue
            columns[(name, column.name.lower())] = None


@lru_cache(maxsize=1)
def _quiet() -> None:
    """sqlglot logs a warning for syntax it falls back on (``COPY ... FROM LOCAL``): the scan's output is
    the report, so its logger only speaks of errors."""
    logging.getLogger("sqlglot").setLevel(logging.ERROR)


@lru_cache(maxsize=512)
def parse_sql(text: str, max_chars: int = 20000) -> Optional[SqlFacts]:
    """The tables and columns of SQL text; None when it is not SQL, too long, or does not parse."""
    if not text or len(text) > max_chars or not looks_like_sql(text):
        return None
    try:
        import sqlglot
        from sqlglot.errors import ErrorLevel
    except ImportError:  # pragma: no cover - sqlglot is a dependency
        return None
    _quiet()
    text = re.sub(r"\{[^{}]{0,80}\}", PLACEHOLDER, text)
    # DB-API parameters (%s, %(name)s, :name is understood): values, not names
    text = _PARAM.sub("NULL", text)
    for dialect in _DIALECTS:
        try:
            statements = sqlglot.parse(text, read=dialect, error_level=ErrorLevel.RAISE)
        except RecursionError:
            return None
        except Exception:  # noqa: BLE001 - sqlglot raises ParseError, TokenError and others: no facts
            continue
        statements = [s for s in statements if s is not None]
        if not statements or len(statements) > _MAX_STATEMENTS:
            return None
        reads: Dict[str, None] = {}
        writes: Dict[str, None] = {}
        columns: Dict[Tuple[str, str], None] = {}
        temp: Dict[str, None] = {}
        files: Tuple[Dict[str, None], Dict[str, None]] = ({}, {})
        try:
            for statement in statements:
                _statement_facts(statement, reads, writes, columns, temp, files)
        except RecursionError:
            return None
        except Exception:  # noqa: BLE001 - a query sqlglot's scope analysis cannot follow: tables only
            columns = {}
        return SqlFacts(tuple(reads), tuple(writes), tuple(columns), tuple(temp), tuple(files[0]), tuple(files[1]))
    return None

