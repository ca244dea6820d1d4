"""Values as banks write them in statements: read exactly into typed values, or refused."""

from datetime import date
from decimal import Decimal

import pytest

from ledger.money import Money
from ledger.statements.model import DocumentKind, StatementProblem
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

NBSP = "\u00a0"
NARROW_NBSP = "\u202f"


def problem(read: object, text: str, **kwargs: object) -> StatementProblem:
    with pytest.raises(BadValue) as caught:
        read(text, **kwargs)  # type: ignore[operator]
    return caught.value.problem


@pytest.mark.parametrize(
    ("written", "amount"),
    [
        ("1000000.50", "1000000.50"),
        ("1000000,50", "1000000.50"),
        ("1 000 000,50", "1000000.50"),
        (f"1{NBSP}000{NBSP}000,50", "1000000.50"),
        (f"1{NARROW_NBSP}000{NARROW_NBSP}000.50", "1000000.50"),
        ("312000", "312000"),
        ("1,5", "1.50"),
        ("1.5", "1.50"),
        ("0.01", "0.01"),
        ("007.10", "7.10"),
    ],
)
def test_amounts_in_every_style_banks_write_are_read_exactly(written: str, amount: str) -> None:
    read = read_amount(written)

    assert read == Money(Decimal(amount))
    assert isinstance(read.amount, Decimal)


@pytest.mark.parametrize(
    "written",
    ["abc", "", "1.500.000", "1,000,000.50", "1.505", "15 00", "1e5", "12 345678", "1..5", "--5"],
)
def test_what_is_no_amount_is_refused_as_such(written: str) -> None:
    assert problem(read_amount, written) is StatementProblem.BAD_AMOUNT


def test_a_document_amount_must_be_positive_a_total_may_be_zero_a_balance_negative() -> None:
    assert problem(read_amount, "0.00") is StatementProblem.AMOUNT_NOT_POSITIVE
    assert problem(read_amount, "-5.00") is StatementProblem.AMOUNT_NOT_POSITIVE
    assert read_amount("0.00", least=Least.ZERO) == Money(Decimal(0))
    assert problem(read_amount, "-5", least=Least.ZERO) is StatementProblem.AMOUNT_NOT_POSITIVE
    assert read_amount("-1 500,00", least=Least.ANY) == Money(Decimal("-1500"))


@pytest.mark.parametrize(
    ("written", "day"),
    [("01.02.2024", date(2024, 2, 1)), ("1.2.2024", date(2024, 2, 1)), (" 29.02.2024", None)],
)
def test_dates_are_day_month_year(written: str, day: date | None) -> None:
    assert read_date(written) == (day or date(2024, 2, 29))


@pytest.mark.parametrize("written", ["2024-02-01", "32.01.2024", "29.02.2023", "01.02.24", "x"])
def test_other_dates_are_refused(written: str) -> None:
    assert problem(read_date, written) is StatementProblem.BAD_DATE


def test_our_accounts_are_twenty_digits_a_counterpartys_any_digits() -> None:
    assert read_own_account("40702810900000012345") == "40702810900000012345"
    assert problem(read_own_account, "4070281090000001234") is StatementProblem.BAD_ACCOUNT
    assert read_account("12312312312312312") == "12312312312312312"
    assert read_account("") is None
    assert read_account("00000000000000000000") is None
    assert problem(read_account, "4070281O900000012345") is StatementProblem.BAD_ACCOUNT


def test_inn_and_kpp_of_zero_mean_none() -> None:
    assert read_inn("0") is None
    assert read_kpp("0") is None
    assert read_kpp("") is None
    assert read_inn("7701234567") == "7701234567"
    assert read_inn("770123456789") == "770123456789"
    assert read_kpp("7701AB001") == "7701AB001"
    assert problem(read_inn, "77012345") is StatementProblem.BAD_INN
    assert problem(read_kpp, "77010100") is StatementProblem.BAD_KPP


@pytest.mark.parametrize(
    ("written", "parts"),
    [
        ("ИНН 7701234567 ООО Ромашка", ("ООО Ромашка", "7701234567", None)),
        ("ИНН 7701234567 КПП 770101001 ООО Ромашка", ("ООО Ромашка", "7701234567", "770101001")),
        ("ИНН 7701234567\\КПП 770101001 ООО Ромашка", ("ООО Ромашка", "7701234567", "770101001")),
        ('7777777777, ООО "Наеб"', ('ООО "Наеб"', "7777777777", None)),
        ("ИНН 0 Иванов Иван Иванович", ("Иванов Иван Иванович", "0", None)),
        ("ООО Ромашка", ("ООО Ромашка", None, None)),
        ("123 Строй", ("123 Строй", None, None)),
    ],
)
def test_names_give_up_the_inn_written_in_front(written: str, parts: tuple) -> None:
    assert split_name(written) == parts


@pytest.mark.parametrize(
    ("written", "kind"),
    [
        ("Платежное поручение", DocumentKind.PAYMENT_ORDER),
        ("Платёжное  поручение", DocumentKind.PAYMENT_ORDER),
        ("Банковский ордер", DocumentKind.BANK_ORDER),
        ("Мемориальный ордер", DocumentKind.MEMORIAL_ORDER),
        ("Платежное требование", DocumentKind.PAYMENT_REQUEST),
        ("Инкассовое поручение", DocumentKind.COLLECTION_ORDER),
        ("Платежный ордер", DocumentKind.PAYMENT_SLIP),
        ("Поступление", DocumentKind.CREDIT),
        ("Списание", DocumentKind.DEBIT),
        ("СБП", DocumentKind.FAST_PAYMENT),
        ("Перевод через Систему быстрых платежей", DocumentKind.FAST_PAYMENT),
        ("Перевод по QR", DocumentKind.OTHER),
        ("", DocumentKind.OTHER),
    ],
)
def test_document_types_are_known_by_their_words(written: str, kind: DocumentKind) -> None:
    assert document_kind(written) is kind
