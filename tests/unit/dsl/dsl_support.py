"""Helpers for the metric language tests: schemas, random rows, partials computed in DuckDB."""

from __future__ import annotations

from typing import Iterable

import numpy as np
import pyarrow as pa
from sqlglot import exp

from telltale.metric_dsl import FieldInfo, ModelSchema
from telltale.planner.aggsql import filtered_key, scalar_aggregate
from telltale.core.grids import Grid
from telltale.core.partials import Partial, PartialValues

N_ROWS = 4000
TABLE = "predictions"


def schema_of(model_type: str, **groups: dict[str, tuple[str, str]]) -> ModelSchema:
    """A schema from group -> {field: (column, kind)}."""
    return ModelSchema(model_type, {g: {n: FieldInfo(c, k) for n, (c, k) in fs.items()}
                                    for g, fs in groups.items()})


FEATURES = {
    "income": ("income", "numeric"), "age": ("age", "numeric"),
    "region": ("region", "categorical"), "has_car": ("has_car", "boolean"),
    "annual premium": ("annual premium", "numeric"),
}

ARROW_TYPES = {
    "income": "float64", "age": "int32", "region": "string", "has_car": "bool",
    "annual premium": "float64", "score": "float64", "approved": "bool", "defaulted": "bool",
    "label01": "int32", "price": "float64", "price_actual": "float64", "mc_pred": "string",
    "mc_actual": "string",
}


def make_rows(n: int = N_ROWS, seed: int = 7) -> pa.Table:
    """Random rows with nulls in every column."""
    rng = np.random.default_rng(seed)

    def with_nulls(values: np.ndarray, share: float) -> list:
        mask = rng.random(len(values)) < share
        return [None if m else v.item() if hasattr(v, "item") else v for v, m in zip(values, mask)]

    score = rng.beta(2, 3, n)
    latent = rng.random(n) < score                        # labels correlated with the score
    classes = np.array(["cat", "dog", "bird"])
    truth = rng.choice(classes, n, p=[0.5, 0.3, 0.2])
    guess = np.where(rng.random(n) < 0.7, truth, rng.choice(classes, n))
    price = rng.gamma(3.0, 40.0, n)
    actual = price + rng.normal(0, 15, n)
    actual[rng.random(n) < 0.03] = 0.0                    # some zero labels (mape skips them)
    cols = {
        "income": with_nulls(rng.normal(50_000, 12_000, n), 0.05),
        "age": with_nulls(rng.integers(18, 90, n), 0.02),
        "region": with_nulls(rng.choice(["EU", "US", "APAC"], n, p=[0.5, 0.3, 0.2]), 0.04),
        "has_car": with_nulls(rng.random(n) < 0.6, 0.03),
        "annual premium": with_nulls(rng.gamma(2.0, 300.0, n), 0.05),
        "score": with_nulls(score, 0.02),
        "approved": with_nulls(score >= 0.45, 0.02),
        "defaulted": with_nulls(latent, 0.1),
        "label01": with_nulls(latent.astype(np.int64), 0.1),
        "price": with_nulls(price, 0.02),
        "price_actual": with_nulls(actual, 0.1),
        "mc_pred": with_nulls(guess, 0.03),
        "mc_actual": with_nulls(truth, 0.08),
    }
    return pa.table({k: pa.array(v, type=pa.type_for_alias(ARROW_TYPES[k])) for k, v in cols.items()})


def _sql(tree: exp.Expression) -> str:
    return tree.sql(dialect="duckdb")


def grid_for(con, expr: exp.Expression, bins: int = 256) -> Grid:
    """The grid the planner would make: baseline 0.1% / 99.9% quantiles, min and max."""
    q = exp.select(
        exp.func("quantile_cont", expr.copy(), exp.Literal.number(0.001)),
        exp.func("quantile_cont", expr.copy(), exp.Literal.number(0.999)),
        exp.Min(this=expr.copy()), exp.Max(this=expr.copy())).from_(TABLE)
    lo, hi, mn, mx = con.execute(_sql(q)).fetchone()
    return Grid.from_quantiles(lo, hi, mn, mx, bins)


def partial_values(con, partials: Iterable[Partial]) -> PartialValues:
    """Every partial computed straight from the table (scalars in one SELECT, the rest grouped)."""
    partials = list({p.key: p for p in partials}.values())
    values: dict = {}
    grids: dict = {}
    scalars = [p for p in partials if p.is_scalar]
    if scalars:
        tree = exp.select(*[scalar_aggregate(p).as_(f"p{i}") for i, p in enumerate(scalars)]).from_(TABLE)
        row = con.execute(_sql(tree)).fetchone()
        for p, v in zip(scalars, row):
            values[p.key] = (0 if v is None else int(v)) if p.kind == "count" else (
                (0.0 if v is None else float(v)) if p.kind == "sum" else v)
    for p in partials:
        if p.is_scalar:
            continue
        if p.kind == "hist":
            grid = grids.setdefault(p.grid_key, grid_for(con, p.expr))
            # DuckDB reads the grid's scale literal as a DECIMAL: bin a DOUBLE so an integer
            # column cannot overflow DECIMAL(18)
            keys = [filtered_key(p, grid.bin_expr(exp.cast(p.expr.copy(), exp.DataType.Type.DOUBLE)))]
        elif p.kind == "values":
            keys = [filtered_key(p, p.expr.copy())]
        else:
            keys = [filtered_key(p, p.expr.copy()), filtered_key(p, p.expr2.copy())]
        names = [f"k{i}" for i in range(len(keys))]
        tree = (exp.select(*[k.as_(n) for k, n in zip(keys, names)], exp.Count(this=exp.Star()).as_("n"))
                .from_(TABLE).group_by(*[exp.column(n) for n in names]))
        out: dict = {}
        for *ks, n in con.execute(_sql(tree)).fetchall():
            if any(k is None for k in ks):
                continue
            if p.kind == "hist":
                out[int(ks[0])] = n
            elif p.kind == "values":
                out[str(ks[0])] = n
            else:
                out[(str(ks[0]), str(ks[1]))] = n
        values[p.key] = out
    return PartialValues(values, grids)

