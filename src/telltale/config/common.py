"""Shared building blocks of the config models: the strict base class and value types."""

from __future__ import annotations

import math
import typing
from datetime import timedelta
from typing import Annotated, Any, Literal, Union

from pydantic import AfterValidator, BeforeValidator
from pydantic_core import PydanticCustomError

from telltale.core.configbase import Duration, HttpUrl, Name, StrictModel, Timeout, _positive, _to_duration

__all__ = ["Duration", "HttpUrl", "Name", "StrictModel", "Timeout"]

Severity = Literal["low", "medium", "high"]
Scalar = Union[bool, int, float, str]


def _not_bool(value: Any) -> Any:
    """Refuse true/false where a number is expected (pydantic would take true as 1)."""
    if isinstance(value, bool):
        raise ValueError(f"expected a number, got {str(value).lower()}; write e.g. 0.2")
    if isinstance(value, float) and not math.isfinite(value):
        word = ".nan" if math.isnan(value) else ("-.inf" if value < 0 else ".inf")
        raise ValueError(f"expected a finite number, got {word}; write e.g. 0.2")
    return value


Number = Annotated[float, BeforeValidator(_not_bool)]
"""A finite number; true/false, .inf and .nan are refused."""

WholeNumber = Annotated[int, BeforeValidator(_not_bool)]
"""A whole number; true/false are refused."""


def fail(message: str, at: str | None = None) -> PydanticCustomError:
    """A validation error with a ready-made message; `at` names a sub-key to point at."""
    return PydanticCustomError("telltale", message, {"at": at} if at else None)


PositiveDuration = Annotated[timedelta, BeforeValidator(_to_duration), AfterValidator(_positive)]
"""A duration longer than zero."""


def _cron(value: str) -> str:
    from croniter import croniter

    if not croniter.is_valid(value):
        raise ValueError(f"'{value}' is not a cron schedule; write five fields "
                         "'minute hour day-of-month month day-of-week', e.g. \"0 6 * * *\" "
                         "(quote it), or @hourly / @daily")
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
