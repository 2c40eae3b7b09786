"""SummaryBook.merged sums histograms in place into its own copies: stored buckets never change."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta, timezone

from telltale.core.partials import merge_many
from telltale.core.timeutil import TimeRange
from telltale.runner.summaries import SummaryBook

DAY = timedelta(days=1)
D0 = datetime(2025, 1, 1, tzinfo=timezone.utc)
HIST, VALUES, COUNT, MIN = 'hist|"x"', 'values|"c"', 'count|"x"', 'min|"x"'


def _buckets() -> dict:
    return {
        (D0, ""): {HIST: {0: 2, 1: 3}, VALUES: {"a": 1}, COUNT: 5, MIN: 0.5},
        (D0 + DAY, ""): {HIST: {1: 4, 7: 1}, VALUES: {"b": 2, "a": 3}, COUNT: 5, MIN: 0.25},
        (D0 + 2 * DAY, ""): {HIST: {0: 1}, COUNT: 1, MIN: None},
    }


def test_merged_equals_merge_many_and_leaves_the_buckets_alone() -> None:
    book = SummaryBook(step=DAY)
    book.add(copy.deepcopy(_buckets()))
    before = copy.deepcopy(book.buckets)
    got = book.merged(TimeRange(D0, D0 + 3 * DAY), None)
    for key in (HIST, VALUES, COUNT, MIN):
        kind = key.split("|")[0]
        want = merge_many(kind, [b[key] for b in _buckets().values() if key in b])
        assert got.get(key) == want, key
    assert got.get(HIST) == {0: 3, 1: 7, 7: 1}
    assert book.buckets == before, "merging must not add into a stored bucket's dict"
    again = SummaryBook(step=DAY)
    again.add(copy.deepcopy(_buckets()))
    assert again.merged(TimeRange(D0 + DAY, D0 + 3 * DAY), None).get(HIST) == {1: 4, 7: 1, 0: 1}
    assert again.buckets == before
