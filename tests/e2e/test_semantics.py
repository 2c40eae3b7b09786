"""Every result right or explicit: built-in names, DATE timestamps, segments without a
baseline, empty comparison segments, undefined metrics, min_rows, no_data reasons."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pytest
from semantics_project import AT, FOCAL, one, results, rows, run, runner, write

from telltale.cli.main import app
from telltale.monitors.model_staleness import FALLBACK_KIND

# ---------------------------------------------------------------- built-in names


def test_a_builtin_function_name_in_a_metric_file_fails_validate_and_run(tmp_path: Path) -> None:
    monitors = "  - {name: f1, model: m, type: performance_degradation, metric: f1, detection: {absolute: {min: 0.1}}}"
    root = write(tmp_path / "p", monitors, metrics="metric ok = count()\nmetric quantile = count()\n")
    res = runner.invoke(app, ["validate", "--project", str(root)])
    assert res.exit_code == 2
    assert ("metrics/m.metric:2:1: quantile is a built-in function; functions cannot be redefined"
            in res.output), res.output
    code, out, output = run(root)
    assert code == 2 and out is None
    assert "metrics/m.metric:2:1: quantile is a built-in function" in output
    assert not (root / ".telltale").exists()


def test_a_user_metric_shadows_a_builtin_model_metric_but_not_the_builtins_using_it(tmp_path: Path) -> None:
    """DESIGN.md's `metric r2 = ...` takes a built-in's name: a user `tp_count` (always 0) is
    what a monitor's `metric: tp_count` computes, while the built-in f1 (whose stdlib body
    counts true positives) keeps the built-in tp_count: f1 equals sklearn's on the rows."""
    from sklearn.metrics import f1_score

    monitors = ("  - {name: f1, model: m, type: performance_degradation, metric: f1, "
                "detection: {absolute: {min: 0.01}}}\n"
                "  - {name: tp, model: m, type: performance_degradation, metric: tp_count, "
                "detection: {absolute: {min: -1}}}")
    root = write(tmp_path / "p", monitors, metrics="metric ok = count()\n"
                 "metric tp_count(prediction: boolean | numeric = prediction,\n"
                 "                label: boolean | numeric = actual) = count() * 0\n")
    res = runner.invoke(app, ["validate", "--project", str(root), "--no-warehouse"])
    assert res.exit_code == 0, res.output
    code, out, output = run(root)
    assert code == 0 and out is not None, output
    focal = [r for r in rows() if r[1].date() == FOCAL.date()]
    want = f1_score([r[6] for r in focal], [r[5] for r in focal])
    assert one(out, "f1")["value"] == pytest.approx(want, rel=1e-12)
    assert one(out, "tp")["value"] == 0


# ---------------------------------------------------------------- staleness on every time type


@pytest.mark.parametrize("ts_type", ["DATE", "TIMESTAMP", "TIMESTAMPTZ"])
def test_staleness_reads_date_timestamp_and_timestamptz(tmp_path: Path, ts_type: str) -> None:
    monitors = "  - {name: fresh, model: m, type: model_staleness, max_age: 2d}"
    root = write(tmp_path / "p", monitors, ts_type=ts_type)
    con = duckdb.connect(str(root / "wh.duckdb"), read_only=True)
    newest = con.execute("SELECT max(ts) FROM preds").fetchall()[0][0]
    con.close()
    if ts_type == "DATE":
        newest = datetime(newest.year, newest.month, newest.day, tzinfo=timezone.utc)
    elif newest.tzinfo is None:
        newest = newest.replace(tzinfo=timezone.utc)
    # the last 2 x max_age (4 days) is asked first; all time only when that holds no row
    for at, status in (("2026-03-11T06:00:00Z", "ok"), ("2026-03-14T06:00:00Z", "alert"),
                       ("2026-04-30T06:00:00Z", "alert")):
        _code, out, output = run(root, at=at)
        (r,) = results(out, "fresh")
        expected = (datetime.fromisoformat(at.replace("Z", "+00:00")) - newest).total_seconds()
        sent = ["staleness"] + ([FALLBACK_KIND] if expected > 4 * 86400 else [])
        assert r["status"] == status, output
        assert r["value"] == pytest.approx(expected)
        assert [q["kind"] for q in out["queries"] if q["kind"].startswith("staleness")] == sent
        if ts_type == "DATE":
            assert "taken as the start of that day" in r["message"]


