"""/history: the owner's entries, newest first, ten a page, each with its own undo button;
and an entry's receipt sent back on a tap of its 📎 (on /history or on the saved card)."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from bot import keyboards
from bot.callbacks import EntryAction, EntryCallback, HistoryCallback
from bot.texts import Texts
from handlers.access import OWNER_ONLY
from handlers.replies import replace_card
from ledger.attachments import Receipt, ReceiptKind
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
    router.message.register(show_history, Command("history"), flags=OWNER_ONLY)
    router.callback_query.register(turn_page, HistoryCallback.filter(), flags=OWNER_ONLY)
    router.callback_query.register(
        send_receipt, EntryCallback.filter(F.action == EntryAction.RECEIPT), flags=OWNER_ONLY
    )
    return router
