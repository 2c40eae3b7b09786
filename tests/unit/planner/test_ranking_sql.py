"""Rank partials on a tiny table whose values are worked out by hand (including a tie in
score, NaN and NULL rows, a query split over two buckets), pushed down to DuckDB."""

from __future__ import annotations

import math
from datetime import datetime, timezone

import duckdb
import pyarrow as pa
import pytest
from sqlglot import exp

from telltale.connectors.base import SourceSpec
from telltale.connectors.duckdb import DuckDBConnector
from telltale.connectors.safety import ensure_select
from telltale.core.partials import Partial
from telltale.core.timeutil import TimeRange
from telltale.planner.queries import plan_scans
from telltale.planner.spec import ModelSpec

UTC = timezone.utc
RNG = TimeRange(datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 3, tzinfo=UTC))
D1, D2 = datetime(2026, 1, 1, 10), datetime(2026, 1, 2, 10)


def _values(options: list[str]) -> dict:
    rows = [  # (ts, query, score, relevance)
        (D1, "a", 0.9, 0), (D1, "a", 0.8, 2), (D1, "a", 0.7, 1),
        (D1, "b", 0.5, 1), (D1, "b", 0.5, 0),                      # a tie: the 0 ranks first
        (D1, "c", 0.4, 0), (D1, "c", 0.3, 0), (D1, "c", None, 3),  # no relevant scored row
        (D1, "c", float("nan"), 3), (D1, None, 0.9, 3),            # NaN score / no query: left out
        (D2, "a", 0.1, 1),                                         # query a again, next day
    ]
    t = pa.table({"ts": [r[0] for r in rows], "q": [r[1] for r in rows],
                  "s": pa.array([r[2] for r in rows], pa.float64()), "rel": [r[3] for r in rows]})
    con = duckdb.connect()
    con.register("t_arrow", t)
    con.execute("CREATE TABLE t AS SELECT * FROM t_arrow")
    c = DuckDBConnector(connection=con)
    m = ModelSpec(name="m", connection="wh", source=SourceSpec(table="t"), timestamp="ts")
    col = exp.column
    parts = [Partial("rank", col("s", quoted=True), None, col("rel", quoted=True),
                     group=col("q", quoted=True), option=o) for o in options]
    (q,) = plan_scans(m, c, RNG, parts, {})
    ensure_select(q.tree)
    table, _ = c.execute(q.tree)
    out = q.decode(table)
    return {b.day: {p.option: vals[p.key] for p in parts} for (b, _), vals in out.items()}


def test_rank_partials_match_hand_computation() -> None:
    v = _values(["queries", "ndcg@3", "ndcg@1", "mrr", "mrr@1", "map@3", "map@1"])
    day1, day2 = v[1], v[2]
    assert day1["queries"] == 3 and day2["queries"] == 1
    log2 = math.log2
    # a: ranked rel [0, 2, 1]; b: [0, 1] (tie broken pessimistically); c: [0, 0]
    ndcg_a = (2 / log2(3) + 1 / log2(4)) / (2 + 1 / log2(3))
    ndcg_b = (1 / log2(3)) / 1
    assert day1["ndcg@3"] == pytest.approx(ndcg_a + ndcg_b + 0, rel=1e-12)
    assert day1["ndcg@1"] == pytest.approx(0 + 0 + 0, abs=1e-12)
    assert day1["mrr"] == pytest.approx(1 / 2 + 1 / 2 + 0, rel=1e-12)
    assert day1["mrr@1"] == pytest.approx(0, abs=1e-12)
    # AP@3: a: (1/2 + 2/3) / min(3, 2); b: (1/2) / 1; c: 0
    assert day1["map@3"] == pytest.approx((1 / 2 + 2 / 3) / 2 + 1 / 2, rel=1e-12)
    assert day1["map@1"] == pytest.approx(0, abs=1e-12)   # min(1, R) = 1, no hit at 1
    assert day2["ndcg@3"] == pytest.approx(1.0) and day2["mrr"] == pytest.approx(1.0)
