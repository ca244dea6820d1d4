"""The Google Sheets projection: the real gspread client, the fake Sheets server, the database.

What the owner relies on: every entry appears exactly once, in posting order, whatever
Google did meanwhile; a rebuild gives the same sheet as incremental pushes; a renamed or
merged category's rows are rewritten under the name they show now; the summary
sheets' formulas, recalculated by LibreOffice over the very cells we wrote, give the figures
the database gives.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.utils import get_column_letter
from sqlalchemy import func, select

from ledger.categories import DEFAULT_CATEGORIES, CategoryService
from ledger.clock import FrozenClock
from ledger.roles import Actor, Role
from ledger.storage.database import Database
from ledger.storage.models import CategoryRow, EntryRow, SheetRowRow, SheetStateRow, UserRow
from sheets.google_client import open_spreadsheet
from sheets.google_requests import SERIAL_EPOCH
from sheets.layout import (
    LISTS,
    MARKETING,
    OPERATIONS,
    OPERATIONS_COLUMNS,
    PROFIT,
    PROFIT_HEADER_ROW,
)
from sheets.sync import Pacing, SheetsSync, SheetsUnavailable
from tests.fakes.sheets import FakeSheets
from tests.integrations.sheets.test_google_client import CLIENT_EMAIL, service_account_file
from tests.integrations.sheets.test_xlsx import recalculated

NO_WAIT = Pacing(min_interval=0, attempts=3, backoff_base=0.001, backoff_cap=0.001)
# (date, category, rubles, city): spending in two months and two cities, and one with none.
SPENDING = [
    (date(2026, 10, 5), "Аренда", "50000", "Казань"),
    (date(2026, 10, 9), "Маркетинг", "12000.50", "Москва"),
    (date(2026, 11, 2), "Транспорт", "1500", None),
    (date(2026, 11, 20), "Маркетинг", "8000", "Казань"),
    (date(2026, 11, 21), "Аренда", "45000", "Москва"),
]


@pytest.fixture
async def fake() -> AsyncIterator[FakeSheets]:
    async with FakeSheets() as server:
        yield server


def make_sync(
    fake: FakeSheets,
    spreadsheet_id: str,
    key_file: Path,
    database: Database,
    clock: FrozenClock,
    **options: Any,
) -> SheetsSync:
    connect = functools.partial(open_spreadsheet, key_file, spreadsheet_id, fake.base_url)
    options.setdefault("pacing", NO_WAIT)
    return SheetsSync(database, clock, connect, spreadsheet_id, **options)


@pytest.fixture
def key_file(fake: FakeSheets, tmp_path: Path) -> Path:
    return service_account_file(tmp_path, fake.token_uri)


async def post_entries(
    database: Database,
    clock: FrozenClock,
    spending: list[tuple],
    *,
    receipts: frozenset[int] = frozenset(),
) -> list[int]:
    """Expense entries as the ledger stores them (negative kopecks), with their cities; those
    at the positions in `receipts` with a receipt photo."""
    async with database.unit_of_work() as uow:
        await CategoryService(uow, clock).seed(DEFAULT_CATEGORIES)
    async with database.write() as session:
        owner = await session.scalar(select(UserRow).where(UserRow.telegram_id == 1111111))
        if owner is None:
            owner = UserRow(telegram_id=1111111, name="Ольга", created_at=clock.now())
            session.add(owner)
            await session.flush()
        categories = {row.name: row.id for row in await session.scalars(select(CategoryRow))}
        rows = [
            EntryRow(
                kind="expense",
                amount_minor=-int(Decimal(rubles) * 100),
                currency="RUB",
                category_id=categories[category],
                account="owner",
                entry_date=day,
                description=f"{category} {rubles}",
                city=city,
                receipt_file_id=f"photo-{position}" if position in receipts else None,
                receipt_kind="photo" if position in receipts else None,
                created_by=owner.id,
                created_at=clock.now(),
            )
            for position, (day, category, rubles, city) in enumerate(spending)
        ]
        session.add_all(rows)
        await session.flush()
        return [row.id for row in rows]


def data_rows(fake: FakeSheets, spreadsheet_id: str) -> list[list[Any]]:
    """«Операции» below the header, without the empty rows the grid keeps spare."""
    return [row for row in fake.values(spreadsheet_id, OPERATIONS)[1:] if any(row)]


def entry_ids(fake: FakeSheets, spreadsheet_id: str) -> list[int]:
    return [int(row[14]) for row in data_rows(fake, spreadsheet_id)]


async def test_init_lays_out_every_sheet_and_a_second_init_repairs_without_duplicates(
    fake, key_file, database, clock
):
    spreadsheet = fake.create_spreadsheet("Копейка", sheets=("Лист1",))
    sync = make_sync(fake, spreadsheet, key_file, database, clock)

    await sync.init()
    await sync.init()

    meta = fake.metadata(spreadsheet)
    titles = [sheet["properties"]["title"] for sheet in meta["sheets"]]
    assert titles[:6] == [OPERATIONS, PROFIT, "Деньги у менеджеров", "Заявки", MARKETING, LISTS]
    by_title = {sheet["properties"]["title"]: sheet for sheet in meta["sheets"]}
    operations = by_title[OPERATIONS]
    assert operations["properties"]["gridProperties"]["frozenRowCount"] == 1
    assert operations["basicFilter"]["range"]["startRowIndex"] == 0
    assert len(operations.get("bandedRanges", [])) == 1
    assert len(by_title[MARKETING].get("charts", [])) == 1
    assert by_title[LISTS]["properties"].get("hidden") is True
    assert fake.values(spreadsheet, OPERATIONS)[0][:5] == [
        "Дата",
        "Месяц",
        "Вид",
        "Категория",
        "Сумма, ₽",
    ]
    assert "пересборка" in fake.cell(spreadsheet, OPERATIONS, "A1").get("note", "")
    selector = fake.cell(spreadsheet, PROFIT, "B2")
    assert selector["dataValidation"]["condition"]["type"] == "ONE_OF_RANGE"


async def test_init_sets_russian_locale_and_the_business_time_zone(fake, key_file, database, clock):
    """A spreadsheet made from an English Google account starts in en_US and its time zone;
    the ledger's formats and TODAY() want Russian and the business's zone. A push keeps
    whatever the owner chose afterwards."""
    spreadsheet = fake.create_spreadsheet("Kopeyka", locale="en_US", time_zone="America/New_York")
    sync = make_sync(fake, spreadsheet, key_file, database, clock)

    await sync.init()

    properties = fake.metadata(spreadsheet)["properties"]
    assert (properties["locale"], properties["timeZone"]) == ("ru_RU", clock.tz.key)

    fake.spreadsheets[spreadsheet].properties["locale"] = "en_GB"  # the owner's own choice
    await post_entries(database, clock, SPENDING[:1])
    report = await sync.push()
    assert report.rows_written == 1
    assert fake.metadata(spreadsheet)["properties"]["locale"] == "en_GB"


async def test_push_writes_each_entry_once_in_posting_order_in_one_request(
    fake, key_file, database, clock
):
    spreadsheet = fake.create_spreadsheet("Копейка")
    sync = make_sync(fake, spreadsheet, key_file, database, clock)
    await sync.init()
    ids = await post_entries(database, clock, SPENDING)

    report = await sync.push()
    again = await sync.push()

    assert report.rows_written == len(SPENDING)
    assert entry_ids(fake, spreadsheet) == ids
    first = data_rows(fake, spreadsheet)[0]
    assert first[0] == (date(2026, 10, 5) - SERIAL_EPOCH).days
    assert first[1:5] == ["2026-10", "расход", "Аренда", -50000]
    assert first[10] == "Казань"
    assert again.rows_written == 0
    assert again.write_requests == 0, "nothing new, nothing sent"


async def test_rows_go_in_chunks_of_one_request_each(fake, key_file, database, clock):
    spreadsheet = fake.create_spreadsheet("Копейка")
    sync = make_sync(fake, spreadsheet, key_file, database, clock, chunk_rows=2)
    await sync.init()
    ids = await post_entries(database, clock, SPENDING)
    writes_before = fake.write_requests

    report = await sync.push()

    assert report.rows_written == 5
    assert fake.write_requests - writes_before == report.write_requests
    assert report.write_requests == 1 + 3  # the summary changed, then 3 chunks of rows
    assert entry_ids(fake, spreadsheet) == ids


async def test_google_down_then_up_every_entry_appears_exactly_once(
    fake, key_file, database, clock
):
    spreadsheet = fake.create_spreadsheet("Копейка")
    sync = make_sync(fake, spreadsheet, key_file, database, clock, chunk_rows=2)
    await sync.init()
    ids = await post_entries(database, clock, SPENDING[:3])
    await sync.push()

    fake.down = True
    more = await post_entries(database, clock, SPENDING[3:])
    with pytest.raises(SheetsUnavailable) as refused:
        await sync.push()
    assert refused.value.retryable
    fake.down = False
    fake.fail_next(500)  # and one more hiccup: retried within the push
    await sync.push()

    assert entry_ids(fake, spreadsheet) == ids + more
    async with database.read() as session:
        held = await session.scalar(select(func.count()).select_from(SheetRowRow))
    assert held == len(SPENDING)


async def test_a_write_that_landed_but_was_not_acknowledged_is_not_duplicated(
    fake, key_file, database, clock
):
    """The push dies after Google applied a write and before the database noted it."""
    spreadsheet = fake.create_spreadsheet("Копейка")
    sync = make_sync(fake, spreadsheet, key_file, database, clock)
    await sync.init()
    ids = await post_entries(database, clock, SPENDING)
    lost = SheetsSync._remember

    async def crash(*_: Any, **__: Any) -> None:
        raise RuntimeError("power cut")

    sync._remember = crash  # type: ignore[method-assign]
    with pytest.raises(RuntimeError):
        await sync.push()
    sync._remember = lost.__get__(sync)  # type: ignore[method-assign]
    await sync.push()

    assert entry_ids(fake, spreadsheet) == ids


async def test_rebuild_from_scratch_equals_incremental_and_puts_hand_edits_right(
    fake, key_file, database, clock
):
    incremental = fake.create_spreadsheet("Копейка")
    sync = make_sync(fake, incremental, key_file, database, clock, chunk_rows=2)
    await sync.init()
    await post_entries(database, clock, SPENDING[:2])
    await sync.push()
    await post_entries(database, clock, SPENDING[2:])
    await sync.push()
    expected = fake.values(incremental, OPERATIONS)
    await asyncio.to_thread(hand_edit, key_file, incremental, fake.base_url)
    assert fake.values(incremental, OPERATIONS) != expected

    await sync.rebuild()
    fresh = fake.create_spreadsheet("С нуля")
    await make_sync(fake, fresh, key_file, database, clock).push()

    assert fake.values(incremental, OPERATIONS) == expected
    assert data_rows(fake, fresh) == data_rows(fake, incremental)


async def test_a_sheet_not_shared_with_us_is_a_permanent_failure(
    fake, key_file, database, clock, tmp_path
):
    spreadsheet = fake.create_spreadsheet("Чужая", shared_with=["someone@else.iam"])
    sync = make_sync(fake, spreadsheet, key_file, database, clock)

    with pytest.raises(SheetsUnavailable) as refused:
        await sync.init()

    assert not refused.value.retryable
    assert CLIENT_EMAIL not in refused.value.reason or "share" in refused.value.reason


def hand_edit(key_file: Path, spreadsheet: str, endpoint: str) -> None:
    """The owner "fixes" an amount in the sheet and types below the table, through the API."""
    sheet = open_spreadsheet(key_file, spreadsheet, endpoint).worksheet(OPERATIONS)
    sheet.update([[-1]], "E3")
    sheet.update([["мусор"]], "A40")


def grid_to_xlsx(fake: FakeSheets, spreadsheet: str, path: Path) -> None:
    """The cells we wrote to Google, formulas included, as a workbook LibreOffice computes."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for sheet in fake.metadata(spreadsheet)["sheets"]:
        title = sheet["properties"]["title"]
        target = book.create_sheet(title)
        for (r, c), cell in fake.sheet(spreadsheet, title).cells.items():
            value = cell.get("userEnteredValue") or {}
            if "stringValue" in value:  # text stays text, "=x" included
                target.cell(r + 1, c + 1).value = value["stringValue"]
                target.cell(r + 1, c + 1).data_type = "s"
            elif "formulaValue" in value:
                target.cell(r + 1, c + 1, value["formulaValue"])
            elif "numberValue" in value:
                target.cell(r + 1, c + 1, value["numberValue"])
    book.save(path)


