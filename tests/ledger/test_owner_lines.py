"""What the owner types, read into items: income or expense, one item or several."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.amounts import AmountError, AmountProblem
from ledger.journal import EntryKind
from ledger.owner_lines import MAX_ITEMS, read_owner_line

TODAY = date(2026, 11, 23)


def read(text: str, kind: EntryKind | None = None) -> tuple[str, list[tuple[str, str, date]]]:
    line = read_owner_line(text, today=TODAY, kind=kind)
    items = [
        (str(item.reading.amount.amount), item.reading.description, item.entry_date or TODAY)
        for item in line.items
    ]
    return line.kind, items


@pytest.mark.parametrize(
    ("text", "kind", "items"),
    [
        ("+50000 оплата Иванов", "income", [("50000.00", "оплата Иванов", TODAY)]),
        ("+ 50000 оплата Иванов", "income", [("50000.00", "оплата Иванов", TODAY)]),
        ("доход 50000 оплата Иванов", "income", [("50000.00", "оплата Иванов", TODAY)]),
        ("Доход: 50000", "income", [("50000.00", "Доход", TODAY)]),
        ("выручка 12 000 за день", "income", [("12000.00", "за день", TODAY)]),
        ("доходный дом 5000", "expense", [("5000.00", "доходный дом", TODAY)]),
        ("1500 такси", "expense", [("1500.00", "такси", TODAY)]),
        (
            "такси 350, кофе 180",
            "expense",
            [("350.00", "такси", TODAY), ("180.00", "кофе", TODAY)],
        ),
        (
            "такси 350\nкофе 180\n3 шт по 200 бумага",
            "expense",
            [("350.00", "такси", TODAY), ("180.00", "кофе", TODAY), ("600.00", "бумага", TODAY)],
        ),
        (
            "22.11: такси 350; кофе 180",
            "expense",
            [("350.00", "такси", date(2026, 11, 22)), ("180.00", "кофе", date(2026, 11, 22))],
        ),
        (
            "такси 350 вчера, кофе 180 21.11",
            "expense",
            [("350.00", "такси", date(2026, 11, 22)), ("180.00", "кофе", date(2026, 11, 21))],
        ),
        (
            "+50000 Иванов, 30000 Петров",
            "income",
            [("50000.00", "Иванов", TODAY), ("30000.00", "Петров", TODAY)],
        ),
        # Parts that are not items by themselves: the whole line is one item.
        ("такси 2 человека, 1500", "expense", [("1500.00", "такси 2 человека", TODAY)]),
        ("такси до офиса, 350", "expense", [("350.00", "такси до офиса", TODAY)]),
        ("бензин 1,5к, заправка", "expense", [("1500.00", "бензин заправка", TODAY)]),
        ("22.11, такси 500", "expense", [("500.00", "такси", date(2026, 11, 22))]),
    ],
)
def test_a_message_is_read_into_the_items_the_owner_meant(
    text: str, kind: str, items: list[tuple[str, str, date]]
) -> None:
    assert read(text) == (kind, items)


def test_the_income_command_makes_any_line_income() -> None:
    assert read("50000 оплата Иванов", EntryKind.INCOME) == (
        "income",
        [("50000.00", "оплата Иванов", TODAY)],
    )


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("такси 350, кофе 1e3", AmountProblem.EXPONENT),
        ("такси 350, кофе 1,555", AmountProblem.TOO_PRECISE),
        ("такси 350, кофе 0", AmountProblem.ZERO),
        ("+50000", AmountProblem.NO_DESCRIPTION),
        ("доход", AmountProblem.EMPTY),
    ],
)
def test_an_item_that_cannot_be_read_right_refuses_the_whole_message(
    text: str, problem: AmountProblem
) -> None:
    with pytest.raises(AmountError) as refused:
        read_owner_line(text, today=TODAY)
    assert refused.value.problem is problem


def test_more_items_than_a_card_shows_are_refused() -> None:
    text = ", ".join(f"кофе {n}" for n in range(1, MAX_ITEMS + 2))
    with pytest.raises(AmountError) as refused:
        read_owner_line(text, today=TODAY)
    assert refused.value.problem is AmountProblem.TOO_MANY_ITEMS


WORDS = ["такси", "кофе", "бумага", "аренда", "бензин", "обед", "реклама", "связь"]


@st.composite
def messages(draw: st.DrawFn) -> tuple[str, list[Decimal]]:
    count = draw(st.integers(min_value=2, max_value=6))
    parts, amounts = [], []
    for _ in range(count):
        rubles = draw(st.integers(min_value=1, max_value=999_999))
        kopecks = draw(st.one_of(st.none(), st.integers(min_value=1, max_value=99)))
        written = str(rubles) + (f",{kopecks:02d}" if kopecks else "")
        words = " ".join(draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=2)))
        parts.append(f"{written} {words}" if draw(st.booleans()) else f"{words} {written}")
        amounts.append(Decimal(rubles) + (Decimal(kopecks) / 100 if kopecks else 0))
    separator = draw(st.sampled_from([", ", "\n", "; "]))
    return separator.join(parts), amounts


@given(messages())
def test_several_items_give_their_amounts_in_order_or_are_asked_about(
    message: tuple[str, list[Decimal]],
) -> None:
    text, amounts = message
    try:
        line = read_owner_line(text, today=TODAY)
    except AmountError:
        return  # asked about: nothing booked
    assert [item.reading.amount.amount for item in line.items] == amounts, text
