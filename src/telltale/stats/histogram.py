"""Statistics of one Grid histogram: CDF, quantiles, moments, and baseline-decile coarsening.

A histogram is `dict[int, int]` (grid bin -> count, as stored; keys may be strings after a
JSON round trip). Its CDF is known exactly at the grid's inner edges (`cdf_at_edges`).
Between edges the values are taken as uniform within each bin, so the CDF is piecewise
linear (`cdf_knots`); edges are clipped to the observed [min, max], which makes a
constant column a point mass. The two tail bins, [min, lo) and [hi, max], hold one value
at the min (max) and the rest spread to match the tail's mean, estimated from the exact
sum when it is stored, else from the density next to the tail.
"""

from __future__ import annotations

import math

import numpy as np

from telltale.core.grids import Grid

Counts = dict[int, int] | dict[str, int]

_MIN_ADJACENT = 8.0     # values the inner bins next to a tail must hold to estimate its decay


def sorted_unique(values: np.ndarray) -> np.ndarray:
    """`np.unique` of a 1-d array with no NaN (the same sorted values), without numpy 2's
    masked-array check that imports `numpy.ma` (~0.03 s) into every run that calls it."""
    a = np.sort(np.asarray(values).ravel())
    if a.dtype.kind in "fc" and a.size and np.isnan(a[-1]):
        return np.unique(a)
    keep = np.empty(a.size, dtype=bool)
    keep[:1] = True
    np.not_equal(a[1:], a[:-1], out=keep[1:])
    return a[keep]


def cdf_at_edges(grid: Grid, counts: Counts) -> np.ndarray | None:
    """The exact CDF at the `bins + 1` inner edges (share of values below each), or None.

    These values are exact: no assumption about values inside a bin is involved.
    """
    dense = grid.dense(counts)
    total = dense.sum()
    if total <= 0:
        return None
    return np.cumsum(dense)[:-1] / total


