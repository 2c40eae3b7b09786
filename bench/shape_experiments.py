"""Scratch: SQL shapes of telltale's grid and distribution queries on DuckDB, timed side by side.

Not part of the benchmark proper (see fused_scan.py); this is where candidate shapes for
src/telltale/planner/queries.py are measured before the planner changes. Every variant
runs on the same DuckDB connection after a warm-up scan (DuckDB buffer pool hot), is
repeated `--repeat` times, and the median is reported next to the median of the bare
`COUNT(*) + 20 SUM` scan measured the same way. Variants that must return the same
histograms as the current shape are checked against it (exact counts per day and bin).

    python bench/shape_experiments.py --rows 10000000 --repeat 3 [--only grid,dist,...]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fused_scan as fs  # noqa: E402

LO_Q, HI_Q = 0.001, 0.999


class Bench:
    def __init__(self, rows: int, repeat: int, threads: int | None = None) -> None:
        from telltale.config import load_project
        from telltale.connectors.duckdb import DuckDBConnector
        from telltale.monitors.context import column_partials
        from telltale.runner.modelctx import model_fields, model_spec
        from telltale.timeutil import TimeRange

        self.db = fs.ensure_data(rows)
        self.repeat = repeat
        self.tmp = tempfile.TemporaryDirectory(prefix="telltale-shapes-")
        Path(self.tmp.name, "telltale.yml").write_text(fs.project_yaml(self.db), encoding="utf-8")
        self.project = load_project(Path(self.tmp.name))
        self.spec = model_spec(self.project, "bench")
        fields = model_fields(self.project, "bench")
        self.partials = set()
        for c in fs.FEATURES:
            self.partials |= set(column_partials(fields[f"features.{c}"]).values())
        self.hist = {p.grid_key: p.expr for p in self.partials if p.kind == "hist"}
        opts = {"threads": threads} if threads else None
        self.conn = DuckDBConnector(database=str(self.db), options=opts)
        self.con = self.conn._con
        self.con.execute("SET enable_progress_bar = false")
        self.base = TimeRange(fs.START, fs.START + timedelta(days=28))
        self.scan = TimeRange(fs.SCAN_START, fs.SCAN_END)
        self.where = f"ts >= {fs._ts(self.scan.start)} AND ts < {fs._ts(self.scan.end)}"
        self.bwhere = f"ts >= {fs._ts(self.base.start)} AND ts < {fs._ts(self.base.end)}"
        self.variants: list[dict] = []
        self.bares: list[float] = []
        t = time.perf_counter()
        self.con.sql(fs.bare_sql()).fetchall()
        print(f"warm-up (fresh connection) bare scan: {time.perf_counter() - t:.3f} s", flush=True)

    def add(self, group: str, name: str, sql: str, repeat: int | None = None, check=None) -> None:
        """Register a variant; `check(table) -> str` describes its correctness."""
        self.variants.append({"group": group, "name": name, "sql": sql, "repeat": repeat or self.repeat,
                              "check": check, "secs": [], "ratios": [], "table": None})

    def run(self) -> None:
        """Round-robin: every round runs the bare scan, then each variant once (load drift hits all alike)."""
        rounds = max(v["repeat"] for v in self.variants)
        for r in range(rounds):
            for v in self.variants:
                if r >= v["repeat"]:
                    continue
                t = time.perf_counter()
                self.con.sql(fs.bare_sql()).fetchall()
                bare = time.perf_counter() - t
                t = time.perf_counter()
                table = self.con.sql(v["sql"]).to_arrow_table()
                secs = time.perf_counter() - t
                v["secs"].append(secs)
                v["ratios"].append(secs / bare)
                self.bares.append(bare)
                if v["table"] is None:
                    v["table"] = table
                print(f"  round {r + 1}: {v['name'][:60]:60} {secs:7.3f} s  (bare just before: {bare:.3f} s)",
                      file=sys.stderr, flush=True)
        for v in self.variants:
            note = f"{v['table'].num_rows} rows"
            if v["check"] is not None:
                note += "; " + v["check"](v["table"])
            v["note"] = note

    def report(self) -> None:
        bare = statistics.median(self.bares)
        print(f"\nbare scan (COUNT(*) + 20 SUM, warm pool): median {bare:.3f} s over {len(self.bares)} runs "
              f"(interleaved with the variants)\n")
        print("| group | variant | median s | median of per-round ratios to the bare scan run just before | runs | notes |")
        print("|---|---|---:|---:|---:|---|")
        for v in self.variants:
            print(f"| {v['group']} | {v['name']} | {statistics.median(v['secs']):.3f} | "
                  f"{statistics.median(v['ratios']):.2f} | {len(v['secs'])} | {v['note']} |")

    # ------------------------------------------------------------------ current shapes (from the planner)

    def current_grid_sql(self) -> str:
        from telltale.planner.queries import grid_query
        return grid_query(self.spec, self.conn, self.base, self.hist).tree.sql(dialect="duckdb")

    def grids(self) -> dict:
        """Grids as the planner would make them, from a sampled grid query (fast)."""
        from telltale.planner.edges import Grid
        keys = sorted(self.hist)
        sel = ", ".join(f"APPROX_QUANTILE({self.hist[k].sql('duckdb')}, [{LO_Q}, {HI_Q}]), "
                        f"MIN({self.hist[k].sql('duckdb')}), MAX({self.hist[k].sql('duckdb')})" for k in keys)
        row = self.con.sql(f"SELECT {sel} FROM (SELECT * FROM predictions WHERE {self.bwhere}) "
                           "USING SAMPLE 100000 ROWS").fetchall()[0]
        out = {}
        for i, k in enumerate(keys):
            (lo, hi), mn, mx = row[3 * i], row[3 * i + 1], row[3 * i + 2]
            out[k] = Grid.from_quantiles(lo, hi, mn, mx, self.spec.histogram_bins)
        return out

    def planned(self, grids):
        from telltale.planner.queries import plan_scans
        return {q.kind: q for q in plan_scans(self.spec, self.conn, self.scan, self.partials, grids)}


def col_of(key: str) -> str:
    return key.strip('"')


def dist_variants(b: Bench, grids: dict) -> dict[str, str]:
    """Distribution-query shapes; all but the marked ones return the planner's columns."""
    keys = sorted(grids)          # the planner orders hist partials by key = column
    cols = [col_of(k) for k in keys]
    bins = b.spec.histogram_bins
    bucket = "DATE_TRUNC('DAY', \"ts\")"
    rel = f"(SELECT {', '.join(chr(34) + c + chr(34) for c in sorted(cols + ['ts']))} FROM \"predictions\" AS \"p\" WHERE {b.where}) AS m"

    def raw(c, g):
        return f"FLOOR((\"{c}\" - {g.lo!r}) * {g.bins / (g.hi - g.lo)!r})"

    def clamp_case(c, g, typ="SMALLINT"):
        return f"CASE WHEN \"{c}\" IS NULL THEN NULL ELSE CAST(GREATEST(LEAST({raw(c, g)}, {bins}), -1) AS {typ}) END"

    def clamp_cmp(c, g, typ="SMALLINT"):
        # NOT bit-identical to Grid.bin_of at x ~ hi (rounding): for information only
        return (f"CASE WHEN \"{c}\" < {g.lo!r} THEN -1 WHEN \"{c}\" >= {g.hi!r} THEN {bins} "
                f"ELSE CAST({raw(c, g)} AS {typ}) END")

    def clamp_nullsafe(c, g, typ="SMALLINT"):
        # LEAST/GREATEST skip NULLs in DuckDB; `x - x` is NULL for NULL x (and 0 otherwise)
        return f"CAST(GREATEST(LEAST({raw(c, g)}, {bins}), -1) + (\"{c}\" - \"{c}\") AS {typ})"

    def gs(keyfn, layers="one"):
        inner = ", ".join([f"{bucket} AS __bucket"] + [f"{keyfn(c, grids[k])} AS k{i}" for i, (k, c) in enumerate(zip(keys, cols))])
        n = len(cols)
        sets = ", ".join(["(__bucket)"] + [f"(__bucket, k{i})" for i in range(n)])
        ks = ", ".join(f"k{i}" for i in range(n))
        flags = ", ".join(f"GROUPING(k{i}) AS g{i}" for i in range(n))
        return (f"SELECT __bucket, {ks}, {flags}, COUNT(*) AS __n FROM (SELECT {inner} FROM {rel}) AS s "
                f"GROUP BY GROUPING SETS ({sets})")

    out = {
        "D1 clamp inside (CASE x IS NULL), SMALLINT, one GROUPING SETS level": gs(clamp_case),
        "D1b clamp inside (CASE x IS NULL), INTEGER": gs(lambda c, g: clamp_case(c, g, "INTEGER")),
        "D1c clamp inside (CASE x IS NULL), DOUBLE (no cast)": gs(
            lambda c, g: f"CASE WHEN \"{c}\" IS NULL THEN NULL ELSE GREATEST(LEAST({raw(c, g)}, {bins}), -1) END"),
        "D1d clamp inside, NULL kept by + (x - x), SMALLINT": gs(clamp_nullsafe),
        "D1e clamp by comparisons (x < lo / x >= hi), SMALLINT [edge-rounding differs]": gs(clamp_cmp),
        "D1f no clamp, FLOOR cast to BIGINT, one level [unbounded keys]": gs(
            lambda c, g: f"CAST({raw(c, g)} AS BIGINT)"),
    }
    # one GROUP BY per column, UNION ALL (different output columns: col index, bin)
    parts = [f"SELECT {i} AS col, __bucket, k, COUNT(*) AS __n FROM (SELECT {bucket} AS __bucket, "
             f"{clamp_case(c, grids[k])} AS k FROM {rel}) GROUP BY ALL" for i, (k, c) in enumerate(zip(keys, cols))]
    out["D2 UNION ALL of 20 GROUP BY (bucket, k) [other columns]"] = " UNION ALL ".join(parts)
    # histogram() aggregates, one row per bucket (DuckDB-specific) [other columns]
    hs = ", ".join(f"histogram({clamp_case(c, grids[k])}) AS h{i}" for i, (k, c) in enumerate(zip(keys, cols)))
    out["D3 histogram(k) per column, GROUP BY bucket [other columns]"] = (
        f"SELECT {bucket} AS __bucket, COUNT(*) AS __n, {hs} FROM {rel} GROUP BY ALL")
    return out


