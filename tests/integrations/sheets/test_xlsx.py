"""The XLSX workbook: what openpyxl reads back, what LibreOffice computes, what the database gives.

The LibreOffice tests recalculate the file with `soffice --headless --convert-to xlsx` (Debian
package `libreoffice-calc`) and compare «Прибыль» with figures computed here, in Decimal, from
the entries themselves.
"""

from __future__ import annotations

import itertools
import shutil
import subprocess
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from ledger.categories import DEFAULT_CATEGORIES, CategoryService
from ledger.clock import FrozenClock
from ledger.entries import EntryBook
from ledger.expenses import ExpenseService
from ledger.storage.database import Database
from ledger.storage.models import DealRow, ExpectedPaymentRow
from ledger.users import Person, UserService
from sheets.layout import PROFIT_HEADER_ROW, RUB_FORMAT
from sheets.projection import CashHeldRow, LedgerRow, Projection, RequestRow, load_projection
from sheets.xlsx import export_xlsx

TODAY = date(2026, 11, 23)
CATEGORIES = ["Аренда", "Маркетинг", "Закупки", "Транспорт", "Налоги"]
OPERATIONS_HEADER = [
    "Дата",
    "Месяц",
    "Вид",
    "Категория",
    "Сумма, ₽",
    "Сделка",
    "Договор",
    "Менеджер",
    "Продукт",
    "Салон",
    "Город",
    "Контрагент",
    "Комментарий",
    "Кто",
    "№ записи",
    "Чек",
]
SHEETS = ["Операции", "Прибыль", "Деньги у менеджеров", "Заявки", "Маркетинг и оборот", "Списки"]


def entry(entry_id: int, day: date, kind: str, category: str, amount: str, **dims) -> LedgerRow:
    return LedgerRow(entry_id, day, kind, category, Decimal(amount), "Ольга", **dims)


IVANOV = {"manager": "Иванов", "salon": "Центр", "city": "Москва"}
LEDGER = [
    entry(
        1,
        date(2026, 9, 3),
        "income",
        "Оплата",
        "100000.00",
        product="Кухня",
        deal="Д1",
        has_receipt=True,
        **IVANOV,
    ),
    entry(2, date(2026, 9, 5), "expense", "Маркетинг", "-15000.00", comment="реклама"),
    entry(3, date(2026, 9, 7), "expense", "Транспорт", "-1500.50", **IVANOV),
    entry(4, date(2026, 9, 7), "reversal", "Транспорт", "1500.50", reverses_entry_id=3, **IVANOV),
    entry(
        5, date(2026, 9, 10), "expense", "Закупки", "-20000.25", manager="Петров", product="Шкаф"
    ),
    entry(6, date(2026, 9, 12), "expense", "Транспорт", "-700.10", **IVANOV),
    entry(7, date(2026, 10, 1), "income", "Оплата", "50000.00", manager="Петров", city="Казань"),
    entry(8, date(2026, 10, 2), "expense", "Аренда", "-30000.00", salon="Центр"),
    entry(9, date(2026, 10, 15), "income", "Оплата", "7000.10", manager="Иванов"),
    entry(
        10,
        date(2026, 10, 15),
        "reversal",
        "Оплата",
        "-7000.10",
        manager="Иванов",
        reverses_entry_id=9,
    ),
    entry(11, date(2026, 10, 20), "income", "Оплата", "12345.67", manager="Иванов", city="Москва"),
    entry(12, date(2026, 10, 21), "expense", "Маркетинг", "-2500.00", manager="Иванов"),
    entry(
        13, date(2026, 11, 3), "expense", "Маркетинг", "-5000.00", comment="=1+1", has_receipt=True
    ),
    entry(14, date(2026, 11, 5), "expense", "Транспорт", "-800.00", manager="Иванов"),
]
CASH = [CashHeldRow("Иванов", "Д1", "Д-1/26", Decimal("20000.00"), date(2026, 11, 1))]
REQUESTS = [
    RequestRow(
        1,
        date(2020, 1, 1),
        "Маша",
        "Д1",
        "ООО Ромашка",
        "Фасады",
        Decimal("12000"),
        date(2020, 1, 10),
        "approved",
    ),
    RequestRow(
        2,
        date(2020, 1, 1),
        "Маша",
        None,
        "ИП Лесков",
        "Аренда",
        Decimal("30000"),
        date(2999, 1, 10),
        "submitted",
    ),
    RequestRow(
        3,
        date(2020, 1, 1),
        "Маша",
        None,
        "ИП Лесков",
        "Аренда",
        Decimal("30000"),
        date(2020, 1, 5),
        "paid",
    ),
]


