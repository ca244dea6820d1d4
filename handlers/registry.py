"""The accountant's side of payment requests: /registry and recording a payment.

/registry is a menu: what is left to pay today, to the week's end, to the month's end and
overdue, and the requests by status, each with its count and totals; a button opens a list,
paged, each line a link to keep and a button that opens the card. The card's «💳 Оплачено»
asks, one thing at a time, the date (today, yesterday, or typed; never the future), the
amount (all that is left with a tap, or a smaller sum typed: the rest stays open), for a
request in another currency the rubles actually paid, and the payment order (a PDF or a
photo, checked by its size and its own bytes; «Без платёжки» records it without, and the card
shows it missing). Each answer is checked as it comes (`RequestPayments.check`), the payment
recorded once all is known (`RequestPayments.pay`): of two accountants at once exactly one
records it, the other is told who and when. The requester is told by the service; the card
redraws.
"""

from __future__ import annotations

import io
from datetime import date, timedelta, tzinfo
from decimal import Decimal
from typing import Any

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from bot import keyboards
from bot.callbacks import RegistryCallback, RegistryView, RequestAction, RequestCallback
from bot.paging import PAGE_LIMIT, clip
from bot.texts import Texts
from handlers.prompts import cancel_input, text_wanted
from handlers.replies import replace_card
from handlers.request_card import link_of, refusal, render
from ledger.amounts import AmountError, parse_amount
from ledger.attachments import ReceiptKind, check_receipt_size
from ledger.clock import Clock
from ledger.dates import DateError, parse_date
from ledger.errors import AttachmentRefused, RequestRefused
from ledger.money import Money
from ledger.requests.access import PAYERS
from ledger.requests.files import StoredFile, described
from ledger.requests.links import RequestLinks
from ledger.requests.paying import RequestPayments
from ledger.requests.registry import Bucket, RequestRegistry
from ledger.requests.service import RequestService
from ledger.requests.states import RequestStatus
from ledger.requests.views import RegistryPage, RequestView
from ledger.roles import Actor

PAYER_ROLES = {"roles": PAYERS}
LINE_LIMIT = 320  # characters a list's line may take: ten fit a message with room to spare
BUCKETS = frozenset(bucket.value for bucket in Bucket)
STATUSES = frozenset(status.value for status in RequestStatus)


class RequestPaymentInput(StatesGroup):
    date = State()
    amount = State()
    rubles = State()
    order = State()


# -- the registry ------------------------------------------------------------------------------


async def show_registry(
    message: Message, actor: Actor, registry: RequestRegistry, texts: Texts
) -> None:
    text, markup = await _summary(actor, registry, texts)
    await message.answer(text, reply_markup=markup)


async def _summary(
    actor: Actor, registry: RequestRegistry, texts: Texts
) -> tuple[str, InlineKeyboardMarkup]:
    buckets = await registry.summary(actor)
    statuses = await registry.statuses(actor)
    text = texts.registry_summary(buckets, statuses)
    return clip(text, PAGE_LIMIT), keyboards.registry_summary(buckets, statuses, texts)


async def registry_button(
    query: CallbackQuery,
    callback_data: RegistryCallback,
    actor: Actor,
    registry: RequestRegistry,
    request_links: RequestLinks,
    texts: Texts,
    clock: Clock,
    bot: Bot,
) -> None:
    view, key, number = callback_data.view, callback_data.key, callback_data.page
    if view is RegistryView.SUMMARY:
        text, markup = await _summary(actor, registry, texts)
        await query.answer()
        await replace_card(query, text, markup)
        return
    per_page = keyboards.REQUESTS_PER_PAGE
    if view is RegistryView.BUCKET and key in BUCKETS:
        bucket = Bucket(key)
        page = await registry.due(actor, bucket, page=number, per_page=per_page)
        title = texts.registry_bucket_title(bucket, page)
    elif view is RegistryView.STATUS and key in STATUSES:
        status = RequestStatus(key)
        page = await registry.by_status(actor, status, page=number, per_page=per_page)
        title = texts.registry_status_title(status, page)
    else:  # no list of ours: forged
        await query.answer(texts.forged, show_alert=True)
        return
    text = await _list_text(actor, page, title, request_links, texts, clock, bot)
    await query.answer()
    await replace_card(query, text, keyboards.request_list(page, view, key, texts))


