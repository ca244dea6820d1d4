"""What the workbook shows, as plain typed rows read from the database.

The layout (`sheets.layout`) renders these rows for both outputs (XLSX and Google Sheets), so
they carry domain values only: Decimal rubles, dates, names. `load_projection` is the one place
that reads the database.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import Row, Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ledger.categories import Resolution, resolution
from ledger.journal import EntryKind
from ledger.money import Money
from ledger.payments import held_by_manager, remaining_minor
from ledger.profit import distinct as distinct_values
from ledger.storage.models import (
    CategoryRow,
    DealRow,
    EntryRow,
    ExpectedPaymentRow,
    PaymentRequestRow,
    SheetRowRow,
    UserRow,
)


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
    has_receipt: bool = False

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
    """A payment request; `status` is its code (draft, submitted, approved, paid, …).

    `amount` is in the request's `currency` (None: a draft not yet given one); `paid` is the
    rubles paid so far, what its expense entries took from «Прибыль».
    """

    request_id: int
    created: date
    requester: str
    deal: str | None
    counterparty: str | None
    purpose: str
    amount: Decimal | None
    due: date | None
    status: str
    currency: str = "RUB"
    paid: Decimal = Decimal(0)
    category: str | None = None


@dataclass(frozen=True, slots=True)
class Projection:
    """Everything the workbook shows; `expense_categories` in the order «Прибыль» lists them."""

    ledger: list[LedgerRow]
    expense_categories: list[str]
    cash_held: list[CashHeldRow] = field(default_factory=list)
    requests: list[RequestRow] = field(default_factory=list)
    # The category «Маркетинг и оборот» charts (a property of the category, not its name).
    marketing_category: str | None = None


@dataclass(frozen=True, slots=True)
class LedgerShape:
    """What the summary sheets need to know of the ledger without its rows: the span of its
    dates and each dimension's distinct values (by `LedgerRow` field name). The sync worker
    reads it with a few SQL aggregates instead of loading every entry.
    """

    first: date | None = None
    last: date | None = None
    distinct: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


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
        expense_categories=await _load_categories(
            session, {row.category for row in ledger if row.kind != EntryKind.INCOME}
        ),
        marketing_category=await _marketing_category(session),
        cash_held=await _load_cash_held(session),
        requests=await _load_requests(session),
    )


# The dimension columns of an entry, by `LedgerRow` field: manager and product come from the
# entry's deal; salon and city are the entry's own (a company expense's) or its deal's.
DIMENSION_COLUMNS = {
    "manager": DealRow.manager,
    "product": DealRow.product,
    "salon": func.coalesce(EntryRow.salon, DealRow.salon),
    "city": func.coalesce(EntryRow.city, DealRow.city),
}


def _ledger_query() -> Select:
    """Entries as plain columns in posting order (100,000 ORM objects would be slow)."""
    return (
        select(
            EntryRow.id,
            EntryRow.entry_date,
            EntryRow.kind,
            EntryRow.category_id,
            EntryRow.amount_minor,
            EntryRow.currency,
            UserRow.name,
            *DIMENSION_COLUMNS.values(),
            EntryRow.description,
            EntryRow.comment,
            EntryRow.reverses_entry_id,
            EntryRow.receipt_file_id.is_not(None),
        )
        .join(UserRow, UserRow.id == EntryRow.created_by)
        .outerjoin(DealRow, DealRow.id == EntryRow.deal_id)
        .order_by(EntryRow.id)
    )


def _ledger_rows(result: Iterable[Row], categories: Resolution) -> list[LedgerRow]:
    """Each entry under the category it counts in now: a merged one's, the category it was
    merged into (so the by-category columns sum it there)."""
    return [
        LedgerRow(
            entry_id=entry_id,
            entry_date=entry_date,
            kind=kind,
            category=categories.of(category_id).name,
            amount=Money.from_minor_units(amount_minor, currency).amount,
            author=author,
            manager=manager,
            product=product,
            salon=salon,
            city=city,
            comment=_comment(description, comment),
            reverses_entry_id=reverses,
            has_receipt=bool(has_receipt),
        )
        for (
            entry_id,
            entry_date,
            kind,
            category_id,
            amount_minor,
            currency,
            author,
            manager,
            product,
            salon,
            city,
            description,
            comment,
            reverses,
            has_receipt,
        ) in result
    ]


async def _load_ledger(session: AsyncSession, month: str | None) -> list[LedgerRow]:
    query = _ledger_query()
    if month is not None:
        first, after = month_bounds(month)
        query = query.where(EntryRow.entry_date >= first, EntryRow.entry_date < after)
    return _ledger_rows(await session.execute(query), await resolution(session))


async def load_unwritten(session: AsyncSession, spreadsheet_id: str, limit: int) -> list[LedgerRow]:
    """The first `limit` entries (in posting order) no row of the spreadsheet holds yet."""
    written = select(SheetRowRow.entry_id).where(
        SheetRowRow.spreadsheet_id == spreadsheet_id, SheetRowRow.entry_id == EntryRow.id
    )
    query = _ledger_query().where(~written.exists()).limit(limit)
    return _ledger_rows(await session.execute(query), await resolution(session))


async def load_shape(session: AsyncSession) -> LedgerShape:
    """The whole ledger's date span and distinct dimension values, by aggregate queries."""
    first, last = (
        await session.execute(select(func.min(EntryRow.entry_date), func.max(EntryRow.entry_date)))
    ).one()
    distinct = {}
    for attribute, column in DIMENSION_COLUMNS.items():
        values = await session.scalars(
            select(column)
            .select_from(EntryRow)
            .outerjoin(DealRow, DealRow.id == EntryRow.deal_id)
            .where(column.is_not(None))
            .distinct()
        )
        distinct[attribute] = tuple(distinct_values(values))
    return LedgerShape(first=first, last=last, distinct=distinct)


