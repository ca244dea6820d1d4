"""/history: the owner's recent entries, each with its own undo button."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import Message

from bot import keyboards
from bot.texts import Texts
from handlers.access import OWNER_ONLY
from ledger.expenses import ExpenseService
from ledger.roles import Actor

HISTORY_SIZE = 10


async def show_history(
    message: Message, actor: Actor, expenses: ExpenseService, texts: Texts
) -> None:
    entries = await expenses.recent_entries(actor, HISTORY_SIZE)
    if not entries:
        await message.answer(texts.history_empty)
        return
    lines = [texts.history_title, *(texts.history_line(entry) for entry in entries)]
    await message.answer("\n".join(lines), reply_markup=keyboards.history(entries, texts))


def create_router() -> Router:
    router = Router(name="history")
    router.message.register(show_history, Command("history"), flags=OWNER_ONLY)
    return router
