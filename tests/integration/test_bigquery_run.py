"""`telltale run` (the CLI) on a project whose connection is bigquery (bqemulator), against DuckDB.

The same project (tests/conformance/framework.py: DATETIME, TIMESTAMP and DATE time columns,
every monitor type) run on DuckDB and on the emulator, bin edges pinned from the DuckDB run,
gives the same statuses and values. A bigquery connection that cannot be reached, or has no
credentials, fails its own monitors (exit 3, the reason in each result) while the DuckDB
connection's monitors still run and are stored. The emulator's blind spots (DATETIME vs
TIMESTAMP literals, bytes processed) are covered in tests/unit/connectors/test_bigquery.py.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from conformance import framework
from peers import bigquery as bq_peer
from peers import dataset
from telltale.cli.main import app

runner = CliRunner()
AT = framework.AT.strftime("%Y-%m-%dT%H:%M:%SZ")


def _run_json(root: Path) -> tuple[int, dict]:
    res = runner.invoke(app, ["run", "--project", str(root), "--at", AT, "--json"])
    assert res.exit_code in (0, 1, 3), res.output
    return res.exit_code, json.loads(res.stdout)


def _keyed(report: dict) -> dict:
    return {(r["monitor"], str(r.get("column")), str(r.get("segment")), str(r.get("metric"))): r
            for r in report["results"]}


def test_cli_run_on_bigquery_gives_duckdbs_statuses_and_values(tmp_path: Path, peer_dataset,
                                                               bigquery_emulator: bq_peer.BigQueryEmulator) -> None:
    ref = framework.write_project(tmp_path / "duck", framework.duckdb_target(tmp_path / "data", peer_dataset))
    ref_code, want = _run_json(ref)
    name = f"cli_{uuid.uuid4().hex[:10]}"
    dataset.load_bigquery(peer_dataset, bigquery_emulator.client(), name)
    target = framework.Target(connection={"type": "bigquery", "project": bigquery_emulator.project,
                                          "dataset": name, "endpoint": bigquery_emulator.url,
                                          "labels": {"suite": "cli"}},
                              source={"table": "predictions"}, blind_spot="see the module docstring")
    root = framework.write_project(tmp_path / "bq", target)
    assert framework.pin_grids(ref, root) > 0
    code, got = _run_json(root)
    assert code == ref_code
    assert not [r for r in got["results"] if r["status"] == "error"]
    assert framework.differences(_keyed(got), _keyed(want)) == []
    assert {r["status"] for r in got["results"]} >= {"ok", "alert"}
    assert got["queries"] and all(q["connection"] == "wh" for q in got["queries"])
    assert all(q["bytes_scanned"] == 0 for q in got["queries"])      # the emulator's report, passed through
    assert all(q["bytes_scanned"] is None for q in want["queries"])   # DuckDB reports none


def _two_connections(tmp_path: Path, peer_dataset, bq: dict) -> Path:
    """A DuckDB model `local` and a BigQuery model `remote`, each with a volume and a drift monitor."""
    data = tmp_path / "data"
    data.mkdir()
    dataset.load_duckdb(peer_dataset, str(data / "wh.duckdb"))
    model = {"type": "regression", "source": {"table": "predictions"}, "id": "id", "timestamp": "ts",
             "features": {"x": "numeric", "category": "categorical"}, "predictions": {"score": "numeric"},
             "baseline": {"window": {"last": "7d"}}}
    doc = {"version": 1,
           "connections": {"wh": {"type": "duckdb", "database": str(data / "wh.duckdb")}, "bq": bq},
           "models": {"local": {**model, "connection": "wh"}, "remote": {**model, "connection": "bq", "source":
                                                                          {"table": "d.predictions"}}},
           "monitors": [{"name": f"{kind} {m}", "model": m, "type": kind, **extra}
                        for m in ("local", "remote")
                        for kind, extra in (("model_activity", {"detection": {"change": {"percent": 50}}}),
                                            ("data_drift", {"method": "psi", "columns": ["category"],
                                                            "threshold": 0.5}))]}
    root = tmp_path / "p"
    root.mkdir()
    (root / "telltale.yml").write_text(yaml.safe_dump(doc, sort_keys=False))
    return root


def _stored_models(root: Path) -> set[str]:
    with sqlite3.connect(root / ".telltale" / "state.db") as db:
        return {m for (m,) in db.execute("SELECT DISTINCT model FROM metric_points")}


def _check_only_remote_failed(root: Path, code: int, report: dict, says: str) -> None:
    assert code == 3
    by_model: dict[str, list[dict]] = {}
    for r in report["results"]:
        by_model.setdefault(r["model"], []).append(r)
    assert by_model["remote"] and all(r["status"] == "error" and says in (r["error"] or "")
                                      for r in by_model["remote"]), by_model["remote"]
    assert by_model["local"] and all(r["status"] in ("ok", "alert") for r in by_model["local"])
    assert "local" in _stored_models(root)


def test_an_unreachable_bigquery_fails_its_own_monitors_only(tmp_path: Path, peer_dataset) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    root = _two_connections(tmp_path, peer_dataset, {"type": "bigquery", "project": "p",
                                                     "endpoint": f"http://127.0.0.1:{port}"})
    code, report = _run_json(root)
    _check_only_remote_failed(root, code, report,
                              f"connection 'bq' (bigquery): cannot reach BigQuery at http://127.0.0.1:{port}")


def test_missing_credentials_fail_with_the_fix_exit_3(tmp_path: Path, peer_dataset) -> None:
    """No key file, no application default credentials (a fresh HOME, no metadata server): exit 3."""
    root = _two_connections(tmp_path, peer_dataset, {"type": "bigquery", "project": "p"})
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GOOGLE_", "CLOUDSDK_", "GCE_"))}
    env.update(HOME=str(home), CLOUDSDK_CONFIG=str(home / "gcloud"), NO_GCE_CHECK="true",
               GCE_METADATA_HOST="127.0.0.1:9", GCE_METADATA_IP="127.0.0.1:9")
    done = subprocess.run([sys.executable, "-m", "telltale.cli.main", "run", "--project", str(root), "--at", AT,
                           "--json"], capture_output=True, text=True, env=env, timeout=300)
    assert "Traceback" not in done.stderr, done.stderr
    _check_only_remote_failed(root, done.returncode, json.loads(done.stdout),
                              "connection 'bq' (bigquery): no Google credentials found: set `credentials_file`")


@pytest.fixture(autouse=True)
def _no_user_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """The in-process runs never pick up a developer's own Google credentials."""
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
