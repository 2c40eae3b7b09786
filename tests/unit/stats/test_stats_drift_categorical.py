"""Categorical drift from category counts vs the exact value from the raw rows."""

from __future__ import annotations

import collections

import numpy as np
import pytest
from scipy import stats as sps
from scipy.spatial.distance import jensenshannon
from scipy.stats.contingency import association

from telltale.errors import TelltaleError
from telltale.core.grids import Grid
from telltale.stats import (
    PSI_EPSILON,
    DriftValue,
    NumericSummary,
    UnsupportedStatisticError,
    chi2,
    drift,
    hellinger,
    js,
    ks,
    psi,
    wasserstein,
)

EXACT = 1e-9

CATS = np.array(["a", "b", "c", "d", "e", "f"])


def _rows(seed: int, n_base: int, n_focal: int, p_base: list[float], p_focal: list[float]):
    rng = np.random.default_rng(seed)
    return rng.choice(CATS, n_base, p=p_base), rng.choice(CATS, n_focal, p=p_focal)


ROWS = {
    "same": _rows(1, 50_000, 2_000, [.3, .25, .2, .15, .07, .03], [.3, .25, .2, .15, .07, .03]),
    "shifted": _rows(2, 50_000, 1_000, [.3, .25, .2, .15, .07, .03], [.2, .2, .2, .2, .1, .1]),
    "new_category": _rows(3, 20_000, 3_000, [.4, .3, .2, .1, 0, 0], [.3, .3, .2, .1, .05, .05]),
    "lost_category": _rows(4, 20_000, 500, [.2, .2, .2, .2, .1, .1], [.25, .25, .25, .25, 0, 0]),
    "two_values": _rows(5, 10_000, 1_000, [.9, .1, 0, 0, 0, 0], [.8, .2, 0, 0, 0, 0]),
}


def _counts(values: np.ndarray) -> dict[str, int]:
    return dict(collections.Counter(values.tolist()))


def _crosstab(base: np.ndarray, focal: np.ndarray) -> np.ndarray:
    """The raw 2 x k crosstab (side x value) of the rows."""
    side = np.repeat([0, 1], [base.size, focal.size])
    _, value = np.unique(np.concatenate([base, focal]), return_inverse=True)
    table = np.zeros((2, value.max() + 1), dtype=np.int64)
    np.add.at(table, (side, value), 1)
    return table


