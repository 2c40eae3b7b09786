"""The executor: runs a plan's statements against its connectors, records the summaries and
grids in the store, evaluates every monitor and contains failures.

A failing query fails only the monitors that read what it was fetching: a grid query the
monitors reading those histograms, a scan the monitors reading its summaries, a training
scan the monitors comparing with that training set, a query hook its own monitor. Every
other monitor is still evaluated. A monitor whose evaluation raises fails alone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from telltale.core.grids import Grid
from telltale.core.partials import Partial, count_rows, empty_value
from telltale.core.results import MonitorResult
from telltale.core.timeutil import iso
from telltale.errors import TelltaleError
from telltale.monitors.base import MonitorBase
from telltale.monitors.common import make_result
from telltale.monitors.context import EvalContext
from telltale.planner.queries import PlannedQuery
from telltale.planner.relation import referenced_columns
from telltale.runner.modelctx import duplicate_labels
from telltale.runner.plan import SEGMENTED, WINDOW, ModelPlan, MonitorPlan, Plan, Unplanned
from telltale.runner.windows import monitor_windows
from telltale.runner.scans import ScanGroup, as_of_labels, segment_check

if TYPE_CHECKING:
    from telltale.config.project import Project
    from telltale.store import Store


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


def why(exc: Exception) -> str:
    """The error text of a failure: a TelltaleError says it itself, anything else is a bug."""
    if isinstance(exc, TelltaleError):
        return str(exc)
    return f"{type(exc).__name__}: {exc} (an unexpected failure; please report it)"


def failed(cfg: MonitorBase, ctx: EvalContext, error: str) -> MonitorResult:
    """The one `error` result of a monitor that could not be evaluated: `column` and `segment`
    null (it failed as a whole), `metric` what its other results measure (`psi`, `count`, ...),
    so error rows join the monitor's ok and alert rows on (monitor, model, metric)."""
    return make_result(cfg, ctx, column=None, segment=None, metric=cfg.metric_name, value=None,
                       verdict=None, status="error", error=error)


def unplanned(project: Project, cfg: MonitorBase, at: datetime, error: str) -> MonitorResult:
    """The `error` result of a monitor whose model could not be planned (no connection)."""
    m = project.model(cfg.model)
    focal, base = monitor_windows(cfg, m, at, m.step)
    return MonitorResult(monitor=cfg.name, model=cfg.model, type=cfg.type_name, column=None, segment=None,
                         metric=cfg.metric_name, value=None, threshold=None, status="error",
                         severity=cfg.severity, window=focal, baseline=base,
                         message=f"{cfg.name}: {error}", error=error)


