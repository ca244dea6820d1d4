"""An invoice sent to the bot: it starts a request by itself (or joins the draft being
filled), and what it says is shown for one-tap confirmation.

The file is judged by its own bytes, not by the type its sender's client declared: too big,
not a PDF though named one, of another type, or broken, it is answered and nothing changes.
It is read (`ledger.invoices.read_invoice`, in a worker thread: it takes a few hundred
milliseconds of CPU) and every value read is shown with where it came from (the invoice's
text, its QR code, the directory); where the QR and the text disagree both are shown and the
person picks one with a tap. «✅ Всё верно» fills the form with it all; «✏️ …» fills all but
that part, which the form then asks. An invoice with nothing readable is simply attached, and
the form asks.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
from decimal import Decimal
from html import escape
from typing import Any

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from bot import request_keyboards as keyboards
from bot.callbacks import FormAction, FormCallback, unpick_code
from bot.paging import PAGE_LIMIT, clip
from bot.texts import Texts, money
from handlers.access import HasRole
from handlers.request_form import ForgedButton
from handlers.request_form_card import (
    FILING,
    QUESTIONS,
    Desk,
    Form,
    RequestForm,
    next_question,
    show,
)
from ledger.attachments import ReceiptKind
from ledger.invoices import MAX_INVOICE_BYTES, InvoiceProblem, InvoiceRefused, read_invoice
from ledger.money import Money
from ledger.requests.edits import SetInvoice, SetWhatFor
from ledger.requests.files import StoredFile
from ledger.requests.filing import FORM_ORDER
from ledger.requests.offer import EXEMPT, VALUES, InvoiceOffer, Option
from ledger.requests.states import EDITABLE
from ledger.requests.views import RequestView
from ledger.roles import Role

LABEL_LIMIT = 40  # a choice's value on its button (its origins follow it)


async def invoice_file(message: Message, **data: Any) -> None:
    desk = Desk.of(message, data)
    texts, bot = desk.texts, desk.bot
    got = _file(message)
    if got is None:
        return
    file_id, size, name, kind = got
    if size is not None and size > MAX_INVOICE_BYTES:
        await message.answer(texts.invoice_refused(InvoiceProblem.TOO_BIG.value))
        return
    content = await _download(bot, file_id)
    if content is None:
        await message.answer(texts.invoice_downloading_failed)
        return
    try:
        reading = await asyncio.to_thread(read_invoice, content, filename=name)
    except InvoiceRefused as refused:
        await message.answer(texts.invoice_refused(refused.problem.value, refused.limit))
        return
    digest = hashlib.sha256(content).hexdigest()
    stored = StoredFile(file_id, kind, reading.file_type, len(content), digest, name)
    form = await _form_to_join(desk)
    if form is None:
        view = await desk.requests.start(desk.actor)
        form = Form(request_id=view.id)
    view = await desk.requests.edit(desk.actor, form.request_id, SetInvoice(stored))
    caption = " ".join((message.caption or "").split())
    if caption and not view.what_for:
        view = await desk.requests.edit(desk.actor, view.id, SetWhatFor(caption[:500]))
    offer = await desk.filing.offer(desk.actor, reading, view)
    if offer.is_empty:
        form.offer = None
        form.note = [texts.invoice_nothing_read]
        form.asked = next_question(view, form, None)
        await show(desk, view, form, new=True)
        return
    form.offer = offer.to_data()
    form.asked = None
    await show_offer(desk, view, form, offer, new=True)


def _file(message: Message) -> tuple[str, int | None, str | None, ReceiptKind] | None:
    if message.document is not None:
        document = message.document
        kind = ReceiptKind.DOCUMENT
        return document.file_id, document.file_size, document.file_name, kind
    if message.photo:
        photo = message.photo[-1]
        return photo.file_id, photo.file_size, None, ReceiptKind.PHOTO
    return None


async def _download(bot: Bot, file_id: str) -> bytes | None:
    try:
        content = await bot.download(file_id, destination=io.BytesIO())
    except TelegramBadRequest:
        return None
    return content.getvalue() if isinstance(content, io.BytesIO) else None


async def _form_to_join(desk: Desk) -> Form | None:
    """The draft being filled in this chat, if it still is one of the actor's."""
    form = await desk.form()
    if form is None:
        return None
    try:
        view = await desk.requests.get(desk.actor, form.request_id)
    except Exception:
        return None
    if view.status not in EDITABLE or view.requester_id != desk.actor.user_id:
        return None
    return form


# -- the reading card -------------------------------------------------------------------------


