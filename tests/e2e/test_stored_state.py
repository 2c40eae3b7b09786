"""Stored state knows what it was computed from, and what you see is what runs:

* summaries and grids are keyed by a fingerprint of their source: a changed source,
  segment list or bin count recomputes (and a missing table fails), never reuses;
* `run --dry-run` reads the stored grids and final summaries (same numbers as the stored
  run, every call) and writes nothing;
* `compile` prints exactly the statements the next run sends; `--full` the first run's.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

import duckdb
import numpy as np
import pytest
from typer.testing import CliRunner

from churn_project import CONFIG
from telltale.cli.main import app
from telltale.config import load_project
from telltale.monitors.model_staleness import FALLBACK_KIND
from telltale.runner.compile import compile_project
from telltale.runner.run import run_project

UTC = timezone.utc
AT = datetime(2026, 3, 13, tzinfo=UTC)
runner = CliRunner()

NORMAL = """\
version: 1
connections:
  wh: {type: duckdb, database: wh.duckdb}
models:
  n:
    type: regression
    connection: wh
    source: SOURCE
    timestamp: ts
    features: {x: numeric, cat: categorical}
    predictions: {yhat: numeric}
    histogram_bins: BINS
    segments: SEGMENTS
    baseline: {window: {last: 7d, skip: 0d}}
monitors:
  - {name: volume, model: n, type: model_activity, detection: {absolute: {min: 1}}SEGOPT}
  - {name: drift, model: n, type: data_drift, columns: [x], method: psi, threshold: 10}