def expected_spending(month: date, category: str, city: str | None) -> Decimal:
    return sum(
        (
            Decimal(rubles)
            for day, name, rubles, where in SPENDING
            if day.replace(day=1) == month and name == category and city in (None, where)
        ),
        Decimal(0),
    )


@pytest.mark.parametrize("city", [None, "Казань"], ids=["все", "Казань"])
async def test_profit_formulas_over_the_written_cells_equal_the_database(
    fake, key_file, database, clock, tmp_path, city
):
    spreadsheet = fake.create_spreadsheet("Копейка")
    sync = make_sync(fake, spreadsheet, key_file, database, clock)
    await post_entries(database, clock, SPENDING)
    await sync.push()
    path = tmp_path / "from-google.xlsx"
    grid_to_xlsx(fake, spreadsheet, path)
    if city is not None:
        book = openpyxl.load_workbook(path)
        book[PROFIT]["B5"] = city  # the «Город» selector, as the owner picks it
        book.save(path)

    computed = recalculated(path, tmp_path)[PROFIT]

    header = [cell.value for cell in computed[PROFIT_HEADER_ROW]]
    months = []
    for row in computed.iter_rows(min_row=PROFIT_HEADER_ROW + 1):
        if row[0].value in (None, "Итого"):
            continue
        month = SERIAL_EPOCH + timedelta(days=int(row[0].value))  # written as a serial date
        months.append(month)
        for category in ("Аренда", "Маркетинг", "Транспорт"):
            figure = row[header.index(category)].value or 0
            wanted = expected_spending(month, category, city)
            assert Decimal(str(round(figure, 2))) == wanted, (month, category)
    assert months == [date(2026, 10, 1), date(2026, 11, 1)]


