"""Payment orders out to the bank: the 1C → bank file any Russian bank's client imports, read
back by our own reader with its sums; what a bank would refuse is refused first, all at once."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.money import Money
from ledger.statements import (
    Bank,
    OrderError,
    OrderParty,
    OrderProblem,
    PaymentOrder,
    PaymentOrders,
    PaymentOrdersRefused,
    Refused,
    StatementProblem,
    check_payment_orders,
    read_payment_orders,
    read_statement,
    write_payment_orders,
)
from tests.statements_factory import malformed

CREATED = datetime(2026, 3, 10, 9, 30, 15)  # noqa: DTZ001 (a wall-clock time in the file)
OUR_BANK = Bank('АО "ТЕСТ-БАНК"', "044525974", "30101810145250000974", "г. Москва")
US = OrderParty('ООО "Копейка"', "7701234567", "40702810900000012345", OUR_BANK, "770101001")
SUPPLIER = OrderParty(
    "ИП Петров Пётр Петрович",
    "770123456789",
    "40802810500000099999",
    Bank("ПАО СБЕРБАНК", "044525225", "30101810400000000225"),
)
REQUIRED_KEYS = {
    "Номер",
    "Дата",
    "Сумма",
    "ПлательщикСчет",
    "Плательщик",
    "ПлательщикИНН",
    "ПлательщикКПП",
    "ПлательщикБанк1",
    "ПлательщикБИК",
    "ПлательщикКорсчет",
    "ПолучательСчет",
    "Получатель",
    "ПолучательИНН",
    "ПолучательБанк1",
    "ПолучательБИК",
    "ПолучательКорсчет",
    "ВидОплаты",
    "Очередность",
    "НазначениеПлатежа",
}


def order(number: str = "17", amount: str = "15000.50", **changes: object) -> PaymentOrder:
    fields: dict[str, object] = {
        "number": number,
        "date": date(2026, 3, 10),
        "amount": Money(Decimal(amount)),
        "payer": US,
        "payee": SUPPLIER,
        "purpose": "Оплата по счету № 45 от 02.03.2026 за материалы. Без налога (НДС)",
    }
    fields.update(changes)
    return PaymentOrder(**fields)  # type: ignore[arg-type]


def read_back(data: bytes) -> PaymentOrders:
    result = read_payment_orders(data)
    assert not isinstance(result, Refused), result.errors
    return result


def test_the_file_is_cp1251_with_crlf_and_the_keys_a_bank_requires() -> None:
    data = write_payment_orders([order("17"), order("18", "200")], created=CREATED)

    text = data.decode("cp1251")
    lines = text.split("\r\n")
    assert "\n" not in text.replace("\r\n", "")
    assert lines[:4] == [
        "1CClientBankExchange",
        "ВерсияФормата=1.03",
        "Кодировка=Windows",
        "Отправитель=Kopeyka",
    ]
    assert "РасчСчет=40702810900000012345" in lines
    assert lines[-2:] == ["КонецФайла", ""]
    documents = text.split("СекцияДокумент=Платежное поручение\r\n")[1:]
    assert len(documents) == 2
    first = dict(line.split("=", 1) for line in documents[0].split("\r\n") if "=" in line)
    assert set(first) >= REQUIRED_KEYS
    assert first["Плательщик"] == 'ИНН 7701234567 ООО "Копейка"'
    assert (first["ВидОплаты"], first["Очередность"], first["Сумма"]) == ("01", "5", "15000.50")
    assert "ПолучательКПП" not in first  # an entrepreneur has no КПП: the key is left out


def test_our_reader_reads_the_file_back_as_payment_orders_and_its_sums_check() -> None:
    orders = [order("17"), order("18", "200"), order("19", "0.01", payee=US, payer=SUPPLIER)]

    back = read_back(write_payment_orders(orders, created=CREATED))

    assert back.orders == tuple(orders)
    assert back.total == Money(Decimal("15200.51"))
    assert back.accounts == (US.account, SUPPLIER.account)
    assert back.encoding == "cp1251"


def test_the_statement_reader_refuses_our_file_as_payment_orders() -> None:
    result = read_statement(write_payment_orders([order()], created=CREATED))

    assert isinstance(result, Refused)
    assert [e.problem for e in result.errors] == [StatementProblem.PAYMENT_ORDERS]


def test_a_file_of_payment_orders_made_by_1c_is_read_too() -> None:
    data, _, _ = malformed()["a file of payment orders"]

    back = read_back(data)

    assert [(o.number, o.amount, o.payee.inn) for o in back.orders] == [
        ("105", Money(Decimal("12354")), "7701325469")
    ]


def test_a_statement_is_not_read_as_payment_orders() -> None:
    data, _, _ = malformed()["an unclosed document"]

    result = read_payment_orders(data.replace(b"\r\n", b"\n"))

    assert isinstance(result, Refused)
    assert StatementProblem.NOT_PAYMENT_ORDERS in {e.problem for e in result.errors}


def test_everything_a_bank_would_refuse_is_named_at_once() -> None:
    orders = [
        order("1000"),  # ends in 000
        order("18", amount="0"),
        order("19", purpose="x" * 211),
        order("20", payee=OrderParty("Кафе 🍕", "123", "4080281050000009999", SUPPLIER.bank)),
        order("21", payee=US),
        order("22", purpose="две\nстроки", priority=9, payment_kind="1"),
        order("22"),
    ]

    with pytest.raises(PaymentOrdersRefused) as refused:
        write_payment_orders(orders, created=CREATED)

    assert set(refused.value.errors) == {
        OrderError(0, "number", OrderProblem.BAD_NUMBER),
        OrderError(1, "amount", OrderProblem.AMOUNT_NOT_POSITIVE),
        OrderError(2, "purpose", OrderProblem.TOO_LONG),
        OrderError(3, "payee.name", OrderProblem.NOT_IN_CP1251),
        OrderError(3, "payee.inn", OrderProblem.BAD_INN),
        OrderError(3, "payee.account", OrderProblem.BAD_ACCOUNT),
        OrderError(4, "payee.account", OrderProblem.SAME_ACCOUNT),
        OrderError(5, "purpose", OrderProblem.LINE_BREAK),
        OrderError(5, "priority", OrderProblem.BAD_PRIORITY),
        OrderError(5, "payment_kind", OrderProblem.BAD_PAYMENT_KIND),
        OrderError(6, "number", OrderProblem.DUPLICATE_NUMBER),
    }
    assert check_payment_orders([]) == (OrderError(0, "orders", OrderProblem.NO_ORDERS),)


CP1251_TEXT = (
    st.text(
        alphabet=st.sampled_from(
            list("абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ")
            + list("abcXYZ0123456789 .,-№\"'()«»/=")
        ),
        min_size=1,
        max_size=60,
    )
    .map(str.strip)
    .filter(bool)
)
DIGITS = "0123456789"


def digits(size: int) -> st.SearchStrategy[str]:
    return st.text(alphabet=DIGITS, min_size=size, max_size=size)


@st.composite
def parties(draw: st.DrawFn, account_prefix: str) -> OrderParty:
    entrepreneur = draw(st.booleans())
    return OrderParty(
        name=draw(CP1251_TEXT),
        inn="77" + draw(digits(10 if entrepreneur else 8)),
        account=account_prefix + draw(digits(15)),
        bank=Bank(draw(CP1251_TEXT), draw(digits(9)), draw(digits(20)), draw(CP1251_TEXT)),
        kpp=None if entrepreneur else "7701" + draw(digits(5)),
    )


@st.composite
def orders(draw: st.DrawFn) -> list[PaymentOrder]:
    count = draw(st.integers(1, 8))
    numbers = draw(st.lists(st.integers(1, 999), min_size=count, max_size=count, unique=True))
    return [
        PaymentOrder(
            number=str(number),
            date=draw(st.dates(date(2025, 1, 1), date(2027, 12, 31))),
            amount=Money.from_minor_units(draw(st.integers(1, 10**13))),
            payer=draw(parties("40702")),
            payee=draw(parties("40802")),
            purpose=draw(CP1251_TEXT),
            code=draw(st.sampled_from(["", "0", "12345678901234567890"])),
        )
        for number in numbers
    ]


@settings(max_examples=60, deadline=None)
@given(orders())
def test_any_valid_orders_are_read_back_as_written(written: list[PaymentOrder]) -> None:
    back = read_back(write_payment_orders(written, created=CREATED))

    assert back.orders == tuple(written)
    assert back.total.to_minor_units() == sum(o.amount.to_minor_units() for o in written)
