"""`notify`: the channels a monitor notifies, one list or one list per severity."""

from __future__ import annotations

from typing import Annotated, Any, Mapping, Union, get_args

from pydantic import BeforeValidator

from telltale.configbase.values import Severity

SEVERITIES: tuple[str, ...] = get_args(Severity)


def notify_before(value: Any) -> Any:
    """Check and normalise `notify`: one name or a list, or a mapping severity -> names."""
    if value is None:
        return ()
    if isinstance(value, str):
        return [value]
    if isinstance(value, Mapping):
        bad = [k for k in value if k not in SEVERITIES]
        if bad:
            raise ValueError(f"notify by severity takes the keys {', '.join(SEVERITIES)}, not {bad[0]!r}; "
                             "write e.g. {high: [pager], low: [team]}")
        return {k: _names(v) for k, v in value.items()}
    return _names(value)


def _names(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return list(value)
    raise ValueError("expected a channel name or a list of them, e.g. [ops, team], "
                     "or by severity: {high: [pager], low: [team]}")


Notify = Annotated[Union[tuple[str, ...], dict[Severity, tuple[str, ...]]], BeforeValidator(notify_before)]
"""`notify: [ops, jira]`, or by severity: `notify: {high: [pager], low: [team]}`."""


def notify_names(notify: Notify) -> list[tuple[tuple[str | int, ...], str]]:
    """Every channel name a `notify` lists, with its path under `notify` (for validation)."""
    if isinstance(notify, Mapping):
        return [((sev, j), name) for sev, names in notify.items() for j, name in enumerate(names)]
    return [((j,), name) for j, name in enumerate(notify)]
