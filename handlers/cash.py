"""Cash in managers' hands and at the cash desk: the manager's /cash and «Сдать в кассу»,
the desk's /pending, a hand-over opened by its link or its notice, «получено меньше», /kassa.

The rules (who may, once only, how much) are `ledger.cash`'s; every button is re-checked there,
and its refusals (someone was first, not yours, more than handed over) have their words in the
shared error handlers.
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from bot import keyboards
from bot.callbacks import (
    DeskAction,
    DeskCallback,
    HandOverAction,
    HandOverCallback,
    Listing,
    PageCallback,
)
from bot.paging import paginate
from bot.texts import Texts
from handlers.prompts import cancel_input
from handlers.replies import replace_card
from ledger.amounts import AmountError, parse_amount
from ledger.cash import CashService, Handover, ItemStatus, ManagerCash
from ledger.confirmations import PaymentLine
from ledger.errors import HandoverRefused
from ledger.money import Money
from ledger.roles import Actor, Role

MANAGER_ONLY = {"roles": frozenset({Role.MANAGER})}
CASH_DESK = {"roles": frozenset({Role.CASHIER, Role.OWNER})}
# Each line of a page may bring a button; a keyboard holds at most 100.
CASH_PER_PAGE = 15
PENDING_PER_PAGE = 15


class CashInput(StatesGroup):
    received = State()  # «получено меньше»: the amount that really arrived


# -- the manager ------------------------------------------------------------------------------


def _cash_page(
    cash: ManagerCash, number: int, texts: Texts
) -> tuple[str, InlineKeyboardMarkup | None]:
    held = list(cash.payments)
    page = paginate(
        [texts.held_line(h) for h in held],
        number,
        title=texts.cash_title(cash),
        footer=texts.page_of,
        max_items=CASH_PER_PAGE,
    )
    return page.text, keyboards.held_cash(held, page, texts)


async def show_cash(message: Message, actor: Actor, cash: CashService, texts: Texts) -> None:
    held = await cash.held_by(actor)
    if not held.payments:
        await message.answer(texts.cash_empty)
        return
    text, markup = _cash_page(held, 0, texts)
    await message.answer(text, reply_markup=markup)


async def turn_cash_page(
    query: CallbackQuery,
    callback_data: PageCallback,
    actor: Actor,
    cash: CashService,
    texts: Texts,
) -> None:
    held = await cash.held_by(actor)
    await query.answer()
    if not held.payments:
        await replace_card(query, texts.cash_empty)
        return
    await replace_card(query, *_cash_page(held, callback_data.page, texts))


async def hand_over(
    query: CallbackQuery,
    callback_data: HandOverCallback,
    actor: Actor,
    cash: CashService,
    texts: Texts,
) -> None:
    chosen = None if callback_data.action is HandOverAction.ALL else [callback_data.payment_id]
    handover = await cash.start_handover(actor, chosen)
    await query.answer()
    await replace_card(query, texts.handover_sent(handover))


# -- the cash desk ----------------------------------------------------------------------------


def _pending_page(
    managers: list[ManagerCash], number: int, texts: Texts
) -> tuple[str, InlineKeyboardMarkup | None]:
    lines: list[str] = []
    shown: list[ManagerCash | PaymentLine] = []  # what each line is, for its button
    for manager in managers:
        lines.append(texts.pending_manager(manager))
        shown.append(manager)
        for held in manager.payments:
            lines.append("  " + texts.held_line(held))
            shown.append(held.payment)
    page = paginate(
        lines,
        number,
        title=texts.pending_title,
        footer=texts.page_of,
        max_items=PENDING_PER_PAGE,
    )
    # Made once the page is known: a button redraws the page it is on (not a forged number).
    buttons: list[tuple[str, str] | None] = []
    for item in shown:
        if isinstance(item, PaymentLine):
            buttons.append(keyboards.accept_payment_button(item, texts, page=page.number))
        elif item.amo_user_id is not None:
            data = DeskCallback(
                action=DeskAction.MANAGER, ident=item.amo_user_id, payment_id=page.number
            ).pack()
            buttons.append((texts.btn_accept_manager(item), data))
        else:
            buttons.append(None)
    return page.text, keyboards.pending_cash(buttons, page, texts)


async def show_pending(message: Message, actor: Actor, cash: CashService, texts: Texts) -> None:
    managers = await cash.pending(actor)
    if not managers:
        await message.answer(texts.pending_empty)
        return
    text, markup = _pending_page(managers, 0, texts)
    await message.answer(text, reply_markup=markup)


async def turn_pending_page(
    query: CallbackQuery,
    callback_data: PageCallback,
    actor: Actor,
    cash: CashService,
    texts: Texts,
) -> None:
    await _redraw_pending(query, actor, cash, texts, callback_data.page)


async def _redraw_pending(
    query: CallbackQuery, actor: Actor, cash: CashService, texts: Texts, number: int = 0
) -> None:
    managers = await cash.pending(actor)
    if not managers:
        await replace_card(query, texts.pending_empty)
        return
    await replace_card(query, *_pending_page(managers, number, texts))


def _handover_card(handover: Handover, texts: Texts) -> tuple[str, InlineKeyboardMarkup | None]:
    page = paginate(
        [
            texts.handover_item(item.payment, item.amount, item.status is not ItemStatus.PENDING)
            for item in handover.items
        ],
        0,
        title=texts.handover_card(handover),
        footer=texts.page_of,
        max_items=keyboards.HANDOVER_BUTTONS,
    )
    return page.text, keyboards.handover(handover, texts)


async def accept_payment(
    query: CallbackQuery,
    callback_data: DeskCallback,
    actor: Actor,
    cash: CashService,
    texts: Texts,
) -> None:
    """One cash payment, with or without a hand-over (the manager simply brought it): from
    /pending (the list is redrawn on the page it was) or from a payment's link card."""
    confirmation = await cash.accept_cash(
        actor, callback_data.payment_id, version=callback_data.version
    )
    await query.answer()
    if callback_data.ident < 0:  # the card of a link
        await replace_card(query, texts.cash_accepted(confirmation))
        return
    await _answer(query, texts.cash_accepted(confirmation))
    await _redraw_pending(query, actor, cash, texts, callback_data.ident)


