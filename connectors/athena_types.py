"""Athena's types: result strings to Arrow (GetQueryResults returns every value as text), and
Glue catalog types to telltale's column kinds."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any, Callable, Sequence

import pyarrow as pa

_INTEGERS = ("tinyint", "smallint", "integer", "int", "bigint")
_FLOATS = ("double", "float", "real")
_STRINGS = ("varchar", "char", "string")


def glue_kind(glue_type: str) -> str:
    """A Glue/Hive column type (`bigint`, `decimal(12,4)`, `varchar(10)`, `array<int>`...) as a kind."""
    base = re.split(r"[(<]", glue_type.strip().lower(), maxsplit=1)[0].strip()
    if base in _INTEGERS or base in _FLOATS or base == "decimal":
        return "numeric"
    if base == "boolean":
        return "boolean"
    if base in _STRINGS:
        return "string"
    if base.startswith("timestamp"):
        return "timestamp"
    return {"date": "date", "array": "list", "map": "map", "struct": "struct", "row": "struct",
            "binary": "binary", "varbinary": "binary"}.get(base, "other")


def _timestamp(text: str) -> dt.datetime:
    """`2024-03-01 00:00:00.000` (a `timestamp with time zone` ends in its zone name, UTC here)."""
    value, zone = text, ""
    parts = text.rsplit(" ", 1)
    if len(parts) == 2 and not parts[1][:1].isdigit():
        value, zone = parts
    stamp = dt.datetime.fromisoformat(value)
    if zone and zone.upper() not in ("UTC", "Z", "+00:00"):
        raise ValueError(f"a timestamp in zone {zone} (Athena should return UTC)")
    return stamp


def _converter(athena_type: str) -> tuple[pa.DataType | None, Callable[[str], Any]]:
    """The Arrow type (None: inferred) and the parser of one Athena result type."""
    base = athena_type.strip().lower()
    if base in _INTEGERS:
        return pa.int64(), int
    if base in _FLOATS:
        return pa.float64(), float   # float() reads NaN, Infinity, -Infinity as Athena writes them
    if base.startswith("decimal"):
        return None, Decimal
    if base == "boolean":
        return pa.bool_(), lambda v: v.lower() == "true"
    if base == "date":
        return pa.date32(), dt.date.fromisoformat
    if base == "timestamp with time zone":
        return pa.timestamp("us", tz="UTC"), _timestamp
    if base.startswith("timestamp"):
        return pa.timestamp("us"), _timestamp
    return pa.string(), str


def to_arrow(columns: Sequence[dict[str, Any]], rows: Sequence[Sequence[str | None]]) -> pa.Table:
    """GetQueryResults' ColumnInfo and text rows (None = NULL) as a typed Arrow table."""
    arrays, names = [], []
    for i, info in enumerate(columns):
        typ, parse = _converter(str(info.get("Type", "varchar")))
        texts = [r[i] for r in rows]
        values = [None if t is None else parse(t) for t in texts]
        if typ is None:   # DECIMAL(p, s): the declared precision when Athena gives one
            precision, scale = int(info.get("Precision") or 0), int(info.get("Scale") or 0)
            typ = pa.decimal128(precision, scale) if 0 < precision <= 38 else None
        arrays.append(pa.array(values, type=typ) if typ is not None or values else pa.array(values, pa.float64()))
        names.append(str(info["Name"]))
    return pa.Table.from_arrays(arrays, names=names)
