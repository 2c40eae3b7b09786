"""What every monitor type is made of: its config class (fields every monitor has, plus its
own) and its implementation, registered together as one `MonitorType`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Literal, TypeVar, Union

from pydantic import Field, field_validator

from telltale.configbase.detection import DETECTION_KINDS, Detection, DetectionKind
from telltale.configbase.sources import BaselineConfig
from telltale.configbase.values import (Cron, Duration, Name, PositiveDuration, Scalar, Severity,
                                        StrictModel, WholeNumber, fail, str_tuple)
from telltale.configbase.notify import Notify
from telltale.configbase.words import one_of
from telltale.core.fields import Field as MappedField
from telltale.core.fields import FieldGroup

from telltale.core.partials import Partial, count_rows

if TYPE_CHECKING:
    from telltale.connectors.base import Connector
    from telltale.core.results import MonitorResult
    from telltale.monitors.context import EvalContext
    from telltale.planner.queries import PlannedQuery
    from telltale.planner.spec import ModelSpec

Segment = Union[Literal["all"], dict[str, Scalar], None]
ALL_DETECTIONS: tuple[DetectionKind, ...] = DETECTION_KINDS


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
    severity: Severity = "medium"
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
    min_rows: WholeNumber = Field(0, ge=0)
    """A window (of a segment) with fewer rows gives `no_data`, never an alert (0 = no minimum)."""
    by_version: bool = False
    """Evaluate once per value of the model's `version` column (in the same scan, as a segment)."""

    allowed_detections: ClassVar[tuple[DetectionKind, ...]] = ()
    column_groups: ClassVar[tuple[FieldGroup, ...]] = ()
    """Groups an unqualified column name is looked up in (in order)."""
    qualified_groups: ClassVar[tuple[FieldGroup, ...]] = ()
    """Groups a `group.name` column may name."""

    _segment_before = field_validator("segment", mode="before")(_segment)

    @property
    def type_name(self) -> str:
        """The monitor's `type`."""
        return str(getattr(self, "type"))  # noqa: B009 - each type's class declares `type`

    @property
    def metric_name(self) -> str:
        """The `metric` of this monitor's results (psi, missing_ratio, count, a DSL metric's
        name...): every result of the monitor carries it, its `error` row too. Every type
        names its own (tests/unit/monitors/test_metric_names.py checks each does)."""
        return self.type_name

    @property
    def detection_rule(self) -> Detection | None:
        """The monitor's detection, if its type has one."""
        return getattr(self, "detection", None)

    @property
    def compares_with_baseline(self) -> bool:
        """True when each segment is compared with the same segment in the baseline."""
        det = self.detection_rule
        return det is not None and det.kind == "change"

    @property
    def asks_for_segments(self) -> bool:
        """Whether values are read per segment (`segment:` or a `compare_segment` detection)."""
        det = self.detection_rule
        return (self.segment is not None or self.by_version
                or (det is not None and det.kind == "compare_segment"))


def check_detection(cls: type[MonitorBase], value: Detection | None) -> Detection | None:
    """Refuse a detection rule the monitor type does not take."""
    if value is not None and value.kind not in cls.allowed_detections:
        type_name = cls.model_fields["type"].annotation.__args__[0]  # type: ignore[union-attr]
        raise fail(f"{type_name} monitors take detection {one_of(cls.allowed_detections)}, "
                   f"not {value.kind}", at=value.kind)
    return value


class DetectionMonitor(MonitorBase):
    """A monitor whose value is judged by a `detection` (any of the four rules)."""

    detection: Detection
    allowed_detections: ClassVar[tuple[DetectionKind, ...]] = ALL_DETECTIONS

    @field_validator("detection")
    @classmethod
    def _detection(cls, value: Detection) -> Detection:
        return check_detection(cls, value)  # type: ignore[return-value]


class ColumnsMixin(StrictModel):
    """The `columns` parameter of the types that look at columns."""

    columns: tuple[str, ...] | None = None
    """Field names (or `group.name`); None = the type's default columns."""
    default_groups: ClassVar[tuple[FieldGroup, ...] | None] = None
    """Groups the default columns come from (None: `column_groups`)."""

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

    def kind_error(self, ref: MappedField) -> str | None:
        """Why a field's kind does not fit this monitor, or None if it fits."""
        return None


C = TypeVar("C", bound=MonitorBase)


@dataclass(frozen=True)
class MonitorType(Generic[C]):
    """One monitor type: its config class and how it asks for data and judges it.

    `requests` names the summaries (partials) it reads; `query` is the optional hook of a
    type that reads the warehouse with a query of its own instead (model_staleness): the
    planner puts that query in the plan (`compile` prints it), the executor runs it and
    `evaluate` finds its decoded answer in `ctx.answer`.
    """

    config: type[C]
    evaluate: Callable[[C, EvalContext], list[MonitorResult]]
    requests: Callable[[C, EvalContext], set[Partial]] | None = None
    query: Callable[[C, EvalContext, ModelSpec, Connector], PlannedQuery] | None = None

    @property
    def name(self) -> str:
        """The `type` value of the config class."""
        return str(self.config.model_fields["type"].annotation.__args__[0])  # type: ignore[union-attr]

    def partials(self, cfg: C, ctx: EvalContext) -> set[Partial]:
        """The summaries a monitor reads, with the row count `min_rows` and the no-rows checks
        read (it rides along the distribution scan, or is one more COUNT(*) in the scalar one)."""
        if self.requests is None:
            return set()
        return self.requests(cfg, ctx) | {count_rows()}
