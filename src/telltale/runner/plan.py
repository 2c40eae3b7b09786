"""The planner: a project, a set of monitors and the stored state in, a plan out.

A plan says, per model, which monitors are evaluated over which windows, which summaries
(partials) they read, which the store already holds as final, and the statements that
fetch the rest: query hooks (model_staleness), grid queries of numeric columns seen for
the first time, fused scans of the missing buckets, scans of training baselines. No query
runs: SQL is built for each model's connector (`relation` only), the store is only read.
`telltale compile` prints a plan's statements; the executor (`runner.execute`) runs them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlglot import exp

from telltale.configbase.sources import SourceConfig
from telltale.connectors.base import Connector
from telltale.core.grids import Grid
from telltale.core.partials import Partial
from telltale.core.results import TRAINING
from telltale.core.timeutil import TimeRange, covering
from telltale.errors import ConnectorError, TelltaleError
from telltale.monitors.base import MonitorBase, MonitorType
from telltale.monitors.common import history_range
from telltale.monitors.context import EvalContext
from telltale.monitors.registry import implementation
from telltale.planner.queries import PlannedQuery, count_query, grid_queries, plan_scans
from telltale.planner.relation import referenced_columns
from telltale.planner.spec import LABEL_ROWS, ModelSpec
from telltale.runner.metrics import MetricCompiler
from telltale.runner.modelctx import duplicate_labels, model_fields, model_spec, summary_fingerprint
from telltale.runner.scans import ScanGroup, StoredState, scans_needed, segment_check
from telltale.runner.summaries import SummaryBook
from telltale.runner.windows import monitor_windows, source_key, training_source

if TYPE_CHECKING:
    from telltale.config.project import Project


WINDOW = ""
SEGMENTED = "__segmented__"   # the failure scope of summaries grouped by segments (too many of them)
"""The scope of summaries read from the model's own rows (a training baseline's: its key)."""


@dataclass
class MonitorPlan:
    """One monitor in a plan: its type, its context, and what it reads.

    `reads` are (scope, partial key) pairs: the scope is WINDOW for the model's rows, a
    training source's key for its training baseline. `query` is the statement of a type
    with a query hook; `error` says why the monitor cannot be planned (it fails alone)."""

    index: int
    cfg: MonitorBase
    impl: MonitorType[Any]
    ctx: EvalContext
    reads: frozenset[tuple[str, str]] = frozenset()
    query: PlannedQuery | None = None
    error: str | None = None
    reads_labels: bool = False


@dataclass
class TrainingPlan:
    """A training baseline: its source, the summaries monitors read of it, its book."""

    source: SourceConfig
    partials: set[Partial]
    book: SummaryBook


class ModelPlan:
    """One model's part of a plan (see the module docstring)."""

    def __init__(self, project: Project, name: str, monitors: Sequence[MonitorBase], *, at: datetime,
                 now: datetime, connector: Connector, state: StoredState, compiler: MetricCompiler,
                 first_index: int = 0) -> None:
        self.project, self.name, self.at, self.now = project, name, at, now
        self.connector, self.state, self.compiler = connector, state, compiler
        self.cfg = project.model(name)
        spec = model_spec(project, name)
        if spec.actuals is not None:   # labels as of the run
            spec = replace(spec, actuals=replace(spec.actuals, as_of=at))
        self.spec = spec
        self.fingerprint = summary_fingerprint(project, spec)
        self.fields = model_fields(project, name)
        self.book = SummaryBook(self.spec.step)
        self.training: dict[str, TrainingPlan] = {}
        self.needed: set[Partial] = set()
        self.segmented: set[Partial] = set()       # needed per segment combination
        self.ranges: list[TimeRange] = []           # focal, history and window baselines
        self.baselines: list[TimeRange] = []        # window baselines (grid edges)
        self.monitors = [self._plan_monitor(first_index + i, cfg) for i, cfg in enumerate(monitors)]

    def context(self, cfg: MonitorBase) -> EvalContext:
        """The evaluation context of one monitor (its summaries come from the plan's books)."""
        focal, base = monitor_windows(cfg, self.cfg, self.at, self.spec.step)
        merged: Callable[[TimeRange, Any], Any] = self.book.merged
        if base is TRAINING:
            src = training_source(cfg, self.cfg)
            assert src is not None
            book = self.training.setdefault(source_key(src), TrainingPlan(
                src, set(), SummaryBook(self.spec.step, grids=self.book.grids))).book

            def with_training(rng: TimeRange, seg: Any, book: SummaryBook = book) -> Any:
                return (book if rng == TRAINING else self.book).merged(rng, seg)
            merged = with_training
        return EvalContext(
            model=self.name, model_type=self.cfg.type, fields=self.fields, focal=focal,
            baseline=base, at=self.at, step=self.spec.step, segments=self.spec.segments,
            version=self.spec.version if self.spec.version not in self.cfg.segments else None,
            merged=merged, segment_values=self.book.segment_values,
            compile_metric=lambda text, labelled: self.compiler.compile(self.name, text, labelled=labelled),
            monitor_columns=lambda c: [self.fields[f"{f.group}.{f.name}"]
                                       for f in self.project.monitor_columns(c)])

    def _plan_monitor(self, index: int, cfg: MonitorBase) -> MonitorPlan:
        impl = implementation(cfg)
        ctx = self.context(cfg)
        mp = MonitorPlan(index, cfg, impl, ctx)
        if impl.query is not None:
            try:
                mp.query = impl.query(cfg, ctx, self.spec, self.connector)
            except ValueError as exc:   # e.g. staleness `on: version` without a version column
                mp.error = str(exc)
            return mp
        wants = impl.partials(cfg, ctx)
        asked = set(wants)
        if self.spec.actuals is not None and self.reads_labels(wants):
            mp.reads_labels = True
            asked.add(duplicate_labels())
        self.needed |= asked
        if self.spec.segments and cfg.asks_for_segments:
            self.segmented |= asked
        self.ranges.append(ctx.focal)
        past = history_range(cfg, ctx.focal)
        if past is not None:
            self.ranges.append(past)
        reads = {(WINDOW, p.key) for p in asked}
        if self.spec.segments and cfg.asks_for_segments:
            reads |= {(SEGMENTED, p.key) for p in asked}
        if ctx.baseline is TRAINING:
            src = training_source(cfg, self.cfg)
            assert src is not None
            self.training[source_key(src)].partials.update(wants)
            reads |= {(source_key(src), p.key) for p in wants}
        elif ctx.baseline is not None:
            self.ranges.append(ctx.baseline)
            self.baselines.append(ctx.baseline)
        mp.reads = frozenset(reads)
        return mp

    @property
    def reads_summaries(self) -> bool:
        """Whether some monitor reads summaries over some time range."""
        return bool(self.ranges)

    def reads_labels(self, partials: set[Partial]) -> bool:
        """True when some of `partials` read a label column of a separate label table."""
        cols = referenced_columns([e for p in partials for e in (p.expr, p.expr2, p.filter)])
        return bool(cols & (self.spec.actual_columns - {LABEL_ROWS}))

    def grid_sources(self, missing: dict[str, exp.Expression]
                     ) -> list[tuple[ModelSpec, TimeRange | None, dict[str, exp.Expression]]]:
        """Where new histogram grids are sampled, and which: the window baselines (every
        grid), else each training set the grids of the monitors comparing with it (a
        training set holds only the columns its monitors compare)."""
        if self.baselines or not self.training:
            return [(self.spec, covering(self.baselines or [covering(self.ranges)]), missing)]
        out: list[tuple[ModelSpec, TimeRange | None, dict[str, exp.Expression]]] = []
        left = dict(missing)
        for tp in self.training.values():
            keys = {p.grid_key for p in tp.partials if p.kind == "hist"}
            mine = {k: e for k, e in left.items() if k in keys}
            if mine:
                out.append((self.training_spec(tp.source), None, mine))
                left = {k: e for k, e in left.items() if k not in mine}
        if left:   # asked for by no training set's monitors: the first training set
            first = next(iter(self.training.values()))
            out.append((self.training_spec(first.source), None, left))
        return out

    def missing_grids(self) -> dict[str, exp.Expression]:
        """Load the stored histogram grids; return the expressions still lacking one."""
        hist = {p.grid_key: p.expr for p in self.needed if p.kind == "hist" and p.expr is not None}
        if not hist:
            return {}
        for k, g in self.state.get_grids(self.name, fingerprint=self.fingerprint).items():
            self.book.grids[k] = Grid.from_json(g)
        return {k: e for k, e in hist.items() if k not in self.book.grids}

    def grid_queries(self, missing: dict[str, exp.Expression]
                     ) -> list[tuple[PlannedQuery, Callable[..., list[PlannedQuery]]]]:
        """Per grid source: the row count, and the grid statements (as many as the dialect
        needs) built from its answer."""
        return [(count_query(spec, self.connector, rng),   # rng None: the whole training set
                 self._grid_statements(spec, rng, wanted))
                for spec, rng, wanted in self.grid_sources(missing)]

    def _grid_statements(self, spec: ModelSpec, rng: TimeRange | None, wanted: dict[str, exp.Expression]
                         ) -> Callable[..., list[PlannedQuery]]:
        def grids(keys: dict[str, exp.Expression] | None = None, **how: Any) -> list[PlannedQuery]:
            return grid_queries(spec, self.connector, rng, wanted if keys is None else keys, **how)
        return grids

    def scan_groups(self) -> list[ScanGroup]:
        """Read the reusable stored summaries into the book; the scans for the rest."""
        return scans_needed(self.state, self.spec, self.name, self.fingerprint, self.book, self.needed,
                            self.ranges, {p.key for p in self.segmented}, self.at)

    def scan_queries(self, group: ScanGroup) -> list[tuple[list[Partial], list[PlannedQuery]]]:
        """The queries of one scan group: the partials needed over all rows without the
        segment GROUP BY, those in `group.segmented` grouped by the segment columns."""
        whole = replace(self.spec, segments=())
        out = []
        for spec, part in ((whole, [p for p in group.partials if p.key not in group.segmented]),
                           (self.spec, [p for p in group.partials if p.key in group.segmented])):
            if part:
                out.append((part, plan_scans(spec, self.connector, group.rng, part, self.book.grids)))
        return out

    def training_spec(self, source: SourceConfig) -> ModelSpec:
        """The model's columns read from a training data set: no time, no label join.

        Segment columns the training set lacks are dropped (its segments then have no
        baseline and report no_data); when its columns cannot be read (offline) all stay."""
        spec = replace(self.spec, source=self.project.source_spec(source), timestamp=None, actuals=None)
        try:
            present = self.connector.describe(spec.source)
        except ConnectorError:
            return spec
        return replace(spec, segments=tuple(s for s in spec.segments if s in present))

    def training_queries(self, key: str) -> list[PlannedQuery]:
        """The scans of one training baseline (its whole data set; not stored)."""
        tp = self.training[key]
        usable = [p for p in tp.partials if p.kind != "hist" or p.grid_key in self.book.grids]
        return plan_scans(self.training_spec(tp.source), self.connector, None, usable,
                          self.book.grids)

    def statements(self) -> Iterator[tuple[str, PlannedQuery]]:
        """(kind, query) of every statement a run of this plan sends, in order; the scans use
        placeholder bin edges for grids the grid query would compute (what `compile` prints)."""
        for mp in self.monitors:   # monitors with a query of their own (model_staleness) first
            q = mp.query
            while q is not None:
                yield q.kind, q
                q = q.fallback
        if not self.reads_summaries:
            return
        missing = self.missing_grids()
        if missing:
            for count, grids in self.grid_queries(missing):
                yield "grid size (first run only)", count
                for g in grids(sample_percent=1.0):
                    yield ("grid (first run only: histogram bins from a block sample of the baseline, "
                           "the percent is sized from the count)", g)
            for k in missing:   # placeholder edges: the real ones come from the grid query
                self.book.grids[k] = Grid(0.0, 1.0, self.spec.histogram_bins)
        for group in self.scan_groups():
            check = segment_check(self.spec, self.connector, group)
            if check is not None:
                yield check.kind, check
            for _, queries in self.scan_queries(group):
                for q in queries:
                    yield q.kind + " scan", q
        for key in self.training:
            for q in self.training_queries(key):
                yield q.kind + " scan (training baseline)", q


