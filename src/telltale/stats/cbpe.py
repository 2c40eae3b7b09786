"""Confidence-based performance estimation (CBPE, as NannyML's) from binned score summaries.

The baseline's labelled rows give, per score bin, how many were positive and negative. A
weighted isotonic fit (pool adjacent violators) over the bins turns that into a calibrated
probability per bin, non-decreasing in the score. In a window without labels each row of
bin `b` is then positive with probability `p[b]`, so the expected confusion counts are

    TP = sum_b n1[b] p[b]     FP = sum_b n1[b] (1 - p[b])
    FN = sum_b n0[b] p[b]     TN = sum_b n0[b] (1 - p[b])

where `n1`/`n0` are the window's rows per bin predicted positive / negative (score >=
threshold or not). Accuracy, precision, recall and F1 follow from these counts as NannyML
computes them; the expected ROC AUC sweeps the threshold over the calibrated probabilities
from high to low (bins of equal probability form one step, as sklearn treats ties) and
integrates the expected TPR over the expected FPR with the trapezoid rule.

Everything here works on arrays of counts per bin; the rows never leave the warehouse.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

ESTIMATED_METRICS = ("accuracy", "precision", "recall", "f1", "auc_roc")


def isotonic(rate: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """The weighted least-squares non-decreasing fit of `rate` (pool adjacent violators)."""
    blocks: list[list[float]] = []        # [mean, weight, length]
    for r, w in zip(rate.tolist(), weight.tolist()):
        blocks.append([r, w, 1])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            m2, w2, n2 = blocks.pop()
            m1, w1, n1 = blocks.pop()
            blocks.append([(m1 * w1 + m2 * w2) / (w1 + w2), w1 + w2, n1 + n2])
    return np.concatenate([np.full(int(n), m) for m, _, n in blocks]) if blocks else np.zeros(0)


def calibration(pos: np.ndarray, neg: np.ndarray) -> np.ndarray:
    """The calibrated probability of a positive label per score bin, from the labelled counts
    per bin (`pos`, `neg`): an isotonic fit over the bins holding labelled rows; a bin without
    any takes the value of the nearest such bin below it (above it, for the lowest bins).
    Needs at least one labelled row."""
    total = pos + neg
    seen = np.flatnonzero(total > 0)
    if seen.size == 0:
        raise ValueError("no labelled rows to calibrate on")
    fitted = isotonic(pos[seen] / total[seen], total[seen])
    idx = np.searchsorted(seen, np.arange(total.size), side="right") - 1
    return fitted[np.clip(idx, 0, seen.size - 1)]


@dataclass(frozen=True)
class Confusion:
    """Expected (or realized) confusion counts."""

    tp: float
    fp: float
    tn: float
    fn: float

    def metric(self, name: str) -> float | None:
        """accuracy, precision, recall or f1 from the counts (None when undefined: 0/0)."""
        tp, fp, tn, fn = self.tp, self.fp, self.tn, self.fn
        num, den = {"accuracy": (tp + tn, tp + fp + tn + fn), "precision": (tp, tp + fp),
                    "recall": (tp, tp + fn), "f1": (2 * tp, 2 * tp + fp + fn)}[name]
        return num / den if den > 0 else None


def expected_confusion(p: np.ndarray, pred_pos: np.ndarray, pred_neg: np.ndarray) -> Confusion:
    """Expected TP/FP/TN/FN of a window from its rows per bin predicted positive / negative."""
    return Confusion(tp=float(pred_pos @ p), fp=float(pred_pos @ (1 - p)),
                     tn=float(pred_neg @ (1 - p)), fn=float(pred_neg @ p))


def expected_auc(p: np.ndarray, rows: np.ndarray) -> float | None:
    """The expected ROC AUC of a window with `rows` per bin scored `p` (None when the expected
    positives or negatives are 0)."""
    keep = rows > 0
    p, rows = p[keep], rows[keep]
    levels, inverse = np.unique(p, return_inverse=True)
    pos = np.bincount(inverse, weights=rows * p, minlength=levels.size)[::-1]
    neg = np.bincount(inverse, weights=rows * (1 - p), minlength=levels.size)[::-1]
    tps, fps = np.concatenate([[0.0], np.cumsum(pos)]), np.concatenate([[0.0], np.cumsum(neg)])
    if tps[-1] <= 0 or fps[-1] <= 0:
        return None
    tpr, fpr = tps / tps[-1], fps / fps[-1]
    return float(np.sum((fpr[1:] - fpr[:-1]) * (tpr[1:] + tpr[:-1]) / 2))


def estimate(metric: str, p: np.ndarray, pred_pos: np.ndarray, pred_neg: np.ndarray) -> float | None:
    """One estimated metric of a window (see the module docstring)."""
    if metric == "auc_roc":
        return expected_auc(p, pred_pos + pred_neg)
    return expected_confusion(p, pred_pos, pred_neg).metric(metric)
