"""Categorical drift when bucket counts were cut to their top values (`__other__`): categories
listed on one side only are folded into `__other__` on both, so the cut does not read as drift."""

from __future__ import annotations

import numpy as np
import pytest

from telltale.planner.queries import OTHER as PLANNER_OTHER
from telltale.planner.queries import top_values
from telltale.stats.categorical import OTHER
from telltale.stats.drift import drift


def test_other_is_the_planners_key() -> None:
    assert OTHER == PLANNER_OTHER


def test_categories_listed_on_one_side_fold_into_other() -> None:
    """b is in the focal's __other__ as far as anyone knows, c in the baseline's: both sides
    become {a: 50, __other__: 50}, so every distance is 0."""
    base = {"a": 50, "b": 30, OTHER: 20}
    focal = {"a": 50, "c": 30, OTHER: 20}
    for method in ("psi", "js", "hellinger", "chi2"):
        assert drift(method, "categorical", base, focal).value == pytest.approx(0.0, abs=1e-12)


def test_only_the_cut_side_folds() -> None:
    """The focal was not cut: its 0 for b is a real 0. The baseline was: the focal's d may be
    in its __other__ and folds. Vectors: [a, b, other] = [60, 20, 20] vs [70, 0, 30]."""
    base = {"a": 60, "b": 20, OTHER: 20}
    focal = {"a": 70, "d": 30}
    e, a = np.array([0.6, 0.2, 0.2]), np.array([0.7, 1e-4, 0.3])
    assert drift("psi", "categorical", base, focal).value == pytest.approx(float(np.sum((a - e) * np.log(a / e))), abs=1e-12)


def test_two_samples_of_a_long_tail_do_not_drift() -> None:
    """300 Zipf categories, 100k rows a side, each cut to its top 100: PSI of the noise only
    (was 0.06 before the fold), about (k - 1)(1/n + 1/m) for the ~100 categories compared."""
    rng = np.random.default_rng(4)
    p = 1.0 / np.arange(1, 301) ** 1.1
    p /= p.sum()
    cut = [top_values({f"v{i}": int(c) for i, c in enumerate(rng.multinomial(100_000, p)) if c}, 100)
           for _ in range(2)]
    assert drift("psi", "categorical", cut[0], cut[1]).value < 0.005
