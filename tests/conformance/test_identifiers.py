"""Hostile names and values on every SQL engine: the same monitors give DuckDB's results.

Two small tables whose schema and table names have spaces and mixed case (`"My Schema"."Pred
Table"`), whose columns are reserved words (`select`, `order`, `group`, `timestamp`), have a space (`Event
Time`), an apostrophe (`it's`), a dash (`x-y`), a non-ASCII letter (`Größe`), mixed case
(`Mixed`) or punctuation (`NaN & inf`, holding NaN and infinities; `big int`, whose SUM
overflows BIGINT), whose segment values are quotes, SQL and backslashes (`a'b`, `x" OR 1=1 --`,
`Ünï`, `C:\\temp\\`), with labels in the second table (`"Labels Table"`, joined on `Pred Id`,
the latest by `timestamp`), are loaded into DuckDB (the reference), PostgreSQL (also with
`standard_conforming_strings` off, and read through the Redshift dialect), fakesnow
(Snowflake), bqemulator (BigQuery) and Parquet files on moto's S3. Each engine runs the same
project twice: on a day with rows and on a day without (every result then `no_data` with its
reason, or a count of 0). Every result must equal DuckDB's, message included, and DuckDB's a
few numbers computed from the raw rows. The names are the ones each engine can hold: BigQuery
column names cannot have a double quote or a dot (those are checked on DuckDB and PostgreSQL
by `test_quotes_and_dots_in_names_on_duckdb_and_postgres`).

Snowflake stores a name created unquoted in upper case and a quoted one exactly: the table
here is created as real Snowflake would hold what the config names (`select` as SELECT,
`Mixed` as MIXED; `Event Time` and `Größe` as written, since they cannot be written unquoted).
Athena is not here: Athena supports only lower-case names of letters, digits and
underscores (its connector test covers its names); Delta refuses spaces and most punctuation
in column names unless column mapping is on.
"""

from __future__ import annotations

import contextlib
import json
import math
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable

import pyarrow as pa
import pytest
import yaml

from conformance import framework

SCHEMA_NAME, TABLE_NAME, LABELS_NAME = "My Schema", "Pred Table", "Labels Table"
"""The tables, in one schema; BigQuery has no space in a dataset name, nor (bqemulator) in a
table name: there they are `<dataset>.Pred-Table` and `<dataset>.Labels-Table`."""
START = datetime(2024, 3, 1)
AT = datetime(2024, 3, 3, tzinfo=timezone.utc)          # focal day 2024-03-02, baseline 2024-03-01
EMPTY_AT = datetime(2024, 4, 1, tzinfo=timezone.utc)    # no rows in the focal day nor its baseline
DEC38 = pa.decimal128(38, 2)
ORDER_VALUES = ("a'b", 'x" OR 1=1 --', "Ünï", None, "C:\\temp\\")
NUMERIC = ["select", "Größe", "it's", "x-y", "NaN & inf", "big int", "dec 38"]     # features; the prediction is `Mixed`
EXTRA = ['we"ird', "a.b"]      # DuckDB and PostgreSQL only


def rows_table(extra: bool = False) -> pa.Table:
    """96 rows over two days (every 30 minutes): the same values on every engine."""
    n = 96
    cols: dict[str, pa.Array] = {
        "Id": pa.array(range(n), pa.int64()),
        "Event Time": pa.array([START + timedelta(minutes=30 * i) for i in range(n)], pa.timestamp("us")),
        "select": pa.array([float(i % 7) for i in range(n)]),
        "order": pa.array([ORDER_VALUES[i % len(ORDER_VALUES)] for i in range(n)]),
        "group": pa.array([i % 3 == 0 for i in range(n)]),
        "Größe": pa.array([float(i % 5) + (0.5 if i >= 48 else 0.0) for i in range(n)]),
        "Mixed": pa.array([float(i * i % 11) for i in range(n)]),
        "it's": pa.array([None if i % 6 == 0 else float(i) for i in range(n)], pa.float64()),
        "x-y": pa.array([float(-i) for i in range(n)]),
        "NaN & inf": pa.array([_odd_float(i) for i in range(n)], pa.float64()),
        "big int": pa.array([9_000_000_000_000_000_000 + i for i in range(n)], pa.int64()),  # SUM overflows BIGINT
        "dec 38": pa.array([Decimal(10**25 + i * 10**20) + Decimal("0.25") for i in range(n)], DEC38),  # > INT64
        "model version": pa.array(["v'1" if i < 30 else ("v\\2" if i % 2 else "v'1") for i in range(n)]),
    }
    if extra:
        cols['we"ird'] = pa.array([float(i % 13) for i in range(n)])
        cols["a.b"] = pa.array([float(i % 17) for i in range(n)])
    return pa.table(cols)


