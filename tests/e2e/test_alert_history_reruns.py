"""`telltale run --at` an earlier time re-evaluates history: its points are stored, but it
never opens, resolves or re-notifies an alert once a newer window was judged for the same
monitor, column and segment (docs/alerts.md, "Reruns of past windows").

The churn project (its `new plans` monitor fires on 2026-03-12, when a plan `ultra`
appears), the local webhook peer, and a SQLite or PostgreSQL state store.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from churn_project import CONFIG, add_normal_day
from peers.alert_sinks import AlertSinks
from telltale.cli.main import app

runner = CliRunner()
SECRET = "s3cret"   # the `sinks` fixture's (tests/e2e/conftest.py)


@pytest.fixture(params=["sqlite", "postgresql"])
def store_line(request: pytest.FixtureRequest) -> str:
    """The `store:` line of telltale.yml: the default SQLite file, or the PostgreSQL peer."""
    if request.param == "sqlite":
        return ""
    return f"store: {request.getfixturevalue('postgres_db')}\n"


def _project(churn_project: Path, tmp_path: Path, sinks: AlertSinks, store_line: str) -> Path:
    dst = tmp_path / "p"
    shutil.copytree(churn_project, dst)
    cfg = CONFIG.replace("{name: new plans, model: churn, type: new_values, columns: [plan]}",
                         "{name: new plans, model: churn, type: new_values, columns: [plan], notify: [ops]}")
    cfg = cfg.replace("version: 1\n", "version: 1\n" + store_line)
    cfg += f'alerts:\n  ops: {{type: webhook, url: "{sinks.url}/hook", secret: "{SECRET}", timeout: 5}}\n'
    (dst / "telltale.yml").write_text(cfg)
    return dst


def _run(project: Path, at: str, *extra: str) -> tuple[int, dict]:
    res = runner.invoke(app, ["run", "--project", str(project), "--at", at, "--json", "--monitor", "new plans",
                              *extra])
    return res.exit_code, json.loads(res.stdout)


def _notices(sinks: AlertSinks) -> list[str]:
    return [json.loads(body)["status"] for body in sinks.state.webhook_processed.values()]


def _plan_result(out: dict) -> dict:
    (r,) = [r for r in out["results"] if r["column"] == "plan"]
    return r


def test_reruns_of_past_windows_are_history_only(churn_project, tmp_path, sinks, store_line) -> None:
    project = _project(churn_project, tmp_path, sinks, store_line)
    code, out = _run(project, "2026-03-13T00:00:00Z")                 # 2026-03-12: `ultra` appears
    assert code == 1 and [a["status"] for a in out["alerts"]] == ["firing"]
    (alert_id,) = [a["id"] for a in out["alerts"]]
    assert _notices(sinks) == ["firing"]

    # a day earlier was fine, but re-running it must not resolve the alert opened since
    code, out = _run(project, "2026-03-12T00:00:00Z")
    assert code == 0 and out["alerts"] == [] and _plan_result(out)["status"] == "ok"
    note = _plan_result(out)["history_only"]
    assert "2026-03-12T00:00:00Z" in note and "2026-03-13T00:00:00Z" in note and alert_id in note
    assert _notices(sinks) == ["firing"]
    listed = json.loads(runner.invoke(app, ["alerts", "list", "--project", str(project), "--json"]).stdout)
    assert [(a["id"], a["status"]) for a in listed["alerts"]] == [(alert_id, "open")]

    # the next day is normal: the alert resolves, one resolved notice
    add_normal_day(project)
    code, out = _run(project, "2026-03-14T00:00:00Z")
    assert code == 0 and [a["status"] for a in out["alerts"]] == ["resolved"]
    assert _notices(sinks) == ["firing", "resolved"]

    # re-running the day that fired: still `alert` (and exit 1: the window did alert), but
    # history only: no new alert, nobody notified; the human output says so
    code, out = _run(project, "2026-03-13T00:00:00Z")
    assert code == 1 and out["alerts"] == [] and out["delivery"] == []
    r = _plan_result(out)
    assert r["status"] == "alert" and "no alert is opened and nobody is notified" in r["history_only"]
    assert _notices(sinks) == ["firing", "resolved"]
    res = runner.invoke(app, ["run", "--project", str(project), "--at", "2026-03-13T00:00:00Z",
                              "--monitor", "new plans"])
    assert res.exit_code == 1
    assert "not alerted new plans [plan] (alert): history only" in res.stdout
    listed = json.loads(runner.invoke(app, ["alerts", "list", "--project", str(project), "--json"]).stdout)
    assert [(a["id"], a["status"]) for a in listed["alerts"]] == [(alert_id, "resolved")]
    # ... and stored in history: one point per window, the re-run's for 2026-03-12
    res = runner.invoke(app, ["history", "--project", str(project), "--monitor", "new plans", "--json"])
    points = {p["window"]["end"]: p["status"] for p in json.loads(res.stdout) if p["column"] == "plan"}
    assert points == {"2026-03-12T00:00:00Z": "ok", "2026-03-13T00:00:00Z": "alert",
                      "2026-03-14T00:00:00Z": "ok"}

    # the newest window again (an hourly cron re-running today) is not history: it still counts
    code, out = _run(project, "2026-03-14T00:00:00Z")
    assert code == 0 and out["alerts"] == [] and "history_only" not in _plan_result(out)
    assert _notices(sinks) == ["firing", "resolved"] and sinks.state.webhook_repeats == []
