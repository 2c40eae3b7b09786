"""`telltale history`: stored values per series, for people (a sparkline each), JSON or CSV."""

from __future__ import annotations

import csv
import io
import json
import math
from typing import Any, Iterable

from rich.console import Console
from rich.table import Table
from rich.text import Text

from telltale.cli.render import STATUS_STYLE, threshold_text
from telltale.core.segkey import segment_label

BARS = "▁▂▃▄▅▆▇█"
SPARK_POINTS = 40
CSV_COLUMNS = ("at", "model", "monitor", "column", "segment", "metric", "value", "threshold", "status",
               "severity", "window_start", "window_end", "message")


def sparkline(values: Iterable[float | None]) -> str:
    """One character per value, scaled between the series' min and max (a gap for a missing value)."""
    vals = list(values)
    finite = [v for v in vals if v is not None and math.isfinite(v)]
    if not finite:
        return " " * len(vals)
    lo, hi = min(finite), max(finite)
    out = []
    for v in vals:
        if v is None or not math.isfinite(v):
            out.append(" ")
        elif hi == lo:
            out.append(BARS[len(BARS) // 2])
        else:
            out.append(BARS[min(len(BARS) - 1, int((v - lo) / (hi - lo) * len(BARS)))])
    return "".join(out)


def series_of(rows: list[dict[str, Any]]) -> dict[tuple[Any, ...], list[dict[str, Any]]]:
    """Rows grouped by series (model, monitor, column, segment, metric), in the order given."""
    out: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for r in rows:
        key = (r["model"], r["monitor"], r["column"] or "", segment_label(r["segment"]), r["metric"])
        out.setdefault(key, []).append(r)
    return out


def _spark_text(points: list[dict[str, Any]]) -> Text:
    """The sparkline of a series' latest points, alert points in red."""
    shown = points[-SPARK_POINTS:]
    line = sparkline(p["value"] for p in shown)
    text = Text()
    for ch, p in zip(line, shown):
        text.append(ch, style="red" if p["status"] == "alert" else "magenta" if p["status"] == "error" else "")
    return text


def print_history(rows: list[dict[str, Any]], console: Console) -> None:
    """One table row per series: its sparkline, points, latest value, threshold and status."""
    if not rows:
        console.print("no stored points match; run `telltale run` or `telltale backfill` first",
                      markup=False, highlight=False)
        return
    table = Table(show_lines=False)
    for name in ("model", "monitor", "column", "segment", "metric", "from", "to", "points",
                 "values (latest 40)", "latest", "threshold", "status", "alerts"):
        table.add_column(name, no_wrap=name == "values (latest 40)")
    for (model, monitor, column, seg, metric), pts in series_of(rows).items():
        last = pts[-1]
        value = last["value"]
        alerts = sum(1 for p in pts if p["status"] == "alert")
        table.add_row(Text(model), Text(monitor), Text(column or "-"), Text(seg or "all"), Text(metric),
                      pts[0]["at"][:16], last["at"][:16], str(len(pts)), _spark_text(pts),
                      "-" if value is None else f"{value:.4g}",
                      Text(threshold_text(last["threshold"], last.get("type") or "")),
                      Text(last["status"], style=STATUS_STYLE.get(last["status"], "")), str(alerts))
    console.print(table)


def history_json(rows: list[dict[str, Any]]) -> str:
    """The `--json` list of points."""
    return json.dumps(rows, indent=2, allow_nan=False) + "\n"


def history_csv(rows: list[dict[str, Any]]) -> str:
    """One CSV line per point (segment as `col='value'`, threshold as JSON)."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for r in rows:
        window = r.get("window") or {}
        writer.writerow({"at": r["at"], "model": r["model"], "monitor": r["monitor"],
                         "column": r["column"] or "", "segment": segment_label(r["segment"]),
                         "metric": r["metric"], "value": "" if r["value"] is None else repr(r["value"]),
                         "threshold": json.dumps(r["threshold"]) if r["threshold"] else "",
                         "status": r["status"], "severity": r["severity"] or "",
                         "window_start": window.get("start") or "", "window_end": window.get("end") or "",
                         "message": r["message"] or ""})
    return buf.getvalue()


def show_history(rows: list[dict[str, Any]], form: str, console: Console) -> None:
    """Print the points as `json`, `csv` or a `table` for people."""
    import sys

    if form == "json":
        sys.stdout.write(history_json(rows))
    elif form == "csv":
        sys.stdout.write(history_csv(rows))
    else:
        print_history(rows, console)
