"""Confirmations (`/cabinet/confirmations`): the cash desk's /pending and hand-over cards and the
accountant's /bank on one page, with the chat's actions and the chat's rules.

Who sees what is who confirms what in the bot: the cashier cash (what each manager holds, the
hand-overs waiting), the accountant money by bank, card, terminal or credit (grouped as /bank
groups it), the owner both. Every action is a POST form carrying the CSRF token and calls the
same ledger service the chat's button does (`CashService`, `ConfirmationService`), so the
manager is told in the chat and a payment confirmed in the chat is gone here on reload.

Forms name the payment as it was shown (its version), as the chat's buttons do: a double
submit, or one after someone else's, is refused by the ledger and told who and when. What was
done comes back as a signed flash on the redirect (303); a refusal the person can mend (an
amount, a date, a comment) shows the page again with the form open and the words next to it;
an id that is not the viewer's to act on answers 404. Nothing is changed by a refusal.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from markupsafe import Markup

from app.cabinet.core import (
    CABINET_PREFIX,
    SESSION,
    config_of,
    language_of,
    refused,
    render,
    require,
    section,
    unit,
)
from app.context import Services
from bot.texts import Texts, texts_for
from ledger.amounts import AmountError, AmountProblem, parse_amount
from ledger.cash import Handover, HandoverStatus
from ledger.confirmations import (
    BANK_CONFIRMERS,
    CASH_CONFIRMERS,
    NON_CASH_KINDS,
    PaymentLine,
    Source,
    confirmers,
)
from ledger.dates import DateError, DateProblem, parse_date
from ledger.errors import (
    AlreadyAccepted,
    AlreadyConfirmed,
    DomainError,
    HandoverRefused,
    NotAllowed,
    NotFound,
    NotYours,
    PaymentChanged,
    PaymentRefused,
    TextTooLong,
)
from ledger.money import Money
from ledger.payments import PaymentKind
from ledger.roles import Actor, Role

ROLES = frozenset({Role.CASHIER, Role.ACCOUNTANT, Role.OWNER})
SECTION = section("/confirmations", "Подтверждения", ROLES)
PATH = f"{CABINET_PREFIX}/confirmations"
MANAGERS_PER_PAGE = 10  # managers holding cash, the longest held first
HELD_SHOWN = 20  # a manager's payments listed; "accept all" takes every one of them
HANDOVER_ITEMS_SHOWN = 20  # as the hand-over's card in the chat: beyond, all or an amount
BANK_PER_PAGE = 20
_FLASH_CUT = 1000  # the words a flash carries (the redirect's address stays short)
_MAX_ID = 2**62  # ids in a path beyond any row's


# -- what the page shows -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Pager:
    number: int  # from 0
    pages: int
    param: str  # its query parameter

    @property
    def previous(self) -> int | None:
        return self.number - 1 if self.number > 0 else None

    @property
    def next(self) -> int | None:
        return self.number + 1 if self.number + 1 < self.pages else None


@dataclass(frozen=True, slots=True)
class Group:
    """One kind of non-cash money: all of it counted and summed, its payments on this page."""

    kind: PaymentKind
    count: int
    totals: list[Money]
    lines: list[PaymentLine]


@dataclass(frozen=True, slots=True)
class Problem:
    """A form sent back to mend: which one, the words, what was typed."""

    form: str  # "bank-<id>", "missing-<id>", "less-<handover id>"
    words: Markup | None  # the chat's words for a ledger's refusal
    code: str = ""  # else the template's: what could not be read ("amount_empty", "date"…)
    values: dict[str, str] = field(default_factory=dict)


def totals(amounts: list[Money]) -> list[Money]:
    """Amounts summed per currency (rubles first)."""
    summed: dict[str, Money] = {}
    for amount in amounts:
        summed[amount.currency] = (
            summed[amount.currency] + amount if amount.currency in summed else amount
        )
    return [summed[currency] for currency in sorted(summed, key=lambda c: (c != "RUB", c))]


def _pager(request: web.Request, param: str, count: int, per_page: int) -> Pager:
    """The page asked for (a page past the end: the last one), of `count` items."""
    pages = max(1, -(-count // per_page))
    return Pager(min(int(_back(request).get(param, "0")), pages - 1), pages, param)


async def _cash_view(request: web.Request, services: Services, actor: Actor) -> dict[str, Any]:
    managers = await services.cash.pending(actor)
    handovers = await services.cash.open_handovers(actor)
    pager = _pager(request, "cash_page", len(managers), MANAGERS_PER_PAGE)
    start = pager.number * MANAGERS_PER_PAGE
    held = [h for m in managers for h in m.payments]
    return {
        "managers": managers[start : start + MANAGERS_PER_PAGE],
        "cash_pager": pager,
        "cash_count": len(held),
        "cash_totals": totals([h.amount for h in held]),
        "handovers": handovers,
        "handover_totals": totals([item.amount for h in handovers for item in h.pending]),
    }


async def _bank_view(request: web.Request, services: Services, actor: Actor) -> dict[str, Any]:
    lines = await services.confirmations.awaiting_non_cash(actor)
    pager = _pager(request, "bank_page", len(lines), BANK_PER_PAGE)
    shown = lines[pager.number * BANK_PER_PAGE : (pager.number + 1) * BANK_PER_PAGE]
    groups = []
    for kind in NON_CASH_KINDS:
        of_kind = [line for line in lines if line.kind is kind]
        if of_kind:
            groups.append(
                Group(
                    kind=kind,
                    count=len(of_kind),
                    totals=totals([line.remaining for line in of_kind]),
                    lines=[line for line in shown if line.kind is kind],
                )
            )
    return {
        "groups": groups,
        "bank_pager": pager,
        "bank_count": len(lines),
        "bank_totals": totals([line.remaining for line in lines]),
    }


async def _render(
    request: web.Request,
    services: Services,
    actor: Actor,
    *,
    status: int = 200,
    problem: Problem | None = None,
) -> web.Response:
    cash = actor.has_any(CASH_CONFIRMERS)
    bank = actor.has_any(BANK_CONFIRMERS)
    values: dict[str, Any] = {}
    if cash:
        values |= await _cash_view(request, services, actor)
    if bank:
        values |= await _bank_view(request, services, actor)
    return render(
        request,
        "confirmations.html",
        status=status,
        actor=actor,
        show_cash=cash,
        show_bank=bank,
        today=config_of(request).context.clock.today(),
        tz=config_of(request).context.clock.tz,
        flash=_read_flash(request) if problem is None else None,
        problem=problem,
        held_shown=HELD_SHOWN,
        items_shown=HANDOVER_ITEMS_SHOWN,
        back=_back(request),
        totals=totals,
        **values,
    )


async def confirmations_page(request: web.Request) -> web.Response:
    async with unit(request) as services:
        actor = await require(request, services, ROLES)
        return await _render(request, services, actor)


# -- the flash: what was done, carried by the redirect ----------------------------------------

FORM = web.RequestKey("confirmations.form", dict)


def _flash_mac(request: web.Request, payload: str) -> str:
    key = hmac.new(config_of(request).key, b"kopeyka-cabinet-flash", hashlib.sha256).digest()
    bound = f"{request[SESSION].nonce}.{payload}".encode()
    return hmac.new(key, bound, hashlib.sha256).hexdigest()[:32]


def _done(request: web.Request, kind: str, words: str, anchor: str) -> web.HTTPSeeOther:
    """The redirect back to the page (on the pages the form was sent from) saying what was
    done (`kind` "ok") or refused, in the chat's words; signed for this session, so a crafted
    address cannot make the page say what did not happen."""
    facts = {"k": kind, "msg": words[:_FLASH_CUT]}
    payload = base64.urlsafe_b64encode(json.dumps(facts, ensure_ascii=False).encode()).decode()
    query = {**_back(request), "done": payload, "sig": _flash_mac(request, payload)}
    return web.HTTPSeeOther(f"{PATH}?{urlencode(query)}#{anchor}")


def _read_flash(request: web.Request) -> dict[str, Any] | None:
    payload, signature = request.query.get("done", ""), request.query.get("sig", "")
    if not payload or not hmac.compare_digest(_flash_mac(request, payload), signature):
        return None
    try:
        facts = json.loads(base64.urlsafe_b64decode(payload.encode()))
    except (binascii.Error, ValueError):
        return None
    if not isinstance(facts, dict) or not isinstance(facts.get("msg"), str):
        return None
    # Our own words (the chat's HTML, names escaped), as the signature proves.
    return {"kind": facts.get("k"), "words": Markup(facts["msg"])}


def _back(request: web.Request) -> dict[str, str]:
    """The pages the viewer was on (a form carries them back): digits only."""
    source = request.get(FORM) or request.query
    found: dict[str, str] = {}
    for name in ("cash_page", "bank_page"):
        value = str(source.get(name, ""))
        if value.isdigit() and len(value) < 7:
            found[name] = value
    return found


# -- refusals -------------------------------------------------------------------------------


def _texts(request: web.Request, actor: Actor) -> Texts:
    return texts_for(language_of(request, actor))


def _when(at: datetime, tz: tzinfo) -> str:
    return at.astimezone(tz).strftime("%d.%m.%Y %H:%M")


def _conflict(request: web.Request, actor: Actor, error: DomainError) -> str | None:
    """The chat's words for a refusal that mending the form cannot help: someone was first,
    the payment moved or is no longer owed. None for any other."""
    texts = _texts(request, actor)
    tz = config_of(request).context.clock.tz
    if isinstance(error, AlreadyConfirmed):
        return texts.already_confirmed(error.by_name, _when(error.at, tz))
    if isinstance(error, AlreadyAccepted):
        return texts.already_accepted(error.by_name, _when(error.at, tz))
    if isinstance(error, PaymentChanged):
        return texts.payment_changed
    if isinstance(error, PaymentRefused) and error.reason == "not_owed":
        return texts.payment_refused(error.reason, None)
    return None


def _mendable(request: web.Request, actor: Actor, error: DomainError) -> str | None:
    """The chat's words for a refusal of what was typed (more than owed or handed over, zero, a
    date ahead, a comment missing or too long). None for any other."""
    texts = _texts(request, actor)
    if isinstance(error, PaymentRefused):
        remaining = error.remaining if isinstance(error.remaining, Money) else None
        return texts.payment_refused(error.reason, remaining)
    if isinstance(error, HandoverRefused):
        handed = error.handed if isinstance(error.handed, Money) else None
        return texts.handover_refused(error.reason, handed)
    if isinstance(error, TextTooLong):
        return texts.text_too_long(error.limit)
    return None


def _refused(
    request: web.Request, actor: Actor, error: DomainError, anchor: str
) -> web.HTTPException:
    """A refusal the form cannot mend, said on the page the redirect shows. One this page has
    no words for is a bug: it propagates."""
    words = _conflict(request, actor, error) or _mendable(request, actor, error)
    if words is None:
        raise error
    return _done(request, "refused", words, anchor)


async def _mend(
    request: web.Request,
    services: Services,
    actor: Actor,
    form: str,
    *,
    words: str | None = None,
    code: str = "",
    **typed: str,
) -> web.Response:
    """The page again, nothing changed: the form open with what was typed and why not."""
    # The chat's words are its HTML (names escaped): safe as markup.
    said = Markup(words) if words is not None else None
    problem = Problem(form, said, code, {key: value[:200] for key, value in typed.items()})
    return await _render(request, services, actor, status=400, problem=problem)


def _amount_code(error: AmountError) -> str:
    if error.problem in (AmountProblem.ZERO, AmountProblem.NEGATIVE):
        return "amount_not_positive"
    if error.problem in (AmountProblem.EMPTY, AmountProblem.TOO_PRECISE, AmountProblem.TOO_LARGE):
        return f"amount_{error.problem.value}"
    return "amount"


def _date_code(error: DateError) -> str:
    if error.problem in (DateProblem.FUTURE, DateProblem.TOO_OLD):
        return f"date_{error.problem.value}"
    return "date"


# -- what a form names ------------------------------------------------------------------------

_NOT_THEIRS = (NotFound, NotAllowed, NotYours)


def _missing(request: web.Request, actor: Actor) -> web.HTTPException:
    return refused(request, actor, "missing", status=404)


def _ident(request: web.Request, actor: Actor, name: str) -> int:
    raw = request.match_info[name]
    if not raw.isdigit() or len(raw) > 18 or not 0 < int(raw) < _MAX_ID:
        raise _missing(request, actor)
    return int(raw)


async def _form(request: web.Request) -> dict[str, str]:
    posted = await request.post()
    form = {key: value for key, value in posted.items() if isinstance(value, str)}
    request[FORM] = form
    return form


def _version(request: web.Request, actor: Actor, form: dict[str, str], anchor: str) -> int:
    """The payment's version as the form showed it; a form without one is stale."""
    raw = form.get("version", "")
    if not raw.isdigit() or len(raw) > 9:
        raise _refused(request, actor, PaymentChanged(), anchor)
    return int(raw)


