"""A loans model of the tests' own: labels arrive 7 days after each prediction, the score is
calibrated (the label is drawn with probability = score) while its distribution shifts in
the last days, and a new `channel` value appears at 12% on day 30 and stays."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pyarrow as pa

END = datetime(2026, 4, 10, tzinfo=timezone.utc)   # the last day is 2026-04-09
DAYS = 40
NEW_CHANNEL_DAY = 30
SHIFT_DAY = 33
LABEL_DELAY = timedelta(days=7)

CONFIG = """\
version: 1
connections:
  wh: {type: duckdb, database: wh.duckdb}
models:
  loans:
    type: binary
    connection: wh
    source: {table: loans}
    id: loan_id
    timestamp: ts
    features: {income: numeric, channel: categorical}
    predictions: {score: numeric}
    actuals: {defaulted: boolean}
    actuals_source:
      source: {table: labels}
      id: loan_id
      timestamp: labeled_at
    baseline: {window: {last: 3d}}
monitors:
"""


def day_start(d: int) -> datetime:
    """The start of day `d` (0 = the first day)."""
    return END - timedelta(days=DAYS - d)


def make_rows(seed: int = 5) -> dict[str, np.ndarray]:
    """The raw rows (with every label, arrived or not)."""
    rng = np.random.default_rng(seed)
    parts: dict[str, list[np.ndarray]] = {k: [] for k in ("ts", "income", "channel", "score", "defaulted")}
    for d in range(DAYS):
        n = int(rng.integers(2800, 3200))
        # the score distribution shifts (covariate shift), the score stays calibrated
        score = rng.beta(3, 3, n) if d >= SHIFT_DAY else rng.beta(2, 5, n)
        channel = rng.choice(np.array(["web", "branch", "phone"]), n, p=[0.5, 0.3, 0.2]).astype(object)
        if d >= NEW_CHANNEL_DAY:
            channel[rng.random(n) < 0.12] = "partner"
        start = day_start(d).replace(tzinfo=None)
        parts["ts"].append(np.array([start + timedelta(seconds=int(s)) for s in rng.integers(0, 86400, n)]))
        parts["income"].append(rng.lognormal(10, 0.5, n))
        parts["channel"].append(channel)
        parts["score"].append(score)
        parts["defaulted"].append(rng.random(n) < score)
    return {k: np.concatenate(v) for k, v in parts.items()}


def write_project(root: Path, monitors: str) -> Path:
    """Write the warehouse (loans, and labels 7 days after each prediction) and telltale.yml."""
    import duckdb

    rows = make_rows()
    n = len(rows["score"])
    root.mkdir(parents=True, exist_ok=True)
    loans = pa.table({"loan_id": np.arange(n), "ts": pa.array(rows["ts"], pa.timestamp("us")),
                      "income": rows["income"], "channel": rows["channel"].tolist(), "score": rows["score"]})
    labels = pa.table({"loan_id": np.arange(n),
                       "labeled_at": pa.array(rows["ts"] + LABEL_DELAY, pa.timestamp("us")),
                       "defaulted": rows["defaulted"]})
    con = duckdb.connect(str(root / "wh.duckdb"))
    con.register("l", loans)
    con.register("a", labels)
    con.execute("CREATE OR REPLACE TABLE loans AS SELECT * FROM l")
    con.execute("CREATE OR REPLACE TABLE labels AS SELECT * FROM a")
    con.close()
    (root / "telltale.yml").write_text(CONFIG + monitors)
    return root
