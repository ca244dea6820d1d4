"""A crash between the commit and the answer: the redelivered update is answered from what
was stored, and nothing is applied twice.

The process "dies" as the update's first reply leaves: a request middleware on the bot's
session raises `CancelledError` there, as a process going away looks to the handler; the
webhook's connection drops unanswered, and Telegram delivers the update again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from aiogram import Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.methods import Response, TelegramMethod
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from ledger.clock import FrozenClock
from ledger.storage.models import ExpenseDraftRow, InviteRow, ProcessedUpdateRow
from tests.e2e.conftest import OWNER_ID, Running, button_data, make_settings, start_app
from tests.fakes.telegram import FakeTelegram


@pytest.fixture
def mode() -> str:
    return "webhook"


class DiesAtTheFirstReply(BaseRequestMiddleware):
    """Kills the update being handled as it calls one of `methods`, once."""

    def __init__(self, *methods: str) -> None:
        self.methods = set(methods)
        self.armed = False
        self.died = asyncio.Event()

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[Any],
        bot: Bot,
        method: TelegramMethod[Any],
    ) -> Response[Any]:
        if self.armed and type(method).__name__ in self.methods:
            self.armed = False
            self.died.set()
            raise asyncio.CancelledError
        return await make_request(bot, method)


@pytest.fixture
def crash(kopeyka: Running) -> Iterator[DiesAtTheFirstReply]:
    dies = DiesAtTheFirstReply("SendMessage", "EditMessageText", "AnswerCallbackQuery")
    kopeyka.bot.session.middleware(dies)
    yield dies
    kopeyka.bot.session.middleware.unregister(dies)


async def deliver_and_die(kopeyka: Running, crash: DiesAtTheFirstReply, update: dict) -> None:
    crash.armed = True
    await kopeyka.telegram.deliver(update)
    assert not crash.armed, "the update never got as far as its reply"
    assert kopeyka.telegram.webhook_deliveries[-1][1] != 200, "Telegram saw no answer"


async def count(kopeyka: Running, model: Any) -> int:
    return await kopeyka.scalar(select(func.count()).select_from(model))


async def test_a_message_whose_draft_was_made_before_a_crash_gets_its_card_on_redelivery(
    kopeyka: Running, crash: DiesAtTheFirstReply
) -> None:
    owner = kopeyka.owner
    update = owner.text_update("1500 такси")

    await deliver_and_die(kopeyka, crash, update)
    assert await count(kopeyka, ExpenseDraftRow) == 1, "the draft was committed"
    assert kopeyka.telegram.chat(owner.id) == [], "but no card reached the owner"

    await kopeyka.telegram.deliver(update)

    assert kopeyka.telegram.webhook_deliveries[-1][1] == 200
    assert "Новый расход" in owner.last_message().body
    assert "1\xa0500,00\xa0₽" in owner.last_message().body
    assert await count(kopeyka, ExpenseDraftRow) == 1
    await owner.tap("✅ Сохранить")
    assert await kopeyka.count_entries() == 1


async def test_an_update_answered_once_is_not_answered_again(
    kopeyka: Running, crash: DiesAtTheFirstReply
) -> None:
    owner = kopeyka.owner
    update = owner.text_update("1500 такси")
    await deliver_and_die(kopeyka, crash, update)
    await kopeyka.telegram.deliver(update)

    await kopeyka.telegram.deliver(update)

    assert len(kopeyka.telegram.calls_of("sendMessage")) == 1
    marker = await kopeyka.scalar(select(ProcessedUpdateRow))
    assert marker.answered_at is not None


async def test_several_items_made_before_a_crash_get_their_one_card_on_redelivery(
    kopeyka: Running, crash: DiesAtTheFirstReply
) -> None:
    owner = kopeyka.owner
    update = owner.text_update("такси 350, кофе 180")

    await deliver_and_die(kopeyka, crash, update)
    await kopeyka.telegram.deliver(update)

    assert "2 позиции" in owner.last_message().body
    assert await count(kopeyka, ExpenseDraftRow) == 2
    await owner.tap("✅ Сохранить все (2)")
    assert await kopeyka.count_entries() == 2


async def test_a_save_whose_entry_was_posted_before_a_crash_shows_the_saved_card_on_redelivery(
    kopeyka: Running, crash: DiesAtTheFirstReply
) -> None:
    owner = kopeyka.owner
    await owner.send("1500 такси")
    card = owner.last_message()
    update = owner.callback_update(button_data(card, "✅ Сохранить"), message_id=card.message_id)

    await deliver_and_die(kopeyka, crash, update)
    assert await kopeyka.count_entries() == 1
    assert "Новый расход" in owner.last_message().body, "the card still looks unsaved"

    await kopeyka.telegram.deliver(update)

    assert await kopeyka.count_entries() == 1
    assert "Расход сохранён" in owner.last_message().body
    assert owner.last_message().message_id == card.message_id, "the card itself, edited"
    assert owner.buttons() == ["↩️ Отменить"]
    assert owner.answers()[-1] == "Сохранено"


async def test_a_card_of_several_items_saved_before_a_crash_lists_its_entries_on_redelivery(
    kopeyka: Running, crash: DiesAtTheFirstReply
) -> None:
    owner = kopeyka.owner
    await owner.send("такси 350, кофе 180")
    card = owner.last_message()
    save = button_data(card, "✅ Сохранить все (2)")
    update = owner.callback_update(save, message_id=card.message_id)

    await deliver_and_die(kopeyka, crash, update)
    await kopeyka.telegram.deliver(update)

    assert await kopeyka.count_entries() == 2
    assert "Сохранено 2 записи" in owner.last_message().body
    assert "№1" in owner.last_message().body
    assert "№2" in owner.last_message().body


async def test_a_cancel_done_before_a_crash_shows_the_cancelled_card_on_redelivery(
    kopeyka: Running, crash: DiesAtTheFirstReply
) -> None:
    owner = kopeyka.owner
    await owner.send("1500 такси")
    card = owner.last_message()
    update = owner.callback_update(button_data(card, "✖ Отмена"), message_id=card.message_id)

    await deliver_and_die(kopeyka, crash, update)
    await kopeyka.telegram.deliver(update)

    assert "отменён" in owner.last_message().body
    assert owner.last_message().buttons == []
    assert await kopeyka.count_entries() == 0


async def test_a_save_that_died_after_its_toast_still_gets_its_card_edited(
    kopeyka: Running, crash: DiesAtTheFirstReply
) -> None:
    owner = kopeyka.owner
    await owner.send("1500 такси")
    card = owner.last_message()
    update = owner.callback_update(button_data(card, "✅ Сохранить"), message_id=card.message_id)
    crash.methods = {"EditMessageText"}

    await deliver_and_die(kopeyka, crash, update)
    assert owner.answers() == ["Сохранено"], "the toast went out; Telegram takes no second"
    await kopeyka.telegram.deliver(update)

    assert kopeyka.telegram.webhook_deliveries[-1][1] == 200
    assert "Расход сохранён" in owner.last_message().body
    assert await kopeyka.count_entries() == 1


async def test_an_undo_done_before_a_crash_shows_the_reversed_card_on_redelivery(
    kopeyka: Running, crash: DiesAtTheFirstReply
) -> None:
    owner = kopeyka.owner
    await owner.send("1500 такси")
    await owner.tap("✅ Сохранить")
    await owner.tap("↩️ Отменить")
    card = owner.last_message()
    yes = button_data(card, "Да, отменить №1")
    update = owner.callback_update(yes, message_id=card.message_id)

    await deliver_and_die(kopeyka, crash, update)
    assert await kopeyka.count_entries() == 2
    kopeyka.context.clock.advance(timedelta(minutes=10))  # long past the "yes" button's two minutes

    await kopeyka.telegram.deliver(update)

    entries = await kopeyka.entries()
    assert [entry.kind for entry in entries] == ["expense", "reversal"]
    assert "Расход №1 отменён" in owner.last_message().body
    assert owner.last_message().buttons == []


async def test_a_typed_comment_applied_before_a_crash_gets_its_card_on_redelivery(
    kopeyka: Running, crash: DiesAtTheFirstReply
) -> None:
    owner = kopeyka.owner
    await owner.send("1500 такси")
    await owner.tap("💬 Комментарий")
    update = owner.text_update("до аэропорта")
    crash.methods = {"SendMessage"}

    await deliver_and_die(kopeyka, crash, update)
    await kopeyka.telegram.deliver(update)

    assert "Комментарий: до аэропорта" in owner.last_message().body
    assert await count(kopeyka, ExpenseDraftRow) == 1, "not read as a new expense"
    await owner.send("700 парковка")
    assert "Новый расход" in owner.last_message().body, "the comment no longer waits"


async def test_a_receipt_attached_before_a_crash_gets_its_card_on_redelivery(
    kopeyka: Running, crash: DiesAtTheFirstReply
) -> None:
    owner = kopeyka.owner
    await owner.send("1500 такси")
    update = owner.photo_update(b"\xff\xd8\xff\xe0 a receipt")

    await deliver_and_die(kopeyka, crash, update)
    await kopeyka.telegram.deliver(update)

    assert "Чек: приложен" in owner.last_message().body
    draft = await kopeyka.scalar(select(ExpenseDraftRow))
    assert draft.receipt_file_id is not None
    assert draft.revision == 2, "attached once"


async def test_an_invite_accepted_before_a_crash_is_confirmed_on_redelivery(
    kopeyka: Running, crash: DiesAtTheFirstReply
) -> None:
    await kopeyka.owner.send("/invite")
    await kopeyka.owner.tap("кассир")
    token = kopeyka.owner.last_message().body.split("?start=", 1)[1].split()[0]
    cashier = kopeyka.telegram.user(7770010, "Кира")
    update = cashier.text_update(f"/start {token}")

    await deliver_and_die(kopeyka, crash, update)
    await kopeyka.telegram.deliver(update)

    assert [m.body for m in kopeyka.telegram.chat(cashier.id)] == [
        "Готово! Вам выдана роль «кассир». Подсказка: /help"
    ]


async def test_a_change_no_handler_can_find_again_is_not_made_twice(
    kopeyka: Running, crash: DiesAtTheFirstReply
) -> None:
    owner = kopeyka.owner
    await owner.send("/invite")
    menu = owner.last_message()
    update = owner.callback_update(button_data(menu, "кассир"), message_id=menu.message_id)

    await deliver_and_die(kopeyka, crash, update)
    await kopeyka.telegram.deliver(update)

    assert kopeyka.telegram.webhook_deliveries[-1][1] == 200
    assert await count(kopeyka, InviteRow) == 1


@pytest.mark.parametrize("restart_mode", ["polling", "webhook"])
async def test_a_new_process_answers_what_the_dead_one_committed(
    restart_mode: str,
    telegram: FakeTelegram,
    engine: AsyncEngine,
    database_url: str,
    clock: FrozenClock,
    tmp_path: Path,
) -> None:
    settings = make_settings(telegram, database_url, tmp_path)
    owner = telegram.user(OWNER_ID, "Ольга")
    update = owner.text_update("1500 такси")
    async with start_app(restart_mode, telegram, settings, engine, clock) as (_, _, bot):
        dies = DiesAtTheFirstReply("SendMessage")
        dies.armed = True
        bot.session.middleware(dies)
        await telegram.deliver(update)
        await asyncio.wait_for(dies.died.wait(), 5)
    assert telegram.chat(owner.id) == []

    async with start_app(restart_mode, telegram, settings, engine, clock) as (context, _, _):
        await telegram.deliver(update)
        await telegram.wait_handled(update["update_id"])
        assert "Новый расход" in owner.last_message().body
        async with context.database.read() as session:
            drafts = await session.scalar(select(func.count(ExpenseDraftRow.id)))
        assert drafts == 1
