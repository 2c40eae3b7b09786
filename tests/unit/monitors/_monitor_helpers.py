"""Monitor evaluation without a warehouse: summaries computed in Python exactly as the SQL does."""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone
from typing import Any

from pydantic import TypeAdapter

from telltale.core.fields import Field
from telltale.monitors.base import MonitorBase
from telltale.monitors.registry import Monitor
from telltale.monitors.context import EvalContext, column_partials
from telltale.core.partials import count_rows, normalize_value
from telltale.planner.queries import top_values
from telltale.core.segkey import segment_key_of
from telltale.runner.summaries import SummaryBook
from telltale.core.timeutil import TimeRange

DAY = timedelta(days=1)
T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)


def day(i: int) -> datetime:
    """Start of day `i` after T0."""
    return T0 + i * DAY


def numeric_summary(f: Field, values: list[Any]) -> dict[str, Any]:
    """The partial values of `column_partials(f)` over raw values, as the warehouse returns them
    (NULL skipped; NaN/±inf in COUNT(x) but nowhere else)."""
    p = column_partials(f)
    nonnull = [float(v) for v in values if v is not None]
    fin = [v for v in nonnull if math.isfinite(v)]
    return {
        p["rows"].key: len(values), p["count"].key: len(nonnull), p["finite"].key: len(fin),
        p["sum"].key: float(sum(fin)), p["sumsq"].key: float(sum(v * v for v in fin)),
        p["min"].key: min(fin) if fin else None, p["max"].key: max(fin) if fin else None,
    }


def values_summary(f: Field, values: list[Any], top: int = 100) -> dict[str, Any]:
    """Row count and the `values` partial (top `top` values, the rest as __other__)."""
    p = column_partials(f)
    counts: dict[str, int] = {}
    for v in values:
        if v is not None:
            k = normalize_value(v)
            counts[k] = counts.get(k, 0) + 1   # type: ignore[index]
    return {count_rows().key: len(values), p["count"].key: sum(counts.values()),
            p["values"].key: top_values(counts, top)}


def context(fields: list[Field], buckets: dict[tuple[datetime, str], dict[str, Any]], *,
            focal: TimeRange, baseline: TimeRange | None, segments: tuple[str, ...] = (),
            grids: dict[str, Any] | None = None) -> EvalContext:
    """An EvalContext reading merged values from a SummaryBook holding `buckets`."""
    book = SummaryBook(step=DAY, grids=dict(grids or {}))
    book.add(buckets)
    return EvalContext(
        model="m", model_type="regression", fields={f"{f.group}.{f.name}": f for f in fields},
        focal=focal, baseline=baseline, at=focal.end, step=DAY, segments=segments,
        merged=book.merged, segment_values=book.segment_values,
        compile_metric=lambda name, labelled=False: None, monitor_columns=lambda cfg: fields)


def key(bucket: datetime, segment: dict[str, Any] | None = None) -> tuple[datetime, str]:
    """A SummaryBook key for a bucket and a segment combination."""
    seg = segment or {}
    return bucket, segment_key_of(tuple(seg), tuple(seg.values()))


NEUTRAL = {"absolute": {"max": 1e300}}
"""A detection that never fires: for tests that look at the value, not at a verdict."""
REQUIRED = {"missing_values": {"detection": NEUTRAL}, "model_activity": {"detection": NEUTRAL},
            "metric_change": {"detection": NEUTRAL}, "custom_metric": {"metric": "m", "detection": NEUTRAL},
            "performance_degradation": {"metric": "m", "detection": NEUTRAL},
            "value_range": {"detection": NEUTRAL}, "model_staleness": {"max_age": "1d"}}
"""What a test may leave out of a type's required settings (None: left out too)."""


def monitor(type_: str, **cfg: Any) -> MonitorBase:
    """A validated monitor config of `type_` (of model `m`), as the runner hands it to evaluators.

    Settings given as None, and required ones not given, take REQUIRED's values."""
    given = {k: v for k, v in cfg.items() if v is not None}
    if type_ == "value_range" and "margin" in given:
        given.setdefault("detection", None)
    data = {"name": given.pop("name", type_), "model": "m", "type": type_,
            **REQUIRED.get(type_, {}), **given}
    return TypeAdapter(Monitor).validate_python({k: v for k, v in data.items() if v is not None})
