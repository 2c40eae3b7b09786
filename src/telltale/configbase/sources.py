"""Where rows come from and what a window is compared with: sources and baselines."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Literal

from pydantic import Field, model_validator

from telltale.configbase.values import Duration, PositiveDuration, StrictModel, fail


class SourceConfig(StrictModel):
    """Where rows come from: exactly one of `table`, `sql` or `path` (+ `format`, `partitioning`)."""

    table: str | None = None
    sql: str | None = None
    path: str | None = None
    format: Literal["parquet", "csv", "jsonl"] | None = None
    partitioning: Literal["hive"] | None = None
    options: dict[str, Any] = Field(default_factory=dict)

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


class BaselineConfig(StrictModel):
    """Exactly one of `window: {last, skip}` or `training: {table|sql|path}`."""

    window: WindowBaseline | None = None
    training: SourceConfig | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> BaselineConfig:
        if (self.window is None) == (self.training is None):
            raise fail("give exactly one of window or training, e.g. "
                       "{window: {last: 28d, skip: 1d}} or {training: {table: training_set}}")
        return self

    @property
    def kind(self) -> Literal["window", "training"]:
        """`window` (rolling) or `training` (a fixed data set)."""
        return "window" if self.window is not None else "training"


DEFAULT_BASELINE = BaselineConfig(window=WindowBaseline(last=timedelta(days=28)))
