"""Scheduler leases on SQLite and PostgreSQL: taken once, taken over when expired, never after done,
and two stores (two processes) racing for the same leases get each one exactly once."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

from telltale.store import open_store

T = datetime(2026, 3, 13, 6, 0, tzinfo=timezone.utc)
TTL = timedelta(minutes=5)


def test_lease_lifecycle(store) -> None:
    assert store.acquire_leases("m", ["a", "b"], T, holder="p1", now=T, ttl=TTL) == ["a", "b"]
    assert store.acquire_leases("m", ["a", "b", "c"], T, holder="p2", now=T, ttl=TTL) == ["c"]
    assert store.acquire_leases("m", ["a"], T + timedelta(days=1), holder="p2", now=T, ttl=TTL) == ["a"]
    expired = T + TTL + timedelta(seconds=1)
    assert store.last_scheduled("m", "b", T) == T and store.last_scheduled("m", "b", expired) is None
    assert store.acquire_leases("m", ["a"], T, holder="p2", now=expired, ttl=TTL) == ["a"]
    store.finish_leases("m", ["a"], T, holder="p1", run_id="r1")      # p1 lost it: nothing changes
    assert {r["monitor"]: r["state"] for r in store.lease_rows("m") if r["due_at"] == T} == {
        "a": "running", "b": "running", "c": "running"}
    store.finish_leases("m", ["a", "c"], T, holder="p2", run_id="r2")
    later = T + timedelta(days=3)
    assert store.acquire_leases("m", ["a", "b", "c"], T, holder="p3", now=later, ttl=TTL) == ["b"]
    store.release_leases("m", ["b"], T, holder="p3")
    assert store.last_scheduled("m", "b") is None
    assert store.last_scheduled("m", "a") == T + timedelta(days=1)


def test_two_stores_racing_take_each_lease_once(store, store_url) -> None:
    names = [f"mon{i}" for i in range(30)]
    other = open_store(store_url)
    taken: dict[str, list[str]] = {}
    barrier = threading.Barrier(2)

    def grab(s, holder: str) -> None:
        barrier.wait()
        got: list[str] = []
        for i in range(0, len(names), 3):
            got += s.acquire_leases("m", names[i:i + 3], T, holder=holder, now=T, ttl=TTL)
        taken[holder] = got

    threads = [threading.Thread(target=grab, args=(s, h)) for s, h in ((store, "p1"), (other, "p2"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    other.close()
    assert sorted(taken["p1"] + taken["p2"]) == sorted(names)
    assert not set(taken["p1"]) & set(taken["p2"])