# ---------------------------------------------------------------- segments without a baseline

NEW_SEGMENT = """\
  - {name: drift, model: m, type: data_drift, columns: [x, cat], method: psi, segment: all}
  - {name: volume, model: m, type: model_activity, segment: all, detection: {change: {percent: 50}}}
  - {name: volume absolute, model: m, type: model_activity, segment: all, detection: {absolute: {min: 5}}}
  - {name: volume anomaly, model: m, type: model_activity, segment: all, detection: {anomaly: {sensitivity: 3, history: 7d}}}
  - {name: mean x, model: m, type: metric_change, columns: [x], statistic: mean, segment: all, detection: {change: {percent: 25}}}
  - {name: new cats, model: m, type: new_values, columns: [cat], segment: all}
  - {name: range, model: m, type: value_range, columns: [x], margin: 0.1, segment: all}
  - {name: mean metric, model: m, type: custom_metric, metric: mean(features.x), segment: all, detection: {change: {percent: 25}}}
"""


def test_a_new_segment_value_has_no_baseline(tmp_path: Path) -> None:
    """Segment cat=c appears on the focal day only: every comparison with the baseline is
    no_data saying so (it was `ok`, or an `alert` of inf%); the known segments are judged."""
    root = write(tmp_path / "p", NEW_SEGMENT, data=rows(focal_cats=("a", "b", "c")))
    _code, out, output = run(root)
    assert out is not None, output
    new = {"cat": "c"}
    for monitor in ("drift", "volume", "mean x", "new cats", "range", "mean metric"):
        for r in results(out, monitor):
            if r["segment"] == new:
                assert r["status"] == "no_data" and r["value"] is None, r
                assert "segment cat='c' has no baseline: the baseline window (2026-03-02 00:00 to " \
                       "2026-03-09 00:00 UTC) has no rows of it" in r["message"], r
            else:
                assert r["status"] in ("ok", "alert") and r["value"] is not None, r
    anomaly = one(out, "volume anomaly", new)
    assert anomaly["status"] == "no_data"
    assert "segment cat='c' has rows in 0 of the 7 past window(s); at least 3 are needed" in anomaly["message"]
    # an absolute rule needs no baseline: the new segment is judged (20 rows >= 5)
    absolute = one(out, "volume absolute", new)
    assert absolute["status"] == "ok" and absolute["value"] == 20
    # all rows together: c is a new value of cat
    assert one(out, "new cats", None)["status"] == "alert"


# ---------------------------------------------------------------- compare_segment


def test_compare_segment_with_an_empty_segment_is_no_data(tmp_path: Path) -> None:
    monitors = """\
  - {name: vs zzz, model: m, type: model_activity, detection: {compare_segment: {column: cat, value: zzz, percent: 20}}}
  - {name: vs b, model: m, type: custom_metric, metric: mean(features.x), segment: {cat: a}, detection: {compare_segment: {column: cat, value: b, percent: 90}}}
  - {name: vs all, model: m, type: model_activity, segment: {cat: a}, detection: {compare_segment: {column: cat, value: all, percent: 40}}}
"""
    root = write(tmp_path / "p", monitors)
    _code, out, _output = run(root)
    empty = one(out, "vs zzz")
    assert empty["status"] == "no_data" and empty["value"] is None
    assert empty["message"] == ("count: the compared segment cat='zzz' has no rows in the window "
                                "(2026-03-10 00:00 to 2026-03-11 00:00 UTC)")
    con = duckdb.connect(str(root / "wh.duckdb"), read_only=True)
    day = "ts >= '2026-03-10' AND ts < '2026-03-11'"
    mean_a, mean_b = (con.execute(f"SELECT avg(x) FROM preds WHERE cat = '{c}' AND {day}").fetchall()[0][0]
                      for c in "ab")
    con.close()
    vs_b = one(out, "vs b", {"cat": "a"})
    assert vs_b["status"] == "ok" and vs_b["value"] == pytest.approx(mean_a, rel=1e-12)
    assert vs_b["segment_value"] == pytest.approx(mean_b, rel=1e-12)
    assert f"from {mean_b:.4g} in segment cat='b' (allowed 90%)" in vs_b["message"], vs_b
    vs_all = one(out, "vs all", {"cat": "a"})       # 30 rows of a vs 60 in all: down 50% > 40%
    assert vs_all["status"] == "alert" and vs_all["segment_value"] == 60
    assert "moved down 50.0% from 60 in all rows (allowed 40%)" in vs_all["message"]


