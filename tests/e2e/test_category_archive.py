"""The owner archives, restores and merges categories from /categories: two taps for the
destructive ones, and a stale, late or forged button changes nothing and says why."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from ledger.storage.models import AuditRow, CategoryRow
from ledger.users import Person
from tests.e2e.conftest import OWNER_ID, Running, button_data
from tests.fakes.telegram_state import utf16_len
from tests.fakes.telegram_user import FakeUser

CARD = ["✏️ Переименовать", "🗄 В архив", "🔀 Объединить с…", "← Назад"]


async def category_id(kopeyka: Running, name: str) -> int:
    return await kopeyka.scalar(select(CategoryRow.id).where(CategoryRow.name == name))


async def is_active(kopeyka: Running, name: str) -> bool:
    return await kopeyka.scalar(select(CategoryRow.is_active).where(CategoryRow.name == name))


async def audit_count(kopeyka: Running) -> int:
    return await kopeyka.scalar(
        select(func.count(AuditRow.id)).where(AuditRow.action.like("category.%"))
    )


async def test_archiving_takes_two_taps_and_the_category_leaves_the_card_but_not_history(
    kopeyka: Running,
) -> None:
    owner = kopeyka.owner
    await owner.send("1500 такси")
    await owner.tap("✅ Сохранить")

    await owner.send("/categories")
    await owner.tap("Транспорт")
    assert owner.buttons() == CARD
    await owner.tap("🗄 В архив")
    assert "Убрать «Транспорт» в архив?" in owner.last_message().body
    assert owner.buttons() == ["Нет, оставить", "Да, в архив"]
    assert await is_active(kopeyka, "Транспорт")
    await owner.tap("Да, в архив")

    assert "«Транспорт» в архиве" in owner.last_message().body
    assert "Транспорт" not in owner.buttons()
    assert "🗄 Архив (1)" in owner.buttons()
    assert not await is_active(kopeyka, "Транспорт")
    await owner.send("700 такси")
    assert "Прочее" in owner.last_message().body  # never guessed any more
    await owner.tap("📂 Категория")
    assert "Транспорт" not in owner.buttons()
    await owner.send("/history")
    assert "Транспорт" in owner.last_message().body


async def test_no_keeps_the_category_and_a_late_yes_archives_nothing(kopeyka: Running) -> None:
    owner = kopeyka.owner
    await owner.send("/categories")
    await owner.tap("Аренда")
    await owner.tap("🗄 В архив")
    await owner.tap("Нет, оставить")
    assert owner.buttons() == CARD

    await owner.tap("🗄 В архив")
    kopeyka.context.clock.advance(timedelta(minutes=3))
    await owner.tap("Да, в архив")

    assert "Кнопка устарела" in owner.answers()[-1]
    assert await is_active(kopeyka, "Аренда")
    assert await audit_count(kopeyka) == 0


async def test_the_archive_lists_what_is_there_and_a_tap_brings_it_back(
    kopeyka: Running,
) -> None:
    owner = kopeyka.owner
    await owner.send("/categories")
    await owner.tap("Налоги")
    await owner.tap("🗄 В архив")
    await owner.tap("Да, в архив")

    await owner.tap("🗄 Архив (1)")
    assert "Архив категорий" in owner.last_message().body
    assert "• Налоги" in owner.last_message().body
    await owner.tap("↩️ Налоги")

    assert "«Налоги» снова в списке" in owner.last_message().body
    assert "Налоги" in owner.buttons()  # the archive is empty: back to the list
    assert await is_active(kopeyka, "Налоги")
    await owner.send("3000 ндфл")
    assert "Налоги" in owner.last_message().body  # guessed again


async def test_merging_asks_once_a_target_is_chosen_and_history_shows_the_target(
    kopeyka: Running,
) -> None:
    owner = kopeyka.owner
    await owner.send("1500 такси")
    await owner.tap("✅ Сохранить")

    await owner.send("/categories")
    await owner.tap("Транспорт")
    await owner.tap("🔀 Объединить с…")
    assert "С какой категорией объединить «Транспорт»?" in owner.last_message().body
    targets = owner.buttons()
    assert targets[0] == "← Назад"
    assert "Транспорт" not in targets
    await owner.tap("Закупки")
    assert "Объединить «Транспорт» с «Закупки»?" in owner.last_message().body
    assert owner.buttons() == ["Нет, оставить", "Да, объединить"]
    await owner.tap("Да, объединить")

    assert "«Транспорт» объединена с «Закупки»" in owner.last_message().body
    merged_into = await kopeyka.scalar(
        select(CategoryRow.merged_into_id).where(CategoryRow.name == "Транспорт")
    )
    assert merged_into == await category_id(kopeyka, "Закупки")
    [entry] = await kopeyka.entries()
    assert entry.category_id == await category_id(kopeyka, "Транспорт")  # never rewritten
    await owner.send("/history")
    assert "Закупки" in owner.last_message().body
    assert "Транспорт" not in owner.last_message().body

    await owner.send("/categories")
    await owner.tap("🗄 Архив (1)")
    assert "Транспорт → объединена с «Закупки»" in owner.last_message().body


async def test_the_fallback_cannot_be_archived_or_merged_away(kopeyka: Running) -> None:
    owner = kopeyka.owner
    await owner.send("/categories")
    await owner.tap("Прочее")
    await owner.tap("🗄 В архив")
    assert "нельзя убрать" in owner.answers()[-1]
    await owner.tap("🔀 Объединить с…")
    await owner.tap("Аренда")
    assert "нельзя убрать" in owner.answers()[-1]

    assert await is_active(kopeyka, "Прочее")
    assert owner.buttons()[0] == "← Назад"  # still the list of targets


async def test_stale_and_forged_category_buttons_change_nothing(kopeyka: Running) -> None:
    owner = kopeyka.owner
    await owner.send("/categories")
    await owner.tap("Аренда")
    card = owner.last_message()
    archive = button_data(card, "🗄 В архив")
    await owner.tap("🗄 В архив")
    await owner.tap("Да, в архив")

    await owner.tap_data(archive, message_id=card.message_id)  # the old card's button
    assert "уже в архиве" in owner.answers()[-1]
    rent = await category_id(kopeyka, "Аренда")
    taxes = await category_id(kopeyka, "Налоги")
    until = int((kopeyka.context.clock.now() + timedelta(minutes=1)).timestamp())
    forged = {
        f"cat:merge_yes:{taxes}:{taxes}:{until}:0": "с ней самой",
        f"cat:merge_ask:{taxes}:{rent}:0:0": "не из архива",
        "cat:open:9999:0:0:0": "Такой категории нет",
        f"cat:restore:{taxes}:0:0:0": "уже в списке",
        f"cat:explode:{taxes}:0:0:0": "Кнопка не распознана",
    }
    for data, answer in forged.items():
        await owner.tap_data(data, message_id=card.message_id)
        assert answer in owner.answers()[-1], data

    assert await is_active(kopeyka, "Налоги")
    assert await audit_count(kopeyka) == 1  # the one archive


async def test_a_category_archived_while_its_picker_was_open_is_refused_there(
    kopeyka: Running,
) -> None:
    owner = kopeyka.owner
    await owner.send("500 такси")
    await owner.tap("📂 Категория")
    picker = owner.last_message()
    await owner.send("/categories")
    await owner.tap("Аренда")
    await owner.tap("🗄 В архив")
    await owner.tap("Да, в архив")

    await owner.tap("Аренда", message_id=picker.message_id)

    assert "уже в архиве" in owner.answers()[-1]
    await owner.tap("← Назад", message_id=picker.message_id)
    await owner.tap("✅ Сохранить", message_id=picker.message_id)
    [entry] = await kopeyka.entries()
    assert entry.category_id == await category_id(kopeyka, "Транспорт")


async def test_a_cashier_cannot_archive_even_with_a_forged_button(
    kopeyka: Running, cashier: FakeUser
) -> None:
    rent = await category_id(kopeyka, "Аренда")
    until = int((kopeyka.context.clock.now() + timedelta(minutes=1)).timestamp())
    await cashier.send("/help")

    await cashier.tap_data(
        f"cat:archive_yes:{rent}:0:{until}:0", message_id=cashier.last_message().message_id
    )

    assert "недоступно для вашей роли" in cashier.answers()[-1]
    assert await is_active(kopeyka, "Аренда")


async def test_long_lists_are_paged_and_every_page_fits_a_message(kopeyka: Running) -> None:
    owner = kopeyka.owner
    async with kopeyka.context.database.unit_of_work() as uow:
        services = kopeyka.context.services(uow)
        actor = await services.users.resolve(Person(OWNER_ID, "Ольга"))
        assert actor is not None
        for number in range(40):
            added = await services.categories.add(actor, f"{number:02d} " + "ы" * 37)
            until = await services.categories.ask_to_archive(actor, added.id)
            if number % 2:
                await services.categories.archive(actor, added.id, confirmed_until=until)

    await owner.send("/categories")
    first = owner.buttons()
    assert "Следующие ▶" in first
    assert len(first) < 100
    await owner.tap("Следующие ▶")
    second = owner.buttons()
    assert "◀ Предыдущие" in second
    assert not set(first) & set(second) - {"➕ Новая категория", "🗄 Архив (20)"}

    await owner.tap("🗄 Архив (20)")
    assert utf16_len(owner.last_message().body) < 4096
    assert "Следующие ▶" in owner.buttons()
    await owner.tap("Следующие ▶")
    assert "ы" * 37 in owner.last_message().body
    await owner.tap(f"↩️ 39 {'ы' * 37}")
    assert "снова в списке" in owner.last_message().body
