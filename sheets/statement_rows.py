"""A bank's XLSX export read into the rows `ledger.statements.tables` maps to documents.

The ledger knows no openpyxl, so the workbook is opened here and handed over as cells of text,
Decimal or date. Numbers go through their shortest decimal form (`repr`), which is the text
the workbook stores: 1500.55 stays 1500.55 and is never summed as a float; a number with more
than two places of kopecks is refused by the reader, not rounded here.
"""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime, time
from decimal import Decimal

from ledger.statements.model import SourceFormat
from ledger.statements.tables import Cell, Table, TableRow


class NotAWorkbook(ValueError):
    """The bytes are no XLSX workbook openpyxl can open (a ZIP of something else, say)."""


def read_workbook(data: bytes, sha256: str) -> Table:
    """The rows of the workbook's active sheet (the first, for most banks' exports)."""
    from openpyxl import load_workbook  # a second of imports: only when a workbook comes

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise NotAWorkbook(str(exc)) from None
    try:
        sheet = workbook.active
        if sheet is None:
            raise NotAWorkbook("no sheet")
        rows = []
        for number, values in enumerate(sheet.iter_rows(min_row=1, values_only=True), start=1):
            cells = tuple(_cell(value) for value in values)
            while cells and cells[-1] is None:
                cells = cells[:-1]
            rows.append(TableRow(number, cells))
    finally:
        workbook.close()
    return Table(tuple(rows), SourceFormat.XLSX, None, sha256)


def _cell(value: object) -> Cell:
    if value is None:
        return None
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, time):
        return value.isoformat()
    text = str(value).strip()
    return text or None
