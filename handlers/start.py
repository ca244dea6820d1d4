"""/start (with an invite or a cash-desk deep link, or without) and /help per role."""

from __future__ import annotations

from typing import Any, cast

from aiogram import Router
from aiogram.filters import Command, CommandObject, CommandStart, ExceptionTypeFilter
from aiogram.types import ErrorEvent, Message

from bot.texts import Texts
from handlers.access import PUBLIC
from handlers.cash import open_link
from handlers.errors import answer_error
from handlers.request_form import open_filing_link
from ledger.cash import HANDOVER_LINK, PAYMENT_LINK, CashService
from ledger.errors import InviteRefused
from ledger.invites import INVITE_KIND, InviteService
from ledger.requests.links import FILING_LINK
from ledger.roles import Actor
from ledger.users import Person


async def start_with_link(
    message: Message,
    command: CommandObject,
    actor: Actor | None,
    invites: InviteService,
    cash: CashService,
    texts: Texts,
    **data: Any,
) -> None:
    """An invite, a cash-desk link (a hand-over or one payment to accept), or a link for
    filing a payment request."""
    payload = command.args or ""
    if payload.startswith((f"{HANDOVER_LINK}_", f"{PAYMENT_LINK}_")):
        await open_link(message, payload, actor, cash, texts)
        return
    if payload.startswith(f"{FILING_LINK}_"):
        await open_filing_link(message, payload, actor, texts, data)
        return
    if not payload.startswith(f"{INVITE_KIND}_") or message.from_user is None:
        await _greet(message, actor, texts)
        return
    sender = message.from_user
    _, role = await invites.accept_invite(
        Person(sender.id, sender.full_name, sender.username, sender.language_code), payload
    )
    await message.answer(texts.invite_accepted_self(role))


async def start(message: Message, actor: Actor | None, texts: Texts) -> None:
    await _greet(message, actor, texts)


async def help_command(message: Message, actor: Actor | None, texts: Texts) -> None:
    if actor is None:
        await message.answer(texts.unknown_user)
        return
    await message.answer(texts.help(actor.roles))


async def _greet(message: Message, actor: Actor | None, texts: Texts) -> None:
    if actor is None:
        await message.answer(texts.unknown_user)
        return
    await message.answer(texts.welcome(actor.name, actor.roles))


async def invite_refused(event: ErrorEvent, texts: Texts) -> None:
    await answer_error(event, texts.invite_refused(cast(InviteRefused, event.exception).reason))


def create_router() -> Router:
    router = Router(name="start")
    router.errors.register(invite_refused, ExceptionTypeFilter(InviteRefused))
    router.message.register(start_with_link, CommandStart(deep_link=True), flags=PUBLIC)
    router.message.register(start, CommandStart(), flags=PUBLIC)
    router.message.register(help_command, Command("help"), flags=PUBLIC)
    return router
