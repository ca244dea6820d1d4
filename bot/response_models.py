"""Keeps aiogram's parametrized `Response[...]` models alive for the life of the process.

aiogram's session checks every answer with `Response[method.__returning__]`; pydantic caches
such generic classes only weakly, so once garbage collection runs the next call builds the
model again — schema generation on every Bot API call, costlier than everything else an
update does. One strong reference per method type ends that.
"""

from __future__ import annotations

from typing import Any

from aiogram import Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.methods import Response, TelegramMethod

_MODELS: dict[type, Any] = {}


class KeepResponseModels(BaseRequestMiddleware):
    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[Any],
        bot: Bot,
        method: TelegramMethod[Any],
    ) -> Response[Any]:
        method_type = type(method)
        if method_type not in _MODELS:
            _MODELS[method_type] = Response[method.__returning__]  # type: ignore[name-defined]
        return await make_request(bot, method)
