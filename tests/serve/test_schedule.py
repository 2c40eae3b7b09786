"""The scheduler: cron times, grouping per model, leases between two processes, catching up once."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from datetime import datetime, timedelta, timezone
from pathlib import Path

import sqlalchemy as sa

from telltale.config import load_project
from telltale.serve.schedule import DueGroup, Scheduler, cron_of, due_groups, latest_fire, next_fire
from telltale.store import open_store

UTC = timezone.utc


def _runs(store) -> int:
    with store.engine.connect() as conn:
        return conn.execute(sa.text("SELECT count(*) FROM runs")).scalar()


def _points(store, at: datetime) -> int:
    return len([p for p in store.list_points(model="credit") if p.at == at])


def test_cron_times() -> None:
    t = datetime(2026, 3, 13, 6, 0, tzinfo=UTC)
    assert latest_fire("0 6 * * *", t) == t                       # at the time itself: due now
    assert latest_fire("0 6 * * *", t - timedelta(seconds=1)) == t - timedelta(days=1)
    assert next_fire("0 6 * * *", t) == t + timedelta(days=1)
    assert latest_fire("@hourly", t + timedelta(minutes=59)) == t


def test_default_schedule_is_once_per_bucket(demo: Path) -> None:
    project = load_project(demo)
    m = project.config.monitors[0]
    assert m.schedule is None and cron_of(m, project.model("credit")) == "0 0 * * *"


def test_monitors_of_one_model_due_together_run_in_one_run(demo: Path, demo_end_time) -> None:
    project = load_project(demo)
    store = open_store(project.store_url)
    monitors = list(project.config.monitors)
    monitors[1] = monitors[1].model_copy(update={"schedule": "0 6 * * *"})   # due at 06:00, not 00:00
    project = project.__class__(**{**project.__dict__,
                                  "config": project.config.model_copy(update={"monitors": tuple(monitors)})})
    now = demo_end_time + timedelta(hours=1)
    groups = due_groups(project, store, now)
    assert [(g.model, g.due_at) for g in groups] == [("credit", demo_end_time - timedelta(hours=18)),
                                                     ("credit", demo_end_time)]
    assert groups[0].monitors == (monitors[1].name,)
    assert len(groups[1].monitors) == len(monitors) - 1
    runs_before = _runs(store)
    sched = Scheduler(project, store, clock=lambda: now)
    outcomes = sched.tick()
    assert [len(o.taken) for o in outcomes] == [1, len(monitors) - 1]
    assert all(o.run_id and o.exit_code in (0, 1) for o in outcomes)
    assert _runs(store) == runs_before + 2       # one run per group: the model's monitors shared one
    assert sched.tick() == [] and _runs(store) == runs_before + 2     # nothing due twice
    assert sched.last_tick == now


def test_a_missed_schedule_is_caught_up_once(demo: Path, demo_end_time) -> None:
    project = load_project(demo)
    store = open_store(project.store_url)
    Scheduler(project, store, clock=lambda: demo_end_time + timedelta(minutes=5)).tick()
    runs = _runs(store)
    later = demo_end_time + timedelta(days=3, hours=2)   # down for three daily ticks
    outcomes = Scheduler(project, store, clock=lambda: later).tick()
    assert len(outcomes) == 1 and outcomes[0].group.due_at == demo_end_time + timedelta(days=3)
    assert _runs(store) == runs + 1


def test_a_lease_taken_is_not_taken_again_until_it_expires(demo: Path, demo_end_time) -> None:
    store = open_store(load_project(demo).store_url)
    now = demo_end_time
    assert store.acquire_leases("credit", ["a", "b"], now, holder="p1", now=now, ttl=timedelta(minutes=5)) == ["a", "b"]
    assert store.acquire_leases("credit", ["b", "c"], now, holder="p2", now=now, ttl=timedelta(minutes=5)) == ["c"]
    later = now + timedelta(minutes=6)       # p1 died: its running lease lapsed
    assert store.acquire_leases("credit", ["a"], now, holder="p2", now=later, ttl=timedelta(minutes=5)) == ["a"]
    store.finish_leases("credit", ["a", "c"], now, holder="p2", run_id="r")
    much_later = now + timedelta(days=1)
    assert store.acquire_leases("credit", ["a", "b", "c"], now, holder="p3", now=much_later,
                                ttl=timedelta(minutes=5)) == ["b"]      # done leases are never retaken
    store.release_leases("credit", ["b"], now, holder="p3")
    assert store.last_scheduled("credit", "b") is None


SCRIPT = textwrap.dedent("""
    import json, sys
    from datetime import datetime
    from telltale.config import load_project
    from telltale.serve.schedule import Scheduler
    from telltale.store import open_store
    project = load_project(sys.argv[1])
    now = datetime.fromisoformat(sys.argv[2])
    sched = Scheduler(project, open_store(project.store_url), holder=sys.argv[3], clock=lambda: now)
    print(json.dumps([{"taken": list(o.taken), "run_id": o.run_id} for o in sched.tick()]))
