"""Anomaly detection against the metric's own history, from the stored per-day summaries."""

from __future__ import annotations

import json
import math
import shutil
import statistics
from pathlib import Path

import duckdb
import pytest
from scipy import stats as scipy_stats
from typer.testing import CliRunner

from churn_project import CONFIG
from telltale.cli.main import app

MONITORS = """monitors:
  - {name: share anomaly, model: churn, type: custom_metric, metric: high_spend_share, detection: {anomaly: {sensitivity: 3, history: 28d}}}
  - {name: volume anomaly, model: churn, type: model_activity, detection: {anomaly: {sensitivity: 4, history: 28d}}}
  - {name: weekly volume, model: churn, type: model_activity, detection: {anomaly: {sensitivity: 4, history: 28d, seasonality: weekly}}}
  - {name: spend up only, model: churn, type: metric_change, columns: [spend], statistic: mean, detection: {anomaly: {sensitivity: 3, direction: down}}}
"""


def test_anomaly_detection(churn_project: Path, tmp_path: Path) -> None:
    root = tmp_path / "p"
    shutil.copytree(churn_project, root)
    (root / "telltale.yml").write_text(CONFIG.split("monitors:\n")[0] + MONITORS)
    res = CliRunner().invoke(app, ["run", "--project", str(root), "--at", "2026-03-13T00:00:00Z", "--json"])
    out = json.loads(res.stdout)
    by = {r["monitor"]: r for r in out["results"]}
    share = by["share anomaly"]
    assert share["status"] == "alert"                     # spend tripled on the last day
    con = duckdb.connect(str(root / "wh.duckdb"), read_only=True)
    daily = [r[0] for r in con.execute(
        "SELECT count(*) FILTER (WHERE spend > 100) / count(*) FROM events "
        "WHERE ts >= '2026-02-12' AND ts < '2026-03-12' GROUP BY CAST(ts AS DATE) ORDER BY 1").fetchall()]
    assert len(daily) == 28
    mean, std = statistics.fmean(daily), statistics.stdev(daily)
    # the band is the Student-t prediction interval of the 3-sigma tail for 28 past values
    k = scipy_stats.t.isf(scipy_stats.norm.sf(3.0), 27) * math.sqrt(1 + 1 / 28)
    assert share["threshold"]["band_sd"] == pytest.approx(k, rel=1e-12)
    assert share["threshold"]["min"] == pytest.approx(mean - k * std, rel=1e-9)
    assert share["threshold"]["max"] == pytest.approx(mean + k * std, rel=1e-9)
    assert share["baseline"] == {"start": "2026-02-12T00:00:00Z", "end": "2026-03-12T00:00:00Z"}
    assert by["volume anomaly"]["status"] == "ok"        # volume did not change
    assert by["weekly volume"]["threshold"]["history_points"] == 4
    assert by["spend up only"]["status"] == "ok"          # it went up; only down alerts
    assert res.exit_code == 1
