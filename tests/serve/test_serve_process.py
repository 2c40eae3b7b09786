"""`telltale serve` as a process: binding rules, token, scheduled runs, a clean stop on SIGTERM."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import sqlalchemy as sa

from serve_helpers import serve_process
from telltale.config import load_project
from telltale.store import open_store


def test_refuses_to_start_off_loopback_without_a_token(demo_master: Path) -> None:
    res = subprocess.run([sys.executable, "-m", "telltale.cli.main", "serve", "--project", str(demo_master),
                          "--host", "0.0.0.0", "--port", "1"], capture_output=True, text=True,
                         env={"PATH": "/usr/bin:/bin"}, timeout=60)
    assert res.returncode == 2
    assert "off loopback, needs a token" in res.stderr and "Traceback" not in res.stderr


def test_off_loopback_every_route_but_healthz_answers_401(demo: Path) -> None:
    with serve_process(demo, "--host", "0.0.0.0", "--no-scheduler", token="tok-123") as (_, base):
        assert httpx.get(base + "/healthz").status_code == 200
        for path in ("/", "/models/credit", "/metrics", "/api/models", "/alerts", "/runs"):
            assert httpx.get(base + path).status_code == 401, path
            assert httpx.get(base + path, headers={"Authorization": "Bearer tok-123"}).status_code == 200, path


def test_serve_runs_due_monitors_and_stops_cleanly_on_sigterm(demo: Path, tmp_path: Path) -> None:
    log = tmp_path / "serve.log"
    with serve_process(demo, "--log-format", "json", "--interval", "1", log=log) as (proc, base):
        deadline = time.monotonic() + 120
        while '"run_start"' not in log.read_text():
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.05)
        proc.send_signal(signal.SIGTERM)        # in the middle of the run
        # uvicorn shuts down, then raises the signal it caught again (systemd reads that as a clean stop)
        assert proc.wait(timeout=120) in (0, -signal.SIGTERM)
    events = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    names = [e.get("event") for e in events]
    assert names.index("run_start") < names.index("run_done") < names.index("scheduler_stopped")
    done = next(e for e in events if e.get("event") == "run_done")
    assert done["model"] == "credit" and done["exit_code"] == 1
    store = open_store(load_project(demo).store_url)
    with store.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM runs WHERE status = 'running'")).scalar() == 0
    leases = store.lease_rows("credit")
    assert leases and {r["state"] for r in leases} == {"done"} and {r["run_id"] for r in leases} == {done["run_id"]}
    assert store.get_run(done["run_id"]).status == "done"


def test_metrics_over_http_show_the_demos_values(demo_master: Path) -> None:
    with serve_process(demo_master, "--no-scheduler") as (_, base):
        text = httpx.get(base + "/metrics").text
        health = httpx.get(base + "/healthz").json()
    assert 'telltale_monitor_status{column="income",model="credit",monitor="feature drift",segment=""} 1.0' in text
    assert "telltale_metric_value{" in text and "telltale_run_duration_seconds " in text
    assert health["status"] == "ok" and health["scheduler"] is False
