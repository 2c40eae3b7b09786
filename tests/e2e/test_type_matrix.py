"""Every monitor over every column type, checked against the exact answer from the raw rows.

One DuckDB table (see type_matrix_project.py) holds TINYINT, SMALLINT, INTEGER, BIGINT
and HUGEINT values whose squares overflow their type, DECIMAL(18,4), REAL, DOUBLE with
NaN and ±inf, BOOLEAN (as a category and as a 0/1 number), VARCHAR with 'null', 'None'
and '', DATE, and TIMESTAMP / TIMESTAMPTZ / DATE time columns, all with NULLs, segmented
by a VARCHAR column holding NULL, 'null', 'None' and ''. One `telltale run --json` runs
every monitor; each value is compared with numpy/scipy on the rows read back from DuckDB.

Error bounds (asserted below; docs/statistics.md states the same):
* counts, missing ratios, new-value shares, min, max, categorical drift: exact (1e-12);
* sums and means: 1e-12 relative (DOUBLE sums of at most a few hundred values);
* variance and stddev from count/sum/sum of squares: 1e-9 relative (cancellation in
  sum_sq - n·mean² costs up to log10(mean²/var) digits; DECIMAL here: about 3);
* numeric drift from the histogram: psi max(0.02, 5 %), js/hellinger/chi2 (Cramér's V)
  0.02 against the same formula on the raw baseline deciles; ks 0.01 against
  scipy.stats.ks_2samp; wasserstein 0.01 against scipy.stats.wasserstein_distance divided by
  the baseline's population std.
"""

from __future__ import annotations

import json
import math
from datetime import date, datetime, timezone
from decimal import Decimal

import duckdb
import numpy as np
import pytest
from scipy import stats
from scipy.spatial.distance import jensenshannon
from typer.testing import CliRunner

from telltale.cli.main import app

from type_matrix_project import (AT, BASELINE, CATEGORICAL, DSL, DSL_COLUMNS, FOCAL, NUMERIC,
                                 SEGMENT_VALUES, write_project)

runner = CliRunner()
WORST: dict[str, float] = {}   # worst relative/absolute error seen per check (printed with -s)


@pytest.fixture(scope="module", autouse=True)
def _print_worst_errors():
    """After the module: the worst error of each check (shown with `pytest -s`)."""
    yield
    for k in sorted(WORST):
        print(f"type matrix, {k}: worst error {WORST[k]:.3g}")


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> dict:
    root = write_project(tmp_path_factory.mktemp("types"))
    res = runner.invoke(app, ["run", "--project", str(root), "--at", AT, "--json"])
    assert res.stdout.strip().startswith("{"), res.output
    out = json.loads(res.stdout)
    con = duckdb.connect(str(root / "wh.duckdb"), read_only=True)
    con.execute("SET TimeZone = 'UTC'")
    table = con.sql("SELECT * FROM t").fetchall()
    names = [d[0] for d in con.sql("SELECT * FROM t LIMIT 0").description]
    con.close()
    rows = [dict(zip(names, r)) for r in table]
    return {"out": out, "rows": rows, "code": res.exit_code}


def result(out: dict, monitor: str, column: str | None = None, segment=None) -> dict:
    found = [r for r in out["results"] if r["monitor"] == monitor and r["column"] == column
             and r["segment"] == segment]
    assert len(found) == 1, (monitor, column, segment, [(r["column"], r["segment"]) for r in out["results"]
                                                        if r["monitor"] == monitor])
    return found[0]


def _naive(ts) -> datetime | None:
    """A time column's value as naive UTC (a DATE is its midnight)."""
    if ts is None:
        return None
    if isinstance(ts, datetime):
        return ts.astimezone(timezone.utc).replace(tzinfo=None) if ts.tzinfo is not None else ts
    return datetime(ts.year, ts.month, ts.day)


def window(rows: list[dict], rng: tuple[datetime, datetime], time_col: str = "ts", seg=...) -> list[dict]:
    lo, hi = rng
    out = []
    for r in rows:
        t = _naive(r[time_col])
        if t is None or not lo <= t < hi:
            continue
        if seg is not ... and r["seg"] != seg:
            continue
        out.append(r)
    return out


def as_float(v: Decimal | float | None) -> float | None:
    """A raw value as the DOUBLE the warehouse sums (booleans as 0/1)."""
    return None if v is None else float(v)


def finite(rows: list[dict], column: str) -> np.ndarray:
    vals = np.array([as_float(r[column]) for r in rows if r[column] is not None], dtype=np.float64)
    return vals[np.isfinite(vals)]


