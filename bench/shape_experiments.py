"""Scratch: SQL shapes of telltale's grid, scalar and distribution queries on DuckDB, side by side.

Not the benchmark itself (see fused_scan.py): this is where candidate shapes for
src/telltale/planner/queries.py are measured before the planner changes. The current
shapes come from the planner itself (plan_scans / grid_query on the fused_scan.py
project); the candidates are SQL text built here.

Method: one DuckDB connection (telltale's own connector), a warm-up scan first (buffer
pool hot, so only the shapes differ), then rounds: in each round every variant runs once,
right after a bare `COUNT(*) + 20 SUM` scan; reported are the median wall seconds, the
median CPU seconds (user + system of all threads: steadier than wall time on a shared
machine) and the median of the per-round ratios to the bare scan run just before.
Variants that must give the same histograms as the current shape are checked against it
(exact counts per day, column and bin).

    python bench/shape_experiments.py --rows 10000000 --repeat 3
    python bench/shape_experiments.py --only dist,extra      # groups: grid scalar dist extra fused decode profile settings
"""

from __future__ import annotations

import argparse
import math
import resource
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fused_scan as fs

LO_Q, HI_Q = 0.001, 0.999
DAY = "DATE_TRUNC('DAY', \"ts\")"


def cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


class Bench:
    def __init__(self, rows: int, repeat: int, threads: int | None = None) -> None:
        from telltale.connectors.duckdb import DuckDBConnector

        from telltale.config import load_project
        from telltale.monitors.context import column_partials
        from telltale.runner.modelctx import model_fields, model_spec
        from telltale.core.timeutil import TimeRange

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
        self.conn = DuckDBConnector(database=str(self.db), options={"threads": threads} if threads else None)
        self.con = self.conn._con
        self.con.execute("SET enable_progress_bar = false")
        self.base = TimeRange(fs.START, fs.START + timedelta(days=28))
        self.scan = TimeRange(fs.SCAN_START, fs.SCAN_END)
        self.where = f"ts >= {fs._ts(self.scan.start)} AND ts < {fs._ts(self.scan.end)}"
        self.bwhere = f"ts >= {fs._ts(self.base.start)} AND ts < {fs._ts(self.base.end)}"
        self.variants: list[dict] = []
        self.bares: list[tuple[float, float]] = []
        t = time.perf_counter()
        self.con.sql(fs.bare_sql()).fetchall()
        print(f"warm-up bare scan on the fresh connection: {time.perf_counter() - t:.3f} s", flush=True)

    def add(self, group: str, name: str, sql: str, repeat: int | None = None, check=None) -> None:
        """Register a variant; `check(table) -> str` says whether its result is right."""
        self.variants.append({"group": group, "name": name, "sql": sql, "repeat": repeat or self.repeat,
                              "check": check, "wall": [], "cpu": [], "ratios": [], "table": None})

    def run(self) -> None:
        """Round-robin, each variant right after a bare scan (load drift hits all alike)."""
        rounds = max(v["repeat"] for v in self.variants)
        for r in range(rounds):
            for v in self.variants:
                if r >= v["repeat"]:
                    continue
                c, t = cpu(), time.perf_counter()
                self.con.sql(fs.bare_sql()).fetchall()
                bare = (time.perf_counter() - t, cpu() - c)
                c, t = cpu(), time.perf_counter()
                table = self.con.sql(v["sql"]).to_arrow_table()
                wall, cp = time.perf_counter() - t, cpu() - c
                v["wall"].append(wall)
                v["cpu"].append(cp)
                v["ratios"].append(wall / bare[0])
                self.bares.append(bare)
                if v["table"] is None:
                    v["table"] = table
                print(f"  round {r + 1}: {v['name'][:70]:70} {wall:7.3f} s wall {cp:7.3f} s CPU "
                      f"(bare just before: {bare[0]:.3f} s)", file=sys.stderr, flush=True)
        for v in self.variants:
            note = f"{v['table'].num_rows} rows"
            if v["check"] is not None:
                note += "; " + v["check"](v["table"])
            v["note"] = note

    def report(self) -> None:
        bw = statistics.median(b[0] for b in self.bares)
        bc = statistics.median(b[1] for b in self.bares)
        print(f"\nbare scan (COUNT(*) + 20 SUM over 29 days, buffer pool hot): median {bw:.3f} s wall, "
              f"{bc:.3f} s CPU over {len(self.bares)} runs interleaved with the variants\n")
        print("| group | variant | wall s | CPU s | x bare (wall, per round) | x bare (CPU) | runs | result |")
        print("|---|---|---:|---:|---:|---:|---:|---|")
        for v in self.variants:
            print(f"| {v['group']} | {v['name']} | {statistics.median(v['wall']):.3f} | "
                  f"{statistics.median(v['cpu']):.3f} | {statistics.median(v['ratios']):.2f} | "
                  f"{statistics.median(v['cpu']) / bc:.2f} | {len(v['wall'])} | {v['note']} |")
        sys.stdout.flush()

    # ------------------------------------------------------------------ current shapes (from the planner)

    def current_grid_sql(self) -> str:
        from telltale.planner.queries import grid_query
        return grid_query(self.spec, self.conn, self.base, self.hist).tree.sql(dialect="duckdb")

    def grids(self) -> dict:
        """Grids as the planner makes them, from quantiles of a 100k-row sample (fast)."""
        from telltale.core.grids import Grid
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


