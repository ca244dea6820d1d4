"""The workbook layout as data: rows, months, dropdowns, and formulas every program computes."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from sheets.layout import (
    ALL,
    CASH_HELD,
    LISTS,
    MARKETING,
    OPERATIONS,
    PROFIT,
    PROFIT_HEADER_ROW,
    REQUESTS,
    Formula,
    build_layout,
    exact,
    exact_of,
    months_of,
    operations_row,
    shape_of,
)
from sheets.projection import LedgerRow, Projection

# Functions Google Sheets, LibreOffice 7.x and Excel all compute (see DESIGN.md, "Formulas").
PORTABLE = {
    "SUMIFS",
    "SUM",
    "IF",
    "AND",
    "OR",
    "IFERROR",
    "DATE",
    "YEAR",
    "MONTH",
    "TODAY",
    "SUBSTITUTE",
}


def entry(entry_id: int, day: date, kind: str, category: str, amount: str, **dims) -> LedgerRow:
    return LedgerRow(entry_id, day, kind, category, Decimal(amount), "Ольга", **dims)


LEDGER = [
    entry(1, date(2026, 8, 30), "income", "Оплата", "1000.00", manager="Петров", city="Казань"),
    entry(2, date(2026, 9, 2), "expense", "Маркетинг", "-200.50", comment="директ"),
    entry(3, date(2026, 11, 5), "expense", "Аренда", "-700.00", manager="иванов"),
    entry(
        4, date(2026, 11, 5), "reversal", "Аренда", "700.00", manager="иванов", reverses_entry_id=3
    ),
    entry(5, date(2026, 11, 6), "expense", "Аренда", "-10.00", manager="Иванов", salon="Центр"),
]


def layout():
    projection = Projection(LEDGER, ["Аренда", "Маркетинг"], marketing_category="Маркетинг")
    return build_layout(projection, today=date(2026, 11, 23))


def formulas(sheet) -> list[str]:
    cells = [value for row in sheet.rows for value in row] + [c.value for c in sheet.cells]
    return [value.text for value in cells if isinstance(value, Formula)]


def test_the_workbook_has_its_sheets_in_order_and_the_helper_sheet_hidden() -> None:
    book = layout()

    assert [s.title for s in book.sheets] == [
        OPERATIONS,
        PROFIT,
        CASH_HELD,
        REQUESTS,
        MARKETING,
        LISTS,
    ]
    assert [s.title for s in book.sheets if s.hidden] == [LISTS]


def test_an_operations_row_carries_the_signed_amount_russian_kind_and_what_it_reverses() -> None:
    row = operations_row(LEDGER[3])

    assert row[:5] == (date(2026, 11, 5), "2026-11", "сторно", "Аренда", Decimal("700.00"))
    assert row[7] == "иванов"
    assert row[12] == "сторно записи №3"
    assert row[14] == 4
    assert operations_row(LEDGER[1])[2] == "расход"
    assert operations_row(LEDGER[1])[12] == "директ"
    assert operations_row(LEDGER[0])[2] == "доход"


def test_operations_filter_covers_header_and_every_row_and_data_starts_below_the_header() -> None:
    sheet = layout().sheet(OPERATIONS)

    assert sheet.header_row == 1
    assert sheet.first_row == 2
    assert sheet.filter_ref == "A1:P6"
    assert sheet.frozen_rows == 1
    assert "пересборка" in (sheet.note or "")


def test_months_run_from_first_to_last_entry_with_gaps_and_an_empty_ledger_gets_this_month() -> (
    None
):
    assert months_of(shape_of(LEDGER), date(2026, 11, 23)) == [
        date(2026, 8, 1),
        date(2026, 9, 1),
        date(2026, 10, 1),
        date(2026, 11, 1),
    ]
    assert months_of(shape_of([]), date(2026, 11, 23)) == [date(2026, 11, 1)]


def test_dropdowns_list_all_first_then_each_distinct_value_once() -> None:
    book = layout()
    lists = book.sheet(LISTS)
    managers = [row[0] for row in lists.rows if row[0] is not None]
    cities = [row[3] for row in lists.rows if row[3] is not None]

    assert managers == [ALL, "Иванов", "Петров"]  # SUMIFS ignores case: one choice
    assert cities == [ALL, "Казань"]
    validations = {v.ref: v.source for v in book.sheet(PROFIT).validations}
    assert validations == {
        "B2": "'Списки'!$A$2:$A$4",
        "B3": "'Списки'!$B$2:$B$2",
        "B4": "'Списки'!$C$2:$C$3",
        "B5": "'Списки'!$D$2:$D$3",
    }


def test_profit_has_a_row_per_month_a_column_per_category_and_a_total() -> None:
    sheet = layout().sheet(PROFIT)

    assert [c.title for c in sheet.columns] == [
        "Месяц",
        "Доходы, ₽",
        "Аренда",
        "Маркетинг",
        "Расходы итого, ₽",
        "Чистая прибыль, ₽",
        "Маржа, %",
    ]
    assert [row[0] for row in sheet.rows] == [
        date(2026, 8, 1),
        date(2026, 9, 1),
        date(2026, 10, 1),
        date(2026, 11, 1),
        "Итого",
    ]
    first = PROFIT_HEADER_ROW + 1
    assert sheet.rows[0][5] == Formula(f"=B{first}-E{first}")
    assert sheet.rows[-1][1] == Formula(f"=SUM(B{first}:B{first + 3})")


def test_every_formula_uses_only_functions_all_three_programs_compute() -> None:
    book = layout()
    used = {
        name
        for sheet in book.sheets
        for text in formulas(sheet)
        for name in re.findall(r"([A-Z][A-Z0-9.]*)\(", text)
    }

    assert used <= PORTABLE, used - PORTABLE
    assert "SUMIFS" in used


def test_profit_figures_follow_every_selector_and_read_whole_columns_of_operations() -> None:
    sheet = layout().sheet(PROFIT)
    income = sheet.rows[0][1].text

    for column in ("H", "I", "J", "K"):  # manager, product, salon, city
        assert f"'Операции'!${column}:${column}" in income
    for row in range(2, 6):
        assert f"'Списки'!$G${row}" in income
    assert "'Операции'!$E:$E" in income
    assert f'">="&$A{PROFIT_HEADER_ROW + 1}' in income


def test_a_selector_set_to_all_or_emptied_matches_every_cell_blank_ones_included() -> None:
    lists = layout().sheet(LISTS)
    criteria = {c.ref: c.value.text for c in lists.cells if isinstance(c.value, Formula)}

    chosen = 'SUBSTITUTE(SUBSTITUTE(SUBSTITUTE(\'Прибыль\'!$B$2,"~","~~"),"*","~*"),"?","~?")'
    assert criteria["G2"] == (
        '=IF(OR(\'Прибыль\'!$B$2="все",\'Прибыль\'!$B$2=""),"<>§нет§","="&' + chosen + ")"
    )
    assert set(criteria) == {"G2", "G3", "G4", "G5"}


def test_the_marketing_chart_plots_turnover_and_marketing_over_the_month_rows() -> None:
    sheet = layout().sheet(MARKETING)
    [chart] = sheet.charts

    assert chart.title == "Маркетинг и оборот по месяцам"
    assert chart.categories_ref == "'Маркетинг и оборот'!$A$2:$A$5"
    assert [(s.title_ref, s.values_ref) for s in chart.series] == [
        ("'Маркетинг и оборот'!$B$1", "'Маркетинг и оборот'!$B$2:$B$5"),
        ("'Маркетинг и оборот'!$C$1", "'Маркетинг и оборот'!$C$2:$C$5"),
    ]


def test_a_name_becomes_an_equality_criterion_with_its_wildcards_escaped() -> None:
    assert exact("<без категории>") == '"=<без категории>"'
    assert exact(">5") == '"=>5"'
    assert exact("=x") == '"==x"'
    assert exact("a*b") == '"=a~*b"'
    assert exact("what?") == '"=what~?"'
    assert exact("~tilde") == '"=~~tilde"'
    assert exact("~*") == '"=~~~*"'
    assert exact('кавычки "в" имени') == '"=кавычки ""в"" имени"'
    assert exact("Аренда") == '"=Аренда"'
    assert exact_of("C$7") == (
        '"="&SUBSTITUTE(SUBSTITUTE(SUBSTITUTE(C$7,"~","~~"),"*","~*"),"?","~?")'
    )


def test_no_name_reaches_a_formula_as_a_bare_criterion() -> None:
    projection = Projection(LEDGER, ["a*b", "Аренда"], marketing_category="a*b")
    book = build_layout(projection, today=date(2026, 11, 23))
    profit = book.sheet(PROFIT)
    marketing = book.sheet(MARKETING)

    category = profit.rows[0][2].text
    assert f"'Операции'!$D:$D,{exact_of(f'C${PROFIT_HEADER_ROW}')}," in category
    assert "'Операции'!$C:$C,\"=расход\"" in category
    assert "'Операции'!$C:$C,\"=сторно\"" in category
    assert "'Операции'!$D:$D,\"=a~*b\"" in marketing.rows[0][2].text
