"""What the planner needs to know about a model, independent of how the config spells it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from telltale.connectors.base import SourceSpec


@dataclass(frozen=True)
class ActualsSpec:
    """Labels kept in another table, joined to predictions on the id column."""

    source: SourceSpec
    id: str
    timestamp: str | None = None


@dataclass(frozen=True)
class ModelSpec:
    """A model's rows: where they are, their time column, segments and tuning knobs."""

    name: str
    connection: str
    source: SourceSpec
    timestamp: str | None      # None: a data set without time (a training baseline)
    granularity: str = "day"
    step: timedelta = timedelta(days=1)
    id: str | None = None
    version: str | None = None
    segments: tuple[str, ...] = ()
    actuals: ActualsSpec | None = None
    actual_columns: frozenset[str] = field(default_factory=frozenset)
    histogram_bins: int = 256
    top_values: int = 100
    late_data: timedelta = timedelta(0)
    late_labels: timedelta = timedelta(days=7)
    label_columns: frozenset[str] = field(default_factory=frozenset)   # every actuals column

    def late_for(self, columns: set[str]) -> timedelta:
        """How long after a bucket's end a summary reading `columns` may still change."""
        if columns & self.label_columns:
            return max(self.late_data, self.late_labels)
        return self.late_data
