"""/deals: closed deals still owed money — a manager's own, or every one for the owner.

However many there are, they come in pages (`bot.paging`) with ◀/▶: every deal is reachable
and no message passes Telegram's limit.
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, ExceptionTypeFilter
from aiogram.types import CallbackQuery, ErrorEvent, InlineKeyboardMarkup, Message

from bot import keyboards
from bot.callbacks import Listing, PageCallback
from bot.paging import paginate
from bot.texts import Texts
from handlers.errors import answer_error
from handlers.replies import replace_card
from ledger.deal_views import DealBook, DealView
from ledger.errors import NotLinkedToCrm
from ledger.roles import Actor, Role

DEALS_PER_PAGE = 10  # fewer when they are long: a page also stops at the length limit
DEALS_ROLES = {"roles": frozenset({Role.OWNER, Role.MANAGER})}


def _deals_page(
    found: list[DealView], number: int, texts: Texts
) -> tuple[str, InlineKeyboardMarkup | None]:
    page = paginate(
        [texts.deal_card(deal) for deal in found],
        number,
        title=texts.deals_title,
        footer=texts.page_of,
        separator="\n\n",
        max_items=DEALS_PER_PAGE,
    )
    return page.text, keyboards.list_page(page, Listing.DEALS, texts)


async def show_deals(message: Message, actor: Actor, deals: DealBook, texts: Texts) -> None:
    found = await deals.open_deals(actor)
    if not found:
        await message.answer(texts.deals_empty)
        return
    text, markup = _deals_page(found, 0, texts)
    await message.answer(text, reply_markup=markup)


async def turn_deals_page(
    query: CallbackQuery,
    callback_data: PageCallback,
    actor: Actor,
    deals: DealBook,
    texts: Texts,
) -> None:
    found = await deals.open_deals(actor)
    await query.answer()
    if not found:  # paid off since the page was shown
        await replace_card(query, texts.deals_empty)
        return
    await replace_card(query, *_deals_page(found, callback_data.page, texts))


async def not_linked(event: ErrorEvent, texts: Texts) -> None:
    await answer_error(event, texts.deals_not_linked)


def create_router() -> Router:
    router = Router(name="deals")
    router.errors.register(not_linked, ExceptionTypeFilter(NotLinkedToCrm))
    router.message.register(show_deals, Command("deals"), flags=DEALS_ROLES)
    router.callback_query.register(
        turn_deals_page, PageCallback.filter(F.listing == Listing.DEALS), flags=DEALS_ROLES
    )
    return router
