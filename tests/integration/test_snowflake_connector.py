"""SnowflakeConnector against fakesnow's server (tests/peers/README.md), and `telltale run` on it.

fakesnow's blind spots (checked instead on the rendered SQL in
tests/unit/connectors/test_snowflake.py): it resolves every name case-insensitively (DuckDB
inside), ignores STATEMENT_TIMEOUT_IN_SECONDS, QUERY_TAG and TIMEZONE (its sessions are always
UTC), accepts any password, and reports no bytes scanned.
"""

from __future__ import annotations

import contextlib
import json
import socket
import sqlite3
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pytest
import yaml
from sqlglot import exp
from typer.testing import CliRunner

from conformance.target_snowflake import snowflake_connection
from peers import dataset
from peers.harness import import_client
from telltale.config.connections import SnowflakeConnection
from telltale.connectors.base import SourceSpec
from telltale.core.partials import Partial, count_rows
from telltale.core.timeutil import TimeRange
from telltale.errors import ConnectorError
from telltale.monitors.model_staleness import newest_query
from telltale.planner.queries import scalar_query
from telltale.planner.spec import ModelSpec

snowflake_connector = import_client("snowflake.connector")
UTC = timezone.utc
DAY = TimeRange(datetime(2024, 3, 10, tzinfo=UTC), datetime(2024, 3, 11, tzinfo=UTC))


@pytest.fixture
def loaded(snowflake_kwargs: dict[str, Any], peer_dataset: pa.Table) -> dict[str, Any]:
    """The connection config of a fresh fakesnow database holding the dataset as PREDICTIONS."""
    with contextlib.closing(snowflake_connector.connect(**snowflake_kwargs)) as conn:
        dataset.load_snowflake(peer_dataset, conn)
    return snowflake_connection(snowflake_kwargs)


def _open(cfg: dict[str, Any], base_dir: Path | None = None) -> Any:
    return SnowflakeConnection.model_validate(cfg).open(base_dir)


def _model(source: SourceSpec, ts: str = "ts", segments: tuple[str, ...] = ("category",)) -> ModelSpec:
    return ModelSpec(name="m", connection="wh", source=source, timestamp=ts, segments=segments)


def _focal(table: pa.Table) -> pa.Table:
    return table.filter(pc.equal(table["day"], pa.scalar(DAY.start.date())))


def test_execute_returns_arrow_under_the_planners_names(loaded: dict[str, Any], peer_dataset: pa.Table,
                                                        tmp_path: Path) -> None:
    """A scalar scan by day and segment: names as asked (__p0, category, __bucket), DuckDB's values."""
    from telltale.connectors.duckdb import DuckDBConnector

    x = exp.column("x", quoted=True)
    partials = [count_rows(), Partial("count", x), Partial("sum", x), Partial("min", exp.column("amount", quoted=True))]
    with contextlib.closing(_open(loaded)) as c:
        planned = scalar_query(_model(SourceSpec(table="predictions")), c, DAY, partials)
        table, stats = c.execute(planned.tree)
    assert {"__bucket", "category", "__p0", "__p1", "__p2", "__p3"} <= set(table.column_names)
    assert '"PREDICTIONS"' in stats.sql and stats.rows == table.num_rows == 6
    assert stats.bytes_scanned is None            # fakesnow's monitoring answer carries no stats
    got = planned.decode(table)
    dataset.load_duckdb(peer_dataset, str(tmp_path / "wh.duckdb"))
    with contextlib.closing(DuckDBConnector(str(tmp_path / "wh.duckdb"))) as d:
        ref = scalar_query(_model(SourceSpec(table="predictions")), d, DAY, partials)
        want = ref.decode(d.execute(ref.tree)[0])
    assert set(got) == set(want) and {b for b, _ in got} == {DAY.start}
    for k in want:
        for p in partials:
            assert got[k][p.key] == pytest.approx(want[k][p.key], rel=1e-12), (k, p.kind)
    assert sum(v[count_rows().key] for v in got.values()) == _focal(peer_dataset).num_rows


def test_staleness_on_a_timestamptz_column_is_utc(loaded: dict[str, Any], peer_dataset: pa.Table) -> None:
    """MAX("TS_TZ") AS newest comes back as `newest`, the dataset's last instant (UTC)."""
    with contextlib.closing(_open(loaded)) as c:
        planned = newest_query(_model(SourceSpec(table="predictions"), ts="ts_tz", segments=()), c,
                               datetime(2024, 3, 11, tzinfo=UTC), "time")
        table, _ = c.execute(planned.tree)
        assert c.connection._session_parameters["TIMEZONE"] in ("UTC", "Etc/UTC")   # fakesnow: always
    assert table.column_names == ["newest"]
    newest = planned.decode(table)
    assert newest == pc.max(peer_dataset["ts_tz"]).as_py()


