"""Factories for the Bot and the Dispatcher: importing this module connects to nothing."""

from __future__ import annotations

from urllib.parse import urlsplit

from aiogram import Bot, Dispatcher, Router
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.base import BaseSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.fsm.storage.base import BaseStorage

from bot.fsm_storage import SqlStorage
from bot.late_answers import LateCallbackAnswers
from bot.middlewares import (
    ActorMiddleware,
    CleanInputMiddleware,
    DatabaseMiddleware,
    EdgeContext,
    RolesMiddleware,
)
from bot.response_models import KeepResponseModels
from bot.retry import RetryAfterMiddleware
from config.settings import Settings


class BotApiSession(AiohttpSession):
    """aiogram's HTTP session, closed without its fixed 250 ms wait when the Bot API server is
    reached over plain HTTP (a local `telegram-bot-api`): that wait lets TLS connections shut
    down gracefully, and there are none to wait for.
    """

    async def close(self) -> None:
        if urlsplit(self.api.base).scheme == "https":
            await super().close()
        elif self._session is not None and not self._session.closed:
            # What super().close() does, less the wait (`create_session()` would re-enter here).
            await self._session.close()


def create_bot(
    token: str,
    settings: Settings,
    session: BaseSession | None = None,
    *,
    retry: RetryAfterMiddleware | None = None,
) -> Bot:
    if session is None:
        if settings.telegram_api_url is not None:
            api = TelegramAPIServer.from_base(str(settings.telegram_api_url).rstrip("/"))
            session = BotApiSession(api=api)
        else:
            session = BotApiSession()
    session.middleware(KeepResponseModels())
    session.middleware(LateCallbackAnswers())
    session.middleware(retry or RetryAfterMiddleware())
    return Bot(token, session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML))


def create_storage(context: EdgeContext) -> BaseStorage:
    redis_url = context.settings.redis_url
    if redis_url:
        # Several replicas share conversation state through Redis (DESIGN.md, scaling).
        from aiogram.fsm.storage.redis import RedisStorage

        return RedisStorage.from_url(redis_url)
    return SqlStorage(context.database)


def create_dispatcher(
    context: EdgeContext, router: Router, storage: BaseStorage | None = None
) -> Dispatcher:
    """The dispatcher with our middlewares around `router` (the handlers' router tree).

    The router comes from the caller (`handlers.create_root_router()`): handlers use the bot's
    texts and keyboards, so the bot package does not import them back.
    """
    dispatcher = Dispatcher(
        storage=storage or create_storage(context),
        tz=context.clock.tz,
        clock=context.clock,
        cabinet_url=context.settings.cabinet_url,
    )
    # Outer middlewares on the update run before routing; the role check runs per handler.
    dispatcher.update.outer_middleware(CleanInputMiddleware())
    dispatcher.update.outer_middleware(DatabaseMiddleware(context))
    dispatcher.update.outer_middleware(ActorMiddleware(context))
    roles = RolesMiddleware()
    dispatcher.message.middleware(roles)
    dispatcher.callback_query.middleware(roles)
    dispatcher.include_router(router)
    return dispatcher
