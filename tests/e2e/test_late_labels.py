"""Labels that arrive late: summaries reading actuals are recomputed until `late_labels` has
passed, the others are reused; the metric then equals the exact value over all labels."""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

import duckdb
import numpy as np
import pytest
from sklearn.metrics import accuracy_score

from churn_project import CONFIG
from telltale.config import load_project
from telltale.runner.run import run_project

AT = datetime(2026, 3, 13, tzinfo=timezone.utc)
LABELED = """    actuals_source:
      source: {table: labels}
      id: event_id
"""
MONITOR = ("  - {name: accuracy, model: churn, type: performance_degradation, metric: accuracy, "
           "window: 7d, detection: {absolute: {min: 0.1}}}\n")


def _exact(con, start: str, end: str) -> float:
    rows = con.execute("SELECT e.will_churn, l.churned FROM events e JOIN labels l USING (event_id) "
                       f"WHERE e.ts >= '{start}' AND e.ts < '{end}'").fetchall()
    pred, actual = np.array([r[0] for r in rows]), np.array([r[1] for r in rows])
    return float(accuracy_score(actual, pred))


def test_late_labels_are_picked_up(churn_project: Path, tmp_path: Path) -> None:
    root = tmp_path / "p"
    shutil.copytree(churn_project, root)
    cfg = CONFIG.replace("    actuals: {churned: boolean}\n", "    actuals: {churned: boolean}\n" + LABELED)
    cfg = cfg.split("monitors:\n")[0] + "monitors:\n" + MONITOR
    (root / "telltale.yml").write_text(cfg)
    con = duckdb.connect(str(root / "wh.duckdb"))
    con.execute("CREATE TABLE labels AS SELECT event_id, churned FROM events WHERE ts < '2026-03-10'")
    con.close()
    project = load_project(root)

    first = run_project(project, at=AT, now=AT + timedelta(hours=1))
    (r1,) = first.results
    con = duckdb.connect(str(root / "wh.duckdb"))
    assert r1.value == pytest.approx(_exact(con, "2026-03-06", "2026-03-13"), abs=1e-12)
    # the last three days' labels arrive
    con.execute("INSERT INTO labels SELECT event_id, churned FROM events WHERE ts >= '2026-03-10'")
    expected = _exact(con, "2026-03-06", "2026-03-13")
    con.close()
    assert expected != pytest.approx(r1.value, abs=1e-6)

    second = run_project(project, at=AT, now=AT + timedelta(days=1))
    (r2,) = second.results
    assert r2.value == pytest.approx(expected, abs=1e-12)
    # only the buckets whose label summaries may still change were scanned again
    assert second.queries and all('"labels"' in q["sql"] for q in second.queries)
    # (buckets ending more than 7 days before the first run were final: 2026-03-06 on are not)
    for q in second.queries:
        assert "'2026-03-06 00:00:00'" in q["sql"] and "'2026-03-13 00:00:00'" in q["sql"], q["sql"]

    # once late_labels (7d) has passed, nothing is scanned any more
    third = run_project(project, at=AT, now=AT + timedelta(days=9))
    assert third.results[0].value == pytest.approx(expected, abs=1e-12)
    fourth = run_project(project, at=AT, now=AT + timedelta(days=10))
    assert fourth.queries == []
