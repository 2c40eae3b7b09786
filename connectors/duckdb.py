"""DuckDB, the embedded default warehouse: a database file, tables, SELECTs and Parquet/CSV files."""

from __future__ import annotations

import contextlib
import re
import threading
import time
from pathlib import Path
from typing import Any

import pyarrow as pa
import sqlglot
from sqlglot import exp

from telltale.connectors.base import QueryStats, SourceSpec
from telltale.connectors.dialect import Dialect
from telltale.connectors.relations import aliased, sql_relation, table_relation
from telltale.connectors.safety import FileRead, ensure_select
from telltale.connectors.types import kind_of_arrow_type
from telltale.errors import ConfigError, ConnectorError, SchemaError

DIALECT = Dialect(name="duckdb", float_overflow="infinity", exact_quantile=True, sample="row_stride", day_bucket="cast_date",
                  scan="union_all")
"""A deterministic row-stride sample with exact quantiles for bin edges; CAST(ts AS DATE)
buckets (cheaper than DATE_TRUNC); one UNION ALL statement per model and window (it
streams each key, as fast as GROUPING SETS here, and carries the scalar partials)."""

# The settings telltale owns: every connection it opens is sandboxed with them.
SANDBOX_SETTINGS = ("enable_external_access", "allowed_paths", "allowed_directories",
                    "autoinstall_known_extensions", "autoload_known_extensions", "lock_configuration")
_GLOB_CHARS = re.compile(r"[*?\[{]")

_FILE_READERS = {"parquet": "read_parquet", "csv": "read_csv_auto", "jsonl": "read_json_auto",
                 "json": "read_json_auto"}


class DuckDBConnector:
    """A read-only connection to a DuckDB database file (or an in-memory database).

    The connection it opens is sandboxed (see `sandbox`): DuckDB may open the database
    and the files of the `source: {path: ...}` relations this connector built, nothing
    else, and cannot install or auto-load extensions. A connection passed in by the
    caller (`connection=`) keeps the caller's settings.
    """

    name = "duckdb"
    dialect = DIALECT

    def __init__(self, database: str = ":memory:", *, base_dir: Path | None = None,
                 options: dict[str, Any] | None = None, connection: Any = None,
                 timeout: float | None = None, **_: Any) -> None:
        self.base_dir = base_dir or Path.cwd()
        self.timeout = timeout
        """Seconds after which a query is interrupted (None: no limit)."""
        self._reads: set[FileRead] = set()       # the file reads relation() built (the guard lets these through)
        self._allowed: set[str] = set()          # files and folders the sandbox lets DuckDB open
        self._path = ":memory:"
        self._options = _checked_options(options)
        if connection is not None:               # a caller's connection: its settings are the caller's
            self._owned = False
            self._con = connection
            return
        self._owned = True
        path = database
        if database != ":memory:" and not Path(database).is_absolute():
            path = str(self.base_dir / database)
        if path != ":memory:" and not Path(path).exists():
            raise ConnectorError(
                f"DuckDB database file {path} does not exist; check `database:` in the connection "
                "(relative paths are relative to the project folder)")
        self._path = path
        self._con = self._open()

    @property
    def connection(self) -> Any:
        """The underlying DuckDB connection (sandboxed when this connector opened it)."""
        return self._con

    @property
    def file_reads(self) -> frozenset[FileRead]:
        """The (reader, path) calls this connector built for configured `source: {path: ...}`."""
        return frozenset(self._reads)

    def _open(self) -> Any:
        """A sandboxed connection: no file access but the database and the configured source paths."""
        import duckdb

        try:
            con = duckdb.connect(self._path, read_only=self._path != ":memory:", config=dict(self._options))
        except duckdb.Error as exc:
            raise ConnectorError(f"cannot open DuckDB database {self._path}: {exc}") from exc
        try:
            sandbox(con, self._allowed)
        except duckdb.Error as exc:
            con.close()
            raise ConnectorError(f"cannot restrict DuckDB's file access for {self._path}: {exc}") from exc
        return con

    def _allow(self, path: str) -> None:
        """Let the sandbox open `path` (a file, a folder pattern or a URL); reopens if it is new."""
        entry = _allowance(path)
        if entry in self._allowed or not self._owned:
            return
        self._allowed.add(entry)
        self._con.close()
        self._con = self._open()

    def relation(self, source: SourceSpec) -> exp.Expression:
        """A FROM-able expression for a table, a SELECT, or Parquet/CSV/JSON files."""
        if source.table:
            return table_relation(source.table, self.dialect.name)
        if source.sql:
            return sql_relation(source.sql, self.dialect.name)
        if source.path:
            fmt = (source.format or "parquet").lower()
            if fmt not in _FILE_READERS:
                raise SchemaError(f"unknown file format '{fmt}'; use one of {sorted(_FILE_READERS)}")
            path = source.path
            if "://" not in path and not Path(path).is_absolute():
                path = str(self.base_dir / path)
            if Path(path).is_dir():
                path = str(Path(path) / ("**/*." + ("json" if fmt == "jsonl" else fmt)))
            args: list[exp.Expression] = [exp.Literal.string(path)]
            if source.partitioning == "hive":
                args.append(exp.EQ(this=exp.column("hive_partitioning"), expression=exp.true()))
            self._allow(path)
            self._reads.add((_FILE_READERS[fmt], path))
            return exp.Table(this=exp.Anonymous(this=_FILE_READERS[fmt], expressions=args))
        raise SchemaError("a source needs one of `table`, `sql` or `path`")

    def describe(self, source: SourceSpec) -> dict[str, str]:
        """Column name -> kind, read from a zero-row SELECT (no data leaves)."""
        query = exp.select("*").from_(aliased(self.relation(source), "s")).limit(0)
        table, _ = self.execute(query)
        return {f.name: kind_of_arrow_type(f.type) for f in table.schema}

    def execute(self, query: exp.Expression) -> tuple[pa.Table, QueryStats]:
        """Run one checked SELECT and return its result as Arrow (interrupted after `timeout`)."""
        ensure_select(query, allowed_reads=self._reads)
        sql = self.dialect.render(query)
        fired = threading.Event()
        timer = None
        if self.timeout is not None:
            def stop() -> None:
                fired.set()
                self._con.interrupt()
            timer = threading.Timer(self.timeout, stop)
            timer.daemon = True
            timer.start()
        start = time.perf_counter()
        try:
            table = self._con.sql(sql).to_arrow_table()
        except Exception as exc:  # duckdb raises many error types
            if fired.is_set():
                raise ConnectorError(f"the DuckDB query did not finish within the timeout of {self.timeout:g} s "
                                     "and was interrupted; raise `timeout` in the connection or narrow the "
                                     "source") from exc
            raise ConnectorError(f"DuckDB query failed: {exc}") from exc
        finally:
            if timer is not None:
                timer.cancel()
        seconds = time.perf_counter() - start
        return table, QueryStats(sql=sql, seconds=seconds, rows=table.num_rows)

    def close(self) -> None:
        """Close the connection."""
        self._con.close()


