"""`telltale run --json` on a project with injected events: alerts exactly where injected."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import numpy as np
import pytest
from scipy import stats
from typer.testing import CliRunner

from telltale.cli.main import app

from churn_project import CONFIG, write_project

AT = "2026-03-13T00:00:00Z"
runner = CliRunner()


def run_json(project: Path, *args: str):
    res = runner.invoke(app, ["run", "--project", str(project), "--at", AT, "--json", *args])
    return res.exit_code, (json.loads(res.stdout) if res.stdout.strip().startswith("{") else None), res


@pytest.fixture()
def project(churn_project: Path, tmp_path: Path) -> Path:
    dst = tmp_path / "p"
    shutil.copytree(churn_project, dst)
    return dst


def by_key(out):
    return {(r["monitor"], r["column"], json.dumps(r["segment"], sort_keys=True)): r for r in out["results"]}


def test_alerts_exactly_where_events_were_injected(project: Path) -> None:
    code, out, res = run_json(project)
    assert out is not None, res.output
    assert code == 1, res.output
    status = {(r["monitor"], r["column"]): r["status"] for r in out["results"] if r["segment"] is None}
    expected = {
        ("drift ks", "tenure"): "ok",        # only nulls injected: the values' law is unchanged
        ("drift ks", "spend"): "alert",
        ("drift psi", "tenure"): "ok",
        ("drift psi", "spend"): "alert",
        ("drift psi", "plan"): "alert",      # the new plan takes 10% of the rows
        ("new plans", "plan"): "alert",
        ("nulls", "tenure"): "alert",
        ("nulls", "spend"): "ok",
        ("volume", None): "ok",
        ("mean spend", "spend"): "alert",
        ("high spenders", None): "alert",
        ("fresh", None): "ok",
    }
    assert status == expected
    assert all(r["error"] is None for r in out["results"])
    # the JSON contract
    r = out["results"][0]
    assert set(r) >= {"monitor", "model", "type", "column", "segment", "metric", "value", "threshold",
                      "status", "severity", "window", "baseline", "message", "error"}
    assert r["window"] == {"start": "2026-03-12T00:00:00Z", "end": "2026-03-13T00:00:00Z"}
    assert r["baseline"] == {"start": "2026-02-11T00:00:00Z", "end": "2026-03-11T00:00:00Z"}
    assert out["at"] == AT and out["run_id"]
    assert {q["connection"] for q in out["queries"]} == {"wh"}


def test_one_fused_scan_per_model_and_no_rows_fetched(project: Path) -> None:
    _, out, _ = run_json(project)
    kinds = [q["kind"] for q in out["queries"]]
    # one statement for every summary of the model (on DuckDB scalars and distributions are
    # fused); on the first run only, a COUNT(*) sizing the sample and one sampled query for
    # the histogram edges; staleness asks for MAX(ts)
    assert [k for k in kinds if k not in ("grid", "staleness")] == ["fused"]
    assert kinds.count("grid") == 2 and kinds.count("staleness") == 1
    # summaries only: what comes back is bounded by buckets x segments x bins, whatever the
    # number of rows (30 days x 4 plans x (2 histograms of 256+2 bins + 4 plans + 1 total))
    assert sum(q["rows"] for q in out["queries"]) <= 1 + 30 * 4 * (2 * 258 + 4 + 1) + 30 * 4
    for q in out["queries"]:
        assert q["sql"].lstrip().upper().startswith("SELECT")
        assert "GROUP BY" in q["sql"].upper() or (q["kind"] in ("grid", "staleness") and q["rows"] == 1)


def test_ks_matches_scipy_on_raw_rows(project: Path) -> None:
    _, out, _ = run_json(project)
    con = duckdb.connect(str(project / "wh.duckdb"), read_only=True)
    for column in ("tenure", "spend"):
        focal = np.array([r[0] for r in con.execute(
            f"SELECT {column} FROM events WHERE ts >= '2026-03-12' AND ts < '2026-03-13' AND {column} IS NOT NULL").fetchall()])
        base = np.array([r[0] for r in con.execute(
            f"SELECT {column} FROM events WHERE ts >= '2026-02-11' AND ts < '2026-03-11' AND {column} IS NOT NULL").fetchall()])
        exact = stats.ks_2samp(base, focal)
        got = next(r for r in out["results"] if r["monitor"] == "drift ks" and r["column"] == column)
        assert abs(got["value"] - exact.statistic) <= 0.01, (column, got["value"], exact.statistic)
        assert got["p_value"] is not None


def test_second_run_reuses_stored_summaries(project: Path) -> None:
    _, first, _ = run_json(project)
    _, second, _ = run_json(project)
    assert [r["value"] for r in first["results"]] == pytest.approx([r["value"] for r in second["results"]])
    # every bucket is final and stored: nothing left to scan (staleness asks for MAX(ts) each run)
    assert [q["kind"] for q in second["queries"]] == ["staleness"]
    # the firing alerts stay open and are not re-sent
    assert all(a["status"] != "firing" for a in second["alerts"])


def test_segments(project: Path) -> None:
    cfg = CONFIG.replace("{name: volume, model: churn, type: model_activity,",
                         "{name: volume, model: churn, type: model_activity, segment: all,")
    (project / "telltale.yml").write_text(cfg)
    _, out, res = run_json(project, "--monitor", "volume")
    segs = [r["segment"] for r in out["results"]]
    assert None in segs and {"plan": "basic"} in segs and {"plan": "ultra"} in segs, res.output
    con = duckdb.connect(str(project / "wh.duckdb"), read_only=True)
    n = con.execute("SELECT count(*) FROM events WHERE plan = 'pro' AND ts >= '2026-03-12' AND ts < '2026-03-13'").fetchall()[0][0]
    assert next(r for r in out["results"] if r["segment"] == {"plan": "pro"})["value"] == n


def test_dsl_mistake_exits_2_and_writes_nothing(tmp_path: Path) -> None:
    root = write_project(tmp_path / "bad", metrics="metric high_spend_share =\n  count(features.spnd[features.spend > 100]) / count()\n")
    code, out, res = run_json(root)
    assert code == 2
    assert "churn.metric:2:" in res.output and "spend" in res.output
    assert not (root / ".telltale").exists()


def test_config_mistake_exits_2_with_line(tmp_path: Path) -> None:
    root = write_project(tmp_path / "bad2", config=CONFIG.replace("method: psi, threshold: 0.2", "method: psi, treshold: 0.2"))
    code, out, res = run_json(root)
    assert code == 2
    assert "telltale.yml:19" in res.output, res.output
    assert not (root / ".telltale").exists()


@pytest.mark.parametrize("dialect", ["duckdb", "postgres", "redshift", "snowflake", "bigquery", "athena", "trino", "databricks"])
def test_compile_every_dialect(project: Path, dialect: str) -> None:
    import sqlglot

    res = runner.invoke(app, ["compile", "--project", str(project), "--dialect", dialect, "--at", AT])
    assert res.exit_code == 0, res.output
    statements = [s for s in res.stdout.split(";\n") if s.strip() and "SELECT" in s]
    assert len(statements) >= 2
    for s in statements:
        body = "\n".join(l for l in s.splitlines() if not l.startswith("--"))
        sqlglot.parse_one(body, read=dialect)


def test_dry_run_writes_nothing(project: Path) -> None:
    code, out, _ = run_json(project, "--dry-run")
    assert code == 1 and out["results"]
    assert not (project / ".telltale").exists()


def test_staleness_fires_when_predictions_stop(project: Path) -> None:
    res = runner.invoke(app, ["run", "--project", str(project), "--at", "2026-03-16T06:00:00Z", "--json",
                              "--monitor", "fresh"])
    out = json.loads(res.stdout)
    (r,) = out["results"]
    con = duckdb.connect(str(project / "wh.duckdb"), read_only=True)
    newest = con.execute("SELECT max(ts) FROM events").fetchall()[0][0]
    from datetime import datetime
    expected = (datetime(2026, 3, 16, 6) - newest).total_seconds()
    assert r["status"] == "alert" and r["value"] == pytest.approx(expected)
    assert r["threshold"] == {"max": 2 * 86400.0}
    assert res.exit_code == 1


def test_failing_query_fails_only_its_monitors(project: Path) -> None:
    """A second model whose table is gone: its monitors report `error`, the others still run
    and are stored, and the exit code is 3."""
    cfg = CONFIG.replace("monitors:\n", """  ghost:
    type: binary
    connection: wh
    source: {table: no_such_table}
    timestamp: ts
    features: {spend: numeric}
    predictions: {will_churn: boolean}
monitors:
  - {name: ghost volume, model: ghost, type: model_activity, detection: {absolute: {min: 1}}}
""", 1)
    (project / "telltale.yml").write_text(cfg)
    code, out, res = run_json(project)
    assert code == 3, res.output
    ghost = [r for r in out["results"] if r["model"] == "ghost"]
    assert [r["status"] for r in ghost] == ["error"]
    assert "no_such_table" in ghost[0]["error"]
    churn = [r for r in out["results"] if r["model"] == "churn"]
    assert churn and all(r["status"] in ("ok", "alert") for r in churn)
    from telltale.config import load_project
    from telltale.store import open_store

    store = open_store(load_project(project).store_url)
    assert store.recent_runs(1)[0].exit_code == 3
