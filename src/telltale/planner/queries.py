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

import functools
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any, Callable, Iterable, Mapping

import numpy as np
import pyarrow as pa
from sqlglot import exp

from telltale.connectors.base import Connector
from telltale.planner.capped import TOTAL, cap_values, capped_sets
from telltale.planner.aggsql import as_double, filtered_key, finite_condition, scalar_aggregate
from telltale.planner.columns import Column, combined, fixed_values
from telltale.core.grids import Grid
from telltale.core.partials import Partial, count_rows, expr_key, normalize_value
from telltale.planner.ranking import rank_groups, rank_query
from telltale.planner.relation import col, model_relation, referenced_columns
from telltale.core.segkey import segment_key_of
from telltale.planner.spec import ModelSpec
from telltale.core.timeutil import TimeRange, to_utc

BUCKET = "__bucket"
SET = "__set"
COUNT = "__n"
BucketKey = tuple[datetime, str]
Summaries = dict[BucketKey, dict[str, Any]]


@dataclass(frozen=True)
class PlannedQuery:
    """One query to push down and how to read its result."""

    kind: str                      # "scalar" | "distribution" | "grid"
    tree: exp.Select
    decode: Callable[[pa.Table], Any] = field(compare=False, repr=False)
    fallback: PlannedQuery | None = field(default=None, compare=False, repr=False)
    """Sent only when this query's decoded answer is None (e.g. a bounded look first)."""


OTHER = "__other__"


def category_key(value: Any) -> str | None:
    """A category's dict key: its normalized text, with one backslash added to a value that
    is `__other__` after any backslashes, so a category the data holds as `__other__` is
    never read as the `OTHER` count of the values a cut left out (it reads `\\__other__`)."""
    key = normalize_value(value)
    if key is not None and key.lstrip("\\") == OTHER:
        return "\\" + key
    return key


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


ALL_TIME = datetime(1970, 1, 1, tzinfo=timezone.utc)   # the one "bucket" of a data set without time


def _bucket(model: ModelSpec, connector: Connector) -> exp.Expression | None:
    """The bucket expression, or None for a data set without a time column."""
    if model.timestamp is None:
        return None
    return connector.dialect.bucket(col(model.timestamp), model.granularity)


def _seg_cols(model: ModelSpec) -> list[exp.Expression]:
    return [col(s) for s in model.segments]


def scalar_query(model: ModelSpec, connector: Connector, rng: TimeRange | None,
                 partials: list[Partial]) -> PlannedQuery:
    """One GROUP BY bucket, segments with every scalar partial as a column."""
    cols = referenced_columns([p.expr for p in partials] + [p.filter for p in partials])
    rel = model_relation(model, connector, cols, rng).subquery("m")
    bucket = _bucket(model, connector)
    selects = ([bucket.as_(BUCKET)] if bucket is not None else []) + _seg_cols(model)
    selects += [scalar_aggregate(p).as_(_pname(i)) for i, p in enumerate(partials)]
    tree = exp.select(*selects).from_(rel)
    groups = ([bucket.copy()] if bucket is not None else []) + _seg_cols(model)
    if groups:
        tree = tree.group_by(*groups)

    def decode(table: pa.Table) -> Summaries:
        out: Summaries = {}
        if table.num_rows == 0:
            return out
        gid, group_keys = _group_ids(table, model.segments, np.arange(table.num_rows))
        columns = [table.column(_pname(i)).to_pylist() for i in range(len(partials))]
        for j, g in enumerate(gid.tolist()):
            vals = out.setdefault(group_keys[g], {})
            for p, values in zip(partials, columns):
                vals[p.key] = scalar_value(p, values[j])
        return out

    return PlannedQuery("scalar", tree, decode)


def scalar_value(p: Partial, v: Any) -> Any:
    """A scalar partial's value as returned by a warehouse, in its Python form."""
    if p.kind == "count":
        return int(v or 0)
    if p.kind == "sum":
        return float(v) if v is not None else 0.0
    if v is not None and not isinstance(v, (int, float)):
        return float(v)
    return v