async def _payment(
    request: web.Request, services: Services, actor: Actor, payment_id: int, *, cash: bool
) -> PaymentLine:
    """The payment, if it is of the section the form is in and the viewer confirms its kind."""
    try:
        line = await services.confirmations.line(payment_id)
    except NotFound:
        raise _missing(request, actor) from None
    if (line.kind is PaymentKind.CASH) != cash or not actor.has_any(confirmers(line.kind)):
        raise _missing(request, actor)
    return line


async def _handover(request: web.Request, services: Services, actor: Actor) -> Handover:
    handover_id = _ident(request, actor, "handover_id")
    if not actor.has_any(CASH_CONFIRMERS):
        raise _missing(request, actor)
    try:
        return await services.cash.handover(actor, handover_id)
    except _NOT_THEIRS:
        raise _missing(request, actor) from None


def _closed(request: web.Request, handover: Handover) -> AlreadyAccepted | None:
    if handover.status is HandoverStatus.OPEN:
        return None
    at = handover.accepted_at or config_of(request).context.clock.now()
    return AlreadyAccepted(handover.accepted_by or "—", at)


# -- cash -----------------------------------------------------------------------------------


async def accept_payment(request: web.Request) -> web.StreamResponse:
    """One cash payment, all it still owes (the manager simply brought it): /pending's ✅."""
    async with unit(request) as services:
        actor = await require(request, services, ROLES)
        payment_id = _ident(request, actor, "payment_id")
        form = await _form(request)
        await _payment(request, services, actor, payment_id, cash=True)
        version = _version(request, actor, form, "cash")
        try:
            confirmation = await services.cash.accept_cash(actor, payment_id, version=version)
        except _NOT_THEIRS:
            raise _missing(request, actor) from None
        except DomainError as error:
            raise _refused(request, actor, error, "cash") from None
    raise _done(request, "ok", _texts(request, actor).cash_accepted(confirmation), "cash")


