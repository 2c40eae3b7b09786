"""The cap on segment combinations: a segment column with thousands of values fails the
segmented monitors fast with a message naming the columns, never silently; the other
monitors of the model still run; `max_segments` raises the cap."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pytest
from typer.testing import CliRunner

from telltale.cli.main import app

AT = "2026-03-13T00:00:00Z"

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
    features: {x: numeric, user_id: categorical, region: categorical}
    predictions: {yhat: numeric}
    segments: [user_id, region]
    max_segments: 400
monitors:
  - {name: volume, model: m, type: model_activity, window: 1d, detection: {absolute: {min: 1}}}
  - {name: mean x by segment, model: m, type: metric_change, columns: [x], statistic: mean, window: 1d, segment: all, detection: {absolute: {max: 100}}}
"""


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("cap")
    rng = np.random.default_rng(2)
    n = 6000
    ts = [datetime(2026, 3, 1) + timedelta(seconds=int(s)) for s in rng.integers(0, 12 * 86400, n)]
    t = pa.table({"ts": pa.array(ts, pa.timestamp("us")), "x": rng.normal(0, 1, n),
                  "yhat": rng.normal(0, 1, n), "user_id": [f"u{i % 150}" for i in range(n)],
                  "region": [["eu", "us", None][i % 3] for i in range(n)]})
    con = duckdb.connect(str(root / "wh.duckdb"))
    con.register("t_arrow", t)
    con.execute("CREATE TABLE t AS SELECT * FROM t_arrow")
    con.close()
    return root


def _run(root: Path, config: str) -> tuple[int, dict]:
    (root / "telltale.yml").write_text(config)
    res = CliRunner().invoke(app, ["run", "--project", str(root), "--at", AT, "--json", "--dry-run"])
    return res.exit_code, json.loads(res.stdout)


def test_too_many_segment_combinations_fail_fast_naming_the_columns(warehouse: Path) -> None:
    code, out = _run(warehouse, CONFIG)
    by = {r["monitor"]: r for r in out["results"]}
    seg = [r for r in out["results"] if r["monitor"] == "mean x by segment"]
    assert len(seg) == 1 and seg[0]["status"] == "error", seg   # one error, not 450 results
    err = seg[0]["error"]
    # 3 region values: eu, us and NULL
    assert "too many segment combinations" in err and "user_id (150 values) x region (3 values) = 450 combinations" in err
    assert "max_segments (400)" in err and "models.m.max_segments" in err
    assert by["volume"]["status"] in ("ok", "alert") and by["volume"]["error"] is None
    assert code == 3
    # the guard is one small statement before the segmented scan, which is never sent
    kinds = [q["kind"] for q in out["queries"]]
    assert "segment count" in kinds
    assert not any("user_id" in q["sql"] and "GROUP BY" in q["sql"].upper() and q["kind"] != "segment count"
                   for q in out["queries"])


def test_max_segments_raises_the_cap(warehouse: Path) -> None:
    code, out = _run(warehouse, CONFIG.replace("max_segments: 400", "max_segments: 450"))
    seg = [r for r in out["results"] if r["monitor"] == "mean x by segment" and r["segment"]]
    assert len(seg) > 150 and all(r["error"] is None for r in seg)


def test_the_default_cap_is_1000() -> None:
    from telltale.config.models import ModelConfig

    assert ModelConfig.model_fields["max_segments"].default == 1000


def test_max_segments_must_be_positive(tmp_path: Path) -> None:
    (tmp_path / "telltale.yml").write_text(CONFIG.replace("max_segments: 400", "max_segments: 0"))
    res = CliRunner().invoke(app, ["validate", "--project", str(tmp_path), "--no-warehouse"])
    assert res.exit_code == 2, res.output
    assert "telltale.yml:13:" in res.output and "max_segments" in res.output
