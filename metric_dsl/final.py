"""The final expression of a metric: a small tree evaluated in Python over merged partials.

Two-phase aggregation: the warehouse returns partial values per bucket, the buckets of a
window are merged (telltale.core.partials), and this tree turns the merged values into
the metric.

A metric can lack a value for two kinds of reasons, and `explain` says which:

* null (SQL semantics, `no_data` in a monitor): a division by zero, a partial over no
  rows (the min of nothing), an empty histogram. Null propagates through every operator;
  `coalesce` replaces it.
* error: an overflow (`mean(x) ** 1000`), a math function outside its domain
  (`sqrt` of a negative number, `ln` of a number <= 0), a partial that is NaN or infinite.
  An error is never replaced by `coalesce`.

`evaluate` returns the value or None for both (the compile-time and legacy callers).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from telltale.core.partials import PartialValues, normalize_value


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


class Undefined(ArithmeticError):
    """Why a final expression has no value: `error` False for null, True for an error."""

    def __init__(self, reason: str, error: bool = False) -> None:
        super().__init__(reason)
        self.reason, self.error = reason, error


@dataclass(frozen=True)
class Outcome:
    """A metric's value, or why it has none (`error`: overflow or outside a domain)."""

    value: float | None
    reason: str | None = None
    error: bool = False


def _fmt(v: float) -> str:
    return f"{v:.6g}"


def _finite(r: Any, what: str) -> float:
    """`r` as a finite float, else an overflow error naming `what`."""
    if isinstance(r, complex):
        raise Undefined(f"undefined: {what} is not a real number", error=True)
    try:
        f = float(r)
    except OverflowError:
        raise Undefined(f"overflow: {what} is too large for a float", error=True) from None
    if math.isnan(f):
        raise Undefined(f"undefined: {what} is not a number", error=True)
    if math.isinf(f):
        raise Undefined(f"overflow: {what} is too large for a float", error=True)
    return f


class _Node:
    """What every node of the tree offers: compute (raises Undefined), evaluate, explain."""

    def compute(self, values: PartialValues) -> float:   # pragma: no cover - every node overrides
        """The value, or Undefined saying why there is none."""
        raise NotImplementedError

    def describe(self) -> str:   # pragma: no cover - every node overrides
        """A short text of the node, for reasons."""
        raise NotImplementedError

    def evaluate(self, values: PartialValues) -> float | None:
        """The value; None when it is null or an error (see `explain` for why)."""
        try:
            return float(self.compute(values))
        except Undefined:
            return None

    def explain(self, values: PartialValues) -> Outcome:
        """The value, or why there is none and whether that is an error."""
        try:
            return Outcome(float(self.compute(values)))
        except Undefined as u:
            return Outcome(None, u.reason, u.error)


def key_text(key: str) -> str:
    """A partial key as readable text: `count|"x"|where "y" > 1` -> `count("x") where "y" > 1`."""
    kind, _, rest = key.partition("|")
    parts = rest.split("|where ", 1)
    text = f"{kind}({parts[0].replace('|', ', ')})"
    return text + (f" where {parts[1]}" if len(parts) > 1 else "")


@dataclass(frozen=True)
class Const(_Node):
    """A constant."""

    value: float | None

    def compute(self, values: PartialValues) -> float:
        """The constant itself (None is null)."""
        if self.value is None:
            raise Undefined("None (a null constant)")
        return _finite(self.value, _fmt(float(self.value)))

    def describe(self) -> str:
        """The constant as text."""
        return "None" if self.value is None else _fmt(float(self.value))

    def refs(self) -> Iterator[str]:
        """Partial keys read (none)."""
        return iter(())


@dataclass(frozen=True)
class Ref(_Node):
    """The merged value of one scalar partial (count, sum, min or max)."""

    key: str

    def compute(self, values: PartialValues) -> float:
        """The partial's merged value as a number (null over no rows; NaN/inf an error).

        An integer (a count, the min or max of an integer column) stays a Python int, so
        `max(x) - min(x)` of BIGINT values near 2^63 is exact (as floats, 1000 came out 0
        or 1024); the operator's result becomes a float after it is taken."""
        raw = values.get(self.key)
        if raw is None:
            raise Undefined(f"{self.describe()} has no value (no rows with a value)")
        if isinstance(raw, int) and not isinstance(raw, bool):
            return raw
        v = as_number(raw)
        if v is None:
            raise Undefined(f"{self.describe()} is {raw!r}, not a finite number (the column "
                            "holds NaN or infinite values, or their sum overflowed)", error=True)
        return v

    def describe(self) -> str:
        """The partial as text."""
        return key_text(self.key)

    def refs(self) -> Iterator[str]:
        """The one partial key read."""
        yield self.key