# ---------------------------------------------------------------- undefined metrics


def test_overflowing_or_undefined_metrics_are_errors_naming_the_metric(tmp_path: Path) -> None:
    monitors = """\
  - {name: power, model: m, type: custom_metric, metric: mean(features.x) ** 1000, detection: {absolute: {max: 1}}}
  - {name: root, model: m, type: custom_metric, metric: sqrt(-mean(features.x)), detection: {absolute: {max: 1}}}
  - {name: log, model: m, type: custom_metric, metric: ln(min(features.x) - max(features.x)), detection: {absolute: {max: 1}}}
  - {name: exp, model: m, type: custom_metric, metric: exp(10 * sum(features.x)), detection: {absolute: {max: 1}}}
  - {name: ratio, model: m, type: custom_metric, metric: count() / (count() - count()), detection: {absolute: {max: 1}}}
  - {name: named, model: m, type: custom_metric, metric: blowup, detection: {absolute: {max: 1}}}
  - {name: empty, model: m, type: custom_metric, metric: mean(features.x), segment: {cat: zzz}, detection: {absolute: {max: 1}}}
  - {name: guarded, model: m, type: custom_metric, metric: "coalesce(count() / (count() - count()), 7)", detection: {absolute: {max: 10}}}
"""
    root = write(tmp_path / "p", monitors, metrics="metric blowup = sum(features.x) ** 500\n")
    code, out, output = run(root)
    assert out is not None and code == 3, output   # an error result is a run-time failure
    expected = {
        "power": "metric mean(features.x) ** 1000: overflow: ",
        "root": "metric sqrt(-mean(features.x)): undefined: sqrt of a negative number (-",
        "log": "metric ln(min(features.x) - max(features.x)): undefined: ln of a number that is not positive (-",
        "exp": "metric exp(10 * sum(features.x)): overflow: exp(",
        "named": "metric blowup: overflow: ",
    }
    for monitor, start in expected.items():
        r = one(out, monitor)
        assert r["status"] == "error" and r["value"] is None, r
        assert r["error"].startswith(start), r["error"]
        assert "no data" not in r["message"] and r["message"].startswith(r["metric"] + ": "), r
        assert r["message"].count(r["metric"]) == 1, r    # the metric is named once
    ratio = one(out, "ratio")              # 0/0 is null, as documented: no_data with the reason
    assert ratio["status"] == "no_data"
    assert ratio["message"] == "count() / (count() - count()): division by zero (count(*) - count(*) is 0)"
    empty = one(out, "empty", {"cat": "zzz"})   # a truly empty window is no_data, not an error
    assert empty["status"] == "no_data" and empty["error"] is None
    assert empty["message"].endswith("no rows of segment cat='zzz' in the window (2026-03-10 00:00 to "
                                     "2026-03-11 00:00 UTC)")
    assert one(out, "guarded")["value"] == 7 and one(out, "guarded")["status"] == "ok"


# ---------------------------------------------------------------- min_rows

EVERY_TYPE_FIRING = """\
  - {name: drift, model: m, type: data_drift, columns: [x], threshold: 0.000001, min_rows: MIN}
  - {name: pdrift, model: m, type: prediction_drift, columns: [score], threshold: 0.000001, min_rows: MIN}
  - {name: nulls, model: m, type: missing_values, columns: [x], detection: {absolute: {max: -1}}, min_rows: MIN}
  - {name: new cats, model: m, type: new_values, columns: [cat], min_rows: MIN}
  - {name: range, model: m, type: value_range, columns: [x], detection: {absolute: {max: 0}}, min_rows: MIN}
  - {name: volume, model: m, type: model_activity, detection: {absolute: {min: 1000}}, min_rows: MIN}
  - {name: mean x, model: m, type: metric_change, columns: [x], statistic: mean, detection: {absolute: {max: 0}}, min_rows: MIN}
  - {name: custom, model: m, type: custom_metric, metric: mean(features.x), segment: all, detection: {absolute: {max: 0}}, min_rows: MIN}
  - {name: perf, model: m, type: performance_degradation, metric: f1, detection: {absolute: {min: 2}}, min_rows: MIN}
  - {name: fresh, model: m, type: model_staleness, max_age: 1h, min_rows: MIN}
"""


