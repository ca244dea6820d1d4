"""The requester's form: /request (or a filing link, or an invoice sent) opens a draft as one
card, edited in place, that shows every part with its value and asks the next one missing.

Each question can be skipped and come back to (the part's button on the card); quick answers
are buttons (dates, VAT, «Нет КПП», a category); typed answers are checked as they come and a
wrong one is answered with what is wrong and changes nothing. The draft lives in the
database; the conversation (the card, what is asked, a typed ИНН or БИК waiting for the rest
of its part) in the bot's own state storage, so both survive a restart. Every button names
the request as it was shown: a card that changed since, or someone else's, is refused.

The rules are `ledger.requests`'s: the service checks each edit and finds deals;
`ledger.requests.filing` reads amounts and /request's words and says what stops a draft from
being sent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from html import escape
from typing import Any

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, CommandObject, ExceptionTypeFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, ErrorEvent, InlineKeyboardMarkup, Message

from bot import request_keyboards as keyboards
from bot.callbacks import FormAction, FormCallback
from bot.paging import PAGE_LIMIT, clip
from bot.texts import Texts, money
from handlers.errors import answer_error
from ledger.amounts import AmountError, AmountProblem
from ledger.categories import CategoryService
from ledger.clock import Clock
from ledger.contracts import DealRef
from ledger.dates import DateError, parse_date
from ledger.errors import DetailsRefused, DomainError, NotAllowed, RequestRefused
from ledger.money import Money
from ledger.requests.access import FILERS
from ledger.requests.details import check_details, normalised
from ledger.requests.edits import (
    Edit,
    SetAmount,
    SetBankDetails,
    SetCategory,
    SetCounterparty,
    SetDeal,
    SetPayBy,
    SetPlace,
    SetPurpose,
    SetVat,
    SetWhatFor,
)
from ledger.requests.filing import (
    FORM_ORDER,
    Blocker,
    RequestFiling,
    blockers,
    read_amount,
    read_line,
)
from ledger.requests.links import RequestLinks
from ledger.requests.offer import vat_included
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


# -- starting ---------------------------------------------------------------------------------


async def start_form(
    desk: Desk, view: RequestView, *, note: list[str] | None = None, new: bool = True
) -> None:
    form = Form(request_id=view.id, note=note or [])
    form.asked = next_question(view, form, None)
    await show(desk, view, form, new=new)


async def request_command(message: Message, command: CommandObject, **data: Any) -> None:
    desk = Desk.of(message, data)
    words = (command.args or "").strip()
    if not words:
        draft = await desk.filing.open_draft(desk.actor)
        if draft is not None:
            await desk.state.clear()
            await message.answer(
                desk.texts.form_draft_open(draft.id, draft.what_for),
                reply_markup=keyboards.open_draft(draft, desk.texts),
            )
            return
    view = await desk.requests.start(desk.actor)
    note: list[str] = []
    if words:
        line = read_line(words)
        applied: list[Edit] = []
        for edit in _line_edits(line.amount, line.what_for):
            try:
                view = await desk.requests.edit(desk.actor, view.id, edit)
                applied.append(edit)
            except RequestRefused as refused:  # too large, too long: said, and asked again
                note.append(desk.texts.form_refused(refused.reason, refused.limit))
        amount = next((e.amount for e in applied if isinstance(e, SetAmount)), None)
        what_for = next((e.text for e in applied if isinstance(e, SetWhatFor)), None)
        if amount is not None or what_for:
            note.insert(0, desk.texts.form_read_from_command(amount, what_for))
    await start_form(desk, view, note=note)


def _line_edits(amount: Money | None, what_for: str | None) -> list[Edit]:
    edits: list[Edit] = []
    if amount is not None:
        edits.append(SetAmount(amount))
    if what_for:
        edits.append(SetWhatFor(what_for))
    return edits


async def open_filing_link(
    message: Message, token: str, actor: Actor | None, texts: Texts, data: dict[str, Any]
) -> None:
    """`/start req_…`: a new draft with what the owner's link names (or the one it started
    and nobody has touched yet)."""
    if actor is None:
        await message.answer(texts.unknown_user)
        return
    links: RequestLinks = data["request_links"]
    try:
        view = await links.start_by_link(actor, token)
    except NotAllowed:
        await message.answer(texts.form_not_a_filer)
        return
    await start_form(Desk.of(message, {**data, "actor": actor, "texts": texts}), view)


# -- typed answers ----------------------------------------------------------------------------


async def typed_answer(message: Message, **data: Any) -> None:
    desk = Desk.of(message, data)
    form = await desk.form()
    if form is None or form.asked is None:
        await desk.state.clear()
        await message.answer(desk.texts.form_nothing_asked)
        return
    view = await _editable(desk, form)
    asked = form.asked
    texts = desk.texts
    if asked == "invoice":
        await message.answer(texts.form_need_file)
        return
    if asked == "category":
        await message.answer(texts.form_question(asked))
        return
    try:
        view, following = await _answer(desk, view, form, asked, message.text or "")
    except AmountError as error:
        await message.answer(texts.form_amount_error(error))
        return
    except DateError as error:
        await message.answer(texts.form_date_error(error))
        return
    except RequestRefused as error:
        await message.answer(texts.form_refused(error.reason, error.limit))
        return
    except DetailsRefused as error:
        await message.answer(_details_refused(texts, error))
        return
    except _NoDeal as error:
        await message.answer(texts.form_no_deal(error.contract))
        return
    form.asked = following
    await show(desk, view, form)


def _details_refused(texts: Texts, error: DetailsRefused) -> str:
    problems = [
        texts.detail_problem(getattr(p, "field", ""), getattr(p, "reason", ""))
        for p in error.problems
    ]
    return texts.form_detail_refused(problems)


def _refuse_details(**values: str | None) -> None:
    problems = check_details(**values)
    if problems:
        raise DetailsRefused(problems)


async def _answer(
    desk: Desk, view: RequestView, form: Form, asked: str, text: str
) -> tuple[RequestView, str | None]:
    """Apply a typed answer to `asked`: the request as it is now and the next question."""
    actor, requests, rid = desk.actor, desk.requests, view.id
    cp = view.counterparty
    part = PART_OF[asked]
    match asked:
        case "what_for":
            view = await requests.edit(actor, rid, SetWhatFor(text))
        case "inn":
            inn = normalised(text)
            _refuse_details(inn=inn)
            form.pending["inn"] = inn
            return view, "name"
        case "name":
            inn = form.pending.get("inn") or (cp.inn if cp is not None else None)
            if not inn:
                return view, "inn"
            kpp = cp.kpp if cp is not None and cp.inn == inn else None
            view = await requests.edit(actor, rid, SetCounterparty(text, inn, kpp))
            form.pending.pop("inn", None)
            cp = view.counterparty
            if len(inn) == 10 and cp is not None and not cp.kpp:
                return view, "kpp"
        case "kpp":
            if cp is None or not cp.inn:
                return view, "inn"
            kpp = normalised(text)
            _refuse_details(kpp=kpp)
            view = await requests.edit(actor, rid, SetCounterparty(cp.name, cp.inn, kpp))
        case "amount":
            view = await requests.edit(actor, rid, SetAmount(read_amount(text)))
        case "pay_by":
            day = parse_date(text, today=desk.clock.today(), allow_future=True)
            view = await requests.edit(actor, rid, SetPayBy(day))
        case "bik":
            bik = normalised(text)
            _refuse_details(bik=bik)
            form.pending["bik"] = bik
            return view, "account"
        case "account":
            bik = form.pending.get("bik") or (cp.bik if cp is not None else None)
            if not bik:
                return view, "bik"
            account = normalised(text)
            _refuse_details(bik=bik, account=account)
            same = cp is not None and cp.bik == bik
            corr = cp.corr_account if same and cp is not None else None
            bank = cp.bank_name if same and cp is not None else None
            view = await requests.edit(actor, rid, SetBankDetails(bik, account, corr, bank))
            form.pending.pop("bik", None)
            return view, _after_account(view, form)
        case "corr_account":
            if cp is None or not (cp.bik and cp.account):
                return view, "bik"
            corr = normalised(text)
            _refuse_details(bik=cp.bik, corr_account=corr)
            edit = SetBankDetails(cp.bik, cp.account, corr, cp.bank_name)
            view = await requests.edit(actor, rid, edit)
            cp = view.counterparty
            if cp is not None and not cp.bank_name and "bank_details" not in form.skipped:
                return view, "bank_name"
        case "bank_name":
            if cp is None or not (cp.bik and cp.account):
                return view, "bik"
            edit = SetBankDetails(cp.bik, cp.account, cp.corr_account, text)
            view = await requests.edit(actor, rid, edit)
        case "purpose":
            view = await requests.edit(actor, rid, SetPurpose(text))
        case "vat":
            view = await requests.edit(actor, rid, _typed_vat(text, view))
        case "deal_or_category" | "contract" | "deal":
            deal = await requests.deal_by_contract(actor, text)
            if deal is None:
                raise _NoDeal(text)
            view = await _for_deal(desk, view, deal.id, None)
            return view, next_question(view, form, "place")
        case "place":
            salon, _, city = text.partition(",")
            view = await requests.edit(
                actor, rid, SetPlace(salon.strip() or None, city.strip() or view.city)
            )
    return view, next_question(view, form, part)


class _NoDeal(DomainError):
    """No deal has the contract number typed."""

    def __init__(self, contract: str) -> None:
        super().__init__("no deal with that contract")
        self.contract = contract


class ForgedButton(DomainError):
    """A button of the form's that no card of ours drew (or drew for another question)."""


