"""estimated_performance's evaluate on hand-made score histograms vs CBPE on the raw rows.

The summaries are what the warehouse returns (score histograms per predicted class and
label, per day); the direct side calibrates each raw row with sklearn's IsotonicRegression
on (bin, label) of the baseline rows and applies NannyML's expected-confusion formulas.
Same bins on both sides: bound 1e-9.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.isotonic import IsotonicRegression
from sklearn.metrics import f1_score

from telltale.core.fields import Field
from telltale.core.grids import Grid
from telltale.core.partials import count_rows
from telltale.core.timeutil import TimeRange
from telltale.monitors import estimated_performance as ep
from telltale.monitors.registry import REGISTRY

from _monitor_helpers import context, day, key, monitor

FOCAL = TimeRange(day(7), day(8))
BASELINE = TimeRange(day(0), day(7))
SCORE = Field("score", "predictions", "score", "numeric")
LABEL = Field("defaulted", "actuals", "defaulted", "boolean")
GRID = Grid(0.0, 1.0, 50)
BOUND = 1e-9


def _summary(parts, score: np.ndarray, label: np.ndarray | None, threshold: float) -> dict:
    """The six histograms of one bucket (label None: not arrived)."""
    b = GRID.bin_of(score)
    pred = {"pos": score >= threshold, "neg": score < threshold}
    lab = {"any": np.ones(len(score), bool)}
    if label is not None:
        lab |= {"pos": label, "neg": ~label}
    else:
        lab |= {"pos": np.zeros(len(score), bool), "neg": np.zeros(len(score), bool)}
    out = {count_rows().key: len(score)}
    for (p, lname), part in parts.items():
        keep = pred[p] & lab[lname]
        bins, counts = np.unique(b[keep], return_counts=True)
        out[part.key] = {int(k): int(v) for k, v in zip(bins, counts)}
    return out


def _setup(cfg, base_rows: int = 7000, focal_labels: bool = False, seed: int = 1):
    rng = np.random.default_rng(seed)
    dummy = context([SCORE, LABEL], {}, focal=FOCAL, baseline=BASELINE)
    parts = ep._partials(cfg, dummy)
    bs = rng.beta(2, 2, base_rows)
    by = rng.random(base_rows) < bs ** 1.3
    fs = rng.beta(3, 2, 1500)
    fy = rng.random(1500) < fs ** 1.3
    buckets = {key(day(7)): _summary(parts, fs, fy if focal_labels else None, cfg.threshold)}
    for i in range(7):
        buckets[key(day(i))] = _summary(parts, bs[i::7], by[i::7], cfg.threshold)
    grids = {parts["pos", "any"].grid_key: GRID}
    ctx = context([SCORE, LABEL], buckets, focal=FOCAL, baseline=BASELINE, grids=grids)
    return ctx, (bs, by, fs, fy)


def _direct_f1(bs, by, fs, threshold) -> float:
    p = IsotonicRegression(out_of_bounds="clip").fit(GRID.bin_of(bs), by.astype(float)).predict(GRID.bin_of(fs))
    pred = fs >= threshold
    tp, fp, fn = p[pred].sum(), (1 - p[pred]).sum(), p[~pred].sum()
    return 2 * tp / (2 * tp + fp + fn)


@pytest.mark.parametrize("threshold", [0.5, 0.37])
def test_estimate_is_cbpe_on_the_raw_rows(threshold: float) -> None:
    cfg = monitor("estimated_performance", metric="f1", threshold=threshold,
                  detection={"absolute": {"min": 0.99}})
    ctx, (bs, by, fs, fy) = _setup(cfg, focal_labels=True)
    assert set(GRID.bin_of(fs)) <= set(GRID.bin_of(bs))
    (r,) = REGISTRY["estimated_performance"].evaluate(cfg, ctx)
    assert r.metric == "estimated_f1" and r.status == "alert"
    assert r.value == pytest.approx(_direct_f1(bs, by, fs, threshold), abs=BOUND)
    # the window's labels have arrived: the realized F1 rides along, exact (sklearn)
    assert r.extra["labelled_rows"] == 1500 and r.extra["baseline_labelled_rows"] == 7000
    assert r.extra["realized"] == pytest.approx(f1_score(fy, fs >= threshold), abs=1e-12)


def test_change_detection_compares_with_the_baselines_estimate() -> None:
    cfg = monitor("estimated_performance", metric="accuracy", detection={"change": {"percent": 1}})
    ctx, _ = _setup(cfg)
    (r,) = REGISTRY["estimated_performance"].evaluate(cfg, ctx)
    assert r.extra["realized"] is None and r.extra["labelled_rows"] == 0
    base = r.extra["baseline_value"]
    assert r.status == ("alert" if abs(r.value - base) / base > 0.01 else "ok")
    assert r.threshold["baseline_value"] == base


def test_too_few_labelled_baseline_rows_is_no_data() -> None:
    cfg = monitor("estimated_performance", metric="f1", detection={"absolute": {"min": 0.5}})
    ctx, _ = _setup(cfg, base_rows=70)
    (r,) = REGISTRY["estimated_performance"].evaluate(cfg, ctx)
    assert r.status == "no_data" and r.value is None
    assert "the baseline has 70 labelled row(s)" in r.message and "at least 100" in r.message
