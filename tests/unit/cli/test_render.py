"""The human report: windows, thresholds in their real direction, alerts, deliveries, no wrap
when piped, user text never read as markup; and strict JSON."""

from __future__ import annotations

import io
import json
from datetime import datetime, timezone

import pytest
from rich.console import Console

from telltale.cli.render import (
    PIPE_WIDTH,
    make_console,
    print_report,
    range_text,
    strict_json,
    threshold_text,
)
from telltale.core.results import TRAINING, MonitorResult
from telltale.runner.run import RunReport
from telltale.core.timeutil import TimeRange

UTC = timezone.utc
FOCAL = TimeRange(datetime(2026, 3, 12, tzinfo=UTC), datetime(2026, 3, 13, tzinfo=UTC))
BASE = TimeRange(datetime(2026, 2, 11, tzinfo=UTC), datetime(2026, 3, 11, tzinfo=UTC))


def result(**kw) -> MonitorResult:
    base = {"monitor": "nulls", "model": "m", "type": "missing_values", "column": "tenure", "segment": None,
            "metric": "missing_ratio", "value": 0.2, "threshold": {"max": 0.05}, "status": "alert",
            "severity": "medium", "window": FOCAL, "baseline": BASE, "message": "0.2 is above the maximum 0.05"}
    base.update(kw)
    return MonitorResult(**base)


def report(results, alerts=(), delivery=None) -> RunReport:
    rep = RunReport("r1", datetime(2026, 3, 13, tzinfo=UTC), list(results), alerts=list(alerts),
                    queries=[{"connection": "wh", "sql": "select 1", "seconds": 0.5, "rows": 1}])
    rep.delivery = delivery or {}
    return rep


def render(rep, width: int = 300) -> str:
    buf = io.StringIO()
    print_report(rep, Console(file=buf, width=width, color_system=None))
    return buf.getvalue()


@pytest.mark.parametrize("threshold, kind, text", [
    ({"max": 0}, "new_values", "> 0"),
    ({"max": 0.05}, "missing_values", "> 0.05"),
    ({"max": 0.2}, "data_drift", ">= 0.2"),               # drift fires when it reaches the threshold
    ({"min": 0.6}, "performance_degradation", "< 0.6"),
    ({"min": 18, "max": 120}, "value_range", "outside [18, 120]"),
    ({"min": 80, "max": 120, "percent": 20, "baseline_value": 100}, "model_activity",
     "outside [80, 120] (±20% of 100)"),
    ({"min": 80, "max": 120, "percent": 20, "baseline_value": 100, "direction": "up"}, "model_activity",
     "> 120 (±20% of 100)"),
    ({"min": 80, "max": 120, "percent": 20, "baseline_value": 100, "direction": "down"}, "model_activity",
     "< 80 (±20% of 100)"),
    ({"min": 1, "max": 3, "sensitivity": 3, "history_mean": 2}, "custom_metric", "outside [1, 3] (3 sd around 2)"),
    ({"percent": 15}, "custom_metric", "moves > 15%"),
    (None, "custom_metric", "-"),
])
def test_threshold_says_when_the_result_fires(threshold, kind, text) -> None:
    assert threshold_text(threshold, kind) == text


def test_a_rule_that_fires_above_zero_is_not_shown_as_below_zero() -> None:
    out = render(report([result(type="new_values", metric="new_value_share", threshold={"max": 0})]))
    assert "> 0" in out and "< 0" not in out


def test_ranges_show_the_window_and_baseline() -> None:
    assert range_text(FOCAL) == "2026-03-12"
    assert range_text(BASE) == "2026-02-11 .. 2026-03-10"
    assert range_text(TRAINING) == "training set"
    hours = TimeRange(datetime(2026, 3, 12, 6, tzinfo=UTC), datetime(2026, 3, 12, 12, tzinfo=UTC))
    assert range_text(hours) == "2026-03-12 06:00 .. 2026-03-12 12:00"
    out = render(report([result()]))
    assert "2026-03-12" in out and "2026-02-11 .. 2026-03-10" in out
    assert "window" in out and "baseline" in out


def test_why_alerts_and_resolved_alerts_are_listed() -> None:
    alerts = [{"id": "al_1", "monitor": "nulls", "status": "firing", "channels": ["ops"], "column": "tenure",
               "segment": None},
              {"id": "al_2", "monitor": "volume", "status": "resolved", "channels": ["ops"], "column": None,
               "segment": {"region": "EU"}},
              {"id": "al_3", "monitor": "quiet", "status": "firing", "channels": [], "column": None,
               "segment": None, "suppressed": "cooldown"},
              {"id": "al_4", "monitor": "flappy", "status": "resolved", "channels": [], "column": None,
               "segment": None, "suppressed": "daily_cap"}]
    out = render(report([result(), result(monitor="volume", status="ok", column=None),
                         result(monitor="f1", status="no_data", column=None, message="no labelled rows"),
                         result(monitor="auc", status="error", column=None, error="query failed")], alerts))
    assert "alert nulls [tenure]: 0.2 is above the maximum 0.05" in out
    assert "no_data f1: no labelled rows" in out and "error auc: query failed" in out
    assert "volume:" not in out                         # an ok result needs no explanation
    assert "opened nulls [tenure] (queued for ops; see Delivery)" in out
    assert "resolved volume (region='EU') (queued for ops; see Delivery)" in out
    assert "opened quiet (held by cooldown, sent later)" in out
    # an alert resolved while its firing notice was held: nothing is sent for it, ever
    # (it read "held by daily_cap, sent later")
    assert "resolved flappy (its firing notice was held by daily_cap, so nothing is sent)" in out
    assert "4 results: 1 alert, 1 error, 1 no_data, 1 ok; 1 queries pushed down (0.500 s in the warehouse)" in out


