"""/history: the owner's entries, newest first, ten a page, each with its own undo button,
narrowed to a category or a month if asked (buttons, or `/history 11.2026`); and an entry's
receipt sent back on a tap of its 📎 (on /history or on the saved card).

The message keeps no state: every button carries the page and the filters it was drawn
with, so paging keeps the filters, and undo from a line redraws the very page it was on.
"""

from __future__ import annotations

from typing import cast

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, CommandObject, ExceptionTypeFilter
from aiogram.types import CallbackQuery, ErrorEvent, InlineKeyboardMarkup, Message

from bot import keyboards
from bot.callbacks import (
    EntryAction,
    EntryCallback,
    HistoryCallback,
    HistoryView,
    StaleFilter,
    month_of_code,
)
from bot.texts import Texts
from handlers.access import OWNER_ONLY
from handlers.errors import answer_error
from handlers.replies import replace_card, replace_markup
from ledger.attachments import Receipt, ReceiptKind
from ledger.entries import EntryBook, EntryFilter, HistoryMonthError, Page
from ledger.errors import NotFound
from ledger.roles import Actor

HISTORY_SIZE = 10


async def show_history(
    message: Message, command: CommandObject, actor: Actor, entries: EntryBook, texts: Texts
) -> None:
    only = EntryFilter(month=entries.read_month(command.args)) if command.args else EntryFilter()
    page = await entries.page(actor, limit=HISTORY_SIZE, only=only)
    if not page.entries and not only.is_on:
        await message.answer(texts.history_empty)
        return
    await message.answer(_listing(page, texts), reply_markup=keyboards.history(page, texts))


async def history_button(
    query: CallbackQuery,
    callback_data: HistoryCallback,
    actor: Actor,
    entries: EntryBook,
    texts: Texts,
) -> None:
    """A page, or a filter's choices in place of the buttons (the entries stay in view)."""
    try:
        only = EntryFilter(callback_data.category or None, month_of_code(callback_data.month))
    except StaleFilter:
        await query.answer(texts.forged, show_alert=True)
        return
    before = callback_data.before or None
    at = callback_data.page
    if callback_data.view == HistoryView.CATEGORIES:
        categories = await entries.categories_used(
            actor,
            month=only.month,
            offset=at * keyboards.CATEGORY_CHOICES,
            limit=keyboards.CATEGORY_CHOICES,
        )
        markup = keyboards.history_categories(only, before, categories, at, texts)
    elif callback_data.view == HistoryView.MONTHS:
        months = await entries.months_used(
            actor,
            category_id=only.category_id,
            offset=at * keyboards.MONTH_CHOICES,
            limit=keyboards.MONTH_CHOICES,
        )
        markup = keyboards.history_months(only, before, months, at, texts)
    else:
        page = await entries.page(actor, before=before, limit=HISTORY_SIZE, only=only)
        await query.answer()
        await replace_card(query, *_card(page, texts))
        return
    await query.answer()
    await replace_markup(query, markup)


async def redraw_list(
    query: CallbackQuery,
    callback_data: EntryCallback,
    actor: Actor,
    entries: EntryBook,
    texts: Texts,
) -> None:
    """The /history page an undo button of `callback_data` stood on, as it is now (a page
    that names no real filter, forged, gives way to the newest one: the undo is done)."""
    before = callback_data.before or None
    try:
        only = EntryFilter(callback_data.category or None, month_of_code(callback_data.month))
        page = await entries.page(actor, before=before, limit=HISTORY_SIZE, only=only)
    except (StaleFilter, NotFound):
        page = await entries.page(actor, limit=HISTORY_SIZE)
    await replace_card(query, *_card(page, texts))


def _card(page: Page, texts: Texts) -> tuple[str, InlineKeyboardMarkup]:
    return _listing(page, texts), keyboards.history(page, texts)


def _listing(page: Page, texts: Texts) -> str:
    # A header and ten lines of at most ~140 characters each: far under Telegram's 4,096.
    lines = [texts.history_line(entry) for entry in page.entries]
    return "\n".join([texts.history_header(page), *(lines or [texts.history_nothing_matches])])


async def bad_month(event: ErrorEvent, texts: Texts) -> None:
    await answer_error(event, texts.history_bad_month(cast(HistoryMonthError, event.exception)))


async def send_receipt(
    query: CallbackQuery,
    callback_data: EntryCallback,
    actor: Actor,
    entries: EntryBook,
    texts: Texts,
    bot: Bot,
) -> None:
    """The receipt as it came (a photo as a photo, a PDF as a file), into the chat of the
    person who tapped; the entry book decides whether they may have it."""
    receipt = await entries.receipt(actor, callback_data.entry_id)
    caption = texts.receipt_caption(callback_data.entry_id)
    await _send(bot, query.from_user.id, receipt, caption)
    await query.answer()


async def _send(bot: Bot, chat_id: int, receipt: Receipt, caption: str) -> None:
    if receipt.kind is ReceiptKind.PHOTO:
        await bot.send_photo(chat_id, receipt.file_id, caption=caption)
        return
    if receipt.kind is ReceiptKind.DOCUMENT:
        await bot.send_document(chat_id, receipt.file_id, caption=caption)
        return
    # Kept before kinds were (and entries are never updated, so it stays unknown). Telegram
    # refuses a file id sent by the other kind's method ("type of file mismatch") and sends
    # nothing, so trying one and then the other delivers it exactly once. A document first:
    # a PDF can only go that way, and an image kept as a document is sent as it came.
    try:
        await bot.send_document(chat_id, receipt.file_id, caption=caption)
    except TelegramBadRequest:
        await bot.send_photo(chat_id, receipt.file_id, caption=caption)


def create_router() -> Router:
    router = Router(name="history")
    # A subclass of /report's MonthError: claimed here, /report's own goes on to its router.
    router.errors.register(bad_month, ExceptionTypeFilter(HistoryMonthError))
    router.message.register(show_history, Command("history"), flags=OWNER_ONLY)
    router.callback_query.register(history_button, HistoryCallback.filter(), flags=OWNER_ONLY)
    router.callback_query.register(
        send_receipt, EntryCallback.filter(F.action == EntryAction.RECEIPT), flags=OWNER_ONLY
    )
    return router
