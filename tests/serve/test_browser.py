"""Every dashboard page of `telltale serve` on the demo project, in headless Chromium.

The server runs as a real process (its scheduler on: it runs what is due at start-up);
each page is loaded, checked for the demo's models, charts, drift histograms and alerts,
and kept as a screenshot under test-artifacts/screenshots/.
"""

from __future__ import annotations

import time
from pathlib import Path

from serve_helpers import serve_process

TOKEN = "browser-token"


def _open(browser, base: str, **kw):
    context = browser.new_context(viewport={"width": 1300, "height": 900}, **kw)
    return context, context.new_page()


def test_every_page_renders_the_demo(browser, demo: Path, screenshots: Path, tmp_path: Path) -> None:
    with serve_process(demo, "--host", "0.0.0.0", "--interval", "1", token=TOKEN,
                       log=tmp_path / "serve.log") as (_, base):
        context, page = _open(browser, base)
        try:
            # off loopback: the token is needed; `?token=` once sets a cookie for the browser
            denied = page.goto(base + "/")
            assert denied is not None and denied.status == 401
            page.goto(base + "/?token=" + TOKEN)
            # the scheduler's first tick runs what is due at start-up (this copy's summaries
            # are stored under its own path): wait for it, so the drift view has them
            deadline = time.monotonic() + 300
            while page.request.get(base + "/api/scheduler").json()["scheduler"]["last_tick"] is None:
                assert time.monotonic() < deadline, "the scheduler's first tick did not finish"
                time.sleep(0.5)
            page.reload()
            assert page.url.rstrip("/") == base and page.title() == "Models - telltale"
            row = page.locator("tr.model-row")
            assert row.count() == 1 and "credit" in row.inner_text() and "alert" in row.inner_text()
            assert "next scheduled run" in page.inner_text("main")
            page.screenshot(path=str(screenshots / "overview.png"), full_page=True)

            page.click("text=credit")
            page.wait_for_url(base + "/models/credit")
            charts = page.locator("svg.chart")
            assert charts.count() >= 15
            assert page.locator("svg.chart circle.alert-marker").count() >= 10
            assert page.locator("svg.chart polyline.threshold").count() >= 10
            box = charts.first.bounding_box()
            assert box is not None and box["width"] > 300 and box["height"] > 100
            page.fill("input[data-filter]", "income")       # the inline filter hides other charts
            visible = [c for c in page.locator(".card").all() if c.is_visible()]
            assert visible and all("income" in c.inner_text() for c in visible)
            page.fill("input[data-filter]", "")
            page.screenshot(path=str(screenshots / "model.png"), full_page=True)

            page.click("text=Drift histograms")
            page.wait_for_url(base + "/models/credit/drift")
            hists = page.locator("svg.hist")
            assert hists.count() == 6
            assert page.locator("svg.hist rect.focal-bar").count() > 20
            assert page.locator("svg.hist rect.baseline-bar").count() > 20
            assert "LATAM" in page.locator(".drift-card", has_text="region").first.inner_text()
            page.screenshot(path=str(screenshots / "drift.png"), full_page=True)

            page.click("header >> text=Alerts")
            page.wait_for_url(base + "/alerts")
            alerts = page.locator("tr.alert-row")
            assert alerts.count() >= 10
            assert "feature drift" in page.inner_text("table")
            page.screenshot(path=str(screenshots / "alerts.png"), full_page=True)

            page.click("header >> text=Runs")
            page.wait_for_url(base + "/runs")
            runs = page.locator("tr.run-row")
            assert runs.count() >= 2
            scanned = next(r for r in page.request.get(base + "/api/runs").json()["runs"]
                           if r["queries_count"] > 0)
            page.click(f"tr.run-row a[href='/runs/{scanned['run_id']}']")
            page.wait_for_selector("pre.sql")
            assert page.locator("pre.sql").count() == scanned["queries_count"]
            assert "SELECT" in page.locator("pre.sql").first.inner_text().upper()
            page.screenshot(path=str(screenshots / "run.png"), full_page=True)

            api = page.goto(base + "/api/models")
            assert api is not None and api.status == 200 and api.json()["models"][0]["model"] == "credit"
            metrics = page.goto(base + "/metrics")
            assert metrics is not None and "telltale_monitor_status" in metrics.text()
        finally:
            context.close()