def close(got: float | None, want: float, rel: float, what: str, absolute: float = 0.0) -> None:
    assert got is not None, what
    err = abs(got - want)
    scale = max(abs(want), 1e-300)
    WORST[what.split(":")[0]] = max(WORST.get(what.split(":")[0], 0.0), err / scale if not absolute else err)
    assert err <= max(rel * scale, absolute), f"{what}: got {got!r}, exact {want!r} (error {err:.3g})"


# ------------------------------------------------------------------ run-level checks


def test_no_traceback_and_only_expected_errors(run) -> None:
    out = run["out"]
    errors = [r for r in out["results"] if r["status"] == "error"]
    # the one error: the DSL mean over a column with NaN (SQL turns it into NaN)
    assert [r["monitor"] for r in errors] == ["dsl mean c_dbl"], [(r["monitor"], r["message"]) for r in errors]
    assert run["code"] == 3
    for r in out["results"]:
        v = r["value"]
        assert v is None or math.isfinite(v), r
        if r["status"] == "ok":
            assert v is not None, r   # ok always has a value


def test_non_finite_values_are_counted_and_reported(run) -> None:
    out, rows = run["out"], run["rows"]
    focal = window(rows, FOCAL)
    vals = np.array([as_float(r["c_dbl"]) for r in focal if r["c_dbl"] is not None])
    bad = int(np.sum(~np.isfinite(vals)))
    assert bad > len(vals) // 3   # about half of the focal values are NaN, a few are ±inf
    for name in ("stat mean", "stat variance", "stat stddev", "stat sum", "stat max"):
        r = result(out, name, "c_dbl")
        assert r["non_finite"] == bad and f"{bad} NaN/infinite" in r["message"], r
    for method in ("psi", "js", "hellinger", "chi2", "ks", "wasserstein"):
        r = result(out, f"drift {method}", "c_dbl")
        assert r["non_finite"] == bad and f"{bad} in the window" in r["message"], r
    r = result(out, "nulls", "c_dbl")
    assert r["non_finite"] == bad and "not counted as missing" in r["message"]
    for name in ("range abs", "range margin"):
        r = result(out, name, "c_dbl")
        assert r["status"] == "alert" and f"{bad} NaN/infinite" in r["message"], r
    r = result(out, "dsl mean c_dbl")
    assert r["status"] == "error" and r["value"] is None and f"{bad} in c_dbl" in r["message"], r


# ------------------------------------------------------------------ counts and segments


@pytest.mark.parametrize("model,time_col", [("m", "ts"), ("m_tz", "tstz"), ("m_date", "d")])
def test_model_activity_per_segment_on_every_time_type(run, model: str, time_col: str) -> None:
    out, rows = run["out"], run["rows"]
    monitor = f"volume {model}"
    assert result(out, monitor)["value"] == len(window(rows, FOCAL, time_col))
    for seg in SEGMENT_VALUES:
        want = len(window(rows, FOCAL, time_col, seg))
        got = result(out, monitor, None, {"seg": seg})["value"]
        assert got == want, (model, seg, got, want)
    segs = [r["segment"] for r in out["results"] if r["monitor"] == monitor]
    assert len(segs) == len(SEGMENT_VALUES) + 1     # NULL, 'null', 'None', '' and 'x' apart


def test_missing_ratio_per_segment_exact(run) -> None:
    out, rows = run["out"], run["rows"]
    for seg in (..., *SEGMENT_VALUES):
        sel = window(rows, FOCAL, seg=seg)
        for col in (*NUMERIC[:-1], "c_dbl", *CATEGORICAL, "bool_num"):
            column = "b_num" if col == "bool_num" else col
            want = sum(r[column] is None for r in sel) / len(sel)
            got = result(out, "nulls", col, None if seg is ... else {"seg": seg})["value"]
            close(got, want, 1e-12, f"missing_ratio: {col} {seg}")


def test_dsl_sum_per_segment(run) -> None:
    out, rows = run["out"], run["rows"]
    for seg in SEGMENT_VALUES:
        want = float(np.sum(finite(window(rows, FOCAL, seg=seg), "c_int")))
        close(result(out, "dsl sum int seg", None, {"seg": seg})["value"], want, 1e-12, f"dsl sum seg: {seg}")


# ------------------------------------------------------------------ statistics of columns


