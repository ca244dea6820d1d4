"""/history: the owner's recent entries, each with its own undo button."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import Message

from bot import keyboards
from bot.texts import Texts
from handlers.access import OWNER_ONLY
from ledger.entries import EntryBook
from ledger.roles import Actor

HISTORY_SIZE = 10


async def show_history(message: Message, actor: Actor, entries: EntryBook, texts: Texts) -> None:
    recent = await entries.recent(actor, HISTORY_SIZE)
    if not recent:
        await message.answer(texts.history_empty)
        return
    lines = [texts.history_title, *(texts.history_line(entry) for entry in recent)]
    await message.answer("\n".join(lines), reply_markup=keyboards.history(recent, texts))


def create_router() -> Router:
    router = Router(name="history")
    router.message.register(show_history, Command("history"), flags=OWNER_ONLY)
    return router