def projection() -> Projection:
    return Projection(LEDGER, CATEGORIES, CASH, REQUESTS, marketing_category="Маркетинг")


@pytest.fixture
def workbook_path(tmp_path: Path) -> Path:
    return export_xlsx(projection(), tmp_path / "ledger.xlsx", TODAY)


# -- what the file holds ---------------------------------------------------------------------


def test_the_workbook_has_every_sheet_and_operations_has_every_entry_with_its_format(
    workbook_path: Path,
) -> None:
    book = openpyxl.load_workbook(workbook_path)

    assert book.sheetnames == SHEETS
    assert book["Списки"].sheet_state == "hidden"
    sheet = book["Операции"]
    assert [c.value for c in sheet[1]] == OPERATIONS_HEADER
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == len(LEDGER)
    for row, expected in zip(rows, LEDGER, strict=True):
        assert row[0].date() == expected.entry_date
        assert row[1] == expected.month
        assert Decimal(str(row[4])) == expected.amount
        assert row[7] == expected.manager
        assert row[14] == expected.entry_id
        # The file links nowhere: a receipt is marked, and the bot sends it back on a tap.
        assert row[15] == ("есть" if expected.has_receipt else None)
    assert rows[3][2] == "сторно"
    assert rows[3][12] == "сторно записи №3"
    assert rows[12][12] == "=1+1"  # a comment is text, never a formula
    assert sheet.cell(row=14, column=13).data_type == "s"
    for row in (2, 3, len(LEDGER) + 1):  # openpyxl's first row and the streamed ones alike
        assert sheet.cell(row=row, column=5).number_format == RUB_FORMAT
        assert sheet.cell(row=row, column=1).number_format == "DD.MM.YYYY"
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:P{len(LEDGER) + 1}"
    assert "пересборка" in sheet["A1"].comment.text
    [banding] = list(sheet.conditional_formatting)
    assert str(banding.sqref) == f"A2:P{len(LEDGER) + 1}"


def test_profit_is_formulas_over_operations_with_dropdown_selectors(workbook_path: Path) -> None:
    sheet = openpyxl.load_workbook(workbook_path)["Прибыль"]
    header = [c.value for c in sheet[PROFIT_HEADER_ROW]]

    assert header == [
        "Месяц",
        "Доходы, ₽",
        *CATEGORIES,
        "Расходы итого, ₽",
        "Чистая прибыль, ₽",
        "Маржа, %",
    ]
    assert [sheet.cell(row=r, column=2).value for r in range(2, 6)] == ["все"] * 4
    months = [sheet.cell(row=r, column=1).value for r in range(8, 12)]
    assert [m.date() if hasattr(m, "date") else m for m in months] == [
        date(2026, 9, 1),
        date(2026, 10, 1),
        date(2026, 11, 1),
        "Итого",
    ]
    income = sheet["B8"].value
    assert income.startswith("=SUMIFS('Операции'!$E:$E,'Операции'!$A:$A,\">=\"&$A8,")
    assert "'Операции'!$C:$C,\"=доход\"" in income
    assert "'Операции'!$H:$H,'Списки'!$G$2" in income
    category = 'SUBSTITUTE(SUBSTITUTE(SUBSTITUTE(C$7,"~","~~"),"*","~*"),"?","~?")'
    assert f"'Операции'!$D:$D,\"=\"&{category}" in sheet["C8"].value
    assert sheet["I8"].value == "=B8-H8"
    assert sheet["J8"].value == '=IFERROR(I8/B8,"")'
    assert sheet["B11"].value == "=SUM(B8:B10)"
    assert sheet["B8"].number_format == RUB_FORMAT
    assert sheet["J8"].number_format == "0.0%"
    assert sheet.freeze_panes == "B8"
    dropdowns = {str(v.sqref): (v.type, v.formula1) for v in sheet.data_validations.dataValidation}
    assert dropdowns == {
        "B2": ("list", "'Списки'!$A$2:$A$4"),
        "B3": ("list", "'Списки'!$B$2:$B$4"),
        "B4": ("list", "'Списки'!$C$2:$C$3"),
        "B5": ("list", "'Списки'!$D$2:$D$4"),
    }
    lists = openpyxl.load_workbook(workbook_path)["Списки"]
    assert [lists.cell(row=r, column=1).value for r in range(2, 5)] == ["все", "Иванов", "Петров"]


