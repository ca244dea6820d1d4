"""Retries of Bot API calls that cannot have taken effect.

Telegram's 429 means the call was refused, not performed, so sending it again after
`retry_after` cannot double a message. Anything else (a 5xx after the request went out) is
not retried here: the message may have been sent.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import Response, TelegramMethod

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[Any]]


class RetryAfterMiddleware(BaseRequestMiddleware):
    def __init__(self, *, attempts: int = 3, max_wait: float = 10.0, sleep: Sleep = asyncio.sleep):
        self._attempts = attempts
        # A person waits for the answer: a longer ban is better reported than sat out.
        self._max_wait = max_wait
        self._sleep = sleep

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[Any],
        bot: Bot,
        method: TelegramMethod[Any],
    ) -> Response[Any]:
        for attempt in range(1, self._attempts + 1):
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as exc:
                if attempt == self._attempts or exc.retry_after > self._max_wait:
                    raise
                log.warning(
                    "Telegram asked to wait %ss before %s (attempt %s)",
                    exc.retry_after,
                    type(method).__name__,
                    attempt,
                )
                await self._sleep(exc.retry_after)
        raise AssertionError("unreachable: the loop returns or raises")
