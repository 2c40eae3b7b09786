"""`telltale compile`: the SQL each model's next run would push down, in any dialect.

By default the plan is the next run's, read from the state store: stored histogram
grids give the bin edges, and only the buckets whose summaries are missing or may still
change are scanned; the statements come in the order the run sends them. With `full`
(or without a store) it is the first run's plan: the grid queries, then scans of every
bucket with placeholder bin edges (the real ones come from the grid query's answer).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Iterator

from telltale.connectors import Dialect, dialect_named
from telltale.connectors.offline import OfflineConnector
from telltale.connectors.safety import ensure_select
from telltale.core.grids import Grid
from telltale.planner.queries import count_query, grid_queries, plan_scans
from telltale.runner.metrics import MetricCompiler
from telltale.errors import SchemaError, UnsafeQueryError
from telltale.runner.run import ModelRun, select_monitors
from telltale.runner.validate import ValidationProblems, source_sql_problems


def compile_project(project: Any, *, model: str | None, dialect: str | None, at: datetime,
                    full: bool = False, pretty: bool = True,
                    now: datetime | None = None) -> Iterator[tuple[str, list[tuple[str, str]]]]:
    """Per model: (query kind, SQL) of every statement the next run at `at` sends, in order.

    The store is only read. `full` plans as on a fresh store; `pretty=False` renders each
    statement exactly as a connector sends it (as `run --json` lists it).
    """
    from telltale.store import open_store_readonly
    from telltale.core.timeutil import to_utc

    at = to_utc(at)
    compiler = MetricCompiler(project)
    monitors = select_monitors(project, model, None)
    compiler.check(monitors)
    by_model: dict[str, list[Any]] = {}
    for m in monitors:
        by_model.setdefault(m.model, []).append(m)
    problems = source_sql_problems(project, by_model)   # as a run checks them: located, exit 2
    if problems:
        raise ValidationProblems(problems)
    store = None if full else open_store_readonly(project.store_url)
    try:
        for name, mons in by_model.items():
            d = dialect_named(dialect or project.connection(project.model(name).connection).SQL_DIALECT)
            connector = OfflineConnector(d)
            mr = ModelRun(project, name, mons, at, connector, store, compiler, None,  # type: ignore[arg-type]
                          "compile", to_utc(now or at), read_only=True)
            try:
                out = [(kind, _sql(tree, d, pretty, connector)) for kind, tree in _statements(mr)]
            except (UnsafeQueryError, SchemaError) as exc:   # e.g. a table named like a file
                raise ValidationProblems([f"{project.where('models', name, 'source')}: {exc}"]) from None
            if out:
                yield name, out
    finally:
        if store is not None:
            store.close()


def _statements(mr: ModelRun) -> Iterator[tuple[str, Any]]:
    """The (kind, sqlglot tree) of each statement of one model's run, in the run's order."""
    from telltale.monitors.registry import monitor_type

    plan = mr.plan()
    for _, cfg, ctx in plan.direct:   # monitors with a query of their own (model_staleness) first
        mt = monitor_type(cfg.type)
        if mt is not None and mt.query is not None:
            try:
                q = mt.query(cfg, ctx, mr.spec, mr.connector)
            except ValueError:
                continue
            yield q.kind, q.tree
    if not plan.contexts or not plan.ranges:
        return
    first = next(iter(plan.training.values()), (None, None))[0]
    if plan.baselines or first is None:
        spec, rng = mr.grid_source(plan.ranges, plan.baselines, None)
    else:
        spec, rng = _training_spec(mr, first), None
    missing = mr.stored_grids(plan.needed)
    if missing:
        yield ("grid size (first run only)", count_query(spec, mr.connector, rng).tree)  # type: ignore[arg-type]
        kind = ("grid (first run only: histogram bins from a block sample of the baseline, "
                "the percent is sized from the count)")
        for g in grid_queries(spec, mr.connector, rng, missing, sample_percent=1.0):  # type: ignore[arg-type]
            yield kind, g.tree
        for k in missing:   # placeholder edges: the real ones come from the grid query
            mr.book.grids[k] = Grid(0.0, 1.0, mr.spec.histogram_bins)
    for group in mr.scans_needed(plan.needed, plan.ranges, {p.key for p in plan.segmented}):
        for q in (q for _, qs in mr.scan_plans(group.rng, group.partials, group.segmented) for q in qs):
            yield q.kind + " scan", q.tree
    for src, wants in plan.training.values():
        tspec = _training_spec(mr, src)
        usable = [p for p in wants if p.kind != "hist" or p.grid_key in mr.book.grids]
        for q in plan_scans(tspec, mr.connector, None, usable, mr.book.grids):  # type: ignore[arg-type]
            yield q.kind + " scan (training baseline)", q.tree


def _training_spec(mr: ModelRun, source: Any) -> Any:
    """The training set's spec; offline its columns are unknown, so every segment is kept."""
    from dataclasses import replace

    from telltale.errors import ConnectorError

    try:
        return mr.training_spec(source)
    except ConnectorError:
        return replace(mr.spec, source=mr.project.source_spec(source), timestamp=None, actuals=None)


def _sql(tree: Any, dialect: Dialect, pretty: bool, connector: OfflineConnector) -> str:
    ensure_select(tree, allowed_reads=connector.file_reads)
    return dialect.render(tree, pretty=pretty)
