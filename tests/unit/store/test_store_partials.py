"""Partials and grids: lossless values, upsert, finality and UTC round-trips."""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import numpy as np
import pytest

from telltale.core.grids import Grid
from telltale.store import PartialRow
from telltale.store.codec import decode_value, encode_value

UTC = timezone.utc
D0 = datetime(2026, 3, 1, tzinfo=UTC)
DAY = timedelta(days=1)

VALUES = {
    "count|*": 1234,
    "sum|income": 98765.4321,
    "sum|empty": 0.0,
    "min|age": None,
    "max|age": -0.0,
    "big": 2**62 + 1,
    "hist|income": {-1: 3, 0: 10, 1: 7, 256: 2},
    "values|region": {"EU": 5, "US": 3, "": 1, "1": 4},
    "crosstab|approved|defaulted": {("true", "false"): 4, ("false", "false"): 9, ("true", "true"): 1},
    "mixed": {1: 2, "1": 3, (1, "a"): 4, None: 5, False: 6, 2.5: 7},
    "nested": {"a": {1: [1, 2.0, None]}, "t": (1, ("x", 2))},
    "decimal": Decimal("12.50"),
}


@pytest.mark.parametrize("key", sorted(VALUES))
def test_codec_round_trips_losslessly(key):
    value = VALUES[key]
    back = decode_value(encode_value(value))
    assert back == value
    assert type(back) is type(value)
    if isinstance(value, dict):
        assert [type(k) for k in back] == [type(k) for k in value]


def test_codec_non_finite_and_numpy():
    back = decode_value(encode_value({"nan": float("nan"), "inf": float("inf"), "np": np.int64(7),
                                      np.int64(3): np.float64(0.5)}))
    assert math.isnan(back["nan"]) and back["inf"] == math.inf
    assert back["np"] == 7 and type(back["np"]) is int
    assert back[3] == 0.5 and type(next(k for k in back if k == 3)) is int


def test_codec_rejects_unknown_types():
    with pytest.raises(TypeError, match="cannot store"):
        encode_value(object())


def test_every_value_type_round_trips_through_the_store(store):
    rows = [PartialRow(D0, "region=EU", k, v, final=True) for k, v in VALUES.items()]
    assert store.put_partials("credit", "day", rows) == len(rows)
    got = store.get_partials("credit", "day", D0, D0 + DAY).values[(D0, "region=EU")]
    assert got == VALUES
    assert isinstance(next(iter(got["hist|income"])), int)
    assert ("true", "false") in got["crosstab|approved|defaulted"]
    assert got["decimal"] == Decimal("12.50")


def test_upsert_replaces_value_and_finality(store):
    store.put_partials("m", "day", [PartialRow(D0, "", "count|*", 10, final=False),
                                    PartialRow(D0, "", "sum|x", 1.5, final=False)], run_id="r1")
    store.put_partials("m", "day", [PartialRow(D0, "", "count|*", 12, final=True)], run_id="r2")
    got = store.get_partials("m", "day", D0, D0 + DAY)
    assert got.values == {(D0, ""): {"count|*": 12, "sum|x": 1.5}}
    assert got.is_final(D0, "", "count|*") and not got.is_final(D0, "", "sum|x")


def test_a_final_value_is_never_replaced_by_a_tentative_one(store):
    """Label summaries recomputed as of an earlier --at are not final: they must not
    overwrite the final value a later run stored."""
    store.put_partials("m", "day", [PartialRow(D0, "", "count|*", 12, final=True)], run_id="r1")
    store.put_partials("m", "day", [PartialRow(D0, "", "count|*", 7, final=False),
                                    PartialRow(D0 + DAY, "", "count|*", 3, final=False)], run_id="r2")
    got = store.get_partials("m", "day", D0, D0 + 2 * DAY)
    assert got.values == {(D0, ""): {"count|*": 12}, (D0 + DAY, ""): {"count|*": 3}}
    assert got.is_final(D0, "", "count|*") and not got.is_final(D0 + DAY, "", "count|*")
    store.put_partials("m", "day", [PartialRow(D0, "", "count|*", 13, final=True)], run_id="r3")
    assert store.get_partials("m", "day", D0, D0 + DAY).values == {(D0, ""): {"count|*": 13}}


def test_partials_and_grids_are_kept_per_fingerprint(store):
    store.put_partials("m", "day", [PartialRow(D0, "", "count|*", 200, final=True)], fingerprint="table")
    store.put_partials("m", "day", [PartialRow(D0, "", "count|*", 67, final=True)], fingerprint="sql")
    assert store.get_partials("m", "day", D0, D0 + DAY, fingerprint="table").values == {(D0, ""): {"count|*": 200}}
    assert store.get_partials("m", "day", D0, D0 + DAY, fingerprint="sql").values == {(D0, ""): {"count|*": 67}}
    assert store.get_partials("m", "day", D0, D0 + DAY, fingerprint="other").values == {}
    store.put_grid("m", "x", Grid(0.0, 1.0, 64), fingerprint="table")
    assert store.put_grid("m", "x", Grid(0.0, 1.0, 16), fingerprint="bins16") == Grid(0.0, 1.0, 16).to_json()
    assert store.get_grids("m", fingerprint="table") == {"x": Grid(0.0, 1.0, 64).to_json()}
    assert store.get_grid("m", "x", fingerprint="bins16") == Grid(0.0, 1.0, 16).to_json()
    assert store.get_grids("m") == {}


