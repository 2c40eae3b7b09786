"""estimated_performance: accuracy, precision, recall, F1 or ROC AUC of a binary classifier
estimated from its calibrated scores (CBPE, as NannyML's) for windows whose labels have not
arrived, from pushed-down score histograms only (see `telltale.stats.cbpe`).

Per window and segment the warehouse returns the score histogram of the rows predicted
positive and of those predicted negative (score >= threshold or not), each split by label:
labelled positive, labelled negative, all rows. The baseline's labelled histograms calibrate
the score per bin; the window's histograms per predicted class give the expected confusion
counts. Where the window's labels have arrived the realized value rides along in `extra`.
"""

from __future__ import annotations

from typing import Any, Literal, cast

import numpy as np
from pydantic import Field as PydanticField
from sqlglot import exp

from telltale.configbase.values import Name, Number
from telltale.core.fields import Field
from telltale.core.partials import Partial, PartialValues
from telltale.core.results import MonitorResult
from telltale.monitors.base import DetectionMonitor, MonitorType
from telltale.monitors.common import detect, make_result, segments_for
from telltale.monitors.context import EvalContext
from telltale.stats import cbpe

MIN_CALIBRATION_ROWS = 100
"""A baseline (of a segment) with fewer labelled rows cannot calibrate the score: no_data."""


class EstimatedPerformanceMonitor(DetectionMonitor):
    """A binary classifier's performance estimated from its calibrated scores, without labels."""

    type: Literal["estimated_performance"]
    metric: Literal["accuracy", "precision", "recall", "f1", "auc_roc"]
    score: Name | None = None
    """The numeric prediction holding P(positive); None = the model's only numeric prediction."""
    label: Name | None = None
    """The actual (boolean, or numeric 1/0) the score predicts; None = the model's only actual."""
    threshold: Number = PydanticField(0.5, gt=0, lt=1)
    """A row is predicted positive when its score is >= threshold."""

    @property
    def metric_name(self) -> str:
        """`estimated_<metric>`, e.g. `estimated_f1`."""
        return f"estimated_{self.metric}"

    @property
    def compares_with_baseline(self) -> bool:
        """The baseline calibrates the score, so every segment needs one."""
        return True

    def model_problems(self, model: Any) -> list[tuple[tuple[str, ...], str]]:
        """Why this monitor does not fit `model` (a ModelConfig): (key path, message) pairs."""
        out: list[tuple[tuple[str, ...], str]] = []
        if model.type != "binary":
            out.append((("type",), f"estimated_performance estimates binary classifiers and model "
                        f"{self.model} is {model.type}"))
            return out
        scores = [f.name for f in model.fields("predictions") if f.kind == "numeric"]
        if self.score is not None:
            ref = model.field(self.score, ("predictions",))
            if ref is None or ref.kind != "numeric":
                out.append((("score",), f"model {self.model} has no numeric prediction "
                            f"'{self.score}'; score names one of its numeric predictions "
                            f"({', '.join(scores) or 'none mapped'})"))
        elif len(scores) != 1:
            out.append((("type",), f"model {self.model} maps {len(scores)} numeric predictions "
                        f"({', '.join(scores) or 'none'}); name the probability with score: <prediction>"
                        if scores else f"estimated_performance needs a probability score but model "
                        f"{self.model} maps no numeric prediction; add e.g. predictions: {{score: numeric}}"))
        labels = [f.name for f in model.fields("actuals") if f.kind in ("boolean", "numeric")]
        if self.label is not None:
            ref = model.field(self.label, ("actuals",))
            if ref is None or ref.kind == "categorical":
                out.append((("label",), f"model {self.model} has no boolean or numeric actual "
                            f"'{self.label}'; label names one of {', '.join(labels) or 'none mapped'}"))
        elif len(labels) != 1:
            out.append((("type",), f"model {self.model} maps {len(labels)} boolean/numeric actuals; "
                        "name the one the score predicts with label: <actual>" if labels else
                        f"estimated_performance learns the calibration from labels but model "
                        f"{self.model} maps no boolean or numeric actual; add e.g. actuals: "
                        "{defaulted: boolean}"))
        return out


def _pick(ctx: EvalContext, group: str, name: str | None, kinds: tuple[str, ...]) -> Field:
    if name is not None:
        return ctx.fields[f"{group}.{name}"]
    return next(f for f in ctx.fields.values() if f.group == group and f.kind in kinds)


