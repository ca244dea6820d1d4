"""Bank statements made by the tests themselves, with the reading each one must give.

`make_statement` draws the truth: accounts, their sections (consecutive periods with opening
balances), documents of every type going both ways, counterparties from a small pool (so ИНН
repeat, as they do), purposes with contract numbers in their real-world spellings, and keys a
reader does not know. `render` writes that truth as a «1CClientBankExchange» file in a `Style`:
each encoding (UTF-8 under a header that says Windows, as some banks' APIs send it), line
ending, format version, way of writing amounts (`1000000.50`, `1 000 000,50` with ordinary,
no-break or narrow no-break spaces, `312000`, `1,5`), way of naming the parties (`ИНН … name`,
`inn, name`, `Плательщик1`), `КПП` of none as empty, `0` or absent, keys in any order, and
anonymised exports where our own account is blanked out of the documents. It remembers the
line of every key, so `corrupt` can break one thing and say which line must be reported.

This is a writer of its own, on purpose: the product's reader is checked against it, not
against itself. `MALFORMED` holds the broken files every reader must refuse.
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, text

from ledger.money import Money
from ledger.statements.model import (
    BankDocument,
    Direction,
    DocumentKind,
    Statement,
    StatementProblem,
)

if TYPE_CHECKING:
    from ledger.clock import Clock
    from ledger.storage.database import Database

OUR_NAME = 'ООО "Копейка"'
OUR_INN = "7701234567"
OUR_KPP = "770101001"
OUR_BANK = ('АО "ТЕСТ-БАНК"', "044525974", "30101810145250000974")
ANONYMISED_ACCOUNT = "12312312312312312"
FIRST_DAY = date(2026, 3, 2)

INCOMING_KINDS = (
    ("Платежное поручение", DocumentKind.PAYMENT_ORDER),
    ("Платёжное поручение", DocumentKind.PAYMENT_ORDER),
    ("Банковский ордер", DocumentKind.BANK_ORDER),
    ("Мемориальный ордер", DocumentKind.MEMORIAL_ORDER),
    ("Поступление", DocumentKind.CREDIT),
    ("СБП", DocumentKind.FAST_PAYMENT),
    ("Перевод по QR-коду", DocumentKind.OTHER),
)
OUTGOING_KINDS = (
    ("Платежное поручение", DocumentKind.PAYMENT_ORDER),
    ("Банковский ордер", DocumentKind.BANK_ORDER),
    ("Мемориальный ордер", DocumentKind.MEMORIAL_ORDER),
    ("Платежное требование", DocumentKind.PAYMENT_REQUEST),
    ("Инкассовое поручение", DocumentKind.COLLECTION_ORDER),
    ("Платежный ордер", DocumentKind.PAYMENT_SLIP),
    ("Списание", DocumentKind.DEBIT),
)
PURPOSES = (
    "Оплата по договору № К-2024/{n} от 01.02.2026. НДС не облагается",
    "Оплата по дог. К-2024/{n}, в т.ч. НДС 20% 1000-00",
    "Предоплата К2024/{n} за услуги",
    "Оплата по счету {n} от 10.02.2026 =аванс",
    "К-2024/{n} оплата за ремонт",
    "Комиссия за ведение счета за февраль 2026 г.",
    "Перевод по СБП от Иванова И.И. по заказу {n}",
    "Заработная плата за февраль 2026 г. по реестру № {n}",
)
# Keys no reader is asked to understand; they must come out in `BankDocument.fields`.
EXTRA_KEYS = (
    ("КвитанцияДата", "02.03.2026"),
    ("КвитанцияВремя", "00:00:00"),
    ("КвитанцияСодержание", "статус документа: Внешний"),
    ("ХэшДокумента", "9f2c1e77"),
    ("ПоказательКБК", ""),
    ("СтатусСоставителя", ""),
    ("Код", "0"),
    ("ИдентификаторСБП", "B6061123456789000000120011580301"),
)


@dataclass(frozen=True)
class Counterparty:
    name: str
    inn: str | None
    kpp: str | None
    account: str
    bank: tuple[str, str, str] = ("ПАО СБЕРБАНК", "044525225", "30101810400000000225")


@dataclass(frozen=True)
class TruthDocument:
    kind_text: str
    kind: DocumentKind
    number: str
    written: date
    booked: date
    amount: Decimal
    direction: Direction
    account: str
    counterparty: Counterparty
    purpose: str
    extra: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class TruthSection:
    account: str
    start: date
    end: date
    opening: Decimal
    documents: tuple[TruthDocument, ...]

    @property
    def total_in(self) -> Decimal:
        return sum((d.amount for d in self.documents if d.direction is Direction.IN), Decimal(0))

    @property
    def total_out(self) -> Decimal:
        return sum((d.amount for d in self.documents if d.direction is Direction.OUT), Decimal(0))

    @property
    def closing(self) -> Decimal:
        return self.opening + self.total_in - self.total_out


@dataclass(frozen=True)
class TruthStatement:
    sections: tuple[TruthSection, ...]

    @property
    def documents(self) -> tuple[TruthDocument, ...]:
        """In the order the file lists them: by booking date, then by section."""
        every = [d for s in self.sections for d in s.documents]
        return tuple(sorted(every, key=lambda d: d.booked))

    @property
    def accounts(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(s.account for s in self.sections))


def _digits(rng: random.Random, count: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(count))


def counterparty_pool(rng: random.Random, size: int = 24) -> list[Counterparty]:
    names = (
        'ООО "Ромашка"',
        "ООО Строй-2000",
        'АО "Вектор"',
        "ИП Петров Пётр Петрович",
        "ИП Сидорова А.В.",
        "ООО ТД Север",
        "Иванов Иван Иванович",
        'ПАО "Мегастрой"',
    )
    pool = []
    for index in range(size):
        name = names[index % len(names)]
        if name.startswith("ИП"):
            inn, kpp = "77" + _digits(rng, 10), None
        elif name.startswith("Иванов"):
            inn, kpp = None, None  # a private person paying through СБП: no ИНН given
        else:
            inn, kpp = "77" + _digits(rng, 8), "7701" + _digits(rng, 5)
        account = ("40817810" if inn is None else "40702810") + _digits(rng, 12)
        pool.append(Counterparty(name, inn, kpp, account))
    return pool


def make_statement(
    rng: random.Random,
    *,
    documents: int,
    accounts: int = 1,
    sections: int = 1,
    first_day: date = FIRST_DAY,
) -> TruthStatement:
    """A statement of `documents` documents over `accounts` accounts, each in `sections`
    consecutive periods, balances and all."""
    pool = counterparty_pool(rng)
    own = [f"40702810{_digits(rng, 12)}" for _ in range(accounts)]
    periods: list[tuple[str, date, date]] = []
    for account in own:
        day = first_day
        for _ in range(sections):
            length = rng.randint(1, 5)
            periods.append((account, day, day + timedelta(days=length - 1)))
            day += timedelta(days=length)
    placed: dict[int, list[TruthDocument]] = {index: [] for index in range(len(periods))}
    for _ in range(documents):
        index = rng.randrange(len(periods))
        account, start, end = periods[index]
        placed[index].append(_document(rng, account, start, end, pool))
    built = []
    closing_of: dict[str, Decimal] = {}
    for index, (account, start, end) in enumerate(periods):
        opening = closing_of.get(account)
        if opening is None:
            opening = _amount(rng) * rng.choice((1, 10, 100))
            if rng.random() < 0.1:
                opening = -opening  # an overdraft: balances may be negative
        section = TruthSection(account, start, end, opening, tuple(placed[index]))
        closing_of[account] = section.closing
        built.append(section)
    return TruthStatement(tuple(built))


def _amount(rng: random.Random) -> Decimal:
    shape = rng.random()
    if shape < 0.3:
        return Decimal(rng.randint(1, 500_000))  # whole rubles
    if shape < 0.4:
        return Decimal(rng.randint(1, 1000)) / 10  # 1,5
    if shape < 0.5:
        return Decimal(rng.randint(100_000_000, 9_999_999_999)) / 100  # millions
    return Decimal(rng.randint(1, 50_000_000)) / 100


def _document(
    rng: random.Random, account: str, start: date, end: date, pool: list[Counterparty]
) -> TruthDocument:
    direction = rng.choice((Direction.IN, Direction.OUT))
    kind_text, kind = rng.choice(INCOMING_KINDS if direction is Direction.IN else OUTGOING_KINDS)
    booked = start + timedelta(days=rng.randint(0, (end - start).days))
    number = str(rng.randint(1, 999_999))
    extra = tuple(rng.sample(EXTRA_KEYS, rng.randint(0, 3)))
    return TruthDocument(
        kind_text=kind_text,
        kind=kind,
        number=number,
        written=booked - timedelta(days=rng.randint(0, 3)),
        booked=booked,
        amount=_amount(rng),
        direction=direction,
        account=account,
        counterparty=rng.choice(pool),
        purpose=rng.choice(PURPOSES).format(n=rng.randint(100, 999)),
        extra=extra,
    )


class Amounts(StrEnum):
    DOT = "dot"  # 1000000.50
    COMMA = "comma"  # 1000000,50
    SPACED = "spaced"  # 1 000 000,50
    NBSP = "nbsp"  # 1 000 000,50 with no-break spaces
    NARROW = "narrow"  # with narrow no-break spaces, as Babel writes them (UTF-8 only)
    BARE = "bare"  # 312000, 1,5: no more digits than needed
    MIXED = "mixed"  # any of these, amount by amount


class Names(StrEnum):
    SEPARATE = "separate"  # Плательщик=name, ПлательщикИНН=…
    INN_IN_NAME = "inn_in_name"  # Плательщик=ИНН … name, ПлательщикИНН, Плательщик1 (1C)
    INN_IN_NAME_ONLY = "inn_in_name_only"  # Плательщик=ИНН … [КПП …] name, nothing else
    INN_COMMA = "inn_comma"  # Плательщик=inn, name (VTB)
    NAME1 = "name1"  # Плательщик1=name, ПлательщикИНН=…, no Плательщик


class NoKpp(StrEnum):
    EMPTY = "empty"  # ПлательщикКПП=
    ZERO = "zero"  # ПлательщикКПП=0
    ABSENT = "absent"


ENCODINGS = ("cp1251", "cp866", "utf-8")
NEWLINES = ("\r\n", "\n")
VERSIONS = ("1.01", "1.02", "1.03")


@dataclass(frozen=True)
class Style:
    encoding: str = "cp1251"
    newline: str = "\r\n"
    version: str = "1.03"
    amounts: Amounts = Amounts.DOT
    names: Names = Names.INN_IN_NAME
    no_kpp: NoKpp = NoKpp.EMPTY
    shuffle: bool = False  # keys in any order within a section
    anonymised: bool = False  # our account blanked out of the documents (one account only)
    blank_lines: bool = False
    seed: int = 0  # for the shuffles and the mixed amounts

    @property
    def claimed_encoding(self) -> str:
        # UTF-8 goes out under "Windows", as the banks' APIs that send it do.
        return "DOS" if self.encoding == "cp866" else "Windows"


def every_style() -> list[Style]:
    """Each value of each axis at least once, in a few files rather than all combinations."""
    styles = [Style()]
    styles += [Style(encoding=e, amounts=Amounts.NBSP) for e in ENCODINGS]
    styles += [Style(encoding="utf-8", amounts=Amounts.NARROW, newline="\n")]
    styles += [Style(newline="\n", version=v) for v in VERSIONS]
    styles += [Style(amounts=a, seed=i) for i, a in enumerate(Amounts) if a != Amounts.NARROW]
    styles += [Style(names=n, no_kpp=k) for n in Names for k in NoKpp]
    styles += [Style(shuffle=True, seed=7, blank_lines=True, amounts=Amounts.MIXED)]
    styles += [Style(anonymised=True), Style(anonymised=True, names=Names.SEPARATE)]
    return styles


def format_amount(value: Decimal, style: Amounts, rng: random.Random, encoding: str) -> str:
    if style is Amounts.MIXED:
        choices = [a for a in Amounts if a is not Amounts.MIXED]
        if encoding != "utf-8":
            choices.remove(Amounts.NARROW)
        style = rng.choice(choices)
    sign = "-" if value < 0 else ""
    whole, _, kopecks = f"{abs(value):.2f}".partition(".")
    if style is Amounts.DOT:
        return f"{sign}{whole}.{kopecks}"
    if style is Amounts.COMMA:
        return f"{sign}{whole},{kopecks}"
    if style is Amounts.BARE:
        if kopecks == "00":
            return f"{sign}{whole}"
        return f"{sign}{whole},{kopecks.rstrip('0')}"
    space = {Amounts.SPACED: " ", Amounts.NBSP: "\u00a0", Amounts.NARROW: "\u202f"}[style]
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    return f"{sign}{space.join(groups)},{kopecks}"


@dataclass
class Rendered:
    truth: TruthStatement
    style: Style
    lines: list[str]  # the file's lines, without their endings
    where: dict[tuple[object, ...], int] = field(default_factory=dict)  # what → line (1-based)

    @property
    def data(self) -> bytes:
        return encode(self.lines, self.style)


def encode(lines: list[str], style: Style) -> bytes:
    return (style.newline.join(lines) + style.newline).encode(style.encoding)


def render(truth: TruthStatement, style: Style = Style()) -> Rendered:
    rng = random.Random(style.seed)
    if style.anonymised and len(truth.accounts) != 1:
        raise ValueError("an anonymised export can only be read with one account")
    out = Rendered(truth, style, [])

    def put(line: str, *where: object) -> None:
        out.lines.append(line)
        if where:
            out.where[where] = len(out.lines)

    def keys(pairs: list[tuple[str, str]], *where: object) -> None:
        if style.shuffle:
            rng.shuffle(pairs)
        for key, value in pairs:
            put(f"{key}={value}", *where, key)

    amount = lambda value: format_amount(value, style.amounts, rng, style.encoding)  # noqa: E731
    first = min(s.start for s in truth.sections)
    last = max(s.end for s in truth.sections)
    put("1CClientBankExchange")
    header = [
        ("ВерсияФормата", style.version),
        ("Кодировка", style.claimed_encoding),
        ("Отправитель", "Тест-Банк Онлайн"),
        ("Получатель", "1С:Предприятие"),
        ("ДатаСоздания", _d(last + timedelta(days=1))),
        ("ВремяСоздания", "10:03:13"),
        ("ДатаНачала", _d(first)),
        ("ДатаКонца", _d(last)),
        ("ВерсияПрограммыБанка", "5.2.1"),
    ]
    keys(header, "header")
    for account in truth.accounts:
        put(f"РасчСчет={account}")
    for index, section in enumerate(truth.sections):
        put("СекцияРасчСчет", "section", index)
        keys(
            [
                ("ДатаНачала", _d(section.start)),
                ("ДатаКонца", _d(section.end)),
                ("РасчСчет", section.account),
                ("НачальныйОстаток", amount(section.opening)),
                ("ВсегоПоступило", amount(section.total_in)),
                ("ВсегоСписано", amount(section.total_out)),
                ("КонечныйОстаток", amount(section.closing)),
            ],
            "section",
            index,
        )
        put("КонецРасчСчет")
    for index, document in enumerate(truth.documents):
        if style.blank_lines:
            put("")
        put(f"СекцияДокумент={document.kind_text}", "document", index)
        keys(_document_keys(document, style, amount, rng), "document", index)
        put("КонецДокумента", "document", index, "end")
    put("КонецФайла", "end")
    return out


def _document_keys(
    document: TruthDocument, style: Style, amount: Callable[[Decimal], str], rng: random.Random
) -> list[tuple[str, str]]:
    ours = Counterparty(
        OUR_NAME,
        OUR_INN,
        OUR_KPP,
        ANONYMISED_ACCOUNT if style.anonymised else document.account,
        OUR_BANK,
    )
    incoming = document.direction is Direction.IN
    payer, payee = (document.counterparty, ours) if incoming else (ours, document.counterparty)
    pairs = [
        ("Номер", document.number),
        ("Дата", _d(document.written)),
        ("Сумма", amount(document.amount)),
    ]
    pairs += _party_keys("Плательщик", payer, style, rng)
    pairs += _party_keys("Получатель", payee, style, rng)
    booked, other = (
        ("ДатаПоступило", "ДатаСписано") if incoming else ("ДатаСписано", "ДатаПоступило")
    )
    pairs.append((booked, _d(document.booked)))
    if rng.random() < 0.5:
        pairs.append((other, ""))  # some banks write the other date empty, others leave it out
    pairs += [
        ("ВидОплаты", "01"),
        ("Очередность", "5"),
        ("НазначениеПлатежа", document.purpose),
        *document.extra,
    ]
    return pairs


def _party_keys(
    prefix: str, party: Counterparty, style: Style, rng: random.Random
) -> list[tuple[str, str]]:
    no_kpp = {NoKpp.EMPTY: "", NoKpp.ZERO: "0", NoKpp.ABSENT: None}[style.no_kpp]
    kpp = party.kpp if party.kpp is not None else no_kpp
    inn = party.inn if party.inn is not None else ("0" if style.no_kpp is NoKpp.ZERO else "")
    pairs: list[tuple[str, str]] = [(f"{prefix}Счет", party.account)]
    names = style.names
    if party.inn is None and names in (Names.INN_IN_NAME_ONLY, Names.INN_COMMA):
        names = Names.SEPARATE  # nobody writes "ИНН  Иванов": without an ИНН the name is alone
    if names is Names.SEPARATE:
        pairs += [(prefix, party.name), (f"{prefix}ИНН", inn)]
    elif names is Names.INN_IN_NAME:
        pairs += [
            (prefix, f"ИНН {inn} {party.name}"),
            (f"{prefix}ИНН", inn),
            (f"{prefix}1", party.name),
        ]
    elif names is Names.INN_IN_NAME_ONLY:
        in_name = f" КПП {party.kpp}" if party.kpp else ""
        pairs.append((prefix, f"ИНН {inn}{in_name} {party.name}"))
        kpp = None  # said in the name, or nowhere
    elif names is Names.INN_COMMA:
        pairs += [
            (prefix, f"{inn}, {party.name}"),
            (f"{prefix}ИНН", inn),
            (f"{prefix}1", party.name),
        ]
    else:
        pairs += [(f"{prefix}1", party.name), (f"{prefix}ИНН", inn)]
    if kpp is not None:
        pairs.append((f"{prefix}КПП", kpp))
    if rng.random() < 0.5:
        pairs.append((f"{prefix}РасчСчет", party.account))
    bank, bik, corr = party.bank
    pairs += [(f"{prefix}Банк1", bank), (f"{prefix}БИК", bik), (f"{prefix}Корсчет", corr)]
    return pairs


def _d(day: date) -> str:
    return day.strftime("%d.%m.%Y")


# --- what the reader must give ----------------------------------------------------------------


def expected_documents(truth: TruthStatement) -> list[tuple[object, ...]]:
    return [
        (
            d.kind,
            d.kind_text,
            d.number,
            d.written,
            Money(d.amount),
            d.direction,
            d.account,
            d.booked,
            d.counterparty.name,
            d.counterparty.inn,
            d.counterparty.kpp,
            d.counterparty.account,
            d.purpose,
            dict(d.extra),
        )
        for d in truth.documents
    ]


def read_documents(statement: Statement, truth: TruthStatement) -> list[tuple[object, ...]]:
    """The statement's documents in `expected_documents`' shape (with the values of the keys
    the truth added, as the reader kept them)."""

    def extra(document: BankDocument, truth: TruthDocument) -> dict[str, str]:
        return {key: document.fields.get(key, "<missing>") for key, _ in truth.extra}

    if len(statement.documents) != len(truth.documents):
        return [(d.line, d.number) for d in statement.documents]  # unequal, and shown as such
    return [
        (
            d.kind,
            d.kind_text,
            d.number,
            d.date,
            d.amount,
            d.direction,
            d.account,
            d.booked,
            d.counterparty.name,
            d.counterparty.inn,
            d.counterparty.kpp,
            d.counterparty.account,
            d.purpose,
            extra(d, t),
        )
        for d, t in zip(statement.documents, truth.documents, strict=True)
    ]


def expected_sections(truth: TruthStatement) -> list[tuple[object, ...]]:
    return [
        (
            s.account,
            s.start,
            s.end,
            Money(s.opening),
            Money(s.total_in),
            Money(s.total_out),
            Money(s.closing),
        )
        for s in truth.sections
    ]


def read_sections(statement: Statement) -> list[tuple[object, ...]]:
    return [
        (s.account, s.date_start, s.date_end, s.opening, s.total_in, s.total_out, s.closing)
        for s in statement.sections
    ]


# --- one thing broken, and the line that must say so -------------------------------------------


class Corruption(StrEnum):
    AMOUNT_NOT_A_NUMBER = "amount_not_a_number"  # Сумма=abc
    AMOUNT_MISSING = "amount_missing"
    AMOUNT_CHANGED = "amount_changed"  # +100: the section's total no longer matches
    BOOKING_DATE_BAD = "booking_date_bad"  # 31.02.2026
    BOOKED_OUTSIDE = "booked_outside"  # a date no section covers
    DOCUMENT_UNCLOSED = "document_unclosed"  # КонецДокумента removed
    GARBAGE_LINE = "garbage_line"  # a line that is no key=value, inside a document
    CLOSING_OFF = "closing_off"  # КонечныйОстаток off by 100
    OPENING_OFF = "opening_off"  # НачальныйОстаток off by 100
    TOTAL_IN_OFF = "total_in_off"  # ВсегоПоступило off by 100
    END_OF_FILE_MISSING = "end_of_file_missing"


DOCUMENT_CORRUPTIONS = frozenset(
    {
        Corruption.AMOUNT_NOT_A_NUMBER,
        Corruption.AMOUNT_MISSING,
        Corruption.AMOUNT_CHANGED,
        Corruption.BOOKING_DATE_BAD,
        Corruption.BOOKED_OUTSIDE,
        Corruption.DOCUMENT_UNCLOSED,
        Corruption.GARBAGE_LINE,
    }
)


@dataclass(frozen=True)
class Corrupted:
    data: bytes
    line: int
    problem: StatementProblem


def corrupt(rendered: Rendered, corruption: Corruption, target: int) -> Corrupted | None:
    """`rendered` with one thing broken in its `target`-th document or section (modulo their
    number), and the line and problem the reader must report; None when there is nothing to
    break (a document corruption in a statement without documents)."""
    lines = list(rendered.lines)
    where = rendered.where
    truth = rendered.truth
    style = rendered.style
    rng = random.Random(target)
    money = lambda value: format_amount(value, style.amounts, rng, style.encoding)  # noqa: E731
    if corruption in DOCUMENT_CORRUPTIONS:
        if not truth.documents:
            return None
        index = target % len(truth.documents)
        document = truth.documents[index]
        booked_key = "ДатаПоступило" if document.direction is Direction.IN else "ДатаСписано"
        start = where[("document", index)]
        if corruption is Corruption.AMOUNT_NOT_A_NUMBER:
            line = where[("document", index, "Сумма")]
            lines[line - 1] = "Сумма=abc"
            return Corrupted(encode(lines, style), line, StatementProblem.BAD_AMOUNT)
        if corruption is Corruption.AMOUNT_MISSING:
            del lines[where[("document", index, "Сумма")] - 1]
            return Corrupted(encode(lines, style), start, StatementProblem.MISSING_KEY)
        if corruption is Corruption.AMOUNT_CHANGED:
            lines[where[("document", index, "Сумма")] - 1] = f"Сумма={money(document.amount + 100)}"
            section = _section_of(truth, document)
            total = "ВсегоПоступило" if document.direction is Direction.IN else "ВсегоСписано"
            line = where[("section", section, total)]
            return Corrupted(encode(lines, style), line, StatementProblem.TOTAL_MISMATCH)
        if corruption is Corruption.BOOKING_DATE_BAD:
            line = where[("document", index, booked_key)]
            lines[line - 1] = f"{booked_key}=31.02.2026"
            return Corrupted(encode(lines, style), line, StatementProblem.BAD_DATE)
        if corruption is Corruption.BOOKED_OUTSIDE:
            line = where[("document", index, booked_key)]
            lines[line - 1] = f"{booked_key}=01.01.2020"
            return Corrupted(encode(lines, style), line, StatementProblem.OUTSIDE_PERIOD)
        if corruption is Corruption.DOCUMENT_UNCLOSED:
            del lines[where[("document", index, "end")] - 1]
            return Corrupted(encode(lines, style), start, StatementProblem.UNCLOSED_SECTION)
        if corruption is Corruption.GARBAGE_LINE:
            lines.insert(start, "это не ключ")
            return Corrupted(encode(lines, style), start + 1, StatementProblem.UNEXPECTED_LINE)
    if corruption is Corruption.END_OF_FILE_MISSING:
        line = where[("end",)]
        del lines[line - 1]
        return Corrupted(encode(lines, style), line - 1, StatementProblem.NO_END_OF_FILE)
    index = target % len(truth.sections)
    section = truth.sections[index]
    closing_line = where[("section", index, "КонечныйОстаток")]
    if corruption is Corruption.CLOSING_OFF:
        lines[closing_line - 1] = f"КонечныйОстаток={money(section.closing + 100)}"
        return Corrupted(encode(lines, style), closing_line, StatementProblem.BALANCE_MISMATCH)
    if corruption is Corruption.OPENING_OFF:
        line = where[("section", index, "НачальныйОстаток")]
        lines[line - 1] = f"НачальныйОстаток={money(section.opening - 100)}"
        return Corrupted(encode(lines, style), closing_line, StatementProblem.BALANCE_MISMATCH)
    line = where[("section", index, "ВсегоПоступило")]
    lines[line - 1] = f"ВсегоПоступило={money(section.total_in + 100)}"
    return Corrupted(encode(lines, style), line, StatementProblem.TOTAL_MISMATCH)


def _section_of(truth: TruthStatement, document: TruthDocument) -> int:
    for index, section in enumerate(truth.sections):
        if document in section.documents:
            return index
    raise AssertionError("every document is in a section")


# --- the malformed files every reader refuses ----------------------------------------------------


def _small() -> Rendered:
    return render(make_statement(random.Random(16), documents=4))


def _payment_orders_file() -> bytes:
    """What 1C sends the bank: no balances, no booking dates."""
    lines = [
        "1CClientBankExchange",
        "ВерсияФормата=1.03",
        "Кодировка=Windows",
        "Отправитель=Бухгалтерия предприятия, редакция 3.0",
        "ДатаСоздания=09.03.2026",
        "ВремяСоздания=10:33:20",
        "ДатаНачала=09.03.2026",
        "ДатаКонца=09.03.2026",
        "РасчСчет=40702810300180001774",
        "Документ=Платежное поручение",
        "СекцияДокумент=Платежное поручение",
        "Номер=105",
        "Дата=09.03.2026",
        "Сумма=12354.00",
        "ПлательщикСчет=40702810300180001774",
        "Плательщик=ИНН 7719617469 ООО Копейка",
        "ПлательщикИНН=7719617469",
        "ПолучательСчет=40702810123111111114",
        "Получатель=ИНН 7701325469 ООО Прогресс",
        "ПолучательИНН=7701325469",
        "ВидОплаты=01",
        "Очередность=5",
        "НазначениеПлатежа=Оплата по счету 12. Без налога (НДС)",
        "КонецДокумента",
        "КонецФайла",
    ]
    return ("\r\n".join(lines) + "\r\n").encode("cp1251")


def malformed() -> dict[str, tuple[bytes, int, StatementProblem]]:
    """name → (bytes, the line that must be reported, why)."""
    small = _small()
    cases = {}
    for name, corruption in (
        ("no КонецФайла", Corruption.END_OF_FILE_MISSING),
        ("Сумма=abc", Corruption.AMOUNT_NOT_A_NUMBER),
        ("a balance off by 100", Corruption.CLOSING_OFF),
        ("an unclosed document", Corruption.DOCUMENT_UNCLOSED),
    ):
        broken = corrupt(small, corruption, 1)
        assert broken is not None
        cases[name] = (broken.data, broken.line, broken.problem)
    cases["a PDF renamed .txt"] = (
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n",
        1,
        StatementProblem.PDF,
    )
    cases["an empty file"] = (b"", 1, StatementProblem.EMPTY_FILE)
    cases["a file of payment orders"] = (_payment_orders_file(), 1, StatementProblem.PAYMENT_ORDERS)
    return cases


def with_style(rendered: Rendered, **changes: object) -> Rendered:
    return render(rendered.truth, replace(rendered.style, **changes))  # type: ignore[arg-type]


# --- the same truth as a bank's CSV export ------------------------------------------------------


def render_csv(
    truth: TruthStatement,
    *,
    signed: bool = False,
    encoding: str = "cp1251",
    delimiter: str = ";",
    newline: str = "\r\n",
) -> bytes:
    """The truth's documents as a table export: a preamble naming the account and period, a
    header, one row per document (a signed amount, or debit and credit columns), and the
    export's own totals row."""
    account = truth.accounts[0]
    first, last = truth.sections[0].start, truth.sections[-1].end
    money = ["Сумма операции"] if signed else ["Дебет", "Кредит"]
    header = ["Дата проводки", "№ документа", *money, "Контрагент", "ИНН контрагента"]
    header += ["Счет контрагента", "Назначение платежа"]
    rows = [
        ["Выписка по счету", account],
        ["Период", f"{_d(first)} - {_d(last)}"],
        [],
        header,
    ]
    for document in truth.documents:
        amount = f"{document.amount:.2f}".replace(".", ",")
        if signed:
            cells = [amount if document.direction is Direction.IN else f"-{amount}"]
        elif document.direction is Direction.IN:
            cells = ["", amount]
        else:
            cells = [amount, ""]
        party = document.counterparty
        rows.append(
            [
                _d(document.booked),
                document.number,
                *cells,
                party.name,
                party.inn or "",
                party.account,
                document.purpose,
            ]
        )
    rows.append(["Итого", "", *([""] * len(money)), "", "", "", ""])
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=newline)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def expected_table_documents(truth: TruthStatement) -> list[tuple[object, ...]]:
    return [
        (
            d.number,
            Money(d.amount),
            d.direction,
            d.booked,
            d.counterparty.name,
            d.counterparty.inn,
            d.counterparty.account,
            d.purpose,
            d.account,
        )
        for d in truth.documents
    ]


