"""The amount parser: what people type in a chat, read exactly or refused with a reason."""

import time
from decimal import Decimal

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from ledger.amounts import (
    DEFAULT_AMOUNT_LIMIT,
    AmountError,
    AmountProblem,
    extract_amount,
    parse_amount,
)
from ledger.money import Money, format_money

NBSP = "\u00a0"
NARROW_NBSP = "\u202f"


def rub(amount: str) -> Money:
    return Money(Decimal(amount))


def problem_of(text: str, **kwargs: object) -> AmountProblem:
    with pytest.raises(AmountError) as caught:
        parse_amount(text, **kwargs)  # type: ignore[arg-type]
    return caught.value.problem


# --- parse_amount: accepted ------------------------------------------------------------------

PLAIN_NUMBERS = [
    ("1500", "1500"),
    ("  1500  ", "1500"),
    ("+1500", "1500"),
    ("1500,50", "1500.50"),
    ("1500.50", "1500.50"),
    ("1500,5", "1500.50"),
    ("0,01", "0.01"),
    ("1,5", "1.50"),
    ("1.5", "1.50"),
    ("01500", "1500"),
]


@pytest.mark.parametrize(("text", "expected"), PLAIN_NUMBERS)
def test_plain_numbers_with_a_comma_or_dot_for_kopecks_are_read(text: str, expected: str) -> None:
    assert parse_amount(text) == rub(expected)


GROUPED_NUMBERS = [
    ("1 500", "1500"),
    (f"1{NBSP}500", "1500"),
    (f"1{NARROW_NBSP}500", "1500"),
    ("1 500 000", "1500000"),
    ("1 500,50", "1500.50"),
    ("1 500.50", "1500.50"),
    ("1.500", "1500"),
    ("1.500.000", "1500000"),
    ("1,500,000", "1500000"),
    ("1.500,50", "1500.50"),
    ("1,500.50", "1500.50"),
    ("1.500.000,01", "1500000.01"),
]


@pytest.mark.parametrize(("text", "expected"), GROUPED_NUMBERS)
def test_thousands_groups_by_space_or_dot_are_read(text: str, expected: str) -> None:
    assert parse_amount(text) == rub(expected)


def test_amount_with_thousands_dot_and_kopecks_comma_is_read_russian_way() -> None:
    assert parse_amount("1.500,50") == rub("1500.50")


def test_a_single_dot_before_exactly_three_digits_groups_thousands() -> None:
    assert parse_amount("1.500") == rub("1500")
    assert parse_amount("12.345") == rub("12345")


def test_a_comma_before_three_digits_is_a_decimal_comma_so_it_is_too_precise() -> None:
    # "1,500" is 1,50 ₽ to a Russian reader and 1 500 ₽ to an English one: ask, don't guess.
    assert problem_of("1,500") == AmountProblem.TOO_PRECISE
    assert problem_of("1,550") == AmountProblem.TOO_PRECISE


MULTIPLIERS = [
    ("15к", "15000"),
    ("15 к", "15000"),
    ("15К", "15000"),
    ("15k", "15000"),
    ("15K", "15000"),
    ("15 тыс", "15000"),
    ("15 тыс.", "15000"),
    ("15тыс", "15000"),
    ("15 тысяч", "15000"),
    ("1,5 млн", "1500000"),
    ("1.5 млн", "1500000"),
    ("1,5млн", "1500000"),
    ("2 миллиона", "2000000"),
    ("1,5кк", "1500000"),
    ("0,5 млрд", "500000000"),
    ("1 млрд", "1000000000"),
    ("1.500 тыс", "1500"),
    ("1,2345 тыс", "1234.50"),
    ("15к руб", "15000"),
    ("15 тыс. руб.", "15000"),
    ("1,5 млн ₽", "1500000"),
    ("15 к ₽", "15000"),
]


@pytest.mark.parametrize(("text", "expected"), MULTIPLIERS)
def test_thousands_and_millions_are_multiplied_exactly(text: str, expected: str) -> None:
    assert parse_amount(text) == rub(expected)