def test_marketing_sheet_has_a_column_chart_of_turnover_and_marketing(workbook_path: Path) -> None:
    sheet = openpyxl.load_workbook(workbook_path)["Маркетинг и оборот"]
    [chart] = sheet._charts

    assert type(chart).__name__ == "BarChart"
    assert chart.title.tx.rich.p[0].r[0].t == "Маркетинг и оборот по месяцам"
    here = "'Маркетинг и оборот'"
    assert [(s.tx.strRef.f, s.val.numRef.f, s.cat.numRef.f) for s in chart.series] == [
        (f"{here}!$B$1", f"{here}!$B$2:$B$4", f"{here}!$A$2:$A$4"),
        (f"{here}!$C$1", f"{here}!$C$2:$C$4", f"{here}!$A$2:$A$4"),
    ]
    assert [c.value for c in sheet[1]] == ["Месяц", "Оборот, ₽", "Маркетинг, ₽", "Доля маркетинга"]


def test_requests_mark_overdue_ones_and_cash_held_counts_days(workbook_path: Path) -> None:
    book = openpyxl.load_workbook(workbook_path)
    requests = book["Заявки"]

    assert requests["I2"].value == "одобрена"
    assert requests["J2"].value.startswith('=IF(AND(H2<>"",H2<TODAY(),')
    rules = {
        (str(ranges.sqref), rule.formula[0]): rule.priority
        for ranges in requests.conditional_formatting
        for rule in ranges.rules
    }
    overdue = rules[("A2:M4", '$J2="да"')]
    assert all(overdue < priority for priority in rules.values() if priority != overdue)
    cash = book["Деньги у менеджеров"]
    assert [c.value for c in cash[2]][:5] == [
        "Иванов",
        "Д1",
        "Д-1/26",
        20000,
        cash["E2"].value,
    ]
    assert cash["F2"].value == "=TODAY()-E2"


def test_an_empty_ledger_still_gives_the_whole_workbook(tmp_path: Path) -> None:
    path = export_xlsx(Projection([], CATEGORIES), tmp_path / "empty.xlsx", TODAY)
    book = openpyxl.load_workbook(path)

    assert book.sheetnames == SHEETS
    assert book["Операции"].max_row == 1
    assert book["Прибыль"]["A8"].value.date() == date(2026, 11, 1)


# -- what LibreOffice computes ---------------------------------------------------------------


def recalculated(path: Path, work: Path) -> openpyxl.Workbook:
    """The workbook as LibreOffice computes it (its own profile dir: parallel runs don't clash)."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        # A precondition of the suite, like Python itself (.ci/run installs it): a machine
        # without it fails here rather than passing with the formulas never computed.
        pytest.fail("LibreOffice is required by the tests: apt-get install -y libreoffice-calc")
    out = work / "recalculated"
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={(work / 'lo-profile').as_uri()}",
            "--headless",
            "--calc",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(out),
            str(path),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    return openpyxl.load_workbook(out / path.name, data_only=True)


def expected_profit(ledger: list[LedgerRow], month: str) -> dict[str, Decimal]:
    """The month's figures from the entries: a reversed entry and its reversal both drop out."""
    reversed_ids = {row.reverses_entry_id for row in ledger if row.reverses_entry_id}
    kept = [
        row
        for row in ledger
        if row.month == month and row.kind != "reversal" and row.entry_id not in reversed_ids
    ]
    figures = {"income": sum((r.amount for r in kept if r.kind == "income"), Decimal(0))}
    for category in CATEGORIES:
        spent = [-r.amount for r in kept if r.kind == "expense" and r.category == category]
        figures[category] = sum(spent, Decimal(0))
    figures["expenses"] = sum((figures[c] for c in CATEGORIES), Decimal(0))
    figures["net"] = figures["income"] - figures["expenses"]
    return figures


