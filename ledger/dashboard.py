"""The owner's dashboard in the cabinet: this month and the twelve before it at a glance, and
what needs a look (cash on managers, what is overdue, what the outbox gave up on).

The figures follow `ledger.profit` (the workbook's rules: an entry counts in the month of its
own date, income is income plus the reversals of income, spending is expenses plus their
reversals, a dimension compares ignoring case), but the database does the work: /profit reads
a few months of sums grouped by day and every dimension and filters in memory, which over
thirteen months of a busy business is tens of thousands of groups; here the filters go into the
query and the sums come grouped by day, kind and category, read in the order of the entries'
dashboard index without touching the table or sorting, then by month (a few hundred rows).

The filter lists hold every value the deals and the entries know (a manager who has left is
still there, for the months they worked), read by skipping through each column's index. A
filter value not among them is refused (`FilterRefused`) rather than quietly showing zeros;
the value matches every spelling of it that differs only in case, as SUMIFS does.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import ColumnElement, Select, and_, case, func, literal_column, select, text

from ledger.categories import resolution
from ledger.clock import Clock
from ledger.errors import DomainError
from ledger.money import Money
from ledger.payments import owed, remaining_minor
from ledger.profit import (
    DIMENSIONS,
    Dimension,
    MonthFigures,
    counted,
    distinct,
    next_month,
    shown_months,
)
from ledger.roles import Actor, Role
from ledger.storage.models import DealRow, EntryRow, ExpectedPaymentRow
from ledger.storage.uow import UnitOfWork

DASHBOARD_MONTHS = 13  # this month and the twelve before it
OLDEST_SHOWN = 5  # of each list of what is overdue
MAX_FILTER_VALUE = 200  # as long as a deal's or an entry's dimension may be


class FilterRefused(DomainError):
    """A filter value no deal or entry holds (or none could: too long)."""

    def __init__(self, dimension: Dimension, value: str) -> None:
        super().__init__(f"no {dimension.value} {value!r}")
        self.dimension = dimension
        self.value = value


@dataclass(frozen=True, slots=True)
class CategorySpend:
    name: str
    amount: Decimal  # spent, a positive figure (negative when more was reversed than spent)
    is_marketing: bool


@dataclass(frozen=True, slots=True)
class DashboardMonth:
    figures: MonthFigures
    categories: tuple[CategorySpend, ...]  # the largest spending first

    @property
    def month(self) -> date:
        return self.figures.month


@dataclass(frozen=True, slots=True)
class Overview:
    months: tuple[DashboardMonth, ...]  # oldest first, this month last
    options: dict[Dimension, tuple[str, ...]]  # each dimension's values
    filters: dict[Dimension, str]  # as chosen, spelt as `options` spells them

    @property
    def this_month(self) -> DashboardMonth:
        return self.months[-1]

    @property
    def totals(self) -> MonthFigures:
        """The whole period's figures (its `month` is the first one's)."""
        return MonthFigures(
            month=self.months[0].month,
            income=sum((m.figures.income for m in self.months), Decimal(0)),
            expenses=sum((m.figures.expenses for m in self.months), Decimal(0)),
            marketing=sum((m.figures.marketing for m in self.months), Decimal(0)),
        )

    @property
    def categories(self) -> tuple[CategorySpend, ...]:
        """Spending by category over the whole period, the largest first."""
        return _ranked(
            (spend.name, spend.amount, spend.is_marketing)
            for month in self.months
            for spend in month.categories
        )


@dataclass(frozen=True, slots=True)
class OverduePayment:
    payment_id: int
    deal: str
    manager: str | None
    kind: str
    due: date
    remaining: Money


@dataclass(frozen=True, slots=True)
class OverduePayments:
    """Money closed deals owe past its due date: how many, how much, the oldest few."""

    count: int
    totals: tuple[Money, ...]  # by currency
    oldest: tuple[OverduePayment, ...]


class Dashboard:
    """The owner's figures for the cabinet; every call is the owner's only."""

    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._session = uow.session
        self._clock = clock

    async def overview(
        self,
        actor: Actor,
        filters: Mapping[Dimension, str] | None = None,
        *,
        count: int = DASHBOARD_MONTHS,
    ) -> Overview:
        """Income, spending by category, net and margin for each month shown, of the entries
        matching `filters`; `FilterRefused` for a value no deal or entry holds."""
        actor.require(Role.OWNER)
        months = shown_months(self._clock.today(), count)
        options, spellings = await self._options()
        chosen: dict[Dimension, str] = {}
        conditions: list[ColumnElement[bool]] = []
        for dimension, value in (filters or {}).items():
            variants = spellings[dimension].get(value.strip().casefold())
            if not variants or len(value) > MAX_FILTER_VALUE:
                raise FilterRefused(dimension, value)
            chosen[dimension] = distinct(variants)[0]
            conditions.append(matches(dimension, variants))
        categories = await resolution(self._session)
        # Sums by month, kind and category: a few hundred rows whatever the ledger holds.
        rows = await self._session.execute(monthly_query(months, conditions))
        totals = {month: [0, 0, 0] for month in months}  # income, spent, marketing
        spent_by: dict[date, dict[int, int]] = {month: {} for month in months}
        for index, kind, category_id, positive, negative in rows:
            month = months[index]
            counted_as = categories.of(category_id)
            income, spent = counted(kind, int(positive or 0), int(negative or 0))
            total = totals[month]
            total[0] += income
            total[1] += spent
            if counted_as.is_marketing:
                total[2] += spent
            if spent:
                by_category = spent_by[month]
                by_category[counted_as.id] = by_category.get(counted_as.id, 0) + spent
        names = categories.names()
        return Overview(
            months=tuple(
                DashboardMonth(
                    MonthFigures(month, _rubles(income), _rubles(spent), _rubles(marketing)),
                    _ranked(
                        (names[ident], _rubles(minor), categories.of(ident).is_marketing)
                        for ident, minor in spent_by[month].items()
                    ),
                )
                for month, (income, spent, marketing) in totals.items()
            ),
            options=options,
            filters=chosen,
        )

    async def _options(
        self,
    ) -> tuple[dict[Dimension, tuple[str, ...]], dict[Dimension, dict[str, list[str]]]]:
        """Each dimension's values (as the filter lists show them, one per spelling ignoring
        case) among the deals and the entries' own, and every spelling of each. Read by
        skipping from one value to the next through each column's index: as many seeks as
        there are values, however many entries there are."""
        found: dict[Dimension, list[str]] = {dimension: [] for dimension in DIMENSIONS}
        for dimension, value in await self._session.execute(VALUES):
            if value:
                found[Dimension(dimension)].append(value)
        spellings: dict[Dimension, dict[str, list[str]]] = {}
        for dimension, values in found.items():
            by_key: dict[str, list[str]] = {}
            for value in values:
                by_key.setdefault(value.casefold(), []).append(value)
            spellings[dimension] = by_key
        return {d: distinct(values) for d, values in found.items()}, spellings

    async def overdue_payments(self, actor: Actor, *, limit: int = OLDEST_SHOWN) -> OverduePayments:
        """Expected payments of closed deals still owed after their due date."""
        actor.require(Role.OWNER)
        late = and_(owed(), ExpectedPaymentRow.due_date < self._clock.today())
        rows = await self._session.execute(
            select(ExpectedPaymentRow.currency, func.count(), func.sum(remaining_minor()))
            .join(DealRow, DealRow.id == ExpectedPaymentRow.deal_id)
            .where(late)
            .group_by(ExpectedPaymentRow.currency)
            .order_by(ExpectedPaymentRow.currency)
        )
        count, totals = 0, []
        for currency, number, minor in rows:
            count += int(number)
            totals.append(Money.from_minor_units(int(minor or 0), currency))
        oldest = await self._session.execute(
            select(ExpectedPaymentRow, DealRow)
            .join(DealRow, DealRow.id == ExpectedPaymentRow.deal_id)
            .where(late)
            .order_by(ExpectedPaymentRow.due_date, ExpectedPaymentRow.id)
            .limit(limit)
        )
        return OverduePayments(
            count=count,
            totals=tuple(totals),
            oldest=tuple(
                OverduePayment(
                    payment_id=payment.id,
                    deal=deal.name,
                    manager=deal.manager,
                    kind=payment.kind,
                    due=payment.due_date,
                    remaining=Money.from_minor_units(
                        payment.amount_minor - (payment.confirmed_amount_minor or 0),
                        payment.currency,
                    ),
                )
                for payment, deal in oldest
            ),
        )


def sums_query(first: date, after: date, conditions: Iterable[ColumnElement[bool]] = ()) -> Select:
    """Signed sums by day, kind and category of the entries in [first, after) that meet
    `conditions` (the filters, from `matches`)."""
    amount = EntryRow.amount_minor
    return (
        select(
            EntryRow.entry_date,
            EntryRow.kind,
            EntryRow.category_id,
            func.sum(case((amount > 0, amount), else_=0)).label("positive"),
            func.sum(case((amount < 0, amount), else_=0)).label("negative"),
        )
        .where(EntryRow.entry_date >= first, EntryRow.entry_date < after, *conditions)
        .group_by(EntryRow.entry_date, EntryRow.kind, EntryRow.category_id)
    )


def monthly_query(months: Sequence[date], conditions: Iterable[ColumnElement[bool]] = ()) -> Select:
    """Signed sums by month (its index in `months`), kind and category: the day's sums of
    `sums_query`, read in the index's order without a sort, summed again by month. Only those
    few thousand days are sorted, not the tens of thousands of entries."""
    daily = sums_query(months[0], next_month(months[-1]), conditions).subquery()
    # A CASE over literal dates (ours, not a person's) reads the same in SQLite and
    # PostgreSQL, and GROUP BY repeats the very expression selected, which PostgreSQL needs
    # (bound parameters would be numbered apart).
    month_of = case(
        *(
            (daily.c.entry_date < literal_column(f"'{next_month(month).isoformat()}'"), index)
            for index, month in enumerate(months)
        ),
        else_=len(months) - 1,
    )
    return select(
        month_of,
        daily.c.kind,
        daily.c.category_id,
        func.sum(daily.c.positive),
        func.sum(daily.c.negative),
    ).group_by(month_of, daily.c.kind, daily.c.category_id)


def _loose_scan(name: str, table: str, column: str) -> str:
    """A recursive query walking `table.column`'s index from one distinct value to the next
    (the same in SQLite and PostgreSQL)."""
    return (
        f"{name}(value) AS ("
        f"SELECT (SELECT {column} FROM {table} WHERE {column} IS NOT NULL"
        f" ORDER BY {column} LIMIT 1)"
        f" UNION ALL SELECT (SELECT {column} FROM {table} WHERE {column} > {name}.value"
        f" ORDER BY {column} LIMIT 1) FROM {name} WHERE {name}.value IS NOT NULL)"
    )


# Where each dimension's values are: the deals' columns, and the entries' own salon and city.
_VALUE_COLUMNS = (
    (Dimension.MANAGER, "deals", "manager"),
    (Dimension.PRODUCT, "deals", "product"),
    (Dimension.SALON, "deals", "salon"),
    (Dimension.SALON, "entries", "salon"),
    (Dimension.CITY, "deals", "city"),
    (Dimension.CITY, "entries", "city"),
)
VALUES = text(
    "WITH RECURSIVE "
    + ", ".join(_loose_scan(f"{t}_{c}", t, c) for _, t, c in _VALUE_COLUMNS)
    + " "
    + " UNION ALL ".join(
        f"SELECT '{d.value}', value FROM {t}_{c} WHERE value IS NOT NULL"
        for d, t, c in _VALUE_COLUMNS
    )
)


def _deal_column(dimension: Dimension) -> ColumnElement:
    return {
        Dimension.MANAGER: DealRow.manager,
        Dimension.PRODUCT: DealRow.product,
        Dimension.SALON: DealRow.salon,
        Dimension.CITY: DealRow.city,
    }[dimension]


def _entry_column(dimension: Dimension) -> ColumnElement | None:
    """The entry's own value of a dimension, which wins over its deal's (`profit`'s rule)."""
    return {Dimension.SALON: EntryRow.salon, Dimension.CITY: EntryRow.city}.get(dimension)


def matches(dimension: Dimension, variants: list[str]) -> ColumnElement[bool]:
    """Entries whose value of `dimension` is one of `variants`: their own, or (without one
    of their own) their deal's. The deals are a subquery, not a join: without a filter on a
    deal's dimension the entries are read alone."""
    deals = select(DealRow.id).where(_deal_column(dimension).in_(variants))
    own = _entry_column(dimension)
    if own is None:
        return EntryRow.deal_id.in_(deals)
    # A CASE rather than an OR: SQLite would read an OR through the column's index and fetch
    # each entry from the table, where the dashboard's index alone answers.
    return case((own.is_(None), EntryRow.deal_id.in_(deals)), else_=own.in_(variants))


def _ranked(spends: Iterable[tuple[str, Decimal, bool]]) -> tuple[CategorySpend, ...]:
    """Spending summed by category name, the largest first; a category whose spending was
    all reversed is left out."""
    amounts: dict[str, Decimal] = {}
    marketing: dict[str, bool] = {}
    for name, amount, is_marketing in spends:
        amounts[name] = amounts.get(name, Decimal(0)) + amount
        marketing[name] = is_marketing
    ranked = [
        CategorySpend(name, amount, marketing[name]) for name, amount in amounts.items() if amount
    ]
    return tuple(sorted(ranked, key=lambda spend: (-spend.amount, spend.name)))


def _rubles(minor: int) -> Decimal:
    return Money.from_minor_units(minor).amount
