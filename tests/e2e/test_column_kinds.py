"""What a column type cannot support is a `validate` error naming the column."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from telltale.cli.main import app
from telltale.connectors.types import accepts, kind_of_arrow_type

runner = CliRunner()

TYPES = {
    "c_tiny": ("1::TINYINT", "numeric"), "c_huge": ("1::HUGEINT", "numeric"),
    "c_dec": ("1.5::DECIMAL(18,4)", "numeric"), "c_real": ("1::REAL", "numeric"),
    "c_bool": ("true", "boolean"), "c_str": ("'x'", "string"), "c_date": ("DATE '2026-01-01'", "date"),
    "c_ts": ("TIMESTAMP '2026-01-01'", "timestamp"), "c_tstz": ("TIMESTAMPTZ '2026-01-01'", "timestamp"),
    "c_blob": ("'ab'::BLOB", "binary"), "c_list": ("[1, 2]", "list"), "c_struct": ("{'a': 1}", "struct"),
    "c_map": ("MAP([1], [2])", "map"), "c_time": ("TIME '10:00'", "time"),
    "c_interval": ("INTERVAL 1 DAY", "interval"), "c_uuid": ("gen_random_uuid()", "string"),
}


def test_kinds_of_duckdb_types() -> None:
    con = duckdb.connect()
    table = con.sql("SELECT " + ", ".join(f"{sql} AS {name}" for name, (sql, _) in TYPES.items())).to_arrow_table()
    got = {f.name: kind_of_arrow_type(f.type) for f in table.schema}
    assert got == {name: kind for name, (_, kind) in TYPES.items()}


@pytest.mark.parametrize("field_kind,column_kind,ok", [
    ("numeric", "numeric", True), ("numeric", "string", False), ("numeric", "binary", False),
    ("numeric", "list", False), ("numeric", "struct", False), ("numeric", "date", False),
    ("numeric", "timestamp", False), ("categorical", "binary", False), ("categorical", "list", False),
    ("categorical", "struct", False), ("categorical", "map", False), ("categorical", "time", False),
    ("categorical", "string", True), ("categorical", "date", True), ("boolean", "string", True),
    ("boolean", "list", False), ("numeric", "null", True),
])
def test_accepts(field_kind: str, column_kind: str, ok: bool) -> None:
    assert accepts(field_kind, column_kind) is ok


def test_boolean_as_numeric_only_where_the_warehouse_casts_it() -> None:
    assert accepts("numeric", "boolean", "duckdb") and accepts("numeric", "boolean", "trino")
    assert not accepts("numeric", "boolean", "postgres")      # CAST(boolean AS DOUBLE PRECISION) fails
    assert not accepts("numeric", "boolean", "bigquery")
    assert accepts("boolean", "boolean", "postgres")


CONFIG = """\
version: 1
connections:
  wh: {type: duckdb, database: wh.duckdb}
models:
  m:
    type: regression
    connection: wh
    source: {table: t}
    timestamp: ts
    features:
      blob_num: {column: c_blob, type: numeric}
      list_cat: {column: c_list, type: categorical}
      struct_num: {column: c_struct, type: numeric}
      text_num: {column: c_str, type: numeric}
      fine: {column: c_int, type: numeric}
    predictions: {score: numeric}
"""


def test_validate_names_every_column_a_type_cannot_support(tmp_path: Path) -> None:
    con = duckdb.connect(str(tmp_path / "wh.duckdb"))
    con.execute("CREATE TABLE t AS SELECT TIMESTAMP '2026-01-01' AS ts, 'ab'::BLOB AS c_blob, [1] AS c_list, "
                "{'a': 1} AS c_struct, 'x' AS c_str, 1 AS c_int, 0.5 AS score")
    con.close()
    (tmp_path / "telltale.yml").write_text(CONFIG)
    res = runner.invoke(app, ["validate", "--project", str(tmp_path)])
    assert res.exit_code == 2, res.output
    for column, kind, field_kind in (("c_blob", "binary", "numeric"), ("c_list", "list", "categorical"),
                                     ("c_struct", "struct", "numeric"), ("c_str", "string", "numeric")):
        assert f"column '{column}' is {kind}, which cannot be monitored as {field_kind}" in res.output, res.output
    assert "c_int" not in res.output
    assert "Traceback" not in res.output


def test_hourly_buckets_on_a_date_column_are_refused_naming_the_key(tmp_path: Path) -> None:
    """A DATE has no hours: `granularity: hour` over it would compare hours with a day (and
    BigQuery cannot coerce '2026-01-01 05:00:00' to a DATE)."""
    con = duckdb.connect(str(tmp_path / "wh.duckdb"))
    con.execute("CREATE TABLE t AS SELECT DATE '2026-01-01' AS d, 1.0 AS x, 0.5 AS p")
    con.close()
    (tmp_path / "telltale.yml").write_text(
        "version: 1\nconnections:\n  wh: {type: duckdb, database: wh.duckdb}\nmodels:\n  m:\n"
        "    type: regression\n    connection: wh\n    source: {table: t}\n    timestamp: d\n"
        "    granularity: hour\n    features: {x: numeric}\n    predictions: {p: numeric}\n"
        "monitors:\n  - {name: v, model: m, type: model_activity, detection: {change: {percent: 20}}}\n")
    res = runner.invoke(app, ["validate", "--project", str(tmp_path)])
    assert res.exit_code == 2, res.output
    assert "models.m.granularity" in res.output or "telltale.yml:10" in res.output, res.output
    assert "hourly buckets need a timestamp, and column 'd' is a DATE; use granularity: day" in res.output
