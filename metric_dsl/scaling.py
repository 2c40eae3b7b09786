"""How a metric grows with the length of a window, read from its final expression.

A `change` detection compares a window with the baseline "per window of the focal
window's length": counts and sums (extensive values) are scaled by focal / baseline
length, ratios are taken over the whole baseline. Counting and summing partials grow in
proportion to the window (degree 1); min, max, histograms' quantiles, AUC, per-class
metrics, variances and constants do not (degree 0). A metric's degrees are those of the
terms of its formula seen as a polynomial in the counts and sums: `count()` is {1},
`count() / count()` {0}, `5 * tp - 2 * fp` {1}, `count() + 1` {0, 1} and `count() ** 2`
has none (None: not a polynomial of one degree per term).
"""

from __future__ import annotations

from telltale.metric_dsl import final

Degrees = frozenset[int] | None

_EXTENSIVE_KINDS = ("count", "sum")
_NO_GROWTH = (final.Quantile, final.Variance, final.AucRoc, final.Multiclass)


def degrees(node: final.Final) -> Degrees:
    """The degrees of the node's terms in the counting partials (None when unknown)."""
    if isinstance(node, final.Const):
        return frozenset({0})
    if isinstance(node, final.Ref):
        return frozenset({1 if node.key.split("|", 1)[0] in _EXTENSIVE_KINDS else 0})
    if isinstance(node, _NO_GROWTH):
        return frozenset({0})
    if isinstance(node, final.Neg):
        return degrees(node.operand)
    if isinstance(node, final.Binary):
        return _binary(node)
    if isinstance(node, final.Math):
        args = [degrees(a) for a in node.args]
        if all(a == frozenset({0}) for a in args):
            return frozenset({0})
        if node.fn == "abs":
            return args[0]
    return None


def _binary(node: final.Binary) -> Degrees:
    a, b = degrees(node.left), degrees(node.right)
    if a is None or b is None:
        return None
    if node.op in ("+", "-"):
        return a | b
    if node.op == "*":
        return frozenset(i + j for i in a for j in b)
    if node.op == "/" and len(b) == 1:
        (j,) = b
        return frozenset(i - j for i in a)
    if node.op == "**" and a == frozenset({0}) and b == frozenset({0}):
        return a
    return None


AFFINE = "affine"
"""A metric of counts and sums plus terms that do not grow (`count() + 1`): compared per
window by evaluating it on the baseline's counts and sums scaled to the focal length."""


def is_extensive(node: final.Final) -> bool | str | None:
    """True for a metric proportional to the window's length (a count, a sum, a linear
    combination of them), False for one that does not grow with it (a ratio, a mean, a
    min), AFFINE for a sum of both kinds of terms, None when the formula does not say (the
    caller decides another way)."""
    d = degrees(node)
    if d == frozenset({1}):
        return True
    if d == frozenset({0}):
        return False
    if d == frozenset({0, 1}):
        return AFFINE
    return None
