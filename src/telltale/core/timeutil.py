"""Time in telltale: UTC everywhere, durations like `28d`, and bucket arithmetic."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

UTC = timezone.utc
_DURATION = re.compile(r"^\s*(\d+)\s*(s|m|h|d|w)\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
GRANULARITIES = {"hour": timedelta(hours=1), "day": timedelta(days=1)}
MAX_DURATION = timedelta(days=36525)
"""The longest duration telltale accepts (100 years): windows, baselines and histories
are subtracted from times, which must stay inside the calendar."""
MIN_TIME = datetime(1000, 1, 1, tzinfo=UTC)
MAX_TIME = datetime(9000, 1, 1, tzinfo=UTC)
"""Times (`--at`, `--from`, `--to`) must lie in [MIN_TIME, MAX_TIME), so that subtracting
the longest window, baseline and history never leaves the calendar."""


def parse_duration(text: str) -> timedelta:
    """Parse `90s`, `15m`, `6h`, `28d` or `2w` into a timedelta; raise ValueError otherwise.

    Durations longer than MAX_DURATION (100 years) are refused with a ValueError.
    """
    m = _DURATION.match(str(text))
    if not m:
        raise ValueError(f"'{text}' is not a duration; write a number and a unit, e.g. 1d, 6h, 28d, 2w")
    amount, unit = int(m.group(1)), m.group(2)
    seconds = amount * {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}[unit]
    if seconds > MAX_DURATION.total_seconds():
        raise ValueError(f"'{text.strip()}' is longer than 100 years; write a shorter duration, "
                         "e.g. 28d or 52w")
    return timedelta(**{_UNITS[unit]: amount})


def format_duration(delta: timedelta) -> str:
    """Render a timedelta the way config files write it (`28d`, `6h`)."""
    seconds = int(delta.total_seconds())
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0 and seconds >= size and unit != "w":
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def doubling_wait(base: timedelta, cap: timedelta, failures: int) -> timedelta:
    """The wait after `failures` failures in a row: `base`, doubling each time, at most `cap`."""
    return min(base * (1 << max(0, min(failures - 1, 20))), cap)


def to_utc(value: datetime) -> datetime:
    """Return an aware UTC datetime; naive values are taken as UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def parse_time(text: str) -> datetime:
    """Parse an ISO time or date (`2026-03-13`, `2026-03-13T00:00:00Z`) as UTC."""
    t = text.strip()
    if t.endswith("Z") or t.endswith("z"):
        t = t[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(t)
    except ValueError as exc:
        raise ValueError(f"'{text}' is not a time; write e.g. 2026-03-13 or 2026-03-13T00:00:00Z") from exc
    try:
        value = to_utc(parsed)
    except OverflowError:
        value = MAX_TIME if parsed.year > 5000 else MIN_TIME - timedelta(days=1)
    if not MIN_TIME <= value < MAX_TIME:
        raise ValueError(f"'{text}' is out of range; write a time between {MIN_TIME:%Y-%m-%d} "
                         f"and {MAX_TIME:%Y-%m-%d}")
    return value


def iso(value: datetime | None) -> str | None:
    """Format a UTC datetime as `2026-03-13T00:00:00Z`."""
    if value is None:
        return None
    return to_utc(value).strftime("%Y-%m-%dT%H:%M:%SZ")


def floor_time(value: datetime, step: timedelta) -> datetime:
    """Round a time down to a multiple of `step` since the Unix epoch (buckets are UTC)."""
    value = to_utc(value)
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    n = (value - epoch) // step
    return epoch + n * step


@dataclass(frozen=True, order=True)
class TimeRange:
    """A half-open UTC interval [start, end)."""

    start: datetime
    end: datetime

    def buckets(self, step: timedelta) -> list[datetime]:
        """The bucket starts inside this range (the range is assumed aligned to `step`)."""
        out, t = [], self.start
        while t < self.end:
            out.append(t)
            t += step
        return out

    @property
    def length(self) -> timedelta:
        """How long the range is."""
        return self.end - self.start

    def as_json(self) -> dict[str, str | None]:
        """The `{"start", "end"}` object of the JSON output."""
        return {"start": iso(self.start), "end": iso(self.end)}

    def union(self, other: "TimeRange") -> "TimeRange":
        """The smallest range covering both."""
        return TimeRange(min(self.start, other.start), max(self.end, other.end))


def covering(ranges: list[TimeRange]) -> TimeRange:
    """The smallest range covering every range given (at least one)."""
    return TimeRange(min(r.start for r in ranges), max(r.end for r in ranges))


def focal_range(at: datetime, window: timedelta, step: timedelta) -> TimeRange:
    """The focal window ending at the last complete bucket before `at`."""
    end = floor_time(at, step)
    return TimeRange(end - window, end)


def baseline_range(focal: TimeRange, last: timedelta, skip: timedelta) -> TimeRange:
    """The rolling baseline: `last` long, ending `skip` before the focal window starts."""
    end = focal.start - skip
    return TimeRange(end - last, end)
