"""/history narrowed to a category or a month: chosen with buttons or typed, kept by every
page and by undo, said in the header, refused when forged."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from bot.callbacks import HistoryCallback, HistoryView
from ledger.journal import EntryKind, Journal, MoneyAccount, Posting
from ledger.money import Money
from ledger.users import Person
from tests.e2e.conftest import Running
from tests.fakes.telegram_user import FakeUser


async def post(kopeyka: Running, *spending: tuple[date, str, int]) -> list[int]:
    """Expenses (date, category, rubles) posted as the journal posts them; their ids."""
    context = kopeyka.context
    async with context.database.unit_of_work() as uow:
        services = context.services(uow)
        owner = await services.users.resolve(Person(kopeyka.owner.id, "Ольга"))
        ids = {c.name: c.id for c in await services.categories.active()}
        async with uow.write():
            journal = Journal(uow, context.clock)
            rows = [
                await journal.post(
                    owner,
                    Posting(
                        EntryKind.EXPENSE,
                        Money(Decimal(rubles)),
                        ids[category],
                        MoneyAccount.OWNER_POCKET,
                        day,
                        description=category.lower(),
                    ),
                )
                for day, category, rubles in spending
            ]
            await uow.commit()
    return [row.id for row in rows]


def numbers(listing: str) -> list[int]:
    return [int(found) for found in re.findall(r"^№(\d+)", listing, re.MULTILINE)]


def shown(owner: FakeUser) -> str:
    return owner.last_message().body


async def test_a_category_narrows_the_history_and_every_page_keeps_it(kopeyka: Running) -> None:
    day = date(2026, 11, 20)
    taxi = []
    for index in range(15):
        taxi += await post(kopeyka, (day, "Транспорт", 100 + index))
        await post(kopeyka, (day, "Аренда", 5000))
    owner = kopeyka.owner

    await owner.send("/history")
    await owner.tap("🏷 Категория")
    assert owner.buttons() == ["• Все категории", "Аренда", "Транспорт", "← Назад"]
    await owner.tap("Транспорт")

    first = shown(owner)
    assert "Отбор: 🏷 Транспорт" in first
    assert numbers(first) == taxi[::-1][:10]
    assert "🏷 Транспорт" in owner.buttons()
    await owner.tap("◀ Раньше")
    assert "Отбор: 🏷 Транспорт" in shown(owner)
    assert numbers(shown(owner)) == taxi[::-1][10:]
    assert "◀ Раньше" not in owner.buttons()

    await owner.tap("✖ Сбросить отбор")
    assert "Отбор" not in shown(owner)
    assert len(numbers(shown(owner))) == 10
    assert "✖ Сбросить отбор" not in owner.buttons()


async def test_a_month_is_picked_among_those_with_entries_or_typed(kopeyka: Running) -> None:
    september = await post(kopeyka, (date(2026, 9, 3), "Транспорт", 100))
    october = await post(
        kopeyka, (date(2026, 10, 1), "Транспорт", 200), (date(2026, 10, 31), "Аренда", 300)
    )
    await post(kopeyka, (date(2026, 11, 2), "Аренда", 400))
    owner = kopeyka.owner

    await owner.send("/history")
    await owner.tap("📅 Месяц")
    assert owner.buttons() == ["• Все месяцы", "11.2026", "10.2026", "09.2026", "← Назад"]
    await owner.tap("10.2026")
    assert "Отбор: 📅 Октябрь 2026" in shown(owner)
    assert numbers(shown(owner)) == october[::-1]

    await owner.tap("🏷 Категория")  # only the categories October has
    assert owner.buttons() == ["• Все категории", "Аренда", "Транспорт", "← Назад"]
    await owner.tap("Транспорт")
    assert "Отбор: 🏷 Транспорт · 📅 Октябрь 2026" in shown(owner)
    assert numbers(shown(owner)) == october[:1]

    await owner.send("/history 09.2026")
    assert "📅 Сентябрь 2026" in shown(owner)
    assert numbers(shown(owner)) == september
    await owner.send("/history 2026-08")
    assert "Записей с таким отбором нет." in shown(owner)
    assert "✖ Сбросить отбор" in owner.buttons()


async def test_many_months_are_picked_page_by_page(kopeyka: Running) -> None:
    months = [date(2025 + (m > 12), (m - 1) % 12 + 1, 15) for m in range(1, 16)]  # 01.2025…03.2026
    await post(kopeyka, *((day, "Транспорт", 100) for day in months))
    owner = kopeyka.owner

    await owner.send("/history")
    await owner.tap("📅 Месяц")
    first = owner.buttons()
    assert first[:4] == ["• Все месяцы", "03.2026", "02.2026", "01.2026"]
    assert len([b for b in first if re.fullmatch(r"\d\d\.\d{4}", b)]) == 12
    assert "▶" in first
    await owner.tap("▶")
    assert owner.buttons() == ["• Все месяцы", "03.2025", "02.2025", "01.2025", "◀", "← Назад"]
    await owner.tap("01.2025")
    assert "📅 Январь 2025" in shown(owner)


async def test_undo_from_a_narrowed_page_redraws_that_page(kopeyka: Running) -> None:
    day = date(2026, 11, 20)
    taxi = []
    for index in range(12):
        posted = await post(kopeyka, (day, "Транспорт", 100 + index), (day, "Аренда", 5000))
        taxi.append(posted[0])
    owner = kopeyka.owner
    await owner.send("/history")
    await owner.tap("🏷 Категория")
    await owner.tap("Транспорт")
    await owner.tap("◀ Раньше")
    assert numbers(shown(owner)) == [taxi[1], taxi[0]]

    await owner.tap(f"Отменить №{taxi[0]}")
    await owner.tap("Нет, оставить")
    assert "Отбор: 🏷 Транспорт" in shown(owner)
    assert f"Отменить №{taxi[0]}" in owner.buttons()
    await owner.tap(f"Отменить №{taxi[0]}")
    await owner.tap(f"Да, отменить №{taxi[0]}")

    listing = owner.tg.chat(owner.id)[-2].body  # the page; below it, the reversal's card
    assert "Отбор: 🏷 Транспорт" in listing
    assert numbers(listing) == [taxi[1], taxi[0]]
    assert "(отменена)" in listing.splitlines()[-1]


async def test_a_typed_month_that_is_none_or_ahead_is_explained(kopeyka: Running) -> None:
    owner = kopeyka.owner

    await owner.send("/history ноябрь")
    assert "Месяц пишется так: /history 11.2026" in shown(owner)
    await owner.send("/history 12.2026")
    assert "ещё не наступил" in shown(owner)
    await owner.send("/report 2026-13")  # /report's own months keep their own words
    assert "/report 2026-11" in shown(owner)


async def test_forged_filters_are_refused(kopeyka: Running) -> None:
    await post(kopeyka, (date(2026, 11, 20), "Транспорт", 100))
    owner = kopeyka.owner
    await owner.send("/history")
    listing = owner.last_message()

    for forged, answer in (
        (HistoryCallback(month=202613), "Кнопка не распознана — ничего не изменено."),
        (HistoryCallback(category=999_999), "Такой категории нет"),
        (HistoryCallback(view=HistoryView.MONTHS, month=1), "Кнопка не распознана"),
    ):
        await owner.tap_data(forged.pack(), message_id=listing.message_id)
        assert owner.answers()[-1].startswith(answer)
    [still] = [m for m in owner.tg.chat(owner.id) if m.message_id == listing.message_id]
    assert still.body == listing.body
