"""Checks the study's shortcut: a few 10k and 100k windows run through DuckDB with
`telltale run` (the in-warehouse path: pushed-down SQL, stored partials) give the same
values as aq_sim's numpy summaries judged by the same monitors."""

from __future__ import annotations

import json
import sqlite3
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

import duckdb
import numpy as np
import pyarrow as pa

from aq_sim import (C, CAT_CONFIGS, CAT_SHAPES, CATEGORICAL_METHODS, DRIFT_CONFIGS, NUMERIC_METHODS, SHAPES, X,
                    context, drift_pair, evaluate, mixed, monitor, numeric_summary_of, shifted,
                    values_summary_of)
from telltale.config import load_project
from telltale.core.grids import Grid
from telltale.runner.run import run_project

CONFIG = """\
version: 1
store: sqlite:///{store}
connections:
  wh: {{type: duckdb, database: wh.duckdb}}
models:
  m:
    type: regression
    connection: wh
    source: {{table: t}}
    timestamp: ts
    features: {{x: numeric, c: categorical}}
    predictions: {{yhat: numeric}}
    baseline: {{window: {{last: 1d, skip: 0d}}}}
monitors:
{monitors}
"""
NEW_VALUES = monitor("new_values", columns=["c"])
CASES = [(10_000, "normal", "stable"), (10_000, "integer (Poisson 4)", "mean"),
         (100_000, "skewed (lognormal)", "scale"), (100_000, "zero-inflated (60% zeros)", "stable")]


def codes(counts: np.ndarray) -> np.ndarray:
    """The rows behind category counts: category j repeated counts[j] times."""
    return np.repeat(np.array([f"v{j}" for j in range(counts.size)]), counts)


def _one(root: Path, n: int, shape: str, kind: str, refs: dict[str, Any], rng: np.random.Generator) -> float:
    r = refs["numeric"][shape]
    base, x = SHAPES[shape](rng, n), SHAPES[shape](rng, n)
    if kind != "stable":
        x = shifted(shape, kind, x, r["params"][kind][0.2][0], r["ref"])
    p = CAT_SHAPES["5 categories"]
    cb, cf = rng.multinomial(n, p), rng.multinomial(n, mixed(p, refs["categorical"]["5 categories"][0.2]))
    ts = np.concatenate([np.full(n, np.datetime64("2026-01-01T12:00:00", "us")),
                         np.full(n, np.datetime64("2026-01-02T12:00:00", "us"))])
    con = duckdb.connect(str(root / "wh.duckdb"))
    df = {"ts": ts, "x": np.concatenate([base, x]), "c": np.concatenate([codes(cb), codes(cf)]),
          "yhat": np.zeros(2 * n)}
    con.register("df", pa.table(df))
    con.execute("CREATE OR REPLACE TABLE t AS SELECT * FROM df")
    con.close()
    mons = [f"  - {{name: x {m}, model: m, type: data_drift, columns: [x], method: {m}}}" for m in NUMERIC_METHODS]
    mons += [f"  - {{name: c {m}, model: m, type: data_drift, columns: [c], method: {m}}}" for m in CATEGORICAL_METHODS]
    mons += ["  - {name: c new, model: m, type: new_values, columns: [c]}"]
    store = root / f"s{n}_{kind}.db"
    (root / "telltale.yml").write_text(CONFIG.format(store=store, monitors="\n".join(mons)), encoding="utf-8")
    report = run_project(load_project(root), at=datetime(2026, 1, 3, tzinfo=timezone.utc), alerts=False)
    wh = {(r.column, r.metric): (r.value, r.status) for r in report.results}
    grid = Grid.from_json(json.loads(sqlite3.connect(store).execute("SELECT grid FROM grids").fetchall()[0][0]))
    mine = {("x", m): v for m, v in drift_pair(X, numeric_summary_of(grid, base), numeric_summary_of(grid, x),
                                               grid, DRIFT_CONFIGS).items()}
    mine.update({("c", m): v for m, v in drift_pair(C, values_summary_of(cb), values_summary_of(cf), None,
                                                   CAT_CONFIGS).items()})
    mine[("c", "new_value_share")] = evaluate(NEW_VALUES, context([C], {0: values_summary_of(cb),
                                                                     1: values_summary_of(cf)}, 1, 1))
    diff = 0.0
    for k, (v, status) in mine.items():
        wv, ws = wh[k]
        if status != ws or (v is None) != (wv is None):
            raise AssertionError(f"{n} {shape} {k}: numpy path {v} {status}, DuckDB path {wv} {ws}")
        diff = max(diff, abs(v - wv) if v is not None else 0.0)
    return diff


def run(refs: dict[str, Any], log: Callable[[str], None]) -> dict[str, Any]:
    """Max |numpy - DuckDB| per case, or the error."""
    rng = np.random.default_rng(99)
    out: dict[str, Any] = {}
    for n, shape, kind in CASES:
        log(f"validating {n:,} rows {shape} {kind} through DuckDB ...")
        with tempfile.TemporaryDirectory() as tmp:
            try:
                out[f"{n}|{shape}|{kind}"] = _one(Path(tmp), n, shape, kind, refs, rng)
            except Exception as exc:  # noqa: BLE001 - reported in the document as a mismatch
                out[f"{n}|{shape}|{kind}"] = f"MISMATCH or failure: {exc}"
    return out
