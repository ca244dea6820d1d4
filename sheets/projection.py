"""What the workbook shows, as plain typed rows read from the database.

The layout (`sheets.layout`) renders these rows for both outputs (XLSX and Google Sheets), so
they carry domain values only: Decimal rubles, dates, names. `load_projection` is the one place
that reads the database; when deals, cash hand-overs and payment requests get their tables, they
are loaded here and nothing downstream changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ledger.deals import DealState, PaymentStatus
from ledger.money import Money
from ledger.storage.models import CategoryRow, DealRow, EntryRow, ExpectedPaymentRow, UserRow

INCOME, EXPENSE, REVERSAL = "income", "expense", "reversal"
CASH = "cash"  # the payment kind `[amocrm.payment_types]` maps cash to


@dataclass(frozen=True, slots=True)
class LedgerRow:
    """One ledger entry. `amount` is signed: income +, expense −, a reversal the opposite
    of the entry it reverses (so summing a category or a month needs no special case).
    """

    entry_id: int
    entry_date: date
    kind: str
    category: str
    amount: Decimal
    author: str
    deal: str | None = None
    contract: str | None = None
    manager: str | None = None
    product: str | None = None
    salon: str | None = None
    city: str | None = None
    counterparty: str | None = None
    comment: str | None = None
    reverses_entry_id: int | None = None

    @property
    def month(self) -> str:
        """ "YYYY-MM": the month the entry counts in (cash basis: its own date)."""
        return f"{self.entry_date.year:04d}-{self.entry_date.month:02d}"


@dataclass(frozen=True, slots=True)
class CashHeldRow:
    """Cash a manager has taken for a deal and not yet handed over, since `since`."""

    manager: str
    deal: str | None
    contract: str | None
    amount: Decimal
    since: date


@dataclass(frozen=True, slots=True)
class RequestRow:
    """A payment request; `status` is its code (draft, submitted, approved, paid, …)."""

    request_id: int
    created: date
    requester: str
    deal: str | None
    counterparty: str | None
    purpose: str
    amount: Decimal
    due: date | None
    status: str


@dataclass(frozen=True, slots=True)
class Projection:
    """Everything the workbook shows; `expense_categories` in the order «Прибыль» lists them."""

    ledger: list[LedgerRow]
    expense_categories: list[str]
    cash_held: list[CashHeldRow] = field(default_factory=list)
    requests: list[RequestRow] = field(default_factory=list)


def month_bounds(month: str) -> tuple[date, date]:
    """The first day of "YYYY-MM" and the first day of the month after it."""
    year, number = (int(part) for part in month.split("-"))
    first = date(year, number, 1)
    return first, date(year + (number == 12), number % 12 + 1, 1)


async def load_projection(session: AsyncSession, month: str | None = None) -> Projection:
    """The whole projection; `month` ("YYYY-MM") keeps the ledger to one month.

    Cash held and requests are "now" figures, so the month does not filter them.
    """
    ledger = await _load_ledger(session, month)
    return Projection(
        ledger=ledger,
        expense_categories=await _load_categories(session, ledger),
        cash_held=await _load_cash_held(session),
        requests=await _load_requests(session),
    )


async def _load_ledger(session: AsyncSession, month: str | None) -> list[LedgerRow]:
    """Entries in posting order, read as plain columns (100,000 ORM objects would be slow)."""
    query = (
        select(
            EntryRow.id,
            EntryRow.entry_date,
            EntryRow.kind,
            CategoryRow.name,
            EntryRow.amount_minor,
            EntryRow.currency,
            UserRow.name,
            EntryRow.salon,
            EntryRow.city,
            EntryRow.description,
            EntryRow.comment,
            EntryRow.reverses_entry_id,
        )
        .join(CategoryRow, CategoryRow.id == EntryRow.category_id)
        .join(UserRow, UserRow.id == EntryRow.created_by)
        .order_by(EntryRow.id)
    )
    if month is not None:
        first, after = month_bounds(month)
        query = query.where(EntryRow.entry_date >= first, EntryRow.entry_date < after)
    result = await session.execute(query)
    return [
        LedgerRow(
            entry_id=entry_id,
            entry_date=entry_date,
            kind=kind,
            category=category,
            amount=Money.from_minor_units(amount_minor, currency).amount,
            author=author,
            salon=salon,
            city=city,
            comment=_comment(description, comment),
            reverses_entry_id=reverses,
        )
        for (
            entry_id,
            entry_date,
            kind,
            category,
            amount_minor,
            currency,
            author,
            salon,
            city,
            description,
            comment,
            reverses,
        ) in result
    ]


def _comment(description: str | None, comment: str | None) -> str | None:
    """The owner's words ("такси до офиса") and their comment, as one cell."""
    parts = [part for part in (description, comment) if part]
    return " — ".join(parts) or None


async def _load_categories(session: AsyncSession, ledger: list[LedgerRow]) -> list[str]:
    """Active categories in the owner's order, then retired ones the loaded entries still use."""
    rows = await session.execute(
        select(CategoryRow.name, CategoryRow.is_active).order_by(
            CategoryRow.position, CategoryRow.id
        )
    )
    used = {row.category for row in ledger if row.kind != INCOME}
    return [name for name, is_active in rows if is_active or name in used]


async def _load_cash_held(session: AsyncSession) -> list[CashHeldRow]:
    """Cash payments of closed deals not yet confirmed: until the cashier confirms them, the
    money is held by the deal's manager (DESIGN.md, "The money flows").

    Short hand-overs (part of a payment still on the manager) extend this when cash
    confirmation lands. `since` is the payment's date if the CRM gave one, else the day we
    learnt of it (UTC).
    """
    rows = await session.execute(
        select(
            DealRow.manager,
            DealRow.name,
            DealRow.contract,
            ExpectedPaymentRow.amount_minor,
            ExpectedPaymentRow.currency,
            ExpectedPaymentRow.due_date,
            ExpectedPaymentRow.created_at,
        )
        .join(DealRow, DealRow.id == ExpectedPaymentRow.deal_id)
        .where(
            ExpectedPaymentRow.kind == CASH,
            ExpectedPaymentRow.status == PaymentStatus.EXPECTED.value,
            DealRow.state == DealState.CLOSED.value,
        )
        .order_by(ExpectedPaymentRow.id)
    )
    return [
        CashHeldRow(
            manager=manager or "—",
            deal=deal,
            contract=contract,
            amount=Money.from_minor_units(amount_minor, currency).amount,
            since=due or created_at.date(),
        )
        for manager, deal, contract, amount_minor, currency, due, created_at in rows
    ]


async def _load_requests(session: AsyncSession) -> list[RequestRow]:
    """Payment requests: empty until they have their table."""
    return []