async def _list_text(
    actor: Actor,
    page: RegistryPage,
    title: str,
    request_links: RequestLinks,
    texts: Texts,
    clock: Clock,
    bot: Bot,
) -> str:
    if not page.total:
        return f"{title}\n\n{texts.registry_empty}"
    links = await request_links.request_links(actor, [row.id for row in page.rows])
    today = clock.today()
    first = page.page * page.per_page + 1
    lines = [
        clip(
            texts.registry_line(
                n, row, await link_of(bot, links[row.id]) if row.id in links else None, today
            ),
            LINE_LIMIT,
        )
        for n, row in enumerate(page.rows, start=first)
    ]
    parts = [title, *lines]
    if page.pages > 1:
        parts.append(texts.page_of(page.page + 1, page.pages))
    return clip("\n\n".join(parts), PAGE_LIMIT)


# -- paying ------------------------------------------------------------------------------------


def _day(ordinal: int) -> date:
    """A button's date; one no calendar holds was forged (refused as a future date is)."""
    if not 1 <= ordinal <= date.max.toordinal():
        raise RequestRefused("future_date")
    return date.fromordinal(ordinal)


async def pay_button(
    query: CallbackQuery,
    callback_data: RequestCallback,
    state: FSMContext,
    actor: Actor,
    requests: RequestService,
    request_links: RequestLinks,
    request_payments: RequestPayments,
    texts: Texts,
    clock: Clock,
    tz: tzinfo,
    bot: Bot,
) -> None:
    action = callback_data.action
    request_id, version = callback_data.request_id, callback_data.version
    if action is RequestAction.NO_ORDER:
        asked = await _asked(state, request_id, version)
        if asked is None:
            await query.answer(texts.desk_prompt_stale, show_alert=True)
            return
        note = await _pay(actor, asked, None, state, request_payments, texts)
        text, markup, _ = await render(
            actor,
            request_id,
            requests=requests,
            request_links=request_links,
            texts=texts,
            clock=clock,
            tz=tz,
            bot=bot,
            note=note,
        )
        await query.answer()
        await replace_card(query, text, markup)
        return
    # Checked before anything is asked: a forged, stale or unpayable tap gets its refusal.
    day = _day(callback_data.value) if action in (RequestAction.DAY, RequestAction.REST) else None
    rest = await request_payments.check(actor, request_id, on=day, version=version)
    request = await requests.get(actor, request_id)
    if action is RequestAction.PAY:
        await state.clear()
        today = clock.today()
        markup = keyboards.desk_pay_dates(request, today, today - timedelta(days=1), texts)
        await query.answer()
        await replace_card(query, texts.desk_pay_ask_date(request, rest), markup)
        return
    if action is RequestAction.OTHER_DATE:
        await state.set_state(RequestPaymentInput.date)
        await state.set_data({"request_id": request_id, "version": version})
        await query.answer()
        await replace_card(
            query, texts.desk_pay_ask_typed_date, keyboards.desk_back(request, texts)
        )
        return
    assert day is not None
    if action is RequestAction.DAY:
        await _ask_amount(query, state, request, rest, day, texts)
        return
    asked = {"request_id": request_id, "version": version, "day": day.toordinal()}
    await _after_amount(query, state, request, asked, rest, texts)


async def _ask_amount(
    target: CallbackQuery | Message,
    state: FSMContext,
    request: RequestView,
    rest: Money,
    day: date,
    texts: Texts,
) -> None:
    await state.set_state(RequestPaymentInput.amount)
    await state.set_data(
        {"request_id": request.id, "version": request.version, "day": day.toordinal()}
    )
    text = texts.desk_pay_ask_amount(request, rest, day)
    await _ask(target, text, keyboards.desk_pay_rest(request, rest, day, texts))


async def _after_amount(
    target: CallbackQuery | Message,
    state: FSMContext,
    request: RequestView,
    asked: dict[str, Any],
    amount: Money,
    texts: Texts,
) -> None:
    """The amount is known: the rubles it cost next for another currency, else the file."""
    asked = {**asked, "amount": str(amount.amount), "currency": amount.currency}
    if amount.currency != "RUB" and "rubles" not in asked:
        await state.set_state(RequestPaymentInput.rubles)
        await state.set_data(asked)
        await _ask(target, texts.desk_pay_ask_rubles(amount), keyboards.desk_back(request, texts))
        return
    await state.set_state(RequestPaymentInput.order)
    await state.set_data(asked)
    day = date.fromordinal(asked["day"])
    await _ask(
        target, texts.desk_pay_ask_order(amount, day), keyboards.desk_pay_order(request, texts)
    )


