"""Fused pushdown queries: every partial of one model and time range in as few scans as possible.

Two query shapes, both grouped by time bucket and segment columns:

* the scalar scan: one GROUP BY with every count/sum/min/max partial as a column;
* the distribution scan: GROUPING SETS with one set per histogram/value-count/crosstab
  key, so N histograms cost one scan (the bin of a value is a FLOOR of a multiply-add;
  tail bins are clamped after aggregation, on the small grouped result).

Only small per-bucket summaries come back. The decoder turns the Arrow results into
`{(bucket_start, segment_key): {partial_key: value}}`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Callable, Iterable, Mapping

import pyarrow as pa
from sqlglot import exp

from telltale.connectors.base import Connector
from telltale.planner.aggsql import filtered_key, scalar_aggregate
from telltale.planner.dialects import bucket_expr, quantile
from telltale.planner.edges import Grid
from telltale.planner.partials import Partial, count_rows, merge_values
from telltale.planner.relation import col, model_relation, referenced_columns
from telltale.planner.spec import ModelSpec
from telltale.timeutil import TimeRange, to_utc

BUCKET = "__bucket"
COUNT = "__n"
BucketKey = tuple[datetime, str]
Summaries = dict[BucketKey, dict[str, Any]]


@dataclass(frozen=True)
class PlannedQuery:
    """One query to push down and how to read its result."""

    kind: str                      # "scalar" | "distribution" | "grid"
    tree: exp.Select
    decode: Callable[[pa.Table], Any] = field(compare=False, repr=False)


def normalize_value(v: Any) -> str | None:
    """A category or segment value as stable text across warehouses."""
    if v is None:
        return None
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else repr(v)
    if isinstance(v, datetime):
        return to_utc(v).isoformat()
    if isinstance(v, date):
        return v.isoformat()
    return str(v)


def segment_key_of(segments: tuple[str, ...], values: Iterable[Any]) -> str:
    """`col=value,...` over every segment column (sorted by column), "" when none."""
    pairs = sorted(zip(segments, values))
    return ",".join(f"{c}={'null' if v is None else normalize_value(v)}" for c, v in pairs)


OTHER = "__other__"


def top_values(counts: dict[str, int], n: int) -> dict[str, int]:
    """The `n` most frequent categories; the rest are summed under `__other__`."""
    if len(counts) <= n:
        return counts
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))
    kept = dict(ranked[:n])
    kept[OTHER] = kept.get(OTHER, 0) + sum(v for _, v in ranked[n:])
    return kept


def _bucket_of(v: Any) -> datetime:
    if isinstance(v, datetime):
        return to_utc(v)
    if isinstance(v, date):
        return to_utc(datetime(v.year, v.month, v.day))
    raise TypeError(f"unexpected bucket value {v!r}")


def _seg_cols(model: ModelSpec) -> list[exp.Expression]:
    return [col(s) for s in model.segments]


def scalar_query(model: ModelSpec, connector: Connector, rng: TimeRange,
                 partials: list[Partial]) -> PlannedQuery:
    """One GROUP BY bucket, segments with every scalar partial as a column."""
    cols = referenced_columns([p.expr for p in partials] + [p.filter for p in partials])
    rel = model_relation(model, connector, cols, rng).subquery("m")
    bucket = bucket_expr(col(model.timestamp), model.granularity, connector.dialect)
    selects = [bucket.as_(BUCKET)] + _seg_cols(model)
    selects += [scalar_aggregate(p).as_(f"p{i}") for i, p in enumerate(partials)]
    tree = exp.select(*selects).from_(rel).group_by(bucket.copy(), *_seg_cols(model))

    def decode(table: pa.Table) -> Summaries:
        out: Summaries = {}
        for row in table.to_pylist():
            key = (_bucket_of(row[BUCKET]), segment_key_of(model.segments, [row[s] for s in model.segments]))
            vals = out.setdefault(key, {})
            for i, p in enumerate(partials):
                v = row[f"p{i}"]
                if p.kind == "count":
                    v = int(v or 0)
                elif p.kind == "sum":
                    v = float(v) if v is not None else 0.0
                elif v is not None and not isinstance(v, (int, float)):
                    v = float(v)
                vals[p.key] = v
        return out

    return PlannedQuery("scalar", tree, decode)


def _dist_keys(p: Partial, grids: Mapping[str, Grid]) -> list[exp.Expression]:
    if p.kind == "hist":
        grid = grids[p.grid_key]
        scale = grid.bins / (grid.hi - grid.lo)
        raw = exp.Floor(this=exp.Mul(
            this=exp.paren(exp.Sub(this=exp.cast(p.expr.copy(), exp.DataType.Type.DOUBLE),
                                   expression=_num(grid.lo))),
            expression=_num(scale)))
        return [filtered_key(p, raw)]
    if p.kind == "values":
        return [filtered_key(p, p.expr.copy())]
    if p.kind == "crosstab":
        return [filtered_key(p, p.expr.copy()), filtered_key(p, p.expr2.copy())]
    raise ValueError(f"{p.kind} is not a distribution partial")


def _num(value: float) -> exp.Expression:
    if value < 0:
        return exp.Neg(this=exp.Literal.number(repr(float(-value))))
    return exp.Literal.number(repr(float(value)))


def distribution_query(model: ModelSpec, connector: Connector, rng: TimeRange,
                       partials: list[Partial], grids: Mapping[str, Grid],
                       with_total: bool = True) -> PlannedQuery:
    """GROUPING SETS over bucket, segments and each histogram / value / crosstab key.

    With `with_total`, one more set (bucket, segments) gives COUNT(*) per bucket, so a run
    that needs only the row count besides distributions scans once.
    """
    cols = referenced_columns([p.expr for p in partials] + [p.expr2 for p in partials]
                              + [p.filter for p in partials])
    rel = model_relation(model, connector, cols, rng).subquery("m")
    bucket = bucket_expr(col(model.timestamp), model.granularity, connector.dialect)
    inner_sel: list[exp.Expression] = [bucket.as_(BUCKET)] + _seg_cols(model)
    key_names: list[list[str]] = []
    n = 0
    for p in partials:
        names = []
        for key in _dist_keys(p, grids):
            inner_sel.append(key.as_(f"k{n}"))
            names.append(f"k{n}")
            n += 1
        key_names.append(names)
    inner = exp.select(*inner_sel).from_(rel).subquery("s")
    base = [exp.column(BUCKET)] + _seg_cols(model)
    sets = [exp.Tuple(expressions=[c.copy() for c in base])] if with_total else []
    sets += [exp.Tuple(expressions=[c.copy() for c in base] + [exp.column(k) for k in names])
             for names in key_names]
    all_keys = [k for names in key_names for k in names]
    grouped = exp.select(*[c.copy() for c in base], *[exp.column(k) for k in all_keys],
                         *[exp.Grouping(expressions=[exp.column(k)]).as_(f"g{k[1:]}") for k in all_keys],
                         exp.Count(this=exp.Star()).as_(COUNT)).from_(inner)
    grouped.set("group", exp.Group(grouping_sets=[exp.GroupingSets(expressions=sets)]))
    # clamp histogram keys into their tail bins on the small grouped result
    outer_keys: list[exp.Expression] = []
    for p, names in zip(partials, key_names):
        for k in names:
            if p.kind == "hist":
                bins = grids[p.grid_key].bins
                outer_keys.append(exp.Greatest(this=exp.Least(this=exp.column(k), expressions=[
                    exp.Literal.number(bins)]), expressions=[exp.Literal.number(-1)]))
            else:
                outer_keys.append(exp.column(k))
    flags = [exp.column(f"g{k[1:]}") for k in all_keys]
    tree = (exp.select(*[c.copy() for c in base], *[e.as_(k) for e, k in zip(outer_keys, all_keys)],
                       *flags, exp.Sum(this=exp.column(COUNT)).as_(COUNT))
            .from_(grouped.subquery("gs"))
            .group_by(*[c.copy() for c in base], *[e.copy() for e in outer_keys], *[f.copy() for f in flags]))
    total = count_rows()

    def decode(table: pa.Table) -> Summaries:
        # column-wise: one filter per grouping set, then plain Python lists
        import pyarrow.compute as pc

        out: Summaries = {}

        def rows_where(mask: pa.Array, names: list[str]):
            sub = table.filter(mask)
            keys = [sub.column(k).to_pylist() for k in names]
            buckets = sub.column(BUCKET).to_pylist()
            segs = [sub.column(sname).to_pylist() for sname in model.segments]
            counts = sub.column(COUNT).to_pylist()
            for j, bucket in enumerate(buckets):
                key = (_bucket_of(bucket), segment_key_of(model.segments, [c[j] for c in segs]))
                yield out.setdefault(key, {}), [k[j] for k in keys], int(counts[j])

        flags = {names[0]: table.column(f"g{names[0][1:]}") for names in key_names}
        if with_total:
            not_total = None
            for f in flags.values():
                m = pc.equal(f, 0)
                not_total = m if not_total is None else pc.or_(not_total, m)
            mask = pc.invert(not_total) if not_total is not None else pa.array([True] * table.num_rows)
            for vals, _, cnt in rows_where(mask, []):
                vals[total.key] = vals.get(total.key, 0) + cnt
        for p, names in zip(partials, key_names):
            mask = pc.equal(flags[names[0]], 0)
            for k in names:   # a null key: a null value, or a row outside the partial's filter
                mask = pc.and_(mask, pc.is_valid(table.column(k)))
            for vals, ks, cnt in rows_where(pc.fill_null(mask, False), names):
                acc = vals.setdefault(p.key, {})
                if p.kind == "hist":
                    k: Any = int(ks[0])
                elif p.kind == "values":
                    k = normalize_value(ks[0])
                else:
                    k = (normalize_value(ks[0]), normalize_value(ks[1]))
                acc[k] = acc.get(k, 0) + cnt
        for vals in out.values():
            for p in partials:
                vals.setdefault(p.key, {})
                if p.kind == "values":
                    vals[p.key] = top_values(vals[p.key], model.top_values)
        return out

    return PlannedQuery("distribution", tree, decode)


def count_query(model: ModelSpec, connector: Connector, rng: TimeRange) -> PlannedQuery:
    """COUNT(*) over a range (reads only the time column): sizes the grid query's sample."""
    rel = model_relation(model, connector, set(), rng).subquery("m")
    tree = exp.select(exp.Count(this=exp.Star()).as_(COUNT)).from_(rel)
    return PlannedQuery("grid", tree, lambda t: int(t.column(0)[0].as_py() or 0) if t.num_rows else 0)