@dataclass(frozen=True)
class Unplanned:
    """Monitors of a model that could not be planned (its connection failed to open)."""

    name: str
    monitors: tuple[MonitorBase, ...]
    error: str


@dataclass
class Plan:
    """A run's plan: per model (in the order monitors name them), its ModelPlan or why not."""

    at: datetime
    models: list[ModelPlan | Unplanned]

    def statements(self) -> Iterator[tuple[str, list[tuple[str, PlannedQuery]]]]:
        """Per planned model: (kind, query) of every statement, in the order a run sends them."""
        for mp in self.models:
            if isinstance(mp, ModelPlan):
                yield mp.name, list(mp.statements())


def by_model(monitors: Sequence[MonitorBase]) -> dict[str, list[MonitorBase]]:
    """Monitors grouped by model, in the order they first name each model."""
    out: dict[str, list[MonitorBase]] = {}
    for m in monitors:
        out.setdefault(m.model, []).append(m)
    return out


def plan_monitors(project: Project, monitors: Sequence[MonitorBase], *, at: datetime, now: datetime,
                  state: StoredState, connector_for: Callable[[str], Connector],
                  compiler: MetricCompiler) -> Plan:
    """The plan of a set of monitors (of any models) at `at`, against the stored `state`.

    `connector_for(model)` gives the connector whose SQL a model's statements are built for;
    a TelltaleError there or in planning (a source that cannot be read) leaves that model's
    monitors Unplanned, with the reason."""
    models: list[ModelPlan | Unplanned] = []
    for name, mons in by_model(monitors).items():
        try:
            models.append(ModelPlan(project, name, mons, at=at, now=now, connector=connector_for(name),
                                    state=state, compiler=compiler))
        except TelltaleError as exc:
            models.append(Unplanned(name, tuple(mons), str(exc)))
    return Plan(at, models)
