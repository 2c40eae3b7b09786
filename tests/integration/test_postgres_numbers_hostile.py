"""tests/e2e/test_numbers_hostile.py on a real PostgreSQL: the same nasty columns (1e9 ± 1,
NUMERIC(38,10) around 1.2e7 ± 3, 1e-300, 1e300 and a 1.8e308 outlier in DOUBLE PRECISION),
the same checks and bounds. PostgreSQL raises on a DOUBLE overflow or underflow (DuckDB
returns inf or 0), so these columns also check that no pushed-down expression does either.
PostgreSQL sums DOUBLE PRECISION in its own order and builds the grid from exact
PERCENTILE_CONT; the bounds hold on both."""

from __future__ import annotations

import sys
import uuid
from pathlib import Path
from typing import Any, Iterator

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))
from hostile_numbers_project import NAMES, PG_TYPES, config, make_rows  # noqa: E402
from test_numbers_hostile import (check_dsl_variance, check_integer_range, check_ks,  # noqa: E402
                                  check_moments, check_wasserstein, run_project)


@pytest.fixture(scope="module")
def out(postgres_server: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    import psycopg

    name = f"hostile_{uuid.uuid4().hex[:8]}"
    postgres_server.execute(f'CREATE DATABASE "{name}"')
    with psycopg.connect(postgres_server.conninfo(name)) as con:
        con.execute("CREATE TABLE t (" + ", ".join(f"{n} {t}" for n, t in zip(NAMES, PG_TYPES)) + ")")
        with con.cursor().copy(f"COPY t ({', '.join(NAMES)}) FROM STDIN") as copy:
            for row in make_rows():
                copy.write_row(row)
    root = tmp_path_factory.mktemp("hostile_pg")
    (root / "telltale.yml").write_text(config(
        f"  wh: {{type: postgres, host: {postgres_server.host}, port: {postgres_server.port}, "
        f"database: {name}, user: postgres, timeout: 60}}\n"))
    yield run_project(root)
    postgres_server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_no_overflow_fails_the_postgres_scan(out: dict[str, Any]) -> None:
    # was: every result `error`, "PostgreSQL query failed (22003): value out of range:
    # overflow" (the square of 1e300, the histogram bin of 1.8e308) or "underflow" (the
    # square of 1e-300): PostgreSQL raises where DuckDB returns inf or 0
    assert not [r for r in out["results"] if "out of range" in (r["message"] or "")]
    check_ks(out)


def test_wasserstein_on_postgres(out: dict[str, Any]) -> None:
    check_wasserstein(out)


def test_moments_on_postgres(out: dict[str, Any]) -> None:
    check_moments(out)


def test_dsl_variance_on_postgres(out: dict[str, Any]) -> None:
    check_dsl_variance(out)


def test_integer_range_on_postgres(out: dict[str, Any]) -> None:
    check_integer_range(out)


def test_an_overflowing_metric_says_why_on_postgres(postgres_server: Any, tmp_path: Path) -> None:
    """One prediction of 1e200 against a label of 1: its squared error is beyond double
    precision. DuckDB gives inf (rmse is an `error`: not a finite number); PostgreSQL raises
    SQLSTATE 22003 for the statement, so every monitor of the scan is an `error`, and the
    message says which kind of value does it and what to do."""
    import psycopg

    name = f"hostile_{uuid.uuid4().hex[:8]}"
    postgres_server.execute(f'CREATE DATABASE "{name}"')
    with psycopg.connect(postgres_server.conninfo(name)) as con:
        con.execute("CREATE TABLE t AS SELECT TIMESTAMP '2026-05-01' + i * INTERVAL '864 seconds' AS ts, "
                    "CASE WHEN i = 750 THEN 1e200 ELSE 1.0 END::float8 AS p, 1.0::float8 AS y "
                    "FROM generate_series(0, 799) i")
    (tmp_path / "telltale.yml").write_text(
        "version: 1\nconnections:\n"
        f"  wh: {{type: postgres, host: {postgres_server.host}, port: {postgres_server.port}, "
        f"database: {name}, user: postgres, timeout: 60}}\n"
        "models:\n  m:\n    type: regression\n    connection: wh\n    source: {table: t}\n"
        "    timestamp: ts\n    predictions: {p: numeric}\n    actuals: {y: numeric}\n"
        "monitors:\n  - {name: rmse, model: m, type: performance_degradation, metric: rmse, "
        "detection: {absolute: {max: 1}}}\n")
    try:
        r = run_project(tmp_path)["results"][0]
    finally:
        postgres_server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    assert r["status"] == "error" and "(22003)" in r["message"], r
    assert "squares such values, or filter them out of it" in r["message"], r
