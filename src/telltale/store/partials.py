"""Store API: per-bucket partial values and histogram grids."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Iterable, Mapping

import sqlalchemy as sa

from telltale.store.coltypes import UTCDateTime
from telltale.store.core import StoreBase
from telltale.store.records import PartialRow, StoredPartials
from telltale.store.schema import grids, partials
from telltale.store.sqlutil import insert_ignore, upsert
from telltale.core.timeutil import UTC, to_utc

_IN_LIMIT = 500   # above this many keys, filter in Python rather than with a long IN list
Stamp = tuple[Any, Any]   # (computed_at as stored, run_id)


def _raw(column: sa.Column[Any]) -> sa.ColumnElement[Any]:
    """A datetime column as the driver returns it (no per-row conversion; see _RawTimes)."""
    return sa.type_coerce(column, sa.String)


class _RawTimes:
    """Stored datetimes (driver form) to aware UTC, each distinct value converted once."""

    def __init__(self, dialect: Any) -> None:
        self.dialect = dialect
        self.seen: dict[Any, datetime] = {}

    def __call__(self, raw: Any) -> datetime:
        got = self.seen.get(raw)
        if got is None:
            got = UTCDateTime().process_result_value(raw, self.dialect)
            assert got is not None   # bucket_start is part of the primary key
            self.seen[raw] = got
        return got


class PartialsMixin(StoreBase):
    """put_partials / get_partials / put_grid / get_grid / get_grids."""

    def put_partials(self, model: str, granularity: str, rows: Iterable[PartialRow], *,
                     run_id: str | None = None, computed_at: datetime | None = None,
                     fingerprint: str = "") -> int:
        """Upsert partial values (one executemany); return how many rows were given.

        A row with the same (model, granularity, fingerprint, bucket, segment, partial key)
        is replaced, value and finality both (the last computation wins), except that a
        final row is never replaced by one that is not (e.g. label summaries recomputed as
        of an earlier `--at`). `fingerprint` names what the values were computed from
        (source, mappings, grid settings, segments, labels); reads ask for the same one.
        """
        now = to_utc(computed_at or datetime.now(UTC))
        data = [{"model": model, "granularity": granularity, "fingerprint": fingerprint,
                 "bucket_start": to_utc(r.bucket_start),
                 "segment_key": r.segment_key, "partial_key": r.partial_key, "value": r.value,
                 "final": bool(r.final), "computed_at": now, "run_id": run_id} for r in rows]
        with self.transaction() as conn:
            upsert(conn, partials, data,
                   keys=("model", "granularity", "fingerprint", "bucket_start", "segment_key", "partial_key"),
                   update=("value", "final", "computed_at", "run_id"), keep_true="final")
        return len(data)

    def get_partials(self, model: str, granularity: str, start: datetime, end: datetime,
                     partial_keys: Iterable[str] | None = None,
                     segment_keys: Iterable[str] | None = None, *,
                     fingerprint: str = "") -> StoredPartials:
        """Stored values with `start <= bucket_start < end`, optionally only some keys/segments.

        Only rows written with the same `fingerprint` are read. Returns `StoredPartials`:
        `.values[(bucket, segment_key)][partial_key] = value`, and `.final`, the
        (bucket, segment_key, partial_key) triples marked final.
        """
        keys = None if partial_keys is None else set(partial_keys)
        segs = None if segment_keys is None else set(segment_keys)
        q = sa.select(partials.c.bucket_start, partials.c.segment_key, partials.c.partial_key,
                      partials.c.value, partials.c.final).where(
            partials.c.model == model, partials.c.granularity == granularity,
            partials.c.fingerprint == fingerprint,
            partials.c.bucket_start >= to_utc(start), partials.c.bucket_start < to_utc(end))
        if keys is not None and len(keys) <= _IN_LIMIT:
            q = q.where(partials.c.partial_key.in_(sorted(keys)))
        if segs is not None and len(segs) <= _IN_LIMIT:
            q = q.where(partials.c.segment_key.in_(sorted(segs)))
        values: dict[tuple[datetime, str], dict[str, Any]] = {}
        final: set[tuple[datetime, str, str]] = set()
        with self._read() as conn:
            for bucket, seg, key, value, is_final in conn.execute(q):
                if (keys is not None and key not in keys) or (segs is not None and seg not in segs):
                    continue
                values.setdefault((bucket, seg), {})[key] = value
                if is_final:
                    final.add((bucket, seg, key))
        return StoredPartials(values=values, final=frozenset(final))

    def final_partial_writes(self, model: str, granularity: str, start: datetime, end: datetime,
                             partial_keys: Iterable[str], *, fingerprint: str = ""
                             ) -> dict[datetime, dict[Stamp, int]]:
        """Per bucket with `start <= bucket_start < end`, how many of its final stored rows
        of `partial_keys` each write left: {bucket: {stamp: rows}}, without the values.

        A stamp (computed_at, run_id) names one `put_partials` call: every row it writes
        gets it, and a row written again gets the new call's. So while a bucket's counts
        per stamp are unchanged, its rows are the ones a reader saw (a row replaced or
        deleted lowers its old write's count; one added raises a count or adds a stamp);
        runner/stored.py re-reads only the buckets whose counts changed. The values are
        not read, not even their length: that would read every value's pages."""
        keys = set(partial_keys)
        cond = self._final_rows(model, granularity, start, end, keys, fingerprint)
        q = (sa.select(_raw(partials.c.bucket_start), _raw(partials.c.computed_at), partials.c.run_id,
                       sa.func.count()).where(*cond)
             .group_by(partials.c.bucket_start, partials.c.computed_at, partials.c.run_id))
        if len(keys) > _IN_LIMIT:   # no IN list: count per key, then keep the wanted ones
            q = (sa.select(_raw(partials.c.bucket_start), _raw(partials.c.computed_at), partials.c.run_id,
                           sa.func.count(), partials.c.partial_key).where(*cond)
                 .group_by(partials.c.bucket_start, partials.c.computed_at, partials.c.run_id,
                           partials.c.partial_key))
        when = _RawTimes(self.engine.dialect)
        out: dict[datetime, dict[Stamp, int]] = {}
        with self._read() as conn:
            for bucket, at, run_id, n, *key in conn.execute(q).all():
                if not key or key[0] in keys:
                    stamps = out.setdefault(when(bucket), {})
                    stamps[(at, run_id)] = stamps.get((at, run_id), 0) + n
        return out

    def get_final_partials(self, model: str, granularity: str, start: datetime, end: datetime,
                           partial_keys: Iterable[str], *, fingerprint: str = ""
                           ) -> list[tuple[datetime, str, str, Stamp, Any]]:
        """(bucket, segment_key, partial_key, stamp, value) of every final stored row with
        `start <= bucket_start < end` and one of `partial_keys`; stamps as in
        `final_partial_writes`."""
        keys = set(partial_keys)
        q = sa.select(_raw(partials.c.bucket_start), partials.c.segment_key, partials.c.partial_key,
                      _raw(partials.c.computed_at), partials.c.run_id, partials.c.value
                      ).where(*self._final_rows(model, granularity, start, end, keys, fingerprint))
        when = _RawTimes(self.engine.dialect)
        with self._read() as conn:
            rows = conn.execute(q).all()
        times = {raw: when(raw) for raw in {r[0] for r in rows}}
        return [(times[bucket], seg, key, (at, run_id), value)
                for bucket, seg, key, at, run_id, value in rows if key in keys]

    @staticmethod
    def _final_rows(model: str, granularity: str, start: datetime, end: datetime, keys: set[str],
                    fingerprint: str) -> list[sa.ColumnElement[bool]]:
        cond = [partials.c.model == model, partials.c.granularity == granularity,
                partials.c.fingerprint == fingerprint, partials.c.final == sa.true(),
                partials.c.bucket_start >= to_utc(start), partials.c.bucket_start < to_utc(end)]
        if len(keys) <= _IN_LIMIT:
            cond.append(partials.c.partial_key.in_(sorted(keys)))
        return cond

    def delete_partials(self, model: str, granularity: str | None = None) -> int:
        """Forget a model's partials (e.g. after its source changed); return rows deleted."""
        cond = [partials.c.model == model]
        if granularity is not None:
            cond.append(partials.c.granularity == granularity)
        with self.transaction() as conn:
            return conn.execute(sa.delete(partials).where(*cond)).rowcount or 0

    def put_grid(self, model: str, expr_key: str, grid: Mapping[str, Any] | Any, *,
                 created_at: datetime | None = None, fingerprint: str = "") -> dict[str, Any]:
        """Store a histogram grid once; return the grid in force (an existing one wins).

        `grid` is its JSON form (`Grid.to_json()`) or any object with a `to_json()` method.
        Grids are kept per `fingerprint`, like partials.
        """
        data = dict(grid.to_json() if hasattr(grid, "to_json") else grid)
        with self.transaction() as conn:
            insert_ignore(conn, grids, [{"model": model, "fingerprint": fingerprint, "expr_key": expr_key,
                                         "grid": data, "created_at": to_utc(created_at or datetime.now(UTC))}],
                          keys=("model", "fingerprint", "expr_key"))
            stored: dict[str, Any] = conn.execute(sa.select(grids.c.grid).where(
                grids.c.model == model, grids.c.fingerprint == fingerprint,
                grids.c.expr_key == expr_key)).scalar_one()
            return stored

    def get_grid(self, model: str, expr_key: str, *, fingerprint: str = "") -> dict[str, Any] | None:
        """The stored grid of one expression (its JSON form), or None."""
        with self._read() as conn:
            return conn.execute(sa.select(grids.c.grid).where(
                grids.c.model == model, grids.c.fingerprint == fingerprint,
                grids.c.expr_key == expr_key)).scalar_one_or_none()

    def get_grids(self, model: str, *, fingerprint: str = "") -> dict[str, dict[str, Any]]:
        """Every stored grid of a model (for one fingerprint), by expression key."""
        with self._read() as conn:
            return {k: g for k, g in conn.execute(
                sa.select(grids.c.expr_key, grids.c.grid).where(
                    grids.c.model == model, grids.c.fingerprint == fingerprint))}
