"""The request form's conversation and its card: the parts and the questions each asks, the
state the bot keeps per chat (`Form`), what one update's handlers share (`Desk`), and the card
drawn from the draft — every part with its value, the next question, the buttons.
`handlers.request_form` answers what the requester types and taps.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape
from typing import Any

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from bot import request_keyboards as keyboards
from bot.paging import PAGE_LIMIT, clip
from bot.texts import Texts, money
from ledger.categories import CategoryService
from ledger.clock import Clock
from ledger.contracts import DealRef
from ledger.requests.access import FILERS
from ledger.requests.filing import (
    FORM_ORDER,
    RequestFiling,
)
from ledger.requests.service import RequestService
from ledger.requests.states import Decision, RequestStatus, VatMode
from ledger.requests.views import REQUIRED, Counterparty, RequestView
from ledger.roles import Actor, Role

FILING = {"roles": FILERS}
VAT_RATES = keyboards.VAT_RATES

# The questions of each part, in the order they are asked.
QUESTIONS = {
    "what_for": ("what_for",),
    "counterparty": ("inn", "name", "kpp"),
    "amount": ("amount",),
    "pay_by": ("pay_by",),
    "bank_details": ("bik", "account", "corr_account", "bank_name"),
    "purpose": ("purpose",),
    "vat": ("vat",),
    "invoice": ("invoice",),
    "deal_or_category": ("deal_or_category", "category", "contract", "deal"),
    "place": ("place",),
}
PART_OF = {question: part for part, questions in QUESTIONS.items() for question in questions}


class RequestForm(StatesGroup):
    asking = State()  # a question on the card waits for a typed answer (or a file)
    idle = State()  # a draft is open on the card, nothing asked: a file sent attaches to it


@dataclass
class Form:
    """The conversation about one draft, as the state storage keeps it."""

    request_id: int
    card: int | None = None  # the card's message id
    asked: str | None = None  # a question of `QUESTIONS`
    skipped: list[str] = field(default_factory=list)  # parts skipped, asked again only by hand
    pending: dict[str, str] = field(default_factory=dict)  # "inn", "bik": waiting for the rest
    offer: dict[str, Any] | None = None  # an invoice's offer waiting for confirmation
    note: list[str] = field(default_factory=list)  # lines said once on the card
    blocked: list[str] = field(default_factory=list)  # why «Отправить» refused, said once
    deals: list[list[Any]] = field(default_factory=list)  # deals to pick: [id, name, contract]

    @classmethod
    def read(cls, data: dict[str, Any]) -> Form | None:
        if "request_id" not in data:
            return None
        known = {name: data[name] for name in cls.__dataclass_fields__ if name in data}
        return cls(**known)

    def data(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


@dataclass
class Desk:
    """What the form's handlers share for one update."""

    actor: Actor
    requests: RequestService
    filing: RequestFiling
    categories: CategoryService
    state: FSMContext
    texts: Texts
    clock: Clock
    bot: Bot
    chat_id: int

    @classmethod
    def of(cls, event: Message | CallbackQuery, data: dict[str, Any]) -> Desk:
        chat = event.chat.id if isinstance(event, Message) else event.from_user.id
        return cls(
            actor=data["actor"],
            requests=data["requests"],
            filing=data["request_filing"],
            categories=data["categories"],
            state=data["state"],
            texts=data["texts"],
            clock=data["clock"],
            bot=data["bot"],
            chat_id=chat,
        )

    async def form(self) -> Form | None:
        """The form this chat is filling, if it is filling one (not typing a comment, say)."""
        if await self.state.get_state() not in (RequestForm.asking.state, RequestForm.idle.state):
            return None
        return Form.read(await self.state.get_data())


# -- drawing the card -------------------------------------------------------------------------


def _wanted(part: str, view: RequestView, form: Form) -> bool:
    """Whether the form should ask `part` when its turn comes."""
    if part in form.skipped:
        return False
    match part:
        case "invoice":
            return view.invoice is None
        case "place":
            return view.category_id is not None and not (view.salon or view.city)
        case "counterparty":
            return "counterparty" in view.missing or "inn" in form.pending
        case "bank_details":
            return "bank_details" in view.missing or "bik" in form.pending
    return part in view.missing


def first_question(part: str, view: RequestView, form: Form) -> str:
    cp = view.counterparty
    if part == "counterparty" and "inn" in form.pending:
        return "name"
    if part == "bank_details":
        if "bik" in form.pending:
            return "account"
        if cp is not None and cp.bik and cp.account and not cp.corr_account:
            return "corr_account"
    return QUESTIONS[part][0]


def next_question(view: RequestView, form: Form, after: str | None) -> str | None:
    """The first question of the next part still wanted after `after`'s (round the form)."""
    start = FORM_ORDER.index(after) + 1 if after is not None else 0
    for part in FORM_ORDER[start:] + FORM_ORDER[:start]:
        if _wanted(part, view, form):
            return first_question(part, view, form)
    return None