def read_table_documents(statement: Statement) -> list[tuple[object, ...]]:
    return [
        (
            d.number,
            d.amount,
            d.direction,
            d.booked,
            d.counterparty.name,
            d.counterparty.inn,
            d.counterparty.account,
            d.purpose,
            d.account,
        )
        for d in statement.documents
    ]


# --- a book of what the ledger expects, and a statement that pays it, with the truth ---------
#
# For the matcher: deals with contract numbers and their non-cash payments (terminal ones
# among them), approved requests of suppliers (some sent to the bank as payment orders), and a
# statement whose lines pay them as payers write it (the contract number in each of its
# spellings, partial payments in two lines, a day's card payments as one acquiring credit net
# of the bank's fee), bank fees, taxes and salaries, and lines nothing should match (some of
# them traps: money in naming a request's invoice, money out naming a contract). The truth
# says, for each line, what it pays: ((kind, id or category name, amount), …), () for
# nothing.

CONTRACT_SPELLINGS = (
    "Оплата по договору № {c} от {d}. НДС не облагается",
    "Оплата по дог. {c}, в т.ч. НДС 20% {vat}",
    "Предоплата {nodash} за кухню",
    "Оплата по договору {latin}",
    "{c} оплата за ремонт",
    "оплата по договору №{lower}",
    "Оплата по дог.№ {spaced} за мебель",
)
FEE_CATEGORY, TAX_CATEGORY, SALARY_CATEGORY = "Услуги", "Налоги", "Зарплаты"
OUR_ACCOUNT = "40702810900000000001"
BANK_PARTY = Counterparty('АО "ТЕСТ-БАНК"', "7702070139", "770201001", "70601810400002760101")
TREASURY = Counterparty(
    "УФК по г. Москве (ИФНС России № 1)",
    "7701107259",
    "770101001",
    "03100643000000017300",
    ("ГУ БАНКА РОССИИ ПО ЦФО//УФК ПО Г. МОСКВЕ", "004525988", "40102810545370000003"),
)


