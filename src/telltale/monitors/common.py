"""Shared pieces of the monitor types: reading config, choosing segments, building results."""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any, Callable, Iterable

from telltale.monitors.context import EvalContext, Field
from telltale.monitors.detection import Verdict, absolute, anomaly, change
from telltale.planner.partials import PartialValues
from telltale.planner.segkey import segment_label, segment_text
from telltale.runner.results import TRAINING, MonitorResult, Status
from telltale.timeutil import TimeRange

ValueFn = Callable[[PartialValues], "float | None"]


def opt(cfg: Any, name: str, default: Any = None) -> Any:
    """An optional monitor setting (config objects or plain dicts)."""
    if isinstance(cfg, dict):
        return cfg.get(name, default)
    value = getattr(cfg, name, default)
    return default if value is None else value


def plain(obj: Any) -> Any:
    """A pydantic model or dict as plain Python data."""
    if obj is None:
        return None
    if hasattr(obj, "model_dump"):
        return obj.model_dump(exclude_none=True)
    return obj


def detection_of(cfg: Any) -> tuple[str, dict[str, Any]] | None:
    """The monitor's detection as (kind, params): absolute | change | anomaly | compare_segment."""
    det = plain(opt(cfg, "detection"))
    if not det:
        return None
    if isinstance(det, dict):
        if "kind" in det:
            kind = det.pop("kind")
            return kind, det
        for kind in ("absolute", "change", "anomaly", "compare_segment"):
            if det.get(kind) is not None:
                return kind, plain(det[kind]) or {}
    raise ValueError(f"unknown detection {det!r}")


def segments_for(cfg: Any, ctx: EvalContext) -> list[dict[str, str | None] | None]:
    """None (all rows) plus, for `segment: all`, one entry per value of each segment column."""
    seg = plain(opt(cfg, "segment"))
    if seg is None:
        return [None]
    if seg == "all" or (isinstance(seg, dict) and seg.get("all")):
        out: list[dict[str, str | None] | None] = [None]
        for column, values in sorted(ctx.segment_values(ctx.focal).items()):
            out += [{column: v} for v in sorted(values, key=lambda x: (x is None, x or ""))]
        return out
    if isinstance(seg, dict):
        return [{str(k): _seg_text(v) for k, v in seg.items()}]
    return [None]


def _seg_text(v: Any) -> str | None:
    """A configured segment value as stored text; None (YAML null) is the NULL segment."""
    return segment_text(v)


def columns_of(cfg: Any, ctx: EvalContext, group: str) -> list[Field]:
    """The monitor's `columns` as resolved by the config (its type's defaults when absent)."""
    return list(ctx.monitor_columns(cfg))