def computed_profit(book: openpyxl.Workbook, row: int) -> dict[str, Decimal]:
    values = [c.value for c in book["Прибыль"][row]]
    names = ["income", *CATEGORIES, "expenses", "net"]
    figures = {name: Decimal(str(round(v, 2))) for name, v in zip(names, values[1:], strict=False)}
    figures["margin"] = values[len(names) + 1]
    return figures


def assert_month(computed: dict, expected: dict[str, Decimal]) -> None:
    margin = computed.pop("margin")
    assert computed == expected
    if expected["income"]:
        assert margin == pytest.approx(float(expected["net"] / expected["income"]))
    else:
        assert margin in (None, "")


def test_libreoffice_computes_profit_for_every_month_equal_to_the_entries(
    workbook_path: Path, tmp_path: Path
) -> None:
    book = recalculated(workbook_path, tmp_path)

    for row, month in ((8, "2026-09"), (9, "2026-10"), (10, "2026-11")):
        assert_month(computed_profit(book, row), expected_profit(LEDGER, month))
    marketing = [[c.value for c in row] for row in book["Маркетинг и оборот"].iter_rows(min_row=2)]
    for values, month in zip(marketing, ("2026-09", "2026-10", "2026-11"), strict=True):
        expected = expected_profit(LEDGER, month)
        assert Decimal(str(round(values[1], 2))) == expected["income"]
        assert Decimal(str(round(values[2], 2))) == expected["Маркетинг"]
    overdue = [c.value for c in book["Заявки"]["J"][1:]]
    assert [value or "" for value in overdue] == ["да", "", ""]
    held_since = CASH[0].since
    today = date.today()  # noqa: DTZ011 - LibreOffice's TODAY() is the machine's local date
    assert book["Деньги у менеджеров"]["F2"].value == (today - held_since).days


@pytest.mark.parametrize(
    ("selector", "value", "keeps"),
    [
        ("B2", "Иванов", lambda row: row.manager == "Иванов"),
        ("B5", "Москва", lambda row: row.city == "Москва"),
    ],
    ids=["manager", "city"],
)
def test_libreoffice_follows_a_selector(
    workbook_path: Path, tmp_path: Path, selector: str, value: str, keeps
) -> None:
    book = openpyxl.load_workbook(workbook_path)
    book["Прибыль"][selector] = value
    chosen = tmp_path / "chosen" / "ledger.xlsx"
    chosen.parent.mkdir()
    book.save(chosen)

    computed = recalculated(chosen, tmp_path)

    kept = [row for row in LEDGER if keeps(row)]
    for row, month in ((8, "2026-09"), (9, "2026-10"), (10, "2026-11")):
        assert_month(computed_profit(computed, row), expected_profit(kept, month))
    unfiltered = expected_profit(LEDGER, "2026-09")["expenses"]
    assert computed_profit(computed, 8)["expenses"] < unfiltered  # the selector did narrow


# -- names a criterion would misread -----------------------------------------------------------

# Each name SUMIFS would read as a comparison or a pattern, after the name it would then match.
NAMES = [
    "без категории",
    "<без категории>",
    ">5",
    "x",
    "=x",
    "aXb",
    "a*b",
    "what!",
    "what?",
    "tilde",
    "~tilde",
    'кавычки "в" имени',
    "Аренда",
]
# The dimensions' selectors set to such names, and the names they must not take in.
CHOSEN = {"manager": "<Иванов>", "product": "a*b", "salon": "what?", "city": "~tilde"}
NOT_CHOSEN = {"manager": "Иванов", "product": "a-b", "salon": "what!", "city": "tilde"}


def misread_ledger() -> list[LedgerRow]:
    """Every name spends its own power of two (a sum tells which names it took in), and every
    mix of chosen and other dimension values spends too."""
    day = date(2026, 11, 2)
    rows = [entry(i, day, "expense", name, f"-{2**i}", **CHOSEN) for i, name in enumerate(NAMES, 1)]
    rows.append(entry(90, day, "expense", "=x", "-3"))
    rows.append(entry(91, day, "reversal", "=x", "3", reverses_entry_id=90))
    rows.append(entry(92, day, "income", "Оплата", "100000", **CHOSEN))
    rows.append(entry(93, day, "income", "Оплата", "7", **{**CHOSEN, "city": "tilde"}))
    for n, picks in enumerate(itertools.product((True, False), repeat=len(CHOSEN))):
        dims = {
            dim: CHOSEN[dim] if chosen else NOT_CHOSEN[dim]
            for dim, chosen in zip(CHOSEN, picks, strict=True)
        }
        rows.append(entry(100 + n, day, "expense", NAMES[n % len(NAMES)], f"-{3**n}", **dims))
    return rows