async def load_summary_projection(session: AsyncSession) -> Projection:
    """Everything but the ledger rows: what the summary sheets show besides the shape."""
    return Projection(
        ledger=[],
        expense_categories=await _load_categories(session, await _used_categories(session)),
        marketing_category=await _marketing_category(session),
        cash_held=await _load_cash_held(session),
        requests=await _load_requests(session),
    )


def _comment(description: str | None, comment: str | None) -> str | None:
    """The owner's words ("такси до офиса") and their comment, as one cell."""
    parts = [part for part in (description, comment) if part]
    return " — ".join(parts) or None


async def _used_categories(session: AsyncSession) -> set[str]:
    """Categories any spending entry counts under (an archived one still has its column then;
    a merged one's entries count under the category it was merged into)."""
    used = await session.scalars(
        select(EntryRow.category_id).where(EntryRow.kind != EntryKind.INCOME).distinct()
    )
    categories = await resolution(session)
    return {categories.of(category_id).name for category_id in used}


async def _marketing_category(session: AsyncSession) -> str | None:
    return await session.scalar(
        select(CategoryRow.name)
        .where(CategoryRow.is_marketing.is_(True))
        .order_by(CategoryRow.position, CategoryRow.id)
        .limit(1)
    )


async def _load_categories(session: AsyncSession, used: set[str]) -> list[str]:
    """Active categories in the owner's order, then retired ones the entries still use."""
    rows = await session.execute(
        select(CategoryRow.name, CategoryRow.is_active).order_by(
            CategoryRow.position, CategoryRow.id
        )
    )
    return [name for name, is_active in rows if is_active or name in used]


async def _load_cash_held(session: AsyncSession) -> list[CashHeldRow]:
    """Cash a manager holds (`ledger.payments.held_by_manager`; of a payment confirmed in
    part, the rest), oldest first. `since` is the payment's date if the CRM gave one, else the
    day we learnt of it (UTC).
    """
    rows = await session.execute(
        select(
            DealRow.manager,
            DealRow.name,
            DealRow.contract,
            remaining_minor(),
            ExpectedPaymentRow.currency,
            ExpectedPaymentRow.due_date,
            ExpectedPaymentRow.created_at,
        )
        .join(DealRow, DealRow.id == ExpectedPaymentRow.deal_id)
        .where(held_by_manager())
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
    """Every payment request, drafts too, in the order they were started."""
    rows = await session.execute(
        select(
            PaymentRequestRow.id,
            PaymentRequestRow.created_at,
            UserRow.name,
            DealRow.name,
            DealRow.contract,
            PaymentRequestRow.counterparty_name,
            PaymentRequestRow.what_for,
            PaymentRequestRow.purpose,
            PaymentRequestRow.amount_minor,
            PaymentRequestRow.currency,
            PaymentRequestRow.pay_by,
            PaymentRequestRow.status,
            PaymentRequestRow.paid_rub_minor,
            CategoryRow.name,
        )
        .join(UserRow, UserRow.id == PaymentRequestRow.requester_id)
        .outerjoin(DealRow, DealRow.id == PaymentRequestRow.deal_id)
        .outerjoin(CategoryRow, CategoryRow.id == PaymentRequestRow.category_id)
        .order_by(PaymentRequestRow.id)
    )
    return [
        RequestRow(
            request_id=request_id,
            created=created_at.date(),
            requester=requester,
            deal=(f"{deal} ({contract})" if contract else deal) if deal else None,
            counterparty=counterparty,
            purpose=what_for or purpose or "",
            amount=(
                Money.from_minor_units(amount_minor, currency).amount
                if amount_minor is not None
                else None
            ),
            due=pay_by,
            status=status,
            currency=currency,
            paid=Money.from_minor_units(paid_minor or 0).amount,
            category=category,
        )
        for (
            request_id,
            created_at,
            requester,
            deal,
            contract,
            counterparty,
            what_for,
            purpose,
            amount_minor,
            currency,
            pay_by,
            status,
            paid_minor,
            category,
        ) in rows
    ]
