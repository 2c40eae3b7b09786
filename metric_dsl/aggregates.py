"""Handlers of the aggregate built-ins: each splits into mergeable partials + a final tree.

The filters of an aggregate are: the enclosing `filter=` conditions (ctx.filters), then
every filter written inside its argument, ANDed, in source order.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlglot import exp
from telltale.metric_dsl import final, sqlbuild
from telltale.metric_dsl.context import CallContext
from telltale.metric_dsl.diagnostics import did_you_mean
from telltale.metric_dsl.rowfuncs import positive_sql
from telltale.metric_dsl.schema import ModelSchema
from telltale.metric_dsl.values import Agg, Const, Mask, Row, Value

from telltale.core.partials import Partial
from telltale.core.squares import square_safe_condition

AVERAGES = ("macro", "micro", "weighted")


def _row(v: Value) -> Row:
    """A constant lifted to a per-row literal; rows unchanged."""
    if isinstance(v, Const):
        kind = "boolean" if v.kind == "boolean" else "numeric"
        return Row(sqlbuild.literal(v.value), kind, (), repr(v.value))
    assert isinstance(v, Row)
    return v


def _filter(ctx: CallContext, *extra: exp.Expression) -> exp.Expression | None:
    return sqlbuild.and_all([*ctx.filters, *extra])


def _ref(ctx: CallContext, partial: Partial, label: str) -> Agg:
    return Agg(final.Ref(ctx.add(partial).key), label)


def count(ctx: CallContext, args: Mapping[str, Value]) -> Value:
    """count() rows; count(x) non-null x; count([cond]) or count(condition) matching rows."""
    x = args.get("x")
    if x is None or (isinstance(x, Const) and x.kind == "none"):
        return _ref(ctx, Partial("count", None, _filter(ctx)), "count()")
    if isinstance(x, Mask):
        return _ref(ctx, Partial("count", None, _filter(ctx, *x.filters)), "count([...])")
    if isinstance(x, Const):   # count(True) / count(False) from a folded condition
        cond = [] if x.value else [sqlbuild.literal(False)]
        return _ref(ctx, Partial("count", None, _filter(ctx, *cond)), "count(...)")
    assert isinstance(x, Row)
    if x.kind == "boolean" and x.field is None:
        # a condition such as count(features.age > 30): rows where it holds
        return _ref(ctx, Partial("count", None, _filter(ctx, *x.filters, x.sql)), f"count({x.label})")
    return _ref(ctx, Partial("count", x.sql, _filter(ctx, *x.filters)), f"count({x.label})")


def rows(ctx: CallContext, args: Mapping[str, Value]) -> Value:
    """Rows under x's filters, whether x is null or not (the base of missing_count)."""
    x = args["x"]
    assert isinstance(x, Row)
    return _ref(ctx, Partial("count", None, _filter(ctx, *x.filters)), f"rows({x.label})")


def _scalar(kind: str):
    def handler(ctx: CallContext, args: Mapping[str, Value]) -> Value:
        x = _row(args["x"])
        return _ref(ctx, Partial(kind, x.sql, _filter(ctx, *x.filters)),  # type: ignore[arg-type]
                    f"{kind}({x.label})")

    handler.__name__ = kind
    handler.__doc__ = f"{kind.upper()}(x) over the rows of x's filters."
    return handler


sum_ = _scalar("sum")
min_ = _scalar("min")
max_ = _scalar("max")


COUNT_DISTINCT_CAP = 10_000
"""The most distinct values count_distinct reads per bucket (cut in the warehouse); beyond
it the count is an error, never a number that is too small."""


def count_distinct(ctx: CallContext, args: Mapping[str, Value]) -> Value:
    """Distinct non-null values: the keys of a capped `values` partial (exact up to the cap)."""
    x = args["x"]
    assert isinstance(x, Row)
    p = ctx.add(Partial("values", x.sql, _filter(ctx, *x.filters), cap=COUNT_DISTINCT_CAP))
    return Agg(final.CountDistinct(p.key, COUNT_DISTINCT_CAP), f"count_distinct({x.label})")


def quantile(ctx: CallContext, args: Mapping[str, Value]) -> Value:
    """The q-quantile from a histogram on the expression's grid plus its min and max."""
    x = _row(args["x"])
    q = args["q"]
    assert isinstance(q, Const)
    if not 0 <= float(q.value) <= 1:
        ctx.fail(f"quantile q must be between 0 and 1, got {q.value}; write e.g. 0.9 for the 90th percentile")
    flt = _filter(ctx, *x.filters)
    hist = ctx.add(Partial("hist", x.sql, flt))
    lo = ctx.add(Partial("min", x.sql, flt))
    hi = ctx.add(Partial("max", x.sql, flt))
    return Agg(final.Quantile(hist.key, hist.grid_key, lo.key, hi.key, float(q.value)),
               f"quantile({x.label}, {q.value})")


