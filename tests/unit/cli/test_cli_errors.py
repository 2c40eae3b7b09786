"""Every bad input or run-time failure of the command line: a clear message, exit 2 or 3,
never a traceback."""

from __future__ import annotations

import socket
import sys
from pathlib import Path

import pytest
from cli_project import AT, CONFIG


def test_at_that_looks_like_markup_is_a_clear_error(cli) -> None:
    res = cli("run", "--at", "[/x]", code=2)
    assert "--at: '[/x]' is not a time" in res.output


def test_user_text_with_markup_is_printed_as_written(cli, make_project) -> None:
    root = make_project()
    res = cli("run", "--project", str(root), "--monitor", "[/x] [bold]nope", "--at", AT, code=2)
    assert "no monitor named '[/x] [bold]nope'" in res.output


def test_at_out_of_the_calendar_names_the_option(cli, make_project) -> None:
    root = make_project()
    res = cli("run", "--project", str(root), "--at", "0001-01-01", code=2)
    assert "--at: '0001-01-01' is out of range" in res.output
    res = cli("backfill", "--project", str(root), "--from", "2026-03-01", "--to", "9999-12-31", code=2)
    assert "--to: '9999-12-31' is out of range" in res.output
    assert not (root / ".telltale").exists()


def test_huge_window_names_the_key(cli, make_project) -> None:
    root = make_project(CONFIG.replace("type: model_activity,", "type: model_activity, window: 999999999999w,"))
    res = cli("run", "--project", str(root), "--at", AT, code=2)
    assert "monitors[0].window" in res.output and "longer than 100 years" in res.output


def test_read_only_store_is_a_clear_error_naming_the_store(cli, make_project) -> None:
    root = make_project()
    cli("run", "--project", str(root), "--at", AT, code=0)
    db = root / ".telltale" / "state.db"
    url = f"sqlite:///file:{db}?mode=ro&uri=true"
    (root / "telltale.yml").write_text(CONFIG.replace("version: 1\n", f'version: 1\nstore: "{url}"\n'))
    res = cli("run", "--project", str(root), "--at", "2026-03-12T00:00:00Z", code=3)
    assert f"the state store {url} failed" in res.output and "readonly" in res.output


def test_unreachable_store_is_a_run_time_failure(cli, make_project) -> None:
    """A state store that cannot be reached is exit 3 (run time, as an unreachable warehouse),
    not 2 (which says the config is wrong): nothing in telltale.yml needs fixing."""
    with socket.socket() as s:             # a port where nothing listens
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"postgresql+psycopg://telltale:pw@127.0.0.1:{port}/state"
    root = make_project(CONFIG.replace("version: 1\n", f'version: 1\nstore: "{url}"\n'))
    for args in (["run", "--at", AT], ["run", "--at", AT, "--dry-run"], ["history"], ["alerts", "list"],
                 ["alerts", "retry"]):
        res = cli(*args, "--project", str(root), code=3)
        assert "the state store at postgresql+psycopg://telltale:***@127.0.0.1" in res.output
        assert ":pw@" not in res.output


@pytest.mark.parametrize("text, expected", [
    ("version: 1\x00\n", "telltale.yml:1:11: invalid YAML: the character #x0000 is not allowed"),
    ("version: 1\nmodels: &m {a: *m}\n", "an alias refers to a mapping or list that contains it"),
    ("version: 1\nx: &x\n  <<: *x\n", "'<<' merges a mapping that contains it"),
])
def test_unreadable_yaml_is_a_located_error(cli, tmp_path: Path, text: str, expected: str) -> None:
    (tmp_path / "telltale.yml").write_text(text, encoding="utf-8")
    res = cli("validate", "--project", str(tmp_path), code=2)
    assert expected in res.output