def labels_table() -> pa.Table:
    """A label an hour after each prediction but every fourth, and for every fifth an older,
    wrong label 10 minutes after it (the latest wins); the last hour's labels arrive after AT."""
    ids = [i for i in range(96) if i % 4 != 3]
    dups = [i for i in ids if i % 5 == 0]
    return pa.table({
        "Pred Id": pa.array(ids + dups, pa.int64()),
        "timestamp": pa.array([START + timedelta(minutes=30 * i + 60) for i in ids]
                               + [START + timedelta(minutes=30 * i + 10) for i in dups], pa.timestamp("us")),
        "y true": pa.array([float(i * i % 11) + (i % 3) * 0.5 for i in ids] + [1000.0] * len(dups)),
    })


def tables(extra: bool = False) -> dict[str, pa.Table]:
    """Every table of the project by name."""
    return {TABLE_NAME: rows_table(extra), LABELS_NAME: labels_table()}


def _odd_float(i: int) -> float | None:
    """NaN, +inf, -inf, NULL and plain values (each engine must leave the first three out alike)."""
    return {0: float("nan"), 1: float("inf"), 2: float("-inf"), 3: None}.get(i % 11, float(i))


def _quote(name: str, q: str = '"') -> str:
    return q + name.replace(q, q + q) + q


def metric_text(extra: bool) -> str:
    """DSL metrics over the odd names and values (backquoted fields, quoted string literals)."""
    text = ('metric picked = count([features.`order` == "x\\" OR 1=1 --"]) + 10 * count([features.`order` '
            '== "a\'b"]) + 100 * count([features.`order` in ("Ünï", "a\'b")]) '
            '+ 1000 * count([features.`order` == "C:\\\\temp\\\\"])\n'
            "metric apostrophe = mean(features.`it's`) + sum(features.`x-y`[features.`group` == True])\n"
            "metric umlaut = sum(features.`Größe`[features.`select` > 2]) / count()\n"
            "metric labels = mean(actuals.`y true`) + 1000 * actuals_ratio()\n")
    if extra:
        text += 'metric odd = sum(features.`we"ird`) + max(features.`a.b`)\n'
    return text


def project(connection: dict[str, Any], extra: bool = False) -> dict[str, Any]:
    """The project: one model over the tables, the monitors over every odd name (each source is
    `schema.table` unless the connection dict carries `sources`, table name -> a table name or a
    source, popped here)."""
    connection = dict(connection)
    sources = connection.pop("sources", {})

    def source(name: str) -> dict[str, Any]:
        given = sources.get(name, f"{SCHEMA_NAME}.{name}")
        return given if isinstance(given, dict) else {"table": given}

    features = {**{c: "numeric" for c in NUMERIC + (EXTRA if extra else [])}, "order": "categorical",
                "group": "boolean"}
    numeric = NUMERIC + (EXTRA if extra else []) + ["predictions.Mixed"]
    absolute = {"absolute": {"max": 1e300}}
    mons: list[dict[str, Any]] = [
        {"name": "drift", "model": "m", "type": "data_drift", "method": "psi", "columns": ["order", "group"],
         "threshold": 0.1},
        {"name": "nulls", "model": "m", "type": "missing_values", "segment": "all", "detection": absolute},
        {"name": "new", "model": "m", "type": "new_values", "columns": ["order"]},
        {"name": "range", "model": "m", "type": "value_range", "columns": numeric, "margin": 0.1},
        {"name": "volume", "model": "m", "type": "model_activity", "segment": {"order": "a'b"},
         "detection": {"absolute": {"min": 1}}},
        {"name": "versus segment", "model": "m", "type": "metric_change", "statistic": "mean",
         "columns": ["select"], "detection": {"compare_segment": {"column": "order",
                                                                   "value": 'x" OR 1=1 --', "percent": 20}}},
        {"name": "fresh", "model": "m", "type": "model_staleness", "max_age": "2d"},
        {"name": "fresh version", "model": "m", "type": "model_staleness", "max_age": "2d", "on": "version"},
        {"name": "by version", "model": "m", "type": "metric_change", "statistic": "mean", "by_version": True,
         "columns": ["select", "it's"], "detection": {"change": {"percent": 10}}},
    ]
    for stat in ("mean", "sum", "max", "missing_count"):
        mons.append({"name": f"stat {stat}", "model": "m", "type": "metric_change", "statistic": stat,
                     "columns": numeric, "detection": {"change": {"percent": 10}}})
    mons.append({"name": "mae", "model": "m", "type": "performance_degradation", "metric": "mae",
                 "segment": "all", "detection": {"change": {"percent": 10}}})
    for metric in ("picked", "apostrophe", "umlaut", "labels") + (("odd",) if extra else ()):
        mons.append({"name": f"dsl {metric}", "model": "m", "type": "custom_metric", "metric": metric,
                     "segment": "all", "detection": absolute})
    return {"version": 1, "connections": {"wh": connection}, "metrics": ["*.metric"],
            "models": {"m": {"type": "regression", "connection": "wh", "source": source(TABLE_NAME),
                             "id": "Id", "timestamp": "Event Time", "version": "model version",
                             "features": features,
                             "predictions": {"Mixed": "numeric"}, "actuals": {"y true": "numeric"},
                             "actuals_source": {"source": source(LABELS_NAME), "id": "Pred Id",
                                                "timestamp": "timestamp"},
                             "segments": ["order"], "baseline": {"window": {"last": "1d"}}}},
            "monitors": mons}