def _stat(vals: np.ndarray, stat: str) -> float:
    return {"mean": np.mean, "min": np.min, "max": np.max, "sum": np.sum,
            "variance": lambda v: np.var(v, ddof=1), "stddev": lambda v: np.std(v, ddof=1)}[stat](vals)


STAT_BOUNDS = {"mean": 1e-12, "min": 0.0, "max": 0.0, "sum": 1e-12, "variance": 1e-9, "stddev": 1e-9}


@pytest.mark.parametrize("stat", ["mean", "min", "max", "sum", "variance", "stddev", "missing_count"])
def test_metric_change_statistics_exact(run, stat: str) -> None:
    out, rows = run["out"], run["rows"]
    focal = window(rows, FOCAL)
    base = window(rows, BASELINE)
    for col in (*NUMERIC, "bool_num"):
        column = "b_num" if col == "bool_num" else col
        r = result(out, f"stat {stat}", col)
        if stat == "missing_count":
            assert r["value"] == sum(x[column] is None for x in focal)
            continue
        want = float(_stat(finite(focal, column), stat))
        close(r["value"], want, STAT_BOUNDS[stat], f"metric_change {stat}: {col}")
        # the change detection compared with the baseline's value (extensive: per day)
        bw = float(_stat(finite(base, column), stat))
        if stat == "sum":
            bw = bw / 7
        close(r["baseline_value"], bw, max(STAT_BOUNDS[stat], 1e-12), f"metric_change baseline {stat}: {col}")
        assert r["status"] in ("ok", "alert")


@pytest.mark.parametrize("fn", DSL)
def test_dsl_aggregates_exact(run, fn: str) -> None:
    out, rows = run["out"], run["rows"]
    focal = window(rows, FOCAL)
    for col in DSL_COLUMNS:
        vals = finite(focal, col)
        n_rows = len(focal)
        want = {"count": float(vals.size), "missing_ratio": (n_rows - vals.size) / n_rows}.get(fn)
        if want is None:
            want = float(_stat(vals, fn))
        r = result(out, f"dsl {fn} {col}")
        assert r["status"] == "ok", r
        close(r["value"], want, STAT_BOUNDS.get(fn, 1e-12), f"dsl {fn}: {col}")


def test_dsl_square_of_bigint_does_not_overflow(run) -> None:
    out, rows = run["out"], run["rows"]
    vals = finite(window(rows, FOCAL), "c_big")
    assert np.max(vals * vals) > 2.0**63          # each square overflows BIGINT
    close(result(out, "dsl sumsq c_big")["value"], float(np.dot(vals, vals)), 1e-12, "dsl sumsq: c_big")


def test_dsl_sum_and_difference_of_integers_do_not_overflow(run) -> None:
    out, rows = run["out"], run["rows"]
    focal = [r for r in window(rows, FOCAL) if r["c_int"] is not None and r["c_tiny"] is not None]
    assert max(abs(2 * r["c_int"]) for r in focal) > 2**31       # INTEGER + INTEGER overflows INT32
    want = float(sum(2.0 * r["c_int"] - r["c_tiny"] for r in focal))
    close(result(out, "dsl add c_int")["value"], want, 1e-12, "dsl sum of a sum: c_int")


# ------------------------------------------------------------------ value_range


def test_value_range_absolute_and_margin(run) -> None:
    out, rows = run["out"], run["rows"]
    focal, base = window(rows, FOCAL), window(rows, BASELINE)
    for col in NUMERIC:
        v = finite(focal, col)
        bad = sum(1 for r in focal if r[col] is not None and not math.isfinite(as_float(r[col])))
        r = result(out, "range abs", col)
        assert (r["min"], r["max"]) == pytest.approx((v.min(), v.max()), rel=0, abs=0)
        fires = v.min() < -3e9 or v.max() > 3e9 or bad > 0
        assert r["status"] == ("alert" if fires else "ok"), r
        b = finite(base, col)
        width = (b.max() - b.min()) * 0.1
        r = result(out, "range margin", col)
        assert r["threshold"] == pytest.approx({"min": b.min() - width, "max": b.max() + width}, rel=1e-12)
        fires = v.min() < b.min() - width or v.max() > b.max() + width or bad > 0
        assert r["status"] == ("alert" if fires else "ok"), (col, r)
    # BIGINT in ±[3e9, 4e9]: both bounds of ±3e9 are crossed, the min one included
    r = result(out, "range abs", "c_big")
    assert "the min is below" in r["message"] and "the max is above" in r["message"]


# ------------------------------------------------------------------ new values


