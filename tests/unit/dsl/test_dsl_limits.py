"""Bounded nesting: long flat chains compile to shallow trees with the right value; anything
nested too deeply (in one expression, or through the metrics and parameters it uses) is a
DSLError at file:line:col naming the limit, never a RecursionError."""

from __future__ import annotations

import numpy as np
import pytest
from dsl_support import partial_values
from telltale.metric_dsl import ast, compile_expression, library_from_sources
from telltale.metric_dsl.limits import MAX_COMPILE_DEPTH, MAX_SQL_DEPTH
from telltale.metric_dsl.parser import BALANCE_AT, MAX_NESTING, parse_expression

from telltale.errors import DSLError

NESTED = f"nested deeper than {MAX_NESTING} levels"


def depth(node: ast.Expr) -> int:
    """The depth of a syntax tree (computed without recursion)."""
    best, stack = 0, [(node, 1)]
    while stack:
        n, d = stack.pop()
        best = max(best, d)
        stack.extend((c, d + 1) for c in ast.children(n))
    return best


def evaluate(con, text: str, schema) -> float | None:
    m = compile_expression(text, schema)
    return m.evaluate(partial_values(con, m.partials))


def col(frame, name: str) -> np.ndarray:
    return np.array([np.nan if v is None else float(v) for v in frame[name]])


def test_short_chains_keep_their_left_to_right_shape() -> None:
    text = " + ".join(f"x{i}" for i in range(BALANCE_AT))
    node = parse_expression(text)
    assert depth(node) == BALANCE_AT        # left-nested: ((x0 + x1) + x2) + ...
    assert isinstance(node, ast.BinOp) and node.right == ast.Name(f"x{BALANCE_AT - 1}", node.right.pos)


@pytest.mark.parametrize("op", ["+", "*", "or", "and"])
def test_long_chains_become_balanced_trees(op: str) -> None:
    node = parse_expression(f" {op} ".join(f"x{i}" for i in range(1000)))
    assert depth(node) <= 11
    names = [n.name for n in ast.walk(node) if isinstance(n, ast.Name)]
    assert names == [f"x{i}" for i in range(1000)]   # every term once, in source order


def test_a_long_sum_with_minus_signs_keeps_its_value(con, frame, binary_schema) -> None:
    signs = ["+" if i % 3 else "-" for i in range(1, 500)]
    text = "sum(features.income" + "".join(f" {s} features.income" for s in signs) + ")"
    coefficient = 1 + sum(1 if s == "+" else -1 for s in signs)
    x = col(frame, "income")
    got = evaluate(con, text, binary_schema)
    assert got == pytest.approx(coefficient * np.nansum(x), rel=1e-9)


def test_five_hundred_aggregates_added(con, frame, binary_schema) -> None:
    got = evaluate(con, " + ".join(["count()"] * 500), binary_schema)
    assert got == 500 * len(frame)


def test_long_or_and_and_chains_in_a_filter(con, frame, binary_schema) -> None:
    age = col(frame, "age")
    ors = " or ".join(f"features.age == {a}" for a in range(18, 318))
    assert evaluate(con, f"count([{ors}])", binary_schema) == np.sum(age >= 18)
    ands = " and ".join(f"features.age != {a}" for a in range(1000, 1300))
    assert evaluate(con, f"count([{ands}])", binary_schema) == np.sum(~np.isnan(age))


def test_many_distinct_filters_on_one_aggregate(con, frame, binary_schema) -> None:
    # every filter is hoisted onto the sum and ANDed (as a balanced tree of 300 conditions)
    terms = " + ".join(f"features.income[features.age != {1000 + i}]" for i in range(300))
    x, age = col(frame, "income"), col(frame, "age")
    want = 300 * np.nansum(np.where(np.isnan(age), np.nan, x))
    assert evaluate(con, f"sum({terms})", binary_schema) == pytest.approx(want, rel=1e-9)


def test_nesting_up_to_the_limit_is_accepted_and_one_more_is_an_error() -> None:
    ok = "(" * (MAX_NESTING - 1) + "1" + ")" * (MAX_NESTING - 1)
    assert parse_expression(ok) == ast.Number(1, ast.Pos("<expression>", 1, MAX_NESTING))
    with pytest.raises(DSLError, match=NESTED) as e:
        parse_expression("(" + ok + ")", "m.metric")
    assert (e.value.file, e.value.line, e.value.column) == ("m.metric", 1, 1)