def q(c: str) -> str:
    return f'"{c}"'


class Shapes:
    """SQL text of the candidate shapes, over the same relation and grids as the planner's."""

    def __init__(self, b: Bench, grids: dict) -> None:
        self.b, self.grids = b, grids
        self.keys = sorted(grids)                 # the planner orders hist partials by key = column
        self.cols = [col_of(k) for k in self.keys]
        self.bins = b.spec.histogram_bins
        cols = ", ".join(q(c) for c in sorted(self.cols + ["ts"]))
        self.rel = f"(SELECT {cols} FROM \"predictions\" AS \"p\" WHERE {b.where}) AS m"
        self.brel = f"(SELECT {cols} FROM \"predictions\" AS \"p\" WHERE {b.bwhere}) AS m"
        self.brel_sys = (f"(SELECT {cols} FROM \"predictions\" AS \"p\" TABLESAMPLE SYSTEM (1 PERCENT) "
                         f"REPEATABLE (0) WHERE {b.bwhere}) AS m")

    def raw(self, c: str) -> str:
        g = self.grids[q(c)]
        return f"FLOOR(({q(c)} - {g.lo!r}) * {g.bins / (g.hi - g.lo)!r})"

    # ---- grid query
    def grid(self) -> dict[str, str]:
        def sel(lst=False, minmax=True):
            parts = []
            for i, c in enumerate(self.cols):
                if lst:
                    parts.append(f"APPROX_QUANTILE({q(c)}, [{LO_Q}, {HI_Q}]) AS q{i}")
                else:
                    parts.append(f"APPROX_QUANTILE({q(c)}, {LO_Q}) AS lo{i}, APPROX_QUANTILE({q(c)}, {HI_Q}) AS hi{i}")
                if minmax:
                    parts.append(f"MIN({q(c)}) AS mn{i}, MAX({q(c)}) AS mx{i}")
            return ", ".join(parts)

        return {
            "G1 APPROX_QUANTILE(x, [lo, hi]) (one digest per column), every baseline row": f"SELECT {sel(True)} FROM {self.brel}",
            "G2 current shape over USING SAMPLE 100000 ROWS (reservoir; reads every row)": f"SELECT {sel()} FROM {self.brel} USING SAMPLE 100000 ROWS",
            "G3 current shape over TABLESAMPLE SYSTEM (1 PERCENT) on the table (~97k rows)": f"SELECT {sel()} FROM {self.brel_sys}",
            "G4 list form over TABLESAMPLE SYSTEM (1 PERCENT)": f"SELECT {sel(True)} FROM {self.brel_sys}",
            "G5 current shape over USING SAMPLE 1% (bernoulli; reads every row)": f"SELECT {sel()} FROM {self.brel} USING SAMPLE 1% (bernoulli)",
            "G6 RESERVOIR_QUANTILE(x, [lo, hi], 100000), every baseline row": "SELECT " + ", ".join(
                f"RESERVOIR_QUANTILE({q(c)}, [{LO_Q}, {HI_Q}], 100000), MIN({q(c)}), MAX({q(c)})" for c in self.cols)
                + f" FROM {self.brel}",
        }

    # ---- distribution query: same output columns as the planner's (its decode reads them)
    def _gs(self, keyfn) -> str:
        n = len(self.cols)
        inner = ", ".join([f"{DAY} AS __bucket"] + [f"{keyfn(c)} AS k{i}" for i, c in enumerate(self.cols)])
        sets = ", ".join(["(__bucket)"] + [f"(__bucket, k{i})" for i in range(n)])
        ks = ", ".join(f"k{i}" for i in range(n))
        flags = ", ".join(f"GROUPING(k{i}) AS g{i}" for i in range(n))
        return (f"SELECT __bucket, {ks}, {flags}, COUNT(*) AS __n FROM (SELECT {inner} FROM {self.rel}) AS s "
                f"GROUP BY GROUPING SETS ({sets})")

    def union_grouped(self, scalars: bool = False) -> str:
        """The GROUPING SETS block as a UNION ALL of one GROUP BY per set, straight off the table."""
        n = len(self.cols)
        branches = []
        for j in [-1] + list(range(n)):
            ks = ", ".join((f"{self.raw(self.cols[i])}" if i == j else "CAST(NULL AS DOUBLE)") + f" AS k{i}"
                           for i in range(n))
            gs = ", ".join(f"{0 if i == j else 1} AS g{i}" for i in range(n))
            extra = ""
            if scalars:
                c = q(self.cols[j]) if j >= 0 else None
                extra = (f", COUNT({c}) AS cnt, SUM({c}) AS s, SUM({c} * {c}) AS ss, MIN({c}) AS mn, MAX({c}) AS mx"
                         if c else ", NULL::BIGINT AS cnt, NULL::DOUBLE AS s, NULL::DOUBLE AS ss, "
                                   "NULL::DOUBLE AS mn, NULL::DOUBLE AS mx")
            group = "__bucket" + (f", k{j}" if j >= 0 else "")
            branches.append(f"SELECT {DAY} AS __bucket, {ks}, {gs}, COUNT(*) AS __n{extra} FROM {self.rel} "
                            f"GROUP BY {group}")
        return " UNION ALL ".join(branches)

    def with_outer(self, current_sql: str, grouped: str) -> str:
        """The planner's outer layer (clamp + re-group) around another grouped block."""
        start = current_sql.index(" FROM (SELECT __bucket, k0")
        end = current_sql.index(") AS gs GROUP BY")
        return current_sql[:start] + " FROM (" + grouped + current_sql[end:]

    def dist(self, current_sql: str) -> dict[str, str]:
        bins = self.bins
        return {
            "D4 UNION ALL of one GROUP BY per set off the table (no CTE), planner's outer layer":
                self.with_outer(current_sql, self.union_grouped()),
            "D1 clamp per row (CASE x IS NULL ... GREATEST(LEAST(..))), INTEGER keys, one level": self._gs(
                lambda c: f"CASE WHEN {q(c)} IS NULL THEN NULL ELSE CAST(GREATEST(LEAST({self.raw(c)}, {bins}), -1) AS INTEGER) END"),
            "D5 histogram(key) per column, GROUP BY day (DuckDB only; MAP columns)":
                f"SELECT {DAY} AS __bucket, COUNT(*) AS __n, "
                + ", ".join(f"histogram({self.raw(c)}) AS h{i}" for i, c in enumerate(self.cols))
                + f" FROM {self.rel} GROUP BY ALL",
        }

    def extra(self, current_sql: str) -> dict[str, str]:
        bins = self.bins
        n = len(self.cols)
        ks = ", ".join(self.raw(c) for c in self.cols)

        def gi(c):   # integer clamp: keeps statistics, so DuckDB can use its perfect hash aggregate
            return f"GREATEST(LEAST(CAST(GREATEST(LEAST({self.raw(c)}, {bins}), -1) AS INTEGER), {bins}), -1)"

        perfect = " UNION ALL ".join(
            [f"SELECT -1 AS col, epoch_us(ts) // 86400000000 AS d, NULL::INTEGER AS k, COUNT(*) AS n FROM {self.rel} GROUP BY ALL"]
            + [f"SELECT {i} AS col, epoch_us(ts) // 86400000000 AS d, {gi(c)} AS k, COUNT(*) AS n FROM {self.rel} "
               f"WHERE {q(c)} IS NOT NULL GROUP BY ALL" for i, c in enumerate(self.cols)])
        return {
            "X1 clamp per row by comparisons (x < lo -> -1, x >= hi -> bins), one level": self._gs(
                lambda c: f"CASE WHEN {q(c)} < {self.grids[q(c)].lo!r} THEN -1 WHEN {q(c)} >= {self.grids[q(c)].hi!r} "
                          f"THEN {bins} ELSE {self.raw(c)} END"),
            "X2 integer day + integer-clamped keys per column (perfect hash aggregate; SET perfect_ht_threshold=20 first)":
                "/*perfect*/ " + perfect,
            "X3 UNNEST the 20 keys, one GROUP BY (day, column, key)":
                f"SELECT d, c, k, COUNT(*) FROM (SELECT {DAY} AS d, UNNEST(range({n})) AS c, UNNEST([{ks}]) AS k "
                f"FROM {self.rel}) GROUP BY ALL",
        }

    def fused(self, current_sql: str, scalar_sql: str) -> dict[str, str]:
        sel = scalar_sql.split(" FROM (", 1)[0]
        hs = ", ".join(f"histogram({self.raw(c)}) AS h{i}" for i, c in enumerate(self.cols))
        return {
            "F1 scalar partials + histogram() per column in ONE GROUP BY day (one scan for the run)":
                sel + ", " + hs + " FROM (" + scalar_sql.split(" FROM (", 1)[1],
            "F2 D4 + COUNT/SUM/SUM(x*x)/MIN/MAX of the column per (day, bin) (would replace the scalar scan)":
                self.union_grouped(scalars=True),
        }