def test_range_is_half_open_and_filters_keys_segments_model_granularity(store):
    rows = [PartialRow(D0 + i * DAY, seg, key, i) for i in range(5)
            for seg in ("", "r=EU") for key in ("count|*", "sum|x")]
    store.put_partials("m", "day", rows)
    store.put_partials("other", "day", rows)
    store.put_partials("m", "hour", rows)
    got = store.get_partials("m", "day", D0 + DAY, D0 + 3 * DAY, partial_keys=["sum|x"], segment_keys=[""])
    assert got.values == {(D0 + DAY, ""): {"sum|x": 1}, (D0 + 2 * DAY, ""): {"sum|x": 2}}
    assert store.get_partials("m", "day", D0, D0 + 9 * DAY).buckets() == {D0 + i * DAY for i in range(5)}


def test_many_partial_keys_are_filtered_correctly(store):
    keys = [f"count|c{i}" for i in range(700)]
    store.put_partials("m", "day", [PartialRow(D0, "", k, i) for i, k in enumerate(keys)])
    got = store.get_partials("m", "day", D0, D0 + DAY, partial_keys=keys[:600])
    assert len(got.values[(D0, "")]) == 600


def test_final_buckets_need_every_key_final_in_every_segment(store):
    d1, d2, d3 = D0, D0 + DAY, D0 + 2 * DAY
    store.put_partials("m", "day", [
        PartialRow(d1, "", "count|*", 1, final=True), PartialRow(d1, "", "sum|x", 1.0, final=True),
        PartialRow(d1, "r=EU", "count|*", 1, final=True),
        PartialRow(d2, "", "count|*", 1, final=True), PartialRow(d2, "", "sum|x", 1.0, final=False),
        PartialRow(d3, "", "count|*", 1, final=True),            # sum|x missing
    ])
    got = store.get_partials("m", "day", d1, d3 + DAY)
    assert got.final_buckets(["count|*", "sum|x"]) == {d1}
    assert got.final_buckets(["count|*"]) == {d1, d2, d3}


def test_datetimes_round_trip_as_aware_utc(store):
    paris = timezone(timedelta(hours=1))
    local = datetime(2026, 3, 1, 1, 0, tzinfo=paris)              # == D0 in UTC
    naive = datetime(2026, 3, 2, 0, 0)                            # taken as UTC
    store.put_partials("m", "hour", [PartialRow(local, "", "count|*", 1),
                                     PartialRow(naive, "", "count|*", 2)],
                       computed_at=datetime(2026, 3, 3, 12, 30, 15, 123456, tzinfo=paris))
    got = store.get_partials("m", "hour", datetime(2026, 3, 1, 1, 0, tzinfo=paris), D0 + 2 * DAY)
    buckets = sorted(b for b, _ in got.values)
    assert buckets == [D0, D0 + DAY]
    assert all(b.tzinfo is not None and b.utcoffset() == timedelta(0) for b in buckets)
    rid = store.begin_run(local, started_at=datetime(2026, 3, 3, 12, 30, 15, 123456, tzinfo=paris))
    run = store.get_run(rid)
    assert run.at == D0 and run.at.tzinfo is not None
    assert run.started_at == datetime(2026, 3, 3, 11, 30, 15, 123456, tzinfo=UTC)


def test_grid_is_insert_once(store):
    first = Grid(0.0, 100.0, 64)
    assert store.put_grid("credit", "income", first) == first.to_json()
    assert store.put_grid("credit", "income", Grid(5.0, 6.0, 8)) == first.to_json()
    assert Grid.from_json(store.get_grid("credit", "income")) == first
    assert store.get_grid("credit", "age") is None
    store.put_grid("credit", "age", {"lo": 18, "hi": 90, "bins": 32})
    assert set(store.get_grids("credit")) == {"income", "age"}
    assert store.get_grids("other") == {}


def test_transaction_groups_calls_and_rolls_back_together(store):
    with pytest.raises(RuntimeError):
        with store.transaction():
            store.put_partials("m", "day", [PartialRow(D0, "", "count|*", 1)])
            store.put_grid("m", "x", {"lo": 0, "hi": 1, "bins": 2})
            raise RuntimeError("step failed")
    assert store.get_partials("m", "day", D0, D0 + DAY).values == {}
    assert store.get_grid("m", "x") is None


def test_generic_upsert_keeps_a_true_flag_too(store):
    """The portable path (backends without ON CONFLICT) follows the same rule."""
    import sqlalchemy as sa

    from telltale.store.schema import partials
    from telltale.store.sqlutil import _generic_upsert

    def row(value, final):
        return {"model": "m", "granularity": "day", "fingerprint": "", "bucket_start": D0, "segment_key": "",
                "partial_key": "count|*", "value": value, "final": final, "computed_at": D0, "run_id": None}

    keys = ("model", "granularity", "fingerprint", "bucket_start", "segment_key", "partial_key")
    with store.transaction() as conn:
        _generic_upsert(conn, partials, [row(1, False)], keys, ("value", "final"), "final")
        _generic_upsert(conn, partials, [row(2, True)], keys, ("value", "final"), "final")
        _generic_upsert(conn, partials, [row(3, False)], keys, ("value", "final"), "final")
        got = conn.execute(sa.select(partials.c.value, partials.c.final)).all()
    assert got == [(2, True)]
