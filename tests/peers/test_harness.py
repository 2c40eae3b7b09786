"""The peers' harness: cached environments built atomically, runners that fail with their log, skip or fail."""

from __future__ import annotations

from pathlib import Path

import pytest

from peers import harness


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TELLTALE_PEERS_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_environment_is_built_once_then_reused(cache: Path) -> None:
    first = harness.ensure_venv("probe", ())
    assert first.created_in_s is not None
    assert first.path.parent == cache and (first.path / harness.MARKER).is_file()
    assert first.python.exists()
    again = harness.ensure_venv("probe", ())
    assert again.path == first.path and again.created_in_s is None
    assert not list(cache.glob(".building-*"))


def test_key_follows_the_pins() -> None:
    assert harness.venv_key("x", ("a==1",)) != harness.venv_key("x", ("a==2",))
    assert harness.venv_key("x", ("a==1", "b==1")) == harness.venv_key("x", ("b==1", "a==1"))


def test_a_killed_creation_is_never_reused(cache: Path) -> None:
    cache.mkdir(parents=True)
    key = harness.venv_key("probe", ())
    half_built = cache / key  # renamed without its marker cannot happen, but a copy by hand can
    (half_built / "bin").mkdir(parents=True)
    leftover = cache / f".building-{key}-abc"
    leftover.mkdir()
    venv = harness.ensure_venv("probe", ())
    assert venv.created_in_s is not None and (venv.path / harness.MARKER).is_file()
    assert not leftover.exists()


def test_a_failed_post_install_leaves_nothing(cache: Path) -> None:
    def broken(path: Path) -> None:
        raise harness.PeerUnavailable("no extension")

    with pytest.raises(harness.PeerUnavailable, match="no extension"):
        harness.ensure_venv("probe", (), post_install=broken)
    assert [p.name for p in cache.iterdir() if not p.name.endswith(".lock")] == []


def test_a_runner_that_dies_is_reported_with_its_log(cache: Path) -> None:
    venv = harness.ensure_venv("probe", ())  # no fakesnow in it
    with pytest.raises(harness.PeerUnavailable, match="(?s)exited with 1.*No module named 'fakesnow'"):
        harness.start_runner("probe", venv, "_fakesnow_runner.py", ["0"])


def test_unavailable_peer_fails_when_required_else_skips(monkeypatch: pytest.MonkeyPatch) -> None:
    def unavailable() -> None:
        raise harness.PeerUnavailable("not here")

    monkeypatch.setenv("TELLTALE_REQUIRE_PEERS", "1")
    with pytest.raises(pytest.fail.Exception, match="required.*not here"):
        harness.require("probe", unavailable)
    monkeypatch.delenv("TELLTALE_REQUIRE_PEERS")
    with pytest.raises(pytest.skip.Exception, match="cannot start here: not here"):
        harness.require("probe", unavailable)


def test_a_missing_client_skips_or_fails_when_required(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TELLTALE_REQUIRE_PEERS", raising=False)
    with pytest.raises(pytest.skip.Exception, match="no_such_client_module"):
        harness.import_client("no_such_client_module")
    monkeypatch.setenv("TELLTALE_REQUIRE_PEERS", "1")
    with pytest.raises(ImportError):
        harness.import_client("no_such_client_module")
    assert harness.import_client("json").dumps([1]) == "[1]"


def test_a_build_removes_environments_of_other_pins_left_unused(cache: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    import os
    import time

    old = harness.ensure_venv("probe", ())
    monkeypatch.setattr(harness, "HARNESS_VERSION", "second")  # another key of probe, as new pins would give
    second = harness.ensure_venv("probe", ())
    assert second.path != old.path and old.path.exists()  # used lately: kept
    stale = time.time() - (harness.UNUSED_DAYS + 1) * 86400
    os.utime(old.path / harness.MARKER, (stale, stale))
    harness.ensure_venv("other", ())  # another peer: not pruned with probe's
    monkeypatch.setattr(harness, "HARNESS_VERSION", "third")
    harness.ensure_venv("probe", ())
    assert not old.path.exists() and second.path.exists()
    assert len(list(cache.glob("other-*/"))) == 1
