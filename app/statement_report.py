"""`statement check FILE [--json]`: what a bank statement file holds, read without importing it;
and what `statement import FILE` did.

For people, lines of text; for scripts, one JSON object with the keys `format`, `encoding`,
`version`, `accounts` (each `account`, `date_start`, `date_end`, `opening`, `closing`,
`total_in`, `total_out`, `balance_ok`), `documents`, `in_count`, `in_total`, `out_count`,
`out_total` and `errors` (each `line`, `message`); amounts are decimal strings, dates ISO.
A refused file still shows what could be read (its balances, say), and every error.

The words of the errors are said here, in English like the rest of the command line; the
ledger hands over problems as data.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, tzinfo
from pathlib import Path
from typing import TypedDict

from ledger.money import Money
from ledger.statements import (
    BankDocument,
    LineError,
    Refused,
    Statement,
    StatementProblem,
    file_hash,
    read_statement,
    read_table,
)
from ledger.statements.decoding import sniff

P = StatementProblem
MESSAGES: dict[StatementProblem, str] = {
    P.EMPTY_FILE: "the file is empty",
    P.PDF: "this is a PDF, made for reading, not for import: download the statement in 1C "
    "format (1CClientBankExchange, .txt) or as a table (CSV, XLSX)",
    P.ARCHIVE: "this is a ZIP archive, not a statement: unpack it first",
    P.BINARY: "this is not a text file",
    P.NOT_A_STATEMENT: "this is neither a 1C statement (1CClientBankExchange) nor a table of "
    "operations",
    P.PAYMENT_ORDERS: "this is a 1C file of payment orders (1C to the bank), not a bank "
    "statement: download the statement from the bank's client",
    P.NOT_PAYMENT_ORDERS: "this is a bank statement, not a file of payment orders",
    P.UNKNOWN_ENCODING: "{key}={value}: unknown encoding (expected {expected})",
    P.UNSUPPORTED_VERSION: "{key}={value}: unsupported format version (expected {expected})",
    P.NO_END_OF_FILE: "the file ends without КонецФайла: it was cut short",
    P.TEXT_AFTER_END: "text after КонецФайла: {value}",
    P.UNCLOSED_SECTION: "{key} is not closed by {expected}",
    P.UNEXPECTED_LINE: "unexpected line here: {value}",
    P.NO_ACCOUNT_SECTION: "no СекцияРасчСчет: the statement has no balances to check it against",
    P.MISSING_KEY: "{key} is missing",
    P.CONFLICTING_KEY: "{key}={value} contradicts {key}={expected} above",
    P.BAD_AMOUNT: "{key}={value}: not an amount",
    P.AMOUNT_NOT_POSITIVE: "{key}={value}: an amount below what it may be (zero or less)",
    P.BAD_DATE: "{key}={value}: not a date ({expected})",
    P.BAD_ACCOUNT: "{key}={value}: not an account number ({expected})",
    P.BAD_INN: "{key}={value}: not an ИНН ({expected})",
    P.BAD_KPP: "{key}={value}: not a КПП ({expected})",
    P.UNKNOWN_DIRECTION: "cannot tell whether this money came in or went out: neither account "
    "is the statement's ({expected}) and ДатаПоступило/ДатаСписано do not say",
    P.NO_BOOKING_DATE: "{key} is empty: the day the bank booked this is unknown",
    P.OUTSIDE_PERIOD: "{key}={value} is outside the periods of the account's sections",
    P.BALANCE_MISMATCH: "the balance does not add up: opening + in - out = {expected}, "
    "but {key}={value}",
    P.TOTAL_MISMATCH: "the documents add up to {expected}, but {key}={value}",
    P.CHAIN_BROKEN: "{key}={value}, but the previous section closed at {expected}",
    P.OVERLAPPING_SECTIONS: "{key}={value}: this section overlaps the previous one (to {expected})",
    P.NO_MAPPING: "which column is which cannot be told from the header: the table needs a "
    "column mapping",
    P.MAPPING_OUT_OF_RANGE: "the column mapping names a column this row lacks: {key}",
    P.AMBIGUOUS_AMOUNT: "both the debit and the credit are filled",
    P.NO_AMOUNT: "no amount in this row ({key})",
}


def message(error: LineError) -> str:
    text = MESSAGES[error.problem].format(key=error.key, value=error.value, expected=error.expected)
    return text.replace("=:", ":")  # an empty value reads "ДатаКонца: …", not "ДатаКонца=: …"


@dataclass(frozen=True)
class Unreadable:
    """The file could not even be opened."""

    reason: str


def read_statement_file(path: Path) -> Statement | Refused | Unreadable:
    try:
        data = path.read_bytes()
    except OSError as exc:
        return Unreadable(exc.strerror or str(exc))
    if sniff(data) is StatementProblem.ARCHIVE:
        from sheets.statement_rows import NotAWorkbook, read_workbook

        try:
            return read_table(read_workbook(data, file_hash(data)))
        except NotAWorkbook:
            return Refused((LineError(1, StatementProblem.ARCHIVE),))
    return read_statement(data)


class AccountReport(TypedDict):
    account: str | None
    date_start: str | None
    date_end: str | None
    opening: str | None
    closing: str | None
    total_in: str
    total_out: str
    balance_ok: bool | None


class ErrorReport(TypedDict):
    line: int
    message: str


class Report(TypedDict):
    format: str | None
    encoding: str | None
    version: str | None
    accounts: list[AccountReport]
    documents: int
    in_count: int
    in_total: str
    out_count: int
    out_total: str
    errors: list[ErrorReport]


def _amount(money: Money | None) -> str | None:
    return None if money is None else str(money.amount)


def _day(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def report(result: Statement | Refused | Unreadable) -> Report:
    if isinstance(result, Unreadable):
        return Report(
            format=None,
            encoding=None,
            version=None,
            accounts=[],
            documents=0,
            in_count=0,
            in_total="0.00",
            out_count=0,
            out_total="0.00",
            errors=[ErrorReport(line=0, message=f"cannot read it: {result.reason}")],
        )
    errors = result.errors if isinstance(result, Refused) else ()
    statement = result.seen if isinstance(result, Refused) else result
    documents = statement.documents if statement else ()
    incoming = statement.incoming if statement else ()
    outgoing = statement.outgoing if statement else ()
    return Report(
        format=result.format.value if result.format else None,
        encoding=result.encoding,
        version=result.version,
        accounts=[
            AccountReport(
                account=summary.account,
                date_start=_day(summary.date_start),
                date_end=_day(summary.date_end),
                opening=_amount(summary.opening),
                closing=_amount(summary.closing),
                total_in=str(summary.total_in.amount),
                total_out=str(summary.total_out.amount),
                balance_ok=summary.balance_ok,
            )
            for summary in (statement.accounts if statement else ())
        ],
        documents=len(documents),
        in_count=len(incoming),
        in_total=str(_total(incoming).amount),
        out_count=len(outgoing),
        out_total=str(_total(outgoing).amount),
        errors=[ErrorReport(line=error.line, message=message(error)) for error in errors],
    )


def _total(documents: tuple[BankDocument, ...]) -> Money:
    return Money.from_minor_units(sum(d.amount.to_minor_units() for d in documents))


FORMAT_NAMES = {"1c": "1C (1CClientBankExchange)", "csv": "CSV", "xlsx": "XLSX"}


def render_text(path: Path, facts: Report) -> list[str]:
    described = FORMAT_NAMES.get(facts["format"] or "", "not a statement")
    details = [f"version {facts['version']}" if facts["version"] else "", facts["encoding"] or ""]
    shown = ", ".join(part for part in details if part)
    lines = [f"File:      {path}", f"Format:    {described}{f', {shown}' if shown else ''}"]
    for account in facts["accounts"]:
        period = f"{account['date_start']} to {account['date_end']}"
        lines.append(f"Account:   {account['account'] or '(not named in the file)'}, {period}")
        moved = f"in {account['total_in']}, out {account['total_out']}"
        if account["balance_ok"] is None:
            lines.append(f"           {moved}; the file carries no balances to check")
        else:
            verdict = "adds up" if account["balance_ok"] else "DOES NOT ADD UP"
            lines.append(
                f"           opening {account['opening']}, {moved}, "
                f"closing {account['closing']}: {verdict}"
            )
    lines.append(
        f"Documents: {facts['documents']}: {facts['in_count']} in ({facts['in_total']}), "
        f"{facts['out_count']} out ({facts['out_total']})"
    )
    if facts["errors"]:
        lines.append(f"Errors:    {len(facts['errors'])}")
        lines.extend(f"  line {e['line']}: {e['message']}" for e in facts["errors"])
        lines.append("Refused: the file would not be imported.")
    else:
        lines.append("Read cleanly (nothing was imported).")
    return lines


def check(path: Path, *, as_json: bool) -> int:
    result = read_statement_file(path)
    facts = report(result)
    if as_json:
        print(json.dumps(facts, ensure_ascii=False))
    else:
        print("\n".join(render_text(path, facts)))
    return 0 if isinstance(result, Statement) else 1


# -- `statement import FILE` ---------------------------------------------------------------------


def render_import(path: Path, result: object, tz: tzinfo) -> list[str]:
    """What an import did, in lines for a person: the lines matched for sure, to review,
    unmatched and asked about, the new and the known, and each account's balance check."""
    from ledger.statement_imports import Imported, NeedsMapping

    lines = [f"File:      {path}"]
    if isinstance(result, NeedsMapping):
        lines.append("Refused:   which column is which cannot be told from this table's header;")
        lines.append("           send it to the bot, which asks. Its first rows:")
        lines.append("           " + " | ".join(result.preview.header))
        lines.extend("           " + " | ".join(row) for row in result.preview.rows)
        return lines
    if isinstance(result, Refused):
        lines.append(f"Errors:    {len(result.errors)}")
        lines.extend(f"  line {e.line}: {message(e)}" for e in result.errors)
        lines.append("Refused: nothing was imported.")
        return lines
    assert isinstance(result, Imported)
    when = result.imported_at.astimezone(tz).strftime("%d.%m.%Y %H:%M")
    if result.again:
        lines.append(
            f"Imported before (#{result.import_id}, by {result.imported_by}, {when}): "
            "nothing changed."
        )
    else:
        lines.append(f"Imported:  #{result.import_id} as {result.imported_by}, {when}")
    lines.append(
        f"Lines:     {result.lines}: {result.sure} matched for sure, {result.review} to review, "
        f"{result.unmatched} unmatched, {result.asked} asked about, {result.done} done"
    )
    lines.append(
        f"           {result.new} new, {result.duplicates} already imported"
        + (f"; {result.settled} payment orders sent marked paid" if result.settled else "")
    )
    for account in result.accounts:
        period = f"{_day(account.date_start)} to {_day(account.date_end)}"
        moved = f"in {account.total_in.amount}, out {account.total_out.amount}"
        if account.balance_ok is None:
            lines.append(
                f"Account:   {account.account or '(not named)'}, {period}, {moved}; "
                "no balances to check"
            )
        else:
            verdict = "adds up" if account.balance_ok else "DOES NOT ADD UP"
            assert account.opening is not None
            assert account.closing is not None
            lines.append(
                f"Account:   {account.account}, {period}: opening {account.opening.amount}, "
                f"{moved}, closing {account.closing.amount}: {verdict}"
            )
    if result.sure:
        lines.append("The accountant accepts the sure matches in the bot with one tap.")
    return lines


def print_import(path: Path, result: object, tz: tzinfo) -> int:
    from ledger.statement_imports import Imported

    print("\n".join(render_import(path, result, tz)))
    return 0 if isinstance(result, Imported) else 1
