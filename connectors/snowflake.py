"""Snowflake (snowflake-connector-python): its dialect and its connector.

Password or key-pair authentication (`private_key_file`), role, warehouse, database and
schema; every session carries `QUERY_TAG` (the connection's `query_tag`), `TIMEZONE='UTC'`
and `STATEMENT_TIMEOUT_IN_SECONDS` (the connection's `timeout`, 15 minutes when unset).
Results come back as Arrow (`fetch_arrow_all`); bytes scanned are read from Snowflake's
query monitoring (`/monitoring/queries/<id>`, its `stats.scanBytes`) where the server
reports them, else left None. `docs/connectors.md` has the grants and the costs.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pyarrow as pa
from sqlglot import exp

from telltale.connectors.base import QueryStats, SourceSpec
from telltale.connectors.dialect import Dialect, fold_upper
from telltale.connectors.relations import aliased, sql_relation, table_relation
from telltale.connectors.retry import with_retries
from telltale.connectors.safety import ensure_select
from telltale.errors import ConnectorError

DIALECT = Dialect(name="snowflake", sample="seeded", identifier_case="upper", time_literal="string",
                  bytes_scanned=True, boolean_to_number="via_int",
                  bucket_cast=exp.DataType.Type.TIMESTAMPLTZ)
"""Unquoted names fold to upper case in Snowflake: names in the config are matched the same
way (a table created as `predictions` is PREDICTIONS); result columns come back under the
planner's names. Buckets truncate the time as TIMESTAMP_LTZ, i.e. in the session's UTC (a
TIMESTAMP_TZ keeps its own offset under DATE_TRUNC)."""

DEFAULT_TIMEOUT_S = 900
"""STATEMENT_TIMEOUT_IN_SECONDS when the connection sets no `timeout` (15 minutes)."""
LOGIN_TIMEOUT_S = 60
"""How long the driver keeps trying to log in (override with `options: {login_timeout: ...}`)."""
CLIENT_GRACE_S = 5
"""The driver cancels a query this long after the server's own timeout should have ended it."""

# driver errno values worth another try: a request that failed or timed out on the way, a
# retryable HTTP code the driver gave up on (login failures and SQL errors are not retried)
_TRANSIENT_ERRNOS = frozenset({250003, 250005, 251011, 251012})
_KINDS = {"FIXED": "numeric", "NUMBER": "numeric", "DECIMAL": "numeric", "NUMERIC": "numeric",
          "INT": "numeric", "INTEGER": "numeric", "BIGINT": "numeric", "SMALLINT": "numeric",
          "TINYINT": "numeric", "BYTEINT": "numeric", "REAL": "numeric", "FLOAT": "numeric",
          "DOUBLE": "numeric", "TEXT": "string", "VARCHAR": "string", "STRING": "string", "CHAR": "string",
          "BOOLEAN": "boolean", "DATE": "date", "TIMESTAMP": "timestamp", "DATETIME": "timestamp",
          "TIMESTAMP_NTZ": "timestamp", "TIMESTAMP_LTZ": "timestamp", "TIMESTAMP_TZ": "timestamp",
          "TIME": "time", "BINARY": "binary", "ARRAY": "list", "OBJECT": "struct", "MAP": "map"}


class FoldedColumns(dict[str, str]):
    """Column name -> kind, looked up as Snowflake resolves an unquoted name (upper case).

    Keys are the names as stored; `"score" in cols` is true when SCORE exists. A column
    stored in mixed case (created quoted, e.g. "myScore") cannot be reached by a name that
    could be written unquoted, which is folded to upper case: it is listed but not found. A
    name that cannot be written unquoted ("Event Time", "Größe") is matched exactly."""

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and super().__contains__(fold_upper(name))

    def __getitem__(self, name: str) -> str:
        return super().__getitem__(fold_upper(name))

    def get(self, name: str, default: Any = None) -> Any:  # type: ignore[override]
        """The kind of `name` (folded), or `default`."""
        return super().get(fold_upper(name), default)


