"""A small project on a real DuckDB warehouse for the planner and executor tests: two models
on one table, a training set, and monitors of every way of reading data (summaries over
a window baseline, a training baseline, and a query hook)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import duckdb

from telltale.config import load_project

UTC = timezone.utc
AT = datetime(2026, 3, 11, tzinfo=UTC)

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
    features: {x: numeric, c: categorical}
    predictions: {yhat: numeric}
    baseline: {window: {last: 7d, skip: 0d}}
  n:
    type: regression
    connection: wh
    source: {table: t}
    timestamp: ts
    features: {x: numeric}
    predictions: {yhat: numeric}
    baseline: {window: {last: 3d, skip: 0d}}
monitors:
  - {name: fresh, model: m, type: model_staleness, max_age: 2d}
  - {name: volume, model: m, type: model_activity, detection: {absolute: {min: 1}}}
  - {name: drift, model: m, type: data_drift, columns: [x, c]}
  - {name: drift vs training, model: m, type: data_drift, columns: [x],
     baseline: {training: {table: training}}}
  - {name: n volume, model: n, type: model_activity, detection: {change: {percent: 50}}}
"""


def make_project(root: Path) -> Any:
    """The project in `root`: 10 days of 10 rows a day in `t`, 50 rows in `training`."""
    con = duckdb.connect(str(root / "wh.duckdb"))
    con.execute("CREATE TABLE t (ts TIMESTAMP, x DOUBLE, c VARCHAR, yhat DOUBLE)")
    rows = [(datetime(2026, 3, 1) + timedelta(days=d, minutes=i), float(i + d), "ab"[i % 2], 0.5)
            for d in range(10) for i in range(10)]
    con.executemany("INSERT INTO t VALUES (?, ?, ?, ?)", rows)
    con.execute("CREATE TABLE training AS SELECT x, c, yhat FROM t WHERE ts < '2026-03-06'")
    con.close()
    (root / "telltale.yml").write_text(CONFIG, encoding="utf-8")
    return load_project(root, env={})