"""


def _normal_project(root: Path) -> Path:
    """`normal`: 200 rows a day for 10 days, 67 of them cat A on the last day."""
    root.mkdir(parents=True)
    rng = np.random.default_rng(3)
    con = duckdb.connect(str(root / "wh.duckdb"))
    con.execute("CREATE TABLE normal (ts TIMESTAMP, x DOUBLE, cat VARCHAR, yhat DOUBLE)")
    rows = []
    for d in range(10):
        day = datetime(2026, 3, 3 + d)
        cats = ["A"] * 67 + ["B"] * 70 + ["C"] * 63
        for i, c in enumerate(cats):
            rows.append((day + timedelta(seconds=i * 400), float(rng.normal()), c, float(rng.normal())))
    con.executemany("INSERT INTO normal VALUES (?, ?, ?, ?)", rows)
    con.close()
    _write(root)
    return root


def _write(root: Path, source: str = "{table: normal}", bins: int = 64, segments: str = "[]") -> None:
    text = NORMAL.replace("SOURCE", source).replace("BINS", str(bins)).replace("SEGMENTS", segments)
    text = text.replace("SEGOPT", ", segment: all" if segments != "[]" else "")
    (root / "telltale.yml").write_text(text)


def _volume(report) -> float:
    return next(r.value for r in report.results if r.monitor == "volume" and not r.segment)


def test_a_changed_source_recomputes_and_a_missing_table_fails(tmp_path: Path) -> None:
    root = _normal_project(tmp_path / "p")
    first = run_project(load_project(root), at=AT, now=AT + timedelta(hours=1))
    assert _volume(first) == 200
    again = run_project(load_project(root), at=AT, now=AT + timedelta(hours=2))
    assert _volume(again) == 200 and again.queries == []      # same source: all reused

    _write(root, source="{sql: \"select * from normal where cat='A'\"}")
    changed = run_project(load_project(root), at=AT, now=AT + timedelta(hours=3))
    assert _volume(changed) == 67 and changed.queries             # the truth, pushed down again

    _write(root, source="{table: no_such_table}")
    res = runner.invoke(app, ["run", "--project", str(root), "--at", "2026-03-13T00:00:00Z", "--json"])
    assert res.exit_code == 3, res.output
    out = json.loads(res.stdout)
    assert all(r["status"] == "error" and "no_such_table" in r["error"] for r in out["results"])


def test_changed_bins_or_segments_recompute_grids_and_summaries(tmp_path: Path) -> None:
    root = _normal_project(tmp_path / "p")
    run_project(load_project(root), at=AT, now=AT + timedelta(hours=1))

    _write(root, bins=16)
    rebinned = run_project(load_project(root), at=AT, now=AT + timedelta(hours=2))
    assert any(q["kind"] == "grid" for q in rebinned.queries)     # a new grid for 16 bins
    con = sqlite3.connect(root / ".telltale" / "state.db")
    grids = [json.loads(g)["bins"] for (g,) in con.execute("SELECT grid FROM grids")]
    con.close()
    assert sorted(grids) == [16, 64]

    _write(root, bins=16, segments="[cat]")
    segmented = run_project(load_project(root), at=AT, now=AT + timedelta(hours=3))
    assert segmented.queries
    per_cat = {r.segment["cat"]: r.value for r in segmented.results if r.monitor == "volume" and r.segment}
    assert per_cat == {"A": 67, "B": 70, "C": 63}


def _dump(db: Path) -> list[str]:
    con = sqlite3.connect(db)
    out = list(con.iterdump())
    con.close()
    return out


@pytest.fixture
def churn(churn_project: Path, tmp_path: Path) -> Path:
    dst = tmp_path / "c"
    shutil.copytree(churn_project, dst)
    return dst


def _values(report) -> dict:
    return {(r.monitor, r.column, json.dumps(r.segment, sort_keys=True)): r.value for r in report.results}


def test_dry_run_uses_the_stored_state_and_writes_nothing(churn: Path) -> None:
    stored = run_project(load_project(churn), at=AT, now=AT + timedelta(hours=1))
    db = churn / ".telltale" / "state.db"
    before = _dump(db)
    runs = [run_project(load_project(churn), at=AT, now=AT + timedelta(hours=2), dry_run=True) for _ in range(3)]
    for dry in runs:
        assert _values(dry) == _values(stored)        # same bins, same numbers, every call
        assert not any(q["kind"] == "grid" for q in dry.queries)   # the stored bin edges
        assert dry.alerts == [] and dry.run_id.startswith("dry-")
    assert _dump(db) == before                        # no run, partial, point, alert or notice written


def test_dry_run_on_a_fresh_project_creates_no_store(churn: Path) -> None:
    report = run_project(load_project(churn), at=AT, now=AT + timedelta(hours=1), dry_run=True)
    assert report.results and not (churn / ".telltale").exists()


def _compiled(project, at: datetime) -> list[str]:
    """The statements `compile` prints, less the staleness fallback (sent only when no
    row is recent; these tests' data is)."""
    (_, queries), = list(compile_project(project, model=None, dialect=None, at=at, pretty=False))
    assert sum(kind == FALLBACK_KIND for kind, _ in queries) == 1
    return [sql for kind, sql in queries if kind != FALLBACK_KIND]


@pytest.mark.parametrize("days_later", [0, 1, 3])
def test_compile_prints_exactly_what_the_next_run_sends(churn: Path, days_later: int) -> None:
    run_project(load_project(churn), at=AT, now=AT + timedelta(hours=1))
    at = AT + timedelta(days=days_later)
    project = load_project(churn)
    compiled = _compiled(project, at)
    report = run_project(project, at=at, now=at + timedelta(hours=1))
    assert compiled == [q["sql"] for q in report.queries]
    assert not any("APPROX_QUANTILE" in s for s in compiled)       # stored bin edges, no grid query


def test_compile_with_labels_matches_the_run(churn: Path) -> None:
    con = duckdb.connect(str(churn / "wh.duckdb"))
    con.execute("CREATE TABLE labels AS SELECT event_id, churned, ts + INTERVAL 2 DAY AS labeled_at FROM events")
    con.close()
    cfg = CONFIG.replace("    actuals: {churned: boolean}\n", "    actuals: {churned: boolean}\n"
                         "    actuals_source: {source: {table: labels}, id: event_id, timestamp: labeled_at}\n")
    cfg += ("  - {name: acc, model: churn, type: performance_degradation, metric: accuracy, window: 7d, "
            "detection: {absolute: {min: 0.1}}}\n")
    (churn / "telltale.yml").write_text(cfg)
    run_project(load_project(churn), at=AT, now=AT + timedelta(hours=1))
    for at in (AT - timedelta(days=3), AT + timedelta(days=2)):   # an earlier --at rescans labels
        project = load_project(churn)
        compiled = _compiled(project, at)
        report = run_project(project, at=at, now=AT + timedelta(days=2, hours=1))
        assert compiled == [q["sql"] for q in report.queries]


def test_compile_cli_next_run_and_full(churn: Path) -> None:
    full_first = runner.invoke(app, ["compile", "--project", str(churn), "--at", "2026-03-13T00:00:00Z"])
    assert full_first.exit_code == 0 and "grid size (first run only)" in full_first.stdout
    run_project(load_project(churn), at=AT, now=AT + timedelta(hours=1))
    after = runner.invoke(app, ["compile", "--project", str(churn), "--at", "2026-03-13T00:00:00Z"])
    assert after.exit_code == 0, after.output
    assert "grid" not in after.stdout and "staleness" in after.stdout
    full = runner.invoke(app, ["compile", "--project", str(churn), "--at", "2026-03-13T00:00:00Z", "--full"])
    assert full.exit_code == 0 and full.stdout == full_first.stdout
