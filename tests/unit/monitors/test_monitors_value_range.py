"""value_range: absolute bounds and a margin around the baseline's range, each bound on its own."""

from __future__ import annotations

import math

import pytest

from telltale.core.fields import Field
from telltale.monitors.value_range import evaluate as range_evaluate
from telltale.core.timeutil import TimeRange

from _monitor_helpers import context, day, key, monitor, numeric_summary

X = Field("x", "features", "x", "numeric")
FOCAL = TimeRange(day(7), day(8))
BASELINE = TimeRange(day(0), day(7))


def evaluate(focal_values: list, cfg, baseline_values: list | None = None):
    buckets = {key(day(7)): numeric_summary(X, focal_values)}
    if baseline_values is not None:
        for i in range(7):   # the baseline spread over its days: min/max merge across buckets
            buckets[key(day(i))] = numeric_summary(X, baseline_values[i::7])
    ctx = context([X], buckets, focal=FOCAL, baseline=BASELINE)
    (r,) = range_evaluate(cfg, ctx)
    return r


ABSOLUTE = monitor("value_range", detection={"absolute": {"min": 0, "max": 10}})


def test_within_absolute_bounds_is_ok() -> None:
    r = evaluate([0.0, 5.0, 10.0], ABSOLUTE)
    assert r.status == "ok" and r.extra["min"] == 0.0 and r.extra["max"] == 10.0
    assert r.threshold == {"min": 0, "max": 10}


def test_min_below_the_absolute_min_fires() -> None:
    r = evaluate([-0.5, 5.0, 9.0], ABSOLUTE)
    assert r.status == "alert" and r.value == -0.5
    assert "the min is below 0" in r.message and "max is above" not in r.message


def test_max_above_the_absolute_max_fires() -> None:
    r = evaluate([1.0, 10.5], ABSOLUTE)
    assert r.status == "alert" and r.value == 10.5 and "the max is above 10" in r.message


def test_only_a_min_bound() -> None:
    cfg = monitor("value_range", detection={"absolute": {"min": 3}})
    assert evaluate([3.0, 1e9], cfg).status == "ok"
    r = evaluate([2.999, 4.0], cfg)
    assert r.status == "alert" and r.threshold == {"min": 3}


def test_only_a_max_bound() -> None:
    cfg = monitor("value_range", detection={"absolute": {"max": -1}})
    assert evaluate([-1e9, -1.0], cfg).status == "ok"
    assert evaluate([-5.0, -0.5], cfg).status == "alert"


@pytest.mark.parametrize("focal,status", [
    ([-9.0, 50.0], "ok"),         # allowed [-10, 110]
    ([-10.0, 110.0], "ok"),       # the bounds themselves are allowed
    ([-10.5, 50.0], "alert"),     # below the min only
    ([0.0, 110.5], "alert"),      # above the max only
])
def test_margin_around_the_baseline_range(focal: list, status: str) -> None:
    cfg = monitor("value_range", margin=0.1)
    baseline = [float(v) for v in range(101)]   # [0, 100]: width 100, margin 10
    r = evaluate(focal, cfg, baseline)
    assert r.threshold == pytest.approx({"min": -10.0, "max": 110.0})
    assert r.baseline == BASELINE
    assert r.status == status, r.message


def test_margin_without_baseline_values_is_no_data() -> None:
    r = evaluate([1.0], monitor("value_range", margin=0.1), [None] * 7)
    assert r.status == "no_data"


def test_nan_and_infinity_are_outside_any_range() -> None:
    r = evaluate([1.0, math.nan, 2.0, math.inf, None], ABSOLUTE)
    assert r.status == "alert" and r.extra["non_finite"] == 2
    assert (r.extra["min"], r.extra["max"]) == (1.0, 2.0)     # min/max of the finite values
    assert "2 NaN/infinite value(s)" in r.message


def test_a_window_of_only_nan_fires_without_a_value() -> None:
    r = evaluate([math.nan, -math.inf], monitor("value_range"))
    assert r.status == "alert" and r.value is None and "no finite value" in r.message


def test_no_rows_is_no_data() -> None:
    assert evaluate([None, None], ABSOLUTE).status == "no_data"