def test_describe_a_table_from_information_schema(loaded: dict[str, Any]) -> None:
    with contextlib.closing(_open(loaded)) as c:
        cols = c.describe(SourceSpec(table="predictions"))
    assert cols["id"] == "numeric" and cols["amount"] == "numeric" and cols["x"] == "numeric"
    assert (cols["ts"], cols["ts_tz"], cols["day"]) == ("timestamp", "timestamp", "date")
    assert (cols["flag"], cols["category"]) == ("boolean", "string")
    assert "score" in cols and "SCORE" in cols and "nope" not in cols


def test_describe_a_users_select_reads_result_metadata(loaded: dict[str, Any]) -> None:
    """A `source: {sql: ...}` keeps its own identifiers and is described by a zero-row SELECT."""
    sql = 'SELECT id, ts, "score" AS score, amount, category AS segment FROM predictions WHERE flag'
    with contextlib.closing(_open(loaded)) as c:
        cols = c.describe(SourceSpec(sql=sql))
        assert dict(cols) == {"ID": "numeric", "TS": "timestamp", "SCORE": "numeric", "AMOUNT": "numeric",
                              "SEGMENT": "string"}
        planned = scalar_query(_model(SourceSpec(sql=sql), segments=("segment",)), c, DAY, [count_rows()])
        table, stats = c.execute(planned.tree)
    assert 'WHERE flag) AS "P"' in stats.sql and "segment" in table.column_names


def test_a_missing_table_or_column_says_what_to_check(loaded: dict[str, Any]) -> None:
    with contextlib.closing(_open(loaded)) as c:
        with pytest.raises(ConnectorError, match=r'table "NOPE" is not in the database.*GRANT SELECT'):
            c.describe(SourceSpec(table="nope"))
        with pytest.raises(ConnectorError, match="(?i)nope.*does not exist.*SELECT on the table"):
            c.execute(exp.select("*").from_(exp.Table(this=exp.to_identifier("nope", quoted=True))))
        with pytest.raises(ConnectorError, match='(?i)"NOPE".*mapped column is missing'):
            c.execute(exp.select(exp.column("nope", quoted=True)).from_(
                exp.Table(this=exp.to_identifier("predictions", quoted=True))))


def test_an_unreachable_host_says_so_quickly() -> None:
    with socket.socket() as s:          # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cfg = {"type": "snowflake", "account": "acme", "user": "svc", "password": "pw",
           "endpoint": f"http://127.0.0.1:{port}", "options": {"login_timeout": 2}}
    with pytest.raises(ConnectorError, match="cannot reach Snowflake at svc@127.0.0.1.*check `account`"):
        _open(cfg)


