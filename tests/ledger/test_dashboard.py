"""The owner's dashboard: thirteen months of figures with the filters put into the query, the
same figures /profit shows for the months both cover, spending by category, the filter values
checked, and what is overdue.

Income is confirmed through the services on deals amoCRM closed (manager, product, salon and
city are the deal's); company expenses carry their own salon or city, as paid requests post
them; an expense is reversed with undo's two taps.
"""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select, text, update

from ledger.dashboard import (
    VALUES,
    Dashboard,
    FilterRefused,
    matches,
    monthly_query,
    sums_query,
)
from ledger.errors import NotAllowed
from ledger.journal import EntryKind, Journal, MoneyAccount, Posting
from ledger.money import Money
from ledger.profit import Dimension, ProfitService, shown_months
from ledger.storage.models import CategoryRow, DealRow
from tests.desk import OTHER_MANAGER_AMO, Desk, rub

NOV, OCT, AUG = date(2026, 11, 1), date(2026, 10, 1), date(2026, 8, 1)


async def _expense(desk: Desk, rubles: str, category: str, day: date, **dims: str | None) -> int:
    async with desk.services() as services:
        uow = services.uow
        category_id = await uow.session.scalar(
            select(CategoryRow.id).where(CategoryRow.name == category)
        )
        async with uow.write():
            posting = Posting(
                EntryKind.EXPENSE,
                rub(rubles),
                category_id,
                MoneyAccount.BANK_ACCOUNT,
                day,
                **dims,  # type: ignore[arg-type]
            )
            entry = await Journal(uow, desk.clock).post(desk.owner, posting)
            await uow.commit()
        return entry.id


async def _confirm(desk: Desk, payment_id: int, amount: str, on: date) -> None:
    async with desk.services() as services:
        await services.confirmations.confirm(desk.owner, payment_id, amount=rub(amount), on=on)


@pytest.fixture
async def books(desk: Desk) -> Desk:
    """Thirteen months and more of a small business; today is 23.11.2026."""
    ivan = await desk.deal(101, price="300000", prepay="100000", prepay_kind="bank_transfer")
    petr = await desk.deal(102, price="90000", prepay="90000", responsible=OTHER_MANAGER_AMO)
    late = await desk.deal(
        103, price="40000", prepay="40000", prepay_kind="cash", due=date(2026, 11, 10)
    )
    # Пётр's deal sells another product in another city, spelt in another case once.
    async with desk.database.write() as session:
        await session.execute(
            update(DealRow)
            .where(DealRow.amo_lead_id == 102)
            .values(product="Шкаф", city="МОСКВА", salon=None)
        )
    await _confirm(desk, ivan["Предоплата"], "100000", date(2026, 11, 2))
    await _confirm(desk, ivan["Остаток"], "150000", date(2026, 10, 5))
    await _confirm(desk, petr["Предоплата"], "90000", date(2026, 11, 3))
    await _confirm(desk, late["Предоплата"], "1000", date(2025, 11, 30))  # a month too old
    await _expense(desk, "15000", "Маркетинг", date(2026, 11, 5), city="Москва")
    await _expense(desk, "4000", "Маркетинг", date(2026, 11, 6), city="москва", salon="Арбат")
    taxi = await _expense(desk, "2000", "Транспорт", date(2026, 11, 6), city="Казань")
    await _expense(desk, "7000", "Аренда", date(2026, 10, 1), salon="Центральный")
    await _expense(desk, "3000", "Маркетинг", date(2025, 12, 31))
    await _expense(desk, "500", "Аренда", date(2025, 11, 30))  # before the thirteen months
    async with desk.services() as services:
        until = await services.entries.ask_to_reverse(desk.owner, taxi)
        await services.entries.reverse(desk.owner, taxi, confirmed_until=until)
    return desk


async def overview(desk: Desk, **filters: str):
    async with desk.services() as services:
        return await Dashboard(services.uow, desk.clock).overview(
            desk.owner, {Dimension(name): value for name, value in filters.items()}
        )


async def test_thirteen_months_of_income_spending_net_and_margin(books: Desk) -> None:
    seen = await overview(books)

    months = [month.month for month in seen.months]
    assert months[0] == date(2025, 11, 1)
    assert months[-1] == NOV
    assert len(months) == 13
    now = seen.this_month.figures
    # 100000 + 90000 in; marketing 19000, the taxi reversed.
    assert (now.income, now.expenses, now.marketing) == (
        Decimal("190000"),
        Decimal("19000"),
        Decimal("19000"),
    )
    assert now.net == Decimal("171000")
    assert now.margin == Decimal("171000") / Decimal("190000")
    assert seen.months[0].figures.income == Decimal("1000")
    assert seen.months[0].figures.expenses == Decimal("500")
    assert seen.months[1].figures.expenses == Decimal("3000")  # December 2025
    assert seen.months[2].figures.margin is None  # nothing at all in January
    assert seen.totals.income == Decimal("341000")
    assert seen.totals.expenses == Decimal("29500")


async def test_spending_by_category_largest_first(books: Desk) -> None:
    seen = await overview(books)

    assert [(c.name, c.amount, c.is_marketing) for c in seen.this_month.categories] == [
        ("Маркетинг", Decimal("19000"), True)  # the taxi and its reversal cancel out
    ]
    assert [(c.name, c.amount) for c in seen.categories] == [
        ("Маркетинг", Decimal("22000")),
        ("Аренда", Decimal("7500")),
    ]


async def test_the_filter_lists_hold_every_known_value_once_ignoring_case(books: Desk) -> None:
    seen = await overview(books)

    assert seen.options == {
        Dimension.MANAGER: ("Менеджер Иван", "Менеджер Пётр"),
        Dimension.PRODUCT: ("Кухня", "Шкаф"),
        Dimension.SALON: ("Арбат", "Центральный"),
        Dimension.CITY: ("Казань", "МОСКВА"),  # "Москва" and "москва" are the same city
    }


