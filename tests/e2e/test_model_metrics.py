"""Built-in model metrics through a whole run, against sklearn on the raw rows."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pytest
from sklearn import metrics as skm
from typer.testing import CliRunner

from telltale.cli.main import app

AT = "2026-03-13T00:00:00Z"

CONFIG = """\
version: 1
connections:
  wh: {type: duckdb, database: wh.duckdb}
models:
  bin:
    type: binary
    connection: wh
    source: {table: t}
    timestamp: ts
    predictions: {score: numeric, flag: boolean}
    actuals: {label: boolean}
  reg:
    type: regression
    connection: wh
    source: {table: t}
    timestamp: ts
    predictions: {yhat: numeric}
    actuals: {y: numeric}
  mc:
    type: multiclass
    connection: wh
    source: {table: t}
    timestamp: ts
    predictions: {cls_pred: categorical}
    actuals: {cls: categorical}
monitors:
  - {name: auc, model: bin, type: performance_degradation, metric: auc_roc, window: 7d, detection: {absolute: {min: 0.5}}}
  - {name: f1, model: bin, type: performance_degradation, metric: f1, window: 7d, detection: {absolute: {min: 0.1}}}
  - {name: rmse, model: reg, type: performance_degradation, metric: rmse, window: 7d, detection: {absolute: {max: 100}}}
  - {name: r2, model: reg, type: performance_degradation, metric: r2, window: 7d, detection: {absolute: {min: 0}}}
  - {name: macro f1, model: mc, type: performance_degradation, metric: 'f1(predictions.cls_pred, actuals.cls, average="macro")', window: 7d, detection: {absolute: {min: 0.1}}}
  - {name: accuracy, model: mc, type: performance_degradation, metric: accuracy, window: 7d, detection: {absolute: {min: 0.1}}}
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("mm")
    rng = np.random.default_rng(5)
    n = 20_000
    ts = [datetime(2026, 3, 1) + timedelta(seconds=int(s)) for s in np.sort(rng.integers(0, 12 * 86400, n))]
    label = rng.random(n) < 0.3
    score = np.clip(rng.normal(0.35 + 0.3 * label, 0.2), 0, 1)
    y = rng.normal(10, 3, n)
    cls = rng.choice(np.array(["a", "b", "c"]), n, p=[0.5, 0.3, 0.2])
    cls_pred = np.where(rng.random(n) < 0.7, cls, rng.choice(np.array(["a", "b", "c"]), n))
    yhat = y + rng.normal(0, 1.5, n)
    yhat[rng.random(n) < 0.05] = np.nan            # some missing predictions
    t = pa.table({"ts": pa.array(ts, pa.timestamp("us")), "score": score, "flag": score >= 0.5,
                  "label": label, "y": y, "yhat": pa.array(yhat, from_pandas=True), "cls": cls,
                  "cls_pred": cls_pred})
    con = duckdb.connect(str(root / "wh.duckdb"))
    con.register("t_arrow", t)
    con.execute("CREATE TABLE t AS SELECT * FROM t_arrow")
    con.close()
    (root / "telltale.yml").write_text(CONFIG)
    return root


def test_model_metrics_match_sklearn(project: Path) -> None:
    res = CliRunner().invoke(app, ["run", "--project", str(project), "--at", AT, "--json"])
    out = json.loads(res.stdout)
    got = {r["monitor"]: r["value"] for r in out["results"]}
    assert all(r["error"] is None for r in out["results"]), out["results"]
    con = duckdb.connect(str(project / "wh.duckdb"), read_only=True)
    df = con.execute("SELECT * FROM t WHERE ts >= '2026-03-06' AND ts < '2026-03-13'").df()
    assert got["auc"] == pytest.approx(skm.roc_auc_score(df.label, df.score), abs=0.005)
    assert got["f1"] == pytest.approx(skm.f1_score(df.label, df.flag), rel=1e-9)
    reg = df.dropna(subset=["yhat"])
    assert got["rmse"] == pytest.approx(np.sqrt(skm.mean_squared_error(reg.y, reg.yhat)), rel=1e-9)
    assert got["r2"] == pytest.approx(skm.r2_score(reg.y, reg.yhat), rel=1e-6)
    assert got["macro f1"] == pytest.approx(skm.f1_score(df.cls, df.cls_pred, average="macro"), rel=1e-9)
    assert got["accuracy"] == pytest.approx(skm.accuracy_score(df.cls, df.cls_pred), rel=1e-9)
