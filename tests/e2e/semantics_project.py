"""A small project whose rows the semantics tests choose: one binary model on a DuckDB table."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
from typer.testing import CliRunner

from telltale.cli.main import app

AT = "2026-03-11T00:00:00Z"          # focal window: 2026-03-10
FOCAL = datetime(2026, 3, 10)
DAYS = 10
runner = CliRunner()

MODEL = """\
version: 1
connections:
  wh: {{type: duckdb, database: wh.duckdb}}
metrics: [metrics/*.metric]
models:
  m:
    type: binary
    connection: wh
    source: {{table: preds}}
    id: id
    timestamp: ts
    features: {{x: numeric, cat: categorical}}
    predictions: {{score: numeric, pred: boolean}}
    actuals: {{y: boolean}}
    segments: [cat]
    baseline: {{window: {{last: 7d, skip: 1d}}}}
monitors:
{monitors}
"""


def rows(days: int = DAYS, per_day: int = 60, seed: int = 3, focal_cats: tuple[str, ...] = ("a", "b"),
         focal_rows: int | None = None, focal_x_null: bool = False) -> list[tuple[Any, ...]]:
    """(id, ts, x, cat, score, pred, y) rows: `days` days ending with the focal day, whose
    categories are `focal_cats` (the days before use a and b); `focal_x_null`: x is null on
    the focal day."""
    rng = np.random.default_rng(seed)
    out, nid = [], 0
    for d in range(days):
        day = FOCAL - timedelta(days=days - 1 - d)
        last = d == days - 1
        n = focal_rows if last and focal_rows is not None else per_day
        cats = focal_cats if last else ("a", "b")
        for i in range(n):
            score = float(rng.random())
            x = float(rng.normal(10, 2))
            out.append((nid, day + timedelta(seconds=int(rng.integers(0, 86400))),
                        None if last and focal_x_null else x, cats[i % len(cats)], score,
                        score >= 0.5, bool(rng.random() < score)))
            nid += 1
    return out


def write(root: Path, monitors: str, metrics: str = "", data: list[tuple[Any, ...]] | None = None,
          ts_type: str = "TIMESTAMP") -> Path:
    """The project in `root`; `ts_type` is the SQL type of the timestamp column."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "metrics").mkdir(exist_ok=True)
    con = duckdb.connect(str(root / "wh.duckdb"))
    con.execute(f"CREATE OR REPLACE TABLE preds (id BIGINT, ts {ts_type}, x DOUBLE, cat VARCHAR, "
                "score DOUBLE, pred BOOLEAN, y BOOLEAN)")
    con.executemany("INSERT INTO preds VALUES (?, ?, ?, ?, ?, ?, ?)", data if data is not None else rows())
    con.close()
    (root / "telltale.yml").write_text(MODEL.format(monitors=monitors))
    (root / "metrics" / "m.metric").write_text(metrics)
    return root


def run(root: Path, *args: str, at: str = AT) -> tuple[int, dict | None, str]:
    """`telltale run --json`: exit code, parsed output (None when not JSON), all output."""
    res = runner.invoke(app, ["run", "--project", str(root), "--at", at, "--json", *args])
    text = res.stdout.strip()
    return res.exit_code, (json.loads(text) if text.startswith("{") else None), res.output


def results(out: dict, monitor: str) -> list[dict]:
    """The results of one monitor."""
    return [r for r in out["results"] if r["monitor"] == monitor]


def one(out: dict, monitor: str, segment: dict | None = None, column: str | None = None) -> dict:
    """The one result of a monitor for a segment (and column)."""
    found = [r for r in results(out, monitor) if r["segment"] == segment
             and (column is None or r["column"] == column)]
    assert len(found) == 1, (monitor, segment, column, out["results"])
    return found[0]
