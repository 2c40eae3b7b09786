"""The built-in functions implemented in Python, as a table of data.

Everything the language can express itself lives in stdlib/*.metric instead (mean,
variance, precision, mae, ...); what is here are the primitives that create partials
(count, sum, min, max, count_distinct, quantile, ...), per-row helpers (positive, if) and
math functions usable at both levels.
"""

from __future__ import annotations

from dataclasses import dataclass

from telltale.metric_dsl import aggregates as agg
from telltale.metric_dsl import multilabel as ml
from telltale.metric_dsl import rowfuncs as row
from telltale.metric_dsl.context import Handler
from telltale.metric_dsl.signature import REQUIRED, DefaultField, ParamSig, Signature

PRED = DefaultField("predictions")
ACTUAL = DefaultField("actuals")

CLASSIFIERS = frozenset({"binary", "multilabel"})
MULTICLASS = frozenset({"multiclass"})
MULTILABEL = frozenset({"multilabel"})
RANKING = frozenset({"ranking"})


@dataclass(frozen=True)
class FunctionSpec:
    """One Python built-in: signature, handler, model types, and what the docs say about it."""

    signature: Signature
    handler: Handler
    level: str                                   # aggregate | model | row | math
    summary: str
    computed: str = "exact"
    model_types: frozenset[str] | None = None    # None: every model type

    @property
    def name(self) -> str:
        """The function's name."""
        return self.signature.name


def _sig(name: str, *params: ParamSig, filterable: bool = True) -> Signature:
    return Signature(name, tuple(params), filterable)


P = ParamSig

_MC_PARAMS = (P("prediction", ("categorical",), PRED), P("label", ("categorical",), ACTUAL),
              P("class", ("label",), None), P("average", ("string",), "macro"))

