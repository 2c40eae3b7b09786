"""A per-process cache of the final stored summaries, decoded once, and their merged blocks.

A run reads every stored per-bucket summary of its windows; a backfill (one run per
bucket) and a long-lived `telltale serve` read the same rows again and again. Final rows
do not change for a fingerprint unless some writer stores them again, so this cache keeps
them decoded, per (store, model, granularity, fingerprint):

* each read first asks the store for the stamps of the final rows in range (bucket,
  segment, key, computed_at, run_id, length of the stored text; no values), then reads
  and decodes the values of the rows whose stamp is new or changed only, and forgets the
  rows that left the store: another process writing the store can never make a cached
  value wrong, it only costs a re-read;
* the rows feed a `BlockTree` (runner/blocks.py) whose merged blocks outlive a run, so a
  sliding window merges O(log n) blocks per partial. A changed row drops the blocks that
  contain it; a run's book uses a shared block only where its own rows equal the cache's
  (see SummaryBook.share);
* only the rows within the last few ranges read are kept (a sliding window's old buckets
  are dropped), and only the most recently used scopes.

Results never depend on the cache: the book merges through the same blocks with or
without it (runner/blocks.py), so a cached run, a run on a fresh process and a dry run
give the same values to the last bit.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from telltale.core.timeutil import GRANULARITIES
from telltale.runner.blocks import STALE, BlockTree, SegmentText, bucket_index
from telltale.store.records import StoredPartials

if TYPE_CHECKING:
    from telltale.store import Store

KEEP_RANGES = 4         # rows outside the last this many ranges read are dropped
KEEP_SCOPES = 16        # scopes (store, model, granularity, fingerprint) kept per process

Triple = tuple[datetime, str, str]


class ScopeCache:
    """The final stored rows of one (store, model, granularity, fingerprint), decoded once."""

    def __init__(self, step: timedelta) -> None:
        self.step = step
        self.lock = threading.RLock()
        self.tree = BlockTree()
        self.stamps: dict[Triple, Any] = {}
        self.gens: dict[str, int] = {}   # per partial key, bumped whenever one of its rows changes
        self.ranges: list[tuple[datetime, datetime]] = []
        self.reads = 0                   # values read from the store (for tests and benchmarks)

    def read(self, store: Store, model: str, granularity: str, start: datetime, end: datetime,
             keys: set[str], fingerprint: str) -> StoredPartials:
        """The final stored rows of `keys` with `start <= bucket < end`, as the store holds them now."""
        with self.lock:
            now = {(b, s, k): st for b, s, k, st in store.final_partial_stamps(
                model, granularity, start, end, keys, fingerprint=fingerprint)}
            for t in [t for t in self.stamps if start <= t[0] < end and t[2] in keys and t not in now]:
                self._drop(t)   # deleted from the store
            changed = [t for t, st in now.items() if self.stamps.get(t) != st]
            if changed:
                got = store.get_final_partials(model, granularity, min(t[0] for t in changed),
                                               max(t[0] for t in changed) + self.step,
                                               {t[2] for t in changed}, fingerprint=fingerprint)
                for t in changed:
                    if t in got:   # its stamp may be newer than the one read first: both are the store's
                        self._put(t, *got[t])
                        self.reads += 1
                    elif t in self.stamps:
                        self._drop(t)
            self._keep(start, end)
            values: dict[tuple[datetime, str], dict[str, Any]] = {}
            for b, s, k in now:
                if (b, s, k) in self.stamps:
                    values.setdefault((b, s), {})[k] = self.tree.by_index[bucket_index(b, self.step)][b][s][k]
            return StoredPartials(values, frozenset(t for t in now if t in self.stamps))

    def block(self, key: str, gen: int, stext: SegmentText, segment: Mapping[str, str | None] | None,
              level: int, j: int) -> Any:
        """A block's value from the cached rows, or STALE when `key` changed since `gen`."""
        with self.lock:
            if self.gens.get(key, 0) != gen:
                return STALE
            return self.tree.value(key, stext, segment, level, j)

    def gen(self, key: str) -> int:
        """The generation of a partial key's rows (see `block`)."""
        with self.lock:
            return self.gens.get(key, 0)

    def _put(self, t: Triple, stamp: Any, value: Any) -> None:
        b, s, k = t
        i = bucket_index(b, self.step)
        if i not in self.tree.by_index:
            self.tree.indices_changed()
        self.tree.by_index.setdefault(i, {}).setdefault(b, {}).setdefault(s, {})[k] = value
        self.stamps[t] = stamp
        self._changed(k, i)

    def _drop(self, t: Triple) -> None:
        b, s, k = t
        i = bucket_index(b, self.step)
        self.stamps.pop(t, None)
        buckets = self.tree.by_index.get(i, {})
        segs = buckets.get(b, {})
        segs.get(s, {}).pop(k, None)
        if not segs.get(s, True):
            del segs[s]
        if not segs:
            buckets.pop(b, None)
        if not buckets:
            self.tree.by_index.pop(i, None)
            self.tree.indices_changed()
        self._changed(k, i)

    def _changed(self, key: str, index: int) -> None:
        self.gens[key] = self.gens.get(key, 0) + 1
        self.tree.forget(key, index)

    def _keep(self, start: datetime, end: datetime) -> None:
        """Remember a range read; drop the rows outside the last KEEP_RANGES ranges."""
        if (start, end) in self.ranges:
            self.ranges.remove((start, end))
        self.ranges = [*self.ranges, (start, end)][-KEEP_RANGES:]
        stale = [t for t in self.stamps if not any(a <= t[0] < z for a, z in self.ranges)]
        for t in stale:
            self._drop(t)