RUBLES = [
    "1500р",
    "1500 р",
    "1500 р.",
    "1500 руб",
    "1500 руб.",
    "1500 рублей",
    "1500 рубля",
    "1500 РУБ",
    "1500 ₽",
    "1500₽",
    "₽1500",
    "₽ 1500",
    "1500 rub",
    "+1500 ₽",
]


@pytest.mark.parametrize("text", RUBLES)
def test_rubles_may_be_written_before_or_after_the_number(text: str) -> None:
    assert parse_amount(text) == rub("1500")


def test_babels_own_russian_output_is_read_back() -> None:
    money = rub("1234567.89")
    assert parse_amount(format_money(money)) == money


def test_the_limit_itself_is_allowed_and_can_be_configured() -> None:
    assert parse_amount("1 000 000 000") == rub("1000000000")
    assert parse_amount("50 000", limit=Decimal("50000")) == rub("50000")


def test_another_currency_is_produced_when_asked() -> None:
    assert parse_amount("100,50", currency="USD") == Money(Decimal("100.50"), "USD")


# --- parse_amount: refused -------------------------------------------------------------------

REFUSED = [
    ("", AmountProblem.EMPTY),
    ("   ", AmountProblem.EMPTY),
    (f"{NBSP}\t\n", AmountProblem.EMPTY),
    ("такси", AmountProblem.NOT_A_NUMBER),
    ("полторы тысячи", AmountProblem.NOT_A_NUMBER),
    ("₽", AmountProblem.NOT_A_NUMBER),
    ("к", AmountProblem.NOT_A_NUMBER),
    ("1500 такси", AmountProblem.NOT_A_NUMBER),
    ("0", AmountProblem.ZERO),
    ("0,00", AmountProblem.ZERO),
    ("0 руб", AmountProblem.ZERO),
    ("0к", AmountProblem.ZERO),
    ("-0", AmountProblem.ZERO),
    ("-1500", AmountProblem.NEGATIVE),
    ("\u22121500", AmountProblem.NEGATIVE),
    ("- 1500", AmountProblem.NEGATIVE),
    ("-1 500,50 ₽", AmountProblem.NEGATIVE),
    (f"-15{NBSP}000,50{NBSP}₽", AmountProblem.NEGATIVE),
    ("2 млрд", AmountProblem.TOO_LARGE),
    ("1 000 000 000,01", AmountProblem.TOO_LARGE),
    ("1.5 млрд", AmountProblem.TOO_LARGE),
    ("9" * 1000, AmountProblem.TOO_LARGE),
    ("10,555", AmountProblem.TOO_PRECISE),
    ("0,001", AmountProblem.TOO_PRECISE),
    ("1 500.500", AmountProblem.TOO_PRECISE),
    ("1,234567 тыс", AmountProblem.TOO_PRECISE),
    ("1..5", AmountProblem.NOT_A_NUMBER),
    ("1,2,3", AmountProblem.NOT_A_NUMBER),
    ("1.2.3", AmountProblem.NOT_A_NUMBER),
    ("15 00", AmountProblem.NOT_A_NUMBER),
    ("1 5000", AmountProblem.NOT_A_NUMBER),
    ("1 500.000,5", AmountProblem.NOT_A_NUMBER),
    ("1,500,50", AmountProblem.NOT_A_NUMBER),
    ("1500,", AmountProblem.NOT_A_NUMBER),
    (",50", AmountProblem.NOT_A_NUMBER),
    ("1e5", AmountProblem.NOT_A_NUMBER),
    ("1E+5", AmountProblem.NOT_A_NUMBER),
    ("NaN", AmountProblem.NOT_A_NUMBER),
    ("Infinity", AmountProblem.NOT_A_NUMBER),
    ("-inf", AmountProblem.NOT_A_NUMBER),
    ("0x10", AmountProblem.NOT_A_NUMBER),
    ("١٥٠٠", AmountProblem.NOT_A_NUMBER),  # Arabic-Indic digits: not what a keyboard here types
    ("15км", AmountProblem.NOT_A_NUMBER),
    ("1500 $", AmountProblem.NOT_A_NUMBER),
]


@pytest.mark.parametrize(("text", "problem"), REFUSED)
def test_nonsense_and_absurd_amounts_are_refused_with_a_reason(
    text: str, problem: AmountProblem
) -> None:
    assert problem_of(text) == problem


