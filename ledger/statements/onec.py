"""A «1CClientBankExchange» statement read into a `Statement`, or refused with every reason.

What a document means is decided here:
- Direction comes from the accounts: a document whose payee account (ПолучательСчет or
  ПолучательРасчСчет) is one of the statement's own accounts is money in; whose payer account
  is, money out. Only when neither is (anonymised exports) do the dates decide: ДатаПоступило
  filled means in, ДатаСписано filled means out. A transfer between two accounts of the same
  statement is both: money out of one section and into the other.
- The booking date is ДатаПоступило for money in, ДатаСписано for money out; the document's
  own Дата is when the payer wrote it, which may be days earlier.
- Balances: each СекцияРасчСчет must add up (opening + in − out = closing), the documents
  booked in its period must add up to its ВсегоПоступило and ВсегоСписано, and each section of
  an account must open with the previous one's closing. A mismatch is an error: a statement
  that does not add up is missing lines, or has lines it should not.
- A 1C file without balances whose documents carry no booking dates is a file of payment orders
  (1C → bank): refused as a statement, with that reason.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from itertools import pairwise
from types import MappingProxyType
from typing import TypeVar

from ledger.money import Money
from ledger.statements.exchange import RawExchange, RawSection
from ledger.statements.model import (
    AccountSection,
    BankDocument,
    Direction,
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
    document_kind,
    read_account,
    read_amount,
    read_date,
    read_inn,
    read_kpp,
    read_own_account,
    split_name,
)

SUPPORTED_VERSIONS = ("1.01", "1.02", "1.03")
ENCODING_NAMES = {"windows": "cp1251", "dos": "cp866"}  # Кодировка= values, case aside
RECEIVED = "ДатаПоступило"
WRITTEN_OFF = "ДатаСписано"
PURPOSE_LINES = tuple(f"НазначениеПлатежа{n}" for n in range(1, 7))

T = TypeVar("T")


class Errors(list[LineError]):
    def read(self, section: RawSection, key: str, read: Callable[[str], T]) -> T | None:
        """The key's value read, or None with the error noted (a missing key is None too)."""
        value = section.fields.get(key)
        if not value:
            return None
        try:
            return read(value)
        except BadValue as bad:
            self.append(LineError(section.line_of(key), bad.problem, key, value[:60], bad.expected))
            return None

    def require(self, section: RawSection, key: str, read: Callable[[str], T]) -> T | None:
        if not section.fields.get(key):
            self.append(LineError(section.line, StatementProblem.MISSING_KEY, key=key))
            return None
        return self.read(section, key, read)


@dataclass(slots=True)
class _Section:
    raw: RawSection
    account: str
    date_start: date
    date_end: date
    opening: Money
    total_in: Money | None
    total_out: Money | None
    closing: Money | None
    documents_in: int = 0  # kopecks
    documents_out: int = 0


def read_exchange_statement(raw: RawExchange, *, encoding: str, sha256: str) -> Statement | Refused:
    errors = Errors(raw.errors)
    header = raw.header
    version = check_header(header, errors)
    documents_dated = any(d.value(RECEIVED) or d.value(WRITTEN_OFF) for d in raw.documents)
    if not raw.accounts and raw.documents and not documents_dated:
        return Refused(
            (LineError(header.line, StatementProblem.PAYMENT_ORDERS),),
            SourceFormat.ONE_C,
            encoding,
            version,
        )
    if not raw.accounts:
        errors.append(LineError(header.line, StatementProblem.NO_ACCOUNT_SECTION))

    header_end = errors.read(header, "ДатаКонца", read_date)
    sections = [s for s in (_section(r, header_end, errors) for r in raw.accounts) if s]
    own = {s.account for s in sections}
    for value, line in header.repeated.get("РасчСчет", []):
        try:
            own.add(read_own_account(value))
        except BadValue as bad:
            errors.append(LineError(line, bad.problem, "РасчСчет", value[:60], bad.expected))

    periods = _Periods(sections)
    documents: list[BankDocument] = []
    for raw_document in raw.documents:
        read = _documents(raw_document, own, errors)
        _book(read, raw_document, periods, errors)
        documents.extend(read)

    _check_balances(sections, errors)
    statement = Statement(
        format=SourceFormat.ONE_C,
        encoding=encoding,
        version=version,
        sha256=sha256,
        sections=tuple(_typed(s) for s in sections),
        documents=tuple(documents),
        sender=header.value("Отправитель") or None,
        receiver=header.value("Получатель") or None,
        header=MappingProxyType(header.fields),
    )
    if errors:
        ordered = tuple(sorted(errors, key=lambda e: e.line))
        return Refused(ordered, SourceFormat.ONE_C, encoding, version, seen=statement)
    return statement


