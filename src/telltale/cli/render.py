"""What people read after a run: the results table, why things fired, alerts and deliveries.

Every text that comes from a user or a warehouse (names, values, messages) is shown as
written, never read as rich markup. The JSON for machines is built by the runner;
`strict_json` (in `cli.jsonout`, which does not import rich) only makes sure it is strict
JSON (no NaN or infinity tokens).
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from telltale.cli.jsonout import strict_json  # noqa: F401 - re-exported for callers of render
from telltale.core.segkey import segment_label

if TYPE_CHECKING:
    from telltale.core.results import MonitorResult
    from telltale.runner.run import RunReport

STATUS_STYLE = {"ok": "green", "alert": "bold red", "no_data": "yellow", "error": "bold magenta"}
DELIVERY_STYLE = {"sent": "green", "failed": "bold red", "pending": "yellow"}
PIPE_WIDTH = 4096
"""Width used when the output is not a terminal: lines are never wrapped for a pipe or file."""
DRIFT_TYPES = ("data_drift", "prediction_drift")
"""Monitor types whose single bound fires when it is reached (>=) rather than passed (>)."""


def make_console(*, stderr: bool = False) -> Console:
    """A console for stdout (or stderr); when that is not a terminal, wide and unwrapped."""
    console = Console(stderr=stderr)
    if console.is_terminal:
        return console
    return Console(stderr=stderr, width=PIPE_WIDTH, soft_wrap=True)


def _num(v: Any) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)


def threshold_text(t: dict[str, Any] | None, monitor_type: str = "") -> str:
    """When the result fires, in words: `> 0.05`, `< 0.2`, `outside [1, 3]`, `>= 0.2` (drift).

    A change or anomaly rule limited to one direction (`direction: up`) fires only on
    that side of its band.
    """
    if not t:
        return "-"
    lo, hi = t.get("min"), t.get("max")
    direction = t.get("direction", "both")
    if direction == "up":
        lo = None
    elif direction == "down":
        hi = None
    extra = ""
    if "percent" in t and "baseline_value" in t:
        extra = f" (±{_num(t['percent'])}% of {_num(t['baseline_value'])})"
    elif "sensitivity" in t and ("history_mean" in t or "history_median" in t):
        centre = t.get("history_mean", t.get("history_median"))
        extra = f" ({_num(t.get('band_sd', t['sensitivity']))} sd around {_num(centre)})"
    if lo is not None and hi is not None:
        return f"outside [{_num(lo)}, {_num(hi)}]{extra}"
    if hi is not None:
        op = ">=" if monitor_type in DRIFT_TYPES else ">"
        return f"{op} {_num(hi)}{extra}"
    if lo is not None:
        return f"< {_num(lo)}{extra}"
    if "percent" in t:
        return f"moves > {_num(t['percent'])}%"
    if "sensitivity" in t:
        return f"> {_num(t['sensitivity'])} sd"
    return "-"


def range_text(rng: Any) -> str:
    """A time range as people read it: `2026-03-12` (one day), `2026-03-06 .. 2026-03-12`
    (whole days, last day included), else `2026-03-12 06:00 .. 2026-03-12 12:00`."""
    from telltale.core.results import TRAINING

    if rng is None:
        return "-"
    if rng == TRAINING:
        return "training set"
    start, end = rng.start, rng.end
    whole_days = all(t.hour == t.minute == t.second == t.microsecond == 0 for t in (start, end))
    if whole_days:
        last = end - timedelta(days=1)
        if last <= start:
            return f"{start:%Y-%m-%d}"
        return f"{start:%Y-%m-%d} .. {last:%Y-%m-%d}"
    return f"{start:%Y-%m-%d %H:%M} .. {end:%Y-%m-%d %H:%M}"


def _segment(r: MonitorResult) -> str:
    return segment_label(r.segment) or "all"   # NULL and the string 'null' read apart


def results_table(report: RunReport) -> Table:
    """One row per result: monitor, column, segment, metric, value, when it fires, status,
    the evaluated window and the baseline it was compared with."""
    table = Table(title=f"telltale run at {report.at:%Y-%m-%d %H:%M} UTC", show_lines=False)
    for name in ("monitor", "column", "segment", "metric", "value", "alert if", "status",
                 "window", "baseline"):
        table.add_column(name, overflow="fold")
    for r in report.results:
        table.add_row(Text(r.monitor), Text(r.column or "-"), Text(_segment(r)), Text(r.metric),
                      Text(_num(r.value)), Text(threshold_text(r.threshold, r.type)),
                      Text(r.status, style=STATUS_STYLE.get(r.status, "")),
                      Text(range_text(r.window)), Text(range_text(r.baseline)))
    return table


def why_lines(report: RunReport) -> list[Text]:
    """One line per alert, error or no_data result: what fired, failed or had no data, and why."""
    out = []
    for r in report.results:
        if r.status in ("alert", "error", "no_data"):
            where = r.monitor + (f" [{r.column}]" if r.column else "") + \
                (f" ({_segment(r)})" if r.segment else "")
            out.append(Text.assemble((r.status, STATUS_STYLE[r.status]), f" {where}: {r.error or r.message}"))
    return out


def history_lines(report: RunReport) -> list[Text]:
    """Results of a window older than one already judged: stored, but no alert changed."""
    out = []
    for r in report.results:
        note = r.extra.get("history_only")
        if note:
            where = r.monitor + (f" [{r.column}]" if r.column else "") + (f" ({_segment(r)})" if r.segment else "")
            out.append(Text.assemble(("not alerted", "yellow"), f" {where} ({r.status}): {note}"))
    return out


def alert_lines(report: RunReport) -> list[Text]:
    """Alerts this run opened or resolved, with the channels notified."""
    out = []
    for a in report.alerts:
        status = a.get("status")
        if status not in ("firing", "resolved"):
            continue
        what = a.get("monitor", "?") + (f" [{a['column']}]" if a.get("column") else "")
        if a.get("segment"):
            what += f" ({segment_label(a['segment'])})"
        channels = list(a.get("channels") or [])
        if a.get("suppressed") and status == "resolved":     # its firing was never sent: nor is this
            to = f"its firing notice was held by {a['suppressed']}, so nothing is sent"
        elif a.get("suppressed"):
            to = f"held by {a['suppressed']}, sent later"
        elif channels:
            to = "queued for " + ", ".join(channels) + "; see Delivery"
        else:
            to = "no channel in `notify:` for it, so nothing is sent"
        if a.get("reason"):
            to = f"{a['reason']}; {to}"
        word, style = ("opened", "bold red") if status == "firing" else ("resolved", "green")
        out.append(Text.assemble((word, style), f" {what} ({to})"))
    return out


def delivery_lines(report: RunReport) -> list[Text]:
    """Each notice's delivery: sent, failed (with the reason) or pending (until when)."""
    delivery = getattr(report, "delivery", None) or {}
    notices = delivery.get("notices", []) if isinstance(delivery, dict) else list(delivery)
    out = []
    for n in notices:
        status = n.get("status", "?")
        text = f" {n.get('notice', 'notice')} of {n.get('alert')} to {n.get('channel')}"
        if n.get("notice") == "metrics":
            text = f" {n.get('points')} metric point(s) to {n.get('channel')}"
        elif n.get("grouped"):
            text += f" (one message for {n['grouped']} notices)"
        if status == "failed":
            text += f": {n.get('error')}"
            if n.get("retry_at"):
                text += f"; retried after {n['retry_at']}"
        elif status == "pending":
            text += f" until {n['retry_at']}" if n.get("retry_at") else " until the next run"
            if n.get("error"):
                text += f" ({n['error']})"
        out.append(Text.assemble((status, DELIVERY_STYLE.get(status, "")), text))
    for name, error in sorted(((delivery.get("channel_errors") or {}) if isinstance(delivery, dict) else {}).items()):
        out.append(Text.assemble(("unusable", "bold red"), f" channel {name}: {error}"))
    return out


