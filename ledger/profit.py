"""Net profit by month for the owner, with the dimension filters of the workbook's «Прибыль».

The figures follow the workbook's rules exactly (`sheets.layout`), so the bot and the sheet
never disagree: an entry counts in the month of its own date; income is the income entries
plus the reversals of income (the negative reversals); spending is the expenses plus the
reversals of expenses (the positive ones), shown as a positive figure; net profit is income
less spending; the margin is net profit over income, blank without income. A dimension
filter compares text ignoring case, as SUMIFS does, and "no filter" counts entries without a
value too.

The database is read once per card: sums grouped by day, kind, category and dimension values
over the shown months (a few thousand rows at most however large the ledger), and everything
else — the filter lists, the filtered figures, marketing against turnover — is computed from
those in memory, so the filter buttons cost one small query each.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import Select, case, func, select
from sqlalchemy.sql.elements import ColumnElement

from ledger.categories import resolution
from ledger.clock import Clock
from ledger.errors import DomainError
from ledger.journal import EntryKind
from ledger.money import Money
from ledger.roles import Actor, Role
from ledger.storage.models import DealRow, EntryRow
from ledger.storage.uow import UnitOfWork

MONTHS_SHOWN = 4  # this month and the three before it
MONTH_RE = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")


class Dimension(StrEnum):
    """What profit is sliced by, in the order the workbook's selectors list them."""

    MANAGER = "manager"
    PRODUCT = "product"
    SALON = "salon"
    CITY = "city"


DIMENSIONS: tuple[Dimension, ...] = tuple(Dimension)

# Where each dimension's value is read (None: no column feeds it). Manager and product belong
# to the entry's deal; salon and city are the entry's own (a company expense's) or its deal's.
DIMENSION_SOURCES: dict[Dimension, ColumnElement | None] = {
    Dimension.MANAGER: DealRow.manager,
    Dimension.PRODUCT: DealRow.product,
    Dimension.SALON: func.coalesce(EntryRow.salon, DealRow.salon),
    Dimension.CITY: func.coalesce(EntryRow.city, DealRow.city),
}


class MonthError(DomainError):
    """A month argument that is not "YYYY-MM" ("format") or has not begun yet ("future")."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"bad month: {reason}")
        self.reason = reason


@dataclass(frozen=True, slots=True)
class MonthFigures:
    """One month's figures in rubles: spending and marketing as positive amounts."""

    month: date  # its first day
    income: Decimal
    expenses: Decimal
    marketing: Decimal

    @property
    def net(self) -> Decimal:
        return self.income - self.expenses

    @property
    def margin(self) -> Decimal | None:
        """Net profit over income; None without income (the workbook leaves the cell blank)."""
        if not self.income:
            return None
        return self.net / self.income


@dataclass(frozen=True, slots=True)
class _Sums:
    """Signed kopecks of one day, kind, category (marketing or not) and dimension values."""

    month: date
    kind: str
    marketing: bool
    values: tuple[str | None, ...]  # in DIMENSIONS order
    positive: int
    negative: int


@dataclass(frozen=True, slots=True)
class ProfitData:
    """The shown months' sums, from which the card's every view is computed."""

    months: tuple[date, ...]  # oldest first, the current month last
    sums: tuple[_Sums, ...]

    @property
    def options(self) -> dict[Dimension, tuple[str, ...]]:
        """Each dimension's values in these months, as the filter buttons list them."""
        return {
            dimension: distinct(s.values[index] for s in self.sums)
            for index, dimension in enumerate(DIMENSIONS)
        }

    @property
    def is_empty(self) -> bool:
        return not self.sums

    def figures(self, filters: Mapping[Dimension, str] | None = None) -> list[MonthFigures]:
        """Income, spending, net and marketing per month, for entries matching `filters`."""
        wanted = {
            DIMENSIONS.index(dimension): value.casefold()
            for dimension, value in (filters or {}).items()
        }
        totals = {month: [0, 0, 0] for month in self.months}  # income, spent, marketing
        for s in self.sums:
            if any((s.values[i] or "").casefold() != value for i, value in wanted.items()):
                continue
            income, spent = _income_and_spending(s)
            total = totals[s.month]
            total[0] += income
            total[1] += spent
            if s.marketing:
                total[2] += spent
        return [
            MonthFigures(month, _rubles(income), _rubles(spent), _rubles(marketing))
            for month, (income, spent, marketing) in totals.items()
        ]


