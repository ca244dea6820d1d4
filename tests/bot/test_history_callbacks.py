"""/history's buttons carry the page and the filters in Telegram's 64 bytes of callback
data, and a month that is none is caught as forged."""

from __future__ import annotations

from datetime import date

import pytest

from bot.callbacks import (
    EntryAction,
    EntryCallback,
    HistoryCallback,
    HistoryView,
    StaleFilter,
    month_code,
    month_of_code,
)

CALLBACK_DATA_LIMIT = 64
BIG_ID = 9_999_999_999  # ten digits: more entries and categories than a business will have


def test_the_longest_history_buttons_fit_telegrams_limit() -> None:
    history = HistoryCallback(
        before=BIG_ID,
        category=BIG_ID,
        month=month_code(date(2026, 11, 1)),
        view=HistoryView.CATEGORIES,
        page=999,
    )
    undo = EntryCallback(
        entry_id=BIG_ID,
        action=EntryAction.UNDO,
        origin="list",
        until=4_102_444_800,  # 2100: ten digits
        before=BIG_ID,
        category=BIG_ID,
        month=month_code(date(2026, 11, 1)),
    )

    for data in (history.pack(), undo.pack()):
        assert len(data.encode()) <= CALLBACK_DATA_LIMIT, data


def test_a_button_gives_back_the_page_and_filters_it_carries() -> None:
    packed = HistoryCallback(before=120, category=7, month=202611).pack()

    unpacked = HistoryCallback.unpack(packed)

    assert (unpacked.before, unpacked.category, unpacked.view) == (120, 7, HistoryView.LIST)
    assert month_of_code(unpacked.month) == date(2026, 11, 1)


@pytest.mark.parametrize("month", [date(2026, 1, 1), date(2026, 12, 1), None])
def test_a_month_round_trips_through_its_code(month: date | None) -> None:
    assert month_of_code(month_code(month)) == month


@pytest.mark.parametrize("code", [202613, 202600, 1, 99_999_999])
def test_a_code_that_is_no_month_is_forged(code: int) -> None:
    with pytest.raises(StaleFilter):
        month_of_code(code)
