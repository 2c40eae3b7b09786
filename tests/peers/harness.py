"""What the emulator peers share: their own virtual environments, and a server subprocess that cannot outlive the tests.

An emulator whose pins must not constrain telltale's dependencies (fakesnow pins duckdb and
sqlglot, bqemulator pins an older duckdb and sqlglot) runs in a virtual environment of its
own, created on first use in a cache folder outside the repository:
`${TELLTALE_PEERS_CACHE:-${XDG_CACHE_HOME:-~/.cache}/telltale/peers}/<name>-<hash>`, where the hash
covers the requirement pins, the Python version and `HARNESS_VERSION`. It is built in a
temporary folder beside its final place and renamed into place only when complete (with a
`.telltale-peer.json` marker inside), under a file lock, so that a creation killed half-way is
never reused and two test runs at once build it once.

A server runs as a subprocess of that environment's Python, with a small runner script from
this folder. The runner prints one line of JSON (where to connect) on its standard output once
it accepts connections, and stays up until its standard input closes. It cannot outlive the
test process: the pipe to its standard input closes when the test process dies (even by
SIGKILL), the runner asks the kernel for SIGKILL when its parent dies (PR_SET_PDEATHSIG), and
`stop()` kills its whole process group after a short grace period.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import hashlib
import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Generic, Iterator, Protocol, TypeVar

# Bump to rebuild every environment (e.g. when the way they are built changes).
HARNESS_VERSION = "1"
MARKER = ".telltale-peer.json"
HERE = Path(__file__).resolve().parent
VENV_BUILD_TIMEOUT_S = 1800.0
LOCK_TIMEOUT_S = 2400.0
START_TIMEOUT_S = 120.0
STOP_GRACE_S = 10.0
UNUSED_DAYS = 14  # an environment of other pins that no run used this long is removed by the next build


class PeerUnavailable(RuntimeError):
    """A test peer cannot be started here; the message says why."""


class Stoppable(Protocol):
    def stop(self) -> None: ...


S = TypeVar("S", bound=Stoppable)


class PeerSlot(Generic[S]):
    """The one server of a kind in this test process: started on first use, stopped at exit.

    A failure to start is remembered and raised again (with its reason) on every later
    use, so a peer that cannot run here costs one attempt, not one per test.
    """

    def __init__(self, start: Callable[[], S]) -> None:
        self._start, self._server, self._failure = start, None, None  # type: ignore[var-annotated]
        self._server: S | None
        self._failure: PeerUnavailable | None

    def get(self) -> S:
        """The running server, started on first use."""
        if self._server is not None:
            return self._server
        if self._failure is not None:
            raise self._failure
        try:
            self._server = self._start()
        except PeerUnavailable as exc:
            self._failure = exc
            raise
        atexit.register(self.stop)
        return self._server

    def stop(self) -> None:
        """Stop the server of this process, if one runs; safe to call more than once."""
        if self._server is not None:
            srv, self._server = self._server, None
            srv.stop()

    @contextlib.contextmanager
    def private(self) -> Iterator[S]:
        """A server of its own for a `with` block, stopped at its end (even on failure)."""
        srv = self._start()
        try:
            yield srv
        finally:
            srv.stop()


def cache_root() -> Path:
    """The folder holding the peers' virtual environments (outside the repository)."""
    configured = os.environ.get("TELLTALE_PEERS_CACHE")
    if configured:
        return Path(configured).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base).expanduser() / "telltale" / "peers"


def venv_key(name: str, requirements: tuple[str, ...]) -> str:
    """The folder name of one environment: its name and a hash of what it is built from."""
    material = json.dumps({"harness": HARNESS_VERSION, "python": sys.version_info[:3],
                           "base": sys.base_prefix, "requirements": sorted(requirements)})
    return f"{name}-{hashlib.sha256(material.encode()).hexdigest()[:12]}"


@dataclass(frozen=True)
class Venv:
    """A complete virtual environment of one peer."""

    path: Path
    created_in_s: float | None  # None when it already existed

    @property
    def python(self) -> Path:
        """Its Python interpreter."""
        return self.path / "bin" / "python"


