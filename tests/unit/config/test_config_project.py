"""load_project: metric globs, missing files, relative paths, and the starter project."""

from __future__ import annotations

from pathlib import Path

import pytest

from telltale.config import ConfigProblems, load_project, write_starter
from telltale.errors import ConfigError


def test_glob_that_matches_nothing(project_dir):
    root = project_dir("version: 1\nmetrics:\n  - metrics/*.metric\n  - extra/*.metric\n")
    with pytest.raises(ConfigProblems) as info:
        load_project(root, env={})
    assert str(info.value).startswith("telltale.yml:4:5: metrics[1]: 'extra/*.metric' matches no file")


def test_globs_are_deduplicated_and_sorted(project_dir):
    root = project_dir("version: 1\nmetrics: [\"metrics/*.metric\", metrics/b.metric, \"**/*.metric\"]\n",
                       files={"metrics/b.metric": "", "metrics/a.metric": "", "other/c.metric": ""})
    files = load_project(root, env={}).metric_files
    assert [f.relative_to(root.resolve()).as_posix() for f in files] == [
        "metrics/a.metric", "metrics/b.metric", "other/c.metric"]


def test_missing_config_file(tmp_path):
    with pytest.raises(ConfigError) as info:
        load_project(tmp_path)
    assert "no telltale.yml here" in str(info.value) and "telltale init" in str(info.value)


def test_project_given_as_the_config_file_says_to_pass_its_folder(project_dir):
    root = project_dir("version: 1\n", files={})
    with pytest.raises(ConfigError) as info:
        load_project(root / "telltale.yml")
    message = str(info.value)
    assert "is a file" in message and f"--project {root.resolve()}" in message
    assert "does not exist" not in message


def test_config_that_is_not_utf8_is_located(tmp_path):
    (tmp_path / "telltale.yml").write_bytes("version: 1\nstore: caf\xe9\n".encode("latin-1"))
    with pytest.raises(ConfigError) as info:
        load_project(tmp_path)
    assert str(info.value) == ("telltale.yml:2:11: the file is not UTF-8 text (byte 0xe9 at offset 21); "
                               "save it as UTF-8")


def test_resolve_path(project_dir):
    p = load_project(project_dir("version: 1\n", files={}), env={})
    assert p.resolve_path("data/x.parquet") == p.root / "data" / "x.parquet"
    assert p.resolve_path("/abs/x") == Path("/abs/x")
    assert p.resolve_location("s3://b/k") == "s3://b/k" and p.resolve_location(":memory:") == ":memory:"


def test_starter_loads(tmp_path):
    written = write_starter(tmp_path / "proj")
    assert [p.relative_to(tmp_path / "proj").as_posix() for p in written] == [
        "telltale.yml", "metrics/custom.metric"]
    project = load_project(tmp_path / "proj", env={})
    types = {m.type for m in project.config.monitors}
    assert {"data_drift", "custom_metric", "missing_values"} <= types
    assert project.config.alerts["ops"].url == "http://127.0.0.1:9/hook"
    assert project.config.alerts["ops"].secret is None
    assert project.metric_files == ((tmp_path / "proj" / "metrics" / "custom.metric").resolve(),)
    text = project.metric_files[0].read_text()
    assert "metric approval_rate" in text and text.count("\nmetric ") == 2
    assert project.connection("wh").database == str((tmp_path / "proj" / "warehouse.duckdb").resolve())


def test_starter_uses_webhook_env(tmp_path):
    write_starter(tmp_path)
    p = load_project(tmp_path, env={"TELLTALE_WEBHOOK_URL": "https://hooks.example/t"})
    assert p.config.alerts["ops"].url == "https://hooks.example/t"


def test_starter_never_overwrites(tmp_path):
    (tmp_path / "telltale.yml").write_text("mine\n")
    with pytest.raises(ConfigError) as info:
        write_starter(tmp_path)
    assert "is not empty" in str(info.value) and "never replaces your files" in str(info.value)
    assert (tmp_path / "telltale.yml").read_text() == "mine\n"
    assert not (tmp_path / "metrics").exists()
