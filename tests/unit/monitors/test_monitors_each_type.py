"""Every monitor type's `evaluate` on summaries made by hand from raw rows, against the exact
value computed from the same rows with numpy/scipy/sklearn (bounds stated per test), and its
verdict. Each type gets its typed config class, validated as `telltale.yml` would be."""

from __future__ import annotations

import dataclasses
import math
from datetime import timedelta

import duckdb
import numpy as np
import pytest
from scipy.spatial.distance import jensenshannon
from sklearn.metrics import mean_absolute_error
from sqlglot import exp

from telltale.core.fields import Field
from telltale.core.partials import count_rows
from telltale.core.timeutil import TimeRange
from telltale.metric_dsl import compile_expression, stdlib_library
from telltale.metric_dsl.schema import FieldInfo, ModelSchema
from telltale.monitors.registry import REGISTRY
from telltale.planner.aggsql import scalar_aggregate
from telltale.planner.queries import scalar_value

from _monitor_helpers import context, day, key, monitor, numeric_summary, values_summary

FOCAL = TimeRange(day(7), day(8))
BASELINE = TimeRange(day(0), day(7))
C = Field("c", "features", "c", "categorical")
LABEL = Field("label", "predictions", "label", "categorical")
X = Field("x", "features", "x", "numeric")
RNG = np.random.default_rng(7)


def evaluate(cfg, ctx):
    """The registered implementation of the config's type, as the runner calls it."""
    return REGISTRY[cfg.type_name].evaluate(cfg, ctx)


def categorical_buckets(f: Field, focal: list, baseline: list) -> dict:
    """The baseline spread over its 7 days, the window on day 7."""
    buckets = {key(day(7)): values_summary(f, focal)}
    for i in range(7):
        buckets[key(day(i))] = values_summary(f, baseline[i::7])
    return buckets


def shares(values: list, cats: list) -> np.ndarray:
    return np.array([values.count(c) for c in cats], dtype=float) / len(values)


def test_data_drift_js_distance_is_scipys() -> None:
    """JS distance, base 2, of the category shares: exact to 1e-12."""
    base = list(RNG.choice(["a", "b", "c"], 700, p=[0.5, 0.3, 0.2]))
    focal = list(RNG.choice(["a", "b", "c"], 100, p=[0.2, 0.3, 0.5]))
    ctx = context([C], categorical_buckets(C, focal, base), focal=FOCAL, baseline=BASELINE)
    (r,) = evaluate(monitor("data_drift", columns=["c"], method="js", threshold=0.1), ctx)
    exact = jensenshannon(shares(base, ["a", "b", "c"]), shares(focal, ["a", "b", "c"]), base=2)
    assert r.value == pytest.approx(exact, abs=1e-12)
    assert r.status == "alert" and r.threshold == {"max": 0.1} and r.metric == "js"
    assert r.window == FOCAL and r.baseline == BASELINE


def test_prediction_drift_psi_is_the_formula_on_raw_shares() -> None:
    """PSI = sum((a - e) ln(a / e)) over categories present on both sides: exact to 1e-12."""
    base = list(RNG.choice(["no", "yes"], 700, p=[0.7, 0.3]))
    focal = list(RNG.choice(["no", "yes"], 100, p=[0.66, 0.34]))
    ctx = context([LABEL], categorical_buckets(LABEL, focal, base), focal=FOCAL, baseline=BASELINE)
    (r,) = evaluate(monitor("prediction_drift"), ctx)    # default method psi, threshold 0.1 (bench/alert_quality.py)
    e, a = shares(base, ["no", "yes"]), shares(focal, ["no", "yes"])
    assert r.value == pytest.approx(float(np.sum((a - e) * np.log(a / e))), abs=1e-12)
    assert r.column == "label" and r.status == "ok" and r.threshold == {"max": 0.1}


def test_missing_values_share_is_the_null_share_of_the_rows() -> None:
    focal = [None if v < 0.3 else float(v) for v in RNG.random(200)]
    ctx = context([X], {key(day(7)): numeric_summary(X, focal)}, focal=FOCAL, baseline=None)
    (r,) = evaluate(monitor("missing_values", columns=["x"], detection={"absolute": {"max": 0.2}}), ctx)
    exact = float(np.mean([v is None for v in focal]))
    assert r.value == pytest.approx(exact, abs=1e-15) and r.status == ("alert" if exact > 0.2 else "ok")
    assert r.metric == "missing_ratio"


def test_model_activity_change_compares_with_the_baselines_rows_per_window() -> None:
    """7 baseline days of 10..16 rows: 13 rows a day on average; the window's 20 is 53.8 % up."""
    buckets = {key(day(i)): {count_rows().key: 10 + i} for i in range(7)}
    buckets[key(day(7))] = {count_rows().key: 20}
    ctx = context([], buckets, focal=FOCAL, baseline=BASELINE)
    (r,) = evaluate(monitor("model_activity", detection={"change": {"percent": 50}}), ctx)
    mean = float(np.mean([10 + i for i in range(7)]))
    assert r.value == 20.0 and r.extra["baseline_value"] == pytest.approx(mean, abs=1e-12)
    assert r.threshold["min"] == pytest.approx(mean * 0.5) and r.threshold["max"] == pytest.approx(mean * 1.5)
    assert r.status == "alert" and "moved up 53.8%" in r.message