def ensure_venv(name: str, requirements: tuple[str, ...],
                post_install: Callable[[Path], None] | None = None) -> Venv:
    """The environment of `name` with `requirements` installed, created on first use.

    `post_install(tmp_path)` runs inside the not-yet-renamed folder after pip (e.g. to install a
    DuckDB extension there). Raises PeerUnavailable with pip's last lines when it cannot be built.
    """
    root = cache_root()
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PeerUnavailable(f"cannot create the peers' cache folder {root}: {exc}") from exc
    final = root / venv_key(name, requirements)
    if _complete(final):
        _touch(final)
        return Venv(final, None)
    with _locked(root / f"{final.name}.lock"):
        if _complete(final):  # built by another process while we waited
            return Venv(final, None)
        t0 = time.monotonic()
        _remove_partial(root, final)
        tmp = Path(tempfile.mkdtemp(prefix=f".building-{final.name}-", dir=root))
        tmp.chmod(0o755)
        try:
            _build(tmp, requirements)
            if post_install is not None:
                post_install(tmp)
            (tmp / MARKER).write_text(json.dumps({"name": name, "requirements": list(requirements),
                                                  "python": sys.version, "built_in_s": time.monotonic() - t0}))
            os.rename(tmp, final)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        _prune_unused(root, name, keep=final)
        return Venv(final, time.monotonic() - t0)


def _touch(path: Path) -> None:
    """Mark the environment as used now (its marker's mtime), so that pruning keeps it."""
    with contextlib.suppress(OSError):
        os.utime(path / MARKER)


def _prune_unused(root: Path, name: str, keep: Path) -> None:
    """Remove this peer's other environments (other pins) that no run used for UNUSED_DAYS days."""
    cutoff = time.time() - UNUSED_DAYS * 86400
    for other in root.glob(f"{name}-*"):
        if other == keep or not other.is_dir():
            continue
        try:
            if (other / MARKER).stat().st_mtime > cutoff:
                continue
        except OSError:
            continue  # incomplete: being built, or removed by the next build of its own key
        shutil.rmtree(other, ignore_errors=True)


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive lock on `path` (released when the process dies), waiting at most LOCK_TIMEOUT_S."""
    with open(path, "a+") as fh:
        deadline = time.monotonic() + LOCK_TIMEOUT_S
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise PeerUnavailable(f"waited {LOCK_TIMEOUT_S:.0f} s for another process building {path.stem}")
                time.sleep(0.5)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _complete(path: Path) -> bool:
    """True when `path` is a finished environment whose Python still runs (its base may have moved)."""
    return (path / MARKER).is_file() and os.path.exists(path / "bin" / "python")


def _remove_partial(root: Path, final: Path) -> None:
    """Remove what a killed creation left (called under the lock, so nobody is building it now)."""
    for leftover in root.glob(f".building-{final.name}-*"):
        shutil.rmtree(leftover, ignore_errors=True)
    if final.exists() or final.is_symlink():  # incomplete or broken
        shutil.rmtree(final, ignore_errors=True)


def import_client(module: str) -> Any:
    """Import a peer's client library at a test module's top; skip the module when it is missing.

    Under TELLTALE_REQUIRE_PEERS=1 the ImportError stands (a collection error fails the run):
    the clients are in the `dev` extra, so a missing one is a broken install, not a missing peer.
    """
    import importlib

    import pytest

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        if os.environ.get("TELLTALE_REQUIRE_PEERS") == "1":
            raise
        pytest.skip(f"{module} cannot be imported ({exc}); pip install -e '.[dev]'", allow_module_level=True)


def _build(path: Path, requirements: tuple[str, ...]) -> None:
    log = path.parent / f"{path.name}.log"
    try:
        steps = [[sys.executable, "-m", "venv", *([] if requirements else ["--without-pip"]), str(path)]]
        if requirements:
            steps.append([str(path / "bin" / "python"), "-m", "pip", "install", "--no-input",
                          "--disable-pip-version-check", "-q", *requirements])
        deadline = time.monotonic() + VENV_BUILD_TIMEOUT_S
        for cmd in steps:
            with open(log, "ab") as out:
                try:
                    done = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                          timeout=max(1.0, deadline - time.monotonic()), env=_clean_env())
                except subprocess.TimeoutExpired as exc:
                    raise PeerUnavailable(f"`{' '.join(cmd[:4])} ...` took over {VENV_BUILD_TIMEOUT_S:.0f} s") from exc
            if done.returncode != 0:
                raise PeerUnavailable(f"`{' '.join(cmd)}` failed (exit {done.returncode}):\n{tail(log)}")
    finally:
        with contextlib.suppress(OSError):
            log.unlink()


def _clean_env() -> dict[str, str]:
    """The environment without the test run's own virtual environment and Python path."""
    drop = {"VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "PIP_REQUIRE_VIRTUALENV"}
    return {k: v for k, v in os.environ.items() if k not in drop}


def tail(path: Path, lines: int = 20) -> str:
    """The last lines of a log file (or a note that there is none)."""
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


# --- the server subprocess ------------------------------------------------------------------


@dataclass
class RunnerProcess:
    """A peer's server running as a runner script in its own environment."""

    name: str
    process: subprocess.Popen[str]
    info: dict[str, Any]
    log_path: Path
    started_in_s: float
    _stopped: bool = field(default=False, repr=False)

    @property
    def pid(self) -> int:
        """The runner's process id (also its process group id)."""
        return self.process.pid

    def stop(self) -> None:
        """Close its standard input (a clean stop), then kill its process group after STOP_GRACE_S."""
        if self._stopped:
            return
        self._stopped = True
        proc = self.process
        with contextlib.suppress(OSError, ValueError):
            if proc.stdin is not None:
                proc.stdin.close()
        try:
            proc.wait(STOP_GRACE_S)
        except subprocess.TimeoutExpired:
            pass
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)  # also whatever it started
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(STOP_GRACE_S)
        with contextlib.suppress(OSError, ValueError):
            if proc.stdout is not None:
                proc.stdout.close()
        shutil.rmtree(self.log_path.parent, ignore_errors=True)


