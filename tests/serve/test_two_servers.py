"""The scheduler's guarantees with real `telltale serve` processes and a real webhook sink.

Two processes (different ports) on one project and one state store, the demo's credit model
with every monitor notifying a webhook channel served by tests/peers/alert_sinks.py. The
schedule is the monitors' default (once a day, at the UTC midnight the demo's data ends):
what the processes find due is that midnight, so nothing here waits for a cron time. Time
the tests cannot wait for (a backoff of a minute, a lease of an hour) is passed by moving
the stored deadline into the past, as if that time had gone by; each place says so.

Nothing is timed: each test polls with generous deadlines and asserts on counts in the
store and on the requests the sink received.
"""

from __future__ import annotations

import json
import shutil
import signal
import time
from contextlib import ExitStack
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable, Iterator

import httpx
import pytest
import sqlalchemy as sa

from peers.alert_sinks import AlertSinks, Hold
from serve_helpers import serve_process
from telltale.config import load_project
from telltale.store import open_store

UTC = timezone.utc
HOOK = '  ops: {type: webhook, url: "${HOOK_URL}/hook", timeout: 5}\n'


@pytest.fixture(scope="session")
def fresh_master(tmp_path_factory) -> Path:
    """The demo with history up to two days before its end, no run at its end (so the first
    scheduled run opens the demo's alerts), every monitor notifying the webhook `ops`."""
    from telltale.demo.data import demo_end
    from telltale.demo.project import write_project
    from telltale.runner.backfill import backfill

    root = tmp_path_factory.mktemp("fresh") / "demo"
    end = demo_end()
    write_project(root, end)
    backfill(load_project(root), end - timedelta(days=6), end - timedelta(days=2))
    cfg = (root / "telltale.yml").read_text()
    assert "alerts:" not in cfg and cfg.count("    model: credit\n") >= 5
    cfg = cfg.replace("    model: credit\n", "    model: credit\n    notify: [ops]\n") + "alerts:\n" + HOOK
    (root / "telltale.yml").write_text(cfg)
    return root


@pytest.fixture()
def fresh(fresh_master: Path, tmp_path: Path) -> Path:
    """A private copy of `fresh_master`."""
    target = tmp_path / "demo"
    shutil.copytree(fresh_master, target)
    return target


@pytest.fixture()
def sink() -> Iterator[AlertSinks]:
    """The local webhook receiver (it processes each Idempotency-Key once, and counts repeats)."""
    s = AlertSinks()
    yield s
    s.stop()


