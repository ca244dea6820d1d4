"""An expense line read the way the owner meant it, or asked about: the phrases of issue 12
that used to book a wrong amount in silence, and a property over generated lines.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.amounts import AmountError, AmountProblem, read_expense
from ledger.dates import extract_date

TODAY = date(2026, 11, 23)


def read(text: str) -> tuple[Decimal, str, date | None, Decimal | None, str | None]:
    """As the owner's expense flow reads a line: its date first, then the amount."""
    when, rest = extract_date(text, today=TODAY)
    reading = read_expense(rest)
    other = reading.alternative.amount if reading.alternative else None
    return reading.amount.amount, reading.description, when, other, reading.arithmetic


@pytest.mark.parametrize(
    ("text", "amount", "description", "when", "other", "arithmetic"),
    [
        ("22.11 такси 500", "500", "такси", date(2026, 11, 22), None, None),
        ("3 шт по 200 бумага", "600", "бумага", None, None, "3 × 200 = 600"),
        ("2 такси по 300", "600", "такси", None, None, "2 × 300 = 600"),
        ("аренда 50000 за 11.2026", "50000", "аренда за 11.2026", None, None, None),
        ("1500 + 350 такси", "1850", "такси", None, None, "1\u00a0500 + 350 = 1\u00a0850"),
        ("кофе 3×150", "450", "кофе", None, None, "3 × 150 = 450"),
        ("такси 2 человека 1500", "1500", "такси 2 человека", None, None, None),
        ("2 такси 1500", "1500", "2 такси", None, "2", None),
        ("2 такси 1500 руб", "1500", "2 такси", None, None, None),
        ("1500 такси вчера", "1500", "такси", date(2026, 11, 22), None, None),
        ("15к реклама", "15000", "реклама", None, None, None),
        ("500 к врачу", "500", "к врачу", None, None, None),
    ],
)
def test_a_line_is_read_as_the_owner_meant_it(
    text: str,
    amount: str,
    description: str,
    when: date | None,
    other: str | None,
    arithmetic: str | None,
) -> None:
    assert read(text) == (
        Decimal(amount),
        description,
        when,
        Decimal(other) if other else None,
        arithmetic,
    )


@pytest.mark.parametrize(
    "text",
    [
        "1\u00a0500 такси",  # no-break space
        "1\u2009500 такси",  # thin space
        "1\u202f500 такси",  # narrow no-break space, as Babel writes
        "15\u200b00 такси",  # a zero-width space inside: the person sees 1500
        "\u200f1500 такси",  # a right-to-left mark
        "1500\u200e такси",  # a left-to-right mark
        "\ufeff1500 такси",  # a byte-order mark pasted in
        "🚕 такси 1500",  # emoji
    ],
)
def test_invisible_marks_and_odd_spaces_read_as_the_person_sees_them(text: str) -> None:
    amount, description, *_ = read(text)

    assert amount == Decimal(1500)
    assert description in ("такси", "🚕 такси")


def test_a_ten_thousand_character_line_is_read_and_its_description_kept_whole() -> None:
    amount, description, *_ = read("такси 1500 " + "а" * 10_000)

    assert amount == Decimal(1500)
    assert len(description) == len("такси ") + 10_000  # the draft keeps its first 500


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("1e3 такси", AmountProblem.EXPONENT),
        ("4", AmountProblem.NO_DESCRIPTION),
        ("=1200+350", AmountProblem.NO_DESCRIPTION),
        ("такси", AmountProblem.NOT_A_NUMBER),
        ("NaN такси", AmountProblem.NOT_A_NUMBER),
        ("１５００ такси", AmountProblem.NOT_A_NUMBER),  # full-width digits: asked to retype
        ("١٥٠٠ такси", AmountProblem.NOT_A_NUMBER),  # Arabic-Indic digits, likewise
        ("Infinity такси", AmountProblem.NOT_A_NUMBER),
        ("такси " + "9" * 300, AmountProblem.TOO_LARGE),
        ("3 шт по 0 бумага", AmountProblem.ZERO),
    ],
)
def test_a_line_that_cannot_be_read_right_is_refused_with_its_reason(
    text: str, problem: AmountProblem
) -> None:
    with pytest.raises(AmountError) as caught:
        read(text)
    assert caught.value.problem == problem


WORDS = ["такси", "кофе", "бумага", "аренда", "бензин", "обед", "реклама", "связь", "ремонт"]
NOISE = ["", "!", " —", ":", " 2 человека", " 3 шт"]


@st.composite
def lines(draw: st.DrawFn) -> tuple[str, Decimal]:
    rubles = draw(st.integers(min_value=1, max_value=9_999_999))
    kopecks = draw(st.one_of(st.none(), st.integers(min_value=1, max_value=99)))
    amount = Decimal(rubles) + (Decimal(kopecks) / 100 if kopecks else 0)
    style = draw(st.sampled_from(["plain", "spaced", "rubles", "sign"]))
    written = f"{rubles:,}".replace(",", " ") if style == "spaced" else str(rubles)
    if kopecks:
        written += f",{kopecks:02d}"
    written += {"rubles": " руб", "sign": " ₽"}.get(style, "")
    words = " ".join(draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=3)))
    day = draw(st.sampled_from(["", " вчера", " 20.11", " 01.11.2026"]))
    noise = draw(st.sampled_from(NOISE))
    parts = [written, words + noise] if draw(st.booleans()) else [words + noise, written]
    return " ".join(parts) + day, amount


@given(lines())
def test_any_line_gives_its_amount_or_is_asked_about_never_another_number(
    line: tuple[str, Decimal],
) -> None:
    text, amount = line
    try:
        read_amount, *_ = read(text)
    except AmountError:
        return  # asked about: nothing booked
    assert read_amount == amount, text
