"""/deals: closed deals still owed money — a manager's own, or every one for the owner."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, ExceptionTypeFilter
from aiogram.types import ErrorEvent, Message

from bot.texts import Texts
from handlers.errors import answer_error
from ledger.deal_views import DealBook
from ledger.errors import NotLinkedToCrm
from ledger.roles import Actor, Role

DEALS_SHOWN = 15  # a message holds at most 4096 characters; the rest is counted
DEALS_ROLES = {"roles": frozenset({Role.OWNER, Role.MANAGER})}


async def show_deals(message: Message, actor: Actor, deals: DealBook, texts: Texts) -> None:
    found = await deals.open_deals(actor)
    if not found:
        await message.answer(texts.deals_empty)
        return
    parts = [texts.deals_title, *(texts.deal_card(deal) for deal in found[:DEALS_SHOWN])]
    if len(found) > DEALS_SHOWN:
        parts.append(texts.deals_more(len(found) - DEALS_SHOWN))
    await message.answer("\n\n".join(parts))


async def not_linked(event: ErrorEvent, texts: Texts) -> None:
    await answer_error(event, texts.deals_not_linked)


def create_router() -> Router:
    router = Router(name="deals")
    router.errors.register(not_linked, ExceptionTypeFilter(NotLinkedToCrm))
    router.message.register(show_deals, Command("deals"), flags=DEALS_ROLES)
    return router
