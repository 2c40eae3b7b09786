"""One run: plan every model's summaries, push them down, evaluate monitors, raise alerts.

The flow per model: collect the partials every selected monitor needs over its focal
and baseline windows; reuse stored per-bucket summaries that are final; fetch the
missing buckets in one fused scan (plus one grid query the first time a numeric column
is seen); merge buckets into windows; evaluate. A failing query fails that model's
monitors only.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlglot import exp

from telltale.errors import ConfigError, TelltaleError
from telltale.monitors.common import history_range, make_result
from telltale.monitors.context import EvalContext
from telltale.monitors.base import MonitorType
from telltale.monitors.registry import monitor_type
from telltale.core.grids import Grid
from telltale.core.partials import Partial, count_rows, empty_value
from telltale.planner.queries import count_query, grid_queries, plan_scans
from telltale.planner.relation import col, referenced_columns
from telltale.planner.spec import LABEL_ROWS, ModelSpec
from telltale.runner.metrics import MetricCompiler
from telltale.runner.modelctx import model_fields, model_spec, summary_fingerprint
from telltale.core.results import TRAINING, MonitorResult
from telltale.runner.summaries import SummaryBook
from telltale.core.timeutil import TimeRange, baseline_range, covering, focal_range, iso, to_utc

EXACT_GRID_ROWS = 2_000_000  # a source that cannot be sampled gets exact (repeatable) edges up to this
GRID_SAMPLE_ROWS = 100_000   # histogram edges come from a block sample of about this many rows


@dataclass
class QueryLog:
    """The `queries` list of the JSON output."""

    entries: list[dict[str, Any]] = field(default_factory=list)

    def add(self, connection: str, sql: str, seconds: float, rows: int, kind: str,
            bytes_scanned: int | None = None) -> None:
        """Record one pushed-down query (`bytes_scanned` where the engine reports it, else None)."""
        self.entries.append({"connection": connection, "sql": sql, "seconds": round(seconds, 6),
                             "rows": rows, "bytes_scanned": bytes_scanned, "kind": kind})


@dataclass
class RunReport:
    """What `telltale run` prints and returns."""

    run_id: str
    at: datetime
    results: list[MonitorResult]
    alerts: list[dict[str, Any]] = field(default_factory=list)
    queries: list[dict[str, Any]] = field(default_factory=list)
    delivery: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def exit_code(self) -> int:
        """3 if a monitor failed, else 1 if an alert fired, else 0."""
        if any(r.status == "error" for r in self.results):
            return 3
        if any(r.status == "alert" for r in self.results):
            return 1
        return 0

    def as_json(self) -> dict[str, Any]:
        """The object `run --json` prints."""
        return {"run_id": self.run_id, "at": iso(self.at),
                "results": [r.as_json() for r in self.results],
                "alerts": self.alerts, "queries": self.queries,
                "delivery": list(self.delivery.get("notices", []))}


def monitor_windows(cfg: Any, model_cfg: Any, at: datetime, step: timedelta) -> tuple[TimeRange, TimeRange | None]:
    """The focal window and the baseline of one monitor at time `at`.

    A rolling baseline is a time range; a training baseline is the TRAINING marker (its
    summaries come from the training data set, read whole).
    """
    focal = focal_range(at, cfg.window, step)
    base_cfg = cfg.baseline or model_cfg.baseline
    if base_cfg is None:
        return focal, None
    if base_cfg.training is not None:
        return focal, TRAINING
    return focal, baseline_range(focal, base_cfg.window.last, base_cfg.window.skip)


def training_source(cfg: Any, model_cfg: Any) -> Any:
    """The training data set a monitor compares with, or None."""
    base_cfg = cfg.baseline or model_cfg.baseline
    return base_cfg.training if base_cfg is not None else None


def select_monitors(project: Any, model: str | None, monitor: str | None) -> list[Any]:
    """The monitors a run evaluates; unknown names are usage errors."""
    if model is not None and model not in project.config.models:
        raise ConfigError(f"no model named '{model}'; models: {', '.join(project.config.models)}")
    mons = project.monitors(model)
    if monitor is not None:
        mons = [m for m in mons if m.name == monitor]
        if not mons:
            names = ", ".join(m.name for m in project.monitors(model))
            raise ConfigError(f"no monitor named '{monitor}'; monitors: {names}")
    return mons


@dataclass
class RunPlan:
    """One model's monitors sorted by how they are served, and what they need."""

    contexts: list[tuple[int, Any, Any, EvalContext]] = field(default_factory=list)  # from summaries
    direct: list[tuple[int, Any, EvalContext]] = field(default_factory=list)   # staleness, unavailable
    needed: set[Partial] = field(default_factory=set)
    ranges: list[TimeRange] = field(default_factory=list)        # focal, history and window baselines
    baselines: list[TimeRange] = field(default_factory=list)     # window baselines (grid edges)
    training: dict[str, tuple[Any, set[Partial]]] = field(default_factory=dict)
    label_readers: set[int] = field(default_factory=set)         # monitors reading separate labels
    segmented: set[Partial] = field(default_factory=set)         # needed per segment combination