def _tail_excess(c_tail: float, adjacent: np.ndarray, widths: np.ndarray, span: float) -> float:
    """Mean distance of a tail's values from the grid boundary, with no sum to go by.

    One value of the tail is the observed min (max) itself, at distance `span`. The others
    are taken as an exponential decay away from the boundary whose density there equals
    that of the nearest inner bins (`adjacent`, nearest first, widened until they hold a
    few values), truncated to the span; uniform over the span with no inner values near.
    """
    if c_tail <= 0 or span <= 0:
        return 0.0
    rest = c_tail - 1.0
    if rest <= 0:
        return span
    cum = np.cumsum(adjacent)
    k = min(int(np.searchsorted(cum, _MIN_ADJACENT)) + 1, max(adjacent.size // 8, 1), adjacent.size)
    c_adj, w_adj = float(cum[k - 1]), float(np.sum(widths[:k]))
    if c_adj <= 0 or w_adj <= 0:
        excess = span / 2.0
    else:
        scale = w_adj * rest / c_adj
        r = span / scale
        if r < 1e-6:
            excess = span / 2.0
        else:
            excess = min(scale - span / np.expm1(r) if r < 700 else scale, span / 2.0)
    return float((span + rest * excess) / c_tail)


def _uniform_with_mean(a: float, b: float, m: float) -> tuple[float, float]:
    """The widest sub-interval [p, q] of [a, b] on which a uniform has mean m."""
    m = min(max(m, a), b)
    return (a, 2.0 * m - a) if m <= (a + b) / 2.0 else (2.0 * m - b, b)


def cdf_knots(grid: Grid, counts: Counts, vmin: float | None = None, vmax: float | None = None,
              total_sum: float | None = None) -> tuple[np.ndarray, np.ndarray] | None:
    """The histogram's CDF as piecewise-linear knots `(x, F)`, or None when empty.

    Inner bins: values uniform within the bin (edges clipped to [vmin, vmax] when known,
    so a constant column is a point mass). Each tail bin [vmin, lo) and [hi, vmax]: one
    value at the observed min (max), the others uniform on a sub-interval so that the
    tail has its estimated mean -- from the exact `total_sum` of the values when given
    (the sum left after the inner bins' midpoints, shared between the two tails), else
    from an exponential decay matching the density of the nearest inner bins
    (see `_tail_excess`). `x` is non-decreasing; a repeated x is a jump of F.
    """
    dense = grid.dense(counts)
    n = float(dense.sum())
    if n <= 0:
        return None
    vmin = None if vmin is None else float(vmin)
    vmax = None if vmax is None else float(vmax)
    e = grid.edges(vmin, vmax)
    if vmin is not None:
        e = np.maximum(e, vmin)
    if vmax is not None:
        e = np.minimum(e, vmax)
    e = np.maximum.accumulate(e)                  # stays ordered even if vmin > vmax
    c_lo, c_hi, inner = dense[0], dense[-1], dense[1:-1]
    a_lo, b_lo, a_hi, b_hi = e[0], e[1], e[-2], e[-1]
    widths = np.diff(e[1:-1])
    m_lo = b_lo - _tail_excess(c_lo, inner, widths, b_lo - a_lo)
    m_hi = a_hi + _tail_excess(c_hi, inner[::-1], widths[::-1], b_hi - a_hi)
    if total_sum is not None and math.isfinite(total_sum) and c_lo + c_hi > 0:
        mids = (e[1:-2] + e[2:-1]) / 2.0
        with np.errstate(over="ignore", invalid="ignore"):
            rest = float(total_sum) - float(np.dot(inner, mids)) - c_lo * m_lo - c_hi * m_hi
        # spread the residual over the tails, more to the wider and fuller one (the spans
        # in units of the grid's width, so values of 1e300 do not overflow the weights)
        unit = grid.hi - grid.lo
        w_lo, w_hi = (c_lo * (b_lo - a_lo) / unit) ** 2, (c_hi * (b_hi - a_hi) / unit) ** 2
        if math.isfinite(rest) and math.isfinite(w_lo + w_hi) and w_lo + w_hi > 0:
            if c_lo > 0:
                m_lo += rest * w_lo / (w_lo + w_hi) / c_lo
            if c_hi > 0:
                m_hi += rest * w_hi / (w_lo + w_hi) / c_hi
    # one value of each non-empty tail is the observed min (max) itself
    k_lo, k_hi = min(c_lo, 1.0), min(c_hi, 1.0)
    r_lo, r_hi = c_lo - k_lo, c_hi - k_hi
    p_lo, q_lo = _uniform_with_mean(a_lo, b_lo, (c_lo * m_lo - k_lo * a_lo) / r_lo if r_lo > 0 else b_lo)
    p_hi, q_hi = _uniform_with_mean(a_hi, b_hi, (c_hi * m_hi - k_hi * b_hi) / r_hi if r_hi > 0 else a_hi)
    cum = np.cumsum(dense) / n
    x = np.concatenate([[a_lo, a_lo, p_lo, q_lo], e[1:-1], [p_hi, q_hi, b_hi, b_hi]])
    F = np.concatenate([[0.0, k_lo / n, k_lo / n, cum[0]], cum[:-1],
                        [cum[-2], 1.0 - k_hi / n, 1.0 - k_hi / n, 1.0]])
    return x, F


def cdf_eval(x: np.ndarray, F: np.ndarray, points: np.ndarray, *, left: bool = False) -> np.ndarray:
    """Evaluate the piecewise-linear CDF with knots `(x, F)` at `points`.

    Gives the right limit F(p+) (the usual right-continuous CDF), or the left limit F(p-)
    with `left=True`; they differ only at a jump (repeated knot).
    """
    p = np.asarray(points, dtype=np.float64)
    n = x.size
    idx = np.searchsorted(x, p, side="left" if left else "right")
    lo = np.clip(idx - 1, 0, n - 1)
    hi = np.clip(idx, 0, n - 1)
    dx = x[hi] - x[lo]
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = np.where(dx > 0, (p - x[lo]) / np.where(dx > 0, dx, 1.0), 0.0)
    out = F[lo] + np.clip(frac, 0.0, 1.0) * (F[hi] - F[lo])
    out = np.where(idx <= 0, F[0], out)
    return np.where(idx >= n, F[-1], out)


def quantile_from_hist(grid: Grid, counts: Counts, vmin: float | None, vmax: float | None,
                       q: float, total_sum: float | None = None) -> float | None:
    """The q-quantile (0 <= q <= 1) of a histogram, None when it is empty.

    Inverts the piecewise-linear CDF of `cdf_knots`: linear interpolation inside the bin
    that holds the quantile, tails closed by vmin/vmax. The error is below one bin width
    when the quantile falls in an inner bin (below the tail's span in a tail bin).
    """
    if not 0.0 <= q <= 1.0:
        raise ValueError(f"quantile must be within [0, 1], got {q}")
    knots = cdf_knots(grid, counts, vmin, vmax, total_sum)
    if knots is None:
        return None
    x, F = knots
    if q <= 0.0:
        j = int(np.searchsorted(F, 0.0, side="right"))     # first knot with F > 0
        return float(x[j - 1])
    j = int(np.searchsorted(F, q, side="left"))            # first knot with F >= q
    j = min(max(j, 1), F.size - 1)
    dF = F[j] - F[j - 1]
    frac = (q - F[j - 1]) / dF if dF > 0 else 1.0
    return float(x[j - 1] + min(max(frac, 0.0), 1.0) * (x[j] - x[j - 1]))


def _knot_moments(grid: Grid, counts: Counts, vmin: float | None, vmax: float | None,
                  total_sum: float | None) -> tuple[float, float] | None:
    """Mean and standard deviation of the piecewise-uniform density given by `cdf_knots`.

    Computed on `(x - lo) / (hi - lo)`: centred against cancellation (values of 1e9 ± 1)
    and scaled so the squares neither underflow (values of 1e-300) nor overflow (1e300).
    """
    knots = cdf_knots(grid, counts, vmin, vmax, total_sum)
    if knots is None:
        return None
    x, F = knots
    scale = grid.hi - grid.lo                  # positive and finite (see Grid)
    x = (x - grid.lo) / scale
    a, b, p = x[:-1], x[1:], np.diff(F)
    mean = float(np.sum(p * (a + b) / 2.0))
    second = float(np.sum(p * (a * a + a * b + b * b) / 3.0))
    return mean * scale + grid.lo, math.sqrt(max(second - mean * mean, 0.0)) * scale


def mean_from_hist(grid: Grid, counts: Counts, vmin: float | None = None,
                   vmax: float | None = None, total_sum: float | None = None) -> float | None:
    """Approximate mean of a histogram (uniform within bins); None when empty.

    With the exact `total_sum` the tails absorb what the inner bins' midpoints miss, so
    the mean is exact unless a tail cannot hold the remainder (within half a bin width).
    """
    m = _knot_moments(grid, counts, vmin, vmax, total_sum)
    return None if m is None else m[0]


def std_from_hist(grid: Grid, counts: Counts, vmin: float | None = None,
                  vmax: float | None = None, total_sum: float | None = None) -> float | None:
    """Approximate population standard deviation of a histogram (uniform within bins)."""
    m = _knot_moments(grid, counts, vmin, vmax, total_sum)
    return None if m is None else m[1]


def std_from_moments(count: float, total: float, total_sq: float) -> float | None:
    """Exact population standard deviation from count, sum and sum of squares."""
    if not count or count <= 0:
        return None
    count, total, total_sq = float(count), float(total), float(total_sq)
    mean = total / count
    var = total_sq / count - mean * mean
    # below the float resolution of sum_sq the variance is zero (constant column)
    if var <= 1e-12 * max(mean * mean, 1e-300):
        return 0.0
    return math.sqrt(var)


def coarse_boundaries(base_dense: np.ndarray, n_bins: int = 10) -> np.ndarray:
    """Fine-bin indices where the baseline's n-quantile groups start (plus the end).

    For each cut k/n the boundary goes right after the fine bin holding the baseline's
    k/n quantile (the order statistic np.quantile starts from), so a value equal to a
    quantile falls in the lower group, as with right-closed bins (pandas.qcut). Repeated
    cuts (atoms, constant columns) merge, so there may be fewer than n groups.
    """
    if n_bins < 1:
        raise ValueError("n_bins must be at least 1")
    size = base_dense.size
    cum = np.cumsum(base_dense)
    total = cum[-1] if size else 0.0
    if total <= 0 or n_bins == 1:
        return np.array([0, size], dtype=np.int64)
    # 1-based rank of the order statistic below each cut, as np.quantile (linear) picks it
    ranks = np.floor((total - 1.0) * np.arange(1, n_bins) / n_bins) + 1.0
    holding = np.searchsorted(cum, ranks, side="left")
    cuts = sorted_unique(holding + 1)
    cuts = cuts[(cuts > 0) & (cuts < size)]
    return np.concatenate([[0], cuts, [size]]).astype(np.int64)


def coarsen(grid: Grid, base_counts: Counts, other_counts: Counts,
            n_bins: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """Merge fine bins into about `n_bins` equal-mass bins of the BASELINE.

    Returns the two coarse count vectors (baseline, other) over the same groups: the
    baseline's n-quantile bins (deciles by default), as PSI/JS/Hellinger use them.
    The outermost groups extend to the tails, so the other side's values outside the
    baseline's range land in them; a group above the baseline's last quantile may have
    no baseline mass (a constant baseline has two groups: the value, and above it).
    """
    base = grid.dense(base_counts)
    other = grid.dense(other_counts)
    starts = coarse_boundaries(base, n_bins)[:-1]
    return np.add.reduceat(base, starts), np.add.reduceat(other, starts)
