"""Per-bucket summaries held for one model during a run, and merging them into windows."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from telltale.core.grids import Grid
from telltale.core.partials import PartialValues, empty_value
from telltale.core.segkey import parse_segment_key, segment_text
from telltale.core.timeutil import TimeRange
from telltale.runner.blocks import BlockTree, Folder, Segment, SegmentText, Values, bucket_index, decompose, first_index

if TYPE_CHECKING:
    from telltale.runner.stored import ScopeCache

BucketKey = tuple[datetime, str]
__all__ = ["SummaryBook", "parse_segment_key"]


@dataclass
class SummaryBook:
    """Summaries of one model, bucket by bucket and segment combination."""

    step: timedelta
    grids: dict[str, Grid] = field(default_factory=dict)
    buckets: dict[BucketKey, dict[str, Any]] = field(default_factory=dict)
    _cache: dict[tuple, PartialValues] = field(default_factory=dict, repr=False)
    _keys: dict[datetime, set[str]] = field(default_factory=dict, repr=False)
    _seg_keys: dict[datetime, set[str]] = field(default_factory=dict, repr=False)
    _tree: BookTree = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._tree = BookTree()

    def add(self, rows: Mapping[BucketKey, Mapping[str, Any]]) -> None:
        """Add (or replace) summaries of some buckets.

        Two kinds of key live side by side: `(bucket, "")` holds values over all rows (a
        scan without the segment GROUP BY, or a bucket without rows), `(bucket, "plan=a")`
        values per segment combination. A value over all rows is the sum of its segments'."""
        self._add(rows, local=True)

    def share(self, scope: ScopeCache, rows: Mapping[BucketKey, Mapping[str, Any]], gens: Mapping[str, int],
              rng: TimeRange, withheld: Iterable[tuple[datetime, str]]) -> None:
        """Add stored rows read through a process cache (runner/stored.py), and merge from
        the cache's blocks wherever this book's rows equal the cache's.

        `rows` are the cache's final rows over `rng` of the keys of `gens` (as one read
        returned them, with each key's generation then), less the `withheld` (bucket, key)
        pairs this run may not reuse (labels as of `--at`). A block is taken from the
        cache only for a key of `gens` whose cached rows are still of that generation,
        inside `rng`, and holding none of this book's own rows of that key (withheld,
        scanned or added any other way)."""
        self._add(rows, local=False)
        tree = self._tree
        tree.scope, tree.span = scope, (first_index(rng.start, self.step), first_index(rng.end, self.step))
        tree.gens = dict(gens)
        for b, k in withheld:
            tree.mark(k, bucket_index(b, self.step))

    def _add(self, rows: Mapping[BucketKey, Mapping[str, Any]], *, local: bool) -> None:
        tree = self._tree
        for key, vals in rows.items():
            mine = self.buckets.get(key)
            if mine is None:
                mine = self.buckets[key] = {}
                i = bucket_index(key[0], self.step)
                if i not in tree.by_index:
                    tree.indices_changed()
                tree.by_index.setdefault(i, {}).setdefault(key[0], {})[key[1]] = mine
            mine.update(vals)
            tree.keys.update(vals)
            self._keys.setdefault(key[0], set()).update(vals)
            self._seg_keys.setdefault(key[0], set()).update(
                vals if key[1] else (k for k, v in vals.items() if is_empty_value(k, v)))
            if local:
                i = bucket_index(key[0], self.step)
                for k in vals:
                    tree.mark(k, i)
        tree.memo.clear()
        self._cache.clear()

    def keys_in(self, bucket: datetime, *, segmented: bool = False) -> set[str]:
        """Partial keys present for a bucket: over all rows (any segment combination, or
        none), or with `segmented` per segment combination (an empty value over all rows
        serves both: a bucket without rows has no segments)."""
        return (self._seg_keys if segmented else self._keys).get(bucket, set())

    def merged(self, rng: TimeRange, segment: dict[str, str | None] | None) -> PartialValues:
        """Partial values merged over the buckets of `rng` and the rows of `segment` (None: NULL).

        Through aligned power-of-two blocks of buckets (runner/blocks.py): the order of the
        floating-point additions is fixed by the buckets alone, so a value comes out the
        same whichever buckets were read from the store and which were scanned (a dry run
        equals the stored run), and whether a block was merged now or earlier."""
        stext = tuple(sorted((k, segment_text(v)) for k, v in (segment or {}).items()))
        ckey = (rng.start, rng.end, stext)
        if ckey in self._cache:
            return self._cache[ckey]
        out = PartialValues(self._tree.window(stext, segment, first_index(rng.start, self.step),
                                              first_index(rng.end, self.step)), self.grids)
        self._cache[ckey] = out
        return out

    def segment_values(self, rng: TimeRange) -> dict[str, list[str | None]]:
        """Every value seen per segment column in `rng` (None for NULL, listed last)."""
        out: dict[str, set[str | None]] = {}
        for (bucket, seg) in self.buckets:
            if rng.start <= bucket < rng.end:
                for k, v in parse_segment_key(seg).items():
                    out.setdefault(k, set()).add(v)
        return {k: sorted(v, key=lambda x: (x is None, x or "")) for k, v in out.items()}


def is_empty_value(key: str, value: Any) -> bool:
    """Whether a value over all rows says every segment's value is empty too: a count of 0,
    an empty histogram / value count / crosstab, a min or max of no rows. (A sum of 0.0
    does not: its segments may cancel.)"""
    kind = key.split("|", 1)[0]
    return kind != "sum" and bool(value == empty_value(kind))


class BookTree(BlockTree):
    """A book's blocks: merged from its own rows, or taken from a process cache's blocks
    for the partials whose rows in the block equal the cache's (see SummaryBook.share)."""

    def __init__(self) -> None:
        super().__init__()
        self.scope: ScopeCache | None = None
        self.span = (0, 0)
        self.gens: dict[str, int] = {}
        self.keys: set[str] = set()          # every partial key the book holds
        self.local: dict[str, set[int]] = {}
        self._local_sorted: dict[str, list[int]] = {}

    def mark(self, key: str, index: int) -> None:
        """Bucket `index` holds rows of `key` that are this book's own (never from the cache)."""
        self.local.setdefault(key, set()).add(index)
        self._local_sorted.pop(key, None)

    def _own_rows(self, key: str, lo: int, hi: int) -> bool:
        idx = self._local_sorted.get(key)
        if idx is None:
            idx = self._local_sorted[key] = sorted(self.local.get(key, ()))
        i = bisect_left(idx, lo)
        return i < len(idx) and idx[i] < hi

    def window(self, stext: SegmentText, segment: Segment, lo: int, hi: int) -> Values:
        """Every partial merged over buckets `[lo, hi)`: block by block, each partial from
        the cache's block when the book's rows of it there are the cache's, else merged here."""
        fold = Folder()
        for level, j in decompose(lo, hi):
            blo = j << level
            bhi = blo + (1 << level)
            if not self.occupied(blo, bhi):
                continue
            shared: set[str] = set()
            scope = self.scope
            if scope is not None and self.span[0] <= blo and bhi <= self.span[1]:
                shared = {k for k in self.gens if not self._own_rows(k, blo, bhi)}
            if scope is not None and shared:
                cached, stale = scope.block(level, j, stext, segment, {k: self.gens[k] for k in shared})
                shared -= stale
                for key, value in cached.items():
                    if key in shared:
                        fold.add(key, value)
            if self.keys - shared:
                for key, value in self.block(level, j, stext, segment).items():
                    if key not in shared:
                        fold.add(key, value)
        return fold.result(detach=True)