def run_both(root: Path, connection: dict[str, Any], extra: bool = False) -> dict[str, Any]:
    """Results of the project at AT and at EMPTY_AT, keyed (at, monitor, column, segment, metric)."""
    from telltale.config.project import load_project
    from telltale.runner.run import run_project

    root.mkdir(parents=True, exist_ok=True)
    (root / "telltale.yml").write_text(yaml.safe_dump(project(connection, extra), sort_keys=False,
                                                      allow_unicode=True))
    (root / "m.metric").write_text(metric_text(extra))
    out = {}
    for at in (AT, EMPTY_AT):
        report = run_project(load_project(root), at=at, alerts=False)
        errors = [r for r in report.results if r.status == "error"]
        assert not errors, f"{errors[0].monitor}: {errors[0].error or errors[0].message}"
        for key, value in framework.results_by_key(report).items():
            out[(at.isoformat(), *key)] = value
    return out


# -- loaders: the same Arrow rows into each engine, under the names it stores -------------------------


def load_duckdb(path: Path, data: dict[str, pa.Table]) -> dict[str, Any]:
    import duckdb

    con = duckdb.connect(str(path))
    try:
        con.execute(f"CREATE SCHEMA {_quote(SCHEMA_NAME)}")
        for name, table in data.items():
            con.register("rows_", table)
            con.execute(f"CREATE TABLE {_quote(SCHEMA_NAME)}.{_quote(name)} AS SELECT * FROM rows_")
            con.unregister("rows_")
    finally:
        con.close()
    return {"type": "duckdb", "database": str(path)}


PG_TYPES = {DEC38: "NUMERIC(38,2)", pa.int64(): "BIGINT", pa.timestamp("us"): "TIMESTAMP", pa.float64(): "DOUBLE PRECISION",
            pa.string(): "TEXT", pa.bool_(): "BOOLEAN"}


def load_postgres(server: Any, database: str, data: dict[str, pa.Table]) -> dict[str, Any]:
    import psycopg

    server.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    server.execute(f'CREATE DATABASE "{database}"')
    with psycopg.connect(server.conninfo(database)) as conn:
        conn.execute(f"CREATE SCHEMA {_quote(SCHEMA_NAME)}")
        for name, table in data.items():
            target = f"{_quote(SCHEMA_NAME)}.{_quote(name)}"
            cols = ", ".join(f"{_quote(f.name)} {PG_TYPES[f.type]}" for f in table.schema)
            conn.execute(f"CREATE TABLE {target} ({cols})")
            names = ", ".join(_quote(n) for n in table.column_names)
            with conn.cursor().copy(f"COPY {target} ({names}) FROM STDIN") as copy:
                for row in zip(*(c.to_pylist() for c in table.columns)):
                    copy.write_row(row)
    return {"type": "postgres", "host": server.host, "port": server.port, "database": database,
            "user": "postgres"}