def check_header(header: RawSection, errors: Errors) -> str | None:
    version = header.value("ВерсияФормата") or None
    if version is None:
        errors.append(LineError(header.line, StatementProblem.MISSING_KEY, "ВерсияФормата"))
    elif version not in SUPPORTED_VERSIONS:
        errors.append(
            LineError(
                header.line_of("ВерсияФормата"),
                StatementProblem.UNSUPPORTED_VERSION,
                "ВерсияФормата",
                version[:20],
                ", ".join(SUPPORTED_VERSIONS),
            )
        )
    claimed = header.value("Кодировка")
    if not claimed:
        errors.append(LineError(header.line, StatementProblem.MISSING_KEY, "Кодировка"))
    elif claimed.lower() not in ENCODING_NAMES:
        errors.append(
            LineError(
                header.line_of("Кодировка"),
                StatementProblem.UNKNOWN_ENCODING,
                "Кодировка",
                claimed[:20],
                "Windows, DOS",
            )
        )
    errors.read(header, "ДатаНачала", read_date)
    return version


def _section(raw: RawSection, header_end: date | None, errors: Errors) -> _Section | None:
    account = errors.require(raw, "РасчСчет", read_own_account)
    start = errors.require(raw, "ДатаНачала", read_date)
    end = errors.read(raw, "ДатаКонца", read_date) or header_end or start
    opening = errors.require(raw, "НачальныйОстаток", lambda v: read_amount(v, least=Least.ANY))
    total_in = errors.read(raw, "ВсегоПоступило", lambda v: read_amount(v, least=Least.ZERO))
    total_out = errors.read(raw, "ВсегоСписано", lambda v: read_amount(v, least=Least.ZERO))
    closing = errors.read(raw, "КонечныйОстаток", lambda v: read_amount(v, least=Least.ANY))
    if account is None or start is None or end is None or opening is None:
        return None
    return _Section(raw, account, start, end, opening, total_in, total_out, closing)


class _Keys:
    """The key names of one side of a document, made once rather than for every document."""

    def __init__(self, prefix: str) -> None:
        self.name = prefix
        self.name1 = prefix + "1"
        self.inn = prefix + "ИНН"
        self.kpp = prefix + "КПП"
        self.account = prefix + "Счет"
        self.settlement = prefix + "РасчСчет"
        self.bank = prefix + "Банк1"
        self.bik = prefix + "БИК"
        self.corr = prefix + "Корсчет"


PAYER = _Keys("Плательщик")
PAYEE = _Keys("Получатель")


def _party(raw: RawSection, keys: _Keys, errors: Errors) -> Party:
    get = raw.fields.get
    written = get(keys.name, "")
    name, inn_text, kpp_text = split_name(written) if written else ("", None, None)
    if get(keys.inn):
        inn = errors.read(raw, keys.inn, read_inn)
    else:
        inn = _read_in_name(raw, keys.name, inn_text, read_inn, errors)
    if keys.kpp in raw.fields:
        kpp = errors.read(raw, keys.kpp, read_kpp)
    else:
        kpp = _read_in_name(raw, keys.name, kpp_text, read_kpp, errors)
    account = errors.read(raw, keys.account, read_account) or errors.read(
        raw, keys.settlement, read_account
    )
    return Party(
        name=get(keys.name1) or name,
        inn=inn,
        kpp=kpp,
        account=account,
        bank_name=get(keys.bank) or None,
        bik=get(keys.bik) or None,
        corr_account=get(keys.corr) or None,
    )


