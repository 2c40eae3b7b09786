"""The cut of capped `values` partials inside the warehouse, so a column with a million
distinct values does not ship a million rows per bucket.

A `values` partial with a `cap` (core/partials.py) keeps, per (bucket, segment), its
`cap` most frequent values (ties by value) and learns how many rows it did not keep.
The distribution scan (planner/queries.py, either shape) returns one row per (set,
bucket, segments, key) with its count `__n`; this wraps it:

    SELECT <its columns>, __tot FROM (
      SELECT *, ROW_NUMBER() OVER (PARTITION BY __set, __bucket, <segments>, <key is null>
                                   ORDER BY __n DESC, <keys>) AS __r,
                SUM(__n) OVER (PARTITION BY <the same>) AS __tot,
                CASE WHEN __set = i THEN <cap of set i> ... END AS __cap
      FROM (<the scan>) AS c)
    WHERE __cap IS NULL OR (__r <= __cap AND <the key is not NULL>)

so at most `cap` rows per (bucket, segment) of a capped set come back, each with `__tot`,
the rows of its (bucket, segment) over all its values: `__tot` minus the kept counts is
what the decoder stores under `__other__` (a cut bucket). Rows of other sets pass
unchanged (`__cap` is NULL there; `__tot` is not read for them). A NULL key (a NULL value
in the GROUPING SETS shape) is ranked in its own partition, so it never takes a kept slot
nor counts in `__tot`, and is not returned.
Window functions are standard SQL in every dialect telltale renders.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlglot import exp

from telltale.core.partials import Partial

TOTAL = "__tot"
RANK = "__r"
CAP = "__cap"


def capped_sets(partials: Sequence[Partial], key_names: Sequence[Sequence[str]]) -> list[tuple[int, int, str]]:
    """(set index, cap, key column) of each capped `values` partial of a scan."""
    return [(i, p.cap, names[0]) for i, (p, names) in enumerate(zip(partials, key_names))
            if p.kind == "values" and p.cap]


def cap_values(tree: exp.Select, columns: Sequence[exp.Expression], partition: Sequence[exp.Expression],
               capped: Sequence[tuple[int, int, str]], set_col: str, count_col: str) -> exp.Select:
    """`tree` (a distribution scan returning `columns`) with each capped set cut to its cap.

    `partition` are the columns of one (bucket, segment) group (the bucket and the segment
    columns); `capped` comes from `capped_sets`. The result has `columns` and `__tot`.
    """
    keys = [exp.column(k) for _, _, k in capped]
    null_key = exp.Case(ifs=[exp.If(this=exp.and_(*[exp.Is(this=k.copy(), expression=exp.Null()) for k in keys]),
                                    true=exp.Literal.number(1))],
                        default=exp.Literal.number(0))
    parts = [exp.column(set_col), *[c.copy() for c in partition], null_key]
    order = exp.Order(expressions=[exp.Ordered(this=exp.column(count_col), desc=True),
                                   *[exp.Ordered(this=k.copy(), nulls_first=False) for k in keys]])
    rank = exp.Window(this=exp.RowNumber(), partition_by=[p.copy() for p in parts], order=order)
    total = exp.Window(this=exp.Sum(this=exp.column(count_col)), partition_by=[p.copy() for p in parts])
    cap = exp.Case(ifs=[exp.If(this=exp.column(set_col).eq(exp.Literal.number(i)), true=exp.Literal.number(n))
                        for i, n, _ in capped])
    ranked = exp.select(exp.Star(), rank.as_(RANK), total.as_(TOTAL), cap.as_(CAP)).from_(tree.subquery("c"))
    listed = exp.or_(*[exp.Not(this=exp.Is(this=k.copy(), expression=exp.Null())) for k in keys])
    keep = exp.or_(exp.Is(this=exp.column(CAP), expression=exp.Null()),
                   exp.and_(exp.LTE(this=exp.column(RANK), expression=exp.column(CAP)), listed))
    return (exp.select(*[c.copy() for c in columns], exp.column(TOTAL))
            .from_(ranked.subquery("r")).where(keep))
