"""The dashboard and its JSON API through FastAPI's TestClient, on the demo project's store."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import numpy as np
import pytest
from fastapi.testclient import TestClient

from telltale.config import load_project
from telltale.serve.app import create_app
from telltale.store import open_store

TOKEN = "s3cret-token"


@pytest.fixture()
def client(demo_master: Path) -> TestClient:
    """Read-only use of the demo (a copy elsewhere has another summary fingerprint: its
    stored summaries are those of the first run there)."""
    project = load_project(demo_master)
    return TestClient(create_app(project, open_store(project.store_url)))


def test_overview_lists_the_model_with_its_status(client: TestClient) -> None:
    data = client.get("/api/models").json()
    [model] = data["models"]
    assert model["model"] == "credit" and model["status"] == "alert" and model["monitors"] == 9
    assert model["open_alerts"] > 0 and model["statuses"]["alert"] > 0
    html = client.get("/").text
    assert '<a href="/models/credit">credit</a>' in html and 'class="alert"' in html
    assert 'href="/api/models"' in html


def test_model_page_charts_every_series_with_thresholds_and_alert_markers(client: TestClient) -> None:
    data = client.get("/api/models/credit").json()
    names = [m["name"] for m in data["monitors"]]
    assert "feature drift" in names and "approval rate" in names
    drift = next(m for m in data["monitors"] if m["name"] == "feature drift")
    income = next(s for s in drift["series"] if s["column"] == "income")
    assert income["latest"]["status"] == "alert" and len(income["points"]) > 5
    assert income["points"][-1]["threshold"] == {"max": 0.2}
    html = client.get("/models/credit").text
    series_count = sum(len(m["series"]) for m in data["monitors"])
    assert html.count('<svg class="chart"') == series_count
    assert html.count('class="alert-marker"') >= 1 and 'class="threshold"' in html
    assert 'aria-label="feature drift income · psi"' in html
    # a segment reads as in `run` and `history` (quoted, so NULL and 'null' read apart)
    assert "region=&#x27;EU&#x27; · approval_rate" in html       # html-escaped quotes


def test_drift_view_histograms_equal_the_raw_rows(client: TestClient, demo_master: Path) -> None:
    cols = {c["column"]: c for c in client.get("/api/models/credit/drift").json()["columns"]
            if c["monitor"] == "feature drift"}
    assert set(cols) == {"income", "age", "region", "has_car"}
    con = duckdb.connect(str(demo_master / "warehouse.duckdb"), read_only=True)
    region = cols["region"]
    for side, rng in (("focal", region["window"]), ("baseline", region["baseline"])):
        rows = con.execute("SELECT coalesce(region, 'NULL'), count(*) FROM predictions WHERE predicted_at >= ? "
                           "AND predicted_at < ? GROUP BY 1", [rng["start"][:19], rng["end"][:19]]).fetchall()
        total = sum(n for _, n in rows)
        exact = {k: n / total for k, n in rows}
        shown = dict(zip(region["histogram"]["categories"], region["histogram"][side]))
        assert shown.keys() == set(exact) | set(shown)
        for k in shown:       # exact: value counts are merged, never estimated
            assert shown[k] == pytest.approx(exact.get(k, 0.0), abs=1e-12)
    income = cols["income"]["histogram"]
    edges = np.array(income["edges"])
    rng = cols["income"]["window"]
    values = np.array([v for (v,) in con.execute(
        "SELECT income FROM predictions WHERE predicted_at >= ? AND predicted_at < ? AND income IS NOT NULL",
        [rng["start"][:19], rng["end"][:19]]).fetchall()])
    inner = np.histogram(np.clip(values, edges[0], np.nextafter(edges[-1], -np.inf)), bins=edges)[0]
    assert income["focal_count"] == len(values)
    # bins on the stored grid: a value sits in one display bin (tails folded into the end bins);
    # edges are the grid's float edges, so a value within 1e-9 relative of an edge may sit either side
    assert np.allclose(income["focal"], inner / len(values), atol=2.0 / len(values))
    assert sum(income["baseline"]) == pytest.approx(1.0)
    html = client.get("/models/credit/drift").text
    assert html.count('<svg class="hist"') == len(client.get("/api/models/credit/drift").json()["columns"])
    assert 'class="focal-bar"' in html and 'class="baseline-bar"' in html


def test_alerts_and_runs_pages(client: TestClient) -> None:
    alerts = client.get("/api/alerts").json()["alerts"]
    assert alerts and {a["status"] for a in alerts} == {"open"}
    assert all("delivery" in a for a in alerts)
    assert client.get("/api/alerts?status=resolved").json()["alerts"] == []
    assert client.get("/api/alerts?status=bogus").status_code == 400
    html = client.get("/alerts").text
    assert html.count('class="alert-row"') == len(alerts)
    runs = client.get("/api/runs").json()["runs"]
    assert runs and runs[0]["status"] == "done" and runs[0]["seconds"] > 0
    first_scan = next(r for r in reversed(runs) if r["queries_count"] > 0)
    run = client.get(f"/api/runs/{first_scan['run_id']}").json()
    assert run["queries"] and all(q["sql"].lstrip().upper().startswith(("SELECT", "WITH")) for q in run["queries"])
    assert {"connection", "seconds", "rows", "bytes_scanned"} <= set(run["queries"][0])
    page = client.get(f"/runs/{first_scan['run_id']}").text
    assert page.count('<pre class="sql">') == len(run["queries"])
    assert client.get("/runs").text.count('class="run-row"') == len(runs)
    assert client.get("/api/runs/nope").status_code == 404
    assert client.get("/models/nope").status_code == 404


def test_history_api_and_healthz(client: TestClient) -> None:
    points = client.get("/api/history", params={"monitor": "missing age", "column": "age"}).json()["points"]
    assert points and {p["column"] for p in points} == {"age"}
    assert client.get("/api/history", params={"since": "soon"}).status_code == 400
    health = client.get("/healthz").json()
    assert health["status"] == "ok" and health["store"] == "reachable" and health["scheduler"] is False


def test_every_route_but_healthz_needs_the_token(demo: Path) -> None:
    project = load_project(demo)
    c = TestClient(create_app(project, open_store(project.store_url), token=TOKEN))
    routes = ["/", "/models/credit", "/models/credit/drift", "/alerts", "/runs", "/metrics", "/api/models",
              "/api/models/credit", "/api/models/credit/drift", "/api/alerts", "/api/runs", "/api/history",
              "/api/scheduler", "/nowhere"]
    for path in routes:
        assert c.get(path).status_code == 401, path
        assert c.get(path, headers={"Authorization": "Bearer wrong"}).status_code == 401, path
    assert c.get("/healthz").status_code == 200
    ok = {"Authorization": f"Bearer {TOKEN}"}
    for path in routes[:-1]:
        assert c.get(path, headers=ok).status_code == 200, path
    landed = c.get("/alerts?token=" + TOKEN)          # a browser: the token once, then a cookie
    assert landed.status_code == 200 and landed.url.path == "/alerts"
    assert c.get("/runs").status_code == 200


def test_pages_escape_what_users_wrote(demo: Path) -> None:
    text = (demo / "telltale.yml").read_text().replace("name: missing age", "name: \"<b>missing</b> age\"")
    (demo / "telltale.yml").write_text(text)
    project = load_project(demo)
    html = TestClient(create_app(project, open_store(project.store_url))).get("/models/credit").text
    assert "<b>missing</b>" not in html and "&lt;b&gt;missing&lt;/b&gt; age" in html


def test_metric_names_in_html_links(client: TestClient) -> None:
    html = client.get("/").text
    assert re.findall(r'href="(/[a-z]*)"', html)[:4] == ["/", "/alerts", "/runs", "/metrics"]
