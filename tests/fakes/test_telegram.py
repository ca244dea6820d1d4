"""Tests of the fake Bot API server, driven by a real aiogram Bot and Dispatcher.

If these pass, aiogram cannot tell the fake from api.telegram.org for the methods the
product uses, so end-to-end tests built on `tests.fakes.telegram` exercise real code paths.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiogram import Bot, Dispatcher, F
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramConflictError,
    TelegramRetryAfter,
    TelegramUnauthorizedError,
)
from aiogram.filters import CommandObject, CommandStart
from aiogram.methods import SendMessage
from aiogram.types import (
    BotCommand,
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import ClientSession, web
from aiohttp.test_utils import TestServer

from tests.fakes.telegram import FakeTelegram, handled_marker
from tests.fakes.telegram_state import ApiCall, UploadedFile, WebhookInfo

# Copies of the team's shared Telegram payloads (tests/fixtures/telegram/SOURCES.md says from
# where): part of the repository, so this test runs on every machine instead of skipping.
FIXTURES = Path(__file__).parents[1] / "fixtures" / "telegram"
USER_ID = 1111111


def _bot_for(tg: FakeTelegram, token: str | None = None) -> Bot:
    api = TelegramAPIServer.from_base(tg.base_url)
    return Bot(token or tg.token, session=AiohttpSession(api=api))


async def _close_session(bot: Bot) -> None:
    """Close the bot's HTTP session without AiohttpSession.close()'s 250 ms SSL grace sleep.

    There is no TLS to the fake; later ``bot.session.close()`` calls see a closed session.
    """
    client = await bot.session.create_session()  # the session the bot has been using
    await client.close()


def _keyboard(*labels_and_data: tuple[str, str]) -> InlineKeyboardMarkup:
    buttons = [
        InlineKeyboardButton(text=text, callback_data=data) for text, data in labels_and_data
    ]
    return InlineKeyboardMarkup(inline_keyboard=[buttons])


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as fake:
        yield fake


@pytest.fixture
async def bot(tg: FakeTelegram) -> AsyncIterator[Bot]:
    bot = _bot_for(tg)
    yield bot
    await _close_session(bot)


@contextlib.asynccontextmanager
async def polling(dp: Dispatcher, bot: Bot, tg: FakeTelegram) -> AsyncIterator[None]:
    """Run ``dp.start_polling`` against the fake for the duration of the block."""
    handled_marker(dp, tg)
    started = asyncio.Event()

    async def on_startup() -> None:
        started.set()

    dp.startup.register(on_startup)
    task = asyncio.create_task(
        dp.start_polling(bot, handle_signals=False, close_bot_session=False, polling_timeout=5)
    )
    async with asyncio.timeout(5):
        await started.wait()
    try:
        yield
    finally:
        await dp.stop_polling()
        await task


async def test_get_me(tg: FakeTelegram, bot: Bot) -> None:
    me = await bot.get_me()

    assert (me.id, me.is_bot, me.username) == (123456, True, "kopeyka_bot")
    assert tg.calls == [ApiCall("getMe", {})]


async def test_unknown_method_and_wrong_token(tg: FakeTelegram) -> None:
    async with (
        ClientSession() as http,
        http.post(f"{tg.base_url}/bot{tg.token}/sendTelepathy", data={"chat_id": "1"}) as resp,
    ):
        assert resp.status == 404
        assert await resp.json() == {"ok": False, "error_code": 404, "description": "Not Found"}

    stranger = _bot_for(tg, token="654321:WRONG-token")
    try:
        with pytest.raises(TelegramUnauthorizedError):
            await stranger.get_me()
    finally:
        await _close_session(stranger)


async def test_text_round_trip_in_polling_mode(tg: FakeTelegram, bot: Bot) -> None:
    dp = Dispatcher()

    @dp.message(F.text)
    async def record(message: Message) -> None:
        await message.answer(f"Записал: {message.text}")

    user = tg.user(USER_ID, username="testuser")
    async with polling(dp, bot, tg):
        update = await user.send("1500 такси")

    reply = user.last_message()
    assert reply.text == "Записал: 1500 такси"
    # Users' and the bot's messages share the chat's id counter.
    assert reply.message_id == update["message"]["message_id"] + 1
    assert tg.calls_of("sendMessage") == [
        ApiCall("sendMessage", {"chat_id": str(USER_ID), "text": "Записал: 1500 такси"})
    ]
    assert tg.calls[0].method == "getMe"  # polling starts by asking who the bot is


async def test_tap_round_trip(tg: FakeTelegram, bot: Bot) -> None:
    dp = Dispatcher()
    pressed: list[str | None] = []

    @dp.message(CommandStart(deep_link=True))
    async def deal_card(message: Message, command: CommandObject) -> None:
        keyboard = _keyboard(("Оплачено", f"paid:{command.args}"), ("Отмена", "cancel"))
        await message.answer("Сделка 19620", reply_markup=keyboard)

    @dp.callback_query(F.data.startswith("paid:"))
    async def paid(query: CallbackQuery) -> None:
        pressed.append(query.data)
        await query.answer("ok")
        assert isinstance(query.message, Message)
        await query.message.edit_text("Сделка 19620 оплачена")

    @dp.callback_query()
    async def stale(query: CallbackQuery) -> None:
        await query.answer("Кнопка устарела", show_alert=True)

    user = tg.user(USER_ID)
    async with polling(dp, bot, tg):
        await user.open_deep_link("lead_19620")
        card = user.last_message().message_id
        assert user.buttons() == ["Оплачено", "Отмена"]

        await user.tap("Оплачено")
        await user.tap_data("paid-forged", message_id=card)
        with pytest.raises(AssertionError, match="visible buttons"):
            await user.tap("Оплачено")  # the edit removed the keyboard

    assert pressed == ["paid:lead_19620"]
    assert user.answers() == ["ok", "Кнопка устарела"]
    assert user.last_message().text == "Сделка 19620 оплачена"
    assert user.buttons() == []
    edit = tg.calls_of("editMessageText")[0].params
    assert (edit["chat_id"], edit["message_id"]) == (str(USER_ID), str(card))


async def test_failed_updates_fail_the_test_step_at_once(tg: FakeTelegram, bot: Bot) -> None:
    dp = Dispatcher()

    @dp.message()
    async def broken(message: Message) -> None:
        raise RuntimeError("ledger is down")

    user = tg.user(USER_ID)
    card = await bot.send_message(user.id, "Сделка", reply_markup=_keyboard(("Оплачено", "paid")))
    async with polling(dp, bot, tg):
        with pytest.raises(AssertionError, match="ledger is down"):
            await user.send("1500 такси")
        # No callback_query handler, so aiogram polls with allowed_updates=["message"].
        with pytest.raises(AssertionError, match="allowed_updates"):
            await user.tap("Оплачено", message_id=card.message_id)


async def test_fail_next_gives_retry_after(tg: FakeTelegram, bot: Bot) -> None:
    user = tg.user(USER_ID)
    tg.fail_next(
        "sendMessage",
        error_code=429,
        description="Too Many Requests: retry after 7",
        retry_after=7,
    )

    with pytest.raises(TelegramRetryAfter) as caught:
        await bot.send_message(user.id, "Отчёт готов")
    await bot.send_message(user.id, "Отчёт готов")  # only the next call fails

    assert caught.value.retry_after == 7
    assert len(tg.calls_of("sendMessage")) == 2
    assert [m.text for m in tg.chat(user.id)] == ["Отчёт готов"]


async def test_files_round_trip(tg: FakeTelegram, bot: Bot) -> None:
    invoice = b"%PDF-1.4 invoice 19620"
    file_id = tg.add_file(invoice, file_path="documents/invoice.pdf")

    file = await bot.get_file(file_id)
    downloaded = await bot.download(file_id)
    assert (file.file_path, file.file_size) == ("documents/invoice.pdf", len(invoice))
    assert downloaded is not None
    assert downloaded.read() == invoice
    with pytest.raises(TelegramBadRequest, match="invalid file_id"):
        await bot.get_file("no-such-file")

    # The bot uploads a report; the fake keeps the bytes and makes them downloadable.
    user = tg.user(USER_ID)
    report = BufferedInputFile(b"date;sum\n2026-11-23;1500\n", filename="report.csv")
    sent = await bot.send_document(user.id, report, caption="Отчёт")
    assert tg.calls_of("sendDocument")[0].params["document"] == UploadedFile(
        "report.csv", "application/octet-stream", report.data
    )
    assert sent.document is not None
    assert sent.document.mime_type == "text/csv"
    assert user.last_message().caption == "Отчёт"
    uploaded = await bot.download(sent.document.file_id)
    assert uploaded is not None
    assert uploaded.read() == report.data

    # Files a user sends reach handlers and download byte for byte.
    dp = Dispatcher()

    @dp.message(F.document | F.photo)
    async def receipt(message: Message, bot: Bot) -> None:
        target = message.document or (message.photo or [])[-1]
        data = await bot.download(target)
        assert data is not None
        await message.answer(f"{len(data.read())} байт, подпись: {message.caption}")

    async with polling(dp, bot, tg):
        await user.send_document(invoice, "invoice.pdf", "application/pdf", caption="Счёт")
        assert user.last_message().text == f"{len(invoice)} байт, подпись: Счёт"
        await user.send_photo(b"\xff\xd8jpeg", caption="Чек")
        assert user.last_message().text == "6 байт, подпись: Чек"


async def test_a_file_id_goes_back_only_by_the_method_of_its_kind(
    tg: FakeTelegram, bot: Bot
) -> None:
    user = tg.user(USER_ID)
    photo = user.photo_update(b"\xff\xd8jpeg")["message"]["photo"][-1]["file_id"]
    document = tg.add_file(b"%PDF-1.4", file_path="documents/file_1.pdf")

    await bot.send_photo(user.id, photo)
    await bot.send_document(user.id, document)
    with pytest.raises(TelegramBadRequest, match="type of file mismatch"):
        await bot.send_document(user.id, photo)
    with pytest.raises(TelegramBadRequest, match="type of file mismatch"):
        await bot.send_photo(user.id, document)
    assert len(tg.chat(user.id)) == 2


async def test_webhook_mode(tg: FakeTelegram, bot: Bot) -> None:
    dp = Dispatcher()

    @dp.message(F.text == "ping")
    async def ping(message: Message) -> SendMessage:
        return message.answer("pong")  # returned, so it travels in the webhook answer

    @dp.message()
    async def other(message: Message) -> None:
        await message.answer(f"Получено: {message.text}")

    app = web.Application()
    handler = SimpleRequestHandler(
        dp, bot, secret_token="s3cret_Token-1", handle_in_background=False
    )
    handler.register(app, path="/tg/webhook")
    user = tg.user(USER_ID)
    async with TestServer(app, host="127.0.0.1") as server:
        url = str(server.make_url("/tg/webhook"))
        await bot.set_webhook(url, secret_token="s3cret_Token-1", allowed_updates=["message"])
        assert tg.webhook == WebhookInfo(
            url=url, secret_token="s3cret_Token-1", allowed_updates=["message"]
        )

        hello = await user.send("привет")
        assert user.last_message().text == "Получено: привет"
        ping_update = await user.send("ping")
        assert user.last_message().text == "pong"
        assert tg.calls[-1] == ApiCall("sendMessage", {"chat_id": str(USER_ID), "text": "pong"})

        await bot.set_webhook(url, secret_token="not-the-secret")
        with pytest.raises(AssertionError, match="401"):
            await user.send("кто здесь?")
        info = await bot.get_webhook_info()
        await _close_session(bot)  # before the handler's on_shutdown closes it slowly

    assert [status for _, status in tg.webhook_deliveries] == [200, 200, 401]
    assert tg.webhook_deliveries[0][0] == hello["update_id"]
    assert tg.webhook_deliveries[1][0] == ping_update["update_id"]
    assert info.last_error_message is not None
    assert "401" in info.last_error_message


async def test_get_updates_conflicts_with_webhook(tg: FakeTelegram, bot: Bot) -> None:
    await bot.set_webhook("https://kopeyka.example.com/tg/webhook")

    with pytest.raises(TelegramConflictError, match="webhook is active"):
        await bot.get_updates()
    assert (await bot.get_webhook_info()).url == "https://kopeyka.example.com/tg/webhook"

    await bot.delete_webhook()
    assert tg.webhook is None
    assert await bot.get_updates() == []


async def test_get_updates_long_poll_offset_and_limit(tg: FakeTelegram, bot: Bot) -> None:
    user = tg.user(USER_ID)
    loop = asyncio.get_running_loop()
    started = loop.time()
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.05)
    await tg.deliver(user.text_update("первое"))

    first = await poll
    assert loop.time() - started < 1  # answered on arrival, not after the timeout
    assert [u.message.text for u in first if u.message] == ["первое"]

    for text in ("a", "b", "c"):
        await tg.deliver(user.text_update(text))
    batch = await bot.get_updates(offset=first[-1].update_id + 1, limit=2)
    rest = await bot.get_updates(offset=batch[-1].update_id + 1)
    assert [u.message.text for u in batch + rest if u.message] == ["a", "b", "c"]
    assert await bot.get_updates(offset=rest[-1].update_id + 1) == []


async def test_bad_requests_like_telegram(tg: FakeTelegram, bot: Bot) -> None:
    user = tg.user(USER_ID)
    keyboard = _keyboard(("Да", "delete:yes"))
    sent = await bot.send_message(user.id, "Удалить запись?", reply_markup=keyboard)

    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text(
            text="Удалить запись?",
            chat_id=user.id,
            message_id=sent.message_id,
            reply_markup=keyboard,
        )
    # The limit is 64 bytes: 40 Cyrillic letters are 80 bytes.
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await bot.send_message(user.id, "?", reply_markup=_keyboard(("Да", "д" * 40)))
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text(text="x", chat_id=user.id, message_id=999)
    with pytest.raises(TelegramBadRequest, match="message text is empty"):
        await bot.send_message(user.id, "")
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(user.id, "x" * 4097)
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.send_message(42, "hi")
    assert [m.message_id for m in tg.chat(user.id)] == [sent.message_id]

    update = user.callback_update("delete:yes", message_id=sent.message_id)
    await tg.deliver(update)  # nobody polls: the query only needs to exist
    query_id = update["callback_query"]["id"]
    with pytest.raises(TelegramBadRequest, match="MESSAGE_TOO_LONG"):
        await bot.answer_callback_query(query_id, text="x" * 201)
    assert await bot.answer_callback_query(query_id, text="Удалено")
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query(query_id, text="Удалено")
    assert user.answers() == ["Удалено"]

    assert await bot.delete_message(user.id, sent.message_id)
    assert tg.chat(user.id) == []
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await bot.delete_message(user.id, sent.message_id)


async def test_html_commands_and_chat_actions(tg: FakeTelegram, bot: Bot) -> None:
    user = tg.user(USER_ID)

    await bot.send_message(user.id, "<b>Итого</b>: 1500 ₽ &lt;без НДС&gt;", parse_mode="HTML")
    assert user.last_message().text == "Итого: 1500 ₽ <без НДС>"
    assert user.last_message().entities == [{"type": "bold", "offset": 0, "length": 5}]
    with pytest.raises(TelegramBadRequest, match="can't parse entities"):
        await bot.send_message(user.id, "Клиент <info@example.com>", parse_mode="HTML")

    commands = [
        BotCommand(command="start", description="Начать"),
        BotCommand(command="report", description="Отчёт за месяц"),
    ]
    assert await bot.set_my_commands(commands)
    assert [(c.command, c.description) for c in await bot.get_my_commands()] == [
        (c.command, c.description) for c in commands
    ]
    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand(command="/Report", description="Отчёт")])
    assert await bot.delete_my_commands()
    assert await bot.get_my_commands() == []

    assert await bot.send_chat_action(user.id, "typing")


def _shape(value: Any) -> Any:
    """The key structure of a JSON value (list elements by their first item)."""
    if isinstance(value, dict):
        return {key: _shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_shape(value[0])] if value else []
    return type(value).__name__


async def test_built_updates_have_the_fixture_shape(tg: FakeTelegram, bot: Bot) -> None:
    user = tg.user(USER_ID, "Test", last_name="Lastname", username="testuser")
    card = await bot.send_message(
        user.id, "Выберите действие", reply_markup=_keyboard(("Оплачено", "paid:19620"))
    )
    built = {
        "message_text.json": user.text_update("1500 такси"),
        "message_start_deeplink.json": user.text_update("/start lead_19620"),
        "message_photo.json": user.photo_update(b"jpeg", caption="Чек об оплате"),
        "message_document.json": user.document_update(b"%PDF", "invoice.pdf", "application/pdf"),
        "callback_query.json": user.callback_update("paid:19620", message_id=card.message_id),
    }

    for name, update in built.items():
        fixture = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
        assert _shape(update) == _shape(fixture), name
        Update.model_validate(update, context={"bot": bot})  # and aiogram accepts it
