"""Lossless JSON text for stored values (partials, grids, summaries, payloads).

JSON alone loses three things a partial value holds: non-string dict keys (histogram
bins are ints, crosstab cells are 2-tuples), tuples, and the difference between an int
and a float key. Values are therefore written with a few tags:

==========================  ===================================================
Python                      stored JSON
==========================  ===================================================
None, bool, int, float, str  itself (NaN and infinities as NaN/Infinity)
dict of plain keys/values   ``{"__kv__": [[key, ...], [value, ...]]}`` (histograms, counts)
other dict                  ``{"__map__": [[key, value], ...]}`` (keys encoded too)
tuple                       ``{"__tuple__": [...]}``; as a dict key, a JSON array
list                        a JSON array
Decimal                     ``{"__decimal__": "12.50"}``
datetime / date             ``{"__datetime__": iso}`` / ``{"__date__": iso}``
==========================  ===================================================

Numpy scalars are stored as the Python value they hold. A plain map (every key and value
None, bool, int, float or str: a histogram, a value count) is stored as two arrays, which
decode about a third faster than a list of pairs (a daily run reads thousands of them);
stores written before that hold such maps as ``__map__`` pairs, which still decode.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

_KV, _MAP, _TUPLE, _DEC, _DT, _DATE = "__kv__", "__map__", "__tuple__", "__decimal__", "__datetime__", "__date__"


def encode_value(value: Any) -> str:
    """Serialise a partial value (or any nested value) to compact, lossless JSON text."""
    return json.dumps(_enc(value), separators=(",", ":"), allow_nan=True)


def decode_value(text: str) -> Any:
    """Inverse of `encode_value`."""
    return _dec(json.loads(text))


def _scalar(value: Any) -> Any:
    """Unwrap numpy scalars (anything with `.item()` that is not already a builtin)."""
    if not isinstance(value, (str, bytes, int, float, bool, type(None))) and hasattr(value, "item"):
        try:
            return value.item()
        except (TypeError, ValueError):
            return value
    return value


_PLAIN = frozenset({int, float, str, bool, type(None)})   # exact types JSON keeps as they are


def _enc(value: Any) -> Any:
    value = _scalar(value)
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, dict):
        if _PLAIN.issuperset(map(type, value)) and _PLAIN.issuperset(map(type, value.values())):
            return {_KV: [list(value), list(value.values())]}   # a histogram or count map: in bulk
        keys, vals = [_enc_key(k) for k in value], [_enc(v) for v in value.values()]
        if _PLAIN.issuperset(map(type, keys)) and _PLAIN.issuperset(map(type, vals)):
            return {_KV: [keys, vals]}     # e.g. numpy scalars, plain once unwrapped
        return {_MAP: [list(kv) for kv in zip(keys, vals)]}
    if isinstance(value, tuple):
        return {_TUPLE: [_enc(v) for v in value]}
    if isinstance(value, list):
        return [_enc(v) for v in value]
    if isinstance(value, Decimal):
        return {_DEC: str(value)}
    if isinstance(value, datetime):
        return {_DT: value.isoformat()}
    if isinstance(value, date):
        return {_DATE: value.isoformat()}
    raise TypeError(f"cannot store a value of type {type(value).__name__} ({value!r}) in the state store")


def _enc_key(key: Any) -> Any:
    key = _scalar(key)
    if isinstance(key, tuple):
        return [_enc_key(k) for k in key]
    return _enc(key)


def _dec(value: Any) -> Any:
    if isinstance(value, list):
        return [_dec(v) for v in value]
    if not isinstance(value, dict):
        return value
    kv = value.get(_KV)
    if kv is not None:
        return dict(zip(kv[0], kv[1]))
    if _MAP in value:
        pairs = value[_MAP]
        try:
            plain = dict(pairs)   # a list key (a tuple) is unhashable: decoded pair by pair below
        except TypeError:
            plain = None
        if plain is not None and len(plain) == len(pairs) and _PLAIN.issuperset(map(type, plain.values())):
            return plain
        return {_dec_key(k): _dec(v) for k, v in pairs}
    if _TUPLE in value:
        return tuple(_dec(v) for v in value[_TUPLE])
    if _DEC in value:
        return Decimal(value[_DEC])
    if _DT in value:
        return datetime.fromisoformat(value[_DT])
    if _DATE in value:
        return date.fromisoformat(value[_DATE])
    raise ValueError(f"unexpected object in stored value: {value!r}")


def _dec_key(key: Any) -> Any:
    if isinstance(key, list):
        return tuple(_dec_key(k) for k in key)
    return _dec(key)


def json_default(value: Any) -> Any:
    """`json.dumps` fallback for plain JSON columns: numpy scalars, datetimes, sets, tuples."""
    item = _scalar(value)
    if item is not value:
        return item
    if isinstance(value, datetime):
        from telltale.core.timeutil import iso
        return iso(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=repr)
    raise TypeError(f"cannot store a value of type {type(value).__name__} as JSON")


def dumps_json(value: Any) -> str:
    """Plain JSON text (sorted keys, compact) for summary/extra/grid columns."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=json_default)
