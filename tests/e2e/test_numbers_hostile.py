"""Statistics from pushed-down summaries on numerically nasty data, against the exact answer.

One `telltale run --json` over tests/e2e/hostile_numbers_project.py (DuckDB): values of
1e9 ± 1 (sum of squares − n·mean² cancels completely), DECIMAL(38,10) around 1.2e7 ± 3,
values of 1e-300 (their squares underflow to 0) and of 1e300 (their squares overflow).
Every value is either the exact one from the raw rows (numpy/scipy/sklearn) within the
bound stated at its assertion, or an `error` whose message says why; never a wrong number
passing as `ok`. tests/integration/test_postgres_numbers_hostile.py runs the same project
on PostgreSQL.

Bounds:
* Wasserstein / baseline std: 0.01 absolute where the sums give the std (docs/statistics.md,
  "with the sums stored"); max(0.02, 5 %) where they cannot and the histogram's std is
  used (the histogram-only bound);
* KS: 0.01 below scipy.stats.ks_2samp (a lower bound from the histogram);
* means: 1e-12 relative; variance, stddev, r2, rmse where computable: 1e-9 relative.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy import stats
from sklearn.metrics import r2_score
from typer.testing import CliRunner

from hostile_numbers_project import AT, NAMES, PER_DAY, make_rows, split, write_duckdb_project
from telltale.cli.main import app

SCALE = {"big_mean": 1.0, "small": 1.0, "dec": 1.0, "tiny": 1e300, "huge": 1e-300, "sentinel": 1.0}
CENTRE = {"big_mean": 1e9, "dec": 12345678.0}


def run_project(root: Path) -> dict[str, Any]:
    """`telltale run --json` on the project in `root`: its JSON object."""
    res = CliRunner().invoke(app, ["run", "--project", str(root), "--at", AT, "--json"])
    assert res.stdout.strip().startswith("{"), res.output
    return json.loads(res.stdout)


def result(out: dict[str, Any], monitor: str, column: str | None = None) -> dict[str, Any]:
    """The one result of `monitor` (on `column`)."""
    found = [r for r in out["results"] if r["monitor"] == monitor and r["column"] == column]
    assert len(found) == 1, (monitor, column, found)
    return found[0]


def exact(column: str) -> tuple[np.ndarray, np.ndarray]:
    """A column's (baseline, focal) values, centred and scaled so numpy computes them exactly
    (W1 / std and KS do not change under x -> (x - c) * s)."""
    base, focal = split(make_rows(), column)
    c, s = CENTRE.get(column, 0.0), SCALE[column]
    return (base - c) * s, (focal - c) * s


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return run_project(write_duckdb_project(tmp_path_factory.mktemp("hostile")))


def check_wasserstein(out: dict[str, Any]) -> None:
    """W1 / baseline std of every column vs scipy (shared with the PostgreSQL twin)."""
    for column in ("big_mean", "small", "dec", "tiny", "huge"):
        r = result(out, "wass", column)
        base, focal = exact(column)
        want = stats.wasserstein_distance(base, focal) / np.std(base)
        assert r["status"] == "ok", (column, r)
        # `small`: the sums give the std (0.01); the others: the histogram's (max(0.02, 5 %))
        bound = 0.01 if column == "small" else max(0.02, 0.05 * want)
        assert r["value"] == pytest.approx(want, abs=bound), (column, r["value"], want)


def test_wasserstein_of_values_whose_squares_cancel_underflow_or_overflow(out: dict[str, Any]) -> None:
    # was: inf (an alert) for 1e9 ± 1, DECIMAL 1.2e7 ± 3 and 1e-300 values (the baseline's
    # std from the sums came out 0), NaN (an error) for 1e300 values
    check_wasserstein(out)


def check_ks(out: dict[str, Any]) -> None:
    """KS of every column vs scipy.stats.ks_2samp (shared with the PostgreSQL twin)."""
    for column in ("big_mean", "small", "dec", "tiny", "huge", "sentinel"):
        base, focal = exact(column)
        want = stats.ks_2samp(base, focal).statistic
        got = result(out, "ks", column)["value"]
        assert want - 0.01 <= got <= want + 1e-12, (column, got, want)


def test_ks_on_nasty_magnitudes_is_within_its_bound(out: dict[str, Any]) -> None:
    # already right on DuckDB: the grid keeps 1e9 ± 1 and 1e±300 apart, and a value of
    # 1.8e308 lands in the top tail bin (on PostgreSQL its bin's multiply overflowed)
    check_ks(out)


def check_moments(out: dict[str, Any]) -> None:
    """Means exact; stddev exact where the sums can give it, else an error saying why."""
    for column in ("big_mean", "small", "dec", "tiny", "sentinel"):
        _, focal = split(make_rows(), column)
        want = float(np.sum(focal / len(focal)))   # no overflow with 1.8e308 among the values
        assert result(out, "mean", column)["value"] == pytest.approx(want, rel=1e-12), column
    _, small = split(make_rows(), "small")
    assert result(out, "sd", "small")["value"] == pytest.approx(np.std(small, ddof=1), rel=1e-9)
    for column, cause in (("big_mean", "cancels"), ("dec", "cancels"), ("tiny", "underflow")):
        r = result(out, "sd", column)
        assert r["status"] == "error" and r["value"] is None, (column, r)
        assert "cannot be computed precisely from sums" in r["message"] and cause in r["message"], r
    # 1.8e308's square is beyond double precision: an error, not a number
    r = result(out, "sd", "sentinel")
    assert r["status"] == "error" and "not a finite number" in r["message"], r


def test_stddev_of_values_whose_squares_underflow_is_an_error(out: dict[str, Any]) -> None:
    # was: `ok` with stddev 0 for values of 1e-300 · N(1.5, 1) (their squares are 0)
    check_moments(out)


def check_dsl_variance(out: dict[str, Any]) -> None:
    """The metric language's variance/stddev/r2: exact, or an error saying why."""
    _, small = split(make_rows(), "small")
    assert result(out, "dsl variance small")["value"] == pytest.approx(np.var(small, ddof=1), rel=1e-9)
    assert result(out, "dsl stddev small")["value"] == pytest.approx(np.std(small, ddof=1), rel=1e-9)
    for fn in ("variance", "stddev"):
        for column, cause in (("big_mean", "cancels"), ("tiny", "underflow")):
            r = result(out, f"dsl {fn} {column}")
            assert r["status"] == "error" and r["value"] is None, r
            assert f"variance(features.{column}) cannot be computed precisely from sums" in r["message"], r
            assert cause in r["message"], r
    _, y = split(make_rows(), "y_small")
    _, pred = split(make_rows(), "pred_small")
    assert result(out, "r2 small")["value"] == pytest.approx(r2_score(y, pred), rel=1e-9)
    r2_big = result(out, "r2 big")
    assert r2_big["status"] == "error" and "variance(actuals.y[...]) cannot be computed precisely" \
        in r2_big["message"], r2_big
    # the squared errors are differences taken per row in SQL: no cancellation, exact
    assert result(out, "rmse big")["value"] == pytest.approx(np.sqrt(np.mean((pred - y) ** 2)), rel=1e-9)