@dataclass(frozen=True)
class BookPayment:
    id: int
    deal_id: int
    slot: str
    kind: str
    amount: Decimal
    created: date
    due: date | None = None


@dataclass(frozen=True)
class BookDeal:
    id: int
    contract: str
    payer: Counterparty
    payments: tuple[BookPayment, ...]


@dataclass(frozen=True)
class BookRequest:
    id: int
    supplier: Counterparty
    amount: Decimal
    invoice: str
    pay_by: date
    order_number: int | None = None
    order_date: date | None = None

    @property
    def purpose(self) -> str:
        return f"Оплата по счету № {self.invoice} от 02.03.2026. Без налога (НДС)"


@dataclass(frozen=True)
class Book:
    deals: tuple[BookDeal, ...]
    requests: tuple[BookRequest, ...]

    @property
    def payments(self) -> tuple[BookPayment, ...]:
        return tuple(p for d in self.deals for p in d.payments)


Truth = tuple[tuple[str, object, Decimal], ...]


@dataclass(frozen=True)
class PaidStatement:
    truth: TruthStatement
    paid: dict[tuple[Direction, str], Truth]  # (direction, number) → what the line pays


def _kopecks(rng: random.Random, low: int, high: int) -> Decimal:
    return Decimal(rng.randint(low * 100, high * 100)) / 100


