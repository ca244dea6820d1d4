"""One entry point for a statement file as it arrives: bytes in, a `Statement` or a `Refused`.

What the bytes are decides how they are read: a «1CClientBankExchange» text, or a CSV table
(with the bank's saved `ColumnMapping`, else one guessed from its header). An empty file, a
PDF (perhaps renamed .txt), an archive or other binary is refused by what it is. An XLSX
workbook is read into a `Table` by an edge that knows openpyxl, then `read_table`.
"""

from __future__ import annotations

import hashlib

from ledger.statements.decoding import decode, sniff
from ledger.statements.exchange import is_exchange, parse_exchange
from ledger.statements.model import LineError, Refused, Statement, StatementProblem
from ledger.statements.onec import read_exchange_statement
from ledger.statements.tables import (
    ColumnMapping,
    Table,
    find_header_row,
    read_csv,
    read_table,
)


def file_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_statement(data: bytes, *, mapping: ColumnMapping | None = None) -> Statement | Refused:
    opened = open_statement(data, mapped=mapping is not None)
    if isinstance(opened, Table):
        return read_table(opened, mapping)
    return opened


def open_statement(data: bytes, *, mapped: bool = False) -> Statement | Refused | Table:
    """A 1C file read, or a CSV file's rows left for `read_table` with the mapping the caller
    chooses (a bank's saved one, or the person's answer); refused when it is neither (text
    whose header is none we know and that has no columns to speak of, unless `mapped`: the
    person said which column is which)."""
    problem = sniff(data)
    if problem is not None:
        return Refused((LineError(1, problem),))
    decoded = decode(data)
    if is_exchange(decoded.text):
        raw = parse_exchange(decoded.text)
        return read_exchange_statement(raw, encoding=decoded.encoding, sha256=file_hash(data))
    table = read_csv(decoded, file_hash(data))
    if not mapped and find_header_row(table) is None and not looks_tabular(table):
        first = next((row.line for row in table.rows if any(row.cells)), 1)
        return Refused((LineError(first, StatementProblem.NOT_A_STATEMENT),))
    return table


def looks_tabular(table: Table) -> bool:
    """Whether most rows have several cells: a table whose header we do not know (the person
    is then asked which column is which), rather than some other text."""
    rows = [row for row in table.rows if any(row.cells)]
    return len(rows) >= 2 and sum(len(row.cells) >= 3 for row in rows) * 2 > len(rows)