async def accept_manager(request: web.Request) -> web.StreamResponse:
    """All of one manager's cash as it was shown (the form names the payments): "принять всё
    у …". Payments someone confirmed first are counted, not an error."""
    async with unit(request) as services:
        actor = await require(request, services, ROLES)
        if not actor.has_any(CASH_CONFIRMERS):
            raise _missing(request, actor)
        await _form(request)
        posted = await request.post()
        raw = [value for value in posted.getall("payment", []) if isinstance(value, str)]
        if not raw or not all(value.isdigit() and 0 < len(value) <= 18 for value in raw):
            raise _missing(request, actor)
        ids = list(dict.fromkeys(int(value) for value in raw))
        for payment_id in ids:
            await _payment(request, services, actor, payment_id, cash=True)
        try:
            accepted = await services.cash.accept_payments(actor, ids)
        except _NOT_THEIRS:
            raise _missing(request, actor) from None
        if not accepted.confirmed:  # someone was first (who, and when), or none is owed now
            line = await services.confirmations.line(accepted.skipped[0])
            first: DomainError = (
                await services.confirmations.who_confirmed(line.payment_id)
                if line.remaining.is_zero
                else PaymentRefused("not_owed")
            )
            raise _refused(request, actor, first, "cash")
    raise _done(request, "ok", _texts(request, actor).cash_accepted_many(accepted), "cash")


