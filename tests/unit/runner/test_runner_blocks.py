"""Windows merged through aligned power-of-two blocks (runner/blocks.py): the decomposition
covers a window exactly with O(log n) blocks; merged values equal the exact sums of the
raw per-bucket values (counts and histograms exactly, float sums within 1e-12 relative);
and the bits do not depend on how the rows arrived (order of adds, read through the
process cache or not, a window merged after another one filled the memo)."""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from telltale.core.segkey import encode_segment
from telltale.core.timeutil import TimeRange
from telltale.runner.blocks import decompose
from telltale.runner.stored import Changes, ScopeCache
from telltale.runner.summaries import SummaryBook

HOUR = timedelta(hours=1)
T0 = datetime(2025, 3, 1, 5, tzinfo=timezone.utc)   # not aligned to any large block
SUM, COUNT, HIST, MIN = 'sum|"x"', "count", 'hist|"x"', 'min|"x"'
REGIONS = ["EU", "US", None]


@pytest.mark.parametrize("lo,hi", [(0, 1), (0, 1000), (5, 6), (5, 677), (480_007, 480_679), (-9, 13)])
def test_decompose_covers_the_window_with_aligned_blocks(lo: int, hi: int) -> None:
    blocks = decompose(lo, hi)
    at = lo
    for level, j in blocks:
        assert j << level == at, "blocks are contiguous, left to right"
        at += 1 << level
    assert at == hi
    assert len(blocks) <= 2 * max(1, math.ceil(math.log2(hi - lo + 1))) + 1


def _rows(n: int, seed: int = 3) -> dict[tuple[datetime, str], dict[str, Any]]:
    """n hourly buckets of three regions: float sums of mixed magnitude (their order matters)."""
    rng = random.Random(seed)
    out: dict[tuple[datetime, str], dict[str, Any]] = {}
    for i in range(n):
        for region in REGIONS:
            if rng.random() < 0.1:
                continue   # a region without rows in that hour
            out[(T0 + i * HOUR, encode_segment({"region": region}))] = {
                SUM: rng.uniform(-1, 1) * 10 ** rng.randint(-6, 9), COUNT: rng.randint(0, 50),
                HIST: {rng.randint(0, 9): rng.randint(1, 5) for _ in range(4)},
                MIN: rng.uniform(0, 1)}
    return out


def _exact(rows: dict[tuple[datetime, str], dict[str, Any]], rng: TimeRange, region: Any | None,
           whole: bool) -> dict[str, Any]:
    picked = [v for (b, seg), v in rows.items() if rng.start <= b < rng.end
              and (whole or seg == encode_segment({"region": region}))]
    hist: dict[int, int] = {}
    for v in picked:
        for k, c in v[HIST].items():
            hist[k] = hist.get(k, 0) + c
    return {SUM: math.fsum(v[SUM] for v in picked), COUNT: sum(v[COUNT] for v in picked), HIST: hist,
            MIN: min((v[MIN] for v in picked), default=None)}


@pytest.mark.parametrize("segment", [None, {"region": "EU"}, {"region": None}])
def test_merged_equals_the_exact_sums(segment: dict[str, Any] | None) -> None:
    rows = _rows(700)
    book = SummaryBook(step=HOUR)
    book.add(rows)
    for start, length in [(0, 672), (3, 672), (28, 672), (100, 1), (0, 700), (695, 10)]:
        rng = TimeRange(T0 + start * HOUR, T0 + (start + length) * HOUR)
        got = book.merged(rng, segment)
        want = _exact(rows, rng, None if segment is None else segment["region"], segment is None)
        assert got.get(COUNT) == want[COUNT] and got.get(HIST) == want[HIST] and got.get(MIN) == want[MIN]
        assert got.get(SUM) == pytest.approx(want[SUM], rel=1e-12, abs=1e-12 * 10 ** 9)


