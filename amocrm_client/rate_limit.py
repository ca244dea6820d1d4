"""An async limiter for amoCRM's request rate: at most N requests in any rolling window.

amoCRM allows 7 requests per second per integration and answers 429 beyond that (repeated
excess gets the account blocked with 403), so every request waits its turn here. One instance
is shared by every task talking to the same account; the clock and the sleep are injected so
tests drive time by hand.

A request holds its turn (`slot`) until its answer is back, and its place in the window
counts from then: amoCRM saw it arrive before it answered, so the next request to take that
place reaches amoCRM more than a window after it, however late a busy machine or the network
delivered either. Counting from the start instead let a delayed burst land within one
second of the next one at the server.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

AMOCRM_REQUESTS_PER_SECOND = 7
# A little over a second: amoCRM's own second need not be ours to the millisecond.
DEFAULT_WINDOW = 1.1
# How often a request waiting for a turn while every turn is out looks again.
IN_FLIGHT_POLL = 0.05

# Durations here are seconds of wall time, never money.
Seconds = float
Monotonic = Callable[[], Seconds]
Sleep = Callable[[Seconds], Awaitable[None]]


class RateLimiter:
    """A sliding-window log: a request may start once fewer than `rate` requests are out or
    were answered within `window` (with `acquire`: started within it)."""

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
        self._starts: deque[Seconds] = deque()  # when each turn in the window was taken back
        self._in_flight = 0
        # One waiter at a time: waiters are served first come, first served.
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        """Wait until a request may start, and count it as started (for a caller that does
        not say when it is answered; the client holds a `slot`)."""
        await self._take_turn()
        self._starts.append(self._monotonic())

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold a turn for one request, from its start until its answer is back."""
        await self._take_turn()
        self._in_flight += 1
        try:
            yield
        finally:
            self._in_flight -= 1
            self._starts.append(self._monotonic())

    async def _take_turn(self) -> None:
        async with self._lock:
            while (wait := self._wait_needed()) > 0:
                await self._sleep(wait)

    def _wait_needed(self) -> Seconds:
        now = self._monotonic()
        while self._starts and now - self._starts[0] >= self.window:
            self._starts.popleft()
        if len(self._starts) + self._in_flight < self.rate:
            return 0.0
        if not self._starts:  # every turn is out: the first answer back frees one
            return IN_FLIGHT_POLL
        return self._starts[0] + self.window - now

    async def __aenter__(self) -> None:
        await self.acquire()

    async def __aexit__(self, *exc_info: object) -> None:
        return None