async def test_the_figures_equal_profits_for_every_filter(books: Desk) -> None:
    """The four months /profit shows, under every filter and pair of filters its lists offer:
    the same figures from the dashboard's queries as from /profit's sums in memory."""
    async with books.services() as services:
        data = await ProfitService(services.uow, books.clock).monthly(books.owner)
    choices: list[dict[Dimension, str]] = [{}]
    singles = [(d, v) for d, values in data.options.items() for v in values]
    choices += [{d: v} for d, v in singles]
    choices += [
        dict(pair) for pair in itertools.combinations(singles, 2) if pair[0][0] != pair[1][0]
    ]
    assert len(choices) > 20
    for chosen in choices:
        seen = await overview(books, **{d.value: v.upper() for d, v in chosen.items()})
        mine = {m.month: m.figures for m in seen.months[-4:]}
        assert mine == {f.month: f for f in data.figures(chosen)}, chosen


async def test_a_manager_filter_keeps_their_deals_entries(books: Desk) -> None:
    ivan = await overview(books, manager="менеджер иван")
    city = await overview(books, city="москва")

    assert ivan.filters == {Dimension.MANAGER: "Менеджер Иван"}
    assert ivan.this_month.figures.income == Decimal("100000")
    assert ivan.months[-2].figures.income == Decimal("150000")
    assert ivan.this_month.figures.expenses == 0
    # Москва: Пётр's deal and both marketing expenses, however the city is spelt.
    assert city.this_month.figures.income == Decimal("90000")
    assert city.this_month.figures.expenses == Decimal("19000")


async def test_a_value_no_deal_or_entry_holds_is_refused(books: Desk) -> None:
    for dimension, value in (("manager", "Никто"), ("salon", "x" * 500), ("city", " ")):
        with pytest.raises(FilterRefused) as refused:
            await overview(books, **{dimension: value})
        assert refused.value.dimension == Dimension(dimension)


async def test_only_the_owner_sees_the_dashboard(books: Desk) -> None:
    async with books.services() as services:
        dashboard = Dashboard(services.uow, books.clock)
        with pytest.raises(NotAllowed):
            await dashboard.overview(books.accountant)
        with pytest.raises(NotAllowed):
            await dashboard.overdue_payments(books.manager)


async def test_overdue_payments_count_total_and_the_oldest(books: Desk) -> None:
    async with books.services() as services:
        overdue = await Dashboard(services.uow, books.clock).overdue_payments(books.owner)

    # Deal 103's prepayment was due on the 10th; 1000 of its 40000 came.
    assert overdue.count == 1
    assert overdue.totals == (Money(Decimal("39000")),)
    [oldest] = overdue.oldest
    assert (oldest.deal, oldest.due, oldest.remaining) == (
        "Кухня Ивановых",
        date(2026, 11, 10),
        rub("39000"),
    )
    await _confirm(books, oldest.payment_id, "39000", books.clock.today() - timedelta(days=1))
    async with books.services() as services:
        after = await Dashboard(services.uow, books.clock).overdue_payments(books.owner)
    assert (after.count, after.totals, after.oldest) == (0, (), ())


@pytest.mark.parametrize(
    "filters",
    [{}, {Dimension.SALON: ["Арбат"]}, {Dimension.CITY: ["Москва", "МОСКВА"]}],
    ids=["no filter", "salon", "city"],
)
async def test_the_sums_are_read_from_the_dashboards_index_alone(
    books: Desk, filters: dict[Dimension, list[str]]
) -> None:
    """On SQLite, thirteen months of sums come from the covering index, grouped by day as it
    is read: neither the entries' table nor a sort of the entries is touched (only the days'
    sums are sorted into months)."""
    query = sums_query(
        date(2025, 11, 1),
        date(2026, 12, 1),
        [matches(dimension, values) for dimension, values in filters.items()],
    )
    async with books.database.read() as session:
        if session.bind.dialect.name != "sqlite":
            pytest.skip("SQLite's query plan")
        compiled = query.compile(session.bind, compile_kwargs={"literal_binds": True})
        plan = " | ".join(
            str(row[-1]) for row in await session.execute(text(f"EXPLAIN QUERY PLAN {compiled}"))
        )
    assert "USING COVERING INDEX ix_entries_dashboard" in plan
    assert "TEMP B-TREE" not in plan
    months = shown_months(date(2026, 11, 23), 13)
    monthly = monthly_query(months, [matches(d, values) for d, values in filters.items()])
    async with books.database.read() as session:
        compiled = monthly.compile(session.bind, compile_kwargs={"literal_binds": True})
        steps = [
            str(row[-1]) for row in await session.execute(text(f"EXPLAIN QUERY PLAN {compiled}"))
        ]
    assert "USING COVERING INDEX ix_entries_dashboard" in " | ".join(steps)
    assert steps.count("USE TEMP B-TREE FOR GROUP BY") == 1  # the days into months


async def test_the_filter_lists_are_read_through_the_dimension_indexes(books: Desk) -> None:
    async with books.database.read() as session:
        if session.bind.dialect.name != "sqlite":
            pytest.skip("SQLite's query plan")
        steps = [
            str(row[-1]) for row in await session.execute(text(f"EXPLAIN QUERY PLAN {VALUES}"))
        ]
    plan = " | ".join(steps)
    for index in ("deals_manager", "deals_product", "entries_salon", "deals_city"):
        assert f"COVERING INDEX ix_{index}" in plan
    assert not {"SCAN entries", "SCAN deals"} & set(steps)  # only the found values are scanned
