"""A project of legitimate but numerically nasty columns, for tests/e2e/test_numbers_hostile.py
and its PostgreSQL twin (tests/integration/test_postgres_numbers_hostile.py).

Eight days of 400 rows (2026-05-01 .. 2026-05-08); a run at 2026-05-09 takes 2026-05-08 as
the focal day and the seven days before it as the baseline. Columns:

* `big_mean`: 1e9 + N(0, 1) (focal: + 0.5): sum of squares − n·mean² cancels completely;
* `small`: the same values minus 1e9 (exact in double precision): the reference;
* `dec`: DECIMAL(38,10) around 12,345,678 ± 3 (focal: + 1): cancels to a few digits;
* `tiny`: 1e-300 · N(1, 1) (focal: + 0.5e-300): the squares underflow to 0;
* `huge`: 1e300 · N(0, 1) (focal: × 1.2): the squares overflow to inf;
* `sentinel`: N(0, 1) with one -1.7976931348623157e308 on the first day and one
  +1.7976931348623157e308 on the focal day (a "missing" marker): its square and its
  histogram bin's `(x - lo) * scale` overflow;
* `bigid`: BIGINT 2^63 - 1 - k, k in [0, 1000) (ids near the top of BIGINT, 256 apart
  as doubles);
* `y`, `pred`: a regression's label 1e9 + N(0, 1) and a prediction 0.1 off; `y_small`,
  `pred_small` the same minus 1e9.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np

AT = "2026-05-09T00:00:00Z"
DAYS, PER_DAY = 8, 400
START = datetime(2026, 5, 1)
NAMES = ("id", "ts", "big_mean", "small", "dec", "tiny", "huge", "sentinel", "bigid", "y", "pred",
         "y_small", "pred_small")
DUCK_TYPES = ("BIGINT", "TIMESTAMP", "DOUBLE", "DOUBLE", "DECIMAL(38,10)", "DOUBLE", "DOUBLE",
              "DOUBLE", "BIGINT", "DOUBLE", "DOUBLE", "DOUBLE", "DOUBLE")
MAX_DOUBLE = 1.7976931348623157e308
PG_TYPES = tuple("DOUBLE PRECISION" if t == "DOUBLE" else "NUMERIC(38,10)" if t.startswith("DECIMAL")
                 else t for t in DUCK_TYPES)


def make_rows(seed: int = 11) -> list[tuple[Any, ...]]:
    """Every row of the table, as Python values."""
    rng = np.random.default_rng(seed)
    rows: list[tuple[Any, ...]] = []
    for day in range(DAYS):
        focal = day == DAYS - 1
        for j in range(PER_DAY):
            rid = day * PER_DAY + j
            ts = START + timedelta(days=day, seconds=j * 200)
            small = float(rng.normal(0.5 if focal else 0.0, 1.0))
            big = 1e9 + small                      # exact: small = big - 1e9 in double
            dec = Decimal(f"{12345678.0 + rng.normal(1.0 if focal else 0.0, 3.0):.10f}")
            tiny = float(rng.normal(1.5 if focal else 1.0, 1.0)) * 1e-300
            huge = float(rng.normal(0.0, 1.2 if focal else 1.0)) * 1e300
            sentinel = float(rng.normal(0.3 if focal else 0.0, 1.0))
            if j == 7 and day in (0, DAYS - 1):
                sentinel = MAX_DOUBLE if focal else -MAX_DOUBLE
            bigid = 2**63 - 1 - int(rng.integers(0, 1000))
            y_small = float(rng.normal(0.0, 1.0))
            pred_small = y_small + float(rng.normal(0.0, 0.1))
            rows.append((rid, ts, big, big - 1e9, dec, tiny, huge, sentinel, bigid, 1e9 + y_small, 1e9 + pred_small,
                         (1e9 + y_small) - 1e9, (1e9 + pred_small) - 1e9))
    return rows


def split(rows: list[tuple[Any, ...]], name: str) -> tuple[np.ndarray, np.ndarray]:
    """(baseline, focal) values of a column as floats."""
    i = NAMES.index(name)
    cut = START + timedelta(days=DAYS - 1)
    base = np.array([float(r[i]) for r in rows if r[1] < cut])
    focal = np.array([float(r[i]) for r in rows if r[1] >= cut])
    return base, focal


MONITORS = [
    "{name: wass, model: m, type: data_drift, method: wasserstein, columns: [big_mean, small, dec, tiny, huge], threshold: 10}",
    "{name: ks, model: m, type: data_drift, method: ks, columns: [big_mean, small, dec, tiny, huge, sentinel], threshold: 10}",
    "{name: sd, model: m, type: metric_change, statistic: stddev, columns: [big_mean, small, dec, tiny, sentinel], detection: {absolute: {max: 1e300}}}",
    "{name: mean, model: m, type: metric_change, statistic: mean, columns: [big_mean, small, dec, tiny, sentinel], detection: {absolute: {max: 1e308}}}",
    *[f"{{name: dsl {fn} {c}, model: m, type: custom_metric, metric: '{fn}(features.{c})', "
      "detection: {absolute: {max: 1e300}}}"
      for fn in ("variance", "stddev") for c in ("big_mean", "small", "tiny")],
    "{name: id range, model: m, type: custom_metric, metric: 'max(features.bigid) - min(features.bigid)', detection: {absolute: {max: 1e300}}}",
    "{name: r2 big, model: m, type: performance_degradation, metric: 'r2(predictions.pred, actuals.y)', detection: {absolute: {min: -1e300}}}",
    "{name: r2 small, model: m, type: performance_degradation, metric: 'r2(predictions.pred_small, actuals.y_small)', detection: {absolute: {min: -1e300}}}",
    "{name: rmse big, model: m, type: performance_degradation, metric: 'rmse(predictions.pred, actuals.y)', detection: {absolute: {max: 1e300}}}",
]


def config(connection: str) -> str:
    """telltale.yml with `connection` (one line under `connections:`, named wh)."""
    return ("version: 1\nconnections:\n" + connection + "models:\n  m:\n    type: regression\n"
            "    connection: wh\n    source: {table: t}\n    id: id\n    timestamp: ts\n"
            "    features: {big_mean: numeric, small: numeric, dec: numeric, tiny: numeric, huge: numeric,\n"
            "               sentinel: numeric, bigid: numeric}\n"
            "    predictions: {pred: numeric, pred_small: numeric}\n"
            "    actuals: {y: numeric, y_small: numeric}\n"
            "    baseline: {window: {last: 7d}}\n"
            "monitors:\n" + "".join(f"  - {m}\n" for m in MONITORS))


def write_duckdb_project(root: Path) -> Path:
    """The DuckDB warehouse (table `t`) and telltale.yml in `root`."""
    import duckdb

    root.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(root / "wh.duckdb"))
    con.execute("CREATE TABLE t (" + ", ".join(f"{n} {t}" for n, t in zip(NAMES, DUCK_TYPES)) + ")")
    con.executemany(f"INSERT INTO t VALUES ({', '.join('?' * len(NAMES))})", make_rows())
    con.close()
    (root / "telltale.yml").write_text(config("  wh: {type: duckdb, database: wh.duckdb}\n"))
    return root
