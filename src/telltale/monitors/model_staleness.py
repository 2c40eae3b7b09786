"""model_staleness: how old the newest prediction (or the newest model version) is."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any, Literal

from sqlglot import exp

from telltale.configbase.values import PositiveDuration
from telltale.connectors.base import Connector
from telltale.core.results import MonitorResult
from telltale.core.segkey import segment_label, segment_text
from telltale.core.timeutil import UTC, TimeRange, to_utc
from telltale.errors import SchemaError
from telltale.monitors.base import MonitorBase, MonitorType
from telltale.monitors.common import make_result
from telltale.monitors.context import EvalContext
from telltale.monitors.detection import Verdict
from telltale.planner.queries import PlannedQuery
from telltale.planner.relation import col, model_relation
from telltale.planner.spec import ModelSpec

EPOCH = datetime(1970, 1, 1)


class ModelStalenessMonitor(MonitorBase):
    """Age of the newest prediction (or of the newest model version)."""

    type: Literal["model_staleness"]
    max_age: PositiveDuration
    on: Literal["predictions", "version"] = "predictions"

    @property
    def metric_name(self) -> str:
        """`prediction_age_seconds`, or `version_age_seconds` with `on: version`."""
        return "version_age_seconds" if self.on == "version" else "prediction_age_seconds"


def as_instant(value: Any) -> datetime | None:
    """The newest time as an aware UTC datetime: TIMESTAMP (naive = UTC), TIMESTAMPTZ, or a
    DATE taken as the start of its day; None when there is none. Any other type is an error."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return to_utc(value)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    raise SchemaError(f"the timestamp column holds {type(value).__name__} values, "
                     "not times; map `timestamp` to a DATE, TIMESTAMP or TIMESTAMPTZ column")


def newest_query(spec: ModelSpec, connector: Connector, at: datetime, on: str, *,
                 recent: timedelta | None = None) -> PlannedQuery:
    """MAX(ts) before `at`, or for `on: version` the first time of the newest version.

    With `recent`, the MAX is first asked over the last `recent` before `at` only (a
    partitioned or clustered table then reads its recent partitions, not its whole
    history); the query over all time is its fallback, sent only when that finds no row.
    Either way the answer is the exact newest time. (`on: version` always reads all time:
    a version's first row can be older than any bound.)"""
    if spec.timestamp is None:
        raise ValueError("model_staleness needs the model's `timestamp` column")
    ts = col(spec.timestamp)
    if on == "version":
        if not spec.version:
            raise ValueError("model_staleness on: version needs the model's `version` column")
        rel = model_relation(spec, connector, {spec.version}, TimeRange(to_utc(EPOCH), at)).subquery("m")
        firsts = (exp.select(col(spec.version), exp.Min(this=ts.copy()).as_("first_seen"))
                  .from_(rel).group_by(col(spec.version)).subquery("v"))
        tree = exp.select(exp.Max(this=exp.column("first_seen")).as_("newest")).from_(firsts)
        return PlannedQuery("staleness", tree, _newest)

    def newest_in(rng: TimeRange, kind: str, fallback: PlannedQuery | None = None) -> PlannedQuery:
        rel = model_relation(spec, connector, set(), rng).subquery("m")
        return PlannedQuery(kind, exp.select(exp.Max(this=ts.copy()).as_("newest")).from_(rel), _newest,
                            fallback=fallback)

    everything = newest_in(TimeRange(to_utc(EPOCH), at), "staleness")
    if recent is None or at - recent <= to_utc(EPOCH):
        return everything
    return newest_in(TimeRange(at - recent, at), "staleness",
                     replace(everything, kind=FALLBACK_KIND))


def _newest(table: Any) -> Any:
    return table.column(0)[0].as_py() if table.num_rows else None


RECENT_FACTOR = 2   # the bounded staleness query looks back this many times `max_age`
FALLBACK_KIND = "staleness over all time (sent only when no row is in the last 2 x max_age)"


def segment_groups(cfg: ModelStalenessMonitor, spec: ModelSpec) -> list[tuple[str, ...]]:
    """The column sets the newest time is asked per: one per segment column for
    `segment: all`, the configured columns for `{column: value}`, none without a segment."""
    if cfg.segment is None:
        return []
    if cfg.segment == "all":
        return [(c,) for c in spec.segments if c != spec.version]
    return [tuple(sorted(str(k) for k in cfg.segment))]