async def _ask(target: CallbackQuery | Message, text: str, markup: InlineKeyboardMarkup) -> None:
    if isinstance(target, CallbackQuery):
        await target.answer()
        await replace_card(target, text, markup)
    else:
        await target.answer(text, reply_markup=markup)


async def _asked(state: FSMContext, request_id: int, version: int) -> dict[str, Any] | None:
    """The payment asked about, if the chat is at its last question for this request as it
    was shown; else None (the question was closed, or the button is of another)."""
    if await state.get_state() != RequestPaymentInput.order.state:
        return None
    asked: dict[str, Any] = await state.get_data()
    if asked.get("request_id") != request_id or asked.get("version") != version:
        return None
    return asked


async def _still(
    state: FSMContext,
    actor: Actor,
    asked: dict[str, Any],
    request_payments: RequestPayments,
    requests: RequestService,
    **keys: Any,
) -> tuple[RequestView, Money]:
    """The request the question is about and what is left of it, as it was when asked; if it
    moved meanwhile (someone else paid it), the question ends and the refusal says who."""
    try:
        rest = await request_payments.check(
            actor, asked["request_id"], version=asked["version"], **keys
        )
        return await requests.get(actor, asked["request_id"]), rest
    except RequestRefused:
        raise
    except Exception:
        await state.clear()
        raise


async def typed_date(
    message: Message,
    state: FSMContext,
    actor: Actor,
    requests: RequestService,
    request_payments: RequestPayments,
    texts: Texts,
    clock: Clock,
) -> None:
    asked: dict[str, Any] = await state.get_data()
    try:
        day = parse_date(message.text or "", today=clock.today())
        request, rest = await _still(state, actor, asked, request_payments, requests, on=day)
    except DateError as error:
        await message.answer(texts.date_error(error) + "\n\n" + texts.desk_pay_ask_typed_date)
        return
    except RequestRefused as error:
        await message.answer(refusal(texts, error) + "\n\n" + texts.desk_pay_ask_typed_date)
        return
    await _ask_amount(message, state, request, rest, day, texts)


async def typed_amount(
    message: Message,
    state: FSMContext,
    actor: Actor,
    requests: RequestService,
    request_payments: RequestPayments,
    texts: Texts,
) -> None:
    asked: dict[str, Any] = await state.get_data()
    day = date.fromordinal(asked["day"])
    request, rest = await _still(state, actor, asked, request_payments, requests, on=day)
    again = texts.desk_pay_ask_amount(request, rest, day)
    markup = keyboards.desk_pay_rest(request, rest, day, texts)
    try:
        amount = parse_amount(message.text or "", currency=rest.currency)
        await request_payments.check(
            actor, request.id, amount=amount, on=day, version=request.version
        )
    except AmountError as error:
        await message.answer(texts.amount_error(error) + "\n\n" + again, reply_markup=markup)
        return
    except RequestRefused as error:
        await message.answer(refusal(texts, error) + "\n\n" + again, reply_markup=markup)
        return
    await _after_amount(message, state, request, asked, amount, texts)


async def typed_rubles(
    message: Message,
    state: FSMContext,
    actor: Actor,
    requests: RequestService,
    request_payments: RequestPayments,
    texts: Texts,
) -> None:
    asked: dict[str, Any] = await state.get_data()
    request, _ = await _still(state, actor, asked, request_payments, requests)
    amount = Money(Decimal(asked["amount"]), asked["currency"])
    again = texts.desk_pay_ask_rubles(amount)
    try:
        rubles = parse_amount(message.text or "")
        await request_payments.check(
            actor,
            request.id,
            amount=amount,
            rubles=rubles,
            on=date.fromordinal(asked["day"]),
            version=request.version,
        )
    except AmountError as error:
        await message.answer(texts.amount_error(error) + "\n\n" + again)
        return
    except RequestRefused as error:
        await message.answer(refusal(texts, error) + "\n\n" + again)
        return
    asked = {**asked, "rubles": str(rubles.amount)}
    await _after_amount(message, state, request, asked, amount, texts)