def _dist_keys(p: Partial, grids: Mapping[str, Grid], guard: bool = True) -> list[exp.Expression]:
    assert p.expr is not None, f"{p.key} needs an expression"
    if p.kind == "hist":   # NaN and ±inf have no bin in any dialect: their key is NULL
        raw = grids[p.grid_key].raw_bin_expr(p.expr, guard=guard)
        fin = finite_condition(p.expr)
        if p.filter is not None and expr_key(p.filter) == expr_key(fin):
            return [filtered_key(p, raw)]
        return [filtered_key(p, exp.Case(ifs=[exp.If(this=fin, true=raw)]))]
    if p.kind == "values":
        return [filtered_key(p, p.expr.copy())]
    if p.kind == "crosstab" and p.expr2 is not None:
        return [filtered_key(p, p.expr.copy()), filtered_key(p, p.expr2.copy())]
    raise ValueError(f"{p.kind} is not a distribution partial")


def distribution_query(model: ModelSpec, connector: Connector, rng: TimeRange | None,
                       partials: list[Partial], grids: Mapping[str, Grid],
                       with_total: bool = True, scalars: list[Partial] | None = None) -> PlannedQuery:
    """Counts per bucket, segments and each histogram / value / crosstab key, in one statement.

    Two shapes, chosen by the dialect (`Dialect.scan`): GROUPING SETS (one
    set per key) or UNION ALL of one GROUP BY per key (DuckDB: as fast, and it streams
    instead of materializing every key of every row). Both return the same columns:
    `__set` (the partial's index, -1 for the row-count set), `__bucket`, the segment
    columns, the key columns and `__n`. The key columns are `__k0..__kN`, one per key of each
    set, except on the UNION ALL shape, where every histogram set's bin is in one column,
    `__kh` (each branch is one set). With `with_total`, the (bucket, segments) set gives
    COUNT(*) per bucket, so a run needing only the row count besides distributions scans
    once. Histogram keys are clamped into their tail bins after aggregation, on the small
    grouped result. On the UNION ALL shape, `scalars` (count/sum/min/max partials) ride
    along in the (bucket, segments) branch as columns `__p0..__pM`: one statement for the
    whole run of a model.
    """
    guard = connector.dialect.float_overflow == "raises"   # Grid.raw_bin_expr
    key_exprs: list[list[exp.Expression]] = [_dist_keys(p, grids, guard) for p in partials]
    union_all = connector.dialect.scan == "union_all"
    key_names: list[list[str]] = []
    n = 0
    for p, keys in zip(partials, key_exprs):
        if union_all and p.kind == "hist":   # one branch per set: every histogram's bin in one column
            key_names.append([HIST_KEY])
            continue
        key_names.append([f"__k{n + j}" for j in range(len(keys))])
        n += len(keys)
    all_keys = list(dict.fromkeys(k for names in key_names for k in names))
    clamp = {i: grids[p.grid_key] for i, p in enumerate(partials) if p.kind == "hist"}
    scalars = scalars or []
    if union_all:
        tree = _union_all(model, connector, rng, partials, key_exprs, key_names, all_keys, clamp,
                          with_total or bool(scalars), scalars)
    elif scalars:
        raise ValueError("scalar partials ride along only on the UNION ALL shape")
    else:
        tree = _grouping_sets(model, connector, rng, partials, key_exprs, key_names, all_keys, clamp,
                              with_total)
    capped = capped_sets(partials, key_names)
    if capped:   # capped value counts: cut to their cap inside the warehouse (planner/capped.py)
        bucket = [exp.column(BUCKET)] if model.timestamp is not None else []
        columns = [exp.column(SET), *bucket, *_seg_cols(model), *[exp.column(k) for k in all_keys],
                   exp.column(COUNT)]
        if union_all:
            columns += [exp.column(_pname(j)) for j in range(len(scalars))]
        tree = cap_values(tree, columns, bucket + _seg_cols(model), capped, SET, COUNT)
    kind = "fused" if scalars else "distribution"
    return PlannedQuery(kind, tree, _distribution_decoder(model, partials, key_names,
                                                          with_total or bool(scalars), scalars))


