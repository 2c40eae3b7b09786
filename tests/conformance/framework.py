"""The conformance suite's frame: one project over the shared dataset, run on a target connector
and on DuckDB with the same bin edges, compared result by result.

A target (`Target`) is the shared dataset (tests/peers/dataset.py) loaded into one peer as
`predictions`, and the connection and source that read it. `project_yaml` writes the same
models and monitors for every target: three models over one table whose time column is a
TIMESTAMP, a TIMESTAMPTZ and a DATE; every monitor type and drift method; a segmented
monitor; DSL metrics; regression performance against the inline label.

Bin edges are pinned: the DuckDB reference run stores its grids, and `pin_grids` copies them
into the target's store under the target's fingerprint before the target runs, so the
histograms have the same bins and the numbers can be equal (each engine's own quantiles
would give slightly different edges; that is a documented difference, not an error).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import yaml

AT = datetime(2024, 3, 11, tzinfo=timezone.utc)   # focal day 2024-03-10, baseline the 7 days before
MODELS = {"m": "ts", "m_tz": "ts_tz", "m_date": "day"}
WIDE = "m_wide"
TIME_COLUMNS = {**MODELS, WIDE: "ts"}
"""Every model of the project and its time column (MODELS and the wide-column model)."""
NUMERIC = ["n_int", "n_big", "amount", "x"]
WITH_SCORE = NUMERIC + ["predictions.score"]
REL_TOL = 1e-9
"""Relative tolerance between an engine's value and DuckDB's: sums of the same doubles in
another order differ in the last bits (measured: 5e-16 on PostgreSQL); 1e-9 leaves room for
engines that add DECIMALs and doubles differently, and is far below any threshold."""
ABS_TOL = 1e-12


@dataclass(frozen=True)
class Target:
    """A peer holding the shared dataset as a table or files, and how to reach it."""

    connection: dict[str, Any]
    """The connection's config (as in telltale.yml), e.g. {"type": "postgres", "url": ...}."""
    source: dict[str, Any]
    """The model's source, e.g. {"table": "predictions"} or {"path": "s3://b/p/", "format": "parquet"}."""
    blind_spot: str
    """What this peer cannot check about the real warehouse (and where that is covered instead)."""
    known_differences: tuple[str, ...] = ()
    """Monitor names whose numbers legitimately differ on this engine, each with its reason
    after a colon ("name: reason"); compared by status only. Keep empty when you can."""


def monitors() -> list[dict[str, Any]]:
    """The same monitors for every target."""
    mons: list[dict[str, Any]] = []
    for method in ("psi", "js", "hellinger", "ks", "wasserstein"):
        cols = NUMERIC if method in ("ks", "wasserstein") else NUMERIC + ["category", "flag"]
        mons.append({"name": f"drift {method}", "model": "m", "type": "data_drift", "method": method,
                     "columns": cols, "threshold": 0.1})
    mons.append({"name": "drift chi2", "model": "m", "type": "data_drift", "method": "chi2",
                 "columns": ["category", "flag"], "threshold": 0.05})
    mons.append({"name": "pred drift", "model": "m", "type": "prediction_drift", "method": "psi",
                 "threshold": 0.1})
    mons.append({"name": "nulls", "model": "m", "type": "missing_values", "segment": "all",
                 "columns": ["x", "flag", "category", "amount"], "detection": {"absolute": {"max": 0.09}}})
    mons.append({"name": "new", "model": "m", "type": "new_values", "columns": ["category"]})
    # a wide column (2,000 integers, about half of a day's values unseen in the baseline):
    # exact, per segment, and above the cap, where each engine cuts the value counts in SQL
    # (planner/capped.py) and returns the bound
    mons.append({"name": "new wide", "model": WIDE, "type": "new_values", "columns": ["n_int"]})
    mons.append({"name": "new wide by segment", "model": WIDE, "type": "new_values", "columns": ["n_int"],
                 "segment": "all"})
    mons.append({"name": "new wide capped", "model": WIDE, "type": "new_values", "columns": ["n_int"],
                 "max_values": 50})
    mons.append({"name": "range", "model": "m", "type": "value_range", "columns": WITH_SCORE,
                 "detection": {"absolute": {"min": -5000, "max": 1.5e12}}})
    mons.append({"name": "range margin", "model": "m", "type": "value_range", "columns": WITH_SCORE,
                 "margin": 0.1})
    for model in MODELS:
        mons.append({"name": f"volume {model}", "model": model, "type": "model_activity", "segment": "all",
                     "detection": {"change": {"percent": 20}}})
    for stat in ("mean", "min", "max", "sum", "variance", "stddev", "missing_count"):
        mons.append({"name": f"stat {stat}", "model": "m", "type": "metric_change", "statistic": stat,
                     "columns": WITH_SCORE, "detection": {"change": {"percent": 10}}})
    for name, metric in (("dsl mean x", "mean(features.x)"), ("dsl sum amount", "sum(features.amount)"),
                         ("dsl count", "count()"), ("dsl missing x", "missing_ratio(features.x)"),
                         ("dsl label rate", "mean(actuals.label)")):
        mons.append({"name": name, "model": "m", "type": "custom_metric", "metric": metric,
                     "detection": {"absolute": {"max": 1e300}}})
    # categorical fields compared with numbers compare as text, on an INTEGER and a VARCHAR column
    mons.append({"name": "dsl category vs number", "model": WIDE, "type": "custom_metric",
                 "metric": f"count([features.n_int in ({', '.join(map(str, range(-300, 300)))}) "
                           "or features.n_int == 400.0]) + 1000 * count([features.category != 1])",
                 "detection": {"absolute": {"max": 1e300}}})
    mons.append({"name": "dsl distinct", "model": WIDE, "type": "custom_metric", "segment": "all",
                 "metric": "count_distinct(features.n_int) + 10000 * count_distinct(features.category)",
                 "detection": {"absolute": {"max": 1e300}}})
    mons.append({"name": "mae", "model": "m", "type": "performance_degradation", "metric": "mae",
                 "detection": {"change": {"percent": 10}}})
    mons.append({"name": "fresh", "model": "m", "type": "model_staleness", "max_age": "2d"})
    mons.append({"name": "fresh by segment", "model": "m", "type": "model_staleness", "max_age": "2d",
                 "segment": "all"})
    return mons


