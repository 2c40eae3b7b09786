"""Engines for the state store: URL handling, SQLite set-up and write transactions."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import sqlalchemy as sa
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError
from sqlalchemy.pool import StaticPool

from telltale.errors import StoreError

DEFAULT_URL = "sqlite:///.telltale/state.db"
_BEGIN_OPTION = "telltale_begin"
SQLITE_BUSY_TIMEOUT_S = 30.0


def parse_store_url(url: str) -> URL:
    """A store URL parsed by SQLAlchemy; StoreError when it is not a URL or names a database
    SQLAlchemy has no dialect for (the driver itself is imported when the engine is made).
    The config checks `store:` with it, so such a URL is reported at telltale.yml:LINE."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise StoreError(f"store URL '{url}' is not a SQLAlchemy URL; write e.g. "
                         f"sqlite:///.telltale/state.db or postgresql+psycopg://user@host/db") from exc
    try:
        parsed.get_dialect()
    except (NoSuchModuleError, ImportError) as exc:
        raise _no_driver(parsed, exc) from exc
    return parsed


def _no_driver(parsed: URL, exc: Exception) -> StoreError:
    return StoreError(f"store URL '{parsed.render_as_string(hide_password=True)}' needs a database "
                      f"driver that is not installed ({exc}); for PostgreSQL install "
                      f"'telltale[postgres]' and use postgresql+psycopg://...")


def create_store_engine(url: str, *, echo: bool = False) -> Engine:
    """Build an engine for a store URL; for SQLite, create the folder and set sane pragmas.

    SQLite gets WAL journaling, a busy timeout and explicit `BEGIN` statements (write
    transactions use `BEGIN IMMEDIATE`, so two processes never dead-lock on a lock
    upgrade); every other backend is used as SQLAlchemy configures it.
    """
    parsed = parse_store_url(url)
    kwargs: dict[str, Any] = {"echo": echo}
    is_sqlite = parsed.get_backend_name() == "sqlite"
    if is_sqlite:
        database = parsed.database or ""
        kwargs["connect_args"] = {"timeout": SQLITE_BUSY_TIMEOUT_S, "check_same_thread": False}
        if database in ("", ":memory:"):
            kwargs["poolclass"] = StaticPool
        else:
            try:
                Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"cannot create the folder of the SQLite store '{database}': {exc}") from exc
    try:
        engine = sa.create_engine(parsed, **kwargs)
    except (NoSuchModuleError, ImportError) as exc:
        raise _no_driver(parsed, exc) from exc
    if is_sqlite:
        _setup_sqlite(engine, file_backed=(parsed.database or ":memory:") != ":memory:")
    return engine


def _setup_sqlite(engine: Engine, *, file_backed: bool) -> None:
    """Let telltale emit BEGIN itself (pysqlite's implicit transactions are not atomic enough)."""

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        if file_backed:
            cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA busy_timeout={int(SQLITE_BUSY_TIMEOUT_S * 1000)}")
        cur.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get(_BEGIN_OPTION, "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")


@contextmanager
def begin(engine: Engine, *, write: bool = True) -> Iterator[Connection]:
    """A connection inside one transaction, committed on success and rolled back on error."""
    with engine.connect() as conn:
        if write:
            conn.execution_options(**{_BEGIN_OPTION: "IMMEDIATE"})
        with conn.begin():
            yield conn