def fused_variant(b: Bench, grids: dict, scalar_sql: str) -> str:
    """Scalar partials and histogram() in ONE GROUP BY bucket: one scan for the whole run."""
    keys = sorted(grids)
    cols = [col_of(k) for k in keys]
    bins = b.spec.histogram_bins
    sel = scalar_sql.split(" FROM (", 1)[0]
    hs = ", ".join(
        f"histogram(CASE WHEN \"{c}\" IS NULL THEN NULL ELSE CAST(GREATEST(LEAST(FLOOR((\"{c}\" - {grids[k].lo!r}) * "
        f"{grids[k].bins / (grids[k].hi - grids[k].lo)!r}), {bins}), -1) AS SMALLINT) END) AS h{i}"
        for i, (k, c) in enumerate(zip(keys, cols)))
    return sel + ", " + hs + " FROM (" + scalar_sql.split(" FROM (", 1)[1]


def grid_variants(b: Bench) -> dict[str, str]:
    keys = sorted(b.hist)
    cols = [col_of(k) for k in keys]
    rel = f"(SELECT {', '.join(chr(34) + c + chr(34) for c in sorted(cols + ['ts']))} FROM \"predictions\" AS \"p\" WHERE {b.bwhere}) AS m"
    rel_sys = (f"(SELECT {', '.join(chr(34) + c + chr(34) for c in sorted(cols + ['ts']))} FROM \"predictions\" AS \"p\" "
               f"TABLESAMPLE SYSTEM (1 PERCENT) WHERE {b.bwhere}) AS m")

    def sel(lst=False, minmax=True):
        parts = []
        for i, c in enumerate(cols):
            if lst:
                parts.append(f"APPROX_QUANTILE(\"{c}\", [{LO_Q}, {HI_Q}]) AS q{i}")
            else:
                parts.append(f"APPROX_QUANTILE(\"{c}\", {LO_Q}) AS lo{i}, APPROX_QUANTILE(\"{c}\", {HI_Q}) AS hi{i}")
            if minmax:
                parts.append(f"MIN(\"{c}\") AS mn{i}, MAX(\"{c}\") AS mx{i}")
        return ", ".join(parts)

    mm = ", ".join(f"MIN(\"{c}\") AS mn{i}, MAX(\"{c}\") AS mx{i}" for i, c in enumerate(cols))
    return {
        "G1 APPROX_QUANTILE(x, [lo, hi]) (one digest per column), full baseline": f"SELECT {sel(True)} FROM {rel}",
        "G2 current shape over USING SAMPLE 100000 ROWS (reservoir)": f"SELECT {sel()} FROM {rel} USING SAMPLE 100000 ROWS",
        "G3 list form over USING SAMPLE 100000 ROWS (reservoir)": f"SELECT {sel(True)} FROM {rel} USING SAMPLE 100000 ROWS",
        "G4 list form over TABLESAMPLE SYSTEM (1%) on the table": f"SELECT {sel(True)} FROM {rel_sys}",
        "G5 list form over USING SAMPLE 1% (bernoulli)": f"SELECT {sel(True)} FROM {rel} USING SAMPLE 1% (bernoulli)",
        "G6 quantiles on reservoir 100k + exact MIN/MAX on full baseline (2 scans)":
            f"SELECT * FROM (SELECT {mm} FROM {rel}) AS a, (SELECT {sel(True, False)} FROM {rel} USING SAMPLE 100000 ROWS) AS q",
        "G7 reservoir_quantile(x, [lo, hi], 100000), full baseline": "SELECT " + ", ".join(
            f"RESERVOIR_QUANTILE(\"{c}\", [{LO_Q}, {HI_Q}], 100000) AS q{i}, MIN(\"{c}\"), MAX(\"{c}\")"
            for i, c in enumerate(cols)) + f" FROM {rel}",
    }


