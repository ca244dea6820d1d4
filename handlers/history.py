"""/history: the owner's entries, newest first, ten a page, each with its own undo button."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from bot import keyboards
from bot.callbacks import HistoryCallback
from bot.texts import Texts
from handlers.access import OWNER_ONLY
from handlers.replies import replace_card
from ledger.entries import EntryBook, Page
from ledger.roles import Actor

HISTORY_SIZE = 10


async def show_history(message: Message, actor: Actor, entries: EntryBook, texts: Texts) -> None:
    page = await entries.page(actor, limit=HISTORY_SIZE)
    if not page.entries:
        await message.answer(texts.history_empty)
        return
    await message.answer(_listing(page, texts), reply_markup=_buttons(page, texts))


async def turn_page(
    query: CallbackQuery,
    callback_data: HistoryCallback,
    actor: Actor,
    entries: EntryBook,
    texts: Texts,
) -> None:
    before = callback_data.before or None
    page = await entries.page(actor, before=before, limit=HISTORY_SIZE)
    await query.answer()
    if page.entries:
        await replace_card(query, _listing(page, texts), _buttons(page, texts))


def _listing(page: Page, texts: Texts) -> str:
    # Ten lines of at most ~130 characters each: far under Telegram's 4,096.
    return "\n".join([texts.history_title, *(texts.history_line(e) for e in page.entries)])


def _buttons(page: Page, texts: Texts) -> InlineKeyboardMarkup | None:
    return keyboards.history(page.entries, texts, has_older=page.has_older, is_first=page.is_first)


def create_router() -> Router:
    router = Router(name="history")
    router.message.register(show_history, Command("history"), flags=OWNER_ONLY)
    router.callback_query.register(turn_page, HistoryCallback.filter(), flags=OWNER_ONLY)
    return router