# -- the «Чек» column ---------------------------------------------------------------------------


def link(entry_id: int) -> str:
    return f"https://kopeyka.example.com/receipts/t{entry_id}"


def receipts_column(fake: FakeSheets, spreadsheet_id: str) -> list[Any]:
    return [row[15] if len(row) > 15 else None for row in data_rows(fake, spreadsheet_id)]


def hyperlink(entry_id: int) -> str:
    return f'=HYPERLINK("{link(entry_id)}","есть")'


async def test_a_receipt_links_to_where_the_bot_serves_it(fake, key_file, database, clock):
    spreadsheet = fake.create_spreadsheet("Копейка")
    sync = make_sync(fake, spreadsheet, key_file, database, clock, receipt_link=link)
    await sync.init()
    ids = await post_entries(database, clock, SPENDING, receipts=frozenset({1, 3}))

    await sync.push()

    assert fake.values(spreadsheet, OPERATIONS)[0][15] == "Чек"
    assert receipts_column(fake, spreadsheet) == [
        None,
        hyperlink(ids[1]),
        None,
        hyperlink(ids[3]),
        None,
    ]


async def test_without_a_public_address_a_receipt_is_marked_without_a_link(
    fake, key_file, database, clock
):
    spreadsheet = fake.create_spreadsheet("Копейка")
    sync = make_sync(fake, spreadsheet, key_file, database, clock)
    await sync.init()
    await post_entries(database, clock, SPENDING[:2], receipts=frozenset({0}))

    await sync.push()

    assert receipts_column(fake, spreadsheet) == ["есть", None]


