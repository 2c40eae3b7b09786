"""Column types that make the store portable: UTC datetimes and JSON stored as text."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect

from telltale.store.codec import decode_value, dumps_json, encode_value
from telltale.core.timeutil import to_utc


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """Aware UTC datetimes in and out; naive UTC on SQLite, `timestamptz` on PostgreSQL.

    Naive inputs are taken as UTC (the project-wide rule). SQLite stores a fixed-width
    text, so comparisons and ORDER BY stay chronological.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected a datetime, got {type(value).__name__}")
        value = to_utc(value)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        return to_utc(value)


class JSONText(sa.types.TypeDecorator[Any]):
    """Plain JSON (sorted keys) kept as TEXT, so every backend stores the same bytes."""

    impl = sa.Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else dumps_json(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> Any:
        return None if value is None else json.loads(value)


class PartialValue(sa.types.TypeDecorator[Any]):
    """A partial's value through the lossless codec (int keys and tuple keys survive)."""

    impl = sa.Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str:
        return encode_value(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> Any:
        return None if value is None else decode_value(value)