def test_dsl_variance_stddev_r2_are_exact_or_an_error(out: dict[str, Any]) -> None:
    # was: `ok` with variance and stddev 0 for 1e9 ± 1 and for 1e-300 values, and r2
    # 0.99999 against sklearn's 0.9906 for labels of 1e9 ± 1
    check_dsl_variance(out)


def test_anomaly_history_starts_at_the_first_window_with_rows(tmp_path: Path) -> None:
    """A model 8 days old, checked against 28 days of history: the 21 days before its first
    row are not days of 0 rows. Volume halves on the focal day; the band is the Student-t
    interval of the 7 real past counts (docs/monitors.md, `anomaly`)."""
    import statistics

    import duckdb

    counts = [290, 310, 301, 296, 305, 299, 303, 150]
    con = duckdb.connect(str(tmp_path / "wh.duckdb"))
    con.execute("CREATE TABLE t AS SELECT TIMESTAMP '2026-05-01' + to_days(CAST(d AS INTEGER)) "
                "+ to_seconds(CAST(j AS BIGINT) * 60) AS ts, 1.0 AS x FROM (VALUES "
                + ", ".join(f"({d}, {n})" for d, n in enumerate(counts))
                + ") v(d, n), LATERAL range(n) r(j)")
    con.close()
    (tmp_path / "telltale.yml").write_text(
        "version: 1\nconnections:\n  wh: {type: duckdb, database: wh.duckdb}\nmodels:\n  m:\n"
        "    type: regression\n    connection: wh\n    source: {table: t}\n    timestamp: ts\n"
        "    features: {x: numeric}\n    predictions: {x: numeric}\n"
        "monitors:\n  - {name: volume, model: m, type: model_activity, "
        "detection: {anomaly: {sensitivity: 3, history: 28d}}}\n")
    r = result(run_project(tmp_path), "volume")
    past = counts[:-1]
    # was: mean 75 and std 130 over 28 windows (21 of them the zeros before the first
    # row), so halving the volume was `ok`
    assert r["threshold"]["history_points"] == 7
    assert r["threshold"]["history_mean"] == pytest.approx(statistics.fmean(past), rel=1e-12)
    assert r["threshold"]["history_std"] == pytest.approx(statistics.stdev(past), rel=1e-12)
    assert r["baseline"] == {"start": "2026-05-01T00:00:00Z", "end": "2026-05-08T00:00:00Z"}
    assert r["status"] == "alert" and r["value"] == 150