def _income_and_spending(s: _Sums) -> tuple[int, int]:
    return counted(s.kind, s.positive, s.negative)


def counted(kind: str, positive: int, negative: int) -> tuple[int, int]:
    """How a group of entries of one kind counts (income, spending; kopecks), by the
    workbook's rule for kinds and reversals' signs, from its positive and negative sums."""
    if kind == EntryKind.INCOME:
        return positive + negative, 0
    if kind == EntryKind.EXPENSE:
        return 0, -(positive + negative)
    if kind == EntryKind.REVERSAL:
        return negative, -positive
    return 0, 0  # a kind the workbook does not count either


def _rubles(minor: int) -> Decimal:
    return Money.from_minor_units(minor).amount


def distinct(values: Iterable[str | None]) -> tuple[str, ...]:
    """Non-blank values once each, ignoring case (as SUMIFS does), sorted for a reader.

    The workbook's dropdowns use it too, so the bot's filter lists and the sheet's agree.
    """
    unique: dict[str, str] = {}
    for value in sorted(v for v in values if v):
        unique.setdefault(value.casefold(), value)
    return tuple(unique[key] for key in sorted(unique))


def shown_months(today: date, count: int = MONTHS_SHOWN) -> tuple[date, ...]:
    """The first days of today's month and the `count - 1` before it, oldest first."""
    months = [today.replace(day=1)]
    while len(months) < count:
        first = months[-1]
        months.append(date(first.year - (first.month == 1), (first.month - 2) % 12 + 1, 1))
    return tuple(reversed(months))


def next_month(first: date) -> date:
    return date(first.year + (first.month == 12), first.month % 12 + 1, 1)


def parse_month(text: str, today: date) -> str:
    """ "YYYY-MM" as typed after /report; MonthError says what is wrong with it."""
    match = MONTH_RE.fullmatch(text.strip())
    if match is None:
        raise MonthError("format")
    if date(int(match[1]), int(match[2]), 1) > today:
        raise MonthError("future")
    return match[0]


class ProfitService:
    """The owner's view of the business: profit by month and the workbook to download."""

    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow = uow
        self._session = uow.session
        self._clock = clock

    async def monthly(self, actor: Actor, count: int = MONTHS_SHOWN) -> ProfitData:
        """This month and the ones before it, ready to be filtered any way."""
        _require_owner(actor)
        months = shown_months(self._clock.today(), count)
        rows = await self._session.execute(_sums_query(months[0], next_month(months[-1])))
        # A merged category's entries count as the category it was merged into counts.
        categories = await resolution(self._session)
        sums = tuple(
            _Sums(
                month=day.replace(day=1),
                kind=kind,
                marketing=categories.of(category_id).is_marketing,
                values=_dimension_values(values),
                positive=int(positive or 0),
                negative=int(negative or 0),
            )
            for day, kind, category_id, positive, negative, *values in rows
        )
        return ProfitData(months=months, sums=sums)

    def today(self) -> date:
        return self._clock.today()


def _sums_query(first: date, after: date) -> Select:
    """Signed sums by day, kind, category and dimension values over [first, after).

    Grouped by the day rather than the month: the month of a date is spelt differently in
    SQLite and PostgreSQL, and a few months of days stay a small result.
    """
    amount = EntryRow.amount_minor
    # A dimension without a source is filled in in Python, not selected as NULL: PostgreSQL
    # refuses to group by a constant.
    real = [DIMENSION_SOURCES[d] for d in DIMENSIONS if DIMENSION_SOURCES[d] is not None]
    return (
        select(
            EntryRow.entry_date,
            EntryRow.kind,
            EntryRow.category_id,
            func.sum(case((amount > 0, amount), else_=0)),
            func.sum(case((amount < 0, amount), else_=0)),
            *real,
        )
        .outerjoin(DealRow, DealRow.id == EntryRow.deal_id)
        .where(EntryRow.entry_date >= first, EntryRow.entry_date < after)
        .group_by(EntryRow.entry_date, EntryRow.kind, EntryRow.category_id, *real)
    )


def _dimension_values(found: Sequence[str | None]) -> tuple[str | None, ...]:
    """The selected dimension columns, with None for the dimensions no column feeds."""
    values = iter(found)
    return tuple(next(values) if DIMENSION_SOURCES[d] is not None else None for d in DIMENSIONS)


def _require_owner(actor: Actor) -> None:
    actor.require(Role.OWNER)