def _pname(j: int) -> str:
    """The result column of the j-th scalar partial."""
    return f"__p{j}"


HIST_KEY = "__kh"
"""The UNION ALL shape's one key column of every histogram set (each branch is one set, so
they share it: a narrower statement and result than one NULL-padded column per set)."""


def _clamped(k: str, grid: Grid | None) -> exp.Expression:
    return exp.column(k) if grid is None else grid.clamp_expr(exp.column(k))


def _grouping_sets(model, connector, rng, partials, key_exprs, key_names, all_keys, clamp, with_total):
    cols = referenced_columns([p.expr for p in partials] + [p.expr2 for p in partials]
                              + [p.filter for p in partials])
    rel = model_relation(model, connector, cols, rng).subquery("m")
    bucket = _bucket(model, connector)
    inner_sel: list[exp.Expression] = ([bucket.as_(BUCKET)] if bucket is not None else []) + _seg_cols(model)
    for keys, names in zip(key_exprs, key_names):
        inner_sel += [k.as_(name) for k, name in zip(keys, names)]
    inner = exp.select(*inner_sel).from_(rel).subquery("s")
    base = ([exp.column(BUCKET)] if bucket is not None else []) + _seg_cols(model)
    sets = [exp.Tuple(expressions=[c.copy() for c in base])] if with_total else []
    sets += [exp.Tuple(expressions=[c.copy() for c in base] + [exp.column(k) for k in names])
             for names in key_names]
    grouped = exp.select(*[c.copy() for c in base], *[exp.column(k) for k in all_keys],
                         *[exp.Grouping(expressions=[exp.column(names[0])]).as_(f"__g{i}")
                           for i, names in enumerate(key_names)],
                         exp.Count(this=exp.Star()).as_(COUNT)).from_(inner)
    grouped.set("group", exp.Group(grouping_sets=[exp.GroupingSets(expressions=sets)]))
    set_id = exp.Case(ifs=[exp.If(this=exp.column(f"__g{i}").eq(0), true=exp.Literal.number(i))
                           for i in range(len(key_names))], default=exp.Literal.number(-1))
    grid_of = {names[0]: clamp[i] for i, names in enumerate(key_names) if i in clamp}
    outer_keys = [_clamped(k, grid_of.get(k)) for k in all_keys]
    return (exp.select(set_id.as_(SET), *[c.copy() for c in base],
                       *[e.as_(k) for e, k in zip(outer_keys, all_keys)],
                       exp.Sum(this=exp.column(COUNT)).as_(COUNT))
            .from_(grouped.subquery("gs"))
            .group_by(set_id.copy(), *[c.copy() for c in base], *[e.copy() for e in outer_keys]))


