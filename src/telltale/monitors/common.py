"""Shared pieces of the monitor types: choosing segments, applying detections, building results.

Every result is right or says why not. `make_result` turns a value into `ok`/`alert` only
when the value can be judged; otherwise the result is `no_data` with the reason, checked
here for every monitor type:

* `min_rows`: fewer rows in the window (of the segment) than the monitor asks for;
* no rows at all in the window (a value that is None there);
* no baseline for the segment: a segment value absent from the baseline (drift, new
  values, value_range with a margin, `change` detection) or from the anomaly history;
* `compare_segment` against a segment with no rows in the window.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator
from typing import Any, cast

from telltale.configbase.detection import AbsoluteRule, AnomalyRule, ChangeRule, CompareSegmentRule
from telltale.core.fields import Field
from telltale.core.partials import PartialValues, count_rows
from telltale.core.results import TRAINING, MonitorResult, Status
from telltale.core.segkey import segment_label, segment_text
from telltale.core.timeutil import TimeRange
from telltale.monitors.base import MonitorBase
from telltale.monitors.context import EvalContext
from telltale.monitors.detection import Verdict, absolute, anomaly, change

ValueFn = Callable[[PartialValues], "float | None"]


def segments_for(cfg: MonitorBase, ctx: EvalContext) -> list[dict[str, str | None] | None]:
    """None (all rows) plus, for `segment: all`, one entry per value of each segment column
    seen in the focal or baseline window (a vanished value too); with `by_version`, each
    of those once per model version seen."""
    seg = cfg.segment
    by_version = cfg.by_version and ctx.version is not None
    if seg is None and not by_version:
        return [None]
    seen: dict[str, set[str | None]] = {}
    ranges = [ctx.focal] + ([ctx.baseline] if ctx.baseline not in (None, TRAINING) else [])
    for rng in ranges:
        for column, values in ctx.segment_values(rng).items():
            seen.setdefault(column, set()).update(values)
    ordered = {c: sorted(v, key=lambda x: (x is None, x or "")) for c, v in sorted(seen.items())}
    out: list[dict[str, str | None] | None]
    if seg is None:
        out = [None]
    elif seg == "all":
        out = [None]
        for column, found in ordered.items():
            if column in ctx.segments and column != ctx.version:
                out += [{column: v} for v in found]
    else:
        out = [{str(k): _seg_text(v) for k, v in seg.items()}]
    if by_version:   # once per model version seen in the focal window or the baseline
        assert ctx.version is not None
        return [{**(s or {}), ctx.version: v} for s in out for v in ordered.get(ctx.version, [])]
    return out


def _seg_text(v: Any) -> str | None:
    """A configured segment value as stored text; None (YAML null) is the NULL segment."""
    return segment_text(v)


def columns_of(cfg: MonitorBase, ctx: EvalContext) -> list[Field]:
    """The monitor's `columns` as resolved by the config (its type's defaults when absent)."""
    return list(ctx.monitor_columns(cfg))


def has_rows(values: PartialValues) -> bool:
    """True when the merged summaries saw at least one row: the row count when it was
    computed, else any non-empty summary."""
    rows = values.values.get(count_rows().key)
    if rows is not None:
        return bool(rows)
    for key, v in values.values.items():
        kind = key.split("|", 1)[0]
        if kind in ("min", "max") and v is not None:
            return True
        if kind in ("hist", "values", "crosstab") and v and any(v.values()):
            return True
        if kind in ("count", "sum", "rank") and v:
            return True
    return False


def span_text(rng: TimeRange) -> str:
    """`2026-03-10 00:00 to 2026-03-11 00:00 UTC` (the training set: `the training set`)."""
    if rng == TRAINING:
        return "the training set"
    return f"{rng.start:%Y-%m-%d %H:%M} to {rng.end:%Y-%m-%d %H:%M} UTC"


def _no_rows(ctx: EvalContext, segment: dict | None) -> str:
    where = f" of segment {segment_label(segment)}" if segment else ""
    return f"no rows{where} in the window ({span_text(ctx.focal)})"


def missing_baseline(ctx: EvalContext, segment: dict | None) -> str | None:
    """Why the baseline cannot serve `segment` (None when it has rows of it)."""
    if ctx.baseline is None:
        return "the monitor has no baseline; set `baseline` on the model or the monitor"
    if has_rows(ctx.values(ctx.baseline, segment)):
        return None
    where = ("the training set" if ctx.baseline == TRAINING
             else f"the baseline window ({span_text(ctx.baseline)})")
    if segment:
        return f"segment {segment_label(segment)} has no baseline: {where} has no rows of it"
    return f"there is no baseline: {where} has no rows"


def unusable(cfg: MonitorBase, ctx: EvalContext, segment: dict | None, value: float | None) -> str | None:
    """Why a value of this monitor and segment cannot be judged (None when it can)."""
    focal = ctx.values(ctx.focal, segment)
    limit = cfg.min_rows
    if limit > 0:
        rows = int(focal.get(count_rows()) or 0)
        if rows < limit:
            where = f" of segment {segment_label(segment)}" if segment else ""
            return (f"only {rows} row(s){where} in the window ({span_text(ctx.focal)}), fewer than "
                    f"min_rows: {limit}")
    if value is None and not has_rows(focal):
        return _no_rows(ctx, segment)
    if cfg.compares_with_baseline:
        return missing_baseline(ctx, segment)
    return None


def make_result(cfg: MonitorBase, ctx: EvalContext, *, column: str | None, segment: dict | None,
                metric: str, value: float | None, verdict: Verdict | None,
                baseline: TimeRange | None = None, status: Status | None = None,
                message: str | None = None, extra: dict[str, Any] | None = None,
                error: str | None = None, note: str = "", reason: str | None = None,
                from_rows: bool = True) -> MonitorResult:
    """A MonitorResult with status and message derived from the verdict.

    A value that is NaN or infinite is never `ok`: the result is an `error` naming the
    metric (so is a verdict that could not be reached, e.g. a non-finite baseline value);
    only an infinite value whose verdict fires stays an alert (e.g. an infinite drift).
    A value that cannot be judged (see `unusable`) gives `no_data` with the reason, never
    an alert; a value of None gives `no_data` with `reason` (why the value is undefined).
    `note` is appended to the message (e.g. how many NaN/inf values were left out).
    `from_rows=False`: the value is not read from the window's rows (model_staleness), so
    the row checks of `unusable` do not apply.
    """
    subject = f"{metric} of {column}" if column else metric
    if segment:
        subject += " in " + segment_label(segment)
    if value is not None and not math.isfinite(value) and not (
            math.isinf(value) and verdict is not None and verdict.fired):
        status, verdict = "error", None
        error = error or (f"{subject} is {value}, not a finite number: the values overflow double "
                          "precision or hold NaN/infinity")
        message = None
    elif verdict is not None and verdict.error and status is None:
        status = "error"
        error = error or f"{subject}: {verdict.error}"
    if status != "error" and from_rows:
        why = unusable(cfg, ctx, segment, value)
        if why is not None:
            status, value, verdict, message = "no_data", None, None, f"{subject}: {why}"
    if status is None:
        if value is None:
            status = "no_data"
        elif verdict is not None and verdict.status is not None:
            status = cast(Status, verdict.status)
        else:
            status = "alert" if verdict and verdict.fired else "ok"
    if message is None:
        if status == "error" and error and reason and reason in error:
            message = f"{subject}: {reason}"     # the error names the metric; say why once
        elif status == "error" and error:
            message = error if error.startswith(subject) else f"{subject}: {error}"
        elif status == "error":
            message = f"{subject}: {reason or 'could not be evaluated'}"
        elif status == "no_data" and verdict is None:
            message = f"{subject}: {reason or 'has no value in the window'}"
        elif verdict is not None:
            message = f"{subject}: {verdict.reason}"
        else:
            message = f"{subject} = {value}"
    message += note
    if status == "no_data":
        value = None
    elif isinstance(value, float) and value == 0:
        value = 0.0      # -0.0 (e.g. a mean of values that cancel) reads as 0, not "-0.0"
    return MonitorResult(
        monitor=cfg.name, model=ctx.model, type=cfg.type_name, column=column, segment=segment,
        metric=metric, value=value, threshold=verdict.threshold if verdict else None,
        status=status, severity=cfg.severity, window=ctx.focal,
        baseline=baseline, message=message, error=error, extra=extra or {})


def per_window_baseline(ctx: EvalContext, fn: ValueFn, segment: dict | None,
                        extensive: bool | str | None = None) -> float | None:
    """The baseline's value on the focal window's scale.

    Counts and sums ("extensive" values) are scaled to the focal window's length, e.g. the
    baseline's mean rows per day; ratios are taken over the whole baseline. When
    `extensive` is None it is detected: a value that is the sum of its per-window values
    is extensive. `extensive="affine"` (a metric language formula such as `count() + 1`):
    the value is computed from the baseline's count and sum partials scaled to the focal
    window's length.
    """
    if ctx.baseline is None:
        return None
    values = ctx.values(ctx.baseline, segment)
    pooled = fn(values)
    if pooled is None or ctx.baseline == TRAINING:
        return pooled   # a training set has no time: its value is taken as is
    scale = ctx.focal.length / ctx.baseline.length
    if extensive == "affine":
        return fn(scaled_counts(values, scale))
    if extensive is None:
        extensive = _is_additive(ctx, fn, segment, pooled)
    return pooled * scale if extensive else pooled


def scaled_counts(values: PartialValues, scale: float) -> PartialValues:
    """The values with every count and sum partial multiplied by `scale`."""
    def one(key: str, v: Any) -> Any:
        if key.split("|", 1)[0] in ("count", "sum") and v is not None:
            return float(v) * scale
        return v
    return PartialValues({k: one(k, v) for k, v in values.values.items()}, values.grids)


def _is_additive(ctx: EvalContext, fn: ValueFn, segment: dict | None, pooled: float) -> bool:
    assert ctx.baseline is not None
    parts, t = [], ctx.baseline.start
    while t < ctx.baseline.end:
        v = fn(ctx.values(TimeRange(t, t + ctx.step), segment))
        parts.append(v or 0.0)
        t += ctx.step
    nonzero = [p for p in parts if p]
    return len(nonzero) >= 2 and abs(sum(parts) - pooled) <= 1e-9 * max(1.0, abs(pooled))


def detect(cfg: MonitorBase, ctx: EvalContext, fn: ValueFn, value: float, segment: dict | None,
           extensive: bool | str | None = None) -> tuple[Verdict | None, TimeRange | None, dict[str, Any]]:
    """Apply the monitor's detection to a value: (verdict, baseline range used, extras)."""
    det = cfg.detection_rule
    if det is None:
        return None, None, {}
    rule = det.rule
    if isinstance(rule, AbsoluteRule):
        return absolute(value, rule.min, rule.max), None, {}
    if isinstance(rule, ChangeRule):
        base = per_window_baseline(ctx, fn, segment, extensive)
        verdict = change(value, base, rule.percent, rule.direction)
        return verdict, ctx.baseline, {"baseline_value": _json_number(base)}
    if isinstance(rule, AnomalyRule):
        windows = history_windows(ctx, rule)
        # a past window with fewer than min_rows rows has no value, as a focal one would not
        kept = [(w, v) for w in windows if _enough_rows(cfg, v := ctx.values(w, segment))]
        # the history starts at its oldest window with rows: the empty windows before it
        # predate the data (a new model or segment), and a count of 0 there is no history
        while kept and not has_rows(kept[-1][1]):
            kept.pop()
        sides = [v for _, v in kept]
        oldest = kept[-1][0] if kept else windows[-1] if windows else None
        span = TimeRange(oldest.start, ctx.focal.start) if oldest is not None else None
        with_rows = sum(1 for v in sides if has_rows(v))
        if with_rows < rule.min_history:
            where = f"segment {segment_label(segment)}" if segment else "the model"
            enough = f"at least {cfg.min_rows} rows (min_rows)" if cfg.min_rows > 0 else "rows"
            return (Verdict(False, {"sensitivity": rule.sensitivity},
                            f"{where} has {enough} in {with_rows} of the {len(windows)} past window(s); "
                            f"at least {rule.min_history} are needed to judge anomalies (min_history)",
                            status="no_data"), span, {})
        past = [fn(v) for v in sides]
        return anomaly(value, past, rule.sensitivity, rule.direction, rule.method, rule.min_history), span, {}
    return _compare_segment(cfg, ctx, fn, value, rule)


