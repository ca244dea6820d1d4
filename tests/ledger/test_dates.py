"""The date parser: relative words and day-first dates, never in the future unless allowed."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.dates import DateError, DateProblem, extract_date, format_date, parse_date

TODAY = date(2026, 11, 23)  # a Monday


def problem_of(text: str, *, today: date = TODAY, allow_future: bool = False) -> DateProblem:
    with pytest.raises(DateError) as caught:
        parse_date(text, today=today, allow_future=allow_future)
    return caught.value.problem


RELATIVE = [
    ("сегодня", date(2026, 11, 23)),
    ("Сегодня", date(2026, 11, 23)),
    ("  СЕГОДНЯ. ", date(2026, 11, 23)),
    ("вчера", date(2026, 11, 22)),
    ("Вчера.", date(2026, 11, 22)),
    ("позавчера", date(2026, 11, 21)),
    ("today", date(2026, 11, 23)),
    ("Yesterday", date(2026, 11, 22)),
]


@pytest.mark.parametrize(("text", "expected"), RELATIVE)
def test_relative_words_count_back_from_the_given_today(text: str, expected: date) -> None:
    assert parse_date(text, today=TODAY) == expected


def test_yesterday_crosses_a_year_boundary() -> None:
    assert parse_date("вчера", today=date(2026, 1, 1)) == date(2025, 12, 31)


FULL_DATES = [
    ("22.11.2026", date(2026, 11, 22)),
    ("22.11.26", date(2026, 11, 22)),
    ("22/11/2026", date(2026, 11, 22)),
    ("22-11-2026", date(2026, 11, 22)),
    ("2026-11-22", date(2026, 11, 22)),
    ("1.2.2026", date(2026, 2, 1)),
    ("01.02.2026", date(2026, 2, 1)),
    ("1.2.26", date(2026, 2, 1)),
    ("22.11.2026.", date(2026, 11, 22)),
    ("22.11.2026 г.", date(2026, 11, 22)),
    ("22.11.2026г", date(2026, 11, 22)),
    ("29.02.2024", date(2024, 2, 29)),
    ("01.01.2000", date(2000, 1, 1)),
    ("01.01.00", date(2000, 1, 1)),
    ("23.11.2026", TODAY),
]


@pytest.mark.parametrize(("text", "expected"), FULL_DATES)
def test_full_dates_are_read_day_first(text: str, expected: date) -> None:
    assert parse_date(text, today=TODAY) == expected


WITHOUT_YEAR = [
    ("22.11", date(2026, 11, 22)),
    ("23.11", date(2026, 11, 23)),
    ("24.11", date(2025, 11, 24)),
    ("31.12", date(2025, 12, 31)),
    ("1.1", date(2026, 1, 1)),
    ("22/11", date(2026, 11, 22)),
    ("22.11.", date(2026, 11, 22)),
]


@pytest.mark.parametrize(("text", "expected"), WITHOUT_YEAR)
def test_a_date_without_year_is_the_most_recent_one_not_in_the_future(
    text: str, expected: date
) -> None:
    assert parse_date(text, today=TODAY) == expected


def test_a_date_without_year_is_this_years_when_the_future_is_allowed() -> None:
    assert parse_date("24.11", today=TODAY, allow_future=True) == date(2026, 11, 24)
    assert parse_date("1.1", today=TODAY, allow_future=True) == date(2026, 1, 1)


def test_leap_day_without_year_is_found_in_last_year_when_this_year_has_none() -> None:
    assert parse_date("29.02", today=date(2025, 1, 10)) == date(2024, 2, 29)


def test_leap_day_without_year_is_refused_when_neither_recent_year_has_one() -> None:
    assert problem_of("29.02", today=date(2026, 3, 1)) == DateProblem.NO_SUCH_DAY


def test_future_dates_are_allowed_only_when_asked() -> None:
    assert problem_of("24.11.2026") == DateProblem.FUTURE
    assert problem_of("завтра") == DateProblem.FUTURE
    assert parse_date("24.11.2026", today=TODAY, allow_future=True) == date(2026, 11, 24)
    assert parse_date("завтра", today=TODAY, allow_future=True) == date(2026, 11, 24)


REFUSED = [
    ("", DateProblem.EMPTY),
    ("  ", DateProblem.EMPTY),
    (".", DateProblem.EMPTY),
    ("когда-нибудь", DateProblem.NOT_A_DATE),
    ("22", DateProblem.NOT_A_DATE),
    ("22 11 2026", DateProblem.NOT_A_DATE),
    ("22.11/2026", DateProblem.NOT_A_DATE),
    ("22.11.202", DateProblem.NOT_A_DATE),
    ("122.11.2026", DateProblem.NOT_A_DATE),
    ("2026/11/22", DateProblem.NOT_A_DATE),
    ("22..11", DateProblem.NOT_A_DATE),
    ("22.11.2026 14:00", DateProblem.NOT_A_DATE),
    ("٢٢.١١.٢٠٢٦", DateProblem.NOT_A_DATE),  # Arabic-Indic digits
    ("31.02.2026", DateProblem.NO_SUCH_DAY),
    ("29.02.2026", DateProblem.NO_SUCH_DAY),
    ("31.02", DateProblem.NO_SUCH_DAY),
    ("00.11", DateProblem.NO_SUCH_DAY),
    ("22.13.2026", DateProblem.NO_SUCH_DAY),
    ("2026-02-30", DateProblem.NO_SUCH_DAY),
    ("31.12.1999", DateProblem.TOO_OLD),
    ("1999-12-31", DateProblem.TOO_OLD),
    ("01.01.0001", DateProblem.TOO_OLD),
    ("24.11.2026", DateProblem.FUTURE),
    ("01.01.2099", DateProblem.FUTURE),
]


@pytest.mark.parametrize(("text", "problem"), REFUSED)
def test_impossible_and_unreadable_dates_are_refused_with_a_reason(
    text: str, problem: DateProblem
) -> None:
    assert problem_of(text) == problem


def test_a_date_without_year_that_falls_before_2000_is_too_old() -> None:
    assert problem_of("22.11", today=date(2000, 1, 5)) == DateProblem.TOO_OLD


def test_date_error_is_a_value_error_without_russian_text() -> None:
    error = DateError(DateProblem.FUTURE)
    assert isinstance(error, ValueError)
    assert str(error) == "future"


@pytest.mark.parametrize(
    ("day", "text"),
    [(date(2026, 11, 22), "22.11.2026"), (date(2026, 2, 1), "01.02.2026")],
)
def test_dates_are_written_the_russian_way(day: date, text: str) -> None:
    assert format_date(day) == text


DATE_ALPHABET = "0123456789./- гвчераснодяtyd"


@given(st.text() | st.text(alphabet=DATE_ALPHABET), st.dates(), st.booleans())
def test_parse_date_returns_a_date_or_raises_date_error(
    text: str, today: date, allow_future: bool
) -> None:
    try:
        result = parse_date(text, today=today, allow_future=allow_future)
    except DateError as error:
        result = error.problem
    assert isinstance(result, date | DateProblem)
    if isinstance(result, date):
        assert result.year >= 2000
        assert allow_future or result <= today


@given(st.dates(min_value=date(2000, 1, 1)), st.dates(min_value=date(2000, 1, 1)))
def test_formatted_dates_read_back(day: date, today: date) -> None:
    assert parse_date(format_date(day), today=max(day, today)) == day


@given(st.dates(min_value=date(2001, 1, 1)))
def test_yesterday_is_one_day_before_today(today: date) -> None:
    assert (today - parse_date("вчера", today=today)).days == 1


@pytest.mark.parametrize(
    ("text", "expected_date", "rest"),
    [
        ("такси вчера", date(2026, 11, 22), "такси"),
        ("Вчера такси", date(2026, 11, 22), "такси"),
        ("бензин 20.11", date(2026, 11, 20), "бензин"),
        ("бензин 20.11.2026 заправка", date(2026, 11, 20), "бензин заправка"),
        ("такси до офиса", None, "такси до офиса"),
        ("ремонт 3/4 стены", None, "ремонт 3/4 стены"),
    ],
)
def test_a_date_said_inside_an_expense_line_is_found_and_taken_out(
    text: str, expected_date: date | None, rest: str
) -> None:
    found, remainder = extract_date(text, today=date(2026, 11, 23))
    assert found == expected_date
    if expected_date is not None:
        assert remainder == rest
    else:
        assert remainder == text


def test_a_future_date_inside_an_expense_line_is_refused_not_ignored() -> None:
    with pytest.raises(DateError) as caught:
        extract_date("такси завтра", today=date(2026, 11, 23))
    assert caught.value.problem == DateProblem.FUTURE
