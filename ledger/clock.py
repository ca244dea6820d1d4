"""Time is injected: services ask a clock, so tests of dates, expiry, pacing and backoff never
sleep."""

from __future__ import annotations

import asyncio
import time
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

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back, for spacing and timeouts."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Wait `seconds` (pacing, backoff)."""
        ...


class SystemClock:
    def __init__(self, tz: ZoneInfo) -> None:
        self.tz = tz

    def now(self) -> datetime:
        return datetime.now(UTC)

    def today(self) -> date:
        return datetime.now(self.tz).date()

    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


class FrozenClock:
    """A clock that moves only when told to (tests, benchmarks, replays)."""

    def __init__(self, at: datetime, tz: ZoneInfo) -> None:
        if at.tzinfo is None:
            raise ValueError("FrozenClock needs an aware datetime")
        self.tz = tz
        self._at = at.astimezone(UTC)
        self._monotonic = 0.0

    def now(self) -> datetime:
        return self._at

    def today(self) -> date:
        return self._at.astimezone(self.tz).date()

    def monotonic(self) -> float:
        return self._monotonic

    async def sleep(self, seconds: float) -> None:
        """Time passes at once; other tasks still get their turn, as in a real sleep."""
        self.advance(timedelta(seconds=max(seconds, 0)))
        await asyncio.sleep(0)

    def advance(self, delta: timedelta) -> None:
        self._at += delta
        self._monotonic += delta.total_seconds()