def connect_kwargs(account: str, *, user: str | None = None, password: str | None = None,
                   private_key_file: str | None = None, role: str | None = None,
                   warehouse: str | None = None, database: str | None = None, schema: str | None = None,
                   query_tag: str | None = "telltale", endpoint: str | None = None,
                   timeout: float | None = None, options: dict[str, Any] | None = None,
                   base_dir: Path | None = None) -> dict[str, Any]:
    """The keyword arguments for `snowflake.connector.connect` (session pinned to UTC, tagged, timed out)."""
    if not user:
        raise ConnectorError("no `user` given; set user: (and password: ${SNOWFLAKE_PASSWORD} or "
                             "private_key_file:) in the connection")
    if not password and not private_key_file:
        raise ConnectorError(f"no password or private_key_file for user {user}; set password: "
                             "${SNOWFLAKE_PASSWORD} (and export it) or private_key_file: for key-pair auth")
    opts = dict(options or {})
    session = dict(opts.pop("session_parameters", None) or {})
    session.update({"TIMEZONE": "UTC",
                    "STATEMENT_TIMEOUT_IN_SECONDS": int(timeout) if timeout else DEFAULT_TIMEOUT_S})
    if query_tag:
        session["QUERY_TAG"] = query_tag
    kwargs: dict[str, Any] = {"account": account, "user": user, "session_parameters": session,
                              "login_timeout": LOGIN_TIMEOUT_S, "application": "telltale"}
    if private_key_file:
        key = Path(private_key_file).expanduser()
        if not key.is_absolute():
            key = (base_dir or Path.cwd()) / key
        if not key.is_file():
            raise ConnectorError(f"private_key_file {key} does not exist; give the path of the PEM "
                                 "(PKCS#8) private key whose public key is set on the user")
        kwargs["private_key_file"] = str(key)
    else:
        kwargs["password"] = password
    kwargs.update({k: v for k, v in (("role", role), ("warehouse", warehouse), ("database", database),
                                     ("schema", schema)) if v})
    if endpoint:
        url = urlsplit(endpoint if "://" in endpoint else f"https://{endpoint}")
        if not url.hostname:
            raise ConnectorError(f"endpoint '{endpoint}' has no host; write host:port or https://host:port")
        kwargs.update(host=url.hostname, port=url.port or (443 if url.scheme == "https" else 80),
                      protocol=url.scheme)
    kwargs.update(opts)
    return kwargs


class SnowflakeConnector:
    """One Snowflake session: checked SELECTs in, Arrow tables out."""

    name = "snowflake"
    dialect = DIALECT

    def __init__(self, account: str, *, base_dir: Path | None = None, timeout: float | None = None,
                 **params: Any) -> None:
        import snowflake.connector

        self._kwargs = connect_kwargs(account, base_dir=base_dir, timeout=timeout,
                                      **{k: v for k, v in params.items() if k in _PARAMS})
        self._timeout = float(self._kwargs["session_parameters"]["STATEMENT_TIMEOUT_IN_SECONDS"])
        self._monitoring = True      # is the query-monitoring endpoint worth asking (bytes scanned)?
        try:
            self._con = with_retries(lambda: snowflake.connector.connect(**self._kwargs), _transient)
        except snowflake.connector.errors.Error as exc:
            raise ConnectorError(explain(exc, self._where())) from exc
        except (ValueError, TypeError) as exc:   # the key file cannot be read as a private key
            if "private_key_file" not in self._kwargs:
                raise ConnectorError(f"cannot connect to Snowflake as {self._where()}: {exc}; check the "
                                     "connection's keys and `options`") from exc
            raise ConnectorError(f"private_key_file {self._kwargs.get('private_key_file')} cannot be used: "
                                 f"{exc}; give an unencrypted PKCS#8 PEM key, or its passphrase as "
                                 "options: {private_key_file_pwd: ${SNOWFLAKE_KEY_PASSPHRASE}}") from exc

    @property
    def connection(self) -> Any:
        """The underlying `snowflake.connector` connection."""
        return self._con

    def _where(self) -> str:
        host = self._kwargs.get("host") or f"{self._kwargs['account']}.snowflakecomputing.com"
        return f"{self._kwargs['user']}@{host}"

    def relation(self, source: SourceSpec) -> exp.Expression:
        """A table (`table`, `schema.table`, `db.schema.table`) or a user's SELECT, as a tree."""
        if source.table:
            return table_relation(source.table, self.dialect.name)
        if source.sql:
            return sql_relation(source.sql, self.dialect.name)
        raise ConnectorError("a Snowflake source needs `table` or `sql` (files: load them into a table)")

    def describe(self, source: SourceSpec) -> dict[str, str]:
        """Column name -> kind: a table from INFORMATION_SCHEMA.COLUMNS, a SELECT from a zero-row
        SELECT's result metadata (LIMIT 0: no rows are read)."""
        if source.table:
            rel = self.relation(source)
            assert isinstance(rel, exp.Table)
            table, _ = self.execute(columns_query(rel))
            if table.num_rows == 0:
                raise ConnectorError(f"table {self.dialect.render(rel)} is not in the database, or the role "
                                     "cannot see it; check `table:`, database/schema, and GRANT SELECT "
                                     "(names are matched in upper case, as Snowflake resolves unquoted names, unless they "
                                     "cannot be written unquoted)")
            rows = zip(*(table.column(i).to_pylist() for i in range(2)))
            return FoldedColumns({n: _KINDS.get(str(t).upper(), "other") for n, t in rows})
        query = exp.select("*").from_(aliased(self.relation(source), "s")).limit(0)
        from snowflake.connector.constants import FIELD_ID_TO_NAME

        cur, _ = self._run(query)
        return FoldedColumns({d.name: _KINDS.get(FIELD_ID_TO_NAME.get(d.type_code, ""), "other")
                              for d in cur.description})

    def execute(self, query: exp.Expression) -> tuple[pa.Table, QueryStats]:
        """Run one checked SELECT; the result's columns under the names the tree asked for."""
        start = time.perf_counter()
        cur, sql = self._run(query)
        table = self.dialect.result_names(_arrow(cur), query)
        seconds = time.perf_counter() - start
        return table, QueryStats(sql=sql, seconds=seconds, rows=table.num_rows,
                                 bytes_scanned=self._bytes_scanned(cur.sfqid))

    def _run(self, query: exp.Expression) -> tuple[Any, str]:
        """(the cursor, the SQL sent): the tree checked, rendered upper-case, run with retries."""
        import snowflake.connector

        ensure_select(query)
        sql = self.dialect.render(query)
        limit = int(self._timeout) + CLIENT_GRACE_S
        try:
            return with_retries(lambda: self._con.cursor().execute(sql, timeout=limit), _transient), sql
        except snowflake.connector.errors.Error as exc:
            raise ConnectorError(explain(exc, self._where())) from exc

    def _bytes_scanned(self, query_id: str | None) -> int | None:
        """`stats.scanBytes` of Snowflake's query monitoring, or None where it is not reported."""
        if not query_id or not self._monitoring:
            return None
        try:
            _, answer = self._con._get_query_status(query_id)
        except Exception:  # noqa: BLE001 - no monitoring here: not reported, never a failed run
            self._monitoring = False
            return None
        return scan_bytes(answer)

    def close(self) -> None:
        """Close the session."""
        try:
            self._con.close()
        except Exception:  # noqa: BLE001 - closing a dead session must not hide the run's outcome
            pass