class ModelExecution:
    """Runs one model's plan; `store` None records nothing (a dry run reads only)."""

    def __init__(self, mp: ModelPlan, store: Store | None, log: QueryLog, run_id: str) -> None:
        self.mp, self.store, self.log, self.run_id = mp, store, log, run_id
        self.failures: dict[tuple[str, str], str] = {}   # (scope, partial key) -> why
        self.answers: dict[int, Any] = {}

    def fail(self, scope: str, partials: Iterable[Partial], error: str) -> None:
        """Mark summaries as not fetched: the monitors reading them fail with `error`."""
        for p in partials:
            self.failures.setdefault((scope, p.key), error)

    def run(self) -> list[MonitorResult]:
        """Fetch what the plan lacks, then evaluate every monitor of the model (in config order)."""
        mp = self.mp
        query_errors: dict[int, str] = {}
        for m in mp.monitors:
            if m.query is not None:
                try:
                    self.answers[m.index] = self.execute(m.query)
                except Exception as exc:  # noqa: BLE001 - a failing query fails only its monitor
                    query_errors[m.index] = why(exc)
        if mp.reads_summaries:
            self.fetch()
        return [r for m in mp.monitors for r in self.evaluate(m, query_errors.get(m.index))]

    def evaluate(self, m: MonitorPlan, query_error: str | None) -> list[MonitorResult]:
        """One monitor's results, or its one error result."""
        error = m.error or query_error or next(
            (self.failures[k] for k in sorted(m.reads) if k in self.failures), None)
        if error is not None:
            return [failed(m.cfg, m.ctx, error)]
        ctx = replace(m.ctx, answer=self.answers.get(m.index))
        try:
            results = m.impl.evaluate(m.cfg, ctx)
        except Exception as exc:  # noqa: BLE001 - one monitor's failure must not stop the others
            return [failed(m.cfg, ctx, why(exc))]
        return [self.label_note(r, ctx) for r in results] if m.reads_labels else results

    def execute(self, planned: PlannedQuery) -> Any:
        """Run one statement, log it, decode its answer (and its fallback's when it found none)."""
        table, stats = self.mp.connector.execute(planned.tree)
        self.log.add(self.mp.spec.connection, stats.sql, stats.seconds, stats.rows, planned.kind,
                     stats.bytes_scanned)
        answer = planned.decode(table)
        if answer is None and planned.fallback is not None:
            return self.execute(planned.fallback)
        return answer

    def fetch(self) -> None:
        """Grids, then the scans of the buckets the store lacks, then training baselines."""
        mp = self.mp
        hist = [p for p in mp.needed if p.kind == "hist"]
        try:
            self.load_grids()
        except Exception as exc:  # noqa: BLE001 - fails the monitors reading these histograms
            lacking = [p for p in hist if p.grid_key not in mp.book.grids]
            for scope in [WINDOW, *mp.training]:
                self.fail(scope, lacking, why(exc))
        try:
            groups = mp.scan_groups()
        except Exception as exc:  # noqa: BLE001 - the stored state could not be read
            self.fail(WINDOW, mp.needed, why(exc))
            groups = []
        for group in groups:
            try:
                self.scan(group)
            except Exception as exc:  # noqa: BLE001 - fails the monitors reading this scan's summaries
                self.fail(WINDOW, group.partials, why(exc))
        for key, tp in mp.training.items():
            try:
                for planned in mp.training_queries(key):
                    tp.book.add(self.execute(planned))
            except Exception as exc:  # noqa: BLE001 - fails the monitors comparing with this training set
                self.fail(key, tp.partials, why(exc))

    def load_grids(self) -> None:
        """Histogram grids: stored ones, else computed once from the baseline and stored."""
        missing = self.mp.missing_grids()
        for count, grid in self.mp.grid_queries(missing) if missing else []:
            self.sample_grids(count, grid, missing)

    def sample_grids(self, count: PlannedQuery, grid: Callable[..., list[PlannedQuery]],
                     missing: dict[str, Any]) -> None:
        """Compute the grids of one grid source (sized by `count`) and store them."""
        mp = self.mp

        def run(statements: list[PlannedQuery]) -> dict[str, Any]:
            out: dict[str, Any] = {}
            for planned in statements:   # as many statements as the dialect needs
                out.update(self.execute(planned))
            return out

        rows = self.execute(count)
        percent = 100.0 * GRID_SAMPLE_ROWS / rows if rows > GRID_SAMPLE_ROWS else None
        try:
            grids = run(grid(sample_percent=percent))
        except TelltaleError:   # a source that cannot be sampled (a DuckDB view has no rowid): read it whole
            if percent is None:
                raise
            # exact quantiles (repeatable from run to run) while the whole read stays small
            percent, grids = None, run(grid(exact=rows <= EXACT_GRID_ROWS))
        if percent is not None and any(g is None for g in grids.values()):
            retry = {k: missing[k] for k, g in grids.items() if g is None}
            grids.update(run(grid(retry)))
        for k, g in grids.items():
            if g is None:
                continue
            if self.store is not None:
                g = Grid.from_json(self.store.put_grid(mp.name, k, g, fingerprint=mp.fingerprint))
            mp.book.grids[k] = g

    def scan(self, group: ScanGroup) -> None:
        """Push down one scan group, add the result to the book and the store.

        The partials in `group.segmented` are grouped by the model's segment columns (stored
        per segment combination); the others are not (stored under the all-rows key "")."""
        mp = self.mp
        computed: dict[Any, dict[str, Any]] = {}
        too_many = self.too_many_segments(group)
        for part, queries in mp.scan_queries(group):
            if too_many is not None and part[0].key in group.segmented:
                self.fail(SEGMENTED, part, too_many)   # the monitors grouping by segments fail, fast
                continue
            seen: set[datetime] = set()
            for planned in queries:
                for key, vals in self.execute(planned).items():
                    computed.setdefault(key, {}).update(vals)
                    seen.add(key[0])
            # buckets with no rows at all still count as scanned (all-empty values)
            for b in group.rng.buckets(mp.spec.step):
                if b not in seen:
                    empty = computed.setdefault((b, ""), {})
                    for p in part:
                        empty.setdefault(p.key, empty_value(p.kind))
        mp.book.add(computed)
        if self.store is not None:
            self.save(computed, {p.key: p for p in group.partials})

    def too_many_segments(self, group: ScanGroup) -> str | None:
        """Why the scan must not group by segments (too many combinations), or None."""
        check = segment_check(self.mp.spec, self.mp.connector, group)
        if check is None:
            return None
        counts = self.execute(check)
        spec = self.mp.spec
        if counts.combinations <= spec.max_segments:
            return None
        return (f"too many segment combinations between {iso(group.rng.start)} and "
                f"{iso(group.rng.end)}: {counts.describe()}, above models.{spec.name}.max_segments "
                f"({spec.max_segments:,}); in models.{spec.name}.segments (now "
                f"[{', '.join(spec.segments)}]) keep fewer or coarser columns, or raise max_segments")

    def is_final(self, bucket: datetime, partial: Partial) -> bool:
        """Whether a summary computed now can no longer change (then it is stored as final).

        Final exactly when `bucket_end + late <= now`, `late` being `late_labels` for a
        summary reading labels (`late_data` otherwise). Labels with a timestamp are read as
        of `--at`, so such a summary is final only when `--at` is past that deadline too.
        """
        spec = self.mp.spec
        late = spec.late_for(referenced_columns([partial.expr, partial.expr2, partial.filter]))
        deadline = bucket + spec.step + late
        if as_of_labels(spec, partial):
            return deadline <= min(self.mp.now, self.mp.at)
        return deadline <= self.mp.now

    def save(self, computed: dict[Any, dict[str, Any]], partials: dict[str, Partial]) -> None:
        """Store per-bucket summaries, each marked final once it can no longer change."""
        from telltale.store.records import PartialRow

        if self.store is None:   # a dry run stores nothing
            return
        rows = []
        for (bucket, seg), vals in computed.items():
            # a scan may bring partials it was not asked for (the row count of a distribution scan)
            rows += [PartialRow(bucket, seg, k, v, self.is_final(bucket, partials.get(k, count_rows())))
                     for k, v in vals.items()]
        self.store.put_partials(self.mp.name, self.mp.spec.granularity, rows, run_id=self.run_id,
                                fingerprint=self.mp.fingerprint)

    def label_note(self, result: MonitorResult, ctx: EvalContext) -> MonitorResult:
        """A result of a monitor reading labels, with the duplicate labels it left out."""
        if result.window is None:
            return result
        dups = int(ctx.values(result.window, result.segment or None).get(duplicate_labels()) or 0)
        if dups <= 0:
            return result
        actuals = self.mp.spec.actuals
        assert actuals is not None
        by = (f"the latest by {actuals.timestamp} as of {iso(self.mp.at)}"
              if actuals.timestamp else "without a label timestamp, the highest label value")
        note = (f"{dups} duplicate label row{'s' if dups != 1 else ''} left out "
                f"({by} was used)")
        return replace(result, message=f"{result.message}; {note}",
                       extra={**result.extra, "duplicate_labels": dups})


def execute_plan(project: Project, plan: Plan, *, store: Store | None, log: QueryLog, run_id: str) -> list[MonitorResult]:
    """Run a plan: every model's statements, then its monitors; results in plan order.

    `store` receives the summaries and grids computed (None: record nothing)."""
    results: list[MonitorResult] = []
    for mp in plan.models:
        if isinstance(mp, Unplanned):
            results += [unplanned(project, cfg, plan.at, mp.error) for cfg in mp.monitors]
        else:
            results += ModelExecution(mp, store, log, run_id).run()
    return results
