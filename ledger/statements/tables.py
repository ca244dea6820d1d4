"""CSV and XLSX exports, the second format: rows of cells, a `ColumnMapping` saying which
column is which, and the same `BankDocument`s out as from a 1C file.

Banks' table exports differ in everything: the header's words, where it starts (a preamble of
the account and the period often comes first), one signed amount column or a debit and a
credit column, dates with or without a time. So the first import of a bank's table shows a
`TablePreview` and asks which column is which (`guess_mapping` proposes an answer from common
Russian headers); the answer is a `ColumnMapping`, a plain value that `to_dict`/`from_dict`
turn into JSON and back, saved per bank by whoever stores it.

Reading the workbook itself (openpyxl) is an edge's job: it hands over a `Table` whose cells
are text, Decimal or date values (never float). Table exports carry no balances, so there is
nothing to check them against; the documents are read as strictly as a 1C file's.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from datetime import date, datetime
from decimal import Decimal

from ledger.money import Money
from ledger.statements.decoding import Decoded
from ledger.statements.model import (
    BankDocument,
    Direction,
    DocumentKind,
    LineError,
    Party,
    Refused,
    SourceFormat,
    Statement,
    StatementProblem,
)
from ledger.statements.values import (
    BadValue,
    Least,
    read_account,
    read_amount,
    read_inn,
    read_own_account,
)

Cell = str | Decimal | date | None


@dataclass(frozen=True, slots=True)
class TableRow:
    line: int  # the row's line in a CSV file, its row number in a sheet
    cells: tuple[Cell, ...]


@dataclass(frozen=True, slots=True)
class Table:
    rows: tuple[TableRow, ...]
    format: SourceFormat
    encoding: str | None
    sha256: str


@dataclass(frozen=True, slots=True)
class ColumnMapping:
    """Which column (0-based) holds what. Money comes either from one signed `amount` column
    (minus for money out) or from `debit` (money out) and `credit` (money in) columns.
    `header_row` is the index of the header among the table's rows (None: no header, data from
    the first row); `account` is ours, for exports that do not name it."""

    date: int
    amount: int | None = None
    debit: int | None = None
    credit: int | None = None
    purpose: int | None = None
    counterparty_name: int | None = None
    counterparty_inn: int | None = None
    counterparty_account: int | None = None
    document_number: int | None = None
    header_row: int | None = 0
    account: str | None = None

    def __post_init__(self) -> None:
        for name in (*_COLUMNS, "header_row"):
            index = getattr(self, name)
            if index is not None and (isinstance(index, bool) or not isinstance(index, int)):
                raise ValueError(f"{name} must be a column number, not {index!r}")
            if index is not None and index < 0:
                raise ValueError(f"{name} must not be negative")
        if (self.amount is None) == (self.debit is None and self.credit is None):
            raise ValueError("either an amount column or debit/credit columns, not both")
        used = [getattr(self, name) for name in _COLUMNS if getattr(self, name) is not None]
        if len(used) != len(set(used)):
            raise ValueError("one column cannot hold two things")
        if self.account is not None:
            read_own_account(self.account)

    def to_dict(self) -> dict[str, int | str | None]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> ColumnMapping:
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown keys: {', '.join(sorted(unknown))}")
        return cls(**data)  # type: ignore[arg-type]  # __post_init__ checks every value


_COLUMNS = (
    "date",
    "amount",
    "debit",
    "credit",
    "purpose",
    "counterparty_name",
    "counterparty_inn",
    "counterparty_account",
    "document_number",
)


@dataclass(frozen=True, slots=True)
class TablePreview:
    """The first rows as the person will see them when asked which column is which."""

    header: tuple[str, ...]  # the header row's titles, or "1", "2"… for a table without one
    rows: tuple[tuple[str, ...], ...]
    header_row: int | None


_DELIMITERS = (";", "\t", ",", "|")  # `;` first: what Excel writes in a Russian locale


def read_csv(decoded: Decoded, sha256: str) -> Table:
    """A CSV file's rows, split by `;`, tab, `,` or `|`: the one with which a known header
    turns up, else the one that gives the most columns. (csv.Sniffer guesses wrong on the short
    files a small business's month makes.)"""
    tables = [_split(decoded, delimiter, sha256) for delimiter in _DELIMITERS]
    for table in tables:
        if find_header_row(table) is not None:
            return table
    return max(tables, key=_typical_width)


def _split(decoded: Decoded, delimiter: str, sha256: str) -> Table:
    reader = csv.reader(io.StringIO(decoded.text, newline=""), delimiter=delimiter)
    rows = []
    line = 1
    for cells in reader:
        cells = [cell.replace("\r\n", "\n").strip() for cell in cells]
        rows.append(TableRow(line, tuple(cells)))
        line = reader.line_num + 1
    return Table(tuple(rows), SourceFormat.CSV, decoded.encoding, sha256)


def _typical_width(table: Table) -> int:
    widths = sorted(len(row.cells) for row in table.rows[:50] if any(row.cells))
    return widths[len(widths) // 2] if widths else 0


def as_text(cell: Cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, date):
        return cell.strftime("%d.%m.%Y")
    return str(cell)


def preview_table(table: Table, *, header_row: int | None = None, size: int = 5) -> TablePreview:
    """The header (the guessed one unless given: a header of known words, else the row just
    before the first row that reads as an operation) and the first `size` data rows, as text."""
    if header_row is None:
        header_row = find_header_row(table)
    if header_row is None:
        header_row = header_before_data(table)
    width = max((len(row.cells) for row in table.rows), default=0)
    if header_row is None:
        header = tuple(str(n) for n in range(1, width + 1))
        data = table.rows[:size]
    else:
        titles = table.rows[header_row].cells
        header = tuple(as_text(c) for c in titles) + ("",) * (width - len(titles))
        data = table.rows[header_row + 1 : header_row + 1 + size]
    return TablePreview(
        header,
        tuple(tuple(as_text(c) for c in row.cells) for row in data),
        header_row,
    )


# Common headers of Russian banks' exports, the likelier first. Matched on the lower-cased
# title with ё as е and punctuation as spaces: exactly first, then as a part of the title.
_HEADER_WORDS: dict[str, tuple[str, ...]] = {
    "date": ("дата проводки", "дата операции", "дата", "дата платежа", "дата документа"),
    "debit": ("дебет", "списание", "списано", "расход", "сумма по дебету", "оборот дт"),
    "credit": ("кредит", "поступление", "зачислено", "приход", "сумма по кредиту", "оборот кт"),
    "amount": ("сумма операции", "сумма", "сумма в валюте счета", "сумма платежа"),
    "purpose": ("назначение платежа", "назначение", "описание операции", "описание"),
    "counterparty_inn": ("инн контрагента", "инн корреспондента", "инн"),
    "counterparty_account": ("счет контрагента", "счет корреспондента", "счет"),
    "counterparty_name": (
        "контрагент",
        "наименование контрагента",
        "корреспондент",
        "плательщик получатель",
        "получатель плательщик",
    ),
    "document_number": ("номер документа", "№ документа", "№ док", "номер", "№"),
}
_ACCOUNT_RE = re.compile(r"(?<![0-9])[0-9]{20}(?![0-9])")


def _normalized(cell: Cell) -> str:
    text = as_text(cell).lower().replace("ё", "е")
    return " ".join(re.sub(r"[^\w№]+", " ", text).split())


def _match_columns(titles: Sequence[Cell]) -> dict[str, int]:
    normalized = [_normalized(title) for title in titles]
    found: dict[str, int] = {}
    taken: set[int] = set()
    for exact in (True, False):
        for name, words in _HEADER_WORDS.items():
            if name in found:
                continue
            for word in words:
                for index, title in enumerate(normalized):
                    if index in taken or not title:
                        continue
                    if title == word if exact else _has_words(title, word):
                        found[name] = index
                        taken.add(index)
                        break
                if name in found:
                    break
    return found


def _has_words(title: str, word: str) -> bool:
    return f" {word} " in f" {title} "


def _is_header(found: Mapping[str, int]) -> bool:
    has_money = "amount" in found or ("debit" in found and "credit" in found)
    return "date" in found and has_money


def find_header_row(table: Table, *, within: int = 30) -> int | None:
    for index, row in enumerate(table.rows[:within]):
        if _is_header(_match_columns(row.cells)):
            return index
    return None


def header_before_data(table: Table, *, within: int = 30) -> int | None:
    """Where an unknown header stands: the row just before the first one that reads as an
    operation (a date and a non-zero amount among its cells, as wide as most rows), so that a
    preamble and a header of words we do not know are not taken for data. None when the
    first row already reads as one, or no row does."""
    width = _typical_width(table)
    for index, row in enumerate(table.rows[:within]):
        filled = [cell for cell in row.cells if as_text(cell).strip()]
        if len(row.cells) < width or len(filled) < 2:
            continue
        if _has_date(row.cells) and _has_amount(row.cells):
            return index - 1 if index > 0 else None
    return None


def _has_date(cells: Sequence[Cell]) -> bool:
    for cell in cells:
        try:
            _read_table_date(cell)
        except BadValue:
            continue
        return True
    return False


def _has_amount(cells: Sequence[Cell]) -> bool:
    for cell in cells:
        if isinstance(cell, date):
            continue
        try:
            amount = _read_table_amount(cell)
        except BadValue:
            continue
        if amount is not None and not amount.is_zero:
            return True
    return False


def table_layout(table: Table, header_row: int | None) -> str | None:
    """What a bank's export looks like, as a key its saved mapping is found again by: the
    hash of the header's titles (lower case, punctuation and spacing aside), or of the
    number of columns for a table without a header. None when the table has no such row."""
    if header_row is None:
        shape = f"columns:{_typical_width(table)}"
    elif header_row < len(table.rows):
        shape = "\x1f".join(_normalized(cell) for cell in table.rows[header_row].cells)
        if not shape.strip("\x1f"):
            return None
    else:
        return None
    return hashlib.sha256(shape.encode()).hexdigest()


def guess_mapping(table: Table) -> ColumnMapping | None:
    """A mapping from the header's words, or None when the table's header is not one we
    know: then the person is asked, with a `preview_table`."""
    header_row = find_header_row(table)
    if header_row is None:
        return None
    found = _match_columns(table.rows[header_row].cells)
    if "debit" in found and "credit" in found:
        found.pop("amount", None)
    account = None
    for row in table.rows[:header_row]:
        for cell in row.cells:
            match = _ACCOUNT_RE.search(as_text(cell))
            if match and account is None:
                account = match.group()
    return ColumnMapping(**found, header_row=header_row, account=account)


_DATE_RE = re.compile(
    r"(?P<day>[0-9]{1,2})[./](?P<month>[0-9]{1,2})[./](?P<year>[0-9]{4}|[0-9]{2})"
    r"(?:[ T][0-9]{1,2}:[0-9]{2}(?::[0-9]{2})?)?"
)
_ISO_DATE_RE = re.compile(
    r"(?P<year>[0-9]{4})-(?P<month>[0-9]{2})-(?P<day>[0-9]{2})(?:[ T][0-9:.+]+)?"
)
_CURRENCY_RE = re.compile(r"\s*(?:₽|руб\.?|р\.|rub|rur)\s*$", re.IGNORECASE)
_SUMMARY_WORDS = ("итого", "всего", "обороты", "остаток", "сальдо")


def _read_table_date(cell: Cell) -> date:
    if isinstance(cell, datetime):
        return cell.date()
    if isinstance(cell, date):
        return cell
    text = as_text(cell).strip()
    match = _DATE_RE.fullmatch(text) or _ISO_DATE_RE.fullmatch(text)
    if match is None:
        raise BadValue(StatementProblem.BAD_DATE, "dd.mm.yyyy")
    year = int(match["year"])
    year += 2000 if year < 100 else 0
    try:
        return date(year, int(match["month"]), int(match["day"]))
    except ValueError:
        raise BadValue(StatementProblem.BAD_DATE, "dd.mm.yyyy") from None


def _read_table_amount(cell: Cell) -> Money | None:
    """A signed amount, or None for an empty cell."""
    if cell is None or cell == "":
        return None
    if isinstance(cell, Decimal):
        try:
            return Money(cell)
        except ValueError:
            raise BadValue(StatementProblem.BAD_AMOUNT) from None
    text = _CURRENCY_RE.sub("", as_text(cell).strip()).lstrip("+")
    if not text:
        return None
    return read_amount(text, least=Least.ANY)


def read_table(table: Table, mapping: ColumnMapping | None = None) -> Statement | Refused:
    """The table's rows as documents, with `mapping` or the guessed one."""
    mapping = mapping or guess_mapping(table)
    if mapping is None:
        return Refused(
            (LineError(table.rows[0].line if table.rows else 1, StatementProblem.NO_MAPPING),),
            table.format,
            table.encoding,
        )
    titles: tuple[Cell, ...] = ()
    if mapping.header_row is not None and mapping.header_row < len(table.rows):
        titles = table.rows[mapping.header_row].cells
    start = 0 if mapping.header_row is None else mapping.header_row + 1
    errors: list[LineError] = []
    documents = []
    for row in table.rows[start:]:
        document = _row_document(row, mapping, titles, errors)
        if document is not None:
            documents.append(document)
    statement = Statement(
        format=table.format,
        encoding=table.encoding,
        version=None,
        sha256=table.sha256,
        sections=(),
        documents=tuple(documents),
    )
    if errors:
        return Refused(tuple(errors), table.format, table.encoding, seen=statement)
    return statement


class _Row:
    """One data row being read; its errors go to the shared list."""

    def __init__(self, row: TableRow, titles: tuple[Cell, ...], errors: list[LineError]) -> None:
        self.row = row
        self.titles = titles
        self.errors = errors

    def cell(self, index: int | None) -> Cell:
        if index is None or index >= len(self.row.cells):
            return None
        return self.row.cells[index]

    def title(self, index: int | None) -> str:
        if index is not None and index < len(self.titles) and as_text(self.titles[index]):
            return as_text(self.titles[index])
        return f"#{(index or 0) + 1}"

    def fail(self, index: int | None, problem: StatementProblem, expected: str = "") -> None:
        value = as_text(self.cell(index))[:60]
        self.errors.append(LineError(self.row.line, problem, self.title(index), value, expected))

    def date(self, index: int) -> date | None:
        try:
            return _read_table_date(self.cell(index))
        except BadValue as bad:
            self.fail(index, bad.problem, bad.expected)
            return None

    def amount(self, index: int | None) -> Money | bool | None:
        """The signed amount; None for an empty cell; False when it is refused."""
        try:
            return _read_table_amount(self.cell(index))
        except BadValue as bad:
            self.fail(index, bad.problem, bad.expected)
            return False

    def text(self, index: int | None, read: Callable[[str], str | None]) -> str | None:
        try:
            return read(as_text(self.cell(index)))
        except BadValue as bad:
            self.fail(index, bad.problem, bad.expected)
            return None


def _row_document(
    row: TableRow, mapping: ColumnMapping, titles: tuple[Cell, ...], errors: list[LineError]
) -> BankDocument | None:
    read = _Row(row, titles, errors)
    mapped = [getattr(mapping, name) for name in _COLUMNS]
    if all(as_text(read.cell(index)) == "" for index in mapped):
        return None
    if any(as_text(c).strip().lower().startswith(_SUMMARY_WORDS) for c in row.cells):
        return None  # "Итого", "Остаток на …": the export's own summary lines
    before = len(errors)
    booked = read.date(mapping.date)
    moved = _amount_and_direction(read, mapping)
    inn = read.text(mapping.counterparty_inn, read_inn)
    account = read.text(mapping.counterparty_account, read_account)
    if len(errors) > before or booked is None or moved is None:
        return None
    amount, direction = moved
    counterparty = Party(
        name=as_text(read.cell(mapping.counterparty_name)).strip(), inn=inn, account=account
    )
    ours = Party(name="", account=mapping.account)
    return BankDocument(
        kind=DocumentKind.OTHER,
        kind_text="",
        number=as_text(read.cell(mapping.document_number)).strip(),
        date=booked,
        amount=amount,
        direction=direction,
        account=mapping.account,
        booked=booked,
        payer=counterparty if direction is Direction.IN else ours,
        payee=ours if direction is Direction.IN else counterparty,
        purpose=as_text(read.cell(mapping.purpose)).strip(),
        line=row.line,
        fields={read.title(i): as_text(c) for i, c in enumerate(row.cells)},
    )


def _amount_and_direction(read: _Row, mapping: ColumnMapping) -> tuple[Money, Direction] | None:
    if mapping.amount is not None:
        signed = read.amount(mapping.amount)
        if signed is False:
            return None
        if not isinstance(signed, Money) or signed.is_zero:
            read.fail(mapping.amount, StatementProblem.NO_AMOUNT)
            return None
        return (-signed, Direction.OUT) if signed.is_negative else (signed, Direction.IN)
    debit, credit = read.amount(mapping.debit), read.amount(mapping.credit)
    if debit is False or credit is False:
        return None
    moves = [
        (money, direction)
        for money, direction in ((debit, Direction.OUT), (credit, Direction.IN))
        if isinstance(money, Money) and not money.is_zero
    ]
    if len(moves) != 1:
        problem = StatementProblem.AMBIGUOUS_AMOUNT if moves else StatementProblem.NO_AMOUNT
        read.fail(mapping.debit, problem)
        return None
    money, direction = moves[0]
    # Some banks write a debit with a minus: the column already says which way it went.
    return (-money if money.is_negative else money), direction