def test_min_rows_gives_no_data_never_an_alert_for_every_monitor_type(tmp_path: Path) -> None:
    """The focal day has 30 rows (and a new category d, so new_values fires): with min_rows
    20 every monitor alerts, with min_rows 31 every monitor but staleness is no_data."""
    data = rows(focal_cats=("a", "b", "d"), focal_rows=30)
    root = write(tmp_path / "low", EVERY_TYPE_FIRING.replace("MIN", "20"), data=data)
    code, out, output = run(root, at="2026-03-11T06:00:00Z")
    assert code == 1, output
    for r in out["results"]:
        if r["monitor"] == "custom" and r["segment"] is not None:
            continue        # 10 rows per segment: below min_rows 20
        assert r["status"] == "alert", r
    segments = [r for r in results(out, "custom") if r["segment"] is not None]
    assert segments and all("only 10 row(s) of segment cat=" in r["message"] and "fewer than min_rows: 20"
                            in r["message"] and r["status"] == "no_data" for r in segments)

    root = write(tmp_path / "high", EVERY_TYPE_FIRING.replace("MIN", "31"), data=data)
    code, out, output = run(root, at="2026-03-11T06:00:00Z")
    for r in out["results"]:
        if r["monitor"] == "fresh":
            assert r["status"] == "alert", r        # min_rows does not hide that rows stopped
            continue
        assert r["status"] == "no_data" and r["value"] is None, r
        rows_text = "only 30 row(s)" if r["segment"] is None else "only 10 row(s) of segment cat="
        assert rows_text in r["message"] and ("in the window (2026-03-10 00:00 to 2026-03-11 00:00 "
                                              "UTC), fewer than min_rows: 31") in r["message"], r
    assert {r["type"] for r in out["results"]} == {
        "data_drift", "prediction_drift", "missing_values", "new_values", "value_range",
        "model_activity", "metric_change", "custom_metric", "performance_degradation", "model_staleness"}


# ---------------------------------------------------------------- every no_data says why

SWEEP = """\
  - {name: drift, model: m, type: data_drift, columns: [x, cat], segment: all}
  - {name: drift zzz, model: m, type: data_drift, columns: [x, cat], segment: {cat: zzz}}
  - {name: pdrift, model: m, type: prediction_drift, columns: [score], segment: all}
  - {name: nulls, model: m, type: missing_values, columns: [x], segment: all, detection: {change: {percent: 10}}}
  - {name: nulls zzz, model: m, type: missing_values, columns: [x], segment: {cat: zzz}, detection: {absolute: {max: 0.5}}}
  - {name: new cats, model: m, type: new_values, columns: [cat], segment: all}
  - {name: new cats zzz, model: m, type: new_values, columns: [cat], segment: {cat: zzz}}
  - {name: range margin, model: m, type: value_range, columns: [x], margin: 0.1, segment: all}
  - {name: range abs, model: m, type: value_range, columns: [x], detection: {absolute: {max: 100}}, segment: all}
  - {name: volume, model: m, type: model_activity, segment: all, detection: {change: {percent: 50}}}
  - {name: volume anomaly, model: m, type: model_activity, segment: all, detection: {anomaly: {history: 7d}}}
  - {name: volume few, model: m, type: model_activity, segment: all, min_rows: 25, detection: {absolute: {min: 1}}}
  - {name: vs zzz, model: m, type: model_activity, detection: {compare_segment: {column: cat, value: zzz, percent: 20}}}
  - {name: mean x, model: m, type: metric_change, columns: [x], statistic: mean, segment: all, detection: {change: {percent: 25}}}
  - {name: stddev x, model: m, type: metric_change, columns: [x], statistic: stddev, detection: {absolute: {max: 100}}}
  - {name: custom, model: m, type: custom_metric, metric: mean(features.x), segment: all, detection: {absolute: {max: 100}}}
  - {name: ratio, model: m, type: custom_metric, metric: count() / (count() - count()), detection: {absolute: {max: 1}}}
  - {name: quantile, model: m, type: custom_metric, metric: median(features.x), detection: {absolute: {max: 100}}}
  - {name: f1, model: m, type: performance_degradation, metric: f1, segment: all, detection: {change: {percent: 50}}}
  - {name: auc, model: m, type: performance_degradation, metric: auc_roc, segment: {cat: zzz}, detection: {absolute: {min: 0.1}}}
  - {name: fresh, model: m, type: model_staleness, max_age: 2d}
"""
# the reasons the sweep must meet (each at least once)
REASONS = (
    "has no baseline: the baseline window",             # a new segment value
    "there is no baseline: the baseline window",        # the model's first day
    "no rows of segment cat='zzz' in the window",         # an empty fixed segment
    "no rows in the window",                            # nothing at all
    "past window(s); at least 3 are needed",            # anomaly without history
    "fewer than min_rows: 25",                          # min_rows
    "the compared segment cat='zzz' has no rows",         # compare_segment
    "division by zero (count(*) - count(*) is 0)",      # 0/0 in a metric
    'division by zero (count("x") is 0)',               # mean of a column with no values
    "x has no values in the window",                    # metric_change / value_range on nulls
    "psi of x in cat='a': the window or the baseline has no values of x",  # rows, but x null
    "quantile(\"x\", 0.5) has no values in the window",  # a quantile of no values
    "no predictions before",                            # staleness before the first row
)


