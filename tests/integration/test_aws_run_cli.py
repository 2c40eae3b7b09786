"""`telltale run` (the CLI) on projects whose connection is s3, delta or athena, against moto.

1. The conformance project on S3 Parquet and on a Delta table on S3 gives the same statuses and
   values as the same project on DuckDB (bin edges pinned), through the CLI's JSON.
2. A broken s3, delta or athena connection fails its own monitors with a message naming the
   connection and what to check, exit 3, while the DuckDB connection's monitors still run and
   are stored.

Blind spot: moto (see tests/integration/test_s3_connector.py and test_athena_connector.py);
the athena project's numbers are compared in tests/conformance/target_athena.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from conformance import framework
from peers import dataset
from telltale.cli.main import app

AT = framework.AT.strftime("%Y-%m-%dT%H:%M:%SZ")


def run_json(root: Path) -> tuple[int, dict]:
    res = CliRunner().invoke(app, ["run", "--project", str(root), "--at", AT, "--json"])
    assert res.stdout.strip().startswith("{"), res.output
    return res.exit_code, json.loads(res.stdout)


def by_key(out: dict) -> dict:
    return {(r["monitor"], str(r.get("column")), str(r.get("segment")), str(r.get("metric"))): r
            for r in out["results"]}


@pytest.mark.parametrize("kind", ["s3", "delta"])
def test_the_cli_gives_duckdbs_statuses_and_values(kind: str, s3_peer, peer_dataset, tmp_path: Path) -> None:
    reference = framework.write_project(tmp_path / "ref", framework.duckdb_target(tmp_path / "data", peer_dataset))
    code, want = run_json(reference)
    assert code in (0, 1) and want["results"]
    if kind == "s3":
        dataset.load_s3_parquet(peer_dataset, s3_peer.server.filesystem(), f"{s3_peer.bucket}/p")
        target = framework.Target({"type": "s3", "endpoint": s3_peer.endpoint_url, "region": s3_peer.region},
                                  {"path": f"s3://{s3_peer.bucket}/p/", "format": "parquet",
                                   "partitioning": "hive"}, "moto")
    else:
        options = s3_peer.server.delta_storage_options()
        dataset.load_delta(peer_dataset, f"s3://{s3_peer.bucket}/d", options)
        target = framework.Target({"type": "delta", "storage_options": options},
                                  {"path": f"s3://{s3_peer.bucket}/d"}, "moto")
    root = framework.write_project(tmp_path / kind, target)
    assert framework.pin_grids(reference, root) > 0
    code, got = run_json(root)
    assert code == (1 if any(r["status"] == "alert" for r in want["results"]) else 0)
    assert framework.differences(by_key(got), by_key(want)) == []
    assert all(q.get("bytes_scanned") is None for q in got["queries"])   # DuckDB over files reports none


def broken(kind: str, peer, tmp_path: Path) -> tuple[dict, dict, str]:
    """A connection of `kind` that cannot work, its source, and what its error must say."""
    if kind == "s3":
        return ({"type": "s3", "endpoint": peer.endpoint_url, "region": peer.region},
                {"path": f"s3://{peer.bucket}/missing/", "format": "parquet"}, "check the bucket and prefix")
    if kind == "delta":
        (tmp_path / "not_delta").mkdir()
        return {"type": "delta"}, {"path": str(tmp_path / "not_delta")}, "_delta_log"
    # moto's Athena runs no SQL (a missing table is not noticed there): a broken network instead
    return ({"type": "athena", "endpoint": "http://127.0.0.1:9", "region": peer.region, "database": "tt",
             "s3_staging_dir": f"s3://{peer.bucket}/athena/"}, {"table": "predictions"},
            "check `endpoint`, `region` and the network path")


@pytest.mark.parametrize("kind", ["s3", "delta", "athena"])
def test_a_broken_connection_fails_only_its_monitors(kind: str, s3_peer, peer_dataset, tmp_path: Path) -> None:
    db = tmp_path / "wh.duckdb"
    dataset.load_duckdb(peer_dataset, str(db))
    conn, source, says = broken(kind, s3_peer, tmp_path)
    model = {"type": "regression", "id": "id", "timestamp": "ts", "features": {"x": "numeric"},
             "predictions": {"score": "numeric"}, "baseline": {"window": {"last": "7d"}}}
    doc = {"version": 1,
           "connections": {"good": {"type": "duckdb", "database": str(db)}, "bad": conn},
           "models": {"fine": {**model, "connection": "good", "source": {"table": "predictions"}},
                      "broken": {**model, "connection": "bad", "source": source}},
           "monitors": [{"name": f"volume {m}", "model": m, "type": "model_activity",
                         "detection": {"absolute": {"min": 1}}} for m in ("fine", "broken")]}
    root = tmp_path / "project"
    root.mkdir()
    (root / "telltale.yml").write_text(yaml.safe_dump(doc, sort_keys=False))
    code, out = run_json(root)
    assert code == 3
    [bad] = [r for r in out["results"] if r["model"] == "broken"]
    assert bad["status"] == "error"
    assert f"connection 'bad' ({kind})" in bad["error"] and says in bad["error"]
    [fine] = [r for r in out["results"] if r["model"] == "fine"]
    assert fine["status"] == "ok"
    from telltale.config import load_project
    from telltale.store import open_store

    store = open_store(load_project(root).store_url)
    assert store.recent_runs(1)[0].exit_code == 3
