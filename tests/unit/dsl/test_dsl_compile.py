"""Compilation results: which partials a metric pushes down, deduplication, the final tree."""

from __future__ import annotations

import dataclasses

import pytest
from sqlglot import exp
from telltale.metric_dsl import (
    all_partials,
    compile_expression,
    library_from_sources,
    stdlib_library,
)
from telltale.metric_dsl import final as F
from telltale.metric_dsl.library import builtin_registry

from telltale.errors import DSLError
from telltale.core.partials import PartialValues


def keys(text: str, schema) -> list[str]:
    return [p.key for p in compile_expression(text, schema).partials]


def test_mean_is_sum_over_count(binary_schema):
    m = compile_expression("mean(features.income[features.age > 30])", binary_schema)
    assert [p.key for p in m.partials] == ['sum|"income"|where "age" > 30',
                                           'count|"income"|where "age" > 30']
    assert m.final == F.Binary("/", F.Ref(m.partials[0].key), F.Ref(m.partials[1].key))
    assert m.columns == ("age", "income")


def test_partials_are_sqlglot_trees_with_the_filter_separate(binary_schema):
    m = compile_expression('sum(features.`annual premium`[features.region == "EU"])', binary_schema)
    (p,) = m.partials
    assert p.kind == "sum"
    assert isinstance(p.expr, exp.Column) and p.expr.this.quoted and p.expr.name == "annual premium"
    assert isinstance(p.filter, exp.EQ)
    assert p.filter.sql() == "\"region\" = 'EU'"


def test_filters_inside_an_argument_are_anded(binary_schema):
    assert keys("sum(features.income[features.age > 30][features.has_car] * 2)", binary_schema) == [
        'sum|CAST("income" AS DOUBLE) * 2|where "age" > 30 AND "has_car"']
    assert keys("count(features.income[features.age > 30], filter=features.has_car == False)",
                binary_schema) == ['count|"income"|where NOT "has_car" AND "age" > 30']


def test_variance_and_quantile_partials(binary_schema):
    # count, sum and sum of squares (of the values whose square neither over- nor
    # underflows), plus min and max (min == max: a constant, variance 0)
    assert keys("variance(features.age)", binary_schema) == [
        'count|"age"', 'sum|"age"', 'sum|CAST("age" AS DOUBLE) * CAST("age" AS DOUBLE)|where '
        'ABS(CAST("age" AS DOUBLE)) BETWEEN 1.4916681462400413e-154 AND 1.3407807929942596e+154',
        'min|"age"', 'max|"age"']
    assert isinstance(compile_expression("variance(features.age)", binary_schema).final, F.Variance)
    m = compile_expression("quantile(features.age, 0.9)", binary_schema)
    assert [p.kind for p in m.partials] == ["hist", "min", "max"]
    assert isinstance(m.final, F.Quantile) and m.final.q == 0.9 and m.final.grid == '"age"'


def test_distribution_partials(binary_schema, multiclass_schema):
    # capped in the warehouse at COUNT_DISTINCT_CAP values per bucket (more is an error)
    assert keys("count_distinct(features.region)", binary_schema) == ['values|"region"|max 10000']
    m = compile_expression("auc_roc", binary_schema)
    assert [p.key for p in m.partials] == ['hist|"score"|where "defaulted"',
                                           'hist|"score"|where NOT "defaulted"']
    m = compile_expression('precision(class="cat")', multiclass_schema)
    (p,) = m.partials
    assert p.kind == "crosstab" and p.expr.name == "mc_pred" and p.expr2.name == "mc_actual"
    assert m.final == F.Multiclass(p.key, "precision", "cat", "macro")


def test_binary_metrics_share_their_counts(binary_schema):
    precision = compile_expression("precision", binary_schema)
    recall = compile_expression("recall", binary_schema)
    f1 = compile_expression("f1", binary_schema)
    tp = 'count|"approved"|where "approved" AND "defaulted"'
    assert [p.key for p in precision.partials] == [tp, 'count|"approved"|where "approved" AND NOT "defaulted"']
    assert [p.key for p in recall.partials] == [tp, 'count|"approved"|where NOT "approved" AND "defaulted"']
    assert len(f1.partials) == 3              # tp appears twice in f1 but is pushed down once
    union = all_partials([precision, recall, f1])
    assert len(union) == 3 and union[0].key == tp


def test_numeric_scores_use_the_threshold(binary_schema):
    assert keys("tp_count(predictions.score, actuals.label01, threshold=0.7)", binary_schema) == [
        'count|"score"|where "score" >= 0.7 AND "label01" >= 0.5']


def test_regression_partials_are_shared(regression_schema):
    mae = compile_expression("mae", regression_schema)
    mse = compile_expression("mse", regression_schema)
    diff = 'CAST("price" AS DOUBLE) - CAST("price_actual" AS DOUBLE)'   # no integer overflow
    assert mae.partials[1].key == mse.partials[1].key == f'count|{diff}'
    assert mse.partials[0].key == f'sum|POWER({diff}, 2)'
    mape = compile_expression("mape", regression_schema)
    assert mape.partials[0].key == (f'sum|ABS(({diff}) / NULLIF("price_actual", 0))'
                                    '|where "price_actual" <> 0')


