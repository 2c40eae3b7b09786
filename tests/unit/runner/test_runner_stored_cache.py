"""The per-process cache of decoded final summaries (runner/stored.py) on a real DuckDB
warehouse and SQLite store: a backfill through the cache gives the results, statuses and
history of per-bucket runs without it (each as a fresh process would run it), hourly and
daily, with `segment: all` and label summaries taken as of `--at`; a value another writer
stores again is read again; rows deleted from the store are forgotten; and a value is the
exact one from the raw rows."""

from __future__ import annotations

import math
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pytest

from telltale.config import load_project
from telltale.core.results import MonitorResult
from telltale.runner import stored
from telltale.runner.backfill import backfill, backfill_times
from telltale.runner.run import RunReport, run_project
from telltale.store import open_store
from telltale.store.records import PartialRow

UTC = timezone.utc
START = datetime(2026, 3, 1, tzinfo=UTC)
NOW = datetime(2026, 4, 1, tzinfo=UTC)   # every bucket is past late_data: summaries are final

CONFIG = """\
version: 1
connections:
  wh: {{type: duckdb, database: wh.duckdb}}
models:
  m:
    type: binary
    connection: wh
    source: {{table: preds}}
    id: id
    timestamp: ts
    features: {{x: numeric, region: categorical}}
    predictions: {{pred: boolean}}
    actuals: {{label: boolean}}
    actuals_source:
      source: {{table: labels}}
      id: id
      timestamp: labeled_at
    late_labels: {late}
    granularity: {granularity}
    segments: [region]
    baseline: {{window: {{last: {last}, skip: 0d}}}}
monitors:
  - {{name: drift, model: m, type: data_drift, columns: [x], segment: all}}
  - {{name: mean x, model: m, type: metric_change, columns: [x], statistic: mean, segment: all,
     detection: {{change: {{percent: 10}}}}}}
  - {{name: volume, model: m, type: model_activity, detection: {{change: {{percent: 30}}}}}}
  - {{name: precision, model: m, type: performance_degradation, metric: precision, window: {window},
     segment: all, detection: {{absolute: {{min: 0.0}}}}}}
"""

SHAPES = {"hour": {"late": "5h", "last": "1d", "window": "3h", "days": 4, "per_hour": 6},
          "day": {"late": "2d", "last": "5d", "window": "2d", "days": 16, "per_hour": 1}}


def _warehouse(path: Path, days: int, per_hour: int) -> None:
    """Predictions over `days` days (x of mixed magnitude, so sums depend on their order),
    three regions (one NULL), and labels arriving 1 to 30 hours later, some relabelled."""
    rng = np.random.default_rng(7)
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE preds (id BIGINT, ts TIMESTAMP, x DOUBLE, region VARCHAR, pred BOOLEAN)")
    con.execute("CREATE TABLE labels (id BIGINT, labeled_at TIMESTAMP, label BOOLEAN)")
    preds, labels = [], []
    n = 0
    for h in range(days * 24):
        for _ in range(per_hour):
            t = (START + timedelta(hours=h, seconds=int(rng.integers(0, 3600)))).replace(tzinfo=None)
            x = float(rng.normal(h / 10, 1) * 10 ** int(rng.integers(-3, 7)))
            preds.append((n, t, x, [None, "EU", "US"][int(rng.integers(0, 3))], bool(rng.random() < 0.5)))
            labels.append((n, t + timedelta(hours=float(rng.uniform(1, 30))), bool(rng.random() < 0.5)))
            if rng.random() < 0.3:
                labels.append((n, t + timedelta(hours=float(rng.uniform(30, 40))), bool(rng.random() < 0.5)))
            n += 1
    con.executemany("INSERT INTO preds VALUES (?, ?, ?, ?, ?)", preds)
    con.executemany("INSERT INTO labels VALUES (?, ?, ?)", labels)
    con.close()


