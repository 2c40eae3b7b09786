"""Classification metrics from summaries: ROC AUC from score histograms, and
accuracy/precision/recall/F1 from a multiclass confusion count table."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from telltale.core.grids import Grid
from telltale.stats.errors import UnsupportedStatisticError
from telltale.stats.histogram import Counts

MULTICLASS_METRICS = ("accuracy", "precision", "recall", "f1")
AVERAGES = ("macro", "micro", "weighted")


def auc_from_hists(grid: Grid, pos_counts: Counts, neg_counts: Counts) -> float | None:
    """ROC AUC from the score histograms of positives and negatives on one grid.

    AUC = P(s+ > s-) + P(s+ = s-) / 2, where two scores in the same bin count as a tie
    (the trapezoid rule on the ROC curve through the bin edges). None if a class is empty.
    """
    pos, neg = grid.dense(pos_counts), grid.dense(neg_counts)
    n_pos, n_neg = float(pos.sum()), float(neg.sum())
    if n_pos <= 0 or n_neg <= 0:
        return None
    neg_below = np.cumsum(neg) - neg
    return float(np.dot(pos, neg_below + 0.5 * neg) / (n_pos * n_neg))


def _ratio(num: float, den: float) -> float | None:
    return None if den <= 0 else num / den


def multiclass_metric(confusion: Mapping[tuple[Any, Any], int], metric: str,
                      cls: Any | None = None, average: str = "macro") -> float | None:
    """accuracy/precision/recall/f1 from counts per (predicted, actual), as sklearn defines them.

    With `cls`, the metric of that one class (one-vs-rest; accuracy is (tp + tn) / n),
    None when its denominator is 0. Otherwise averaged over the labels seen as predicted
    or actual (sklearn's default labels): `macro` (plain mean; an undefined per-class
    value counts as 0, sklearn's zero_division default), `weighted` (by actual support),
    `micro` (pooled counts; equals accuracy for single-label data). `accuracy` without
    `cls` is the share of correct predictions whatever `average` is. None when empty.
    """
    if metric not in MULTICLASS_METRICS:
        raise UnsupportedStatisticError(
            f"unknown classification metric '{metric}'; use one of {', '.join(MULTICLASS_METRICS)}")
    if average not in AVERAGES:
        raise UnsupportedStatisticError(
            f"unknown average '{average}'; use one of {', '.join(AVERAGES)}")
    cells = {k: float(v) for k, v in confusion.items() if v}
    labels = sorted({p for p, _ in cells} | {a for _, a in cells}, key=lambda x: (x is None, str(x)))
    index = {label: i for i, label in enumerate(labels)}
    m = np.zeros((len(labels), len(labels)))              # rows predicted, columns actual
    for (p, a), v in cells.items():
        m[index[p], index[a]] += v
    n = float(m.sum())
    if n <= 0:
        return None
    tp = np.diag(m)
    predicted = m.sum(axis=1)
    support = m.sum(axis=0)

    if cls is not None:
        i = index.get(cls)
        t, pp, s = (0.0, 0.0, 0.0) if i is None else (float(tp[i]), float(predicted[i]), float(support[i]))
        if metric == "accuracy":
            return (n - pp - s + 2.0 * t) / n                      # (tp + tn) / n
        if metric == "precision":
            return _ratio(t, pp)
        if metric == "recall":
            return _ratio(t, s)
        return _ratio(2.0 * t, pp + s)                             # 2tp / (2tp + fp + fn)

    if metric == "accuracy" or average == "micro":
        return float(tp.sum() / n)
    with np.errstate(invalid="ignore", divide="ignore"):
        if metric == "precision":
            per, den = tp / predicted, predicted
        elif metric == "recall":
            per, den = tp / support, support
        else:
            per, den = 2.0 * tp / (predicted + support), predicted + support
    per = np.where(den > 0, per, 0.0)
    if average == "macro":
        return float(np.mean(per))
    return float(np.average(per, weights=support))