def _book(rows: dict[tuple[datetime, str], dict[str, Any]], order: list[tuple[datetime, str]],
          scope: ScopeCache | None = None, shared: set[tuple[datetime, str]] | None = None) -> SummaryBook:
    book = SummaryBook(step=HOUR)
    if scope is not None and shared is not None:
        book.share(scope, {k: rows[k] for k in order if k in shared}, {k: scope.gens[k] for k in (SUM, COUNT, HIST, MIN)},
                   TimeRange(T0, T0 + 800 * HOUR), [])
    for k in order:
        if shared is None or k not in shared:
            book.add({k: rows[k]})
    return book


def test_the_bits_do_not_depend_on_how_the_rows_arrived() -> None:
    """A stored run, a dry run, a run scanning some buckets and reading the others through
    the process cache, and a run whose memo was filled by other windows first: the same
    float bits (not merely close)."""
    rows = _rows(720, seed=11)
    keys = sorted(rows)
    plain = _book(rows, keys)
    shuffled = list(keys)
    random.Random(5).shuffle(shuffled)
    windows = [TimeRange(T0 + s * HOUR, T0 + (s + 672) * HOUR) for s in (0, 1, 2, 17, 48)]
    # a process cache holding the first 700 hours, as a store read would leave it
    scope, changes = ScopeCache(HOUR), Changes()
    for (b, seg), vals in rows.items():
        if b < T0 + 700 * HOUR:
            for k, v in vals.items():
                scope._put((b, seg, k), ("t", "run"), v, changes)
    scope._apply(changes)
    cached = {k for k in keys if k[0] < T0 + 700 * HOUR}
    warm = _book(rows, shuffled, scope, cached)
    for w in reversed(windows):   # fill the cache's memo with other windows first
        warm.merged(w, None)
    for seg in (None, {"region": "US"}):
        for w in windows:
            want = plain.merged(w, seg).values
            for book in (_book(rows, shuffled), _book(rows, shuffled, scope, cached), warm):
                got = book.merged(w, seg).values
                assert got == want, (w, seg)
    assert scope.hits > 0, "the cached books merged through the cache's blocks"


def test_a_window_is_a_copy_the_caller_may_change() -> None:
    rows = _rows(40)
    book = SummaryBook(step=HOUR)
    book.add(rows)
    rng = TimeRange(T0, T0 + 32 * HOUR)
    first = book.merged(rng, None).values
    for value in first[HIST].values():
        assert value > 0
    first[HIST].clear()   # a monitor changing its copy must not change the memoised blocks
    other = SummaryBook(step=HOUR)
    other.add(rows)
    for start, length in [(0, 16), (0, 31), (1, 31), (8, 8)]:
        sub = TimeRange(T0 + start * HOUR, T0 + (start + length) * HOUR)
        assert book.merged(sub, None).values[HIST] == other.merged(sub, None).values[HIST] != {}


def test_a_book_never_takes_blocks_the_cache_changed_after_its_read() -> None:
    """Another run in the process (serve) re-reads a changed row into the cache while this
    run's book holds the rows of its own read: the book merges its own rows, not the new."""
    rows = _rows(64, seed=2)
    scope, changes = ScopeCache(HOUR), Changes()
    for (b, seg), vals in rows.items():
        for k, v in vals.items():
            scope._put((b, seg, k), ("t", "run"), v, changes)
    scope._apply(changes)
    book = SummaryBook(step=HOUR)
    book.share(scope, rows, dict(scope.gens), TimeRange(T0, T0 + 64 * HOUR), [])
    later = Changes()   # the other run's read: one bucket's sum stored again
    (b, seg) = sorted(rows)[5]
    scope._put((b, seg, SUM), ("t2", "run2"), rows[(b, seg)][SUM] + 1e6, later)
    scope._apply(later)
    plain = SummaryBook(step=HOUR)
    plain.add(rows)
    window = TimeRange(T0, T0 + 64 * HOUR)
    assert book.merged(window, None).values == plain.merged(window, None).values
    assert scope.hits > 0, "the keys that did not change still came from the cache"
