"""Server-rendered HTML of the dashboard: every value escaped, charts as inline SVG, no build step."""

from __future__ import annotations

from html import escape
from typing import Any, Iterable
from urllib.parse import quote

from telltale.core.segkey import segment_label
from telltale.serve.charts import histogram_chart, line_chart

CSS = """
body{font-family:system-ui,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
header{background:#1d2330;color:#fff;padding:10px 20px;display:flex;gap:18px;align-items:center}
header a{color:#cfd8ea;text-decoration:none}header a:hover{color:#fff}header b{margin-right:12px}
main{padding:16px 20px;max-width:1250px}table{border-collapse:collapse;background:#fff;margin:8px 0 18px}
th,td{border:1px solid #dde1e8;padding:4px 8px;text-align:left;font-size:14px;vertical-align:top}
th{background:#eef1f5}.ok{color:#1a7f37}.alert{color:#c62828;font-weight:600}.no_data{color:#9a6700}
.error{color:#8250df;font-weight:600}.sent{color:#1a7f37}.failed{color:#c62828}.pending{color:#9a6700}
.cards{display:flex;flex-wrap:wrap;gap:14px}.card{background:#fff;border:1px solid #dde1e8;padding:8px 10px}
.card h4{margin:0 0 4px;font-size:14px}.chart .series{fill:none;stroke:#2f6fde;stroke-width:1.6}
.chart .threshold{fill:none;stroke:#c62828;stroke-dasharray:4 3;stroke-width:1}
.axis{stroke:#99a}.tick{font-size:10px;fill:#667}.alert-marker{fill:#c62828}.point{fill:#2f6fde}
.error-marker{fill:#8250df}.baseline-bar{fill:#b8bfcc}.focal-bar{fill:#2f6fde}
pre{background:#fff;border:1px solid #dde1e8;padding:8px;overflow:auto;font-size:12px;max-height:320px}
.muted{color:#667;font-size:13px}input{padding:3px 6px}
"""

FILTER_JS = """
document.querySelectorAll('input[data-filter]').forEach(function(box){
  box.addEventListener('input',function(){
    var q=box.value.toLowerCase();
    document.querySelectorAll(box.dataset.filter).forEach(function(el){
      el.style.display=el.textContent.toLowerCase().indexOf(q)>=0?'':'none';});});});
"""


def e(value: Any) -> str:
    """Escaped text of a value ('-' for None)."""
    if value is None:
        return "-"
    if isinstance(value, float):
        return escape(f"{value:.4g}")
    return escape(str(value))


def status(value: str | None) -> str:
    """A status word in its color."""
    return f'<span class="{escape(value or "")}">{e(value)}</span>'


def seg(segment: dict[str, Any] | None) -> str:
    """A segment for people, as `run` prints it (region='EU', region=NULL; 'all' for every row)."""
    return segment_label(segment) or "all"


def layout(title: str, body: str, api: str) -> str:
    """The page frame: navigation, the page's JSON API link, the body."""
    nav = "".join(f'<a href="{h}">{t}</a>' for h, t in (("/", "Models"), ("/alerts", "Alerts"),
                                                         ("/runs", "Runs"), ("/metrics", "Metrics")))
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)} - telltale'
            f'</title><style>{CSS}</style></head><body><header><b>telltale</b>{nav}</header><main>'
            f'<h1>{escape(title)}</h1><p class="muted">JSON: <a href="{escape(api)}">{escape(api)}</a></p>'
            f'{body}</main><script>{FILTER_JS}</script></body></html>')


def table(headers: Iterable[str], rows: Iterable[Iterable[str]], cls: str = "") -> str:
    """An HTML table from already-escaped cells."""
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr" + (f' class="{cls}"' if cls else "") + ">" + "".join(f"<td>{c}</td>" for c in r)
                   + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def overview_page(models: list[dict[str, Any]], scheduler: dict[str, Any] | None) -> str:
    """`/`: every model with its current status."""
    rows = [[f'<a href="/models/{quote(m["model"])}">{e(m["model"])}</a>', e(m["type"]), status(m["status"]),
             e(m["monitors"]), e(m["series"]),
             e(", ".join(f"{n} {s}" for s, n in sorted(m["statuses"].items())) or None),
             e(m["open_alerts"]), e(m["last_evaluated"]),
             f'<a href="/models/{quote(m["model"])}/drift">drift</a>'] for m in models]
    body = table(["model", "type", "status", "monitors", "series", "latest statuses", "open alerts",
                  "last evaluated", ""], rows, "model-row")
    if scheduler:
        run = scheduler.get("running")
        now = (f'running {e(run["model"])} at {e(run["at"])} ({len(run["monitors"])} monitors)'
               if run else "idle")
        body += (f'<h2>Scheduler</h2><p class="muted">last tick {e(scheduler.get("last_tick"))}, {now}</p>'
                 + table(["monitor", "next scheduled run"],
                         [[e(name), e(at)] for name, at in sorted((scheduler.get("next") or {}).items())]))
    return layout("Models", body, "/api/models")


