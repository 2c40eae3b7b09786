"""The model relation: the prediction rows (with labels joined when they live elsewhere)."""

from __future__ import annotations

from sqlglot import exp

from telltale.connectors.base import Connector
from telltale.connectors.dialect import Dialect
from telltale.connectors.relations import aliased
from telltale.planner.spec import LABEL_ROWS, ActualsSpec, ModelSpec
from telltale.core.timeutil import TimeRange


def col(name: str, table: str | None = None) -> exp.Column:
    """A quoted column reference."""
    return exp.column(name, table=exp.to_identifier(table, quoted=True) if table else None, quoted=True)


def time_filter(ts: exp.Expression, rng: TimeRange, dialect: Dialect) -> exp.Condition:
    """`ts >= start AND ts < end`: the bare column against literals, so partitions prune."""
    return exp.and_(exp.GTE(this=ts.copy(), expression=dialect.time_value(rng.start)),
                    exp.LT(this=ts, expression=dialect.time_value(rng.end)))


def referenced_columns(exprs) -> set[str]:
    """Names of the columns a set of sqlglot expressions reads."""
    names: set[str] = set()
    for e in exprs:
        if e is None:
            continue
        for c in e.find_all(exp.Column):
            names.add(c.name)
    return names


LABEL_RANK = "__telltale_label_rank"


def labels_relation(actuals: ActualsSpec, connector: Connector, columns: set[str]) -> exp.Subquery:
    """One label per prediction id, as of the run, with the number of label rows it had.

    `SELECT id, cols, ROW_NUMBER() OVER (PARTITION BY id ORDER BY ts DESC NULLS LAST,
    label columns DESC NULLS LAST) AS rank, COUNT(*) OVER (PARTITION BY id) AS rows
    FROM labels WHERE ts <= as_of OR ts IS NULL`: the caller joins on `rank = 1`, so a
    prediction never matches more than one label row (window functions, portable to every
    supported dialect). `columns` are the label columns to project (LABEL_ROWS included
    when asked for).
    """
    lid = col(actuals.id)
    order: list[exp.Expression] = []
    if actuals.timestamp:
        order.append(exp.Ordered(this=col(actuals.timestamp), desc=True, nulls_first=False))
    order += [exp.Ordered(this=col(c), desc=True, nulls_first=False)
              for c in actuals.columns if c != actuals.id]
    if not order:
        order = [exp.Ordered(this=lid.copy())]
    rank = exp.Window(this=exp.RowNumber(), partition_by=[lid.copy()], order=exp.Order(expressions=order))
    rows = exp.Window(this=exp.Count(this=exp.Star()), partition_by=[lid.copy()])
    projections: list[exp.Expression] = [lid.copy()]
    projections += [col(c) for c in sorted(columns - {LABEL_ROWS, actuals.id})]
    projections += [exp.Alias(this=rank, alias=exp.to_identifier(LABEL_RANK, quoted=True)),
                    exp.Alias(this=rows, alias=exp.to_identifier(LABEL_ROWS, quoted=True))]
    sel = exp.select(*projections).from_(aliased(connector.relation(actuals.source), "l0"))
    if actuals.timestamp and actuals.as_of is not None:
        ts = col(actuals.timestamp)
        sel = sel.where(exp.or_(exp.LTE(this=ts, expression=connector.dialect.time_value(actuals.as_of)),
                                exp.Is(this=ts.copy(), expression=exp.Null())))
    return sel.subquery(exp.to_identifier("l", quoted=True))


def model_relation(model: ModelSpec, connector: Connector, columns: set[str],
                   rng: TimeRange | None, sample_percent: float | None = None) -> exp.Select:
    """SELECT of the needed columns over the time range (None: every row, as of a training
    set), with labels joined if separate.

    Labels kept in another table are LEFT JOINed on id through `labels_relation`: at most
    one label per prediction (the latest as of the run), so duplicates never multiply
    rows. Every column is projected under its own name, so partial expressions (which use
    bare column names) read the joined relation unchanged.
    """
    needed = set(columns) | set(model.segments) | ({model.timestamp} if model.timestamp else set())
    source = aliased(connector.relation(model.source), "p")
    stride: exp.Expression | None = None
    if sample_percent is not None and sample_percent < 100 and isinstance(source, exp.Table) \
            and isinstance(source.this, exp.Identifier):
        stride = connector.dialect.row_stride(sample_percent, col("rowid", "p"))
        sample = connector.dialect.table_sample(sample_percent) if stride is None else None
        if sample is not None:
            source.set("sample", sample)
    if model.actuals is None or not (needed & model.actual_columns):
        needed.discard(LABEL_ROWS)
        cols: list[exp.Expression] = [col(c) for c in sorted(needed)]
        cols = cols or [exp.alias_(exp.Literal.number(1), "__one")]  # type: ignore[list-item]  # COUNT(*) alone
        sel = exp.select(*cols).from_(source)
        if stride is not None:
            sel = sel.where(stride)
        return sel.where(time_filter(col(model.timestamp), rng, connector.dialect)) if model.timestamp and rng is not None else sel
    from_labels = {c for c in needed if c in model.actual_columns}
    labels = labels_relation(model.actuals, connector, from_labels)
    projections = [col(c, "p").as_(c, quoted=True) for c in sorted(needed - from_labels)]
    projections += [col(c, "l").as_(c, quoted=True) for c in sorted(from_labels)]
    pid = model.id or model.actuals.id
    join_on = exp.and_(exp.EQ(this=col(pid, "p"), expression=col(model.actuals.id, "l")),
                       exp.EQ(this=col(LABEL_RANK, "l"), expression=exp.Literal.number(1)))
    sel = exp.select(*projections).from_(source).join(labels, on=join_on, join_type="left")
    if stride is not None:
        sel = sel.where(stride)
    return sel.where(time_filter(col(model.timestamp, "p"), rng, connector.dialect)) if model.timestamp and rng is not None else sel
