"""PostgreSQL (psycopg 3): its dialect and its connector; Redshift's connector reuses the session,
error and result code here (`connectors/redshift.py`).

Every session is pinned before any query: `TimeZone = 'UTC'`, a `statement_timeout` (`timeout:`,
15 minutes when unset), `standard_conforming_strings = on`, `application_name = 'telltale'` (the
tag an administrator finds in `pg_stat_activity` and the server log), read-only transactions
(`default_transaction_read_only`) and the `search_path` from `schema:`. Broken or refused
connections and serialization failures are retried with backoff (`connectors/retry.py`); every
other error is raised at once as a `ConnectorError` saying what to check.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urlsplit

import pyarrow as pa
from sqlglot import exp

from telltale.connectors.base import QueryStats, SourceSpec
from telltale.connectors.dialect import Dialect
from telltale.connectors.relations import aliased, sql_relation, table_relation
from telltale.connectors.retry import with_retries
from telltale.connectors.safety import ensure_select
from telltale.errors import ConnectorError

DIALECT = Dialect(name="postgres", quantile="within_group", sample="seeded", time_literal="string",
                  boolean_to_number="via_int", condition_columns="boolean")
"""Exact PERCENTILE_CONT for bin edges on a seeded block sample; time bounds as string literals
coerced to the column's type (the session is pinned to UTC); booleans become numbers through
INTEGER (no boolean-to-DOUBLE cast exists); a boolean field must be a BOOLEAN column."""

TAG = "telltale"
"""The `application_name` of every session (Redshift: also its `query_group`)."""
DEFAULT_TIMEOUT_S = 15 * 60
"""The statement timeout when the connection sets no `timeout:`."""
CONNECT_TIMEOUT_S = 10
KEEPALIVES = {"keepalives": 1, "keepalives_idle": 60, "keepalives_interval": 10, "keepalives_count": 5}
"""libpq TCP keepalives: a connection whose network broke mid-query fails (and is retried) within
about two minutes instead of waiting on a dead socket."""

# type OIDs (the same in PostgreSQL and Redshift) -> column kind
_KINDS: dict[int, str] = {
    16: "boolean", 20: "numeric", 21: "numeric", 23: "numeric", 26: "numeric", 700: "numeric",
    701: "numeric", 1700: "numeric", 18: "string", 19: "string", 25: "string", 1042: "string",
    1043: "string", 1082: "date", 1114: "timestamp", 1184: "timestamp", 17: "binary",
    1083: "time", 1266: "time", 1186: "interval", 114: "struct", 3802: "struct", 4000: "struct",
}
# SQLSTATEs worth a retry: connection lost/refused, server shutting down or starting, too
# many connections, serialization failure, deadlock
_DRIVER_MODULES = ("psycopg", "redshift_connector")
_TRANSIENT_STATES = ("08", "57P01", "57P02", "57P03", "53300", "40001", "40P01")


def sqlstate(exc: BaseException) -> str | None:
    """The SQLSTATE of a psycopg or redshift_connector error, if the server sent one."""
    state = getattr(exc, "sqlstate", None)
    if state:
        return str(state)
    first = exc.args[0] if exc.args else None
    if isinstance(first, dict) and first.get("C"):
        return str(first["C"])
    return None


@dataclass(frozen=True)
class Session:
    """What one connection is: where it goes (for messages) and how its session is pinned."""

    where: str                      # "host:port/database", for messages
    schema: str | None
    timeout_s: float
    statements: tuple[str, ...]     # run once after connecting
    read_only_transaction: bool = False   # each query inside BEGIN READ ONLY ... COMMIT


def session_statements(schema: str | None, timeout_s: float, *, read_only_setting: bool,
                       query_group: bool, conforming_strings: bool = True) -> tuple[str, ...]:
    """The SETs that pin a session: UTC, the timeout, literals, read-only, search_path, the tag."""
    out = ["SET timezone TO 'UTC'", f"SET statement_timeout TO {max(1, round(timeout_s * 1000))}"]
    out += ["SET standard_conforming_strings TO on"] if conforming_strings else []
    if read_only_setting:
        out.append("SET default_transaction_read_only TO on")
    if query_group:
        out.append(f"SET query_group TO '{TAG}'")
    if schema:
        out.append(f"SET search_path TO {exp.to_identifier(schema, quoted=True).sql(dialect='postgres')}")
    return tuple(out)


def is_transient(exc: BaseException) -> bool:
    """A dropped or refused connection, a server restarting, a serialization failure."""
    state = sqlstate(exc)
    if state is not None:
        return state.startswith(_TRANSIENT_STATES)
    name = type(exc).__name__
    return name in ("OperationalError", "InterfaceError") and _login_problem(str(exc)) is None


def _login_problem(text: str) -> str | None:
    """What a refused login (reported without a SQLSTATE by libpq) is about: auth, database, or None."""
    low = text.lower()
    if "database" in low and "does not exist" in low:
        return "database"
    if ("password" in low or "authentication" in low or "pg_hba.conf" in low
            or ("role" in low and "does not exist" in low)):
        return "auth"
    return None


def explain(exc: BaseException, session: Session, engine: str) -> str:
    """A message saying what failed and what to check."""
    state = sqlstate(exc) or ""
    text = " ".join(str(exc).split())
    login = None if state else _login_problem(text)
    if state.startswith("28") or login == "auth":
        return (f"{engine} refused the login at {session.where}: {text}; check `user` and `password` "
                "(or the url) of the connection")
    if state == "3D000" or login == "database":
        return f"{engine} database missing at {session.where}: {text}; check `database`"
    if state == "42P01":
        return (f"{engine} table not found: {text}; check the model's `source` and the connection's "
                f"`schema` (search_path: {session.schema or 'the server default'})")
    if state == "42703":
        return f"{engine} column not found: {text}; check the model's column names against the table"
    if state == "3F000":
        return f"{engine} schema not found: {text}; check the connection's `schema`"
    if state == "42501":
        return (f"{engine} permission denied: {text}; grant the connection's user USAGE on the schema "
                "and SELECT on the table (see docs/connectors.md)")
    if state == "57014":
        return (f"{engine} query cancelled after the statement timeout of {session.timeout_s:g} s: "
                f"{text}; raise the connection's `timeout` or narrow the model's source")
    if not state or state.startswith("08"):
        return (f"cannot reach {engine} at {session.where}: {text}; check host, port, the network "
                "and sslmode")
    if state == "22003":
        return (f"{engine} query failed ({state}): {text}; {engine} raises where a DOUBLE "
                "overflows or underflows (other warehouses give inf or 0), so one value of a "
                "metric's arithmetic beyond about 1e308 (such as the square of an error above "
                "1.3e154) fails the model's whole scan; find the metric that multiplies or "
                "squares such values, or filter them out of it")
    return f"{engine} query failed ({state}): {text}"


def to_arrow(names: list[str], rows: list[tuple[Any, ...]]) -> pa.Table:
    """A DB-API result as Arrow (types inferred; DECIMALs that mix scales become DOUBLE)."""
    columns = list(zip(*rows)) if rows else [() for _ in names]
    arrays = []
    for values in columns:
        try:
            arrays.append(pa.array(list(values)))
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            arrays.append(pa.array([float(v) if isinstance(v, Decimal) else v for v in values]))
    return pa.Table.from_arrays(arrays, names=names)


class PgFamilyConnector:
    """What the PostgreSQL and Redshift connectors share: one DB-API connection, pinned."""

    name = "postgres"
    dialect = DIALECT
    engine = "PostgreSQL"

    def __init__(self, connect: Callable[[], Any], session: Session) -> None:
        self._connect = connect
        self.session = session
        self._con: Any = None
        self._call(lambda: self._connection())

    def _connection(self) -> Any:
        """The open connection (reconnecting after a break), its session pinned."""
        if self._con is not None and not _broken(self._con):
            return self._con
        self._close_quietly()
        con = self._connect()
        try:
            cur = con.cursor()
            for statement in self.session.statements:
                cur.execute(statement)
            cur.close()
        except BaseException:
            _close(con)
            raise
        self._con = con
        return con

    def _call(self, fn: Callable[[], Any]) -> Any:
        try:
            return with_retries(fn, is_transient)
        except ConnectorError:
            raise
        except Exception as exc:  # noqa: BLE001 - the drivers raise many error types
            if not type(exc).__module__.startswith(_DRIVER_MODULES):
                raise                                  # a bug, not a warehouse failure
            if _broken(self._con):
                self._close_quietly()
            raise ConnectorError(explain(exc, self.session, self.engine)) from exc

    def relation(self, source: SourceSpec) -> exp.Expression:
        """A table (`table`, `schema.table`, `db.schema.table`) or a user's SELECT."""
        if source.table:
            return table_relation(source.table, self.dialect.name)
        if source.sql:
            return sql_relation(source.sql, self.dialect.name)
        raise ConnectorError(f"{self.engine} reads tables and SELECTs; give the model's source a "
                             "`table` or `sql` (file paths need an s3 or duckdb connection)")

    def describe(self, source: SourceSpec) -> dict[str, str]:
        """Column name -> kind, from the result description of a zero-row SELECT (no rows read)."""
        query = exp.select("*").from_(aliased(self.relation(source), "s")).limit(0)
        description = self._run(query)[1]
        return {d[0]: _KINDS.get(int(d[1]), "other") for d in description}

    def execute(self, query: exp.Expression) -> tuple[pa.Table, QueryStats]:
        """Run one checked SELECT and return its (small) result as Arrow."""
        start = time.perf_counter()
        rows, description, sql = self._run(query)
        table = self.dialect.result_names(to_arrow([d[0] for d in description], rows), query)
        return table, QueryStats(sql=sql, seconds=time.perf_counter() - start, rows=table.num_rows)

    def _run(self, query: exp.Expression) -> tuple[list[tuple[Any, ...]], list[Any], str]:
        ensure_select(query)
        sql = self.dialect.render(query)

        def run() -> tuple[list[tuple[Any, ...]], list[Any]]:
            cur = self._connection().cursor()
            wrapped = self.session.read_only_transaction
            try:
                if wrapped:
                    cur.execute("BEGIN READ ONLY")
                cur.execute(sql)
                out = [tuple(r) for r in cur.fetchall()], list(cur.description or [])
                if wrapped:
                    cur.execute("COMMIT")
                return out
            except BaseException:
                if wrapped and not _broken(self._con):
                    _quietly(lambda: cur.execute("ROLLBACK"))
                raise
            finally:
                _quietly(cur.close)

        rows, description = self._call(run)
        return rows, description, sql

    def _close_quietly(self) -> None:
        if self._con is not None:
            _close(self._con)
        self._con = None

    def close(self) -> None:
        """Close the connection."""
        self._close_quietly()