async def test_a_sheet_written_before_the_receipt_column_gets_it_in_every_row_once(
    fake, key_file, database, clock
):
    """As an existing spreadsheet meets this version: 15 columns of rows, and a database
    migrated with no layout noted for them."""
    spreadsheet = fake.create_spreadsheet("Копейка")
    sync = make_sync(fake, spreadsheet, key_file, database, clock, chunk_rows=2)
    await sync.init()
    ids = await post_entries(database, clock, SPENDING, receipts=frozenset({0, 4}))
    await sync.push()
    operations = fake.spreadsheets[spreadsheet].sheet_by_title(OPERATIONS)
    drop_receipts = {
        "deleteDimension": {
            "range": {
                "sheetId": operations.id,
                "dimension": "COLUMNS",
                "startIndex": 15,
                "endIndex": 16,
            }
        }
    }
    book = await asyncio.to_thread(open_spreadsheet, key_file, spreadsheet, fake.base_url)
    await asyncio.to_thread(book.batch_update, {"requests": [drop_receipts]})
    async with database.write() as session:
        state = await session.get(SheetStateRow, spreadsheet)
        state.operations_layout = None
        state.summary_digest = "the 15-column layout"
    assert fake.values(spreadsheet, OPERATIONS)[0][-1] == "№ записи"

    batches = 0
    send = sync._batch

    async def google_dies_after_the_first_rows(requests: Any, report: Any) -> None:
        nonlocal batches
        batches += 1
        if batches == 3:  # the summary, then the first two rows, then Google is gone…
            raise SheetsUnavailable("Sheets API 503", retryable=True)
        await send(requests, report)

    sync._batch = google_dies_after_the_first_rows  # type: ignore[method-assign]
    with pytest.raises(SheetsUnavailable):
        await sync.push()
    report = await sync.push()  # …and the next push finishes the rewrite
    again = await sync.push()

    header = fake.values(spreadsheet, OPERATIONS)[0]
    assert header == [column.title for column in OPERATIONS_COLUMNS]
    assert entry_ids(fake, spreadsheet) == ids
    assert receipts_column(fake, spreadsheet) == ["есть", None, None, None, "есть"]
    assert report.rows_written == len(SPENDING) - 2
    assert again.rows_written == 0
    assert again.write_requests == 0


