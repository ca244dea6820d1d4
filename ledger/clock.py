"""Time is injected: services ask a clock, so tests of dates and expiry never sleep."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo


class Clock(Protocol):
    tz: ZoneInfo

    def now(self) -> datetime:
        """The current moment, timezone-aware, in UTC."""
        ...

    def today(self) -> date:
        """Today in the business's time zone."""
        ...


class SystemClock:
    def __init__(self, tz: ZoneInfo) -> None:
        self.tz = tz

    def now(self) -> datetime:
        return datetime.now(UTC)

    def today(self) -> date:
        return datetime.now(self.tz).date()


class FrozenClock:
    """A clock that moves only when told to (tests, benchmarks, replays)."""

    def __init__(self, at: datetime, tz: ZoneInfo) -> None:
        if at.tzinfo is None:
            raise ValueError("FrozenClock needs an aware datetime")
        self.tz = tz
        self._at = at.astimezone(UTC)

    def now(self) -> datetime:
        return self._at

    def today(self) -> date:
        return self._at.astimezone(self.tz).date()

    def advance(self, delta: timedelta) -> None:
        self._at += delta
