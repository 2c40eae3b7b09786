"""A project whose one table holds every column type telltale maps, with NULLs, NaN and ±inf.

Nine days of rows (2026-05-01 .. 2026-05-09); a run at 2026-05-10 takes 2026-05-09 as the
focal day and the seven days before it as the baseline. On the focal day half the DOUBLE
values are NaN (plus a few ±inf), the VARCHAR column gets a brand-new value and the DATE
column a new date. Integer columns hold values whose squares overflow their type
(INTEGER near ±2^31, BIGINT in ±[3e9, 4e9], HUGEINT near ±1e20).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import numpy as np

START = datetime(2026, 5, 1)
DAYS = 9
AT = "2026-05-10T00:00:00Z"
FOCAL = (datetime(2026, 5, 9), datetime(2026, 5, 10))
BASELINE = (datetime(2026, 5, 2), datetime(2026, 5, 9))

NUMERIC = ("c_tiny", "c_small", "c_int", "c_big", "c_huge", "c_dec", "c_real", "c_dbl")
CATEGORICAL = ("c_str", "c_bool", "c_date")
SEGMENT_VALUES = ("x", "null", None, "", "None")
STR_VALUES = ("a", "b", "null", "None", "")
DATES = tuple(date(2026, 1, d) for d in (1, 2, 3, 4))

COLUMNS = """
  id BIGINT, ts TIMESTAMP, tstz TIMESTAMPTZ, d DATE, seg VARCHAR,
  c_tiny TINYINT, c_small SMALLINT, c_int INTEGER, c_big BIGINT, c_huge HUGEINT,
  c_dec DECIMAL(18,4), c_real REAL, c_dbl DOUBLE, c_bool BOOLEAN, c_str VARCHAR,
  c_date DATE, pred DOUBLE, b_num BOOLEAN
"""


def _maybe_null(rng: np.random.Generator, values: list, share: float = 0.08) -> list:
    return [None if rng.random() < share else v for v in values]


def make_rows(seed: int = 5) -> list[tuple]:
    """Every row of the table, as Python values (what DuckDB stores)."""
    rng = np.random.default_rng(seed)
    rows: list[tuple] = []
    rid = 0
    for day in range(DAYS):
        focal = day == DAYS - 1
        n = 240 + 15 * day
        base = START + timedelta(days=day)
        secs = rng.integers(0, 86400, n)
        ts = [base + timedelta(seconds=int(s)) for s in secs]
        tiny = rng.integers(-128, 128, n).tolist()
        small = rng.integers(-32768, 32768, n).tolist()
        i32 = rng.integers(-2**31, 2**31, n).tolist()
        big = (rng.choice([-1, 1], n) * rng.integers(3_000_000_000, 4_000_000_001, n)).tolist()
        huge = [int(s) * (10**20 + int(v) * 10**12)
                for s, v in zip(rng.choice([-1, 1], n), rng.integers(0, 10**8, n))]
        dec = [Decimal(f"{v:.4f}") for v in rng.normal(1000.0 + (30.0 if focal else 0.0), 50.0, n)]
        real = rng.normal(0.0, 1.0 + (0.5 if focal else 0.0), n).astype(np.float32).tolist()
        dbl = rng.normal(5.0, 2.0, n).tolist()
        nan_share = 0.5 if focal else 0.03
        dbl = [float("nan") if rng.random() < nan_share else v for v in dbl]
        for k in rng.choice(n, 3, replace=False):
            dbl[int(k)] = float("inf") if k % 2 else float("-inf")
        flag = (rng.random(n) < (0.6 if focal else 0.4)).tolist()
        strs = rng.choice(np.array(STR_VALUES, dtype=object), n).tolist()
        if focal:
            strs = ["zz" if rng.random() < 0.2 else s for s in strs]
        dates = [DATES[int(k)] for k in rng.integers(0, len(DATES) - (0 if focal else 1), n)]
        seg = [SEGMENT_VALUES[int(k)] for k in rng.integers(0, len(SEGMENT_VALUES), n)]
        pred = rng.beta(2.0, 5.0 if not focal else 3.0, n).tolist()
        b_num = (rng.random(n) < 0.3).tolist()
        cols = [_maybe_null(rng, c) for c in (tiny, small, i32, big, huge, dec, real, dbl, flag, strs,
                                               dates, pred, b_num)]
        for j in range(n):
            t = ts[j] if rng.random() > 0.01 else None   # a few rows without a time: in no window
            rows.append((rid, t, None if t is None else t.replace(tzinfo=timezone.utc),
                         None if t is None else t.date(), seg[j], *[c[j] for c in cols]))
            rid += 1
    return rows


NAMES = ("id", "ts", "tstz", "d", "seg", "c_tiny", "c_small", "c_int", "c_big", "c_huge", "c_dec",
         "c_real", "c_dbl", "c_bool", "c_str", "c_date", "pred", "b_num")

MODEL = """\
    type: regression
    connection: wh
    source: {{table: t}}
    id: id
    timestamp: {ts}
    features:
      c_tiny: numeric
      c_small: numeric
      c_int: numeric
      c_big: numeric
      c_huge: numeric
      c_dec: numeric
      c_real: numeric
      c_dbl: numeric
      c_bool: boolean
      bool_num: {{column: b_num, type: numeric}}
      seg: categorical
      c_str: categorical
      c_date: categorical
    predictions: {{pred: numeric}}
    segments: [seg]
    baseline: {{window: {{last: 7d}}}}
