"""How the file-scanning connectors (s3, delta) classify errors: which are retried, what to check.

The peer (moto) cannot throttle or drop connections, so the classification of the AWS SDK's
messages (as pyarrow and delta-rs report them) is checked here on the texts themselves.
"""

from __future__ import annotations

import pytest

from telltale.connectors.arrowscan import aws_hint, transient_message
from telltale.connectors.delta import _hint as delta_hint


@pytest.mark.parametrize("text", [
    "AWS Error SLOW_DOWN during GetObject operation: SlowDown: Please reduce your request rate.",
    "AWS Error THROTTLING during ListObjectsV2 operation: Throttling",
    "HTTP 503 ServiceUnavailable", "Connection reset by peer", "InternalError: We encountered an internal error",
])
def test_throttling_and_dropped_connections_are_retried(text: str) -> None:
    assert transient_message(OSError(text))


@pytest.mark.parametrize("text", [
    "AWS Error ACCESS_DENIED during HeadObject operation: Access Denied",
    "When reading information for key 'p/x.parquet': NoSuchBucket", "Parser Error: syntax error",
])
def test_other_errors_fail_at_once(text: str) -> None:
    assert not transient_message(OSError(text))


@pytest.mark.parametrize(("text", "says"), [
    ("AWS Error ACCESS_DENIED during HeadObject operation: Access Denied", "s3:ListBucket on the bucket"),
    ("AWS Error UNKNOWN (HTTP status 403) during HeadObject operation: InvalidAccessKeyId", "IAM policy"),
    ("The AWS Access Key Id you provided does not exist: InvalidAccessKeyId", "were refused"),
    ("AWS Error NETWORK_CONNECTION during ListObjectsV2 operation: curlCode: 7, Couldn't connect",
     "check `endpoint`, `region`"),
    ("NoSuchBucket: The specified bucket does not exist", "bucket name"),
])
def test_s3_errors_say_what_to_check(text: str, says: str) -> None:
    assert says in aws_hint(text)


def test_delta_errors_say_what_to_check() -> None:
    assert "_delta_log" in delta_hint("Generic DeltaTable error: No files in log segment")
    assert "keywords of deltalake.DeltaTable" in delta_hint("__init__() got an unexpected keyword argument 'x'")
