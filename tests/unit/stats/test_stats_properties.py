"""Invariants of the drift distances on many random summaries (fixed seeds)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from telltale.core.grids import Grid
from telltale.stats import (
    NumericSummary,
    auc_from_hists,
    chi2,
    drift,
    hellinger,
    js,
    ks,
    psi,
    quantile_from_hist,
    wasserstein_distance,
)

GRID = Grid(-1.0, 1.0, 16)
EXAMPLES = 80


def _random_counts(rng: np.random.Generator, keys: list) -> dict:
    """Counts on a random subset of keys, sometimes sparse, sometimes a single key, never empty."""
    size = int(rng.integers(1, len(keys) + 1))
    chosen = rng.choice(len(keys), size=size, replace=False)
    scale = [1, 10, 1000][int(rng.integers(0, 3))]
    out = {keys[i]: int(rng.integers(0, scale + 1)) for i in chosen}
    out[keys[int(chosen[0])]] += 1
    return out


def hists(seed: int, n: int = EXAMPLES):
    """Random histograms on GRID (bins -1..16)."""
    rng = np.random.default_rng(seed)
    return [_random_counts(rng, list(range(-1, GRID.bins + 1))) for _ in range(n)]


def cat_counts(seed: int, n: int = EXAMPLES):
    """Random category counts over a..h."""
    rng = np.random.default_rng(seed)
    return [_random_counts(rng, list("abcdefgh")) for _ in range(n)]


def _summary(counts: dict[int, int]) -> NumericSummary:
    """A summary consistent with its bins: min/max inside the outermost non-empty bins."""
    used = sorted(k for k, v in counts.items() if v > 0)
    e = GRID.inner_edges()
    vmin = -1.5 if used[0] == -1 else e[used[0]]
    vmax = 1.5 if used[-1] == GRID.bins else e[used[-1] + 1] - 1e-9
    return NumericSummary(GRID, counts, float(vmin), float(vmax))


def test_numeric_drift_of_itself_is_zero() -> None:
    for counts in hists(1):
        _check_self_numeric(counts)


def _check_self_numeric(counts: dict[int, int]) -> None:
    s = _summary(counts)
    for method in ("psi", "js", "hellinger", "ks"):
        assert drift(method, "numeric", s, s).value == pytest.approx(0.0, abs=1e-12), method
    assert wasserstein_distance(s, s) == 0.0
    c = chi2(s, s)
    assert c.value == pytest.approx(0.0, abs=1e-12) and c.p_value == pytest.approx(1.0), "chi2 of itself: V 0, p 1"
    assert ks(s, s).p_value == pytest.approx(1.0), "KS of itself: p 1"


def test_categorical_drift_of_itself_is_zero() -> None:
    for counts in cat_counts(2):
        _check_self_categorical(counts)


def _check_self_categorical(counts: dict[str, int]) -> None:
    for method in ("psi", "js", "hellinger", "chi2"):
        assert drift(method, "categorical", counts, counts).value == pytest.approx(0.0, abs=1e-12), method
    doubled = {k: 2 * v for k, v in counts.items()}
    for method in ("psi", "js", "hellinger"):
        assert drift(method, "categorical", counts, doubled).value == pytest.approx(0.0, abs=1e-12), \
            "shares, not counts, matter"


def test_numeric_bounds_and_symmetry() -> None:
    for a, b in zip(hists(3), hists(4)):
        _check_numeric_pair(a, b)


def _check_numeric_pair(a: dict[int, int], b: dict[int, int]) -> None:
    sa, sb = _summary(a), _summary(b)
    for method in ("js", "hellinger", "ks"):
        v = drift(method, "numeric", sa, sb).value
        assert 0.0 <= v <= 1.0, f"{method} in [0, 1]"
    assert psi(sa, sb).value >= 0.0
    assert ks(sa, sb).value == ks(sb, sa).value, "KS is symmetric"
    assert wasserstein_distance(sa, sb) == pytest.approx(wasserstein_distance(sb, sa), rel=1e-12, abs=1e-15), \
        "W1 is symmetric: bound 1e-12 relative"
    assert wasserstein_distance(sa, sb) >= 0.0
    p = ks(sa, sb).p_value
    assert 0.0 <= p <= 1.0
    c = chi2(sa, sb)
    assert 0.0 <= c.value <= 1.0 + 1e-12 and 0.0 <= c.p_value <= 1.0


def test_categorical_bounds_and_symmetry() -> None:
    for a, b in zip(cat_counts(5), cat_counts(6)):
        _check_categorical_pair(a, b)


def _check_categorical_pair(a: dict[str, int], b: dict[str, int]) -> None:
    for method in ("psi", "js", "hellinger", "chi2"):
        ab = drift(method, "categorical", a, b).value
        ba = drift(method, "categorical", b, a).value
        assert ab == pytest.approx(ba, rel=1e-9, abs=1e-12), f"{method} is symmetric on categories"
        assert ab >= 0.0
        if method != "psi":
            assert ab <= 1.0 + 1e-12, f"{method} in [0, 1]"
    assert js(a, b).value <= 1.0 and hellinger(a, b).value <= 1.0


def test_quantile_is_monotone_and_inside_the_range() -> None:
    for counts, q in zip(hists(7), np.random.default_rng(8).random(EXAMPLES)):
        _check_quantile(counts, float(q))


def _check_quantile(counts: dict[int, int], q: float) -> None:
    s = _summary(counts)
    got = quantile_from_hist(GRID, s.counts, s.vmin, s.vmax, q)
    assert s.vmin <= got <= s.vmax
    assert quantile_from_hist(GRID, s.counts, s.vmin, s.vmax, min(q + 0.1, 1.0)) >= got


def test_auc_is_a_probability_and_antisymmetric() -> None:
    for pos, neg in zip(hists(9), hists(10)):
        _check_auc(pos, neg)


def _check_auc(pos: dict[int, int], neg: dict[int, int]) -> None:
    auc = auc_from_hists(GRID, pos, neg)
    assert 0.0 <= auc <= 1.0
    assert auc + auc_from_hists(GRID, neg, pos) == pytest.approx(1.0, abs=1e-12), "AUC(p, n) + AUC(n, p) = 1: bound 1e-12"


def test_larger_shift_means_more_drift() -> None:
    rng = np.random.default_rng(0)
    base = rng.normal(0, 1, 20_000)
    q_lo, q_hi = np.quantile(base, [0.001, 0.999])
    grid = Grid.from_quantiles(float(q_lo), float(q_hi), float(base.min()), float(base.max()))
    sb = NumericSummary.from_values(grid, base)
    values = {m: [] for m in ("psi", "js", "hellinger", "ks", "wasserstein")}
    for shift in (0.0, 0.25, 0.5, 1.0, 2.0):
        sf = NumericSummary.from_values(grid, rng.normal(shift, 1, 5_000))
        for m, found in values.items():
            found.append(drift(m, "numeric", sb, sf).value)
    for m, v in values.items():
        assert all(x < y for x, y in itertools.pairwise(v)), f"{m} grows with the shift: {v}"
        assert not any(math.isnan(x) for x in v)