def _read_in_name(
    raw: RawSection,
    key: str,
    text: str | None,
    read: Callable[[str], str | None],
    errors: Errors,
) -> str | None:
    """An ИНН or КПП written in the name (`ИНН 7701234567 ООО Ромашка`), read."""
    if not text:
        return None
    try:
        return read(text)
    except BadValue as bad:
        written = raw.value(key)
        errors.append(LineError(raw.line_of(key), bad.problem, key, written[:60], bad.expected))
        return None


def _accounts_of(raw: RawSection, keys: _Keys) -> set[str]:
    return {raw.value(keys.account), raw.value(keys.settlement)} - {""}


def _documents(raw: RawSection, own: set[str], errors: Errors) -> list[BankDocument]:
    """The document read; two of them for a transfer between two of the statement's own
    accounts (out of one, into the other); none when it has errors (they are noted)."""
    before = len(errors)
    number = raw.value("Номер")
    if not number:
        errors.append(LineError(raw.line, StatementProblem.MISSING_KEY, key="Номер"))
    written = errors.require(raw, "Дата", read_date)
    amount = errors.require(raw, "Сумма", read_amount)
    payer = _party(raw, PAYER, errors)
    payee = _party(raw, PAYEE, errors)
    ours_pays = _accounts_of(raw, PAYER) & own
    ours_gets = _accounts_of(raw, PAYEE) & own

    sides: list[tuple[Direction, str | None]] = []
    if ours_pays:
        sides.append((Direction.OUT, min(ours_pays)))
    if ours_gets:
        sides.append((Direction.IN, min(ours_gets)))
    if len(sides) == 2:
        # Between two of our own accounts: each side the bank booked (dated) is a line.
        dated = [side for side in sides if raw.value(_booking_key(side[0]))]
        sides = dated or sides
    if not sides:
        sides = _direction_by_dates(raw, own, errors)
    purpose = raw.value("НазначениеПлатежа") or " ".join(
        v for v in (raw.value(k) for k in PURPOSE_LINES) if v
    )
    kind_text = raw.title
    result = []
    for direction, account in sides:
        booked_key = _booking_key(direction)
        booked = errors.read(raw, booked_key, read_date)
        if booked is None and not raw.value(booked_key):
            errors.append(LineError(raw.line, StatementProblem.NO_BOOKING_DATE, key=booked_key))
        if len(errors) > before or written is None or amount is None or booked is None:
            continue
        result.append(
            BankDocument(
                kind=document_kind(kind_text),
                kind_text=kind_text,
                number=number,
                date=written,
                amount=amount,
                direction=direction,
                account=account,
                booked=booked,
                payer=payer,
                payee=payee,
                purpose=purpose,
                line=raw.line,
                fields=MappingProxyType(raw.fields),
            )
        )
    return result if len(errors) == before else []


def _booking_key(direction: Direction) -> str:
    return RECEIVED if direction is Direction.IN else WRITTEN_OFF


def _direction_by_dates(
    raw: RawSection, own: set[str], errors: Errors
) -> list[tuple[Direction, str | None]]:
    received, written_off = raw.value(RECEIVED), raw.value(WRITTEN_OFF)
    account = next(iter(own)) if len(own) == 1 else None
    if bool(received) == bool(written_off) or account is None:
        errors.append(
            LineError(
                raw.line,
                StatementProblem.UNKNOWN_DIRECTION,
                expected=", ".join(sorted(own)),
            )
        )
        return []
    return [(Direction.IN if received else Direction.OUT, account)]


