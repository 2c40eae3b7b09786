"""BigQuery for the tests: bqemulator (REST + gRPC, DuckDB inside) in a virtual environment of its own.

bqemulator pins sqlglot < 30.12 and needs DuckDB's `spatial` extension at start, which cannot be
downloaded here: its environment gets duckdb 1.5.5 with the PyPI wheel
`duckdb-extension-spatial` 1.5.5, installed once into a DuckDB home inside the environment
(`INSTALL '<wheel>/spatial.duckdb_extension'` with HOME=<venv>/home; the server runs with that
HOME). It also imports numpy without declaring it. The server listens on free ports of
127.0.0.1 (REST and gRPC) and keeps its data in memory.

The test side uses telltale's `google-cloud-bigquery` (the `dev` extra):
`bigquery.Client(project, AnonymousCredentials(), client_options=ClientOptions(api_endpoint=URL))`,
and `create_bqstorage_client=False` for `to_arrow`/`to_dataframe`. `load_table_from_json` does not
work against it (the client's multipart upload says Content-Type `*/*`, which it refuses): load
rows with `insert_rows_json` or DML.

`start()` returns the REST URL; `server().client()` a client; `serving()` runs a private
emulator for a `with` block. One server per process, as in postgres.py.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from peers.harness import PeerSlot, PeerUnavailable, RunnerProcess, Venv, ensure_venv, start_runner

NAME = "bqemulator"
PROJECT = "telltale-test"
REQUIREMENTS = (
    "bqemulator==1.4.0",
    "duckdb==1.5.5",
    "duckdb-extension-spatial==1.5.5",
    "numpy>=1.26,<3",
)
_INSTALL_SPATIAL = """
import glob, os, duckdb, duckdb_extension_spatial
found = glob.glob(os.path.join(os.path.dirname(duckdb_extension_spatial.__file__), "extensions", "*",
                               "spatial.duckdb_extension"))
con = duckdb.connect()
con.execute("INSTALL '" + found[0] + "'")
con.execute("LOAD spatial")
assert con.execute("SELECT ST_AsText(ST_Point(1, 2))").fetchall() == [("POINT (1 2)",)]
"""

__all__ = ["PeerUnavailable", "BigQueryEmulator", "server", "start", "stop", "serving", "venv", "PROJECT"]


@dataclass
class BigQueryEmulator:
    """A running bqemulator owned by this process."""

    runner: RunnerProcess
    venv_created_in_s: float | None

    @property
    def url(self) -> str:
        """Its REST endpoint (the client's `api_endpoint`)."""
        return str(self.runner.info["url"])

    @property
    def project(self) -> str:
        """The default project id."""
        return str(self.runner.info["project"])

    @property
    def started_in_s(self) -> float:
        """Seconds from starting the subprocess until both endpoints accept connections (warm start)."""
        return self.runner.started_in_s

    def client(self, project: str | None = None) -> Any:
        """A `google.cloud.bigquery.Client` of this emulator, with anonymous credentials."""
        from google.api_core.client_options import ClientOptions
        from google.auth.credentials import AnonymousCredentials
        from google.cloud import bigquery

        return bigquery.Client(project or self.project, credentials=AnonymousCredentials(),
                               client_options=ClientOptions(api_endpoint=self.url))

    def stop(self) -> None:
        """Stop the emulator (no process is left behind)."""
        self.runner.stop()


def _install_spatial(venv_path: Path) -> None:
    home = venv_path / "home"
    home.mkdir(exist_ok=True)
    done = subprocess.run([str(venv_path / "bin" / "python"), "-c", _INSTALL_SPATIAL], capture_output=True,
                          text=True, env={"HOME": str(home), "PATH": "/usr/bin:/bin"}, timeout=300)
    if done.returncode != 0:
        raise PeerUnavailable(f"cannot install DuckDB's spatial extension for bqemulator: {done.stderr[-2000:]}")


def venv() -> Venv:
    """bqemulator's environment, created on first use (one to two minutes; then reused)."""
    return ensure_venv(NAME, REQUIREMENTS, post_install=_install_spatial)


def _check_client() -> None:
    try:
        from google.cloud import bigquery  # noqa: F401
    except ImportError as exc:
        raise PeerUnavailable(f"google-cloud-bigquery cannot be imported ({exc}); pip install -e '.[dev]'") from exc


def _start_server() -> BigQueryEmulator:
    _check_client()
    env = venv()
    runner = start_runner(NAME, env, "_bigquery_runner.py", [PROJECT], env={"HOME": str(env.path / "home")})
    return BigQueryEmulator(runner, env.created_in_s)


_slot: PeerSlot[BigQueryEmulator] = PeerSlot(_start_server)
server = _slot.get
stop = _slot.stop
serving = _slot.private


def start() -> str:
    """Start the emulator once per process (or reuse it) and return its REST URL."""
    return server().url


