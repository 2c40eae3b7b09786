"""Capped value counts (new_values' partial): cut inside the warehouse, so the rows fetched per
bucket are bounded by the cap, never by the table; exact against the raw rows on both
statement shapes."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import datetime, timezone

import duckdb
import numpy as np
import pyarrow as pa
import pytest
from sqlglot import exp

from telltale.connectors.base import SourceSpec
from telltale.connectors.duckdb import DuckDBConnector
from telltale.core.partials import Partial, count_rows, normalize_value
from telltale.core.timeutil import TimeRange
from telltale.planner.queries import OTHER, plan_scans, top_values
from telltale.planner.spec import ModelSpec

UTC = timezone.utc
DAYS = 4
RNG = TimeRange(datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 1 + DAYS, tzinfo=UTC))
ROWS = 200_000


@pytest.fixture(scope="module")
def table() -> pa.Table:
    """ROWS rows over DAYS days: `uid` nearly all distinct (with NULLs), `c` 300 Zipf categories."""
    rng = np.random.default_rng(11)
    ts = np.datetime64("2026-01-01") + (np.arange(ROWS) * DAYS * 86400 // ROWS).astype("timedelta64[s]")
    uid = np.array([f"u{i:07d}" for i in rng.permutation(ROWS)], dtype=object)
    uid[rng.random(ROWS) < 0.05] = None
    uid[:50] = "u_hot"   # one frequent value: it ranks first
    p = 1.0 / np.arange(1, 301) ** 1.1
    c = np.array([f"c{i}" for i in rng.choice(300, ROWS, p=p / p.sum())], dtype=object)
    return pa.table({"ts": ts, "uid": uid, "c": c, "seg": rng.choice(["a", "b"], ROWS)})


def _run(tbl: pa.Table, partials: list[Partial], shape: str, segments: tuple[str, ...] = ()):
    con = duckdb.connect()
    con.register("t_arrow", tbl)
    con.execute("CREATE TABLE t AS SELECT * FROM t_arrow")
    c = DuckDBConnector(connection=con)
    c.dialect = replace(c.dialect, scan=shape)   # the same engine, either statement shape
    m = ModelSpec(name="m", connection="wh", source=SourceSpec(table="t"), timestamp="ts", segments=segments)
    out, rows = {}, 0
    for q in plan_scans(m, c, RNG, partials, {}):
        result, stats = c.execute(q.tree)
        rows += stats.rows
        for k, v in q.decode(result).items():
            out.setdefault(k, {}).update(v)
    return out, rows


def _truth(tbl: pa.Table, column: str, cap: int, segment: str | None = None) -> dict:
    """Per (day, segment value) the exact counts, cut as the SQL cuts them (top `cap` by
    count then value, the rest under __other__)."""
    d = tbl.to_pydict()
    out: dict = {}
    for t, v, s in zip(d["ts"], d[column], d["seg"]):
        if v is not None:
            k = (t.date(), s if segment else None)
            out.setdefault(k, Counter())[normalize_value(v)] += 1
    return {k: top_values(dict(c), cap) for k, c in out.items()}


@pytest.mark.parametrize("shape", ["union_all", "grouping_sets"])
def test_a_near_unique_column_ships_at_most_cap_rows_per_bucket(table: pa.Table, shape: str) -> None:
    cap = 100
    uid = exp.column("uid", quoted=True)
    p = Partial("values", uid, cap=cap)
    got, rows = _run(table, [p, count_rows()], shape)
    # per bucket: `cap` kept values and the row-count row (never ~50,000 distinct ids per day)
    assert rows <= DAYS * (cap + 1), rows
    want = _truth(table, "uid", cap)
    assert len(got) == DAYS
    for (bucket, seg), vals in got.items():
        assert seg == ""
        exact = want[(bucket.date(), None)]
        assert vals[p.key] == exact                          # the same values, counts and rest
        assert vals[p.key]["u_hot"] == 50 if bucket.day == 1 else True
        assert vals[p.key][OTHER] == sum(exact.values()) - sum(v for k, v in exact.items() if k != OTHER)
        nonnull = sum(v is not None and t.date() == bucket.date()
                      for v, t in zip(table.column("uid").to_pylist(), table.column("ts").to_pylist()))
        assert sum(vals[p.key].values()) == nonnull         # NULLs neither kept nor in __other__


@pytest.mark.parametrize("shape", ["union_all", "grouping_sets"])
def test_under_the_cap_every_value_is_kept_exactly(table: pa.Table, shape: str) -> None:
    """300 categories under a cap of 1,000: every value with its exact count, no __other__,
    beside the same column's uncapped partial (cut at top_values after the fetch)."""
    col = exp.column("c", quoted=True)
    capped, plain = Partial("values", col, cap=1000), Partial("values", col)
    got, _ = _run(table, [capped, plain], shape, segments=("seg",))
    want = _truth(table, "c", 1000, segment="seg")
    assert len(got) == DAYS * 2
    for (bucket, seg), vals in got.items():
        exact = want[(bucket.date(), seg.split("=", 1)[1].strip("'\""))]
        assert OTHER not in exact and len(exact) > 100
        assert vals[capped.key] == exact
        assert OTHER in vals[plain.key] and len(vals[plain.key]) == 101   # top_values (100) + __other__


@pytest.mark.parametrize("shape", ["union_all", "grouping_sets"])
def test_cap_per_segment(table: pa.Table, shape: str) -> None:
    """The cut is per (bucket, segment): each segment keeps its own top values and rest."""
    p = Partial("values", exp.column("c", quoted=True), cap=20)
    got, rows = _run(table, [p], shape, segments=("seg",))
    want = _truth(table, "c", 20, segment="seg")
    assert rows <= DAYS * 2 * (20 + 1)
    for (bucket, seg), vals in got.items():
        assert vals[p.key] == want[(bucket.date(), seg.split("=", 1)[1].strip("'\""))]
