"""Profit by month for /profit: the workbook's rules, its filters, and the owner-only door.

Expenses and reversals are posted through the services, as the owner posts them; income and
company expenses with salon or city through the journal, as payment confirmation and paid
requests will post them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select

from app.context import Services
from bot.callbacks import StaleFilter, pack_filters, unpack_filters, value_check
from ledger.categories import DEFAULT_CATEGORIES
from ledger.clock import FrozenClock
from ledger.errors import NotAllowed
from ledger.journal import EntryKind, Journal, MoneyAccount, Posting
from ledger.money import Money
from ledger.profit import (
    Dimension,
    MonthError,
    MonthFigures,
    ProfitService,
    parse_month,
    shown_months,
)
from ledger.roles import Actor, Role
from ledger.storage.database import Database
from ledger.storage.models import CategoryRow
from ledger.storage.uow import UnitOfWork
from ledger.users import Person
from sheets.projection import load_projection
from sheets.report import ReportService
from sheets.xlsx import export_xlsx
from tests.conftest import OWNER_ID
from tests.integrations.sheets.test_xlsx import recalculated

AUG, SEP, OCT, NOV = (date(2026, month, 1) for month in (8, 9, 10, 11))


@dataclass
class Books:
    database: Database
    clock: FrozenClock
    owner: Actor

    async def monthly(self, actor: Actor | None = None, **filters: str):
        async with self.database.unit_of_work() as uow:
            service = ProfitService(uow, self.clock)
            data = await service.monthly(actor or self.owner)
        chosen = {Dimension(name): value for name, value in filters.items()}
        return data, {f.month: f for f in data.figures(chosen)}


async def _income(
    uow: UnitOfWork, owner: Actor, clock: FrozenClock, rubles: str, day: date, **dims: str
) -> int:
    """An income entry, posted as payment confirmation will post it."""
    return await _post(uow, owner, clock, EntryKind.INCOME, rubles, "Прочее", day, **dims)


async def _expense_in(
    uow: UnitOfWork,
    owner: Actor,
    clock: FrozenClock,
    rubles: str,
    category: str,
    day: date,
    **dims: str,
) -> int:
    """A company expense carrying salon or city, as a paid request will post it."""
    return await _post(uow, owner, clock, EntryKind.EXPENSE, rubles, category, day, **dims)


async def _post(
    uow: UnitOfWork,
    owner: Actor,
    clock: FrozenClock,
    kind: EntryKind,
    rubles: str,
    category: str,
    day: date,
    **dims: str,
) -> int:
    category_id = await uow.session.scalar(
        select(CategoryRow.id).where(CategoryRow.name == category)
    )
    posting = Posting(
        kind, Money(Decimal(rubles)), category_id, MoneyAccount.BANK_ACCOUNT, day, **dims
    )
    return (await Journal(uow, clock).post(owner, posting)).id


@pytest.fixture
async def books(services: Services, database: Database, clock: FrozenClock) -> Books:
    """Four months of a small business; "today" is 23.11.2026."""
    uow, expenses = services.uow, services.expenses
    await services.categories.seed(DEFAULT_CATEGORIES)
    owner = await services.users.resolve(Person(OWNER_ID, "Ольга"))

    draft = await expenses.start_draft(owner, "1500 такси")
    await expenses.save(owner, draft.id, draft.revision)
    async with uow.write():
        await _expense_in(uow, owner, clock, "5000", "Маркетинг", date(2026, 8, 14))
        await _income(uow, owner, clock, "100000", date(2026, 11, 2), city="Москва", salon="Центр")
        await _income(uow, owner, clock, "50000", date(2026, 11, 3), city="Казань")
        await _expense_in(uow, owner, clock, "15000", "Маркетинг", date(2026, 11, 5), city="Москва")
        kazan_taxi = await _expense_in(
            uow, owner, clock, "2000", "Транспорт", date(2026, 11, 6), city="Казань"
        )
        await _income(uow, owner, clock, "80000", date(2026, 10, 10), city="москва")
        await _expense_in(
            uow, owner, clock, "10000", "Маркетинг", date(2026, 10, 12), city="Москва"
        )
        refunded = await _income(uow, owner, clock, "30000", date(2026, 10, 20), city="Казань")
        await _income(uow, owner, clock, "999", date(2026, 7, 31), city="Москва")
        await uow.commit()
    # Undone with undo's two taps: an expense (+2000 in November), an income (−30000 in October).
    for undone in (kazan_taxi, refunded):
        until = await services.entries.ask_to_reverse(owner, undone)
        await services.entries.reverse(owner, undone, confirmed_until=until)
    return Books(database, clock, owner)


def figures(income: str, expenses: str, marketing: str = "0") -> tuple[Decimal, Decimal, Decimal]:
    return Decimal(income), Decimal(expenses), Decimal(marketing)


def as_tuple(month: MonthFigures) -> tuple[Decimal, Decimal, Decimal]:
    return month.income, month.expenses, month.marketing


async def test_this_month_and_the_three_before_follow_the_workbooks_rules(books: Books) -> None:
    data, by_month = await books.monthly()

    assert data.months == (AUG, SEP, OCT, NOV)  # July's income is outside the card
    assert as_tuple(by_month[NOV]) == figures("150000", "16500", "15000")  # taxi 2000 undone
    assert as_tuple(by_month[OCT]) == figures("80000", "10000", "10000")  # refund took 30000
    assert as_tuple(by_month[SEP]) == figures("0", "0")
    assert as_tuple(by_month[AUG]) == figures("0", "5000", "5000")
    assert by_month[NOV].net == Decimal("133500")
    assert by_month[NOV].margin == Decimal("0.89")
    assert by_month[AUG].net == Decimal("-5000")
    assert by_month[AUG].margin is None  # no income: the workbook leaves the margin blank
    assert all(isinstance(m.income, Decimal) for m in by_month.values())


async def test_filter_lists_come_from_the_data_and_ignore_case(books: Books) -> None:
    data, _ = await books.monthly()

    assert data.options == {
        Dimension.MANAGER: (),  # entries are not linked to deals yet
        Dimension.PRODUCT: (),
        Dimension.SALON: ("Центр",),
        Dimension.CITY: ("Казань", "Москва"),  # "москва" in October is the same city
    }


async def test_a_city_filter_keeps_that_citys_entries_ignoring_case(books: Books) -> None:
    _, moscow = await books.monthly(city="Москва")
    _, kazan = await books.monthly(city="казань")

    assert as_tuple(moscow[NOV]) == figures("100000", "15000", "15000")
    assert as_tuple(moscow[OCT]) == figures("80000", "10000", "10000")
    assert as_tuple(moscow[AUG]) == figures("0", "0")  # August's spend has no city
    assert as_tuple(kazan[NOV]) == figures("50000", "0")
    assert kazan[NOV].margin == Decimal(1)
    assert as_tuple(kazan[OCT]) == figures("0", "0")


async def test_filters_combine(books: Books) -> None:
    _, centre = await books.monthly(city="Москва", salon="Центр")
    _, nowhere = await books.monthly(city="Казань", salon="Центр")

    assert as_tuple(centre[NOV]) == figures("100000", "0")
    assert as_tuple(nowhere[NOV]) == figures("0", "0")


async def test_someone_else_than_the_owner_is_refused(books: Books) -> None:
    cashier = Actor(user_id=99, telegram_id=7770001, name="Кира", roles=frozenset({Role.CASHIER}))

    with pytest.raises(NotAllowed):
        await books.monthly(cashier)
    async with books.database.unit_of_work() as uow:
        with pytest.raises(NotAllowed):
            await ReportService(uow, books.clock).workbook(cashier)


def test_the_months_shown_cross_a_new_year() -> None:
    assert shown_months(date(2027, 2, 10)) == (
        date(2026, 11, 1),
        date(2026, 12, 1),
        date(2027, 1, 1),
        date(2027, 2, 1),
    )


@pytest.mark.parametrize(
    ("text", "outcome"),
    [
        ("2026-11", "2026-11"),
        (" 2026-01 ", "2026-01"),
        ("2026-12", "future"),
        ("2026-13", "format"),
        ("11.2026", "format"),
        ("ноябрь", "format"),
    ],
)
def test_a_report_month_is_yyyy_mm_and_not_in_the_future(text: str, outcome: str) -> None:
    today = date(2026, 11, 23)
    if outcome in ("future", "format"):
        with pytest.raises(MonthError) as caught:
            parse_month(text, today)
        assert caught.value.reason == outcome
    else:
        assert parse_month(text, today) == outcome


def test_filter_callback_data_is_indices_checked_against_the_values() -> None:
    lists = [(), (), ("Центр",), ("Казань", "Москва", "Санкт-Петербург")]

    packed = pack_filters([None, None, 0, 2], lists)
    assert packed == f"~~0.{value_check('Центр')}~2.{value_check('Санкт-Петербург')}"
    assert unpack_filters(packed, lists) == [None, None, 0, 2]
    assert unpack_filters("", lists) == [None] * 4
    assert pack_filters([None] * 4, lists) == ""

    moved = [(), (), ("Центр",), ("Казань", "Москва", "Новосибирск", "Санкт-Петербург")]
    with pytest.raises(StaleFilter):  # index 2 is another city now: the check catches it
        unpack_filters(packed, moved)
    for forged in ("~~~9.0000", "~~0.ffff~", "~~~x", "~~0", "1.0000~~~", "~~", "-1.0000~~~"):
        with pytest.raises(StaleFilter):
            unpack_filters(forged, lists)


async def test_the_figures_equal_what_the_workbook_computes_for_a_city(
    books: Books, tmp_path: Path
) -> None:
    """The XLSX «Прибыль», recomputed by LibreOffice with city «Москва» chosen, shows the
    figures the card shows.
    """
    async with books.database.read() as session:
        projection = await load_projection(session)
    path = export_xlsx(projection, tmp_path / "ledger.xlsx", books.clock.today())
    book = openpyxl.load_workbook(path)
    book["Прибыль"]["B5"] = "Москва"
    chosen = tmp_path / "chosen" / "ledger.xlsx"
    chosen.parent.mkdir()
    book.save(chosen)
    sheet = recalculated(chosen, tmp_path)["Прибыль"]

    header = [cell.value for cell in sheet[7]]
    columns = {title: header.index(title) for title in header if title}
    rows = {
        row[0].value.date(): row
        for row in sheet.iter_rows(min_row=8)
        if hasattr(row[0].value, "date")
    }
    _, moscow = await books.monthly(city="Москва")
    for month, figures_ in moscow.items():
        row = rows[month]
        income = row[columns["Доходы, ₽"]].value
        spent = row[columns["Расходы итого, ₽"]].value
        net = row[columns["Чистая прибыль, ₽"]].value
        assert Decimal(str(round(income, 2))) == figures_.income, month
        assert Decimal(str(round(spent, 2))) == figures_.expenses, month
        assert Decimal(str(round(net, 2))) == figures_.net, month
