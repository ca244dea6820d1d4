"""Whatever no other handler took: a short hint, never silence; a forged button, a refusal."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import CallbackQuery, Message

from bot.texts import Texts
from handlers.access import PUBLIC
from ledger.roles import Actor


async def not_understood(message: Message, actor: Actor | None, texts: Texts) -> None:
    if actor is None:
        await message.answer(texts.unknown_user)
    elif actor.is_owner:
        await message.answer(texts.hint_owner)
    else:
        await message.answer(texts.hint_other)


async def unknown_button(query: CallbackQuery, actor: Actor | None, texts: Texts) -> None:
    await query.answer(texts.unknown_user if actor is None else texts.forged, show_alert=True)


def create_router() -> Router:
    router = Router(name="fallback")
    router.message.register(not_understood, flags=PUBLIC)
    router.callback_query.register(unknown_button, flags=PUBLIC)
    return router