def _partials(cfg: EstimatedPerformanceMonitor, ctx: EvalContext) -> dict[tuple[str, str], Partial]:
    """Score histograms by (predicted, label): predicted `pos`/`neg`, label `pos`/`neg`/`any`."""
    score = _pick(ctx, "predictions", cfg.score, ("numeric",)).expr
    label = _pick(ctx, "actuals", cfg.label, ("boolean", "numeric"))
    y_pos: exp.Expression = (label.expr if label.kind == "boolean"
                             else exp.GTE(this=label.expr, expression=exp.Literal.number(0.5)))
    pred = {"pos": exp.GTE(this=score.copy(), expression=exp.Literal.number(cfg.threshold)),
            "neg": exp.LT(this=score.copy(), expression=exp.Literal.number(cfg.threshold))}
    lab: dict[str, exp.Expression | None] = {"pos": y_pos, "neg": exp.Not(this=exp.Paren(this=y_pos.copy())),
                                             "any": None}
    out = {}
    for p, pc in pred.items():
        for lname, lc in lab.items():
            both = pc.copy() if lc is None else exp.And(this=pc.copy(), expression=lc.copy())
            cond = cast(exp.Expression, both)      # sqlglot 30 types conditions as Expr
            out[(p, lname)] = Partial("hist", score.copy(), cond)
    return out


def requests(cfg: EstimatedPerformanceMonitor, ctx: EvalContext) -> set[Partial]:
    """Six score histograms (predicted class x labelled positive / negative / any)."""
    return set(_partials(cfg, ctx).values())


def _dense(values: PartialValues, parts: dict[tuple[str, str], Partial]) -> dict[tuple[str, str], np.ndarray] | None:
    grid = values.grid(next(iter(parts.values())))
    if grid is None:
        return None
    return {k: grid.dense(values.get(p)) for k, p in parts.items()}


def _realized(h: dict[tuple[str, str], np.ndarray], metric: str) -> tuple[float | None, int]:
    """The metric over the window's labelled rows (not for auc_roc: binned scores tie), and
    how many rows are labelled."""
    c = cbpe.Confusion(tp=h["pos", "pos"].sum(), fp=h["pos", "neg"].sum(),
                       tn=h["neg", "neg"].sum(), fn=h["neg", "pos"].sum())
    labelled = int(c.tp + c.fp + c.tn + c.fn)
    if metric == "auc_roc" or labelled == 0:
        return None, labelled
    return c.metric(metric), labelled


def evaluate(cfg: EstimatedPerformanceMonitor, ctx: EvalContext) -> list[MonitorResult]:
    """The estimated metric per segment vs the detection."""
    parts = _partials(cfg, ctx)
    name = cfg.metric_name
    results = []
    for seg in segments_for(cfg, ctx):
        base = None if ctx.baseline is None else _dense(ctx.values(ctx.baseline, seg), parts)
        focal = _dense(ctx.values(ctx.focal, seg), parts)
        if base is None or focal is None:
            results.append(make_result(cfg, ctx, column=None, segment=seg, metric=name, value=None,
                                       verdict=None, baseline=ctx.baseline,
                                       reason="the score has no histogram grid: the baseline has no scores"))
            continue
        pos = base["pos", "pos"] + base["neg", "pos"]
        neg = base["pos", "neg"] + base["neg", "neg"]
        labelled = int(pos.sum() + neg.sum())
        if labelled < MIN_CALIBRATION_ROWS:
            results.append(make_result(
                cfg, ctx, column=None, segment=seg, metric=name, value=None, verdict=None,
                baseline=ctx.baseline, status="no_data",
                reason=f"the baseline has {labelled} labelled row(s) with a finite score; at least "
                       f"{MIN_CALIBRATION_ROWS} are needed to calibrate the score"))
            continue
        p = cbpe.calibration(pos, neg)

        def fn(values: PartialValues, p: np.ndarray = p) -> float | None:
            h = _dense(values, parts)
            return None if h is None else cbpe.estimate(cfg.metric, p, h["pos", "any"], h["neg", "any"])

        value = cbpe.estimate(cfg.metric, p, focal["pos", "any"], focal["neg", "any"])
        verdict, base_rng, extra = None, None, {}  # type: ignore[var-annotated]
        if value is not None:
            verdict, base_rng, extra = detect(cfg, ctx, fn, value, seg, extensive=False)
        realized, window_labels = _realized(focal, cfg.metric)
        extra = {**extra, "baseline_labelled_rows": labelled, "labelled_rows": window_labels,
                 "realized": realized}
        results.append(make_result(cfg, ctx, column=None, segment=seg, metric=name, value=value,
                                   verdict=verdict, baseline=base_rng or ctx.baseline, extra=extra,
                                   reason="no expected positives (or negatives) in the window: the "
                                          "metric is 0/0"))
    return results


MONITOR = MonitorType(EstimatedPerformanceMonitor, evaluate, requests)
