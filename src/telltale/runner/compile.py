"""`telltale compile`: the SQL each model's run would push down, in any dialect."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Iterator

from telltale.connectors.offline import OfflineConnector
from telltale.connectors.safety import ensure_select
from telltale.planner.edges import Grid
from telltale.planner.queries import count_query, grid_query, plan_scans
from telltale.runner.metrics import MetricCompiler
from telltale.runner.run import ModelRun, select_monitors
from telltale.timeutil import covering


def compile_project(project: Any, *, model: str | None, dialect: str | None,
                    at: datetime) -> Iterator[tuple[str, list[tuple[str, str]]]]:
    """Per model: (query kind, SQL) for the grid query and the fused scans at time `at`."""
    compiler = MetricCompiler(project)
    monitors = select_monitors(project, model, None)
    compiler.check(monitors)
    by_model: dict[str, list[Any]] = {}
    for m in monitors:
        by_model.setdefault(m.model, []).append(m)
    for name, mons in by_model.items():
        d = dialect or project.connection(project.model(name).connection).type
        d = {"s3": "duckdb", "delta": "duckdb"}.get(d, d)
        connector = OfflineConnector(d)
        mr = ModelRun(project, name, mons, at, connector, None, compiler, None, "compile", at)  # type: ignore[arg-type]
        plan = mr.plan()
        if not plan.ranges:
            continue
        needed, whole = plan.needed, covering(plan.ranges)
        out: list[tuple[str, str]] = []
        hist = {p.grid_key: p.expr for p in needed if p.kind == "hist" and p.expr is not None}
        if hist:
            base = covering(plan.baselines or [whole])
            out.append(("grid size (first run only)", _sql(count_query(mr.spec, connector, base).tree, d, connector)))
            g = grid_query(mr.spec, connector, base, hist, sample_percent=1.0)
            out.append(("grid (first run only: histogram bins from a block sample of the baseline, "
                        "the percent is sized from the count)", _sql(g.tree, d, connector)))
        grids = {k: Grid(0.0, 1.0, mr.spec.histogram_bins) for k in hist}
        for q in plan_scans(mr.spec, connector, whole, needed, grids):
            out.append((q.kind + " scan", _sql(q.tree, d, connector)))
        yield name, out


def _sql(tree: Any, dialect: str, connector: OfflineConnector) -> str:
    ensure_select(tree, allowed_reads=connector.file_reads)
    return tree.sql(dialect=dialect, pretty=True)