def test_model_staleness_age_is_the_time_since_the_newest_prediction() -> None:
    ctx = context([], {}, focal=FOCAL, baseline=None)
    newest = FOCAL.end - timedelta(hours=30)
    cfg = monitor("model_staleness", max_age="1d")
    (r,) = evaluate(cfg, dataclasses.replace(ctx, answer=newest.replace(tzinfo=None)))
    assert r.value == 30 * 3600.0 and r.status == "alert" and r.threshold == {"max": 86400.0}
    (r,) = evaluate(monitor("model_staleness", max_age="2d"), dataclasses.replace(ctx, answer=newest))
    assert r.status == "ok"
    (r,) = evaluate(cfg, ctx)   # no answer: no prediction before the run's time
    assert r.status == "no_data" and r.value is None and "no predictions before" in r.message


def test_a_negative_zero_value_is_reported_as_zero() -> None:
    """-0.0 (a mean of values that cancel, a product with a negative) reads as 0."""
    from telltale.monitors.common import make_result
    from telltale.monitors.detection import Verdict

    ctx = context([], {}, focal=FOCAL, baseline=None)
    r = make_result(monitor("model_activity", detection={"absolute": {"max": 1}}), ctx, column=None,
                    segment=None, metric="x", value=-0.0, verdict=Verdict(False, {"max": 1.0}, "fine"),
                    from_rows=False)
    assert r.value == 0 and math.copysign(1.0, r.value) == 1.0 and r.status == "ok"


def test_metric_change_stddev_is_numpys_and_the_change_is_against_the_baseline() -> None:
    """Sample standard deviation from the stored sums: within 1e-9 relative of numpy."""
    base = list(RNG.normal(5.0, 2.0, 700))
    focal = list(RNG.normal(5.0, 3.0, 100))
    buckets = {key(day(7)): numeric_summary(X, focal)}
    for i in range(7):
        buckets[key(day(i))] = numeric_summary(X, base[i::7])
    ctx = context([X], buckets, focal=FOCAL, baseline=BASELINE)
    cfg = monitor("metric_change", columns=["x"], statistic="stddev", detection={"change": {"percent": 20}})
    (r,) = evaluate(cfg, ctx)
    assert r.value == pytest.approx(np.std(focal, ddof=1), rel=1e-9)
    assert r.extra["baseline_value"] == pytest.approx(np.std(base, ddof=1), rel=1e-9)
    assert r.status == "alert"


YHAT = Field("yhat", "predictions", "yhat", "numeric")
Y = Field("y", "actuals", "y", "numeric")
SCHEMA = ModelSchema(model_type="regression", fields={
    "predictions": {"yhat": FieldInfo(column="yhat", kind="numeric")},
    "actuals": {"y": FieldInfo(column="y", kind="numeric")}})


def dsl_summary(compiled, rows: list[tuple[float, float | None]]) -> dict:
    """Each partial of a compiled metric aggregated over raw rows by DuckDB (its SQL), and the row count."""
    con = duckdb.connect()
    try:
        con.execute("CREATE TABLE m (yhat DOUBLE, y DOUBLE)")
        con.executemany("INSERT INTO m VALUES (?, ?)", rows)
        parts = [*compiled.partials, count_rows()]
        sql = exp.select(*(scalar_aggregate(p) for p in parts)).from_("m").sql(dialect="duckdb")
        (values,) = con.execute(sql).fetchall()
    finally:
        con.close()
    return {p.key: scalar_value(p, v) for p, v in zip(parts, values)}


@pytest.mark.parametrize("type_", ["custom_metric", "performance_degradation"])
def test_a_metric_monitor_evaluates_its_metric_as_sklearn(type_: str) -> None:
    """mae over the labelled rows (rows without a label are left out): exact to 1e-12."""
    yhat = RNG.normal(0, 1, 300)
    y = [None if i % 10 == 0 else float(v + RNG.normal(0, 0.5)) for i, v in enumerate(yhat)]
    compiled = compile_expression("mae(predictions.yhat, actuals.y)", SCHEMA, library=stdlib_library())
    rows = list(zip(map(float, yhat), y))
    ctx = context([YHAT, Y], {key(day(7)): dsl_summary(compiled, rows)}, focal=FOCAL, baseline=None)
    ctx = dataclasses.replace(ctx, compile_metric=lambda name, labelled=False: compiled)
    cfg = monitor(type_, metric="mae", detection={"absolute": {"max": 0.3}})
    (r,) = evaluate(cfg, ctx)
    labelled = [(p, t) for p, t in rows if t is not None]
    exact = mean_absolute_error([t for _, t in labelled], [p for p, _ in labelled])
    assert r.value == pytest.approx(exact, abs=1e-12) and not math.isnan(r.value)
    assert r.status == ("alert" if exact > 0.3 else "ok") and r.threshold == {"max": 0.3}


def test_every_registered_type_is_tested_here() -> None:
    tested = {"data_drift", "prediction_drift", "missing_values", "model_activity", "model_staleness",
              "metric_change", "custom_metric", "performance_degradation"}
    elsewhere = {"new_values": "test_monitors_new_values.py", "value_range": "test_monitors_value_range.py",
                 "estimated_performance": "test_monitors_estimated_performance.py"}
    assert tested | set(elsewhere) == set(REGISTRY)
