"""The Slack channel (slack_sdk): an incoming webhook, or a bot token and `chat.postMessage`.

Each message names the model, monitor, column, segment, value vs threshold, window,
baseline and a dashboard link. The notices of one delivery pass go out as one message
(`grouped`, the default); with a bot token and `grouped: false`, a `resolved` notice is a
reply in the thread of its `firing` message.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal, Sequence
from urllib.parse import urlsplit

from pydantic import model_validator

from telltale.alerts.channels.base import AlertMessage, ChannelConfig, ChannelSpec, DeliveryError
from telltale.alerts.channels.http import host_of, timed_out
from telltale.alerts.channels.text import details, title
from telltale.configbase.values import HttpUrl, Name, Timeout, Token

EMOJI = {"firing": ":red_circle:", "update": ":large_orange_circle:", "resolved": ":large_green_circle:"}
MAX_BLOCKS = 45                      # Slack allows 50 blocks per message


class SlackConfig(ChannelConfig):
    """Post to Slack through an incoming webhook (`webhook_url`) or a bot (`bot_token` + `channel`)."""

    type: Literal["slack"]
    webhook_url: HttpUrl | None = None
    bot_token: Token | None = None
    channel: Name | None = None
    """A channel id or name (with `bot_token`)."""
    api_url: HttpUrl | None = None
    """Override the Web API base URL (default https://slack.com/api/; tests, proxies)."""
    grouped: bool = True
    """One message for all notices of a delivery pass."""
    timeout: Timeout = timedelta(seconds=10)

    @model_validator(mode="after")
    def _one_way(self) -> SlackConfig:
        bot = self.bot_token is not None or self.channel is not None
        if (self.webhook_url is None) == (not bot):
            raise ValueError("give either webhook_url (an incoming webhook) or bot_token and channel "
                             "(chat.postMessage), not both and not neither")
        if bot and (self.bot_token is None or self.channel is None):
            raise ValueError("a Slack bot needs both bot_token and channel")
        if importlib.util.find_spec("slack_sdk") is None or importlib.util.find_spec("aiohttp") is None:
            raise ValueError("the slack channel needs the slack_sdk and aiohttp packages: "
                             "pip install 'telltale[slack]'")
        return self


@dataclass
class SlackChannel:
    """Posts readable alert messages to Slack."""

    name: str
    webhook_url: str | None = None
    bot_token: str | None = None
    channel: str | None = None
    api_url: str | None = None
    timeout: float = 10.0
    grouped: bool = True
    update_every: timedelta | None = None
    type: str = "slack"

    @classmethod
    def from_config(cls, name: str, cfg: SlackConfig) -> SlackChannel:
        """Build from a validated config."""
        return cls(name=name, webhook_url=cfg.webhook_url, bot_token=cfg.bot_token, channel=cfg.channel,
                   api_url=cfg.api_url, timeout=cfg.timeout.total_seconds(), grouped=cfg.grouped)

    @property
    def _where(self) -> str:
        target = host_of(self.webhook_url) if self.webhook_url else f"chat.postMessage to {self.channel}"
        return f"slack '{self.name}' ({target})"

    def send(self, message: AlertMessage) -> str | None:
        """Post one notice; with a bot, return the message ts (a resolve replies in its thread)."""
        text, blocks = render([message])
        thread = message.ref if message.status == "resolved" else None
        return self._post(text, blocks, thread)

    def send_group(self, messages: Sequence[AlertMessage]) -> None:
        """Post several notices as one message."""
        text, blocks = render(messages)
        self._post(text, blocks, None)

    def _post(self, text: str, blocks: list[dict[str, Any]], thread_ts: str | None) -> str | None:
        """One post through slack_sdk's async client, under one total deadline (`timeout`):
        a peer that trickles its answer is cut off and its connection closed, as webhooks are."""
        from telltale.alerts.channels.bounded import DeadlineExceeded, run_with_deadline  # httpx: only to send

        # loaded before the deadline starts: `timeout` bounds the request, not a first import
        # of slack_sdk and aiohttp (more than 0.5 s on a busy machine)
        import slack_sdk.web.async_client  # noqa: F401
        import slack_sdk.webhook.async_client  # noqa: F401

        try:
            return run_with_deadline(lambda: self._post_async(text, blocks, thread_ts), self.timeout)
        except DeliveryError:
            raise
        except DeadlineExceeded as exc:
            raise timed_out(self.name, self._where, self.timeout) from exc
        except Exception as exc:     # noqa: BLE001 - network errors: the sink is unreachable
            raise DeliveryError(f"{self._where}: could not deliver: {type(exc).__name__}: {self._scrub(str(exc))}",
                                channel=self.name) from exc

    def _scrub(self, text: str) -> str:
        """`text` without the secrets: an incoming webhook's URL (its path is the secret, and
        aiohttp names the URL in some errors) and the bot token."""
        if self.webhook_url:
            parts = urlsplit(self.webhook_url)
            hidden = f"{parts.scheme}://{parts.netloc}/<webhook path hidden>"
            text = text.replace(self.webhook_url, hidden)
            if len(parts.path) > 1:
                text = text.replace(parts.path, "/<webhook path hidden>")
        if self.bot_token:
            text = text.replace(self.bot_token, "<bot token hidden>")
        return text

    async def _post_async(self, text: str, blocks: list[dict[str, Any]], thread_ts: str | None) -> str | None:
        timeout = max(1, round(self.timeout))     # the outbox retries: the client's own handlers are off
        if self.webhook_url:
            from slack_sdk.webhook.async_client import AsyncWebhookClient

            resp = await AsyncWebhookClient(self.webhook_url, timeout=timeout, retry_handlers=[]).send(
                text=text, blocks=blocks)
            if resp.status_code != 200:
                raise DeliveryError(f"{self._where} answered HTTP {resp.status_code}: {resp.body[:200]}",
                                    channel=self.name, status_code=resp.status_code,
                                    retryable=resp.status_code >= 500 or resp.status_code == 429,
                                    retry_after=_retry_after(resp.headers))
            return None
        from slack_sdk.errors import SlackApiError
        from slack_sdk.web.async_client import AsyncWebClient

        base = self.api_url.rstrip("/") + "/" if self.api_url else AsyncWebClient.BASE_URL
        client = AsyncWebClient(token=self.bot_token, timeout=timeout, base_url=base, retry_handlers=[])
        try:
            answer = await client.chat_postMessage(channel=str(self.channel), text=text, blocks=blocks,
                                                   thread_ts=thread_ts)
        except SlackApiError as exc:
            code = exc.response.status_code
            reason = self._scrub(str(exc.response.get("error") or exc))
            raise DeliveryError(f"{self._where}: {reason}", channel=self.name,
                                status_code=code, retryable=code >= 500 or code == 429,
                                retry_after=_retry_after(exc.response.headers)) from exc
        return str(answer.get("ts")) if answer.get("ts") else None


def render(messages: Sequence[AlertMessage]) -> tuple[str, list[dict[str, Any]]]:
    """The fallback text and the Block Kit blocks of one message for one or more notices."""
    blocks: list[dict[str, Any]] = []
    lines: list[str] = []
    if len(messages) > 1:
        head = f"telltale: {len(messages)} alert notices"
        blocks.append({"type": "header", "text": {"type": "plain_text", "text": head}})
        lines.append(head)
    shown = messages if len(messages) * 2 <= MAX_BLOCKS else messages[: MAX_BLOCKS // 2]
    for m in shown:
        head = f"{EMOJI.get(m.status, '')} {title(m.payload, m.status)}".strip()
        body = "\n".join(f"*{k}*: {v}" for k, v in details(m.payload, m.dashboard_url))
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": f"*{head}*\n{body}"[:2900]}})
        blocks.append({"type": "divider"})
        lines.append(title(m.payload, m.status))
    if len(shown) < len(messages):
        more = f"... and {len(messages) - len(shown)} more (see `telltale alerts list`)"
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": more}]})
    return "\n".join(lines), blocks


SPEC = ChannelSpec(SlackConfig, SlackChannel.from_config)


def _retry_after(headers: Any) -> float | None:
    """Slack's Retry-After (its rate limits answer 429 with one), in seconds."""
    from telltale.alerts.channels.http import retry_after_seconds

    value = next((v for k, v in dict(headers or {}).items() if k.lower() == "retry-after"), None)
    if isinstance(value, list):    # aiohttp's headers as slack_sdk keeps them: a list per name
        value = value[0] if value else None
    return retry_after_seconds(None if value is None else str(value))
