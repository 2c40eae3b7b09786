"""How a monitor's value is judged: absolute bounds, change, anomaly or segment comparison."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Literal, Union

from pydantic import Field, field_validator, model_validator

from telltale.configbase.values import Number, PositiveDuration, Scalar, StrictModel, WholeNumber, fail
from telltale.core.timeutil import parse_duration

Direction = Literal["up", "down", "both"]
DetectionKind = Literal["absolute", "change", "anomaly", "compare_segment"]
DETECTION_KINDS: tuple[DetectionKind, ...] = ("absolute", "change", "anomaly", "compare_segment")


class AbsoluteRule(StrictModel):
    """Alert when the value is below `min` or above `max` (at least one is given)."""

    min: Number | None = None
    max: Number | None = None

    @model_validator(mode="after")
    def _bounds(self) -> AbsoluteRule:
        if self.min is None and self.max is None:
            raise fail("give min, max or both, e.g. {min: 0.2, max: 0.6}")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise fail(f"min ({self.min}) is above max ({self.max}); swap them", at="min")
        return self


class ChangeRule(StrictModel):
    """Alert when the value moves more than `percent` % from the baseline's value."""

    percent: Number = Field(gt=0)
    direction: Direction = "both"


def _seasonality(value: Any) -> Any:
    if value is None or value == "none":
        return None
    if isinstance(value, str) and value in SEASON_NAMES:
        return SEASON_NAMES[value]
    if isinstance(value, str):
        try:
            return parse_duration(value)
        except ValueError:
            raise ValueError(f"'{value}' is not a seasonality; write none, daily (hour_of_day), "
                             "weekly (day_of_week) or a period such as 7d") from None
    return value


SEASON_NAMES: dict[str, timedelta] = {
    "daily": timedelta(days=1), "hour_of_day": timedelta(days=1),
    "weekly": timedelta(weeks=1), "day_of_week": timedelta(weeks=1),
}
"""Named seasonalities: `hour_of_day` compares each hour with the same hour of earlier days
(a daily cycle), `day_of_week` each day with the same weekday of earlier weeks."""


ANOMALY_SENSITIVITY = 3.0
"""Standard deviations an anomaly detection allows when it gives no `sensitivity`."""
ANOMALY_HISTORY = timedelta(days=28)
"""How far back an anomaly detection looks when it gives no `history`."""
ANOMALY_SEASONS = 8
"""With a `seasonality` and no `history`, the history is this many seasons (56d for
day_of_week): 4 weekly points leave the band 10.3 standard deviations wide, 8 leave it 5.1,
which catches a 30 % volume drop in 80-85 % of windows instead of ~20 % (docs/ALERT_QUALITY.md)."""
ANOMALY_MIN_HISTORY = 3
"""Past windows with rows an anomaly detection needs before it may fire, when it gives no
`min_history` (the band widens for short histories, see `monitors.detection.band_width`)."""
AnomalyMethod = Literal["zscore", "robust"]
ANOMALY_METHOD: AnomalyMethod = "zscore"
"""How the past values are summarised when a detection gives no `method`: mean and standard
deviation (`zscore`) or median and 1.4826 x MAD (`robust`)."""


class AnomalyRule(StrictModel):
    """Alert when the value leaves `sensitivity` standard deviations of its own `history`."""

    sensitivity: Number = Field(ANOMALY_SENSITIVITY, gt=0)
    history: PositiveDuration = ANOMALY_HISTORY
    method: AnomalyMethod = ANOMALY_METHOD
    min_history: WholeNumber = Field(ANOMALY_MIN_HISTORY, ge=2, le=10_000)
    """Past windows with rows needed before the detection may fire (fewer: `no_data`)."""
    seasonality: timedelta | None = None
    """None, or the period of a cycle (daily = 1d, weekly = 7d): compare like with like."""
    direction: Direction = "both"

    _season_before = field_validator("seasonality", mode="before")(_seasonality)

    @model_validator(mode="before")
    @classmethod
    def _seasonal_history(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("history") is None and data.get("seasonality") is not None:
            try:
                season = _seasonality(data["seasonality"])
            except ValueError:
                return data     # the field's own validator reports it
            if isinstance(season, timedelta) and season > timedelta(0):
                data = {**data, "history": max(ANOMALY_HISTORY, ANOMALY_SEASONS * season)}
        return data

    @model_validator(mode="after")
    def _enough_history(self) -> AnomalyRule:
        if self.seasonality is not None:
            if self.seasonality <= timedelta(0):
                raise fail("must be longer than zero, e.g. 7d", at="seasonality")
            if self.history < 2 * self.seasonality:
                raise fail("history must cover at least two seasons; make history longer "
                           "(e.g. 28d for weekly seasonality)", at="history")
        return self


class CompareSegmentRule(StrictModel):
    """Alert when the value differs more than `percent` % from the same value on one segment."""

    column: str
    value: Scalar
    percent: Number = Field(gt=0)
    direction: Direction = "both"


class Detection(StrictModel):
    """Exactly one rule: `absolute`, `change`, `anomaly` or `compare_segment`."""

    absolute: AbsoluteRule | None = None
    change: ChangeRule | None = None
    anomaly: AnomalyRule | None = None
    compare_segment: CompareSegmentRule | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Detection:
        given = [k for k in DETECTION_KINDS if getattr(self, k) is not None]
        if len(given) != 1:
            what = "none" if not given else " and ".join(given)
            raise fail(f"give exactly one of absolute, change, anomaly or compare_segment "
                       f"(got {what}); e.g. {{absolute: {{max: 0.05}}}} or {{change: {{percent: 20}}}}")
        return self

    @property
    def kind(self) -> DetectionKind:
        """Which rule is set."""
        return next(k for k in DETECTION_KINDS if getattr(self, k) is not None)

    @property
    def rule(self) -> Union[AbsoluteRule, ChangeRule, AnomalyRule, CompareSegmentRule]:
        """The rule that is set."""
        return getattr(self, self.kind)
