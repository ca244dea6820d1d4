"""The XLSX export, first version: every ledger entry on the «Операции» sheet.

Amounts are real numbers with a ruble format (Decimal converted once, here, at the file
boundary), so the owner can sum and filter them in Excel or LibreOffice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ledger.money import Money
from ledger.storage.models import CategoryRow, EntryRow, UserRow

RUB_FORMAT = '#,##0.00 "₽";-#,##0.00 "₽"'
DATE_FORMAT = "DD.MM.YYYY"
KIND_NAMES = {"expense": "расход", "income": "доход", "reversal": "сторно"}
HEADERS = (
    ("Дата", 12),
    ("Месяц", 10),
    ("Вид", 10),
    ("Категория", 18),
    ("Сумма, ₽", 16),
    ("Описание", 36),
    ("Комментарий", 30),
    ("Кто", 18),
    ("№ записи", 10),
    ("Отменяет №", 11),
)


@dataclass(frozen=True, slots=True)
class EntryLine:
    entry_date: date
    kind: str
    category: str
    amount: Money
    description: str
    comment: str | None
    author: str
    entry_id: int
    reverses: int | None


async def load_entries(session: AsyncSession, month: str | None = None) -> list[EntryLine]:
    """Entries in posting order; `month` is "YYYY-MM" to keep one month."""
    query = (
        select(EntryRow, CategoryRow.name, UserRow.name)
        .join(CategoryRow, CategoryRow.id == EntryRow.category_id)
        .join(UserRow, UserRow.id == EntryRow.created_by)
        .order_by(EntryRow.id)
    )
    if month is not None:
        year, number = (int(part) for part in month.split("-"))
        first = date(year, number, 1)
        after = date(year + (number == 12), number % 12 + 1, 1)
        query = query.where(EntryRow.entry_date >= first, EntryRow.entry_date < after)
    rows = await session.execute(query)
    return [
        EntryLine(
            entry_date=entry.entry_date,
            kind=entry.kind,
            category=category,
            amount=Money.from_minor_units(entry.amount_minor, entry.currency),
            description=entry.description,
            comment=entry.comment,
            author=author,
            entry_id=entry.id,
            reverses=entry.reverses_entry_id,
        )
        for entry, category, author in rows
    ]


def write_workbook(lines: list[EntryLine], path: Path) -> Path:
    workbook = Workbook(write_only=False)
    sheet = workbook.active
    sheet.title = "Операции"
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDE6F0")
    for column, (title, width) in enumerate(HEADERS, start=1):
        cell = sheet.cell(row=1, column=column, value=title)
        cell.font, cell.fill = bold, fill
        sheet.column_dimensions[get_column_letter(column)].width = width
    for row, line in enumerate(lines, start=2):
        sheet.cell(row=row, column=1, value=line.entry_date).number_format = DATE_FORMAT
        sheet.cell(row=row, column=2, value=line.entry_date.strftime("%Y-%m"))
        sheet.cell(row=row, column=3, value=KIND_NAMES.get(line.kind, line.kind))
        sheet.cell(row=row, column=4, value=line.category)
        # openpyxl writes numbers as floats anyway; passing the Decimal keeps its exact digits.
        amount_cell = sheet.cell(row=row, column=5, value=Decimal(line.amount.amount))
        amount_cell.number_format = RUB_FORMAT
        sheet.cell(row=row, column=6, value=line.description)
        sheet.cell(row=row, column=7, value=line.comment)
        sheet.cell(row=row, column=8, value=line.author)
        sheet.cell(row=row, column=9, value=line.entry_id)
        sheet.cell(row=row, column=10, value=line.reverses)
    sheet.freeze_panes = "A2"
    last = get_column_letter(len(HEADERS))
    sheet.auto_filter.ref = f"A1:{last}{max(len(lines) + 1, 1)}"
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
    return path
