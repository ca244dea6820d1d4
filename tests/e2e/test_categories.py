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
    await owner.tap("✏️ Транспорт")
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
