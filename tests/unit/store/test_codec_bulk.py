"""The codec's bulk path for plain maps (histograms, value counts): two arrays, read back
exactly as written, and the pair-by-pair text of older stores still reads the same."""

from __future__ import annotations

import json
from decimal import Decimal

import numpy as np

from telltale.store import codec
from telltale.store.codec import decode_value, encode_value


def _pairs(value: object) -> str:
    """The pair-by-pair encoding (every key and value through `_enc_key` / `_enc`), which
    stores written before the two-array form hold for every map."""
    assert isinstance(value, dict)
    body = {"__map__": [[codec._enc_key(k), codec._enc(v)] for k, v in value.items()]}
    return json.dumps(body, separators=(",", ":"), allow_nan=True)


def test_plain_maps_are_two_arrays_and_old_pair_text_still_decodes() -> None:
    hist = {i: i * 7 for i in range(-3, 200)}
    counts = {"a": 3, "b": 0, None: 2, "true": 1}
    floats = {0.5: 1.25, 2.0: float("nan"), -1.5: float("inf")}
    tricky = {"__kv__": 1, "__map__": 2}                  # the tags as ordinary keys
    for value in (hist, counts, floats, tricky, {}):
        text = encode_value(value)
        assert json.loads(text) == {"__kv__": [list(value), list(value.values())]} or value is floats
        for back in (decode_value(text), decode_value(_pairs(value))):
            assert list(back) == list(value)
            assert [type(k) for k in back] == [type(k) for k in value]
            assert all(a == b or (a != a and b != b) for a, b in zip(back.values(), value.values()))


def test_plain_maps_round_trip_with_their_key_types() -> None:
    for value in ({i: i * 7 for i in range(-3, 200)}, {"a": 3, None: 2}, {1: 2.5, 2: None}, {True: 1, "x": False}):
        back = decode_value(encode_value(value))
        assert back == value
        assert [type(k) for k in back] == [type(k) for k in value]
        assert [type(v) for v in back.values()] == [type(v) for v in value.values()]


def test_maps_the_bulk_path_cannot_take_still_round_trip() -> None:
    cases = [
        {("a", "b"): 3, ("a", None): 1},              # crosstab cells: tuple keys
        {1: {"nested": (1, 2)}},                       # nested values
        {Decimal("1.5"): 2},                           # a tagged key
        {np.int64(3): np.int64(4)},                    # numpy scalars: stored as Python ints
        {1: 1, 1.5: 2},                                # int and float keys side by side
    ]
    for value in cases:
        back = decode_value(encode_value(value))
        assert back == {(k.item() if hasattr(k, "item") else k): (v.item() if hasattr(v, "item") else v)
                        for k, v in value.items()}
    assert encode_value({np.int64(3): np.int64(4)}) == encode_value({3: 4})
