"""Where rows come from and what a window is compared with: sources and baselines."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from telltale.configbase.values import Duration, PositiveDuration, StrictModel, fail
from telltale.core.timeutil import TimeRange, parse_time, to_utc


class SourceConfig(StrictModel):
    """Where rows come from: exactly one of `table`, `sql` or `path` (+ `format`, `partitioning`)."""

    table: str | None = None
    sql: str | None = None
    path: str | None = None
    format: Literal["parquet", "csv", "jsonl"] | None = None
    partitioning: Literal["hive"] | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> SourceConfig:
        given = [k for k in ("table", "sql", "path") if getattr(self, k)]
        if len(given) != 1:
            what = "none of them" if not given else " and ".join(given)
            raise fail(f"give exactly one of table, sql or path (got {what}); e.g. "
                       "{table: predictions} or {sql: \"select ...\"} or "
                       "{path: data/, format: parquet}")
        if self.path is None:
            for key in ("format", "partitioning"):
                if getattr(self, key) is not None:
                    raise fail(f"{key} only applies to path sources; remove it", at=key)
        return self

    @property
    def kind(self) -> Literal["table", "sql", "path"]:
        """Which of table, sql or path is set."""
        return "table" if self.table else "sql" if self.sql else "path"

    @property
    def file_format(self) -> str:
        """The file format of a path source (parquet when not given)."""
        return self.format or "parquet"


class WindowBaseline(StrictModel):
    """A rolling baseline: `last` long, ending `skip` before the focal window starts."""

    last: PositiveDuration
    skip: Duration = timedelta(0)


def _instant(value: Any, end: bool) -> datetime:
    """A `from`/`to` of a fixed baseline as UTC: a date is a whole day (a `to` date ends at the
    next midnight, so `to: 2026-01-31` includes January 31); a time is taken as written."""
    if isinstance(value, datetime):
        return to_utc(value)
    if isinstance(value, date):
        start = datetime(value.year, value.month, value.day)
        return to_utc(start + timedelta(days=1) if end else start)
    if isinstance(value, str):
        try:
            parsed = parse_time(value)
        except ValueError as exc:
            raise ValueError(str(exc)) from None
        whole_day = len(value.strip()) == 10
        return parsed + timedelta(days=1) if end and whole_day else parsed
    raise ValueError("expected a date such as 2026-01-31 or a time such as 2026-01-31T12:00:00Z")


class FixedBaseline(StrictModel):
    """A frozen reference period: `from` (inclusive) to `to` (a date: that whole day included;
    a time: the end, excluded)."""

    start: datetime = Field(alias="from")
    end: datetime = Field(alias="to")

    @field_validator("start", mode="before")
    @classmethod
    def _start(cls, value: Any) -> datetime:
        return _instant(value, end=False)

    @field_validator("end", mode="before")
    @classmethod
    def _end(cls, value: Any) -> datetime:
        return _instant(value, end=True)

    @model_validator(mode="after")
    def _ordered(self) -> FixedBaseline:
        if self.end <= self.start:
            raise fail(f"the fixed baseline would end at {self.end:%Y-%m-%dT%H:%M:%SZ} (`to`; a date "
                       f"ends at its next midnight), not after it starts at "
                       f"{self.start:%Y-%m-%dT%H:%M:%SZ} (`from`); give `to` later than `from`, e.g. "
                       "{from: 2026-01-01, to: 2026-01-31}", at="to")
        return self

    @property
    def range(self) -> TimeRange:
        """The period as a half-open UTC range."""
        return TimeRange(self.start, self.end)


class BaselineConfig(StrictModel):
    """Exactly one of `window: {last, skip}`, `training: {table|sql|path}` or
    `fixed: {from, to}`."""

    window: WindowBaseline | None = None
    training: SourceConfig | None = None
    fixed: FixedBaseline | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> BaselineConfig:
        if sum(v is not None for v in (self.window, self.training, self.fixed)) != 1:
            raise fail("give exactly one of window, training or fixed, e.g. "
                       "{window: {last: 28d, skip: 1d}} or {training: {table: training_set}} or "
                       "{fixed: {from: 2026-01-01, to: 2026-01-31}}")
        return self

    @property
    def kind(self) -> Literal["window", "training", "fixed"]:
        """`window` (rolling), `training` (a data set) or `fixed` (a frozen period)."""
        return "window" if self.window is not None else "training" if self.training else "fixed"


DEFAULT_BASELINE = BaselineConfig(window=WindowBaseline(last=timedelta(days=28)))
