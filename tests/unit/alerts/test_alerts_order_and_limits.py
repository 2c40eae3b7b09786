"""Outbox order (no `resolved` before its `firing`) and the exact edges of the cooldown and daily cap."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest
from _alert_helpers import DAY, FAST, T0, make_result

from telltale.alerts import AlertPolicy, DeliveryError, apply_results, deliver_pending
from telltale.alerts.channels import AlertMessage

SECOND = timedelta(seconds=1)
MICRO = timedelta(microseconds=1)
ONE_TRY = FAST.__class__(**{**FAST.__dict__, "attempts": 1})


@dataclass
class Recorder:
    """A channel that records every attempt and fails while `down` is set."""

    name: str
    down: bool = False
    attempts: list[tuple[str, str]] = field(default_factory=list)
    delivered: list[tuple[str, str]] = field(default_factory=list)

    def send(self, message: AlertMessage) -> None:
        self.attempts.append((message.alert_id, message.status))
        if self.down:
            raise DeliveryError(f"{self.name} is down", channel=self.name)
        self.delivered.append((message.alert_id, message.status))


def _step(store, status: str, now: datetime, policies, column: str = "income"):
    return apply_results(store, [make_result(status, column=column)], policies, run_id=f"r{now:%d%H%M%S%f}",
                         now=now)


def _deliver(store, channels: dict, now: datetime, **kw):
    return deliver_pending(store, channels, now, ONE_TRY, **kw)


# --- order ---------------------------------------------------------------------------------


@pytest.fixture
def ops() -> Recorder:
    return Recorder("ops")


POLICY = {"feature drift": AlertPolicy.of(["ops"])}


def test_resolved_never_goes_out_while_its_firing_is_backing_off(store, ops) -> None:
    """The firing notice failed and is not due yet; its resolved notice, due at once, waits for it."""
    ops.down = True
    aid = _step(store, "alert", T0, POLICY).transitions[0].id
    _deliver(store, {"ops": ops}, T0)                               # firing fails: due again at T0 + 1 min
    (firing,) = store.pending_outbox()
    assert firing.next_attempt_at == T0 + ONE_TRY.requeue_base
    _step(store, "ok", T0 + 10 * SECOND, POLICY)                    # resolves while firing is pending
    ops.down = False
    report = _deliver(store, {"ops": ops}, T0 + 20 * SECOND)        # firing not due; resolved would be
    assert ops.delivered == [] and report.sent_total == 0 and report.deferred == 2
    assert ops.attempts == [(aid, "firing")]                        # resolved was not even tried
    report = _deliver(store, {"ops": ops}, T0 + 2 * ONE_TRY.requeue_base)
    assert ops.delivered == [(aid, "firing"), (aid, "resolved")]
    assert report.sent == {("ops", "firing"): 1, ("ops", "resolved"): 1}


def test_resolved_is_not_tried_after_its_firing_failed_in_the_same_pass(store, ops) -> None:
    aid = _step(store, "alert", T0, POLICY).transitions[0].id
    _step(store, "ok", T0 + SECOND, POLICY)                         # both queued, neither sent yet
    ops.down = True
    report = _deliver(store, {"ops": ops}, T0 + 2 * SECOND, due_only=False)
    assert ops.attempts == [(aid, "firing")] and report.failed == {"ops": 1}
    ops.down = False
    _deliver(store, {"ops": ops}, T0 + 3 * SECOND, due_only=False)  # a forced pass keeps the order too
    assert ops.delivered == [(aid, "firing"), (aid, "resolved")]


def test_order_is_kept_per_alert_and_channel(store) -> None:
    """A firing that reached `a` but not `b`: `a` gets the resolved at once, `b` only after its firing."""
    a, b = Recorder("a"), Recorder("b", down=True)
    policy = {"feature drift": AlertPolicy.of(["a", "b"])}
    aid = _step(store, "alert", T0, policy).transitions[0].id
    _deliver(store, {"a": a, "b": b}, T0)
    _step(store, "ok", T0 + SECOND, policy)
    b.down = False
    _deliver(store, {"a": a, "b": b}, T0 + 2 * SECOND)              # b's firing backs off until T0 + 1 min
    assert a.delivered == [(aid, "firing"), (aid, "resolved")] and b.delivered == []
    _deliver(store, {"a": a, "b": b}, T0 + 2 * ONE_TRY.requeue_base)
    assert b.delivered == [(aid, "firing"), (aid, "resolved")]


def test_another_alerts_notice_is_not_held_by_a_backing_off_firing(store, ops) -> None:
    """Holding is per alert: a failed notice of column a does not hold column b forever."""
    ops.down = True
    first = _step(store, "alert", T0, POLICY, column="a").transitions[0].id
    _deliver(store, {"ops": ops}, T0)
    second = _step(store, "alert", T0 + SECOND, POLICY, column="b").transitions[0].id
    ops.down = False
    _deliver(store, {"ops": ops}, T0 + 2 * SECOND)
    assert ops.delivered == [(second, "firing")]
    _deliver(store, {"ops": ops}, T0 + 2 * ONE_TRY.requeue_base)
    assert ops.delivered == [(second, "firing"), (first, "firing")]


# --- cooldown: the interval [resolved_at, resolved_at + cooldown) ------------------------------

COOLDOWN = timedelta(hours=6)
COOL = {"feature drift": AlertPolicy.of(["ops"], cooldown=COOLDOWN)}


def _resolved_at(store, ops) -> datetime:
    _step(store, "alert", T0, COOL)
    _step(store, "ok", T0 + timedelta(hours=1), COOL)
    _deliver(store, {"ops": ops}, T0 + timedelta(hours=1))
    return T0 + timedelta(hours=1)


@pytest.mark.parametrize("offset, held", [(COOLDOWN - SECOND, True), (COOLDOWN - MICRO, True),
                                          (COOLDOWN, False), (COOLDOWN + MICRO, False)])
def test_a_new_alert_at_the_edge_of_the_cooldown(store, ops, offset, held) -> None:
    """Held strictly inside the cooldown; at exactly resolved_at + cooldown the cooldown is over."""
    resolved = _resolved_at(store, ops)
    (t,) = _step(store, "alert", resolved + offset, COOL).transitions
    assert t.suppressed == ("cooldown" if held else None)
    assert t.channels == (() if held else ("ops",))
    _deliver(store, {"ops": ops}, resolved + offset)
    assert [s for _, s in ops.delivered] == ["firing", "resolved"] + ([] if held else ["firing"])


@pytest.mark.parametrize("offset, released", [(COOLDOWN - MICRO, False), (COOLDOWN, True)])
def test_a_held_alert_is_released_exactly_when_the_cooldown_ends(store, ops, offset, released) -> None:
    resolved = _resolved_at(store, ops)
    held = _step(store, "alert", resolved + SECOND, COOL).transitions[0]
    assert held.suppressed == "cooldown"
    out = _step(store, "alert", resolved + offset, COOL)
    assert [(t.id, t.channels) for t in out.transitions] == ([(held.id, ("ops",))] if released else [])
    assert store.get_alert(held.id).suppressed == (None if released else "cooldown")


# --- daily cap: at most N firing notices per monitor in [00:00, 24:00) UTC -------------------

MIDNIGHT = datetime(2026, 3, 14, tzinfo=T0.tzinfo)


@pytest.mark.parametrize("cap", [0, 1, 3])
def test_the_cap_lets_exactly_n_through(store, ops, cap) -> None:
    policy = {"feature drift": AlertPolicy.of(["ops"], daily_cap=cap)}
    cols = [f"c{i}" for i in range(cap + 2)]
    out = apply_results(store, [make_result(column=c) for c in cols], policy, run_id="r", now=T0)
    assert [t.suppressed for t in out.transitions] == [None] * cap + ["daily_cap"] * 2
    _deliver(store, {"ops": ops}, T0)
    assert len(ops.delivered) == cap


@pytest.mark.parametrize("at, held", [(MIDNIGHT - MICRO, True), (MIDNIGHT, False), (MIDNIGHT + MICRO, False)])
def test_the_daily_cap_resets_exactly_at_utc_midnight(store, ops, at, held) -> None:
    policy = {"feature drift": AlertPolicy.of(["ops"], daily_cap=1)}
    _step(store, "alert", MIDNIGHT - timedelta(hours=1), policy, column="a")    # uses the day's one notice
    (t,) = _step(store, "alert", at, policy, column="b").transitions
    assert t.suppressed == ("daily_cap" if held else None)


def test_a_notice_at_the_last_instant_of_a_day_counts_for_that_day(store, ops) -> None:
    policy = {"feature drift": AlertPolicy.of(["ops"], daily_cap=1)}
    _step(store, "alert", MIDNIGHT - MICRO, policy, column="a")
    (same_day,) = _step(store, "alert", MIDNIGHT - MICRO, policy, column="b").transitions
    (next_day,) = _step(store, "alert", MIDNIGHT, policy, column="c").transitions
    assert (same_day.suppressed, next_day.suppressed) == ("daily_cap", None)


def test_a_notice_at_exactly_midnight_counts_for_the_new_day(store, ops) -> None:
    policy = {"feature drift": AlertPolicy.of(["ops"], daily_cap=1)}
    _step(store, "alert", MIDNIGHT, policy, column="a")
    (later,) = _step(store, "alert", MIDNIGHT + timedelta(hours=1), policy, column="b").transitions
    assert later.suppressed == "daily_cap"


def test_count_fired_is_over_the_half_open_day(store, ops) -> None:
    """The store counts firing notices in [start, end): one at 00:00 belongs to the day it starts."""
    policy = {"feature drift": AlertPolicy.of(["ops"])}
    for at, col in ((MIDNIGHT - DAY, "first"), (MIDNIGHT - MICRO, "last"), (MIDNIGHT, "next")):
        _step(store, "alert", at, policy, column=col)
    assert store.count_fired("feature drift", MIDNIGHT - DAY, MIDNIGHT) == 2
    assert store.count_fired("feature drift", MIDNIGHT, MIDNIGHT + DAY) == 1
