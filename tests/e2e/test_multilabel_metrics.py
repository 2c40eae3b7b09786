"""Multilabel precision, recall and F1 across labels through a whole run (per-label counts
pushed down to DuckDB), against scikit-learn on the label-indicator matrices of the raw rows.

The averages are ratios of exact counts, so the bound is 1e-9 relative.
"""

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
LABELS = ("spam", "toxic", "ad", "rare")
AVERAGES = ("micro", "macro", "weighted")

CONFIG = """\
version: 1
connections:
  wh: {type: duckdb, database: wh.duckdb}
models:
  tags:
    type: multilabel
    connection: wh
    source: {table: t}
    timestamp: ts
    predictions:
      spam: {column: pred_spam, type: boolean}
      toxic: {column: pred_toxic, type: boolean}
      ad: {column: pred_ad, type: numeric}
      rare: {column: pred_rare, type: boolean}
    actuals:
      spam: {column: actual_spam, type: boolean}
      toxic: {column: actual_toxic, type: boolean}
      ad: {column: actual_ad, type: boolean}
      rare: {column: actual_rare, type: boolean}
monitors:
""" + "".join(
    f"  - {{name: {m} {a}, model: tags, type: performance_degradation, "
    f"metric: 'multilabel_{m}(average=\"{a}\")', window: 7d, detection: {{absolute: {{min: 0.01}}}}}}\n"
    for m in ("precision", "recall", "f1") for a in AVERAGES
) + ("  - {name: f1 default, model: tags, type: performance_degradation, metric: multilabel_f1, "
     "window: 7d, detection: {absolute: {min: 0.01}}}\n"
     "  - {name: f1 strict ad, model: tags, type: performance_degradation, "
     "metric: 'multilabel_f1(average=\"micro\", threshold=0.8)', window: 7d, detection: {absolute: {min: 0.01}}}\n")


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("ml")
    rng = np.random.default_rng(3)
    n = 8000
    ts = [datetime(2026, 3, 1) + timedelta(seconds=int(s)) for s in rng.integers(0, 12 * 86400, n)]
    cols: dict[str, object] = {"ts": pa.array(ts, pa.timestamp("us"))}
    for name, rate, noise in (("spam", 0.3, 0.2), ("toxic", 0.1, 0.3), ("ad", 0.5, 0.25), ("rare", 0.01, 0.05)):
        truth = rng.random(n) < rate
        flip = rng.random(n) < noise
        cols[f"actual_{name}"] = truth
        if name == "ad":
            cols[f"pred_{name}"] = np.clip(np.where(truth ^ flip, 0.7, 0.3) + rng.normal(0, 0.15, n), 0, 1)
        else:
            cols[f"pred_{name}"] = truth ^ flip
    t = pa.table(cols)
    con = duckdb.connect(str(root / "wh.duckdb"))
    con.register("t_arrow", t)
    con.execute("CREATE TABLE t AS SELECT * FROM t_arrow")
    con.close()
    (root / "telltale.yml").write_text(CONFIG)
    return root


def _matrices(project: Path, threshold: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    con = duckdb.connect(str(project / "wh.duckdb"), read_only=True)
    df = con.execute("SELECT * FROM t WHERE ts >= '2026-03-06' AND ts < '2026-03-13'").df()
    con.close()
    truth = np.column_stack([df[f"actual_{n}"].to_numpy(bool) for n in LABELS])
    pred = np.column_stack([(df[f"pred_{n}"] >= threshold).to_numpy() if n == "ad"
                            else df[f"pred_{n}"].to_numpy(bool) for n in LABELS])
    return truth, pred


def test_multilabel_averages_match_sklearn(project: Path) -> None:
    res = CliRunner().invoke(app, ["run", "--project", str(project), "--at", AT, "--json"])
    assert res.exit_code in (0, 1), res.output
    out = json.loads(res.stdout)
    assert all(r["error"] is None for r in out["results"]), out["results"]
    got = {r["monitor"]: r["value"] for r in out["results"]}
    truth, pred = _matrices(project)
    fns = {"precision": skm.precision_score, "recall": skm.recall_score, "f1": skm.f1_score}
    for metric, fn in fns.items():
        for avg in AVERAGES:
            want = fn(truth, pred, average=avg, zero_division=0)
            assert got[f"{metric} {avg}"] == pytest.approx(want, rel=1e-9), (metric, avg)
    assert got["f1 default"] == pytest.approx(skm.f1_score(truth, pred, average="macro"), rel=1e-9)
    truth8, pred8 = _matrices(project, 0.8)
    assert got["f1 strict ad"] == pytest.approx(skm.f1_score(truth8, pred8, average="micro"), rel=1e-9)
    assert got["f1 micro"] != pytest.approx(got["f1 macro"], rel=1e-3)   # the averages differ here


def test_multilabel_metric_needs_paired_labels(tmp_path: Path) -> None:
    cfg = CONFIG.replace("    actuals:\n      spam: {column: actual_spam", "    actuals:\n      other: {column: actual_spam")
    cfg = cfg.replace("      toxic: {column: actual_toxic, type: boolean}\n", "").replace(
        "      ad: {column: actual_ad, type: boolean}\n", "").replace("      rare: {column: actual_rare, type: boolean}\n", "")
    (tmp_path / "telltale.yml").write_text(cfg)
    res = CliRunner().invoke(app, ["validate", "--project", str(tmp_path), "--no-warehouse"])
    assert res.exit_code == 2, res.output
    assert "telltale.yml:" in res.output and "same name" in res.output


def test_bad_average_is_a_config_error(tmp_path: Path) -> None:
    cfg = CONFIG.replace("metric: 'multilabel_f1(average=\"micro\", threshold=0.8)'",
                         "metric: 'multilabel_f1(average=\"mikro\")'")
    (tmp_path / "telltale.yml").write_text(cfg)
    res = CliRunner().invoke(app, ["validate", "--project", str(tmp_path), "--no-warehouse"])
    assert res.exit_code == 2, res.output
    assert "telltale.yml:31:" in res.output and "did you mean micro" in res.output
