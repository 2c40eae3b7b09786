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
    if "min" in t and "max" in t:
        return f"[{_num(t['min'])}, {_num(t['max'])}]"
    if "min" in t:
        return f">= {_num(t['min'])}"
    if "max" in t:
        return f"< {_num(t['max'])}"
    if "percent" in t:
        return f"±{t['percent']}%"
    return "-"


def _segment(r: Any) -> str:
    return ",".join(f"{k}={v}" for k, v in (r.segment or {}).items()) or "all"


def results_table(report: Any) -> Table:
    """One row per result: monitor, column, segment, metric, value, threshold, status."""
    table = Table(title=f"telltale run at {report.at:%Y-%m-%d %H:%M} UTC", show_lines=False)
    for name in ("monitor", "column", "segment", "metric", "value", "threshold", "status"):
        table.add_column(name, overflow="fold")
    for r in report.results:
        style = STATUS_STYLE.get(r.status, "")
        table.add_row(escape(r.monitor), escape(r.column or "-"), escape(_segment(r)), escape(r.metric),
                      _num(r.value), _threshold(r.threshold), f"[{style}]{r.status}[/]")
    return table


def why_lines(report: Any) -> list[str]:
    """One line per alert or error: what fired and why."""
    out = []
    for r in report.results:
        if r.status in ("alert", "error"):
            style = STATUS_STYLE[r.status]
            out.append(f"[{style}]{r.status}[/] {escape(r.monitor)}: {escape(r.error or r.message)}")
    return out


def print_report(report: Any, console: Console | None = None) -> None:
    """Print the results table and a one-line summary."""
    console = console or Console()
    console.print(results_table(report))
    lines = why_lines(report)
    if lines:
        console.print("\n[bold]What fired and why[/]")
        for line in lines:
            console.print("  " + line, highlight=False)
    counts: dict[str, int] = {}
    for r in report.results:
        counts[r.status] = counts.get(r.status, 0) + 1
    summary = ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
    console.print(f"{len(report.results)} results: {summary}; {len(report.queries)} queries pushed down "
                  f"({sum(q['seconds'] for q in report.queries):.3f} s in the warehouse)")
    fired = [a for a in report.alerts if a.get("status") == "firing"]
    if fired:
        sent = sorted({c for a in fired for c in a.get("channels") or []})
        where = f"notified: {', '.join(sent)}" if sent else "no channel in `notify:`, so nothing was sent"
        console.print(f"[bold red]{len(fired)} alert(s) opened[/] ({where})")
