"""Bank statements, pure: bytes in, a `Statement` or a `Refused` (every bad line and why) out;
payment orders out as the bytes of a 1C file.

- `read_statement(data)` reads a «1CClientBankExchange» text or a CSV export (`reading`);
- `read_table(table, mapping)` reads rows an edge took out of an XLSX workbook (`tables`);
- `write_payment_orders(orders, created=…)` and `read_payment_orders(data)` (`payment_orders`).

Modules, one job each: `model` (the types), `values` (amounts, dates, accounts, ИНН as banks
write them), `decoding` (bytes → text, by the bytes), `exchange` (the 1C file's structure and
line numbers), `onec` (what a 1C statement means: direction, booking date, balances),
`tables` (CSV/XLSX rows and column mappings), `reading` (which reader a file needs),
`payment_orders` (the 1C file going the other way, to the bank).
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
from ledger.statements.payment_orders import (
    Bank,
    OrderError,
    OrderParty,
    OrderProblem,
    PaymentOrder,
    PaymentOrders,
    PaymentOrdersRefused,
    check_payment_orders,
    read_payment_orders,
    write_payment_orders,
)
from ledger.statements.reading import file_hash, open_statement, read_statement
from ledger.statements.tables import (
    ColumnMapping,
    Table,
    TablePreview,
    TableRow,
    guess_mapping,
    preview_table,
    read_table,
    table_layout,
)

__all__ = [
    "AccountSection",
    "AccountSummary",
    "Bank",
    "BankDocument",
    "ColumnMapping",
    "Direction",
    "DocumentIdentity",
    "DocumentKind",
    "LineError",
    "OrderError",
    "OrderParty",
    "OrderProblem",
    "Party",
    "PaymentOrder",
    "PaymentOrders",
    "PaymentOrdersRefused",
    "Refused",
    "SourceFormat",
    "Statement",
    "StatementProblem",
    "Table",
    "TablePreview",
    "TableRow",
    "check_payment_orders",
    "file_hash",
    "guess_mapping",
    "open_statement",
    "preview_table",
    "read_payment_orders",
    "read_statement",
    "read_table",
    "table_layout",
    "write_payment_orders",
]
