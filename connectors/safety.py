"""The guard every query passes before reaching a warehouse: one read-only SELECT, nothing else.

Three checks, in this order:

1. the top of the tree is a query (SELECT or a set operation of SELECTs); statements such
   as ATTACH, PRAGMA, DESCRIBE, COPY, SET, CALL, INSTALL or LOAD are refused;
2. no node anywhere in the tree writes or runs a statement (`SELECT ... INTO`, DML inside
   a CTE or a subquery, DDL, commands);
3. no function reads or lists files, runs SQL given as a string, reaches another database,
   reads the environment, changes the session's settings or acts on the server (`read_text`,
   `read_csv`, `glob`, `query`, `sqlite_scan`, `getenv`, `pg_read_file`, `set_config`,
   `pg_terminate_backend`, ...), whatever its case, quoting or schema (`main.read_text`);
   a table-valued function in FROM must be one of a few row generators (`range`,
   `generate_series`, `unnest`); a table name that looks like a file (`FROM 'x.csv'`,
   DuckDB's replacement scan) is refused.

A connector that reads files itself (a `source: {path: ...}`) passes the exact
(function, path) pairs it built as `allowed_reads`; only those calls are let through.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from sqlglot import exp

from telltale.errors import UnsafeQueryError

# (reader function name in lower case, the path literal it reads): a file read a connector built itself.
FileRead = tuple[str, str]

_FORBIDDEN_NODES: tuple[type[exp.Expression], ...] = (
    exp.Insert, exp.Update, exp.Delete, exp.Merge, exp.Create, exp.Drop, exp.Alter,
    exp.Command, exp.Set, exp.Use, exp.Grant, exp.TruncateTable, exp.Copy, exp.Into,
    exp.LoadData, exp.Attach, exp.Detach, exp.Pragma, exp.Describe, exp.Install,
    exp.Export, exp.Summarize, exp.Show, exp.Transaction, exp.Commit, exp.Rollback,
    exp.Analyze, exp.Kill, exp.Refresh, exp.Comment, exp.ToFile,
)

# Functions that read, list or write files, run SQL text, reach other databases or read
# the environment, in the dialects telltale renders. Matched on the lower-case name.
_DENIED_NAMES = frozenset({
    # DuckDB
    "glob", "query", "query_table", "sniff_csv", "parquet_metadata", "parquet_schema",
    "parquet_file_metadata", "parquet_kv_metadata", "parquet_bloom_probe", "iceberg_metadata",
    "iceberg_snapshots", "delta_scan", "iceberg_scan", "sqlite_attach", "postgres_attach",
    "postgres_query", "postgres_execute", "mysql_query", "mysql_execute", "getenv",
    "current_setting", "duckdb_secrets", "which_secret", "load_extension", "checkpoint",
    "force_checkpoint", "st_read", "st_read_meta", "st_readosm", "st_readshp", "st_drivers",
    "export_database", "import_database", "copy_database",
    # PostgreSQL / Redshift
    "pg_read_file", "pg_read_binary_file", "pg_ls_dir", "pg_stat_file", "pg_ls_logdir",
    "pg_ls_waldir", "pg_ls_tmpdir", "pg_ls_archive_statusdir", "lo_import", "lo_export",
    "dblink", "dblink_exec", "dblink_connect", "pg_file_write", "pg_logdir_ls",
    # ... and SET as a function (undoes the session's UTC and timeout), signals, reloads, notifies
    "set_config", "pg_terminate_backend", "pg_cancel_backend", "pg_reload_conf", "pg_rotate_logfile",
    "pg_notify", "pg_switch_wal", "pg_promote",
    # MySQL, SQL Server, BigQuery, Trino/ClickHouse-style readers
    "load_file", "openrowset", "opendatasource", "openquery", "external_query", "url", "file",
    "s3", "hdfs", "remote", "remotesecure", "system$get_predecessor_return_value",
})
# Name shapes that are always file or remote readers (read_csv, read_json_auto, sqlite_scan...).
_DENIED_PATTERN = re.compile(r"^(read_|pragma_)|_scan$|^system\$")
_DENIED_TYPES: tuple[type[exp.Expression], ...] = (exp.ReadCSV, exp.ReadParquet)

# Table-valued functions that only generate rows from their arguments.
_ROW_GENERATOR_TYPES: tuple[type[exp.Expression], ...] = (
    exp.GenerateSeries, exp.ExplodingGenerateSeries, exp.Unnest, exp.Explode, exp.Posexplode,
)
_ROW_GENERATOR_NAMES = frozenset({"range", "generate_series", "unnest", "flatten", "generator"})

# A table name that DuckDB would read as a file (replacement scan): a path or a data-file name.
_FILE_LIKE_TABLE = re.compile(
    r"[/\\]|://|\.(csv|tsv|txt|parquet|json|jsonl|ndjson|arrow|feather|avro|orc|xlsx?|db|duckdb|"
    r"sqlite3?|gz|zst|bz2|xz|lz4)$", re.IGNORECASE)


def function_name(node: exp.Expr) -> str:
    """The lower-case name a function call is called by (unquoted, without its schema)."""
    if isinstance(node, exp.Anonymous) or not isinstance(node, exp.Func):
        return node.name.lower()
    return node.sql_name().lower()


def file_read(node: exp.Expr) -> FileRead | None:
    """(function, path) when `node` is a reader call whose first argument is a string literal."""
    if not isinstance(node, exp.Func):
        return None
    first = node.this if isinstance(node.this, exp.Expression) else None
    if first is None and node.expressions:
        first = node.expressions[0]
    if isinstance(first, exp.Literal) and first.is_string:
        return function_name(node), first.name
    return None


def ensure_select(tree: exp.Expression, *, allowed_reads: Collection[FileRead] = ()) -> exp.Expression:
    """Raise UnsafeQueryError unless `tree` is one read-only SELECT (or set operation).

    `allowed_reads` are the (function, path) file reads the calling connector built
    itself from the configured sources; every other file, remote or SQL-text function is refused.
    """
    if not isinstance(tree, exp.Query):
        raise UnsafeQueryError(
            f"only SELECT statements may reach a warehouse, got {_what(tree)}; "
            "a model's `source.sql` must be a single SELECT")
    for node in tree.walk():
        if isinstance(node, _FORBIDDEN_NODES):
            raise UnsafeQueryError(
                f"only SELECT statements may reach a warehouse; found {_what(node)} inside the query; "
                "a model's `source.sql` must be a single read-only SELECT")
        _check_function(node, allowed_reads)
        if isinstance(node, exp.Table) and not isinstance(node.this, exp.Func):
            _check_table_name(node)
    return tree


def _check_function(node: exp.Expr, allowed_reads: Collection[FileRead]) -> None:
    if not isinstance(node, exp.Func):
        return
    name = function_name(node)
    in_from = isinstance(node.parent, (exp.Table, exp.Lateral, exp.From, exp.Join)) and node.arg_key == "this"
    if (name in _DENIED_NAMES or _DENIED_PATTERN.search(name) or isinstance(node, _DENIED_TYPES)
            or (in_from and not _is_row_generator(node, name))):
        read = file_read(node)
        if read is not None and read in allowed_reads:
            return
        raise UnsafeQueryError(
            f"the function {name}() may not reach a warehouse: telltale only sends SELECTs over "
            "tables, and functions that read files, run SQL text, reach other databases or the "
            "environment, or change the session's settings or the server are refused; read files with "
            "`source: {path: ...}` instead of calling a reader in `source.sql`")


def _is_row_generator(node: exp.Expr, name: str) -> bool:
    return isinstance(node, _ROW_GENERATOR_TYPES) or name in _ROW_GENERATOR_NAMES


def _check_table_name(node: exp.Table) -> None:
    if _FILE_LIKE_TABLE.search(node.name):
        raise UnsafeQueryError(
            f"the table name '{node.name}' looks like a file path; telltale does not read files named "
            "as tables; use `source: {path: ...}` for files")


def _what(node: exp.Expression) -> str:
    """A short description of an offending node: its kind and the start of its SQL."""
    if isinstance(node, exp.Block):
        return "several statements (write one SELECT, without `;` between statements)"
    if isinstance(node, exp.Into):
        return "SELECT ... INTO"
    kind = str(node.this).split()[0].upper() if isinstance(node, exp.Command) else type(node).__name__.upper()
    try:
        text = " ".join(node.sql().split())
    except Exception:  # noqa: BLE001 - a description of bad SQL must never fail itself
        text = ""
    return f"{kind} ({text[:60]}{'...' if len(text) > 60 else ''})" if text else kind
