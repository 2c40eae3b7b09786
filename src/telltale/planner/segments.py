"""The segment-combination guard: how many segment values a scan would group by, asked first.

A segment column with 100k distinct values turns one scan into 100k groups per bucket (and
as many stored summaries and results). Before the segmented scans, one small statement
counts each segment column's distinct values over the scanned range (a NULL counts as one
more value); the runner refuses the segmented summaries when their product exceeds the
model's `max_segments`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pyarrow as pa
from sqlglot import exp

from telltale.connectors.base import Connector
from telltale.core.timeutil import TimeRange
from telltale.planner.queries import PlannedQuery
from telltale.planner.relation import col, model_relation
from telltale.planner.spec import ModelSpec


@dataclass(frozen=True)
class SegmentCounts:
    """Distinct values per segment column (NULL counted as a value) and their product."""

    counts: tuple[tuple[str, int], ...]

    @property
    def combinations(self) -> int:
        """The product of the columns' distinct values (an upper bound of the segment keys)."""
        n = 1
        for _, c in self.counts:
            n *= max(c, 1)
        return n

    def describe(self) -> str:
        """`user_id (100,000 values) x region (4 values) = 400,000 combinations`."""
        parts = " x ".join(f"{name} ({c:,} value{'s' if c != 1 else ''})" for name, c in self.counts)
        return f"{parts} = {self.combinations:,} combinations" if len(self.counts) > 1 else parts


def segment_count_query(model: ModelSpec, connector: Connector, rng: TimeRange) -> PlannedQuery:
    """COUNT(DISTINCT s) and whether s has NULLs, per segment column over `rng` (decodes to
    SegmentCounts)."""
    rel = model_relation(model, connector, set(model.segments), rng).subquery("m")
    selects: list[Any] = []
    for i, s in enumerate(model.segments):
        has_null = exp.Case(ifs=[exp.If(this=exp.Is(this=col(s), expression=exp.Null()),
                                        true=exp.Literal.number(1))], default=exp.Literal.number(0))
        selects += [exp.Count(this=exp.Distinct(expressions=[col(s)])).as_(f"d{i}"),
                    exp.Max(this=has_null).as_(f"n{i}")]
    tree = exp.select(*selects).from_(rel)

    def decode(table: pa.Table) -> SegmentCounts:
        row = table.to_pylist()[0] if table.num_rows else {}
        return SegmentCounts(tuple((s, int(row.get(f"d{i}") or 0) + int(row.get(f"n{i}") or 0))
                                   for i, s in enumerate(model.segments)))

    return PlannedQuery("segment count", tree, decode)
