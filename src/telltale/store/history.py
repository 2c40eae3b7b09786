"""Store API: metric points (history for anomaly detection and the dashboard)."""

from __future__ import annotations

import math
from datetime import datetime
from typing import TYPE_CHECKING, Any, Collection, Iterable

import sqlalchemy as sa

from telltale.store.core import StoreBase
from telltale.store.records import AlertKey, MetricPoint
from telltale.store.schema import metric_points
from telltale.core.timeutil import to_utc

if TYPE_CHECKING:
    from telltale.core.results import MonitorResult


def points_from_results(run_id: str, at: datetime, results: Iterable[MonitorResult]) -> list[MetricPoint]:
    """Turn a run's MonitorResults into metric points (threshold, message etc. go to `extra`)."""
    out = []
    for r in results:
        extra: dict[str, Any] = {"type": r.type, "severity": r.severity, "threshold": r.threshold,
                                 "message": r.message, "error": r.error}
        if r.baseline is not None:
            extra["baseline"] = r.baseline.as_json()
        extra.update(r.extra)
        out.append(MetricPoint(
            run_id=run_id, at=to_utc(at), model=r.model, monitor=r.monitor, column=r.column,
            segment_key=r.segment_key, metric=r.metric, value=_finite(r.value), status=r.status,
            window_start=r.window.start if r.window else None,
            window_end=r.window.end if r.window else None, extra=extra))
    return out


def _finite(value: float | None) -> float | None:
    """NaN and infinities are stored as NULL (PostgreSQL and JSON reject them elsewhere)."""
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


