"""Segment keys: one injective text per combination of segment column values.

A segment key names the rows of one combination of segment values, e.g.
`plan=basic,region=EU`; it keys stored summaries, alert state and history. Pairs are
sorted by column. In column names and values `\\`, `,` and `=` are escaped with a
backslash, and SQL NULL is written `\\N` (which no escaped text can produce), so NULL,
the string 'null', 'None' and the empty string stay distinct:

==================  ======================
segment             key
==================  ======================
{}                  ``""`` (all rows)
{"plan": None}      ``plan=\\N``
{"plan": "null"}    ``plan=null``
{"plan": ""}        ``plan=``
{"plan": "a,b=c"}   ``plan=a\\,b\\=c``
==================  ======================

`encode_segment` and `parse_segment_key` are inverses; every place that writes or reads
a key uses them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from telltale.core.partials import normalize_value

NULL_MARK = "\\N"
_SPECIAL = ("\\", ",", "=")


def _escape(text: str) -> str:
    for ch in _SPECIAL:   # backslash first, so the others' escapes are not doubled
        text = text.replace(ch, "\\" + ch)
    return text


def segment_text(value: Any) -> str | None:
    """A segment value as stable text (None for SQL NULL)."""
    return normalize_value(value)


def encode_segment(segment: Mapping[str, Any] | None) -> str:
    """`col=value,...` sorted by column, values escaped, NULL as `\\N`; "" for all rows."""
    if not segment:
        return ""
    parts = []
    for column in sorted(segment):
        text = segment_text(segment[column])
        parts.append(f"{_escape(column)}={NULL_MARK if text is None else _escape(text)}")
    return ",".join(parts)


def segment_key_of(segments: Iterable[str], values: Iterable[Any]) -> str:
    """The key of one row of a query grouped by `segments` (values as the warehouse returned them)."""
    return encode_segment(dict(zip(segments, values)))


def parse_segment_key(key: str) -> dict[str, str | None]:
    """Inverse of `encode_segment`: `plan=basic,region=\\N` -> {"plan": "basic", "region": None}."""
    out: dict[str, str | None] = {}
    if not key:
        return out
    column: str | None = None
    buf: list[str] = []
    null = False
    i = 0
    while i <= len(key):
        ch = key[i] if i < len(key) else ","
        if ch == "\\" and i + 1 < len(key):
            nxt = key[i + 1]
            if nxt == "N" and column is not None and not buf:
                null = True
            else:
                buf.append(nxt)
            i += 2
            continue
        if ch == "=" and column is None:
            column, buf = "".join(buf), []
        elif ch == ",":
            if column is None:
                raise ValueError(f"malformed segment key {key!r}")
            out[column] = None if null else "".join(buf)
            column, buf, null = None, [], False
        else:
            buf.append(ch)
        i += 1
    return out


def segment_label(segment: Mapping[str, Any] | None) -> str:
    """A segment for people: `plan='basic', region=NULL` (values quoted, so NULL, 'null'
    and '' read apart); "" for all rows."""
    return ", ".join(f"{k}={'NULL' if v is None else repr(str(v))}" for k, v in (segment or {}).items())


def matches(key: str, segment: Mapping[str, str | None]) -> bool:
    """Whether the rows of `key` belong to `segment` (a subset of its columns; None = NULL)."""
    combo = parse_segment_key(key)
    return all(k in combo and combo[k] == segment_text(v) for k, v in segment.items())