def test_every_no_data_result_says_why(tmp_path: Path) -> None:
    """Three runs of one project covering every no_data path: the focal day has a new
    category and only nulls in x; the model's first day (no baseline); a day before any
    row. No no_data result carries an empty or generic message."""
    root = write(tmp_path / "p", SWEEP, data=rows(focal_cats=("a", "b", "c"), focal_x_null=True))
    seen: list[dict] = []
    for at in (AT, "2026-03-02T00:00:00Z", "2026-02-01T00:00:00Z"):
        _code, out, output = run(root, at=at)
        assert out is not None, output
        seen += out["results"]
    no_data = [r for r in seen if r["status"] == "no_data"]
    assert len(no_data) > 60
    for r in no_data:
        subject, _, why = r["message"].partition(": ")
        assert subject and len(why) > 20, r
        assert "no data in the window" not in why and "has no value in the window" not in why, r
        assert r["value"] is None, r
    messages = "\n".join(r["message"] for r in no_data)
    for reason in REASONS:
        assert reason in messages, reason
    assert {r["type"] for r in no_data} == {
        "data_drift", "prediction_drift", "missing_values", "new_values", "value_range",
        "model_activity", "metric_change", "custom_metric", "performance_degradation", "model_staleness"}


def test_a_vanished_segment_value_is_reported(tmp_path: Path) -> None:
    """Segment cat=b has no rows on the focal day: its volume drop alerts, and the monitors
    that need rows say there are none (it used to be left out of the results)."""
    monitors = """\
  - {name: volume, model: m, type: model_activity, segment: all, detection: {change: {percent: 50}}}
  - {name: drift, model: m, type: data_drift, columns: [x], segment: all}
"""
    root = write(tmp_path / "p", monitors, data=rows(focal_cats=("a",)))
    _, out, _ = run(root)
    gone = one(out, "volume", {"cat": "b"})
    assert gone["status"] == "alert" and gone["value"] == 0 and gone["baseline_value"] == 30, gone
    drift = one(out, "drift", {"cat": "b"})
    assert drift["status"] == "no_data"
    assert drift["message"] == ("psi of x in cat='b': no rows of segment cat='b' in the window "
                                "(2026-03-10 00:00 to 2026-03-11 00:00 UTC)")


def test_a_nan_value_is_never_ok(tmp_path: Path) -> None:
    """Half the focal x values are NaN: a statistic or metric that comes out NaN is an
    error saying so, never `ok` (a safety net under the monitors' own NaN handling)."""
    data = [r if r[1] < datetime(2026, 3, 10) or r[0] % 2 else (r[0], r[1], float("nan"), *r[3:])
            for r in rows()]
    monitors = """\
  - {name: mean x, model: m, type: metric_change, columns: [x], statistic: mean, detection: {absolute: {max: 1000}}}
  - {name: custom, model: m, type: custom_metric, metric: mean(features.x), detection: {absolute: {max: 1000}}}
"""
    root = write(tmp_path / "p", monitors, data=data)
    _, out, output = run(root)
    assert out is not None, output
    for r in out["results"]:
        assert "nan" in r["message"].lower(), r       # said, whatever the status
        if r["status"] == "error":
            assert r["value"] is None and r["error"], r
        else:                                         # NaN values counted and left out
            assert r["value"] is not None and r["value"] == r["value"], r
