"""A warehouse's SQL differences as data: one `Dialect` value per engine, read by the planner.

Each connector module owns its engine's `DIALECT` (sqlglot style: the differences are
fields, not subclasses). The planner asks the dialect how to take quantiles, sample a
table, bucket time, write a timestamp literal and shape the distribution scan; the
connector asks it how to render a tree (identifier case) and how to name the result's
columns. `docs/connectors.md` has the table of every engine's choices.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import pyarrow as pa
from sqlglot import exp
from sqlglot.expressions.datatypes import DType

Quantile = Literal["approx", "within_group"]
Sample = Literal["row_stride", "seeded", "unseeded", "none"]
Bucket = Literal["cast_date", "date_trunc"]
Scan = Literal["union_all", "grouping_sets"]
Case = Literal["preserve", "upper", "lower"]
TimeLiteral = Literal["cast", "string"]
BooleanNumber = Literal["cast", "via_int"]
ConditionColumns = Literal["any", "boolean"]
FloatOverflow = Literal["raises", "infinity"]

UNQUOTED_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*")
"""A name that can be written without quotes (Snowflake's rule for unquoted identifiers):
only such names are folded by an `upper` engine; any other (a space, a quote, a dot, a
non-ASCII letter) exists only as created quoted, i.e. exactly as written."""

ROW_VECTOR = 2048   # DuckDB's rows per vector: the unit of its deterministic row-stride sample


@dataclass(frozen=True)
class Dialect:
    """How one engine's SQL differs, as plain fields (see `docs/connectors.md`)."""

    name: str
    """The sqlglot dialect the SQL is rendered in."""
    quantile: Quantile = "approx"
    """Bin-edge quantiles: an approximate aggregate (APPROX_QUANTILE, APPROX_PERCENTILE...)
    or the exact `PERCENTILE_CONT(q) WITHIN GROUP (ORDER BY x)`."""
    quantile_columns_per_statement: int | None = None
    """At most this many columns' quantiles in one statement (Redshift rejects
    PERCENTILE_CONT with different ORDER BY columns in one statement: 1); None = no limit."""
    exact_quantile: bool = False
    """An exact QUANTILE_CONT(x, q) aggregate exists (used on deterministic samples)."""
    sample: Sample = "none"
    """How the grid's baseline read is sampled: DuckDB's row stride (deterministic), a
    seeded or unseeded TABLESAMPLE SYSTEM, or none (the whole baseline is read)."""
    day_bucket: Bucket = "date_trunc"
    """A daily bucket as CAST(ts AS DATE) or DATE_TRUNC('DAY', ts)."""
    scan: Scan = "grouping_sets"
    """The distribution statement: UNION ALL of one GROUP BY per key (scalar partials ride
    along, one statement per model and window) or GROUPING SETS."""
    identifier_case: Case = "preserve"
    """How names written in the config are matched: exactly as written (quoted), or as the
    engine resolves an unquoted name (Snowflake: upper case), or sent as written to an engine
    that folds even quoted names to lower case itself (Redshift, unless
    `enable_case_sensitive_identifier`): result columns are matched back to the planner's
    names whatever their case (Redshift; Athena, whose Glue names and result columns are
    lower case). `upper` folds only names that can be written unquoted (`UNQUOTED_NAME`,
    `fold_upper`)."""
    time_literal: TimeLiteral = "cast"
    """A time boundary as CAST('...' AS TIMESTAMP), or a bare string literal that the engine
    coerces to the column's own type (TIMESTAMP, TIMESTAMPTZ, DATETIME or DATE), so the
    comparison needs no cast of the column and partitions still prune."""
    bytes_scanned: bool = False
    """The engine reports bytes scanned per query."""
    boolean_to_number: BooleanNumber = "cast"
    """How a boolean becomes 0/1 to be summed: CAST(b AS DOUBLE), or through INTEGER,
    CAST(CAST(b AS INT) AS DOUBLE), where the engine has no boolean-to-DOUBLE cast
    (PostgreSQL, Redshift). A numeric field cannot live in a boolean column there."""
    condition_columns: ConditionColumns = "any"
    """Which columns a boolean field may be read from: `any` kind that `types.accepts` allows
    (0/1 numbers and 'true'/'false' strings are coerced in conditions), or only BOOLEAN
    columns (PostgreSQL, Redshift: an integer in `AND` or `CASE WHEN` is an error)."""
    float_overflow: FloatOverflow = "raises"
    """What a DOUBLE product beyond the largest finite double gives: an error that fails the
    whole statement (PostgreSQL, Redshift, BigQuery; the default, the safe assumption), or
    ±infinity (DuckDB). Where it raises, a histogram bin takes the tail of a value far beyond
    the grid without the multiply (`Grid.raw_bin_expr`); where it gives infinity the bare
    FLOOR is used (the clamp after aggregation puts ±inf in the tails), a per-row CASE less."""
    bucket_cast: DType | None = None
    """A type the time column is cast to inside a DATE_TRUNC bucket (only there: the time
    filter keeps the bare column). Snowflake: TIMESTAMP_LTZ, so TIMESTAMP_TZ values carrying
    any offset, TIMESTAMP_NTZ and DATE all fall in the session's (UTC) day; DATE_TRUNC of a
    TIMESTAMP_TZ alone truncates in the value's own offset."""

    # -- planner questions ----------------------------------------------------------------

    def quantile_of(self, x: exp.Expression, q: float) -> exp.Expression:
        """The q-quantile aggregate of x."""
        if self.quantile == "within_group":
            return exp.WithinGroup(this=exp.PercentileCont(this=exp.Literal.number(q)),
                                   expression=exp.Order(expressions=[exp.Ordered(this=x)]))
        return exp.ApproxQuantile(this=x, quantile=exp.Literal.number(q))

    def exact_quantile_of(self, x: exp.Expression, q: float) -> exp.Expression:
        """An exact q-quantile (QUANTILE_CONT where it exists, else `quantile_of`)."""
        if self.exact_quantile:
            return exp.Anonymous(this="QUANTILE_CONT", expressions=[x, exp.Literal.number(q)])
        return self.quantile_of(x, q)

    def row_stride(self, percent: float, rowid: exp.Expression) -> exp.Expression | None:
        """A deterministic sample of about `percent` % of a table's rows, or None.

        On DuckDB: one vector of 2048 consecutive rows out of every round(100 / percent),
        `(rowid // 2048) % k = 0`, the same rows whatever the thread count (DuckDB's SYSTEM
        sample with REPEATABLE differs from run to run with several threads)."""
        if self.sample != "row_stride":
            return None
        k = max(1, round(100.0 / percent))
        block = exp.IntDiv(this=rowid, expression=exp.Literal.number(ROW_VECTOR))
        return exp.EQ(this=exp.Mod(this=block, expression=exp.Literal.number(k)),
                      expression=exp.Literal.number(0))

    def table_sample(self, percent: float) -> exp.TableSample | None:
        """A SYSTEM (block) sample of `percent` % of a table, or None."""
        if self.sample not in ("seeded", "unseeded"):
            return None
        seed = exp.Literal.number(0) if self.sample == "seeded" else None
        return exp.TableSample(method=exp.var("SYSTEM"), percent=exp.Literal.number(round(percent, 4)),
                               seed=seed)

    def bucket(self, ts: exp.Expression, granularity: str) -> exp.Expression:
        """The start of a row's time bucket (UTC)."""
        if granularity == "day" and self.day_bucket == "cast_date":
            return exp.cast(ts, exp.DataType.Type.DATE)
        if self.bucket_cast is not None:
            ts = exp.cast(ts, self.bucket_cast)
        return exp.TimestampTrunc(this=ts, unit=exp.var(granularity.upper()))

    def time_value(self, value: datetime) -> exp.Expression:
        """A UTC time boundary to compare a time column with."""
        text = value.strftime("%Y-%m-%d %H:%M:%S")
        if value.microsecond:
            text += f".{value.microsecond:06d}"
        if self.time_literal == "string":
            if text.endswith(" 00:00:00"):
                text = text[:10]      # a date: coerces to DATE columns as well
            return exp.Literal.string(text)
        return exp.cast(exp.Literal.string(text), exp.DataType.Type.TIMESTAMP)

    # -- connector questions ----------------------------------------------------------------

    def render(self, tree: exp.Expression, pretty: bool = False) -> str:
        """The SQL text of a checked tree in this engine's dialect and identifier case.

        sqlglot's generators change some nodes of the tree they render (DuckDB's wraps bitwise
        operands in casts, parenthesizes bracket targets, drops join sides...), and callers
        use the tree again (result names, retries, `compile`), so the caller's tree is copied.
        The upper-case transform already returns a copy of its own: that one is rendered in
        place rather than copied a second time."""
        if self.identifier_case == "upper":
            return tree.transform(_upper_identifier).sql(dialect=self.name, pretty=pretty, copy=False)
        return tree.sql(dialect=self.name, pretty=pretty)

    def result_names(self, table: pa.Table, tree: exp.Expression) -> pa.Table:
        """The result with its columns named as the tree asked (undoing case folding)."""
        if self.identifier_case == "preserve":
            return table
        asked: dict[str, str] = {}
        for ident in tree.find_all(exp.Identifier):
            asked.setdefault(ident.name.upper(), ident.name)
        return table.rename_columns([asked.get(n.upper(), n) for n in table.column_names])


USER_SQL = "telltale_user_sql"
"""`meta` mark on the subquery of a user's `source.sql`: its identifiers are left as written."""


def _upper_identifier(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.Identifier) and node.quoted and not _in_user_sql(node):
        return exp.to_identifier(fold_upper(node.name), quoted=True)
    return node


def fold_upper(name: str) -> str:
    """`name` in upper case when it can be written unquoted (`UNQUOTED_NAME`), else unchanged."""
    return name.upper() if UNQUOTED_NAME.fullmatch(name) else name


def _in_user_sql(node: exp.Expression) -> bool:
    """Inside the user's SELECT (not the alias telltale gives that subquery, which its own
    references such as "P"."ID" must match)."""
    child: exp.Expr = node
    parent = node.parent
    while parent is not None:
        if isinstance(parent, exp.Subquery) and parent.meta.get(USER_SQL):
            return child.arg_key != "alias"
        child, parent = parent, parent.parent
    return False


TRINO = Dialect(name="trino", quantile="approx", sample="unseeded", bytes_scanned=False)
DATABRICKS = Dialect(name="databricks", quantile="approx", sample="seeded")
