"""Telegram redelivery, the webhook's secret, and drafts that outlive a restart."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from ledger.clock import FrozenClock
from ledger.storage.models import ExpenseDraftRow, ProcessedUpdateRow
from tests.e2e.conftest import OWNER_ID, Running, button_data, make_settings, start_app
from tests.fakes.telegram import FakeTelegram


@pytest.fixture
def mode() -> str:
    return "webhook"


async def test_a_redelivered_update_is_handled_once(kopeyka: Running) -> None:
    update = kopeyka.owner.text_update("1500 такси")

    await kopeyka.telegram.deliver(update)
    await kopeyka.telegram.deliver(update)

    assert [status for _, status in kopeyka.telegram.webhook_deliveries] == [200, 200]
    drafts = await kopeyka.scalar(select(func.count(ExpenseDraftRow.id)))
    assert drafts == 1
    assert len(kopeyka.telegram.calls_of("sendMessage")) == 1
    handled = await kopeyka.scalar(select(func.count(ProcessedUpdateRow.update_id)))
    assert handled == 1


async def test_a_webhook_post_without_the_right_secret_is_refused_and_changes_nothing(
    kopeyka: Running,
) -> None:
    assert kopeyka.telegram.webhook is not None
    kopeyka.telegram.webhook.secret_token = "someone-else"
    update = kopeyka.owner.text_update("1500 такси")

    await kopeyka.telegram.deliver(update)

    assert kopeyka.telegram.webhook_deliveries[-1][1] == 403
    assert await kopeyka.scalar(select(func.count(ExpenseDraftRow.id))) == 0
    assert kopeyka.telegram.calls_of("sendMessage") == []


@pytest.mark.parametrize("restart_mode", ["polling", "webhook"])
async def test_a_half_filled_draft_survives_a_restart(
    restart_mode: str,
    telegram: FakeTelegram,
    engine: AsyncEngine,
    database_url: str,
    clock: FrozenClock,
    tmp_path: Path,
) -> None:
    settings = make_settings(telegram, database_url, tmp_path)
    owner = telegram.user(OWNER_ID, "Ольга")
    async with start_app(restart_mode, telegram, settings, engine, clock):
        await owner.send("1500 такси")
        await owner.tap("💬 Комментарий")

    # A new process: new dispatcher, new bot, same database.
    async with start_app(restart_mode, telegram, settings, engine, clock) as (context, _, _):
        await owner.send("до аэропорта")
        assert "Комментарий: до аэропорта" in owner.last_message().body
        await owner.tap("✅ Сохранить")
        async with context.database.read() as session:
            draft = (await session.execute(select(ExpenseDraftRow))).scalar_one()
        assert draft.status == "saved"
        assert draft.comment == "до аэропорта"


async def test_a_redelivered_save_tap_is_dropped_silently(kopeyka: Running) -> None:
    owner = kopeyka.owner
    await owner.send("1500 такси")
    card = owner.last_message()
    save = button_data(card, "✅ Сохранить")
    update = owner.callback_update(save, message_id=card.message_id)

    await kopeyka.telegram.deliver(update)
    answers_after_first = len(owner.answers())
    await kopeyka.telegram.deliver(update)

    assert await kopeyka.count_entries() == 1
    assert len(owner.answers()) == answers_after_first, "the repeat says nothing"


async def test_a_redelivered_invite_acceptance_is_dropped_silently(kopeyka: Running) -> None:
    owner = kopeyka.owner
    await owner.send("/invite")
    await owner.tap("кассир")
    token = owner.last_message().body.split("?start=", 1)[1].split()[0]
    cashier = kopeyka.telegram.user(7770010, "Кира")
    update = cashier.text_update(f"/start {token}")

    await kopeyka.telegram.deliver(update)
    await kopeyka.telegram.deliver(update)

    assert [m.body for m in kopeyka.telegram.chat(cashier.id)][-1].startswith("Готово")
    assert len(kopeyka.telegram.chat(cashier.id)) == 1


async def test_a_new_bot_token_on_the_same_database_is_not_taken_for_repeats(
    telegram: FakeTelegram,
    engine: AsyncEngine,
    database_url: str,
    clock: FrozenClock,
    tmp_path: Path,
) -> None:
    settings = make_settings(telegram, database_url, tmp_path)
    async with start_app("webhook", telegram, settings, engine, clock):
        await telegram.user(OWNER_ID, "Ольга").send("1500 такси")

    # Telegram numbers updates per bot: the new bot's first update has the old one's id.
    async with FakeTelegram(token="654321:ANOTHER-bot") as other:
        settings = make_settings(other, database_url, tmp_path)
        async with start_app("webhook", other, settings, engine, clock):
            owner = other.user(OWNER_ID, "Ольга")
            await owner.send("700 парковка")
            assert "Новый расход" in owner.last_message().body
