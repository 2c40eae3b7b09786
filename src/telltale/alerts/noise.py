"""Noise controls: per-monitor cooldown after a resolve and a daily cap on firing notices."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Iterable, Mapping

from telltale.store import AlertKey, Store
from telltale.core.timeutil import floor_time, parse_duration

DAY = timedelta(days=1)


@dataclass(frozen=True)
class AlertPolicy:
    """How one monitor notifies: its channels (`notify`), cooldown and daily cap.

    `channels`: notified at every severity; `by_severity`: (severity, channels) pairs from
    `notify: {high: [pager], low: [team]}` (an alert of a severity not listed notifies nobody).
    `cooldown`: after an alert of a (monitor, model, column, segment) resolved, a new one
    for the same key within this time is recorded but its firing notice is held.
    `daily_cap`: at most this many firing notices per monitor per UTC day (None: no cap).
    """

    channels: tuple[str, ...] = ()
    cooldown: timedelta = timedelta(0)
    daily_cap: int | None = None
    by_severity: tuple[tuple[str, tuple[str, ...]], ...] | None = None

    @classmethod
    def of(cls, notify: Iterable[str] | Mapping[str, Iterable[str]] = (),
           cooldown: timedelta | str | None = None, daily_cap: int | None = None) -> AlertPolicy:
        """Build from config values (`notify` a list or a mapping severity -> list;
        `cooldown` may be a duration text such as `6h`)."""
        if isinstance(cooldown, str):
            cooldown = parse_duration(cooldown)
        if daily_cap is not None and daily_cap < 0:
            raise ValueError("daily_cap must be 0 or more")
        if isinstance(notify, Mapping):
            pairs = tuple((str(k), tuple(v)) for k, v in notify.items())
            return cls((), cooldown or timedelta(0), daily_cap, pairs)
        return cls(tuple(notify), cooldown or timedelta(0), daily_cap)

    def channels_for(self, severity: str) -> tuple[str, ...]:
        """The channels an alert of this severity notifies."""
        if self.by_severity is None:
            return self.channels
        return dict(self.by_severity).get(severity, ())


@dataclass
class NoiseGate:
    """Decides, within one lifecycle pass, whether a firing notice may go out now."""

    store: Store
    now: datetime
    _fired_today: dict[str, int] = field(default_factory=dict)

    def hold_reason(self, key: AlertKey, policy: AlertPolicy) -> str | None:
        """`"cooldown"` or `"daily_cap"` when the firing notice must be held, else None."""
        if policy.cooldown > timedelta(0):
            last = self.store.last_notified_resolve(key)
            if last is not None and self.now - last < policy.cooldown:
                return "cooldown"
        if policy.daily_cap is not None and self._count(key.monitor) >= policy.daily_cap:
            return "daily_cap"
        return None

    def note_fired(self, monitor: str) -> None:
        """Count one more firing notice of `monitor` today (call after recording it)."""
        if monitor in self._fired_today:      # else the next count reads the store, which has it
            self._fired_today[monitor] += 1

    def _count(self, monitor: str) -> int:
        if monitor not in self._fired_today:
            day = floor_time(self.now, DAY)
            self._fired_today[monitor] = self.store.count_fired(monitor, day, day + DAY)
        return self._fired_today[monitor]

