"""`telltale compile`: the SQL each model's next run would push down, in any dialect.

By default the plan is the next run's, read from the state store: stored histogram
grids give the bin edges, and only the buckets whose summaries are missing or may still
change are scanned; the statements come in the order the run sends them. With `full`
(or without a store) it is the first run's plan: the grid queries, then scans of every
bucket with placeholder bin edges (the real ones come from the grid query's answer).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Iterator

from telltale.connectors import Dialect, dialect_named
from telltale.connectors.offline import OfflineConnector
from telltale.connectors.safety import ensure_select
from telltale.core.timeutil import to_utc
from telltale.errors import SchemaError, UnsafeQueryError
from telltale.runner.metrics import MetricCompiler
from telltale.runner.plan import ModelPlan, by_model
from telltale.runner.run import select_monitors
from telltale.runner.scans import FreshState, StoredState
from telltale.runner.validate import ValidationProblems, source_sql_problems

if TYPE_CHECKING:
    from telltale.config.project import Project


def compile_project(project: Project, *, model: str | None, dialect: str | None, at: datetime,
                    full: bool = False, pretty: bool = True,
                    now: datetime | None = None) -> Iterator[tuple[str, list[tuple[str, str]]]]:
    """Per model: (query kind, SQL) of every statement the next run at `at` sends, in order.

    The plan is the run's (`runner.plan`), built for an offline connector of the dialect;
    the store is only read. `full` plans as on a fresh store; `pretty=False` renders each
    statement exactly as a connector sends it (as `run --json` lists it).
    """
    from telltale.store import open_store_readonly

    at = to_utc(at)
    compiler = MetricCompiler(project)
    monitors = select_monitors(project, model, None)
    compiler.check(monitors)
    grouped = by_model(monitors)
    problems = source_sql_problems(project, grouped)   # as a run checks them: located, exit 2
    if problems:
        raise ValidationProblems(problems)
    store = None if full else open_store_readonly(project.store_url)
    state: StoredState = store if store is not None else FreshState()
    try:
        for name, mons in grouped.items():
            d = dialect_named(dialect or project.connection(project.model(name).connection).SQL_DIALECT)
            connector = OfflineConnector(d)
            try:
                plan = ModelPlan(project, name, mons, at=at, now=to_utc(now or at), connector=connector,
                                 state=state, compiler=compiler)
                out = [(kind, _sql(q.tree, d, pretty, connector)) for kind, q in plan.statements()]
            except (UnsafeQueryError, SchemaError) as exc:   # e.g. a table named like a file
                raise ValidationProblems([f"{project.where('models', name, 'source')}: {exc}"]) from None
            if out:
                yield name, out
    finally:
        if store is not None:
            store.close()


def _sql(tree: Any, dialect: Dialect, pretty: bool, connector: OfflineConnector) -> str:
    ensure_select(tree, allowed_reads=connector.file_reads)
    return dialect.render(tree, pretty=pretty)