def _after_account(view: RequestView, form: Form) -> str | None:
    cp = view.counterparty
    if cp is not None and not cp.corr_account:
        return "corr_account"
    if cp is not None and not cp.bank_name and "bank_details" not in form.skipped:
        return "bank_name"
    return next_question(view, form, "bank_details")


def _typed_vat(text: str, view: RequestView) -> SetVat:
    words = " ".join(text.split()).casefold()
    if words.startswith(("без", "no", "without")):
        return SetVat(VatMode.WITHOUT_VAT)
    if words.endswith("%") and view.amount is not None:
        try:
            rate = Decimal(words.rstrip("%").strip().replace(",", "."))
        except InvalidOperation:
            raise AmountError(AmountProblem.NOT_A_NUMBER) from None
        if not 0 < rate < 100:
            raise RequestRefused("vat")
        return SetVat(VatMode.WITH_VAT, vat_included(view.amount, rate))
    amount = read_amount(text)
    currency = view.currency
    return SetVat(VatMode.WITH_VAT, Money(amount.amount, currency))


async def _for_deal(
    desk: Desk, view: RequestView, deal_id: int, version: int | None
) -> RequestView:
    """For a deal: its dimensions are the deal's, so no category, salon or city."""
    edits = (SetDeal(deal_id), SetCategory(None), SetPlace(None, None))
    return await desk.requests.edit(desk.actor, view.id, *edits, version=version)