FUNCTIONS: tuple[FunctionSpec, ...] = (
    # ------------------------------------------------------------------ aggregates
    FunctionSpec(_sig("count", P("x", ("any", "condition"), None)), agg.count, "aggregate",
                 "count() rows; count(x) rows where x is not null; count([cond]) or "
                 "count(condition) rows where the condition holds",
                 "exact: a COUNT partial"),
    FunctionSpec(_sig("prediction_count", P("x", ("any", "condition"), None)), agg.count, "aggregate",
                 "Aporia's name for count()", "exact: a COUNT partial"),
    FunctionSpec(_sig("column_count", P("x", ("any",))), agg.count, "aggregate",
                 "rows where x is not null (Aporia's name for count(x))", "exact: a COUNT partial"),
    FunctionSpec(_sig("rows", P("x", ("any",))), agg.rows, "aggregate",
                 "rows under x's filters, null or not (count() narrowed like x)",
                 "exact: a COUNT(*) partial"),
    FunctionSpec(_sig("sum", P("x", ("numeric",))), agg.sum_, "aggregate",
                 "sum of x over non-null rows (0 when there are none)", "exact: a SUM partial"),
    FunctionSpec(_sig("min", P("x", ("numeric",))), agg.min_, "aggregate", "smallest x",
                 "exact: a MIN partial"),
    FunctionSpec(_sig("max", P("x", ("numeric",))), agg.max_, "aggregate", "largest x",
                 "exact: a MAX partial"),
    FunctionSpec(_sig("count_distinct", P("x", ("any",))), agg.count_distinct, "aggregate",
                 "number of distinct non-null values of x",
                 "exact: a per-value COUNT partial (values), merged by key"),
    FunctionSpec(_sig("quantile", P("x", ("numeric",)), P("q", ("number",))), agg.quantile,
                 "aggregate", "the q-quantile of x (0 <= q <= 1)",
                 "approximate: from a histogram on the model's fixed grid (256 equal-width "
                 "bins between the baseline's 0.1% and 99.9% quantiles) plus min/max; error below "
                 "one bin width inside the grid"),
    FunctionSpec(_sig("variance", P("x", ("numeric",))), agg.variance, "aggregate",
                 "sample variance (n - 1); null for n < 2",
                 "exact: `(Σx² − (Σx)²/n) / (n − 1)` from count, sum and sum-of-squares partials "
                 "(exactly 0 when min equals max); an `error` instead of a number when rounding "
                 "bounds its relative error above 1 % (values large against their spread, such "
                 "as 1e9 ± 1, or so small that their squares underflow)"),
    FunctionSpec(_sig("actuals_count"), agg.actuals_count, "aggregate",
                 "rows with at least one actual (label) that is not null",
                 "exact: a COUNT partial"),
    # ------------------------------------------------------------------ model metrics
    FunctionSpec(_sig("auc_roc", P("prediction", ("numeric",), PRED),
                      P("label", ("boolean", "numeric"), ACTUAL)),
                 agg.auc_roc, "model", "area under the ROC curve of a numeric score",
                 "approximate: from two histograms of the score (positive / negative labels) on "
                 "the score's grid; scores sharing a bin count as ties (error below the share of "
                 "pairs within one bin)", CLASSIFIERS),
    FunctionSpec(_sig("accuracy", *_MC_PARAMS), agg.multiclass_accuracy, "model",
                 "share of rows whose predicted class equals the actual class",
                 "exact: a crosstab(prediction, label) partial", MULTICLASS),
    FunctionSpec(_sig("precision", *_MC_PARAMS), agg.multiclass_precision, "model",
                 "precision of one class (class=) or averaged over classes (average=)",
                 "exact: a crosstab(prediction, label) partial", MULTICLASS),
    FunctionSpec(_sig("recall", *_MC_PARAMS), agg.multiclass_recall, "model",
                 "recall of one class (class=) or averaged over classes (average=)",
                 "exact: a crosstab(prediction, label) partial", MULTICLASS),
    FunctionSpec(_sig("f1", *_MC_PARAMS), agg.multiclass_f1, "model",
                 "F1 of one class (class=) or averaged over classes (average=)",
                 "exact: a crosstab(prediction, label) partial", MULTICLASS),
    *(FunctionSpec(_sig(name, P("prediction", ("numeric",), PRED),
                        P("label", ("numeric", "boolean"), ACTUAL), P("k", ("number",), k)),
                   handler, "model", summary,
                   "exact: rows ranked per query inside the warehouse (window functions), "
                   "per-query values summed per bucket (`rank` partials); ties in score are "
                   "broken pessimistically (the less relevant row first)", RANKING)
      for name, handler, k, summary in (
          ("ndcg_at_k", agg.ndcg_at_k, 10,
           "mean over queries of DCG@k / IDCG@k (linear gains, log2 discount; 0 for a query "
           "without a relevant row), as sklearn's ndcg_score"),
          ("mrr", agg.mrr, None,
           "mean over queries of 1 / position of the first relevant row (relevance > 0; 0 "
           "when none is in the top k; k: no cut-off by default)"),
          ("map_at_k", agg.map_at_k, 10,
           "mean over queries of the average precision at k: the sum of precision@i over "
           "relevant positions i <= k, divided by min(k, relevant rows); 0 without one"))),
    *(FunctionSpec(_sig(f"multilabel_{metric}", P("average", ("string",), "macro"),
                        P("threshold", ("number",), 0.5)),
                   handler, "model",
                   f"{metric} across labels (each prediction paired with the actual of the same "
                   "name): average micro (pooled counts), macro (mean over labels) or weighted "
                   "(by each label's support), as scikit-learn",
                   "exact: tp/fp/fn counts per label", MULTILABEL)
      for metric, handler in (("precision", ml.multilabel_precision),
                              ("recall", ml.multilabel_recall), ("f1", ml.multilabel_f1))),
    # ------------------------------------------------------------------ per-row helpers
    FunctionSpec(_sig("positive", P("x", ("boolean", "numeric")), P("threshold", ("number",), 0.5),
                      filterable=False), row.positive, "row",
                 "per row: a boolean as is, a numeric score when >= threshold"),
    FunctionSpec(_sig("if", P("condition", ("condition",)), P("then", ("value",)),
                      P("else", ("value",)), filterable=False), row.if_, "row",
                 "per row: then where the condition holds, else elsewhere (CASE WHEN)"),
    # ------------------------------------------------------------------ math (both levels)
    *(FunctionSpec(_sig(fn, *[P(p, ("numeric", "aggregate")) for p in params], filterable=False),
                   row.math_function(fn), "math", summary)
      for fn, params, summary in (
          ("abs", ("x",), "absolute value"),
          ("sqrt", ("x",), "square root (null below 0)"),
          ("ln", ("x",), "natural logarithm (null at or below 0)"),
          ("exp", ("x",), "e to the power x"),
          ("greatest", ("a", "b"), "the larger of a and b"),
          ("least", ("a", "b"), "the smaller of a and b"),
          ("clip", ("x", "lo", "hi"), "x limited to [lo, hi]"),
          ("coalesce", ("x", "default"), "x, or default where x is null"),
      )),
)

BY_NAME: dict[str, list[FunctionSpec]] = {}
for _spec in FUNCTIONS:
    BY_NAME.setdefault(_spec.name, []).append(_spec)

__all__ = ["ACTUAL", "BY_NAME", "FUNCTIONS", "PRED", "REQUIRED", "FunctionSpec"]
