"""YAML loading: positions of keys and values, duplicate keys, YAML 1.2 scalars, syntax errors."""

from __future__ import annotations

import pytest

from telltale.config import ConfigProblems
from telltale.config.yamlload import load_yaml


def test_positions_of_keys_and_values():
    loaded = load_yaml("a:\n  b: [1, {c: x}]\n  d: hi\n")
    smap = loaded.source_map
    assert loaded.data == {"a": {"b": [1, {"c": "x"}], "d": "hi"}}
    assert smap.keys[("a", "b")] == (2, 3)
    assert smap.values[("a", "b")] == (2, 6)
    assert smap.values[("a", "b", 1, "c")] == (2, 14)
    assert smap.values[("a", "d")] == (3, 6)
    assert smap.value_at(("a", "b", 1, "zz")) == (2, 10)   # nearest ancestor


def test_duplicate_keys_are_reported_with_both_lines():
    loaded = load_yaml("version: 1\nmodels: {}\nversion: 1\n")
    assert len(loaded.problems) == 1
    assert loaded.problems[0].format() == ("telltale.yml:3:1: version: duplicate key 'version' "
                                           "(first written at line 1); keep only one")


def test_duplicate_keys_fail_parse(error):
    err = error("version: 1\nalerts:\n  ops: {type: slack, webhook_url: \"https://x\"}\n  ops: {type: slack, webhook_url: \"https://y\"}\n")
    assert str(err).startswith("telltale.yml:4:3: alerts.ops: duplicate key 'ops' (first written at line 3)")


def test_yaml_12_scalars():
    data = load_yaml("a: NO\nb: yes\nc: off\nd: true\ne: False\nf: 2026-03-13\non: predictions\ng: 3\nh: 0.5\n").data
    assert data == {"a": "NO", "b": "yes", "c": "off", "d": True, "e": False, "f": "2026-03-13",
                    "on": "predictions", "g": 3, "h": 0.5}


def test_anchors_and_merge_keys():
    data = load_yaml("base: &b {x: 1, y: 2}\nm:\n  <<: *b\n  y: 3\nn: *b\n").data
    assert data["m"] == {"x": 1, "y": 3} and data["n"] == {"x": 1, "y": 2}


@pytest.mark.parametrize("text, where, fragment", [
    ("version: 1\nmonitors:\n  - schedule: * * * * *\n", "telltale.yml:3:15:", "quote values that start with *"),
    ("version: 1\nmodels:\n\tx: 1\n", "telltale.yml:3:1:", "indent with spaces"),
    ("version: 1\nstore: a: b\n", "telltale.yml:2:9:", "mapping values are not allowed"),
    ("version: 1\nstore: \"abc\n", "telltale.yml:2:8:", "while scanning a quoted scalar"),
])
def test_syntax_errors_are_located(text, where, fragment):
    with pytest.raises(ConfigProblems) as info:
        load_yaml(text)
    assert str(info.value).startswith(where + " invalid YAML")
    assert fragment in str(info.value)


def test_empty_and_non_mapping_files(error):
    assert "the file is empty; start with `version: 1`" in str(error(""))
    assert "must be a mapping of sections" in str(error("- a\n- b\n"))


def test_missing_version(error):
    assert str(error("models: {}\n")).startswith("telltale.yml:1:1: version: missing required key 'version'; "
                                                 "add `version: 1`")
    assert str(error("version: 2\n")).startswith("telltale.yml:1:10: version: version 2 is not supported")


def test_empty_sections_are_allowed(parse):
    cfg = parse("version: 1\nconnections:\nmodels:\nmonitors:\nalerts:\n").config
    assert cfg.connections == {} and cfg.monitors == () and cfg.store == "sqlite:///.telltale/state.db"
