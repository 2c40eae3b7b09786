"""The base of every config model and the value types that alert channels share with the
config: strict models, non-empty names, http(s) URLs, timeouts. Lives on the ground floor so
that a plug-in's config class (an alert channel's, in `telltale.alerts.channels`) can sit
beside its implementation below `telltale.config`, which builds its unions from them."""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, PlainSerializer

from telltale.core.timeutil import MAX_DURATION, parse_duration


class StrictModel(BaseModel):
    """Base of every config model: immutable, unknown keys rejected.

    `model_dump()` writes keys as YAML spells them (`schema`, not `schema_`).
    """

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True,
                              serialize_by_alias=True, hide_input_in_errors=False,
                              allow_inf_nan=False)


def _to_duration(value: Any) -> Any:
    if isinstance(value, timedelta):
        return value
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a duration; write a number and a unit, e.g. 1d, 6h, 28d, 2w")
    if value == 0:
        return timedelta(0)
    if isinstance(value, (int, float)):
        raise ValueError(f"{value!r} is not a duration; add a unit, e.g. {value}d or {value}h "
                         "(s, m, h, d, w)")
    if isinstance(value, str):
        return parse_duration(value)
    raise ValueError("expected a duration such as 1d, 6h, 28d or 2w")


def _positive(value: timedelta) -> timedelta:
    if value <= timedelta(0):
        raise ValueError("must be longer than zero, e.g. 1d")
    return value


def _to_seconds(value: Any) -> Any:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if not math.isfinite(value):
            raise ValueError("must be a finite number of seconds, e.g. 30 or 30s")
        if value > MAX_DURATION.total_seconds():
            raise ValueError("must be at most 100 years; write e.g. 30 or 30s")
        if value <= 0:
            raise ValueError("must be more than zero seconds, e.g. 30 or 30s")
        return timedelta(seconds=value)
    if isinstance(value, str):
        try:
            return _to_seconds(float(value))
        except ValueError as exc:
            if "seconds" in str(exc) or "100 years" in str(exc):
                raise
    return _positive(_to_duration(value))


Duration = Annotated[timedelta, BeforeValidator(_to_duration)]
"""A duration written `90s`, `15m`, `6h`, `28d` or `2w` (or 0)."""

Timeout = Annotated[timedelta, BeforeValidator(_to_seconds),
                    PlainSerializer(lambda v: v.total_seconds(), return_type=float)]
"""A timeout: a number of seconds (`30`) or a duration (`30s`, `2m`); dumps as float seconds."""


def _nonempty(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    return value


Name = Annotated[str, AfterValidator(_nonempty)]
"""A non-empty name or column."""


def _http_url(value: str) -> str:
    if not (value.startswith("http://") or value.startswith("https://")):
        raise ValueError(f"'{value}' is not an http(s) URL; write e.g. https://hooks.example/telltale")
    return value


HttpUrl = Annotated[str, AfterValidator(_http_url)]
"""An http:// or https:// URL, kept as written."""
