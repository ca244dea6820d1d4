"""Factories for the Bot and the Dispatcher: importing this module connects to nothing."""

from __future__ import annotations

from aiogram import Bot, Dispatcher, Router
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.base import BaseSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.fsm.storage.base import BaseStorage

from bot.context import AppContext
from bot.fsm_storage import SqlStorage
from bot.middlewares import ActorMiddleware, DatabaseMiddleware, RolesMiddleware
from bot.response_models import KeepResponseModels
from bot.retry import RetryAfterMiddleware
from config.settings import Settings


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
            session = AiohttpSession(api=api)
        else:
            session = AiohttpSession()
    session.middleware(KeepResponseModels())
    session.middleware(retry or RetryAfterMiddleware())
    return Bot(token, session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML))


def create_storage(context: AppContext) -> BaseStorage:
    redis_url = context.settings.redis_url
    if redis_url:
        # Several replicas share conversation state through Redis (DESIGN.md, scaling).
        from aiogram.fsm.storage.redis import RedisStorage

        return RedisStorage.from_url(redis_url)
    return SqlStorage(context.session_factory)


def create_dispatcher(
    context: AppContext, router: Router, storage: BaseStorage | None = None
) -> Dispatcher:
    """The dispatcher with our middlewares around `router` (the handlers' router tree).

    The router comes from the caller (`handlers.create_root_router()`): handlers use the bot's
    texts and keyboards, so the bot package does not import them back.
    """
    dispatcher = Dispatcher(storage=storage or create_storage(context), app_context=context)
    # Outer middlewares on the update run before routing; the role check runs per handler.
    dispatcher.update.outer_middleware(DatabaseMiddleware(context))
    dispatcher.update.outer_middleware(ActorMiddleware(context))
    roles = RolesMiddleware()
    dispatcher.message.middleware(roles)
    dispatcher.callback_query.middleware(roles)
    dispatcher.include_router(router)
    return dispatcher
