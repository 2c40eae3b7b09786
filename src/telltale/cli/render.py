"""Rich tables for people; the JSON output is built by the runner."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

STATUS_STYLE = {"ok": "green", "alert": "bold red", "no_data": "yellow", "error": "bold magenta"}


def _num(v: Any) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)


def _threshold(t: dict[str, Any] | None) -> str:
    if not t:
        return "-"
    parts = []
    if "min" in t:
        parts.append(f">= {_num(t['min'])}")
    if "max" in t:
        parts.append(f"<= {_num(t['max'])}" if "min" in t else f"< {_num(t['max'])}")
    if "percent" in t and not parts:
        parts.append(f"±{t['percent']}%")
    return " and ".join(parts) or "-"


def results_table(report: Any) -> Table:
    """One row per result: monitor, column, segment, value, threshold, status, why."""
    table = Table(title=f"telltale run at {report.at:%Y-%m-%d %H:%M} UTC", show_lines=False)
    for name in ("monitor", "column", "segment", "metric", "value", "threshold", "status", "message"):
        table.add_column(name, overflow="fold")
    for r in report.results:
        seg = ",".join(f"{k}={v}" for k, v in (r.segment or {}).items()) or "all"
        style = STATUS_STYLE.get(r.status, "")
        table.add_row(escape(r.monitor), escape(r.column or "-"), escape(seg), escape(r.metric),
                      _num(r.value), _threshold(r.threshold), f"[{style}]{r.status}[/]",
                      escape(r.error or r.message))
    return table


def print_report(report: Any, console: Console | None = None) -> None:
    """Print the results table and a one-line summary."""
    console = console or Console()
    console.print(results_table(report))
    counts: dict[str, int] = {}
    for r in report.results:
        counts[r.status] = counts.get(r.status, 0) + 1
    summary = ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
    console.print(f"{len(report.results)} results: {summary}; {len(report.queries)} queries pushed down "
                  f"({sum(q['seconds'] for q in report.queries):.3f} s in the warehouse)")
    fired = [a for a in report.alerts if a.get("status") == "firing"]
    if fired:
        console.print(f"[bold red]{len(fired)} alert(s) fired[/]: " +
                      ", ".join(f"{a['monitor']} -> {', '.join(a.get('channels') or []) or 'no channel'}"
                                for a in fired))
