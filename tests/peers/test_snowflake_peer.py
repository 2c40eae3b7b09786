"""The Snowflake test peer: fakesnow's server in its own environment, reached with snowflake.connector."""

from __future__ import annotations

import datetime as dt
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from peers import snowflake as sf_peer
from peers._process_util import alive, assert_dies_with_its_test_process, listening_hosts, wait_gone
from peers.harness import import_client

snowflake_connector = import_client("snowflake.connector")


def test_round_trip_through_snowflake_connector(snowflake_kwargs: dict[str, Any]) -> None:
    with snowflake_connector.connect(**snowflake_kwargs) as conn:
        cur = conn.cursor()
        cur.execute("CREATE TABLE scores (id INTEGER, ts TIMESTAMP_NTZ, amount NUMBER(12,4), x DOUBLE, tag VARCHAR)")
        cur.executemany("INSERT INTO scores VALUES (%s, %s, %s, %s, %s)",
                        [(1, dt.datetime(2024, 3, 1, 12, 30), Decimal("1.2500"), 0.5, "a"),
                         (2, dt.datetime(2024, 3, 2, 0, 0), Decimal("-3.0001"), None, "")])
        rows = cur.execute("SELECT id, ts, amount, x, tag FROM scores ORDER BY id").fetchall()
        assert rows == [(1, dt.datetime(2024, 3, 1, 12, 30), Decimal("1.2500"), 0.5, "a"),
                        (2, dt.datetime(2024, 3, 2, 0, 0), Decimal("-3.0001"), None, "")]
        cur.execute("INSERT INTO scores (id) VALUES (3)")
        # fakesnow's blind spot: a NULL timestamp is stored as NULL but fetched as 1970-01-01.
        assert cur.execute("SELECT ts IS NULL FROM scores WHERE id = 3").fetchall() == [(True,)]
        cur.execute("DELETE FROM scores WHERE id = 3")
        [(count, total)] = cur.execute("SELECT COUNT(*), SUM(amount) FROM scores").fetchall()
        assert count == 2
        # fakesnow's blind spot: SUM of a NUMBER(12,4) comes back as a DOUBLE (real Snowflake: NUMBER(38,4)).
        assert float(total) == pytest.approx(-1.7501, abs=1e-9)


def test_each_test_gets_its_own_database(fakesnow_server: sf_peer.FakesnowServer,
                                         snowflake_kwargs: dict[str, Any]) -> None:
    with snowflake_connector.connect(**snowflake_kwargs) as conn:
        conn.cursor().execute("CREATE TABLE only_here (x INTEGER)")
    other = fakesnow_server.connection_kwargs(database="OTHER_DB", schema="PUBLIC_T")
    fakesnow_server.connect("OTHER_DB", "PUBLIC_T").close()
    with snowflake_connector.connect(**other) as conn:
        with pytest.raises(snowflake_connector.errors.ProgrammingError, match="(?i)only_here"):
            conn.cursor().execute("SELECT * FROM only_here")


def test_server_listens_on_loopback_in_its_own_environment(fakesnow_server: sf_peer.FakesnowServer) -> None:
    kwargs = fakesnow_server.connection_kwargs()
    assert kwargs["host"] == "127.0.0.1" and kwargs["protocol"] == "http"
    assert listening_hosts(fakesnow_server.port) == {"127.0.0.1"}
    exe = Path(f"/proc/{fakesnow_server.runner.pid}/exe").resolve()
    cmdline = Path(f"/proc/{fakesnow_server.runner.pid}/cmdline").read_bytes().split(b"\0")
    assert Path(cmdline[0].decode()).parent.parent == sf_peer.venv().path
    assert exe.exists()
    assert sf_peer.venv().path != Path(sys.prefix)


def test_stop_ends_the_server(fakesnow_server: sf_peer.FakesnowServer) -> None:
    with sf_peer.serving() as other:
        pid = other.runner.pid
        assert other.port != fakesnow_server.port and alive(pid)
    assert wait_gone(pid)


def test_server_stops_when_the_test_process_is_killed(fakesnow_server: sf_peer.FakesnowServer) -> None:
    # the folder is the runner's log folder (a later start removes such folders after 10 minutes)
    assert_dies_with_its_test_process("snowflake", "s.runner.pid, s.runner.log_path.parent")
