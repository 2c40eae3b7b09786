"""Drift distances between a baseline and a focal distribution, computed from summaries.

Numeric columns arrive as a `NumericSummary` (a Grid histogram plus min/max and, when
stored, the exact count/sum/sum of squares); categorical columns as `dict[value, count]`.
Every function returns a `DriftValue`; its value is None when either side is empty.

- PSI, JS distance, Hellinger and chi2 on a numeric column use the baseline's deciles
  (the fine grid bins merged into about ten equal-mass baseline bins, see
  `histogram.coarsen`); on a categorical column they use the category shares.
- KS uses the CDFs at the grid's edges, which are exact; Wasserstein integrates the
  piecewise-linear CDFs of `histogram.cdf_knots` (uniform within bins, modelled tails).
  Neither is defined for categorical columns.

See docs/statistics.md for formulas and the measured error against the raw rows.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from telltale.core.grids import Grid
from telltale.stats.categorical import aligned_counts
from telltale.stats.errors import UnsupportedStatisticError
from telltale.stats.pvalues import chi2_independence, kstwo_sf
from telltale.stats.special import rel_entr
from telltale.stats.moments import sample_variance
from telltale.stats.histogram import (
    Counts,
    cdf_at_edges,
    cdf_eval,
    cdf_knots,
    coarsen,
    sorted_unique,
    std_from_hist,
)

PSI_EPSILON = 1e-4
"""Share that replaces a zero share in PSI (on either side), so ln(a/e) stays finite."""

DEFAULT_COARSE_BINS = 10
METHODS = ("psi", "js", "hellinger", "ks", "wasserstein", "chi2")
KINDS = ("numeric", "categorical")
CATEGORICAL_METHODS = ("psi", "js", "hellinger", "chi2")


@dataclass(frozen=True)
class DriftValue:
    """A drift distance (larger = more drift) and, for ks and chi2, its p-value."""

    value: float | None
    p_value: float | None = None


@dataclass(frozen=True)
class NumericSummary:
    """One side of a numeric comparison: a Grid histogram plus what else was stored.

    `counts` maps grid bin -> count (non-null values); `vmin`/`vmax` close the tail bins.
    `count`, `sum`, `sum_sq` are the exact non-null count (COUNT(expr)), sum and sum of
    squares. When stored, Wasserstein uses the baseline's exact std and each side's sum
    to place the mass of its tail bins; they are ignored when `count` disagrees with the
    histogram's total.
    """

    grid: Grid
    counts: Counts
    vmin: float | None
    vmax: float | None
    count: int | None = None
    sum: float | None = None
    sum_sq: float | None = None

    @classmethod
    def from_values(cls, grid: Grid, values: np.ndarray) -> NumericSummary:
        """Summarise raw values exactly as the warehouse does (NaN and ±inf left out, as the
        finite filter of `monitors.context.column_partials` does)."""
        v = np.asarray(values, dtype=np.float64)
        v = v[np.isfinite(v)]
        if v.size == 0:
            return cls(grid, {}, None, None, 0, 0.0, 0.0)
        bins, n = np.unique(grid.bin_of(v), return_counts=True)
        return cls(grid, {int(b): int(c) for b, c in zip(bins, n)}, float(v.min()),
                   float(v.max()), int(v.size), float(v.sum()), float(np.dot(v, v)))

    @property
    def n(self) -> int:
        """Number of values in the histogram."""
        return round(sum(float(c) for c in self.counts.values()))


Side = NumericSummary | Mapping


# ---------------------------------------------------------------- distances on counts


def _shares(counts: np.ndarray) -> np.ndarray | None:
    total = float(np.sum(counts))
    return None if total <= 0 else np.asarray(counts, dtype=np.float64) / total


def psi_from_counts(base: np.ndarray, focal: np.ndarray, eps: float = PSI_EPSILON) -> float | None:
    """PSI = sum((a - e) * ln(a / e)) over aligned bins; zero shares become `eps`."""
    e, a = _shares(base), _shares(focal)
    if e is None or a is None:
        return None
    e = np.where(e > 0, e, eps)
    a = np.where(a > 0, a, eps)
    return float(np.sum((a - e) * np.log(a / e)))


def js_from_counts(base: np.ndarray, focal: np.ndarray) -> float | None:
    """Jensen-Shannon distance, base 2 (in [0, 1]): sqrt of the JS divergence."""
    p, q = _shares(base), _shares(focal)
    if p is None or q is None:
        return None
    m = (p + q) / 2.0
    div = (np.sum(rel_entr(p, m)) + np.sum(rel_entr(q, m))) / (2.0 * math.log(2.0))
    return float(math.sqrt(min(max(div, 0.0), 1.0)))


def hellinger_from_counts(base: np.ndarray, focal: np.ndarray) -> float | None:
    """Hellinger distance sqrt(1/2 * sum((sqrt p - sqrt q)^2)), in [0, 1]."""
    p, q = _shares(base), _shares(focal)
    if p is None or q is None:
        return None
    return float(min(math.sqrt(0.5 * np.sum((np.sqrt(p) - np.sqrt(q)) ** 2)), 1.0))


def chi2_from_counts(base: np.ndarray, focal: np.ndarray) -> DriftValue:
    """Cramér's V and p-value of the chi-square test on the 2 x k table (no Yates correction)."""
    table = np.vstack([np.asarray(base, dtype=np.float64), np.asarray(focal, dtype=np.float64)])
    n = float(table.sum())
    if table[0].sum() <= 0 or table[1].sum() <= 0:
        return DriftValue(None, None)
    table = table[:, table.sum(axis=0) > 0]
    if table.shape[1] < 2:
        return DriftValue(0.0, 1.0)
    statistic, pvalue = chi2_independence(table)     # = chi2_contingency(correction=False)
    v = math.sqrt(statistic / (n * (min(table.shape) - 1)))
    return DriftValue(min(v, 1.0), pvalue)