def _norm(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, date):
        return v.isoformat()
    return str(v)


def test_new_values_exact(run) -> None:
    out, rows = run["out"], run["rows"]
    focal, base = window(rows, FOCAL), window(rows, BASELINE)
    for col in CATEGORICAL:
        known = {_norm(r[col]) for r in base if r[col] is not None}
        vals = [_norm(r[col]) for r in focal if r[col] is not None]
        want = sum(v not in known for v in vals) / len(vals)
        r = result(out, "new", col)
        close(r["value"], want, 1e-12, f"new_values: {col}")
        assert sorted(r["new_values"]) == sorted({v for v in vals if v not in known})
        assert r.get("exact", True) is True
    assert result(out, "new", "c_str")["new_values"] == ["zz"]
    assert result(out, "new", "c_date")["new_values"] == ["2026-01-04"]


# ------------------------------------------------------------------ drift


def _deciles(base: np.ndarray, focal: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    edges = np.unique(np.quantile(base, np.arange(1, 10) / 10))
    nb = edges.size + 1
    return (np.bincount(np.searchsorted(edges, base, side="left"), minlength=nb).astype(float),
            np.bincount(np.searchsorted(edges, focal, side="left"), minlength=nb).astype(float))


def _from_counts(method: str, e: np.ndarray, a: np.ndarray) -> float:
    p, q = e / e.sum(), a / a.sum()
    if method == "psi":
        pe, qa = np.where(p > 0, p, 1e-4), np.where(q > 0, q, 1e-4)
        return float(np.sum((qa - pe) * np.log(qa / pe)))
    if method == "js":
        return float(jensenshannon(p, q, base=2))
    if method == "hellinger":
        return float(math.sqrt(0.5 * np.sum((np.sqrt(p) - np.sqrt(q)) ** 2)))
    table = np.vstack([e, a])
    table = table[:, table.sum(axis=0) > 0]
    chi2 = stats.chi2_contingency(table, correction=False)[0]
    return float(math.sqrt(chi2 / (table.sum() * (min(2, table.shape[1]) - 1))))


NUMERIC_DRIFT_BOUND = {"psi": (0.02, 0.05), "js": (0.02, 0.0), "hellinger": (0.02, 0.0),
                       "chi2": (0.02, 0.0), "ks": (0.01, 0.0), "wasserstein": (0.01, 0.0)}


@pytest.mark.parametrize("method", ["psi", "js", "hellinger", "chi2", "ks", "wasserstein"])
def test_drift_numeric_columns(run, method: str) -> None:
    out, rows = run["out"], run["rows"]
    focal_rows, base_rows = window(rows, FOCAL), window(rows, BASELINE)
    for col in NUMERIC:
        if col == "c_dbl" and method not in ("ks", "wasserstein"):
            continue
        f, b = finite(focal_rows, col), finite(base_rows, col)
        if method == "ks":
            want = float(stats.ks_2samp(b, f).statistic)
        elif method == "wasserstein":
            want = float(stats.wasserstein_distance(b, f) / np.std(b))
        else:
            want = _from_counts(method, *_deciles(b, f))
        absolute, rel = NUMERIC_DRIFT_BOUND[method]
        got = result(out, f"drift {method}", col)["value"]
        close(got, want, rel, f"drift {method}: {col}", absolute=absolute)


@pytest.mark.parametrize("method", ["psi", "js", "hellinger", "chi2"])
def test_drift_categorical_columns_exact(run, method: str) -> None:
    out, rows = run["out"], run["rows"]
    focal_rows, base_rows = window(rows, FOCAL), window(rows, BASELINE)
    for col in CATEGORICAL:
        cats = sorted({_norm(r[col]) for r in focal_rows + base_rows if r[col] is not None})
        e = np.array([sum(_norm(r[col]) == c for r in base_rows if r[col] is not None) for c in cats], float)
        a = np.array([sum(_norm(r[col]) == c for r in focal_rows if r[col] is not None) for c in cats], float)
        close(result(out, f"drift {method}", col)["value"], _from_counts(method, e, a), 1e-9,
              f"drift {method} categorical: {col}", absolute=1e-12)


def test_prediction_drift(run) -> None:
    out, rows = run["out"], run["rows"]
    f, b = finite(window(rows, FOCAL), "pred"), finite(window(rows, BASELINE), "pred")
    want = _from_counts("psi", *_deciles(b, f))
    close(result(out, "pred drift", "pred")["value"], want, 0.05, "prediction_drift psi: pred", absolute=0.02)
