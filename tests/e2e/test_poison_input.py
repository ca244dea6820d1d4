"""Poison input on the wire: control characters in what people send, a Telegram webhook
POST that is not what Telegram sends, and files that are not what they claim to be.

Each is answered (or refused) and changes nothing it should not; none fails an update on
PostgreSQL, which refuses a NUL in text, so a redelivery could never get past it.
"""

from __future__ import annotations

from sqlalchemy import select

from ledger.storage.models import EntryRow, ExpenseDraftRow, UserRow
from tests.e2e.conftest import Running, button_data


async def test_a_nul_and_other_control_characters_are_taken_out_of_a_message(
    kopeyka: Running,
) -> None:
    owner = kopeyka.owner

    await owner.send("1500 так\x00си\x07 до\r\nаэропорта\x1b")

    assert "Описание: такси до аэропорта" in owner.last_message().body
    await owner.tap("✅ Сохранить")
    [entry] = await kopeyka.entries()
    assert entry.description == "такси до аэропорта"


async def test_half_an_emoji_in_a_message_is_dropped_and_the_rest_kept(
    kopeyka: Running,
) -> None:
    owner = kopeyka.owner

    await owner.send("1500 такси \ud83d 🚕")

    await owner.tap("✅ Сохранить")
    description = await kopeyka.scalar(select(EntryRow.description))
    assert description == "такси 🚕"


async def test_a_nul_in_a_caption_and_a_comment_is_taken_out(kopeyka: Running) -> None:
    owner = kopeyka.owner
    await owner.send_photo(b"\x89PNG\r\n\x1a\n a receipt", caption="990\x00 кофе")
    await owner.tap("💬 Комментарий")
    await owner.send("с кол\x00легой")

    draft = await kopeyka.scalar(select(ExpenseDraftRow))
    assert draft.description == "кофе"
    assert draft.amount_minor == 99000
    assert draft.comment == "с коллегой"


async def test_a_nul_in_a_persons_name_is_taken_out_before_they_are_stored(
    kopeyka: Running,
) -> None:
    owner = kopeyka.telegram.user(
        kopeyka.owner.id, "Оль\x00га", last_name="Ив\x01анова", username="owner_olga"
    )

    await owner.send("/start")

    assert "Ольга" in owner.last_message().body
    name = await kopeyka.scalar(select(UserRow.name))
    assert name == "Ольга Иванова"


async def test_a_nul_in_callback_data_is_taken_out_and_the_tap_is_answered(
    kopeyka: Running,
) -> None:
    owner = kopeyka.owner
    await owner.send("1500 такси")
    card = owner.last_message()
    save = button_data(card, "✅ Сохранить")

    await owner.tap_data("\x00" + save, message_id=card.message_id)

    assert await kopeyka.count_entries() == 1
    assert owner.answers()[-1] == "Сохранено"
