"""Money: an exact, immutable amount of kopecks in one currency, formatted by Babel."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.money import Money, format_money, significant_places

NBSP = "\u00a0"


def rub(amount: str) -> Money:
    return Money(Decimal(amount))


def test_money_is_rubles_unless_told_otherwise() -> None:
    assert rub("1500").currency == "RUB"


def test_amount_is_kept_with_exactly_two_places() -> None:
    assert str(rub("1500").amount) == "1500.00"
    assert str(rub("1.5").amount) == "1.50"
    assert str(rub("1.500").amount) == "1.50"
    assert str(Money(Decimal("1E+3")).amount) == "1000.00"


def test_negative_zero_becomes_plain_zero() -> None:
    zero = rub("-0.00")
    assert str(zero.amount) == "0.00"
    assert not zero.is_negative
    assert zero.is_zero


@pytest.mark.parametrize("amount", [1500.0, 1500, "1500", None])
def test_anything_but_a_decimal_amount_is_refused_as_a_type_error(amount: object) -> None:
    with pytest.raises(TypeError):
        Money(amount)  # type: ignore[arg-type]


@pytest.mark.parametrize("amount", ["10.555", "0.001", "1E-3", "NaN", "Infinity", "-Infinity"])
def test_amounts_that_are_not_whole_kopecks_are_refused_not_rounded(amount: str) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - ValueError is the contract
        rub(amount)


@pytest.mark.parametrize("currency", ["rub", "RUBLE", "₽", "", "R1B"])
def test_currency_must_be_an_iso_code(currency: str) -> None:
    with pytest.raises(ValueError, match="currency"):
        Money(Decimal("1"), currency)


def test_equal_values_written_differently_are_equal_and_hash_alike() -> None:
    assert rub("1.5") == rub("1.50")
    assert hash(rub("1.5")) == hash(rub("1.50"))
    assert rub("1.5") != Money(Decimal("1.5"), "USD")


def test_minor_units_are_kopecks() -> None:
    assert rub("1500.50").to_minor_units() == 150050
    assert rub("-0.01").to_minor_units() == -1
    assert Money.from_minor_units(150050) == rub("1500.50")
    assert Money.from_minor_units(5, "USD") == Money(Decimal("0.05"), "USD")


@pytest.mark.parametrize("units", [1.0, Decimal(1), "1", True])
def test_minor_units_must_be_an_int(units: object) -> None:
    with pytest.raises(TypeError):
        Money.from_minor_units(units)  # type: ignore[arg-type]


def test_arithmetic_within_one_currency() -> None:
    assert rub("1000.50") + rub("0.50") == rub("1001")
    assert rub("1000") - rub("1500.25") == rub("-500.25")
    assert -rub("15") == rub("-15")
    assert (rub("15") - rub("15")).is_zero


def test_arithmetic_beyond_decimal_context_precision_is_exact() -> None:
    huge = Money.from_minor_units(10**40 + 1)
    assert (huge + rub("0.01")).to_minor_units() == 10**40 + 2
    assert (-huge).to_minor_units() == -(10**40) - 1


def test_mixing_currencies_is_refused() -> None:
    dollars = Money(Decimal("1"), "USD")
    with pytest.raises(ValueError, match="USD"):
        rub("1") + dollars
    with pytest.raises(ValueError, match="USD"):
        rub("1") - dollars
    with pytest.raises(ValueError, match="USD"):
        _ = rub("1") < dollars


def test_adding_something_that_is_not_money_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        rub("1") + Decimal("1")  # type: ignore[operator]


def test_comparison_within_one_currency() -> None:
    assert rub("1") < rub("2") <= rub("2") < rub("10")
    assert rub("10") > rub("9.99") >= rub("9.99")
    assert max(rub("5"), rub("50"), rub("0.5")) == rub("50")


def test_sign_helpers() -> None:
    assert rub("-0.01").is_negative
    assert not rub("0.01").is_negative
    assert not rub("0.01").is_zero
    assert rub("0").is_zero


def test_money_is_immutable() -> None:
    money = rub("1")
    with pytest.raises(AttributeError):
        money.amount = Decimal("2")  # type: ignore[misc]


@pytest.mark.parametrize(
    ("money", "expected"),
    [
        (rub("15000"), f"15{NBSP}000,00{NBSP}₽"),
        (rub("1234567.89"), f"1{NBSP}234{NBSP}567,89{NBSP}₽"),
        (rub("0.5"), f"0,50{NBSP}₽"),
        (rub("-15000.5"), f"-15{NBSP}000,50{NBSP}₽"),
    ],
)
def test_russian_formatting_uses_babels_non_breaking_spaces(money: Money, expected: str) -> None:
    assert format_money(money) == expected


def test_english_formatting_is_babels() -> None:
    assert format_money(rub("15000"), "en") == "RUB15,000.00"


def test_foreign_currency_keeps_its_own_sign() -> None:
    assert format_money(Money(Decimal("15000"), "USD")) == f"15{NBSP}000,00{NBSP}$"


@pytest.mark.parametrize(
    ("value", "places"),
    [("1", 0), ("1.50", 1), ("1.55", 2), ("1.555", 3), ("0.000", 0), ("1E+3", 0), ("1.0001", 4)],
)
def test_significant_places_ignore_trailing_zeros(value: str, places: int) -> None:
    assert significant_places(Decimal(value)) == places


@given(st.integers())
def test_minor_units_round_trip(units: int) -> None:
    assert Money.from_minor_units(units).to_minor_units() == units


@given(
    st.decimals(
        allow_nan=False, allow_infinity=False, places=2, max_value=10**15, min_value=-(10**15)
    )
)
def test_decimal_amount_round_trips_through_minor_units(amount: Decimal) -> None:
    money = Money(amount)
    assert money.amount == amount
    assert Money.from_minor_units(money.to_minor_units()) == money


@given(st.integers(-(10**14), 10**14), st.integers(-(10**14), 10**14))
def test_sum_matches_integer_arithmetic(a: int, b: int) -> None:
    total = Money.from_minor_units(a) + Money.from_minor_units(b)
    assert total.to_minor_units() == a + b
    assert (total - Money.from_minor_units(b)).to_minor_units() == a
