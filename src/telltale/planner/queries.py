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
    bucket = bucket_expr(col(model.timestamp), model.granularity)
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
                       partials: list[Partial], grids: Mapping[str, Grid]) -> PlannedQuery:
    """GROUPING SETS over bucket, segments and each histogram / value / crosstab key."""
    cols = referenced_columns([p.expr for p in partials] + [p.expr2 for p in partials]
                              + [p.filter for p in partials])
    rel = model_relation(model, connector, cols, rng).subquery("m")
    bucket = bucket_expr(col(model.timestamp), model.granularity)
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
    sets = [exp.Tuple(expressions=[c.copy() for c in base])]
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
        out: Summaries = {}
        for row in table.to_pylist():
            key = (_bucket_of(row[BUCKET]), segment_key_of(model.segments, [row[s] for s in model.segments]))
            vals = out.setdefault(key, {})
            cnt = int(row[COUNT])
            active = [i for i, names in enumerate(key_names) if row[f"g{names[0][1:]}"] == 0]
            if not active:
                vals[total.key] = vals.get(total.key, 0) + cnt
                continue
            p = partials[active[0]]
            names = key_names[active[0]]
            ks = [row[k] for k in names]
            if any(k is None for k in ks):
                continue  # null value or outside the partial's filter
            if p.kind == "hist":
                entry: Any = {int(ks[0]): cnt}
            elif p.kind == "values":
                entry = {normalize_value(ks[0]): cnt}
            else:
                entry = {(normalize_value(ks[0]), normalize_value(ks[1])): cnt}
            vals[p.key] = merge_values(p.kind, vals.get(p.key, {}), entry)
        for vals in out.values():
            for p in partials:
                vals.setdefault(p.key, {})
        return out

    return PlannedQuery("distribution", tree, decode)


def grid_query(model: ModelSpec, connector: Connector, rng: TimeRange,
               exprs: Mapping[str, exp.Expression], q_lo: float = 0.001,
               q_hi: float = 0.999) -> PlannedQuery:
    """Low/high quantiles and min/max of each numeric expression over the baseline range."""
    keys = sorted(exprs)
    rel = model_relation(model, connector, referenced_columns(exprs.values()), rng).subquery("m")
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
    out: list[PlannedQuery] = []
    if scalars:
        out.append(scalar_query(model, connector, rng, scalars))
    if dists:
        out.append(distribution_query(model, connector, rng, dists, grids))
    return out
