"""A monitor removed from telltale.yml (or a column removed from its `columns`) no longer
leaves its alerts open forever: the next run resolves them, sends one `resolved` notice
saying why, and `alerts list` shows the reason. Another project sharing the state store
keeps its alerts (docs/alerts.md, "A monitor removed from the configuration").

The churn project (on 2026-03-12 a plan `ultra` appears and 20 % of `tenure` is null), the
local webhook peer, and one SQLite file or PostgreSQL database shared by the projects.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from churn_project import CONFIG
from peers.alert_sinks import AlertSinks
import telltale
from telltale.cli.main import app

runner = CliRunner()
SECRET = "s3cret"   # the `sinks` fixture's (tests/e2e/conftest.py)
AT = "2026-03-13T00:00:00Z"
NEW_PLANS = "{name: new plans, model: churn, type: new_values, columns: [plan]}"
NULLS = "{name: nulls, model: churn, type: missing_values, columns: [tenure, spend], detection: {absolute: {max: 0.05}}}"


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """One state store for every project of the test."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/shared/state.db"
    url: str = request.getfixturevalue("postgres_db")
    return url


def _config(sinks: AlertSinks, store_url: str, *, project: str | None = None, model: str = "churn",
            drop: tuple[str, ...] = (), nulls_columns: str = "[tenure, spend]") -> str:
    cfg = CONFIG.replace(NEW_PLANS, NEW_PLANS.replace("columns: [plan]}", "columns: [plan], notify: [ops]}"))
    cfg = cfg.replace(NULLS, NULLS.replace("columns: [tenure, spend]", f"columns: {nulls_columns}")
                      .replace("}}}", "}}, notify: [ops]}"))
    for name in drop:
        (line,) = [line for line in cfg.splitlines(keepends=True) if f"{{name: {name}," in line]
        cfg = cfg.replace(line, "")
    cfg = cfg.replace("  churn:\n", f"  {model}:\n").replace("model: churn,", f"model: {model},")
    head = f"version: 1\nstore: {store_url}\n" + (f"project: {project}\n" if project else "")
    cfg = cfg.replace("version: 1\n", head)
    return cfg + f'alerts:\n  ops: {{type: webhook, url: "{sinks.url}/hook", secret: "{SECRET}", timeout: 5}}\n'


def _project(churn_project: Path, where: Path, config: str) -> Path:
    if not where.exists():
        shutil.copytree(churn_project, where)
    (where / "telltale.yml").write_text(config)
    return where


def _run(project: Path, *extra: str) -> tuple[int, dict]:
    res = runner.invoke(app, ["run", "--project", str(project), "--at", AT, "--json", *extra])
    return res.exit_code, json.loads(res.stdout)


def _alerts(project: Path) -> dict[tuple[str, str, str | None], dict]:
    res = runner.invoke(app, ["alerts", "list", "--project", str(project), "--json"])
    return {(a["model"], a["monitor"], a["column"]): a for a in json.loads(res.stdout)["alerts"]}


def _bodies(sinks: AlertSinks) -> list[dict]:
    return [json.loads(b) for b in sinks.state.webhook_processed.values()]


def test_a_removed_monitor_and_column_resolve_with_the_reason(churn_project, tmp_path, sinks, store_url) -> None:
    project = _project(churn_project, tmp_path / "p", _config(sinks, store_url))
    code, out = _run(project, "--monitor", "new plans", "--monitor", "nulls")
    assert code == 1
    fired = {(a["monitor"], a["column"]): a["id"] for a in out["alerts"]}
    assert set(fired) == {("new plans", "plan"), ("nulls", "tenure")}
    assert sorted(b["status"] for b in _bodies(sinks)) == ["firing", "firing"]

    # `new plans` is deleted, `nulls` stops watching tenure; the run (of another monitor) says so
    _project(churn_project, project, _config(sinks, store_url, drop=("new plans",), nulls_columns="[spend]"))
    code, out = _run(project, "--monitor", "volume")
    assert code == 0
    resolved = {(a["monitor"], a["column"]): a for a in out["alerts"]}
    assert set(resolved) == set(fired) and {a["status"] for a in resolved.values()} == {"resolved"}
    assert resolved[("new plans", "plan")]["reason"] == (
        "monitor 'new plans' of model 'churn' was removed from the configuration")
    assert resolved[("nulls", "tenure")]["reason"] == (
        "monitor 'nulls' no longer watches column 'tenure' (removed from its columns)")
    assert all(a["channels"] == ["ops"] for a in resolved.values())
    assert sorted((d["alert"], d["notice"], d["status"]) for d in out["delivery"]) == sorted(
        (aid, "resolved", "sent") for aid in fired.values())
    notices = {b["id"]: b for b in _bodies(sinks) if b["status"] == "resolved"}
    assert set(notices) == set(fired.values())
    gone = notices[fired[("new plans", "plan")]]
    assert gone["message"] == "resolved: monitor 'new plans' of model 'churn' was removed from the configuration"
    assert gone["monitor"] == "new plans" and gone["column"] == "plan" and gone["type"] == "new_values"
    assert sinks.state.bad_signatures == 0

    listed = _alerts(project)
    assert listed[("churn", "new plans", "plan")]["status"] == "resolved"
    assert "removed from the configuration" in listed[("churn", "new plans", "plan")]["resolved_reason"]
    text = runner.invoke(app, ["alerts", "list", "--project", str(project), "--status", "resolved"]).stdout
    assert "removed from the" in text
    frame = telltale.load(project).alerts(status="resolved")          # the Python API too
    assert set(frame["resolved_reason"]) == {r["reason"] for r in resolved.values()}
    # nothing more on later runs: resolved once
    code, out = _run(project, "--monitor", "volume")
    assert out["alerts"] == [] and out["delivery"] == [] and len(sinks.state.webhook_processed) == 4
    # the human output of the run that resolved them names the reason
    _project(churn_project, project, _config(sinks, store_url))
    code, out = _run(project, "--monitor", "new plans")                 # back: a new alert
    assert [a["status"] for a in out["alerts"]] == ["firing"] and out["alerts"][0]["id"] not in fired.values()
    _project(churn_project, project, _config(sinks, store_url, drop=("new plans",)))
    res = runner.invoke(app, ["run", "--project", str(project), "--at", AT, "--monitor", "volume"])
    assert "resolved new plans [plan] (monitor 'new plans' of model 'churn' was removed from the" in res.stdout


