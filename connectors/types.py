"""Warehouse column types reduced to the kinds telltale reasons about."""

from __future__ import annotations

import pyarrow as pa

_FIELD_KIND_ACCEPTS = {
    "numeric": {"numeric", "boolean"},
    "boolean": {"boolean", "numeric", "string"},
    "categorical": {"string", "numeric", "boolean", "date", "other"},
}


def kind_of_arrow_type(t: pa.DataType) -> str:
    """numeric | boolean | string | timestamp | date | other."""
    if pa.types.is_boolean(t):
        return "boolean"
    if pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t):
        return "numeric"
    if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t):
        return "string"
    if pa.types.is_timestamp(t):
        return "timestamp"
    if pa.types.is_date(t):
        return "date"
    if pa.types.is_dictionary(t):
        return kind_of_arrow_type(t.value_type)
    return "other"


def accepts(field_kind: str, column_kind: str) -> bool:
    """Can a field declared `field_kind` (numeric|categorical|boolean) live in this column?"""
    return column_kind in _FIELD_KIND_ACCEPTS.get(field_kind, set())
