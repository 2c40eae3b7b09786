"""Every class of error: exact file:line:col, a did-you-mean where one fits, what to write."""

from __future__ import annotations

from pathlib import Path

import pytest
from telltale.metric_dsl import (
    DSLErrorGroup,
    check_library,
    compile_expression,
    library_from_sources,
    load_library,
)

from telltale.errors import DSLError

FILE = "metrics/credit.metric"


def first_error(src: str, schema) -> str:
    """The first error of a source: at load time, else when compiled for `schema`."""
    try:
        lib = library_from_sources([(FILE, src)])
    except DSLError as e:
        return str(e).splitlines()[0]
    errors = check_library(lib, schema)
    assert errors, f"no error for {src!r}"
    return str(errors[0])


CASES = [
    # unknown fields and groups
    ("metric a =\n  mean(features.incme)", "2:8", "unknown field features.incme (did you mean income?)"),
    ("metric a = mean(featurs.income)", "1:17", "unknown field group featurs (did you mean features?); "
     "fields are written features.X, raw_inputs.X, predictions.X or actuals.X"),
    ("metric a = mean(features.score)", "1:17",
     "unknown field features.score: score is not one of the model's features (did you mean predictions.score?)"),
    ("metric a = mean(features.zzz)", "1:17", "unknown field features.zzz; the model's features are "
     "age, annual premium, has_car, income, region"),
    ("metric a = mean(raw_inputs.x)", "1:17", "the model has no raw_inputs; declare them in telltale.yml"),
    # unknown functions and names
    ("metric a = sume(features.income)", "1:12", "unknown function sume (did you mean sum?)"),
    ("metric revenue = count()\nmetric a = count() + revnue", "2:22",
     "unknown name revnue (did you mean revenue?)"),
    ("metric a = count([features.has_car == true])", "1:39", "unknown name true; write True"),
    ("metric a = count(features.income[features.age > 3]) * coutn", "1:55",
     "unknown name coutn (did you mean count?)"),
    # arity and keywords
    ("metric a = sum(features.income, features.age)", "1:33", "sum() takes 1 argument (x), got 2; write sum(x)"),
    ("metric a = quantile(features.income)", "1:12", "quantile() needs argument q; write quantile(x, q)"),
    ("metric a = precision(predictions.approved, actuals.defaulted, thresold=0.3)", "1:63",
     "precision() has no argument named thresold (did you mean threshold?)"),
    ("metric a = count(x=features.age, features.income)", "1:34",
     "a positional argument follows a keyword argument; put name=value arguments last"),
    ("metric a = sum(features.income, x=features.age)", "1:33", "argument x is given twice"),
    ("metric a = abs(features.income, filter=features.age > 3)", "1:33", "abs() works per row and takes no filter="),
    # kinds
    ("metric a = sum(features.region)", "1:16", "sum(): argument x must be a numeric field or expression, "
     "got categorical field features.region; pass e.g. features.income"),
    ("metric a = count(features.income[features.has_car == \"yes\"])", "1:34",
     "boolean field features.has_car cannot be compared with a string; compare it with True or False"),
    ("metric a = count([features.age == \"40\"])", "1:19",
     "numeric field features.age cannot be compared with the string '40'; write a number without quotes"),
    ("metric a = count([features.region > \"EU\"])", "1:19",
     "categorical field features.region can only be compared with == or != (or in (...)), not >"),
    ("metric a = count([features.income == None])", "1:19", "compare with None using `is None` or `is not None`"),
    ("metric a = auc_roc(predictions.approved, actuals.defaulted)", "1:20",
     "auc_roc(): argument prediction must be a numeric field or expression, got boolean field "
     "predictions.approved; pass e.g. predictions.score"),
    ("metric a = mean(features.income[features.age])", "1:33", "a condition is expected here"),
    ("metric a = features.income", "1:12", "metric a computes a value per row (numeric field features.income); "
     "a metric must aggregate it, e.g. mean(features.income)"),
    ("metric a = features.income / sum(features.age)", "1:12",
     "cannot combine a per-row value (numeric field features.income) with an aggregate"),
    ("metric a = sum(features.income) > 3", "1:12", "cannot be compared: comparisons select rows inside a filter"),
    ("metric a = sum(features.income)[features.age > 3]", "1:12",
     "a filter [...] cannot follow the aggregate sum(features.income); put it on the field inside"),
    ("metric a = quantile(features.income, 1.5)", "1:12", "quantile q must be between 0 and 1, got 1.5"),
    ("metric a = quantile(features.income, features.age)", "1:38", "argument q must be a number constant"),
    # definitions: order, cycles, duplicates, built-in names
    ("metric a = b + 1\nmetric b = count()", "1:12",
     "metric b is used before it is defined (at metrics/credit.metric:2:1); move its definition above a"),
    ("metric a = b + 1\nmetric b = a * 2", "1:12",
     "metrics a and b use each other (a cycle: a -> b -> a)"),
    ("metric a = a + 1", "1:12", "metric a uses itself; a metric may only use metrics defined before it"),
    ("metric a = count()\nmetric a = sum(features.income)", "2:1",
     "metric a is defined twice (first at metrics/credit.metric:1:1); rename or remove one of them"),
    ("metric count = sum(features.income)", "1:1", "count is a built-in function; functions cannot be "
     "redefined, so choose another name such as my_count"),
    ("metric mean = count()", "1:1", "mean is a built-in function; functions cannot be redefined"),
    ("metric sum(x: numeric) = count(x)", "1:1", "sum is a built-in function; functions cannot be redefined"),
    ("metric a = f1 * 100\nmetric f1 = count()", "1:12",
     "metric f1 is used before it is defined (at metrics/credit.metric:2:1); move its definition above a"),
    ("metric r2 = 1 - r2", "1:17", "metric r2 uses itself"),
    ("metric a(x, x) = sum(x)", "1:13", "parameter x of a is listed twice"),
    ("metric a(x: numric) = sum(x)", "1:10", "unknown kind numric for parameter x (did you mean numeric?)"),
    ("metric a(x = features.age) = sum(x)", "1:14", "the default of parameter x must be a constant"),
    ("metric a(x) = x(1)", "1:15", "x is a parameter of a, not a function"),
    ("metric a(x, y=3) = sum(x) * y\nmetric b = a", "2:12", "a needs arguments (x); write a(x, y=3)"),
    # model types
    ("metric a = mae(predictions.score, actuals.defaulted)", "1:35",
     "mae(): argument label must be a numeric field or expression, got boolean field actuals.defaulted; "
     "pass e.g. actuals.label01"),
    # an odd name is suggested as it must be written, in backquotes
    ("metric a = mean(features.annual_premium)", "1:17",
     "unknown field features.annual_premium (did you mean features.`annual premium`?)"),
    ("metric a = ndcg_at_k(predictions.score, actuals.defaulted)", "1:12",
     "ndcg_at_k is a ranking metric and the model is binary; ranking metrics need a ranking model"),
    # a chained comparison (Python allows 18 < x < 30): said so, not "expected ... == ..."
    ("metric a = count([18 < features.age < 30])", "1:37",
     "unexpected '<'; comparisons cannot be chained (a < x < b); write a < x and x < b"),
    # the example it gives parses: (a > 1) == True, not a > 1 == True (a chained comparison)
    ("metric a = count([(features.age > 1) > 0])", "1:20",
     "cannot be compared with a number; compare it with True or False, e.g. (features.age > 1) == True"),
]


