"""Snowflake for the tests: fakesnow's server (DuckDB inside) in a virtual environment of its own.

fakesnow pins duckdb and sqlglot, and its server needs snowflake-connector-python < 5 (5.x
fails to import with it), so it runs from its own environment (see harness.py), created on
first use, as a subprocess on a free port of 127.0.0.1. The test side talks to it with
telltale's own `snowflake.connector` (the `dev` extra pins it below 5 too).

`start()` returns the connection kwargs for `snowflake.connector.connect(**kwargs, database=...,
schema=...)`; `stop()` stops the server; `serving()` runs a private one for a `with` block. One
server per process: later `start()` calls return the same kwargs, and a failure to start is
remembered and raised again as PeerUnavailable (with the reason).

Known limits (see README.md): identifiers are not folded as on real Snowflake; every SUM comes
back as a DOUBLE; a NULL TIMESTAMP is stored as NULL (`IS NULL` is true) but fetched as
1970-01-01 00:00.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any

from peers.harness import PeerSlot, PeerUnavailable, RunnerProcess, Venv, ensure_venv, start_runner

NAME = "fakesnow"
REQUIREMENTS = (
    "fakesnow[server]==0.12.1",
    "snowflake-connector-python==4.8.1",
    "duckdb==2.0.1",
    "sqlglot==30.22.0",
)
# fakesnow's own kwargs set 1 s, which a busy 2-core machine can exceed on a plain INSERT.
NETWORK_TIMEOUT_S = 30

__all__ = ["PeerUnavailable", "FakesnowServer", "server", "start", "stop", "serving", "venv"]


@dataclass
class FakesnowServer:
    """A running fakesnow server owned by this process."""

    runner: RunnerProcess
    venv_created_in_s: float | None

    @property
    def port(self) -> int:
        """Its TCP port on 127.0.0.1."""
        return int(self.runner.info["port"])

    @property
    def started_in_s(self) -> float:
        """Seconds from starting the subprocess to its first connection kwargs (warm start)."""
        return self.runner.started_in_s

    def connection_kwargs(self, **extra: Any) -> dict[str, Any]:
        """Kwargs for `snowflake.connector.connect` (a copy; `extra` such as database= added)."""
        kwargs = dict(self.runner.info)
        kwargs["session_parameters"] = dict(kwargs.get("session_parameters") or {})
        kwargs["network_timeout"] = NETWORK_TIMEOUT_S
        kwargs.update(extra)
        return kwargs

    def connect(self, database: str | None = None, schema: str | None = None) -> Any:
        """A `snowflake.connector` connection; creates `database` and `schema` first when given."""
        import snowflake.connector

        if database is not None:
            with contextlib.closing(snowflake.connector.connect(**self.connection_kwargs())) as admin:
                cur = admin.cursor()
                cur.execute(f"CREATE DATABASE IF NOT EXISTS {database}")
                if schema is not None:
                    cur.execute(f"CREATE SCHEMA IF NOT EXISTS {database}.{schema}")
        extra = {k: v for k, v in (("database", database), ("schema", schema)) if v is not None}
        return snowflake.connector.connect(**self.connection_kwargs(**extra))

    def stop(self) -> None:
        """Stop the server (no process is left behind)."""
        self.runner.stop()


def venv() -> Venv:
    """fakesnow's environment, created on first use (about a minute; then reused)."""
    return ensure_venv(NAME, REQUIREMENTS)


def _check_client() -> None:
    try:
        import snowflake.connector
    except ImportError as exc:
        raise PeerUnavailable(f"snowflake-connector-python cannot be imported ({exc}); pip install -e '.[dev]'") from exc
    major = int(snowflake.connector.__version__.split(".")[0])
    if major >= 5:
        raise PeerUnavailable(f"snowflake-connector-python {snowflake.connector.__version__} is installed; "
                              "fakesnow needs < 5 (pip install -e '.[dev]')")


def _start_server() -> FakesnowServer:
    _check_client()
    env = venv()
    return FakesnowServer(start_runner(NAME, env, "_fakesnow_runner.py", ["0"]), env.created_in_s)


_slot: PeerSlot[FakesnowServer] = PeerSlot(_start_server)
server = _slot.get
stop = _slot.stop
serving = _slot.private


def start() -> dict[str, Any]:
    """Start the server once per process (or reuse it) and return its connection kwargs."""
    return server().connection_kwargs()

