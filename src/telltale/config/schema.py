"""The whole `telltale.yml`: version, store, connections, metrics, models, monitors, alerts."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from telltale.config.alerts import Channel
from telltale.configbase.values import HttpUrl, Name, StrictModel, str_tuple
from telltale.config.connections import Connection
from telltale.config.models import ModelConfig
from telltale.config.monitors import Monitor

DEFAULT_STORE = "sqlite:///.telltale/state.db"


class TelltaleConfig(StrictModel):
    """The validated contents of `telltale.yml` (values as written; paths not yet resolved)."""

    version: Literal[1]
    store: str = DEFAULT_STORE
    """SQLAlchemy URL of the state store; a relative sqlite path is relative to the project."""
    connections: dict[str, Connection] = Field(default_factory=dict)
    metrics: tuple[str, ...] = ()
    """Globs of metric-language files, relative to the project."""
    models: dict[str, ModelConfig] = Field(default_factory=dict)
    monitors: tuple[Monitor, ...] = ()
    alerts: dict[str, Channel] = Field(default_factory=dict)
    dashboard_url: HttpUrl | None = None
    """The dashboard's address, linked from alert messages."""
    project: Name | None = None
    """This project's name in a state store shared with other projects: its alerts carry it,
    and only they are resolved when their monitor leaves this configuration."""

    @model_validator(mode="before")
    @classmethod
    def _empty_sections(cls, data: Any) -> Any:
        if isinstance(data, dict):
            data = {k: v for k, v in data.items()
                    if not (v is None and k in ("connections", "metrics", "models", "monitors",
                                                "alerts", "store"))}
        return data

    _metrics_before = field_validator("metrics", mode="before")(str_tuple)

    @field_validator("version", mode="before")
    @classmethod
    def _version_text(cls, value: Any) -> Any:
        return 1 if value == "1" else value     # `version: ${V:-1}` interpolates to text

    @field_validator("store")
    @classmethod
    def _store_url(cls, value: str) -> str:
        if value != DEFAULT_STORE:       # SQLAlchemy is imported only for a store of one's own
            from telltale.errors import StoreError
            from telltale.store.engine import parse_store_url

            try:
                parse_store_url(value)
            except StoreError as exc:
                raise ValueError(str(exc)) from None
        return value

    def monitors_of(self, model: str) -> list[Monitor]:
        """The monitors of one model, in file order."""
        return [m for m in self.monitors if m.model == model]

    def monitor(self, name: str) -> Monitor | None:
        """A monitor by name, or None."""
        return next((m for m in self.monitors if m.name == name), None)