class _Periods:
    """The sections of each account in date order, to find the one a booking date falls in."""

    def __init__(self, sections: list[_Section]) -> None:
        self.by_account: dict[str, list[_Section]] = {}
        for section in sections:
            self.by_account.setdefault(section.account, []).append(section)
        self.starts: dict[str, list[date]] = {}
        for account, own in self.by_account.items():
            own.sort(key=lambda s: s.date_start)
            self.starts[account] = [s.date_start for s in own]

    def find(self, account: str, day: date) -> _Section | None:
        index = bisect.bisect_right(self.starts.get(account, []), day) - 1
        if index < 0:
            return None
        section = self.by_account[account][index]
        return section if day <= section.date_end else None


def _book(
    documents: list[BankDocument], raw: RawSection, periods: _Periods, errors: Errors
) -> None:
    """Each document into the section of its account whose period holds its booking date."""
    for document in documents:
        section = periods.find(document.account or "", document.booked)
        if section is None:
            if periods.by_account:  # without any section the file is refused already
                key = _booking_key(document.direction)
                errors.append(
                    LineError(
                        raw.line_of(key),
                        StatementProblem.OUTSIDE_PERIOD,
                        key=key,
                        value=raw.value(key),
                    )
                )
            continue
        if document.direction is Direction.IN:
            section.documents_in += document.amount.to_minor_units()
        else:
            section.documents_out += document.amount.to_minor_units()


def _check_balances(sections: list[_Section], errors: Errors) -> None:
    for section in sections:
        raw = section.raw
        documents_in = Money.from_minor_units(section.documents_in)
        documents_out = Money.from_minor_units(section.documents_out)
        for key, total, counted in (
            ("ВсегоПоступило", section.total_in, documents_in),
            ("ВсегоСписано", section.total_out, documents_out),
        ):
            if total is not None and total != counted:
                errors.append(
                    LineError(
                        raw.line_of(key),
                        StatementProblem.TOTAL_MISMATCH,
                        key,
                        _plain(total),
                        _plain(counted),
                    )
                )
        total_in, total_out = _totals(section)
        computed = section.opening + total_in - total_out
        if section.closing is not None and section.closing != computed:
            errors.append(
                LineError(
                    raw.line_of("КонечныйОстаток"),
                    StatementProblem.BALANCE_MISMATCH,
                    "КонечныйОстаток",
                    _plain(section.closing),
                    _plain(computed),
                )
            )
    by_account: dict[str, list[_Section]] = {}
    for section in sections:
        by_account.setdefault(section.account, []).append(section)
    for own in by_account.values():
        own.sort(key=lambda s: s.date_start)
        for previous, following in pairwise(own):
            if following.date_start <= previous.date_end:
                errors.append(
                    LineError(
                        following.raw.line,
                        StatementProblem.OVERLAPPING_SECTIONS,
                        "ДатаНачала",
                        following.date_start.strftime("%d.%m.%Y"),
                        previous.date_end.strftime("%d.%m.%Y"),
                    )
                )
            elif following.opening != _closing(previous):
                errors.append(
                    LineError(
                        following.raw.line_of("НачальныйОстаток"),
                        StatementProblem.CHAIN_BROKEN,
                        "НачальныйОстаток",
                        _plain(following.opening),
                        _plain(_closing(previous)),
                    )
                )


def _totals(section: _Section) -> tuple[Money, Money]:
    """The bank's totals, or what the documents add up to where the bank gave none."""
    return (
        section.total_in
        if section.total_in is not None
        else Money.from_minor_units(section.documents_in),
        section.total_out
        if section.total_out is not None
        else Money.from_minor_units(section.documents_out),
    )


def _closing(section: _Section) -> Money:
    if section.closing is not None:
        return section.closing
    total_in, total_out = _totals(section)
    return section.opening + total_in - total_out


def _typed(section: _Section) -> AccountSection:
    total_in, total_out = _totals(section)
    return AccountSection(
        account=section.account,
        date_start=section.date_start,
        date_end=section.date_end,
        opening=section.opening,
        total_in=total_in,
        total_out=total_out,
        closing=section.closing if section.closing is not None else _closing(section),
        documents_in=Money.from_minor_units(section.documents_in),
        documents_out=Money.from_minor_units(section.documents_out),
        line=section.raw.line,
    )


def _plain(money: Money) -> str:
    return str(money.amount)