# ---------------------------------------------------------------- inputs


def _check_numeric(base: NumericSummary, focal: NumericSummary) -> None:
    if base.grid != focal.grid:
        raise ValueError(f"baseline and focal histograms use different grids: {base.grid} vs {focal.grid}")


def _binned(base: Side, focal: Side, n_bins: int) -> tuple[np.ndarray, np.ndarray]:
    """Aligned count vectors: baseline deciles for numeric, categories for categorical."""
    if isinstance(base, NumericSummary) and isinstance(focal, NumericSummary):
        _check_numeric(base, focal)
        return coarsen(base.grid, base.counts, focal.counts, n_bins)
    if isinstance(base, Mapping) and isinstance(focal, Mapping):
        return aligned_counts(base, focal)
    raise TypeError("compare two NumericSummary objects or two dicts of category counts")


def _numeric_only(method: str, base: Side, focal: Side) -> tuple[NumericSummary, NumericSummary]:
    if isinstance(base, Mapping) or isinstance(focal, Mapping):
        raise UnsupportedStatisticError(
            f"drift method '{method}' is not defined for categorical columns; "
            f"use one of {', '.join(CATEGORICAL_METHODS)}")
    if not (isinstance(base, NumericSummary) and isinstance(focal, NumericSummary)):
        raise TypeError(f"{method} compares two NumericSummary objects")
    _check_numeric(base, focal)
    return base, focal


# ---------------------------------------------------------------- the distances


def psi(base: Side, focal: Side, *, n_bins: int = DEFAULT_COARSE_BINS,
        eps: float = PSI_EPSILON) -> DriftValue:
    """Population Stability Index (on baseline deciles for numeric columns)."""
    return DriftValue(psi_from_counts(*_binned(base, focal, n_bins), eps=eps))


def js(base: Side, focal: Side, *, n_bins: int = DEFAULT_COARSE_BINS) -> DriftValue:
    """Jensen-Shannon distance, base 2, in [0, 1] (on baseline deciles for numeric columns)."""
    return DriftValue(js_from_counts(*_binned(base, focal, n_bins)))


def hellinger(base: Side, focal: Side, *, n_bins: int = DEFAULT_COARSE_BINS) -> DriftValue:
    """Hellinger distance in [0, 1] (on baseline deciles for numeric columns)."""
    return DriftValue(hellinger_from_counts(*_binned(base, focal, n_bins)))


def chi2(base: Side, focal: Side, *, n_bins: int = DEFAULT_COARSE_BINS) -> DriftValue:
    """Cramér's V with the chi-square p-value of baseline vs focal counts (2 x k table)."""
    return chi2_from_counts(*_binned(base, focal, n_bins))


def ks_pvalue(d: float, n1: int, n2: int) -> float:
    """Two-sided p-value of a two-sample KS statistic, as scipy's ks_2samp(method='asymp')."""
    m, n = sorted([float(n1), float(n2)], reverse=True)
    en = max(float(np.round(m * n / (m + n))), 1.0)
    return float(np.clip(kstwo_sf(d, en), 0.0, 1.0))     # = scipy.stats.kstwo.sf


def _sum_of(side: NumericSummary) -> float | None:
    """The side's exact sum, when stored and consistent with its histogram."""
    if side.sum is None or side.count is None or side.count != side.n:
        return None
    return float(side.sum)


