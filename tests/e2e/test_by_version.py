"""`by_version: true`: a monitor evaluated once per model version, from the same scan (the
version column grouped like a segment), each value equal to numpy on that version's raw
rows; a version new in the focal window reports no_data saying it has no baseline."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pytest
from typer.testing import CliRunner

from telltale.cli.main import app

AT = "2026-03-13T00:00:00Z"

CONFIG = """\
version: 1
connections:
  wh: {type: duckdb, database: wh.duckdb}
models:
  m:
    type: regression
    connection: wh
    source: {table: t}
    timestamp: ts
    version: model_version
    features: {x: numeric, region: categorical}
    predictions: {yhat: numeric}
    segments: [region]
    baseline: {window: {last: 7d, skip: 0d}}
monitors:
  - {name: mean yhat, model: m, type: metric_change, columns: [predictions.yhat], statistic: mean, window: 1d, by_version: true, detection: {absolute: {max: 100}}}
  - {name: drift, model: m, type: prediction_drift, columns: [yhat], method: psi, window: 1d, by_version: true}
  - {name: mean by region, model: m, type: metric_change, columns: [predictions.yhat], statistic: mean, window: 1d, segment: all, detection: {absolute: {max: 100}}}
  - {name: plain, model: m, type: model_activity, window: 1d, detection: {absolute: {min: 1}}}
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("ver")
    rng = np.random.default_rng(4)
    n = 12000
    secs = np.sort(rng.integers(0, 12 * 86400, n))
    ts = [datetime(2026, 3, 1) + timedelta(seconds=int(s)) for s in secs]
    # v1 all along, v2 from day 3, v3 only on the last day (no baseline)
    day = secs // 86400
    version = np.where(day >= 11, rng.choice(["v2", "v3"], n), np.where(day >= 3, rng.choice(["v1", "v2"], n), "v1"))
    yhat = rng.normal(0, 1, n) + np.where(version == "v2", 0.5, 0.0)
    t = pa.table({"ts": pa.array(ts, pa.timestamp("us")), "x": rng.normal(0, 1, n), "yhat": yhat,
                  "region": rng.choice(["eu", "us"], n), "model_version": version})
    con = duckdb.connect(str(root / "wh.duckdb"))
    con.register("t_arrow", t)
    con.execute("CREATE TABLE t AS SELECT * FROM t_arrow")
    con.close()
    (root / "telltale.yml").write_text(CONFIG)
    return root


def test_by_version_evaluates_each_version_from_the_same_scan(project: Path) -> None:
    res = CliRunner().invoke(app, ["run", "--project", str(project), "--at", AT, "--json"])
    assert res.stdout.startswith("{"), res.output
    out = json.loads(res.stdout)
    results = out["results"]
    con = duckdb.connect(str(project / "wh.duckdb"), read_only=True)
    df = con.execute("SELECT * FROM t WHERE ts >= '2026-03-12' AND ts < '2026-03-13'").df()
    con.close()
    means = {r["segment"]["model_version"]: r for r in results if r["monitor"] == "mean yhat"}
    assert set(means) == {"v1", "v2", "v3"}   # the versions seen in the focal window or the baseline
    assert means["v1"]["status"] == "no_data" and "no rows" in means["v1"]["message"]   # v1 retired
    for v in ("v2", "v3"):
        r = means[v]
        assert r["value"] == pytest.approx(df[df.model_version == v].yhat.mean(), rel=1e-9)
    # v1 has baseline rows but none in the focal window: drift says so; v3 has no baseline
    drift = {r["segment"]["model_version"]: r for r in results if r["monitor"] == "drift"}
    assert drift["v3"]["status"] == "no_data"
    assert "model_version='v3' has no baseline" in drift["v3"]["message"]
    assert drift["v2"]["status"] in ("ok", "alert") and drift["v2"]["value"] is not None
    # segment: all on the same model still reports per region only (the version is not a segment)
    regions = [r["segment"] for r in results if r["monitor"] == "mean by region" and r["segment"]]
    assert sorted(s["region"] for s in regions) == ["eu", "us"] and all(len(s) == 1 for s in regions)
    eu = next(r for r in results if r["monitor"] == "mean by region" and r["segment"] == {"region": "eu"})
    assert eu["value"] == pytest.approx(df[df.region == "eu"].yhat.mean(), rel=1e-9)
    # one scan of the model (plus the segment guard), not one per version
    scans = [q for q in out["queries"] if "scan" in q["kind"] or q["kind"] in ("fused", "scalar", "distribution")]
    assert len([q for q in out["queries"] if q["kind"] == "segment count"]) == 1
    assert len([q for q in scans if "model_version" in q["sql"]]) == 1


def test_by_version_needs_a_version_column(tmp_path: Path) -> None:
    (tmp_path / "telltale.yml").write_text(CONFIG.replace("    version: model_version\n", ""))
    res = CliRunner().invoke(app, ["validate", "--project", str(tmp_path), "--no-warehouse"])
    assert res.exit_code == 2, res.output
    assert "telltale.yml:15:124:" in res.output and "by_version needs a version column" in res.output