def duplicate_labels() -> Partial:
    """Label rows left out because their prediction has a later label (summed per bucket)."""
    rows = col(LABEL_ROWS)
    return Partial("sum", exp.Sub(this=rows, expression=exp.Literal.number(1)),
                   exp.GT(this=rows.copy(), expression=exp.Literal.number(1)))


@dataclass(frozen=True)
class ScanGroup:
    """Buckets to push down again, and the partials they lack."""

    rng: TimeRange
    partials: list[Partial]
    segmented: frozenset[str] = frozenset()   # keys of the partials to group by segments


class ModelRun:
    """Everything one run does for one model."""

    def __init__(self, project: Any, name: str, monitors: list[Any], at: datetime,
                 connector: Any, store: Any, compiler: MetricCompiler, log: QueryLog,
                 run_id: str, now: datetime, *, read_only: bool = False) -> None:
        self.project, self.name, self.monitors, self.at = project, name, monitors, at
        self.connector, self.store, self.compiler, self.log = connector, store, compiler, log
        self.run_id, self.now, self.read_only = run_id, now, read_only
        self.cfg = project.model(name)
        spec = model_spec(project, name)
        if spec.actuals is not None:   # labels as of the run
            spec = replace(spec, actuals=replace(spec.actuals, as_of=at))
        self.spec = spec
        self.fingerprint = summary_fingerprint(project, spec)
        self.fields = model_fields(project, name)
        self.book = SummaryBook(self.spec.step)
        self.training: dict[str, SummaryBook] = {}      # training source -> its summaries

    def context(self, cfg: Any) -> EvalContext:
        """The evaluation context of one monitor."""
        focal, base = monitor_windows(cfg, self.cfg, self.at, self.spec.step)
        merged: Any = self.book.merged
        if base is TRAINING:
            book = self.training.setdefault(_source_key(training_source(cfg, self.cfg)),
                                            SummaryBook(self.spec.step, grids=self.book.grids))

            def with_training(rng: TimeRange, seg: Any, book: SummaryBook = book) -> Any:
                return (book if rng == TRAINING else self.book).merged(rng, seg)
            merged = with_training
        ctx = EvalContext(
            model=self.name, model_type=self.cfg.type, fields=self.fields, focal=focal,
            baseline=base, at=self.at, step=self.spec.step, segments=self.spec.segments,
            merged=merged, segment_values=self.book.segment_values,
            compile_metric=lambda text: self.compiler.compile(self.name, text),
            monitor_columns=lambda c: [self.fields[f"{f.group}.{f.name}"]
                                       for f in self.project.monitor_columns(c)])
        return ctx

    def plan(self) -> RunPlan:
        """What every monitor of the model needs, over which time ranges (no query runs)."""
        plan = RunPlan()
        for i, cfg in enumerate(self.monitors):
            mt = monitor_type(cfg.type)
            ctx = self.context(cfg)
            if mt is None or mt.query is not None:
                plan.direct.append((i, cfg, ctx))
                continue
            wants = mt.partials(cfg, ctx)
            asked = set(wants)
            if self.spec.actuals is not None and self.reads_labels(wants):
                plan.label_readers.add(i)
                asked.add(duplicate_labels())
            plan.needed |= asked
            if self.spec.segments and cfg.asks_for_segments:
                plan.segmented |= asked
            plan.ranges.append(ctx.focal)
            past = history_range(cfg, ctx.focal)
            if past is not None:
                plan.ranges.append(past)
            if ctx.baseline is TRAINING:
                src = training_source(cfg, self.cfg)
                plan.training.setdefault(_source_key(src), (src, set()))[1].update(wants)
            elif ctx.baseline is not None:
                plan.ranges.append(ctx.baseline)
                plan.baselines.append(ctx.baseline)
            plan.contexts.append((i, cfg, mt, ctx))
        return plan

    def reads_labels(self, partials: set[Partial]) -> bool:
        """True when some of `partials` read a label column of a separate label table."""
        cols = referenced_columns([e for p in partials for e in (p.expr, p.expr2, p.filter)])
        return bool(cols & (self.spec.actual_columns - {LABEL_ROWS}))

    def as_of_labels(self, partial: Partial) -> bool:
        """True when a partial reads labels taken as of `--at` (a label table with a timestamp)."""
        a = self.spec.actuals
        if a is None or not a.timestamp:
            return False
        return bool(referenced_columns([partial.expr, partial.expr2, partial.filter]) & self.spec.actual_columns)

    def label_note(self, result: MonitorResult, ctx: EvalContext) -> MonitorResult:
        """A result of a monitor reading labels, with the duplicate labels it left out."""
        if result.window is None:
            return result
        dups = int(ctx.values(result.window, result.segment or None).get(duplicate_labels()) or 0)
        if dups <= 0:
            return result
        assert self.spec.actuals is not None
        by = (f"the latest by {self.spec.actuals.timestamp} as of {iso(self.at)}"
              if self.spec.actuals.timestamp else "without a label timestamp, the highest label value")
        note = (f"{dups} duplicate label row{'s' if dups != 1 else ''} left out "
                f"({by} was used)")
        return replace(result, message=f"{result.message}; {note}",
                       extra={**result.extra, "duplicate_labels": dups})

    def run(self) -> list[MonitorResult]:
        """Fetch what is missing, then evaluate every monitor of the model (in config order)."""
        plan = self.plan()
        slots: dict[int, list[MonitorResult]] = {}
        for i, cfg, ctx in plan.direct:
            mt = monitor_type(cfg.type)
            slots[i] = (self.direct(mt, cfg, ctx) if mt is not None else
                        [self.failed(cfg, ctx, f"monitor type {cfg.type} is not available in this release")])
        fetch_error = None
        if plan.contexts:
            try:
                first = next(iter(plan.training.values()), (None, None))[0]
                self.fetch(plan.needed, plan.ranges, plan.baselines, first, plan.segmented)
                for key, (src, wants) in plan.training.items():
                    self.fetch_training(key, src, wants)
            except TelltaleError as exc:
                fetch_error = str(exc)
            except Exception as exc:  # noqa: BLE001 - one model's failure must not stop the others
                fetch_error = f"{type(exc).__name__}: {exc} (an unexpected failure; please report it)"
        for i, cfg, mt, ctx in plan.contexts:
            if fetch_error is not None:
                slots[i] = [self.failed(cfg, ctx, fetch_error)]
                continue
            try:
                slots[i] = mt.evaluate(cfg, ctx)
                if i in plan.label_readers:
                    slots[i] = [self.label_note(r, ctx) for r in slots[i]]
            except TelltaleError as exc:
                slots[i] = [self.failed(cfg, ctx, str(exc))]
            except Exception as exc:  # noqa: BLE001 - one monitor's failure must not stop the others
                slots[i] = [self.failed(cfg, ctx, f"{type(exc).__name__}: {exc} "
                                                  "(an unexpected failure; please report it)")]
        return [r for i in sorted(slots) for r in slots[i]]

    @staticmethod
    def failed(cfg: Any, ctx: EvalContext, error: str) -> MonitorResult:
        """The one `error` result of a monitor that could not be evaluated."""
        return make_result(cfg, ctx, column=None, segment=None, metric=cfg.type, value=None,
                           verdict=None, status="error", error=error)

    def direct(self, mt: MonitorType[Any], cfg: Any, ctx: EvalContext) -> list[MonitorResult]:
        """A monitor with a query of its own (model_staleness reads MAX(timestamp), not a summary)."""
        assert mt.query is not None
        try:
            answer = self._execute(mt.query(cfg, ctx, self.spec, self.connector))
            return mt.evaluate(cfg, replace(ctx, answer=answer))
        except (TelltaleError, ValueError) as exc:
            return [self.failed(cfg, ctx, str(exc))]

    def _execute(self, planned: Any) -> Any:
        table, stats = self.connector.execute(planned.tree)
        self.log.add(self.spec.connection, stats.sql, stats.seconds, stats.rows, planned.kind,
                     stats.bytes_scanned)
        return planned.decode(table)

    def fetch(self, needed: set[Partial], ranges: list[TimeRange], baselines: list[TimeRange],
              training: Any = None, segmented: set[Partial] | None = None) -> None:
        """Load stored summaries, compute grids and what is missing or may still change, store it.

        `segmented`: the partials some monitor reads per segment (grouped by the model's
        segment columns); the others are scanned over all rows."""
        spec, rng = self.grid_source(ranges, baselines, training)
        self.load_grids(needed, spec, rng)
        seg_keys = {p.key for p in segmented or ()}
        for group in self.scans_needed(needed, ranges, seg_keys):
            self.scan(group.rng, group.partials, group.segmented)

    def grid_source(self, ranges: list[TimeRange], baselines: list[TimeRange],
                    training: Any) -> tuple[ModelSpec, TimeRange | None]:
        """Where new histogram grids are sampled: the window baselines, else the training set."""
        if baselines or training is None:
            return self.spec, covering(baselines or [covering(ranges)])
        return self.training_spec(training), None

    def reusable(self, bucket: datetime, key: str, as_of: set[str]) -> bool:
        """Whether a stored final summary of `bucket` holds for this run's `--at`.

        A final summary that reads labels holds every label that arrived within
        `late_labels`; a run as of an earlier time must not see them, so it recomputes the
        summary as of its `--at` (`as_of`: the keys of partials reading labels as of `--at`).
        """
        late = max(self.spec.late_data, self.spec.late_labels)
        return key not in as_of or bucket + self.spec.step + late <= self.at

    def scans_needed(self, needed: set[Partial], ranges: list[TimeRange],
                     seg_keys: set[str] | None = None) -> list[ScanGroup]:
        """Read the stored summaries this run can reuse; return the scans for the rest.

        A stored summary is reused once it is final: its bucket ended more than `late_data`
        ago (`late_labels` for summaries that read an actuals column), it was computed from
        the same sources (the fingerprint), and for label summaries the run's `--at` is past
        the label deadline. What is left is grouped by the set of summaries each bucket
        lacks, usually two groups on a daily run (the new day: everything; the last days:
        label summaries), one scan each. A partial in `seg_keys` is needed per segment
        combination; the others over all rows (per-segment values serve them too).
        """
        whole = covering(ranges)
        seg_keys = seg_keys or set()
        needed = {p for p in needed if p.kind != "hist" or p.grid_key in self.book.grids}
        keys = {p.key for p in needed}
        as_of = {p.key for p in needed if self.as_of_labels(p)}
        final: dict[tuple[datetime, bool], set[str]] = {}
        if self.store is not None:
            stored = self.store.get_partials(self.name, self.spec.granularity, whole.start, whole.end,
                                             partial_keys=keys, fingerprint=self.fingerprint)
            usable = {(b, seg, k) for b, seg, k in stored.final if self.reusable(b, k, as_of)}
            self.book.add({bs: kept for bs, vals in stored.values.items()
                           if (kept := {k: v for k, v in vals.items() if (*bs, k) in usable})})
            for b, _, k in usable:
                final.setdefault((b, False), set()).add(k)
                final.setdefault((b, True), set()).add(k)   # narrowed by keys_in(segmented=True)
        groups: dict[frozenset[str], list[datetime]] = {}
        for b in whole.buckets(self.spec.step):
            have = self.book.keys_in(b) & final.get((b, False), set())
            have_seg = self.book.keys_in(b, segmented=True) & final.get((b, True), set())
            todo = frozenset((keys - seg_keys - have) | (keys & seg_keys - have_seg))
            if todo:
                groups.setdefault(todo, []).append(b)
        if len(groups) > 2:   # scattered gaps: one scan of everything over their span
            every = sorted(b for bs in groups.values() for b in bs)
            groups = {frozenset(keys): every}
        by_key = {p.key: p for p in needed}
        return [ScanGroup(TimeRange(min(buckets), max(buckets) + self.spec.step),
                          [by_key[k] for k in todo], frozenset(todo & seg_keys))
                for todo, buckets in groups.items()]

    def scan(self, rng: TimeRange, partials: list[Partial], segmented: frozenset[str] = frozenset()) -> None:
        """Push down `partials` over `rng`, add the result to the book and the store.

        The partials in `segmented` are grouped by the model's segment columns (stored per
        segment combination); the others are not (stored under the all-rows key "")."""
        computed: dict[Any, dict[str, Any]] = {}
        for part, queries in self.scan_plans(rng, partials, segmented):
            seen: set[datetime] = set()
            for planned in queries:
                for key, vals in self._execute(planned).items():
                    computed.setdefault(key, {}).update(vals)
                    seen.add(key[0])
            # buckets with no rows at all still count as scanned (all-empty values)
            for b in rng.buckets(self.spec.step):
                if b not in seen:
                    empty = computed.setdefault((b, ""), {})
                    for p in part:
                        empty.setdefault(p.key, empty_value(p.kind))
        self.book.add(computed)
        if self.store is not None and not self.read_only:
            self.save(computed, {p.key: p for p in partials})

    def scan_plans(self, rng: TimeRange, partials: list[Partial], segmented: frozenset[str] = frozenset()
                   ) -> list[tuple[list[Partial], list[Any]]]:
        """The queries of one scan group: the partials needed over all rows without the
        segment GROUP BY, those in `segmented` grouped by the segment columns."""
        whole = replace(self.spec, segments=())
        out = []
        for spec, part in ((whole, [p for p in partials if p.key not in segmented]),
                           (self.spec, [p for p in partials if p.key in segmented])):
            if part:
                out.append((part, plan_scans(spec, self.connector, rng, part, self.book.grids)))
        return out

    def is_final(self, bucket: datetime, partial: Partial) -> bool:
        """Whether a summary computed now can no longer change (then it is stored as final).

        Final exactly when `bucket_end + late <= now`, `late` being `late_labels` for a
        summary reading labels (`late_data` otherwise). Labels with a timestamp are read as
        of `--at`, so such a summary is final only when `--at` is past that deadline too.
        """
        late = self.spec.late_for(referenced_columns([partial.expr, partial.expr2, partial.filter]))
        deadline = bucket + self.spec.step + late
        if self.as_of_labels(partial):
            return deadline <= min(self.now, self.at)
        return deadline <= self.now

    def save(self, computed: dict[Any, dict[str, Any]], partials: dict[str, Partial]) -> None:
        """Store per-bucket summaries, each marked final once it can no longer change."""
        from telltale.store.records import PartialRow

        rows = []
        for (bucket, seg), vals in computed.items():
            # a scan may bring partials it was not asked for (the row count of a distribution scan)
            rows += [PartialRow(bucket, seg, k, v, self.is_final(bucket, partials.get(k, count_rows())))
                     for k, v in vals.items()]
        self.store.put_partials(self.name, self.spec.granularity, rows, run_id=self.run_id,
                                fingerprint=self.fingerprint)

    def training_spec(self, source: Any) -> ModelSpec:
        """The model's columns read from a training data set: no time, no label join.

        Segment columns the training set lacks are dropped (its segments then have no
        baseline and report no_data)."""
        spec = replace(self.spec, source=self.project.source_spec(source), timestamp=None, actuals=None)
        present = self.connector.describe(spec.source)
        return replace(spec, segments=tuple(s for s in spec.segments if s in present))

    def fetch_training(self, key: str, source: Any, partials: set[Partial]) -> None:
        """Summaries of a training baseline: its whole data set, read each run (not stored)."""
        spec = self.training_spec(source)
        usable = [p for p in partials if p.kind != "hist" or p.grid_key in self.book.grids]
        book = self.training[key]
        for planned in plan_scans(spec, self.connector, None, usable, self.book.grids):  # type: ignore[arg-type]
            book.add(self._execute(planned))

    def stored_grids(self, needed: set[Partial]) -> dict[str, Any]:
        """Load the stored histogram grids; return the expressions still lacking one."""
        hist = {p.grid_key: p.expr for p in needed if p.kind == "hist"}
        if not hist:
            return {}
        stored = self.store.get_grids(self.name, fingerprint=self.fingerprint) if self.store is not None else {}
        for k, g in stored.items():
            self.book.grids[k] = Grid.from_json(g)
        return {k: e for k, e in hist.items() if k not in self.book.grids}

    def _grids(self, spec: ModelSpec, rng: TimeRange | None, exprs: dict[str, Any],
               **kwargs: Any) -> dict[str, Any]:
        """The grids of `exprs`, in as many statements as the dialect needs."""
        out: dict[str, Any] = {}
        for planned in grid_queries(spec, self.connector, rng, exprs, **kwargs):  # type: ignore[arg-type]
            out.update(self._execute(planned))
        return out

    def load_grids(self, needed: set[Partial], spec: ModelSpec, rng: TimeRange | None) -> None:
        """Histogram grids: stored ones, else computed once from the baseline and stored."""
        missing = self.stored_grids(needed)
        if not missing:
            return
        rows = self._execute(count_query(spec, self.connector, rng))  # type: ignore[arg-type]
        percent = 100.0 * GRID_SAMPLE_ROWS / rows if rows > GRID_SAMPLE_ROWS else None
        try:
            grids = self._grids(spec, rng, missing, sample_percent=percent)
        except TelltaleError:   # a source that cannot be sampled (a DuckDB view has no rowid): read it whole
            if percent is None:
                raise
            # exact quantiles (repeatable from run to run) while the whole read stays small
            exact = rows <= EXACT_GRID_ROWS
            percent, grids = None, self._grids(spec, rng, missing, exact=exact)
        if percent is not None and any(g is None for g in grids.values()):
            retry = {k: missing[k] for k, g in grids.items() if g is None}
            grids.update(self._grids(spec, rng, retry))
        for k, g in grids.items():
            if g is None:
                continue
            if self.store is not None and not self.read_only:
                g = Grid.from_json(self.store.put_grid(self.name, k, g, fingerprint=self.fingerprint))
            self.book.grids[k] = g


