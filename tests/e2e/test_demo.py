"""`telltale demo`: every injected event fires, and nothing else does."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from telltale.cli.main import app


def test_demo_fires_on_each_injected_event(tmp_path: Path) -> None:
    res = CliRunner().invoke(app, ["demo", str(tmp_path / "demo"), "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    status = {(r["monitor"], r["column"], json.dumps(r["segment"])): r["status"] for r in out["results"]}
    assert all(r["error"] is None for r in out["results"])
    alerts = {k for k, v in status.items() if v == "alert"}
    # the injected events
    assert ("feature drift", "income", "null") in alerts            # income drifts up 35%
    assert ("income distribution (KS)", "income", "null") in alerts
    assert ("new regions", "region", "null") in alerts               # LATAM appears
    assert ("missing age", "age", "null") in alerts                  # 25% of age missing
    assert ("prediction volume", None, "null") in alerts             # volume drops to 40%
    assert ("recall on labeled rows", None, "null") in alerts        # defaults rise (label shift)
    # what was not touched stays quiet
    assert status[("feature drift", "age", "null")] == "ok"
    assert status[("feature drift", "has_car", "null")] == "ok"
    assert status[("missing age", "income", "null")] == "ok"
    # the project it leaves behind runs again, reusing the stored summaries
    project = tmp_path / "demo"
    assert (project / "telltale.yml").exists() and (project / "warehouse.duckdb").exists()
    again = CliRunner().invoke(app, ["run", "--project", str(project), "--at", out["at"], "--json"])
    assert again.exit_code == 1
    assert [r["value"] for r in json.loads(again.stdout)["results"]] == [r["value"] for r in out["results"]]