def _union_all(model, connector, rng, partials, key_exprs, key_names, all_keys, clamp, with_total,
               scalars):
    # every node below is built fresh for the one place it is used, so the builders are
    # called with copy=False (copying the growing UNION ALL cost a deep copy per branch)
    bucket = _bucket(model, connector)
    guard = connector.dialect.float_overflow == "raises"   # Grid.raw_bin_expr

    def bucket_cols() -> list[exp.Expression]:
        return [bucket.copy().as_(BUCKET, copy=False)] if bucket is not None else []

    def bucket_group() -> list[exp.Expression]:
        return ([bucket.copy()] if bucket is not None else []) + _seg_cols(model)

    pnames = [_pname(j) for j in range(len(scalars))]
    branches: list[exp.Select] = []
    if with_total:   # COUNT(*) and the scalar partials per (bucket, segments)
        cols = referenced_columns([q.expr for q in scalars] + [q.filter for q in scalars])
        rel = model_relation(model, connector, cols, rng).subquery("m", copy=False)
        total = exp.select(exp.Literal.number(-1).as_(SET, copy=False), *bucket_cols(), *_seg_cols(model),
                           *[exp.Null().as_(k, copy=False) for k in all_keys],
                           exp.Count(this=exp.Star()).as_(COUNT, copy=False),
                           *[scalar_aggregate(q).as_(n, copy=False) for q, n in zip(scalars, pnames)],
                           copy=False).from_(rel, copy=False)
        groups = bucket_group()
        branches.append(total.group_by(*groups, copy=False) if groups else total)
    targets = [(i, p, key_exprs[i], key_names[i]) for i, p in enumerate(partials)]
    for i, p, keys, names in targets:
        rel = model_relation(model, connector, referenced_columns([p.expr, p.expr2, p.filter]),
                             rng).subquery("m", copy=False)
        where: exp.Expression | None = None
        if keys:
            where = exp.and_(*[exp.Not(this=exp.Is(this=k.copy(), expression=exp.Null())) for k in keys],
                             copy=False)
        if p.kind == "hist" and p.expr is not None:
            # the branch's own WHERE keeps only the finite values its filter selects, so the
            # key per row is the bare bin (a CASE would be evaluated in WHERE, SELECT and GROUP BY)
            keys = [clamp[i].raw_bin_expr(p.expr, guard=guard)]
            where = exp.and_(*[c.copy() for c in (p.filter, finite_condition(p.expr)) if c is not None],
                             copy=False)
        sel = exp.select(exp.Literal.number(i).as_(SET, copy=False), *bucket_cols(), *_seg_cols(model),
                         *[k.copy().as_(name, copy=False) for k, name in zip(keys, names)],
                         exp.Count(this=exp.Star()).as_(COUNT, copy=False), copy=False).from_(rel, copy=False)
        if where is not None:
            sel = sel.where(where, copy=False)
        groups = bucket_group() + [k.copy() for k in keys]
        grouped = sel.group_by(*groups, copy=False) if groups else sel
        outer = [(_clamped(k, clamp.get(i)) if k in names else exp.Null()) for k in all_keys]
        bref = [exp.column(BUCKET)] if bucket is not None else []
        branch = (exp.select(exp.column(SET), *bref, *_seg_cols(model),
                             *[e.as_(k, copy=False) for e, k in zip(outer, all_keys)],
                             exp.Sum(this=exp.column(COUNT)).as_(COUNT, copy=False),
                             *[exp.Null().as_(n, copy=False) for n in pnames], copy=False)
                  .from_(grouped.subquery(f"b{len(branches)}", copy=False), copy=False)
                  .group_by(exp.column(SET), *[b.copy() for b in bref], *_seg_cols(model),
                            *[e.copy() for e, k in zip(outer, all_keys) if k in names], copy=False))
        branches.append(branch)
    tree: exp.Expression = branches[0]
    for b in branches[1:]:
        tree = exp.union(tree, b, distinct=False, copy=False)
    return exp.select("*").from_(tree.subquery("u", copy=False), copy=False)