def _shown(name: str, option: Option, texts: Texts, *, plain: bool = False) -> str:
    value = option.value
    match name:
        case "amount":
            return money(Money(Decimal(value)))
        case "vat":
            if value == EXEMPT:
                return texts.invoice_vat(True, None, None)
            rate, _, amount = value.partition("|")
            included = Money(Decimal(amount)) if amount else None
            return texts.invoice_vat(False, rate or None, included)
        case "category":
            value = option.shown or value
        case "place":
            value = ", ".join(part for part in value.split("|") if part)
    return value if plain else escape(value)


def offer_text(view: RequestView, offer: InvoiceOffer, texts: Texts) -> str:
    lines = [texts.invoice_title(view.id, offer.number, offer.dated)]
    for name in VALUES:
        label = texts.invoice_value_label(name)
        choices = offer.choices(name)
        if name in offer.conflicts:
            shown = [
                f"{_shown(name, option, texts)} ({texts.form_origins_of(option.origins)})"
                for option in choices
            ]
            lines.append(texts.invoice_conflict(label, shown))
            continue
        option = offer.believed(name)
        if option is not None:
            origins = texts.form_origins_of(option.origins)
            lines.append(texts.invoice_value(label, _shown(name, option, texts), origins))
    for name, option in offer.invalid:
        problem = texts.detail_problem(name, option.problem or "")
        origins = texts.form_origins_of(option.origins)
        label = texts.invoice_value_label(name)
        lines.append(texts.invoice_invalid(label, option.value, origins, problem))
    lines.append(texts.invoice_check)
    return clip("\n".join(lines), PAGE_LIMIT)


def _label(value: str, limit: int = LABEL_LIMIT) -> str:
    """A value short enough for a button; a longer one cut at a word's end where it can be,
    with "…" saying it goes on (the card above shows it whole)."""
    if len(value) <= limit:
        return value
    cut = value[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,.;:—-") + "…"


def offer_markup(view: RequestView, offer: InvoiceOffer, texts: Texts) -> InlineKeyboardMarkup:
    labels = {
        name: [
            texts.btn_form_pick(
                _label(_shown(name, option, texts, plain=True)),
                texts.form_origins_of(option.origins),
            )
            for option in offer.choices(name)
        ]
        for name in offer.conflicts
    }
    return keyboards.invoice(view, offer, labels, texts)


async def show_offer(
    desk: Desk, view: RequestView, form: Form, offer: InvoiceOffer, *, new: bool = False
) -> None:
    text = offer_text(view, offer, desk.texts)
    await show(desk, view, form, text=text, markup=offer_markup(view, offer, desk.texts), new=new)


# -- its buttons ------------------------------------------------------------------------------


async def offer_button(query: CallbackQuery, callback_data: FormCallback, **data: Any) -> None:
    desk = Desk.of(query, data)
    cb = callback_data
    view = await desk.filing.editable(desk.actor, cb.request_id, cb.version)
    form = await desk.form()
    if form is None or form.request_id != view.id or form.offer is None:
        raise ForgedButton  # an offer confirmed (or left) already: nothing waits for this
    if query.message is not None:
        form.card = query.message.message_id
    offer = InvoiceOffer.from_data(form.offer)
    if cb.action is FormAction.PICK:
        value_index, choice = unpick_code(cb.value)
        if not 0 <= value_index < len(VALUES):
            raise ForgedButton
        try:
            offer = offer.pick(VALUES[value_index], choice)
        except ValueError:
            raise ForgedButton from None
        form.offer = offer.to_data()
        await query.answer()
        await show_offer(desk, view, form, offer)
        return
    leave_out: set[str] = set()
    if cb.action is FormAction.FIX:
        if not 0 <= cb.value < len(FORM_ORDER):
            raise ForgedButton
        leave_out.add(FORM_ORDER[cb.value])
    view = await desk.filing.apply(
        desk.actor, view.id, offer, version=cb.version, leave_out=leave_out
    )
    form.offer = None
    if leave_out:
        part = next(iter(leave_out))
        form.skipped = [p for p in form.skipped if p != part]
        form.asked = QUESTIONS[part][0]
    else:
        form.asked = next_question(view, form, None)
    await query.answer()
    await show(desk, view, form)


def create_router() -> Router:
    router = Router(name="request_invoice")
    files = F.document | F.photo
    # A draft being filled takes the file, whoever fills it (the owner too).
    for waiting in (RequestForm.asking, RequestForm.idle):
        router.message.register(invoice_file, waiting, files, flags=FILING)
    # Otherwise, an invoice sent by someone who files requests and keeps no books starts one
    # (the owner's files are receipts of expenses).
    router.message.register(
        invoice_file,
        files,
        HasRole(Role.REQUESTER, Role.MANAGER),
        ~HasRole(Role.OWNER),
        flags=FILING,
    )
    actions = {FormAction.CONFIRM, FormAction.PICK, FormAction.FIX}
    router.callback_query.register(
        offer_button, FormCallback.filter(F.action.in_(actions)), flags=FILING
    )
    return router