def test_too_large_error_carries_the_limit() -> None:
    with pytest.raises(AmountError) as caught:
        parse_amount("60 000", limit=Decimal("50000"))
    assert caught.value.problem == AmountProblem.TOO_LARGE
    assert caught.value.limit == Decimal("50000")


def test_amount_error_is_a_value_error_without_russian_text() -> None:
    error = AmountError(AmountProblem.ZERO)
    assert isinstance(error, ValueError)
    assert str(error) == "zero"
    assert error.limit is None


def test_rubles_are_refused_when_another_currency_is_expected() -> None:
    assert problem_of("100 руб", currency="USD") == AmountProblem.WRONG_CURRENCY


def test_a_huge_digit_string_is_refused_quickly() -> None:
    started = time.perf_counter()
    assert problem_of("1" * 200_000) == AmountProblem.TOO_LARGE
    with pytest.raises(AmountError):
        extract_amount("такси " + "1.2" * 50_000)
    assert time.perf_counter() - started < 2


# --- extract_amount --------------------------------------------------------------------------

EXPENSE_LINES = [
    ("1500 такси", "1500", "такси"),
    ("такси 1500", "1500", "такси"),
    ("такси 2 человека 1500", "1500", "такси 2 человека"),
    ("такси 2 человека 1500р", "1500", "такси 2 человека"),
    ("2 такси 1500 руб", "1500", "2 такси"),
    ("1 500 такси", "1500", "такси"),
    (f"такси 1{NBSP}500,50", "1500.50", "такси"),
    ("15к на рекламу", "15000", "на рекламу"),
    ("реклама в директ 1,5 млн", "1500000", "реклама в директ"),
    ("₽1500 за парковку", "1500", "за парковку"),
    ("такси: 1500р.", "1500", "такси"),
    ("такси - 1500", "1500", "такси"),
    ("  такси   до   офиса  1500 ", "1500", "такси до офиса"),
    ("такси 2-3 человека 1500", "1500", "такси 2-3 человека"),
    ("такси1500", "1500", "такси"),
    ("1500", "1500", ""),
    ("1500 р за такси в 5 утра", "1500", "за такси в 5 утра"),
    ("22.11.2026 такси 1500", "1500", "22.11.2026 такси"),
    ("бензин 5 кг 300", "300", "бензин 5 кг"),
    ("такси 1500...", "1500", "такси"),
    ("такси, 1500, до офиса", "1500", "такси до офиса"),
    ("1500р канцелярия, бумага и т.д.", "1500", "канцелярия, бумага и т.д."),
]


@pytest.mark.parametrize(("text", "amount", "description"), EXPENSE_LINES)
def test_the_amount_is_found_in_an_expense_line_and_the_rest_is_the_description(
    text: str, amount: str, description: str
) -> None:
    assert extract_amount(text) == (rub(amount), description)


def test_a_number_with_a_money_unit_wins_over_the_first_and_the_last() -> None:
    assert extract_amount("3 обеда 1500р 2 человека") == (rub("1500"), "3 обеда 2 человека")


def test_without_units_the_number_at_the_start_wins_over_the_last() -> None:
    assert extract_amount("2 такси 1500") == (rub("2"), "такси 1500")


def test_of_several_numbers_with_units_the_last_wins() -> None:
    assert extract_amount("обед 500р и такси 700р") == (rub("700"), "обед 500р и такси")


def test_a_detached_k_followed_by_words_is_a_preposition_not_thousands() -> None:
    assert extract_amount("500 к врачу") == (rub("500"), "к врачу")
    assert extract_amount("такси 15 к") == (rub("15000"), "такси")


EXTRACT_REFUSED = [
    ("", AmountProblem.EMPTY),
    ("такси", AmountProblem.NOT_A_NUMBER),
    ("такси 1..5", AmountProblem.NOT_A_NUMBER),
    ("такси 1,2,3", AmountProblem.NOT_A_NUMBER),
    ("такси 0", AmountProblem.ZERO),
    ("такси -1500", AmountProblem.NEGATIVE),
    ("реклама 2 млрд", AmountProblem.TOO_LARGE),
    ("такси 10,555", AmountProblem.TOO_PRECISE),
]


