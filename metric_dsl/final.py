"""The final expression of a metric: a small tree evaluated in Python over merged partials.

Two-phase aggregation: the warehouse returns partial values per bucket, the buckets of a
window are merged (telltale.planner.partials), and this tree turns the merged values into
the metric. Division by zero, an empty histogram or a math domain error give None, and
None propagates through every operator.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from telltale.planner.partials import PartialValues, normalize_value


def as_number(v: Any) -> float | None:
    """A merged partial value as a float (None for missing, NaN or infinite)."""
    if v is None:
        return None
    if isinstance(v, Decimal):
        v = float(v)
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


@dataclass(frozen=True)
class Const:
    """A constant."""

    value: float | None

    def evaluate(self, values: PartialValues) -> float | None:
        """The constant itself."""
        return as_number(self.value)

    def refs(self) -> Iterator[str]:
        """Partial keys read (none)."""
        return iter(())


@dataclass(frozen=True)
class Ref:
    """The merged value of one scalar partial (count, sum, min or max)."""

    key: str

    def evaluate(self, values: PartialValues) -> float | None:
        """The partial's merged value as a number."""
        return as_number(values.get(self.key))

    def refs(self) -> Iterator[str]:
        """The one partial key read."""
        yield self.key


@dataclass(frozen=True)
class Neg:
    """-operand."""

    operand: Final

    def evaluate(self, values: PartialValues) -> float | None:
        """Minus the operand (None stays None)."""
        v = self.operand.evaluate(values)
        return None if v is None else -v

    def refs(self) -> Iterator[str]:
        """Partial keys read by the operand."""
        return self.operand.refs()


def _pow(a: float, b: float) -> float | None:
    try:
        r = a ** b
    except (OverflowError, ZeroDivisionError):
        return None
    return r if isinstance(r, float | int) else None   # a complex result is undefined


@dataclass(frozen=True)
class Binary:
    """left op right, op in + - * / **; x / 0 is None."""

    op: str
    left: Final
    right: Final

    def evaluate(self, values: PartialValues) -> float | None:
        """Apply the operator; None when either side is None or the result is undefined."""
        a = self.left.evaluate(values)
        b = self.right.evaluate(values)
        if a is None or b is None:
            return None
        if self.op == "+":
            r: float | None = a + b
        elif self.op == "-":
            r = a - b
        elif self.op == "*":
            r = a * b
        elif self.op == "/":
            r = None if b == 0 else a / b
        elif self.op == "**":
            r = _pow(a, b)
        else:  # pragma: no cover - the compiler only builds the five operators
            raise ValueError(f"unknown operator {self.op}")
        return as_number(r)

    def refs(self) -> Iterator[str]:
        """Partial keys read by both sides."""
        yield from self.left.refs()
        yield from self.right.refs()


def _math(fn: str, args: list[float]) -> float | None:
    x = args[0]
    if fn == "abs":
        return abs(x)
    if fn == "sqrt":
        return math.sqrt(x) if x >= 0 else None
    if fn == "ln":
        return math.log(x) if x > 0 else None
    if fn == "exp":
        try:
            return math.exp(x)
        except OverflowError:
            return None
    if fn == "greatest":
        return max(args)
    if fn == "least":
        return min(args)
    if fn == "clip":
        return min(max(x, args[1]), args[2])
    raise ValueError(f"unknown math function {fn}")  # pragma: no cover


@dataclass(frozen=True)
class Math:
    """A math function of aggregates: abs sqrt ln exp greatest least clip coalesce."""

    fn: str
    args: tuple[Final, ...]

    def evaluate(self, values: PartialValues) -> float | None:
        """The function's value; None for a None argument or outside its domain."""
        vals = [a.evaluate(values) for a in self.args]
        if self.fn == "coalesce":
            return next((v for v in vals if v is not None), None)
        if any(v is None for v in vals):
            return None
        return as_number(_math(self.fn, vals))  # type: ignore[arg-type]

    def refs(self) -> Iterator[str]:
        """Partial keys read by the arguments."""
        for a in self.args:
            yield from a.refs()


@dataclass(frozen=True)
class Quantile:
    """The q-quantile from a `hist` partial plus `min`/`max` partials (approximate)."""

    hist: str
    grid: str
    vmin: str
    vmax: str
    q: float

    def evaluate(self, values: PartialValues) -> float | None:
        """Interpolated inside the histogram bin holding the quantile; None when empty."""
        from telltale.stats.histogram import quantile_from_hist

        grid = values.grid(self.grid)
        counts = values.get(self.hist) or {}
        if grid is None or not any(counts.values()):
            return None
        return as_number(quantile_from_hist(grid, counts, as_number(values.get(self.vmin)),
                                            as_number(values.get(self.vmax)), self.q))

    def refs(self) -> Iterator[str]:
        """The histogram and min/max partial keys."""
        yield from (self.hist, self.vmin, self.vmax)


@dataclass(frozen=True)
class CountDistinct:
    """The number of distinct non-null values in a `values` partial."""

    values_key: str

    def evaluate(self, values: PartialValues) -> float | None:
        """Keys with a positive count (a null key never counts)."""
        counts = values.get(self.values_key) or {}
        return float(sum(1 for k, n in counts.items() if k is not None and (n or 0) > 0))

    def refs(self) -> Iterator[str]:
        """The values partial key."""
        yield self.values_key


@dataclass(frozen=True)
class AucRoc:
    """ROC AUC from two `hist` partials of the score: rows labelled positive and negative."""

    pos: str
    neg: str
    grid: str

    def evaluate(self, values: PartialValues) -> float | None:
        """Area under the ROC curve of the binned scores (ties within a bin count half)."""
        from telltale.stats.classification import auc_from_hists

        grid = values.grid(self.grid)
        if grid is None:
            return None
        return as_number(auc_from_hists(grid, values.get(self.pos) or {}, values.get(self.neg) or {}))

    def refs(self) -> Iterator[str]:
        """Both histogram keys."""
        yield from (self.pos, self.neg)


@dataclass(frozen=True)
class Multiclass:
    """accuracy/precision/recall/f1 from a `crosstab(prediction, label)` partial."""

    crosstab: str
    metric: str
    cls: str | None
    average: str

    def evaluate(self, values: PartialValues) -> float | None:
        """The metric from the confusion counts {(predicted, actual): n} (pairs with a null skipped)."""
        from telltale.stats.classification import multiclass_metric

        confusion: dict[tuple[str, str], int] = {}
        for key, n in (values.get(self.crosstab) or {}).items():
            if isinstance(key, str) or len(key) != 2:
                raise TypeError(f"crosstab keys must be (predicted, actual) pairs, got {key!r}")
            p, a = key
            if p is None or a is None:
                continue
            pair = (str(normalize_value(p)), str(normalize_value(a)))
            confusion[pair] = confusion.get(pair, 0) + int(n)
        if not confusion:
            return None
        return as_number(multiclass_metric(confusion, self.metric, self.cls, self.average))

    def refs(self) -> Iterator[str]:
        """The crosstab key."""
        yield self.crosstab


Final = Const | Ref | Neg | Binary | Math | Quantile | CountDistinct | AucRoc | Multiclass
