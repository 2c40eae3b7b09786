"""S3, Glue and Athena for the tests: moto's server on a free port of 127.0.0.1.

moto (in the `dev` extra: it moves none of telltale's pinned libraries) runs as
`ThreadedMotoServer` in a thread of the test process, so it ends with that process; `stop()` shuts
it down. Every client reaches it with `endpoint_url` (boto3, pyathena), `endpoint_override` and
`scheme="http"` (pyarrow's S3FileSystem) or the storage options of `delta_storage_options()`
(deltalake), and the fake credentials below. `aws_env()` sets the same as environment variables
for a `with` block (and hides a developer's ~/.aws files), restoring the environment afterwards.

moto keeps one state per process (all its servers in a process share buckets and tables): tests
use a fresh bucket each (`new_bucket()`). Athena does not execute SQL on moto: its results are
canned. `set_athena_results()` preloads the rows that the next query returns (POST
`/moto-api/static/athena/query-results`); the API flow (start, poll, fetch, statistics) is real.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import time
import urllib.request
import uuid
from dataclasses import dataclass
from typing import Any, Iterator, Sequence

from peers.harness import PeerSlot, PeerUnavailable

REGION = "us-east-1"
ACCESS_KEY = "telltale-test-key"
SECRET_KEY = "telltale-test-secret"
ACCOUNT_ID = "123456789012"  # moto's default account

__all__ = ["PeerUnavailable", "MotoServer", "S3Peer", "server", "start", "stop", "serving", "aws_env"]


@dataclass
class MotoServer:
    """A running moto server (a thread of this process)."""

    _server: Any
    endpoint_url: str
    started_in_s: float

    def env(self) -> dict[str, str]:
        """AWS environment variables that point any AWS SDK at this server with the fake credentials."""
        return {
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
            "AWS_ENDPOINT_URL": self.endpoint_url,
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        }

    def client(self, service: str) -> Any:
        """A boto3 client of `service` (s3, glue, athena, ...) on this server."""
        import boto3

        return boto3.client(service, endpoint_url=self.endpoint_url, region_name=REGION,
                            aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY)

    def new_bucket(self, prefix: str = "telltale") -> str:
        """Create an empty bucket with a unique name and return the name."""
        name = f"{prefix}-{uuid.uuid4().hex[:12]}"
        self.client("s3").create_bucket(Bucket=name)
        return name

    def filesystem(self) -> Any:
        """A `pyarrow.fs.S3FileSystem` on this server (paths are `bucket/key`)."""
        from pyarrow import fs

        return fs.S3FileSystem(endpoint_override=self.endpoint_url, scheme="http", region=REGION,
                               access_key=ACCESS_KEY, secret_key=SECRET_KEY)

    def delta_storage_options(self) -> dict[str, str]:
        """deltalake's storage options for `s3://` URIs on this server (plain HTTP, no locking provider)."""
        return {
            "AWS_ENDPOINT_URL": self.endpoint_url,
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
            "AWS_REGION": REGION,
            "AWS_ALLOW_HTTP": "true",
            "AWS_S3_ALLOW_UNSAFE_RENAME": "true",
        }

    def set_athena_results(self, columns: Sequence[tuple[str, str]], rows: Sequence[Sequence[Any]]) -> None:
        """Preload the result of the next Athena query: `columns` as (name, Athena type), then `rows`.

        Values are sent as strings (as Athena does); None becomes a NULL.
        """
        def row(values: Sequence[Any]) -> dict[str, Any]:
            return {"Data": [{} if v is None else {"VarCharValue": str(v)} for v in values]}

        column_info = [{"CatalogName": "hive", "SchemaName": "", "TableName": "", "Name": name, "Label": name,
                        "Type": typ, "Precision": 0, "Scale": 0, "Nullable": "UNKNOWN", "CaseSensitive": False}
                       for name, typ in columns]
        body = {"account_id": ACCOUNT_ID, "region": REGION,
                "results": [{"rows": [row([n for n, _ in columns])] + [row(r) for r in rows],
                             "column_info": column_info}]}
        request = urllib.request.Request(f"{self.endpoint_url}/moto-api/static/athena/query-results",
                                         data=json.dumps(body).encode(), method="POST",
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            if response.status not in (200, 201):
                raise RuntimeError(f"moto refused the canned Athena results: HTTP {response.status}")

    def stop(self) -> None:
        """Shut the server down."""
        self._server.stop()


@dataclass(frozen=True)
class S3Peer:
    """What a test needs to reach moto: the endpoint, fake credentials, and a bucket of its own."""

    server: MotoServer
    endpoint_url: str
    region: str
    access_key: str
    secret_key: str
    bucket: str

    @classmethod
    def of(cls, server: MotoServer, bucket: str) -> S3Peer:
        """The peer of `server` with `bucket`."""
        return cls(server, server.endpoint_url, REGION, ACCESS_KEY, SECRET_KEY, bucket)


@contextlib.contextmanager
def aws_env(server: MotoServer) -> Iterator[dict[str, str]]:
    """Set the AWS environment of `server` for a `with` block; restore the previous values afterwards."""
    values = server.env()
    hidden = ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_DEFAULT_PROFILE")
    saved = {k: os.environ.get(k) for k in (*values, *hidden)}
    for key in hidden:
        os.environ.pop(key, None)
    os.environ.update(values)
    try:
        yield values
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old


def _start_server() -> MotoServer:
    t0 = time.monotonic()
    try:
        from moto.server import ThreadedMotoServer
    except ImportError as exc:
        raise PeerUnavailable(f"moto[server] cannot be imported ({exc}); pip install -e '.[dev]'") from exc
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request otherwise
    srv = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    try:
        srv.start()
        host, port = srv.get_host_and_port()
    except Exception as exc:  # noqa: BLE001 - any failure to start means the peer is unavailable
        with contextlib.suppress(Exception):
            srv.stop()
        raise PeerUnavailable(f"moto's server did not start: {exc!r}") from exc
    return MotoServer(srv, f"http://{host}:{port}", time.monotonic() - t0)


_slot: PeerSlot[MotoServer] = PeerSlot(_start_server)
server = _slot.get
stop = _slot.stop
serving = _slot.private


def start() -> str:
    """Start the server once per process (or reuse it) and return its endpoint URL."""
    return server().endpoint_url