def test_key_pair_authentication(loaded: dict[str, Any], tmp_path: Path) -> None:
    """The driver signs its login with the key file (fakesnow accepts any key; a bad file is refused here)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    (tmp_path / "rsa_key.p8").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    cfg = {k: v for k, v in loaded.items() if k != "password"} | {"private_key_file": "rsa_key.p8"}
    with contextlib.closing(_open(cfg, tmp_path)) as c:
        table, _ = c.execute(exp.select(exp.Count(this=exp.Star()).as_("n")).from_("predictions"))
        assert type(c.connection.auth_class).__name__ == "AuthByKeyPair"
    assert table.to_pydict() == {"n": [2000]}
    (tmp_path / "bad.p8").write_text("not a key")
    with pytest.raises(ConnectorError, match=r"private_key_file .*bad.p8 cannot be used.*PKCS#8"):
        _open(cfg | {"private_key_file": "bad.p8"}, tmp_path)


# -- telltale run on a Snowflake connection ----------------------------------------------------------

MONITORS = [
    {"name": "volume", "model": "m", "type": "model_activity", "segment": "all",
     "detection": {"change": {"percent": 20}}},
    {"name": "nulls", "model": "m", "type": "missing_values", "segment": "all",
     "columns": ["x", "flag", "category"], "detection": {"absolute": {"max": 0.09}}},
    {"name": "mean", "model": "m", "type": "metric_change", "statistic": "mean", "columns": ["x", "amount"],
     "detection": {"change": {"percent": 10}}},
    {"name": "rate", "model": "m", "type": "custom_metric", "metric": "mean(actuals.label)",
     "detection": {"absolute": {"max": 0.4}}},
    {"name": "fresh", "model": "m", "type": "model_staleness", "max_age": "2d"},
]


def _project(root: Path, connections: dict[str, Any], models: dict[str, str]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    doc = {"version": 1, "connections": connections, "models": {
        name: {"type": "regression", "connection": conn, "source": {"table": "predictions"}, "id": "id",
               "timestamp": "ts", "features": {"x": "numeric", "amount": "numeric", "flag": "boolean",
                                                "category": "categorical"},
               "predictions": {"score": "numeric"}, "actuals": {"label": "numeric"},
               "segments": ["category"], "baseline": {"window": {"last": "7d"}}}
        for name, conn in models.items()},
        "monitors": [dict(m, model=name) | {"name": f"{m['name']} {name}"} for name in models for m in MONITORS]}
    (root / "telltale.yml").write_text(yaml.safe_dump(doc, sort_keys=False))
    return root


def _run(root: Path) -> tuple[int, dict[str, Any]]:
    from telltale.cli.main import app

    res = CliRunner().invoke(app, ["run", "--project", str(root), "--at", "2024-03-11T00:00:00Z", "--json"])
    return res.exit_code, json.loads(res.stdout)


def _duckdb(folder: Path, table: pa.Table) -> dict[str, Any]:
    folder.mkdir(parents=True, exist_ok=True)
    dataset.load_duckdb(table, str(folder / "wh.duckdb"))
    return {"type": "duckdb", "database": str(folder / "wh.duckdb")}


def test_run_gives_duckdbs_statuses_and_values(loaded: dict[str, Any], peer_dataset: pa.Table,
                                               tmp_path: Path) -> None:
    sf_code, sf = _run(_project(tmp_path / "sf", {"wh": loaded}, {"m": "wh"}))
    db_code, db = _run(_project(tmp_path / "db", {"wh": _duckdb(tmp_path / "data", peer_dataset)}, {"m": "wh"}))
    key = lambda r: (r["monitor"], str(r.get("column")), str(r.get("segment")), r["metric"])  # noqa: E731
    want = {key(r): r for r in db["results"]}
    got = {key(r): r for r in sf["results"]}
    assert set(got) == set(want) and len(got) > 20
    assert {r["status"] for r in want.values()} >= {"ok", "alert"}
    for k, w in want.items():
        assert got[k]["status"] == w["status"], k
        if isinstance(w["value"], float):
            assert got[k]["value"] == pytest.approx(w["value"], rel=1e-9), k
        else:
            assert got[k]["value"] == w["value"], k
    assert sf_code == db_code
    assert all(q["sql"].count('"PREDICTIONS"') for q in sf["queries"]) and sf["queries"]


def test_a_missing_password_fails_its_own_monitors_with_exit_3(loaded: dict[str, Any], peer_dataset: pa.Table,
                                                                tmp_path: Path) -> None:
    """The Snowflake connection's monitors are errors naming it; DuckDB's still run and are stored."""
    broken = {k: v for k, v in loaded.items() if k != "password"}
    root = _project(tmp_path / "p", {"sf": broken, "local": _duckdb(tmp_path / "data", peer_dataset)},
                    {"m": "sf", "m_local": "local"})
    code, report = _run(root)
    assert code == 3
    errors = [r for r in report["results"] if r["model"] == "m"]
    assert errors and all(r["status"] == "error" for r in errors)
    assert all("no password or private_key_file for user fake" in r["error"] and "connection 'sf' (snowflake)" in r["error"]
               for r in errors), errors[0]["error"]
    local = [r for r in report["results"] if r["model"] == "m_local"]
    assert local and not any(r["status"] == "error" for r in local)
    with contextlib.closing(sqlite3.connect(root / ".telltale" / "state.db")) as db:
        stored = db.execute("SELECT COUNT(*) FROM metric_points WHERE model = 'm_local'").fetchone()[0]
    assert stored == len(local)


def test_validate_matches_config_names_as_snowflake_resolves_them(loaded: dict[str, Any], tmp_path: Path) -> None:
    """Lower-case names in telltale.yml find the upper-case columns; a missing one is named (exit 2)."""
    from telltale.cli.main import app

    root = _project(tmp_path / "p", {"wh": loaded}, {"m": "wh"})
    ok = CliRunner().invoke(app, ["validate", "--project", str(root)])
    assert ok.exit_code == 0, ok.output
    text = (root / "telltale.yml").read_text().replace("amount: numeric", "amount: numeric\n      tier: categorical", 1)
    (root / "telltale.yml").write_text(text)
    bad = CliRunner().invoke(app, ["validate", "--project", str(root)])
    assert bad.exit_code == 2 and "column 'tier'" in bad.output, bad.output
    assert bad.output.count("is not in the source") == 1, bad.output
