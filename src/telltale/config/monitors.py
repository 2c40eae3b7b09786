"""Monitors: the common fields and one model per `type`, a discriminated union of all ten."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any, ClassVar, Literal, Union

from pydantic import Field, field_validator, model_validator

from telltale.config.alerts import Notify
from telltale.config.common import (Cron, Duration, Name, Number, PositiveDuration, Scalar,
                                    Severity, StrictModel, WholeNumber, fail, str_tuple, union_types)
from telltale.config.detection import DETECTION_KINDS, Detection, DetectionKind
from telltale.config.models import BaselineConfig
from telltale.core.fields import FieldGroup
from telltale.config.problems import one_of

DriftMethod = Literal["psi", "js", "hellinger", "ks", "wasserstein", "chi2"]
DRIFT_DEFAULT_THRESHOLDS: dict[str, float] = {
    "psi": 0.2, "js": 0.1, "hellinger": 0.1, "ks": 0.1, "wasserstein": 0.1, "chi2": 0.1,
}
"""Threshold used when a drift monitor gives none (chi2 is judged on Cramér's V)."""
DRIFT_DEFAULT_METHOD: DriftMethod = "psi"
DRIFT_FALLBACK_THRESHOLD = 0.2
"""Threshold of a method missing from DRIFT_DEFAULT_THRESHOLDS (never, once validated)."""
DEFAULT_SEVERITY: Severity = "medium"
NUMERIC_ONLY_METHODS = ("ks", "wasserstein")
Statistic = Literal["mean", "min", "max", "sum", "variance", "stddev", "missing_count"]

Segment = Union[Literal["all"], dict[str, Scalar], None]


def _segment(value: Any) -> Any:
    if value is None or value == "all":
        return value
    if isinstance(value, dict) and value and all(
            isinstance(k, str) and isinstance(v, (str, int, float, bool)) for k, v in value.items()):
        return value
    raise ValueError("write segment: all (once per value of every segment column) or "
                     "segment: {region: EU} (only the rows of that segment)")


class MonitorBase(StrictModel):
    """Fields every monitor has."""

    name: Name
    model: Name
    window: PositiveDuration = timedelta(days=1)
    """The focal window, ending at the last complete bucket."""
    severity: Severity = DEFAULT_SEVERITY
    schedule: Cron | None = None
    """Cron (UTC) for `telltale serve`; None = once per bucket of the model, after it closes."""
    notify: Notify = ()
    """Channels to notify: a list, or a list per severity (`{high: [pager], low: [team]}`)."""
    segment: Segment = None
    """None = all rows together; `all` = once per value of every segment column of the
    model; `{column: value}` = only the rows of that segment."""
    baseline: BaselineConfig | None = None
    """Overrides the model's baseline for this monitor."""
    cooldown: Duration = timedelta(0)
    """Minimum time between two notifications of this monitor (0 = none)."""
    daily_cap: WholeNumber = Field(20, ge=0)
    """At most this many notifications per UTC day for this monitor (0 = never notify)."""
    min_rows: int = Field(0, ge=0)
    """A window (of a segment) with fewer rows gives `no_data`, never an alert (0 = no minimum)."""

    allowed_detections: ClassVar[tuple[DetectionKind, ...]] = ()
    column_groups: ClassVar[tuple[FieldGroup, ...]] = ()
    """Groups an unqualified column name is looked up in (in order)."""
    qualified_groups: ClassVar[tuple[FieldGroup, ...]] = ()
    """Groups a `group.name` column may name."""

    _segment_before = field_validator("segment", mode="before")(_segment)

    @property
    def detection_rule(self) -> Detection | None:
        """The monitor's detection, if its type has one."""
        return getattr(self, "detection", None)


def _check_detection(cls: type[MonitorBase], value: Detection | None) -> Detection | None:
    if value is not None and value.kind not in cls.allowed_detections:
        type_name = cls.model_fields["type"].annotation.__args__[0]  # type: ignore[union-attr]
        raise fail(f"{type_name} monitors take detection {one_of(cls.allowed_detections)}, "
                   f"not {value.kind}", at=value.kind)
    return value


class _ColumnsMixin(StrictModel):
    columns: tuple[str, ...] | None = None
    """Field names (or `group.name`); None = the type's default columns."""

    _columns_before = field_validator("columns", mode="before")(str_tuple)

    @field_validator("columns")
    @classmethod
    def _non_empty_columns(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        if value is not None and not value:
            raise ValueError("list at least one column, or leave columns out to use the default")
        if value is not None and len(set(value)) != len(value):
            dup = next(c for c in value if value.count(c) > 1)
            raise ValueError(f"column '{dup}' is listed twice")
        return value


class _DriftBase(MonitorBase, _ColumnsMixin):
    method: DriftMethod = DRIFT_DEFAULT_METHOD
    threshold: Number = Field(gt=0)
    """Alert when the distance is >= threshold (defaults per method: DRIFT_DEFAULT_THRESHOLDS)."""

    @model_validator(mode="before")
    @classmethod
    def _default_threshold(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("threshold") is None:
            method = data.get("method", DRIFT_DEFAULT_METHOD)
            default = (DRIFT_DEFAULT_THRESHOLDS.get(method, DRIFT_FALLBACK_THRESHOLD)
                       if isinstance(method, str) else DRIFT_FALLBACK_THRESHOLD)
            data = {**data, "threshold": default}
        return data


class DataDriftMonitor(_DriftBase):
    """Distance between the window's and the baseline's distribution of each feature."""

    type: Literal["data_drift"]
    column_groups: ClassVar[tuple[FieldGroup, ...]] = ("features",)
    qualified_groups: ClassVar[tuple[FieldGroup, ...]] = ("features", "raw_inputs")


class PredictionDriftMonitor(_DriftBase):
    """Distance between the window's and the baseline's distribution of each prediction."""

    type: Literal["prediction_drift"]
    column_groups: ClassVar[tuple[FieldGroup, ...]] = ("predictions",)
    qualified_groups: ClassVar[tuple[FieldGroup, ...]] = ("predictions",)


_ALL_DETECTIONS: tuple[DetectionKind, ...] = DETECTION_KINDS


class MissingValuesMonitor(MonitorBase, _ColumnsMixin):
    """Share of nulls in the window, per column (any mapped field)."""

    type: Literal["missing_values"]
    detection: Detection
    allowed_detections: ClassVar[tuple[DetectionKind, ...]] = _ALL_DETECTIONS
    column_groups: ClassVar[tuple[FieldGroup, ...]] = ("features", "raw_inputs", "predictions", "actuals")
    qualified_groups: ClassVar[tuple[FieldGroup, ...]] = column_groups

    @field_validator("detection")
    @classmethod
    def _detection(cls, value: Detection) -> Detection:
        return _check_detection(cls, value)  # type: ignore[return-value]


class NewValuesMonitor(MonitorBase, _ColumnsMixin):
    """Share of rows whose (categorical) value never occurs in the baseline."""

    type: Literal["new_values"]
    min_share: Number = Field(0.0, ge=0, le=1)
    """Alert when the share of new values is above this."""
    column_groups: ClassVar[tuple[FieldGroup, ...]] = ("features",)
    qualified_groups: ClassVar[tuple[FieldGroup, ...]] = ("features", "raw_inputs", "predictions")


class ValueRangeMonitor(MonitorBase, _ColumnsMixin):
    """The window's min and max of numeric columns vs fixed bounds or the baseline's range."""

    type: Literal["value_range"]
    detection: Detection | None = None
    margin: Number | None = Field(None, ge=0)
    """Allowed overshoot as a fraction of the baseline's range (0.1 = 10 % beyond min/max)."""
    allowed_detections: ClassVar[tuple[DetectionKind, ...]] = ("absolute",)
    column_groups: ClassVar[tuple[FieldGroup, ...]] = ("features",)
    qualified_groups: ClassVar[tuple[FieldGroup, ...]] = ("features", "raw_inputs", "predictions",
                                                          "actuals")

    @field_validator("detection")
    @classmethod
    def _detection(cls, value: Detection | None) -> Detection | None:
        return _check_detection(cls, value)

    @model_validator(mode="after")
    def _one_rule(self) -> ValueRangeMonitor:
        if (self.detection is None) == (self.margin is None):
            raise fail("give either detection: {absolute: {min: 0, max: 100}} or margin: 0.1 "
                       "(a fraction of the baseline's range)"
                       + (", not both" if self.detection is not None else ""),
                       at="margin" if self.margin is not None else None)
        return self


class ModelActivityMonitor(MonitorBase):
    """Number of rows (predictions) in the window."""

    type: Literal["model_activity"]
    detection: Detection
    allowed_detections: ClassVar[tuple[DetectionKind, ...]] = _ALL_DETECTIONS

    @field_validator("detection")
    @classmethod
    def _detection(cls, value: Detection) -> Detection:
        return _check_detection(cls, value)  # type: ignore[return-value]


class ModelStalenessMonitor(MonitorBase):
    """Age of the newest prediction (or of the newest model version)."""

    type: Literal["model_staleness"]
    max_age: PositiveDuration
    on: Literal["predictions", "version"] = "predictions"


class MetricChangeMonitor(MonitorBase, _ColumnsMixin):
    """A statistic (mean, min, ...) of each column in the window."""

    type: Literal["metric_change"]
    statistic: Statistic = "mean"
    detection: Detection
    allowed_detections: ClassVar[tuple[DetectionKind, ...]] = _ALL_DETECTIONS
    column_groups: ClassVar[tuple[FieldGroup, ...]] = ("features",)
    qualified_groups: ClassVar[tuple[FieldGroup, ...]] = ("features", "raw_inputs", "predictions", "actuals")

    @field_validator("detection")
    @classmethod
    def _detection(cls, value: Detection) -> Detection:
        return _check_detection(cls, value)  # type: ignore[return-value]


class PerformanceDegradationMonitor(MonitorBase):
    """A performance metric (f1, auc_roc, rmse, or a DSL metric) over labelled rows."""

    type: Literal["performance_degradation"]
    metric: Name
    detection: Detection
    allowed_detections: ClassVar[tuple[DetectionKind, ...]] = _ALL_DETECTIONS

    @field_validator("detection")
    @classmethod
    def _detection(cls, value: Detection) -> Detection:
        return _check_detection(cls, value)  # type: ignore[return-value]


class CustomMetricMonitor(MonitorBase):
    """A metric written in the metric language (or a built-in)."""

    type: Literal["custom_metric"]
    metric: Name
    detection: Detection
    allowed_detections: ClassVar[tuple[DetectionKind, ...]] = _ALL_DETECTIONS

    @field_validator("detection")
    @classmethod
    def _detection(cls, value: Detection) -> Detection:
        return _check_detection(cls, value)  # type: ignore[return-value]


Monitor = Annotated[
    Union[DataDriftMonitor, PredictionDriftMonitor, MissingValuesMonitor, NewValuesMonitor,
          ValueRangeMonitor, ModelActivityMonitor, ModelStalenessMonitor, MetricChangeMonitor,
          PerformanceDegradationMonitor, CustomMetricMonitor],
    Field(discriminator="type"),
]
"""Any monitor, chosen by its `type`."""

MONITOR_TYPES = union_types(Monitor)
"""Every monitor type, in the order of the union."""

COLUMN_MONITORS = (DataDriftMonitor, PredictionDriftMonitor, MissingValuesMonitor, NewValuesMonitor,
                   ValueRangeMonitor, MetricChangeMonitor)
"""Monitor classes that take `columns`."""
