"""What the requester's form needs beside `RequestService`: reading what was typed with
/request and as an amount, what an invoice offers (with what is remembered of its supplier),
applying it in one edit, and what still stops a draft from being sent (the deals a request
may be for are the service's: `deal_by_contract`, `own_deals`).

The form asks its questions in `FORM_ORDER`; `REQUIRED` (`ledger.requests.views`) are the
ones submitting needs. Applying an offer is one edit of the service's: all of it, checked,
or nothing.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from ledger.amounts import AmountError, AmountProblem, extract_amount, parse_amount
from ledger.clock import Clock
from ledger.errors import DomainError, NotYours, RequestRefused
from ledger.invoices import InvoiceReading
from ledger.journal import EntryKind
from ledger.money import Money
from ledger.requests import counterparties
from ledger.requests.access import FILERS
from ledger.requests.details import check_details, normalised
from ledger.requests.offer import InvoiceOffer, Option, Origin, offer_from
from ledger.requests.service import RequestService, moved_error
from ledger.requests.states import EDITABLE, RequestStatus, VatMode
from ledger.requests.views import RequestView
from ledger.roles import Actor
from ledger.storage.models import CategoryRow, PaymentRequestRow
from ledger.storage.uow import UnitOfWork

# The form's parts in the order it asks them: the required ones (`REQUIRED`) and the two
# it may do without (the invoice file, the salon and city).
FORM_ORDER = (
    "what_for",
    "counterparty",
    "amount",
    "pay_by",
    "bank_details",
    "purpose",
    "vat",
    "invoice",
    "deal_or_category",
    "place",
)

_CURRENCIES = {
    "USD": r"\$|usd|долл(?:\.|ар(?:ов|а|ы)?)?",
    "EUR": r"€|eur|евро",
    "CNY": r"¥|cny|юан(?:ей|я|ь|и)?",
}
_CURRENCY_RE = {
    code: (
        re.compile(rf"^(?:{words})\s*(?P<rest>.+)$", re.IGNORECASE),
        re.compile(rf"^(?P<rest>.+?)\s*(?:{words})$", re.IGNORECASE),
    )
    for code, words in _CURRENCIES.items()
}


@dataclass(frozen=True, slots=True)
class LineReading:
    """What `/request 5000 поставщику` said: the amount, the rest as what it is for."""

    amount: Money | None
    what_for: str | None


@dataclass(frozen=True, slots=True)
class Blocker:
    """One thing that stops a draft from being sent: a part still `missing`, a detail that
    fails its check (`field`, `reason` as `ledger.requests.details` names them), a date
    already past, a VAT not less than the amount."""

    kind: str  # "missing", "detail", "past_date", "vat"
    field: str
    reason: str | None = None


def read_amount(text: str, *, limit: Money | None = None) -> Money:
    """An amount as typed, in rubles unless a currency is named: "15 000,50", "1500 USD",
    "$120", "300 евро". Raises `AmountError` as `parse_amount` does."""
    cleaned = " ".join(text.split())
    for code, patterns in _CURRENCY_RE.items():
        for pattern in patterns:
            match = pattern.fullmatch(cleaned)
            if match is not None:
                return _limited(parse_amount(match["rest"], currency=code), limit)
    return _limited(parse_amount(cleaned), limit)


def _limited(amount: Money, limit: Money | None) -> Money:
    if limit is not None and amount.currency == limit.currency and amount > limit:
        raise AmountError(AmountProblem.TOO_LARGE, limit=limit.amount)
    return amount


def read_line(text: str) -> LineReading:
    """`/request`'s words: an amount if one is there (the rest is what it is for), else all
    of it as what it is for. Nothing is guessed: what was read is shown for the person to
    see."""
    cleaned = " ".join(text.split())
    if not cleaned:
        return LineReading(None, None)
    try:
        amount, rest = extract_amount(cleaned)
    except AmountError:
        return LineReading(None, cleaned)
    if amount.amount <= 0:
        return LineReading(None, cleaned)
    return LineReading(amount, rest or None)


def blockers(request: RequestView, today: date) -> tuple[Blocker, ...]:
    """What stops `request` from being sent now, in the form's order: the submission's own
    checks, said all at once."""
    found = [Blocker("missing", name) for name in request.missing]
    cp = request.counterparty
    if cp is not None:
        problems = check_details(
            inn=cp.inn or None,
            kpp=cp.kpp,
            bik=cp.bik,
            account=cp.account,
            corr_account=cp.corr_account,
        )
        found += [Blocker("detail", p.field, p.reason) for p in problems]
    if request.pay_by is not None and request.pay_by < today:
        found.append(Blocker("past_date", "pay_by"))
    if (
        request.vat_mode is VatMode.WITH_VAT
        and request.amount is not None
        and (request.vat is None or request.vat >= request.amount)
    ):
        found.append(Blocker("vat", "vat"))
    return tuple(found)


class RequestFiling:
    def __init__(self, uow: UnitOfWork, clock: Clock, requests: RequestService) -> None:
        self._uow = uow
        self._session = uow.session
        self._clock = clock
        self._requests = requests

    async def open_draft(self, actor: Actor) -> RequestView | None:
        """The actor's latest draft still to fill, if any (returned ones are reopened from
        their card, where the comment is)."""
        actor.require(*FILERS)
        for request in await self._requests.drafts(actor):
            if request.status is RequestStatus.DRAFT:
                return request
        return None

    async def editable(self, actor: Actor, request_id: int, version: int | None) -> RequestView:
        """The request, if the actor may still fill it as they saw it (`version`, a button's):
        else `NotYours`, `RequestMoved` (a button drawn before a change or a submission: who
        made it, when) or `RequestRefused("not_editable")`."""
        request = await self._requests.get(actor, request_id)
        if request.requester_id != actor.user_id and not actor.is_owner:
            raise NotYours
        actor.require(*FILERS)
        if version is not None and (request.status not in EDITABLE or request.version != version):
            raise await self._moved(request_id)  # a button drawn before: who moved it, when
        if request.status not in EDITABLE:
            raise RequestRefused("not_editable", status=request.status.value)
        return request

    async def offer(
        self, actor: Actor, reading: InvoiceReading, request: RequestView
    ) -> InvoiceOffer:
        """What the invoice offers for `request`, with what is remembered of its supplier:
        a known counterparty's name and bank details where the invoice has none, and the
        actor's last request to it (what for, the category, salon and city) where the draft
        has none yet."""
        actor.require(*FILERS)
        offer = offer_from(reading)
        inn = offer.value("inn")
        if inn is None:
            return offer
        known = await counterparties.find(self._session, normalised(inn), offer.value("kpp"))
        if known is not None:
            for name, value in (
                ("name", known.name),
                ("kpp", known.kpp),
                ("bik", known.bik),
                ("account", known.account),
                ("corr_account", known.corr_account),
                ("bank_name", known.bank_name),
            ):
                if value:
                    offer = offer.adding(name, Option(value, (Origin.KNOWN,)))
        previous = await self._previous(actor, inn)
        if previous is not None:
            if not request.what_for and previous.what_for:
                offer = offer.adding("what_for", Option(previous.what_for, (Origin.PREVIOUS,)))
            if request.deal_id is None and request.category_id is None and previous.category_id:
                category = await self._session.get(CategoryRow, previous.category_id)
                if category is not None and category.is_active:
                    shown = category.name
                    place = f"{previous.salon or ''}|{previous.city or ''}"
                    offer = offer.adding(
                        "category",
                        Option(str(category.id), (Origin.PREVIOUS,), shown=shown),
                    )
                    if place != "|":
                        offer = offer.adding("place", Option(place, (Origin.PREVIOUS,)))
        return offer

    async def apply(
        self,
        actor: Actor,
        request_id: int,
        offer: InvoiceOffer,
        *,
        version: int,
        leave_out: Collection[str] = (),
    ) -> RequestView:
        """Fill the request with what the person confirmed of `offer` (but the parts in
        `leave_out`), in one edit: all of it, or nothing."""
        return await self._requests.edit(
            actor, request_id, *offer.edits(leave_out), version=version
        )

    async def expense_category(self, category_id: int) -> str | None:
        """An active expense category's name (None: no such category to file under)."""
        row = await self._session.get(CategoryRow, category_id)
        if row is None or not row.is_active or row.kind != EntryKind.EXPENSE.value:
            return None
        return row.name

    async def _previous(self, actor: Actor, inn: str) -> PaymentRequestRow | None:
        return await self._session.scalar(
            select(PaymentRequestRow)
            .where(
                PaymentRequestRow.requester_id == actor.user_id,
                PaymentRequestRow.counterparty_inn == normalised(inn),
                PaymentRequestRow.submitted_at.is_not(None),
            )
            .order_by(PaymentRequestRow.submitted_at.desc(), PaymentRequestRow.id.desc())
            .limit(1)
        )

    async def _moved(self, request_id: int) -> DomainError:
        row = await self._session.get(PaymentRequestRow, request_id, populate_existing=True)
        assert row is not None
        return await moved_error(self._session, row)