def _source_key(source: Any) -> str:
    return json.dumps(source.model_dump(exclude_none=True), sort_keys=True, default=str)


def run_project(project: Any, *, at: datetime, model: str | None = None, monitor: str | None = None,
                dry_run: bool = False, now: datetime | None = None, alerts: bool = True) -> RunReport:
    """Evaluate the selected monitors at `at`; store, alert and deliver unless `dry_run`.

    With `alerts=False` (backfill) results and summaries are stored but alerts are left
    alone: history is filled without notifying anyone about the past.
    """
    from telltale.store.runs import new_run_id

    started = time.perf_counter()
    at = to_utc(at)
    now = to_utc(now or datetime.now(tz=at.tzinfo))
    monitors = select_monitors(project, model, monitor)
    compiler = MetricCompiler(project)
    compiler.check(monitors)   # every DSL error surfaces before anything runs
    connectors: dict[str, Any] = {}
    store = None
    try:
        from telltale.runner.validate import check_before_run
        check_before_run(project, [m.model for m in monitors], connectors)  # bad sources: exit 2
        if not dry_run:
            from telltale.store import open_store
            store = open_store(project.store_url)
            run_id = store.begin_run(at)
        else:   # the stored state is read (same grids, same reusable summaries), nothing is written
            from telltale.store import open_store_readonly
            store = open_store_readonly(project.store_url)
            run_id = "dry-" + new_run_id(now)
    except BaseException:
        for c in connectors.values():
            c.close()
        raise
    log = QueryLog()
    results: list[MonitorResult] = []
    try:
        by_model: dict[str, list[Any]] = {}
        for m in monitors:
            by_model.setdefault(m.model, []).append(m)
        for name, mons in by_model.items():
            conn_name = project.model(name).connection
            try:
                if conn_name not in connectors:
                    connectors[conn_name] = project.connection(conn_name).open(project.root, name=conn_name)
                connector = connectors[conn_name]
            except TelltaleError as exc:
                for cfg in mons:
                    results.append(_error_result(project, cfg, at, str(exc)))
                continue
            results.extend(ModelRun(project, name, mons, at, connector, store, compiler, log,
                                    run_id, now, read_only=dry_run).run())
        report = RunReport(run_id, at, results, queries=log.entries)
        if store is not None and not dry_run:
            _finish(project, store, report, monitors, now, alerts)
    finally:
        for c in connectors.values():
            c.close()
        if store is not None and dry_run:
            store.close()
    report.seconds = time.perf_counter() - started
    if store is not None and not dry_run:
        store.finish_run(run_id, status="done", exit_code=report.exit_code,
                         summary={"results": len(results), "alerts": len(report.alerts)})
    return report


