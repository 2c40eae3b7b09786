"""Histogram helpers (CDF, quantiles, moments, decile coarsening) vs the raw rows."""

from __future__ import annotations

import numpy as np
import pytest
from _stats_samples import CASES, ref_deciles, samples, summaries

from telltale.core.grids import Grid
from telltale.stats import (
    cdf_at_edges,
    cdf_knots,
    coarse_boundaries,
    coarsen,
    mean_from_hist,
    quantile_from_hist,
    std_from_hist,
    std_from_moments,
)

QS = (0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99)
STD_HIST_REL = 0.05        # std from the histogram alone; worst measured 3.0% (lognormal)


@pytest.mark.parametrize("bins", [256, 64])
@pytest.mark.parametrize("name", list(CASES))
def test_quantile_within_one_bin_width(name: str, bins: int) -> None:
    """Inner-bin quantiles: within one bin width of the sample quantile.

    The reference is the interval between the order statistics np.quantile interpolates
    between (method lower/higher); for large samples that is np.quantile itself.
    """
    for side, values in zip((0, 1), samples(name)):
        s = summaries(name, bins)[side]
        g = s.grid
        ordered = np.sort(values)
        pos = (values.size - 1) * np.array(QS)
        lower, higher = ordered[np.floor(pos).astype(int)], ordered[np.ceil(pos).astype(int)]
        exact = np.quantile(ordered, QS)
        for q, lo, hi, ex in zip(QS, lower, higher, exact):
            if not g.lo <= ex < g.hi:
                continue
            got = quantile_from_hist(g, s.counts, s.vmin, s.vmax, q)
            assert lo - g.width <= got <= hi + g.width, \
                f"{name}/{bins} side {side} q={q}: {got} vs [{lo}, {hi}], bound one bin width {g.width}"
            if values.size >= 10_000:
                assert abs(got - ex) <= g.width, \
                    f"{name}/{bins} q={q}: {got} vs np.quantile {ex}, bound one bin width {g.width}"


def test_quantile_ends_and_empty() -> None:
    s, _ = summaries("normal_shift")
    assert quantile_from_hist(s.grid, s.counts, s.vmin, s.vmax, 0.0) == s.vmin
    assert quantile_from_hist(s.grid, s.counts, s.vmin, s.vmax, 1.0) == s.vmax
    assert quantile_from_hist(s.grid, {}, None, None, 0.5) is None
    with pytest.raises(ValueError):
        quantile_from_hist(s.grid, s.counts, s.vmin, s.vmax, 1.5)
    c, _ = summaries("constant_same")
    for q in (0.0, 0.3, 1.0):
        assert quantile_from_hist(c.grid, c.counts, c.vmin, c.vmax, q) == 3.0, "a constant column is a point"


def test_quantile_in_tail_is_within_the_tail() -> None:
    base, _ = samples("lognormal")
    s, _ = summaries("lognormal")
    got = quantile_from_hist(s.grid, s.counts, s.vmin, s.vmax, 0.9995)
    assert s.grid.hi <= got <= s.vmax
    assert got == pytest.approx(np.quantile(base, 0.9995), rel=0.5), "tail quantile: bound 50% relative"


@pytest.mark.parametrize("name", ["normal_shift", "poisson", "lognormal"])
def test_cdf_at_edges_is_exact(name: str) -> None:
    base, _ = samples(name)
    s, _ = summaries(name)
    exact = np.searchsorted(np.sort(base), s.grid.inner_edges(), side="left") / base.size
    got = cdf_at_edges(s.grid, s.counts)
    assert np.max(np.abs(got - exact)) <= 1e-12, f"{name}: the CDF at inner edges is exact, bound 1e-12"
    x, F = cdf_knots(s.grid, s.counts, s.vmin, s.vmax, s.sum)
    assert np.all(np.diff(x) >= 0) and np.all(np.diff(F) >= 0) and F[0] == 0 and F[-1] == 1
    assert x[0] == s.vmin and x[-1] == s.vmax


@pytest.mark.parametrize("name", [n for n in CASES if not n.startswith("constant")])
def test_moments(name: str) -> None:
    base, _ = samples(name)
    s, _ = summaries(name)
    assert std_from_moments(s.count, s.sum, s.sum_sq) == pytest.approx(base.std(), rel=1e-9), \
        f"{name}: std from count/sum/sum_sq is exact, bound 1e-9 relative"
    mean = mean_from_hist(s.grid, s.counts, s.vmin, s.vmax, s.sum)
    assert abs(mean - base.mean()) <= s.grid.width / 2, \
        f"{name}: with the exact sum the tails absorb the rest: bound half a bin width {s.grid.width / 2}"
    got = std_from_hist(s.grid, s.counts, s.vmin, s.vmax)
    assert abs(got / base.std() - 1) <= STD_HIST_REL, f"{name}: std from histogram only, bound {STD_HIST_REL:.0%} relative"