def _wait(cond: Callable[[], bool], what: str, timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < deadline, f"not within {timeout} s: {what}"
        time.sleep(0.2)


def _settle(*bases: str) -> None:
    """Wait until every process has started and finished a whole tick after this call."""
    mark = datetime.now(UTC)
    for base in bases:
        def ticked(base: str = base) -> bool:
            last = httpx.get(base + "/healthz", timeout=10).json()["last_tick"]
            return last is not None and datetime.fromisoformat(last.replace("Z", "+00:00")) > mark
        _wait(ticked, f"a whole tick of {base}")


def _runs(store) -> list[dict[str, object]]:
    with store.engine.connect() as conn:
        return [dict(r) for r in conn.execute(sa.text("SELECT run_id, at, status FROM runs")).mappings()]


def _hook_posts(sink: AlertSinks) -> list[str]:
    """The Idempotency-Key of every POST the webhook received (repeats included)."""
    with sink.lock:
        return [r.headers.get("idempotency-key", "") for r in sink.state.requests if r.path == "/hook"]


def _series_points(store, at: datetime) -> list[tuple[object, ...]]:
    return [(p.monitor, p.column, p.segment_key, p.metric) for p in store.list_points(model="credit") if p.at == at]


def _all_done(store, names: list[str], due: datetime) -> bool:
    rows = [r for r in store.lease_rows("credit") if r["due_at"] == due]
    return sorted(r["monitor"] for r in rows if r["state"] == "done") == sorted(names)


def test_two_serve_processes_evaluate_each_window_once_and_post_each_notice_once(
        fresh: Path, sink: AlertSinks, demo_end_time: datetime) -> None:
    _two_processes_evaluate_once_and_post_once(fresh, sink, demo_end_time)


def test_the_same_on_a_postgresql_store(fresh: Path, sink: AlertSinks, demo_end_time: datetime,
                                        postgres_db: str) -> None:
    from telltale.runner.backfill import backfill

    cfg = (fresh / "telltale.yml").read_text()
    assert "store: sqlite:///.telltale/state.db\n" in cfg
    (fresh / "telltale.yml").write_text(cfg.replace("store: sqlite:///.telltale/state.db",
                                                    f"store: {postgres_db}"))
    project = load_project(fresh, env={"HOOK_URL": sink.url})
    assert project.store_url.startswith("postgresql")
    backfill(project, demo_end_time - timedelta(days=6), demo_end_time - timedelta(days=2))
    _two_processes_evaluate_once_and_post_once(fresh, sink, demo_end_time)


def _two_processes_evaluate_once_and_post_once(fresh: Path, sink: AlertSinks, demo_end_time: datetime) -> None:
    project = load_project(fresh, env={"HOOK_URL": sink.url})
    names = sorted(m.name for m in project.config.monitors)
    store = open_store(project.store_url)
    runs_before = len(_runs(store))
    assert store.outbox_messages() == []
    env = {"HOOK_URL": sink.url}
    with ExitStack() as stack:
        bases = [stack.enter_context(serve_process(fresh, "--interval", "0.3", env=env))[1] for _ in range(2)]
        _wait(lambda: _all_done(store, names, demo_end_time), "every monitor evaluated at the demo's end")
        _wait(lambda: store.outbox_messages() != [] and store.pending_outbox() == [], "every notice delivered")
        _settle(*bases)
        _settle(*bases)                  # and once more: nothing new comes of further ticks
        leases = store.lease_rows("credit")
        new_runs = [r for r in _runs(store)][runs_before:]
        points = _series_points(store, demo_end_time)
        notices = store.outbox_messages()
        posts = _hook_posts(sink)
    assert len(leases) == len(names)                     # one lease per monitor-window, each done
    assert {r["state"] for r in leases} == {"done"}
    assert 1 <= len(new_runs) <= 2 and {r["status"] for r in new_runs} == {"done"}
    assert {r["run_id"] for r in leases} == {r["run_id"] for r in new_runs}
    assert points and len(points) == len(set(points))  # no series has two points for the window
    assert {p[0] for p in points} == set(names)
    assert notices and all(n.delivered_at is not None for n in notices)
    assert sorted(posts) == sorted(n.idempotency_key for n in notices)   # each notice POSTed once
    assert sink.state.webhook_repeats == []


def test_a_schedule_missed_for_days_is_caught_up_once(fresh: Path, sink: AlertSinks,
                                                      demo_end_time: datetime) -> None:
    project = load_project(fresh, env={"HOOK_URL": sink.url})
    names = sorted(m.name for m in project.config.monitors)
    store = open_store(project.store_url)
    last_seen = demo_end_time - timedelta(days=4)        # serve last ran then, and was down since
    store.acquire_leases("credit", names, last_seen, holder="old", now=last_seen, ttl=timedelta(hours=1))
    store.finish_leases("credit", names, last_seen, holder="old", run_id=None)
    runs_before = len(_runs(store))
    with serve_process(fresh, "--interval", "0.3", env={"HOOK_URL": sink.url}) as (_, base):
        _wait(lambda: _all_done(store, names, demo_end_time), "the latest missed day evaluated")
        _settle(base)
        _settle(base)
        new_runs = _runs(store)[runs_before:]
    assert len(new_runs) == 1 and new_runs[0]["status"] == "done"       # once, not once per missed day
    due = sorted({r["due_at"] for r in store.lease_rows("credit")})
    assert due == [last_seen, demo_end_time]                           # the days between: not one run each


def _second_schedule(project_dir: Path, monitor: str, cron: str) -> None:
    cfg = (project_dir / "telltale.yml").read_text()
    head = f"  - name: {monitor}\n    model: credit\n"
    assert head in cfg
    (project_dir / "telltale.yml").write_text(cfg.replace(head, f"{head}    schedule: \"{cron}\"\n"))


def test_sigterm_during_a_run_finishes_it_and_the_other_process_runs_the_rest(
        fresh: Path, sink: AlertSinks, demo_end_time: datetime, tmp_path: Path) -> None:
    from telltale.serve.schedule import latest_fire

    _second_schedule(fresh, "score drift", "0 */6 * * *")     # a second group, due at another time
    project = load_project(fresh, env={"HOOK_URL": sink.url})
    names = sorted(m.name for m in project.config.monitors)
    store = open_store(project.store_url)
    six = latest_fire("0 */6 * * *", datetime.now(UTC))
    expected = {(n, demo_end_time) for n in names if n != "score drift"} | {("score drift", six)}
    env = {"HOOK_URL": sink.url}
    log = tmp_path / "first.log"
    with serve_process(fresh, "--log-format", "json", "--interval", "0.3", env=env, log=log) as (proc, _):
        _wait(lambda: '"run_start"' in log.read_text(), "the first run to start")
        proc.send_signal(signal.SIGTERM)                       # in the middle of that run
        assert proc.wait(timeout=240) in (0, -signal.SIGTERM)
    events = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    kinds = [e.get("event") for e in events]
    assert kinds.index("run_start") < kinds.index("run_done") < kinds.index("scheduler_stopped")
    assert kinds.count("run_start") == kinds.count("run_done")       # every run it began, it finished
    assert all(r["status"] == "done" for r in _runs(store))
    assert {r["state"] for r in store.lease_rows("credit")} == {"done"}   # nothing left held
    first = {(r["monitor"], r["due_at"]) for r in store.lease_rows("credit")}
    assert first < expected or first == expected
    with serve_process(fresh, "--interval", "0.3", env=env) as (_, base):
        _wait(lambda: {(r["monitor"], r["due_at"]) for r in store.lease_rows("credit")
                       if r["state"] == "done"} == expected, "the second process to run what was left")
        _settle(base)
        rows = store.lease_rows("credit")
    assert len(rows) == len(expected) and {r["state"] for r in rows} == {"done"}
    assert all(r["status"] == "done" for r in _runs(store))


def _expire(store, table: str, column: str) -> None:
    """Move a stored deadline into the past, as if the time it waits for had gone by."""
    past = datetime.now(UTC) - timedelta(days=1)
    tbl = sa.Table(table, sa.MetaData(), autoload_with=store.engine)
    with store.engine.begin() as conn:
        conn.execute(sa.update(tbl).where(tbl.c[column].is_not(None)).values({column: past}))


def test_a_webhook_down_while_serving_gets_each_notice_once_after_it_comes_back(
        fresh: Path, sink: AlertSinks, demo_end_time: datetime) -> None:
    project = load_project(fresh, env={"HOOK_URL": sink.url})
    names = sorted(m.name for m in project.config.monitors)
    store = open_store(project.store_url)
    sink.stop()                                               # down: connections refused
    env = {"HOOK_URL": sink.url}
    with ExitStack() as stack:
        bases = [stack.enter_context(serve_process(fresh, "--interval", "0.3", env=env))[1] for _ in range(2)]
        _wait(lambda: _all_done(store, names, demo_end_time), "every monitor evaluated")
        _wait(lambda: store.outbox_messages() != [] and all(n.attempts > 0 for n in store.pending_outbox()),
              "every notice tried and failed")
        _settle(*bases)
        assert len(store.pending_outbox()) == len(store.outbox_messages())     # none lost, none sent
        sink.start()                                          # back, on the same port
        _expire(store, "outbox", "next_attempt_at")           # its backoff (a minute and more) went by
        _wait(lambda: store.pending_outbox() == [], "every notice delivered after the sink came back")
        _settle(*bases)
        _settle(*bases)
        notices = store.outbox_messages()
        posts = _hook_posts(sink)
    assert notices and all(n.delivered_at is not None for n in notices)
    assert sorted(posts) == sorted(n.idempotency_key for n in notices)   # each exactly once
    assert sink.state.webhook_repeats == []


def test_a_process_killed_mid_run_leaves_no_run_running_forever(
        fresh: Path, sink: AlertSinks, demo_end_time: datetime) -> None:
    project = load_project(fresh, env={"HOOK_URL": sink.url})
    names = sorted(m.name for m in project.config.monitors)
    store = open_store(project.store_url)
    env = {"HOOK_URL": sink.url}
    sink.hold = Hold(r"POST /hook")               # the run's first delivery blocks: the kill lands mid-run
    with serve_process(fresh, "--interval", "0.3", env=env) as (proc, _):
        assert sink.hold.reached.wait(240), "the run did not reach its delivery"
        proc.send_signal(signal.SIGKILL)                      # no graceful stop: the power went off
        proc.wait(timeout=60)
    sink.hold.release()
    sink.hold = None
    [dead] = [r for r in _runs(store) if r["status"] == "running"]
    assert {r["state"] for r in store.lease_rows("credit")} == {"running"}
    _expire(store, "leases", "expires_at")                    # its lease (an hour) lapsed
    with serve_process(fresh, "--interval", "0.3", env=env) as (_, base):
        _wait(lambda: _all_done(store, names, demo_end_time), "the second process to take the run over")
        _settle(base)
        runs = {r["run_id"]: r["status"] for r in _runs(store)}
    assert runs[dead["run_id"]] == "abandoned"                # not 'running' forever
    assert list(runs.values()).count("done") == len(runs) - 1
    assert len(store.lease_rows("credit")) == len(names)


def test_a_run_longer_than_its_lease_is_not_taken_over_while_it_runs(
        fresh: Path, sink: AlertSinks, demo_end_time: datetime) -> None:
    """Two schedulers in one process on one store, with a clock the test moves (a lease of 3 s
    instead of an hour): the first's run, blocked in its delivery, outlives its lease while
    the second ticks."""
    import threading

    from telltale.serve.schedule import Scheduler

    cfg = (fresh / "telltale.yml").read_text()           # the held POST must not time out first
    (fresh / "telltale.yml").write_text(cfg.replace("/hook\", timeout: 5}", "/hook\", timeout: 120}"))
    project = load_project(fresh, env={"HOOK_URL": sink.url})
    assert project.config.alerts["ops"].timeout == timedelta(seconds=120)
    names = sorted(m.name for m in project.config.monitors)
    ttl, now = timedelta(seconds=3), [datetime.now(UTC)]
    first = Scheduler(project, open_store(project.store_url), holder="first", ttl=ttl, clock=lambda: now[0])
    second = Scheduler(project, open_store(project.store_url), holder="second", ttl=ttl, clock=lambda: now[0])
    held = sink.hold = Hold(r"POST /hook")
    outcomes: list[object] = []
    thread = threading.Thread(target=lambda: outcomes.extend(first.tick()))
    thread.start()
    try:
        assert held.reached.wait(240), "the first run did not reach its delivery"
        sink.hold = None                                     # only that one POST is held
        assert {r["state"] for r in first.store.lease_rows("credit")} == {"running"}
        now[0] += 10 * ttl                                   # its lease, as taken, has lapsed
        _wait(lambda: all(r["expires_at"] > now[0] for r in first.store.lease_rows("credit")),
              "the running process to renew its leases", timeout=120)
        taken = second.tick()
    finally:
        held.release()
        thread.join(240)
    assert taken == []                                      # the first still runs: not evaluated twice
    assert len(outcomes) == 1
    rows = first.store.lease_rows("credit")
    assert sorted(r["monitor"] for r in rows) == names
    assert {(r["holder"], r["state"]) for r in rows} == {("first", "done")}
    assert first.store.pending_outbox() == [] and sink.state.webhook_repeats == []   # each notice once
