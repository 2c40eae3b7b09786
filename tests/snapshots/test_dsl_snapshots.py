"""Dialect snapshots of the SQL the metric language pushes down.

A representative set of metrics (filters, every aggregate kind, binary / multiclass /
regression metrics) is compiled; their scalar partials become one fused
`SELECT ... FROM "predictions"`, their distribution partials one GROUP BY query each.
Both are rendered in 8 dialects and compared with the files under
tests/snapshots/<dialect>/; every snapshot must parse back in its dialect, and the DuckDB
one runs against a real DuckDB table.

Regenerate after an intended change with:  TELLTALE_UPDATE_SNAPSHOTS=1 pytest tests/snapshots
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import sqlglot
from sqlglot import exp
from telltale.metric_dsl import ModelSchema, all_partials, compile_expression

from telltale.planner.aggsql import filtered_key, scalar_aggregate
from telltale.core.grids import Grid
from telltale.core.partials import Partial

HERE = Path(__file__).parent
DIALECTS = ("duckdb", "postgres", "redshift", "snowflake", "bigquery", "athena", "trino", "databricks")
UPDATE = os.environ.get("TELLTALE_UPDATE_SNAPSHOTS") == "1"
TABLE = "predictions"

FEATURES = {"income": "numeric", "age": "numeric", "region": "categorical", "has_car": "boolean",
            "annual premium": "numeric"}
BINARY = ModelSchema.from_kinds("binary", features=FEATURES,
                                predictions={"score": "numeric", "approved": "boolean"},
                                actuals={"defaulted": "boolean", "label01": "numeric"})
REGRESSION = ModelSchema.from_kinds("regression", features=FEATURES, predictions={"price": "numeric"},
                                    actuals={"price_actual": "numeric"})
MULTICLASS = ModelSchema.from_kinds("multiclass", features=FEATURES, predictions={"mc_pred": "categorical"},
                                    actuals={"mc_actual": "categorical"})

METRICS: tuple[tuple[str, ModelSchema], ...] = (
    ("sum(features.income[features.has_car == True]) / prediction_count()", BINARY),
    ('mean(features.`annual premium`[features.region in ("EU", "US")])', BINARY),
    ("stddev(features.age) + min(features.income) - max(features.income)", BINARY),
    ("missing_ratio(features.income[features.age >= 30 or features.region is None])", BINARY),
    ('count([not features.has_car and features.region not in ("APAC")])', BINARY),
    ("actuals_ratio()", BINARY),
    ("f1(predictions.score, actuals.label01, threshold=0.7)", BINARY),
    ("accuracy", BINARY),
    ("log_loss", BINARY),
    ("auc_roc", BINARY),
    ("median(features.income)", BINARY),
    ("count_distinct(features.region[features.has_car])", BINARY),
    ("mae + rmse + mape + r2", REGRESSION),
    ('f1(average="weighted") + precision(class="cat")', MULTICLASS),
)
GRID = Grid(0.0, 100_000.0, 256)


def partials() -> tuple[Partial, ...]:
    """Every partial of the representative metrics, deduplicated."""
    return all_partials(compile_expression(text, schema) for text, schema in METRICS)


def scalar_query() -> exp.Select:
    """One fused SELECT of every scalar partial."""
    scalars = [p for p in partials() if p.is_scalar]
    return exp.select(*[scalar_aggregate(p).as_(f"p{i}") for i, p in enumerate(scalars)]).from_(
        exp.table_(TABLE, quoted=True))


def distribution_queries() -> list[exp.Select]:
    """One GROUP BY per histogram / values / crosstab partial."""
    out = []
    for p in partials():
        if p.is_scalar:
            continue
        if p.kind == "hist":   # the planner's shape: FLOOR((x - lo) * scale), tails clamped later
            raw = exp.Floor(this=exp.Mul(
                this=exp.paren(exp.Sub(this=p.expr.copy(), expression=exp.Literal.number(GRID.lo))),
                expression=exp.Literal.number(GRID.bins / (GRID.hi - GRID.lo))))
            keys = [filtered_key(p, raw)]
        elif p.kind == "values":
            keys = [filtered_key(p, p.expr.copy())]
        else:
            keys = [filtered_key(p, p.expr.copy()), filtered_key(p, p.expr2.copy())]
        names = [f"k{i}" for i in range(len(keys))]
        out.append(exp.select(*[k.as_(n) for k, n in zip(keys, names)],
                              exp.Count(this=exp.Star()).as_("n"))
                   .from_(exp.table_(TABLE, quoted=True)).group_by(*[exp.column(n) for n in names]))
    return out


def render(dialect: str) -> dict[str, str]:
    """Snapshot file name -> SQL text in `dialect`."""
    scalar = scalar_query().sql(dialect=dialect, pretty=True) + ";\n"
    dist = ";\n\n".join(q.sql(dialect=dialect, pretty=True) for q in distribution_queries()) + ";\n"
    return {"dsl_scalar.sql": scalar, "dsl_distributions.sql": dist}


@pytest.mark.parametrize("dialect", DIALECTS)
def test_snapshot_matches_and_parses_back(dialect):
    for fname, sql in render(dialect).items():
        path = HERE / dialect / fname
        if UPDATE:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(sql, encoding="utf-8")
        assert path.exists(), f"missing snapshot {path}; run with TELLTALE_UPDATE_SNAPSHOTS=1"
        stored = path.read_text(encoding="utf-8")
        assert stored == sql, (f"{path} differs from the SQL compiled now; if the change is "
                               "intended, rerun with TELLTALE_UPDATE_SNAPSHOTS=1")
        statements = [s for s in sqlglot.parse(stored, read=dialect) if s is not None]
        assert statements and all(isinstance(s, exp.Select) for s in statements), path


def test_snapshot_covers_every_partial_kind():
    kinds = {p.kind for p in partials()}
    assert kinds == {"count", "sum", "min", "max", "hist", "values", "crosstab"}


def test_duckdb_snapshot_runs():
    duckdb = pytest.importorskip("duckdb")
    con = duckdb.connect(":memory:")
    con.execute(f"""CREATE TABLE {TABLE} AS SELECT
        i * 37.5 AS income, 18 + i % 70 AS age,
        CASE i % 4 WHEN 0 THEN 'EU' WHEN 1 THEN 'US' WHEN 2 THEN 'APAC' ELSE NULL END AS region,
        i % 3 = 0 AS has_car, 100.0 + i AS "annual premium", (i % 100) / 100.0 AS score,
        i % 2 = 0 AS approved, i % 5 < 2 AS defaulted, (i % 5 < 2)::INTEGER AS label01,
        10.0 + i AS price, CASE WHEN i % 10 = 0 THEN 0.0 ELSE 12.0 + i END AS price_actual,
        CASE i % 3 WHEN 0 THEN 'cat' WHEN 1 THEN 'dog' ELSE 'bird' END AS mc_pred,
        CASE i % 4 WHEN 0 THEN 'cat' WHEN 1 THEN 'dog' ELSE 'bird' END AS mc_actual
        FROM range(500) t(i)""")
    stored = (HERE / "duckdb" / "dsl_scalar.sql").read_text(encoding="utf-8")
    row = con.execute(stored).fetchone()
    scalars = [p for p in partials() if p.is_scalar]
    assert len(row) == len(scalars)
    assert row[[p.key for p in scalars].index("count|*")] == 500
    for statement in (HERE / "duckdb" / "dsl_distributions.sql").read_text(encoding="utf-8").split(";\n\n"):
        assert con.execute(statement.rstrip().rstrip(";")).fetchall()
