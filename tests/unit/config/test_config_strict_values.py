"""Numbers are numbers (true is not 1, .inf and .nan are refused), durations stay inside the
calendar, interpolated values never appear in errors, and YAML cannot explode."""

from __future__ import annotations

import pytest

from telltale.config.yamlload import MAX_VALUES

MONITOR = """\
version: 1
connections: {wh: {type: duckdb, database: w.duckdb}}
models:
  m: {type: binary, connection: wh, source: {table: t}, timestamp: ts, predictions: {s: numeric}}
monitors:
  - {name: a, model: m, type: prediction_drift, %s}
"""


@pytest.mark.parametrize("value, said", [
    ("true", "expected a number, got true"), ("false", "expected a number, got false"),
    (".inf", "expected a finite number, got .inf"), ("-.inf", "expected a finite number, got -.inf"),
    (".nan", "expected a finite number, got .nan"), ("'inf'", "expected a finite number"),
])
def test_threshold_must_be_a_finite_number(error, value: str, said: str) -> None:
    err = error(MONITOR % f"threshold: {value}")
    assert "monitors[0].threshold" in str(err) and said in str(err), str(err)


@pytest.mark.parametrize("key", ["min", "max"])
def test_absolute_bounds_refuse_booleans_and_infinities(error, key: str) -> None:
    text = MONITOR.replace("prediction_drift, %s", "model_activity, detection: {absolute: {%s: %s}}")
    assert "expected a number, got true" in str(error(text % (key, "true")))
    assert "expected a finite number, got .inf" in str(error(text % (key, ".inf")))


def test_daily_cap_true_is_not_one(error) -> None:
    assert "expected a number, got true" in str(error(MONITOR % "daily_cap: true"))


def test_min_rows_true_is_not_one(error) -> None:
    assert "min_rows: expected a number, got true" in str(error(MONITOR % "min_rows: true"))


def test_finite_threshold_still_loads(parse) -> None:
    cfg = parse(MONITOR % "threshold: 0.25").config
    assert cfg.monitors[0].threshold == 0.25


@pytest.mark.parametrize("value", ["999999999999w", "5219w", "36526d"])
def test_durations_longer_than_a_century_are_refused(error, value: str) -> None:
    err = error(MONITOR % f"window: {value}")
    assert "monitors[0].window" in str(err) and "longer than 100 years" in str(err)


def test_infinite_timeout_is_refused(error) -> None:
    text = MONITOR % "threshold: 0.2" + "alerts:\n  ops: {type: webhook, url: 'https://x.example/h', timeout: .inf}\n"
    assert "finite number of seconds" in str(error(text))


def test_interpolated_values_are_redacted_in_errors(error) -> None:
    text = MONITOR % 'window: "${HOOK_SECRET}", cooldown: "x${HOOK_SECRET}y"'
    err = str(error(text, env={"HOOK_SECRET": "S3cr3tHMAC"}))
    assert "S3cr3tHMAC" not in err
    assert "'${HOOK_SECRET}' is not a duration" in err and "'x${HOOK_SECRET}y' is not a duration" in err


@pytest.mark.parametrize("env", [{"PD_KEY": "k"}, {"PD_KEY": "ml"}, {"PD_KEY": "require"}])
def test_a_short_interpolated_value_does_not_mangle_the_words_of_an_error(error, env: dict[str, str]) -> None:
    """A value interpolated in one place is replaced where it is quoted, not inside the words
    of another key's error: with `routing_key: ${PD_KEY}` set to k, an unknown channel's
    message said 'un${PD_KEY}nown alert channel'."""
    text = (MONITOR % "notify: [team]") + "alerts:\n  pager: {type: pagerduty, routing_key: \"${PD_KEY}\"}\n"
    err = str(error(text, env=env))
    assert "unknown alert channel 'team'" in err and "telltale.yml" in err, err
    assert "${PD_KEY}" not in err, err


def test_a_short_secret_quoted_in_an_error_is_still_redacted(error) -> None:
    """The whole interpolated value, quoted in its own key's error, is still replaced."""
    err = str(error(MONITOR % 'window: "${W}"', env={"W": "k"}))
    assert "'${W}' is not a duration" in err and "'k'" not in err, err


def test_a_default_written_in_the_file_is_shown(error) -> None:
    err = str(error(MONITOR % 'window: "${NOT_SET:-forever}"', env={}))
    assert "'forever' is not a duration" in err


def test_alias_expansion_is_bounded(error) -> None:
    lines = ['a0: &a0 [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]']
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 6)]
    err = error("\n".join(lines) + "\n")
    assert f"more than {MAX_VALUES:,} values" in str(err) and err.line == 5   # in a4: 111,111 values


def test_port_true_is_not_one(error) -> None:
    text = MONITOR % "threshold: 0.2"
    text = text.replace("wh: {type: duckdb, database: w.duckdb}",
                        "wh: {type: duckdb, database: w.duckdb}, pg: {type: postgres, host: h, port: true}")
    assert "connections.pg.port: expected a number, got true" in str(error(text))


@pytest.mark.parametrize("text", ["0001-01-01", "0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00",
                                  "9000-01-01", "0999-12-31T23:59:59Z"])
def test_times_outside_the_calendar_telltale_can_subtract_from_are_refused(text: str) -> None:
    from telltale.core.timeutil import parse_time

    with pytest.raises(ValueError, match="out of range"):
        parse_time(text)


def test_the_longest_window_fits_before_the_earliest_time() -> None:
    from telltale.core.timeutil import (
        MAX_DURATION,
        MIN_TIME,
        baseline_range,
        focal_range,
        parse_duration,
    )

    focal = focal_range(MIN_TIME, parse_duration("36525d"), MAX_DURATION // 36525)
    base = baseline_range(focal, MAX_DURATION, MAX_DURATION)
    assert base.start.year > 1