class CachedState:
    """The stored state a run plans against, read through the process's cache (a `StoredState`).

    `get_partials` returns the final rows only: a run reuses nothing else."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.key = store.engine.url.render_as_string(hide_password=False)

    def scope(self, model: str, granularity: str, fingerprint: str) -> ScopeCache:
        """The cache of one model's rows in this store."""
        return scope_for((self.key, model, granularity, fingerprint), GRANULARITIES[granularity])

    def get_partials(self, model: str, granularity: str, start: datetime, end: datetime, *,
                     partial_keys: Iterable[str] | None = None, fingerprint: str = "") -> StoredPartials:
        """The final stored rows of `partial_keys` in `[start, end)` (every key when None)."""
        if partial_keys is None:   # not how the planner asks; nothing to cache by key
            stored = self.store.get_partials(model, granularity, start, end, fingerprint=fingerprint)
            return StoredPartials({bs: {k: v for k, v in vals.items() if (*bs, k) in stored.final}
                                   for bs, vals in stored.values.items()}, stored.final)
        return self.scope(model, granularity, fingerprint).read(
            self.store, model, granularity, start, end, set(partial_keys), fingerprint)

    def get_grids(self, model: str, *, fingerprint: str = "") -> dict[str, dict[str, Any]]:
        """Every stored grid of a model (read from the store each time: a few rows)."""
        return self.store.get_grids(model, fingerprint=fingerprint)


_scopes: OrderedDict[tuple[str, str, str, str], ScopeCache] = OrderedDict()
_lock = threading.Lock()
_enabled = True


def scope_for(key: tuple[str, str, str, str], step: timedelta) -> ScopeCache:
    """The process's cache of one scope (created on first use; the least recently used dropped)."""
    with _lock:
        got = _scopes.get(key)
        if got is None:
            got = _scopes[key] = ScopeCache(step)
            while len(_scopes) > KEEP_SCOPES:
                _scopes.popitem(last=False)
        _scopes.move_to_end(key)
        return got


def state_for(store: Store) -> CachedState | Store:
    """What a run plans against: the store read through the cache (unless it is turned off)."""
    return CachedState(store) if _enabled else store


def clear() -> None:
    """Forget every cached row and block (the next runs read the store as a new process would)."""
    with _lock:
        _scopes.clear()


@contextmanager
def disabled() -> Iterator[None]:
    """Runs inside read the store without the cache (benchmarks and tests compare both)."""
    global _enabled
    was, _enabled = _enabled, False
    try:
        yield
    finally:
        _enabled = was
