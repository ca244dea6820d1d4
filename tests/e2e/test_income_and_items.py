"""Income by hand and several items in one message, end to end through the fake Telegram."""

from __future__ import annotations

from sqlalchemy import select

from bot.callbacks import DraftAction, DraftCallback
from ledger.storage.models import CategoryRow, ExpenseDraftRow
from tests.e2e.conftest import Running, button_data
from tests.fakes.telegram_user import FakeUser

NBSP = "\u00a0"


def rub(text: str) -> str:
    return text.replace(" ", NBSP)


async def category_of(kopeyka: Running, category_id: int) -> str:
    return await kopeyka.scalar(select(CategoryRow.name).where(CategoryRow.id == category_id))


async def test_a_plus_makes_income_saved_as_income_with_an_income_category(
    kopeyka: Running,
) -> None:
    owner = kopeyka.owner
    await owner.send("+50000 оплата Иванов")

    card = owner.last_message()
    assert "🟢" in card.body
    assert "Новый доход" in card.body
    assert rub("50 000,00 ₽") in card.body
    assert "Продажи" in card.body
    assert "↔️ Это расход" in owner.buttons()

    await owner.tap("✅ Сохранить")

    assert "Доход сохранён" in owner.last_message().body
    [entry] = await kopeyka.entries()
    assert entry.kind == "income"
    assert entry.amount_minor == 5_000_000
    assert entry.description == "оплата Иванов"
    assert await category_of(kopeyka, entry.category_id) == "Продажи"


async def test_the_income_command_and_the_word_make_income_too(kopeyka: Running) -> None:
    owner = kopeyka.owner
    await owner.send("/income")
    assert "+50000 оплата Иванов" in owner.last_message().body

    await owner.send("/income 12000 консультация")
    assert "Новый доход" in owner.last_message().body
    await owner.send("доход 3000")
    assert "Новый доход" in owner.last_message().body
    assert "Прочие доходы" in owner.last_message().body
    assert await kopeyka.count_entries() == 0, "nothing is booked before the tap"


async def test_an_expense_turned_into_income_with_one_tap_and_back(kopeyka: Running) -> None:
    owner = kopeyka.owner
    await owner.send("оплата от клиента 40000")
    assert "Новый расход" in owner.last_message().body

    await owner.tap("↔️ Это доход")
    card = owner.last_message()
    assert "Новый доход" in card.body
    assert "Продажи" in card.body
    await owner.tap("📂 Категория")
    assert "Прочие доходы" in owner.buttons()
    assert "Транспорт" not in owner.buttons(), "only income categories for income"
    await owner.tap("Прочие доходы")
    await owner.tap("✅ Сохранить")

    [entry] = await kopeyka.entries()
    assert entry.kind == "income"
    assert await category_of(kopeyka, entry.category_id) == "Прочие доходы"


async def test_several_items_are_one_card_and_each_its_own_entry(kopeyka: Running) -> None:
    owner = kopeyka.owner
    await owner.send("такси 350, кофе 180")

    card = owner.last_message()
    assert "Новые расходы: 2 позиции" in card.body
    assert "такси · Транспорт" in card.body
    assert rub("530,00 ₽") in card.body
    assert owner.buttons() == ["✅ Сохранить все (2)", "✖ Отмена", "✏️ По одной"]

    await owner.tap("✅ Сохранить все (2)")

    assert "Сохранено 2 записи" in owner.last_message().body
    entries = await kopeyka.entries()
    assert sorted((e.description, e.amount_minor) for e in entries) == [
        ("кофе", -18000),
        ("такси", -35000),
    ]


async def test_save_all_tapped_twice_saves_each_item_once(kopeyka: Running) -> None:
    owner = kopeyka.owner
    await owner.send("такси 350\nкофе 180\nбумага 3 шт по 200")
    card = owner.last_message()
    save_all = button_data(card, "✅ Сохранить все (3)")

    await owner.tap_data(save_all, message_id=card.message_id)
    await owner.tap_data(save_all, message_id=card.message_id)

    assert await kopeyka.count_entries() == 3
    assert "уже сохранён" in owner.answers()[-1]


async def test_one_by_one_splits_the_card_and_the_old_card_stops_working(
    kopeyka: Running,
) -> None:
    owner = kopeyka.owner
    await owner.send("такси 350, кофе 180")
    batch_card = owner.last_message()
    save_all = button_data(batch_card, "✅ Сохранить все (2)")

    await owner.tap("✏️ По одной")

    cards = [m for m in owner.tg.chat(owner.id) if "Новый расход" in m.body]
    assert len(cards) == 2
    await owner.tap_data(save_all, message_id=batch_card.message_id)
    assert await kopeyka.count_entries() == 0, "the batch card is outdated once split"
    await owner.tap("✅ Сохранить", message_id=cards[0].message_id)
    [entry] = await kopeyka.entries()
    assert entry.description == "такси"


async def test_cancelling_the_card_cancels_every_item(kopeyka: Running) -> None:
    owner = kopeyka.owner
    await owner.send("такси 350, кофе 180")
    await owner.tap("✖ Отмена")

    assert "ничего не записано" in owner.last_message().body
    statuses = await kopeyka.scalar(
        select(ExpenseDraftRow.status).where(ExpenseDraftRow.status == "open").limit(1)
    )
    assert statuses is None
    assert await kopeyka.count_entries() == 0


async def test_a_bad_item_refuses_the_message_and_books_nothing(kopeyka: Running) -> None:
    owner = kopeyka.owner
    await owner.send("такси 350, кофе 1e3")

    assert "1e3" in owner.last_message().body
    assert await kopeyka.scalar(select(ExpenseDraftRow.id).limit(1)) is None


async def test_a_cashier_cannot_save_the_owners_batch_with_a_forged_button(
    kopeyka: Running, cashier: FakeUser
) -> None:
    owner = kopeyka.owner
    await owner.send("такси 350, кофе 180")
    save_all = button_data(owner.last_message(), "✅ Сохранить все (2)")

    await cashier.send("/help")
    await cashier.tap_data(save_all, message_id=cashier.last_message().message_id)

    assert "недоступно для вашей роли" in cashier.answers()[-1]
    assert await kopeyka.count_entries() == 0


async def test_a_forged_pick_of_an_expense_category_for_income_is_refused(
    kopeyka: Running,
) -> None:
    owner = kopeyka.owner
    await owner.send("+50000 оплата Иванов")
    card = owner.last_message()
    draft = await kopeyka.scalar(select(ExpenseDraftRow).limit(1))
    transport = await kopeyka.scalar(select(CategoryRow.id).where(CategoryRow.name == "Транспорт"))
    forged = DraftCallback(
        draft_id=draft.id,
        revision=draft.revision,
        action=DraftAction.PICK_CATEGORY,
        value=transport,
    ).pack()

    await owner.tap_data(forged, message_id=card.message_id)

    assert await kopeyka.scalar(select(ExpenseDraftRow.category_id).limit(1)) == draft.category_id
    assert await category_of(kopeyka, draft.category_id) == "Продажи"
