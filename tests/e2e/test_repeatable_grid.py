"""Two cold runs on the same data give the same values, bit for bit.

Histogram edges come from a sample of the baseline when it holds more than
`GRID_SAMPLE_ROWS` rows. DuckDB's `TABLESAMPLE SYSTEM ... REPEATABLE` picked different
blocks from run to run with several threads, so two cold runs gave KS values up to 0.003
apart; the sample is now a stride of row vectors with exact quantiles. A view (no rowid)
falls back to reading the baseline whole.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pytest

from telltale.config import load_project
from telltale.runner.run import GRID_SAMPLE_ROWS, run_project

AT = datetime(2025, 1, 11, tzinfo=timezone.utc)
ROWS = 3 * GRID_SAMPLE_ROWS   # a sampled grid

CONFIG = """\
version: 1
store: sqlite:///{store}
connections:
  wh: {{type: duckdb, database: wh.duckdb}}
models:
  m:
    type: regression
    connection: wh
    source: {{table: {table}}}
    timestamp: ts
    features: {{x: numeric, y: numeric}}
    predictions: {{yhat: numeric}}
    baseline: {{window: {{last: 9d, skip: 0d}}}}
monitors:
  - {{name: drift, model: m, type: data_drift, columns: [x, y], method: ks}}
"""


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """10 days of rows in a table (and a view of it); y drifts on the last day."""
    root = tmp_path_factory.mktemp("repeatable")
    con = duckdb.connect(str(root / "wh.duckdb"))
    con.execute(f"""
        CREATE TABLE t AS SELECT
          TIMESTAMP '2025-01-01' + to_microseconds((i * 864000000000 // {ROWS})::BIGINT) AS ts,
          (hash(i) % 100000) / 1000.0 AS x,
          (hash(i + 7) % 100000) / 1000.0 + CASE WHEN i >= {ROWS} * 9 // 10 THEN 20 ELSE 0 END AS y,
          (hash(i + 13) % 1000) / 1000.0 AS yhat
        FROM range({ROWS}) r(i)""")
    con.execute("CREATE VIEW v AS SELECT * FROM t")
    con.close()
    return root


def _cold_run(root: Path, table: str, name: str) -> dict[str, float]:
    (root / "telltale.yml").write_text(CONFIG.format(store=root / f"{name}.db", table=table), encoding="utf-8")
    report = run_project(load_project(root), at=AT)
    out = {}
    for r in report.results:
        assert r.status in ("ok", "alert"), r.message
        out[r.column] = r.value
    grid_sql = [q["sql"] for q in report.queries if q["kind"] == "grid"]
    assert grid_sql, "the cold run computes its grids"
    return out


def test_two_cold_runs_give_identical_ks(warehouse: Path) -> None:
    first = _cold_run(warehouse, "t", "a")
    second = _cold_run(warehouse, "t", "b")
    assert set(first) == {"x", "y"}
    assert first == second          # exactly equal, not within a tolerance
    assert first["y"] > 0.15 > first["x"]


def test_a_view_is_read_whole_for_its_grid(warehouse: Path) -> None:
    """A DuckDB view has no rowid to sample by: its grid is read from the whole baseline."""
    first = _cold_run(warehouse, "v", "c")
    assert first == _cold_run(warehouse, "v", "d")
    assert first["y"] > 0.15 > first["x"]
