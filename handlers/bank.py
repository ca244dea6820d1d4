"""/bank: the accountant (and the owner) confirms money that comes other than as cash.

The list is grouped by kind (bank transfer, card transfer, terminal, credit), oldest first, in
pages. A payment's "поступило" asks the date (today, yesterday, or typed) and then the amount
(all it still owes with a tap, or a smaller sum typed: the rest stays expected); its
"не поступило" asks for a comment the owner is sent. Every button names the payment as it was
shown: the confirmation service refuses one that moved since (the loser of a double tap is
told who confirmed it and when), a role that does not confirm its kind, a payment not owed.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from bot import keyboards
from bot.callbacks import BankAction, BankCallback, Listing, PageCallback, UndoPaymentCallback
from bot.paging import paginate
from bot.texts import Texts
from handlers.access import OWNER_ONLY
from handlers.prompts import cancel_input
from handlers.replies import replace_card
from ledger.amounts import AmountError, parse_amount
from ledger.clock import Clock
from ledger.confirmations import ConfirmationService, PaymentLine, Source
from ledger.dates import DateError, parse_date
from ledger.errors import PaymentRefused, TextTooLong
from ledger.money import Money
from ledger.roles import Actor, Role

BANK_ROLES = {"roles": frozenset({Role.ACCOUNTANT, Role.OWNER})}
# Each payment on a page brings a row of two buttons: well under a keyboard's 100.
PAYMENTS_PER_PAGE = 10


class BankInput(StatesGroup):
    date = State()
    amount = State()
    comment = State()


def _bank_page(
    lines: list[PaymentLine], number: int, texts: Texts, *, owner: bool = False
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The list with a group title before each kind's first payment (repeated on the page
    where a kind continues, so every page says what it shows)."""
    items: list[str] = []
    for index, line in enumerate(lines):
        group = texts.bank_group(line.kind)
        if index == 0 or lines[index - 1].kind != line.kind:
            items.append(f"{group}\n{texts.bank_line(index + 1, line)}")
        else:
            items.append(texts.bank_line(index + 1, line))
    page = paginate(
        items,
        number,
        title=texts.bank_title,
        footer=texts.page_of,
        separator="\n\n",
        max_items=PAYMENTS_PER_PAGE,
    )
    numbered = [(index + 1, lines[index]) for index in page.items]
    return page.text, keyboards.bank_list(numbered, page, texts, owner=owner)


async def show_bank(
    message: Message, actor: Actor, confirmations: ConfirmationService, texts: Texts
) -> None:
    lines = await confirmations.awaiting_non_cash(actor)
    if not lines and not actor.is_owner:
        await message.answer(texts.bank_empty)
        return
    text, markup = _bank_page(lines, 0, texts, owner=actor.is_owner)
    if not lines:
        text = texts.bank_empty
    await message.answer(text, reply_markup=markup)


async def _redraw(
    query: CallbackQuery, actor: Actor, confirmations: ConfirmationService, texts: Texts, page: int
) -> None:
    lines = await confirmations.awaiting_non_cash(actor)
    await query.answer()
    text, markup = _bank_page(lines, page, texts, owner=actor.is_owner)
    if not lines:
        text = texts.bank_empty
        markup = markup if actor.is_owner else None
    await replace_card(query, text, markup)


async def turn_bank_page(
    query: CallbackQuery,
    callback_data: PageCallback,
    actor: Actor,
    confirmations: ConfirmationService,
    texts: Texts,
) -> None:
    await _redraw(query, actor, confirmations, texts, callback_data.page)


