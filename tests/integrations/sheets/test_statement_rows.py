"""A bank's XLSX export opened for the statement reader: rows numbered as the sheet numbers
them, numbers as the decimals the workbook stores (never floats), dates as dates."""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal

import openpyxl
import pytest

from ledger.statements import Direction, Refused, SourceFormat, read_table
from sheets.statement_rows import NotAWorkbook, read_workbook


def workbook_bytes(*rows: list[object], skip: int = 0) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for index, row in enumerate(rows, start=1 + skip):
        for column, value in enumerate(row, start=1):
            sheet.cell(row=index, column=column, value=value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_cells_come_out_as_text_decimal_and_date_on_the_sheets_row_numbers() -> None:
    data = workbook_bytes(
        ["Дата", "Сумма", "Назначение", None],
        [datetime(2026, 3, 2, 15, 30), 1500.55, "  Аренда  "],  # noqa: DTZ001
        [date(2026, 3, 3), -200, "Комиссия"],
        skip=2,
    )

    table = read_workbook(data, "f" * 64)

    assert table.format is SourceFormat.XLSX
    assert [row.line for row in table.rows if row.cells] == [3, 4, 5]
    assert table.rows[2].cells == ("Дата", "Сумма", "Назначение")
    assert table.rows[3].cells == (date(2026, 3, 2), Decimal("1500.55"), "Аренда")
    assert table.rows[4].cells == (date(2026, 3, 3), Decimal("-200"), "Комиссия")
    statement = read_table(table)
    assert not isinstance(statement, Refused)
    assert [(d.direction, d.line) for d in statement.documents] == [
        (Direction.IN, 4),
        (Direction.OUT, 5),
    ]


def test_a_zip_that_is_no_workbook_is_said_to_be_none() -> None:
    with pytest.raises(NotAWorkbook):
        read_workbook(b"PK\x03\x04 not really a zip", "0" * 64)