@pytest.fixture(scope="module")
def warehouses(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = {}
    for granularity, shape in SHAPES.items():
        path = tmp_path_factory.mktemp(f"wh_{granularity}") / "wh.duckdb"
        _warehouse(path, shape["days"], shape["per_hour"])
        out[granularity] = path
    return out


def _project(root: Path, warehouse: Path, granularity: str) -> Any:
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(warehouse, root / "wh.duckdb")
    shape = SHAPES[granularity]
    (root / "telltale.yml").write_text(CONFIG.format(granularity=granularity, **shape), encoding="utf-8")
    return load_project(root, env={})


@pytest.fixture(autouse=True)
def _fresh_cache() -> Any:
    stored.clear()
    yield
    stored.clear()


def _key(r: MonitorResult) -> tuple[Any, ...]:
    return (r.monitor, r.column, r.metric, tuple(sorted((r.segment or {}).items(), key=str)))


def _same_value(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is b
    if isinstance(a, float) and math.isnan(a):
        return isinstance(b, float) and math.isnan(b)
    return bool(a == pytest.approx(b, rel=1e-12, abs=1e-300))


def _assert_same(got: list[RunReport], want: list[RunReport]) -> None:
    assert [r.at for r in got] == [r.at for r in want]
    for g, w in zip(got, want):
        gk, wk = {_key(r): r for r in g.results}, {_key(r): r for r in w.results}
        assert gk.keys() == wk.keys(), g.at
        for k, r in wk.items():
            assert gk[k].status == r.status, (g.at, k, gk[k].message, r.message)
            assert _same_value(gk[k].value, r.value), (g.at, k, gk[k].value, r.value)


def _history(project: Any) -> list[tuple[Any, ...]]:
    with open_store(project.store_url) as store:
        points = store.list_points(model="m")
    return sorted((p.at, p.monitor, p.column or "", p.segment_key, p.status,
                   None if p.value is None else round(p.value, 9)) for p in points)


@pytest.mark.parametrize("granularity", ["hour", "day"])
def test_backfill_through_the_cache_equals_runs_on_fresh_processes(
        tmp_path: Path, warehouses: dict[str, Path], granularity: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A later run first stores final summaries (labels too); the backfill of the earlier
    buckets must then take label summaries as of each `--at`, not the final ones."""
    shape = SHAPES[granularity]
    step = timedelta(hours=1) if granularity == "hour" else timedelta(days=1)
    end = START + timedelta(days=shape["days"])
    first, last = end - 20 * step, end - 2 * step
    later = end   # a run at the end stores final label summaries the backfill may not reuse
    decoded = _count_decodes(monkeypatch)

    fast = _project(tmp_path / "fast", warehouses[granularity], granularity)
    run_project(fast, at=later, alerts=False, now=NOW)
    decoded.clear()
    got = backfill(fast, first, last, now=NOW)
    fast_decodes = len(decoded)

    slow = _project(tmp_path / "slow", warehouses[granularity], granularity)
    with stored.disabled():
        run_project(slow, at=later, alerts=False, now=NOW)
        decoded.clear()
        want = [run_project(slow, at=at, alerts=False, now=NOW)
                for at in backfill_times(slow, first, last, None, None)]
    slow_decodes = len(decoded)

    assert len(got) == 19 and all(r.exit_code in (0, 1) for r in got)
    _assert_same(got, want)
    # the same statements pushed down, bucket by bucket (the cache never adds or skips a scan)
    assert [[q["sql"] for q in r.queries] for r in got] == [[q["sql"] for q in r.queries] for r in want]
    assert _history(fast) == _history(slow)
    scopes = list(stored._scopes.values())
    assert len(scopes) == 1 and scopes[0].hits > 0, "the backfill merged through cached blocks"
    # stored values are decoded once, and again only when a run stores them again (the
    # daily case rescans its scattered label buckets with everything else, and stores them)
    assert 0 < fast_decodes * (3 if granularity == "hour" else 1.5) < slow_decodes
    # label summaries were recomputed as of each --at: the backfill scanned labels every bucket
    assert all(any("labels" in q["sql"] for q in r.queries) for r in got)


def _count_decodes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every stored value decoded from now on (the real decoder, counted)."""
    import telltale.store.coltypes as coltypes

    seen: list[str] = []
    real = coltypes.decode_value

    def counting(text: str) -> Any:
        seen.append(text)
        return real(text)

    monkeypatch.setattr(coltypes, "decode_value", counting)
    return seen


def test_a_value_stored_again_by_another_writer_is_read_again(tmp_path: Path,
                                                              warehouses: dict[str, Path]) -> None:
    project = _project(tmp_path / "p", warehouses["hour"], "hour")
    at = START + timedelta(days=3)
    before = run_project(project, at=at, alerts=False, now=NOW)   # scans and stores every bucket
    scope = next(iter(stored._scopes.values()))
    run_project(project, at=at, alerts=False, now=NOW)   # decodes the stored rows once
    reads = scope.reads
    again = run_project(project, at=at, alerts=False, now=NOW)   # as `serve`'s next tick
    # only the label summaries of the last hours (not final as of --at) are scanned again
    assert reads > 0 and scope.reads == reads, "no stored value decoded again"
    _assert_same([again], [before])
    # another process replaces one baseline bucket's sum of x (same fingerprint, new computed_at)
    with open_store(project.store_url) as other:
        rows = other.get_partials("m", "hour", at - timedelta(hours=5), at - timedelta(hours=4),
                                  fingerprint=_fingerprint(other))
        (bucket, seg), vals, key = next((bs, v, k) for bs, v in sorted(rows.values.items())
                                        for k in v if k.startswith("sum|") and '"x"' in k)
        other.put_partials("m", "hour", [PartialRow(bucket, seg, key, vals[key] + 1e9, True)],
                           run_id="other-writer", fingerprint=_fingerprint(other))
    reads = scope.reads
    after = run_project(project, at=at, alerts=False, now=NOW)
    assert scope.reads == reads + 1, "only the replaced row is read again"
    with stored.disabled():
        want = run_project(project, at=at, alerts=False, now=NOW)
    _assert_same([after], [want])
    mean = {_key(r): r.value for r in after.results if r.monitor == "mean x" and not r.segment}
    old = {_key(r): r.value for r in before.results if r.monitor == "mean x" and not r.segment}
    assert mean and all(mean[k] != old[k] for k in mean), "the new value is the one merged"


def test_rows_deleted_from_the_store_are_forgotten(tmp_path: Path, warehouses: dict[str, Path]) -> None:
    project = _project(tmp_path / "p", warehouses["hour"], "hour")
    at = START + timedelta(days=3)
    first = run_project(project, at=at, alerts=False, now=NOW)
    with open_store(project.store_url) as other:
        assert other.delete_partials("m") > 0
    again = run_project(project, at=at, alerts=False, now=NOW)
    scanned = [q for q in again.queries if q["kind"] != "grid"]
    assert scanned, "the deleted summaries are scanned again, not taken from the cache"
    _assert_same([again], [first])


def test_the_cached_mean_is_the_exact_mean_of_the_rows(tmp_path: Path, warehouses: dict[str, Path]) -> None:
    project = _project(tmp_path / "p", warehouses["hour"], "hour")
    backfill(project, START + timedelta(days=2), START + timedelta(days=2, hours=6), now=NOW)
    at = START + timedelta(days=2, hours=8)
    report = run_project(project, at=at, alerts=False, now=NOW)
    con = duckdb.connect(str(warehouses["hour"]), read_only=True)
    checked = 0
    for r in report.results:
        if r.monitor != "mean x" or r.baseline is None:
            continue
        region = (r.segment or {}).get("region", "*")
        where = "" if not r.segment else ("AND region IS NULL" if region is None else f"AND region = '{region}'")
        for rng, got in ((r.window, r.value), (r.baseline, r.extra.get("baseline_value"))):
            xs = np.array([x for (x,) in con.execute(
                f"SELECT x FROM preds WHERE ts >= ? AND ts < ? {where}",
                [rng.start.replace(tzinfo=None), rng.end.replace(tzinfo=None)]).fetchall()])
            assert got == pytest.approx(math.fsum(xs) / len(xs), rel=1e-12)
            checked += 1
    con.close()
    assert checked == 8   # all rows and three regions, focal and baseline


def _fingerprint(store: Any) -> str:
    import sqlalchemy as sa

    from telltale.store.schema import partials
    with store.engine.connect() as conn:
        return str(conn.execute(sa.select(partials.c.fingerprint).limit(1)).scalar_one())