def model_page(detail: dict[str, Any]) -> str:
    """`/models/M`: each monitor's series over time, with thresholds and alert markers."""
    model = detail["model"]
    parts = [f'<p><a href="/models/{quote(model)}/drift">Drift histograms</a> · '
             f'<input data-filter=".card" placeholder="filter charts"></p>']
    for m in detail["monitors"]:
        parts.append(f'<h2>{e(m["name"])} <span class="muted">{e(m["type"])}, severity {e(m["severity"])}, '
                     f'schedule {e(m["schedule"] or "once per bucket")}</span></h2><div class="cards">')
        if not m["series"]:
            parts.append('<p class="muted">not evaluated yet</p>')
        for s in m["series"]:
            last = s["latest"]
            title = " · ".join(x for x in (s["column"], s["segment"] and seg(s["segment"]), s["metric"]) if x)
            parts.append(f'<div class="card series-card"><h4>{e(title)} {status(last["status"])}</h4>'
                         f'{line_chart(s["points"], m["name"] + " " + title)}'
                         f'<div class="muted">latest {e(last["value"])} at {e(last["at"])}: '
                         f'{e(last["message"])}</div></div>')
        parts.append("</div>")
    parts.append("<h2>Alerts</h2>" + alerts_table(detail["alerts"]))
    return layout(f"Model {model}", "".join(parts), f"/api/models/{quote(model)}")


def drift_page(model: str, items: list[dict[str, Any]]) -> str:
    """`/models/M/drift`: baseline vs window histogram per drift monitor and column."""
    parts = ['<p class="muted">grey: baseline, blue: the evaluated window (shares of rows per bin)</p>'
             '<div class="cards">']
    if not items:
        parts.append('<p class="muted">no drift monitor of this model has been evaluated yet</p>')
    for it in items:
        hist = it["histogram"]
        chart = histogram_chart(hist, f'{it["monitor"]} {it["column"]}') if hist else f'<p>{e(it["note"])}</p>'
        counts = (f'window {e(hist["focal_count"])} rows ({e((it["window"] or {}).get("start"))} ..), '
                  f'baseline {e(hist["baseline_count"])} rows') if hist else ""
        parts.append(f'<div class="card drift-card"><h4>{e(it["monitor"])}: {e(it["column"])} '
                     f'{e(it["metric"])} = {e(it["value"])} {status(it["status"])}</h4>{chart}'
                     f'<div class="muted">{counts}</div></div>')
    parts.append("</div>")
    return layout(f"Drift of {model}", "".join(parts), f"/api/models/{quote(model)}/drift")


def alerts_table(alerts: list[dict[str, Any]]) -> str:
    """Alerts with their delivery state per channel."""
    rows = []
    for a in alerts:
        delivery = "<br>".join(f'{e(d["channel"])} {e(d["notice"])}: {status(d["status"])}'
                               + (f' <span class="muted">{e(d["error"])}</span>' if d["error"] else "")
                               for d in a["delivery"]) or '<span class="muted">no notice (no channel)</span>'
        rows.append([e(a["model"]), e(a["monitor"]), e(a["column"]), e(seg(a["segment"])),
                     status("alert" if a["status"] == "open" else "ok") + " " + e(a["status"]),
                     e(a["severity"]), e(a["value"]), e(a["opened_at"]), e(a["resolved_at"]), delivery])
    if not rows:
        return '<p class="muted">no alerts</p>'
    return table(["model", "monitor", "column", "segment", "status", "severity", "value", "opened",
                  "resolved", "delivery"], rows, "alert-row")


def alerts_page(alerts: list[dict[str, Any]]) -> str:
    """`/alerts`: the alert history with delivery state."""
    return layout("Alerts", '<input data-filter=".alert-row" placeholder="filter alerts">'
                  + alerts_table(alerts), "/api/alerts")


def runs_page(runs: list[dict[str, Any]]) -> str:
    """`/runs`: recent runs with their pushed-down queries' totals."""
    rows = [[f'<a href="/runs/{quote(r["run_id"])}">{e(r["run_id"])}</a>', e(r["at"]), e(r["started_at"]),
             e(r["status"]),
             e(r["exit_code"]), e(r["seconds"]), e(r["queries_count"]), e(r["query_seconds"]),
             e(r["bytes_scanned"])] for r in runs]
    return layout("Runs", table(["run", "at", "started", "status", "exit", "seconds", "queries",
                                 "query seconds", "bytes scanned"], rows, "run-row"), "/api/runs")


def run_page(run: dict[str, Any]) -> str:
    """`/runs/ID`: each pushed-down query with its SQL, seconds and bytes."""
    parts = [f'<p>at {e(run["at"])}, exit {e(run["exit_code"])}, {e(run["seconds"])} s, '
             f'{e(run["results"])} results</p>']
    for i, q in enumerate(run.get("queries") or [], 1):
        parts.append(f'<h3>query {i}: {e(q.get("kind"))} on {e(q.get("connection"))} '
                     f'<span class="muted">{e(q.get("seconds"))} s, {e(q.get("rows"))} rows, '
                     f'{e(q.get("bytes_scanned"))} bytes</span></h3><pre class="sql">{e(q.get("sql"))}</pre>')
    if not run.get("queries"):
        parts.append('<p class="muted">no query was pushed down (every summary came from the store)</p>')
    return layout(f"Run {run['run_id']}", "".join(parts), f"/api/runs/{quote(run['run_id'])}")
