"""Alerts from `telltale run` to a real local webhook: signed, not lost when the sink is down,
not duplicated, resolved once."""

from __future__ import annotations

import hashlib
import hmac
import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

from churn_project import CONFIG, add_normal_day
from telltale.cli.main import app

runner = CliRunner()


def _project(churn_project: Path, tmp_path: Path, url: str) -> Path:
    dst = tmp_path / "p"
    shutil.copytree(churn_project, dst)
    cfg = CONFIG.replace("{name: new plans, model: churn, type: new_values, columns: [plan]}",
                         "{name: new plans, model: churn, type: new_values, columns: [plan], notify: [ops]}")
    cfg += f'alerts:\n  ops: {{type: webhook, url: "{url}", secret: "s3cret"}}\n'
    (dst / "telltale.yml").write_text(cfg)
    return dst


def _run(project: Path, at: str = "2026-03-13T00:00:00Z"):
    res = runner.invoke(app, ["run", "--project", str(project), "--at", at, "--json", "--monitor", "new plans"])
    return res.exit_code, json.loads(res.stdout)


def test_webhook_delivery_survives_a_down_sink(churn_project: Path, tmp_path: Path, httpserver) -> None:
    project = _project(churn_project, tmp_path, httpserver.url_for("/hook"))
    httpserver.expect_request("/hook", method="POST").respond_with_data("down", status=503)
    code, out = _run(project)
    assert code == 1
    assert [a["status"] for a in out["alerts"]] == ["firing"]
    alert_id = out["alerts"][0]["id"]
    assert len(httpserver.log) >= 1                       # tried, failed, kept in the outbox
    httpserver.clear()
    received = []

    def handler(request):
        received.append(request)
        from werkzeug import Response
        return Response("ok", status=200)

    httpserver.expect_request("/hook", method="POST").respond_with_handler(handler)
    # the next run: the alert stays open (not re-fired) and the pending notice is delivered once
    code, out2 = _run(project)
    assert code == 1 and out2["alerts"] == []
    assert len(received) == 1
    body = received[0].get_data()
    payload = json.loads(body)
    assert payload["id"] == alert_id and payload["status"] == "firing"
    assert payload["monitor"] == "new plans" and payload["column"] == "plan"
    assert received[0].headers["Idempotency-Key"] == f"{alert_id}:firing"
    sig = hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert received[0].headers["X-Telltale-Signature"] == f"sha256={sig}"
    # the next day is normal again: the alert resolves and exactly one resolved notice goes out
    add_normal_day(project)
    code, out3 = _run(project, "2026-03-14T00:00:00Z")
    assert code == 0
    assert [a["status"] for a in out3["alerts"]] == ["resolved"]
    assert [json.loads(r.get_data())["status"] for r in received] == ["firing", "resolved"]
    assert received[1].headers["Idempotency-Key"] == f"{alert_id}:resolved"