def hist_from_summaries(summ, bins: int = 256) -> dict:
    """{(day, column, bin): count} from decoded summaries (keys clamped to the tail bins)."""
    out: dict = {}
    for (bucket, _), vals in summ.items():
        for key, v in vals.items():
            if key.startswith("hist|"):
                for bin_, n in v.items():
                    if n:
                        k = (bucket.replace(tzinfo=None), key.split("|")[1].strip('"'), int(min(max(bin_, -1), bins)))
                        out[k] = out.get(k, 0) + int(n)
    return out


def hist_from_maps(table, cols, bins) -> dict:
    out: dict = {}
    for r in table.to_pylist():
        for i, c in enumerate(cols):
            h = r[f"h{i}"]
            for k, n in (h.items() if isinstance(h, dict) else h):
                if k is not None:
                    key = (r["__bucket"], c, int(min(max(k, -1), bins)))
                    out[key] = out.get(key, 0) + int(n)
    return out


def hist_from_rows(table, cols, bins) -> dict:
    out: dict = {}
    from datetime import datetime as dt

    for r in table.to_pylist():
        if r["col"] >= 0 and r["k"] is not None:
            day = dt(1970, 1, 1) + timedelta(days=r["d"]) if isinstance(r["d"], int) else r["d"]
            key = (day, cols[r["col"]], int(min(max(r["k"], -1), bins)))
            out[key] = out.get(key, 0) + int(r["n"])
    return out


