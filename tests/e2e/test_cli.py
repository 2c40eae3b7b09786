"""The other commands: init, validate, alerts test."""

from __future__ import annotations

import json

import duckdb
import shutil
from pathlib import Path

from typer.testing import CliRunner

from churn_project import CONFIG
from telltale.cli.main import app

runner = CliRunner()


def test_init_writes_a_loadable_project_and_refuses_to_overwrite(tmp_path: Path) -> None:
    res = runner.invoke(app, ["init", str(tmp_path / "new")])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "new" / "telltale.yml").exists()
    res = runner.invoke(app, ["validate", "--project", str(tmp_path / "new"), "--no-warehouse"])
    assert res.exit_code == 0, res.output
    again = runner.invoke(app, ["init", str(tmp_path / "new")])
    assert again.exit_code == 2


def test_validate_checks_columns_in_the_warehouse(churn_project: Path, tmp_path: Path) -> None:
    root = tmp_path / "p"
    shutil.copytree(churn_project, root)
    ok = runner.invoke(app, ["validate", "--project", str(root)])
    assert ok.exit_code == 0, ok.output
    (root / "telltale.yml").write_text(CONFIG.replace("spend: numeric, plan", "spend: numeric, tier: categorical, plan"))
    bad = runner.invoke(app, ["validate", "--project", str(root)])
    assert bad.exit_code == 2
    assert "telltale.yml:12:" in bad.output and "tier" in bad.output, bad.output


def test_alerts_test_sends_a_signed_test_alert(churn_project: Path, tmp_path: Path, httpserver) -> None:
    root = tmp_path / "p"
    shutil.copytree(churn_project, root)
    url = httpserver.url_for("/hook")
    (root / "telltale.yml").write_text(CONFIG + f'alerts:\n  ops: {{type: webhook, url: "{url}", secret: "k"}}\n')
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    res = runner.invoke(app, ["alerts", "test", "ops", "--project", str(root)])
    assert res.exit_code == 0, res.output
    (req, _), = httpserver.log
    body = json.loads(req.get_data())
    assert body["status"] == "firing" and req.headers["X-Telltale-Signature"].startswith("sha256=")
    missing = runner.invoke(app, ["alerts", "test", "nope", "--project", str(root)])
    assert missing.exit_code == 2 and "ops" in missing.output


def test_validate_reports_a_metric_no_model_can_compile(churn_project: Path, tmp_path: Path) -> None:
    root = tmp_path / "p"
    shutil.copytree(churn_project, root)
    (root / "metrics" / "churn.metric").write_text(
        "metric high_spend_share = count(features.spend[features.spend > 100]) / count()\n"
        "metric unused = sum(features.tenur) / count()\n")
    res = runner.invoke(app, ["validate", "--project", str(root)])
    assert res.exit_code == 2
    assert "churn.metric:2:21: unknown field features.tenur (did you mean tenure?)" in res.output, res.output


def test_inline_metric_error_points_into_telltale_yml(churn_project: Path, tmp_path: Path) -> None:
    root = tmp_path / "p"
    shutil.copytree(churn_project, root)
    cfg = CONFIG.replace("metric: high_spend_share,", "metric: mean(features.spnd),")
    (root / "telltale.yml").write_text(cfg)
    res = runner.invoke(app, ["run", "--project", str(root), "--at", "2026-03-13T00:00:00Z"])
    assert res.exit_code == 2
    line = next(i for i, l in enumerate(cfg.splitlines(), 1) if "features.spnd" in l)
    assert f"telltale.yml:{line}:" in res.output and "spend" in res.output, res.output
    assert not (root / ".telltale").exists()


def test_backfill_fills_history_without_alerting(churn_project: Path, tmp_path: Path, httpserver) -> None:
    root = tmp_path / "p"
    shutil.copytree(churn_project, root)
    url = httpserver.url_for("/hook")
    cfg = CONFIG.replace("{name: volume, model: churn, type: model_activity,",
                         "{name: volume, model: churn, type: model_activity, notify: [ops],")
    (root / "telltale.yml").write_text(cfg + f'alerts:\n  ops: {{type: webhook, url: "{url}"}}\n')
    res = runner.invoke(app, ["backfill", "--project", str(root), "--from", "2026-03-08", "--to", "2026-03-12",
                              "--monitor", "volume"])
    assert res.exit_code == 0, res.output
    assert "5 bucket(s) evaluated" in res.output
    from telltale.config import load_project
    from telltale.store import open_store

    store = open_store(load_project(root).store_url)
    points = store.metric_history("churn", "volume", None, "")
    days = sorted({p.window_start.date().isoformat() for p in points})
    assert days == ["2026-03-08", "2026-03-09", "2026-03-10", "2026-03-11", "2026-03-12"]
    con = duckdb.connect(str(root / "wh.duckdb"), read_only=True)
    n = con.execute("SELECT count(*) FROM events WHERE ts >= '2026-03-09' AND ts < '2026-03-10'").fetchall()[0][0]
    assert next(p.value for p in points if p.window_start.date().isoformat() == "2026-03-09") == n
    assert httpserver.log == []          # history is filled without notifying anyone