async def accept_handover(request: web.Request) -> web.StreamResponse:
    """A hand-over, all of it: "✅ Принять всё" on its card."""
    async with unit(request) as services:
        actor = await require(request, services, ROLES)
        handover = await _handover(request, services, actor)
        await _form(request)
        try:
            done = await services.cash.accept_handover(actor, handover.id)
        except _NOT_THEIRS:
            raise _missing(request, actor) from None
        except DomainError as error:
            raise _refused(request, actor, error, "handovers") from None
    raise _done(request, "ok", _texts(request, actor).handover_accepted(done), "handovers")


async def accept_item(request: web.Request) -> web.StreamResponse:
    """One payment of a hand-over; the last one closes it."""
    async with unit(request) as services:
        actor = await require(request, services, ROLES)
        handover = await _handover(request, services, actor)
        payment_id = _ident(request, actor, "payment_id")
        if payment_id not in {item.payment.payment_id for item in handover.items}:
            raise _missing(request, actor)
        await _form(request)
        try:
            confirmation = await services.cash.accept_item(actor, handover.id, payment_id)
        except _NOT_THEIRS:
            raise _missing(request, actor) from None
        except DomainError as error:
            raise _refused(request, actor, error, "handovers") from None
    raise _done(request, "ok", _texts(request, actor).cash_accepted(confirmation), "handovers")


