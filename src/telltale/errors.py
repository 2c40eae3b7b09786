"""The exception hierarchy: one root, every message says how to fix the problem."""

from __future__ import annotations


class TelltaleError(Exception):
    """Root of every error telltale raises on purpose."""

    exit_code = 2


class ConfigError(TelltaleError):
    """telltale.yml is invalid: the message names file, line and key."""

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None,
                 column: int | None = None, key: str | None = None) -> None:
        self.file, self.line, self.column, self.key = file, line, column, key
        where = ""
        if file:
            where = file
            if line is not None:
                where += f":{line}"
                if column is not None:
                    where += f":{column}"
            where += ": "
        if key:
            where += f"{key}: "
        super().__init__(where + message)
        self.bare_message = message


class DSLError(TelltaleError):
    """A metric file is invalid: the message carries file:line:col and what was expected."""

    def __init__(self, message: str, *, file: str = "<metric>", line: int = 0, column: int = 0) -> None:
        self.file, self.line, self.column = file, line, column
        self.bare_message = message
        super().__init__(f"{file}:{line}:{column}: {message}")


class MissingExtraError(TelltaleError):
    """A connector or channel needs an optional dependency that is not installed."""

    def __init__(self, what: str, extra: str, module: str) -> None:
        super().__init__(
            f"{what} needs the Python package '{module}', which is not installed. "
            f"Install it with: pip install 'telltale[{extra}]'"
        )


class ConnectorError(TelltaleError):
    """A warehouse could not be reached or a query failed there."""

    exit_code = 3


class UnsafeQueryError(TelltaleError):
    """Something other than a single SELECT was about to reach a warehouse."""


class SchemaError(TelltaleError):
    """A mapped column is missing in the warehouse or has an unusable type."""


class StoreError(TelltaleError):
    """The state store cannot be opened or migrated."""


class StoreUnavailableError(StoreError):
    """The state store's database could not be reached or read: a run-time failure (exit 3),
    as an unreachable warehouse is; nothing in telltale.yml needs fixing."""

    exit_code = 3


class ChannelError(TelltaleError):
    """An alert channel rejected or could not receive a delivery."""

    exit_code = 3
