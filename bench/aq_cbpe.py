"""The alert-quality study's estimated_performance part: how far CBPE's estimate (the
monitor's own `evaluate`, from the summaries the planner pushes down) is from the metric
realized on the window's labels (sklearn on the rows).

A binary classifier's window: n scores s and labels y ~ Bernoulli(q(s)). The baseline is a
fresh labelled draw of n rows from the reference score distribution with q(s) = s (a
calibrated score): it calibrates the score. The window is drawn per scenario:

- stable: the reference scores, calibrated;
- covariate shifts: the score distribution moves (Beta(2, 5) -> Beta(3, 4), Beta(5, 3)),
  the score stays calibrated (CBPE's assumption);
- concept shift: the scores as the reference but labels ~ Bernoulli(s^2): the relation
  between score and label changed, which no estimate from scores can see.

Summaries per window, as the planner computes them (`estimated_performance.requests`): the
six score histograms (predicted positive / negative x labelled positive / negative / any)
on the score's grid (256 bins between the reference's 0.1 % and 99.9 % quantiles, two tail
bins), labelled histograms empty in the window (labels not arrived).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.metrics import accuracy_score, f1_score, precision_score, recall_score, roc_auc_score

from aq_sim import bins_of, context, evaluate, monitor
from telltale.core.fields import Field
from telltale.core.grids import Grid
from telltale.monitors.estimated_performance import _partials

S = Field("score", "predictions", "score", "numeric")
Y = Field("y", "actuals", "y", "boolean")
METRICS = ("accuracy", "precision", "recall", "f1", "auc_roc")
CONFIGS = {m: monitor("estimated_performance", metric=m, detection={"absolute": {"min": 0}}) for m in METRICS}
REFERENCE = (2.0, 5.0)
"""Beta parameters of the reference (baseline) scores: mean 0.29, 11 % scored >= 0.5."""
SCENARIOS: dict[str, tuple[tuple[float, float], bool]] = {
    "stable (calibrated)": (REFERENCE, False),
    "covariate shift: scores Beta(3, 4), calibrated": ((3.0, 4.0), False),
    "strong covariate shift: scores Beta(5, 3), calibrated": ((5.0, 3.0), False),
    "concept shift: labels ~ Bernoulli(score^2)": (REFERENCE, True),
}
CALIBRATED = tuple(k for k, (_, concept) in SCENARIOS.items() if not concept)


def score_grid(rng: np.random.Generator) -> Grid:
    """The score's grid, from a 500k-row reference sample (as the planner's grid query)."""
    s = rng.beta(*REFERENCE, 500_000)
    lo, hi = np.quantile(s, [0.001, 0.999])
    return Grid.from_quantiles(float(lo), float(hi), float(s.min()), float(s.max()))


def _hist(grid: Grid, s: np.ndarray) -> dict[int, int]:
    counts = np.bincount(bins_of(grid, s), minlength=grid.bins + 2)
    return {int(i) - 1: int(counts[i]) for i in np.flatnonzero(counts)}


def summaries(grid: Grid, s: np.ndarray, y: np.ndarray | None) -> dict[str, Any]:
    """The six histograms of `estimated_performance` (labels None: not arrived)."""
    ctx = context([S, Y], {}, 1, 1)
    parts = _partials(CONFIGS["f1"], ctx)
    pred = s >= 0.5
    out: dict[str, Any] = {}
    for (p, lab), partial in parts.items():
        rows = pred if p == "pos" else ~pred
        if lab != "any":
            if y is None:
                out[partial.key] = {}
                continue
            rows = rows & (y if lab == "pos" else ~y)
        out[partial.key] = _hist(grid, s[rows])
    return out


def realized(s: np.ndarray, y: np.ndarray) -> dict[str, float]:
    """The metrics on the window's rows (sklearn)."""
    pred = s >= 0.5
    return {"accuracy": accuracy_score(y, pred), "precision": precision_score(y, pred, zero_division=np.nan),
            "recall": recall_score(y, pred, zero_division=np.nan), "f1": f1_score(y, pred, zero_division=np.nan),
            "auc_roc": roc_auc_score(y, s)}


