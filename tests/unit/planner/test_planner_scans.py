"""The fused scans: exact per-bucket summaries, bounded result size, SELECT only."""

from __future__ import annotations

from dataclasses import replace

from datetime import datetime, timezone

import duckdb
import numpy as np
import pyarrow as pa
import pytest
import sqlglot
from sqlglot import exp

from telltale.connectors.base import SourceSpec
from telltale.connectors.duckdb import DuckDBConnector
from telltale.connectors.safety import ensure_select
from telltale.errors import UnsafeQueryError
from telltale.core.grids import Grid
from telltale.core.partials import Partial, count_rows, expr_key
from telltale.planner.queries import plan_scans
from telltale.planner.spec import ModelSpec
from telltale.core.timeutil import TimeRange

UTC = timezone.utc
RNG = TimeRange(datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 11, tzinfo=UTC))


def _con(rows: int, seed: int = 3) -> duckdb.DuckDBPyConnection:
    rng = np.random.default_rng(seed)
    ts = np.datetime64("2026-01-01") + (np.arange(rows) * (10 * 86400 // rows)).astype("timedelta64[s]")
    x = rng.normal(size=rows)
    x[rng.random(rows) < 0.1] = np.nan
    t = pa.table({"ts": ts, "x": pa.array(x, from_pandas=True),
                  "seg": rng.choice(["a", "b"], rows), "c": rng.choice(["u", "v", "w"], rows)})
    con = duckdb.connect()
    con.register("t_arrow", t)
    con.execute("CREATE TABLE t AS SELECT * FROM t_arrow")
    return con


def _run(con, partials, grids, shape: str = "union_all"):
    c = DuckDBConnector(connection=con)
    c.dialect = replace(c.dialect, scan=shape)   # the same engine, either statement shape
    m = ModelSpec(name="m", connection="wh", source=SourceSpec(table="t"), timestamp="ts", segments=("seg",))
    out, rows = {}, 0
    for q in plan_scans(m, c, RNG, partials, grids):
        table, stats = c.execute(q.tree)
        rows += stats.rows
        for k, v in q.decode(table).items():
            out.setdefault(k, {}).update(v)
    return out, rows


@pytest.mark.parametrize("shape", ["union_all", "grouping_sets"])
def test_summaries_are_exact_per_bucket_and_segment(shape: str, monkeypatch) -> None:
    """Both distribution shapes give the exact per-bucket, per-segment summaries."""
    con = _con(20_000)
    x = exp.column("x", quoted=True)
    grid = Grid(-3.0, 3.0, 64)
    parts = [count_rows(), Partial("count", x), Partial("sum", x), Partial("min", x), Partial("max", x),
             Partial("hist", x), Partial("values", exp.column("c", quoted=True)),
             Partial("sum", x, filter=exp.column("c", quoted=True).eq(exp.Literal.string("u"))),
             Partial("crosstab", exp.column("c", quoted=True), expr2=exp.column("seg", quoted=True))]
    got, _ = _run(con, parts, {parts[5].grid_key: grid}, shape)
    df = con.execute("SELECT date_trunc('day', ts) AS d, seg, x, c FROM t").df()
    for (bucket, seg), vals in got.items():
        sub = df[(df.d == bucket.replace(tzinfo=None)) & (df.seg == seg.split("=")[1])]
        xs = sub.x.dropna().to_numpy()
        assert vals[parts[0].key] == len(sub)
        assert vals[parts[1].key] == len(xs)
        assert vals[parts[2].key] == pytest.approx(xs.sum(), rel=1e-12)
        assert vals[parts[3].key] == xs.min() and vals[parts[4].key] == xs.max()
        bins, counts = np.unique(grid.bin_of(xs), return_counts=True)
        assert vals[parts[5].key] == {int(b): int(n) for b, n in zip(bins, counts)}
        assert vals[parts[6].key] == sub.c.value_counts().to_dict()
        assert vals[parts[7].key] == pytest.approx(sub[sub.c == "u"].x.dropna().sum(), rel=1e-12)
        assert vals[parts[8].key] == {(c, s): n for (c, s), n in sub.groupby(["c", "seg"]).size().items()}


def test_result_size_does_not_grow_with_rows() -> None:
    x = exp.column("x", quoted=True)
    parts = [count_rows(), Partial("sum", x), Partial("hist", x)]
    grids = {parts[2].grid_key: Grid(-3.0, 3.0, 32)}
    _, small = _run(_con(20_000), parts, grids)
    _, large = _run(_con(200_000), parts, grids)
    assert large <= small * 1.05 + 10   # the summaries, not the rows, come back


def test_only_select_reaches_the_warehouse() -> None:
    for sql in ("DELETE FROM t", "DROP TABLE t", "INSERT INTO t VALUES (1)", "CREATE TABLE x AS SELECT 1",
                "UPDATE t SET x = 1"):
        with pytest.raises(UnsafeQueryError):
            ensure_select(sqlglot.parse_one(sql))
    con = _con(100)
    c = DuckDBConnector(connection=con)
    with pytest.raises(UnsafeQueryError):
        c.execute(sqlglot.parse_one("DROP TABLE t"))
    assert con.execute("SELECT count(*) FROM t").fetchall()[0][0] == 100


def test_duckdb_sources_table_sql_and_parquet(tmp_path) -> None:
    con = _con(1000)
    con.execute(f"COPY t TO '{tmp_path}/t.parquet' (FORMAT parquet)")
    c = DuckDBConnector(connection=con, base_dir=tmp_path)
    kinds = c.describe(SourceSpec(table="t"))
    assert kinds == {"ts": "timestamp", "x": "numeric", "seg": "string", "c": "string"}
    assert c.describe(SourceSpec(sql="select ts, x from t where x > 0")) == {"ts": "timestamp", "x": "numeric"}
    assert c.describe(SourceSpec(path="t.parquet", format="parquet"))["x"] == "numeric"
    with pytest.raises(UnsafeQueryError, match="only SELECT statements may reach a warehouse, got DELETE"):
        c.describe(SourceSpec(sql="delete from t"))


def test_histogram_of_an_integer_column() -> None:
    """Integer columns are binned in DOUBLE (DuckDB would read the scale as a DECIMAL and overflow)."""
    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT TIMESTAMP '2026-01-01' + to_seconds(i * 60) AS ts, "
                "CAST(i % 97 AS INTEGER) AS x, 'a' AS seg, 'u' AS c FROM range(5000) r(i)")
    x = exp.column("x", quoted=True)
    p = Partial("hist", x)
    grid = Grid(0.0, 96.0, 256)
    got, _ = _run(con, [p], {p.grid_key: grid})
    xs = np.array([r[0] for r in con.execute("SELECT x FROM t").fetchall()])
    total: dict[int, int] = {}
    for vals in got.values():
        for k, v in vals[p.key].items():
            total[k] = total.get(k, 0) + v
    bins, counts = np.unique(grid.bin_of(xs), return_counts=True)
    assert total == {int(b): int(n) for b, n in zip(bins, counts)}


def test_grid_from_a_block_sample_keeps_ks_exact() -> None:
    """On a large baseline the grid query reads a ~100k-row sample (on DuckDB one row vector
    in k, the same rows on every run); the grid still
    spans the bulk of the data, and KS from histograms on it stays within 0.01 of scipy."""
    from scipy import stats as sps

    from telltale.planner.queries import count_query, grid_query
    from telltale.stats.drift import NumericSummary, ks

    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT TIMESTAMP '2026-01-01' + to_seconds(i * 2) AS ts, "
                "exp(sqrt(-2 * ln(random())) * cos(2 * pi() * random())) AS x, 'a' AS seg, 'u' AS c "
                "FROM range(400000) r(i)")
    c = DuckDBConnector(connection=con)
    m = ModelSpec(name="m", connection="wh", source=SourceSpec(table="t"), timestamp="ts", segments=())
    x = exp.column("x", quoted=True)
    base_rng = TimeRange(datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 9, tzinfo=UTC))
    rows = count_query(m, c, base_rng).decode(c.execute(count_query(m, c, base_rng).tree)[0])
    assert rows == 345600
    q = grid_query(m, c, base_rng, {expr_key(x): x}, sample_percent=100 * 100_000 / rows)
    sql = q.tree.sql("duckdb")
    assert '"rowid" // 2048 % 3 = 0' in sql and "TABLESAMPLE" not in sql.upper()   # a row-vector stride
    sampled = con.execute("SELECT COUNT(*) FROM t WHERE rowid // 2048 % 3 = 0 AND ts < '2026-01-09'").fetchall()
    assert 100_000 <= sampled[0][0] <= 130_000
    grid = q.decode(c.execute(q.tree)[0])[expr_key(x)]
    xs = np.array([r[0] for r in con.execute("SELECT x FROM t WHERE ts < '2026-01-09'").fetchall()])
    focal = np.array([r[0] for r in con.execute("SELECT x * 1.1 FROM t WHERE ts >= '2026-01-09'").fetchall()])
    lo, hi = np.quantile(xs, [0.005, 0.995])
    assert grid.lo <= lo and grid.hi >= hi          # the sampled edges cover the bulk
    exact = sps.ks_2samp(xs, focal).statistic
    got = ks(NumericSummary.from_values(grid, xs), NumericSummary.from_values(grid, focal)).value
    assert abs(got - exact) <= 0.01, (got, exact)