def newest_by_segment(spec: ModelSpec, connector: Connector, at: datetime,
                      groups: list[tuple[str, ...]]) -> PlannedQuery:
    """MAX(ts) before `at` over all rows and per value of each column set, in one statement
    (a UNION ALL: `__set` -1 for all rows, i for `groups[i]`; `s0..` the segment values).
    Over all time: a segment that stopped sending long ago still has its exact age."""
    if spec.timestamp is None:
        raise ValueError("model_staleness needs the model's `timestamp` column")
    columns = sorted({c for g in groups for c in g})
    names = {c: f"s{i}" for i, c in enumerate(columns)}
    rng = TimeRange(to_utc(EPOCH), at)

    def branch(i: int, group: tuple[str, ...]) -> exp.Select:
        rel = model_relation(spec, connector, set(columns), rng).subquery("m")
        sel = exp.select(exp.Literal.number(i).as_("__set"),
                         *[(col(c) if c in group else exp.Null()).as_(names[c]) for c in columns],
                         exp.Max(this=col(spec.timestamp)).as_("newest")).from_(rel)   # type: ignore[arg-type]
        return sel.group_by(*[col(c) for c in group]) if group else sel

    tree: exp.Query = branch(-1, ())
    for i, group in enumerate(groups):
        tree = exp.union(tree, branch(i, group), distinct=False)
    wrapped = exp.select("*").from_(tree.subquery("u"))

    def decode(table: Any) -> list[tuple[dict[str, str | None] | None, Any]]:
        rows = table.to_pylist()
        out: list[tuple[dict[str, str | None] | None, Any]] = []
        for r in sorted(rows, key=lambda r: r["__set"]):
            i = r["__set"]
            seg = None if i < 0 else {c: segment_text(r[names[c]]) for c in groups[i]}
            out.append((seg, r["newest"]))
        return out

    return PlannedQuery("staleness per segment", wrapped, decode)


def query(cfg: ModelStalenessMonitor, ctx: EvalContext, spec: ModelSpec, connector: Connector) -> PlannedQuery:
    """The query of a staleness monitor (its query hook; `compile` prints it): the newest
    time over the last 2 x `max_age`, falling back to all time when none is that recent;
    with a segment, the newest time per segment value over all time."""
    if cfg.segment is not None:
        return newest_by_segment(spec, connector, ctx.at, segment_groups(cfg, spec))
    return newest_query(spec, connector, ctx.at, cfg.on, recent=RECENT_FACTOR * cfg.max_age)


def evaluate(cfg: ModelStalenessMonitor, ctx: EvalContext) -> list[MonitorResult]:
    """Age in seconds of the newest prediction/version at the run's time vs `max_age`
    (`ctx.answer`: the newest time the query found; with a segment, per segment value)."""
    if cfg.segment is None:
        return [_one(cfg, ctx, ctx.answer, None)]
    found = ctx.answer or []
    if cfg.segment == "all":   # the whole model, then each column's values (NULL last)
        whole = next((raw for s, raw in found if s is None), None)
        per = sorted(((s, raw) for s, raw in found if s is not None),
                     key=lambda sr: [(k, v is None, v or "") for k, v in sorted(sr[0].items())])
        return [_one(cfg, ctx, whole, None)] + [_one(cfg, ctx, raw, s) for s, raw in per]
    wanted = {str(k): segment_text(v) for k, v in cfg.segment.items()}
    raw = next((raw for s, raw in found if s == wanted), None)
    return [_one(cfg, ctx, raw, wanted)]


def _one(cfg: ModelStalenessMonitor, ctx: EvalContext, raw: Any,
         segment: dict[str, str | None] | None) -> MonitorResult:
    """The result for one newest time (of the model, or of one segment value)."""
    on = cfg.on
    newest = as_instant(raw)
    limit = cfg.max_age.total_seconds()
    metric = cfg.metric_name
    if newest is None:
        where = f" in {segment_label(segment)}" if segment else ""
        return make_result(cfg, ctx, column=None, segment=segment, metric=metric, value=None, verdict=None,
                           message=f"{metric}: no predictions{where} before {ctx.at:%Y-%m-%d %H:%M} UTC",
                           from_rows=False)
    age = (ctx.at - newest).total_seconds()
    what = "newest model version first seen" if on == "version" else "newest prediction"
    if not isinstance(raw, datetime):
        what += f" (a DATE: {raw:%Y-%m-%d} is taken as the start of that day)"
    fired = age > limit
    reason = (f"{what} at {newest:%Y-%m-%d %H:%M} UTC is {age / 3600:.1f} h old "
              f"({'over' if fired else 'within'} the allowed {limit / 3600:.1f} h)")
    verdict = Verdict(fired, {"max": limit}, reason)
    return make_result(cfg, ctx, column=None, segment=segment, metric=metric, value=age, verdict=verdict,
                       extra={"newest": newest.strftime("%Y-%m-%dT%H:%M:%SZ")}, from_rows=False)


MONITOR = MonitorType(ModelStalenessMonitor, evaluate, query=query)