def test_each_delivery_outcome_is_shown() -> None:
    notices = [
        {"channel": "ops", "alert": "al_1", "notice": "firing", "status": "sent", "error": None, "retry_at": None},
        {"channel": "jira", "alert": "al_1", "notice": "firing", "status": "failed",
         "error": "HTTP 503 from jira", "retry_at": "2026-03-13T00:01:00Z"},
        {"channel": "jira", "alert": "al_2", "notice": "resolved", "status": "pending",
         "error": "an earlier notice of this alert is still pending", "retry_at": None},
        {"channel": "pd", "alert": "al_3", "notice": "firing", "status": "pending", "error": None,
         "retry_at": "2026-03-13T01:00:00Z"},
    ]
    out = render(report([result()], delivery={"notices": notices, "channel_errors": {"team": "SLACK unset"}}))
    assert "sent firing of al_1 to ops" in out
    assert "failed firing of al_1 to jira: HTTP 503 from jira; retried after 2026-03-13T00:01:00Z" in out
    assert ("pending resolved of al_2 to jira until the next run "
            "(an earlier notice of this alert is still pending)") in out
    assert "pending firing of al_3 to pd until 2026-03-13T01:00:00Z" in out
    assert "unusable channel team: SLACK unset" in out


def test_user_text_is_never_read_as_markup() -> None:
    weird = "[/x] [bold]drift[/bold] [red]"
    out = render(report([result(monitor=weird, column="[/c]", message="value [/] moved", segment={"r": "[b]"})]))
    assert weird in out and "[/c]" in out and "value [/] moved" in out and "r='[b]'" in out


def test_piped_output_is_not_wrapped(monkeypatch) -> None:
    buf = io.StringIO()
    monkeypatch.setattr("sys.stdout", buf)
    console = make_console()
    assert not console.is_terminal and console.width == PIPE_WIDTH
    long_message = "x" * 50 + " " + "moved far beyond what the baseline allows " * 5
    print_report(report([result(monitor="m" * 90, message=long_message)]), console)
    lines = buf.getvalue().splitlines()
    assert any("m" * 90 in line for line in lines)
    assert any(long_message in line for line in lines)


def test_strict_json_turns_non_finite_numbers_into_null_with_a_reason() -> None:
    rep = report([result(value=float("nan"), threshold={"max": float("inf")}, extra={"p_value": float("-inf")}),
                  result(value=0.5)])
    data = strict_json(rep)
    text = json.dumps(data, allow_nan=False)            # raises on NaN or infinity
    first, second = json.loads(text)["results"]
    assert first["value"] is None and first["threshold"]["max"] is None and first["p_value"] is None
    assert "value was nan" in first["message"] and "threshold.max was inf" in first["message"]
    assert "p_value was -inf" in first["message"]
    assert second["value"] == 0.5 and second["message"] == "0.2 is above the maximum 0.05"
    assert list(data) == list(rep.as_json())            # same keys, same order
    assert data["delivery"] == []


def test_the_summary_sums_the_bytes_scanned_where_engines_report_them() -> None:
    rep = report([result()])
    assert "scanned" not in render(rep)          # DuckDB reports no bytes: none are claimed
    rep.queries = [{"connection": "bq", "sql": "select 1", "seconds": 0.5, "rows": 1, "bytes_scanned": 1_500_000},
                   {"connection": "bq", "sql": "select 2", "seconds": 0.25, "rows": 1, "bytes_scanned": 500_000},
                   {"connection": "wh", "sql": "select 3", "seconds": 0.25, "rows": 1, "bytes_scanned": None}]
    assert "3 queries pushed down (1.000 s in the warehouse, 2.0 MB scanned by 2 of them)" in render(rep)


def test_alerts_list_shows_segments_as_the_run_does() -> None:
    """`alerts list` wrote region=EU where `run` and `history` write region='EU', and a
    NULL segment value read the same as the string 'None'."""
    from telltale.cli.alerts_cmd import alerts_table

    row = {"id": "al_1", "monitor": "rate", "column": None, "status": "open", "severity": "low",
           "opened_at": "2026-03-13T00:00:00Z", "notices": [], "refs": {}, "suppressed": None}
    table = alerts_table([{**row, "segment": {"region": "EU"}}, {**row, "id": "al_2", "segment": {"region": None}},
                          {**row, "id": "al_3", "segment": {"region": "None"}}])
    buf = io.StringIO()
    Console(file=buf, width=300, color_system=None).print(table)
    out = buf.getvalue()
    assert "region='EU'" in out and "region=NULL" in out and "region='None'" in out
