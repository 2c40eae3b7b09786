"""Multilabel precision, recall and F1 averaged across labels (micro, macro, weighted).

A multilabel model maps one prediction and one actual per label under the same name
(`predictions: {spam: boolean, toxic: boolean}`, `actuals: {spam: boolean, toxic:
boolean}`). Per label, three filtered counts are pushed down (tp, fp, fn over rows where
both are not null) plus the number of such rows; the average is taken in Python after
the buckets are merged, exactly as scikit-learn's `precision_score(average=...)` on the
label-indicator matrices (a label whose metric is 0/0 counts 0, as its zero_division).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from sqlglot import exp
from telltale.metric_dsl import sqlbuild
from telltale.metric_dsl.context import CallContext
from telltale.metric_dsl.diagnostics import did_you_mean
from telltale.metric_dsl.final import Undefined, _finite, _Node
from telltale.metric_dsl.rowfuncs import positive_sql
from telltale.metric_dsl.values import Agg, Const, Row, Value

from telltale.core.partials import PartialValues, count_rows

AVERAGES = ("micro", "macro", "weighted")


def _ratio(num: float, den: float) -> float | None:
    return num / den if den else None


def _metric(metric: str, tp: float, fp: float, fn: float) -> float | None:
    if metric == "precision":
        return _ratio(tp, tp + fp)
    if metric == "recall":
        return _ratio(tp, tp + fn)
    return _ratio(2 * tp, 2 * tp + fp + fn)


def average_metric(metric: str, average: str, counts: list[tuple[float, float, float]]) -> float | None:
    """precision/recall/f1 from per-label (tp, fp, fn), averaged as scikit-learn does."""
    if average == "micro":
        return _metric(metric, *(sum(c[i] for c in counts) for i in range(3)))
    per_label = [_metric(metric, *c) or 0.0 for c in counts]
    if average == "macro":
        return sum(per_label) / len(per_label) if per_label else None
    support = [tp + fn for tp, _, fn in counts]
    return _ratio(sum(s * m for s, m in zip(support, per_label)), sum(support))


@dataclass(frozen=True)
class MultilabelAverage(_Node):
    """A multilabel metric from per-label tp/fp/fn count partials and row counts."""

    metric: str
    average: str
    labels: tuple[str, ...]
    keys: tuple[tuple[str, str, str, str], ...]   # per label: tp, fp, fn, rows

    def compute(self, values: PartialValues) -> float:
        """The averaged metric (null with no paired rows or a 0/0)."""
        if not any(values.get(k[3]) for k in self.keys):
            raise Undefined(f"{self.describe()} has no rows with both a prediction and a label")
        counts = [tuple(float(values.get(k) or 0) for k in ks[:3]) for ks in self.keys]
        r = average_metric(self.metric, self.average, counts)  # type: ignore[arg-type]
        if r is None:
            raise Undefined(f"{self.describe()} is undefined: a division by zero (no positive "
                            "prediction or label in its denominator)")
        return _finite(r, self.describe())

    def describe(self) -> str:
        """The metric as text."""
        return f"multilabel_{self.metric}(average={self.average!r}) over {', '.join(self.labels)}"

    def refs(self) -> Iterator[str]:
        """Every count key."""
        for ks in self.keys:
            yield from ks


def _handler(metric: str):
    def handler(ctx: CallContext, args: Mapping[str, Value]) -> Value:
        average = args.get("average")
        avg = average.value if isinstance(average, Const) and average.value is not None else "macro"
        if avg not in AVERAGES:
            ctx.fail(f"average must be one of {', '.join(AVERAGES)}, got {avg!r}"
                     f"{did_you_mean(str(avg), AVERAGES)}")
        t = args.get("threshold")
        threshold = float(t.value) if isinstance(t, Const) and t.value is not None else 0.5
        preds, actuals = ctx.schema.group("predictions"), ctx.schema.group("actuals")
        labels = [n for n in actuals if n in preds
                  and preds[n].kind in ("boolean", "numeric") and actuals[n].kind in ("boolean", "numeric")]
        if not labels:
            ctx.fail(f"{ctx.name} pairs each label's prediction and actual by name: map both "
                     "under the same name, e.g. predictions: {spam: boolean} and actuals: {spam: boolean}")
        keys = []
        for name in labels:
            p = Row(exp.column(preds[name].column, quoted=True), preds[name].kind)
            a = Row(exp.column(actuals[name].column, quoted=True), actuals[name].kind)
            both = [*ctx.filters, sqlbuild.is_null(p.sql, negated=True), sqlbuild.is_null(a.sql, negated=True)]
            pp, ap = positive_sql(p, threshold), positive_sql(a)
            conds = ((pp, ap), (pp, sqlbuild.not_(ap)), (sqlbuild.not_(pp), ap))
            keys.append(tuple(ctx.add(count_rows(sqlbuild.and_all([*both, x, y]))).key for x, y in conds)
                        + (ctx.add(count_rows(sqlbuild.and_all(both))).key,))
        node = MultilabelAverage(metric, str(avg), tuple(labels), tuple(keys))  # type: ignore[arg-type]
        return Agg(node, f"{ctx.name}(average={avg!r})")   # type: ignore[arg-type]

    handler.__name__ = f"multilabel_{metric}"
    handler.__doc__ = f"Multilabel {metric} averaged across labels (per-label count partials)."
    return handler


multilabel_precision = _handler("precision")
multilabel_recall = _handler("recall")
multilabel_f1 = _handler("f1")