def test_a_constant_that_moves_is_seen_by_every_drift_method(tmp_path: Path) -> None:
    """Baseline constant 1000 (and 0), focal constant 1001 (and 0.001): the exact KS is 1;
    on the right-closed baseline deciles (every cut at the constant: groups `<= c` and
    `> c`) the focal is all in the second group, so PSI = 2 (1 - ε) ln(1/ε) with ε = 1e-4,
    JS = Hellinger = Cramér's V = 1. Was: the constant's grid had one cell as wide as the
    value (1000 .. 2000, 0 .. 1), so both sides fell in one bin and every method said 0."""
    import duckdb

    con = duckdb.connect(str(tmp_path / "wh.duckdb"))
    con.execute("CREATE TABLE t AS SELECT TIMESTAMP '2026-05-01' + to_seconds(i * 864) AS ts, "
                "CASE WHEN i < 700 THEN 1000.0 ELSE 1001.0 END AS a, "
                "CASE WHEN i < 700 THEN 0.0 ELSE 0.001 END AS c FROM range(800) r(i)")
    con.close()
    methods = ("ks", "psi", "js", "hellinger", "chi2")
    (tmp_path / "telltale.yml").write_text(
        "version: 1\nconnections:\n  wh: {type: duckdb, database: wh.duckdb}\nmodels:\n  m:\n"
        "    type: regression\n    connection: wh\n    source: {table: t}\n    timestamp: ts\n"
        "    features: {a: numeric, c: numeric}\n    predictions: {a: numeric}\n"
        "    baseline: {window: {last: 7d}}\nmonitors:\n"
        + "".join(f"  - {{name: {m}, model: m, type: data_drift, method: {m}, columns: [a, c], "
                  "threshold: 0.1}\n" for m in methods))
    out = run_project(tmp_path)
    eps = 1e-4
    want = {"ks": 1.0, "psi": 2 * (1 - eps) * np.log(1 / eps), "js": 1.0, "hellinger": 1.0, "chi2": 1.0}
    base, focal = np.full(700, 1000.0), np.full(100, 1001.0)
    assert stats.ks_2samp(base, focal).statistic == want["ks"]
    for column in ("a", "c"):
        for m in methods:
            r = result(out, m, column)
            assert r["status"] == "alert" and r["value"] == pytest.approx(want[m], rel=1e-9), (m, column, r)