class HistoryMixin(StoreBase):
    """put_metric_points / metric_history / list_points / latest_points / newest_judged_windows."""

    def put_metric_points(self, points: Iterable[MetricPoint]) -> int:
        """Store a run's metric points, replacing the points of the same evaluations; return how many.

        A monitor evaluated again at the same `at`, or again over the same window (an hourly
        cron running a daily monitor evaluates yesterday 24 times), replaces every point it
        stored for that `at` or window (a segment gone since is dropped too): a series holds
        one point per window, the latest evaluation's. One transaction: the deletes, then
        one executemany.
        """
        rows = [{"run_id": p.run_id, "at": to_utc(p.at), "model": p.model, "monitor": p.monitor,
                 "column": p.column or "", "segment_key": p.segment_key, "metric": p.metric,
                 "value": _finite(p.value), "status": p.status,
                 "window_start": to_utc(p.window_start) if p.window_start else None,
                 "window_end": to_utc(p.window_end) if p.window_end else None,
                 "extra": p.extra or None} for p in points]
        if rows:
            t = metric_points
            evaluated = sorted({(r["model"], r["monitor"], r["at"]) for r in rows})
            windows = sorted({(r["model"], r["monitor"], r["window_start"], r["window_end"]) for r in rows
                              if r["window_start"] is not None and r["window_end"] is not None})
            with self.transaction() as conn:
                for model, monitor, at in evaluated:
                    conn.execute(sa.delete(t).where(t.c.model == model, t.c.monitor == monitor, t.c.at == at))
                for model, monitor, start, end in windows:
                    conn.execute(sa.delete(t).where(t.c.model == model, t.c.monitor == monitor,
                                                    t.c.window_start == start, t.c.window_end == end))
                conn.execute(sa.insert(t), rows)
        return len(rows)

    def metric_history(self, model: str, monitor: str, column: str | None, segment_key: str = "",
                       since: datetime | None = None, until: datetime | None = None, *,
                       metric: str | None = None, latest_only: bool = True) -> list[MetricPoint]:
        """Points of one series with `since <= at < until`, oldest first.

        `at` is the time a run evaluated (for a backfill, the simulated time). With
        `latest_only`, a time or window evaluated more than once keeps only its latest point.
        """
        t = metric_points
        q = sa.select(t).where(t.c.model == model, t.c.monitor == monitor,
                               t.c["column"] == (column or ""), t.c.segment_key == segment_key)
        if since is not None:
            q = q.where(t.c.at >= to_utc(since))
        if until is not None:
            q = q.where(t.c.at < to_utc(until))
        if metric is not None:
            q = q.where(t.c.metric == metric)
        q = q.order_by(t.c.at, t.c.id)
        with self._read() as conn:
            points = [_point(r) for r in conn.execute(q).mappings()]
        if not latest_only:
            return points
        last: dict[tuple[Any, ...], MetricPoint] = {}
        for p in points:                      # ordered by time, then id: later wins
            last[(p.metric, *_evaluation(p))] = p
        return sorted(last.values(), key=lambda p: (p.at, p.metric))

    def list_points(self, *, model: str | None = None, monitor: str | None = None,
                    column: str | None = None, since: datetime | None = None,
                    until: datetime | None = None) -> list[MetricPoint]:
        """Stored points of every series matching the filters, by series then time.

        A time or window evaluated more than once keeps only its latest point (reruns
        replace them anyway; this also covers stores written before they did).
        """
        t = metric_points
        q = sa.select(t)
        if model is not None:
            q = q.where(t.c.model == model)
        if monitor is not None:
            q = q.where(t.c.monitor == monitor)
        if column is not None:
            q = q.where(t.c["column"] == column)
        if since is not None:
            q = q.where(t.c.at >= to_utc(since))
        if until is not None:
            q = q.where(t.c.at < to_utc(until))
        q = q.order_by(t.c.at, t.c.id)
        with self._read() as conn:
            points = [_point(r) for r in conn.execute(q).mappings()]
        last: dict[tuple[Any, ...], MetricPoint] = {}
        for p in points:
            last[(p.model, p.monitor, p.column or "", p.segment_key, p.metric, *_evaluation(p))] = p
        return sorted(last.values(), key=lambda p: (p.model, p.monitor, p.column or "", p.segment_key,
                                                   p.metric, p.at))

    def latest_points(self, monitors: Collection[tuple[str, str]] | None = None) -> list[MetricPoint]:
        """The points of each monitor's latest evaluation (its greatest `at`), by series;
        with `monitors`, of those (model, monitor) pairs only.

        What the latest run said about a monitor, and only that: a series missing from it
        (the one `error` point of a run that failed, a segment gone since) is not current,
        so a failure once does not stay the monitor's status forever. One statement with
        window functions, so a scrape of `/metrics` reads one row per current series
        whatever the length of the history."""
        t = metric_points
        series = (t.c.model, t.c.monitor, t.c["column"], t.c.segment_key, t.c.metric)
        rank = sa.func.row_number().over(partition_by=series, order_by=(t.c.at.desc(), t.c.id.desc()))
        last = sa.func.max(t.c.at).over(partition_by=(t.c.model, t.c.monitor))
        ranked = sa.select(t, rank.label("__rank"), last.label("__last")).subquery()
        q = (sa.select(*[ranked.c[c.name] for c in t.columns])
             .where(ranked.c["__rank"] == 1, ranked.c.at == ranked.c["__last"])
             .order_by(*[ranked.c[c] for c in ("model", "monitor", "column", "segment_key", "metric")]))
        with self._read() as conn:
            points = [_point(r) for r in conn.execute(q).mappings()]
        return points if monitors is None else [p for p in points if (p.model, p.monitor) in monitors]

    def newest_judged_windows(self, monitors: Collection[str], until: datetime) -> dict[AlertKey, datetime]:
        """Per (monitor, model, column, segment_key) of these monitors: the end of the newest
        window judged `ok` or `alert` that ends by `until` (a run's wall-clock time: a window
        evaluated ahead of its time, `run --at` in the future, does not count). The alert
        lifecycle leaves a result of an older window in history only."""
        if not monitors:
            return {}
        t = metric_points
        key = (t.c.monitor, t.c.model, t.c["column"], t.c.segment_key)
        q = (sa.select(*key, sa.func.max(t.c.window_end).label("newest"))
             .where(t.c.monitor.in_(sorted(set(monitors))), t.c.status.in_(("ok", "alert")),
                    t.c.window_end.is_not(None), t.c.window_end <= to_utc(until))
             .group_by(*key))
        with self._read() as conn:
            rows = conn.execute(q).all()
        # func.max loses the column type on some backends: normalise here
        return {AlertKey(*row[:4]): _as_utc(row[4]) for row in rows}


def _as_utc(value: Any) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return to_utc(value)


def _evaluation(p: MetricPoint) -> tuple[Any, ...]:
    """What one evaluation of a series is keyed by: its window, else its `at`."""
    if p.window_start is not None and p.window_end is not None:
        return ("window", p.window_start, p.window_end)
    return ("at", p.at)


def _point(row: Any) -> MetricPoint:
    return MetricPoint(run_id=row["run_id"], at=row["at"], model=row["model"], monitor=row["monitor"],
                       column=row["column"] or None, segment_key=row["segment_key"],
                       metric=row["metric"], value=row["value"], status=row["status"],
                       window_start=row["window_start"], window_end=row["window_end"],
                       extra=row["extra"] or {})
