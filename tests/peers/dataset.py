"""The shared test dataset of the conformance suite, and loaders that put it into each peer.

`build()` gives one deterministic pyarrow table: ROWS rows over DAYS days from START (UTC),
ordered by time, with these columns (SQL types as in DuckDB):

| column   | type          | values |
|----------|---------------|--------|
| id       | BIGINT        | 0 .. ROWS-1, in time order |
| ts       | TIMESTAMP     | event time, UTC wall clock, microseconds, no NULLs |
| ts_tz    | TIMESTAMPTZ   | the same instants, UTC |
| day      | DATE          | the UTC day of ts |
| n_int    | INTEGER       | -1000 .. 999 |
| n_big    | BIGINT        | 10^12 .. 2*10^12 |
| amount   | DECIMAL(12,4) | -10000.0000 .. 9999.9999 |
| x        | DOUBLE        | normal(day-dependent mean), ~10% NULL |
| flag     | BOOLEAN       | ~10% NULL |
| category | VARCHAR       | 'a', 'b', 'c', the string 'null', the empty string '', and NULL |
| label    | INTEGER       | 0 or 1, ~5% NULL |
| score    | DOUBLE        | in [0, 1], higher when label = 1 |

`summary()` gives the numbers a loader must round-trip (row count, exact sums, NULL counts).
Each `load_*` function creates the table (named `predictions` unless told) in one peer and
says in its docstring how it loads; the tests in test_dataset_loaders.py query each back.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

ROWS = 2000
DAYS = 10
START = dt.datetime(2024, 3, 1)
SEED = 20240301
TABLE = "predictions"
CATEGORIES = ("a", "b", "c", "null", "", None)
CATEGORY_WEIGHTS = (0.35, 0.25, 0.2, 0.07, 0.05, 0.08)
AMOUNT_TYPE = pa.decimal128(12, 4)

SCHEMA = pa.schema([
    ("id", pa.int64()),
    ("ts", pa.timestamp("us")),
    ("ts_tz", pa.timestamp("us", tz="UTC")),
    ("day", pa.date32()),
    ("n_int", pa.int32()),
    ("n_big", pa.int64()),
    ("amount", AMOUNT_TYPE),
    ("x", pa.float64()),
    ("flag", pa.bool_()),
    ("category", pa.string()),
    ("label", pa.int32()),
    ("score", pa.float64()),
])

# The column types per peer, in SCHEMA's order.
POSTGRES_TYPES = ("BIGINT", "TIMESTAMP", "TIMESTAMPTZ", "DATE", "INTEGER", "BIGINT", "NUMERIC(12,4)",
                  "DOUBLE PRECISION", "BOOLEAN", "TEXT", "INTEGER", "DOUBLE PRECISION")
SNOWFLAKE_TYPES = ("BIGINT", "TIMESTAMP_NTZ", "TIMESTAMP_TZ", "DATE", "INTEGER", "BIGINT", "NUMBER(12,4)",
                   "DOUBLE", "BOOLEAN", "VARCHAR", "INTEGER", "DOUBLE")
BIGQUERY_TYPES = ("INT64", "DATETIME", "TIMESTAMP", "DATE", "INT64", "INT64", "NUMERIC",
                  "FLOAT64", "BOOL", "STRING", "INT64", "FLOAT64")
GLUE_TYPES = ("bigint", "timestamp", "timestamp", "date", "int", "bigint", "decimal(12,4)",
              "double", "boolean", "string", "int", "double")


def build(rows: int = ROWS, days: int = DAYS, seed: int = SEED) -> pa.Table:
    """The dataset: the same table for the same arguments, on every machine."""
    rng = np.random.default_rng(seed)
    day_index = np.sort(np.arange(rows) % days)
    micros = day_index * 86_400_000_000 + rng.integers(0, 86_400_000_000, rows)
    micros.sort()
    start_us = int((START - dt.datetime(1970, 1, 1)).total_seconds()) * 1_000_000
    ts = pa.array(start_us + micros, pa.int64())
    day = (start_us + micros) // 86_400_000_000

    def nulls(share: float) -> np.ndarray:
        return rng.random(rows) < share

    x = rng.normal(10.0 + 0.5 * day_index, 3.0)
    label = (rng.random(rows) < 0.3).astype(np.int32)
    score = np.clip(0.35 * label + 0.65 * rng.random(rows), 0.0, 1.0)
    amount_units = rng.integers(-100_000_000, 100_000_000, rows)  # in 1/10000
    categories = rng.choice(len(CATEGORIES), size=rows, p=CATEGORY_WEIGHTS)
    x_null = nulls(0.1)
    flag_values = rng.random(rows) < 0.5
    flag_null = nulls(0.1)
    label_null = nulls(0.05)
    columns = [
        pa.array(np.arange(rows), pa.int64()),
        ts.cast(pa.timestamp("us")),
        ts.cast(pa.timestamp("us", tz="UTC")),
        pa.array(day.astype(np.int32), pa.int32()).cast(pa.date32()),
        pa.array(rng.integers(-1000, 1000, rows), pa.int32()),
        pa.array(rng.integers(10**12, 2 * 10**12, rows), pa.int64()),
        pa.array([Decimal(int(u)).scaleb(-4) for u in amount_units], AMOUNT_TYPE),
        pa.array(x, pa.float64(), mask=x_null),
        pa.array(flag_values, pa.bool_(), mask=flag_null),
        pa.array([CATEGORIES[i] for i in categories], pa.string()),
        pa.array(label, pa.int32(), mask=label_null),
        pa.array(score, pa.float64()),
    ]
    return pa.Table.from_arrays(columns, schema=SCHEMA)


def summary(table: pa.Table) -> dict[str, Any]:
    """What a loaded copy must give back: counts, NULL counts and exact sums of some columns."""
    return {
        "rows": table.num_rows,
        "days": len(pc.unique(table["day"])),
        "sum_n_big": pc.sum(table["n_big"]).as_py(),
        "sum_amount": pc.sum(table["amount"]).as_py(),
        "count_x": table.num_rows - table["x"].null_count,
        "sum_x": pc.sum(table["x"]).as_py(),
        "count_category": table.num_rows - table["category"].null_count,
        "count_empty_category": pc.sum(pc.equal(table["category"], "")).as_py(),
    }


# The same summary in SQL, for the tests to run on each peer (it runs unchanged on all of them).
SUMMARY_SQL = (
    "SELECT COUNT(*) AS rows_, COUNT(DISTINCT day) AS days_, SUM(n_big) AS sum_n_big, "
    "SUM(amount) AS sum_amount, COUNT(x) AS count_x, SUM(x) AS sum_x, COUNT(category) AS count_category, "
    "SUM(CASE WHEN category = '' THEN 1 ELSE 0 END) AS count_empty_category FROM {table}"
)


def summary_from_row(row: Iterable[Any]) -> dict[str, Any]:
    """SUMMARY_SQL's single row as summary()'s dict (numbers normalised to int, Decimal and float)."""
    values = list(row)
    keys = ("rows", "days", "sum_n_big", "sum_amount", "count_x", "sum_x", "count_category", "count_empty_category")
    out = dict(zip(keys, values))
    for key in ("rows", "days", "sum_n_big", "count_x", "count_category", "count_empty_category"):
        out[key] = int(out[key])
    out["sum_amount"] = Decimal(str(out["sum_amount"])).quantize(Decimal("0.0001"))
    out["sum_x"] = float(out["sum_x"])
    return out


def _rows(table: pa.Table) -> list[tuple[Any, ...]]:
    """The table as Python tuples (datetime, date, Decimal, bool, None)."""
    return list(zip(*(col.to_pylist() for col in table.columns)))


def _create_sql(name: str, types: tuple[str, ...], quote: str = "") -> str:
    cols = ", ".join(f"{quote}{field.name}{quote} {typ}" for field, typ in zip(SCHEMA, types))
    return f"CREATE TABLE {name} ({cols})"


# --- loaders --------------------------------------------------------------------------------


def load_duckdb(table: pa.Table, path: str, name: str = TABLE) -> None:
    """Create `name` in the DuckDB database file `path` from the Arrow table (CREATE TABLE AS)."""
    import duckdb

    con = duckdb.connect(path)
    try:
        con.register("__telltale_source", table)
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM __telltale_source")
        con.unregister("__telltale_source")
    finally:
        con.close()


def load_postgres(table: pa.Table, conninfo: str, name: str = TABLE) -> None:
    """Create `name` in PostgreSQL (POSTGRES_TYPES) and fill it with COPY ... FROM STDIN (binary-safe rows)."""
    import psycopg

    with psycopg.connect(conninfo) as conn:
        conn.execute(_create_sql(name, POSTGRES_TYPES))
        cols = ", ".join(f.name for f in SCHEMA)
        with conn.cursor().copy(f"COPY {name} ({cols}) FROM STDIN") as copy:
            for row in _rows(table):
                copy.write_row(row)


def load_snowflake(table: pa.Table, conn: Any, name: str = TABLE) -> None:
    """Create `name` in the connection's schema (SNOWFLAKE_TYPES) and load it as write_pandas does.

    The table goes to a local Parquet file, `PUT` into the table's stage, then `COPY INTO ...
    MATCH_BY_COLUMN_NAME`: 0.2 s on fakesnow, where a 2,000-row executemany INSERT takes 10 s
    (pyformat) to 20 s (qmark, which also cannot bind a Decimal). write_pandas itself needs
    snowflake-connector-python[pandas], which pins pandas < 3.
    """
    import pyarrow.parquet as pq

    cur = conn.cursor()
    cur.execute(_create_sql(name, SNOWFLAKE_TYPES))
    with tempfile.TemporaryDirectory(prefix="telltale-sf-load-") as folder:
        path = Path(folder) / f"{name}.parquet"
        pq.write_table(table, path)
        cur.execute(f"PUT 'file://{path}' @%{name}")
        cur.execute(f"COPY INTO {name} FROM @%{name} FILE_FORMAT = (TYPE = PARQUET) "
                    "MATCH_BY_COLUMN_NAME = CASE_INSENSITIVE")
        [result] = cur.fetchall()
    if result[1] != "LOADED" or result[3] != table.num_rows:
        raise RuntimeError(f"COPY INTO {name} did not load every row: {result}")


def _json_value(value: Any) -> Any:
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def load_bigquery(table: pa.Table, client: Any, dataset: str, name: str = TABLE, chunk: int = 500) -> None:
    """Create `dataset.name` (BIGQUERY_TYPES; ts as DATETIME, ts_tz as TIMESTAMP) and stream the rows in.

    Uses `insert_rows_json` (tabledata.insertAll) in chunks: bqemulator refuses the multipart
    upload of `load_table_from_json`.
    """
    from google.cloud import bigquery

    client.create_dataset(dataset, exists_ok=True)
    fields = [bigquery.SchemaField(f.name, typ, precision=12 if typ == "NUMERIC" else None,
                                   scale=4 if typ == "NUMERIC" else None)
              for f, typ in zip(SCHEMA, BIGQUERY_TYPES)]
    ref = f"{client.project}.{dataset}.{name}"
    client.create_table(bigquery.Table(ref, schema=fields))
    names = SCHEMA.names
    rows = [{k: _json_value(v) for k, v in zip(names, row)} for row in _rows(table)]
    for i in range(0, len(rows), chunk):
        errors = client.insert_rows_json(ref, rows[i:i + chunk])
        if errors:
            raise RuntimeError(f"bqemulator refused rows {i}..{i + chunk}: {errors[:3]}")


def hive_partitioning() -> Any:
    """The Hive partitioning of the S3 copy: one folder per day (`day=2024-03-01/`)."""
    import pyarrow.dataset as ds

    return ds.partitioning(pa.schema([("day", pa.date32())]), flavor="hive")


def load_s3_parquet(table: pa.Table, filesystem: Any, base: str) -> None:
    """Write Parquet files under `base` (`bucket/prefix`), Hive-partitioned by day (no `day` column in the files)."""
    import pyarrow.dataset as ds

    ds.write_dataset(table, base, filesystem=filesystem, format="parquet", partitioning=hive_partitioning(),
                     basename_template="part-{i}.parquet")


def s3_parquet_dataset(filesystem: Any, base: str) -> Any:
    """The Parquet copy under `base` as a `pyarrow.dataset` (with `day` back from the folder names)."""
    import pyarrow.dataset as ds

    return ds.dataset(base, filesystem=filesystem, format="parquet", partitioning=hive_partitioning())


def load_delta(table: pa.Table, uri: str, storage_options: dict[str, str] | None = None) -> Any:
    """Write a Delta table at `uri` (a folder, or `s3://...` with moto's storage options), partitioned by day."""
    from peers import delta

    return delta.write(table, uri, storage_options=storage_options, partition_by=["day"])


def register_glue_table(glue: Any, database: str, name: str, location: str) -> None:
    """Describe the S3 Parquet copy in the Glue catalog (GLUE_TYPES; `day` as the partition key)."""
    columns = [{"Name": f.name, "Type": typ} for f, typ in zip(SCHEMA, GLUE_TYPES) if f.name != "day"]
    try:
        glue.create_database(DatabaseInput={"Name": database})
    except glue.exceptions.AlreadyExistsException:
        pass
    glue.create_table(DatabaseName=database, TableInput={
        "Name": name,
        "TableType": "EXTERNAL_TABLE",
        "Parameters": {"classification": "parquet"},
        "PartitionKeys": [{"Name": "day", "Type": "date"}],
        "StorageDescriptor": {
            "Columns": columns,
            "Location": location,
            "InputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
            "OutputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
            "SerdeInfo": {"SerializationLibrary": "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"},
        },
    })
