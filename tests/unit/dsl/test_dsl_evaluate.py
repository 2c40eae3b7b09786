"""Compiled metrics evaluated over partials computed in DuckDB vs numpy / scikit-learn on raw rows.

Exact metrics must match to 1e-9 relative; histogram-based ones (quantiles, AUC) within
the bound the method states, computed in each test.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from dsl_support import partial_values
from sklearn import metrics as skm
from telltale.metric_dsl import compile_expression, library_from_sources

EXACT = 1e-9


def evaluate(con, text: str, schema) -> float | None:
    """Compile an inline metric, compute its partials in DuckDB, evaluate."""
    m = compile_expression(text, schema)
    return m.evaluate(partial_values(con, m.partials))


def num(frame: pd.DataFrame, column: str) -> np.ndarray:
    """A column as floats, NaN for nulls."""
    return np.array([np.nan if v is None else float(v) for v in frame[column]])


def present(frame: pd.DataFrame, *columns: str) -> np.ndarray:
    """Rows where every column is not null."""
    ok = np.ones(len(frame), dtype=bool)
    for c in columns:
        ok &= frame[c].notna().to_numpy()
    return ok


def is_(frame: pd.DataFrame, column: str, value) -> np.ndarray:
    """Rows where column == value (null is never equal)."""
    return np.array([v is not None and v == value for v in frame[column]])


def close(got: float | None, want: float, rel: float = EXACT) -> None:
    assert got is not None, f"expected {want}, got None"
    assert got == pytest.approx(want, rel=rel, abs=1e-12), (
        f"got {got!r}, expected {want!r} (bound: {rel:g} relative)")


# ---------------------------------------------------------------- aggregates


def test_counts_sums_and_extremes(con, frame, binary_schema):
    income = num(frame, "income")
    car = is_(frame, "has_car", True)
    close(evaluate(con, "count()", binary_schema), len(frame))
    close(evaluate(con, "prediction_count()", binary_schema), len(frame))
    close(evaluate(con, "count(features.income)", binary_schema), np.sum(~np.isnan(income)))
    close(evaluate(con, "sum(features.income[features.has_car == True])", binary_schema),
          np.nansum(income[car]))
    close(evaluate(con, "min(features.income)", binary_schema), np.nanmin(income))
    close(evaluate(con, "max(features.age)", binary_schema), np.nanmax(num(frame, "age")))
    close(evaluate(con, "squared_sum(features.age)", binary_schema), np.nansum(num(frame, "age") ** 2))


def test_mean_variance_stddev(con, frame, binary_schema):
    x = num(frame, "income")
    eu = is_(frame, "region", "EU")
    xs = x[eu & ~np.isnan(x)]
    close(evaluate(con, 'mean(features.income[features.region == "EU"])', binary_schema), xs.mean())
    close(evaluate(con, 'variance(features.income[features.region == "EU"])', binary_schema),
          np.var(xs, ddof=1))
    close(evaluate(con, 'stddev(features.income[features.region == "EU"])', binary_schema),
          np.std(xs, ddof=1))
    close(evaluate(con, "mean(features.`annual premium`)", binary_schema),
          np.nanmean(num(frame, "annual premium")))


def test_missing_and_distinct(con, frame, binary_schema):
    income = frame["income"].isna().to_numpy()
    us = is_(frame, "region", "US")
    close(evaluate(con, "missing_count(features.income)", binary_schema), income.sum())
    close(evaluate(con, "missing_ratio(features.income)", binary_schema), income.mean())
    close(evaluate(con, 'missing_ratio(features.income[features.region == "US"])', binary_schema),
          income[us].mean())
    close(evaluate(con, "count_distinct(features.region)", binary_schema), 3)
    close(evaluate(con, "count_distinct(features.region[features.age < 19])", binary_schema),
          frame["region"][num(frame, "age") < 19].dropna().nunique())


def test_actuals_count_and_ratio(con, frame, binary_schema):
    labelled = (frame["defaulted"].notna() | frame["label01"].notna()).to_numpy()
    close(evaluate(con, "actuals_count()", binary_schema), labelled.sum())
    close(evaluate(con, "actuals_ratio()", binary_schema), labelled.mean())


@pytest.mark.parametrize("text, mask", [
    ("count([features.age > 40])", lambda f: num(f, "age") > 40),
    ("prediction_count([features.age > 40 and features.has_car == False])",
     lambda f: (num(f, "age") > 40) & is_(f, "has_car", False)),
    ("count(features.age >= 40)", lambda f: num(f, "age") >= 40),
    ('count(filter=features.region in ("EU", "US"))',
     lambda f: is_(f, "region", "EU") | is_(f, "region", "US")),
    ('count(filter=features.region not in ("EU", "US"))',
     lambda f: f["region"].notna().to_numpy() & ~(is_(f, "region", "EU") | is_(f, "region", "US"))),
    ("count([features.income is None or features.age < 20])",
     lambda f: f["income"].isna().to_numpy() | (num(f, "age") < 20)),
    ("count([not features.has_car])", lambda f: is_(f, "has_car", False)),
    ("count([features.has_car != True and features.income is not None])",
     lambda f: is_(f, "has_car", False) & f["income"].notna().to_numpy()),
])
def test_filters(con, frame, binary_schema, text, mask):
    close(evaluate(con, text, binary_schema), mask(frame).sum())


def test_aporia_examples_paste_unchanged(con, frame):
    """Metrics from Aporia's CMDL documentation compile and evaluate as written."""
    from telltale.metric_dsl import FieldInfo, ModelSchema

    schema = ModelSchema("binary", {
        "features": {"Annual_Premium": FieldInfo("annual premium", "numeric"),
                     "Driving_License": FieldInfo("has_car", "boolean")},
        "raw_inputs": {"Age": FieldInfo("age", "numeric")},
        "predictions": {"Will_Buy_Insurance": FieldInfo("approved", "boolean")},
        "actuals": {"Will_Buy_Insurance": FieldInfo("defaulted", "boolean")}})
    prem = num(frame, "annual premium")
    lic = is_(frame, "has_car", True)
    got = evaluate(con, "sum(features.Annual_Premium[features.Driving_License == True]) / prediction_count()",
                   schema)
    close(got, np.nansum(prem[lic]) / len(frame))
    close(evaluate(con, "3 * prediction_count([raw_inputs.Age <= 35])", schema),
          3 * (num(frame, "age") <= 35).sum())
    ok = present(frame, "approved", "defaulted")
    p = frame["approved"][ok].astype(bool).to_numpy()
    a = frame["defaulted"][ok].astype(bool).to_numpy()
    tp, fp = np.sum(p & a), np.sum(p & ~a)
    close(evaluate(con, "5 * tp_count(predictions.Will_Buy_Insurance, actuals.Will_Buy_Insurance) "
                        "- 2 * fp_count(predictions.Will_Buy_Insurance, actuals.Will_Buy_Insurance)",
                   schema), 5 * tp - 2 * fp)
    close(evaluate(con, "accuracy(prediction=predictions.Will_Buy_Insurance, "
                        "label=actuals.Will_Buy_Insurance)", schema), skm.accuracy_score(a, p))