def _broken(con: Any) -> bool:
    if con is None:
        return True
    return bool(getattr(con, "broken", False) or getattr(con, "closed", False) is True)


def _close(con: Any) -> None:
    _quietly(con.close)


def _quietly(fn: Callable[[], Any]) -> None:
    """Run a clean-up step whose failure changes nothing (closing or rolling back a broken session)."""
    try:
        fn()
    except Exception:  # noqa: BLE001 - the error being reported is the one that matters
        pass


class PostgresConnector(PgFamilyConnector):
    """A PostgreSQL database through psycopg 3 (`url`, or host/port/database/user/password)."""

    def __init__(self, *, base_dir: Path | None = None, url: str | None = None, host: str | None = None,
                 port: int = 5432, database: str | None = None, user: str | None = None,
                 password: str | None = None, sslmode: str | None = None, schema: str | None = None,
                 timeout: float | None = None, options: dict[str, Any] | None = None, **_: Any) -> None:
        import psycopg

        kwargs: dict[str, Any] = {k: v for k, v in (("host", host), ("port", port if host else None),
                                                    ("dbname", database), ("user", user),
                                                    ("password", password), ("sslmode", sslmode)) if v}
        kwargs.update(application_name=TAG, connect_timeout=CONNECT_TIMEOUT_S, autocommit=True, **KEEPALIVES)
        kwargs.update(options or {})
        conninfo = url.replace("postgresql+psycopg://", "postgresql://") if url else ""
        where = _where_of(conninfo, host, port, database)
        timeout_s = timeout or DEFAULT_TIMEOUT_S
        session = Session(where, schema, timeout_s,
                          session_statements(schema, timeout_s, read_only_setting=True, query_group=False))
        super().__init__(lambda: psycopg.connect(conninfo, **kwargs), session)


def _where_of(conninfo: str, host: str | None, port: int, database: str | None) -> str:
    """host:port/database for messages (a url's password left out)."""
    if conninfo:
        parts = urlsplit(conninfo)
        return f"{parts.hostname}:{parts.port or 5432}{parts.path}"
    return f"{host}:{port}/{database or ''}"
