"""The lifecycle leaves a result of a window older than the newest judged one in history only,
judging "newest" by the stored `ok`/`alert` points that end by the run's wall-clock time."""

from __future__ import annotations

from _alert_helpers import DAY, T0, make_result

from telltale.alerts import AlertPolicy, apply_results
from telltale.store.history import points_from_results

OPS = {"feature drift": AlertPolicy(channels=("ops",))}


def _store_points(store, *results, run_id="earlier") -> None:
    for r in results:
        store.put_metric_points(points_from_results(run_id, r.window.end, [r]))


def test_a_newer_judged_window_makes_an_older_alert_history_only(store) -> None:
    _store_points(store, make_result("ok", at=T0 + 3 * DAY))
    out = apply_results(store, [make_result("alert", at=T0)], OPS, run_id="r", now=T0 + 5 * DAY)
    assert out.transitions == [] and out.queued == 0 and list(out.history_only) == [0]
    assert store.open_alerts() == {} and store.pending_outbox() == []


def test_no_data_error_and_other_series_do_not_count_as_judged(store) -> None:
    _store_points(store, make_result("no_data", at=T0 + 3 * DAY), make_result("error", at=T0 + 2 * DAY),
                  make_result("ok", column="age", at=T0 + 3 * DAY),
                  make_result("ok", segment={"region": "EU"}, at=T0 + 3 * DAY))
    out = apply_results(store, [make_result("alert", at=T0)], OPS, run_id="r", now=T0 + 5 * DAY)
    assert [t.status for t in out.transitions] == ["firing"] and out.history_only == {}


def test_a_window_judged_ahead_of_the_clock_does_not_silence_the_present(store) -> None:
    """`run --at 2030-...` by mistake (model_activity counts 0 rows there: an `alert` point)
    must not turn every real run until 2030 into history."""
    _store_points(store, make_result("alert", at=T0 + 400 * DAY))
    out = apply_results(store, [make_result("alert", at=T0)], OPS, run_id="r", now=T0 + DAY)
    assert [t.status for t in out.transitions] == ["firing"] and out.history_only == {}


def test_an_open_alert_is_not_resolved_by_an_older_ok_window(store) -> None:
    apply_results(store, [make_result("alert", at=T0 + DAY)], OPS, run_id="r1", now=T0 + DAY)
    _store_points(store, make_result("alert", at=T0 + DAY), run_id="r1")
    out = apply_results(store, [make_result("ok", at=T0)], OPS, run_id="r2", now=T0 + 2 * DAY)
    assert out.transitions == [] and "is not resolved by it" in out.history_only[0]
    assert len(store.open_alerts()) == 1
    out = apply_results(store, [make_result("ok", at=T0 + DAY)], OPS, run_id="r3", now=T0 + 2 * DAY)
    assert [t.status for t in out.transitions] == ["resolved"]          # the same window: it counts
