"""Warehouse column types reduced to the kinds telltale reasons about.

A column's kind decides which field kinds it can hold (`accepts`); `validate` reports
every mapped column whose kind does not fit, naming the column:

============  =====================================================================
field kind    column kinds it accepts
============  =====================================================================
numeric       numeric (integers of any width, DECIMAL, REAL/DOUBLE); booleans, as
              0/1 after a cast to DOUBLE, only where the warehouse can cast them
              (DuckDB, Trino/Athena, Databricks: see `BOOLEAN_TO_DOUBLE`; PostgreSQL,
              Redshift and BigQuery refuse `CAST(boolean AS DOUBLE)`: map such a
              column as boolean there)
boolean       boolean, numeric (0/1), string ('true'/'false')
categorical   string, numeric, boolean, date (values counted as text)
============  =====================================================================

Never accepted: binary (BLOB, BYTEA), nested values (LIST, STRUCT, MAP, UNION),
time of day, intervals; a timestamp column is the model's time, not a field. A column
of SQL type NULL (every value NULL) fits every field kind.
"""

from __future__ import annotations

import pyarrow as pa

BOOLEAN_TO_DOUBLE = frozenset({"duckdb", "trino", "athena", "databricks", "spark"})
"""Dialects whose CAST(boolean AS DOUBLE) works, so a boolean column can be a numeric field."""

_FIELD_KIND_ACCEPTS = {
    "numeric": {"numeric", "boolean", "null"},
    "boolean": {"boolean", "numeric", "string", "null"},
    "categorical": {"string", "numeric", "boolean", "date", "null"},
}


def kind_of_arrow_type(t: pa.DataType) -> str:
    """numeric | boolean | string | timestamp | date | null | binary | list | struct | map |
    time | interval | other."""
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
    if pa.types.is_null(t):
        return "null"
    if pa.types.is_binary(t) or pa.types.is_large_binary(t) or pa.types.is_fixed_size_binary(t) \
            or pa.types.is_binary_view(t):
        return "binary"
    if pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_fixed_size_list(t) \
            or pa.types.is_list_view(t) or pa.types.is_large_list_view(t):
        return "list"
    if pa.types.is_struct(t):
        return "struct"
    if pa.types.is_map(t):
        return "map"
    if pa.types.is_time(t):
        return "time"
    if pa.types.is_interval(t) or pa.types.is_duration(t):
        return "interval"
    return "other"


def accepts(field_kind: str, column_kind: str, dialect: str | None = None) -> bool:
    """Can a field declared `field_kind` (numeric|categorical|boolean) live in this column?

    With the connection's `dialect`, a boolean column mapped as numeric is accepted only
    where the warehouse can cast it to DOUBLE (without it, it is accepted).
    """
    if field_kind == "numeric" and column_kind == "boolean" and dialect is not None:
        return dialect in BOOLEAN_TO_DOUBLE
    return column_kind in _FIELD_KIND_ACCEPTS.get(field_kind, set())
