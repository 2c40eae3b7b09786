"""new_values: exact while no bucket had more distinct values than the monitor's max_values,
a bound (never an undercount passed as exact) otherwise. The summaries here are cut as the
SQL cuts them (planner/capped.py: the `cap` most frequent values, the rest under __other__;
tests/unit/planner/test_planner_capped.py checks the SQL against that)."""

from __future__ import annotations

import numpy as np
import pytest

from telltale.core.fields import Field
from telltale.core.partials import count_rows, normalize_value
from telltale.monitors.new_values import evaluate as new_values_evaluate, values_partial
from telltale.planner.queries import top_values
from telltale.core.timeutil import TimeRange

from _monitor_helpers import context, day, key, monitor

C = Field("c", "features", "c", "categorical")
FOCAL = TimeRange(day(7), day(8))
BASELINE = TimeRange(day(0), day(7))


def values_summary(values: list, cap: int) -> dict:
    """Row count and new_values' partial of one bucket, cut at `cap` as the SQL cuts it."""
    counts: dict[str, int] = {}
    for v in values:
        if v is not None:
            k = str(normalize_value(v))
            counts[k] = counts.get(k, 0) + 1
    return {count_rows().key: len(values), values_partial(C, cap).key: top_values(counts, cap)}


def run(base_days: list[list], focal: list, top: int, min_share: float = 0.0):
    buckets = {key(day(i)): values_summary(vals, top) for i, vals in enumerate(base_days)}
    buckets[key(day(7))] = values_summary(focal, top)
    ctx = context([C], buckets, focal=FOCAL, baseline=BASELINE)
    (r,) = new_values_evaluate(monitor("new_values", min_share=min_share, max_values=top), ctx)
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
    assert "lower bound" in r.message and "c has more than max_values (50)" in r.message
    assert "raise max_values on monitor" in r.message
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
    ctx = context([C], {key(day(7)): values_summary(["a"], 100)}, focal=FOCAL, baseline=None)
    (r,) = new_values_evaluate(monitor("new_values"), ctx)
    assert r.status == "no_data"


def test_wide_column_exact_at_a_tenth_of_a_percent() -> None:
    """The study's case: 300 Zipf categories (more than the old top_values of 100) and a new
    category in 0.1 % of the window's rows: the share is numpy's count, and it alerts."""
    rng = np.random.default_rng(5)
    p = 1.0 / np.arange(1, 301) ** 1.1
    draw = lambda n: [f"v{int(i)}" for i in rng.choice(300, n, p=p / p.sum())]   # noqa: E731
    base = [draw(20_000) for _ in range(7)]
    focal = draw(19_980) + ["NEW"] * 20
    known = np.array(sorted({v for day in base for v in day}))
    share = float(np.mean(~np.isin(np.array(focal), known)))
    r = run(base, focal, top=10_000)
    assert r.value == pytest.approx(share, abs=1e-12) and share >= 0.001
    assert r.status == "alert" and "NEW" in r.extra["new_values"] and "exact" not in r.extra
