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
from test_numbers_hostile import (check_dsl_variance, check_ks, check_moments,  # noqa: E402
                                  check_wasserstein, run_project)


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