@pytest.mark.parametrize("src, where, words", CASES, ids=[c[2][:40] for c in CASES])
def test_error_location_and_message(src, where, words, binary_schema):
    msg = first_error(src, binary_schema)
    assert msg.startswith(f"{FILE}:{where}: "), msg
    assert words in msg, msg


def test_errors_inside_a_user_function_name_the_call_site(binary_schema):
    msg = first_error("metric a(x) = sum(x)\nmetric b = a(features.region)", binary_schema)
    assert msg.startswith(f"{FILE}:1:19: sum(): argument x must be a numeric"), msg
    assert msg.endswith(f"(in a() called at {FILE}:2:12)"), msg


def test_errors_inside_a_builtin_point_at_the_users_call(binary_schema, regression_schema):
    with pytest.raises(DSLError) as info:
        compile_expression("\n  count() + mean(features.income, filter=features.region)", binary_schema,
                           source="telltale.yml")
    assert str(info.value).startswith("telltale.yml:2:42: a condition is expected here"), str(info.value)


def test_annotated_parameters_are_checked_at_the_call(binary_schema):
    msg = first_error("metric a(x: numeric) = sum(x)\nmetric b = a(features.region)", binary_schema)
    assert msg.startswith(f"{FILE}:2:14: a(): argument x must be a numeric field"), msg


