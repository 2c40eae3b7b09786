"""Config building blocks: the strict base class of every config model and its value types.

They sit below every package that declares config classes (connections, monitors,
channels), so each type can keep its config class beside its implementation.
"""

from __future__ import annotations

import math
import typing
from datetime import timedelta
from typing import Annotated, Any, Literal, Union

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, PlainSerializer
from pydantic_core import PydanticCustomError

from telltale.core.timeutil import MAX_DURATION, parse_duration

Severity = Literal["low", "medium", "high"]
Scalar = Union[bool, int, float, str]


class StrictModel(BaseModel):
    """Base of every config model: immutable, unknown keys rejected.

    `model_dump()` writes keys as YAML spells them (`schema`, not `schema_`).
    """

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True,
                              serialize_by_alias=True, hide_input_in_errors=False,
                              allow_inf_nan=False)


def _not_bool(value: Any, example: str = "0.2") -> Any:
    """Refuse true/false where a number is expected (pydantic would take true as 1)."""
    if isinstance(value, bool):
        raise ValueError(f"expected a number, got {str(value).lower()}; write e.g. {example}")
    if isinstance(value, float) and not math.isfinite(value):
        word = ".nan" if math.isnan(value) else ("-.inf" if value < 0 else ".inf")
        raise ValueError(f"expected a finite number, got {word}; write e.g. {example}")
    return value


def _not_bool_whole(value: Any) -> Any:
    return _not_bool(value, "100")


Number = Annotated[float, BeforeValidator(_not_bool)]
"""A finite number; true/false, .inf and .nan are refused."""

WholeNumber = Annotated[int, BeforeValidator(_not_bool_whole)]
"""A whole number; true/false are refused."""


def fail(message: str, at: str | None = None) -> PydanticCustomError:
    """A validation error with a ready-made message; `at` names a sub-key to point at."""
    return PydanticCustomError("telltale", message, {"at": at} if at else None)


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

PositiveDuration = Annotated[timedelta, BeforeValidator(_to_duration), AfterValidator(_positive)]
"""A duration longer than zero."""

Timeout = Annotated[timedelta, BeforeValidator(_to_seconds),
                    PlainSerializer(lambda v: v.total_seconds(), return_type=float)]
"""A timeout: a number of seconds (`30`) or a duration (`30s`, `2m`); dumps as float seconds."""


def _nonempty(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    return value


Name = Annotated[str, AfterValidator(_nonempty)]
"""A non-empty name or column."""


def _one_word(value: str) -> str:
    _nonempty(value)
    if any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in value):
        # never echo the value: it is a secret
        raise ValueError("must be one word, without spaces or line breaks (a secret read from a "
                         "file often ends with a newline: strip it)")
    return value


Token = Annotated[str, AfterValidator(_one_word)]
"""A key or token sent in an HTTP header: non-empty, no whitespace or control characters
(the value is never shown in the error: it is a secret)."""


def _http_url(value: str) -> str:
    if not (value.startswith("http://") or value.startswith("https://")):
        raise ValueError(f"'{value}' is not an http(s) URL; write e.g. https://hooks.example/telltale")
    problem = _url_problem(value)
    if problem:
        raise ValueError(f"'{value}' is not a usable URL: {problem}; write e.g. https://hooks.example/telltale")
    return value


def _url_problem(value: str) -> str | None:
    """Why an http(s) URL cannot be requested (no host, a bad port, spaces), or None."""
    from urllib.parse import urlsplit

    if any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in value):
        return "it contains a space or a control character (write %20 for a space in a path)"
    try:
        parts = urlsplit(value)
    except ValueError as exc:                  # e.g. an unclosed [ of an IPv6 address
        return f"it cannot be read as a URL ({exc})"
    if not parts.hostname:
        return "it has no host"
    try:
        _ = parts.port          # urllib checks the port when it is read
    except ValueError:
        return "its port is not a number from 0 to 65535"
    return None


HttpUrl = Annotated[str, AfterValidator(_http_url)]
"""An http:// or https:// URL, kept as written."""


def _cron(value: str) -> str:
    from datetime import datetime, timezone

    from croniter import CroniterBadDateError, croniter

    fields = value.split()
    # croniter also takes a sixth (seconds) and seventh (year) field: a Quartz-style or
    # seconds-first expression would be read differently from what its author meant
    if not croniter.is_valid(value) or (len(fields) != 5 and not value.strip().startswith("@")):
        raise ValueError(f"'{value}' is not a cron schedule; write five fields "
                         "'minute hour day-of-month month day-of-week', e.g. \"0 6 * * *\" "
                         "(quote it), or @hourly / @daily")
    try:
        croniter(value, datetime(2026, 1, 1, tzinfo=timezone.utc)).get_next(datetime)
    except CroniterBadDateError:
        raise ValueError(f"'{value}' names a time that never comes (e.g. February 31st); "
                         "the scheduler could never run it") from None
    return value


Cron = Annotated[str, AfterValidator(_cron)]
"""A cron expression, checked with croniter."""


def str_tuple(value: Any) -> Any:
    """Accept one string where a list of strings is expected (`columns: income`)."""
    if isinstance(value, str):
        return [value]
    return value


def union_types(union: Any) -> tuple[str, ...]:
    """The `type` values of a discriminated union's members, in union order: the union is the
    one list of a kind's config classes, and its type names are read from it."""
    members = typing.get_args(typing.get_args(union)[0])
    return tuple(typing.get_args(m.model_fields["type"].annotation)[0] for m in members)