def make_book(
    rng: random.Random,
    *,
    deals: int,
    requests: int,
    first_day: date = FIRST_DAY,
    terminal_days: int = 5,
) -> Book:
    """`deals` deals of one or two payments each (about a tenth by terminal, each on one of
    `terminal_days` days from `first_day`), and `requests` approved requests of suppliers
    from a pool (a tenth of them sent to the bank)."""
    built = []
    payment_id = 1
    for deal_id in range(1, deals + 1):
        inn = "77" + _digits(rng, 10) if rng.random() < 0.7 else "77" + _digits(rng, 8)
        payer = Counterparty(f"Клиент {deal_id}", inn, None, "40817810" + _digits(rng, 12))
        count = 1 if rng.random() < 0.5 else 2
        amounts: list[Decimal] = []
        while len(amounts) < count:
            amount = _kopecks(rng, 1_000, 400_000)
            if amount not in amounts:
                amounts.append(amount)
        payments = []
        for slot, amount in enumerate(amounts, start=1):
            if rng.random() < 0.1:
                day = first_day + timedelta(days=rng.randrange(terminal_days))
                kind, created, due = "terminal", day, day
            else:
                kind = rng.choice(("bank_transfer",) * 6 + ("card_transfer", "credit"))
                created, due = first_day - timedelta(days=rng.randint(1, 20)), None
            payments.append(
                BookPayment(payment_id, deal_id, f"Платёж {slot}", kind, amount, created, due)
            )
            payment_id += 1
        built.append(BookDeal(deal_id, f"К-2024/{deal_id}", payer, tuple(payments)))
    suppliers = [
        Counterparty(
            f'ООО "Поставщик {n}"',
            "77" + _digits(rng, 8),
            "7701" + _digits(rng, 5),
            "40702810" + _digits(rng, 12),
        )
        for n in range(max(1, requests // 5))
    ]
    made = []
    for request_id in range(1, requests + 1):
        sent = rng.random() < 0.1
        made.append(
            BookRequest(
                request_id,
                rng.choice(suppliers),
                _kopecks(rng, 500, 300_000),
                f"{request_id}/{rng.randint(1, 99)}",
                first_day + timedelta(days=rng.randint(0, 10)),
                order_number=request_id if sent else None,
                order_date=first_day - timedelta(days=1) if sent else None,
            )
        )
    return Book(tuple(built), tuple(made))


def _spelled(contract: str, rng: random.Random) -> str:
    template = rng.choice(CONTRACT_SPELLINGS)
    return template.format(
        c=contract,
        d="01.02.2026",
        vat=f"{rng.randint(100, 9999)}-00",
        nodash=contract.replace("-", ""),
        latin=contract.replace("К", "K"),
        lower=contract.lower(),
        spaced=contract.replace("-", " "),
    )


def pay_book(
    rng: random.Random,
    book: Book,
    *,
    lines: int,
    first_day: date = FIRST_DAY,
    days: int = 5,
    in_parts: float = 0.04,
) -> PaidStatement:
    """A statement of about `lines` lines over `days` days (at least what pays the book:
    nine in ten payments, `in_parts` of them in two lines, and three in four requests), in
    daily sections of one account."""
    documents: list[tuple[TruthDocument, Truth]] = []
    number = iter(range(1, 10**6))

    def day() -> date:
        return first_day + timedelta(days=rng.randrange(days))

    def add(
        direction: Direction,
        amount: Decimal,
        party: Counterparty,
        purpose: str,
        truth: Truth,
        *,
        booked: date | None = None,
        kind: tuple[str, DocumentKind] = ("Платежное поручение", DocumentKind.PAYMENT_ORDER),
        extra: tuple[tuple[str, str], ...] = (),
        numbered: int | None = None,
    ) -> None:
        booked = booked or day()
        document = TruthDocument(
            kind_text=kind[0],
            kind=kind[1],
            number=str(numbered if numbered is not None else 1_000 + next(number)),
            written=booked,
            booked=booked,
            amount=amount,
            direction=direction,
            account=OUR_ACCOUNT,
            counterparty=party,
            purpose=purpose,
            extra=extra,
        )
        documents.append((document, truth))

    terminal: dict[date, list[BookPayment]] = {}
    for deal in book.deals:
        for payment in deal.payments:
            if payment.kind == "terminal":
                terminal.setdefault(payment.due or first_day, []).append(payment)
                continue
            chance = rng.random()
            if chance < 0.06:
                continue  # not paid yet
            if chance < 0.06 + in_parts and payment is deal.payments[0]:
                # In two parts: clients pay the first payment so, rarely a later one.
                others = {p.amount for p in deal.payments}
                part = (payment.amount * Decimal(rng.randint(30, 70)) / 100).quantize(
                    Decimal("0.01")
                )
                if part in others or part <= 0:
                    part += Decimal("0.01")
                booked = first_day + timedelta(days=rng.randrange(max(1, days - 1)))
                add(
                    Direction.IN,
                    part,
                    deal.payer,
                    f"Частичная оплата по дог. {deal.contract}",
                    (("payment", payment.id, part),),
                    booked=booked,
                )
                rest = payment.amount - part
                add(
                    Direction.IN,
                    rest,
                    deal.payer,
                    f"Доплата по договору {deal.contract}",
                    (("payment", payment.id, rest),),
                    booked=min(booked + timedelta(days=1), first_day + timedelta(days=days - 1)),
                )
                continue
            add(
                Direction.IN,
                payment.amount,
                deal.payer,
                _spelled(deal.contract, rng),
                (("payment", payment.id, payment.amount),),
            )
    acquirer = Counterparty('ПАО "Сбербанк"', "7707083893", "773601001", "30233810000000000001")
    for register, payments in sorted(terminal.items()):
        gross = sum((p.amount for p in payments), Decimal(0))
        fee = (gross * Decimal("0.018")).quantize(Decimal("0.01"))
        purpose = (
            f"Возмещение по операциям эквайринга за {_d(register)}. Мерчант 781000123. "
            f"Сумма операций {gross:.2f}, комиссия {fee:.2f}. Без НДС"
        )
        truth = tuple(("payment", p.id, p.amount) for p in payments)
        booked = min(register + timedelta(days=1), first_day + timedelta(days=days - 1))
        add(
            Direction.IN,
            gross - fee,
            acquirer,
            purpose,
            (*truth, ("expense", FEE_CATEGORY, fee)),
            booked=booked,
            kind=("Мемориальный ордер", DocumentKind.MEMORIAL_ORDER),
        )
    for request in book.requests:
        chance = rng.random()
        if chance < 0.22:
            continue
        if chance < 0.25:
            part = (request.amount / 2).quantize(Decimal("0.01"))
            add(
                Direction.OUT,
                part,
                request.supplier,
                f"Частичная оплата по счету {request.invoice}",
                (("request", request.id, part),),
            )
            continue
        booked = max(day(), request.order_date or first_day)
        add(
            Direction.OUT,
            request.amount,
            request.supplier,
            request.purpose,
            (("request", request.id, request.amount),),
            booked=booked,
            numbered=request.order_number,
        )
    while len(documents) < lines:
        chance = rng.random()
        if chance < 0.3:
            amount = _kopecks(rng, 10, 3_000)
            purpose = rng.choice(
                (
                    "Комиссия за ведение счета за март 2026 г.",
                    "Плата за перевод по тарифу",
                    "Комиссия за обслуживание по тарифу Бизнес",
                )
            )
            add(
                Direction.OUT,
                amount,
                BANK_PARTY,
                purpose,
                (("expense", FEE_CATEGORY, amount),),
                kind=("Мемориальный ордер", DocumentKind.MEMORIAL_ORDER),
            )
        elif chance < 0.6:
            amount = _kopecks(rng, 1_000, 200_000)
            add(
                Direction.OUT,
                amount,
                TREASURY,
                "Единый налоговый платеж",
                (("expense", TAX_CATEGORY, amount),),
                extra=(("ПоказательКБК", "18201061201010000510"),),
            )
        elif chance < 0.9:
            amount = _kopecks(rng, 10_000, 300_000)
            employee = Counterparty(
                "Сотрудник", "77" + _digits(rng, 10), None, "40817810" + _digits(rng, 12)
            )
            add(
                Direction.OUT,
                amount,
                employee,
                f"Заработная плата за март 2026 г. по реестру № {rng.randint(1, 99)}",
                (("expense", SALARY_CATEGORY, amount),),
            )
        elif chance < 0.93 and book.requests:
            request = rng.choice(book.requests)  # a trap: money in, naming a request
            add(
                Direction.IN,
                request.amount,
                request.supplier,
                f"Возврат по счету № {request.invoice}",
                (),
            )
        elif chance < 0.96 and book.deals:
            deal = rng.choice(book.deals)  # a trap: money out, naming a contract
            add(
                Direction.OUT,
                deal.payments[0].amount,
                deal.payer,
                f"Возврат по договору {deal.contract}",
                (),
            )
        else:
            stranger = Counterparty(
                "ООО Незнакомец", "77" + _digits(rng, 8), None, "40702810" + _digits(rng, 12)
            )
            if rng.random() < 0.5:
                add(
                    Direction.IN,
                    _kopecks(rng, 100, 50_000),
                    stranger,
                    "Перевод по заявлению клиента",
                    (),
                )
            else:
                add(
                    Direction.OUT,
                    _kopecks(rng, 100, 50_000),
                    stranger,
                    f"Оплата по договору поставки П-{rng.randint(1, 9999)}",
                    (),
                )
    return _in_sections(documents, first_day, days)


def _in_sections(
    documents: list[tuple[TruthDocument, Truth]], first_day: date, days: int
) -> PaidStatement:
    by_day: dict[date, list[TruthDocument]] = {}
    for document, _ in documents:
        by_day.setdefault(document.booked, []).append(document)
    last = max([first_day + timedelta(days=days - 1), *by_day])
    sections, opening = [], Decimal("10000000.00")
    current = first_day
    while current <= last:
        section = TruthSection(
            OUR_ACCOUNT, current, current, opening, tuple(by_day.get(current, ()))
        )
        sections.append(section)
        opening = section.closing
        current += timedelta(days=1)
    paid = {(d.direction, d.number): truth for d, truth in documents}
    return PaidStatement(TruthStatement(tuple(sections)), paid)


def consecutive_parts(truth: TruthStatement, cuts: list[int], overlap: int) -> list[TruthStatement]:
    """The statement as consecutive files, cut before the sections `cuts` names, each file
    beginning `overlap` sections before its cut (as a bank's statements for overlapping
    periods do)."""
    sections = truth.sections
    bounds = sorted({c for c in cuts if 0 < c < len(sections)})
    starts = [0, *bounds]
    ends = [*bounds, len(sections)]
    return [
        TruthStatement(sections[max(0, start - overlap) : end])
        for start, end in zip(starts, ends, strict=True)
    ]


# --- the book in a database -------------------------------------------------------------------
#
# Thousands of deals and requests are written as rows (the benchmark's 5,000 payments would
# take minutes through the CRM sync and the request form); the categories are seeded by their
# service. Ids are the book's, so the truth names rows.


async def seed_book(
    database: Database, clock: Clock, book: Book, *, user_id: int, owner_url: str | None = None
) -> None:
    """The book's deals (closed, with their contract numbers) and payments (expected), its
    requests (approved, a tenth sent to the bank), as rows; requested by `user_id`.

    On PostgreSQL the id sequences are moved past the rows, as `owner_url`'s role (the
    tables' owner) when given: the application's role may not touch a sequence that way."""
    from sqlalchemy import insert

    from ledger.categories import DEFAULT_CATEGORIES, DEFAULT_INCOME_CATEGORIES, CategoryService
    from ledger.storage.models import (
        CategoryRow,
        DealRow,
        ExpectedPaymentRow,
        PaymentRequestRow,
    )

    async with database.unit_of_work() as uow:
        await CategoryService(uow, clock).seed(DEFAULT_CATEGORIES, DEFAULT_INCOME_CATEGORIES)
    now = clock.now()
    noon = time(9, 0, tzinfo=UTC)
    async with database.write() as session:
        purchases = await session.scalar(
            select(CategoryRow.id).where(CategoryRow.seed_key == "Закупки")
        )
        if book.deals:
            await session.execute(
                insert(DealRow),
                [
                    {
                        "id": deal.id,
                        "amo_lead_id": 500_000 + deal.id,
                        "name": f"Сделка {deal.id}",
                        "price_minor": sum(int(p.amount * 100) for p in deal.payments),
                        "currency": "RUB",
                        "state": "closed",
                        "contract": deal.contract,
                        "problems": [],
                        "created_at": now,
                        "updated_at": now,
                    }
                    for deal in book.deals
                ],
            )
            await session.execute(
                insert(ExpectedPaymentRow),
                [
                    {
                        "id": payment.id,
                        "deal_id": payment.deal_id,
                        "slot": payment.slot,
                        "amount_minor": int(payment.amount * 100),
                        "currency": "RUB",
                        "kind": payment.kind,
                        "due_date": payment.due,
                        "status": "expected",
                        "version": 0,
                        "created_at": datetime.combine(payment.created, noon),
                        "updated_at": now,
                    }
                    for payment in book.payments
                ],
            )
        if book.requests:
            await session.execute(
                insert(PaymentRequestRow),
                [
                    {
                        "id": request.id,
                        "requester_id": user_id,
                        "status": "approved",
                        "version": 1,
                        "step": 1,
                        "steps": 1,
                        "what_for": f"Счёт {request.invoice}",
                        "counterparty_name": request.supplier.name,
                        "counterparty_inn": request.supplier.inn,
                        "counterparty_kpp": request.supplier.kpp,
                        "amount_minor": int(request.amount * 100),
                        "currency": "RUB",
                        "pay_by": request.pay_by,
                        "bik": request.supplier.bank[1],
                        "account": request.supplier.account,
                        "corr_account": request.supplier.bank[2],
                        "bank_name": request.supplier.bank[0],
                        "purpose": request.purpose,
                        "vat_mode": "without_vat",
                        "category_id": purchases,
                        "paid_minor": 0,
                        "paid_rub_minor": 0,
                        "approved_at": now,
                        "sent_at": now if request.order_number else None,
                        "sent_by": user_id if request.order_number else None,
                        "order_number": request.order_number,
                        "order_date": request.order_date,
                        "created_at": now,
                        "updated_at": now,
                    }
                    for request in book.requests
                ],
            )
        postgres = session.bind.dialect.name == "postgresql"
        if postgres and owner_url is None:
            await _move_sequences(session)
    if postgres and owner_url is not None:
        from sqlalchemy.ext.asyncio import create_async_engine
        from sqlalchemy.pool import NullPool

        engine = create_async_engine(owner_url, poolclass=NullPool)
        try:
            async with engine.begin() as connection:
                await _move_sequences(connection)
        finally:
            await engine.dispose()


async def _move_sequences(connection: Any) -> None:
    """Rows written with their ids: the sequences go on after them."""
    for table in ("deals", "expected_payments", "payment_requests"):
        await connection.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)"
            )
        )


async def category_ids(database: Database) -> dict[str, int]:
    """Expense categories by the name they were seeded under: the truth's names as ids."""
    from ledger.storage.models import CategoryRow

    async with database.read() as session:
        rows = await session.execute(
            select(CategoryRow.seed_key, CategoryRow.id).where(CategoryRow.kind == "expense")
        )
        return {key: ident for key, ident in rows if key}


def truth_targets(truth: Truth, categories: dict[str, int]) -> tuple[tuple[str, int, int], ...]:
    """The truth as (kind, id, kopecks), categories by their ids."""
    return tuple(
        (kind, categories[ref] if isinstance(ref, str) else int(ref), int(amount * 100))
        for kind, ref, amount in truth
    )
