"""Per-bucket summaries held for one model during a run, and merging them into windows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from telltale.core.grids import Grid
from telltale.core.partials import DISTRIBUTION_KINDS, PartialValues, add_counts, empty_value, merge_values
from telltale.core.segkey import matches, parse_segment_key, segment_text
from telltale.core.timeutil import TimeRange

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

    def add(self, rows: dict[BucketKey, dict[str, Any]]) -> None:
        """Add (or replace) summaries of some buckets.

        Two kinds of key live side by side: `(bucket, "")` holds values over all rows (a
        scan without the segment GROUP BY, or a bucket without rows), `(bucket, "plan=a")`
        values per segment combination. A value over all rows is the sum of its segments'."""
        for key, vals in rows.items():
            self.buckets.setdefault(key, {}).update(vals)
            self._keys.setdefault(key[0], set()).update(vals)
            self._seg_keys.setdefault(key[0], set()).update(
                k for k, v in vals.items() if key[1] or is_empty_value(k, v))
        self._cache.clear()

    def keys_in(self, bucket: datetime, *, segmented: bool = False) -> set[str]:
        """Partial keys present for a bucket: over all rows (any segment combination, or
        none), or with `segmented` per segment combination (an empty value over all rows
        serves both: a bucket without rows has no segments)."""
        return (self._seg_keys if segmented else self._keys).get(bucket, set())

    def merged(self, rng: TimeRange, segment: dict[str, str | None] | None) -> PartialValues:
        """Partial values merged over the buckets of `rng` and the rows of `segment` (None: NULL)."""
        ckey = (rng.start, rng.end, tuple(sorted((k, segment_text(v)) for k, v in (segment or {}).items())))
        if ckey in self._cache:
            return self._cache[ckey]
        acc: dict[str, Any] = {}
        own: set[str] = set()   # keys whose dict in `acc` is this merge's copy (summed in place)
        # in a fixed order: floating-point sums come out the same whichever buckets were
        # read from the store and which were scanned (a dry run equals the stored run)
        for (bucket, seg), vals in sorted(self.buckets.items(), key=lambda kv: kv[0]):
            if not (rng.start <= bucket < rng.end):
                continue
            whole: dict[str, Any] = {}
            if segment:
                if not matches(seg, segment):
                    continue
            elif seg:   # all rows: a key held over all rows is not summed again from its segments
                whole = self.buckets.get((bucket, ""), {})
            for key, value in vals.items():
                if key in whole:
                    continue
                if key not in acc:
                    acc[key] = value
                    continue
                kind = key.split("|", 1)[0]
                if kind in DISTRIBUTION_KINDS:   # as merge_values, without a copy per bucket
                    if key not in own:
                        acc[key] = dict(acc[key] or {})
                        own.add(key)
                    add_counts(acc[key], value)
                else:
                    acc[key] = merge_values(kind, acc[key], value)
        out = PartialValues(acc, self.grids)
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