async def test_switching_receipt_links_on_rewrites_the_rows_with_links(
    fake, key_file, database, clock
):
    spreadsheet = fake.create_spreadsheet("Копейка")
    plain = make_sync(fake, spreadsheet, key_file, database, clock)
    await plain.init()
    ids = await post_entries(database, clock, SPENDING[:3], receipts=frozenset({2}))
    await plain.push()
    assert receipts_column(fake, spreadsheet) == [None, None, "есть"]

    linked = make_sync(fake, spreadsheet, key_file, database, clock, receipt_link=link)
    report = await linked.push()
    again = await linked.push()

    assert receipts_column(fake, spreadsheet) == [None, None, hyperlink(ids[2])]
    assert entry_ids(fake, spreadsheet) == ids
    assert report.rows_written == 3
    assert again.rows_written == 0


# Names SUMIFS would read as a comparison or a pattern, each after the name it would then take.
MISREAD = ["x", "=x", "aXb", "a*b", "what!", "what?", "tilde", "~tilde", "5", ">5"]
MISREAD += ["без категории", "<без категории>"]


async def test_names_a_criterion_would_misread_are_escaped_and_count_as_themselves(
    fake, key_file, database, clock, tmp_path
):
    async with database.write() as session:
        session.add_all(
            CategoryRow(name=name, keywords=[], position=100 + i) for i, name in enumerate(MISREAD)
        )
    spending = [
        (date(2026, 11, 3), name, str(rubles), city)
        for i, name in enumerate(MISREAD)
        for rubles, city in (((i + 1) * 1000, "~tilde"), (i + 1, "tilde"))
    ]
    await post_entries(database, clock, spending)
    spreadsheet = fake.create_spreadsheet("Копейка")
    await make_sync(fake, spreadsheet, key_file, database, clock).push()

    header = fake.values(spreadsheet, PROFIT)[PROFIT_HEADER_ROW - 1]
    for name in MISREAD:
        letter = get_column_letter(header.index(name) + 1)
        formula = fake.formula(spreadsheet, PROFIT, f"{letter}{PROFIT_HEADER_ROW + 1}")
        escaped = f'SUBSTITUTE(SUBSTITUTE(SUBSTITUTE({letter}${PROFIT_HEADER_ROW},"~","~~"),'
        assert f"'{OPERATIONS}'!$D:$D,\"=\"&{escaped}" in formula
    city = fake.formula(spreadsheet, LISTS, "G5")
    assert city.endswith(
        ',"="&SUBSTITUTE(SUBSTITUTE(SUBSTITUTE(\'Прибыль\'!$B$5,"~","~~"),"*","~*"),"?","~?"))'
    )

    path = tmp_path / "from-google.xlsx"
    grid_to_xlsx(fake, spreadsheet, path)
    book = openpyxl.load_workbook(path)
    book[PROFIT]["B5"] = "~tilde"  # the «Город» selector, as the owner picks it
    book.save(path)
    computed = recalculated(path, tmp_path)[PROFIT]

    month = [cell.value for cell in computed[PROFIT_HEADER_ROW + 1]]
    assert {name: month[header.index(name)] for name in MISREAD} == {
        name: (i + 1) * 1000 for i, name in enumerate(MISREAD)
    }