def test_std_constant_and_empty() -> None:
    c, _ = summaries("constant_same")
    assert std_from_moments(c.count, c.sum, c.sum_sq) == 0.0
    assert std_from_hist(c.grid, c.counts, c.vmin, c.vmax) == 0.0
    assert std_from_moments(1000, 1e9, 1e15) == 0.0, "constant 1e6: rounding must not invent a spread"
    assert std_from_moments(0, 0.0, 0.0) is None
    assert std_from_hist(c.grid, {}, None, None) is None and mean_from_hist(c.grid, {}) is None


@pytest.mark.parametrize("name", ["poisson", "binomial_ties", "constant_vs_two", "normal_shift", "lognormal"])
def test_coarsen_follows_baseline_deciles(name: str) -> None:
    s, f = summaries(name)
    cb, cf = coarsen(s.grid, s.counts, f.counts)
    rb, rf = ref_deciles(name)
    assert cb.sum() == s.n and cf.sum() == f.n, "coarsening keeps every count"
    if name in ("poisson", "binomial_ties", "constant_vs_two"):
        # one atom per fine bin: the groups are exactly the right-closed decile bins
        assert np.array_equal(cb, rb) and np.array_equal(cf, rf), name
    else:
        # each group boundary moves by at most one fine bin's mass
        fine_max = s.grid.dense(s.counts).max()
        assert cb.size == rb.size
        assert np.max(np.abs(np.cumsum(cb) - np.cumsum(rb))) <= fine_max, f"{name}: bound one fine bin"


def test_coarse_boundaries_shapes() -> None:
    assert coarse_boundaries(np.zeros(5)).tolist() == [0, 5]
    assert coarse_boundaries(np.array([0, 0, 7, 0, 0.0])).tolist() == [0, 3, 5], "a point mass: value and above"
    assert coarse_boundaries(np.ones(10), n_bins=10).tolist() == list(range(11))
    assert coarse_boundaries(np.ones(10), n_bins=1).tolist() == [0, 10]
    with pytest.raises(ValueError):
        coarse_boundaries(np.ones(3), n_bins=0)


def test_dense_keys_from_json() -> None:
    g = Grid(0.0, 1.0, 4)
    assert coarsen(g, {"-1": 1, "0": 2, "4": 3}, {0: 1})[0].sum() == 6


def test_degenerate_grid_bounds_give_finite_bins() -> None:
    """Approximate quantiles of all-zero data come back as 0 .. 2.2e-308: a bin that narrow
    made the scale `inf`, which rendered into the SQL as a column named inf."""
    import math

    from sqlglot import exp

    from telltale.core.grids import Grid

    for g in (Grid.from_quantiles(0.0, 2.2250738585072014e-308, 0.0, 0.0, 256), Grid(5.0, 5.0),
              Grid(1e300, 1e300), Grid(-3.0, -3.0 + 1e-300)):
        scale = g.bins / (g.hi - g.lo)
        assert math.isfinite(scale) and g.lo + (g.hi - g.lo) / g.bins > g.lo, g
        assert "inf" not in g.raw_bin_expr(exp.column("x")).sql().lower()
        assert g.bin_of([g.lo])[0] == 0
    # real spread in min/max wins over degenerate quantiles
    assert Grid.from_quantiles(3.0, 3.0, 1.0, 9.0, 256) == Grid(1.0, 9.0, 256)


def test_sorted_unique_equals_np_unique() -> None:
    from telltale.stats.histogram import sorted_unique

    rng = np.random.default_rng(2)
    for a in (np.array([], dtype=np.int64), np.array([3, 1, 3, 2, 2, 9]), rng.integers(0, 50, 500),
              rng.normal(size=300).round(1), np.array([0.0, -0.0, 1.5, 1.5, np.inf, -np.inf]),
              np.array([2.0, np.nan, 1.0, np.nan])):
        got, want = sorted_unique(a), np.unique(a)
        assert got.dtype == want.dtype and np.array_equal(got, want, equal_nan=True), (a, got, want)


@pytest.mark.parametrize("guard", [True, False])
def test_bin_expr_in_duckdb_equals_bin_of_even_for_values_whose_multiply_overflows(guard: bool) -> None:
    """Both forms of the pushed-down bin, run in DuckDB, equal the Python twin `bin_of`:
    the guarded CASE (engines where a DOUBLE overflow raises) and the bare FLOOR DuckDB
    gets (its overflow gives ±inf, which the clamp puts in the tail bins)."""
    import duckdb
    from sqlglot import exp

    g = Grid(-1.0, 3.0, 16)
    values = [-1.7e308, -1e300, -5.0, -1.0, -0.75, 0.0, 1.2, 2.999, 3.0, 7.0, 1e300, 1.7e308]
    sql = exp.select(g.clamp_expr(g.raw_bin_expr(exp.column("x"), guard=guard))).from_(
        exp.Values(expressions=[exp.Tuple(expressions=[exp.Literal.number(repr(v))]) for v in values],
                   alias=exp.TableAlias(this=exp.to_identifier("t"), columns=[exp.to_identifier("x")])))
    got = [int(r[0]) for r in duckdb.sql(sql.sql("duckdb")).fetchall()]
    assert got == list(g.bin_of(values))
    raw = g.raw_bin_expr(exp.column("x"), guard=guard)
    assert isinstance(raw, exp.Case if guard else exp.Floor)
