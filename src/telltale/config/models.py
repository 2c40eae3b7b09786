"""A monitored model: where its rows live, which columns mean what, and its baseline."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from telltale.configbase.sources import DEFAULT_BASELINE, BaselineConfig, SourceConfig, WindowBaseline
from telltale.configbase.values import Duration, Name, StrictModel, WholeNumber, fail, str_tuple
from telltale.core.fields import FIELD_GROUPS, FieldGroup, Kind
from telltale.core.fields import Field as MappedField

__all__ = ["DEFAULT_BASELINE", "ActualsSource", "BaselineConfig", "FieldSpec", "ModelConfig", "SourceConfig",
           "WindowBaseline"]

ModelType = Literal["binary", "multiclass", "multilabel", "regression", "ranking"]
Granularity = Literal["hour", "day"]


class FieldSpec(StrictModel):
    """One mapped field: the real column it reads and how it is summarised.

    Written either `income: numeric` or `income: {column: income_usd, type: numeric}`.
    """

    column: Name
    type: Kind

    @property
    def kind(self) -> Kind:
        """Same as `type`: numeric, categorical or boolean."""
        return self.type


class ActualsSource(StrictModel):
    """Labels stored apart from the predictions, joined on `id`."""

    source: SourceConfig
    id: Name
    timestamp: Name | None = None


def _normalise_fields(value: Any) -> Any:
    if value is None:
        return {}
    if not isinstance(value, dict):
        return value
    out: dict[Any, Any] = {}
    for name, spec in value.items():
        if isinstance(spec, str):
            spec = {"column": name, "type": spec}
        elif isinstance(spec, dict) and "column" not in spec:
            spec = {"column": name, **spec}
        out[name] = spec
    return out


class ModelConfig(StrictModel):
    """One monitored model (`models.NAME`)."""

    type: ModelType
    connection: Name
    source: SourceConfig
    id: Name | None = None
    timestamp: Name
    version: Name | None = None
    query_id: Name | None = None
    """Ranking models: the column grouping the rows of one query (default: `id`)."""
    features: dict[str, FieldSpec] = Field(default_factory=dict)
    raw_inputs: dict[str, FieldSpec] = Field(default_factory=dict)
    predictions: dict[str, FieldSpec]
    actuals: dict[str, FieldSpec] = Field(default_factory=dict)
    actuals_source: ActualsSource | None = None
    segments: tuple[str, ...] = ()
    granularity: Granularity = "day"
    baseline: BaselineConfig = DEFAULT_BASELINE
    histogram_bins: WholeNumber = Field(256, ge=2, le=10_000)
    """Inner bins of every numeric histogram (fixed edges from the baseline)."""
    max_segments: WholeNumber = Field(1000, ge=1)
    """The most segment combinations (the product of the segment columns' distinct values
    in a scanned range) a run groups by; above it, the segmented monitors fail with an error."""
    top_values: WholeNumber = Field(100, ge=1, le=100_000)
    """How many categories (the most frequent) are kept per bucket and column."""
    late_data: Duration = timedelta(0)
    """How long after its end a bucket may still change; younger buckets are recomputed."""
    late_labels: Duration = timedelta(days=7)
    """How long after its end a bucket's labels may still arrive: summaries that read an
    actuals column are recomputed until then (labels usually land days after predictions)."""

    _fields_before = field_validator("features", "raw_inputs", "predictions", "actuals",
                                     mode="before")(_normalise_fields)
    _segments_before = field_validator("segments", mode="before")(str_tuple)

    @field_validator("predictions")
    @classmethod
    def _some_prediction(cls, value: dict[str, FieldSpec]) -> dict[str, FieldSpec]:
        if not value:
            raise ValueError("map at least one prediction column, e.g. predictions: {score: numeric}")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> ModelConfig:
        if self.query_id is not None and self.type != "ranking":
            raise fail(f"query_id groups the rows of one query for ranking metrics; a {self.type} model "
                       "has none: remove query_id, or write type: ranking", at="query_id")
        if self.actuals_source is not None:
            if not self.actuals:
                raise fail("actuals_source needs actuals: map the label columns, "
                           "e.g. actuals: {defaulted: boolean}", at="actuals_source")
            if not self.id:
                raise fail("actuals_source joins labels on the model's id: add id: <prediction id column>",
                           at="actuals_source")
        return self

    @property
    def step(self) -> timedelta:
        """The length of one time bucket."""
        return timedelta(hours=1) if self.granularity == "hour" else timedelta(days=1)

    def group(self, group: FieldGroup) -> dict[str, FieldSpec]:
        """The fields of one group (`features`, `raw_inputs`, `predictions`, `actuals`)."""
        return getattr(self, group)

    def fields(self, *groups: FieldGroup) -> list[MappedField]:
        """Every mapped field of the given groups (all groups when none is given), in file order."""
        out: list[MappedField] = []
        for g in groups or FIELD_GROUPS:
            out.extend(MappedField(n, g, s.column, s.type) for n, s in self.group(g).items())
        return out

    def field(self, name: str, groups: tuple[FieldGroup, ...] = FIELD_GROUPS) -> MappedField | None:
        """A field by `name` or `group.name`, searched in `groups` in order; None if absent."""
        group, _, bare = name.partition(".")
        if bare and group in FIELD_GROUPS:
            spec = self.group(group).get(bare)  # type: ignore[arg-type]
            if spec is not None and group in groups:
                return MappedField(bare, group, spec.column, spec.type)  # type: ignore[arg-type]
            return None
        for g in groups:
            spec = self.group(g).get(name)
            if spec is not None:
                return MappedField(name, g, spec.column, spec.type)
        return None