def grid_query(model: ModelSpec, connector: Connector, rng: TimeRange,
               exprs: Mapping[str, exp.Expression], q_lo: float = 0.001,
               q_hi: float = 0.999, sample_percent: float | None = None) -> PlannedQuery:
    """Low/high quantiles and min/max of each numeric expression over the baseline range.

    The bins only need edges near the baseline's 0.1% and 99.9% quantiles, so on a large
    baseline the query reads a block sample of `sample_percent` % of the table.
    """
    keys = sorted(exprs)
    rel = model_relation(model, connector, referenced_columns(exprs.values()), rng,
                         sample_percent).subquery("m")
    selects = []
    for i, k in enumerate(keys):
        e = exprs[k]
        selects += [quantile(connector.dialect, e.copy(), q_lo).as_(f"lo{i}"),
                    quantile(connector.dialect, e.copy(), q_hi).as_(f"hi{i}"),
                    exp.Min(this=e.copy()).as_(f"mn{i}"), exp.Max(this=e.copy()).as_(f"mx{i}")]
    tree = exp.select(*selects).from_(rel)

    def decode(table: pa.Table) -> dict[str, Grid | None]:
        row = table.to_pylist()[0] if table.num_rows else {}
        out: dict[str, Grid | None] = {}
        for i, k in enumerate(keys):
            vals = [row.get(f"{p}{i}") for p in ("lo", "hi", "mn", "mx")]
            if vals[2] is None:
                out[k] = None  # no data yet: the grid is made on a later run
                continue
            lo, hi, mn, mx = (float(v) if v is not None else None for v in vals)
            out[k] = Grid.from_quantiles(lo, hi, mn, mx, model.histogram_bins)
        return out

    return PlannedQuery("grid", tree, decode)


def plan_scans(model: ModelSpec, connector: Connector, rng: TimeRange, partials: Iterable[Partial],
               grids: Mapping[str, Grid]) -> list[PlannedQuery]:
    """The fused queries for every partial of one model over one range (one or two scans)."""
    unique = sorted(set(partials), key=lambda p: p.key)
    scalars = [p for p in unique if p.is_scalar]
    dists = [p for p in unique if not p.is_scalar and (p.kind != "hist" or p.grid_key in grids)]
    total = count_rows()
    with_total = False
    if dists and scalars == [total]:
        scalars, with_total = [], True      # the row count rides along the distribution scan
    out: list[PlannedQuery] = []
    if scalars:
        out.append(scalar_query(model, connector, rng, scalars))
    if dists:
        out.append(distribution_query(model, connector, rng, dists, grids, with_total))
    return out