def test_another_projects_alerts_on_the_same_store_are_left_alone(churn_project, tmp_path, sinks,
                                                                  store_url) -> None:
    # B: another model on the same store (no `project:` names: alerts belong to their model's project)
    b = _project(churn_project, tmp_path / "b", _config(sinks, store_url, model="churn_b"))
    code, out = _run(b, "--monitor", "new plans")
    assert [a["status"] for a in out["alerts"]] == ["firing"]
    # C and D: the same model name, told apart by `project:`
    c = _project(churn_project, tmp_path / "c", _config(sinks, store_url, project="team-c",
                                                        drop=("new plans",)))
    d_cfg = _config(sinks, store_url, project="team-d", drop=("new plans",)).replace("name: nulls", "name: d nulls")
    d = _project(churn_project, tmp_path / "d", d_cfg)
    code, out = _run(d, "--monitor", "d nulls")
    assert [(a["monitor"], a["status"]) for a in out["alerts"]] == [("d nulls", "firing")]

    # A: defines churn without `new plans` and without `d nulls`: neither is A's to resolve
    a = _project(churn_project, tmp_path / "a", _config(sinks, store_url, drop=("new plans",)))
    code, out = _run(a, "--monitor", "volume")
    assert out["alerts"] == []
    code, out = _run(c, "--monitor", "volume")                          # team-c: not team-d's
    assert out["alerts"] == []
    listed = _alerts(a)
    assert listed[("churn_b", "new plans", "plan")]["status"] == "open"
    assert listed[("churn", "d nulls", "tenure")]["status"] == "open"
    assert listed[("churn", "d nulls", "tenure")]["project"] == "team-d"
    assert sorted(b["status"] for b in _bodies(sinks)) == ["firing", "firing"]

    # team-d removes its monitor: its own run resolves it
    _project(churn_project, d, _config(sinks, store_url, project="team-d", drop=("new plans", "nulls")))
    code, out = _run(d, "--monitor", "volume")
    assert [(a["monitor"], a["status"]) for a in out["alerts"]] == [("d nulls", "resolved")]
    assert sorted(b["status"] for b in _bodies(sinks)) == ["firing", "firing", "resolved"]

    # what no rule can tell is resolved by hand, from any project on the store (here: B's
    # alert, from A): one resolved notice with the reason; a wrong id is a usage error
    stuck = listed[("churn_b", "new plans", "plan")]["id"]
    res = runner.invoke(app, ["alerts", "resolve", stuck, "nope", "--project", str(a)])
    assert res.exit_code == 2 and "nope (no such alert)" in res.stderr
    res = runner.invoke(app, ["alerts", "resolve", stuck, "--note", "model churn_b retired", "--project", str(a),
                              "--json"])
    assert res.exit_code == 0, res.stdout
    done = json.loads(res.stdout)
    reason = "resolved by hand (telltale alerts resolve): model churn_b retired"
    assert [(t["id"], t["status"], t["reason"], t["channels"]) for t in done["alerts"]] == [
        (stuck, "resolved", reason, ["ops"])]
    assert [(d["alert"], d["notice"], d["status"]) for d in done["delivery"]] == [(stuck, "resolved", "sent")]
    assert [b["message"] for b in _bodies(sinks) if b["id"] == stuck and b["status"] == "resolved"] == [
        f"resolved: {reason}"]
    assert _alerts(a)[("churn_b", "new plans", "plan")]["resolved_reason"] == reason
    res = runner.invoke(app, ["alerts", "resolve", stuck, "--project", str(a)])
    assert res.exit_code == 2 and "resolved already" in res.stderr


def test_a_run_of_some_monitors_leaves_the_others_alerts_open(churn_project, tmp_path, sinks, store_url) -> None:
    """`project.run(monitors=[...])` and `serve` (which runs the monitors due together) hand
    the runner a subset of the configured monitors: the others are not removed, so their
    open alerts stay open (they were resolved as "removed from the configuration")."""
    project = _project(churn_project, tmp_path / "p", _config(sinks, store_url))
    code, out = _run(project, "--monitor", "new plans", "--monitor", "nulls")
    fired = {(a["monitor"], a["column"]) for a in out["alerts"]}
    assert code == 1 and fired == {("new plans", "plan"), ("nulls", "tenure")}
    report = telltale.load(project).run(at=AT, monitors=["volume"])      # the Python API, a subset
    assert report.raw.alerts == []
    from telltale.api.select import run_monitors                         # what serve's scheduler calls
    from telltale.config import load_project

    loaded = load_project(project)
    volume = [m for m in loaded.config.monitors if m.name == "volume"]
    assert run_monitors(loaded, report.raw.at, volume).alerts == []
    listed = _alerts(project)
    assert {k[1:] for k, a in listed.items() if a["status"] == "open"} == fired