async def accept_manager(
    query: CallbackQuery,
    callback_data: DeskCallback,
    actor: Actor,
    cash: CashService,
    texts: Texts,
) -> None:
    """All of one manager's cash, as it is now."""
    managers = await cash.pending(actor)
    chosen = next((m for m in managers if m.amo_user_id == callback_data.ident), None)
    ids = [held.payment.payment_id for held in chosen.payments] if chosen is not None else []
    accepted = await cash.accept_payments(actor, ids)
    await query.answer()
    await _answer(query, texts.cash_accepted_many(accepted))
    await _redraw_pending(query, actor, cash, texts, callback_data.payment_id)


async def accept_handover(
    query: CallbackQuery,
    callback_data: DeskCallback,
    actor: Actor,
    cash: CashService,
    texts: Texts,
) -> None:
    handover = await cash.accept_handover(actor, callback_data.ident)
    await query.answer()
    await replace_card(query, texts.handover_accepted(handover))


async def accept_item(
    query: CallbackQuery,
    callback_data: DeskCallback,
    actor: Actor,
    cash: CashService,
    texts: Texts,
) -> None:
    confirmation = await cash.accept_item(actor, callback_data.ident, callback_data.payment_id)
    await query.answer()
    handover = await cash.handover(actor, callback_data.ident)
    if handover.pending:
        await replace_card(query, *_handover_card(handover, texts))
    else:
        await replace_card(query, texts.handover_accepted(handover))
    await _answer(query, texts.cash_accepted(confirmation))