def _enough_rows(cfg: MonitorBase, values: PartialValues) -> bool:
    """Whether a window holds at least the monitor's min_rows rows."""
    return cfg.min_rows <= 0 or int(values.get(count_rows()) or 0) >= cfg.min_rows


def _compare_segment(cfg: MonitorBase, ctx: EvalContext, fn: ValueFn, value: float,
                     rule: CompareSegmentRule) -> tuple[Verdict | None, TimeRange | None, dict[str, Any]]:
    """The value vs the same value on one segment (or all rows) in the same window."""
    other = None if rule.value == "all" else {rule.column: _seg_text(rule.value)}
    name = "all rows" if other is None else f"segment {segment_label(other)}"
    other_values = ctx.values(ctx.focal, other)
    if not has_rows(other_values):
        return (Verdict(False, {"percent": rule.percent}, f"the compared {name} has no rows in the "
                        f"window ({span_text(ctx.focal)})", status="no_data"), None, {})
    if not _enough_rows(cfg, other_values):
        rows = int(other_values.get(count_rows()) or 0)
        return (Verdict(False, {"percent": rule.percent}, f"the compared {name} has only {rows} row(s) "
                        f"in the window ({span_text(ctx.focal)}), fewer than min_rows: {cfg.min_rows}",
                        status="no_data"), None, {})
    ref = fn(other_values)
    if ref is None:
        return (Verdict(False, {"percent": rule.percent}, f"the compared {name} has no value in the "
                        "window", status="no_data"), None, {})
    verdict = change(value, ref, rule.percent, rule.direction, source=name)
    return verdict, None, {"segment_value": _json_number(ref)}


