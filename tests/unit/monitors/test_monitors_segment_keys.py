"""Segment keys are injective: NULL, 'null', 'None', '' and values with separators stay apart."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from telltale.monitors.model_activity import evaluate as activity_evaluate
from telltale.core.partials import count_rows
from telltale.core.segkey import encode_segment, parse_segment_key, segment_key_of
from telltale.core.results import segment_key
from telltale.core.timeutil import TimeRange

from _monitor_helpers import context, day, key, monitor

TRICKY = [None, "null", "NULL", "None", "", " ", "\\N", "\\", "a,b", "a=b", "a\\,b", "=,\\", "x"]


def test_null_and_lookalikes_get_distinct_keys() -> None:
    keys = [segment_key_of(("seg",), (v,)) for v in TRICKY]
    assert len(set(keys)) == len(TRICKY), keys
    assert segment_key_of(("seg",), (None,)) == "seg=\\N"
    assert segment_key_of(("seg",), ("null",)) == "seg=null"
    assert segment_key_of(("seg",), ("",)) == "seg="


def test_round_trip_of_tricky_values() -> None:
    for v in TRICKY:
        for w in TRICKY:
            seg = {"a": v, "b,=\\": w}
            assert parse_segment_key(encode_segment(seg)) == seg, seg


def test_keys_sort_columns_and_normalise_values() -> None:
    assert segment_key_of(("region", "has_car"), ("EU", True)) == "has_car=true,region=EU"
    assert segment_key_of(("d",), (date(2026, 1, 2),)) == "d=2026-01-02"
    assert encode_segment({}) == "" and parse_segment_key("") == {}


def test_results_use_the_same_codec() -> None:
    assert segment_key({"seg": None}) != segment_key({"seg": "null"}) != segment_key({"seg": "None"})
    assert segment_key({"seg": None}) == segment_key_of(("seg",), (None,))
    assert segment_key(None) == ""


@given(st.dictionaries(st.text(min_size=1, max_size=6), st.one_of(st.none(), st.text(max_size=6)),
                       max_size=4))
def test_encode_parse_round_trip(seg: dict) -> None:
    assert parse_segment_key(encode_segment(seg)) == seg


@given(st.dictionaries(st.text(min_size=1, max_size=4), st.one_of(st.none(), st.text(max_size=4)), max_size=3),
       st.dictionaries(st.text(min_size=1, max_size=4), st.one_of(st.none(), st.text(max_size=4)), max_size=3))
def test_encoding_is_injective(a: dict, b: dict) -> None:
    assert (encode_segment(a) == encode_segment(b)) == (a == b)


def test_model_activity_counts_null_and_the_string_null_apart() -> None:
    """The issue's case: 200 rows, a third each NULL, 'null' and 'x'; each segment's own count."""
    counts = {None: 67, "null": 66, "x": 67}
    buckets = {key(day(0), {"seg": v}): {count_rows().key: n} for v, n in counts.items()}
    ctx = context([], buckets, focal=TimeRange(day(0), day(1)), baseline=None, segments=("seg",))
    results = activity_evaluate(monitor("model_activity", segment="all"), ctx)
    got = {None if r.segment is None else ("seg", r.segment["seg"]): r.value for r in results}
    assert got == {None: 200.0, ("seg", None): 67.0, ("seg", "null"): 66.0, ("seg", "x"): 67.0}
    null_result = next(r for r in results if r.segment == {"seg": None})
    assert "seg=NULL" in null_result.message
    assert "seg='null'" in next(r for r in results if r.segment == {"seg": "null"}).message
    assert len({r.segment_key for r in results}) == 4


def test_a_configured_string_null_segment_reads_the_string_rows_not_the_null_ones() -> None:
    buckets = {key(day(0), {"seg": None}): {count_rows().key: 5},
               key(day(0), {"seg": "null"}): {count_rows().key: 7}}
    ctx = context([], buckets, focal=TimeRange(day(0), day(1)), baseline=None, segments=("seg",))
    (r,) = activity_evaluate(monitor("model_activity", segment={"seg": "null"}), ctx)
    assert r.value == 7.0
    with pytest.raises(ValidationError, match="segment: all"):   # YAML null is no segment value
        monitor("model_activity", segment={"seg": None})
