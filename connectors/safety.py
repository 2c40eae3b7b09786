"""The guard every query passes before reaching a warehouse: one SELECT, nothing else."""

from __future__ import annotations

from sqlglot import exp

from telltale.errors import UnsafeQueryError

_FORBIDDEN = (
    exp.Insert, exp.Update, exp.Delete, exp.Merge, exp.Create, exp.Drop, exp.Alter,
    exp.Command, exp.Set, exp.Use, exp.Grant, exp.TruncateTable, exp.Copy, exp.Into,
    exp.LoadData,
)


def ensure_select(tree: exp.Expression) -> exp.Expression:
    """Raise UnsafeQueryError unless `tree` is a single read-only SELECT (or set operation)."""
    if not isinstance(tree, exp.Query):
        raise UnsafeQueryError(
            f"only SELECT statements may reach a warehouse, got {type(tree).__name__}; "
            "a model's `source.sql` must be a single SELECT")
    for node in tree.walk():
        if isinstance(node, _FORBIDDEN):
            raise UnsafeQueryError(
                f"only SELECT statements may reach a warehouse; found {type(node).__name__} "
                "inside the query")
    return tree