def test_value_counts_keep_top_n_and_other() -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT TIMESTAMP '2026-01-01' + to_seconds(i * 10) AS ts, 1.0 AS x, "
                "'a' AS seg, 'v' || CAST(i % 30 AS VARCHAR) || CASE WHEN i % 30 < 3 THEN '' ELSE '' END AS c "
                "FROM range(3000) r(i)")
    c = DuckDBConnector(connection=con)
    m = ModelSpec(name="m", connection="wh", source=SourceSpec(table="t"), timestamp="ts", segments=(),
                  top_values=5)
    p = Partial("values", exp.column("c", quoted=True))
    (q,) = plan_scans(m, c, RNG, [p], {})
    for (bucket, _), vals in q.decode(c.execute(q.tree)[0]).items():
        got = vals[p.key]
        assert len(got) == 6 and "__other__" in got
        exact = con.execute("SELECT count(*) FROM t WHERE date_trunc('day', ts) = ?", [bucket.replace(tzinfo=None)]).fetchall()[0][0]
        assert sum(got.values()) == exact


@pytest.mark.parametrize("granularity,step_hours", [("day", 24), ("hour", 1)])
def test_buckets_are_utc_for_timestamptz_and_hours(granularity: str, step_hours: int) -> None:
    """A TIMESTAMPTZ written with an offset lands in its UTC bucket, daily or hourly."""
    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT * FROM (VALUES "
                "(TIMESTAMPTZ '2026-01-01 23:30:00-02', 1.0, 'a', 'u'), "   # 2026-01-02 01:30 UTC
                "(TIMESTAMPTZ '2026-01-02 00:10:00+00', 2.0, 'a', 'u'), "
                "(TIMESTAMPTZ '2026-01-01 12:00:00+00', 4.0, 'a', 'u')) v(ts, x, seg, c)")
    c = DuckDBConnector(connection=con)
    m = ModelSpec(name="m", connection="wh", source=SourceSpec(table="t"), timestamp="ts",
                  granularity=granularity, segments=())
    p = Partial("sum", exp.column("x", quoted=True))
    (q,) = plan_scans(m, c, RNG, [p], {})
    got = {b: v[p.key] for (b, _), v in q.decode(c.execute(q.tree)[0]).items()}
    if step_hours == 24:
        assert got == {datetime(2026, 1, 1, tzinfo=UTC): 4.0, datetime(2026, 1, 2, tzinfo=UTC): 3.0}
    else:
        assert got == {datetime(2026, 1, 1, 12, tzinfo=UTC): 4.0, datetime(2026, 1, 2, 0, tzinfo=UTC): 2.0,
                       datetime(2026, 1, 2, 1, tzinfo=UTC): 1.0}
