"""Which buckets a run must scan again: the stored summaries it can reuse, and the rest grouped
into scans. Pure: it reads the stored state, never the warehouse."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from telltale.core.partials import Partial
from telltale.core.timeutil import TimeRange, covering
from telltale.connectors.base import Connector
from telltale.planner.queries import PlannedQuery
from telltale.planner.relation import referenced_columns
from telltale.planner.segments import segment_count_query
from telltale.planner.spec import ModelSpec
from telltale.runner.stored import CachedState
from telltale.runner.summaries import SummaryBook
from telltale.store.records import StoredPartials


class StoredState(Protocol):
    """What the planner reads of the state store (a `Store`, or FreshState)."""

    def get_partials(self, model: str, granularity: str, start: datetime, end: datetime, *,
                     partial_keys: Iterable[str] | None = None, fingerprint: str = "") -> StoredPartials: ...

    def get_grids(self, model: str, *, fingerprint: str = "") -> dict[str, dict[str, Any]]: ...


class FreshState:
    """The stored state of a fresh store: nothing (`compile --full`, a store not created yet)."""

    def get_partials(self, model: str, granularity: str, start: datetime, end: datetime, *,
                     partial_keys: Iterable[str] | None = None, fingerprint: str = "") -> StoredPartials:
        """No stored summaries."""
        return StoredPartials({})

    def get_grids(self, model: str, *, fingerprint: str = "") -> dict[str, dict[str, Any]]:
        """No stored grids."""
        return {}


@dataclass(frozen=True)
class ScanGroup:
    """Buckets to push down again, and the partials they lack."""

    rng: TimeRange
    partials: list[Partial]
    segmented: frozenset[str] = frozenset()   # keys of the partials to group by segments


def as_of_labels(spec: ModelSpec, partial: Partial) -> bool:
    """True when a partial reads labels taken as of `--at` (a label table with a timestamp)."""
    a = spec.actuals
    if a is None or not a.timestamp:
        return False
    return bool(referenced_columns([partial.expr, partial.expr2, partial.filter]) & spec.actual_columns)


def reusable(spec: ModelSpec, at: datetime, bucket: datetime, key: str, as_of: set[str]) -> bool:
    """Whether a stored final summary of `bucket` holds for a run at `at`.

    A final summary that reads labels holds every label that arrived within
    `late_labels`; a run as of an earlier time must not see them, so it recomputes the
    summary as of its `--at` (`as_of`: the keys of partials reading labels as of `--at`).
    """
    late = max(spec.late_data, spec.late_labels)
    return key not in as_of or bucket + spec.step + late <= at


def scans_needed(state: StoredState, spec: ModelSpec, model: str, fingerprint: str, book: SummaryBook,
                 needed: set[Partial], ranges: list[TimeRange], seg_keys: set[str],
                 at: datetime) -> list[ScanGroup]:
    """Read the stored summaries a run can reuse into `book`; return the scans for the rest.

    A stored summary is reused once it is final: its bucket ended more than `late_data`
    ago (`late_labels` for summaries that read an actuals column), it was computed from
    the same sources (the fingerprint), and for label summaries the run's `--at` is past
    the label deadline. What is left is grouped by the set of summaries each bucket
    lacks, usually two groups on a daily run (the new day: everything; the last days:
    label summaries), one scan each. A partial in `seg_keys` is needed per segment
    combination; the others over all rows (per-segment values serve them too). A
    histogram whose column has no grid (no values to take edges from) is not scanned.
    """
    whole = covering(ranges)
    needed = {p for p in needed if p.kind != "hist" or p.grid_key in book.grids}
    keys = {p.key for p in needed}
    as_of = {p.key for p in needed if as_of_labels(spec, p)}
    stored = state.get_partials(model, spec.granularity, whole.start, whole.end,
                                partial_keys=keys, fingerprint=fingerprint)
    cache = state if isinstance(state, CachedState) else None   # its values are the final rows only
    usable = (stored.final if not as_of else   # only label summaries as of `--at` may be held back
              frozenset(t for t in stored.final if reusable(spec, at, t[0], t[2], as_of)))
    if cache is not None and usable is stored.final:
        kept_rows = stored.values
    else:
        kept_rows = {bs: kept for bs, vals in stored.values.items()
                     if (kept := {k: v for k, v in vals.items() if (*bs, k) in usable})}
    if cache is not None:   # merge from the process's cached blocks where they equal this run's rows
        book.share(cache.scope(model, spec.granularity, fingerprint), kept_rows,
                   cache.gens[(model, spec.granularity, fingerprint)], whole,
                   {(b, k) for b, _, k in stored.final - usable})
    else:
        book.add(kept_rows)
    final: dict[datetime, set[str]] = {}   # per bucket, the keys of its usable final rows
    for (b, _), vals in kept_rows.items():
        final.setdefault(b, set()).update(vals)
    groups: dict[frozenset[str], list[datetime]] = {}
    for b in whole.buckets(spec.step):
        have = book.keys_in(b) & final.get(b, set())
        have_seg = book.keys_in(b, segmented=True) & final.get(b, set())   # narrowed by keys_in
        todo = frozenset((keys - seg_keys - have) | (keys & seg_keys - have_seg))
        if todo:
            groups.setdefault(todo, []).append(b)
    if len(groups) > 2:   # scattered gaps: one scan of everything over their span
        every = sorted(b for bs in groups.values() for b in bs)
        groups = {frozenset(keys): every}
    by_key = {p.key: p for p in needed}
    return [ScanGroup(TimeRange(min(buckets), max(buckets) + spec.step),
                      [by_key[k] for k in todo], frozenset(todo & seg_keys))
            for todo, buckets in groups.items()]


def segment_check(spec: ModelSpec, connector: Connector, group: ScanGroup) -> PlannedQuery | None:
    """The statement counting segment values over a scan group's range, when it has
    partials grouped by segments (see planner/segments.py)."""
    if not group.segmented or not spec.segments:
        return None
    return segment_count_query(spec, connector, group.rng)
