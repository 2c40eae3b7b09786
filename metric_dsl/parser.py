"""Source text -> syntax tree, with the lark LALR parser built from grammar.lark.

Nesting is bounded and long flat chains are cheap: the tree is built without recursion,
chains of one operator (`a + b - c + ...`, `x * y * ...`, `p or q or ...`, `p and q and
...`) longer than BALANCE_AT terms become balanced trees of depth log2(n), and anything
nested deeper than MAX_NESTING levels (parentheses, brackets, unary operators, `**` and
`/` chains, calls) is a DSLError at its place. Every later stage (checks, compiler, SQL
generation, evaluation) recurses over the tree, so this bound is what keeps them safe.
"""

from __future__ import annotations

from telltale.metric_dsl import ast

# how deep an expression may nest (the checks, the compiler and SQL generation recurse)
MAX_NESTING = 100
# chains with more terms than this are rebuilt as balanced trees (shorter ones keep the
# left-to-right shape they are written in, so their SQL does not change)
BALANCE_AT = 16
# largest whole-number literal (beyond it SQL engines disagree on the type)
MAX_INT = 2**63 - 1


def nesting_message(limit: int = MAX_NESTING) -> str:
    """The error for an expression nested too deeply."""
    return (f"expression nested deeper than {limit} levels (parentheses, brackets, calls and "
            "operators each add one); split it into smaller metrics defined one after another")


def parse_file(text: str, path: str = "<metric>", *, builtin: bool = False) -> ast.MetricFile:
    """Parse a whole `*.metric` source into a MetricFile (DSLError on a syntax error)."""
    from telltale.metric_dsl.lark_tree import build   # lark is imported only when parsing

    return ast.MetricFile(path, tuple(build(text, path, "start", builtin)))


def parse_expression(text: str, source: str = "<expression>") -> ast.Expr:
    """Parse one metric expression (a metric written inline in telltale.yml)."""
    from telltale.metric_dsl.lark_tree import build

    return build(text, source, "inline", False)