def part_value(part: str, view: RequestView, form: Form, texts: Texts) -> str | None:
    cp = view.counterparty
    match part:
        case "what_for":
            return _escaped(view.what_for)
        case "counterparty":
            if "inn" in form.pending:
                return texts.form_counterparty(None, form.pending["inn"], None, waiting=True)
            if cp is None or not (cp.name or cp.inn):
                return None
            return texts.form_counterparty(cp.name, cp.inn, cp.kpp)
        case "amount":
            return money(view.amount) if view.amount is not None else None
        case "pay_by":
            return texts.date(view.pay_by) if view.pay_by is not None else None
        case "bank_details":
            if "bik" in form.pending:
                return texts.form_bank(form.pending["bik"], None, None, None, waiting=True)
            if cp is None or not (cp.bik or cp.account):
                return None
            return texts.form_bank(cp.bik, cp.account, cp.corr_account, cp.bank_name)
        case "purpose":
            return _escaped(view.purpose)
        case "vat":
            if view.vat_mode is None:
                return None
            return texts.form_vat(view.vat_mode is VatMode.WITH_VAT, view.vat)
        case "invoice":
            if view.invoice is None:
                return None
            return "📎 " + (_escaped(view.invoice.name) or texts.form_part("invoice"))
        case "deal_or_category":
            if view.deal_id is not None:
                return texts.form_deal(view.deal or "", view.contract)
            return _escaped(view.category)
        case "place":
            return _escaped(", ".join(value for value in (view.salon, view.city) if value))
    return None


def _escaped(value: str | None) -> str | None:
    return escape(value) if value else None


def _bank_words(texts: Texts, cp: Counterparty) -> str:
    return texts.form_bank(cp.bik, cp.account, cp.corr_account, cp.bank_name)


async def card_text(desk: Desk, view: RequestView, form: Form) -> str:
    texts = desk.texts
    lines = [texts.form_title(view.id, view.status.value)]
    lines += form.note
    if view.status is RequestStatus.RETURNED:
        card = await desk.requests.card(desk.actor, view.id)
        returned = [a for a in card.approvals if a.decision is Decision.RETURNED]
        if returned:
            lines.append(texts.form_returned(returned[-1].approver, returned[-1].reason or ""))
    lines.append(texts.form_required_mark)
    lines += [
        texts.form_line(part, part_value(part, view, form, texts), required=part in REQUIRED)
        for part in FORM_ORDER
    ]
    if form.asked == "name" and "inn" in form.pending:
        known = await desk.requests.remembered(desk.actor, form.pending["inn"])
        if known is not None:
            lines.append(texts.form_found_known(known.name, known.kpp, _bank_words(texts, known)))
    if form.blocked:
        lines.append(texts.form_not_sent(form.blocked))
    elif form.asked is None:
        left = [texts.form_part(part) for part in view.missing]
        lines.append(texts.form_left(left) if left else texts.form_complete)
    if form.asked is not None:
        lines.append(texts.form_question(form.asked))
    return clip("\n".join(lines), PAGE_LIMIT)


async def card_markup(desk: Desk, view: RequestView, form: Form) -> InlineKeyboardMarkup:
    known = False
    if form.asked == "name" and "inn" in form.pending:
        known = await desk.requests.remembered(desk.actor, form.pending["inn"]) is not None
    categories = await desk.categories.active() if form.asked == "category" else []
    deals = [DealRef(*deal) for deal in form.deals] if form.asked == "deal" else []
    return keyboards.form(
        view,
        form.asked,
        desk.texts,
        today=desk.clock.today(),
        known=known,
        manager=Role.MANAGER in desk.actor.roles,
        categories=categories,
        deals=deals,
    )


async def show(
    desk: Desk,
    view: RequestView,
    form: Form,
    *,
    text: str | None = None,
    markup: InlineKeyboardMarkup | None = None,
    new: bool = False,
    kept: bool = True,
) -> None:
    """Draw the card (the form, or what `text` says) in place, or anew when asked or when
    the old card cannot be edited; then keep the conversation (unless it is over)."""
    if text is None:
        text = await card_text(desk, view, form)
        markup = await card_markup(desk, view, form)
    form.note, form.blocked = [], []  # said once
    edited = False
    if form.card is not None and not new:
        try:
            await desk.bot.edit_message_text(
                text, chat_id=desk.chat_id, message_id=form.card, reply_markup=markup
            )
            edited = True
        except TelegramBadRequest as exc:
            edited = "not modified" in str(exc)
    if not edited:
        sent = await desk.bot.send_message(desk.chat_id, text, reply_markup=markup)
        form.card = sent.message_id
    if kept:
        await keep(desk, form)


async def keep(desk: Desk, form: Form) -> None:
    await desk.state.set_state(RequestForm.asking if form.asked else RequestForm.idle)
    await desk.state.set_data(form.data())