async def sent_order(
    message: Message,
    state: FSMContext,
    actor: Actor,
    requests: RequestService,
    request_links: RequestLinks,
    request_payments: RequestPayments,
    texts: Texts,
    clock: Clock,
    tz: tzinfo,
    bot: Bot,
) -> None:
    """The payment order, a document or a photo: judged by its size and its own bytes."""
    if message.photo:
        file_id, size, kind, name = (
            message.photo[-1].file_id,
            message.photo[-1].file_size,
            ReceiptKind.PHOTO,
            None,
        )
    else:
        assert message.document is not None
        document = message.document
        file_id, size, kind, name = (
            document.file_id,
            document.file_size,
            ReceiptKind.DOCUMENT,
            document.file_name,
        )
    asked: dict[str, Any] = await state.get_data()
    try:
        check_receipt_size(size)  # too large for Telegram to hand over: not worth asking
        content = await bot.download(file_id, destination=io.BytesIO())
        data = content.getvalue() if isinstance(content, io.BytesIO) else b""
        check_receipt_size(len(data))
        order = described(file_id, kind, data, name)
    except AttachmentRefused as error:
        too_big = error.reason == "size"
        await message.answer(
            texts.desk_file_refused(too_big) + "\n\n" + texts.desk_pay_order_wanted
        )
        return
    except RequestRefused:
        await message.answer(texts.desk_file_refused(False) + "\n\n" + texts.desk_pay_order_wanted)
        return
    note = await _pay(actor, asked, order, state, request_payments, texts)
    text, markup, _ = await render(
        actor,
        int(asked["request_id"]),
        requests=requests,
        request_links=request_links,
        texts=texts,
        clock=clock,
        tz=tz,
        bot=bot,
        note=note,
    )
    await message.answer(text, reply_markup=markup)


async def _pay(
    actor: Actor,
    asked: dict[str, Any],
    order: StoredFile | None,
    state: FSMContext,
    request_payments: RequestPayments,
    texts: Texts,
) -> str:
    """Record the payment asked about; the words for the card's top. The question ends
    either way: a refusal now (someone paid first) says who and when."""
    await state.clear()
    paid = await request_payments.pay(
        actor,
        asked["request_id"],
        amount=Money(Decimal(asked["amount"]), asked["currency"]),
        rubles=Money(Decimal(asked["rubles"])) if "rubles" in asked else None,
        on=date.fromordinal(asked["day"]),
        order=order,
        version=asked["version"],
    )
    return texts.desk_paid(paid.payment, paid.request)


async def order_wanted(message: Message, texts: Texts) -> None:
    await message.answer(texts.desk_pay_order_wanted)


def create_router() -> Router:
    router = Router(name="registry")
    router.message.register(show_registry, Command("registry"), flags=PAYER_ROLES)
    router.callback_query.register(
        registry_button,
        RegistryCallback.filter(F.view != RegistryView.TO_APPROVE),
        flags=PAYER_ROLES,
    )
    router.callback_query.register(
        pay_button,
        RequestCallback.filter(
            F.action.in_(
                {
                    RequestAction.PAY,
                    RequestAction.DAY,
                    RequestAction.OTHER_DATE,
                    RequestAction.REST,
                    RequestAction.NO_ORDER,
                }
            )
        ),
        flags=PAYER_ROLES,
    )
    prompts = (
        RequestPaymentInput.date,
        RequestPaymentInput.amount,
        RequestPaymentInput.rubles,
        RequestPaymentInput.order,
    )
    for prompt in prompts:
        router.message.register(cancel_input, Command("cancel"), prompt, flags=PAYER_ROLES)
    typed = F.text & ~F.text.startswith("/")
    router.message.register(typed_date, RequestPaymentInput.date, typed, flags=PAYER_ROLES)
    router.message.register(typed_amount, RequestPaymentInput.amount, typed, flags=PAYER_ROLES)
    router.message.register(typed_rubles, RequestPaymentInput.rubles, typed, flags=PAYER_ROLES)
    router.message.register(
        sent_order, RequestPaymentInput.order, F.photo | F.document, flags=PAYER_ROLES
    )
    router.message.register(order_wanted, RequestPaymentInput.order, flags=PAYER_ROLES)
    for prompt in prompts[:3]:
        router.message.register(text_wanted, prompt, flags=PAYER_ROLES)
    return router
