"""Alert channels and their registry: `build_channel(name, cfg)` picks a class by `type`."""

from __future__ import annotations

from typing import Any, Callable, Mapping

from telltale.alerts.channels.base import AlertMessage, Channel, DeliveryError
from telltale.alerts.channels.webhook import WebhookChannel, sign
from telltale.errors import ConfigError, TelltaleError

ChannelFactory = Callable[[str, Mapping[str, Any]], Channel]


def _planned(label: str) -> ChannelFactory:
    """A factory for a channel type that is announced but not built yet."""

    def factory(name: str, cfg: Mapping[str, Any]) -> Channel:
        raise ConfigError(f"the {label} channel is not implemented yet; use a webhook for now "
                          f"({{type: webhook, url: https://..., secret: ${{HOOK_SECRET}}}})",
                          key=f"alerts.{name}.type")

    return factory


# type -> factory. Adding a channel = adding a row here.
CHANNEL_TYPES: dict[str, ChannelFactory] = {
    "webhook": WebhookChannel.from_config,
    "slack": _planned("Slack"),
    "jira": _planned("JIRA"),
    "newrelic": _planned("New Relic"),
}


def build_channel(name: str, cfg: Mapping[str, Any] | Any) -> Channel:
    """Build the channel named `name` from its config (a mapping with `type`, or a pydantic model)."""
    if hasattr(cfg, "model_dump"):
        cfg = cfg.model_dump(exclude_none=True)
    kind = cfg.get("type")
    factory = CHANNEL_TYPES.get(kind) if isinstance(kind, str) else None
    if factory is None:
        raise ConfigError(f"unknown channel type {kind!r}; use one of {', '.join(sorted(CHANNEL_TYPES))}",
                          key=f"alerts.{name}.type")
    return factory(name, cfg)


def build_channels(cfgs: Mapping[str, Mapping[str, Any] | Any]) -> dict[str, Channel]:
    """Build every configured channel, by name; the first one that cannot be built raises."""
    return {name: build_channel(name, cfg) for name, cfg in cfgs.items()}


def usable_channels(cfgs: Mapping[str, Mapping[str, Any] | Any]) -> tuple[dict[str, Channel], dict[str, str]]:
    """Build the channels that can be built; return them and the errors of the others, by name.

    For delivery: notices for a channel left out stay queued in the outbox until it can
    be built (e.g. a planned type once it is implemented), and the others go out.
    """
    built: dict[str, Channel] = {}
    errors: dict[str, str] = {}
    for name, cfg in cfgs.items():
        try:
            built[name] = build_channel(name, cfg)
        except TelltaleError as exc:
            errors[name] = str(exc)
    return built, errors


__all__ = ["CHANNEL_TYPES", "AlertMessage", "Channel", "ChannelFactory", "DeliveryError",
           "WebhookChannel", "build_channel", "build_channels", "sign", "usable_channels"]
