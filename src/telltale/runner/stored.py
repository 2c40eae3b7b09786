"""A per-process cache of the final stored summaries, decoded once, and their merged blocks.

A run reads every stored per-bucket summary of its windows; a backfill (one run per
bucket) and a long-lived `telltale serve` read the same rows again and again. Final rows
do not change for a fingerprint unless some writer stores them again, so this cache keeps
them decoded, per (store, model, granularity, fingerprint):

* each read first asks the store how many final rows in range each write left per
  bucket (`final_partial_writes`: counts per bucket and (computed_at, run_id), no values),
  then reads and decodes only the buckets whose counts differ from the cached rows', and
  there keeps a cached value only when its row's stamp is unchanged: another process
  writing the store can never make a cached value wrong, it only costs a re-read;
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
from telltale.runner.blocks import BlockTree, Segment, SegmentText, Values, bucket_index, first_index
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
        self.writes: dict[datetime, dict[Any, dict[str, int]]] = {}   # bucket -> stamp -> key -> rows
        self.gens: dict[str, int] = {}   # per partial key, bumped whenever one of its rows changes
        self.ranges: list[tuple[datetime, datetime]] = []
        self.reads = 0                   # values read from the store (for tests and benchmarks)
        self.hits = 0                    # blocks handed to a run's book

    def read(self, store: Store, model: str, granularity: str, start: datetime, end: datetime,
             keys: set[str], fingerprint: str) -> tuple[StoredPartials, dict[str, int]]:
        """The final stored rows of `keys` with `start <= bucket < end`, as the store holds them
        now, and the generation of each key's cached rows they are (see `block`)."""
        with self.lock:
            lo, hi = first_index(start, self.step), first_index(end, self.step)
            changes = Changes()
            if not self.tree.occupied(lo, hi):   # nothing cached here: read the values straight away
                dirty = None
            else:   # the buckets whose rows per write differ from the cached ones
                writes = store.final_partial_writes(model, granularity, start, end, keys, fingerprint=fingerprint)
                held = {b for i in self.tree.indices(lo, hi) for b in self.tree.by_index[i] if start <= b < end}
                dirty = {b for b in held | writes.keys() if self._writes_of(b, keys) != writes.get(b, {})}
            if dirty is None or dirty:
                a, z = (start, end) if dirty is None else (min(dirty), max(dirty) + self.step)
                got = store.get_final_partials(model, granularity, a, z, keys, fingerprint=fingerprint)
                self._reconcile(got, keys, dirty, changes)
            self._keep(start, end, changes)
            self._apply(changes)
            values: dict[tuple[datetime, str], dict[str, Any]] = {}
            by_index = self.tree.by_index
            for i in self.tree.indices(lo, hi):
                for b, segs in by_index[i].items():
                    if start <= b < end:
                        for s, vals in segs.items():
                            if kept := {k: v for k, v in vals.items() if k in keys}:
                                values[(b, s)] = kept
            final = frozenset((*bs, k) for bs, vals in values.items() for k in vals)
            return StoredPartials(values, final), {k: self.gens.get(k, 0) for k in keys}

    def _writes_of(self, bucket: datetime, keys: set[str]) -> dict[Any, int]:
        """The cached rows of `keys` in one bucket, counted per write (stamp)."""
        out = {}
        for stamp, per_key in self.writes.get(bucket, {}).items():
            n = sum(per_key.values()) if per_key.keys() <= keys else sum(
                c for k, c in per_key.items() if k in keys)
            if n:
                out[stamp] = n
        return out

    def _reconcile(self, got: list[tuple[datetime, str, str, Any, Any]], keys: set[str],
                   dirty: set[datetime] | None, changes: Changes) -> None:
        """Make the cached rows of `keys` in the `dirty` buckets (None: every bucket of `got`'s
        range, none of them cached) those of `got`: rows with a new stamp put, rows no longer
        stored dropped."""
        if dirty is None:
            self._fill(got, changes)
            return
        seen = set()
        for b, s, k, stamp, value in got:
            if b in dirty:
                seen.add((b, s, k))
                if self.stamps.get((b, s, k)) != stamp:
                    self._put((b, s, k), stamp, value, changes)
                    self.reads += 1
        for b in dirty:
            segs = self.tree.by_index.get(bucket_index(b, self.step), {}).get(b, {})
            for t in [(b, s, k) for s, vals in segs.items() for k in vals if k in keys and (b, s, k) not in seen]:
                self._drop(t, changes)

    def _fill(self, got: list[tuple[datetime, str, str, Any, Any]], changes: Changes) -> None:
        """`_put` of rows of buckets the cache holds nothing of, in bulk."""
        by_index, stamps, writes, step = self.tree.by_index, self.stamps, self.writes, self.step
        index: dict[datetime, int] = {}
        for b, s, k, stamp, value in got:
            i = index.get(b)
            if i is None:
                i = index[b] = bucket_index(b, step)
            by_index.setdefault(i, {}).setdefault(b, {}).setdefault(s, {})[k] = value
            stamps[(b, s, k)] = stamp
            per_key = writes.setdefault(b, {}).setdefault(stamp, {})
            per_key[k] = per_key.get(k, 0) + 1
            changes.keys.add(k)
        changes.indices.update(index.values())
        self.reads += len(got)
        self.tree.indices_changed()

    def block(self, level: int, j: int, stext: SegmentText, segment: Segment,
              gens: Mapping[str, int]) -> tuple[Values, set[str]]:
        """A block merged from the cached rows, and the keys of `gens` whose rows changed
        since their generation (their values in the block are not the asker's)."""
        with self.lock:
            stale = {k for k, g in gens.items() if self.gens.get(k, 0) != g}
            self.hits += len(stale) < len(gens)
            return self.tree.block(level, j, stext, segment), stale

    def _put(self, t: Triple, stamp: Any, value: Any, changes: Changes) -> None:
        b, s, k = t
        i = bucket_index(b, self.step)
        if i not in self.tree.by_index:
            self.tree.indices_changed()
        self.tree.by_index.setdefault(i, {}).setdefault(b, {}).setdefault(s, {})[k] = value
        self._count(t, self.stamps.get(t), -1)
        self.stamps[t] = stamp
        self._count(t, stamp, 1)
        changes.add(k, i)

    def _count(self, t: Triple, stamp: Any, n: int) -> None:
        if stamp is None:
            return
        per_key = self.writes.setdefault(t[0], {}).setdefault(stamp, {})
        per_key[t[2]] = per_key.get(t[2], 0) + n
        if not per_key[t[2]]:
            del per_key[t[2]]
            if not per_key:
                del self.writes[t[0]][stamp]
                if not self.writes[t[0]]:
                    del self.writes[t[0]]

    def _drop(self, t: Triple, changes: Changes) -> None:
        b, s, k = t
        i = bucket_index(b, self.step)
        self._count(t, self.stamps.pop(t, None), -1)
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
        changes.add(k, i)

    def _apply(self, changes: Changes) -> None:
        """Bump the generation of every changed key; drop the blocks holding a changed bucket."""
        for k in changes.keys:
            self.gens[k] = self.gens.get(k, 0) + 1
        if self.tree.memo:
            for i in changes.indices:
                self.tree.forget(i)

    def _keep(self, start: datetime, end: datetime, changes: Changes) -> None:
        """Remember a range read; drop the rows outside the last KEEP_RANGES ranges."""
        before = list(self.ranges)
        if (start, end) in self.ranges:
            self.ranges.remove((start, end))
        self.ranges = [*self.ranges, (start, end)][-KEEP_RANGES:]
        if set(self.ranges) == set(before):
            return
        out = [(b, s, k) for buckets in self.tree.by_index.values() for b, segs in buckets.items()
               if not any(a <= b < z for a, z in self.ranges) for s, vals in segs.items() for k in vals]
        for t in out:
            self._drop(t, changes)


class Changes:
    """The keys and bucket indices whose cached rows one read changed."""

    def __init__(self) -> None:
        self.keys: set[str] = set()
        self.indices: set[int] = set()

    def add(self, key: str, index: int) -> None:
        """Note one changed row."""
        self.keys.add(key)
        self.indices.add(index)


class CachedState:
    """The stored state a run plans against, read through the process's cache (a `StoredState`).

    `get_partials` returns the final rows only: a run reuses nothing else."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.key = store.engine.url.render_as_string(hide_password=False)
        self.gens: dict[tuple[str, str, str], dict[str, int]] = {}   # of the rows last read, per scope

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
        stored, self.gens[(model, granularity, fingerprint)] = self.scope(model, granularity, fingerprint).read(
            self.store, model, granularity, start, end, set(partial_keys), fingerprint)
        return stored

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