def print_report(report: RunReport, console: Console | None = None) -> None:
    """Print the results table, why things fired, alerts, deliveries and a summary line."""
    console = console or make_console()
    console.print(results_table(report))
    for title, lines in (("What fired, failed or had no data, and why", why_lines(report)),
                         ("Alerts", alert_lines(report) + history_lines(report)),
                         ("Delivery", delivery_lines(report))):
        if lines:
            console.print(Text("\n" + title, style="bold"))
            for line in lines:
                console.print(Text("  ") + line, highlight=False, soft_wrap=True)
    counts: dict[str, int] = {}
    for r in report.results:
        counts[r.status] = counts.get(r.status, 0) + 1
    summary = ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
    scanned = [q["bytes_scanned"] for q in report.queries if q.get("bytes_scanned") is not None]
    cost = f"{sum(q['seconds'] for q in report.queries):.3f} s in the warehouse"
    if scanned:
        cost += f", {_bytes(sum(scanned))} scanned"
        if len(scanned) < len(report.queries):
            cost += f" by {len(scanned)} of them"
    console.print(Text(f"{len(report.results)} results: {summary}; {len(report.queries)} queries pushed "
                       f"down ({cost})"), soft_wrap=True)


def _bytes(n: int) -> str:
    """A byte count for people: 512 B, 1.5 MB, 2.0 GB."""
    size = float(n)
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if size < 1000 or unit == "TB":
            return f"{int(size)} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{n} B"

