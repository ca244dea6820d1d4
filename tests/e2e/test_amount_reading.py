"""The owner's line read right, or asked about: never a wrong amount booked in silence."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from ledger.storage.models import ExpenseDraftRow
from tests.e2e.conftest import Running

NBSP = "\u00a0"


def rub(text: str) -> str:
    return text.replace(" ", NBSP)


async def test_two_numbers_show_the_chosen_one_and_offer_the_other_with_one_tap(
    kopeyka: Running,
) -> None:
    owner = kopeyka.owner
    await owner.send("2 такси 1500")

    card = owner.last_message()
    assert rub("1 500,00 ₽") in card.body
    other = f"Не {rub('1 500,00 ₽')}, а {rub('2,00 ₽')}?"
    assert other in owner.buttons()

    await owner.tap(other)
    assert rub("2,00 ₽") in owner.last_message().body
    back = f"Не {rub('2,00 ₽')}, а {rub('1 500,00 ₽')}?"
    assert back in owner.buttons()  # and back again, if that was wrong too

    await owner.tap(back)
    await owner.tap("✅ Сохранить")
    [entry] = await kopeyka.entries()
    assert entry.amount_minor == -150000


async def test_a_count_and_a_price_are_multiplied_and_the_card_shows_how(
    kopeyka: Running,
) -> None:
    owner = kopeyka.owner
    await owner.send("3 шт по 200 бумага")

    card = owner.last_message()
    assert rub("600,00 ₽") in card.body
    assert "Расчёт: 3 × 200 = 600" in card.body
    await owner.tap("✅ Сохранить")
    [entry] = await kopeyka.entries()
    assert (entry.amount_minor, entry.description) == (-60000, "бумага")


async def test_a_date_before_the_amount_is_the_date_not_the_amount(kopeyka: Running) -> None:
    owner = kopeyka.owner
    await owner.send("22.11 такси 500")

    await owner.tap("✅ Сохранить")
    [entry] = await kopeyka.entries()
    assert (entry.amount_minor, entry.entry_date) == (-50000, date(2026, 11, 22))


async def test_a_month_is_not_an_amount(kopeyka: Running) -> None:
    owner = kopeyka.owner
    await owner.send("аренда 50000 за 11.2026")

    assert rub("50 000,00 ₽") in owner.last_message().body
    await owner.tap("✅ Сохранить")
    [entry] = await kopeyka.entries()
    assert (entry.amount_minor, entry.description) == (-5000000, "аренда за 11.2026")


async def test_a_bare_number_or_an_exponent_is_asked_about_and_nothing_is_drafted(
    kopeyka: Running,
) -> None:
    owner = kopeyka.owner
    await owner.send("4")
    assert "На что эта сумма?" in owner.last_message().body
    await owner.send("1e3 такси")
    assert "1e3" in owner.last_message().body

    assert await kopeyka.scalar(select(func.count(ExpenseDraftRow.id))) == 0


async def test_the_card_s_amount_can_be_corrected_and_a_wrong_one_asks_again(
    kopeyka: Running,
) -> None:
    owner = kopeyka.owner
    await owner.send("2 такси 1500")
    await owner.tap("✏️ Сумма")
    assert "/cancel" in owner.last_message().body

    await owner.send("полторы тысячи")
    assert "Не вижу суммы" in owner.last_message().body
    assert "Напишите сумму" in owner.last_message().body  # the prompt again
    await owner.send("1 800")

    card = owner.last_message()
    assert rub("1 800,00 ₽") in card.body
    assert not [b for b in owner.buttons() if b.startswith("Не ")]  # nothing left to offer
    await owner.tap("✅ Сохранить")
    [entry] = await kopeyka.entries()
    assert entry.amount_minor == -180000