async def bank_button(
    query: CallbackQuery,
    callback_data: BankCallback,
    state: FSMContext,
    actor: Actor,
    confirmations: ConfirmationService,
    texts: Texts,
    clock: Clock,
    tz: tzinfo,
) -> None:
    action = callback_data.action
    if action is BankAction.BACK:
        await state.clear()
        await _redraw(query, actor, confirmations, texts, 0)
        return
    if action is BankAction.RECENT:
        await _show_recent(query, actor, confirmations, texts, tz)
        return
    # Checked before anything is shown or asked: a forged or stale button gets its refusal.
    line = await confirmations.to_confirm(actor, callback_data.payment_id, callback_data.version)
    asked = {"payment_id": line.payment_id, "version": line.version}
    if action is BankAction.OPEN:
        today = clock.today()
        markup = keyboards.bank_dates(line, today, today - timedelta(days=1), texts)
        await query.answer()
        await replace_card(query, texts.bank_card(line), markup)
        return
    if action is BankAction.OTHER_DATE:
        await state.set_state(BankInput.date)
        await state.set_data(asked)
        await query.answer()
        await replace_card(query, texts.bank_ask_date)
        return
    if action is BankAction.NOT_RECEIVED:
        await state.set_state(BankInput.comment)
        await state.set_data(asked)
        await query.answer()
        await replace_card(query, texts.bank_ask_comment(line))
        return
    day = _day(callback_data.day)
    if action is BankAction.DAY:
        await _ask_amount(query, state, line, day, texts)
        return
    confirmation = await confirmations.confirm(
        actor,
        line.payment_id,
        on=day,
        source=Source.ACCOUNTANT,
        version=line.version,
    )
    await state.clear()
    await query.answer()
    await replace_card(query, texts.bank_confirmed(confirmation))


def _day(ordinal: int) -> date:
    """A button's date; one no calendar holds was forged."""
    if not 1 <= ordinal <= date.max.toordinal():
        raise PaymentRefused("not_owed")
    return date.fromordinal(ordinal)


async def _ask_amount(
    target: CallbackQuery | Message,
    state: FSMContext,
    line: PaymentLine,
    day: date,
    texts: Texts,
) -> None:
    await state.set_state(BankInput.amount)
    await state.set_data(
        {"payment_id": line.payment_id, "version": line.version, "day": day.toordinal()}
    )
    text, markup = texts.bank_ask_amount(line, day), keyboards.bank_amount(line, day, texts)
    if isinstance(target, CallbackQuery):
        await target.answer()
        await replace_card(target, text, markup)
    else:
        await target.answer(text, reply_markup=markup)


# -- the owner's undo of a confirmation ----------------------------------------------------


def _when(at: datetime, tz: tzinfo) -> str:
    return at.astimezone(tz).strftime("%d.%m.%Y %H:%M")


async def _show_recent(
    query: CallbackQuery, actor: Actor, confirmations: ConfirmationService, texts: Texts, tz: tzinfo
) -> None:
    recent = await confirmations.recent(actor)
    await query.answer()
    if not recent:
        await replace_card(query, texts.recent_empty)
        return
    lines = [texts.recent_line(n, r, _when(r.at, tz)) for n, r in enumerate(recent, start=1)]
    # Ten short lines: the one pager only guards the length.
    text = paginate(lines, 0, title=texts.recent_title, footer=texts.page_of).text
    ids = [r.payment.payment_id for r in recent]
    await replace_card(query, text, keyboards.recent_confirmations(ids, texts))


async def undo_button(
    query: CallbackQuery,
    callback_data: UndoPaymentCallback,
    actor: Actor,
    confirmations: ConfirmationService,
    texts: Texts,
    tz: tzinfo,
) -> None:
    """Two taps: the payment's "↩" asks, "Да, отменить" (for a while) undoes."""
    if callback_data.step == "ask":
        question = await confirmations.ask_to_undo(actor, callback_data.payment_id)
        markup = keyboards.confirm_payment_undo(
            callback_data.payment_id, question.until, question.version, texts
        )
        await query.answer()
        await replace_card(
            query, texts.undo_payment_question(question, _when(question.at, tz)), markup
        )
    elif callback_data.step == "no":
        await _show_recent(query, actor, confirmations, texts, tz)
    else:
        undone = await confirmations.undo(
            actor,
            callback_data.payment_id,
            confirmed_until=callback_data.until,
            version=callback_data.version,
        )
        await query.answer()
        await replace_card(query, texts.payment_undone(undone))


