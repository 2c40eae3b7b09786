"""Prometheus /metrics: DESIGN.md's names with the demo's values, totals from the store (so they
survive restarts), and a Grafana dashboard whose every query names an exposed metric."""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from telltale.config import load_project
from telltale.serve.app import create_app
from telltale.serve.metrics import EXPOSED
from telltale.store import open_store

ROOT = Path(__file__).resolve().parents[2]
DESIGN_NAMES = ("telltale_metric_value", "telltale_monitor_status", "telltale_run_duration_seconds",
                "telltale_query_duration_seconds", "telltale_alerts_sent_total",
                "telltale_alert_delivery_failures_total")


def _samples(text: str) -> dict[str, list]:
    out: dict[str, list] = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out.setdefault(s.name, []).append(s)
    return out


def _declared(text: str) -> set[str]:
    return set(re.findall(r"^# TYPE (\S+)", text, re.M)) | {n + "_total" for n in
                                                           re.findall(r"^# TYPE (\S+) counter", text, re.M)}


def test_metrics_show_the_design_names_with_the_demos_values(demo_master: Path) -> None:
    project = load_project(demo_master)
    store = open_store(project.store_url)
    text = TestClient(create_app(project, store)).get("/metrics").text
    assert set(DESIGN_NAMES) <= _declared(text)
    samples = _samples(text)
    income = [s for s in samples["telltale_metric_value"]
              if s.labels == {"model": "credit", "monitor": "feature drift", "column": "income",
                              "segment": "", "metric": "psi"}]
    latest = [p for p in store.list_points(model="credit", monitor="feature drift", column="income")][-1]
    assert len(income) == 1 and income[0].value == pytest.approx(latest.value)
    status = {(s.labels["monitor"], s.labels["column"], s.labels["segment"]): s.value
              for s in samples["telltale_monitor_status"]}
    assert status[("feature drift", "income", "")] == 1 and status[("feature drift", "age", "")] == 0
    assert status[("approval rate", "", "region=EU")] == 1
    assert samples["telltale_run_duration_seconds"][0].value > 0
    assert {s.labels["connection"] for s in samples["telltale_query_duration_seconds"]} <= {"wh"}


def test_latest_points_are_each_series_last_stored_point(demo_master: Path) -> None:
    """/metrics reads one row per series (ROW_NUMBER in the store), the same point as the last
    of each series' history."""
    store = open_store(load_project(demo_master).store_url)
    last = {}
    for p in store.list_points():   # by series, then time
        last[(p.model, p.monitor, p.column or "", p.segment_key, p.metric)] = p
    latest = store.latest_points()
    assert len(last) >= 15 and len(latest) == len(last)
    for p in latest:
        q = last[(p.model, p.monitor, p.column or "", p.segment_key, p.metric)]
        assert (p.at, p.run_id, p.value, p.status) == (q.at, q.run_id, q.value, q.status)


def test_a_monitor_removed_from_the_config_is_no_longer_exported(demo: Path) -> None:
    def credit_series() -> int:
        project = load_project(demo)
        models = TestClient(create_app(project, open_store(project.store_url))).get("/api/models").json()["models"]
        return next(m["series"] for m in models if m["model"] == "credit")

    before = credit_series()
    cfg = demo / "telltale.yml"
    text = cfg.read_text()
    start = text.index("  - name: mean income")
    end = text.find("\n  - name:", start + 1)
    cfg.write_text(text[:start] + (text[end + 1:] if end != -1 else ""))
    project = load_project(demo)
    store = open_store(project.store_url)
    assert any(p.monitor == "mean income" for p in store.latest_points())   # still stored
    samples = _samples(TestClient(create_app(project, store)).get("/metrics").text)
    monitors = {s.labels["monitor"] for s in samples["telltale_metric_value"] + samples["telltale_monitor_status"]}
    assert "mean income" not in monitors and "feature drift" in monitors
    assert credit_series() == before - 1   # the dashboard's overview counts it no more


def _with_webhook(root: Path, url: str) -> None:
    cfg = root / "telltale.yml"
    text = cfg.read_text().replace("    severity: high\n", "    severity: high\n    notify: [hook]\n", 1)
    cfg.write_text(text + f"alerts:\n  hook: {{type: webhook, url: \"{url}\"}}\n")