def _distribution_decoder(model: ModelSpec, partials: list[Partial], key_names: list[list[str]],
                          with_total: bool, scalars: list[Partial]) -> Callable[[pa.Table], Summaries]:
    total = count_rows()

    def decode(table: pa.Table) -> Summaries:
        # column-wise: rows are grouped by (set, bucket, segments) with numpy, and each
        # (group, partial) dict is built from two Python lists in one call
        out: Summaries = {}
        if table.num_rows == 0:
            return out
        # each set's rows side by side (a stable order by set): `perm[lo:hi]` are the rows of
        # one set, and only those rows of its key columns are read (planner/columns.py)
        set_ids = Column(table.column(SET)).take(np.arange(table.num_rows))
        perm = np.argsort(np.array(set_ids, dtype=np.int64), kind="stable")
        set_sorted = np.array(set_ids, dtype=np.int64)[perm]
        gid, group_keys = _group_ids(table, model.segments, perm)
        groups = [out.setdefault(k, {}) for k in group_keys]
        counts = Column(table.column(COUNT))
        key_columns: dict[str, Column] = {}   # the histogram sets share one key column

        def key_column(name: str) -> Column:
            if name not in key_columns:
                key_columns[name] = Column(table.column(name))
            return key_columns[name]

        def span(i: int) -> tuple[int, int]:
            return int(np.searchsorted(set_sorted, i, "left")), int(np.searchsorted(set_sorted, i, "right"))

        def counts_at(rows: np.ndarray) -> list[int]:
            if counts.numeric is not None:
                return counts.numeric[rows].tolist()
            return [int(c or 0) for c in counts.take(rows)]

        if with_total:
            lo, hi = span(-1)
            at = perm[lo:hi]
            pcols = [Column(table.column(_pname(j))).take(at) for j in range(len(scalars))]
            for j, (g, cnt) in enumerate(zip(gid[lo:hi].tolist(), counts_at(at))):
                vals = groups[g]
                vals[total.key] = vals.get(total.key, 0) + int(cnt or 0)
                for q, col_vals in zip(scalars, pcols):
                    vals[q.key] = scalar_value(q, col_vals[j])
        for i, (p, names) in enumerate(zip(partials, key_names)):
            lo, hi = span(i)
            if lo == hi:
                continue
            at = perm[lo:hi]
            key_cols = [key_column(name) for name in names]
            mask = np.ones(hi - lo, dtype=bool)
            for kc in key_cols:   # a null key: a null value, or a row outside the partial's filter
                mask &= kc.valid[at]
            rows = np.flatnonzero(mask)
            if not len(rows):
                continue
            rows = rows[np.argsort(gid[lo:hi][rows], kind="stable")]
            g_of = gid[lo:hi][rows]
            cuts = np.flatnonzero(np.diff(g_of)) + 1
            starts, ends = [0, *cuts.tolist()], [*cuts.tolist(), len(rows)]
            keys = _keys(p, key_cols, at[rows])
            cnts = counts_at(at[rows])
            totals = _totals(table, at[rows]) if p.kind == "values" and p.cap else None
            for a, b in zip(starts, ends):
                vals = groups[int(g_of[a])]
                gkeys, gcnts = keys[a:b], cnts[a:b]
                if totals is not None:   # a capped bucket: the rows of the values it did not keep
                    rest = max(totals[a:b]) - sum(gcnts)
                    if rest > 0:
                        gkeys, gcnts = [*gkeys, OTHER], [*gcnts, rest]
                part = dict(zip(gkeys, gcnts))
                acc = vals.get(p.key)
                if acc is None and len(part) == len(gkeys):
                    vals[p.key] = part
                    continue
                acc = vals.setdefault(p.key, {})   # keys that met after normalizing: summed
                for k, c in zip(gkeys, gcnts):
                    acc[k] = acc.get(k, 0) + c
        for vals in out.values():
            for p in partials:
                vals.setdefault(p.key, {})
                if p.kind == "values" and not p.cap:   # a capped partial was cut in SQL
                    vals[p.key] = top_values(vals[p.key], model.top_values)
        return out

    return decode


def _totals(table: pa.Table, rows: np.ndarray) -> list[int]:
    """The `__tot` column (rows of each capped bucket over all its values) at `rows`."""
    tot = Column(table.column(TOTAL))
    if tot.numeric is not None:
        return [int(v) for v in tot.numeric[rows].tolist()]
    return [int(v or 0) for v in tot.take(rows)]


def _keys(p: Partial, columns: list[Column], rows: np.ndarray) -> list[Any]:
    """A distribution partial's dict keys from its key columns at `rows` (not null there)."""
    if p.kind == "hist":
        nums = columns[0].numeric
        if nums is not None and pa.types.is_floating(columns[0].arr.type):
            bins = nums[rows]     # FLOOR(...) clamped to [-1, bins]: whole numbers, as int() gives
            if bool(np.all(np.isfinite(bins))):
                return bins.astype(np.int64).tolist()
        return [int(k) for k in columns[0].take(rows)]
    if p.kind == "values":
        return [category_key(k) for k in columns[0].take(rows)]
    return [(normalize_value(a), normalize_value(b))
            for a, b in zip(columns[0].take(rows), columns[1].take(rows))]


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_UNIT_US = {"s": (1_000_000, 1), "ms": (1_000, 1), "us": (1, 1), "ns": (1, 1_000)}


