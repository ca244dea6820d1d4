"""The owner adds and renames categories in the bot; new ones are offered on the card."""

from __future__ import annotations

from sqlalchemy import select

from ledger.storage.models import AuditRow, CategoryRow
from tests.e2e.conftest import Running


async def test_owner_adds_a_category_and_files_an_expense_under_it(kopeyka: Running) -> None:
    owner = kopeyka.owner
    await owner.send("/categories")
    await owner.tap("➕ Новая категория")
    await owner.send("Ремонт  офиса")
    assert "«Ремонт офиса» добавлена" in owner.last_message().body

    await owner.send("3000 краска")
    await owner.tap("📂 Категория")
    assert "Ремонт офиса" in owner.buttons()
    await owner.tap("Ремонт офиса")
    await owner.tap("✅ Сохранить")
    [entry] = await kopeyka.entries()
    name = await kopeyka.scalar(select(CategoryRow.name).where(CategoryRow.id == entry.category_id))
    assert name == "Ремонт офиса"


async def test_renaming_keeps_the_entries_and_refuses_a_taken_name(kopeyka: Running) -> None:
    owner = kopeyka.owner
    await owner.send("1500 такси")
    await owner.tap("✅ Сохранить")

    await owner.send("/categories")
    await owner.tap("Транспорт")
    await owner.tap("✏️ Переименовать")
    await owner.send("маркетинг")
    assert "уже есть" in owner.last_message().body
    await owner.send("Поездки")
    assert "«Поездки»" in owner.last_message().body

    await owner.send("/history")
    assert "Поездки" in owner.last_message().body
    actions = set(
        (await kopeyka.scalar(select(AuditRow.action).where(AuditRow.action.like("category.%"))),)
    )
    assert actions == {"category.renamed"}


async def category_names(kopeyka: Running) -> set[str]:
    async with kopeyka.context.database.read() as session:
        return set(await session.scalars(select(CategoryRow.name)))


async def test_a_command_ends_the_name_prompt_and_the_next_expense_is_an_expense(
    kopeyka: Running,
) -> None:
    owner = kopeyka.owner
    await owner.send("/categories")
    await owner.tap("➕ Новая категория")
    assert "/cancel" in owner.last_message().body  # the prompt says how to leave

    await owner.send("/history")
    await owner.send("200 такси")

    assert "Новый расход" in owner.last_message().body
    assert "200 такси" not in await category_names(kopeyka)


async def test_an_expense_typed_at_the_rename_prompt_renames_nothing(kopeyka: Running) -> None:
    owner = kopeyka.owner
    await owner.send("/categories")
    await owner.tap("Зарплаты")
    await owner.tap("✏️ Переименовать")
    await owner.send("500 такси")

    assert "Новый расход" in owner.last_message().body
    assert "Зарплаты" in await category_names(kopeyka)


async def test_a_refused_name_asks_again_and_an_expense_then_still_leaves(
    kopeyka: Running,
) -> None:
    owner = kopeyka.owner
    await owner.send("/categories")
    await owner.tap("➕ Новая категория")
    await owner.send("о" * 41)
    assert "Напишите другое название или /cancel" in owner.last_message().body

    await owner.send("канцелярия 500")
    assert "Новый расход" in owner.last_message().body
    assert "канцелярия 500" not in await category_names(kopeyka)
    await owner.send("/cancel")  # nothing is waiting any more: /cancel is just a command
    assert await kopeyka.count_entries() == 0
