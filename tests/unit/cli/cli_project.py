"""A small DuckDB project of the command-line tests: ten days of 20 predictions a day."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

AT = "2026-03-13T00:00:00Z"
CONFIG = """\
version: 1
connections:
  wh: {type: duckdb, database: wh.duckdb}
metrics: [metrics/*.metric]
models:
  m:
    type: binary
    connection: wh
    source: {table: preds}
    id: pid
    timestamp: ts
    features: {x: numeric, region: categorical}
    predictions: {score: numeric}
    actuals: {label: boolean}
    baseline: {window: {last: 7d, skip: 0d}}
monitors:
  - {name: volume, model: m, type: model_activity, detection: {absolute: {min: 1}}}
  - {name: share, model: m, type: custom_metric, metric: big_x_share, detection: {absolute: {max: 0.9}}}
"""
METRICS = "metric big_x_share = count(features.x[features.x > 5]) / count()\n"


def write_warehouse(path: Path, *, ts_type: str = "TIMESTAMP") -> None:
    """Ten days of 20 rows each ending 2026-03-13; `ts_type` VARCHAR or BIGINT breaks the time column."""
    import duckdb

    con = duckdb.connect(str(path))
    start = datetime(2026, 3, 3)
    rows = []
    for d in range(10):
        for i in range(20):
            ts = start + timedelta(days=d, minutes=37 * i)
            rows.append((d * 20 + i, ts, float(i % 10), "EU" if i % 3 else "US", i / 20, i % 2 == 0))
    con.execute("CREATE TABLE preds (pid INTEGER, ts TIMESTAMP, x DOUBLE, region VARCHAR, "
                "score DOUBLE, label BOOLEAN)")
    con.executemany("INSERT INTO preds VALUES (?, ?, ?, ?, ?, ?)", rows)
    if ts_type == "VARCHAR":
        con.execute("CREATE OR REPLACE TABLE preds AS SELECT * REPLACE (CAST(ts AS VARCHAR) AS ts) FROM preds")
    elif ts_type == "BIGINT":
        con.execute("CREATE OR REPLACE TABLE preds AS SELECT * REPLACE (CAST(epoch(ts) AS BIGINT) AS ts) FROM preds")
    con.close()
