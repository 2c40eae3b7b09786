"""The grammar: every construct, operator precedence, positions, comments, syntax errors."""

from __future__ import annotations

import dataclasses

import pytest
from telltale.metric_dsl import ast
from telltale.metric_dsl.parser import parse_expression, parse_file

from telltale.errors import DSLError


def expr(text: str) -> ast.Expr:
    return parse_expression(text, "x.metric")


def shape(node) -> object:
    """A compact, position-free form of a tree for comparisons."""
    if isinstance(node, ast.Number | ast.String | ast.Bool):
        return node.value
    if isinstance(node, ast.NoneLit):
        return None
    if isinstance(node, ast.Field):
        return f"{node.group}.{node.name}"
    if isinstance(node, ast.Name):
        return node.name
    if isinstance(node, ast.Call):
        return (node.name, [shape(a) for a in node.args],
                {k.name: shape(k.value) for k in node.keywords})
    if isinstance(node, ast.Filtered):
        return ("[]", shape(node.target), shape(node.condition))
    if isinstance(node, ast.RowFilter):
        return ("[]", shape(node.condition))
    if isinstance(node, ast.BinOp | ast.Compare | ast.BoolOp):
        return (node.op, shape(node.left), shape(node.right))
    if isinstance(node, ast.Neg):
        return ("neg", shape(node.operand))
    if isinstance(node, ast.Not):
        return ("not", shape(node.operand))
    if isinstance(node, ast.IsNone):
        return ("is not None" if node.negated else "is None", shape(node.operand))
    if isinstance(node, ast.InList):
        return ("not in" if node.negated else "in", shape(node.operand), [shape(i) for i in node.items])
    raise TypeError(node)


@pytest.mark.parametrize("text, expected", [
    ("1 + 2 * 3", ("+", 1, ("*", 2, 3))),
    ("(1 + 2) * 3", ("*", ("+", 1, 2), 3)),
    ("1 - 2 - 3", ("-", ("-", 1, 2), 3)),
    ("8 / 4 / 2", ("/", ("/", 8, 4), 2)),
    ("2 ** 3 ** 2", ("**", 2, ("**", 3, 2))),
    ("-2 ** 2", ("neg", ("**", 2, 2))),
    ("2 ** -1", ("**", 2, -1)),
    ("-x", ("neg", "x")),
    ("- -3", 3),
    ("+3", 3),
    ("a * -b", ("*", "a", ("neg", "b"))),
    ("1.5e-3 + .5 + 2.", ("+", ("+", 0.0015, 0.5), 2.0)),
])
def test_arithmetic_precedence(text, expected):
    assert shape(expr(text)) == expected


@pytest.mark.parametrize("text, expected", [
    ("[a or b and c]", ("[]", ("or", "a", ("and", "b", "c")))),
    ("[not a and b]", ("[]", ("and", ("not", "a"), "b"))),
    ("[not a == 1]", ("[]", ("not", ("==", "a", 1)))),
    ("[a + 1 > b * 2]", ("[]", (">", ("+", "a", 1), ("*", "b", 2)))),
    ("[(a or b) and c]", ("[]", ("and", ("or", "a", "b"), "c"))),
    ("[a is None or a is not None]", ("[]", ("or", ("is None", "a"), ("is not None", "a")))),
    ('[a in ("x", "y",) and a not in (1, -2)]',
     ("[]", ("and", ("in", "a", ["x", "y"]), ("not in", "a", [1, -2])))),
    ("[a != True and b <= 3 and c >= 4 and d < 5 and e > 6 and f == False]",
     ("[]", ("and", ("and", ("and", ("and", ("and", ("!=", "a", True), ("<=", "b", 3)),
                                          (">=", "c", 4)), ("<", "d", 5)), (">", "e", 6)),
             ("==", "f", False)))),
])
def test_condition_precedence(text, expected):
    assert shape(expr(text)) == expected


def test_fields_filters_calls_and_literals():
    node = expr('sum(features.`annual premium`[features.driving_license == True], filter=[raw_inputs.age <= 35]) '
                '/ prediction_count() + f(predictions.p, actuals.a, threshold=0.7, class="cat", x=None)')
    assert shape(node) == (
        "+",
        ("/", ("sum", [("[]", "features.annual premium", ("==", "features.driving_license", True))],
               {"filter": ("[]", ("<=", "raw_inputs.age", 35))}),
         ("prediction_count", [], {})),
        ("f", ["predictions.p", "actuals.a"], {"threshold": 0.7, "class": "cat", "x": None}))


