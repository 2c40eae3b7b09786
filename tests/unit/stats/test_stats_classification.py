"""ROC AUC from score histograms and multiclass metrics from confusion counts vs sklearn."""

from __future__ import annotations

import collections

import numpy as np
import pytest
from _stats_samples import product_grid
from sklearn.metrics import (
    accuracy_score,
    f1_score,
    precision_score,
    recall_score,
    roc_auc_score,
)

from telltale.stats import UnsupportedStatisticError, auc_from_hists, multiclass_metric

AUC_BOUND = 0.005          # worst measured 0.0003 (256 bins), 0.0032 (64 bins, skewed scores)
EXACT = 1e-12


def _scores(kind: str, rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(labels, scores) for a score shape."""
    if kind.startswith("logistic"):
        sep = float(kind.split("_")[1])
        y = rng.random(n) < 0.3
        return y, 1.0 / (1.0 + np.exp(-rng.normal(sep * y, 1.0)))
    if kind == "beta":
        y = rng.random(n) < 0.5
        return y, np.where(y, rng.beta(3, 2, n), rng.beta(2, 3, n))
    if kind == "imbalanced":
        y = rng.random(n) < 0.01
        return y, rng.normal(1.5 * y, 1.0)
    if kind == "ties":          # scores rounded to 0.05: many exact ties
        y = rng.random(n) < 0.4
        return y, np.round(np.clip(rng.normal(0.4 + 0.2 * y, 0.2), 0, 1) / 0.05) * 0.05
    if kind == "constant":
        return rng.random(n) < 0.5, np.full(n, 0.7)
    if kind == "heavy":         # raw margins with a heavy right tail
        y = rng.random(n) < 0.3
        return y, rng.lognormal(0.5 * y, 1.0)
    raise ValueError(kind)


KINDS = ["logistic_0.5", "logistic_1", "logistic_3", "beta", "imbalanced", "ties", "constant", "heavy"]


@pytest.mark.parametrize("bins", [256, 64])
@pytest.mark.parametrize("kind", KINDS)
def test_auc_matches_sklearn(kind: str, bins: int) -> None:
    rng = np.random.default_rng(KINDS.index(kind))
    _, baseline_scores = _scores(kind, rng, 50_000)
    y, s = _scores(kind, rng, 20_000)
    grid = product_grid(baseline_scores, bins)      # the grid comes from the baseline
    b = grid.bin_of(s)
    pos = dict(zip(*np.unique(b[y], return_counts=True)))
    neg = dict(zip(*np.unique(b[~y], return_counts=True)))
    got = auc_from_hists(grid, pos, neg)
    exact = roc_auc_score(y, s)
    assert abs(got - exact) <= AUC_BOUND, f"{kind}/{bins}: AUC {got} vs sklearn {exact}, bound {AUC_BOUND}"


def test_auc_edge_cases() -> None:
    grid = product_grid(np.linspace(0, 1, 101), 10)
    assert auc_from_hists(grid, {}, {1: 3}) is None
    assert auc_from_hists(grid, {1: 3}, {}) is None
    assert auc_from_hists(grid, {9: 5}, {0: 5}) == 1.0
    assert auc_from_hists(grid, {0: 5}, {9: 5}) == 0.0
    assert auc_from_hists(grid, {"3": 5}, {"3": 5}) == 0.5, "same bin: all ties; JSON string keys work"


def _confusion(seed: int, n: int = 3_000):
    rng = np.random.default_rng(seed)
    y = rng.choice(np.array(["a", "b", "c", "d"]), n, p=[0.5, 0.3, 0.15, 0.05])
    noise = rng.choice(np.array(["a", "b", "c", "e"]), n)     # "e" only predicted, "d" never predicted
    p = np.where((rng.random(n) < 0.6) & (y != "d"), y, noise)
    return y, p, dict(collections.Counter(zip(p.tolist(), y.tolist())))


SKLEARN = {"precision": precision_score, "recall": recall_score, "f1": f1_score}


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("average", ["macro", "micro", "weighted"])
@pytest.mark.parametrize("metric", ["precision", "recall", "f1"])
def test_averaged_metrics_match_sklearn(metric: str, average: str, seed: int) -> None:
    y, p, conf = _confusion(seed)
    exact = SKLEARN[metric](y, p, average=average, zero_division=0)
    got = multiclass_metric(conf, metric, None, average)
    assert got == pytest.approx(exact, abs=EXACT), f"{metric}/{average}: bound {EXACT}"


@pytest.mark.parametrize("metric", ["precision", "recall", "f1"])
def test_per_class_metrics_match_sklearn(metric: str) -> None:
    y, p, conf = _confusion(7)
    for cls in ["a", "b", "c", "d", "e"]:
        exact = SKLEARN[metric](y, p, labels=[cls], average=None, zero_division=np.nan)[0]
        got = multiclass_metric(conf, metric, cls)
        if np.isnan(exact):
            assert got is None, f"{metric}/{cls}: zero division gives None"
        else:
            assert got == pytest.approx(exact, abs=EXACT), f"{metric}/{cls}: bound {EXACT}"
    assert multiclass_metric(conf, "precision", "d") is None, "never predicted: precision undefined"
    assert multiclass_metric(conf, "recall", "e") is None, "no support: recall undefined"
    assert multiclass_metric(conf, "recall", "zzz") is None


def test_accuracy() -> None:
    y, p, conf = _confusion(3)
    for average in ("macro", "micro", "weighted"):
        assert multiclass_metric(conf, "accuracy", None, average) == pytest.approx(accuracy_score(y, p), abs=EXACT), \
            f"accuracy/{average}: bound {EXACT}"
    for cls in ("a", "d", "e"):
        exact = accuracy_score(y == cls, p == cls)
        assert multiclass_metric(conf, "accuracy", cls) == pytest.approx(exact, abs=EXACT), f"one-vs-rest {cls}"


def test_zero_cells_are_not_labels() -> None:
    _, _, conf = _confusion(4)
    padded = dict(conf)
    padded[("zzz", "zzz")] = 0
    padded[("a", "yyy")] = 0
    for metric in ("precision", "recall", "f1"):
        assert multiclass_metric(padded, metric) == multiclass_metric(conf, metric)


def test_binary_matches_sklearn_binary() -> None:
    rng = np.random.default_rng(11)
    y = rng.random(2_000) < 0.3
    p = np.where(rng.random(2_000) < 0.8, y, ~y)
    conf = dict(collections.Counter(zip(p.tolist(), y.tolist())))
    for metric, fn in SKLEARN.items():
        assert multiclass_metric(conf, metric, True) == pytest.approx(fn(y, p), abs=EXACT), \
            f"binary {metric}: bound {EXACT}"


def test_empty_and_errors() -> None:
    assert multiclass_metric({}, "f1") is None
    assert multiclass_metric({("a", "a"): 0}, "accuracy") is None
    with pytest.raises(UnsupportedStatisticError, match="accuracy, precision, recall, f1"):
        multiclass_metric({("a", "a"): 1}, "auc")
    with pytest.raises(UnsupportedStatisticError, match="macro, micro, weighted"):
        multiclass_metric({("a", "a"): 1}, "f1", average="samples")
