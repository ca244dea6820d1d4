"""Payment orders out to the bank: the 1C → bank direction of «1CClientBankExchange».

`write_payment_orders` makes the file any Russian bank's client imports: cp1251, CRLF, a header
(`Отправитель` is required in this direction, `Получатель` is not), then one
`СекцияДокумент=Платежное поручение` per order with the keys 1C itself writes, in its order:
the number, date and amount; the payer's account, name (`ИНН … name` and the name alone),
ИНН, bank (name, city, БИК, correspondent account); the same for the payee; `ВидОплаты=01`,
the КПП where there is one (an individual entrepreneur has none, and the key is left out),
`Очередность=5` and `НазначениеПлатежа`. Budget payments (tax fields 101–110) are not written
here.

The bank refuses what the Bank of Russia's rules refuse, so the writer checks it first and
names every problem at once: a number of up to six digits not ending in 000, a positive amount,
a purpose of at most 210 characters, names of at most 160, 20-digit accounts, 9-digit БИК,
10- or 12-digit ИНН, every character representable in cp1251, no line breaks.

`read_payment_orders` reads such a file back (ours, or one 1C made), to check what is sent.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from ledger.money import Money
from ledger.statements.decoding import decode, sniff
from ledger.statements.exchange import (
    DOCUMENT_END,
    DOCUMENT_START,
    END_OF_FILE,
    MAGIC,
    RawSection,
    is_exchange,
    parse_exchange,
)
from ledger.statements.model import LineError, Refused, SourceFormat, StatementProblem
from ledger.statements.onec import Errors, check_header
from ledger.statements.values import (
    BadValue,
    read_amount,
    read_date,
    read_inn,
    read_kpp,
    read_own_account,
    split_name,
)

ENCODING = "cp1251"
NEWLINE = "\r\n"
VERSION = "1.03"
PAYMENT_ORDER = "Платежное поручение"
PURPOSE_LIMIT = 210  # characters in field 24 of a payment order
NAME_LIMIT = 160


@dataclass(frozen=True, slots=True)
class Bank:
    name: str
    bik: str
    corr_account: str = ""  # the Treasury's accounts have none
    city: str = ""


@dataclass(frozen=True, slots=True)
class OrderParty:
    name: str
    inn: str
    account: str
    bank: Bank
    kpp: str | None = None  # None for an individual entrepreneur


@dataclass(frozen=True, slots=True)
class PaymentOrder:
    number: str
    date: date
    amount: Money
    payer: OrderParty
    payee: OrderParty
    purpose: str
    payment_kind: str = "01"  # ВидОплаты: 01 is a payment order
    priority: int = 5  # Очередность: 5 for payments to suppliers, by the Civil Code's order
    code: str = ""  # Код: the payee's УИН/УИП where it gave one


class OrderProblem(StrEnum):
    NO_ORDERS = "no_orders"
    BAD_NUMBER = "bad_number"
    DUPLICATE_NUMBER = "duplicate_number"  # the same number twice on one day of one account
    AMOUNT_NOT_POSITIVE = "amount_not_positive"
    BAD_CURRENCY = "bad_currency"
    EMPTY = "empty"
    TOO_LONG = "too_long"
    LINE_BREAK = "line_break"
    NOT_IN_CP1251 = "not_in_cp1251"
    BAD_ACCOUNT = "bad_account"
    SAME_ACCOUNT = "same_account"
    BAD_BIK = "bad_bik"
    BAD_INN = "bad_inn"
    BAD_KPP = "bad_kpp"
    BAD_PRIORITY = "bad_priority"
    BAD_PAYMENT_KIND = "bad_payment_kind"


@dataclass(frozen=True, slots=True)
class OrderError:
    index: int  # the order's position in what was given
    field: str  # "number", "payer.inn", "payee.bank.bik"…
    problem: OrderProblem


class PaymentOrdersRefused(ValueError):
    def __init__(self, errors: Sequence[OrderError]) -> None:
        super().__init__(", ".join(f"#{e.index} {e.field}: {e.problem}" for e in errors))
        self.errors = tuple(errors)


@dataclass(frozen=True, slots=True)
class PaymentOrders:
    """A 1C file of payment orders, as read back."""

    orders: tuple[PaymentOrder, ...]
    accounts: tuple[str, ...]  # the header's РасчСчет lines
    version: str | None
    encoding: str
    sha256: str

    @property
    def total(self) -> Money:
        return Money.from_minor_units(sum(o.amount.to_minor_units() for o in self.orders))


_Fail = Callable[[str, OrderProblem], None]


def check_payment_orders(orders: Sequence[PaymentOrder]) -> tuple[OrderError, ...]:
    """Everything a bank would refuse in these orders (empty when there is nothing)."""
    errors: list[OrderError] = []
    if not orders:
        return (OrderError(0, "orders", OrderProblem.NO_ORDERS),)
    seen: set[tuple[str, date, str]] = set()
    for index, order in enumerate(orders):

        def fail(field: str, problem: OrderProblem, index: int = index) -> None:
            errors.append(OrderError(index, field, problem))

        number = order.number
        if not (number.isascii() and number.isdigit() and len(number) <= 6):
            fail("number", OrderProblem.BAD_NUMBER)
        elif number[-3:].strip("0") == "":
            fail("number", OrderProblem.BAD_NUMBER)  # a number may not end in 000
        key = (order.payer.account, order.date, number.lstrip("0"))
        if key in seen:
            fail("number", OrderProblem.DUPLICATE_NUMBER)
        seen.add(key)
        if order.amount.currency != "RUB":
            fail("amount", OrderProblem.BAD_CURRENCY)
        elif order.amount.amount <= 0:
            fail("amount", OrderProblem.AMOUNT_NOT_POSITIVE)
        _check_text(order.purpose, "purpose", PURPOSE_LIMIT, fail)
        _check_text(order.code, "code", 25, fail, required=False)
        if order.priority not in range(1, 6):
            fail("priority", OrderProblem.BAD_PRIORITY)
        if not (order.payment_kind.isdigit() and len(order.payment_kind) == 2):
            fail("payment_kind", OrderProblem.BAD_PAYMENT_KIND)
        for side, party in (("payer", order.payer), ("payee", order.payee)):
            _check_party(party, side, fail)
        if order.payer.account == order.payee.account:
            fail("payee.account", OrderProblem.SAME_ACCOUNT)
    return tuple(errors)


def _check_text(text: str, field: str, limit: int, fail: _Fail, *, required: bool = True) -> None:
    if required and not text.strip():
        fail(field, OrderProblem.EMPTY)
    elif len(text) > limit:
        fail(field, OrderProblem.TOO_LONG)
    if "\n" in text or "\r" in text:
        fail(field, OrderProblem.LINE_BREAK)
    try:
        text.encode(ENCODING)
    except UnicodeEncodeError:
        fail(field, OrderProblem.NOT_IN_CP1251)


def _check_party(party: OrderParty, side: str, fail: _Fail) -> None:
    _check_text(party.name, f"{side}.name", NAME_LIMIT, fail)
    _check_text(party.bank.name, f"{side}.bank.name", NAME_LIMIT, fail)
    _check_text(party.bank.city, f"{side}.bank.city", NAME_LIMIT, fail, required=False)
    for field, value, problem in (
        ("account", party.account, OrderProblem.BAD_ACCOUNT),
        ("inn", party.inn, OrderProblem.BAD_INN),
        ("kpp", party.kpp or "", OrderProblem.BAD_KPP),
        ("bank.bik", party.bank.bik, OrderProblem.BAD_BIK),
        ("bank.corr_account", party.bank.corr_account, OrderProblem.BAD_ACCOUNT),
    ):
        if not _valid(field, value):
            fail(f"{side}.{field}", problem)


def _valid(field: str, value: str) -> bool:
    digits = value.isascii() and value.isdigit()
    if field == "account":
        return digits and len(value) == 20
    if field == "inn":
        return digits and len(value) in (10, 12)
    if field == "kpp":
        return value == "" or _kpp_ok(value)
    if field == "bank.bik":
        return digits and len(value) == 9
    return value == "" or (digits and len(value) == 20)  # a correspondent account


def _kpp_ok(value: str) -> bool:
    try:
        return read_kpp(value) is not None
    except BadValue:
        return False


def write_payment_orders(
    orders: Sequence[PaymentOrder], *, created: datetime, sender: str = "Kopeyka"
) -> bytes:
    """The orders as one file for the bank. Raises PaymentOrdersRefused with every problem."""
    errors = check_payment_orders(orders)
    if errors:
        raise PaymentOrdersRefused(errors)
    accounts = list(dict.fromkeys(order.payer.account for order in orders))
    lines = [
        MAGIC,
        f"ВерсияФормата={VERSION}",
        "Кодировка=Windows",
        f"Отправитель={sender}",
        f"ДатаСоздания={_date(created.date())}",
        f"ВремяСоздания={created.strftime('%H:%M:%S')}",
        f"ДатаНачала={_date(min(order.date for order in orders))}",
        f"ДатаКонца={_date(max(order.date for order in orders))}",
        *(f"РасчСчет={account}" for account in accounts),
        f"Документ={PAYMENT_ORDER}",
    ]
    for order in orders:
        lines.append(f"{DOCUMENT_START}={PAYMENT_ORDER}")
        lines.append(f"Номер={order.number}")
        lines.append(f"Дата={_date(order.date)}")
        lines.append(f"Сумма={order.amount.amount}")
        lines.extend(_party_lines("Плательщик", order.payer))
        lines.extend(_party_lines("Получатель", order.payee))
        lines.append(f"ВидОплаты={order.payment_kind}")
        if order.code:
            lines.append(f"Код={order.code}")
        if order.payer.kpp:
            lines.append(f"ПлательщикКПП={order.payer.kpp}")
        if order.payee.kpp:
            lines.append(f"ПолучательКПП={order.payee.kpp}")
        lines.append(f"Очередность={order.priority}")
        lines.append(f"НазначениеПлатежа={order.purpose.strip()}")
        lines.append(DOCUMENT_END)
    lines.append(END_OF_FILE)
    return (NEWLINE.join(lines) + NEWLINE).encode(ENCODING)


def _party_lines(prefix: str, party: OrderParty) -> list[str]:
    name = party.name.strip()
    return [
        f"{prefix}Счет={party.account}",
        f"{prefix}=ИНН {party.inn} {name}",
        f"{prefix}ИНН={party.inn}",
        f"{prefix}1={name}",
        f"{prefix}РасчСчет={party.account}",
        f"{prefix}Банк1={party.bank.name.strip()}",
        f"{prefix}Банк2={party.bank.city.strip()}",
        f"{prefix}БИК={party.bank.bik}",
        f"{prefix}Корсчет={party.bank.corr_account}",
    ]


def _date(day: date) -> str:
    return day.strftime("%d.%m.%Y")


def read_payment_orders(data: bytes) -> PaymentOrders | Refused:
    """A file of payment orders read back, or refused with every reason (a statement given
    instead is refused as one)."""
    problem = sniff(data)
    if problem is not None:
        return Refused((LineError(1, problem),))
    decoded = decode(data)
    if not is_exchange(decoded.text):
        return Refused((LineError(1, StatementProblem.NOT_A_STATEMENT),))
    raw = parse_exchange(decoded.text)
    errors = Errors(raw.errors)
    version = check_header(raw.header, errors)
    if raw.accounts:
        return Refused(
            (LineError(raw.accounts[0].line, StatementProblem.NOT_PAYMENT_ORDERS),),
            SourceFormat.ONE_C,
            decoded.encoding,
            version,
        )
    accounts = []
    for value, line in raw.header.repeated.get("РасчСчет", []):
        try:
            accounts.append(read_own_account(value))
        except BadValue as bad:
            errors.append(LineError(line, bad.problem, "РасчСчет", value[:60], bad.expected))
    orders = [order for order in (_order(d, errors) for d in raw.documents) if order]
    if errors:
        ordered = tuple(sorted(errors, key=lambda e: e.line))
        return Refused(ordered, SourceFormat.ONE_C, decoded.encoding, version)
    return PaymentOrders(
        tuple(orders),
        tuple(accounts),
        version,
        decoded.encoding,
        hashlib.sha256(data).hexdigest(),
    )


def _order(raw: RawSection, errors: Errors) -> PaymentOrder | None:
    before = len(errors)
    number = raw.value("Номер")
    if not number:
        errors.append(LineError(raw.line, StatementProblem.MISSING_KEY, key="Номер"))
    written = errors.require(raw, "Дата", read_date)
    amount = errors.require(raw, "Сумма", read_amount)
    payer = _order_party(raw, "Плательщик", errors)
    payee = _order_party(raw, "Получатель", errors)
    priority = raw.value("Очередность") or "5"
    if not (priority.isascii() and priority.isdigit()):
        errors.append(
            LineError(raw.line_of("Очередность"), StatementProblem.UNEXPECTED_LINE, "Очередность")
        )
    if len(errors) > before or written is None or amount is None or payer is None:
        return None
    if payee is None:
        return None
    return PaymentOrder(
        number=number,
        date=written,
        amount=amount,
        payer=payer,
        payee=payee,
        purpose=raw.value("НазначениеПлатежа"),
        payment_kind=raw.value("ВидОплаты") or "01",
        priority=int(priority),
        code=raw.value("Код"),
    )


def _order_party(raw: RawSection, prefix: str, errors: Errors) -> OrderParty | None:
    name, inn_in_name, _ = split_name(raw.value(prefix))
    inn = errors.read(raw, prefix + "ИНН", read_inn) if raw.value(prefix + "ИНН") else None
    if inn is None and inn_in_name:
        inn = inn_in_name
    account = errors.require(raw, prefix + "Счет", read_own_account)
    kpp = errors.read(raw, prefix + "КПП", read_kpp)
    if inn is None:
        errors.append(LineError(raw.line, StatementProblem.MISSING_KEY, key=prefix + "ИНН"))
    if account is None or inn is None:
        return None
    return OrderParty(
        name=raw.value(prefix + "1") or name,
        inn=inn,
        account=account,
        bank=Bank(
            name=raw.value(prefix + "Банк1"),
            bik=raw.value(prefix + "БИК"),
            corr_account=raw.value(prefix + "Корсчет"),
            city=raw.value(prefix + "Банк2"),
        ),
        kpp=kpp,
    )