def _error_result(project: Any, cfg: Any, at: datetime, error: str) -> MonitorResult:
    m = project.model(cfg.model)
    focal, base = monitor_windows(cfg, m, at, m.step)
    return MonitorResult(monitor=cfg.name, model=cfg.model, type=cfg.type, column=None, segment=None,
                         metric=cfg.type, value=None, threshold=None, status="error",
                         severity=cfg.severity, window=focal, baseline=base,
                         message=f"{cfg.name}: {error}", error=error)


def _finish(project: Any, store: Any, report: RunReport, monitors: list[Any], now: datetime,
            alerts: bool = True) -> None:
    """Store metric points, move alerts through their lifecycle, deliver the outbox."""
    from telltale.alerts.channels import usable_channels
    from telltale.alerts.lifecycle import apply_results
    from telltale.alerts.noise import AlertPolicy
    from telltale.alerts.outbox import deliver_pending
    from telltale.store.history import points_from_results

    store.put_metric_points(points_from_results(report.run_id, report.at, report.results))
    if not alerts:
        return
    policies = {m.name: AlertPolicy.of(m.notify, m.cooldown, m.daily_cap) for m in monitors}
    outcome = apply_results(store, report.results, policies, run_id=report.run_id, now=now)
    report.alerts = outcome.as_json()
    channels, errors = usable_channels({k: v.model_dump(exclude_none=True)
                                        for k, v in project.config.alerts.items()})
    # a run is an explicit attempt: every pending notice is tried, backoff or not (the
    # backoff paces the scheduler's retries between runs)
    report.delivery = deliver_pending(store, channels, now, due_only=False).as_json()
    if errors:
        report.delivery["channel_errors"] = {k: str(v) for k, v in dict(errors).items()}