async def typed_date(
    message: Message,
    state: FSMContext,
    actor: Actor,
    confirmations: ConfirmationService,
    texts: Texts,
    clock: Clock,
) -> None:
    asked: dict[str, Any] = await state.get_data()
    try:
        day = parse_date(message.text or "", today=clock.today())
    except DateError as error:
        await message.answer(texts.date_error(error) + "\n\n" + texts.bank_ask_date)
        return
    line = await _still_owed(state, actor, confirmations, asked)
    await _ask_amount(message, state, line, day, texts)


async def typed_amount(
    message: Message,
    state: FSMContext,
    actor: Actor,
    confirmations: ConfirmationService,
    texts: Texts,
) -> None:
    asked: dict[str, Any] = await state.get_data()
    line = await _still_owed(state, actor, confirmations, asked)
    day = date.fromordinal(asked["day"])
    again = texts.bank_ask_amount(line, day)
    try:
        amount = parse_amount(message.text or "", currency=line.amount.currency)
        confirmation = await confirmations.confirm(
            actor,
            line.payment_id,
            amount=amount,
            on=day,
            source=Source.ACCOUNTANT,
            version=line.version,
        )
    except AmountError as error:
        await message.answer(texts.amount_error(error) + "\n\n" + again)
        return
    except PaymentRefused as error:
        if error.reason == "not_owed":
            await state.clear()
            raise
        remaining = error.remaining if isinstance(error.remaining, Money) else None
        await message.answer(texts.payment_refused(error.reason, remaining) + "\n\n" + again)
        return
    await state.clear()
    await message.answer(texts.bank_confirmed(confirmation))


async def typed_comment(
    message: Message,
    state: FSMContext,
    actor: Actor,
    confirmations: ConfirmationService,
    texts: Texts,
) -> None:
    asked: dict[str, Any] = await state.get_data()
    line = await _still_owed(state, actor, confirmations, asked)
    again = texts.bank_ask_comment(line)
    try:
        line = await confirmations.not_received(actor, line.payment_id, message.text or "")
    except PaymentRefused as error:
        if error.reason == "not_owed":
            await state.clear()
            raise
        await message.answer(texts.payment_refused(error.reason, None) + "\n\n" + again)
        return
    except TextTooLong as error:
        await message.answer(texts.text_too_long(error.limit) + "\n\n" + again)
        return
    await state.clear()
    await message.answer(texts.bank_not_received_saved(line))


async def comment_not_text(message: Message, state: FSMContext, texts: Texts) -> None:
    await message.answer(texts.bank_comment_not_text)


async def _still_owed(
    state: FSMContext, actor: Actor, confirmations: ConfirmationService, asked: dict[str, Any]
) -> PaymentLine:
    """The payment the prompt is about, as it was when asked; if it moved meanwhile (someone
    else confirmed it), the prompt ends and the refusal says who."""
    try:
        return await confirmations.to_confirm(actor, asked["payment_id"], asked["version"])
    except Exception:
        await state.clear()
        raise


def create_router() -> Router:
    router = Router(name="bank")
    router.message.register(show_bank, Command("bank"), flags=BANK_ROLES)
    router.callback_query.register(
        turn_bank_page, PageCallback.filter(F.listing == Listing.BANK), flags=BANK_ROLES
    )
    router.callback_query.register(bank_button, BankCallback.filter(), flags=BANK_ROLES)
    router.callback_query.register(undo_button, UndoPaymentCallback.filter(), flags=OWNER_ONLY)
    waiting = (BankInput.date, BankInput.amount, BankInput.comment)
    for prompt in waiting:
        router.message.register(cancel_input, Command("cancel"), prompt, flags=BANK_ROLES)
    typed = F.text & ~F.text.startswith("/")
    router.message.register(typed_date, BankInput.date, typed, flags=BANK_ROLES)
    router.message.register(typed_amount, BankInput.amount, typed, flags=BANK_ROLES)
    router.message.register(typed_comment, BankInput.comment, typed, flags=BANK_ROLES)
    router.message.register(comment_not_text, BankInput.comment, flags=BANK_ROLES)
    return router
