"""Built-in names cannot be redefined, and a user file can never change what a built-in means."""

from __future__ import annotations

from types import MappingProxyType

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


def test_redefining_a_builtin_metric_is_an_error_at_its_definition():
    with pytest.raises(DSLError) as info:
        library_from_sources([(FILE, "metric ok = count()\nmetric f1 = count()\n")])
    assert str(info.value) == (f"{FILE}:2:1: f1 is a built-in metric; built-ins cannot be redefined, "
                               "so choose another name such as my_f1")


def test_every_builtin_name_reused_is_reported_at_once():
    src = TP_OVERRIDE + "metric count = sum(features.income)\nmetric r2 = count()\n"
    with pytest.raises(DSLErrorGroup) as info:
        library_from_sources([(FILE, src)])
    got = [(e.line, e.bare_message.split(";")[0]) for e in info.value.errors]
    assert got == [(1, "tp_count is a built-in metric"), (2, "count is a built-in function"),
                   (3, "r2 is a built-in metric")]


def test_designs_r2_example_needs_its_own_name(regression_schema):
    """DESIGN.md's example `metric r2 = ...` collides with the built-in r2; under another name
    it compiles and reads the same partials as the built-in."""
    body = ("1 - squared_error_sum(predictions.price, actuals.price)\n"
            "              / (count(actuals.price) * variance(actuals.price))\n")
    with pytest.raises(DSLError, match="r2 is a built-in metric"):
        library_from_sources([(FILE, "metric r2 = " + body)])
    lib = library_from_sources([(FILE, "metric my_r2 = " + body)])
    assert lib.compile("my_r2", regression_schema).name == "my_r2"


def test_a_metric_after_a_rejected_builtin_name_uses_the_builtin():
    """The error is about the definition only; a later use of the name is not reported."""
    with pytest.raises(DSLError) as info:
        library_from_sources([(FILE, "metric f1 = count()\nmetric f1_pct = f1 * 100\n")])
    assert not isinstance(info.value, DSLErrorGroup)
    assert info.value.line == 1


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
