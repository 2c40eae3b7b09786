"""Arrow result columns read column-wise with numpy, straight from their buffers.

The decoders gather a few rows of many columns; converting whole columns to Python, or
calling Arrow compute kernels (`take`, `is_valid`, `cast`: importing `pyarrow.compute`
costs 0.05-0.1 s), would cost more than the run's own work on small results. Fixed-width
columns (integers, floats, dates, timestamps, DECIMAL(p, 0) counts) are viewed as numpy
arrays without a copy; anything else falls back to `to_pylist`, once per column.

Every function returns exactly what `to_pylist()` would hold at those rows (None for a
null); tests/unit/planner/test_planner_columns.py checks that on every Arrow type the
warehouses return.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

_TEMPORAL_WIDTH = {"date32": "i4", "date64": "i8"}


def combined(arr: pa.Array | pa.ChunkedArray) -> pa.Array:
    """One contiguous array (a query result arrives in many record batches)."""
    if isinstance(arr, pa.ChunkedArray):
        if arr.num_chunks == 1:
            return arr.chunk(0)
        return arr.combine_chunks() if arr.num_chunks else pa.array([], type=arr.type)
    return arr


def valid_mask(arr: pa.Array) -> np.ndarray:
    """True where `arr` is not null (its validity bitmap, unpacked)."""
    n = len(arr)
    if arr.null_count == 0:
        return np.ones(n, dtype=bool)
    if arr.null_count == n or arr.buffers()[0] is None:
        return np.zeros(n, dtype=bool)
    bits = np.unpackbits(np.frombuffer(arr.buffers()[0], dtype=np.uint8), bitorder="little")
    return bits[arr.offset:arr.offset + n].astype(bool)


def fixed_values(arr: pa.Array) -> np.ndarray | None:
    """The values of an integer, float, date or timestamp array as numpy (dates and timestamps
    as their integer count of days / units; null slots hold anything), or None for other types.

    A DECIMAL(p, 0) array (DuckDB's SUM of a COUNT) is read as int64 when every value fits.
    """
    t = arr.type
    n, off = len(arr), arr.offset
    if pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_timestamp(t) \
            or pa.types.is_date(t):
        kind = "f" if pa.types.is_floating(t) else "u" if pa.types.is_unsigned_integer(t) else "i"
        code = _TEMPORAL_WIDTH.get(str(t), f"{kind}{t.bit_width // 8}")
        return np.frombuffer(arr.buffers()[1], dtype=np.dtype(code).newbyteorder("<"),
                             count=off + n)[off:]
    if pa.types.is_decimal128(t) and t.scale == 0:
        words = np.frombuffer(arr.buffers()[1], dtype="<i8", count=2 * (off + n))[2 * off:]
        low, high = words[0::2], words[1::2]
        # exact only when the high word is the sign extension of the low one
        fits = (high == np.where(low < 0, -1, 0)) | ~valid_mask(arr)
        return low.copy() if bool(fits.all()) else None
    return None


class Column:
    """One result column, gathered by row positions; the Python list is built at most once."""

    def __init__(self, arr: pa.Array | pa.ChunkedArray) -> None:
        self.arr = combined(arr)
        self._values = fixed_values(self.arr)
        self._valid: np.ndarray | None = None
        self._list: list[Any] | None = None

    @property
    def valid(self) -> np.ndarray:
        """True where the column is not null."""
        if self._valid is None:
            self._valid = valid_mask(self.arr)
        return self._valid

    @property
    def numeric(self) -> np.ndarray | None:
        """The numpy values (see `fixed_values`), or None when the type has none."""
        return self._values

    def take(self, rows: np.ndarray) -> list[Any]:
        """`to_pylist()` at `rows`, None for nulls: integer and float columns through numpy,
        the rest (strings, decimals, dates, timestamps...) through `to_pylist`."""
        t = self.arr.type
        if self._values is not None and (pa.types.is_integer(t) or pa.types.is_float32(t)
                                         or pa.types.is_float64(t)):
            out = self._values[rows].tolist()
            if self.arr.null_count:
                ok = self.valid[rows]
                if not ok.all():
                    out = [v if good else None for v, good in zip(out, ok.tolist())]
            return out
        if self._list is None:
            self._list = self.arr.to_pylist()
        full = self._list
        return [full[r] for r in rows.tolist()]
