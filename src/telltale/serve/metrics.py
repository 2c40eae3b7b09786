"""Prometheus `/metrics` with DESIGN.md's names, read from the state store at each scrape.

Totals (`..._total`) are counted from the outbox, so they are cumulative across runs,
restarts and every `serve` process sharing the store. Values and statuses are those of
each monitor's latest evaluation (a series it did not produce is not current); durations
are those of the latest finished run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.metrics_core import Metric

from telltale.core.results import STATUS_CODES
from telltale.core.segkey import parse_segment_key

if TYPE_CHECKING:
    from telltale.serve.schedule import Scheduler
    from telltale.store import Store

EXPOSED = ("telltale_metric_value", "telltale_monitor_status", "telltale_run_duration_seconds",
           "telltale_query_duration_seconds", "telltale_alerts_sent_total",
           "telltale_alert_delivery_failures_total", "telltale_scheduler_last_tick_timestamp_seconds")
"""Every metric name /metrics exposes (the Grafana dashboard may use only these)."""


RECENT_RUNS = 200
"""How many of the latest runs /metrics looks through for each connection's latest queries."""


def _segment_label(key: str) -> str:
    return ",".join(f"{k}={'NULL' if v is None else v}" for k, v in parse_segment_key(key).items())


class StoreCollector:
    """A prometheus_client collector that reads the store on each scrape.

    `monitors`: the (model, monitor) names of the project's config; series of a monitor
    removed from it (or of a renamed model) are no longer exported, so an old `alert`
    status does not stay on a Grafana panel forever. None exports every stored series."""

    def __init__(self, store: Store, scheduler: Scheduler | None = None,
                 monitors: set[tuple[str, str]] | None = None) -> None:
        self.store, self.scheduler, self.monitors = store, scheduler, monitors

    def collect(self) -> Iterator[Metric]:
        """Yield every metric family."""
        value = GaugeMetricFamily("telltale_metric_value", "Latest value of each monitored series.",
                                  labels=["model", "monitor", "column", "segment", "metric"])
        status = GaugeMetricFamily("telltale_monitor_status", "Latest status: 0 ok (or no data), 1 alert, 2 error.",
                                   labels=["model", "monitor", "column", "segment"])
        worst: dict[tuple[str, ...], int] = {}
        for p in self.store.latest_points(self.monitors):
            model, monitor, column, seg, metric = p.model, p.monitor, p.column or "", p.segment_key, p.metric
            seg_label = _segment_label(seg)
            if p.value is not None:
                value.add_metric([model, monitor, column, seg_label, metric], float(p.value))
            key = (model, monitor, column, seg_label)
            worst[key] = max(worst.get(key, 0), STATUS_CODES.get(p.status, 0))
        for labels, code in sorted(worst.items()):
            status.add_metric(list(labels), code)
        yield value
        yield status
        yield from self._runs()
        yield from self._deliveries()
        tick = GaugeMetricFamily("telltale_scheduler_last_tick_timestamp_seconds",
                                 "Unix time of the scheduler's last tick (absent without a scheduler).")
        last = getattr(self.scheduler, "last_tick", None)
        if last is not None:
            tick.add_metric([], last.timestamp())
        yield tick

    def _runs(self) -> Iterator[Metric]:
        run = GaugeMetricFamily("telltale_run_duration_seconds", "Seconds the latest finished run took.")
        query = GaugeMetricFamily("telltale_query_duration_seconds",
                                  "Seconds the pushed-down queries took in the latest finished run that queried the connection.",
                                  labels=["connection"])
        finished = [r for r in self.store.recent_runs(RECENT_RUNS) if r.finished_at is not None]
        if finished and (finished[0].summary or {}).get("seconds") is not None:
            run.add_metric([], float((finished[0].summary or {})["seconds"]))
        latest: dict[str, float] = {}   # per connection: its queries in the latest run that sent any
        for r in finished:              # newest first (serve runs one model at a time)
            per: dict[str, float] = {}
            for q in (r.summary or {}).get("queries") or []:
                per[q.get("connection", "")] = per.get(q.get("connection", ""), 0.0) + float(q.get("seconds") or 0)
            for conn, secs in per.items():
                latest.setdefault(conn, secs)
        for conn, secs in sorted(latest.items()):
            query.add_metric([conn], secs)
        yield run
        yield query

    def _deliveries(self) -> Iterator[Metric]:
        sent = CounterMetricFamily("telltale_alerts_sent", "Alert notices delivered, per channel and status "
                                   "(firing or resolved), since the store was created.", labels=["channel", "status"])
        failed = CounterMetricFamily("telltale_alert_delivery_failures", "Failed delivery attempts per channel, "
                                     "since the store was created.", labels=["channel"])
        sent_n, failed_n = self.store.delivery_totals()
        for (channel, st), n in sorted(sent_n.items()):
            sent.add_metric([channel, st], n)
        for channel, n in sorted(failed_n.items()):
            failed.add_metric([channel], n)
        yield sent
        yield failed


def render_metrics(store: Store, scheduler: Scheduler | None = None, monitors: set[tuple[str, str]] | None = None) -> bytes:
    """The text exposition format of every metric (values and statuses of `monitors` only,
    the (model, monitor) names of the config, when given)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(StoreCollector(store, scheduler, monitors))  # type: ignore[arg-type]
    return generate_latest(registry)