def test_filters_chain_and_apply_to_any_postfix():
    assert shape(expr("count(f.x[a][b])")) == ("count", [("[]", ("[]", "f.x", "a"), "b")], {})
    assert shape(expr("sum((a - b)[c > 0])")) == ("sum", [("[]", ("-", "a", "b"), (">", "c", 0))], {})
    assert shape(expr("sum(abs(a)[c])")) == ("sum", [("[]", ("abs", ["a"], {}), "c")], {})


def test_strings_escapes_and_quotes():
    assert shape(expr("""f("a\\"b", 'it\\'s')""")) == ("f", ['a"b', "it's"], {})
    assert shape(expr("""f('single', "dou\\nble")""")) == ("f", ["single", "dou\nble"], {})


def test_definitions_comments_and_positions():
    src = ("// a comment\n"
           "# another comment\n"
           "metric avg = mean(features.income)  // trailing\n"
           "metric precision2(pred: boolean | numeric = prediction, actual, threshold=0.5) =\n"
           "    tp_count(pred, actual, threshold)\n"
           "        / count()\n")
    f = parse_file(src, "metrics/credit.metric")
    assert [d.name for d in f.definitions] == ["avg", "precision2"]
    avg, p2 = f.definitions
    assert avg.params is None and avg.pos == ast.Pos("metrics/credit.metric", 3, 1)
    assert avg.body.pos == ast.Pos("metrics/credit.metric", 3, 14)
    assert avg.body.args[0].pos == ast.Pos("metrics/credit.metric", 3, 19)
    assert [(p.name, p.kinds) for p in p2.params] == [
        ("pred", ("boolean", "numeric")), ("actual", None), ("threshold", None)]
    assert isinstance(p2.params[0].default, ast.Name) and p2.params[0].default.name == "prediction"
    assert p2.params[2].default.value == 0.5
    assert p2.body.right.pos.line == 6


def test_empty_parameter_list_and_keywords_as_name_parts():
    f = parse_file("metric android_score() = count(features.order_id[features.is_ok])")
    d = f.definitions[0]
    assert d.params == () and d.name == "android_score"
    assert shape(d.body) == ("count", [("[]", "features.order_id", "features.is_ok")], {})


def test_nodes_are_frozen():
    node = expr("1 + 2")
    with pytest.raises(dataclasses.FrozenInstanceError):
        node.op = "-"  # type: ignore[misc]


@pytest.mark.parametrize("src, where, words", [
    ("metric a = sum(features.x", "f.metric:1:26", ["unexpected end of the text", "')'", "close the ("]),
    ("metric a = sum(x) sum(y)", "f.metric:1:19", ["unexpected name 'sum'", "an operator",
                                                   "'metric'", "missing before it"]),
    ("a = 3", "f.metric:1:1", ["unexpected name 'a'", "expected 'metric'", "metric NAME ="]),
    ("metric a = count(f.x[f.y = 3])", "f.metric:1:26", ["unexpected '='", "write == to compare"]),
    ("metric a = count([f.x > 1 && f.y > 2])", "f.metric:1:27", ["unexpected character '&'", "write `and`"]),
    ("metric a = (3]", "f.metric:1:14", ["unexpected ']'", "expected ')'"]),
    ("metric a = ", "f.metric:1:11", ["expected an expression"]),
    ("metric a = count([f.x in 3])", "f.metric:1:26", ["expected '('", "in (a, b, ...)"]),
    ("metric a = 3;", "f.metric:1:13", ["unexpected character ';'", "need no `;`"]),
    ("metric a = 2 ^ 3", "f.metric:1:14", ["write `**`"]),
])
def test_syntax_errors_say_where_and_what_was_expected(src, where, words):
    with pytest.raises(DSLError) as info:
        parse_file(src, "f.metric")
    msg = str(info.value)
    assert msg.startswith(where + ": "), msg
    for w in words:
        assert w in msg, msg
    assert (info.value.file, info.value.line, info.value.column) == tuple(
        [where.split(":")[0]] + [int(x) for x in where.split(":")[1:]])
