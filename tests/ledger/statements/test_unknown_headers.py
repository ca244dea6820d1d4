"""A table whose header words we do not know: its header is found just before the first row
that reads as an operation, so a preamble and the header are never taken for data."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from ledger.statements import SourceFormat, Table, TableRow, preview_table
from ledger.statements.tables import header_before_data


def table(*rows: tuple[object, ...]) -> Table:
    return Table(
        tuple(TableRow(n, cells) for n, cells in enumerate(rows, start=1)),  # type: ignore[arg-type]
        SourceFormat.CSV,
        "cp1251",
        "0" * 64,
    )


def test_the_row_before_the_first_operation_is_the_header() -> None:
    exported = table(
        ("Statement of account", "40702810900000012345"),
        (),
        ("When", "No", "Sum", "What for"),
        ("02.03.2026", "17", "-100,50", "Rent"),
        (date(2026, 3, 3), "18", Decimal("250"), "Payment"),
    )

    preview = preview_table(exported)

    assert header_before_data(exported) == 2
    assert preview.header == ("When", "No", "Sum", "What for")
    assert preview.rows[0] == ("02.03.2026", "17", "-100,50", "Rent")


def test_a_table_that_starts_with_data_has_no_header() -> None:
    bare = table(("02.03.2026", "-100,50", "Rent"), ("03.03.2026", "250", "Payment"))

    assert header_before_data(bare) is None
    assert preview_table(bare).header == ("1", "2", "3")


def test_text_with_no_operation_has_no_header() -> None:
    assert header_before_data(table(("a", "b"), ("c", "d"))) is None