def _bucket_ints(arr: Any) -> tuple[np.ndarray, Callable[[int], datetime]]:
    """A bucket column as int64 numpy values and the function turning one back into a UTC datetime.

    Timestamps and dates are read as the integers they are stored as (planner/columns.py),
    so no Arrow-to-Python timestamp conversion runs per row (pyarrow imports pandas for that)."""
    arr = combined(arr)
    t = arr.type
    ints = fixed_values(arr) if arr.null_count == 0 else None
    if ints is not None and pa.types.is_timestamp(t):
        mul, div = _UNIT_US[t.unit]
        return ints.astype(np.int64), lambda v: _EPOCH + timedelta(microseconds=v * mul // div)
    if ints is not None and pa.types.is_date32(t):
        return ints.astype(np.int64), lambda v: _EPOCH + timedelta(days=v)
    if ints is not None and pa.types.is_date64(t):
        return ints.astype(np.int64), lambda v: _EPOCH + timedelta(milliseconds=v)
    values = arr.to_pylist()   # anything else: as the warehouse returned it
    uniq = sorted(set(values), key=repr)
    index = {v: j for j, v in enumerate(uniq)}
    return np.array([index[v] for v in values], dtype=np.int64), lambda j: _bucket_of(uniq[j])


def _nth_bucket(uniq: np.ndarray, to_dt: Callable[[int], datetime], j: int) -> datetime:
    return to_dt(int(uniq[j]))


def _group_ids(table: pa.Table, segments: tuple[str, ...] | list[str],
               perm: np.ndarray) -> tuple[np.ndarray, list[BucketKey]]:
    """Per row, in the order `perm`, the index of its (bucket, segment key) group; and the groups' keys."""
    n = table.num_rows
    codes: list[np.ndarray] = []
    decoders: list[Callable[[int], Any]] = []
    if BUCKET in table.column_names:
        ints, to_dt = _bucket_ints(table.column(BUCKET))
        uniq, inv = np.unique(ints[perm], return_inverse=True)
        codes.append(inv.astype(np.int64))
        decoders.append(functools.partial(_nth_bucket, uniq, to_dt))
    else:
        codes.append(np.zeros(n, dtype=np.int64))
        decoders.append(lambda j: ALL_TIME)
    order = perm.tolist() if segments else []
    for s in segments:
        full = combined(table.column(s)).to_pylist()
        raw = [full[r] for r in order]   # few distinct values: coded in Python (no numpy interop)
        index: dict[Any, int] = {}
        codes.append(np.array([index.setdefault(v, len(index)) for v in raw], dtype=np.int64))
        decoders.append(list(index).__getitem__)
    # one code per row for the whole combination: mixed radix, compacted after each column
    gid = codes[0]
    for c in codes[1:]:
        gid = np.unique(gid * (int(c.max()) + 1) + c, return_inverse=True)[1].reshape(-1)
    first = np.unique(gid, return_index=True)[1]   # group g's first row (gid is dense, 0..G-1)
    keys = []
    for r in first.tolist():
        keys.append((decoders[0](int(codes[0][r])),
                     segment_key_of(segments, [d(int(c[r])) for d, c in zip(decoders[1:], codes[1:])])))
    return gid.astype(np.int64), keys


def count_query(model: ModelSpec, connector: Connector, rng: TimeRange | None) -> PlannedQuery:
    """COUNT(*) over a range (reads only the time column): sizes the grid query's sample."""
    rel = model_relation(model, connector, set(), rng).subquery("m")
    tree = exp.select(exp.Count(this=exp.Star()).as_(COUNT)).from_(rel)
    return PlannedQuery("grid", tree, lambda t: int(t.column(0)[0].as_py() or 0) if t.num_rows else 0)


def grid_query(model: ModelSpec, connector: Connector, rng: TimeRange | None,
               exprs: Mapping[str, exp.Expression], q_lo: float = 0.001,
               q_hi: float = 0.999, sample_percent: float | None = None,
               exact: bool | None = None) -> PlannedQuery:
    """Low/high quantiles and min/max of each numeric expression over the baseline range.

    The bins only need edges near the baseline's 0.1% and 99.9% quantiles, so on a large
    baseline the query reads a block sample of `sample_percent` % of the table.
    """
    keys = sorted(exprs)
    rel = model_relation(model, connector, referenced_columns(exprs.values()), rng,
                         sample_percent).subquery("m")
    selects = []
    # a deterministic row sample gets exact quantiles (an approximate quantile's merge of
    # per-thread states varies from run to run): the same grid on every cold run
    # (`exact=True` asks for exact quantiles on an unsampled read of a small baseline too)
    stride = connector.dialect.sample == "row_stride"
    if exact is None:
        exact = sample_percent is not None and sample_percent < 100 and stride
    exact = exact and stride

    def q_of(e: exp.Expression, q: float) -> exp.Expression:
        if exact:
            return connector.dialect.exact_quantile_of(e, q)
        return connector.dialect.quantile_of(e, q)

    for i, k in enumerate(keys):   # NaN and ±inf have no bin: the grid spans finite values
        e = exp.Case(ifs=[exp.If(this=finite_condition(exprs[k]), true=as_double(exprs[k]))])
        selects += [q_of(e.copy(), q_lo).as_(f"lo{i}"),
                    q_of(e.copy(), q_hi).as_(f"hi{i}"),
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


def grid_queries(model: ModelSpec, connector: Connector, rng: TimeRange | None,
                 exprs: Mapping[str, exp.Expression], **kwargs: Any) -> list[PlannedQuery]:
    """`grid_query` split into as many statements as the dialect needs (Redshift: one
    column's quantiles per statement); each decodes to its own columns' grids."""
    limit = connector.dialect.quantile_columns_per_statement
    keys = sorted(exprs)
    if not limit or len(keys) <= limit:
        return [grid_query(model, connector, rng, exprs, **kwargs)]
    return [grid_query(model, connector, rng, {k: exprs[k] for k in keys[i:i + limit]}, **kwargs)
            for i in range(0, len(keys), limit)]


def _rank_query(model: ModelSpec, connector: Connector, rng: TimeRange | None,
                partials: list[Partial]) -> PlannedQuery:
    tree, decode = rank_query(model, connector, rng, partials)
    return PlannedQuery("rank", tree, decode)


def plan_scans(model: ModelSpec, connector: Connector, rng: TimeRange | None, partials: Iterable[Partial],
               grids: Mapping[str, Grid]) -> list[PlannedQuery]:
    """The fused queries for every partial of one model over one range (one or two scans)."""
    unique = sorted(set(partials), key=lambda p: p.key)
    ranks = [p for p in unique if p.kind == "rank"]
    unique = [p for p in unique if p.kind != "rank"]
    scalars = [p for p in unique if p.is_scalar]
    dists = [p for p in unique if not p.is_scalar and (p.kind != "hist" or p.grid_key in grids)]
    total = count_rows()
    with_total = False
    if dists and scalars == [total]:
        scalars, with_total = [], True      # the row count rides along the distribution scan
    out: list[PlannedQuery] = [_rank_query(model, connector, rng, g) for g in rank_groups(ranks)]
    if scalars and dists and connector.dialect.scan == "union_all":
        return out + [distribution_query(model, connector, rng, dists, grids, True, scalars)]   # one statement
    if scalars:
        out.append(scalar_query(model, connector, rng, scalars))
    if dists:
        out.append(distribution_query(model, connector, rng, dists, grids, with_total))
    return out
