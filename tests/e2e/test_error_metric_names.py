"""A monitor that fails as a whole reports the metric its other results measure (DESIGN.md:
`metric` is "what was measured"), never its type name: `run --json` error rows join the same
monitor's ok and alert rows on (monitor, model, metric), and `history` keeps one series.

The failure is real: the warehouse's `events` becomes a view whose every row raises in
DuckDB (`error(...)`) while its columns still describe fine, as a table whose reads fail
(a permission revoked, a corrupt file) does.
"""

from __future__ import annotations

import json
import shutil
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
from typer.testing import CliRunner

from churn_project import CONFIG, END
from telltale.cli.main import app
from telltale.monitors.registry import REGISTRY

runner = CliRunner()

MORE = """\
  - {name: score drift, model: churn, type: prediction_drift, columns: [churn_score], method: score, threshold: 0.2}
  - {name: spend range, model: churn, type: value_range, columns: [spend], margin: 0.1}
  - {name: f1, model: churn, type: performance_degradation, metric: f1, detection: {change: {percent: 20}}}
  - {name: est f1, model: churn, type: estimated_performance, metric: f1, detection: {change: {percent: 20}}}
  - {name: version age, model: churn, type: model_staleness, max_age: 30d, on: predictions, segment: all}
"""


def _run(project: Path, at: datetime = END) -> tuple[int, dict]:
    res = runner.invoke(app, ["run", "--project", str(project), "--at", at.isoformat(), "--json"])
    return res.exit_code, json.loads(res.stdout)


def _break_warehouse(project: Path) -> None:
    con = duckdb.connect(str(project / "wh.duckdb"))
    con.execute("ALTER TABLE events RENAME TO events_raw")
    con.execute("CREATE VIEW events AS SELECT * REPLACE (CASE WHEN event_id >= 0 THEN "
                "CAST(error('disk I/O error reading events') AS TIMESTAMP) ELSE ts END AS ts, "
                "CASE WHEN event_id >= 0 THEN CAST(error('disk I/O error reading events') AS DOUBLE) "
                "ELSE spend END AS spend) FROM events_raw")
    con.close()


def test_an_error_row_names_the_metric_of_the_monitors_other_rows(churn_project: Path, tmp_path: Path) -> None:
    project = tmp_path / "p"
    shutil.copytree(churn_project, project)
    (project / "telltale.yml").write_text(CONFIG + MORE)
    code, good = _run(project)
    assert code in (0, 1), good
    ok_metrics: dict[str, set[str]] = {}
    for r in good["results"]:
        assert r["status"] != "error", r
        ok_metrics.setdefault(r["monitor"], set()).add(r["metric"])
    types = {r["type"] for r in good["results"]}
    assert types == set(REGISTRY), set(REGISTRY) - types          # every monitor type is here

    _break_warehouse(project)
    code, bad = _run(project, END + timedelta(days=1))    # a new day: its bucket must be read
    assert code == 3
    errors = [r for r in bad["results"] if r["status"] == "error"]
    assert {r["monitor"] for r in errors} == set(ok_metrics)       # every monitor failed
    for r in errors:
        assert "disk I/O error" in r["error"], r
        assert r["column"] is None and r["segment"] is None          # failed as a whole
        assert {r["metric"]} == ok_metrics[r["monitor"]], r          # joins its ok rows
        assert r["metric"] != r["type"]

    res = runner.invoke(app, ["history", "--project", str(project), "--json"])
    assert res.exit_code == 0, res.stdout
    points = json.loads(res.stdout)
    for name, metrics in ok_metrics.items():
        assert {p["metric"] for p in points if p["monitor"] == name} == metrics, name


def test_every_monitor_type_names_its_own_metric() -> None:
    """Each registered type overrides `metric_name` (the base's fallback is the type name, the
    very thing error rows must not report)."""
    from telltale.monitors.base import MonitorBase

    for name, mtype in REGISTRY.items():
        assert mtype.config.metric_name is not MonitorBase.metric_name, name