def windows(n: int, count: int, grid: Grid, rng: np.random.Generator) -> dict[str, dict[str, list]]:
    """{scenario|metric: [[estimated, realized], ...]} over `count` windows of n rows."""
    grid_key = _partials(CONFIGS["f1"], context([S, Y], {}, 1, 1))["pos", "any"].grid_key
    out: dict[str, dict[str, list]] = {}
    for _ in range(count):
        sb = rng.beta(*REFERENCE, n)
        base = summaries(grid, sb, rng.random(n) < sb)
        for name, (ab, concept) in SCENARIOS.items():
            s = rng.beta(*ab, n)
            y = rng.random(n) < (s * s if concept else s)
            ctx = context([S, Y], {0: base, 1: summaries(grid, s, None)}, 1, 1, {grid_key: grid})
            real = realized(s, y)
            for m, cfg in CONFIGS.items():
                est, _ = evaluate(cfg, ctx)
                out.setdefault(name, {}).setdefault(m, []).append(
                    [None if est is None else round(float(est), 6), round(float(real[m]), 6)])
    return out


def errors(pairs: list[list[float | None]]) -> dict[str, float]:
    """mean / 95th percentile / max of |estimated - realized|, mean signed error, windows."""
    e = np.array([a - b for a, b in pairs if a is not None and b is not None and np.isfinite(b)], dtype=float)
    if not e.size:
        return {"n": 0}
    a = np.abs(e)
    return {"n": int(e.size), "mean": float(a.mean()), "p95": float(np.quantile(a, 0.95)), "max": float(a.max()),
            "bias": float(e.mean()), "missing": len(pairs) - int(e.size)}


def table(cbpe: dict[str, Any]) -> list[str]:
    """The document's section: errors per size, scenario and metric, and the bound."""
    res = cbpe["results"]
    sizes = sorted(res, key=int)
    out = ["## Estimated performance (CBPE) against realized performance", "",
           "`estimated_performance` with its defaults (threshold 0.5, 256-bin score grid) on simulated "
           "binary-classifier windows: scores ~ Beta(2, 5) in the baseline, labels ~ Bernoulli(score) "
           "(calibrated); the baseline is a fresh labelled window of the same size. The estimate goes "
           "through the monitor's own `evaluate` from the six pushed-down score histograms (labels of the "
           "window not arrived); the realized value is sklearn's on the window's rows and labels. "
           "Windows: " + ", ".join(f"{int(n):,} rows: {cbpe['windows'][n]}" for n in sizes) + ".", "",
           "| rows | scenario | metric | mean abs. error | 95th pct | max | mean signed (est - real) |",
           "|---|---|---|---|---|---|---|"]
    for n in sizes:
        for sc in SCENARIOS:
            for m in METRICS:
                e = errors(res[n][sc][m])
                out.append(f"| {int(n):,} | {sc} | {m} | {e['mean']:.4f} | {e['p95']:.4f} | {e['max']:.4f} | "
                           f"{e['bias']:+.4f} |" if e["n"] else f"| {int(n):,} | {sc} | {m} | - | - | - | - |")
    out += ["", "**Bound on calibrated windows** (stable and both covariate shifts together; 95th percentile "
            "/ max of |estimated - realized| over all their windows):", "",
            "| rows | " + " | ".join(METRICS) + " |", "|---|" + "---|" * len(METRICS)]
    for n in sizes:
        cells = []
        for m in METRICS:
            e = errors([p for sc in CALIBRATED for p in res[n][sc][m]])
            cells.append(f"{e['p95']:.3f} / {e['max']:.3f}")
        out.append(f"| {int(n):,} | " + " | ".join(cells) + " |")
    out += ["", "Under the concept shift (labels ~ Bernoulli(score²)) the estimate stays where the scores "
            "put it while the realized precision, F1 and accuracy fall: the rows above show by how much. "
            "CBPE (telltale's as NannyML's) cannot see a change of P(label | score); only labels can.", ""]
    return out