def start_runner(name: str, venv: Venv, script: str, args: list[str],
                 env: dict[str, str] | None = None) -> RunnerProcess:
    """Start `script` (a file of this folder) with the peer's Python and wait for its JSON line.

    Raises PeerUnavailable with the runner's log when it exits or stays silent for START_TIMEOUT_S.
    """
    t0 = time.monotonic()
    _remove_stale_run_dirs(name)
    log_dir = Path(tempfile.mkdtemp(prefix=f"telltale-{name}-"))
    log_path = log_dir / f"{name}.log"
    run_env = _clean_env()
    run_env["TMPDIR"] = str(log_dir)  # what the server puts in temporary files goes when it stops
    run_env.update(env or {})
    run_env["TELLTALE_PEER_PARENT"] = str(os.getpid())
    run_env["PYTHONUNBUFFERED"] = "1"
    try:
        with open(log_path, "wb") as log:
            proc = subprocess.Popen([str(venv.python), str(HERE / script), *args], stdin=subprocess.PIPE,
                                    stdout=subprocess.PIPE, stderr=log, text=True, env=run_env,
                                    cwd=log_dir, start_new_session=True)
    except OSError as exc:
        shutil.rmtree(log_dir, ignore_errors=True)
        raise PeerUnavailable(f"cannot run {venv.python}: {exc}") from exc
    (log_dir / "runner.pid").write_text(str(proc.pid))
    runner = RunnerProcess(name, proc, {}, log_path, 0.0)
    try:
        line = _read_line(proc, START_TIMEOUT_S)
        if not line:
            code = None
            if line is not None:  # end of output: it is exiting
                with contextlib.suppress(subprocess.TimeoutExpired):
                    code = proc.wait(STOP_GRACE_S)
            why = f"exited with {code}" if code is not None else f"printed nothing in {START_TIMEOUT_S:.0f} s"
            raise PeerUnavailable(f"the {name} server {why}; its log:\n{tail(log_path)}")
        try:
            runner.info = json.loads(line)
        except ValueError as exc:
            raise PeerUnavailable(f"the {name} server printed {line!r} instead of JSON; its log:\n{tail(log_path)}") from exc
    except BaseException:
        runner.stop()
        raise
    runner.started_in_s = time.monotonic() - t0
    return runner


def _remove_stale_run_dirs(name: str, min_age_s: float = 600.0) -> None:
    """Remove the folders (log, temporary files) of runners whose test process was killed."""
    for folder in Path(tempfile.gettempdir()).glob(f"telltale-{name}-*"):
        try:
            if time.time() - folder.stat().st_mtime < min_age_s:
                continue  # maybe starting right now
            pid = int((folder / "runner.pid").read_text())
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, 0)
                continue  # still running
        except (OSError, ValueError):
            pass
        shutil.rmtree(folder, ignore_errors=True)


def _read_line(proc: subprocess.Popen[str], timeout_s: float) -> str | None:
    """The first line of the process's standard output: '' at end of output, None on timeout."""
    assert proc.stdout is not None
    out: queue.Queue[str] = queue.Queue()
    stdout = proc.stdout
    threading.Thread(target=lambda: out.put(stdout.readline()), daemon=True).start()
    try:
        return out.get(timeout=timeout_s).strip()
    except queue.Empty:
        return None


def require(name: str, start: Callable[[], Any]) -> Any:
    """Call `start()`, turning PeerUnavailable into a test failure (TELLTALE_REQUIRE_PEERS=1) or a skip."""
    import pytest

    try:
        return start()
    except PeerUnavailable as exc:
        if os.environ.get("TELLTALE_REQUIRE_PEERS") == "1":
            pytest.fail(f"{name} is required (TELLTALE_REQUIRE_PEERS=1) but cannot start: {exc}")
        pytest.skip(f"{name} cannot start here: {exc}")
