"""What a bank statement is once read: typed values, the same whatever file it came from.

A `Statement` holds the account sections with their balances (1C files carry them, CSV and
XLSX exports usually do not) and the documents, each with its direction, its booking date and
its identity for an idempotent import. A file that cannot be read cleanly is a `Refused`: the
whole list of `LineError`s, each a line number and a `StatementProblem` with the key and value
concerned; no words, the edges (the CLI, the bot's texts) say them.

The contract number is deliberately not read out of the purpose here: the matcher reads it,
with its real-world spellings, from `BankDocument.purpose` kept as the bank wrote it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from itertools import pairwise

from ledger.money import Money


class SourceFormat(StrEnum):
    ONE_C = "1c"  # «1CClientBankExchange», the text every Russian bank's client exports
    CSV = "csv"
    XLSX = "xlsx"


class Direction(StrEnum):
    IN = "in"  # money came into our account
    OUT = "out"  # money left it


class DocumentKind(StrEnum):
    """The document's type, as `СекцияДокумент=` names it; the words vary, the kinds do not.
    Anything else is OTHER, its words kept in `BankDocument.kind_text`."""

    PAYMENT_ORDER = "payment_order"  # платёжное поручение
    PAYMENT_REQUEST = "payment_request"  # платёжное требование
    COLLECTION_ORDER = "collection_order"  # инкассовое поручение
    BANK_ORDER = "bank_order"  # банковский ордер
    MEMORIAL_ORDER = "memorial_order"  # мемориальный ордер
    PAYMENT_SLIP = "payment_slip"  # платёжный ордер (partial execution)
    LETTER_OF_CREDIT = "letter_of_credit"  # аккредитив
    CASH = "cash"  # объявление на взнос наличными, денежный чек
    FAST_PAYMENT = "fast_payment"  # СБП, the banks' own name for the Faster Payments System
    CREDIT = "credit"  # a bank's own «Поступление»
    DEBIT = "debit"  # a bank's own «Списание»
    OTHER = "other"


class StatementProblem(StrEnum):
    """Why a line of a file was refused. Every one of them refuses the whole file."""

    # What the file is
    EMPTY_FILE = "empty_file"
    PDF = "pdf"  # a PDF statement, perhaps renamed .txt: made for reading, not for import
    ARCHIVE = "archive"  # ZIP bytes: an XLSX handed to the text reader, or a zipped export
    BINARY = "binary"  # not text at all
    NOT_A_STATEMENT = "not_a_statement"  # neither a 1C file nor a table we can read
    PAYMENT_ORDERS = "payment_orders"  # a 1C file going to the bank, not a statement from it
    NOT_PAYMENT_ORDERS = "not_payment_orders"  # a statement where payment orders were expected
    UNKNOWN_ENCODING = "unknown_encoding"  # Кодировка= neither Windows nor DOS
    UNSUPPORTED_VERSION = "unsupported_version"  # ВерсияФормата= not 1.01, 1.02 or 1.03
    # Its structure
    NO_END_OF_FILE = "no_end_of_file"  # КонецФайла missing: the file was cut short
    TEXT_AFTER_END = "text_after_end"
    UNCLOSED_SECTION = "unclosed_section"  # СекцияДокумент without КонецДокумента, …
    UNEXPECTED_LINE = "unexpected_line"  # neither key=value nor a section marker, or misplaced
    NO_ACCOUNT_SECTION = "no_account_section"  # no СекцияРасчСчет: no balances to check
    # Its values
    MISSING_KEY = "missing_key"
    CONFLICTING_KEY = "conflicting_key"  # the same key twice with different values
    BAD_AMOUNT = "bad_amount"
    AMOUNT_NOT_POSITIVE = "amount_not_positive"
    BAD_DATE = "bad_date"
    BAD_ACCOUNT = "bad_account"
    BAD_INN = "bad_inn"
    BAD_KPP = "bad_kpp"
    # Its meaning
    UNKNOWN_DIRECTION = "unknown_direction"  # neither account is ours and no date says
    NO_BOOKING_DATE = "no_booking_date"  # ДатаПоступило / ДатаСписано empty
    OUTSIDE_PERIOD = "outside_period"  # booked outside every section of its account
    BALANCE_MISMATCH = "balance_mismatch"  # opening + in − out ≠ closing
    TOTAL_MISMATCH = "total_mismatch"  # the documents do not add up to ВсегоПоступило/…Списано
    CHAIN_BROKEN = "chain_broken"  # a section does not open with the previous one's closing
    OVERLAPPING_SECTIONS = "overlapping_sections"  # two sections of one account share days
    # Tables (CSV, XLSX)
    NO_MAPPING = "no_mapping"  # which column is which could not be told: ask the person
    MAPPING_OUT_OF_RANGE = "mapping_out_of_range"  # the mapping names a column the row lacks
    AMBIGUOUS_AMOUNT = "ambiguous_amount"  # both debit and credit filled in one row
    NO_AMOUNT = "no_amount"  # neither


@dataclass(frozen=True, slots=True)
class LineError:
    """One bad line: its number (1-based, in the file as the bank sent it), why, and the key
    and value concerned. `expected` carries the figure that was due (a total, a closing
    balance) or the allowed values, where there is one."""

    line: int
    problem: StatementProblem
    key: str = ""
    value: str = ""
    expected: str = ""


@dataclass(frozen=True, slots=True)
class Party:
    """A payer or a payee as the document names them. Values absent from the file are None;
    `КПП=0` and `ИНН=0` mean "none" and read as None too."""

    name: str
    inn: str | None = None
    kpp: str | None = None
    account: str | None = None
    bank_name: str | None = None
    bik: str | None = None
    corr_account: str | None = None


@dataclass(frozen=True, slots=True, order=True)
class DocumentIdentity:
    """What makes a line of a statement the same line in another (overlapping) statement:
    the account, the booking date, the document number, the amount and the counterparty's
    account. The direction is part of it too: a refund in and a payment out of the same sum,
    numbered alike on the same day, are two lines."""

    account: str
    booked: date
    number: str
    direction: Direction
    amount_minor: int  # kopecks: the amount is always positive, the direction says which way
    counterparty_account: str

    def key(self) -> str:
        """One string for storage and a unique index."""
        return "|".join(
            (
                self.account,
                self.booked.isoformat(),
                self.number,
                self.direction.value,
                str(self.amount_minor),
                self.counterparty_account,
            )
        )


@dataclass(frozen=True, slots=True)
class BankDocument:
    kind: DocumentKind
    kind_text: str  # as the bank wrote it: «Платёжное поручение», «СБП», «Перевод по QR»…
    number: str
    date: date  # the document's own date (a payer's order may be dated days before)
    amount: Money  # always positive
    direction: Direction
    account: str | None  # ours; a table export that names no account leaves it None
    booked: date  # ДатаПоступило for money in, ДатаСписано for money out
    payer: Party
    payee: Party
    purpose: str  # НазначениеПлатежа as written: the matcher reads the contract number here
    line: int  # where the document starts in the file
    # Every key of the document as written, those this module does not read included.
    fields: Mapping[str, str] = field(default_factory=dict, hash=False)

    @property
    def counterparty(self) -> Party:
        return self.payer if self.direction is Direction.IN else self.payee

    @property
    def identity(self) -> DocumentIdentity:
        return DocumentIdentity(
            account=self.account or "",
            booked=self.booked,
            number=self.number,
            direction=self.direction,
            amount_minor=self.amount.to_minor_units(),
            counterparty_account=self.counterparty.account or "",
        )


@dataclass(frozen=True, slots=True)
class AccountSection:
    """A 1C file's СекцияРасчСчет: one account over a period, with the bank's own figures and
    what the documents booked in that period add up to."""

    account: str
    date_start: date
    date_end: date
    opening: Money
    total_in: Money  # ВсегоПоступило; the documents' sum when the bank left it out
    total_out: Money  # ВсегоСписано; likewise
    closing: Money  # КонечныйОстаток; opening + in − out when the bank left it out
    documents_in: Money
    documents_out: Money
    line: int

    @property
    def balance_ok(self) -> bool:
        return (
            self.opening + self.total_in - self.total_out == self.closing
            and self.documents_in == self.total_in
            and self.documents_out == self.total_out
        )


@dataclass(frozen=True, slots=True)
class AccountSummary:
    """One account over the whole file: its sections joined. Table exports carry no balances,
    so there `opening`, `closing` and `balance_ok` are None."""

    account: str | None
    date_start: date | None
    date_end: date | None
    opening: Money | None
    closing: Money | None
    total_in: Money
    total_out: Money
    balance_ok: bool | None


@dataclass(frozen=True, slots=True)
class Statement:
    format: SourceFormat
    encoding: str | None  # "cp1251", "cp866", "utf-8"; None for XLSX
    version: str | None  # ВерсияФормата of a 1C file
    sha256: str  # of the bytes as received: the same file imported twice is known by it
    sections: tuple[AccountSection, ...]
    documents: tuple[BankDocument, ...]
    sender: str | None = None
    receiver: str | None = None
    header: Mapping[str, str] = field(default_factory=dict, hash=False)

    @property
    def incoming(self) -> tuple[BankDocument, ...]:
        return tuple(d for d in self.documents if d.direction is Direction.IN)

    @property
    def outgoing(self) -> tuple[BankDocument, ...]:
        return tuple(d for d in self.documents if d.direction is Direction.OUT)

    @property
    def in_total(self) -> Money:
        return _sum(d.amount for d in self.incoming)

    @property
    def out_total(self) -> Money:
        return _sum(d.amount for d in self.outgoing)

    @property
    def accounts(self) -> tuple[AccountSummary, ...]:
        if self.sections:
            return _summaries_of_sections(self.sections)
        return _summaries_of_documents(self.documents)


@dataclass(frozen=True, slots=True)
class Refused:
    """A file that will not be imported, and every reason why. `seen` is what could be read
    despite them (the balances, the documents without errors), for showing; never import it."""

    errors: tuple[LineError, ...]
    format: SourceFormat | None = None
    encoding: str | None = None
    version: str | None = None
    seen: Statement | None = None


def _sum(amounts: Iterable[Money]) -> Money:
    return Money.from_minor_units(sum(m.to_minor_units() for m in amounts))


def _summaries_of_sections(sections: tuple[AccountSection, ...]) -> tuple[AccountSummary, ...]:
    by_account: dict[str, list[AccountSection]] = {}
    for section in sections:
        by_account.setdefault(section.account, []).append(section)
    summaries = []
    for account, own in by_account.items():
        own.sort(key=lambda s: s.date_start)
        chained = all(a.closing == b.opening for a, b in pairwise(own))
        summaries.append(
            AccountSummary(
                account=account,
                date_start=own[0].date_start,
                date_end=max(s.date_end for s in own),
                opening=own[0].opening,
                closing=own[-1].closing,
                total_in=_sum(s.total_in for s in own),
                total_out=_sum(s.total_out for s in own),
                balance_ok=chained and all(s.balance_ok for s in own),
            )
        )
    return tuple(summaries)


def _summaries_of_documents(documents: tuple[BankDocument, ...]) -> tuple[AccountSummary, ...]:
    by_account: dict[str | None, list[BankDocument]] = {}
    for document in documents:
        by_account.setdefault(document.account, []).append(document)
    return tuple(
        AccountSummary(
            account=account,
            date_start=min(d.booked for d in own),
            date_end=max(d.booked for d in own),
            opening=None,
            closing=None,
            total_in=_sum(d.amount for d in own if d.direction is Direction.IN),
            total_out=_sum(d.amount for d in own if d.direction is Direction.OUT),
            balance_ok=None,
        )
        for account, own in by_account.items()
    )
