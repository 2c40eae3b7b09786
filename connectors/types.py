"""Warehouse column types reduced to the kinds telltale reasons about.

A column's kind decides which field kinds it can hold (`accepts`); `validate` reports
every mapped column whose kind does not fit, naming the column:

============  =====================================================================
field kind    column kinds it accepts
============  =====================================================================
numeric       numeric (integers of any width, DECIMAL, REAL/DOUBLE); booleans, as
              0/1 after a cast to DOUBLE, only where the warehouse can cast them
              (`Dialect.boolean_to_number == "cast"`: DuckDB, Trino/Athena, Databricks;
              PostgreSQL, Redshift and BigQuery refuse `CAST(boolean AS DOUBLE)`: map
              such a column as boolean there)
boolean       boolean, numeric (0/1), string ('true'/'false'); only boolean where the
              engine refuses other types in conditions (`Dialect.condition_columns ==
              "boolean"`: PostgreSQL, Redshift)
categorical   string, numeric, boolean, date (values counted as text)
============  =====================================================================

Never accepted: binary (BLOB, BYTEA), nested values (LIST, STRUCT, MAP, UNION),
time of day, intervals; a timestamp column is the model's time, not a field. A column
of SQL type NULL (every value NULL) fits every field kind.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pyarrow as pa

if TYPE_CHECKING:
    from telltale.connectors.dialect import Dialect

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


def accepts(field_kind: str, column_kind: str, dialect: Dialect | str | None = None) -> bool:
    """Can a field declared `field_kind` (numeric|categorical|boolean) live in this column?

    With the connection's `dialect` (a `Dialect` or its name), a boolean column mapped as
    numeric is accepted only where the engine casts booleans to DOUBLE, and a boolean field
    only in a boolean column where the engine demands one in conditions (without it, both
    are accepted).
    """
    return why_not(field_kind, column_kind, dialect) is None


def why_not(field_kind: str, column_kind: str, dialect: Dialect | str | None = None,
            column: str = "col") -> str | None:
    """None when the column fits the field kind; else what is wrong and how to fix it."""
    if column_kind not in _FIELD_KIND_ACCEPTS.get(field_kind, set()):
        return f"which cannot be monitored as {field_kind}"
    if dialect is None or column_kind == "null":
        return None
    if isinstance(dialect, str):
        from telltale.connectors import dialect_named

        dialect = dialect_named(dialect)
    if field_kind == "numeric" and column_kind == "boolean" and dialect.boolean_to_number != "cast":
        return (f"which cannot be monitored as numeric on {dialect.name} (it has no boolean-to-DOUBLE "
                "cast); map it as boolean, or convert it in the source, e.g. source: {sql: "
                f"\"select *, CAST({column} AS INT) AS {column}_num from ...\"}}")
    if field_kind == "boolean" and column_kind != "boolean" and dialect.condition_columns == "boolean":
        example = f"{column} = 1" if column_kind == "numeric" else f"{column} = 'true'"
        other = "numeric" if column_kind == "numeric" else "categorical"
        return (f"which cannot be monitored as boolean on {dialect.name} (a {column_kind} column fails "
                f"in AND and CASE WHEN there); map it as {other}, or convert it in the source, e.g. "
                f"source: {{sql: \"select *, {example} AS {column}_flag from ...\"}}")
    return None