def test_division_by_zero_and_empty_aggregates_are_none(con, binary_schema):
    assert evaluate(con, "count([features.age > 1000]) / count([features.age > 1000])", binary_schema) is None
    assert evaluate(con, "mean(features.income[features.age > 1000])", binary_schema) is None
    assert evaluate(con, "max(features.income[features.age > 1000]) + 1", binary_schema) is None
    assert evaluate(con, "variance(features.income[features.age > 1000])", binary_schema) is None


# ---------------------------------------------------------------- binary classification


def _binary(frame, pred: str, label: str, threshold: float = 0.5):
    ok = present(frame, pred, label)
    p = num(frame, pred)[ok] >= threshold if frame[pred].dropna().map(type).eq(float).all() else \
        frame[pred][ok].astype(bool).to_numpy()
    a = num(frame, label)[ok] >= 0.5
    return p, a


@pytest.mark.parametrize("pred, label, threshold", [
    ("approved", "defaulted", 0.5), ("score", "defaulted", 0.7), ("score", "label01", 0.3)])
def test_binary_metrics_match_sklearn(con, frame, binary_schema, pred, label, threshold):
    p, a = _binary(frame, pred, label, threshold)
    args = f"predictions.{pred}, actuals.{label}, threshold={threshold}"
    tn, fp, fn, tp = skm.confusion_matrix(a, p, labels=[False, True]).ravel()
    for name, want in [("tp_count", tp), ("fp_count", fp), ("tn_count", tn), ("fn_count", fn),
                       ("accuracy", skm.accuracy_score(a, p)), ("precision", skm.precision_score(a, p)),
                       ("recall", skm.recall_score(a, p)), ("f1", skm.f1_score(a, p)),
                       ("f1_score", skm.f1_score(a, p))]:
        close(evaluate(con, f"{name}({args})", binary_schema), float(want))