def ks(base: NumericSummary, focal: NumericSummary) -> DriftValue:
    """Two-sample KS statistic and its two-sided p-value (asymptotic, as scipy).

    The statistic is max |F_base - F_focal| over the grid's edges, where both CDFs are
    exact: a lower bound of the exact statistic, short of it by at most the larger share
    of one bin (the sup can lie inside a bin).
    """
    base, focal = _numeric_only("ks", base, focal)
    fb = cdf_at_edges(base.grid, base.counts)
    ff = cdf_at_edges(focal.grid, focal.counts)
    if fb is None or ff is None:
        return DriftValue(None, None)
    d = float(min(np.max(np.abs(fb - ff)), 1.0))
    return DriftValue(d, ks_pvalue(d, base.n, focal.n))


def wasserstein_distance(base: NumericSummary, focal: NumericSummary) -> float | None:
    """W1 = integral of |F_base - F_focal| dx (unnormalised), None when a side is empty."""
    base, focal = _numeric_only("wasserstein", base, focal)
    kb = cdf_knots(base.grid, base.counts, base.vmin, base.vmax, _sum_of(base))
    kf = cdf_knots(focal.grid, focal.counts, focal.vmin, focal.vmax, _sum_of(focal))
    if kb is None or kf is None:
        return None
    (xb, Fb), (xf, Ff) = kb, kf
    u = sorted_unique(np.concatenate([xb, xf]))
    if u.size < 2:
        return 0.0
    a = cdf_eval(xb, Fb, u[:-1]) - cdf_eval(xf, Ff, u[:-1])                       # at x+
    b = cdf_eval(xb, Fb, u[1:], left=True) - cdf_eval(xf, Ff, u[1:], left=True)   # at x-
    dx = np.diff(u)
    aa, ab = np.abs(a), np.abs(b)
    same = a * b >= 0
    with np.errstate(invalid="ignore", divide="ignore"):
        crossing = (a * a + b * b) / (2.0 * (aa + ab))
    area = np.where(same, (aa + ab) / 2.0, np.where(aa + ab > 0, crossing, 0.0)) * dx
    return float(np.sum(area))


def baseline_std(base: NumericSummary) -> float | None:
    """The baseline's population std: exact from count/sum/sum_sq if stored and precise,
    else the histogram's.

    The sums lose the spread when the values are large against it (1e9 ± 1: `sum_sq −
    n·mean²` cancels) or so small that their squares underflow (1e-300); the histogram's
    std is computed around the grid's low edge, so it keeps the spread (within the bound
    of `std_from_hist`) where the sums cannot.
    """
    if base.sum is not None and base.sum_sq is not None and base.count and base.count == base.n:
        var = sample_variance(base.count, base.sum, base.sum_sq, base.vmin, base.vmax, ddof=0)
        if var is not None and var.precise and math.isfinite(var.value):
            return math.sqrt(var.value)
    return std_from_hist(base.grid, base.counts, base.vmin, base.vmax, _sum_of(base))


def wasserstein(base: NumericSummary, focal: NumericSummary) -> DriftValue:
    """W1 divided by the baseline's standard deviation.

    A constant baseline (std 0) gives 0.0 when the focal is the same constant, else inf.
    """
    w = wasserstein_distance(base, focal)
    if w is None:
        return DriftValue(None)
    std = baseline_std(base)
    if std is None:
        return DriftValue(None)
    if std <= 0:
        return DriftValue(0.0 if w == 0 else math.inf)
    return DriftValue(w / std)


_BY_METHOD: dict[str, Callable[..., DriftValue]] = {
    "psi": psi, "js": js, "hellinger": hellinger, "chi2": chi2, "ks": ks,
    "wasserstein": wasserstein,
}


def drift(method: str, kind: str, base: Side, focal: Side, *,
          n_bins: int = DEFAULT_COARSE_BINS) -> DriftValue:
    """Drift of `focal` from `base` by `method` for a column of `kind` (numeric|categorical).

    Numeric sides are `NumericSummary`; categorical sides are dicts value -> count
    (`boolean` columns count as categorical). Value None when either side is empty.
    """
    if method not in METHODS:
        raise UnsupportedStatisticError(
            f"unknown drift method '{method}'; use one of {', '.join(METHODS)}")
    kind = "categorical" if kind == "boolean" else kind
    if kind == "categorical":
        if method not in CATEGORICAL_METHODS:
            raise UnsupportedStatisticError(
                f"drift method '{method}' is not defined for categorical columns; "
                f"use one of {', '.join(CATEGORICAL_METHODS)}")
        if not (isinstance(base, Mapping) and isinstance(focal, Mapping)):
            raise TypeError("categorical drift compares two dicts of category counts")
    elif kind == "numeric":
        if not (isinstance(base, NumericSummary) and isinstance(focal, NumericSummary)):
            raise TypeError("numeric drift compares two NumericSummary objects")
    else:
        raise UnsupportedStatisticError(
            f"unknown column kind '{kind}'; use one of {', '.join(KINDS)}")
    fn = _BY_METHOD[method]
    if method in ("ks", "wasserstein"):
        return fn(base, focal)
    return fn(base, focal, n_bins=n_bins)