def _shares(base: np.ndarray, focal: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    table = _crosstab(base, focal)
    return table[0] / base.size, table[1] / focal.size


@pytest.mark.parametrize("name", list(ROWS))
def test_chi2_matches_scipy_on_raw_crosstab(name: str) -> None:
    base, focal = ROWS[name]
    table = _crosstab(base, focal)
    ref = sps.chi2_contingency(table, correction=False)
    got = chi2(_counts(base), _counts(focal))
    assert got.p_value == pytest.approx(ref.pvalue, rel=EXACT, abs=1e-300), f"{name}: p-value bound {EXACT}"
    assert got.value == pytest.approx(association(table, method="cramer"), rel=EXACT), f"{name}: V bound {EXACT}"
    assert got.value == pytest.approx(np.sqrt(ref.statistic / table.sum()), rel=EXACT), f"{name}: V bound {EXACT}"
    assert drift("chi2", "categorical", _counts(base), _counts(focal)) == got


@pytest.mark.parametrize("name", list(ROWS))
def test_psi_js_hellinger_match_raw_shares(name: str) -> None:
    base, focal = ROWS[name]
    e, a = _shares(base, focal)
    ce, ca = np.where(e > 0, e, PSI_EPSILON), np.where(a > 0, a, PSI_EPSILON)
    ref_psi = float(np.sum((ca - ce) * np.log(ca / ce)))
    ref_js = float(jensenshannon(e, a, base=2))
    ref_h = float(np.sqrt(0.5 * np.sum((np.sqrt(e) - np.sqrt(a)) ** 2)))
    cb, cf = _counts(base), _counts(focal)
    assert psi(cb, cf).value == pytest.approx(ref_psi, rel=EXACT, abs=EXACT), f"{name}: PSI bound {EXACT}"
    assert js(cb, cf).value == pytest.approx(ref_js, rel=EXACT, abs=EXACT), f"{name}: JS bound {EXACT}"
    assert hellinger(cb, cf).value == pytest.approx(ref_h, rel=EXACT, abs=EXACT), f"{name}: Hellinger bound {EXACT}"
    for method in ("psi", "js", "hellinger"):
        assert drift(method, "categorical", cb, cf).p_value is None


def test_psi_epsilon_for_empty_categories() -> None:
    base, focal = {"a": 50, "b": 50}, {"a": 50, "b": 40, "new": 10}
    e = np.array([0.5, 0.5, PSI_EPSILON])
    a = np.array([0.5, 0.4, 0.1])
    assert psi(base, focal).value == pytest.approx(float(np.sum((a - e) * np.log(a / e))), rel=1e-12), \
        "PSI with epsilon for the new category: bound 1e-12"
    assert psi(base, focal, eps=1e-3).value < psi(base, focal).value, "a larger epsilon softens new categories"
    assert psi({"a": 1, "b": 0}, {"a": 1}).value == 0.0, "zero counts are absent categories"


def test_ks_and_wasserstein_are_rejected_for_categoricals() -> None:
    base, focal = {"a": 3, "b": 1}, {"a": 1, "b": 3}
    for method in ("ks", "wasserstein"):
        with pytest.raises(UnsupportedStatisticError, match="psi, js, hellinger, chi2") as info:
            drift(method, "categorical", base, focal)
        assert isinstance(info.value, TelltaleError)
    with pytest.raises(UnsupportedStatisticError, match="not defined for categorical"):
        ks(base, focal)
    with pytest.raises(UnsupportedStatisticError, match="not defined for categorical"):
        wasserstein(base, focal)


def test_dispatch_errors() -> None:
    with pytest.raises(UnsupportedStatisticError, match="unknown drift method 'kl'"):
        drift("kl", "categorical", {"a": 1}, {"a": 1})
    with pytest.raises(UnsupportedStatisticError, match="unknown column kind"):
        drift("psi", "text", {"a": 1}, {"a": 1})
    with pytest.raises(TypeError):
        drift("psi", "numeric", {"a": 1}, {"a": 1})
    g = Grid(0.0, 1.0, 4)
    with pytest.raises(TypeError):
        drift("psi", "categorical", NumericSummary(g, {0: 1}, 0.0, 0.1), NumericSummary(g, {0: 1}, 0.0, 0.1))


def test_boolean_is_categorical_and_empty_sides() -> None:
    assert drift("psi", "boolean", {"true": 5, "false": 5}, {"true": 5, "false": 5}) == DriftValue(0.0, None)
    for method in ("psi", "js", "hellinger", "chi2"):
        assert drift(method, "categorical", {}, {"a": 2}) == DriftValue(None, None), method
        assert drift(method, "categorical", {"a": 2}, {"a": 0}) == DriftValue(None, None), method


def test_single_category_and_disjoint() -> None:
    assert chi2({"a": 10}, {"a": 3}) == DriftValue(0.0, 1.0), "one category: no association"
    disjoint = drift("js", "categorical", {"a": 10}, {"b": 3})
    assert disjoint.value == pytest.approx(1.0), "disjoint supports: JS distance 1"
    assert hellinger({"a": 10}, {"b": 3}).value == pytest.approx(1.0), "disjoint supports: Hellinger 1"
    assert chi2({"a": 10}, {"b": 3}).value == pytest.approx(1.0), "disjoint supports: Cramér's V 1"


def test_none_and_mixed_keys() -> None:
    base = {None: 5, "x": 5, 1: 3}
    focal = {None: 5, "x": 5, 1: 3}
    for method in ("psi", "js", "hellinger"):
        assert drift(method, "categorical", base, focal).value == 0.0
