"""`telltale history` and the Python API's DataFrames, on the demo project's stored history."""

from __future__ import annotations

import csv
import io
import json
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

import telltale
from telltale.cli.history import sparkline
from telltale.cli.main import app
from telltale.errors import ConfigError, MissingExtraError

from serve_helpers import HISTORY_DAYS

runner = CliRunner()


def _history(demo: Path, *args: str) -> list[dict]:
    res = runner.invoke(app, ["history", "--project", str(demo), "--json", *args])
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def test_history_json_lists_each_point_with_threshold_and_status(demo: Path, demo_end_time) -> None:
    points = _history(demo, "--monitor", "feature drift", "--column", "income")
    assert {p["monitor"] for p in points} == {"feature drift"}
    assert {p["column"] for p in points} == {"income"}
    ats = [p["at"] for p in points]
    assert ats == sorted(ats) and len(ats) == len(set(ats)) == HISTORY_DAYS + 1
    last = points[-1]
    assert last["at"] == demo_end_time.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert last["status"] == "alert" and last["threshold"] == {"max": 0.2} and last["value"] > 0.2
    assert last["window"]["end"] == last["at"] and last["metric"] == "psi" and last["segment"] is None
    assert all(set(p) >= {"monitor", "model", "column", "segment", "metric", "window", "value",
                          "threshold", "status"} for p in points)


def test_history_filters_by_model_monitor_column_and_since(demo: Path, demo_end_time) -> None:
    every = _history(demo)
    assert {p["monitor"] for p in every} >= {"feature drift", "approval rate", "prediction volume"}
    since = demo_end_time - timedelta(days=3)
    recent = _history(demo, "--since", since.strftime("%Y-%m-%d"), "--model", "credit")
    assert recent and all(p["at"] >= since.strftime("%Y-%m-%dT%H:%M:%SZ") for p in recent)
    assert len(recent) < len(every)
    segs = _history(demo, "--monitor", "approval rate")
    assert {json.dumps(p["segment"]) for p in segs} >= {"null", '{"region": "EU"}'}


def test_rerunning_the_same_at_replaces_the_points(demo: Path, demo_end_time) -> None:
    at = demo_end_time.strftime("%Y-%m-%dT%H:%M:%SZ")
    before = _history(demo, "--monitor", "prediction volume")
    res = runner.invoke(app, ["run", "--project", str(demo), "--at", at, "--monitor", "prediction volume"])
    assert res.exit_code == 1, res.output
    after = _history(demo, "--monitor", "prediction volume")
    assert len(after) == len(before)
    assert [p["at"] for p in after] == [p["at"] for p in before]
    assert after[-1]["run_id"] != before[-1]["run_id"]      # the new run's point replaced the old one


def test_history_csv_and_table(demo: Path) -> None:
    res = runner.invoke(app, ["history", "--project", str(demo), "--csv", "--monitor", "missing age"])
    assert res.exit_code == 0, res.output
    rows = list(csv.DictReader(io.StringIO(res.stdout)))
    assert {r["column"] for r in rows} == {"age", "income"}
    assert {r["status"] for r in rows} >= {"ok", "alert"}
    assert all(json.loads(r["threshold"]) == {"max": 0.05} for r in rows)
    table = runner.invoke(app, ["history", "--project", str(demo), "--monitor", "missing age"])
    assert table.exit_code == 0 and "missing age" in table.stdout and "> 0.05" in table.stdout
    assert any(ch in table.stdout for ch in "▁▂▃▄▅▆▇█")


def test_history_usage_errors(demo: Path) -> None:
    res = runner.invoke(app, ["history", "--project", str(demo), "--json", "--csv"])
    assert res.exit_code == 2 and "choose one" in res.output
    res = runner.invoke(app, ["history", "--project", str(demo), "--monitor", "nope"])
    assert res.exit_code == 2 and "no monitor named 'nope'" in res.output
    res = runner.invoke(app, ["history", "--project", str(demo), "--since", "yesterday"])
    assert res.exit_code == 2 and "--since" in res.output


def test_sparkline_scales_between_min_and_max() -> None:
    assert sparkline([0.0, 0.5, 1.0]) == "▁▅█"
    assert sparkline([None, 2.0, 2.0]) == " ▅▅"
    assert sparkline([]) == ""


def test_python_api_run_history_and_alerts(demo: Path, demo_end_time) -> None:
    project = telltale.load(demo)
    report = project.run(at=demo_end_time, monitors=["feature drift", "missing age"], dry_run=True)
    assert report.exit_code == 1
    frame = report.to_pandas()
    assert set(frame["monitor"]) == {"feature drift", "missing age"}
    income = frame[(frame.monitor == "feature drift") & (frame.column == "income")].iloc[0]
    assert income.status == "alert" and income.value > 0.2
    history = project.history(monitor="feature drift")
    series = history[history.column == "income"].set_index("at")["value"]
    assert len(series) == HISTORY_DAYS + 1 and series.index.is_monotonic_increasing
    assert str(history["at"].dtype).startswith("datetime64") and history["at"].dt.tz is not None
    alerts = project.alerts(status="open")
    assert len(alerts) > 0 and set(alerts["status"]) == {"open"}
    assert "feature drift" in set(alerts["monitor"])


def test_python_api_errors(demo: Path, monkeypatch) -> None:
    project = telltale.load(demo, warehouse=False)
    with pytest.raises(ConfigError, match="no monitor named 'nope'"):
        project.run(monitors=["nope"])
    with pytest.raises(ConfigError, match="status: 'closed'"):
        project.alerts(status="closed")
    with pytest.raises(telltale.TelltaleError, match="no telltale.yml"):
        telltale.load(demo / "missing")
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(MissingExtraError, match=r"pip install 'telltale\[pandas\]'"):
        project.history()