def variance(ctx: CallContext, args: Mapping[str, Value]) -> Value:
    """The sample variance from count, sum, sum of squares, min and max partials; an error
    instead of a number when the sums cannot give it precisely (final.Variance)."""
    x = _row(args["x"])
    flt = _filter(ctx, *x.filters)
    # the squares of values that neither over- nor underflow (core/squares.py): a PostgreSQL
    # or BigQuery scan would otherwise fail on the first one; min and max tell what was left out
    sq_flt = _filter(ctx, *x.filters, square_safe_condition(x.sql))
    parts = [ctx.add(Partial(kind, e, f)) for kind, e, f in (  # type: ignore[arg-type]
        ("count", x.sql, flt), ("sum", x.sql, flt),
        ("sum", sqlbuild.arith("*", x.sql, x.sql), sq_flt), ("min", x.sql, flt), ("max", x.sql, flt))]
    n, total, total_sq, lo, hi = (q.key for q in parts)
    return Agg(final.Variance(n, total, total_sq, lo, hi, x.label), f"variance({x.label})")


def labelled_condition(schema: ModelSchema) -> exp.Expression | None:
    """Rows that have a label: at least one actual column is not null (None: no actuals)."""
    cond: exp.Expression | None = None
    for info in schema.group("actuals").values():
        test = sqlbuild.is_null(exp.column(info.column, quoted=True), negated=True)
        cond = test if cond is None else sqlbuild.or_(cond, test)
    return cond


def actuals_count(ctx: CallContext, args: Mapping[str, Value]) -> Value:
    """Rows where at least one actual column is not null."""
    cond = labelled_condition(ctx.schema)
    if cond is None:
        ctx.fail("the model has no actuals; declare them in telltale.yml (actuals: {name: kind})")
    return _ref(ctx, Partial("count", None, _filter(ctx, cond)), "actuals_count()")


def auc_roc(ctx: CallContext, args: Mapping[str, Value]) -> Value:
    """ROC AUC from two histograms of the score: positive and negative labels (approximate)."""
    score = _row(args["prediction"])
    label = _row(args["label"])
    base = [*score.filters, *label.filters]
    pos_cond = positive_sql(label)
    neg_cond = sqlbuild.not_(positive_sql(label))
    pos = ctx.add(Partial("hist", score.sql, _filter(ctx, *base, pos_cond)))
    neg = ctx.add(Partial("hist", score.sql, _filter(ctx, *base, neg_cond)))
    return Agg(final.AucRoc(pos.key, neg.key, pos.grid_key), f"auc_roc({score.label}, {label.label})")


def _multiclass(metric: str):
    def handler(ctx: CallContext, args: Mapping[str, Value]) -> Value:
        pred, label = args["prediction"], args["label"]
        assert isinstance(pred, Row) and isinstance(label, Row)
        cls = args.get("class")
        average = args.get("average")
        avg = average.value if isinstance(average, Const) and average.value is not None else "macro"
        if avg not in AVERAGES:
            ctx.fail(f"average must be one of {', '.join(AVERAGES)}, got {avg!r}"
                     f"{did_you_mean(str(avg), AVERAGES)}")
        label_value = final.normalize_value(cls.value) if isinstance(cls, Const) else None
        p = ctx.add(Partial("crosstab", pred.sql, _filter(ctx, *pred.filters, *label.filters),
                            expr2=label.sql))
        return Agg(final.Multiclass(p.key, metric, label_value, avg),
                   f"{metric}({pred.label}, {label.label})")

    handler.__name__ = f"multiclass_{metric}"
    handler.__doc__ = f"Multiclass {metric} from a crosstab(prediction, label) partial."
    return handler


multiclass_accuracy = _multiclass("accuracy")
multiclass_precision = _multiclass("precision")
multiclass_recall = _multiclass("recall")
multiclass_f1 = _multiclass("f1")


def _ranking(option: str):
    def handler(ctx: CallContext, args: Mapping[str, Value]) -> Value:
        score, label = args["prediction"], args["label"]
        if not isinstance(score, Row) or not isinstance(label, Row):
            ctx.fail(f"{ctx.name} ranks the rows of each query by a score field and reads a "
                     "relevance field, e.g. ndcg_at_k(predictions.score, actuals.relevance, 10)")
        if ctx.schema.query_column is None:
            ctx.fail(f"{ctx.name} groups rows by query: give the model query_id: <column> "
                     "(or id:) in telltale.yml")
        k_arg = args.get("k")
        k = k_arg.value if isinstance(k_arg, Const) else None
        if k is not None and (isinstance(k, bool) or not float(k).is_integer() or k < 1):
            ctx.fail(f"k must be a whole number >= 1 (the cut-off position), got {k!r}")
        relevance = (sqlbuild.case_when(label.sql, sqlbuild.literal(1), sqlbuild.literal(0))
                     if label.kind == "boolean" else label.sql.copy())
        query = exp.column(ctx.schema.query_column, quoted=True)
        flt = _filter(ctx, *score.filters, *label.filters)
        name = option if k is None else f"{option}@{int(k)}"
        total = ctx.add(Partial("rank", score.sql, flt, relevance, group=query, option=name))
        queries = ctx.add(Partial("rank", score.sql, flt, relevance, group=query, option="queries"))
        return Agg(final.Binary("/", final.Ref(total.key), final.Ref(queries.key)),
                   f"{ctx.name}({score.label}, {label.label})")

    handler.__name__ = f"ranking_{option}"
    handler.__doc__ = f"Mean per-query {option} over the queries of the rows (a `rank` partial)."
    return handler


ndcg_at_k = _ranking("ndcg")
mrr = _ranking("mrr")
map_at_k = _ranking("map")
