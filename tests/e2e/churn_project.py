"""A churn-model project of the tests' own, with known events injected on its last day."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pyarrow as pa

END = datetime(2026, 3, 13, tzinfo=timezone.utc)   # run at this time: focal day is 2026-03-12
DAYS = 35

CONFIG = """\
version: 1
connections:
  wh: {type: duckdb, database: wh.duckdb}
metrics: [metrics/*.metric]
models:
  churn:
    type: binary
    connection: wh
    source: {table: events}
    id: event_id
    timestamp: ts
    features: {tenure: numeric, spend: numeric, plan: categorical}
    predictions: {churn_score: numeric, will_churn: boolean}
    actuals: {churned: boolean}
    segments: [plan]
    baseline: {window: {last: 28d, skip: 1d}}
monitors:
  - {name: drift ks, model: churn, type: data_drift, columns: [tenure, spend], method: ks, threshold: 0.1}
  - {name: drift psi, model: churn, type: data_drift, columns: [tenure, spend, plan], method: psi, threshold: 0.2}
  - {name: new plans, model: churn, type: new_values, columns: [plan]}
  - {name: nulls, model: churn, type: missing_values, columns: [tenure, spend], detection: {absolute: {max: 0.05}}}
  - {name: volume, model: churn, type: model_activity, detection: {change: {percent: 50}}}
  - {name: mean spend, model: churn, type: metric_change, columns: [spend], statistic: mean, detection: {change: {percent: 25}}}
  - {name: high spenders, model: churn, type: custom_metric, metric: high_spend_share, detection: {absolute: {max: 0.5}}}
  - {name: fresh, model: churn, type: model_staleness, max_age: 2d}
"""

METRICS = """\
metric high_spend_share = count(features.spend[features.spend > 100]) / count()
"""


def make_events(seed: int = 11) -> pa.Table:
    """35 days of churn predictions; on the last day spend triples, a plan `ultra` appears
    and 20% of tenure is null. Volume stays the same."""
    rng = np.random.default_rng(seed)
    cols: dict[str, list] = {k: [] for k in ("event_id", "ts", "tenure", "spend", "plan",
                                             "churn_score", "will_churn", "churned")}
    start = END - timedelta(days=DAYS)
    nid = 0
    for d in range(DAYS):
        day = (start + timedelta(days=d)).replace(tzinfo=None)
        last = d == DAYS - 1
        n = int(rng.integers(1900, 2100))
        tenure = rng.exponential(24, n).round(1).astype(object)
        spend = rng.gamma(2.0, 20.0, n) * (3.0 if last else 1.0)
        plan = rng.choice(np.array(["basic", "plus", "pro"]), n, p=[0.5, 0.3, 0.2]).astype(object)
        if last:
            tenure[rng.random(n) < 0.2] = None
            plan[rng.random(n) < 0.1] = "ultra"
        score = rng.beta(2, 5, n)
        cols["event_id"] += list(range(nid, nid + n))
        nid += n
        cols["ts"] += [day + timedelta(seconds=int(s)) for s in rng.integers(0, 86400, n)]
        cols["tenure"] += tenure.tolist()
        cols["spend"] += spend.round(2).tolist()
        cols["plan"] += plan.tolist()
        cols["churn_score"] += score.tolist()
        cols["will_churn"] += (score > 0.5).tolist()
        cols["churned"] += (rng.random(n) < score).tolist()
    return pa.table({**cols, "tenure": pa.array(cols["tenure"], pa.float64()),
                     "ts": pa.array(cols["ts"], pa.timestamp("us"))})


def write_project(root: Path, config: str = CONFIG, metrics: str = METRICS) -> Path:
    """Write the warehouse and project files into `root`."""
    import duckdb

    root.mkdir(parents=True, exist_ok=True)
    (root / "metrics").mkdir(exist_ok=True)
    con = duckdb.connect(str(root / "wh.duckdb"))
    con.register("ev", make_events())
    con.execute("CREATE OR REPLACE TABLE events AS SELECT * FROM ev")
    con.close()
    (root / "telltale.yml").write_text(config)
    (root / "metrics" / "churn.metric").write_text(metrics)
    return root


def add_normal_day(root: Path) -> datetime:
    """Append the predictions of 2026-03-13, a normal day again (a copy of 2026-03-11 two days
    later, new ids), as a warehouse gets its next day; return the run time that evaluates it."""
    import duckdb

    con = duckdb.connect(str(root / "wh.duckdb"))
    con.execute("INSERT INTO events SELECT * REPLACE (event_id + 10000000 AS event_id, ts + INTERVAL 2 DAY AS ts) "
                "FROM events WHERE ts >= TIMESTAMP '2026-03-11' AND ts < TIMESTAMP '2026-03-12'")
    con.close()
    return END + timedelta(days=1)