def test_functions_not_valid_for_the_model_type(regression_schema, multiclass_schema):
    with pytest.raises(DSLError) as info:
        compile_expression("f1(predictions.price, actuals.price)", regression_schema, source="t.yml")
    assert str(info.value).startswith(
        "t.yml:1:1: f1 is not available for regression models (it applies to binary, multiclass, "
        "multilabel models); regression models can use absolute_error_sum, mae, mape, mse, r2, rmse, "
        "squared_error_sum"), str(info.value)
    with pytest.raises(DSLError, match="auc_roc is not available for multiclass models"):
        compile_expression("auc_roc", multiclass_schema)
    with pytest.raises(DSLError, match="mae is not available for multiclass models"):
        compile_expression("mae", multiclass_schema)


def test_ranking_metrics_need_a_query_column_and_a_whole_k():
    from dataclasses import replace

    from telltale.metric_dsl import ModelSchema

    schema = ModelSchema.from_kinds("ranking", predictions={"rank": "numeric"}, actuals={"rel": "numeric"})
    with pytest.raises(DSLError, match="ndcg_at_k groups rows by query: give the model query_id"):
        compile_expression("ndcg_at_k(predictions.rank, actuals.rel, k=4)", schema)
    with_query = replace(schema, query_column="qid")
    with pytest.raises(DSLError, match="k must be a whole number >= 1"):
        compile_expression("ndcg_at_k(predictions.rank, actuals.rel, k=2.5)", with_query)
    m = compile_expression("ndcg_at_k(predictions.rank, actuals.rel, k=4)", with_query)
    assert sorted(p.option for p in m.partials) == ["ndcg@4", "queries"]
    assert all(p.kind == "rank" and p.group is not None and p.group.name == "qid" for p in m.partials)


def test_defaults_need_a_fitting_prediction():
    from telltale.metric_dsl import ModelSchema

    schema = ModelSchema.from_kinds("binary", predictions={"segment": "categorical"},
                                    actuals={"y": "boolean"})
    with pytest.raises(DSLError, match=r"auc_roc\(\) needs prediction: the model has no numeric prediction; "
                                       r"pass it explicitly: auc_roc\(prediction=prediction"):
        compile_expression("auc_roc", schema)
    with pytest.raises(DSLError, match="the model has no actuals"):
        compile_expression("actuals_ratio()", ModelSchema.from_kinds("binary", predictions={"p": "boolean"}))


def test_load_library_reports_every_error_at_once(tmp_path: Path):
    (tmp_path / "metrics").mkdir()
    a = tmp_path / "metrics" / "a.metric"
    b = tmp_path / "metrics" / "b.metric"
    a.write_text("metric ok = count()\nmetric bad = sume(features.x)\n")
    b.write_text("metric broken = (\n")
    with pytest.raises(DSLErrorGroup) as info:
        load_library([a, b], base=tmp_path)
    lines = str(info.value).splitlines()
    assert lines[0].startswith("metrics/b.metric:1:18: unexpected end of the text"), lines
    assert lines[1].startswith("metrics/a.metric:2:14: unknown function sume (did you mean sum?)"), lines
    assert [e.file for e in info.value.errors] == ["metrics/b.metric", "metrics/a.metric"]


def test_load_library_missing_file(tmp_path: Path):
    with pytest.raises(DSLError, match="cannot read metric file"):
        load_library([tmp_path / "nope.metric"])


def test_check_library_collects_errors_per_metric_once(binary_schema):
    lib = library_from_sources([(FILE, "metric a = mean(features.incme)\n"
                                       "metric b = a * 2\n"
                                       "metric c = sum(features.region)\n"
                                       "metric d = count()\n")])
    errors = check_library(lib, binary_schema)
    assert [str(e).split(": ")[0] for e in errors] == [f"{FILE}:1:17", f"{FILE}:3:16"]
    assert check_library(lib, binary_schema, names=["d"]) == []


def test_inline_metrics_report_their_place_in_the_config(binary_schema):
    with pytest.raises(DSLError) as info:
        compile_expression("mean(features.incme)", binary_schema, source="telltale.yml", line=31, column=13)
    assert str(info.value) == "telltale.yml:31:18: unknown field features.incme (did you mean income?)"
    with pytest.raises(DSLError, match="unknown name approval_rat; "):
        compile_expression("approval_rat", binary_schema)
