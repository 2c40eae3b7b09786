"""Running a generated project through the real CLI in-process, and the properties every
run must have: no traceback, a known exit code, a location for bad input, no secret
printed, and nothing but SELECTs reaching the warehouse."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

from fuzz_gen import Case
from fuzz_warehouse import AT
from sqlglot import exp
from telltale.connectors.duckdb import DuckDBConnector
from telltale.connectors.safety import ensure_select
from telltale.errors import UnsafeQueryError
from typer.testing import CliRunner, Result

from telltale.cli.main import app

EXIT_CODES = {0, 1, 2, 3}
LOCATION = re.compile(r"[\w./\\-]+\.(?:yml|yaml|metric):\d+")
# DuckDB table functions that read or list files, or run SQL given as text
FILE_FUNCTIONS = {"read_text", "read_blob", "read_csv", "read_csv_auto", "read_parquet",
                  "parquet_scan", "read_json", "read_json_auto", "read_ndjson", "glob", "query",
                  "query_table", "sniff_csv", "parquet_metadata", "parquet_schema", "read_xlsx"}

runner = CliRunner()
CASES_RUN = 0
COMMANDS = (("validate",), ("run", "--json", "--at", AT), ("compile", "--at", AT))


class Spy:
    """Records every tree the DuckDB connector is asked to execute, and whether its own guard
    refused it (then nothing was sent to DuckDB)."""

    def __init__(self) -> None:
        self.calls: list[tuple[exp.Expression, bool]] = []

    def problems(self) -> list[str]:
        """What reached the connector, or DuckDB, and should not have."""
        out = []
        for tree, refused in self.calls:
            if not isinstance(tree, exp.Query):
                out.append(f"not a query, {type(tree).__name__}: {tree.sql()[:200]}")
                continue
            if refused:
                continue
            try:
                ensure_select(tree)
            except UnsafeQueryError as e:
                out.append(f"sent to DuckDB though the guard refuses it ({e}): {tree.sql()[:200]}")
            for node in tree.find_all(exp.Func):
                name = str(node.this) if isinstance(node, exp.Anonymous) else node.sql_name()
                if name.lower() in FILE_FUNCTIONS:
                    out.append(f"file function {name} sent to DuckDB: {tree.sql()[:200]}")
        return out


@contextmanager
def spying() -> Iterator[Spy]:
    """Patch DuckDBConnector.execute to record each tree (a test spy; it still runs them)."""
    spy = Spy()
    original = DuckDBConnector.execute

    def execute(self, query):
        refused = False
        try:
            return original(self, query)
        except UnsafeQueryError:
            refused = True
            raise
        finally:   # recorded however it ended: a query DuckDB rejected still reached it
            spy.calls.append((query, refused))

    with mock.patch.object(DuckDBConnector, "execute", execute):
        yield spy


def write(root: Path, case: Case) -> None:
    """The project's files."""
    (root / "metrics").mkdir(parents=True, exist_ok=True)
    (root / "telltale.yml").write_bytes(case.config.encode("utf-8", "surrogatepass"))
    for name, data in case.metrics.items():
        (root / name).write_bytes(data)


def invoke(args: list[str], env: dict[str, str]) -> Result:
    """One CLI command in-process."""
    return runner.invoke(app, args, env=env or None, catch_exceptions=True)


def describe(case: Case, command: str, res: Result) -> str:
    exc = res.exception
    return (f"\n--- {command} ({case.why}) exit {res.exit_code}, exception {exc!r}\n"
            f"--- telltale.yml:\n{case.config[:3000]}\n--- metrics: "
            f"{ {k: v[:2000] for k, v in case.metrics.items()} }\n--- output:\n{res.output[-3000:]}")


def check(case: Case) -> dict[str, int]:
    """Run validate, run --json and compile on the case; assert the properties; exit codes."""
    global CASES_RUN
    CASES_RUN += 1
    root = Path(tempfile.mkdtemp(prefix="tt-fuzz-"))
    try:
        write(root, case)
        codes: dict[str, int] = {}
        outputs: dict[str, str] = {}
        with spying() as spy:
            for cmd in COMMANDS:
                res = invoke([*cmd, "--project", str(root)], case.env)
                info = describe(case, cmd[0], res)
                assert res.exception is None or isinstance(res.exception, SystemExit), \
                    "an exception escaped" + info + _tb(res)
                assert "Traceback" not in res.output, info
                assert res.exit_code in EXIT_CODES, info
                if res.exit_code == 2 and case.located:
                    assert LOCATION.search(res.output), "exit 2 without file:line" + info
                if case.secret:
                    assert case.secret not in res.output, "a secret was printed" + info
                codes[cmd[0]] = res.exit_code
                outputs[cmd[0]] = res.output
        _log(case, codes)
        assert not spy.problems(), f"{spy.problems()}{info}"
        if case.invalid:
            assert codes["validate"] == 2, describe(case, "validate", res)
            res = invoke(["validate", "--project", str(root)], case.env)
            assert re.search(re.escape(case.where) + r":\d+", res.output), \
                f"the error does not name {case.where}:line" + describe(case, "validate", res)
        elif case.invalid is False:
            # run may exit 3 when a metric's value is undefined (e.g. exp() overflows: an
            # `error` result naming the metric), never because a query failed
            run_ok = codes["run"] in (0, 1) or (codes["run"] == 3 and "query failed" not in outputs["run"])
            assert codes == {"validate": 0, "run": codes["run"], "compile": 0} and run_ok, \
                f"a valid project failed: {codes}" + describe(case, "validate", invoke(
                    ["validate", "--project", str(root)], case.env)) + describe(
                    case, "run", invoke(["run", "--json", "--at", AT, "--project", str(root)], case.env))
        return codes
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _log(case: Case, codes: dict[str, int]) -> None:
    """One line per case in $TELLTALE_FUZZ_LOG, if set (progress of a long run)."""
    path = os.environ.get("TELLTALE_FUZZ_LOG")
    if path:
        with open(path, "a", encoding="utf-8") as f:
            f.write(f"{codes.get('validate')} {codes.get('run')} {codes.get('compile')} {case.why}\n")


def _tb(res: Result) -> str:
    import traceback

    if res.exc_info is None:
        return ""
    return "\n" + "".join(traceback.format_exception(*res.exc_info))[-4000:]


_HANDLED: dict[str, bool] = {}


def handled(name: str, reproducer: Case) -> bool:
    """Whether a known-open problem is fixed in this build (its reproducer passes `check`).

    Cases another part of issue 5 is fixing are generated only once their reproducer is
    handled, so the fuzz run stays green before those fixes are merged and covers them
    after. Each reproducer runs once per session.
    """
    if name not in _HANDLED:
        try:
            check(reproducer)
            _HANDLED[name] = True
        except AssertionError:
            _HANDLED[name] = False
    return _HANDLED[name]


def open_problems() -> list[str]:
    """The known-open problems whose reproducers still fail (their cases are not generated)."""
    return sorted(n for n, ok in _HANDLED.items() if not ok)
