"""new_values: exact while no bucket cut its categories at top_values, a bound (never an
undercount passed as exact) otherwise."""

from __future__ import annotations

import numpy as np
import pytest

from telltale.core.fields import Field
from telltale.monitors.new_values import evaluate as new_values_evaluate
from telltale.core.timeutil import TimeRange

from _monitor_helpers import context, day, key, monitor, values_summary

C = Field("c", "features", "c", "categorical")
FOCAL = TimeRange(day(7), day(8))
BASELINE = TimeRange(day(0), day(7))


def run(base_days: list[list], focal: list, top: int, min_share: float = 0.0):
    buckets = {key(day(i)): values_summary(C, vals, top) for i, vals in enumerate(base_days)}
    buckets[key(day(7))] = values_summary(C, focal, top)
    ctx = context([C], buckets, focal=FOCAL, baseline=BASELINE)
    (r,) = new_values_evaluate(monitor("new_values", min_share=min_share), ctx)
    return r


def exact_share(base_days: list[list], focal: list) -> float:
    known = {v for vals in base_days for v in vals if v is not None}
    vals = [v for v in focal if v is not None]
    return sum(v not in known for v in vals) / len(vals)


def test_exact_when_nothing_was_cut() -> None:
    base = [["a", "b", None, "null", ""] for _ in range(7)]
    focal = ["a", "zz", "zz", "", None, "None"]
    r = run(base, focal, top=100)
    assert r.value == pytest.approx(exact_share(base, focal), abs=1e-12) == 3 / 5
    assert r.extra["new_values"] == ["None", "zz"] and "exact" not in r.extra
    assert r.status == "alert"


def test_many_new_values_beyond_top_values_are_not_undercounted() -> None:
    """The issue's case: half the rows carry brand-new values spread over many categories."""
    rng = np.random.default_rng(3)
    base = [[f"k{int(i)}" for i in rng.integers(0, 20, 300)] for _ in range(7)]   # 20 known values
    focal = [f"k{int(i)}" for i in rng.integers(0, 20, 300)] + [f"new{int(i)}" for i in rng.integers(0, 500, 300)]
    truth = exact_share(base, focal)
    r = run(base, focal, top=50, min_share=0.1)
    assert r.extra["exact"] is False
    lower, upper = r.extra["lower_bound"], r.extra["upper_bound"]
    assert lower <= truth + 1e-12 <= upper + 2e-12           # the truth lies between the bounds
    assert r.value == lower and lower > 0.1 and r.status == "alert"   # alert on the lower bound
    assert "lower bound" in r.message and "top_values" in r.message
    known = {v for vals in base for v in vals}
    assert not set(r.extra["new_values"]) & known              # no baseline value called new


def test_a_cut_baseline_calls_nothing_new_and_says_so() -> None:
    rng = np.random.default_rng(4)
    base = [[f"k{int(i)}" for i in rng.integers(0, 400, 300)] for _ in range(7)]   # cut at 30 per day
    focal = [f"k{int(i)}" for i in rng.integers(0, 400, 100)]                      # all known
    r = run(base, focal, top=30)
    assert exact_share(base, focal) == 0.0
    assert r.value == 0.0 and r.extra["new_values"] == [] and r.status == "ok"
    assert r.extra["exact"] is False and r.extra["upper_bound"] > 0
    assert "lower bound" in r.message and "the baseline" in r.message
    assert r.extra["possibly_new_values"]                      # listed as possibly new only


def test_no_baseline_is_no_data() -> None:
    ctx = context([C], {key(day(7)): values_summary(C, ["a"])}, focal=FOCAL, baseline=None)
    (r,) = new_values_evaluate(monitor("new_values"), ctx)
    assert r.status == "no_data"