def hist_from_summaries(summ) -> dict:
    out = {}
    for (bucket, _), vals in summ.items():
        for key, v in vals.items():
            if key.startswith("hist|"):
                for bin_, n in v.items():
                    if n:
                        out[(bucket.replace(tzinfo=None), key.split("|")[1].strip('"'), int(bin_))] = int(n)
    return out


def hist_from_union(table, cols) -> dict:
    out = {}
    for r in table.to_pylist():
        if r["k"] is not None:
            out[(r["__bucket"], cols[r["col"]], int(r["k"]))] = out.get((r["__bucket"], cols[r["col"]], int(r["k"])), 0) + r["__n"]
    return out


def hist_from_maps(table, cols) -> dict:
    out = {}
    for r in table.to_pylist():
        for i, c in enumerate(cols):
            h = r[f"h{i}"]
            items = h.items() if isinstance(h, dict) else h
            for k, n in items:
                if k is not None:
                    out[(r["__bucket"], c, int(k))] = int(n)
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--threads", type=int)
    ap.add_argument("--only", default="grid,dist,scalar,fused,settings")
    ap.add_argument("--skip-current-grid", action="store_true", help="do not time the current (slow) grid query")
    a = ap.parse_args()
    only = set(a.only.split(","))
    b = Bench(a.rows, a.repeat, a.threads)
    grids = b.grids()
    planned = b.planned(grids)
    keys = sorted(grids)
    cols = [col_of(k) for k in keys]
    if "grid" in only:
        if not a.skip_current_grid:
            b.add("grid", "G0 current: 2 APPROX_QUANTILE + MIN + MAX per column, full baseline",
                  b.current_grid_sql(), repeat=1)
        for name, sql in grid_variants(b).items():
            b.add("grid", name, sql)
    if "scalar" in only or "fused" in only:
        b.add("scalar", "S0 current scalar scan (count/sum/sumsq/min/max by day)",
              planned["scalar"].tree.sql(dialect="duckdb"))
    cur_sql = planned["distribution"].tree.sql(dialect="duckdb")
    ref = hist_from_summaries(planned["distribution"].decode(b.con.sql(cur_sql).to_arrow_table()))

    def checker(extract):
        def check(table):
            got = extract(table)
            if got == ref:
                return "same histograms as current: yes"
            return f"same histograms as current: NO ({len(set(got.items()) ^ set(ref.items()))} cells differ)"
        return check

    same_cols = checker(lambda t: hist_from_summaries(planned["distribution"].decode(t)))
    if "dist" in only or "fused" in only or "settings" in only:
        b.add("dist", "D0 current: GROUPING SETS on FLOOR keys, clamp + re-group outside", cur_sql, check=same_cols)
    if "dist" in only:
        for name, sql in dist_variants(b, grids).items():
            if "UNION" in name:
                chk = checker(lambda t: hist_from_union(t, cols))
            elif "histogram(" in name:
                chk = checker(lambda t: hist_from_maps(t, cols))
            else:
                chk = same_cols
            b.add("dist", name, sql, check=chk)
    if "fused" in only:
        b.add("fused", "F1 scalar partials + histogram() per column in ONE GROUP BY bucket",
              fused_variant(b, grids, planned["scalar"].tree.sql(dialect="duckdb")),
              check=checker(lambda t: hist_from_maps(t, cols)))
    b.run()
    b.report()
    if "settings" in only:
        print("\nsettings (sequential, not interleaved):")
        for setting, reset in (("SET preserve_insertion_order = false", "SET preserve_insertion_order = true"),
                               ("SET threads = 1", "RESET threads")):
            b.con.execute(setting)
            b.variants, b.bares = [], []
            b.add("set", f"D0 with {setting}", cur_sql)
            b.run()
            b.report()
            b.con.execute(reset)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
