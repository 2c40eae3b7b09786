"""A user metric may shadow a built-in model metric (not a function), and a user file can never
change what a built-in means."""

from __future__ import annotations

from types import MappingProxyType

import numpy as np
import pytest
from dsl_support import partial_values
from sklearn import metrics as skm
from telltale.metric_dsl import (
    DSLErrorGroup,
    compile_expression,
    library_from_sources,
    parse_file,
)
from telltale.metric_dsl.library import MetricLibrary, builtin_registry

from telltale.errors import DSLError

FILE = "metrics/credit.metric"
TP_OVERRIDE = ("metric tp_count(prediction: boolean | numeric = prediction, "
               "label: boolean | numeric = actual, threshold: number = 0.5) = count() * 0\n")


def test_a_builtin_functions_name_is_an_error_at_its_definition():
    with pytest.raises(DSLError) as info:
        library_from_sources([(FILE, "metric ok = count()\nmetric quantile = count()\n")])
    assert str(info.value) == (f"{FILE}:2:1: quantile is a built-in function; functions cannot be "
                               "redefined, so choose another name such as my_quantile")


def test_every_builtin_function_name_reused_is_reported_at_once():
    src = "metric count = sum(features.income)\nmetric r2 = count()\nmetric variance = count()\n"
    with pytest.raises(DSLErrorGroup) as info:
        library_from_sources([(FILE, src)])
    got = [(e.line, e.bare_message.split(";")[0]) for e in info.value.errors]
    assert got == [(1, "count is a built-in function"), (3, "variance is a built-in function")]


def test_designs_r2_example_shadows_the_builtin(regression_schema, con, frame):
    """DESIGN.md's example `metric r2 = ...` takes a built-in model metric's name: it is
    accepted, and the project's `r2` (a monitor's `metric: r2`, a later metric) is the user's,
    here R^2 with the population variance (not the built-in's formula), checked on raw rows."""
    body = ("1 - squared_error_sum(predictions.price, actuals.price)\n"
            "              / (count(actuals.price) * variance(actuals.price))\n")
    lib = library_from_sources([(FILE, "metric r2 = " + body + "metric r2_pct = r2 * 100\n")])
    pred = frame["price"].astype(float).to_numpy()
    act = frame["price_actual"].astype(float).to_numpy()
    paired = ~np.isnan(pred) & ~np.isnan(act)
    known = act[~np.isnan(act)]
    exact = 1 - np.sum((pred[paired] - act[paired]) ** 2) / (known.size * np.var(known, ddof=1))
    r2 = lib.compile("r2", regression_schema)
    assert r2.name == "r2"
    via_config = compile_expression("r2", regression_schema, library=lib)
    pct = lib.compile("r2_pct", regression_schema)
    values = partial_values(con, r2.partials + via_config.partials + pct.partials)
    mine = r2.evaluate(values)
    assert mine == pytest.approx(exact, rel=1e-9)
    assert via_config.evaluate(values) == pytest.approx(mine, rel=1e-12)
    assert pct.evaluate(values) == pytest.approx(mine * 100, rel=1e-12)
    builtin = compile_expression("r2", regression_schema)
    assert builtin.evaluate(partial_values(con, builtin.partials)) != pytest.approx(mine, rel=1e-9)


def test_shadowing_a_model_metric_leaves_builtins_that_use_it_alone(regression_schema, con):
    """A user `mse` does not change the built-in rmse (whose stdlib body calls mse)."""
    lib = library_from_sources([(FILE, "metric mse = 0 * count() + 7\n")])
    mine = lib.compile("mse", regression_schema)
    assert mine.evaluate(partial_values(con, mine.partials)) == 7
    rmse = compile_expression("rmse", regression_schema, library=lib)
    builtin_mse = compile_expression("mse", regression_schema)
    values = partial_values(con, rmse.partials + builtin_mse.partials)
    assert rmse.evaluate(values) == pytest.approx(builtin_mse.evaluate(values) ** 0.5, rel=1e-12)


def test_a_user_definition_never_changes_a_builtins_meaning(binary_schema, con, frame):
    """Even a library that holds a user `tp_count` (bypassing the checks) computes the built-in
    f1 from the built-in tp_count: stdlib bodies resolve names among built-ins only."""
    user = {d.name: d for d in parse_file(TP_OVERRIDE + "metric mine = tp_count()\n", FILE).definitions}
    lib = MetricLibrary(MappingProxyType(user), builtin_registry(), (FILE,))
    f1 = compile_expression("f1(predictions.approved, actuals.defaulted)", binary_schema, library=lib)
    both = frame[["approved", "defaulted"]].dropna()
    truth = skm.f1_score(both["defaulted"].astype(bool), both["approved"].astype(bool))
    assert truth > 0.1
    assert f1.evaluate(partial_values(con, f1.partials)) == pytest.approx(truth, rel=1e-12)
    # the user's own metric does call the user's definition
    mine = lib.compile("mine", binary_schema)
    assert mine.evaluate(partial_values(con, mine.partials)) == 0
