"""`telltale run` delivering to local peers of the alert APIs (tests/peers/alert_sinks.py): each
delivery reported (human and JSON), a slow sink cut off by the channel's timeout, a real
SIGKILL between send and record then a rerun, `alerts list` / `alerts retry`, config errors."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from churn_project import CONFIG, add_normal_day
from peers.alert_sinks import AlertSinks, Hold
from telltale.cli.main import app

runner = CliRunner()
AT = "2026-03-13T00:00:00Z"
SECRET = "s3cret"   # the `sinks` fixture's (tests/e2e/conftest.py)


def _project(churn_project: Path, tmp_path: Path, sinks: AlertSinks, notify: str = "[ops, tickets]",
             **overrides: str) -> Path:
    dst = tmp_path / "p"
    if not dst.exists():
        shutil.copytree(churn_project, dst)
    cfg = CONFIG.replace("{name: new plans, model: churn, type: new_values, columns: [plan]}",
                         f"{{name: new plans, model: churn, type: new_values, columns: [plan], notify: {notify}}}")
    channels = {
        "ops": f'{{type: webhook, url: "{sinks.url}/hook", secret: "{SECRET}", timeout: 5}}',
        "tickets": f'{{type: jira, url: "{sinks.url}", project: ML, user: bot@acme.io, token: jt, '
                   f'labels: [telltale], resolve_transition: Done, timeout: 5}}',
        "pager": f'{{type: pagerduty, routing_key: pd-key, endpoint: "{sinks.url}", timeout: 5}}',
    }
    channels.update(overrides)
    cfg += "dashboard_url: https://telltale.example\nalerts:\n" + "".join(f"  {k}: {v}\n" for k, v in channels.items())
    (dst / "telltale.yml").write_text(cfg)
    return dst


def _run(project: Path, at: str = AT, as_json: bool = True) -> tuple[int, Any]:
    args = ["run", "--project", str(project), "--at", at, "--monitor", "new plans"] + (["--json"] if as_json else [])
    res = runner.invoke(app, args)
    return res.exit_code, json.loads(res.stdout) if as_json else res.stdout


def test_run_reports_each_delivery_sent_or_failed_with_the_reason(churn_project, tmp_path, sinks) -> None:
    project = _project(churn_project, tmp_path, sinks, notify="[ops, pager]")
    sinks.fail_next = [503] * 20
    code, out = _run(project)
    assert code == 1
    (alert,) = out["alerts"]
    by_channel = {d["channel"]: d for d in out["delivery"]}
    assert set(by_channel) == {"ops", "pager"}
    for d in by_channel.values():
        assert d["alert"] == alert["id"] and d["status"] == "failed" and "HTTP 503" in d["error"]
        assert d["retry_at"] is not None
    sinks.fail_next = []
    code, text = _run(project, as_json=False)
    assert f"sent firing of {alert['id']} to ops" in text and f"sent firing of {alert['id']} to pager" in text
    listed = json.loads(runner.invoke(app, ["alerts", "list", "--project", str(project), "--json"]).stdout)
    (row,) = listed["alerts"]
    assert row["refs"] == {"pager": alert["id"]} and listed["outbox"] == []
    assert sorted((n["channel"], n["status"], n["attempts"]) for n in row["notices"]) == [
        ("ops", "sent", 2), ("pager", "sent", 2)]


def test_a_slow_sink_is_cut_off_by_the_channel_timeout(churn_project, tmp_path, sinks) -> None:
    project = _project(churn_project, tmp_path, sinks, notify="[ops]",
                       ops=f'{{type: webhook, url: "{sinks.url}/hook", secret: "{SECRET}", timeout: 1}}')
    sinks.delay = 30.0
    code, out = _run(project)
    (d,) = out["delivery"]
    assert d["status"] == "failed" and "timed out: no complete answer within 1s" in d["error"]
    # the run returned while the sink was still sleeping on every request it got: its time is
    # bounded by the channel's timeout and retry budget, not by the sink
    assert len(sinks.state.requests) >= 1 and sinks.state.answered == 0


def _spawn_run(project: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "telltale.cli.main", "run", "--project", str(project),
                             "--at", AT, "--monitor", "new plans", "--json"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _kill_when_held(proc: subprocess.Popen[bytes], hold: Hold) -> None:
    try:
        assert hold.reached.wait(120), proc.stderr.read().decode() if proc.poll() is not None else "no request"
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(30)
        hold.release()
    assert proc.returncode == -signal.SIGKILL


def test_sigkill_between_send_and_record_then_rerun_sends_nothing_twice(churn_project, tmp_path, sinks) -> None:
    project = _project(churn_project, tmp_path, sinks, notify="[ops, tickets]")
    # 1: killed after the webhook receiver processed the notice, before telltale recorded it
    sinks.hold = Hold("POST /hook")
    _kill_when_held(_spawn_run(project), sinks.hold)
    (key,) = sinks.state.webhook_processed
    # 2: the rerun repeats that notice (the receiver drops it by its Idempotency-Key), then is
    #    killed after JIRA created the issue, before telltale recorded it
    sinks.hold = Hold("POST /rest/api/2/issue")
    _kill_when_held(_spawn_run(project), sinks.hold)
    assert sinks.state.webhook_repeats == [key] and len(sinks.state.issues) == 1
    # 3: the last rerun finds the issue by its label instead of creating a second one
    sinks.hold = None
    code, out = _run(project)
    assert code == 1 and out["alerts"] == []
    assert [(d["channel"], d["status"]) for d in out["delivery"]] == [("tickets", "sent")]
    assert list(sinks.state.issues) == ["ML-1"] and len(sinks.state.webhook_processed) == 1
    searches = [r for r in sinks.state.requests if r.path == "/rest/api/2/search"]
    assert len(searches) == 2                                # a lookup before each create attempt
    listed = json.loads(runner.invoke(app, ["alerts", "list", "--project", str(project), "--json"]).stdout)
    assert listed["alerts"][0]["refs"] == {"tickets": "ML-1"} and listed["outbox"] == []
    # resolving (the next day is normal): one comment and the transition on the same issue,
    # one resolved webhook
    add_normal_day(project)
    code, out = _run(project, "2026-03-14T00:00:00Z")
    assert code == 0 and [a["status"] for a in out["alerts"]] == ["resolved"]
    issue = sinks.state.issues["ML-1"]
    assert issue["status"]["name"] == "Done" and [c.split(":")[0] for c in issue["comments"]] == ["Resolved"]
    assert sorted(k.rsplit(":", 1)[1] for k in sinks.state.webhook_processed) == ["firing", "resolved"]


def test_alerts_retry_and_list_show_what_is_pending(churn_project, tmp_path, sinks) -> None:
    project = _project(churn_project, tmp_path, sinks, notify="[ops]")
    sinks.stop()
    code, out = _run(project)
    assert out["delivery"][0]["status"] == "failed"
    res = runner.invoke(app, ["alerts", "list", "--project", str(project), "--status", "failed"])
    assert res.exit_code == 0 and "1 notice(s) not delivered yet" in res.stdout and "could not deliver" in res.stdout
    res = runner.invoke(app, ["alerts", "retry", "--project", str(project)])
    assert res.exit_code == 3 and "0 sent, 1 failed, 0 pending" in res.stdout
    sinks.start()
    res = runner.invoke(app, ["alerts", "retry", "--project", str(project), "--json"])
    assert res.exit_code == 0
    (d,) = json.loads(res.stdout)["delivery"]
    assert d["status"] == "sent" and d["channel"] == "ops"
    assert len(sinks.state.webhook_processed) == 1
    res = runner.invoke(app, ["alerts", "list", "--project", str(project), "--status", "open"])
    assert "ops: firing sent" in res.stdout
    # the channel is removed from the config: a resolved notice for it waits and is reported
    (project / "telltale.yml").write_text((project / "telltale.yml").read_text().replace(
        "notify: [ops]", "notify: []").replace(f'  ops: {{type: webhook, url: "{sinks.url}/hook", '
                                               f'secret: "{SECRET}", timeout: 5}}\n', ""))
    add_normal_day(project)
    code, out = _run(project, "2026-03-14T00:00:00Z")
    (d,) = out["delivery"]
    assert d["status"] == "pending" and "no channel named 'ops'" in d["error"]
    res = runner.invoke(app, ["alerts", "list", "--project", str(project), "--status", "pending"])
    assert "removed from the config" in res.stdout


@pytest.mark.parametrize("channel, match", [
    ("{type: slack}", "either webhook_url"),
    ("{type: jira, url: https://j.example, project: ML}", "token"),
    ("{type: sms, number: 123}", "sms"),
])
def test_a_channel_that_cannot_deliver_is_exit_2_with_its_line(churn_project, tmp_path, sinks, channel, match) -> None:
    project = _project(churn_project, tmp_path, sinks, notify="[ops]", bad=channel)
    res = runner.invoke(app, ["run", "--project", str(project), "--at", AT])
    assert res.exit_code == 2 and match in res.stderr and "telltale.yml:" in res.stderr
    assert sinks.state.requests == []


def test_notify_by_severity_and_webhook_verify_load(churn_project, tmp_path, sinks) -> None:
    project = _project(churn_project, tmp_path, sinks, notify="{medium: [pager], high: [ops]}",
                       ops=f'{{type: webhook, url: "{sinks.url}/hook", verify: false, grouped: true}}')
    code, out = _run(project)
    assert [(d["channel"], d["status"]) for d in out["delivery"]] == [("pager", "sent")]
    assert len(sinks.state.incidents) == 1 and sinks.state.webhook_processed == {}
    bad = _project(churn_project, tmp_path, sinks, notify="{high: [pagr]}")
    res = runner.invoke(app, ["run", "--project", str(bad), "--at", AT])
    assert res.exit_code == 2 and "unknown alert channel 'pagr' (did you mean 'pager'?)" in res.stderr


def test_alerts_test_sends_to_the_channel_or_says_why_not(churn_project, tmp_path, sinks) -> None:
    project = _project(churn_project, tmp_path, sinks)
    res = runner.invoke(app, ["alerts", "test", "tickets", "--project", str(project)])
    assert res.exit_code == 0 and "sent a test alert to tickets" in res.stdout
    (issue,) = sinks.state.issues.values()
    assert issue["fields"]["summary"] == "[FIRING] low: telltale test on telltale"
    assert "*dashboard*: https://telltale.example" in issue["fields"]["description"]
    res = runner.invoke(app, ["alerts", "test", "nope", "--project", str(project)])
    assert res.exit_code == 2 and "no channel named 'nope'" in res.stderr
    sinks.stop()
    res = runner.invoke(app, ["alerts", "test", "ops", "--project", str(project)])
    assert res.exit_code == 3 and "webhook 'ops' (127.0.0.1): could not deliver" in res.stderr
