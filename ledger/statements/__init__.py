"""Bank statements, pure: bytes in, a `Statement` or a `Refused` (every bad line and why) out;
payment orders out as the bytes of a 1C file (to come).

- `read_statement(data)` reads a «1CClientBankExchange» text or a CSV export (`reading`);
- `read_table(table, mapping)` reads rows an edge took out of an XLSX workbook (`tables`);

Modules, one job each: `model` (the types), `values` (amounts, dates, accounts, ИНН as banks
write them), `decoding` (bytes → text, by the bytes), `exchange` (the 1C file's structure and
line numbers), `onec` (what a 1C statement means: direction, booking date, balances),
`tables` (CSV/XLSX rows and column mappings), `reading` (which reader a file needs).
"""

from ledger.statements.model import (
    AccountSection,
    AccountSummary,
    BankDocument,
    Direction,
    DocumentIdentity,
    DocumentKind,
    LineError,
    Party,
    Refused,
    SourceFormat,
    Statement,
    StatementProblem,
)
from ledger.statements.reading import file_hash, read_statement
from ledger.statements.tables import (
    ColumnMapping,
    Table,
    TablePreview,
    TableRow,
    guess_mapping,
    preview_table,
    read_table,
)

__all__ = [
    "AccountSection",
    "AccountSummary",
    "BankDocument",
    "ColumnMapping",
    "Direction",
    "DocumentIdentity",
    "DocumentKind",
    "LineError",
    "Party",
    "Refused",
    "SourceFormat",
    "Statement",
    "StatementProblem",
    "Table",
    "TablePreview",
    "TableRow",
    "file_hash",
    "guess_mapping",
    "preview_table",
    "read_statement",
    "read_table",
]
