"""Only the monitors that ask for segments make a scan group by the segment columns.

A model with `segments: [plan]` whose monitors read all rows is scanned without the
segment GROUP BY and its values are stored under the all-rows key; a monitor with
`segment: all` gets values per segment. When both kinds are stored for the same partial,
the all-rows value equals the sum over the segments, and it is not counted twice.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import duckdb
import pytest

from telltale.config import load_project
from telltale.core.partials import count_rows
from telltale.runner.run import run_project
from telltale.runner.summaries import SummaryBook
from telltale.core.timeutil import TimeRange

UTC = timezone.utc
AT = datetime(2026, 3, 11, tzinfo=UTC)
PLANS = ["a"] * 5 + ["b"] * 3 + [None] * 2    # 10 rows a day: a 5, b 3, NULL 2

CONFIG = """\
version: 1
connections:
  wh: {type: duckdb, database: wh.duckdb}
models:
  m:
    type: regression
    connection: wh
    source: {table: t}
    timestamp: ts
    features: {x: numeric, plan: categorical}
    predictions: {yhat: numeric}
    segments: [plan]
    baseline: {window: {last: 7d, skip: 0d}}
monitors:
  - {name: volume, model: m, type: model_activity, detection: {absolute: {min: 1}}}
SEGMENTED"""
BY_SEGMENT = "  - {name: volume_by_plan, model: m, type: model_activity, segment: all, detection: {absolute: {min: 1}}}\n"


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    con = duckdb.connect(str(tmp_path / "wh.duckdb"))
    con.execute("CREATE TABLE t (ts TIMESTAMP, x DOUBLE, yhat DOUBLE, plan VARCHAR)")
    rows = [(datetime(2026, 3, 1) + timedelta(days=d, minutes=i), float(i), 0.5, p)
            for d in range(10) for i, p in enumerate(PLANS)]
    con.executemany("INSERT INTO t VALUES (?, ?, ?, ?)", rows)
    con.close()
    (tmp_path / "telltale.yml").write_text(CONFIG.replace("SEGMENTED", ""), encoding="utf-8")
    return tmp_path


def _scans(report) -> list[str]:
    return [q["sql"] for q in report.queries if q["kind"] not in ("grid", "segment count")]


def test_no_segmented_monitor_no_segment_group_by(project: Path) -> None:
    report = run_project(load_project(project), at=AT, now=AT + timedelta(days=1))
    (sql,) = _scans(report)
    assert '"plan"' not in sql                      # neither read nor grouped
    (vol,) = report.results
    assert vol.value == 10 and vol.segment is None


def test_segmented_monitor_after_unsegmented_values_were_stored(project: Path) -> None:
    run_project(load_project(project), at=AT, now=AT + timedelta(days=1))   # stores all-rows values
    (project / "telltale.yml").write_text(CONFIG.replace("SEGMENTED", BY_SEGMENT), encoding="utf-8")
    report = run_project(load_project(project), at=AT, now=AT + timedelta(days=1))
    (sql,) = _scans(report)                          # only the per-segment values are missing
    assert 'GROUP BY CAST("ts" AS DATE), "plan"' in sql
    by = {(r.monitor, tuple(sorted((r.segment or {}).items()))): r.value for r in report.results}
    assert by[("volume", ())] == 10
    assert by[("volume_by_plan", ())] == 10        # all rows: stored once, not summed twice
    assert by[("volume_by_plan", (("plan", "a"),))] == 5
    assert by[("volume_by_plan", (("plan", "b"),))] == 3
    assert by[("volume_by_plan", (("plan", None),))] == 2

    again = run_project(load_project(project), at=AT, now=AT + timedelta(days=1))
    assert _scans(again) == []                      # both kinds stored and final: nothing to scan
    assert {(r.monitor, tuple(sorted((r.segment or {}).items()))): r.value for r in again.results} == by


def test_book_all_rows_value_equals_the_sum_of_its_segments() -> None:
    day = datetime(2026, 3, 1, tzinfo=UTC)
    n = count_rows().key
    book = SummaryBook(timedelta(days=1))
    book.add({(day, ""): {n: 10},
              (day, "plan=a"): {n: 5}, (day, "plan=b"): {n: 3}, (day, "plan=\\N"): {n: 2},
              (day + timedelta(days=1), "plan=a"): {n: 4}})        # a day stored per segment only
    rng = TimeRange(day, day + timedelta(days=2))
    per_segment = sum(book.merged(rng, {"plan": p}).get(n) for p in ("a", "b", None))
    assert book.merged(rng, None).get(n) == per_segment == 14
    assert book.keys_in(day) == book.keys_in(day, segmented=True) == {n}
    only_whole = SummaryBook(timedelta(days=1))
    only_whole.add({(day, ""): {n: 10}, (day + timedelta(days=1), ""): {n: 0}})
    assert only_whole.keys_in(day, segmented=True) == set()          # 10 rows: their segments unknown
    assert only_whole.keys_in(day + timedelta(days=1), segmented=True) == {n}   # no rows: no segments