@dataclass(frozen=True)
class Neg(_Node):
    """-operand."""

    operand: Final

    def compute(self, values: PartialValues) -> float:
        """Minus the operand."""
        return -self.operand.compute(values)

    def describe(self) -> str:
        """-operand as text."""
        return f"-{_wrap(self.operand)}"

    def refs(self) -> Iterator[str]:
        """Partial keys read by the operand."""
        return self.operand.refs()


def _wrap(node: Final) -> str:
    text = node.describe()
    return f"({text})" if isinstance(node, (Binary, Neg)) else text


@dataclass(frozen=True)
class Binary(_Node):
    """left op right, op in + - * / **; x / 0 is null, an overflow is an error."""

    op: str
    left: Final
    right: Final

    def compute(self, values: PartialValues) -> float:
        """Apply the operator (null when either side is null)."""
        a = self.left.compute(values)
        b = self.right.compute(values)
        what = f"{_fmt(a)} {self.op} {_fmt(b)}"
        if self.op == "+":
            r: Any = a + b
        elif self.op == "-":
            r = a - b
        elif self.op == "*":
            r = a * b
        elif self.op == "/":
            if b == 0:
                raise Undefined("division by zero" if isinstance(self.right, Const)
                                else f"division by zero ({self.right.describe()} is 0)")
            r = a / b
        elif self.op == "**":
            try:
                r = float(a) ** float(b)   # floats: an int power could have millions of digits
            except OverflowError:
                raise Undefined(f"overflow: {what} is too large for a float", error=True) from None
            except ZeroDivisionError:
                raise Undefined(f"division by zero ({what})") from None
        else:  # pragma: no cover - the compiler only builds the five operators
            raise ValueError(f"unknown operator {self.op}")
        return _finite(r, what)

    def describe(self) -> str:
        """The operation as text."""
        return f"{_wrap(self.left)} {self.op} {_wrap(self.right)}"

    def refs(self) -> Iterator[str]:
        """Partial keys read by both sides."""
        yield from self.left.refs()
        yield from self.right.refs()


def _math(fn: str, args: list[float]) -> float:
    x = args[0]
    if fn == "abs":
        return abs(x)
    if fn == "sqrt":
        if x < 0:
            raise Undefined(f"undefined: sqrt of a negative number ({_fmt(x)})", error=True)
        return math.sqrt(x)
    if fn == "ln":
        if x <= 0:
            raise Undefined(f"undefined: ln of a number that is not positive ({_fmt(x)})", error=True)
        return math.log(x)
    if fn == "exp":
        try:
            return math.exp(x)
        except OverflowError:
            raise Undefined(f"overflow: exp({_fmt(x)}) is too large for a float", error=True) from None
    if fn == "greatest":
        return max(args)
    if fn == "least":
        return min(args)
    if fn == "clip":
        return min(max(x, args[1]), args[2])
    raise ValueError(f"unknown math function {fn}")  # pragma: no cover


@dataclass(frozen=True)
class Math(_Node):
    """A math function of aggregates: abs sqrt ln exp greatest least clip coalesce."""

    fn: str
    args: tuple[Final, ...]

    def compute(self, values: PartialValues) -> float:
        """The function's value; null for a null argument, an error outside its domain."""
        if self.fn == "coalesce":
            last: Undefined | None = None
            for a in self.args:
                try:
                    return a.compute(values)
                except Undefined as u:
                    if u.error:
                        raise
                    last = u
            assert last is not None
            raise last
        vals = [a.compute(values) for a in self.args]
        return _finite(_math(self.fn, vals), self.describe())

    def describe(self) -> str:
        """The call as text."""
        return f"{self.fn}({', '.join(a.describe() for a in self.args)})"

    def refs(self) -> Iterator[str]:
        """Partial keys read by the arguments."""
        for a in self.args:
            yield from a.refs()


@dataclass(frozen=True)
class Quantile(_Node):
    """The q-quantile from a `hist` partial plus `min`/`max` partials (approximate)."""

    hist: str
    grid: str
    vmin: str
    vmax: str
    q: float

    def compute(self, values: PartialValues) -> float:
        """Interpolated inside the histogram bin holding the quantile; null when empty."""
        from telltale.stats.histogram import quantile_from_hist

        grid = values.grid(self.grid)
        counts = values.get(self.hist) or {}
        if grid is None:
            raise Undefined(f"{self.describe()} has no histogram grid (the baseline has no values "
                            "to place its bins)")
        if not any(counts.values()):
            raise Undefined(f"{self.describe()} has no values in the window")
        r = quantile_from_hist(grid, counts, as_number(values.get(self.vmin)),
                               as_number(values.get(self.vmax)), self.q)
        if r is None:
            raise Undefined(f"{self.describe()} has no values in the window")
        return _finite(r, self.describe())

    def describe(self) -> str:
        """quantile(x, q) as text."""
        return f"quantile({key_text(self.hist).removeprefix('hist(').rstrip(')')}, {self.q:g})"

    def refs(self) -> Iterator[str]:
        """The histogram and min/max partial keys."""
        yield from (self.hist, self.vmin, self.vmax)