def test_model_metric_defaults_and_filters(con, frame, binary_schema):
    """`f1` alone uses the first boolean prediction and first actual; filters narrow the rows."""
    p, a = _binary(frame, "approved", "defaulted")
    close(evaluate(con, "f1", binary_schema), skm.f1_score(a, p))
    eu = is_(frame, "region", "EU")[present(frame, "approved", "defaulted")]
    want = skm.precision_score(a[eu], p[eu])
    close(evaluate(con, 'precision(predictions.approved[features.region == "EU"], actuals.defaulted)',
                   binary_schema), want)
    close(evaluate(con, 'precision(filter=features.region == "EU")', binary_schema), want)


def test_log_loss_matches_sklearn(con, frame, binary_schema):
    ok = present(frame, "score", "defaulted")
    s = num(frame, "score")[ok]
    a = frame["defaulted"][ok].astype(bool).to_numpy()
    close(evaluate(con, "log_loss(predictions.score, actuals.defaulted)", binary_schema),
          skm.log_loss(a, s))
    close(evaluate(con, "log_loss", binary_schema), skm.log_loss(a, s))


def test_auc_roc_within_the_tie_bound(con, frame, binary_schema):
    m = compile_expression("auc_roc(predictions.score, actuals.defaulted)", binary_schema)
    vals = partial_values(con, m.partials)
    got = m.evaluate(vals)
    ok = present(frame, "score", "defaulted")
    s = num(frame, "score")[ok]
    a = frame["defaulted"][ok].astype(bool).to_numpy()
    want = skm.roc_auc_score(a, s)
    # binned scores tie when they share a bin: the error is at most half the share of
    # (positive, negative) pairs that share a bin
    pos, neg = (vals.get(p) for p in m.partials)
    grid = vals.grid(m.partials[0])
    dp, dn = grid.dense(pos), grid.dense(neg)
    bound = 0.5 * float(np.dot(dp, dn)) / (dp.sum() * dn.sum())
    assert abs(got - want) <= bound + 1e-12, f"auc {got} vs sklearn {want}: bound {bound}"
    assert bound < 0.01


# ---------------------------------------------------------------- quantiles


@pytest.mark.parametrize("text, q", [("median(features.income)", 0.5),
                                     ("quantile(features.income, 0.9)", 0.9),
                                     ("quantile(features.age, 0.25)", 0.25)])
def test_quantiles_within_one_bin(con, frame, binary_schema, text, q):
    m = compile_expression(text, binary_schema)
    vals = partial_values(con, m.partials)
    got = m.evaluate(vals)
    column = "income" if "income" in text else "age"
    x = num(frame, column)
    want = np.nanquantile(x, q)
    width = vals.grid(m.partials[0]).width
    assert abs(got - want) <= width, f"quantile {got} vs numpy {want}: bound one bin = {width}"


# ---------------------------------------------------------------- regression


def test_regression_metrics_match_sklearn(con, frame, regression_schema):
    ok = present(frame, "price", "price_actual")
    p, a = num(frame, "price")[ok], num(frame, "price_actual")[ok]
    nz = a != 0
    for text, want in [
        ("mae", skm.mean_absolute_error(a, p)),
        ("mse", skm.mean_squared_error(a, p)),
        ("rmse", np.sqrt(skm.mean_squared_error(a, p))),
        ("r2", skm.r2_score(a, p)),
        ("mape", skm.mean_absolute_percentage_error(a[nz], p[nz])),
        ("squared_error_sum(predictions.price, actuals.price)", np.sum((p - a) ** 2)),
        ("absolute_error_sum()", np.sum(np.abs(p - a))),
        ("1 - squared_error_sum() / (count(predictions.price - actuals.price) * "
         "variance(actuals.price[predictions.price is not None]) * "
         "(count(predictions.price - actuals.price) - 1) / count(predictions.price - actuals.price))",
         skm.r2_score(a, p)),
    ]:
        close(evaluate(con, text, regression_schema), float(want))