async def ask_received(
    query: CallbackQuery,
    callback_data: DeskCallback,
    state: FSMContext,
    actor: Actor,
    cash: CashService,
    texts: Texts,
) -> None:
    handover = await cash.handover(actor, callback_data.ident)
    handed = _handed(handover)
    if handed is None:  # accepted meanwhile: say who and when
        await cash.handover_link(actor, handover.id)
        return
    await state.set_state(CashInput.received)
    await state.set_data({"handover_id": handover.id})
    await query.answer()
    await _answer(query, texts.ask_received(handed))


async def typed_received(
    message: Message, state: FSMContext, actor: Actor, cash: CashService, texts: Texts
) -> None:
    handover_id = int((await state.get_data())["handover_id"])
    handover = await cash.handover(actor, handover_id)
    handed = _handed(handover)
    if handed is None:
        await state.clear()
        await cash.handover_link(actor, handover_id)  # raises: who accepted it, and when
        return
    try:
        received = parse_amount(message.text or "", currency=handed.currency)
        handover = await cash.accept_less(actor, handover_id, received)
    except AmountError as error:
        await message.answer(texts.amount_error(error) + "\n\n" + texts.ask_received(handed))
        return
    except HandoverRefused as error:
        text = texts.handover_refused(error.reason, error.handed)
        await message.answer(text + "\n\n" + texts.ask_received(handed))
        return
    await state.clear()
    await message.answer(texts.handover_accepted(handover))


async def show_kassa(message: Message, actor: Actor, cash: CashService, texts: Texts) -> None:
    await message.answer(texts.kassa(await cash.desk_balance(actor)))


# -- links ------------------------------------------------------------------------------------


async def open_link(
    message: Message, token: str, actor: Actor | None, cash: CashService, texts: Texts
) -> None:
    """`/start ho_…` or `/start pay_…`: one hand-over or one payment for the cash desk."""
    if actor is None:
        await message.answer(texts.unknown_user)
        return
    target = await cash.open_link(actor, token)
    if target.handover is not None:
        text, markup = _handover_card(target.handover, texts)
        await message.answer(text, reply_markup=markup)
    elif target.payment is not None:
        await message.answer(
            texts.payment_card(target.payment),
            reply_markup=keyboards.payment_card(target.payment, texts),
        )


# -- shared -----------------------------------------------------------------------------------


def _handed(handover: Handover) -> Money | None:
    """What is still to accept of an open hand-over, or None if nothing is."""
    pending = handover.pending
    if not pending:
        return None
    total = pending[0].amount
    for item in pending[1:]:
        total += item.amount
    return total


async def _answer(query: CallbackQuery, text: str) -> None:
    if query.bot is not None:
        await query.bot.send_message(query.from_user.id, text)


def create_router() -> Router:
    router = Router(name="cash")
    router.message.register(show_cash, Command("cash"), flags=MANAGER_ONLY)
    router.callback_query.register(
        turn_cash_page, PageCallback.filter(F.listing == Listing.CASH), flags=MANAGER_ONLY
    )
    router.callback_query.register(hand_over, HandOverCallback.filter(), flags=MANAGER_ONLY)
    router.message.register(show_pending, Command("pending"), flags=CASH_DESK)
    router.message.register(show_kassa, Command("kassa"), flags=CASH_DESK)
    router.callback_query.register(
        turn_pending_page, PageCallback.filter(F.listing == Listing.PENDING), flags=CASH_DESK
    )
    for handler, action in (
        (accept_payment, DeskAction.PAYMENT),
        (accept_manager, DeskAction.MANAGER),
        (accept_handover, DeskAction.HANDOVER),
        (accept_item, DeskAction.ITEM),
        (ask_received, DeskAction.LESS),
    ):
        router.callback_query.register(
            handler, DeskCallback.filter(F.action == action), flags=CASH_DESK
        )
    router.message.register(cancel_input, Command("cancel"), CashInput.received, flags=CASH_DESK)
    router.message.register(
        typed_received,
        CashInput.received,
        F.text & ~F.text.startswith("/"),
        flags=CASH_DESK,
    )
    return router