async def _editable(desk: Desk, form: Form, version: int | None = None) -> RequestView:
    """The form's request, if it is still a draft of the actor's; otherwise the conversation
    ends and the refusal says why."""
    try:
        return await desk.filing.editable(desk.actor, form.request_id, version)
    except Exception:
        if version is None:
            await desk.state.clear()
        raise


async def not_text(message: Message, texts: Texts) -> None:
    await message.answer(texts.form_not_text)


async def cancel_input(message: Message, state: FSMContext, texts: Texts) -> None:
    """The draft stays (/request brings it back); the bot stops taking messages for it."""
    await state.clear()
    await message.answer(texts.form_closed)


# -- buttons ----------------------------------------------------------------------------------


async def form_button(query: CallbackQuery, callback_data: FormCallback, **data: Any) -> None:
    desk = Desk.of(query, data)
    texts = desk.texts
    cb = callback_data
    if cb.action is FormAction.NEW:
        await query.answer()
        await desk.state.clear()
        view = await desk.requests.start(desk.actor)
        await start_form(desk, view)
        return
    view = await desk.filing.editable(desk.actor, cb.request_id, cb.version)
    form = await desk.form()
    if form is None or form.request_id != view.id:
        form = Form(request_id=view.id)
    if query.message is not None:
        form.card = query.message.message_id
    action = cb.action
    if action is FormAction.RESUME:
        form.asked = next_question(view, form, None)
    elif action is FormAction.ASK:
        if not 0 <= cb.value < len(FORM_ORDER):
            raise ForgedButton
        part = FORM_ORDER[cb.value]
        if part in form.skipped:
            form.skipped.remove(part)
        form.pending = {k: v for k, v in form.pending.items() if PART_OF.get(k) != part}
        form.asked = QUESTIONS[part][0]
    elif action is FormAction.SKIP:
        if form.asked is None:
            await query.answer()
            return
        part = PART_OF[form.asked]
        if part not in form.skipped:
            form.skipped.append(part)
        form.asked = next_question(view, form, part)
    elif action is FormAction.CLOSE:
        form.asked = None
        await query.answer(texts.form_close_toast)
        text = await card_text(desk, view, form)
        await show(desk, view, form, text=text, markup=None, kept=False)
        await desk.state.clear()
        return
    elif action is FormAction.SUBMIT:
        await _submit(query, desk, view, form)
        return
    else:
        view, form.asked = await _tapped(desk, view, form, cb)
    await query.answer()
    await show(desk, view, form)


