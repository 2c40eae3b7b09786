"""Numeric drift from Grid histograms vs the exact value from the raw rows."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from _stats_samples import CASES, exact_ks, exact_w1, ref_deciles, samples, summaries
from scipy.spatial.distance import jensenshannon
from scipy.stats.contingency import association

from telltale.stats import (
    NumericSummary,
    chi2,
    drift,
    hellinger,
    js,
    ks,
    ks_pvalue,
    psi,
    wasserstein,
)

BINS = [256, 64]
CASE_NAMES = list(CASES)

# Bounds; "worst" is the worst error measured over 8 seeds of every case (docs/statistics.md)
KS_BOUND = 0.01            # the floor; worst 0.004 (256 bins), 0.008 (64 bins)
KS_P_BOUND = 0.3           # p-value where scipy's is in [0.05, 0.95]; worst 0.16 (256), 0.25 (64)
W_BOUND = 0.01             # normalised W1, exact sums stored; worst 0.006
W_HIST_ABS, W_HIST_REL = 0.02, 0.05   # histogram only: worst 0.016 abs (lognormal), 3.5% rel (far drift)
PSI_ABS = {256: 0.02, 64: 0.03}       # or 5% relative; worst 0.011 / 0.025 absolute (small samples)
PSI_REL = 0.05
JS_HEL_BOUND = 0.02        # worst 0.006 (256 bins), 0.011 (64 bins)
CRAMER_BOUND = 0.02        # numeric chi2 on deciles, 256 bins; worst 0.007 (0.024 at 64 bins)


def _hist_only(s: NumericSummary) -> NumericSummary:
    return dataclasses.replace(s, count=None, sum=None, sum_sq=None)


def _ref_psi(cb: np.ndarray, cf: np.ndarray, eps: float = 1e-4) -> float:
    e, a = cb / cb.sum(), cf / cf.sum()
    e, a = np.where(e > 0, e, eps), np.where(a > 0, a, eps)
    return float(np.sum((a - e) * np.log(a / e)))


def _ref_hellinger(cb: np.ndarray, cf: np.ndarray) -> float:
    return float(np.sqrt(0.5 * np.sum((np.sqrt(cb / cb.sum()) - np.sqrt(cf / cf.sum())) ** 2)))


@pytest.mark.parametrize("bins", BINS)
@pytest.mark.parametrize("name", CASE_NAMES)
def test_ks_statistic_matches_scipy(name: str, bins: int) -> None:
    sb, sf = summaries(name, bins)
    d, _ = exact_ks(name)
    got = ks(sb, sf)
    assert abs(got.value - d) <= KS_BOUND, f"{name}/{bins}: KS {got.value} vs {d}, bound {KS_BOUND}"
    # the histogram statistic is a max over exact CDF values at the edges: a lower bound
    assert got.value <= d + 1e-12, f"{name}/{bins}: KS from edges must not exceed the exact one"


@pytest.mark.parametrize("bins", BINS)
@pytest.mark.parametrize("name", CASE_NAMES)
def test_ks_pvalue(name: str, bins: int) -> None:
    base, focal = samples(name)
    sb, sf = summaries(name, bins)
    d, p_asymp = exact_ks(name, "asymp")
    # the formula itself is scipy's large-sample one (exact up to float noise)
    assert ks_pvalue(d, base.size, focal.size) == pytest.approx(p_asymp, abs=1e-12), \
        f"{name}: ks_pvalue(d, n1, n2) must equal ks_2samp(method='asymp'), bound 1e-12"
    got = ks(sb, sf)
    # a lower-bound statistic gives a p-value between p(d) and p(d - KS_BOUND)
    upper = ks_pvalue(max(d - KS_BOUND, 0.0), base.size, focal.size)
    assert p_asymp - 1e-12 <= got.p_value <= upper + 1e-12, \
        f"{name}/{bins}: p {got.p_value} outside [p(d), p(d - {KS_BOUND})] = [{p_asymp}, {upper}]"
    scipy_p = exact_ks(name)[1]
    if 0.05 < scipy_p < 0.95:
        assert abs(got.p_value - scipy_p) <= KS_P_BOUND, \
            f"{name}/{bins}: KS p {got.p_value} vs scipy {scipy_p}, bound {KS_P_BOUND}"


def test_ks_pvalue_in_midrange_is_tested() -> None:
    mid = [n for n in CASE_NAMES if 0.05 < exact_ks(n)[1] < 0.95]
    assert len(mid) >= 2, "at least two cases must exercise the p-value comparison"


@pytest.mark.parametrize("bins", BINS)
@pytest.mark.parametrize("name", CASE_NAMES)
def test_wasserstein_matches_scipy(name: str, bins: int) -> None:
    base, _ = samples(name)
    sb, sf = summaries(name, bins)
    std = base.std()
    w1 = exact_w1(name)
    got, got_hist = wasserstein(sb, sf).value, wasserstein(_hist_only(sb), _hist_only(sf)).value
    if std == 0:
        assert got == (0.0 if w1 == 0 else np.inf), f"{name}: constant baseline gives 0 or inf"
        return
    exact = w1 / std
    assert abs(got - exact) <= W_BOUND, \
        f"{name}/{bins}: W1/std {got} vs {exact}, bound {W_BOUND} (exact sums stored)"
    assert abs(got_hist - exact) <= max(W_HIST_ABS, W_HIST_REL * exact), \
        f"{name}/{bins}: W1/std from histogram only {got_hist} vs {exact}, bound max({W_HIST_ABS}, {W_HIST_REL:.0%})"


@pytest.mark.parametrize("bins", BINS)
@pytest.mark.parametrize("name", CASE_NAMES)
def test_psi_js_hellinger_match_exact_deciles(name: str, bins: int) -> None:
    sb, sf = summaries(name, bins)
    cb, cf = ref_deciles(name)
    ref_psi = _ref_psi(cb, cf)
    got = psi(sb, sf).value
    assert abs(got - ref_psi) <= max(PSI_ABS[bins], PSI_REL * ref_psi), \
        f"{name}/{bins}: PSI {got} vs {ref_psi}, bound max({PSI_ABS[bins]}, {PSI_REL:.0%} relative)"
    ref_js = float(jensenshannon(cb / cb.sum(), cf / cf.sum(), base=2))
    assert abs(js(sb, sf).value - ref_js) <= JS_HEL_BOUND, f"{name}/{bins}: JS bound {JS_HEL_BOUND}"
    ref_h = _ref_hellinger(cb, cf)
    assert abs(hellinger(sb, sf).value - ref_h) <= JS_HEL_BOUND, f"{name}/{bins}: Hellinger bound {JS_HEL_BOUND}"


@pytest.mark.parametrize("name", CASE_NAMES)
def test_numeric_chi2_on_deciles(name: str) -> None:
    sb, sf = summaries(name)
    cb, cf = ref_deciles(name)
    table = np.vstack([cb, cf])[:, (cb + cf) > 0]
    got = chi2(sb, sf)
    if table.shape[1] < 2:
        assert got.value == 0.0 and got.p_value == 1.0
        return
    ref = association(table, method="cramer")
    assert abs(got.value - ref) <= CRAMER_BOUND, f"{name}: Cramér's V {got.value} vs {ref}, bound {CRAMER_BOUND}"


@pytest.mark.parametrize("name", ["poisson", "binomial_ties", "constant_vs_two"])
def test_discrete_deciles_are_exact(name: str) -> None:
    """With one atom per fine bin the coarse bins are the exact deciles: PSI is exact."""
    sb, sf = summaries(name)
    cb, cf = ref_deciles(name)
    assert psi(sb, sf).value == pytest.approx(_ref_psi(cb, cf), abs=1e-12), f"{name}: bound 1e-12"


def test_constant_column() -> None:
    sb, sf = summaries("constant_same")
    for method in ("psi", "js", "hellinger", "ks", "wasserstein"):
        assert drift(method, "numeric", sb, sf).value == 0.0, method
    sb, sf = summaries("constant_vs_two")
    assert ks(sb, sf).value == pytest.approx(0.3, abs=0.03), "30% of the focal moved off the constant"
    assert wasserstein(sb, sf).value == np.inf, "a constant baseline has std 0: any move is infinite"
    assert psi(sb, sf).value > 1.0


def test_empty_side_gives_none() -> None:
    sb, sf = summaries("normal_shift")
    empty = NumericSummary(sb.grid, {}, None, None, 0, 0.0, 0.0)
    for method in ("psi", "js", "hellinger", "ks", "wasserstein", "chi2"):
        assert drift(method, "numeric", sb, empty) == drift(method, "numeric", empty, sf)
        out = drift(method, "numeric", sb, empty)
        assert out.value is None and out.p_value is None, method


def test_grids_must_match() -> None:
    sb, _ = summaries("normal_shift", 256)
    _, sf = summaries("normal_shift", 64)
    with pytest.raises(ValueError, match="different grids"):
        ks(sb, sf)


def test_counts_with_string_keys() -> None:
    """Histograms read back from JSON have string keys; results are unchanged."""
    sb, sf = summaries("normal_shift")
    sb2 = dataclasses.replace(sb, counts={str(k): v for k, v in sb.counts.items()})
    sf2 = dataclasses.replace(sf, counts={str(k): v for k, v in sf.counts.items()})
    for method in ("psi", "js", "hellinger", "ks", "wasserstein", "chi2"):
        assert drift(method, "numeric", sb2, sf2) == drift(method, "numeric", sb, sf), method