@pytest.mark.parametrize("text", [
    "(" * 1000 + "count()" + ")" * 1000,
    "sum(" + "-" * 500 + "features.income)",
    "count([" + "not " * 300 + "features.has_car])",
    "sum(" + " ** ".join(["features.income"] * 300) + ")",
    "sum(" + " / ".join(["features.income"] * 300) + ")",
    "count(features.income" + "[features.age > 1]" * 300 + ")",
    "sum(" + "abs(" * 300 + "features.income" + ")" * 300 + ")",
    "count([" + "[" * 300 + "features.has_car" + "]" * 300 + "])",
])
def test_deep_nesting_is_an_error_at_its_place(text: str, binary_schema) -> None:
    with pytest.raises(DSLError, match=NESTED) as e:
        compile_expression("\n" + text, binary_schema, source="telltale.yml", line=7, column=12)
    assert e.value.file == "telltale.yml" and e.value.line == 8 and e.value.column > 1


def test_deep_nesting_in_a_metric_file_names_file_line_and_column() -> None:
    src = "metric ok = count()\nmetric deep =\n  " + "(" * 600 + "count()" + ")" * 600 + "\n"
    with pytest.raises(DSLError, match=NESTED) as e:
        library_from_sources([("metrics/deep.metric", src)])
    assert str(e.value).startswith("metrics/deep.metric:3:")


def test_metrics_using_metrics_cannot_nest_without_bound(binary_schema) -> None:
    level = "-(" * 40
    defs = ["metric a0 = " + level + "count()" + ")" * 40]
    defs += [f"metric a{i} = " + level + f"a{i - 1}" + ")" * 40 for i in range(1, 30)]
    lib = library_from_sources([("m.metric", "\n".join(defs) + "\n")])
    assert lib.compile("a1", binary_schema).evaluate(partial_values_none()) is not None
    with pytest.raises(DSLError, match=f"deeper than {MAX_COMPILE_DEPTH} levels, counting the metrics") as e:
        lib.compile("a29", binary_schema)
    assert e.value.file == "m.metric" and e.value.line > 1


def partial_values_none():
    from telltale.core.partials import PartialValues

    return PartialValues({"count|*": 5})


def test_parameters_cannot_stack_sql_without_bound(binary_schema) -> None:
    body = "abs(" * 60 + "x" + ")" * 60
    src = f"metric r(x: numeric) = {body}\nmetric m = sum(r(r(features.income)))\n"
    lib = library_from_sources([("m.metric", src)])
    with pytest.raises(DSLError, match=f"SQL nested deeper than {MAX_SQL_DEPTH} levels") as e:
        lib.compile("m", binary_schema)
    assert e.value.file == "m.metric"


@pytest.mark.parametrize("src", [
    "metric d(x: numeric) = x + x\nmetric m = sum(" + "d(" * 40 + "features.income" + ")" * 40 + ")\n",
    "metric m = sum(" + "clip(" * 40 + "features.income" + ", 0, 1)" * 40 + ")\n",
    "metric m = count([" + "if(" * 40 + "features.has_car" + ", True, False)" * 40 + "])\n",
])
def test_repeated_arguments_cannot_grow_exponentially(src: str, binary_schema) -> None:
    lib = library_from_sources([("m.metric", src)])
    with pytest.raises(DSLError, match="too large to run") as e:
        lib.compile("m", binary_schema)
    assert e.value.file == "m.metric" and e.value.line >= 1


@pytest.mark.parametrize("text, words", [
    ("count() * 99999999999999999999", "too large"),
    ("count() * 1e999", "too large"),
    ("count() + " + "9" * 5000, "too large"),
    ('count([features.region == "\\x"])', "invalid string"),
    ('count([features.region == "\\N{no such name}"])', "invalid string"),
    ("count([features.region == '\\u12'])", "invalid string"),
])
def test_literals_that_do_not_fit_are_errors(text: str, words: str, binary_schema) -> None:
    with pytest.raises(DSLError, match=words) as e:
        compile_expression(text, binary_schema)
    assert e.value.line == 1 and e.value.column > 1


def test_unknown_escapes_still_mean_a_backslash(binary_schema) -> None:
    node = parse_expression(r'"a\db"')
    assert node == ast.String("a\\db", node.pos)
