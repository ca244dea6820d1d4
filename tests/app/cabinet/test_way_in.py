"""How people reach the cabinet from the bot: /cabinet's buttons and the menu button, as
Telegram takes them (the fake refuses a Mini App over plain http, as Telegram does)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

from app.runtime import set_menu_button
from bot.texts import texts_for
from handlers.cabinet import keyboard
from tests.fakes.telegram import FakeTelegram


@pytest.fixture
async def bot() -> AsyncIterator[tuple[Bot, FakeTelegram]]:
    async with FakeTelegram() as telegram:
        server = TelegramAPIServer.from_base(telegram.base_url)
        bot = Bot(telegram.token, session=AiohttpSession(api=server))
        try:
            yield bot, telegram
        finally:
            await bot.session.close()


def test_over_https_the_link_comes_with_the_mini_app() -> None:
    markup = keyboard("https://kopeyka.example.com/cabinet", "tok", texts_for("ru"))
    browser, app = (row[0] for row in markup.inline_keyboard)
    assert browser.url == "https://kopeyka.example.com/cabinet/login/tok"
    assert app.web_app is not None
    assert app.web_app.url == "https://kopeyka.example.com/cabinet/signin"


def test_over_http_only_the_link_is_offered() -> None:
    markup = keyboard("http://127.0.0.1:8080/cabinet", "tok", texts_for("ru"))
    assert [row[0].web_app for row in markup.inline_keyboard] == [None]


async def test_start_up_sets_the_menu_button_to_the_cabinet(
    bot: tuple[Bot, FakeTelegram],
) -> None:
    client, telegram = bot
    await set_menu_button(client, "https://kopeyka.example.com/cabinet")
    assert telegram.menu_button == {
        "type": "web_app",
        "text": "Кабинет",
        "web_app": {"url": "https://kopeyka.example.com/cabinet/signin"},
    }


async def test_without_https_the_menu_button_stays_the_commands(
    bot: tuple[Bot, FakeTelegram],
) -> None:
    client, telegram = bot
    await set_menu_button(client, "http://127.0.0.1:8080/cabinet")
    await set_menu_button(client, None)
    assert telegram.menu_button == {"type": "commands"}