def parse_select(sql: str) -> exp.Expression:
    """Parse a user's SELECT in DuckDB's dialect (used by tests and the demo)."""
    return ensure_select(sqlglot.parse_one(sql, read="duckdb"))


def sandbox(con: Any, allowed: set[str]) -> None:
    """Turn off file and network access except for `allowed` paths (folders end in `/`), then lock.

    After this, the connection cannot read or list other files (`read_text`, `glob`,
    `ATTACH`, replacement scans), cannot install or auto-load extensions, and no SET can
    undo it (`lock_configuration`). The database file itself stays readable.
    """
    folders = sorted(a for a in allowed if a.endswith("/"))
    files = sorted(a for a in allowed if not a.endswith("/"))
    if any("://" in a for a in allowed):
        # remote sources need httpfs: loaded explicitly if installed (never downloaded) before
        # the lock; if it is not installed, the query fails with DuckDB's message saying so
        with contextlib.suppress(Exception):
            con.execute("LOAD httpfs")
    con.execute("SET TimeZone = 'UTC'")   # TIMESTAMPTZ buckets and bounds in UTC, whatever the host's zone
    con.execute("SET allowed_directories = $1", [folders])
    con.execute("SET allowed_paths = $1", [files])
    con.execute("SET enable_external_access = false")
    con.execute("SET autoinstall_known_extensions = false")
    con.execute("SET autoload_known_extensions = false")
    con.execute("SET lock_configuration = true")


def _allowance(path: str) -> str:
    """What the sandbox must allow for a reader path: the file, or the folder before a wildcard."""
    match = _GLOB_CHARS.search(path)
    if match is None:
        return path
    return path[:match.start()].rsplit("/", 1)[0] + "/"


def _checked_options(options: dict[str, Any] | None) -> dict[str, Any]:
    opts = dict(options or {})
    taken = sorted(set(opts) & set(SANDBOX_SETTINGS))
    if taken:
        raise ConfigError(
            f"connection option(s) {', '.join(taken)} cannot be set: telltale sandboxes DuckDB itself "
            "(no file access but the database and the configured source paths, no extension "
            "auto-install); remove them from `options`")
    return opts
