"""planner/columns.py reads Arrow columns through numpy exactly as `to_pylist()` would."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, datetime
from decimal import Decimal

import numpy as np
import pyarrow as pa
import pytest

from telltale.planner.columns import Column, combined, fixed_values, valid_mask

CASES = [
    pa.array([1, None, -3, 2**62, None, 7], type=pa.int64()),
    pa.array([1, None, 3, 4], type=pa.int32()),
    pa.array([5, 6, None], type=pa.uint16()),
    pa.array([0.5, None, -1.25, float("inf"), float("nan")], type=pa.float64()),
    pa.array([0.5, None, 3.0], type=pa.float32()),
    pa.array(["a", None, "b", ""], type=pa.string()),
    pa.array([True, None, False], type=pa.bool_()),
    pa.array([Decimal(3), None, Decimal(-5), Decimal(10**20)], type=pa.decimal128(38, 0)),
    pa.array([Decimal("1.50"), None], type=pa.decimal128(10, 2)),
    pa.array([date(2025, 1, 1), None, date(1969, 12, 31)], type=pa.date32()),
    pa.array([datetime(2025, 1, 1, 3), None], type=pa.timestamp("us")),
    pa.array([None, None], type=pa.int64()),
    pa.array([], type=pa.float64()),
]


@pytest.mark.parametrize("arr", CASES, ids=lambda a: str(a.type))
def test_take_equals_to_pylist(arr: pa.Array) -> None:
    variants = [arr, arr.slice(1), pa.chunked_array([arr, arr.slice(1)])]
    for v in variants:
        want = v.to_pylist()
        col = Column(v)
        rows = np.arange(len(want))[::-1].copy()
        got = col.take(rows)
        assert [type(x) for x in got] == [type(want[r]) for r in rows.tolist()], v.type
        assert repr(got) == repr([want[r] for r in rows.tolist()]), v.type
        assert col.valid.tolist() == [x is not None for x in want]


def test_counts_of_decimal_sums_read_as_ints_only_when_exact() -> None:
    small = pa.array([Decimal(3), Decimal(-5), None, Decimal(2**63 - 1)], type=pa.decimal128(38, 0))
    vals = fixed_values(small)
    assert vals is not None and vals[[0, 1, 3]].tolist() == [3, -5, 2**63 - 1]
    assert fixed_values(pa.array([Decimal(2**64)], type=pa.decimal128(38, 0))) is None, \
        "a value past int64 must not be read from its low word"
    assert fixed_values(pa.array([Decimal("1.5")], type=pa.decimal128(5, 1))) is None


def test_valid_mask_of_a_sliced_array_follows_the_offset() -> None:
    arr = pa.array([None, 1, None, 2, 3, None, 4, 5, None, 6])
    for start in range(len(arr)):
        part = arr.slice(start)
        assert valid_mask(part).tolist() == [x is not None for x in part.to_pylist()]


def test_combined_joins_chunks() -> None:
    chunked = pa.chunked_array([pa.array([1, 2]), pa.array([3])])
    assert combined(chunked).to_pylist() == [1, 2, 3]
    assert combined(pa.chunked_array([], type=pa.int64())).to_pylist() == []


def test_decoding_a_result_does_not_import_pyarrow_compute() -> None:
    code = ("import sys, duckdb, numpy as np\n"
            "from telltale.planner.columns import Column\n"
            "t = duckdb.sql(\"SELECT CASE WHEN i = 1 THEN NULL ELSE i / 2 END AS k, DATE '2025-01-01' + CAST(i AS INTEGER) AS d, "
            "CAST(i AS HUGEINT) AS n FROM range(5000) r(i)\").to_arrow_table()\n"
            "before = 'pyarrow.compute' in sys.modules\n"
            "assert Column(t.column('k')).take(np.array([2, 1]))[1] is None\n"
            "Column(t.column('d')).numeric, Column(t.column('n')).numeric, Column(t.column('k')).valid\n"
            "print(before, 'pyarrow.compute' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"], out.stdout + out.stderr
