"""What the planner needs to know about a model, independent of how the config spells it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from telltale.connectors.base import SourceSpec

# A column of the label relation: how many label rows (as of the run) a prediction has.
# Every other label column comes from the one label kept (the latest by timestamp).
LABEL_ROWS = "__telltale_label_rows"


@dataclass(frozen=True)
class ActualsSpec:
    """Labels kept in another table, joined to predictions on the id column.

    Each prediction takes its latest label by `timestamp` among the labels with
    `timestamp <= as_of` (labels without a timestamp always count, ranked below timestamped
    ones); ties and a missing `timestamp` column fall back to the label columns' values, so
    every query of a run picks the same label.
    """

    source: SourceSpec
    id: str
    timestamp: str | None = None
    as_of: datetime | None = None      # the run's --at; None: every label there is
    columns: tuple[str, ...] = ()      # every actuals column (a fixed tie-break order)


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
    actual_columns: frozenset[str] = field(default_factory=frozenset)   # read from the labels (+ LABEL_ROWS)
    histogram_bins: int = 256
    top_values: int = 100
    max_segments: int = 1000
    late_data: timedelta = timedelta(0)
    late_labels: timedelta = timedelta(days=7)
    label_columns: frozenset[str] = field(default_factory=frozenset)   # every actuals column

    def late_for(self, columns: set[str]) -> timedelta:
        """How long after a bucket's end a summary reading `columns` may still change."""
        if columns & self.label_columns:
            return max(self.late_data, self.late_labels)
        return self.late_data
