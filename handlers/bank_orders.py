"""Payment orders out to the bank, from /registry's «🏦 Платёжки в банк»: the accountant (or
the owner) ticks approved requests, or takes everything due today, and gets one 1C file of
payment orders to import in the bank's client; the requests show they went to the bank, and
the statement that carries their debits marks them paid.

The ticks are kept in the chat's conversation data, not in the buttons (there is no room for
a list there); a request ticked that can no longer be sent is left out of the file and named.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from aiogram import Router
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, CallbackQuery, Message

from bot import statement_keyboards as keyboards
from bot.callbacks import OrdersAction, OrdersCallback
from bot.texts import Texts
from handlers.replies import replace_card
from ledger.bank_orders import SENDERS, BankOrders
from ledger.clock import Clock
from ledger.errors import OrdersRefused
from ledger.roles import Actor

SENDER_ROLES = {"roles": frozenset(SENDERS)}
PICKED = "bank_orders"  # the conversation data's key for the ticked requests
MAX_PICKED = 200  # more than a bank's client takes in one file comfortably


async def _picked(state: FSMContext) -> list[int]:
    data: dict[str, Any] = await state.get_data()
    return [int(ident) for ident in data.get(PICKED, [])]


async def _show(
    query: CallbackQuery,
    actor: Actor,
    bank_orders: BankOrders,
    texts: Texts,
    today: date,
    picked: list[int],
    page: int,
) -> None:
    found = await bank_orders.sendable(actor, page=page)
    await query.answer()
    await replace_card(
        query, texts.orders_list(found, picked, today), keyboards.orders(found, picked, texts)
    )


async def orders_button(
    query: CallbackQuery,
    callback_data: OrdersCallback,
    state: FSMContext,
    actor: Actor,
    bank_orders: BankOrders,
    texts: Texts,
    clock: Clock,
) -> None:
    action, page = callback_data.action, max(callback_data.page, 0)
    picked = await _picked(state)
    if action is OrdersAction.TOGGLE:
        ident = callback_data.ident
        if ident <= 0:
            await query.answer(texts.forged, show_alert=True)
            return
        picked = [p for p in picked if p != ident] if ident in picked else [*picked, ident]
        await state.update_data({PICKED: picked[:MAX_PICKED]})
    elif action is OrdersAction.CLEAR:
        picked = []
        await state.update_data({PICKED: picked})
    if action in (OrdersAction.LIST, OrdersAction.TOGGLE, OrdersAction.CLEAR):
        await _show(query, actor, bank_orders, texts, clock.today(), picked, page)
        return
    if action is OrdersAction.MAKE and not picked:
        await query.answer(texts.orders_none_picked, show_alert=True)
        return
    chosen = picked if action is OrdersAction.MAKE else None
    try:
        made = await bank_orders.make(actor, chosen)
    except OrdersRefused as refused:
        await query.answer()
        await replace_card(
            query,
            texts.orders_not_made(refused.reason, refused.problems),
            keyboards.after_orders(texts),
        )
        return
    await state.update_data({PICKED: []})
    await query.answer()
    await replace_card(query, texts.orders_made(made), keyboards.after_orders(texts))
    message = query.message
    if isinstance(message, Message):
        await message.answer_document(
            BufferedInputFile(made.data, filename=made.file_name),
            caption=texts.orders_caption(made),
        )


def create_router() -> Router:
    router = Router(name="bank_orders")
    router.callback_query.register(orders_button, OrdersCallback.filter(), flags=SENDER_ROLES)
    return router
