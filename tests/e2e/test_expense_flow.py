"""The owner's expense, end to end, in polling and in webhook mode."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import func, select

from ledger.journal import EntryKind, Journal, MoneyAccount, Posting
from ledger.money import Money
from ledger.storage.models import AuditRow, CategoryRow, ExpenseDraftRow
from ledger.users import Person
from tests.e2e.conftest import Running, button_data

NBSP = "\u00a0"


def rub(text: str) -> str:
    """Babel's ru_RU money, with its non-breaking spaces, from a plain-spaced literal."""
    return text.replace(" ", NBSP)


async def category_name(kopeyka: Running, category_id: int) -> str:
    return await kopeyka.scalar(select(CategoryRow.name).where(CategoryRow.id == category_id))


async def test_owner_types_an_expense_and_saves_it_with_one_tap(kopeyka: Running) -> None:
    owner = kopeyka.owner
    await owner.send("1500 такси")

    card = owner.last_message()
    assert "Новый расход" in card.body
    assert rub("1 500,00 ₽") in card.body
    assert "Транспорт" in card.body
    assert "23.11.2026" in card.body
    assert "✅ Сохранить" in owner.buttons()

    await owner.tap("✅ Сохранить")

    saved = owner.last_message()
    assert saved.message_id == card.message_id, "the card is edited in place"
    assert "Расход сохранён" in saved.body
    assert owner.buttons() == ["↩️ Отменить"]
    assert owner.answers()[-1] == "Сохранено"
    [entry] = await kopeyka.entries()
    assert entry.amount_minor == -150000
    assert entry.currency == "RUB"
    assert entry.kind == "expense"
    assert entry.description == "такси"
    assert await category_name(kopeyka, entry.category_id) == "Транспорт"
    posted = await kopeyka.scalar(
        select(func.count(AuditRow.id)).where(AuditRow.action == "entry.posted")
    )
    assert posted == 1


async def test_save_tapped_twice_saves_once_and_says_so(kopeyka: Running) -> None:
    owner = kopeyka.owner
    await owner.send("2 300,50 бензин")
    card = owner.last_message()
    save_data = button_data(card, "✅ Сохранить")

    await owner.tap_data(save_data, message_id=card.message_id)
    await owner.tap_data(save_data, message_id=card.message_id)

    assert await kopeyka.count_entries() == 1
    assert "уже сохранён" in owner.answers()[-1]


async def test_two_simultaneous_save_taps_post_exactly_one_entry(kopeyka: Running) -> None:
    owner = kopeyka.owner
    await owner.send("700 парковка")
    card = owner.last_message()
    save_data = button_data(card, "✅ Сохранить")

    await asyncio.gather(
        owner.tap_data(save_data, message_id=card.message_id),
        owner.tap_data(save_data, message_id=card.message_id),
    )

    assert await kopeyka.count_entries() == 1


async def test_owner_picks_another_category_and_date_and_adds_a_comment(kopeyka: Running) -> None:
    owner = kopeyka.owner
    await owner.send("15к реклама на авито")
    assert "Маркетинг" in owner.last_message().body

    await owner.tap("📂 Категория")
    await owner.tap("Услуги")
    assert "Категория: Услуги" in owner.last_message().body

    await owner.tap("📅 Дата")
    await owner.tap("Вчера")
    assert "22.11.2026" in owner.last_message().body

    await owner.tap("💬 Комментарий")
    assert "комментарий" in owner.last_message().body.lower()
    await owner.send("за ноябрь, счёт 42")
    card = owner.last_message()
    assert "Комментарий: за ноябрь, счёт 42" in card.body
    await owner.tap("✅ Сохранить")

    [entry] = await kopeyka.entries()
    assert entry.amount_minor == -1_500_000
    assert await category_name(kopeyka, entry.category_id) == "Услуги"
    assert entry.entry_date.isoformat() == "2026-11-22"
    assert entry.comment == "за ноябрь, счёт 42"


async def test_a_typed_date_in_the_future_is_refused_and_the_draft_keeps_its_date(
    kopeyka: Running,
) -> None:
    owner = kopeyka.owner
    await owner.send("1500 такси")
    await owner.tap("📅 Дата")
    await owner.tap("Другая дата…")
    await owner.send("25.12.2026")
    assert "в будущем" in owner.last_message().body

    await owner.send("20.11")
    card = owner.last_message()
    assert "20.11.2026" in card.body
    await owner.tap("✅ Сохранить")
    [entry] = await kopeyka.entries()
    assert entry.entry_date.isoformat() == "2026-11-20"


async def test_cancelled_draft_records_nothing_and_its_old_save_button_is_stale(
    kopeyka: Running,
) -> None:
    owner = kopeyka.owner
    await owner.send("900 такси")
    card = owner.last_message()
    save_data = button_data(card, "✅ Сохранить")
    await owner.tap("✖ Отмена")
    assert "отменён" in owner.last_message().body

    await owner.tap_data(save_data, message_id=card.message_id)

    assert await kopeyka.count_entries() == 0
    assert "отменён" in owner.answers()[-1]
    status = await kopeyka.scalar(select(ExpenseDraftRow.status))
    assert status == "cancelled"