def test_yaml_alias_bomb_is_refused(cli, tmp_path: Path) -> None:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 9)]
    (tmp_path / "telltale.yml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    res = cli("validate", "--project", str(tmp_path), code=2)
    assert "expands to more than 100,000 values" in res.output


def test_non_utf8_metric_file_names_the_file(cli, make_project) -> None:
    root = make_project(metrics={"m.metric": "metric big_x_share = count()\nmetric b = 1 \xe9\n".encode("latin-1")})
    res = cli("run", "--project", str(root), "--at", AT, code=2)
    assert "metrics/m.metric:2:" in res.output and "not UTF-8" in res.output
    res = cli("validate", "--project", str(root), code=2)
    assert "metrics/m.metric:2:" in res.output and "not UTF-8" in res.output


def test_init_under_a_file_is_a_clear_error(cli, tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("x")
    res = cli("init", str(tmp_path / "afile" / "x"), code=2)
    assert "cannot create the folder" in res.output and "afile" in res.output
    res = cli("init", str(tmp_path / "afile"), code=2)
    assert "is a file, not a folder" in res.output


@pytest.mark.parametrize("command", ["init", "demo"])
def test_init_and_demo_refuse_a_folder_with_anything_in_it(cli, make_project, command: str) -> None:
    root = make_project()
    before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    res = cli(command, str(root), code=2)
    assert "is not empty" in res.output and "never replaces your files" in res.output
    after = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    assert after == before                      # same files, byte for byte, and no new one


def test_demo_refuses_a_folder_with_a_user_warehouse(cli, tmp_path: Path) -> None:
    (tmp_path / "warehouse.duckdb").write_bytes(b"my data")
    res = cli("demo", str(tmp_path), "--json", code=2)
    assert (tmp_path / "warehouse.duckdb").read_bytes() == b"my data"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["warehouse.duckdb"]
    assert res.stdout == ""


def test_unknown_dialect_is_bad_usage_listing_the_dialects(cli, make_project) -> None:
    root = make_project()
    res = cli("compile", "--project", str(root), "--dialect", "nosuch", code=2)
    assert "unknown dialect 'nosuch'" in res.output and "duckdb, postgres" in res.output


def test_interpolated_secret_is_not_echoed(cli, make_project, monkeypatch) -> None:
    monkeypatch.setenv("HOOK_SECRET", "S3cr3tHMAC")
    root = make_project(CONFIG.replace("type: model_activity,", 'type: model_activity, window: "${HOOK_SECRET}",'))
    res = cli("validate", "--project", str(root), code=2)
    assert "S3cr3tHMAC" not in res.output
    assert "'${HOOK_SECRET}' is not a duration" in res.output


def test_unexpected_exception_is_one_line_and_exit_3(monkeypatch, capsys, make_project) -> None:
    import telltale.runner.validate as validate_module
    from telltale.cli.main import main

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    root = make_project()
    monkeypatch.setattr(validate_module, "validate_folder", broken)
    monkeypatch.setattr(sys, "argv", ["telltale", "validate", "--project", str(root)])
    with pytest.raises(SystemExit) as info:
        main()
    assert info.value.code == 3
    err = capsys.readouterr().err
    assert "internal error: RuntimeError: boom" in err and "please report" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_demo_into_a_folder_named_like_markup(cli, tmp_path: Path) -> None:
    target = tmp_path / "[/x] [bold]demo"
    res = cli("demo", str(target), code=0)
    assert f"predictions to {target}/warehouse.duckdb" in res.output
    assert f"The project is in {target}/" in res.output


def test_demo_without_a_folder_never_reuses_an_earlier_demo(tmp_path: Path) -> None:
    from telltale.demo.project import default_demo_folder

    assert default_demo_folder(tmp_path) == tmp_path / "telltale-demo"
    (tmp_path / "telltale-demo").mkdir()                      # empty: still the one
    assert default_demo_folder(tmp_path) == tmp_path / "telltale-demo"
    (tmp_path / "telltale-demo" / "telltale.yml").write_text("mine")
    assert default_demo_folder(tmp_path) == tmp_path / "telltale-demo-2"
    (tmp_path / "telltale-demo-2").write_text("a file")       # a file is taken too
    assert default_demo_folder(tmp_path) == tmp_path / "telltale-demo-3"
    assert (tmp_path / "telltale-demo" / "telltale.yml").read_text() == "mine"