def test_delivery_totals_come_from_the_store_and_survive_a_restart(tmp_path: Path, httpserver) -> None:
    from telltale.alerts.channels import usable_channels
    from telltale.alerts.outbox import deliver_pending
    from telltale.demo.data import demo_end
    from telltale.demo.project import write_project
    from telltale.runner.run import run_project

    for _ in range(3):      # every quick retry of the first delivery fails: it stays queued
        httpserver.expect_oneshot_request("/hook").respond_with_data("down", status=503)
    httpserver.expect_request("/hook").respond_with_data("ok")
    root = tmp_path / "demo"
    end = demo_end()
    write_project(root, end)
    _with_webhook(root, httpserver.url_for("/hook"))
    project = load_project(root)
    report = run_project(project, at=end)
    fired = [a for a in report.alerts if a["status"] == "firing" and a["channels"] == ["hook"]]
    assert len(fired) == 2                              # income and region drift
    store = open_store(project.store_url)
    text = TestClient(create_app(project, store)).get("/metrics").text
    s = _samples(text)
    failures = {x.labels["channel"]: x.value for x in s.get("telltale_alert_delivery_failures_total", [])}
    sent = {(x.labels["channel"], x.labels["status"]): x.value for x in s.get("telltale_alerts_sent_total", [])}
    assert failures == {"hook": 1.0}                    # one failed delivery (3 quick tries)
    assert sent == {}                                   # the second notice waits behind the failed channel
    from telltale.api.project import ApiProject

    api = ApiProject(project)
    failed, pending = api.alerts(status="failed"), api.alerts(status="pending")
    assert len(failed) == 1 and failed.iloc[0]["delivery"][0]["error"]       # the 503, with its error
    assert len(pending) == 1 and pending.iloc[0]["delivery"][0]["status"] == "pending"
    channels, _ = usable_channels({"hook": {"type": "webhook", "url": httpserver.url_for("/hook")}})
    deliver_pending(store, channels, datetime.now(timezone.utc), due_only=False)
    store.close()
    restarted = open_store(project.store_url)           # a new process: the totals are read, not kept
    s = _samples(TestClient(create_app(project, restarted)).get("/metrics").text)
    assert {(x.labels["channel"], x.labels["status"]): x.value for x in s["telltale_alerts_sent_total"]} == {
        ("hook", "firing"): 2.0}
    assert {x.labels["channel"]: x.value for x in s["telltale_alert_delivery_failures_total"]} == {"hook": 1.0}
    assert len(api.alerts(status="failed")) == 0 and len(api.alerts(status="pending")) == 0
    sent_rows = [d for ds in api.alerts(status="open")["delivery"] for d in ds]
    assert sorted(d["status"] for d in sent_rows) == ["sent", "sent"]
    page = TestClient(create_app(project, restarted)).get("/alerts").text
    assert page.count('hook firing: <span class="sent">sent</span>') == 2


def _queries(node: object) -> list[str]:
    if isinstance(node, dict):
        found = [v for k, v in node.items() if k in ("expr", "definition") and isinstance(v, str)]
        query = node.get("query")
        if isinstance(query, dict) and isinstance(query.get("query"), str):
            found.append(query["query"])
        return found + [q for v in node.values() for q in _queries(v)]
    if isinstance(node, list):
        return [q for v in node for q in _queries(v)]
    return []


def test_every_grafana_query_names_an_exposed_metric(demo_master: Path) -> None:
    dashboard = json.loads((ROOT / "docs" / "grafana" / "telltale.json").read_text())
    queries = _queries(dashboard)
    assert len(queries) >= 10
    project = load_project(demo_master)
    declared = _declared(TestClient(create_app(project, open_store(project.store_url))).get("/metrics").text)
    used = set()
    for q in queries:
        names = set(re.findall(r"\btelltale_[a-z_]+\b", q))
        assert names, f"a query without a telltale metric: {q}"
        assert names <= declared and names <= set(EXPOSED), (q, names - declared)
        used |= names
    assert set(DESIGN_NAMES) <= used                    # the dashboard shows every DESIGN.md metric


def test_query_seconds_per_connection_come_from_the_latest_run_that_queried_it(tmp_path: Path) -> None:
    """serve runs one model at a time: the latest run queried one connection only, and the other
    connection keeps the seconds of the latest run that queried it."""
    from telltale.serve.metrics import render_metrics

    store = open_store(f"sqlite:///{tmp_path / 'state.db'}")
    t0 = datetime(2026, 3, 1, tzinfo=timezone.utc)
    for i, queries in enumerate(([("pg", 0.5), ("pg", 0.25)], [("pg", 2.0)], [("snow", 1.5)])):
        rid = store.begin_run(t0, started_at=t0.replace(hour=i + 1))
        store.finish_run(rid, status="done", exit_code=0, finished_at=t0.replace(hour=i + 1, minute=5),
                         summary={"seconds": 3.0 + i, "queries": [{"connection": c, "seconds": s}
                                                                  for c, s in queries]})
    samples = _samples(render_metrics(store).decode())
    assert {s.labels["connection"]: s.value for s in samples["telltale_query_duration_seconds"]} == \
        {"pg": 2.0, "snow": 1.5}
    assert samples["telltale_run_duration_seconds"][0].value == 5.0
