"""The history as the entry book reads it: narrowed to a category or a month by the database,
paged within the narrowing, and what it can be narrowed to."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from app.context import Services
from ledger.categories import DEFAULT_CATEGORIES
from ledger.clock import FrozenClock
from ledger.entries import EntryFilter, HistoryMonthError, read_month
from ledger.errors import NotFound
from ledger.journal import EntryKind, Journal, MoneyAccount, Posting
from ledger.money import Money
from ledger.roles import Actor
from ledger.users import Person
from tests.conftest import OWNER_ID

TODAY = date(2026, 11, 23)


async def ledger(
    services: Services, clock: FrozenClock, spending: list[tuple[date, str]]
) -> tuple[Actor, list[int]]:
    await services.categories.seed(DEFAULT_CATEGORIES)
    owner = await services.users.resolve(Person(OWNER_ID, "Ольга"))
    ids = {c.name: c.id for c in await services.categories.active()}
    async with services.uow.write():
        journal = Journal(services.uow, clock)
        rows = [
            await journal.post(
                owner,
                Posting(
                    EntryKind.EXPENSE,
                    Money(Decimal(100)),
                    ids[category],
                    MoneyAccount.OWNER_POCKET,
                    day,
                ),
            )
            for day, category in spending
        ]
        await services.uow.commit()
    return owner, [row.id for row in rows]


SPENDING = [
    (date(2026, 9, 30), "Транспорт"),
    (date(2026, 10, 1), "Аренда"),
    (date(2026, 10, 31), "Транспорт"),
    (date(2026, 11, 1), "Транспорт"),
    (date(2026, 11, 20), "Аренда"),
]


async def test_a_month_holds_its_first_and_last_day_and_nothing_around(
    services: Services, clock: FrozenClock
) -> None:
    owner, ids = await ledger(services, clock, SPENDING)

    page = await services.entries.page(owner, only=EntryFilter(month=date(2026, 10, 1)))

    assert [entry.id for entry in page.entries] == [ids[2], ids[1]]


async def test_a_category_and_a_month_narrow_together_and_page_within(
    services: Services, clock: FrozenClock
) -> None:
    owner, ids = await ledger(services, clock, SPENDING)
    taxi = next(c.id for c in await services.categories.active() if c.name == "Транспорт")
    only = EntryFilter(category_id=taxi)

    first = await services.entries.page(owner, limit=2, only=only)
    rest = await services.entries.page(owner, before=first.entries[-1].id, limit=2, only=only)
    october = await services.entries.page(
        owner, only=EntryFilter(category_id=taxi, month=date(2026, 10, 1))
    )

    assert [e.id for e in first.entries] == [ids[3], ids[2]]
    assert first.has_older
    assert first.category_name == "Транспорт"
    assert [e.id for e in rest.entries] == [ids[0]]
    assert not rest.has_older
    assert [e.id for e in october.entries] == [ids[2]]


async def test_a_category_that_does_not_exist_is_not_found(
    services: Services, clock: FrozenClock
) -> None:
    owner, _ = await ledger(services, clock, SPENDING)

    with pytest.raises(NotFound):
        await services.entries.page(owner, only=EntryFilter(category_id=999_999))


async def test_what_the_history_can_be_narrowed_to_is_what_has_entries(
    services: Services, clock: FrozenClock
) -> None:
    owner, _ = await ledger(services, clock, SPENDING)
    taxi = next(c.id for c in await services.categories.active() if c.name == "Транспорт")
    book = services.entries

    months = await book.months_used(owner)
    of_taxi = await book.months_used(owner, category_id=taxi)
    paged = await book.months_used(owner, offset=1, limit=1)
    categories = await book.categories_used(owner)
    in_november = await book.categories_used(owner, month=date(2026, 11, 1))
    in_september = await book.categories_used(owner, month=date(2026, 9, 1))

    assert months.items == [date(2026, 11, 1), date(2026, 10, 1), date(2026, 9, 1)]
    assert not months.has_more
    assert of_taxi.items == months.items
    assert paged.items == [date(2026, 10, 1)]
    assert paged.has_more
    assert [c.name for c in categories.items] == ["Аренда", "Транспорт"]  # the owner's order
    assert [c.name for c in in_november.items] == ["Аренда", "Транспорт"]
    assert [c.name for c in in_september.items] == ["Транспорт"]


@pytest.mark.parametrize(
    ("typed", "month"),
    [
        ("11.2026", date(2026, 11, 1)),
        ("1.2026", date(2026, 1, 1)),
        ("01/2026", date(2026, 1, 1)),
        (" 2026-10 ", date(2026, 10, 1)),
    ],
)
def test_a_month_is_typed_as_on_the_cards_or_as_for_report(typed: str, month: date) -> None:
    assert read_month(typed, TODAY) == month


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("ноябрь", "format"),
        ("13.2026", "format"),
        ("11.26", "format"),
        ("2026-1", "format"),
        ("01.0000", "format"),
        ("12.2026", "future"),
    ],
)
def test_a_month_that_is_none_or_ahead_says_why(typed: str, reason: str) -> None:
    with pytest.raises(HistoryMonthError) as refused:
        read_month(typed, TODAY)

    assert refused.value.reason == reason