def spent(ledger: list[LedgerRow], name: str) -> Decimal:
    return -sum((r.amount for r in ledger if r.category == name and r.kind != "income"), Decimal(0))


def misread_workbook(tmp_path: Path, **selectors: str) -> tuple[list[LedgerRow], openpyxl.Workbook]:
    ledger = misread_ledger()
    path = export_xlsx(
        Projection(ledger, NAMES, marketing_category="a*b"), tmp_path / "names.xlsx", TODAY
    )
    if selectors:
        book = openpyxl.load_workbook(path)
        for dim, value in selectors.items():
            book["Прибыль"][f"B{2 + list(CHOSEN).index(dim)}"] = value
        book.save(path)
    return ledger, recalculated(path, tmp_path)


def test_libreoffice_counts_each_name_as_itself_however_a_criterion_would_read_it(
    tmp_path: Path,
) -> None:
    ledger, book = misread_workbook(tmp_path)

    profit = book["Прибыль"]
    header = [c.value for c in profit[PROFIT_HEADER_ROW]]
    figures = {
        name: profit.cell(PROFIT_HEADER_ROW + 1, header.index(name) + 1).value for name in NAMES
    }
    assert {name: Decimal(str(figure)) for name, figure in figures.items()} == {
        name: spent(ledger, name) for name in NAMES
    }
    assert Decimal(str(book["Маркетинг и оборот"]["C2"].value)) == spent(ledger, "a*b")


def test_libreoffice_follows_selectors_set_to_names_a_criterion_would_misread(
    tmp_path: Path,
) -> None:
    ledger, book = misread_workbook(tmp_path, **CHOSEN)

    kept = [r for r in ledger if all(getattr(r, dim) == CHOSEN[dim] for dim in CHOSEN)]
    profit = book["Прибыль"]
    header = [c.value for c in profit[PROFIT_HEADER_ROW]]
    row = [c.value for c in profit[PROFIT_HEADER_ROW + 1]]
    assert Decimal(str(row[1])) == Decimal(100000)
    assert {name: Decimal(str(row[header.index(name)])) for name in NAMES} == {
        name: spent(kept, name) for name in NAMES
    }


# -- what the database gives -----------------------------------------------------------------

OWNER = 1111111