async def test_button_of_an_outdated_card_changes_nothing(kopeyka: Running) -> None:
    owner = kopeyka.owner
    await owner.send("500 такси")
    card = owner.last_message()
    old_save = button_data(card, "✅ Сохранить")
    await owner.tap("📂 Категория")
    await owner.tap("Закупки")

    await owner.tap_data(old_save, message_id=card.message_id)

    assert await kopeyka.count_entries() == 0
    assert "устарела" in owner.answers()[-1]


async def test_undo_posts_a_reversal_once(kopeyka: Running) -> None:
    owner = kopeyka.owner
    await owner.send("1500 такси")
    await owner.tap("✅ Сохранить")
    card = owner.last_message()
    undo = card.buttons[0]["callback_data"]

    await owner.tap("↩️ Отменить")
    assert await kopeyka.count_entries() == 1, "the first tap only asks"
    await owner.tap("Да, отменить №1")
    assert "отменён" in owner.last_message().body
    await owner.tap_data(undo, message_id=card.message_id)

    entries = await kopeyka.entries()
    assert [e.kind for e in entries] == ["expense", "reversal"]
    assert entries[1].amount_minor == 150000
    assert entries[1].reverses_entry_id == entries[0].id
    assert entries[1].category_id == entries[0].category_id
    assert entries[1].entry_date == entries[0].entry_date
    assert "Уже отменено" in owner.answers()[-1]


async def test_history_lists_entries_and_undoes_any_of_them(kopeyka: Running) -> None:
    owner = kopeyka.owner
    for text in ("100 такси", "200 бензин"):
        await owner.send(text)
        await owner.tap("✅ Сохранить")

    await owner.send("/history")
    listing = owner.last_message()
    assert "№1" in listing.body
    assert "№2" in listing.body
    await owner.tap("Отменить №1")
    assert owner.buttons() == ["Нет, оставить", "Да, отменить №1"]
    await owner.tap("Да, отменить №1")

    entries = await kopeyka.entries()
    assert entries[-1].reverses_entry_id == entries[0].id
    [redrawn] = [m for m in owner.tg.chat(owner.id) if m.message_id == listing.message_id]
    assert "(отменена)" in redrawn.body, "the page itself shows the undo"
    await owner.send("/history")
    assert owner.buttons() == ["Отменить №2", "🏷 Категория", "📅 Месяц"]


async def test_receipt_photo_with_a_caption_becomes_a_draft_with_the_receipt(
    kopeyka: Running,
) -> None:
    owner = kopeyka.owner
    await owner.send_photo(b"\x89PNG fake receipt bytes", caption="1500 такси")
    assert "Чек: приложен" in owner.last_message().body
    await owner.tap("✅ Сохранить")
    [entry] = await kopeyka.entries()
    assert entry.receipt_file_id


async def test_a_receipt_alone_waits_for_its_line_and_is_kept_with_it(
    kopeyka: Running,
) -> None:
    owner = kopeyka.owner
    await owner.send_photo(b"\x89PNG fake receipt bytes")
    assert "Чек получен" in owner.last_message().body
    assert await kopeyka.scalar(select(func.count(ExpenseDraftRow.id))) == 0

    await owner.send("700 бумага")
    assert "Чек: приложен" in owner.last_message().body
    await owner.tap("✅ Сохранить")
    [entry] = await kopeyka.entries()
    assert (entry.amount_minor, entry.description) == (-70000, "бумага")
    assert entry.receipt_file_id


async def test_a_receipt_alone_joins_the_open_draft(kopeyka: Running) -> None:
    owner = kopeyka.owner
    await owner.send("1500 такси")
    assert "Чек" not in owner.last_message().body

    await owner.send_photo(b"\x89PNG fake receipt bytes")
    assert "Чек: приложен" in owner.last_message().body
    await owner.tap("✅ Сохранить")
    [entry] = await kopeyka.entries()
    assert entry.receipt_file_id


async def test_expense_command_works_like_a_typed_expense(kopeyka: Running) -> None:
    owner = kopeyka.owner
    await owner.send("/expense 1 500 руб такси")
    assert rub("1 500,00 ₽") in owner.last_message().body
    await owner.send("/expense")
    assert "Напишите сумму" in owner.last_message().body


async def test_the_word_filed_twice_under_a_category_makes_the_third_guess(
    kopeyka: Running,
) -> None:
    owner = kopeyka.owner
    # "такси" is a seed keyword of Транспорт; this owner files taxis under Маркетинг.
    for expected_guess in ("Транспорт", "Транспорт"):
        await owner.send("800 такси для промоутеров")
        assert f"Категория: {expected_guess}" in owner.last_message().body
        await owner.tap("📂 Категория")
        await owner.tap("Маркетинг")
        await owner.tap("✅ Сохранить")

    await owner.send("1200 такси")
    assert "Категория: Маркетинг" in owner.last_message().body


