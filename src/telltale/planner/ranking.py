"""Ranking partials: rows ranked within each query inside the warehouse, only sums leave.

One statement per (score, relevance, query column, filter) serves every `rank` partial
sharing them. Four levels, each a sqlglot tree:

1. the model's rows with a score and a relevance, keyed by bucket, segments and query;
2. per row, its position by score (`ROW_NUMBER() OVER (PARTITION BY bucket, segments,
   query ORDER BY score DESC, relevance ASC)`: ties in score are broken pessimistically,
   the less relevant row first), its position in the ideal order (by relevance
   descending) and the number of relevant rows (relevance > 0) at or above it;
3. per query, the value each partial asks for (`ndcg@K`: DCG@K / IDCG@K with linear
   gains, 0 when the query has no relevant row, as sklearn's `ndcg_score`; `mrr` /
   `mrr@K`: 1 / position of the first relevant row, 0 when none is in the top K;
   `map@K`: the sum of precision@i over relevant positions i <= K, divided by
   min(K, relevant rows), 0 when the query has none; `queries`: 1);
4. per bucket and segment, the sum of each over queries: the partial's value.

Only rows with a query, a finite score and a finite relevance are ranked. A query whose
rows fall in two buckets (or two segments) counts as one query per bucket (segment).
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import pyarrow as pa
from sqlglot import exp

from telltale.connectors.base import Connector
from telltale.core.partials import Partial
from telltale.core.timeutil import TimeRange
from telltale.planner.aggsql import as_double, finite_condition
from telltale.planner.relation import col, model_relation, referenced_columns
from telltale.planner.spec import ModelSpec

BUCKET, QUERY, SCORE, REL = "__bucket", "__query", "__score", "__rel"
POS, IPOS, HITS = "__pos", "__ipos", "__hits"
OPTIONS = ("ndcg", "mrr", "map", "queries")


def parse_option(option: str) -> tuple[str, int | None]:
    """`ndcg@10` -> ("ndcg", 10); `mrr` -> ("mrr", None)."""
    name, _, k = option.partition("@")
    if name not in OPTIONS:
        raise ValueError(f"unknown ranking value {option!r}")
    return name, int(k) if k else None


def _num(v: float | int) -> exp.Expression:
    return exp.Literal.number(v)


def _case(cond: exp.Expr, then: exp.Expr, default: exp.Expr) -> exp.Expression:
    return exp.Case(ifs=[exp.If(this=cond, true=then)], default=default)


def _in_top(pos: str, k: int | None, extra: exp.Expression | None = None) -> exp.Condition:
    conds = [c for c in (extra, None if k is None else exp.LTE(this=exp.column(pos), expression=_num(k)))
             if c is not None]
    return exp.and_(*conds) if conds else exp.true()


def _relevant() -> exp.Expression:
    return exp.GT(this=exp.column(REL), expression=_num(0))


def _dcg(pos: str, k: int | None) -> exp.Expression:
    """SUM of relevance / LN(position + 1) over the top K (the 1/LN(2) of log2 cancels)."""
    gain = exp.Div(this=as_double(exp.column(REL)),
                   expression=exp.Ln(this=exp.Add(this=exp.column(pos), expression=_num(1))))
    return exp.Sum(this=_case(_in_top(pos, k), gain, _num(0)))


def per_query_value(option: str) -> exp.Expression:
    """The per-query aggregate of one ranking value (over level 2's columns)."""
    name, k = parse_option(option)
    if name == "queries":
        return _num(1)
    if name == "ndcg":
        ideal = _dcg(IPOS, k)
        return _case(exp.GT(this=ideal, expression=_num(0)),
                     exp.Div(this=_dcg(POS, k), expression=ideal.copy()), _num(0))
    if name == "mrr":
        rr = exp.Div(this=_num(1.0), expression=as_double(exp.column(POS)))
        return exp.Max(this=_case(_in_top(POS, k, _relevant()), rr, _num(0)))
    # map@K: precision at each relevant position in the top K, over min(K, relevant rows)
    prec = exp.Div(this=as_double(exp.column(HITS)), expression=as_double(exp.column(POS)))
    total = exp.Sum(this=_case(_relevant(), _num(1), _num(0)))
    denom = total if k is None else _case(exp.LT(this=total, expression=_num(k)), total.copy(), _num(k))
    return _case(exp.GT(this=total.copy(), expression=_num(0)),
                 exp.Div(this=exp.Sum(this=_case(_in_top(POS, k, _relevant()), prec, _num(0))),
                         expression=as_double(denom)),
                 _num(0))


def rank_query(model: ModelSpec, connector: Connector, rng: TimeRange | None,
               partials: list[Partial]) -> tuple[exp.Select, Callable[[pa.Table], dict]]:
    """The statement computing every `rank` partial of `partials` (all sharing score,
    relevance, query column and filter) per bucket and segment, and its decoder."""
    first = partials[0]
    assert first.expr is not None and first.expr2 is not None and first.group is not None
    cols = referenced_columns([first.expr, first.expr2, first.group, first.filter])
    rel = model_relation(model, connector, cols, rng).subquery("m")
    bucket = None if model.timestamp is None else connector.dialect.bucket(col(model.timestamp),
                                                                           model.granularity)
    segs = list(model.segments)
    # NaN and infinity sort differently per warehouse: only finite scores and relevances rank
    keep = [exp.Not(this=exp.Is(this=first.group.copy(), expression=exp.Null())),
            finite_condition(first.expr), finite_condition(first.expr2)]
    if first.filter is not None:
        keep.append(first.filter.copy())
    rows = (exp.select(*([bucket.as_(BUCKET)] if bucket is not None else []), *[col(s) for s in segs],
                       first.group.copy().as_(QUERY), first.expr.copy().as_(SCORE),
                       first.expr2.copy().as_(REL))
            .from_(rel).where(exp.and_(*keep)))
    part_keys = [*([BUCKET] if bucket is not None else []), *segs, QUERY]

    def ref(c: str) -> exp.Expression:   # segment columns keep their quoted names at every level
        return col(c) if c in segs else exp.column(c)

    def window(this: exp.Expression, *order: exp.Ordered, frame: bool = False) -> exp.Window:
        spec = exp.WindowSpec(kind="ROWS", start="UNBOUNDED", start_side="PRECEDING",
                              end="CURRENT ROW") if frame else None
        return exp.Window(this=this, partition_by=[ref(c) for c in part_keys],
                          order=exp.Order(expressions=list(order)), spec=spec)

    def by_score() -> list[exp.Ordered]:
        return [exp.Ordered(this=exp.column(SCORE), desc=True), exp.Ordered(this=exp.column(REL))]

    ranked = exp.select(*[ref(c) for c in part_keys], exp.column(REL),
                        window(exp.RowNumber(), *by_score()).as_(POS),
                        window(exp.RowNumber(), exp.Ordered(this=exp.column(REL), desc=True)).as_(IPOS),
                        window(exp.Sum(this=_case(_relevant(), _num(1), _num(0))), *by_score(),
                               frame=True).as_(HITS)
                        ).from_(rows.subquery("r"))
    names = [f"v{i}" for i in range(len(partials))]
    per_query = (exp.select(*[ref(c) for c in part_keys[:-1]],
                            *[per_query_value(p.option).as_(n) for p, n in zip(partials, names)])
                 .from_(ranked.subquery("w")).group_by(*[ref(c) for c in part_keys]))
    outer_keys = [ref(c) for c in part_keys[:-1]]
    tree = exp.select(*outer_keys, *[exp.Sum(this=as_double(exp.column(n))).as_(n) for n in names]
                      ).from_(per_query.subquery("q"))
    if outer_keys:
        tree = tree.group_by(*[c.copy() for c in outer_keys])

    def decode(table: pa.Table) -> dict:
        from telltale.planner.queries import _group_ids   # the bucket/segment decoder the scans use
        out: dict = {}
        if table.num_rows == 0:
            return out
        gid, group_keys = _group_ids(table, model.segments, np.arange(table.num_rows))
        columns = [table.column(n).to_pylist() for n in names]
        for j, g in enumerate(gid.tolist()):
            vals = out.setdefault(group_keys[g], {})
            for p, values in zip(partials, columns):
                vals[p.key] = float(values[j] or 0.0)
        return out

    return tree, decode


def rank_groups(partials: list[Partial]) -> list[list[Partial]]:
    """`rank` partials grouped by what their statement shares (score, relevance, query, filter)."""
    groups: dict[str, list[Partial]] = {}
    for p in partials:
        shared = Partial("rank", p.expr, p.filter, p.expr2, group=p.group)
        groups.setdefault(shared.key, []).append(p)
    return list(groups.values())