# ---------------------------------------------------------------- multiclass


@pytest.mark.parametrize("metric", ["precision", "recall", "f1"])
@pytest.mark.parametrize("average", ["macro", "micro", "weighted"])
def test_multiclass_metrics_match_sklearn(con, frame, multiclass_schema, metric, average):
    pytest.importorskip("telltale.stats.classification")
    ok = present(frame, "mc_pred", "mc_actual")
    p, a = frame["mc_pred"][ok].to_numpy(str), frame["mc_actual"][ok].to_numpy(str)
    fn = {"precision": skm.precision_score, "recall": skm.recall_score, "f1": skm.f1_score}[metric]
    close(evaluate(con, f'{metric}(average="{average}")', multiclass_schema),
          fn(a, p, average=average))
    close(evaluate(con, f'{metric}(predictions.animal, actuals.animal, class="dog")', multiclass_schema),
          fn(a, p, labels=["dog"], average=None)[0])


def test_multiclass_accuracy(con, frame, multiclass_schema):
    pytest.importorskip("telltale.stats.classification")
    ok = present(frame, "mc_pred", "mc_actual")
    p, a = frame["mc_pred"][ok].to_numpy(str), frame["mc_actual"][ok].to_numpy(str)
    close(evaluate(con, "accuracy", multiclass_schema), skm.accuracy_score(a, p))
    # the same written by hand with a comparison of two fields
    close(evaluate(con, "count([predictions.animal == actuals.animal]) / "
                        "count(predictions.animal[actuals.animal is not None])", multiclass_schema),
          skm.accuracy_score(a, p))


def test_library_metrics_share_partials_and_evaluate_together(con, frame, binary_schema):
    lib = library_from_sources([("m.metric", """
        metric approval_rate = count(predictions.approved[predictions.approved == True]) / count()
        metric eu_share = count([features.region == "EU"]) / count()
        metric lift = approval_rate / eu_share
    """)])
    metrics = lib.compile_many(lib.names(), binary_schema)
    from telltale.metric_dsl import all_partials

    vals = partial_values(con, all_partials(metrics))
    rate = is_(frame, "approved", True).mean()
    eu = is_(frame, "region", "EU").mean()
    got = {m.name: m.evaluate(vals) for m in metrics}
    close(got["approval_rate"], rate)
    close(got["eu_share"], eu)
    close(got["lift"], rate / eu)


def test_row_functions_keep_nulls_null(con, frame, binary_schema):
    car = frame["has_car"]
    known = car.notna().to_numpy()
    close(evaluate(con, "mean(if(features.has_car, 1, 0))", binary_schema),
          car[known].astype(bool).mean())
    close(evaluate(con, "count(if(features.has_car, 1, 0))", binary_schema), known.sum())
    income = num(frame, "income")
    close(evaluate(con, "sum(coalesce(features.income, 1000))", binary_schema),
          np.where(np.isnan(income), 1000.0, income).sum())
    age = num(frame, "age")
    close(evaluate(con, "mean(greatest(features.age, 50)) + mean(least(features.age, 50))", binary_schema),
          np.nanmean(np.fmax(age, 50) + 0 * age) + np.nanmean(np.fmin(age, 50) + 0 * age))
    score = num(frame, "score")
    close(evaluate(con, "mean(clip(predictions.score, 0.2, 0.8))", binary_schema),
          np.nanmean(np.clip(score, 0.2, 0.8)))
    close(evaluate(con, "sqrt(mean(abs(features.income - 50000) ** 2))", binary_schema),
          np.sqrt(np.nanmean((income - 50000) ** 2)))


def test_multilabel_models_use_binary_metrics_per_label(con, frame):
    from telltale.metric_dsl import ModelSchema

    schema = ModelSchema.from_kinds("multilabel", predictions={"approved": "boolean", "car": "boolean"},
                                    actuals={"defaulted": "boolean"})
    p, a = _binary(frame, "approved", "defaulted")
    close(evaluate(con, "recall(predictions.approved, actuals.defaulted)", schema), skm.recall_score(a, p))
