"""/outbox: the owner sees what the bot gave up sending (to amoCRM, to Telegram) and why, ten
a page, and puts one or all of it back in line with a tap."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from bot import keyboards
from bot.callbacks import Listing, PageCallback, RetryCallback
from bot.paging import ListPage, paginate
from bot.texts import Texts
from handlers.access import OWNER_ONLY
from handlers.replies import replace_card
from ledger.roles import Actor
from ledger.stuck import StuckEffects

PER_PAGE = 10


async def _outbox_page(
    actor: Actor, stuck: StuckEffects, number: int, texts: Texts
) -> tuple[str, InlineKeyboardMarkup | None]:
    first = await stuck.page(actor, limit=PER_PAGE)
    if not first.total:
        return texts.outbox_empty, None
    count = -(-first.total // PER_PAGE)
    number = min(max(number, 0), count - 1)  # past the end (fewer now, or forged): the last
    found = (
        first if number == 0 else await stuck.page(actor, limit=PER_PAGE, offset=number * PER_PAGE)
    )
    start = number * PER_PAGE
    # The one pager cuts what is too long; the page itself is the database's.
    cut = paginate(
        [texts.outbox_line(start + i + 1, e) for i, e in enumerate(found.effects)],
        0,
        title=texts.outbox_title(found.total),
        footer=texts.page_of,
        max_items=PER_PAGE,
    )
    text = cut.text
    if count > 1:
        text += "\n" + texts.page_of(number + 1, count)
    page = ListPage(text, number, count, range(start, start + len(found.effects)))
    numbered = [(start + i + 1, e.id) for i, e in enumerate(found.effects)]
    return text, keyboards.outbox(numbered, page, texts)


async def show_outbox(message: Message, actor: Actor, stuck: StuckEffects, texts: Texts) -> None:
    text, markup = await _outbox_page(actor, stuck, 0, texts)
    await message.answer(text, reply_markup=markup)


async def turn_outbox_page(
    query: CallbackQuery,
    callback_data: PageCallback,
    actor: Actor,
    stuck: StuckEffects,
    texts: Texts,
) -> None:
    text, markup = await _outbox_page(actor, stuck, callback_data.page, texts)
    await query.answer()
    await replace_card(query, text, markup)


async def retry(
    query: CallbackQuery,
    callback_data: RetryCallback,
    actor: Actor,
    stuck: StuckEffects,
    texts: Texts,
) -> None:
    count = await stuck.retry(actor, callback_data.row_id or None)
    await query.answer(texts.outbox_retried(count), show_alert=not count)
    text, markup = await _outbox_page(actor, stuck, callback_data.page, texts)
    await replace_card(query, text, markup)


def create_router() -> Router:
    router = Router(name="outbox")
    router.message.register(show_outbox, Command("outbox"), flags=OWNER_ONLY)
    router.callback_query.register(
        turn_outbox_page, PageCallback.filter(F.listing == Listing.OUTBOX), flags=OWNER_ONLY
    )
    router.callback_query.register(retry, RetryCallback.filter(), flags=OWNER_ONLY)
    return router
