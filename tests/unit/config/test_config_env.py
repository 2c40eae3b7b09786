"""`${VAR}` interpolation: defaults, escapes, and missing variables located in telltale.yml."""

from __future__ import annotations

import pytest

from telltale.config.env import interpolate_text

CONN = """\
version: 1
connections:
  snow:
    type: snowflake
    account: "${SF_ACCOUNT}"
    user: ${SF_USER:-telltale}
    password: "${SF_PASSWORD}"
"""


@pytest.mark.parametrize("text, env, want", [
    ("${A}", {"A": "x"}, "x"),
    ("pre-${A}-post", {"A": "x"}, "pre-x-post"),
    ("${A:-d}", {}, "d"),
    ("${A:-d}", {"A": ""}, "d"),           # like a shell: empty counts as unset for :-
    ("${A:-}", {}, ""),
    ("${A}", {"A": ""}, ""),
    ("${A:-a b:c}", {}, "a b:c"),
    ("$${A}", {"A": "x"}, "${A}"),
    ("cost $5", {}, "cost $5"),
    ("${A}${B:-2}", {"A": "1"}, "12"),
])
def test_interpolate_text(text, env, want):
    assert interpolate_text(text, env) == want


@pytest.mark.parametrize("text, fragment", [
    ("${MISSING}", "environment variable MISSING is not set; export MISSING=..."),
    ("${1A}", "is not a valid reference"),
    ("${A", "unclosed '${'"),
    ("${A:-${B}}", "a default cannot contain another"),
])
def test_interpolate_text_errors(text, fragment):
    with pytest.raises(ValueError, match=None) as info:
        interpolate_text(text, {"A": "x", "B": "y"})
    assert fragment in str(info.value)


def test_values_come_from_env(parse):
    snow = parse(CONN, env={"SF_ACCOUNT": "acct", "SF_PASSWORD": "pw"}).config.connections["snow"]
    assert (snow.account, snow.user, snow.password) == ("acct", "telltale", "pw")
    snow = parse(CONN, env={"SF_ACCOUNT": "acct", "SF_PASSWORD": "pw", "SF_USER": "me"}).config.connections["snow"]
    assert snow.user == "me"


def test_interpolated_numbers_are_coerced(parse):
    text = "version: 1\nconnections:\n  pg: {type: postgres, host: h, port: \"${PG_PORT:-6543}\"}\n"
    assert parse(text, env={}).config.connections["pg"].port == 6543
    assert parse(text, env={"PG_PORT": "5433"}).config.connections["pg"].port == 5433


def test_missing_variable_is_located(error):
    err = error(CONN, env={"SF_ACCOUNT": "acct"})
    assert len(err.problems) == 1
    msg = str(err)
    assert msg.startswith("telltale.yml:7:15: connections.snow.password: environment variable SF_PASSWORD "
                          "is not set")
    assert "export SF_PASSWORD=" in msg and "${SF_PASSWORD:-value}" in msg
    assert (err.line, err.column, err.key) == (7, 15, "connections.snow.password")


def test_all_missing_variables_are_listed(error):
    err = error(CONN, env={})
    assert [p.key for p in err.problems] == ["connections.snow.account", "connections.snow.password"]


def test_keys_are_not_interpolated(parse):
    text = "version: 1\nconnections:\n  wh: {type: duckdb, database: \"${DB:-w.duckdb}\", options: {\"${X}\": 1}}\n"
    conn = parse(text, env={}).config.connections["wh"]
    assert conn.database == "w.duckdb" and conn.options == {"${X}": 1}


def test_env_defaults_to_os_environ(monkeypatch):
    from telltale.config import parse_config

    monkeypatch.setenv("TELLTALE_TEST_DB", "from-env.duckdb")
    text = "version: 1\nconnections:\n  wh: {type: duckdb, database: \"${TELLTALE_TEST_DB}\"}\n"
    assert parse_config(text).config.connections["wh"].database == "from-env.duckdb"


@pytest.mark.parametrize("written", ["${CONFIG_VERSION:-1}", "\"1\""])
def test_version_written_as_text_or_a_variable(parse, written):
    """`version: ${CONFIG_VERSION:-1}` interpolates to the text "1": it is version 1, as any
    interpolated number is that number (it was refused with 'write version: 1')."""
    assert parse(CONN.replace("version: 1", f"version: {written}")).config.version == 1


@pytest.mark.parametrize("written", ["\"2\"", "\"1.0\"", "\" 1\"", "\"one\""])
def test_other_version_texts_are_refused(error, written):
    assert "write version: 1" in str(error(CONN.replace("version: 1", f"version: {written}")))
