"""CBPE from binned summaries vs a direct implementation on the raw rows with the same bins.

The direct one calibrates each row with sklearn's IsotonicRegression on (bin, label) of
the reference rows, then sums the calibrated probabilities of the analysis rows per
predicted class (NannyML's formulas) and takes the expected AUC as the pairwise
probability that a positive outranks a negative (ties count one half). Both sides see the
same numbers, so they agree to rounding: bound 1e-9.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.isotonic import IsotonicRegression

from telltale.core.grids import Grid
from telltale.stats import cbpe

BOUND = 1e-9


def _rows(rng: np.random.Generator, n: int, a: float, b: float) -> tuple[np.ndarray, np.ndarray]:
    score = rng.beta(a, b, n)
    # a miscalibrated model: the true probability is score ** 1.5
    return score, rng.random(n) < score ** 1.5


def _direct(ref_bin, ref_y, bins, pred):
    iso = IsotonicRegression(out_of_bounds="clip").fit(ref_bin, ref_y.astype(float))
    p = iso.predict(bins)
    tp, fp = p[pred].sum(), (1 - p[pred]).sum()
    fn, tn = p[~pred].sum(), (1 - p[~pred]).sum()
    levels = np.unique(p)
    wpos = np.array([p[p == v].sum() for v in levels])
    wneg = np.array([(1 - p[p == v]).sum() for v in levels])
    above = np.cumsum(wneg) - wneg                 # negatives strictly below each level
    auc = (wpos * above).sum() + 0.5 * (wpos * wneg).sum()
    return {"accuracy": (tp + tn) / len(p), "precision": tp / (tp + fp), "recall": tp / (tp + fn),
            "f1": 2 * tp / (2 * tp + fp + fn), "auc_roc": auc / (wpos.sum() * wneg.sum())}


@pytest.mark.parametrize("threshold", [0.5, 0.3, 0.4321])
@pytest.mark.parametrize("shape", [(2, 5), (3, 3), (0.5, 0.5)])
def test_binned_cbpe_matches_rows(threshold: float, shape: tuple[float, float]) -> None:
    rng = np.random.default_rng(7)
    ref_s, ref_y = _rows(rng, 40_000, 2, 2)
    ana_s, _ = _rows(rng, 8_000, *shape)
    grid = Grid(float(np.quantile(ref_s, 0.001)), float(np.quantile(ref_s, 0.999)), 64)
    ref_b, ana_b = grid.bin_of(ref_s), grid.bin_of(ana_s)
    # every analysis bin holds reference rows (the direct side interpolates between bins
    # that hold none; the binned side carries the bin below over: see test_empty_bins)
    assert set(ana_b) <= set(ref_b)
    size = grid.bins + 2
    pos = np.bincount(ref_b[ref_y] + 1, minlength=size).astype(float)
    neg = np.bincount(ref_b[~ref_y] + 1, minlength=size).astype(float)
    pred = ana_s >= threshold
    n1 = np.bincount(ana_b[pred] + 1, minlength=size).astype(float)
    n0 = np.bincount(ana_b[~pred] + 1, minlength=size).astype(float)
    p = cbpe.calibration(pos, neg)
    assert np.all(np.diff(p) >= 0)
    want = _direct(ref_b, ref_y, ana_b, pred)
    for metric in cbpe.ESTIMATED_METRICS:
        assert cbpe.estimate(metric, p, n1, n0) == pytest.approx(want[metric], abs=BOUND), metric


def test_isotonic_matches_sklearn_with_weights() -> None:
    rng = np.random.default_rng(3)
    rate, weight = rng.random(200), rng.integers(1, 50, 200).astype(float)
    x = np.arange(200)
    want = IsotonicRegression().fit(x, rate, sample_weight=weight).predict(x)
    assert np.allclose(cbpe.isotonic(rate, weight), want, atol=1e-12)


def test_empty_bins_take_the_bin_below() -> None:
    pos = np.array([0, 1, 0, 0, 3, 0], float)
    neg = np.array([0, 3, 0, 0, 1, 0], float)
    assert cbpe.calibration(pos, neg).tolist() == [0.25, 0.25, 0.25, 0.25, 0.75, 0.75]
    with pytest.raises(ValueError, match="no labelled rows"):
        cbpe.calibration(np.zeros(3), np.zeros(3))


def test_undefined_metrics_are_none() -> None:
    p = np.array([0.0, 0.0])
    assert cbpe.estimate("precision", p, np.zeros(2), np.array([3.0, 1.0])) is None
    assert cbpe.estimate("recall", p, np.zeros(2), np.array([3.0, 1.0])) is None
    assert cbpe.estimate("auc_roc", p, np.zeros(2), np.array([3.0, 1.0])) is None
    assert cbpe.estimate("accuracy", p, np.zeros(2), np.array([3.0, 1.0])) == 1.0