def test_a_category_named_like_the_cut_marker_is_a_category(tmp_path: Path) -> None:
    """A column whose values are `x`, `y` and `__other__` (how some pipelines already label
    rare categories). Was: `__other__` read as the count of values a cut left out, so
    count_distinct was an error claiming more than 10,000 distinct values and new_values a
    lower bound 'with more than max_values distinct values'. Now: 3 values, exact, and PSI
    equals the formula on the raw counts (ε = 1e-4 for an empty share; none is empty here)."""
    from collections import Counter

    import duckdb

    cats = ["x", "y", "__other__"]
    rng = np.random.default_rng(3)
    values = [cats[k] for k in rng.integers(0, 3, 800)]
    con = duckdb.connect(str(tmp_path / "wh.duckdb"))
    con.execute("CREATE TABLE t (ts TIMESTAMP, c VARCHAR, q DOUBLE)")
    con.executemany("INSERT INTO t VALUES (TIMESTAMP '2026-05-01' + to_seconds(? * 864), ?, 1.0)",
                    list(enumerate(values)))
    con.close()
    (tmp_path / "telltale.yml").write_text(
        "version: 1\nconnections:\n  wh: {type: duckdb, database: wh.duckdb}\nmodels:\n  m:\n"
        "    type: regression\n    connection: wh\n    source: {table: t}\n    timestamp: ts\n"
        "    features: {c: categorical}\n    predictions: {q: numeric}\n"
        "    baseline: {window: {last: 7d}}\nmonitors:\n"
        "  - {name: psi, model: m, type: data_drift, method: psi, columns: [c], threshold: 0.5}\n"
        "  - {name: new, model: m, type: new_values, columns: [c]}\n"
        "  - {name: distinct, model: m, type: custom_metric, metric: 'count_distinct(features.c)', "
        "detection: {absolute: {min: 0}}}\n")
    out = run_project(tmp_path)
    assert result(out, "distinct")["value"] == 3 and result(out, "distinct")["status"] == "ok"
    new = result(out, "new", "c")
    assert new["value"] == 0 and new["status"] == "ok" and "lower bound" not in new["message"], new
    base, focal = Counter(values[:700]), Counter(values[700:])
    e = np.array([base[k] for k in cats]) / 700
    a = np.array([focal[k] for k in cats]) / 100
    assert result(out, "psi", "c")["value"] == pytest.approx(float(np.sum((a - e) * np.log(a / e))), rel=1e-9)


def check_integer_range(out: dict[str, Any]) -> None:
    """max - min of BIGINT values near 2^63, exact (Python ints)."""
    i = NAMES.index("bigid")
    focal = [r[i] for r in make_rows()[-PER_DAY:]]
    assert result(out, "id range")["value"] == max(focal) - min(focal)


def test_range_of_bigint_ids_near_the_top_is_exact(out: dict[str, Any]) -> None:
    # was: max and min became doubles before the subtraction, 256 apart near 2^63, so a
    # range of 998 read as 1024 (or 0)
    check_integer_range(out)


def test_ks_of_a_focal_beyond_a_small_baseline_is_within_one_bin(tmp_path: Path) -> None:
    """One row a day, values 0..6 over the baseline week; the focal day holds 7 and 9 (on its
    two boundaries: 00:00:00 and 23:59:59.999999). Exact KS (scipy): 1. The baseline's 6
    shares the top tail bin with the focal values, so the binned KS reads 6/7: a lower bound
    short by that bin's share, as docs/statistics.md states (pushing down each column's
    min and max would make it exact, and made the fused scan 35 % slower)."""
    import duckdb

    con = duckdb.connect(str(tmp_path / "wh.duckdb"))
    con.execute("CREATE TABLE t (ts TIMESTAMP, x DOUBLE)")
    con.execute("INSERT INTO t SELECT TIMESTAMP '2026-05-01' + to_days(CAST(i AS INTEGER)), i FROM range(7) r(i)")
    con.execute("INSERT INTO t VALUES (TIMESTAMP '2026-05-08', 7), (TIMESTAMP '2026-05-08 23:59:59.999999', 9), "
                "(TIMESTAMP '2026-05-09', 100)")   # the last row is after the focal day
    con.close()
    (tmp_path / "telltale.yml").write_text(
        "version: 1\nconnections:\n  wh: {type: duckdb, database: wh.duckdb}\nmodels:\n  m:\n"
        "    type: regression\n    connection: wh\n    source: {table: t}\n    timestamp: ts\n"
        "    features: {x: numeric}\n    predictions: {x: numeric}\n"
        "    baseline: {window: {last: 7d}}\nmonitors:\n"
        "  - {name: ks, model: m, type: data_drift, method: ks, threshold: 0.5}\n"
        "  - {name: rows, model: m, type: model_activity, detection: {absolute: {min: 0}}}\n")
    out = run_project(tmp_path)
    want = stats.ks_2samp(np.arange(7.0), [7.0, 9.0])
    r = result(out, "ks", "x")
    assert want.statistic == 1.0
    assert r["value"] <= want.statistic and want.statistic - r["value"] <= 1 / 7 + 1e-12   # one bin: 1 of 7 rows
    assert r["status"] == "alert"
    assert result(out, "rows")["value"] == 2          # the boundary rows: in, and the next day: out