def fast_decode(table, key_names: list[str]):
    """A column-wise decode of the distribution result (sketch for the planner's decode)."""
    import numpy as np

    n = len(key_names)
    flags = np.column_stack([table.column(f"g{i}").to_numpy(zero_copy_only=False) for i in range(n)])
    is_active = flags == 0
    active = np.where(is_active.any(axis=1), is_active.argmax(axis=1), -1)
    key = np.full(table.num_rows, np.nan)
    for i in range(n):
        sel = active == i
        key[sel] = table.column(f"k{i}").to_numpy(zero_copy_only=False)[sel]
    counts = table.column("__n").to_numpy(zero_copy_only=False)
    buckets = table.column("__bucket").to_pylist()
    out: dict = {}
    for b, a, k, cnt in zip(buckets, active.tolist(), key.tolist(), counts.tolist()):
        vals = out.setdefault(b, {})
        if a < 0:
            vals["__rows"] = vals.get("__rows", 0) + int(cnt)
        elif not math.isnan(k):   # NaN: a NULL value
            h = vals.setdefault(key_names[a], {})
            h[int(k)] = h.get(int(k), 0) + int(cnt)
    return out


def profile(con, name: str, sql: str) -> None:
    """EXPLAIN ANALYZE, condensed: DuckDB's JSON profile as an operator tree with CPU seconds."""
    import json

    path = Path(tempfile.gettempdir()) / "telltale_shape_profile.json"
    con.execute("PRAGMA enable_profiling = 'json'")
    con.execute(f"PRAGMA profiling_output = '{path}'")
    t = time.perf_counter()
    con.sql(sql).fetchall()
    wall = time.perf_counter() - t
    con.execute("PRAGMA disable_profiling")
    prof = json.loads(path.read_text())
    print(f"\nprofile of {name}: {wall:.3f} s wall (profiling on), {prof['query']['cpu_time']:.3f} s operator time")
    lines: list[str] = []

    def walk(node, depth):
        kids = node.get("children", [])
        # fold the 20+ identical per-set GROUP BY branches of a UNION into one line
        if node["type"] == "UNION" or (kids and all(k["type"] == kids[0]["type"] for k in kids) and len(kids) > 3):
            lines.append("  " * depth + f"{node['type']}: {node.get('timing', 0):.3f} s ({len(kids)} children)")
            total = {}
            for k in kids:
                stack = [k]
                while stack:
                    n = stack.pop()
                    total[n["type"]] = total.get(n["type"], 0.0) + n.get("timing", 0.0)
                    stack += n.get("children", [])
            for t_, v in sorted(total.items(), key=lambda kv: -kv[1]):
                lines.append("  " * (depth + 1) + f"[all children] {t_}: {v:.3f} s")
            return
        lines.append("  " * depth + f"{node['type']}: {node.get('timing', 0):.3f} s, {node.get('intermediate_rows')} rows")
        for k in kids:
            walk(k, depth + 1)

    for n in prof["operator"]:
        walk(n, 1)
    print("\n".join(lines))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--threads", type=int)
    ap.add_argument("--only", default="grid,scalar,dist,fused,decode",
                    help="comma list of: grid scalar dist extra fused decode profile settings")
    ap.add_argument("--current-grid", action="store_true",
                    help="also time the current grid query (slow: ~25 s at 10M rows; fused_scan.py measures it)")
    a = ap.parse_args()
    only = set(a.only.split(","))
    b = Bench(a.rows, a.repeat, a.threads)
    grids = b.grids()
    planned = b.planned(grids)
    sh = Shapes(b, grids)
    cols, bins = sh.cols, sh.bins
    cur_sql = planned["distribution"].tree.sql(dialect="duckdb")
    scalar_sql = planned["scalar"].tree.sql(dialect="duckdb")
    ref = hist_from_summaries(planned["distribution"].decode(b.con.sql(cur_sql).to_arrow_table()))

    def checker(extract):
        def check(table):
            got = extract(table)
            if got == ref:
                return "same histograms as current: yes"
            return f"same histograms as current: NO ({len(set(got.items()) ^ set(ref.items()))} cells differ)"
        return check

    planner_cols = checker(lambda t: hist_from_summaries(planned["distribution"].decode(t)))
    if "grid" in only:
        if a.current_grid:
            b.add("grid", "G0 current: 2 APPROX_QUANTILE + MIN + MAX per column, every baseline row",
                  b.current_grid_sql(), repeat=1)
        for name, sql in sh.grid().items():
            b.add("grid", name, sql, repeat=1 if name.startswith("G1") else None)
    if "scalar" in only or "fused" in only:
        b.add("scalar", "S0 current scalar scan (COUNT/SUM/SUM(x*x)/MIN/MAX per column, GROUP BY DATE_TRUNC)",
              scalar_sql)
        b.add("scalar", "S1 S0 grouped by CAST(ts AS DATE) instead of DATE_TRUNC",
              scalar_sql.replace(DAY, 'CAST("ts" AS DATE)'))
    if only & {"dist", "extra", "fused", "settings"}:
        b.add("dist", "D0 current: GROUPING SETS on FLOOR keys, clamp + re-group outside", cur_sql, check=planner_cols)
    if "dist" in only:
        for name, sql in sh.dist(cur_sql).items():
            chk = checker(lambda t: hist_from_maps(t, cols, bins)) if name.startswith("D5") else planner_cols
            b.add("dist", name, sql, check=chk)
    if "extra" in only:
        for name, sql in sh.extra(cur_sql).items():
            if name.startswith("X2"):
                chk = checker(lambda t: hist_from_rows(t, cols, bins))
            elif name.startswith("X3"):
                chk = None
            else:
                chk = planner_cols
            b.add("extra", name, sql, check=chk)
    if "fused" in only:
        for name, sql in sh.fused(cur_sql, scalar_sql).items():
            chk = checker(lambda t: hist_from_maps(t, cols, bins)) if name.startswith("F1") else planner_cols
            b.add("fused", name, sql, check=chk)
    if any("perfect" in v["sql"][:12] for v in b.variants):
        b.con.execute("SET perfect_ht_threshold = 20")
    if b.variants:
        b.run()
        b.report()
    if "decode" in only:
        table = b.con.sql(cur_sql).to_arrow_table()
        d = planned["distribution"]
        t = time.perf_counter()
        slow = d.decode(table)
        t_slow = time.perf_counter() - t
        keys = [p.key for p in sorted({p for p in b.partials if p.kind == "hist"}, key=lambda p: p.key)]
        t = time.perf_counter()
        fast = fast_decode(table, keys)
        t_fast = time.perf_counter() - t
        same = all(fast.get(bk[0].replace(tzinfo=None), {}).get(k, {}) == {kk: vv for kk, vv in v.items() if vv}
                   for bk, vals in slow.items() for k, v in vals.items() if k.startswith("hist|"))
        print(f"\ndecode of the distribution result ({table.num_rows} rows): current PlannedQuery.decode "
              f"{t_slow:.3f} s; column-wise sketch (fast_decode) {t_fast:.3f} s; same histograms: {same}")
    if "profile" in only:
        for name, sql in (("bare scan", fs.bare_sql()), ("S0 scalar", scalar_sql), ("D0 distribution", cur_sql)):
            profile(b.con, name, sql)
    if "settings" in only:
        print("\nsettings (D0, sequential rounds):")
        for setting, reset in (("SET preserve_insertion_order = false", "SET preserve_insertion_order = true"),
                               ("SET threads = 1", "RESET threads"),
                               ("SET disabled_optimizers = 'grouping_sets'", "RESET disabled_optimizers")):
            b.con.execute(setting)
            b.variants, b.bares = [], []
            b.add("set", f"D0 with {setting}", cur_sql)
            b.run()
            b.report()
            b.con.execute(reset)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
