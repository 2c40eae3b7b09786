"""KS lower bounds at the two sides' min and max, from the histograms and the exact extremes.

The histogram's CDFs are exact at the grid's edges only, so KS from the edges alone misses
a supremum inside a bin, most of all in a tail bin: a focal entirely above a small
baseline's max can share the top tail bin with the baseline's last value (7 baseline rows:
KS 0.857 where the exact value is 1). At a side's max its CDF is exactly 1, and just below
its min exactly 0; the other side's CDF there is bounded by its histogram, since a value's
bin (FLOOR of a multiply-add, the same in SQL and here) never decreases as the value grows:
the values <= t lie in bins <= bin(t), the values in bins < bin(t) are < t.
"""

from __future__ import annotations

import numpy as np

from telltale.core.grids import Grid

Counts = dict[int, int] | dict[str, int]


def _cum(grid: Grid, counts: Counts) -> tuple[np.ndarray, float]:
    """C[m] = values in dense bins [0, m) (dense index j is bin j - 1), and the total."""
    dense = grid.dense(counts)
    return np.concatenate([[0.0], np.cumsum(dense)]), float(dense.sum())


def _share_at_most(grid: Grid, cum: np.ndarray, n: float, vmin: float | None,
                   vmax: float | None, t: float) -> float:
    """An upper bound of the share of values <= t."""
    if vmin is not None and t < vmin:
        return 0.0
    if vmax is not None and t >= vmax:
        return 1.0
    k = int(grid.bin_of(np.array([t]))[0])
    return float(cum[k + 2] / n)


def _share_below(grid: Grid, cum: np.ndarray, n: float, vmin: float | None,
                 vmax: float | None, t: float) -> float:
    """A lower bound of the share of values < t."""
    if vmax is not None and t > vmax:
        return 1.0
    if vmin is not None and t <= vmin:
        return 0.0
    k = int(grid.bin_of(np.array([t]))[0])
    return float(cum[k + 1] / n)


def ks_at_extremes(grid: Grid, a_counts: Counts, a_min: float | None, a_max: float | None,
                   b_counts: Counts, b_min: float | None, b_max: float | None) -> float:
    """A lower bound of sup |F_a − F_b| from each side's min and max (0 when none is known)."""
    sides = [(a_counts, a_min, a_max), (b_counts, b_min, b_max)]
    cums = [_cum(grid, c) for c, _, _ in sides]
    if any(n <= 0 for _, n in cums):
        return 0.0
    d = 0.0
    for i in (0, 1):
        _, lo, hi = sides[i]
        (_, o_min, o_max), (cum, n) = sides[1 - i], cums[1 - i]
        if hi is not None:    # F_i(hi) = 1
            d = max(d, 1.0 - _share_at_most(grid, cum, n, o_min, o_max, float(hi)))
        if lo is not None:    # F_i(lo-) = 0
            d = max(d, _share_below(grid, cum, n, o_min, o_max, float(lo)))
    return d
