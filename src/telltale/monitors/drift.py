"""What data_drift and prediction_drift share: the distance between the focal window's and the
baseline's distribution of each column, vs a threshold (its default depends on the method)."""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

from pydantic import Field as PydanticField
from pydantic import model_validator

from telltale.configbase.values import Number, fail
from telltale.core.fields import Field
from telltale.core.partials import Partial, PartialValues
from telltale.core.results import MonitorResult
from telltale.monitors.base import ColumnsMixin, MonitorBase
from telltale.monitors.common import columns_of, iter_targets, make_result
from telltale.monitors.context import EvalContext, column_partials
from telltale.monitors.detection import at_least
from telltale.monitors.drift_score import model_scores
from telltale.stats.drift import NumericSummary, drift

DriftMethod = Literal["psi", "js", "hellinger", "ks", "wasserstein", "chi2", "score"]
DRIFT_DEFAULT_THRESHOLDS: dict[str, float] = {
    "psi": 0.1, "js": 0.1, "hellinger": 0.1, "ks": 0.05, "wasserstein": 0.06, "chi2": 0.1,
    "score": 0.1,
}
"""Threshold used when a drift monitor gives none (chi2 is judged on Cramér's V), chosen by
bench/alert_quality.py (docs/ALERT_QUALITY.md): at most 1 % false alerts per column-window
on stable data at 10k-10M rows per window, and shifts with a PSI of 0.2 caught in at least
95 % of windows, on normal, heavy-tailed, skewed, integer and zero-inflated columns. PSI's
old 0.2 caught only about half of the PSI-0.2 shifts (a threshold at the shift's own size),
KS 0.1 missed scale shifts and Wasserstein 0.1 mean shifts of skewed columns."""
DRIFT_DEFAULT_METHOD: DriftMethod = "psi"
DRIFT_FALLBACK_THRESHOLD = 0.2
"""Threshold of a method missing from DRIFT_DEFAULT_THRESHOLDS (never, once validated)."""
NUMERIC_ONLY_METHODS = ("ks", "wasserstein")


