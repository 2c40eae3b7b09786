"""The data behind every dashboard page, as JSON-ready dicts (served as-is by /api/...)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from telltale.api.frames import alert_rows, point_json
from telltale.core.timeutil import iso

if TYPE_CHECKING:
    from telltale.config.project import Project
    from telltale.store import Store


STATUS_RANK = {"ok": 0, "no_data": 1, "alert": 2, "error": 3}


def _series_key(p: dict[str, Any]) -> tuple[str, str, str, str]:
    seg = ",".join(f"{k}={v}" for k, v in sorted((p["segment"] or {}).items()))
    return (p["monitor"], p["column"] or "", seg, p["metric"])


def model_series(store: Store, model: str) -> list[dict[str, Any]]:
    """Each series of a model (monitor, column, segment, metric) with its points, oldest first."""
    out: dict[tuple[str, str, str, str], dict[str, Any]] = {}
    for p in store.list_points(model=model):
        row = point_json(p)
        key = _series_key(row)
        s = out.setdefault(key, {"monitor": row["monitor"], "type": row["type"], "column": row["column"],
                                 "segment": row["segment"], "metric": row["metric"], "points": []})
        s["points"].append({"at": row["at"], "value": row["value"], "status": row["status"],
                            "threshold": row["threshold"], "message": row["message"]})
    for s in out.values():
        s["latest"] = s["points"][-1]
    return list(out.values())


def configured_monitors(project: Project) -> set[tuple[str, str]]:
    """(model, monitor) of every monitor in the served telltale.yml: the series the overview
    and /metrics show (a monitor removed from it keeps only its history)."""
    return {(m.model, m.name) for m in project.config.monitors}


def models_overview(project: Project, store: Store) -> list[dict[str, Any]]:
    """Every model with its current status (the worst latest status of the series of its
    configured monitors), from each series' latest point only."""
    open_alerts: dict[str, int] = {}
    for a in store.list_alerts(status="open", limit=10_000):
        open_alerts[a.model] = open_alerts.get(a.model, 0) + 1
    latest: dict[str, list[Any]] = {}
    for p in store.latest_points(configured_monitors(project)):
        latest.setdefault(p.model, []).append(p)
    out = []
    for name, cfg in project.config.models.items():
        series = latest.get(name, [])
        counts: dict[str, int] = {}
        for p in series:
            counts[p.status] = counts.get(p.status, 0) + 1
        status = max(counts, key=lambda st: STATUS_RANK.get(st, 0)) if counts else "no_data"
        last = iso(max(p.at for p in series)) if series else None
        out.append({"model": name, "type": cfg.type, "status": status, "series": len(series),
                    "monitors": len(project.config.monitors_of(name)), "statuses": counts,
                    "open_alerts": open_alerts.get(name, 0), "last_evaluated": last,
                    "evaluated": bool(series)})
    return out


def model_detail(project: Project, store: Store, model: str) -> dict[str, Any]:
    """One model: each monitor with its series, and the model's alerts."""
    series = model_series(store, model)
    monitors = []
    for m in project.config.monitors_of(model):
        monitors.append({"name": m.name, "type": m.type_name, "severity": m.severity,
                         "schedule": m.schedule, "series": [s for s in series if s["monitor"] == m.name]})
    alerts = [a for a in alert_rows(store) if a["model"] == model]
    return {"model": model, "type": project.model(model).type, "monitors": monitors, "alerts": alerts}


def run_rows(store: Store, limit: int = 50) -> list[dict[str, Any]]:
    """Recent runs, newest first, with their pushed-down queries' totals."""
    return [run_json(r, with_sql=False) for r in store.recent_runs(limit)]


def run_json(r: Any, *, with_sql: bool = True) -> dict[str, Any]:
    """One run: when, how long, its exit code, and each pushed-down query (SQL, seconds, bytes)."""
    summary = r.summary or {}
    queries = summary.get("queries") or []
    scanned = [q.get("bytes_scanned") for q in queries if q.get("bytes_scanned") is not None]
    out: dict[str, Any] = {
        "run_id": r.run_id, "at": iso(r.at), "started_at": iso(r.started_at),
        "finished_at": iso(r.finished_at), "status": r.status, "exit_code": r.exit_code,
        "seconds": summary.get("seconds"), "results": summary.get("results"), "alerts": summary.get("alerts"),
        "queries_count": len(queries), "query_seconds": round(sum(q.get("seconds") or 0 for q in queries), 6),
        "bytes_scanned": sum(scanned) if scanned else None,
    }
    if with_sql:
        out["queries"] = queries
    return out