@dataclass(frozen=True)
class Variance(_Node):
    """The sample variance from `count`, `sum`, `sum of squares`, `min` and `max` partials,
    an error when the sums cannot give it precisely (see `telltale.stats.moments`)."""

    n: str
    total: str
    total_sq: str
    vmin: str
    vmax: str
    label: str

    def compute(self, values: PartialValues) -> float:
        """`(Σx² − (Σx)²/n) / (n − 1)`; null for n < 2, an error when the rounding of the
        sums (cancellation of values large against their spread, underflow of tiny ones)
        bounds its relative error above 1 %; exactly 0 when min equals max."""
        from telltale.stats.moments import sample_variance

        n = as_number(values.get(self.n)) or 0.0
        if n < 2:
            raise Undefined(f"{self.describe()} needs at least two values (the window has {n:g})")
        total = Ref(self.total).compute(values)
        total_sq = Ref(self.total_sq).compute(values)
        var = sample_variance(n, total, total_sq, as_number(values.get(self.vmin)),
                              as_number(values.get(self.vmax)))
        assert var is not None
        if not math.isfinite(var.value):
            raise Undefined(f"overflow: {self.describe()} cannot be computed from sums: values "
                            "beyond 1.34e154 in magnitude have squares beyond double precision",
                            error=True)
        value = var.value
        if not var.precise:
            raise Undefined(var.why(self.describe(), total / n), error=True)
        return value

    def describe(self) -> str:
        """variance(x) as text."""
        return f"variance({self.label})"

    def refs(self) -> Iterator[str]:
        """The count, sum, sum of squares, min and max partial keys."""
        yield from (self.n, self.total, self.total_sq, self.vmin, self.vmax)


@dataclass(frozen=True)
class CountDistinct(_Node):
    """The number of distinct non-null values in a `values` partial cut at `cap` per bucket."""

    values_key: str
    cap: int = 0

    def compute(self, values: PartialValues) -> float:
        """Keys with a positive count (a null key never counts); an error when a bucket was
        cut (its other values are merged under `__other__`, so they cannot be counted)."""
        from telltale.stats.categorical import OTHER

        counts = values.get(self.values_key) or {}
        if (counts.get(OTHER) or 0) > 0:
            raise Undefined(f"{self.describe()} has more than {self.cap} distinct values in a time "
                            "bucket, so their number is not known exactly; count a coarser "
                            "expression or filter the rows", error=True)
        return float(sum(1 for k, n in counts.items() if k is not None and (n or 0) > 0))

    def describe(self) -> str:
        """count_distinct(x) as text."""
        text = key_text(self.values_key).removeprefix("values")
        return "count_distinct" + text.replace(f", max {self.cap})", ")", 1)

    def refs(self) -> Iterator[str]:
        """The values partial key."""
        yield self.values_key


@dataclass(frozen=True)
class AucRoc(_Node):
    """ROC AUC from two `hist` partials of the score: rows labelled positive and negative."""

    pos: str
    neg: str
    grid: str

    def compute(self, values: PartialValues) -> float:
        """Area under the ROC curve of the binned scores (ties within a bin count half)."""
        from telltale.stats.classification import auc_from_hists

        grid = values.grid(self.grid)
        if grid is None:
            raise Undefined("auc_roc has no histogram grid for the score (the baseline has no "
                            "scores to place its bins)")
        r = auc_from_hists(grid, values.get(self.pos) or {}, values.get(self.neg) or {})
        if r is None:
            raise Undefined("auc_roc needs rows of both labels (positive and negative) with a score")
        return _finite(r, "auc_roc")

    def describe(self) -> str:
        """auc_roc as text."""
        return "auc_roc"

    def refs(self) -> Iterator[str]:
        """Both histogram keys."""
        yield from (self.pos, self.neg)


@dataclass(frozen=True)
class Multiclass(_Node):
    """accuracy/precision/recall/f1 from a `crosstab(prediction, label)` partial."""

    crosstab: str
    metric: str
    cls: str | None
    average: str

    def compute(self, values: PartialValues) -> float:
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
            raise Undefined(f"{self.describe()} has no rows with both a prediction and a label")
        r = multiclass_metric(confusion, self.metric, self.cls, self.average)
        if r is None:
            raise Undefined(f"{self.describe()} is undefined: a division by zero (no row "
                            f"{'of class ' + repr(self.cls) + ' ' if self.cls is not None else ''}"
                            "in its denominator)")
        return _finite(r, self.describe())

    def describe(self) -> str:
        """The multiclass metric as text."""
        cls = f", class={self.cls!r}" if self.cls is not None else ""
        return f"{self.metric}(average={self.average!r}{cls})"

    def refs(self) -> Iterator[str]:
        """The crosstab key."""
        yield self.crosstab


Final = Const | Ref | Neg | Binary | Math | Quantile | Variance | CountDistinct | AucRoc | Multiclass