"""

DSL = ("sum", "mean", "stddev", "variance", "min", "max", "count", "missing_ratio")
DSL_COLUMNS = ("c_int", "c_big", "c_huge", "c_dec", "c_real", "c_tiny")
NUM_ALL = "[c_tiny, c_small, c_int, c_big, c_huge, c_dec, c_real, c_dbl]"


def config() -> str:
    """telltale.yml: three models over the same table (TIMESTAMP, TIMESTAMPTZ and DATE time
    columns) and every monitor type that applies."""
    mons = []
    for method in ("psi", "js", "hellinger", "chi2", "ks", "wasserstein"):
        cols = NUM_ALL if method in ("ks", "wasserstein") else NUM_ALL[:-1] + ", c_str, c_bool, c_date]"
        mons.append(f"{{name: drift {method}, model: m, type: data_drift, method: {method}, "
                    f"columns: {cols}, threshold: 0.5}}")
    mons.append("{name: pred drift, model: m, type: prediction_drift, method: psi, threshold: 0.5}")
    mons.append("{name: nulls, model: m, type: missing_values, segment: all, "
                "columns: " + NUM_ALL[:-1] + ", c_str, c_bool, c_date, bool_num], "
                "detection: {absolute: {max: 0.5}}}")
    mons.append("{name: new, model: m, type: new_values, columns: [c_str, c_bool, c_date]}")
    mons.append("{name: range abs, model: m, type: value_range, columns: " + NUM_ALL + ", "
                "detection: {absolute: {min: -3000000000, max: 3000000000}}}")
    mons.append("{name: range margin, model: m, type: value_range, columns: " + NUM_ALL + ", margin: 0.1}")
    for model in ("m", "m_tz", "m_date"):
        mons.append(f"{{name: volume {model}, model: {model}, type: model_activity, segment: all, "
                    "detection: {change: {percent: 1000}}}")
    for stat in ("mean", "min", "max", "sum", "variance", "stddev", "missing_count"):
        cols = NUM_ALL[:-1] + ", bool_num]"
        mons.append(f"{{name: stat {stat}, model: m, type: metric_change, statistic: {stat}, "
                    f"columns: {cols}, detection: {{change: {{percent: 1000}}}}}}")
    for fn in DSL:
        for c in DSL_COLUMNS:
            mons.append(f"{{name: dsl {fn} {c}, model: m, type: custom_metric, "
                        f"metric: '{fn}(features.{c})', detection: {{absolute: {{max: 1e300}}}}}}")
    mons.append("{name: dsl mean c_dbl, model: m, type: custom_metric, metric: 'mean(features.c_dbl)', "
                "detection: {absolute: {max: 1e300}}}")
    mons.append("{name: dsl sumsq c_big, model: m, type: custom_metric, metric: 'sum(features.c_big * features.c_big)', detection: {absolute: {max: 1e300}}}")
    mons.append("{name: dsl add c_int, model: m, type: custom_metric, "
                "metric: 'sum(features.c_int + features.c_int - features.c_tiny)', detection: {absolute: {max: 1e300}}}")
    mons.append("{name: dsl sum int seg, model: m, type: custom_metric, metric: 'sum(features.c_int)', segment: all, detection: {absolute: {max: 1e300}}}")
    return ("version: 1\nconnections:\n  wh: {type: duckdb, database: wh.duckdb}\nmodels:\n"
            + "  m:\n" + MODEL.format(ts="ts")
            + "  m_tz:\n" + MODEL.format(ts="tstz")
            + "  m_date:\n" + MODEL.format(ts="d")
            + "monitors:\n" + "".join(f"  - {m}\n" for m in mons))


ARROW_TYPES = {
    "id": "int64", "ts": "timestamp[us]", "tstz": "timestamp[us, tz=UTC]", "d": "date32",
    "seg": "string", "c_tiny": "int8", "c_small": "int16", "c_int": "int32", "c_big": "int64",
    "c_huge": "decimal128(38, 0)", "c_dec": "decimal128(18, 4)", "c_real": "float32",
    "c_dbl": "float64", "c_bool": "bool", "c_str": "string", "c_date": "date32", "pred": "float64", "b_num": "bool",
}


def _arrow_type(name: str):
    import pyarrow as pa

    text = ARROW_TYPES[name]
    if text.startswith("decimal128"):
        p, s = (int(x) for x in text[11:-1].split(","))
        return pa.decimal128(p, s)
    if text.startswith("timestamp"):
        return pa.timestamp("us", tz="UTC") if "tz" in text else pa.timestamp("us")
    return pa.type_for_alias(text)


def write_project(root: Path) -> Path:
    """The warehouse (DuckDB table `t`, typed as in COLUMNS) and telltale.yml in `root`."""
    import duckdb
    import pyarrow as pa

    root.mkdir(parents=True, exist_ok=True)
    rows = make_rows()
    arrays = {}
    for i, name in enumerate(NAMES):
        values = [r[i] for r in rows]
        if name == "c_huge":
            values = [None if v is None else Decimal(v) for v in values]
        arrays[name] = pa.array(values, _arrow_type(name))
    con = duckdb.connect(str(root / "wh.duckdb"))
    con.execute("SET TimeZone = 'UTC'")
    con.register("src", pa.table(arrays))
    con.execute(f"CREATE TABLE t ({COLUMNS})")
    con.execute("INSERT INTO t SELECT * FROM src")
    con.close()
    (root / "telltale.yml").write_text(config())
    return root
