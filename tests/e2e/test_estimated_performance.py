"""estimated_performance on a model whose labels arrive 7 days late, through DuckDB.

The score is calibrated (each label is drawn with probability = score) and its
distribution shifts on day 33, so F1 changes with it. For days whose labels have not
arrived at the run's time, the estimate (calibrated on a labelled baseline ending 7 days
before the window) is compared with the realized F1 of the raw rows, once all labels are
known. The estimation error has two parts, checked apart:

* calibration: against the expected F1/AUC computed with the true probabilities (the score
  itself, as the data is calibrated), the estimate from ~42k baseline rows (isotonic over
  256 bins) is within 0.02;
* the window's sampling noise: 3k Bernoulli labels give the realized F1 a standard
  deviation of 0.018 (beta(2, 5) scores) and 0.010 (beta(3, 3)), the realized AUC 0.009
  (measured by simulation); the estimate is within 0.055 of the realized F1 and 0.03 of
  the realized AUC (3 of those standard deviations).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from loans_project import DAYS, SHIFT_DAY, day_start, make_rows, write_project
from telltale.cli.main import app
from telltale.core.timeutil import iso

CALIBRATION_BOUND = 0.02
F1_BOUND, AUC_BOUND = 0.055, 0.03
MONITORS = """\
  - name: estimated f1
    model: loans
    type: estimated_performance
    metric: f1
    baseline: {window: {last: 14d, skip: 7d}}
    detection: {absolute: {min: 0.5}}
  - name: estimated auc
    model: loans
    type: estimated_performance
    metric: auc_roc
    baseline: {window: {last: 14d, skip: 7d}}
    detection: {absolute: {min: 0.5}}
"""


def _day(day: int) -> tuple[np.ndarray, np.ndarray]:
    rows = make_rows()
    ts = rows["ts"].astype("datetime64[us]")
    lo = np.datetime64(day_start(day).replace(tzinfo=None))
    keep = (ts >= lo) & (ts < lo + np.timedelta64(1, "D"))
    return rows["defaulted"][keep], rows["score"][keep]


def _realized(day: int) -> tuple[float, float]:
    """F1 and ROC AUC of the day's rows with all their labels (sklearn)."""
    from sklearn.metrics import f1_score, roc_auc_score

    y, s = _day(day)
    return float(f1_score(y, s >= 0.5)), float(roc_auc_score(y, s))


def _expected(day: int) -> tuple[float, float]:
    """F1 and AUC expected from the true probabilities (the score): no label noise."""
    _, s = _day(day)
    pred = s >= 0.5
    tp, fp, fn = s[pred].sum(), (1 - s[pred]).sum(), s[~pred].sum()
    order = np.argsort(-s)
    tps, fps = np.concatenate([[0], np.cumsum(s[order])]), np.concatenate([[0], np.cumsum(1 - s[order])])
    return float(2 * tp / (2 * tp + fp + fn)), float(np.trapezoid(tps / tps[-1], fps / fps[-1]))


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    return write_project(tmp_path_factory.mktemp("loans"), MONITORS)


@pytest.mark.parametrize("day", [SHIFT_DAY - 5, SHIFT_DAY, SHIFT_DAY + 3, DAYS - 1])
def test_estimate_tracks_realized_f1_before_labels_arrive(project: Path, day: int) -> None:
    res = CliRunner().invoke(app, ["run", "--project", str(project), "--at", iso(day_start(day + 1)), "--json"])
    assert res.exit_code in (0, 1), res.output
    out = json.loads(res.stdout)
    got = {r["monitor"]: r for r in out["results"]}
    f1, auc = got["estimated f1"], got["estimated auc"]
    assert f1["labelled_rows"] == 0                 # no label of the window has arrived
    assert f1["baseline_labelled_rows"] > 40_000
    real_f1, real_auc = _realized(day)
    exp_f1, exp_auc = _expected(day)
    assert abs(f1["value"] - exp_f1) <= CALIBRATION_BOUND, (f1["value"], exp_f1)
    assert abs(auc["value"] - exp_auc) <= CALIBRATION_BOUND, (auc["value"], exp_auc)
    assert abs(f1["value"] - real_f1) <= F1_BOUND, (f1["value"], real_f1)
    assert abs(auc["value"] - real_auc) <= AUC_BOUND, (auc["value"], real_auc)
    assert f1["metric"] == "estimated_f1" and f1["status"] == ("alert" if f1["value"] < 0.5 else "ok")
    # only summaries were read: grid sampling and the fused aggregate scan
    assert {q["kind"] for q in out["queries"]} <= {"grid", "fused", "distribution", "scalar"}


def test_the_shift_moves_the_estimate(project: Path) -> None:
    before, after = _realized(SHIFT_DAY - 1)[0], _realized(DAYS - 1)[0]
    assert after - before > 0.15        # the day-33 shift changes F1 by far more than the bound
