"""Merging a window of per-bucket summaries through aligned power-of-two blocks of buckets.

Bucket `i` (counted in steps from 1970-01-01 UTC) lies in one block per level `k`: the
run of `2**k` buckets `[j * 2**k, (j + 1) * 2**k)` with `j = i >> k`. A window
`[lo, hi)` is merged, left to right, from its canonical decomposition into maximal
aligned blocks (`decompose`: at most about `2 * log2(hi - lo)` of them); a block's value
is its buckets merged in bucket order, a bucket's its segment rows merged in segment-key
order. Blocks are memoised (per segment filter), and a process cache keeps them across
runs (runner/stored.py): a window sliding by one bucket then merges O(log n) blocks per
partial, and computes new blocks worth O(log n) buckets on average, instead of O(n).

Floating-point sums depend on the order of the additions, so that order is fixed by the
buckets alone: the same decomposition and the same order inside a block are used
whichever buckets were read from the store and which were scanned, whether a memo held a
block or it was merged again, in a dry run and a stored run, on a daily run and a full
recompute.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

from telltale.core.partials import DISTRIBUTION_KINDS, add_counts, merge_values
from telltale.core.segkey import matches

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)

SegRows = Mapping[str, Mapping[str, Any]]   # segment key -> partial key -> value, of one bucket
SegmentText = tuple[tuple[str, str | None], ...]
Segment = Mapping[str, str | None] | None
Values = dict[str, Any]


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


class Folder:
    """Left-folds partial values into one dict, copying a distribution before adding to it
    (the values folded in are never modified: they may be stored or memoised ones)."""

    def __init__(self) -> None:
        self.acc: Values = {}
        self.own: set[str] = set()

    def add(self, key: str, value: Any) -> None:
        """Merge one value of `key` into the accumulator."""
        acc = self.acc
        if key not in acc:
            acc[key] = value
            return
        kind = key.split("|", 1)[0]
        if kind in DISTRIBUTION_KINDS:
            if key not in self.own:
                acc[key] = dict(acc[key] or {})
                self.own.add(key)
            add_counts(acc[key], value)
        else:
            acc[key] = merge_values(kind, acc[key], value)

    def result(self, *, detach: bool = False) -> Values:
        """The merged values; with `detach`, distributions still shared are copied."""
        if detach:
            for key, value in self.acc.items():
                if key not in self.own and isinstance(value, dict):
                    self.acc[key] = dict(value)
        return self.acc


class BlockTree:
    """Per-bucket rows (`by_index[i][bucket][segment key]`) and their memoised blocks
    (`memo[(level, j)][segment text]`: every partial of the block's rows)."""

    def __init__(self) -> None:
        self.by_index: dict[int, dict[datetime, dict[str, dict[str, Any]]]] = {}
        self.memo: dict[tuple[int, int], dict[SegmentText, Values]] = {}
        self._match: dict[tuple[str, SegmentText], bool] = {}
        self._sorted: list[int] | None = None

    def indices(self, lo: int, hi: int) -> Iterator[int]:
        """The bucket indices holding rows in `[lo, hi)`, ascending."""
        if self._sorted is None:
            self._sorted = sorted(self.by_index)
        order = self._sorted
        i = bisect_left(order, lo)
        while i < len(order) and order[i] < hi:
            yield order[i]
            i += 1

    def occupied(self, lo: int, hi: int) -> bool:
        """Whether some bucket has rows in `[lo, hi)`."""
        return next(self.indices(lo, hi), None) is not None

    def indices_changed(self) -> None:
        """Call after adding or removing a bucket index."""
        self._sorted = None

    def block(self, level: int, j: int, stext: SegmentText, segment: Segment) -> Values:
        """Every partial merged over block (level, j) and the rows of `segment`."""
        slot = self.memo.setdefault((level, j), {})
        got = slot.get(stext)
        if got is None:
            lo = j << level
            fold = Folder()
            for i in self.indices(lo, lo + (1 << level)):
                rows = self.by_index[i]
                for b in sorted(rows) if len(rows) > 1 else rows:
                    for key, value in self.bucket(rows[b], stext, segment).items():
                        fold.add(key, value)
            got = slot[stext] = fold.result()
        return got

    def bucket(self, segs: SegRows, stext: SegmentText, segment: Segment) -> Values:
        """One bucket's partials over the rows of `segment` (None/{}: all rows).

        Over all rows, a value stored over all rows (segment key "") is the bucket's
        value; the others are summed over the segment rows, in segment-key order."""
        fold = Folder()
        whole: SegRows | Mapping[str, Any] = {}
        if not segment:
            whole = segs.get("", {})
            for key, value in whole.items():
                fold.add(key, value)
        for seg in sorted(segs) if len(segs) > 1 else segs:
            if segment:
                hit = self._match.get((seg, stext))
                if hit is None:
                    hit = self._match[(seg, stext)] = matches(seg, segment)
                if not hit:
                    continue
            elif not seg:
                continue
            for key, value in segs[seg].items():
                if segment or key not in whole:
                    fold.add(key, value)
        return fold.acc

    def forget(self, index: int) -> None:
        """Drop the memoised blocks that contain bucket `index`."""
        for level in range(64):
            self.memo.pop((level, index >> level), None)