class DriftMonitorBase(MonitorBase, ColumnsMixin):
    """The parameters of both drift types: `columns`, `method` and `threshold`."""

    method: DriftMethod = DRIFT_DEFAULT_METHOD
    threshold: Number = PydanticField(gt=0)
    """Alert when the distance is >= threshold (defaults per method: DRIFT_DEFAULT_THRESHOLDS)."""
    importance: dict[str, Annotated[Number, PydanticField(ge=0)]] | None = None
    """`method: score` only: the weight of each column in the model-level score (columns not
    listed weigh 0); None = every column weighs the same."""

    @model_validator(mode="after")
    def _importance(self) -> DriftMonitorBase:
        if self.importance is not None:
            if self.method != "score":
                raise fail(f"importance weighs the columns of method: score; method {self.method} "
                           "gives one value per column: remove importance or write method: score",
                           at="importance")
            if not any(w > 0 for w in self.importance.values()):
                raise fail("give at least one column a weight above 0, e.g. importance: {income: 2, "
                           "region: 1}", at="importance")
        return self

    @model_validator(mode="before")
    @classmethod
    def _default_threshold(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("threshold") is None:
            method = data.get("method", DRIFT_DEFAULT_METHOD)
            default = (DRIFT_DEFAULT_THRESHOLDS.get(method, DRIFT_FALLBACK_THRESHOLD)
                       if isinstance(method, str) else DRIFT_FALLBACK_THRESHOLD)
            data = {**data, "threshold": default}
        return data

    @property
    def metric_name(self) -> str:
        """The `method` (`psi`, `js`, ..., `score`)."""
        return self.method

    @property
    def compares_with_baseline(self) -> bool:
        """Drift always compares with the baseline."""
        return True

    def kind_error(self, ref: Field) -> str | None:
        """ks and wasserstein read numeric columns only."""
        if self.method in NUMERIC_ONLY_METHODS and ref.kind != "numeric":
            return (f"method {self.method} needs numeric columns and '{ref.name}' is {ref.kind}; "
                    "use psi, js, hellinger or chi2 for it (or a separate monitor)")
        return None


# Wasserstein also reads the tails (min, max) and the exact moments (of the finite values,
# as the histogram; the finite count checks they agree with it); every method reads the non-null count: minus the histogram's total
# (which leaves NaN/inf out) it is the number of NaN/inf values, which results report. On
# DuckDB the counts ride along in the histogram's statement.
MOMENT_ROLES = ("finite", "sum", "sumsq", "min", "max")


def _roles(cfg: DriftMonitorBase, f: Field) -> tuple[str, ...]:
    if not f.is_numeric:
        return ("values",)
    if cfg.method == "wasserstein":
        return ("hist", "count") + MOMENT_ROLES
    # KS does not ask for each side's min and max: they would make a focal beyond a
    # baseline of a few rows exact, but 40 MIN/MAX for 20 columns made the fused scan 35 %
    # slower, for a case the histogram already reads within one bin's share
    return ("hist", "count")


def _non_finite(f: Field, values: PartialValues) -> int:
    """NaN/inf values of a numeric column: its non-null count minus its histogram's total."""
    if not f.is_numeric:
        return 0
    p = column_partials(f)
    return max(0, int(values.get(p["count"])) - round(sum(values.get(p["hist"]).values())))


def requests(cfg: DriftMonitorBase, ctx: EvalContext) -> set[Partial]:
    """Histograms (numeric) or value counts (categorical) of each watched column."""
    out: set[Partial] = set()
    for f in columns_of(cfg, ctx):
        parts = column_partials(f)
        out.update(parts[r] for r in _roles(cfg, f))
    return out


def side(cfg: DriftMonitorBase, f: Field, values: PartialValues) -> Any:
    """One side of the comparison as the stats package wants it."""
    p = column_partials(f)
    if not f.is_numeric:
        return values.get(p["values"])
    roles = _roles(cfg, f)
    moments = {r: values.get(p[r]) if r in roles else None for r in MOMENT_ROLES}
    total, total_sq = moments["sum"], moments["sumsq"]
    if total is not None and total_sq is not None and not (math.isfinite(total) and math.isfinite(total_sq)):
        total = total_sq = None     # sums beyond double range: fall back to the histogram
    return NumericSummary(
        grid=values.grid(p["hist"]), counts=values.get(p["hist"]),
        vmin=_num(moments["min"]), vmax=_num(moments["max"]), count=moments["finite"],
        sum=total, sum_sq=total_sq)


def _num(v: Any) -> float | None:
    return None if v is None else float(v)


def distance_of(method: str, f: Field) -> str:
    """The distance a method computes on a column: `score` is JS (numeric) or Hellinger."""
    if method != "score":
        return method
    return "js" if f.is_numeric else "hellinger"


def evaluate(cfg: DriftMonitorBase, ctx: EvalContext) -> list[MonitorResult]:
    """One result per column and segment: the drift distance vs the threshold; with `method:
    score` also one per segment for the model (`column: null`, see `score.model_scores`)."""
    results = _column_results(cfg, ctx)
    if cfg.method == "score":
        results += model_scores(cfg, ctx, results)
    return results


def _column_results(cfg: DriftMonitorBase, ctx: EvalContext) -> list[MonitorResult]:
    method, threshold = cfg.method, cfg.threshold
    results = []
    for f, seg in iter_targets(cfg, ctx, columns_of(cfg, ctx)):
        if ctx.baseline is None:
            results.append(make_result(cfg, ctx, column=f.name, segment=seg, metric=method, value=None,
                                       verdict=None, status="error",
                                       error="drift needs a baseline; set `baseline` on the model or monitor"))
            continue
        fv, bv = ctx.values(ctx.focal, seg), ctx.values(ctx.baseline, seg)
        kind = "numeric" if f.is_numeric else "categorical"
        if f.is_numeric and fv.grid(column_partials(f)["hist"]) is None:
            results.append(make_result(cfg, ctx, column=f.name, segment=seg, metric=method, value=None,
                                       verdict=None, baseline=ctx.baseline,
                                       reason=f"{f.name} has no histogram grid: the baseline has no values of it"))
            continue
        focal_side = side(cfg, f, fv)
        dv = drift(distance_of(method, f), kind, side(cfg, f, bv), focal_side)
        value = dv.value
        # +inf is a real distance (Wasserstein against a constant baseline that moved)
        verdict = at_least(value, threshold) if value is not None and not math.isnan(value) else None
        extra: dict[str, Any] = {"p_value": dv.p_value} if dv.p_value is not None else {}
        extra["values"] = focal_side.n if f.is_numeric else sum(focal_side.values())
        if method == "score":
            extra["distance"] = distance_of(method, f)
        bad_focal, bad_base = _non_finite(f, fv), _non_finite(f, bv)
        note = ""
        if bad_focal or bad_base:
            extra["non_finite"] = bad_focal
            extra["baseline_non_finite"] = bad_base
            note = (f"; NaN/infinite values left out: {bad_focal} in the window, "
                    f"{bad_base} in the baseline")
        results.append(make_result(cfg, ctx, column=f.name, segment=seg, metric=method, value=value,
                                   verdict=verdict, baseline=ctx.baseline, extra=extra, note=note,
                                   reason=f"the window or the baseline has no values of {f.name}"))
    return results
