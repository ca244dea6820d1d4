"""An async limiter for amoCRM's request rate: at most N requests in any rolling window.

amoCRM allows 7 requests per second per integration and answers 429 beyond that (repeated
excess gets the account blocked with 403), so every request waits its turn here. One instance
is shared by every task talking to the same account; the clock and the sleep are injected so
tests drive time by hand.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable

AMOCRM_REQUESTS_PER_SECOND = 7
# Requests leave here in order but reach amoCRM with network jitter: a window slightly longer
# than a second keeps two bursts from landing within one second of each other at the server.
DEFAULT_WINDOW = 1.1

# Durations here are seconds of wall time, never money.
Seconds = float
Monotonic = Callable[[], Seconds]
Sleep = Callable[[Seconds], Awaitable[None]]


class RateLimiter:
    """A sliding-window log: a request may start once fewer than `rate` started within `window`."""

    def __init__(
        self,
        rate: int = AMOCRM_REQUESTS_PER_SECOND,
        window: Seconds = DEFAULT_WINDOW,
        *,
        monotonic: Monotonic = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if rate < 1 or window <= 0:
            raise ValueError("rate must be at least 1 and window positive")
        self.rate = rate
        self.window = window
        self._monotonic = monotonic
        self._sleep = sleep
        self._starts: deque[Seconds] = deque()
        # One waiter at a time: waiters are served first come, first served.
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        """Wait until a request may start, and count it as started."""
        async with self._lock:
            while (wait := self._wait_needed()) > 0:
                await self._sleep(wait)
            self._starts.append(self._monotonic())

    def _wait_needed(self) -> Seconds:
        now = self._monotonic()
        while self._starts and now - self._starts[0] >= self.window:
            self._starts.popleft()
        if len(self._starts) < self.rate:
            return 0.0
        return self._starts[0] + self.window - now

    async def __aenter__(self) -> None:
        await self.acquire()

    async def __aexit__(self, *exc_info: object) -> None:
        return None
