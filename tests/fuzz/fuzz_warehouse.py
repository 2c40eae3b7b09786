"""The fuzz tests' warehouse: one small DuckDB file, built once per session."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa

AT = "2026-03-11T00:00:00Z"     # runs evaluate the day before this
START = datetime(2026, 3, 1)
DAYS = 10
ROWS_PER_DAY = 24
CATEGORIES = ["a", "b", "null", "", "None", "ü[/x]", "c; drop table events"]


def build_warehouse(path: Path) -> Path:
    """events(id, ts, x, n, cat, flag, score, label): nulls in every feature, odd strings."""
    import duckdb

    rng = np.random.default_rng(5)
    n = DAYS * ROWS_PER_DAY
    ts = [START + timedelta(days=i // ROWS_PER_DAY, minutes=int(m))
          for i, m in enumerate(rng.integers(0, 1440, n))]

    def nulls(values: list, share: float = 0.1) -> list:
        return [None if rng.random() < share else v for v in values]

    score = rng.random(n)
    table = pa.table({
        "id": pa.array(range(n), pa.int64()),
        "ts": pa.array(ts, pa.timestamp("us")),
        "x": pa.array(nulls(rng.normal(10, 3, n).tolist()), pa.float64()),
        "n": pa.array(nulls(rng.integers(-5, 50, n).tolist()), pa.int32()),
        "cat": pa.array(nulls([CATEGORIES[i] for i in rng.integers(0, len(CATEGORIES), n)]), pa.string()),
        "flag": pa.array(nulls((rng.random(n) < 0.4).tolist()), pa.bool_()),
        "score": pa.array(score.tolist(), pa.float64()),
        "label": pa.array(nulls((rng.random(n) < score).tolist(), 0.2), pa.bool_()),
    })
    con = duckdb.connect(str(path))
    con.register("t", table)
    con.execute("CREATE TABLE events AS SELECT * FROM t")
    con.execute("CREATE TABLE secrets AS SELECT 'hunter2' AS password")
    con.close()
    return path
