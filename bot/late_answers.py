"""A callback query answered too late is a toast nobody will see, not a failure.

Telegram accepts an answer to a tapped button only for a short while, and only once. An
update answered again after a crash (see `bot.middlewares.DatabaseMiddleware`) comes later
than that, and its first delivery may have answered the query already; the card it edits
next is what matters, so the refused toast must not stop it.
"""

from __future__ import annotations

import logging
from typing import Any

from aiogram import Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import TelegramBadRequest
from aiogram.methods import AnswerCallbackQuery, Response, TelegramMethod

log = logging.getLogger(__name__)

TOO_OLD = "query is too old"


class LateCallbackAnswers(BaseRequestMiddleware):
    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[Any],
        bot: Bot,
        method: TelegramMethod[Any],
    ) -> Response[Any]:
        try:
            return await make_request(bot, method)
        except TelegramBadRequest as exc:
            if not isinstance(method, AnswerCallbackQuery) or TOO_OLD not in exc.message:
                raise
            log.info("a callback query was answered too late; the toast is dropped")
            return Response[bool](ok=True, result=True)