async def _tapped(
    desk: Desk, view: RequestView, form: Form, cb: FormCallback
) -> tuple[RequestView, str | None]:
    """A quick answer, for the request as shown (`cb.version`)."""
    actor, requests, cp = desk.actor, desk.requests, view.counterparty
    match cb.action:
        case FormAction.DATE:
            if not 1 <= cb.value <= date.max.toordinal():
                raise ForgedButton
            view = await requests.edit(
                actor, view.id, SetPayBy(date.fromordinal(cb.value)), version=cb.version
            )
            return view, next_question(view, form, "pay_by")
        case FormAction.VAT:
            if cb.value == 0:
                edit = SetVat(VatMode.WITHOUT_VAT)
            elif cb.value in VAT_RATES and view.amount is not None:
                edit = SetVat(VatMode.WITH_VAT, vat_included(view.amount, Decimal(cb.value)))
            else:
                raise ForgedButton
            view = await requests.edit(actor, view.id, edit, version=cb.version)
            return view, next_question(view, form, "vat")
        case FormAction.NO_KPP:
            if cp is None or not cp.inn:
                raise ForgedButton
            edit = SetCounterparty(cp.name, cp.inn, None)
            view = await requests.edit(actor, view.id, edit, version=cb.version)
            return view, next_question(view, form, "counterparty")
        case FormAction.KNOWN:
            inn = form.pending.get("inn")
            known = await requests.remembered(actor, inn) if inn else None
            if known is None:
                raise ForgedButton
            edit = SetCounterparty(known.name, known.inn, known.kpp)
            view = await requests.edit(actor, view.id, edit, version=cb.version)
            form.pending.pop("inn", None)
            form.note.append(desk.texts.form_filled_from_known())
            return view, next_question(view, form, "counterparty")
        case FormAction.CHOOSE:
            if cb.value == 1:
                return view, "category"
            if cb.value == 2:
                return view, "contract"
            deals = []
            if Role.MANAGER in actor.roles:
                deals = await requests.own_deals(actor, limit=keyboards.MAX_CHOICES)
            if not deals:
                return view, "contract"
            form.deals = [[d.id, d.name, d.contract] for d in deals]
            return view, "deal"
        case FormAction.CATEGORY:
            if await desk.filing.expense_category(cb.value) is None:
                raise RequestRefused("category")
            view = await requests.edit(
                actor, view.id, SetCategory(cb.value), SetDeal(None), version=cb.version
            )
            if not (view.salon or view.city):
                return view, "place"
            return view, next_question(view, form, "place")
        case FormAction.DEAL:
            view = await _for_deal(desk, view, cb.value, cb.version)
            form.deals = []
            return view, next_question(view, form, "place")
    raise ForgedButton


async def _submit(query: CallbackQuery, desk: Desk, view: RequestView, form: Form) -> None:
    texts = desk.texts
    found = list(blockers(view, desk.clock.today()))
    if not found:
        try:
            sent = await desk.requests.submit(desk.actor, view.id, version=view.version)
        except DetailsRefused as error:
            found = [
                Blocker("detail", getattr(p, "field", ""), getattr(p, "reason", None))
                for p in error.problems
            ]
        except RequestRefused as error:
            if error.reason == "incomplete":
                found = [Blocker("missing", name) for name in error.missing]
            elif error.reason == "past_date":
                found = [Blocker("past_date", "pay_by")]
            elif error.reason == "vat":
                found = [Blocker("vat", "vat")]
            else:
                raise
        else:
            await query.answer()
            text = await _sent_card(desk, sent)
            await show(desk, sent, form, text=text, markup=None, kept=False)
            await desk.state.clear()
            return
    reasons = [texts.form_blocker(b.kind, b.field, b.reason) for b in found]
    form.blocked = reasons
    form.asked = None
    await query.answer(clip(texts.form_not_sent(reasons), 200), show_alert=True)
    await show(desk, view, form)


async def _sent_card(desk: Desk, view: RequestView) -> str:
    texts = desk.texts
    form = Form(request_id=view.id)
    lines = [texts.form_title(view.id, view.status.value)]
    lines += [
        texts.form_line(part, part_value(part, view, form, texts), required=False)
        for part in FORM_ORDER
    ]
    lines.append(texts.form_submitted(view.id, view.status.value))
    return clip("\n".join(lines), PAGE_LIMIT)


# -- errors ---------------------------------------------------------------------------------
# A request's refusals (`RequestMoved`, `RequestRefused`, `DetailsRefused`) have their words in
# the shared error router; a typed answer's are said by the handler that took it, the card
# keeping its question.


async def forged_button(event: ErrorEvent, texts: Texts) -> None:
    await answer_error(event, texts.forged)


def create_router() -> Router:
    router = Router(name="request_form")
    router.errors.register(forged_button, ExceptionTypeFilter(ForgedButton))
    router.message.register(request_command, Command("request"), flags=FILING)
    invoice_actions = {FormAction.CONFIRM, FormAction.PICK, FormAction.FIX}
    router.callback_query.register(
        form_button, FormCallback.filter(~F.action.in_(invoice_actions)), flags=FILING
    )
    waiting = (RequestForm.asking, RequestForm.idle)
    for prompt in waiting:
        router.message.register(cancel_input, Command("cancel"), prompt, flags=FILING)
    router.message.register(
        typed_answer, RequestForm.asking, F.text & ~F.text.startswith("/"), flags=FILING
    )
    router.message.register(not_text, RequestForm.asking, ~F.document, ~F.photo, flags=FILING)
    return router
