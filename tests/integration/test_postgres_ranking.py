"""Ranking metrics on a real PostgreSQL: rows ranked per query by window functions inside
PostgreSQL give the same values as on DuckDB (which match sklearn, tests/e2e/
test_ranking_metrics.py) to 1e-9 relative: both sum the same per-query floats."""

from __future__ import annotations

import json
import sys
import uuid
from pathlib import Path
from typing import Any, Iterator

import duckdb
import pytest
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))
from ranking_project import CONFIG, make_results  # noqa: E402

from telltale.cli.main import app  # noqa: E402

AT = "2026-03-13T00:00:00Z"
DUCK = "  wh: {type: duckdb, database: wh.duckdb}\n"


@pytest.fixture(scope="module")
def pg_results(postgres_server: Any) -> Iterator[str]:
    """A database with the ranking project's table `t`; yields its connection line."""
    import psycopg

    name = f"rank_{uuid.uuid4().hex[:8]}"
    postgres_server.execute(f'CREATE DATABASE "{name}"')
    t = make_results()
    with psycopg.connect(postgres_server.conninfo(name)) as con:
        con.execute("CREATE TABLE t (ts TIMESTAMP, qid TEXT, score DOUBLE PRECISION, relevance BIGINT, "
                    "clicked BOOLEAN, market TEXT)")
        with con.cursor().copy("COPY t (ts, qid, score, relevance, clicked, market) FROM STDIN") as copy:
            for row in zip(*(t.column(c).to_pylist() for c in t.column_names)):
                copy.write_row(row)
    yield (f"  wh: {{type: postgres, host: {postgres_server.host}, port: {postgres_server.port}, "
           f"database: {name}, user: postgres, timeout: 60}}\n")
    postgres_server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _values(root: Path) -> dict[tuple[str, str], float]:
    res = CliRunner().invoke(app, ["run", "--project", str(root), "--at", AT, "--json"])
    out = json.loads(res.stdout)
    assert all(r["error"] is None for r in out["results"]), out["results"]
    return {(r["monitor"], json.dumps(r["segment"], sort_keys=True)): r["value"] for r in out["results"]}


def test_ranking_on_postgres_matches_duckdb(tmp_path: Path, pg_results: str) -> None:
    duck, pg = tmp_path / "duck", tmp_path / "pg"
    duck.mkdir()
    pg.mkdir()
    con = duckdb.connect(str(duck / "wh.duckdb"))
    con.register("t_arrow", make_results())
    con.execute("CREATE TABLE t AS SELECT * FROM t_arrow")
    con.close()
    (duck / "telltale.yml").write_text(CONFIG)
    (pg / "telltale.yml").write_text(CONFIG.replace(DUCK, pg_results))
    want, got = _values(duck), _values(pg)
    assert set(got) == set(want) and len(want) >= 9
    for key, v in want.items():
        assert v is not None and got[key] == pytest.approx(v, rel=1e-9), key