def make_result(cfg: Any, ctx: EvalContext, *, column: str | None, segment: dict | None,
                metric: str, value: float | None, verdict: Verdict | None,
                baseline: TimeRange | None = None, status: Status | None = None,
                message: str | None = None, extra: dict[str, Any] | None = None,
                error: str | None = None, note: str = "") -> MonitorResult:
    """A MonitorResult with status and message derived from the verdict.

    A value that is NaN or infinite is never `ok`: the result is an `error` naming the
    metric (so is a verdict that could not be reached, e.g. a non-finite baseline value);
    only an infinite value whose verdict fires stays an alert (e.g. an infinite drift).
    `note` is appended to the message (e.g. how many NaN/inf values were left out).
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
    if status is None:
        status = "no_data" if value is None else "alert" if verdict and verdict.fired else "ok"
    if message is None:
        if status == "error" and error:
            message = error if error.startswith(subject) else f"{subject}: {error}"
        elif status == "no_data":
            message = f"{subject}: no data in the window"
        elif verdict is not None:
            message = f"{subject}: {verdict.reason}"
        else:
            message = f"{subject} = {value}"
    message += note
    return MonitorResult(
        monitor=cfg.name, model=ctx.model, type=cfg.type, column=column, segment=segment,
        metric=metric, value=value, threshold=verdict.threshold if verdict else None,
        status=status, severity=str(opt(cfg, "severity", "medium")), window=ctx.focal,
        baseline=baseline, message=message, error=error, extra=extra or {})


def per_window_baseline(ctx: EvalContext, fn: ValueFn, segment: dict | None,
                        extensive: bool | None = None) -> float | None:
    """The baseline's value on the focal window's scale.

    Counts and sums ("extensive" values) are scaled to the focal window's length, e.g. the
    baseline's mean rows per day; ratios are taken over the whole baseline. When
    `extensive` is None it is detected: a value that is the sum of its per-window values
    is extensive.
    """
    if ctx.baseline is None:
        return None
    pooled = fn(ctx.values(ctx.baseline, segment))
    if pooled is None or ctx.baseline == TRAINING:
        return pooled   # a training set has no time: its value is taken as is
    scale = ctx.focal.length / ctx.baseline.length
    if extensive is None:
        extensive = _is_additive(ctx, fn, segment, pooled)
    return pooled * scale if extensive else pooled


def _is_additive(ctx: EvalContext, fn: ValueFn, segment: dict | None, pooled: float) -> bool:
    assert ctx.baseline is not None
    parts, t = [], ctx.baseline.start
    while t < ctx.baseline.end:
        v = fn(ctx.values(TimeRange(t, t + ctx.step), segment))
        parts.append(v or 0.0)
        t += ctx.step
    nonzero = [p for p in parts if p]
    return len(nonzero) >= 2 and abs(sum(parts) - pooled) <= 1e-9 * max(1.0, abs(pooled))


def detect(cfg: Any, ctx: EvalContext, fn: ValueFn, value: float, segment: dict | None,
           extensive: bool | None = None) -> tuple[Verdict | None, TimeRange | None, dict[str, Any]]:
    """Apply the monitor's detection to a value: (verdict, baseline range used, extras)."""
    det = detection_of(cfg)
    if det is None:
        return None, None, {}
    kind, params = det
    if kind == "absolute":
        return absolute(value, params.get("min"), params.get("max")), None, {}
    if kind == "change":
        base = per_window_baseline(ctx, fn, segment, extensive)
        verdict = change(value, base, float(params.get("percent", 0)), params.get("direction", "both"))
        return verdict, ctx.baseline, {"baseline_value": _json_number(base)}
    if kind == "anomaly":
        windows = history_windows(ctx, params)
        past = [fn(ctx.values(w, segment)) for w in windows]
        verdict = anomaly(value, past, float(params.get("sensitivity", 3.0)), params.get("direction", "both"))
        span = TimeRange(windows[-1].start, ctx.focal.start) if windows else None
        return verdict, span, {}
    if kind == "compare_segment":
        other = {str(params["column"]): _seg_text(params["value"])}
        ref = fn(ctx.values(ctx.focal, other))
        verdict = change(value, ref, float(params.get("percent", 0)), params.get("direction", "both"))
        return verdict, None, {"segment_value": _json_number(ref)}
    raise ValueError(f"unknown detection '{kind}'")


def _json_number(v: float | None) -> float | None:
    """A value for the JSON extras: a non-finite one is null (the verdict's error says why)."""
    return v if v is None or math.isfinite(v) else None


def history_range(cfg: Any, focal: TimeRange) -> TimeRange | None:
    """The time before the focal window an anomaly detection compares with, if any."""
    det = detection_of(cfg)
    if det is None or det[0] != "anomaly":
        return None
    history = det[1].get("history") or timedelta(days=28)
    return TimeRange(focal.start - history, focal.start)


def history_windows(ctx: EvalContext, params: dict[str, Any]) -> list[TimeRange]:
    """Past windows like the focal one: one window back at a time, or one season back."""
    history = params.get("history") or timedelta(days=28)
    season = params.get("seasonality")
    shift = max(season, ctx.focal.length) if season else ctx.focal.length
    out, k = [], 1
    while ctx.focal.start - k * shift >= ctx.focal.start - history:
        out.append(TimeRange(ctx.focal.start - k * shift, ctx.focal.end - k * shift))
        k += 1
    return out


def iter_targets(cfg: Any, ctx: EvalContext, fields: Iterable[Field]):
    """Every (field, segment) pair a monitor evaluates."""
    segs = segments_for(cfg, ctx)
    for f in fields:
        for s in segs:
            yield f, s
