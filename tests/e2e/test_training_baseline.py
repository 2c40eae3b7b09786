"""A training data set as the baseline: drift against it, exact vs scipy on the raw rows."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import numpy as np
from scipy import stats
from typer.testing import CliRunner

from churn_project import CONFIG
from telltale.cli.main import app

MONITORS = """monitors:
  - {name: drift vs training, model: churn, type: data_drift, columns: [spend], method: ks, threshold: 0.1}
  - {name: psi vs training, model: churn, type: data_drift, columns: [spend, plan], method: psi, segment: all}
"""


def test_drift_against_a_training_set(churn_project: Path, tmp_path: Path) -> None:
    root = tmp_path / "p"
    shutil.copytree(churn_project, root)
    cfg = CONFIG.replace("baseline: {window: {last: 28d, skip: 1d}}", "baseline: {training: {table: training_set}}")
    cfg = cfg.split("monitors:\n")[0] + MONITORS
    (root / "telltale.yml").write_text(cfg)
    con = duckdb.connect(str(root / "wh.duckdb"))
    # the training set has no timestamp and no `plan` segment column... but plan as a feature
    con.execute("CREATE TABLE training_set AS SELECT tenure, spend * 0.7 AS spend, plan AS plan FROM events "
                "WHERE ts < '2026-02-20'")
    con.close()
    ks_cfg = cfg.replace("method: psi, segment: all", "method: psi")
    (root / "telltale.yml").write_text(ks_cfg)
    res = CliRunner().invoke(app, ["run", "--project", str(root), "--at", "2026-03-12T00:00:00Z", "--json"])
    assert res.exit_code in (0, 1), res.output
    out = json.loads(res.stdout)
    r = next(x for x in out["results"] if x["monitor"] == "drift vs training" and x["column"] == "spend")
    assert r["baseline"] == {"start": None, "end": None, "source": "training"}
    con = duckdb.connect(str(root / "wh.duckdb"), read_only=True)
    train = np.array([v[0] for v in con.execute("SELECT spend FROM training_set").fetchall()])
    focal = np.array([v[0] for v in con.execute(
        "SELECT spend FROM events WHERE ts >= '2026-03-11' AND ts < '2026-03-12'").fetchall()])
    assert abs(r["value"] - stats.ks_2samp(train, focal).statistic) <= 0.01
    assert r["status"] == "alert"          # spend was scaled by 0.7 in the training set
    assert any(q["sql"].count("training_set") for q in out["queries"])


def test_training_set_without_a_segment_column(churn_project: Path, tmp_path: Path) -> None:
    root = tmp_path / "p"
    shutil.copytree(churn_project, root)
    cfg = CONFIG.replace("baseline: {window: {last: 28d, skip: 1d}}", "baseline: {training: {table: training_set}}")
    cfg = cfg.split("monitors:\n")[0] + MONITORS.replace("columns: [spend, plan], method: psi", "columns: [spend], method: psi")
    (root / "telltale.yml").write_text(cfg)
    con = duckdb.connect(str(root / "wh.duckdb"))
    con.execute("CREATE TABLE training_set AS SELECT spend FROM events WHERE ts < '2026-02-20'")
    con.close()
    res = CliRunner().invoke(app, ["run", "--project", str(root), "--at", "2026-03-12T00:00:00Z", "--json",
                                   "--monitor", "psi vs training"])
    out = json.loads(res.stdout)
    overall = next(r for r in out["results"] if r["segment"] is None)
    assert overall["status"] == "ok" and overall["value"] < 0.2, overall["error"]
    per_segment = [r for r in out["results"] if r["segment"] is not None]
    assert per_segment and all(r["status"] == "no_data" for r in per_segment)
