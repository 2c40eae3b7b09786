"""Merging a window of per-bucket summaries through aligned power-of-two blocks of buckets.

Bucket `i` (counted in steps from 1970-01-01 UTC) belongs to one block per level `k`: the
run of `2**k` buckets `[j * 2**k, (j + 1) * 2**k)` with `j = i >> k`. A block's value is
the merge of its two halves (left first), a leaf's the merge of its bucket's segment rows
(in segment-key order). A window `[lo, hi)` is the merge, left to right, of its canonical
decomposition into maximal aligned blocks (`decompose`), at most about `2 * log2(hi - lo)`
of them. Block values are memoised, so a window sliding by one bucket costs O(log n)
merges per partial instead of O(n).

Floating-point sums depend on the order of the additions, so that order is fixed by the
buckets alone: the same tree and the same decomposition are used whichever buckets were
read from the store and which were scanned, whether a memo held a block or it was merged
again, in a dry run and a stored run, on a daily run and a full recompute.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

from telltale.core.partials import DISTRIBUTION_KINDS, merge_values
from telltale.core.segkey import matches

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
ABSENT: Any = object()   # no bucket of a block holds the partial (unlike None: a min of no rows)
STALE: Any = object()    # a cached block asked for after its rows changed (merge it again)

SegRows = Mapping[str, Mapping[str, Any]]   # segment key -> partial key -> value, of one bucket
SegmentText = tuple[tuple[str, str | None], ...]


def bucket_index(bucket: datetime, step: timedelta) -> int:
    """The number of steps from EPOCH to a bucket start (floor)."""
    return (bucket - EPOCH) // step


def first_index(t: datetime, step: timedelta) -> int:
    """The index of the first bucket starting at or after `t` (ceiling)."""
    return -((EPOCH - t) // step)


def decompose(lo: int, hi: int) -> list[tuple[int, int]]:
    """The aligned blocks (level, j) covering `[lo, hi)` exactly, left to right, each as
    large as alignment allows."""
    out: list[tuple[int, int]] = []
    while lo < hi:
        level = (lo & -lo).bit_length() - 1 if lo else (hi - lo).bit_length()
        while level > 0 and lo + (1 << level) > hi:
            level -= 1
        out.append((level, lo >> level))
        lo += 1 << level
    return out


def kind_of(key: str) -> str:
    """The partial kind of a partial key (`hist|...` -> `hist`)."""
    return key.split("|", 1)[0]


def combine(kind: str, a: Any, b: Any) -> Any:
    """Merge two block values (ABSENT: nothing); the inputs are never modified."""
    if a is ABSENT:
        return b
    if b is ABSENT:
        return a
    return merge_values(kind, a, b)


def leaf(rows: list[SegRows], key: str, segment: Mapping[str, str | None] | None,
         match: dict[tuple[str, SegmentText], bool], stext: SegmentText) -> Any:
    """The value of one partial over one bucket's rows of `segment` (None/{}: all rows).

    Over all rows, a value stored over all rows (segment key "") is the bucket's value;
    else the bucket's segment rows are summed, in segment-key order. `rows` is usually
    one bucket's rows (a list only so that buckets sharing an index still merge)."""
    kind = kind_of(key)
    acc = ABSENT
    for segs in rows:
        if not segment:
            whole = segs.get("")
            if whole is not None and key in whole:
                acc = combine(kind, acc, whole[key])
                continue
        for seg in sorted(segs):
            if segment:
                hit = match.get((seg, stext))
                if hit is None:
                    hit = match[(seg, stext)] = matches(seg, segment)
                if not hit:
                    continue
            elif not seg:
                continue
            value = segs[seg].get(key, ABSENT)
            acc = combine(kind, acc, value)
    return acc


def own_copy(kind: str, value: Any) -> Any:
    """A window's value the caller may keep (distributions copied off the memo)."""
    if kind in DISTRIBUTION_KINDS and isinstance(value, dict):
        return dict(value)
    return value


class BlockTree:
    """Per-bucket rows (`by_index`) and the memoised values of their blocks.

    `memo[(key, level, j)][segment text]` is one block's value for one segment filter.
    Subclasses may answer a block from another tree (`delegate`)."""

    def __init__(self) -> None:
        self.by_index: dict[int, dict[datetime, dict[str, dict[str, Any]]]] = {}
        self.memo: dict[tuple[str, int, int], dict[SegmentText, Any]] = {}
        self._match: dict[tuple[str, SegmentText], bool] = {}
        self._sorted: list[int] | None = None

    def occupied(self, lo: int, hi: int) -> bool:
        """Whether some bucket has rows in `[lo, hi)`."""
        if self._sorted is None:
            self._sorted = sorted(self.by_index)
        i = bisect_left(self._sorted, lo)
        return i < len(self._sorted) and self._sorted[i] < hi

    def indices_changed(self) -> None:
        """Call after adding or removing a bucket index."""
        self._sorted = None

    def delegate(self, key: str, lo: int, hi: int) -> BlockTree | None:
        """Another tree whose block `[lo, hi)` equals this one's for `key` (None: merge here)."""
        return None

    def value(self, key: str, stext: SegmentText, segment: Mapping[str, str | None] | None,
              level: int, j: int) -> Any:
        """The value of block (level, j) of one partial over the rows of `segment`."""
        lo = j << level
        hi = lo + (1 << level)
        if not self.occupied(lo, hi):
            return ABSENT
        other = self.delegate(key, lo, hi)
        if other is not None:
            return other.value(key, stext, segment, level, j)
        slot = self.memo.setdefault((key, level, j), {})
        if stext in slot:
            return slot[stext]
        if level == 0:
            got = leaf([rows for _, rows in sorted(self.by_index[lo].items())], key, segment,
                       self._match, stext)
        else:
            got = combine(kind_of(key), self.value(key, stext, segment, level - 1, 2 * j),
                          self.value(key, stext, segment, level - 1, 2 * j + 1))
        slot[stext] = got
        return got

    def window(self, key: str, stext: SegmentText, segment: Mapping[str, str | None] | None,
               lo: int, hi: int) -> Any:
        """One partial merged over buckets `[lo, hi)` (ABSENT when none holds it)."""
        kind = kind_of(key)
        acc = ABSENT
        for level, j in decompose(lo, hi):
            acc = combine(kind, acc, self.value(key, stext, segment, level, j))
        return acc if acc is ABSENT else own_copy(kind, acc)

    def forget(self, key: str, index: int) -> None:
        """Drop the memoised blocks of `key` that contain bucket `index`."""
        for level in range(64):
            self.memo.pop((key, level, index >> level), None)