def test_library_metrics_expand_earlier_metrics(binary_schema):
    lib = library_from_sources([("m.metric", """
        metric approvals = count([predictions.approved])
        metric approval_rate = approvals / count()
        metric scaled(x: numeric, k: number = 2) = k * mean(x)
        metric twice_income = scaled(features.income)
        metric eu_rate = approval_rate(filter=features.region == "EU")
    """)])
    rate = lib.compile("approval_rate", binary_schema)
    assert [p.key for p in rate.partials] == ['count|*|where "approved"', "count|*"]
    assert lib.compile("twice_income", binary_schema).final == F.Binary(
        "*", F.Const(2), F.Binary("/", F.Ref('sum|"income"'), F.Ref('count|"income"')))
    eu = lib.compile("eu_rate", binary_schema)
    assert [p.key for p in eu.partials] == ["count|*|where \"region\" = 'EU' AND \"approved\"",
                                            "count|*|where \"region\" = 'EU'"]
    assert lib.compile("f1", binary_schema).partials == compile_expression("f1", binary_schema).partials


def test_constants_fold(binary_schema):
    m = compile_expression("2 ** 3 - 1 + count() * 0", binary_schema)
    assert m.final == F.Binary("+", F.Const(7), F.Binary("*", F.Ref("count|*"), F.Const(0)))
    m = compile_expression("(1 + 1) / 4", binary_schema)
    assert m.partials == () and m.final == F.Const(0.5)


def test_conditions_fold_and_simplify(binary_schema):
    assert keys("count([True and features.has_car == True])", binary_schema) == ['count|*|where "has_car"']
    assert keys("count([features.has_car != True or False])", binary_schema) == ['count|*|where NOT "has_car"']
    assert keys("count([1 > 2])", binary_schema) == ["count|*|where FALSE"]


def test_compiled_forms_are_frozen(binary_schema):
    m = compile_expression("mean(features.age)", binary_schema)
    with pytest.raises(dataclasses.FrozenInstanceError):
        m.name = "x"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        m.final.op = "*"  # type: ignore[union-attr]


@pytest.mark.parametrize("schema_name", ["binary_schema", "regression_schema", "multiclass_schema"])
def test_every_builtin_compiles_with_default_arguments(request, schema_name):
    """Each model metric and aggregate usable without arguments compiles for its model type."""
    schema = request.getfixturevalue(schema_name)
    lib = stdlib_library()
    compiled = 0
    for name in builtin_registry():
        impl = lib.impl_for(name, schema.model_type)
        if impl is None or not impl.signature.all_defaulted():
            continue
        if impl.spec is not None and impl.spec.level in ("row", "math"):
            continue
        if impl.model_types == frozenset({"ranking"}):
            continue
        m = lib.compile(name, schema)
        assert m.partials, name
        compiled += 1
    assert compiled >= 5


# ---------------------------------------------------------------- the final tree


def test_final_division_by_zero_and_none_propagation():
    v = PartialValues({"count|*": 0, "sum|x": 3.0, "min|x": None})
    assert F.Binary("/", F.Ref("sum|x"), F.Ref("count|*")).evaluate(v) is None
    assert F.Binary("+", F.Ref("min|x"), F.Const(1)).evaluate(v) is None
    assert F.Neg(F.Ref("min|x")).evaluate(v) is None
    assert F.Math("sqrt", (F.Const(-1),)).evaluate(v) is None
    assert F.Math("ln", (F.Const(0),)).evaluate(v) is None
    assert F.Binary("**", F.Const(-8), F.Const(0.5)).evaluate(v) is None
    assert F.Math("coalesce", (F.Ref("min|x"), F.Const(4))).evaluate(v) == 4
    assert F.Math("greatest", (F.Const(1), F.Const(4))).evaluate(v) == 4
    assert F.Math("clip", (F.Const(7), F.Const(0), F.Const(5))).evaluate(v) == 5
    # a partial never stored reads as its empty value
    assert F.Ref("count|nothing").evaluate(v) == 0
    assert F.CountDistinct("values|r").evaluate(PartialValues({"values|r": {"a": 2, "b": 0, None: 3}})) == 1


def test_multiclass_final_skips_null_pairs_and_normalizes_labels():
    pytest.importorskip("telltale.stats.classification")
    v = PartialValues({"crosstab|p|a": {("1", "1"): 3, ("1", "2"): 1, (None, "1"): 5}})
    assert F.Multiclass("crosstab|p|a", "precision", F.normalize_value(1.0), "macro").evaluate(v) == 0.75
    assert F.Multiclass("crosstab|p|a", "accuracy", None, "macro").evaluate(v) == 0.75
    assert F.Multiclass("crosstab|q|a", "accuracy", None, "macro").evaluate(v) is None


def test_docs_list_every_builtin():
    from pathlib import Path

    docs = (Path(__file__).resolve().parents[3] / "docs" / "dsl.md").read_text(encoding="utf-8")
    missing = [n for n in builtin_registry() if f"`{n}" not in docs and f" {n} " not in docs
               and f" {n}`" not in docs]
    assert not missing, f"docs/dsl.md does not mention {missing}"


def test_load_library_reads_files_in_order(tmp_path, binary_schema):
    from telltale.metric_dsl import load_library

    a = tmp_path / "a.metric"
    b = tmp_path / "b.metric"
    a.write_text("metric approvals = count([predictions.approved])  # approved rows\n")
    b.write_text("metric approval_rate = approvals / count()\n")
    lib = load_library([a, b], base=tmp_path)
    assert lib.names() == ["approvals", "approval_rate"] and lib.files == ("a.metric", "b.metric")
    assert lib.compile("approval_rate", binary_schema).partials[0].key == 'count|*|where "approved"'
    inline = compile_expression("approval_rate * 100", binary_schema, library=lib)
    assert inline.name == "approval_rate * 100" and len(inline.partials) == 2
    with pytest.raises(DSLError, match=r"b.metric:1:24: metric approvals is used before it is defined \(at a.metric:1:1\)"):
        load_library([b, a], base=tmp_path)