async def test_doctor_opens_the_spreadsheet_or_says_why_not(fake, key_file, capsys):
    from app.doctor import check_sheets
    from config.settings import Settings

    shared = fake.create_spreadsheet("Копейка")
    foreign = fake.create_spreadsheet("Чужая", shared_with=["someone@else.iam"])

    def settings(sheet_id: str) -> Settings:
        return Settings(
            _env_file=None,
            google_service_account_file=key_file,
            sheet_id=sheet_id,
            google_sheets_endpoint=fake.base_url,
        )

    assert await check_sheets(settings(shared)) == (
        "ok ",
        "Google Sheets",
        "«Копейка» opens; `run.py sheet init` lays it out",
    )
    mark, _, reason = await check_sheets(settings(foreign))
    assert mark == "BAD"
    assert "share" in reason


# -- category names: after a rename or a merge the rows written are rewritten, so «Прибыль»
# sums a merged category under its target; a new category, or nothing new, rewrites nothing.


async def owner(database: Database) -> Actor:
    async with database.read() as session:
        user = await session.scalar(select(UserRow).where(UserRow.telegram_id == 1111111))
    assert user is not None
    return Actor(user.id, user.telegram_id, user.name, frozenset({Role.OWNER}))


async def ids_of(database: Database) -> dict[str, int]:
    async with database.read() as session:
        return {row.name: row.id for row in await session.scalars(select(CategoryRow))}


async def merge(database: Database, clock: FrozenClock, source: str, into: str) -> None:
    actor, ids = await owner(database), await ids_of(database)
    async with database.unit_of_work() as uow:
        categories = CategoryService(uow, clock)
        until = await categories.ask_to_merge(actor, ids[source], ids[into])
        await categories.merge(actor, ids[source], ids[into], confirmed_until=until)


def categories_in(fake: FakeSheets, spreadsheet: str) -> list[str]:
    return [row[3] for row in data_rows(fake, spreadsheet)]


async def test_a_merge_rewrites_the_rows_and_profit_sums_them_under_the_target(
    fake, key_file, database, clock, tmp_path
):
    spreadsheet = fake.create_spreadsheet("Копейка")
    sync = make_sync(fake, spreadsheet, key_file, database, clock)
    ids = await post_entries(database, clock, SPENDING)
    await sync.push()
    assert "Транспорт" in categories_in(fake, spreadsheet)

    await merge(database, clock, "Транспорт", "Аренда")
    report = await sync.push()
    again = await sync.push()

    assert report.rows_written == len(SPENDING)
    assert entry_ids(fake, spreadsheet) == ids  # each entry once, in posting order
    assert categories_in(fake, spreadsheet) == [
        "Аренда",
        "Маркетинг",
        "Аренда",
        "Маркетинг",
        "Аренда",
    ]
    assert (again.rows_written, again.write_requests) == (0, 0)
    path = tmp_path / "from-google.xlsx"
    grid_to_xlsx(fake, spreadsheet, path)
    computed = recalculated(path, tmp_path)[PROFIT]
    header = [cell.value for cell in computed[PROFIT_HEADER_ROW]]
    assert "Транспорт" not in header
    rent = {
        SERIAL_EPOCH + timedelta(days=int(row[0].value)): row[header.index("Аренда")].value
        for row in computed.iter_rows(min_row=PROFIT_HEADER_ROW + 1)
        if row[0].value not in (None, "Итого")
    }
    assert Decimal(str(rent[date(2026, 11, 1)])) == Decimal("46500")  # 45000 + the taxi


async def test_a_rename_rewrites_the_rows_a_new_category_does_not(fake, key_file, database, clock):
    spreadsheet = fake.create_spreadsheet("Копейка")
    sync = make_sync(fake, spreadsheet, key_file, database, clock)
    await post_entries(database, clock, SPENDING)
    await sync.push()
    actor = await owner(database)
    async with database.unit_of_work() as uow:
        await CategoryService(uow, clock).add(actor, "Ремонт")

    unchanged = await sync.push()
    async with database.unit_of_work() as uow:
        await CategoryService(uow, clock).rename(actor, (await ids_of(database))["Аренда"], "Офис")
    renamed = await sync.push()

    assert unchanged.rows_written == 0
    assert renamed.rows_written == len(SPENDING)
    assert categories_in(fake, spreadsheet).count("Офис") == 2
    assert "Аренда" not in categories_in(fake, spreadsheet)
    assert len(fake.values(spreadsheet, OPERATIONS)[1:]) >= len(SPENDING)