""")


def test_two_serve_processes_never_evaluate_the_same_window_twice(demo: Path, demo_end_time) -> None:
    project = load_project(demo)
    store = open_store(project.store_url)
    runs, points = _runs(store), _points(store, demo_end_time)
    outbox = len(store.outbox_messages())
    now = (demo_end_time + timedelta(minutes=1)).isoformat()
    procs = [subprocess.Popen([sys.executable, "-c", SCRIPT, str(demo), now, f"proc{i}"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for i in range(2)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert all(p.returncode == 0 for p in procs), [o[1][-2000:] for o in outs]
    taken = [m for out, _ in outs for o in json.loads(out) for m in o["taken"]]
    assert sorted(taken) == sorted(m.name for m in project.config.monitors)   # each exactly once
    assert _runs(store) == runs + sum(len(json.loads(out)) for out, _ in outs)
    assert _points(store, demo_end_time) == points     # the window's points replaced, never doubled
    assert len(store.outbox_messages()) == outbox      # open alerts: no notice queued twice
    rows = store.lease_rows("credit")
    assert len({(r["monitor"], r["due_at"]) for r in rows}) == len(rows) == len(project.config.monitors)
    assert {r["state"] for r in rows} == {"done"}


def test_a_stopping_scheduler_gives_its_leases_back(demo: Path, demo_end_time) -> None:
    project = load_project(demo)
    store = open_store(project.store_url)
    sched = Scheduler(project, store, clock=lambda: demo_end_time)
    group = DueGroup("credit", demo_end_time, ("feature drift",))
    store.acquire_leases("credit", ["feature drift"], demo_end_time, holder=sched.holder,
                         now=demo_end_time, ttl=timedelta(hours=1))
    sched.stop.set()
    outcome = sched._run(group, ("feature drift",))
    assert outcome.run_id is None and store.lease_rows("credit") == []


def test_a_run_whose_process_died_is_taken_over_after_the_lease_expires(demo: Path, demo_end_time) -> None:
    project = load_project(demo)
    store = open_store(project.store_url)
    names = [m.name for m in project.config.monitors]
    store.acquire_leases("credit", names, demo_end_time, holder="dead", now=demo_end_time,
                         ttl=timedelta(minutes=10))          # taken, never finished
    soon = demo_end_time + timedelta(minutes=5)
    assert Scheduler(project, store, clock=lambda: soon).tick() == []        # still held
    later = demo_end_time + timedelta(minutes=11)
    [outcome] = Scheduler(project, store, holder="alive", clock=lambda: later).tick()
    assert outcome.group.due_at == demo_end_time and sorted(outcome.taken) == sorted(names)
    assert {r["holder"] for r in store.lease_rows("credit")} == {"alive"}


def test_a_run_that_fails_midway_is_recorded_failed_not_running(demo: Path, demo_end_time) -> None:
    project = load_project(demo)
    store = open_store(project.store_url)
    with store.engine.begin() as conn:           # a real store failure after the run was recorded
        conn.execute(sa.text("DROP TABLE metric_points"))
    runs_before = _runs(store)
    [outcome] = Scheduler(project, store, clock=lambda: demo_end_time + timedelta(days=1)).tick()
    assert outcome.error and "metric_points" in outcome.error
    with store.engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT status, exit_code, finished_at FROM runs "
                                    "ORDER BY started_at DESC")).all()
    assert len(rows) == runs_before + 1
    status, exit_code, finished = rows[0]
    assert (status, exit_code) == ("failed", 3) and finished is not None
    assert store.lease_rows("credit") == []      # given back: a later tick tries that window again


def test_a_window_whose_run_raised_is_retried_with_a_backoff_not_at_every_tick(demo: Path, demo_end_time) -> None:
    """The store fails under the run (as above): the next ticks within a minute do not run that
    window again (one failed run per try, not one per 30 s tick); after the backoff it is tried
    again, then after twice as long; once it succeeds, it is done."""
    project = load_project(demo)
    store = open_store(project.store_url)
    with store.engine.begin() as conn:
        conn.execute(sa.text("ALTER TABLE metric_points RENAME TO metric_points_away"))
    now = [demo_end_time + timedelta(days=1)]
    sched = Scheduler(project, store, clock=lambda: now[0])
    runs0 = _runs(store)
    assert [o.error is not None for o in sched.tick()] == [True]
    for seconds in (30, 59):                      # ticks inside the first minute: not tried
        now[0] = demo_end_time + timedelta(days=1, seconds=seconds)
        assert sched.tick() == []
    now[0] = demo_end_time + timedelta(days=1, seconds=61)
    assert [o.error is not None for o in sched.tick()] == [True]
    now[0] += timedelta(seconds=100)              # the second wait is two minutes
    assert sched.tick() == []
    assert _runs(store) == runs0 + 2
    with store.engine.begin() as conn:
        conn.execute(sa.text("ALTER TABLE metric_points_away RENAME TO metric_points"))
    now[0] += timedelta(seconds=30)
    [done] = sched.tick()
    assert done.error is None and done.exit_code is not None and sched.failed == {}
    now[0] += timedelta(minutes=10)
    assert sched.tick() == []                     # done: not run again
