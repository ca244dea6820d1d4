"""What the request services return: plain values, read in one query per list.

A `RequestView` is a request as everyone who may see it sees it; a `RequestCard` adds its
decisions and payments; a `RegistryPage` is one page of a list with the list's size and its
totals (by currency), shaped for the bot's pages.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from ledger.journal import MoneyAccount
from ledger.money import Money
from ledger.requests.files import StoredFile, stored
from ledger.requests.states import Decision, RequestStatus, VatMode
from ledger.storage.models import (
    CategoryRow,
    DealRow,
    PaymentRequestRow,
    RequestPaymentRow,
    UserRow,
)

# What submitting needs filled, in the order the form asks for it.
REQUIRED = (
    "what_for",
    "counterparty",
    "amount",
    "pay_by",
    "bank_details",
    "purpose",
    "vat",
    "deal_or_category",
)


@dataclass(frozen=True, slots=True)
class Counterparty:
    """A counterparty as remembered (id) or as a request names it (id None: not yet)."""

    id: int | None
    name: str
    inn: str
    kpp: str | None
    bik: str | None = None
    account: str | None = None
    corr_account: str | None = None
    bank_name: str | None = None


@dataclass(frozen=True, slots=True)
class RequestView:
    id: int
    version: int  # a button carries it: it acts only on the request as it was shown
    status: RequestStatus
    step: int  # the approval step it waits for, of `steps`
    steps: int
    requester_id: int
    requester: str
    what_for: str | None
    counterparty: Counterparty | None
    amount: Money | None
    paid: Money  # in the request's currency
    paid_rubles: Money  # what the ledger was charged
    pay_by: date | None
    purpose: str | None
    vat_mode: VatMode | None
    vat: Money | None
    invoice: StoredFile | None
    deal_id: int | None
    deal: str | None
    contract: str | None
    category_id: int | None
    category: str | None
    salon: str | None
    city: str | None
    created_at: datetime
    updated_at: datetime
    submitted_at: datetime | None
    approved_at: datetime | None
    moved_by: str | None
    moved_at: datetime | None
    # Sent to the bank in a file of payment orders (`ledger.bank_orders`): when, and the
    # order's number the statement's debit will carry. Still approved until it is paid.
    sent_at: datetime | None = None
    order_number: int | None = None

    @property
    def currency(self) -> str:
        return self.paid.currency

    @property
    def remaining(self) -> Money | None:
        """What is left to pay (None while the amount is not filled)."""
        return None if self.amount is None else self.amount - self.paid

    @property
    def missing(self) -> tuple[str, ...]:
        """What submitting still needs (`REQUIRED`'s names)."""
        cp = self.counterparty
        filled = {
            "what_for": bool(self.what_for),
            "counterparty": cp is not None and bool(cp.name and cp.inn),
            "amount": self.amount is not None,
            "pay_by": self.pay_by is not None,
            "bank_details": cp is not None and bool(cp.bik and cp.account and cp.corr_account),
            "purpose": bool(self.purpose),
            "vat": self.vat_mode is not None,
            "deal_or_category": self.deal_id is not None or self.category_id is not None,
        }
        return tuple(name for name in REQUIRED if not filled[name])

    def is_overdue(self, today: date) -> bool:
        return (
            self.pay_by is not None
            and self.pay_by < today
            and self.status
            in (RequestStatus.SUBMITTED, RequestStatus.APPROVED, RequestStatus.PARTLY_PAID)
        )


@dataclass(frozen=True, slots=True)
class Approval:
    step: int
    approver: str | None  # None: approved by rule (below the mapped amount)
    decision: Decision
    reason: str | None
    at: datetime


@dataclass(frozen=True, slots=True)
class RequestPayment:
    id: int
    request_id: int
    paid_on: date
    amount: Money  # in the request's currency
    rubles: Money  # what the ledger was charged
    account: MoneyAccount
    entry_id: int
    order: StoredFile | None
    by_name: str
    at: datetime


@dataclass(frozen=True, slots=True)
class RequestCard:
    request: RequestView
    approvals: tuple[Approval, ...]
    payments: tuple[RequestPayment, ...]
    comments: int  # how many; `RequestService.comments` lists them


@dataclass(frozen=True, slots=True)
class Comment:
    id: int
    by_name: str
    at: datetime
    text: str


@dataclass(frozen=True, slots=True)
class HistoryLine:
    at: datetime
    by_name: str | None  # None: by rule (an approval below the mapped amount)
    action: str  # "created", "edited", or the status moved to ("submitted", "approved"…)
    field: str | None = None  # an edit's field
    old: str | None = None  # a field's value before, or the status moved from
    new: str | None = None
    note: str | None = None  # a reason, a comment, "step 1 of 2"


@dataclass(frozen=True, slots=True)
class RegistryPage:
    """One page of a list of requests, the list's size, and its totals by currency: what is
    left to pay of payable requests, the amounts of any others."""

    rows: tuple[RequestView, ...]
    total: int
    totals: tuple[Money, ...]
    page: int  # from 0
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_previous(self) -> bool:
        return self.page > 0

    @property
    def has_next(self) -> bool:
        return self.page + 1 < self.pages


_Mover = aliased(UserRow)


def views_query() -> Select:
    return (
        select(
            PaymentRequestRow,
            UserRow.name,
            DealRow.name,
            DealRow.contract,
            CategoryRow.name,
            _Mover.name,
        )
        .join(UserRow, UserRow.id == PaymentRequestRow.requester_id)
        .outerjoin(DealRow, DealRow.id == PaymentRequestRow.deal_id)
        .outerjoin(CategoryRow, CategoryRow.id == PaymentRequestRow.category_id)
        .outerjoin(_Mover, _Mover.id == PaymentRequestRow.moved_by)
        .execution_options(populate_existing=True)
    )


async def load_views(session: AsyncSession, ids: Sequence[int]) -> list[RequestView]:
    """The requests of `ids`, in that order (those that do not exist left out)."""
    if not ids:
        return []
    rows = await session.execute(views_query().where(PaymentRequestRow.id.in_(list(ids))))
    found = {row[0].id: view(*row) for row in rows}
    return [found[ident] for ident in ids if ident in found]


def view(
    row: PaymentRequestRow,
    requester: str,
    deal: str | None,
    contract: str | None,
    category: str | None,
    moved_by: str | None,
) -> RequestView:
    currency = row.currency
    counterparty = None
    if any((row.counterparty_name, row.counterparty_inn, row.bik, row.account)):
        counterparty = Counterparty(
            id=row.counterparty_id,
            name=row.counterparty_name or "",
            inn=row.counterparty_inn or "",
            kpp=row.counterparty_kpp,
            bik=row.bik,
            account=row.account,
            corr_account=row.corr_account,
            bank_name=row.bank_name,
        )
    return RequestView(
        id=row.id,
        version=row.version,
        status=RequestStatus(row.status),
        step=row.step,
        steps=row.steps,
        requester_id=row.requester_id,
        requester=requester,
        what_for=row.what_for,
        counterparty=counterparty,
        amount=_money(row.amount_minor, currency),
        paid=Money.from_minor_units(row.paid_minor or 0, currency),
        paid_rubles=Money.from_minor_units(row.paid_rub_minor or 0),
        pay_by=row.pay_by,
        purpose=row.purpose,
        vat_mode=VatMode(row.vat_mode) if row.vat_mode else None,
        vat=_money(row.vat_minor, currency),
        invoice=stored(
            row.invoice_file_id,
            row.invoice_kind,
            row.invoice_type,
            row.invoice_size,
            row.invoice_sha256,
            row.invoice_name,
        ),
        deal_id=row.deal_id,
        deal=deal,
        contract=contract,
        category_id=row.category_id,
        category=category,
        salon=row.salon,
        city=row.city,
        created_at=row.created_at,
        updated_at=row.updated_at,
        submitted_at=row.submitted_at,
        approved_at=row.approved_at,
        moved_by=moved_by,
        moved_at=row.moved_at,
        sent_at=row.sent_at,
        order_number=row.order_number,
    )


def _money(minor: int | None, currency: str) -> Money | None:
    return None if minor is None else Money.from_minor_units(minor, currency)


def payment_view(row: RequestPaymentRow, by_name: str) -> RequestPayment:
    return RequestPayment(
        id=row.id,
        request_id=row.request_id,
        paid_on=row.paid_on,
        amount=Money.from_minor_units(row.amount_minor, row.currency),
        rubles=Money.from_minor_units(row.rub_minor),
        account=MoneyAccount(row.account),
        entry_id=row.entry_id,
        order=stored(
            row.order_file_id,
            row.order_kind,
            row.order_type,
            row.order_size,
            row.order_sha256,
            row.order_name,
        ),
        by_name=by_name,
        at=row.created_at,
    )


@dataclass(frozen=True, slots=True)
class Abilities:
    """What one person may do with a request as it is now: the buttons their card shows (the
    services still refuse whatever a forged button asks)."""

    decide: bool  # approve, reject, return: it waits at a step they approve
    # It waits at a step they would approve, but it is their own and the mappings forbid
    # approving one's own: their card says so instead of showing the buttons.
    own: bool
    pay: bool  # it is to pay (what is left of it), and they pay
    waiting_for: tuple[str, ...]  # while submitted, who approves its step (empty: the owners)
    # Their own draft, or their own request returned for rework: to fix and send (again).
    edit: bool = False