@pytest.mark.parametrize(("text", "problem"), EXTRACT_REFUSED)
def test_a_line_without_a_usable_amount_is_refused_with_a_reason(
    text: str, problem: AmountProblem
) -> None:
    with pytest.raises(AmountError) as caught:
        extract_amount(text)
    assert caught.value.problem == problem


def test_rubles_in_a_line_are_refused_when_another_currency_is_expected() -> None:
    with pytest.raises(AmountError) as caught:
        extract_amount("hotel 1500 руб", currency="EUR")
    assert caught.value.problem == AmountProblem.WRONG_CURRENCY


def test_the_chosen_amount_is_checked_against_the_configured_limit() -> None:
    with pytest.raises(AmountError) as caught:
        extract_amount("аренда 60 000", limit=Decimal("50000"))
    assert caught.value.problem == AmountProblem.TOO_LARGE
    assert caught.value.limit == Decimal("50000")


# --- properties ------------------------------------------------------------------------------

AMOUNT_ALPHABET = "0123456789 .,+-\u2212кkКтысмлнрдуб₽еEaN\u00a0\u202f\t"


@given(st.text() | st.text(alphabet=AMOUNT_ALPHABET))
@example("9" * 5000)
@example("1e999999")
@example("sNaN")
def test_parse_amount_returns_money_or_raises_amount_error(text: str) -> None:
    try:
        money = parse_amount(text)
    except AmountError as error:
        money = error.problem
    assert isinstance(money, Money | AmountProblem)
    if isinstance(money, Money):
        assert Decimal("0") < money.amount <= DEFAULT_AMOUNT_LIMIT


@given(st.text() | st.text(alphabet=AMOUNT_ALPHABET + "такси "))
def test_extract_amount_returns_money_or_raises_amount_error(text: str) -> None:
    try:
        money, description = extract_amount(text)
    except AmountError as error:
        money, description = error.problem, ""
    assert isinstance(money, Money | AmountProblem)
    if isinstance(money, Money):
        assert Decimal("0") < money.amount <= DEFAULT_AMOUNT_LIMIT
    assert description == " ".join(description.split())


KOPECKS_IN_RANGE = st.integers(min_value=1, max_value=int(DEFAULT_AMOUNT_LIMIT) * 100)


def russian_style(amount: Decimal, group: str) -> str:
    """Write 1234567.8 as '1 234 567,80' with the given group separator."""
    return format(amount, ",.2f").replace(",", group).replace(".", ",")


@given(KOPECKS_IN_RANGE, st.sampled_from([" ", NBSP, NARROW_NBSP]))
def test_russian_written_amount_round_trips(kopecks: int, group: str) -> None:
    money = Money.from_minor_units(kopecks)
    assert parse_amount(russian_style(money.amount, group)) == money


@given(KOPECKS_IN_RANGE)
def test_babel_formatted_amount_round_trips(kopecks: int) -> None:
    money = Money.from_minor_units(kopecks)
    assert parse_amount(format_money(money)) == money


@given(KOPECKS_IN_RANGE)
def test_plain_amount_round_trips(kopecks: int) -> None:
    money = Money.from_minor_units(kopecks)
    assert parse_amount(str(money.amount)) == money
    assert parse_amount(str(money.amount).replace(".", ",")) == money


WORDS = st.text(alphabet="абвгдеёжзийлмнопстфхцчшщъыьэюя", min_size=2, max_size=12).filter(
    lambda word: word[0] not in "кмрт"  # a word after the number must not read as a unit
)


@given(KOPECKS_IN_RANGE, st.lists(WORDS, min_size=1, max_size=4), st.booleans())
def test_amount_and_words_come_apart_whichever_comes_first(
    kopecks: int, words: list[str], amount_first: bool
) -> None:
    money = Money.from_minor_units(kopecks)
    written = russian_style(money.amount, " ")
    description = " ".join(words)
    text = f"{written} {description}" if amount_first else f"{description} {written}"
    assert extract_amount(text) == (money, description)