SF_TYPES = {DEC38: "NUMBER(38,2)", pa.int64(): "BIGINT", pa.timestamp("us"): "TIMESTAMP_NTZ", pa.float64(): "DOUBLE",
            pa.string(): "VARCHAR", pa.bool_(): "BOOLEAN"}
SNOWFLAKE_STORED = {"Id": "ID", "select": "SELECT", "order": "ORDER", "group": "GROUP", "Mixed": "MIXED",
                    "timestamp": "TIMESTAMP"}
"""The names Snowflake stores for config names that can be written unquoted (the rest as written)."""


def load_snowflake(kwargs: dict[str, Any], data: dict[str, pa.Table]) -> dict[str, Any]:
    """Names as real Snowflake stores what the config names: unquoted-able ones upper case."""
    import snowflake.connector

    from conformance.target_snowflake import snowflake_connection

    with contextlib.closing(snowflake.connector.connect(**kwargs)) as conn:
        cur = conn.cursor()
        cur.execute(f"CREATE SCHEMA {_quote(SCHEMA_NAME)}")
        for name, table in data.items():
            stored = [SNOWFLAKE_STORED.get(n, n) for n in table.column_names]
            target = f"{_quote(SCHEMA_NAME)}.{_quote(name)}"
            cur.execute(f"CREATE TABLE {target} ("
                        + ", ".join(f"{_quote(n)} {SF_TYPES[f.type]}" for n, f in zip(stored, table.schema)) + ")")
            # NaN and infinities bound as text ('NaN', 'inf'), which Snowflake casts to DOUBLE
            rows = [tuple(str(v) if isinstance(v, float) and not math.isfinite(v) else v for v in row)
                    for row in zip(*(c.to_pylist() for c in table.columns))]
            cur.executemany(f"INSERT INTO {target} ({', '.join(_quote(n) for n in stored)}) VALUES "
                            f"({', '.join(['%s'] * len(stored))})", rows)
    return snowflake_connection(kwargs)


BQ_TYPES = {DEC38: "NUMERIC", pa.int64(): "INT64", pa.timestamp("us"): "DATETIME", pa.float64(): "FLOAT64",
            pa.string(): "STRING", pa.bool_(): "BOOL"}


def load_bigquery(emulator: Any, dataset: str, data: dict[str, pa.Table]) -> dict[str, Any]:
    """Each table as `project.dataset.Name-With-Dashes`, named so in the connection's `sources`."""
    from google.cloud import bigquery

    client = emulator.client()
    client.create_dataset(dataset, exists_ok=True)
    sources = {}
    for name, table in data.items():
        ref = sources[name] = f"{client.project}.{dataset}.{name.replace(' ', '-')}"
        client.create_table(bigquery.Table(ref, schema=[bigquery.SchemaField(f.name, BQ_TYPES[f.type])
                                                        for f in table.schema]))
        rows = [{k: (v.isoformat() if isinstance(v, datetime) else str(v) if isinstance(v, Decimal) else v)
                 for k, v in zip(table.column_names, row)}
                for row in zip(*(c.to_pylist() for c in table.columns))]
        errors = client.insert_rows_json(ref, rows)
        assert not errors, errors[:3]
    return {"type": "bigquery", "project": emulator.project, "dataset": dataset, "endpoint": emulator.url,
            "sources": sources}


def load_s3(peer: Any, data: dict[str, pa.Table]) -> dict[str, Any]:
    """One Parquet file per table on moto's S3 (`s3://bucket/<name>/`), read by the s3 connector."""
    import pyarrow.parquet as pq

    for name, table in data.items():
        pq.write_table(table, f"{peer.bucket}/{name}/part-0.parquet", filesystem=peer.server.filesystem())
    return {"type": "s3", "endpoint": peer.endpoint_url, "region": peer.region,
            "sources": {name: {"path": f"s3://{peer.bucket}/{name}/", "format": "parquet"} for name in data}}


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Callable[[bool], dict[str, Any]]:
    """DuckDB's results (with and without the DuckDB/PostgreSQL-only names), computed once each."""
    cache: dict[bool, dict[str, Any]] = {}

    def get(extra: bool) -> dict[str, Any]:
        if extra not in cache:
            root = tmp_path_factory.mktemp(f"ident_ref_{extra}")
            cache[extra] = run_both(root / "p", load_duckdb(root / "wh.duckdb", tables(extra)), extra)
        return cache[extra]

    return get