async def accept_less(request: web.Request) -> web.StreamResponse:
    """ "Получено меньше": the amount that really arrived, read as the chat reads it; that
    much is confirmed, oldest payments first, the rest stays on the manager."""
    async with unit(request) as services:
        actor = await require(request, services, ROLES)
        handover = await _handover(request, services, actor)
        form = await _form(request)
        closed = _closed(request, handover)
        if closed is not None:
            raise _refused(request, actor, closed, "handovers")
        typed = form.get("amount", "")
        mend = f"less-{handover.id}"
        try:
            received = parse_amount(typed, currency=handover.total.currency)
        except AmountError as error:
            return await _mend(
                request, services, actor, mend, code=_amount_code(error), amount=typed
            )
        try:
            done = await services.cash.accept_less(actor, handover.id, received)
        except _NOT_THEIRS:
            raise _missing(request, actor) from None
        except DomainError as error:
            words = _mendable(request, actor, error)
            if words is None:
                raise _refused(request, actor, error, "handovers") from None
            return await _mend(request, services, actor, mend, words=words, amount=typed)
    raise _done(request, "ok", _texts(request, actor).handover_accepted(done), "handovers")


# -- bank -----------------------------------------------------------------------------------


async def confirm_bank(request: web.Request) -> web.StreamResponse:
    """ "Поступило": on a date (today unless said; never ahead), all the payment still owes or,
    partly, a smaller amount read as the chat reads it; the rest stays expected."""
    async with unit(request) as services:
        actor = await require(request, services, ROLES)
        payment_id = _ident(request, actor, "payment_id")
        form = await _form(request)
        line = await _payment(request, services, actor, payment_id, cash=False)
        version = _version(request, actor, form, "bank")
        typed_day, typed_amount = form.get("day", "").strip(), form.get("amount", "").strip()
        typed = {"day": typed_day, "amount": typed_amount}
        mend = f"bank-{payment_id}"
        today = config_of(request).context.clock.today()
        try:
            day = parse_date(typed_day, today=today) if typed_day else today
        except DateError as error:
            return await _mend(request, services, actor, mend, code=_date_code(error), **typed)
        try:
            amount = (
                parse_amount(typed_amount, currency=line.amount.currency) if typed_amount else None
            )
        except AmountError as error:
            return await _mend(request, services, actor, mend, code=_amount_code(error), **typed)
        try:
            confirmation = await services.confirmations.confirm(
                actor, payment_id, amount=amount, on=day, source=Source.ACCOUNTANT, version=version
            )
        except _NOT_THEIRS:
            raise _missing(request, actor) from None
        except DomainError as error:
            words = _mendable(request, actor, error) if _conflict_of(error) is None else None
            if words is None:
                raise _refused(request, actor, error, "bank") from None
            return await _mend(request, services, actor, mend, words=words, **typed)
    # The chat's words but its last line ("/bank — what else is expected"): this page is that.
    said = _texts(request, actor).bank_confirmed(confirmation).split("\n")[0]
    raise _done(request, "ok", said, "bank")


async def not_received(request: web.Request) -> web.StreamResponse:
    """ "Не поступило" with a comment the owner is sent; the payment stays expected. The same
    comment again changes nothing (the ledger's rule)."""
    async with unit(request) as services:
        actor = await require(request, services, ROLES)
        payment_id = _ident(request, actor, "payment_id")
        form = await _form(request)
        await _payment(request, services, actor, payment_id, cash=False)
        comment = form.get("comment", "")
        try:
            line = await services.confirmations.not_received(actor, payment_id, comment)
        except _NOT_THEIRS:
            raise _missing(request, actor) from None
        except DomainError as error:
            words = _mendable(request, actor, error) if _conflict_of(error) is None else None
            if words is None:
                raise _refused(request, actor, error, "bank") from None
            mend = f"missing-{payment_id}"
            return await _mend(request, services, actor, mend, words=words, comment=comment)
    said = _texts(request, actor).bank_not_received_saved(line)
    raise _done(request, "ok", said, "bank")


def _conflict_of(error: DomainError) -> DomainError | None:
    """The error if it is one mending the form cannot help."""
    if isinstance(error, AlreadyConfirmed | AlreadyAccepted | PaymentChanged):
        return error
    if isinstance(error, PaymentRefused) and error.reason == "not_owed":
        return error
    return None


def add_routes(router: web.UrlDispatcher) -> None:
    router.add_get("/confirmations", confirmations_page)
    router.add_post("/confirmations/cash/accept", accept_manager)
    router.add_post("/confirmations/cash/{payment_id}/accept", accept_payment)
    router.add_post("/confirmations/handover/{handover_id}/accept", accept_handover)
    router.add_post("/confirmations/handover/{handover_id}/item/{payment_id}/accept", accept_item)
    router.add_post("/confirmations/handover/{handover_id}/less", accept_less)
    router.add_post("/confirmations/bank/{payment_id}/confirm", confirm_bank)
    router.add_post("/confirmations/bank/{payment_id}/not-received", not_received)


__all__ = ["ROLES", "SECTION", "add_routes", "totals"]
