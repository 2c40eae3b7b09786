"""Every result of a run as a metric point, for channels that export metrics (New Relic's
`metrics: true`): `telltale.metric_value` with model, monitor, column, segment and metric."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any, Mapping, Sequence

from telltale.alerts.channels import Channel
from telltale.alerts.channels.newrelic import MetricPoint
from telltale.core.results import MonitorResult
from telltale.errors import ChannelError


def points_of(results: Sequence[MonitorResult], at: datetime) -> list[MetricPoint]:
    """One point per result with a finite value (a result without one has nothing to export)."""
    out = []
    for r in results:
        if r.value is None or not isinstance(r.value, (int, float)) or not math.isfinite(float(r.value)):
            continue
        segment = ",".join(f"{k}={v}" for k, v in (r.segment or {}).items())
        out.append(MetricPoint(float(r.value), at, {
            "model": r.model, "monitor": r.monitor, "column": r.column or "", "segment": segment,
            "metric": r.metric, "status": r.status}))
    return out


def export_results(channels: Mapping[str, Channel], results: Sequence[MonitorResult],
                   at: datetime, now: datetime | None = None) -> list[dict[str, Any]]:
    """Send the results to every channel with metric export on; one report entry per channel.

    With `now`, a channel may refuse points it knows its service would drop (New Relic:
    stamped more than 48 hours before `now`); that is a failed entry saying why."""
    out: list[dict[str, Any]] = []
    points = None
    for name, ch in channels.items():
        if not getattr(ch, "metrics", False):
            continue
        points = points_of(results, at) if points is None else points
        entry: dict[str, Any] = {"channel": name, "alert": None, "notice": "metrics", "status": "sent",
                                 "error": None, "retry_at": None, "points": len(points)}
        try:
            ch.export_metrics(points, now=now)  # type: ignore[attr-defined]
        except ChannelError as exc:
            entry.update(status="failed", error=f"{exc} (metric points are not queued: the next run "
                                                "exports its own results)")
        out.append(entry)
    return out