PEER_ARTIFACTS = {"snowflake": {(EMPTY_AT.isoformat(), "fresh", "None", "None", "prediction_age_seconds"):
                                 "fakesnow fetches a NULL TIMESTAMP_NTZ (MAX over no rows) as 1970-01-01 "
                                 "(tests/peers/README.md, pitfalls); real Snowflake returns NULL"}}
"""Results a peer cannot give right, and why (compared by status only when the status agrees)."""


@pytest.mark.parametrize("engine", ["postgres", "postgres_escapes", "redshift", "snowflake", "bigquery", "s3"])
def test_odd_names_and_values_give_duckdbs_results(engine: str, request: pytest.FixtureRequest,
                                                   reference: Callable[[bool], dict[str, Any]],
                                                   tmp_path: Path) -> None:
    table = tables()
    if engine == "postgres":
        connection = load_postgres(request.getfixturevalue("postgres_server"), "ident_pg", table)
    elif engine == "snowflake":
        connection = load_snowflake(request.getfixturevalue("snowflake_kwargs"), table)
    elif engine == "postgres_escapes":   # a server or database set to read backslashes as escapes
        server = request.getfixturevalue("postgres_server")
        connection = load_postgres(server, "ident_pg_escapes", table)
        server.execute('ALTER DATABASE "ident_pg_escapes" SET standard_conforming_strings = off')
    elif engine == "redshift":      # the Redshift dialect on the PostgreSQL peer (conformance/target_redshift.py)
        # Redshift reads a backslash in a string literal as an escape (the dialect renders a\'b and
        # C:\\temp\\), as PostgreSQL does with standard_conforming_strings off
        server = request.getfixturevalue("postgres_server")
        connection = {**load_postgres(server, "ident_rs", table), "type": "redshift", "driver": "psycopg"}
        server.execute('ALTER DATABASE "ident_rs" SET standard_conforming_strings = off')
    elif engine == "s3":
        connection = load_s3(request.getfixturevalue("s3_peer"), table)
    else:
        emulator = request.getfixturevalue("bigquery_emulator")
        connection = load_bigquery(emulator, "ident_bq", table)
    got = run_both(tmp_path / "p", connection)
    want = reference(False)
    for key in PEER_ARTIFACTS.get(engine, {}):
        got[key] = {**want[key], "status": got[key]["status"]}
    assert framework.differences(got, want) == []
    # the same words too: NaN/infinite counts, segment values quoted back, reasons for no_data
    assert {k: v["message"] for k, v in got.items()} == {k: v["message"] for k, v in want.items()}
    statuses = {v["status"] for v in want.values()}
    assert {"ok", "alert", "no_data"} <= statuses, statuses
    rows = rows_table().slice(48).column("order").to_pylist()     # the focal day, from the raw rows
    picked = (rows.count('x" OR 1=1 --') + 10 * rows.count("a'b") + 100 * (rows.count("Ünï") + rows.count("a'b"))
              + 1000 * rows.count("C:\\temp\\"))
    assert want[(AT.isoformat(), "dsl picked", "None", "None", "picked")]["value"] == picked == 12009
    big = sum(rows_table().slice(48).column("big int").to_pylist())      # 4.3e20: beyond any BIGINT
    assert math.isclose(want[(AT.isoformat(), "stat sum", "big int", "None", "sum")]["value"], big, rel_tol=1e-12)
    # labels: the latest per prediction among those labeled by AT (the +60 min one; never the older 1000.0)
    labeled = [i for i in range(48, 96) if i % 4 != 3 and 30 * i + 60 <= 2 * 24 * 60]
    mae = sum((i % 3) * 0.5 for i in labeled) / len(labeled)
    assert math.isclose(want[(AT.isoformat(), "mae", "None", "None", "mae")]["value"], mae, rel_tol=1e-12)
    assert json.dumps(list(want.values()), default=str).count("no rows in the window") > 10


def test_quotes_and_dots_in_names_on_duckdb_and_postgres(postgres_server: Any,
                                                         reference: Callable[[bool], dict[str, Any]],
                                                         tmp_path: Path) -> None:
    """A double quote and a dot inside a column name (BigQuery allows neither)."""
    connection = load_postgres(postgres_server, "ident_pg_extra", tables(extra=True))
    got = run_both(tmp_path / "p", connection, extra=True)
    want = reference(True)
    assert any(k[2] == 'we"ird' for k in want) and any(k[1] == "dsl odd" for k in want)
    assert framework.differences(got, want) == []
