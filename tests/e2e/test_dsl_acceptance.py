"""The metric language used as DESIGN.md and docs/dsl.md describe it, by a new user and a
hostile one: what `validate` accepts also runs, and gives the value computed from the raw
rows (counts: exact)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from semantics_project import AT, FOCAL, MODEL, one, results, rows, run, runner, write

from telltale.cli.main import app


def _monitors(*names: str) -> str:
    return "\n".join(f"  - {{name: {n}, model: m, type: custom_metric, metric: {n}, "
                     "detection: {absolute: {min: -1}}}" for n in names)


def _focal() -> list[tuple]:
    return [r for r in rows(focal_cats=("1", "a")) if r[1].date() == FOCAL.date()]


def test_a_categorical_field_compared_with_a_number_runs(tmp_path: Path) -> None:
    """docs/dsl.md: a categorical field compares with `== !=` "with a string or a number",
    and `in (...)`. On a VARCHAR column holding '1' and 'a', `== 1` selects the '1' rows
    (it used to pass validate and then fail in DuckDB: Could not convert string 'a' to
    INT32)."""
    metrics = ("metric eq = count(features.x[features.cat == 1])\n"
               "metric ne = count(features.x[features.cat != 1.0])\n"
               "metric mixed = count([features.cat in (\"a\", 1)])\n"
               "metric nin = count([features.cat not in (1, 2)])\n")
    root = write(tmp_path / "p", _monitors("eq", "ne", "mixed", "nin"), metrics=metrics,
                 data=rows(focal_cats=("1", "a")))
    res = runner.invoke(app, ["validate", "--project", str(root)])
    assert res.exit_code == 0, res.output
    code, out, output = run(root)
    assert code == 0 and out is not None, output
    focal = _focal()
    ones = sum(1 for r in focal if r[3] == "1")
    assert 0 < ones < len(focal)
    assert one(out, "eq")["value"] == ones
    assert one(out, "ne")["value"] == len(focal) - ones
    assert one(out, "mixed")["value"] == len(focal)
    assert one(out, "nin")["value"] == len(focal) - ones


def test_an_integer_categorical_column_compares_with_numbers_and_strings(tmp_path: Path) -> None:
    """A categorical feature stored as INTEGER (codes): `== 3`, `in (3, 4)` and `== "3"`
    select the same rows on DuckDB."""
    metrics = ("metric num = count([features.code == 3])\n"
               "metric lst = count([features.code in (3, 4)])\n"
               "metric txt = count([features.code == \"3\"])\n")
    root = write(tmp_path / "p", _monitors("num", "lst", "txt"), metrics=metrics)
    con = duckdb.connect(str(root / "wh.duckdb"))
    con.execute("ALTER TABLE preds ADD COLUMN code INTEGER")
    con.execute("UPDATE preds SET code = CAST(id % 5 AS INTEGER)")
    focal = con.execute("SELECT code FROM preds WHERE CAST(ts AS DATE) = ?", [FOCAL.date()]).fetchall()
    con.close()
    yml = (root / "telltale.yml").read_text()
    (root / "telltale.yml").write_text(yml.replace("cat: categorical}", "cat: categorical, code: categorical}"))
    assert MODEL.count("cat: categorical}") == 1
    code, out, output = run(root)
    assert code == 0 and out is not None, output
    threes = sum(1 for (c,) in focal if c == 3)
    assert threes > 0
    assert one(out, "num")["value"] == threes
    assert one(out, "lst")["value"] == sum(1 for (c,) in focal if c in (3, 4))
    assert one(out, "txt")["value"] == threes


def test_a_threshold_on_a_boolean_prediction_is_an_error_not_ignored(tmp_path: Path) -> None:
    """`f1(threshold=0.3)` takes the model's first boolean prediction, used as is: the
    threshold changed nothing and the run reported the plain f1 as if it applied. It is now
    a DSL error at the call, saying to pass a score; on the score it is applied (sklearn)."""
    from sklearn.metrics import f1_score

    for body, col in (("f1(threshold=0.3)", 12), ("precision(predictions.pred, actuals.y, threshold=2)", 12)):
        root = write(tmp_path / f"bad{col}{len(body)}", _monitors("t"), metrics=f"metric t =\n  {body}\n")
        res = runner.invoke(app, ["validate", "--project", str(root), "--no-warehouse"])
        assert res.exit_code == 2, res.output
        assert "metrics/m.metric:2:3: " in res.output, res.output
        assert "threshold" in res.output and "predictions.pred is boolean" in res.output, res.output
        assert "predictions.score" in res.output, res.output
        assert "Traceback" not in res.output
    root = write(tmp_path / "good", _monitors("t", "plain"),
                 metrics="metric t = f1(predictions.score, actuals.y, threshold=0.3)\n"
                         "metric plain = f1()\n")
    code, out, output = run(root)
    assert code == 0 and out is not None, output
    focal = [r for r in rows() if r[1].date() == FOCAL.date()]
    y = [r[6] for r in focal]
    assert one(out, "t")["value"] == pytest.approx(f1_score(y, [r[4] >= 0.3 for r in focal]), rel=1e-12)
    assert one(out, "plain")["value"] == pytest.approx(f1_score(y, [r[5] for r in focal]), rel=1e-12)


def test_a_long_chain_of_metrics_each_using_the_one_before(tmp_path: Path) -> None:
    """"A metric may use metrics defined before it": a chain of 90 metrics, each adding 1
    to the one before, compiles within the documented bounds (final tree under 100 levels)
    and runs. It used to stop at 64 with "metrics nest deeper than 64 calls; is there a
    cycle?" although there is none. A chain too deep for the documented bounds still gives
    an error naming the bound, at a place in the file, with exit 2."""
    chain = "metric a0 = count()\n" + "".join(f"metric a{i} = a{i - 1} + 1\n" for i in range(1, 90))
    root = write(tmp_path / "ok", _monitors("a89"), metrics=chain)
    code, out, output = run(root)
    assert code == 0 and out is not None, output
    assert one(out, "a89")["value"] == sum(1 for r in rows() if r[1].date() == FOCAL.date()) + 89
    long = "metric a0 = count()\n" + "".join(f"metric a{i} = a{i - 1}\n" for i in range(1, 400))
    root = write(tmp_path / "deep", _monitors("a399"), metrics=long)
    res = runner.invoke(app, ["validate", "--project", str(root), "--no-warehouse"])
    assert res.exit_code == 2, res.output
    assert "metrics/m.metric:" in res.output and "deeper than 200 levels" in res.output, res.output
    assert "cycle" not in res.output and "Traceback" not in res.output


def test_a_metric_file_saved_with_a_bom_and_crlf_line_ends(tmp_path: Path) -> None:
    """Windows editors save UTF-8 with a byte-order mark and CRLF line ends: the file reads
    as written (the invisible BOM used to be "unexpected character '\\ufeff'" at 1:1), and
    errors keep their line and column."""
    root = write(tmp_path / "p", _monitors("z"))
    (root / "metrics" / "m.metric").write_bytes(
        "\ufeff// approval\r\nmetric z =\r\n    count() + 1\r\n".encode("utf-8"))
    code, out, output = run(root)
    assert code == 0 and out is not None, output
    assert one(out, "z")["value"] == sum(1 for r in rows() if r[1].date() == FOCAL.date()) + 1
    (root / "metrics" / "m.metric").write_bytes("\ufeffmetric z =\r\n  mean(features.xx)\r\n".encode("utf-8"))
    res = runner.invoke(app, ["validate", "--project", str(root), "--no-warehouse"])
    assert res.exit_code == 2
    assert "metrics/m.metric:2:8: unknown field features.xx" in res.output, res.output


def test_count_distinct_is_exact_or_says_why_not(tmp_path: Path) -> None:
    """docs/dsl.md: count_distinct is exact ("a count per value, merged by value"). A
    column with 400 distinct values a day over a 7-day window gave 701 (each day cut to the
    model's top_values, 100, plus `__other__`) as `ok`, for 2,800 distinct values. Now
    the value is exact (here 2,800 and 1,400), and beyond the documented 10,000 values per
    bucket it is an error that says so, never a wrong number."""
    from datetime import date

    metrics = ("metric cd = count_distinct(features.x)\n"
               "metric cdf = count_distinct(predictions.score[features.cat == \"a\"])\n"
               "metric cdc = count_distinct(features.cat)\n")
    mons = "\n".join(f"  - {{name: {n}, model: m, type: custom_metric, metric: {n}, window: 7d, "
                     "detection: {absolute: {min: -1}}}" for n in ("cd", "cdf", "cdc"))
    data = rows(per_day=400)
    root = write(tmp_path / "p", mons, metrics=metrics, data=data)
    code, out, output = run(root)
    assert code == 0 and out is not None, output
    window = [r for r in data if date(2026, 3, 4) <= r[1].date() <= FOCAL.date()]
    assert one(out, "cd")["value"] == len({r[2] for r in window}) == 2800
    assert one(out, "cdf")["value"] == len({r[4] for r in window if r[3] == "a"}) == 1400
    assert one(out, "cdc")["value"] == 2

    root = write(tmp_path / "wide", "  - {name: cd, model: m, type: custom_metric, "
                 "metric: count_distinct(features.x), detection: {absolute: {min: -1}}}")
    con = duckdb.connect(str(root / "wh.duckdb"))   # 10,050 distinct values on the focal day
    con.execute("INSERT INTO preds SELECT 100000 + i, TIMESTAMP '2026-03-10 12:00:00', i, 'a', 0.5, "
                "true, true FROM range(10050) t(i)")
    con.close()
    code, out, output = run(root)
    assert code == 3 and out is not None, output
    res = one(out, "cd")
    assert res["status"] == "error" and res["value"] is None
    assert "more than 10000 distinct values" in res["message"], res["message"]


def test_change_takes_counts_per_window_even_when_the_baseline_has_them_on_one_day(tmp_path: Path) -> None:
    """DESIGN: `change` takes counts "per window of the focal window's length, e.g. the
    baseline's mean rows per day". A custom metric counting a category seen on one day of
    the 7-day baseline (15 rows on 2026-03-05) compared the focal day's 2 with the whole
    baseline's 15 (a false alert: "moved down 86.7%"); its per-day value is 15 / 7, as
    model_activity already said. Counts are recognised from the metric's formula, not from
    how the baseline's days happen to add up; ratios stay pooled over the whole baseline."""
    from datetime import date

    def cat(r: tuple) -> str:
        on_c = (r[1].date() == date(2026, 3, 5) and r[0] % 4 == 0) or (r[1].date() == FOCAL.date() and r[0] % 30 == 0)
        return "c" if on_c else r[3]

    data = [(r[0], r[1], r[2], cat(r), *r[4:]) for r in rows()]
    base_c = sum(1 for r in data if r[3] == "c" and date(2026, 3, 2) <= r[1].date() <= date(2026, 3, 8))
    focal_c = sum(1 for r in data if r[3] == "c" and r[1].date() == FOCAL.date())
    assert (base_c, focal_c) == (15, 2)
    mons = "\n".join(f"  - {{name: {n}, model: m, type: custom_metric, metric: '{m}',{s} "
                     "detection: {change: {percent: 50}}}"
                     for n, m, s in (("filtered", 'count([features.cat == "c"])', ""),
                                     ("segment", "count()", " segment: {cat: c},"),
                                     ("scaled", '3 * sum(features.x[features.cat == "c"]) / 2 - count([features.cat == "c"])', ""),
                                     ("share", 'count([features.cat == "c"]) / count()', "")))
    root = write(tmp_path / "p", mons + "\n  - {name: activity, model: m, type: model_activity, "
                 "segment: {cat: c}, detection: {change: {percent: 50}}}", data=data)
    code, out, output = run(root)
    assert out is not None, output
    for name, seg in (("filtered", None), ("segment", {"cat": "c"}), ("activity", {"cat": "c"})):
        res = one(out, name, seg)
        assert res["threshold"]["baseline_value"] == pytest.approx(base_c / 7, rel=1e-12), res
        assert res["status"] == "ok", res
    base_rows = [r for r in data if r[3] == "c" and date(2026, 3, 2) <= r[1].date() <= date(2026, 3, 8)]
    want = (3 * sum(r[2] for r in base_rows) / 2 - len(base_rows)) / 7
    assert one(out, "scaled")["threshold"]["baseline_value"] == pytest.approx(want, rel=1e-12)
    base_all = [r for r in data if date(2026, 3, 2) <= r[1].date() <= date(2026, 3, 8)]
    assert one(out, "share")["threshold"]["baseline_value"] == pytest.approx(base_c / len(base_all), rel=1e-12)


def test_performance_degradation_computes_its_metric_over_labelled_rows(tmp_path: Path) -> None:
    """DESIGN: performance_degradation's value is "the metric over rows that have labels".
    With a third of the focal day unlabelled (labels arrive late), an Aporia-style error
    rate `count([pred != y]) / count()` divided by every row (0.2 instead of 0.3 here), and
    `count()` counted every row; the same metric under custom_metric keeps every row."""
    data = [(*r[:6], None if r[1].date() == FOCAL.date() and r[0] % 3 == 0 else r[6]) for r in rows()]
    metrics = "metric error_rate = count([predictions.pred != actuals.y]) / count()\n"
    mons = "\n".join(f"  - {{name: {n}, model: m, type: {t}, metric: '{m}', detection: {{absolute: {{min: -1}}}}}}"
                     for n, t, m in (("perf errors", "performance_degradation", "error_rate"),
                                     ("perf rows", "performance_degradation", "count()"),
                                     ("perf mean", "performance_degradation", "mean(features.x)"),
                                     ("perf f1", "performance_degradation", "f1"),
                                     ("custom errors", "custom_metric", "error_rate"),
                                     ("custom rows", "custom_metric", "count()")))
    root = write(tmp_path / "p", mons, metrics=metrics, data=data)
    code, out, output = run(root)
    assert code == 0 and out is not None, output
    from sklearn.metrics import f1_score

    focal = [r for r in data if r[1].date() == FOCAL.date()]
    labelled = [r for r in focal if r[6] is not None]
    assert 0 < len(labelled) < len(focal)
    wrong = sum(1 for r in labelled if r[5] != r[6])
    assert one(out, "perf errors")["value"] == pytest.approx(wrong / len(labelled), rel=1e-12)
    assert one(out, "perf rows")["value"] == len(labelled)
    assert one(out, "perf mean")["value"] == pytest.approx(sum(r[2] for r in labelled) / len(labelled), rel=1e-12)
    assert one(out, "perf f1")["value"] == pytest.approx(f1_score([r[6] for r in labelled], [r[5] for r in labelled]), rel=1e-12)
    assert one(out, "custom errors")["value"] == pytest.approx(wrong / len(focal), rel=1e-12)
    assert one(out, "custom rows")["value"] == len(focal)


@pytest.mark.parametrize("key, value", [("baseline", "{window: {last: 2d}}"), ("segment", "all")])
def test_model_staleness_rejects_the_keys_it_cannot_honour(tmp_path: Path, key: str, value: str) -> None:
    """model_staleness has no baseline (it was accepted and ignored), and `on: version`
    watches the whole model's newest version: config errors naming the line (min_rows
    stays accepted: docs/config.md says it does not apply)."""
    extra = f"{key}: {value}" + (", on: version" if key == "segment" else "")
    root = write(tmp_path / "p", f"  - {{name: fresh, model: m, type: model_staleness, max_age: 2d, {extra}}}")
    res = runner.invoke(app, ["validate", "--project", str(root), "--no-warehouse"])
    assert res.exit_code == 2, res.output
    assert "telltale.yml:18:" in res.output and f"monitors[0].{key}: model_staleness" in res.output, res.output


def test_model_staleness_per_segment_is_each_segments_newest_row(tmp_path: Path) -> None:
    """`segment: all`: the whole model's age, then each segment value's, exact from the raw
    rows; a value that stopped sending days before (older than 2 x max_age) and the NULL
    segment included; `{cat: c}` only that value; a value never seen is no_data."""
    from datetime import datetime, timedelta, timezone

    data = rows()
    stopped = FOCAL - timedelta(days=6, hours=5)
    data += [(10_000, stopped, 1.0, "c", 0.5, True, True), (10_001, FOCAL + timedelta(hours=3), 1.0, None, 0.5, True, True)]
    mons = ("  - {name: fresh, model: m, type: model_staleness, max_age: 2d, segment: all}\n"
            "  - {name: fresh c, model: m, type: model_staleness, max_age: 2d, segment: {cat: c}}\n"
            "  - {name: fresh z, model: m, type: model_staleness, max_age: 2d, segment: {cat: z}}")
    root = write(tmp_path / "p", mons, data=data)
    code, out, output = run(root)
    assert out is not None and code == 1, output
    at = datetime.fromisoformat(AT.replace("Z", "+00:00"))
    newest: dict[str | None, datetime] = {}
    for r in data:
        if r[1] < at.replace(tzinfo=None):
            newest[r[3]] = max(newest.get(r[3], r[1]), r[1])
    age = {k: (at - v.replace(tzinfo=timezone.utc)).total_seconds() for k, v in newest.items()}
    whole = results(out, "fresh")
    assert [r["segment"] for r in whole] == [None, {"cat": "a"}, {"cat": "b"}, {"cat": "c"}, {"cat": None}]
    assert whole[0]["value"] == min(age.values())
    for r in whole[1:]:
        cat = r["segment"]["cat"]
        assert r["value"] == age[cat], r
        assert r["status"] == ("alert" if age[cat] > 2 * 86400 else "ok")
    assert one(out, "fresh c", {"cat": "c"})["value"] == age["c"] and age["c"] > 6 * 86400
    z = one(out, "fresh z", {"cat": "z"})
    assert z["status"] == "no_data" and "no predictions in cat='z'" in z["message"]


def test_min_rows_applies_to_the_compared_segment_and_to_anomaly_history(tmp_path: Path) -> None:
    """min_rows: "a window with fewer rows gives no_data, never an alert". The model's
    focal day has 60 rows; compare_segment against segment a (30 rows) with min_rows 40
    alerted on a 30-row reference, and anomaly history counted past days of 10 rows. Now
    the thin reference gives no_data saying so, and thin past windows are left out of the
    history (3 of 7 days remain)."""
    from datetime import date

    thin = {date(2026, 3, d) for d in (3, 4, 6, 8)}
    kept: dict[date, int] = {}
    data = []
    for r in rows():
        day = r[1].date()
        if day in thin and kept.get(day, 0) >= 10:
            continue
        kept[day] = kept.get(day, 0) + 1
        data.append(r)
    mons = ("  - {name: vs a, model: m, type: custom_metric, metric: 'mean(features.x)', min_rows: 40, "
            "detection: {compare_segment: {column: cat, value: a, percent: 0.001}}}\n"
            "  - {name: history, model: m, type: custom_metric, metric: 'mean(features.x)', min_rows: 40, "
            "detection: {anomaly: {history: 7d}}}")
    root = write(tmp_path / "p", mons, data=data)
    code, out, output = run(root)
    assert out is not None, output
    vs = one(out, "vs a")
    assert vs["status"] == "no_data" and vs["value"] is None, vs
    assert "the compared segment cat='a' has only 30 row(s) in the window" in vs["message"], vs
    assert "fewer than min_rows: 40" in vs["message"], vs
    hist = one(out, "history")
    assert hist["threshold"]["history_points"] == 3, hist
    import statistics
    means = [statistics.fmean(r[2] for r in data if r[1].date() == date(2026, 3, d)) for d in (5, 7, 9)]
    assert hist["threshold"]["history_mean"] == pytest.approx(statistics.fmean(means), rel=1e-12)


def test_change_on_a_count_plus_a_constant_takes_the_count_per_window(tmp_path: Path) -> None:
    """`count() + 1` (a count with a fixed offset, like a cost with a fixed part) compared
    the focal day's 61 with the 7-day baseline's 421 ("moved down 85.5%"); its counts are
    now taken per window of the focal length before the formula is applied: 60 + 1."""
    mons = ("  - {name: offset, model: m, type: custom_metric, metric: 'count() + 1', "
            "detection: {change: {percent: 5}}}\n"
            "  - {name: mixed, model: m, type: custom_metric, metric: '2 * count() - mean(features.x)', "
            "detection: {change: {percent: 5}}}")
    root = write(tmp_path / "p", mons)
    code, out, output = run(root)
    assert code == 0 and out is not None, output
    from datetime import date

    base = [r for r in rows() if date(2026, 3, 2) <= r[1].date() <= date(2026, 3, 8)]
    assert one(out, "offset")["threshold"]["baseline_value"] == pytest.approx(len(base) / 7 + 1, rel=1e-12)
    want = 2 * len(base) / 7 - sum(r[2] for r in base) / len(base)
    assert one(out, "mixed")["threshold"]["baseline_value"] == pytest.approx(want, rel=1e-12)
