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

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, ExceptionTypeFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, ErrorEvent, Message

from bot import request_keyboards as keyboards
from bot.callbacks import FormAction, FormCallback
from bot.paging import PAGE_LIMIT, clip
from bot.texts import Texts
from handlers.errors import answer_error
from handlers.request_form_card import (
    FILING,
    PART_OF,
    QUESTIONS,
    VAT_RATES,
    Desk,
    Form,
    RequestForm,
    card_text,
    next_question,
    part_value,
    show,
)
from ledger.amounts import AmountError, AmountProblem
from ledger.dates import DateError, parse_date
from ledger.errors import DetailsRefused, DomainError, NotAllowed, RequestRefused
from ledger.money import Money
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
    blockers,
    read_amount,
    read_line,
)
from ledger.requests.links import RequestLinks
from ledger.requests.offer import vat_included
from ledger.requests.states import VatMode
from ledger.requests.views import RequestView
from ledger.roles import Actor, Role

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