async def test_load_projection_reads_expenses_and_reversals_with_signed_decimal_amounts(
    database: Database, clock: FrozenClock, tmp_path: Path
) -> None:
    async with database.unit_of_work() as uow:
        categories = CategoryService(uow, clock)
        await categories.seed(DEFAULT_CATEGORIES)
        users = UserService(uow, clock, owner_ids=frozenset({OWNER}))
        owner = await users.resolve(Person(OWNER, "Ольга"))
        expenses = ExpenseService(uow, clock, categories, amount_limit=Decimal(10**9))
        taxi = await expenses.start_draft(owner, "1500 такси")
        taxi_entry = await expenses.save(owner, taxi.id, taxi.revision)
        fuel = await expenses.start_draft(owner, "2 300,50 бензин 22.10")
        await expenses.save(owner, fuel.id, fuel.revision)
        book = EntryBook(uow, clock)
        until = await book.ask_to_reverse(owner, taxi_entry.id)
        await book.reverse(owner, taxi_entry.id, confirmed_until=until)

    async with database.read() as session:
        everything = await load_projection(session)
        october = await load_projection(session, "2026-10")

    today = clock.today()
    assert [(r.kind, r.category, r.amount, r.entry_date) for r in everything.ledger] == [
        ("expense", "Транспорт", Decimal("-1500.00"), today),
        ("expense", "Транспорт", Decimal("-2300.50"), date(2026, 10, 22)),
        ("reversal", "Транспорт", Decimal("1500.00"), today),
    ]
    assert all(isinstance(r.amount, Decimal) for r in everything.ledger)
    assert everything.ledger[0].comment == "такси"
    assert everything.ledger[0].author == "Ольга"
    assert everything.ledger[0].month == today.strftime("%Y-%m")
    assert everything.ledger[2].reverses_entry_id == taxi_entry.id
    assert everything.ledger[0].manager is None
    assert everything.expense_categories[: len(DEFAULT_CATEGORIES)] == list(DEFAULT_CATEGORIES)
    assert everything.cash_held == []
    assert everything.requests == []
    assert [r.amount for r in october.ledger] == [Decimal("-2300.50")]

    path = export_xlsx(everything, tmp_path / "from-db.xlsx", today)
    sheet = openpyxl.load_workbook(path)["Операции"]
    amounts = [row[4] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert amounts == [-1500, -2300.5, 1500]


def test_a_hundred_rows_stream_the_same_as_openpyxl_writes_them(tmp_path: Path) -> None:
    """Rows after the first are streamed raw: each must read back exactly as its layout value."""
    rows = [
        entry(
            i,
            date(2026, 1, 1) + timedelta(days=i),
            "expense",
            "Прочее <&>",
            f"-{i}.{i % 100:02d}",
            comment=f"строка {i}\x01 «кавычки» & <теги>",
            manager=None if i % 3 else "М",
        )
        for i in range(1, 101)
    ]
    path = export_xlsx(Projection(rows, ["Прочее <&>"]), tmp_path / "many.xlsx", TODAY)
    sheet = openpyxl.load_workbook(path)["Операции"]

    read = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(read) == 100
    for got, row in zip(read, rows, strict=True):
        assert got[0].date() == row.entry_date
        assert Decimal(str(got[4])) == row.amount
        assert got[3] == "Прочее <&>"
        assert got[7] == row.manager
        assert got[12] == f"строка {row.entry_id} «кавычки» & <теги>"
    assert sheet.max_row == 101


async def test_load_projection_counts_unconfirmed_cash_of_closed_deals_as_held_by_the_manager(
    database: Database, clock: FrozenClock
) -> None:
    now = clock.now()
    async with database.write() as session:
        won = DealRow(
            amo_lead_id=101,
            name="Кухня Соколовых",
            price_minor=30_000_000,
            currency="RUB",
            state="closed",
            manager="Иванов",
            contract="Д-7/26",
            problems=[],
            created_at=now,
            updated_at=now,
        )
        lost = DealRow(
            amo_lead_id=102,
            name="Шкаф",
            price_minor=100,
            currency="RUB",
            state="lost",
            manager="Петров",
            problems=[],
            created_at=now,
            updated_at=now,
        )
        session.add_all([won, lost])
        await session.flush()

        def payment(deal: DealRow, slot: str, minor: int, kind: str, status: str, due=None):
            confirmed = 200_000 if status == "partly_confirmed" else None
            return ExpectedPaymentRow(
                confirmed_amount_minor=confirmed,
                deal_id=deal.id,
                slot=slot,
                amount_minor=minor,
                currency="RUB",
                kind=kind,
                due_date=due,
                status=status,
                created_at=now,
                updated_at=now,
            )

        session.add_all(
            [
                payment(won, "Предоплата", 10_000_050, "cash", "expected", date(2026, 11, 2)),
                payment(won, "Остаток", 5_000_000, "cash", "expected"),
                payment(won, "Доплата", 700_000, "cash", "confirmed"),
                payment(won, "Часть", 300_000, "cash", "partly_confirmed"),
                payment(won, "Кредит", 9_000_000, "credit", "expected"),
                payment(lost, "Предоплата", 100, "cash", "expected"),
            ]
        )

    async with database.read() as session:
        held = (await load_projection(session)).cash_held

    assert held == [
        CashHeldRow("Иванов", "Кухня Соколовых", "Д-7/26", Decimal("100000.50"), date(2026, 11, 2)),
        CashHeldRow("Иванов", "Кухня Соколовых", "Д-7/26", Decimal("50000.00"), now.date()),
        # Confirmed in part: only the rest is still in the manager's pocket.
        CashHeldRow("Иванов", "Кухня Соколовых", "Д-7/26", Decimal("1000.00"), now.date()),
    ]
