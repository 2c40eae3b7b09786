"""Why a metric has no value: null (division by zero, no rows) vs error (overflow, domain)."""

from __future__ import annotations

import math

import pytest
from telltale.metric_dsl import ModelSchema, compile_expression
from telltale.metric_dsl import final as F

from telltale.errors import DSLError
from telltale.core.partials import PartialValues

SUM, CNT, MIN = 'sum|"x"', 'count|"x"', 'min|"x"'
SCHEMA = ModelSchema.from_kinds("regression", features={"x": "numeric"}, predictions={"p": "numeric"})


def explain(text: str, values: dict) -> F.Outcome:
    metric = compile_expression(text, SCHEMA)
    return metric.explain(PartialValues(values))


def test_values_are_explained_as_values():
    out = explain("mean(features.x) * 2", {SUM: 30.0, CNT: 3})
    assert out == F.Outcome(20.0)


@pytest.mark.parametrize("text, values, reason", [
    ("mean(features.x) ** 1000", {SUM: 30.0, CNT: 3}, "overflow: 10 ** 1000 is too large for a float"),
    ("sum(features.x) * sum(features.x)", {SUM: 1e200}, "overflow: 1e+200 * 1e+200 is too large for a float"),
    ("exp(sum(features.x))", {SUM: 1000.0}, "overflow: exp(1000) is too large for a float"),
    ("sqrt(-mean(features.x))", {SUM: 30.0, CNT: 3}, "undefined: sqrt of a negative number (-10)"),
    ("ln(sum(features.x))", {SUM: 0.0}, "undefined: ln of a number that is not positive (0)"),
    ("(-sum(features.x)) ** 0.5", {SUM: 4.0}, "undefined: -4 ** 0.5 is not a real number"),
    ("sum(features.x)", {SUM: float("nan")}, 'sum("x") is nan, not a finite number'),
    ("coalesce(sqrt(-sum(features.x)), 1)", {SUM: 4.0}, "undefined: sqrt of a negative number (-4)"),
])
def test_overflow_and_domain_errors_are_errors(text, values, reason):
    out = explain(text, values)
    assert out.value is None and out.error, out
    assert out.reason.startswith(reason), out.reason
    assert compile_expression(text, SCHEMA).evaluate(PartialValues(values)) is None


@pytest.mark.parametrize("text, values, reason", [
    ("mean(features.x)", {SUM: 0.0, CNT: 0}, 'division by zero (count("x") is 0)'),
    ("min(features.x) + 1", {MIN: None}, 'min("x") has no value (no rows with a value)'),
    ("count() / (count() - count())", {"count|*": 5}, "division by zero (count(*) - count(*) is 0)"),
    ("sum(features.x) / 0 * 1", {SUM: 2.0}, "division by zero"),
    ("median(features.x)", {}, 'quantile("x", 0.5) has no histogram grid'),
])
def test_null_results_say_why_and_are_not_errors(text, values, reason):
    out = explain(text, values)
    assert out.value is None and not out.error, out
    assert out.reason.startswith(reason), out.reason


def test_coalesce_replaces_null_but_not_an_error():
    assert explain("coalesce(mean(features.x), 7)", {SUM: 0.0, CNT: 0}) == F.Outcome(7.0)
    assert explain("coalesce(mean(features.x), 7)", {SUM: 8.0, CNT: 2}) == F.Outcome(4.0)
    out = explain("coalesce(mean(features.x), min(features.x))", {SUM: 0.0, CNT: 0, MIN: None})
    assert out.value is None and not out.error and "min(\"x\") has no value" in out.reason


def test_constant_errors_say_why_at_compile_time():
    with pytest.raises(DSLError, match=r"1 / 0 is undefined \(division by zero\); change the constants"):
        compile_expression("count() + 1 / 0", SCHEMA)
    with pytest.raises(DSLError, match=r"10 \*\* 1000 is undefined \(overflow: 10 \*\* 1000 is too large"):
        compile_expression("count() + 10 ** 1000", SCHEMA)


def test_finite_results_pass_through_every_node():
    values = PartialValues({SUM: 9.0, CNT: 3, MIN: 1.0})
    node = F.Math("greatest", (F.Binary("/", F.Ref(SUM), F.Ref(CNT)), F.Neg(F.Ref(MIN))))
    assert node.explain(values) == F.Outcome(3.0)
    assert node.describe() == 'greatest(sum("x") / count("x"), -min("x"))'
    assert math.isclose(F.Math("sqrt", (F.Ref(SUM),)).evaluate(values), 3.0)