async def test_a_word_no_keyword_knows_is_learned_from_the_first_filing(kopeyka: Running) -> None:
    owner = kopeyka.owner
    await owner.send("800 шиномонтаж")
    assert "Категория: Прочее" in owner.last_message().body
    await owner.tap("📂 Категория")
    await owner.tap("Транспорт")
    await owner.tap("✅ Сохранить")

    await owner.send("1200 шиномонтаж зимний")
    assert "Категория: Транспорт" in owner.last_message().body


async def test_a_date_word_in_the_expense_line_dates_the_draft(kopeyka: Running) -> None:
    owner = kopeyka.owner
    await owner.send("2 300,50 бензин вчера")
    card = owner.last_message().body
    assert rub("2 300,50 ₽") in card
    assert "22.11.2026" in card
    assert "Описание: бензин" in card


async def test_bad_amounts_get_a_reason_and_leave_no_draft(kopeyka: Running) -> None:
    owner = kopeyka.owner
    expectations = {
        "0 такси": "не может быть нулевой",
        "-1500 такси": "без минуса",
        "5000000000 такси": "Слишком большая сумма",
        "10,555 такси": "двух знаков копеек",
        "такси без суммы": "Не вижу суммы",
        "1500 такси завтра": "в будущем",
    }
    for text, reason in expectations.items():
        await owner.send(text)
        assert reason in owner.last_message().body, text

    assert await kopeyka.scalar(select(func.count(ExpenseDraftRow.id))) == 0
    assert await kopeyka.count_entries() == 0


async def test_an_overlong_comment_is_refused_and_the_draft_keeps_waiting(
    kopeyka: Running,
) -> None:
    owner = kopeyka.owner
    await owner.send("1500 такси")
    await owner.tap("💬 Комментарий")
    await owner.send("а" * 1001)
    assert "до 1000 символов" in owner.last_message().body

    await owner.send("короткий")
    assert "Комментарий: короткий" in owner.last_message().body


async def test_save_tapped_twice_never_undoes_and_no_keeps_the_entry(kopeyka: Running) -> None:
    owner = kopeyka.owner
    await owner.send("1500 такси")
    card = owner.last_message()
    first_button = card.buttons[0]["text"]

    await owner.tap(first_button)  # save
    await owner.tap(owner.last_message().buttons[0]["text"])  # the same spot again: undo asks
    assert owner.buttons() == ["Нет, оставить", "Да, отменить №1"]
    await owner.tap(owner.last_message().buttons[0]["text"])  # and again: "no"

    assert [e.kind for e in await kopeyka.entries()] == ["expense"]
    assert owner.buttons() == ["↩️ Отменить"]


async def test_a_yes_tapped_too_late_undoes_nothing_and_says_to_ask_again(
    kopeyka: Running,
) -> None:
    owner = kopeyka.owner
    await owner.send("1500 такси")
    await owner.tap("✅ Сохранить")
    await owner.tap("↩️ Отменить")

    kopeyka.context.clock.advance(timedelta(minutes=3))
    await owner.tap("Да, отменить №1")

    assert "устарела" in owner.answers()[-1]
    assert [e.kind for e in await kopeyka.entries()] == ["expense"]


def numbers(listing: str) -> list[int]:
    """The entry numbers a /history page shows, in order."""
    return [int(found) for found in re.findall(r"№(\d+)", listing)]


async def test_history_pages_back_through_every_entry(kopeyka: Running) -> None:
    context = kopeyka.context
    async with context.database.unit_of_work() as uow:
        services = context.services(uow)
        owner_actor = await services.users.resolve(Person(kopeyka.owner.id, "Ольга"))
        taxi = next(c for c in await services.categories.active() if c.name == "Транспорт")
        async with uow.write():
            journal = Journal(uow, context.clock)
            for rubles in range(1, 26):
                await journal.post(
                    owner_actor,
                    Posting(
                        EntryKind.EXPENSE,
                        Money(Decimal(rubles)),
                        taxi.id,
                        MoneyAccount.OWNER_POCKET,
                        context.clock.today(),
                        description="такси",
                    ),
                )
            await uow.commit()
    owner = kopeyka.owner

    await owner.send("/history")
    first = owner.last_message()
    assert numbers(first.body) == list(range(25, 15, -1))
    assert "◀ Раньше" in owner.buttons()
    assert "⏮ Последние" not in owner.buttons()

    await owner.tap("◀ Раньше")
    second = owner.last_message()
    assert second.message_id == first.message_id  # the same message, turned
    assert numbers(second.body) == list(range(15, 5, -1))
    assert {"⏮ Последние", "◀ Раньше"} <= set(owner.buttons())

    await owner.tap("◀ Раньше")
    last = owner.last_message()
    assert numbers(last.body) == [5, 4, 3, 2, 1]
    assert "◀ Раньше" not in owner.buttons()
    await owner.tap("⏮ Последние")
    assert "№25" in owner.last_message().body