def columns_query(rel: exp.Table) -> exp.Select:
    """The INFORMATION_SCHEMA.COLUMNS rows of a table (names folded as `fold_upper`; the schema is
    the table's own or the session's CURRENT_SCHEMA(); the database's INFORMATION_SCHEMA)."""
    info = exp.Table(this=exp.to_identifier("COLUMNS"), db=exp.to_identifier("INFORMATION_SCHEMA"),
                     catalog=rel.args.get("catalog"))
    schema = exp.Literal.string(fold_upper(rel.db)) if rel.db else exp.func("CURRENT_SCHEMA")
    return (exp.select("COLUMN_NAME", "DATA_TYPE").from_(info)
            .where(exp.column("TABLE_SCHEMA").eq(schema))
            .where(exp.column("TABLE_NAME").eq(exp.Literal.string(fold_upper(rel.name))))
            .order_by("ORDINAL_POSITION"))


def scan_bytes(answer: Any) -> int | None:
    """`data.queries[0].stats.scanBytes` of a query-monitoring answer, or None when absent."""
    try:
        value = answer["data"]["queries"][0]["stats"]["scanBytes"]
    except (KeyError, IndexError, TypeError):
        return None
    return int(value) if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


_PARAMS = ("user", "password", "private_key_file", "role", "warehouse", "database", "schema",
           "query_tag", "endpoint", "options")


def _arrow(cur: Any) -> pa.Table:
    """The cursor's result as Arrow (fetch_arrow_all), or built from rows where the server sent JSON."""
    from snowflake.connector.errors import NotSupportedError

    try:
        try:
            table = cur.fetch_arrow_all(force_return_table=True, force_microsecond_precision=True)
        except TypeError:  # drivers before force_microsecond_precision
            table = cur.fetch_arrow_all(force_return_table=True)
        if table is not None:
            return table
    except NotSupportedError:
        pass
    names = [d.name for d in cur.description]
    rows = cur.fetchall()
    return pa.table({n: pa.array([r[i] for r in rows]) for i, n in enumerate(names)})


def _transient(exc: BaseException) -> bool:
    return getattr(exc, "errno", None) in _TRANSIENT_ERRNOS


def explain(exc: Any, where: str) -> str:
    """A driver error as a message that says what to check."""
    errno, msg = getattr(exc, "errno", None), getattr(exc, "msg", None) or str(exc)
    text = " ".join(str(msg).split())
    if errno in (390100, 390144, 390101, 390102, 390186, 394304, 251008):
        return (f"Snowflake refused the login of {where}: {text}; check user and password, or "
                "private_key_file and that its public key is set on the user (ALTER USER ... SET RSA_PUBLIC_KEY)")
    if errno in (250001, 251011, 250003, 250005, 251012):
        return (f"cannot reach Snowflake at {where}: {text}; check `account` (or `endpoint`), the network "
                "and any proxy")
    if errno in (630, 604) or "timeout" in text.lower():
        return (f"the query ran out of time ({text}); raise `timeout` on the connection, use a larger "
                "warehouse, or narrow the model's window")
    if errno == 2003:
        return (f"{text}; check the table name, database and schema, and that the role has USAGE on them "
                "and SELECT on the table (unquoted names are upper case in Snowflake)")
    if errno == 606 or "warehouse" in text.lower():
        return f"{text}; check `warehouse` and that the role has USAGE on it"
    if errno in (904, 2043, 2000):
        return (f"{text}; a mapped column is missing: check the column names in the config (matched in "
                "upper case, as Snowflake resolves unquoted names)")
    return f"Snowflake query failed: {text}"