def _json_number(v: float | None) -> float | None:
    """A value for the JSON extras: a non-finite one is null (the verdict's error says why)."""
    return v if v is None or math.isfinite(v) else None


def history_range(cfg: MonitorBase, focal: TimeRange) -> TimeRange | None:
    """The time before the focal window an anomaly detection compares with, if any."""
    det = cfg.detection_rule
    if det is None or det.anomaly is None:
        return None
    return TimeRange(focal.start - det.anomaly.history, focal.start)


def history_windows(ctx: EvalContext, rule: AnomalyRule) -> list[TimeRange]:
    """Past windows like the focal one: one window back at a time, or one season back."""
    season = rule.seasonality
    shift = max(season, ctx.focal.length) if season else ctx.focal.length
    out, k = [], 1
    while ctx.focal.start - k * shift >= ctx.focal.start - rule.history:
        out.append(TimeRange(ctx.focal.start - k * shift, ctx.focal.end - k * shift))
        k += 1
    return out


def iter_targets(cfg: MonitorBase, ctx: EvalContext,
                 fields: Iterable[Field]) -> Iterator[tuple[Field, dict[str, str | None] | None]]:
    """Every (field, segment) pair a monitor evaluates."""
    segs = segments_for(cfg, ctx)
    for f in fields:
        for s in segs:
            yield f, s
