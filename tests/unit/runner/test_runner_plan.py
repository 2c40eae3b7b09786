"""The planner: a set of monitors (of several models) and the stored state in, a plan out;
no query runs (an offline connector refuses every one). `compile` prints the same plan."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path


from telltale.connectors import dialect_named
from telltale.connectors.offline import OfflineConnector
from telltale.core.partials import count_rows
from telltale.core.results import TRAINING
from telltale.core.timeutil import TimeRange
from telltale.errors import ConnectorError
from telltale.monitors.model_staleness import FALLBACK_KIND
from telltale.runner.compile import compile_project
from telltale.runner.metrics import MetricCompiler
from telltale.runner.plan import WINDOW, ModelPlan, Unplanned, plan_monitors
from telltale.runner.run import run_project
from telltale.runner.scans import FreshState
from telltale.runner.windows import source_key
from telltale.store import open_store_readonly

from _runner_project import AT, make_project

DAY = timedelta(days=1)
DUCKDB = dialect_named("duckdb")


def _plan(project, state=None, connector_for=None):
    return plan_monitors(project, project.monitors(), at=AT, now=AT + DAY, state=state or FreshState(),
                         connector_for=connector_for or (lambda name: OfflineConnector(DUCKDB)),
                         compiler=MetricCompiler(project))


def test_a_plan_covers_a_set_of_monitors_of_several_models(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    plan = _plan(project)
    assert [mp.name for mp in plan.models] == ["m", "n"]
    m, n = plan.models
    assert isinstance(m, ModelPlan) and isinstance(n, ModelPlan)
    assert [p.cfg.name for p in m.monitors] == ["fresh", "volume", "drift", "drift vs training"]
    assert [p.index for p in m.monitors] == [0, 1, 2, 3]
    fresh, volume, drift, training = m.monitors
    # the query hook's monitor reads no summary; its statement is in the plan
    assert fresh.query is not None and fresh.query.kind == "staleness" and fresh.reads == frozenset()
    assert volume.reads == {(WINDOW, count_rows().key)}
    focal = TimeRange(AT - DAY, AT)
    assert volume.ctx.focal == focal and drift.ctx.baseline == TimeRange(AT - 8 * DAY, AT - DAY)
    assert training.ctx.baseline is TRAINING
    key = source_key(project.monitors()[3].baseline.training)
    assert {s for s, _ in training.reads} == {WINDOW, key} and list(m.training) == [key]
    assert {p.key for p in m.training[key].partials} <= {k for _, k in training.reads}
    base_m, base_n = TimeRange(AT - 8 * DAY, AT - DAY), TimeRange(AT - 4 * DAY, AT - DAY)
    assert m.ranges == [focal, base_m, focal, base_m, focal] and m.baselines == [base_m, base_m]
    assert n.ranges == [focal, base_n]


def test_the_statements_come_in_the_order_a_run_sends_them(tmp_path: Path) -> None:
    plan = _plan(make_project(tmp_path))
    (m_name, m_statements), (n_name, n_statements) = plan.statements()
    kinds = [k for k, _ in m_statements]
    assert (m_name, n_name) == ("m", "n")
    assert kinds[0] == "staleness"     # over the last 2 x max_age, then its fallback over all time
    assert kinds[1] == FALLBACK_KIND
    assert kinds[2] == "grid size (first run only)" and kinds[3].startswith("grid (first run only")
    assert kinds[4:] == ["fused scan", "fused scan (training baseline)"]
    assert [k for k, _ in n_statements] == ["scalar scan"]   # no histogram: no grid query


def test_compile_prints_the_planners_statements(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    planned = {name: [(k, DUCKDB.render(q.tree, pretty=False)) for k, q in statements]
               for name, statements in _plan(project).statements()}
    compiled = dict(compile_project(project, model=None, dialect="duckdb", at=AT, full=True, pretty=False,
                                    now=AT + DAY))
    assert compiled == planned


def test_stored_state_shrinks_the_plan(tmp_path: Path) -> None:
    """After a run has stored grids and final summaries, the plan asks only for what is left."""
    project = make_project(tmp_path)
    run_project(project, at=AT, now=AT + DAY)
    store = open_store_readonly(project.store_url)
    assert store is not None
    try:
        (_, m_statements), (_, n_statements) = _plan(project, state=store).statements()
    finally:
        store.close()
    assert [k for k, _ in m_statements] == ["staleness", FALLBACK_KIND, "fused scan (training baseline)"]
    assert n_statements == []


def test_a_model_whose_connection_fails_is_unplanned_alone(tmp_path: Path) -> None:
    project = make_project(tmp_path)

    def connector_for(name: str):
        if name == "n":
            raise ConnectorError("cannot reach the warehouse of n")
        return OfflineConnector(DUCKDB)

    m, n = _plan(project, connector_for=connector_for).models
    assert isinstance(m, ModelPlan) and len(m.monitors) == 4
    assert isinstance(n, Unplanned) and n.error == "cannot reach the warehouse of n"
    assert [c.name for c in n.monitors] == ["n volume"]


class CountingConnector(OfflineConnector):
    """An offline connector that counts the queries it is asked to run (it runs none)."""

    def __init__(self, dialect) -> None:   # type: ignore[no-untyped-def]
        super().__init__(dialect)
        self.executed = 0

    def execute(self, query):   # type: ignore[no-untyped-def]
        self.executed += 1
        return super().execute(query)


def test_planning_and_rendering_run_no_query(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    connectors: dict[str, CountingConnector] = {}
    plan = _plan(project, connector_for=lambda name: connectors.setdefault(name, CountingConnector(DUCKDB)))
    assert sum(len(s) for _, s in plan.statements()) == 7
    assert [c.executed for c in connectors.values()] == [0, 0]
