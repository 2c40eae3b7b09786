"""Alert channels: one module per type, each with its config class beside its sender.

`CHANNELS` is the one list of channel types: the config union (`telltale.config.alerts`)
and the sender registry (`CHANNEL_TYPES`, `build_channel`) are both read from it. Adding a
channel type = one module in this folder and one entry in `CHANNELS`.
"""

from __future__ import annotations

from typing import Annotated, Any, Mapping, Union

from pydantic import Field, TypeAdapter, ValidationError

from telltale.alerts.channels import jira, newrelic, pagerduty, slack, webhook
from telltale.alerts.channels.base import AlertMessage, Channel, ChannelConfig, ChannelSpec, DeliveryError
from telltale.alerts.channels.webhook import WebhookChannel, sign
from telltale.errors import ConfigError, TelltaleError

CHANNELS: tuple[ChannelSpec, ...] = (webhook.SPEC, slack.SPEC, jira.SPEC, newrelic.SPEC, pagerduty.SPEC)

CHANNEL_TYPES: dict[str, ChannelSpec] = {spec.type: spec for spec in CHANNELS}
"""type -> its ChannelSpec (config class and sender factory)."""

ChannelUnion: Any = Annotated[Union[tuple(spec.config for spec in CHANNELS)], Field(discriminator="type")]  # type: ignore[valid-type]
"""Any channel's config, chosen by its `type` (the `alerts:` values of telltale.yml)."""

_ADAPTER: TypeAdapter[Any] = TypeAdapter(ChannelUnion)


def build_channel(name: str, cfg: ChannelConfig | Mapping[str, Any]) -> Channel:
    """Build the channel named `name` from its validated config (a mapping is validated first)."""
    if not isinstance(cfg, ChannelConfig):
        kind = cfg.get("type")
        if kind not in CHANNEL_TYPES:
            raise ConfigError(f"unknown channel type {kind!r}; use one of {', '.join(sorted(CHANNEL_TYPES))}",
                              key=f"alerts.{name}.type")
        try:
            cfg = _ADAPTER.validate_python(dict(cfg))
        except ValidationError as exc:
            first = exc.errors(include_url=False)[0]
            where = ".".join(str(p) for p in first["loc"][1:])
            message = str(first["msg"]).removeprefix("Value error, ")
            raise ConfigError(message, key=f"alerts.{name}" + (f".{where}" if where else "")) from exc
    assert isinstance(cfg, ChannelConfig)
    return CHANNEL_TYPES[cfg.type].build(name, cfg)  # type: ignore[attr-defined]


def build_channels(cfgs: Mapping[str, ChannelConfig | Mapping[str, Any]]) -> dict[str, Channel]:
    """Build every configured channel, by name; the first one that cannot be built raises."""
    return {name: build_channel(name, cfg) for name, cfg in cfgs.items()}


def usable_channels(cfgs: Mapping[str, ChannelConfig | Mapping[str, Any]]) -> tuple[dict[str, Channel], dict[str, str]]:
    """Build the channels that can be built; return them and the errors of the others, by name."""
    built: dict[str, Channel] = {}
    errors: dict[str, str] = {}
    for name, cfg in cfgs.items():
        try:
            built[name] = build_channel(name, cfg)
        except TelltaleError as exc:
            errors[name] = str(exc)
    return built, errors


__all__ = ["CHANNELS", "CHANNEL_TYPES", "AlertMessage", "Channel", "ChannelConfig", "ChannelSpec",
           "ChannelUnion", "DeliveryError", "WebhookChannel", "build_channel", "build_channels", "sign",
           "usable_channels"]
