"""A ranking model's project (search results grouped by query), shared by the DuckDB and
PostgreSQL ranking tests."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pyarrow as pa

CONFIG = """\
version: 1
connections:
  wh: {type: duckdb, database: wh.duckdb}
models:
  search:
    type: ranking
    connection: wh
    source: {table: t}
    timestamp: ts
    query_id: qid
    features: {market: categorical}
    predictions: {score: numeric}
    actuals: {relevance: numeric, clicked: boolean}
    segments: [market]
monitors:
  - {name: ndcg5, model: search, type: performance_degradation, metric: 'ndcg_at_k(predictions.score, actuals.relevance, 5)', window: 7d, detection: {absolute: {min: 0.01}}}
  - {name: ndcg, model: search, type: performance_degradation, metric: ndcg_at_k, window: 7d, detection: {absolute: {min: 0.01}}}
  - {name: mrr, model: search, type: performance_degradation, metric: 'mrr(predictions.score, actuals.clicked)', window: 7d, detection: {absolute: {min: 0.01}}}
  - {name: mrr3, model: search, type: performance_degradation, metric: 'mrr(predictions.score, actuals.relevance, 3)', window: 7d, detection: {absolute: {min: 0.01}}}
  - {name: map4, model: search, type: performance_degradation, metric: 'map_at_k(predictions.score, actuals.relevance, 4)', window: 7d, detection: {absolute: {min: 0.01}}}
  - {name: map all, model: search, type: performance_degradation, metric: 'map_at_k(predictions.score, actuals.clicked, 1000)', window: 7d, detection: {absolute: {min: 0.01}}}
  - {name: ndcg by market, model: search, type: performance_degradation, metric: 'ndcg_at_k(predictions.score, actuals.relevance, 5)', window: 7d, segment: all, detection: {absolute: {min: 0.01}}}
"""



def make_results() -> pa.Table:
    """1,500 queries of 2-15 results each over 12 days; graded relevance 0-3, continuous scores."""
    rng = np.random.default_rng(11)
    rows: dict[str, list] = {k: [] for k in ("ts", "qid", "score", "relevance", "clicked", "market")}
    for q in range(1500):
        n = int(rng.integers(2, 16))
        ts = datetime(2026, 3, 1) + timedelta(seconds=int(rng.integers(0, 12 * 86400)))
        rel = rng.choice([0, 0, 0, 1, 2, 3], n)
        score = rel * 0.3 + rng.normal(0, 0.6, n)
        rows["ts"] += [ts] * n
        rows["qid"] += [f"q{q}"] * n
        rows["score"] += score.tolist()
        rows["relevance"] += rel.tolist()
        rows["clicked"] += (rel >= 2).tolist()
        rows["market"] += [str(rng.choice(["us", "eu"]))] * n
    return pa.table({"ts": pa.array(rows["ts"], pa.timestamp("us")), "qid": rows["qid"],
                     "score": rows["score"], "relevance": pa.array(rows["relevance"], pa.int64()),
                     "clicked": rows["clicked"], "market": rows["market"]})
