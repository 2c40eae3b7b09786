"""lark's syntax errors -> DSLError in plain words: where, what was found, what was expected."""

from __future__ import annotations

from lark import Lark
from lark.exceptions import (
    UnexpectedCharacters,
    UnexpectedEOF,
    UnexpectedInput,
    UnexpectedToken,
)

from telltale.errors import DSLError

# terminal name -> how a user would call it
WORDS: dict[str, str] = {
    "METRIC": "'metric'", "AND": "'and'", "OR": "'or'", "NOT": "'not'", "IS": "'is'",
    "IN": "'in'", "NONE": "None", "TRUE": "True", "FALSE": "False",
    "COMP_OP": "a comparison (== != < <= > >=)", "DOUBLESTAR": "'**'", "STAR": "'*'",
    "SLASH": "'/'", "PLUS": "'+'", "MINUS": "'-'", "EQUAL": "'='", "LPAR": "'('",
    "RPAR": "')'", "LSQB": "'['", "RSQB": "']'", "COMMA": "','", "DOT": "'.'",
    "COLON": "':'", "VBAR": "'|'", "NAME": "a name", "BACKQUOTED": "a `quoted name`",
    "NUMBER": "a number", "STRING": "a string", "$END": "the end of the text",
}

EXPR_START = {"NAME", "NUMBER", "STRING", "LPAR", "LSQB", "MINUS", "PLUS", "NOT", "TRUE",
              "FALSE", "NONE"}
OPERATORS = {"PLUS", "MINUS", "STAR", "SLASH", "DOUBLESTAR", "COMP_OP", "AND", "OR", "IS",
             "IN", "NOT", "LSQB"}

# characters people bring from other languages -> what to write instead
CHAR_HINTS: dict[str, str] = {
    "&": "write `and` instead of `&`/`&&`",
    "|": "write `or` instead of `|`/`||`",
    "!": "write `not` (or `!=` to compare)",
    ";": "definitions need no `;`: start the next one with `metric`",
    "'": "close the string with a matching quote",
    '"': "close the string with a matching quote",
    "{": "use ( ) for grouping",
    "%": "the operators are + - * / **",
    "^": "write `**` for powers",
    "$": "names use letters, digits and _; backquote odd field names: features.`my field`",
    "@": "names use letters, digits and _; backquote odd field names: features.`my field`",
}


def describe_expected(expected: set[str]) -> str:
    """Turn a set of terminal names into `X, Y or Z`."""
    names = set(expected)
    parts: list[str] = []
    if len(names & EXPR_START) >= 3 and not names & {"COMP_OP", "STAR"}:
        parts.append("an expression (a number, a field such as features.x, or a call such as count())")
        names -= EXPR_START
    elif len(names & OPERATORS) >= 4:
        parts.append("an operator (+ - * / ** == and or ...)")
        names -= OPERATORS | {"LPAR", "DOT", "EQUAL"}
    for n in sorted(names, key=lambda n: (n == "$END", n)):
        word = WORDS.get(n, n.lower())
        if word not in parts:
            parts.append(word)
    if not parts:
        return "something else"
    if len(parts) == 1:
        return parts[0]
    return ", ".join(parts[:-1]) + " or " + parts[-1]


def _accepted(e: UnexpectedInput) -> set[str]:
    """The tokens really acceptable here (LALR state merging makes `e.expected` too wide)."""
    try:
        accepted = set(e.interactive_parser.accepts())
    except (AttributeError, TypeError, ValueError):  # pragma: no cover - no interactive parser
        accepted = set()
    return accepted or set(getattr(e, "expected", None) or getattr(e, "allowed", None) or ())


def _found(tok) -> str:
    if tok.type == "$END":
        return "end of the text"
    if tok.type in ("NAME", "NUMBER", "STRING", "BACKQUOTED"):
        return f"{tok.type.lower() if tok.type != 'BACKQUOTED' else 'name'} {str(tok)!r}"
    return repr(str(tok))


def _hint(tok_type: str, value: str, expected: set[str], column: int) -> str:
    if tok_type == "EQUAL" and "EQUAL" not in expected and expected & {"COMP_OP", "PLUS"}:
        return "; write == to compare"
    if tok_type != "LPAR" and expected == {"LPAR"}:
        return "; a list is written in (a, b, ...)"
    if tok_type == "NAME" and "METRIC" in expected and "NAME" not in expected and column == 1:
        return "; each definition starts with `metric NAME = `"
    if tok_type in ("NAME", "NUMBER", "STRING", "LPAR") and "PLUS" in expected:
        return "; is an operator (+ - * /) missing before it?"
    if tok_type == "NAME" and value in ("true", "false", "null", "none", "nil"):
        return "; write True, False or None"
    if tok_type == "NAME" and value in ("AND", "OR", "NOT", "And", "Or", "Not"):
        return f"; write {value.lower()} in lower case"
    if tok_type == "RSQB" and "RPAR" in expected:
        return "; a ( is still open"
    if tok_type == "RPAR" and "RSQB" in expected:
        return "; a [ is still open"
    if tok_type == "$END" and "RPAR" in expected:
        return "; close the ( that is still open"
    if tok_type == "$END" and "RSQB" in expected:
        return "; close the [ that is still open"
    return ""


def translate(e: UnexpectedInput, text: str, path: str, parser: Lark) -> DSLError:
    """A DSLError at the offending place saying what was found and what was expected."""
    line = getattr(e, "line", 0) or 0
    column = getattr(e, "column", 0) or 0
    if isinstance(e, UnexpectedCharacters):
        at = e.pos_in_stream if e.pos_in_stream is not None else -1
        ch = text[at] if 0 <= at < len(text) else "?"
        hint = CHAR_HINTS.get(ch, "")
        wanted = describe_expected(_accepted(e))
        msg = f"unexpected character {ch!r}"
        if wanted:
            msg += f"; expected {wanted}"
        if hint:
            msg += f"; {hint}"
        return DSLError(msg, file=path, line=line, column=column)
    if isinstance(e, UnexpectedToken):
        tok = e.token
        expected = _accepted(e)
        if tok.type == "$END":
            line, column = _end_position(text)
        if tok.type == "COMP_OP" and "COMP_OP" not in expected and expected & {"AND", "OR"}:   # a < x < b
            msg = (f"unexpected {_found(tok)}; comparisons cannot be chained (a < x < b); write "
                   "a < x and x < b")
            return DSLError(msg, file=path, line=line, column=column)
        msg = f"unexpected {_found(tok)}; expected {describe_expected(expected)}"
        msg += _hint(tok.type, str(tok), expected, column)
        return DSLError(msg, file=path, line=line, column=column)
    if isinstance(e, UnexpectedEOF):
        line, column = _end_position(text)
        return DSLError(f"unexpected end of the text; expected {describe_expected(set(e.expected))}",
                        file=path, line=line, column=column)
    return DSLError(f"syntax error: {e}", file=path, line=line, column=column)


def _end_position(text: str) -> tuple[int, int]:
    """line:col just after the last non-blank character."""
    stripped = text.rstrip()
    line = stripped.count("\n") + 1
    col = len(stripped) - (stripped.rfind("\n") + 1) + 1
    return line, col