def project_yaml(target: Target) -> str:
    """telltale.yml for a target: the connection `wh`, three models, `monitors()`."""
    models = {}
    for name, ts in MODELS.items():
        models[name] = {
            "type": "regression", "connection": "wh", "source": target.source, "id": "id", "timestamp": ts,
            "features": {"n_int": "numeric", "n_big": "numeric", "amount": "numeric", "x": "numeric",
                         "flag": "boolean", "category": "categorical"},
            "predictions": {"score": "numeric"},
            "actuals": {"label": "numeric"},
            "segments": ["category"],
            "baseline": {"window": {"last": "7d"}},
        }
    models[WIDE] = {   # n_int read as a category: new_values on a wide column
        "type": "regression", "connection": "wh", "source": target.source, "id": "id", "timestamp": "ts",
        "features": {"n_int": "categorical", "category": "categorical"}, "predictions": {"score": "numeric"},
        "segments": ["category"], "baseline": {"window": {"last": "7d"}},
    }
    doc = {"version": 1, "connections": {"wh": target.connection}, "models": models,
           "monitors": monitors()}
    return yaml.safe_dump(doc, sort_keys=False)


def write_project(root: Path, target: Target) -> Path:
    """A project folder for `target` (telltale.yml and nothing else)."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "telltale.yml").write_text(project_yaml(target))
    return root


def run(root: Path) -> Any:
    """Run the project at AT (stores and returns the RunReport; alerts are not delivered)."""
    from telltale.config.project import load_project
    from telltale.runner.run import run_project

    return run_project(load_project(root), at=AT, alerts=False)


def pin_grids(reference: Path, target: Path) -> int:
    """Copy the reference project's stored grids into the target's store (its own fingerprint)."""
    from telltale.config.project import load_project
    from telltale.runner.modelctx import model_spec, summary_fingerprint
    from telltale.store import open_store

    ref, tgt = load_project(reference), load_project(target)
    ref_store = open_store(ref.store_url, base_dir=ref.root)
    tgt_store = open_store(tgt.store_url, base_dir=tgt.root)
    copied = 0
    for name in MODELS:
        ref_fp = summary_fingerprint(ref, model_spec(ref, name))
        tgt_fp = summary_fingerprint(tgt, model_spec(tgt, name))
        for key, grid in ref_store.get_grids(name, fingerprint=ref_fp).items():
            tgt_store.put_grid(name, key, grid, fingerprint=tgt_fp)
            copied += 1
    return copied


Key = tuple[str, str, str, str]


def results_by_key(report: Any) -> dict[Key, dict[str, Any]]:
    """Each result of a run as JSON, keyed (monitor, column, segment, metric)."""
    out = {}
    for r in report.results:
        j = r.as_json()
        out[(j["monitor"], str(j.get("column")), str(j.get("segment")), str(j.get("metric")))] = j
    return out


def differences(got: dict[Key, dict[str, Any]], want: dict[Key, dict[str, Any]],
                status_only: frozenset[str] = frozenset()) -> list[str]:
    """Every way `got` differs from `want`: missing or extra results, statuses, values."""
    import math

    problems = [f"missing {k}" for k in sorted(set(want) - set(got))]
    problems += [f"extra {k}" for k in sorted(set(got) - set(want))]
    for k in sorted(set(want) & set(got)):
        g, w = got[k], want[k]
        if g["status"] != w["status"]:
            problems.append(f"{k}: status {g['status']} != {w['status']} ({g.get('message')})")
            continue
        if k[0] in status_only:
            continue
        for field in ("value", "threshold", "lower_bound", "upper_bound"):
            gv, wv = g.get(field), w.get(field)
            if isinstance(gv, (int, float)) and isinstance(wv, (int, float)):
                if not math.isclose(gv, wv, rel_tol=REL_TOL, abs_tol=ABS_TOL):
                    problems.append(f"{k}: {field} {gv!r} != {wv!r}")
            elif gv != wv:
                problems.append(f"{k}: {field} {gv!r} != {wv!r}")
    return problems


def duckdb_target(folder: Path, table: Any) -> Target:
    """The reference: the dataset in a DuckDB database file."""
    from peers import dataset

    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "wh.duckdb"
    if not path.exists():
        dataset.load_duckdb(table, str(path))
    return Target(connection={"type": "duckdb", "database": str(path)}, source={"table": "predictions"},
                  blind_spot="none: DuckDB is the reference engine")


__all__ = ["AT", "TIME_COLUMNS", "Target", "differences", "duckdb_target", "pin_grids", "project_yaml", "replace",
           "results_by_key", "run", "write_project"]
