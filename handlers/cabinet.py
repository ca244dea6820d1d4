"""/cabinet: the way into the web cabinet. A one-time login link (ten minutes, single use) to
open in a browser at the desk, and, where Telegram allows it (https), a button opening the
same cabinet inside Telegram as a Mini App, signed in by its initData."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, Message, WebAppInfo

from bot.texts import Texts
from ledger.cabinet_links import CABINET_ROLES, LOGIN_LINK_TTL, LoginLinks
from ledger.roles import Actor


def keyboard(cabinet_url: str, token: str, texts: Texts) -> InlineKeyboardMarkup:
    rows = [
        [InlineKeyboardButton(text=texts.btn_cabinet_browser, url=login_url(cabinet_url, token))]
    ]
    if cabinet_url.startswith("https://"):  # Telegram opens Mini Apps over https only
        app = WebAppInfo(url=f"{cabinet_url}/signin")
        rows.append([InlineKeyboardButton(text=texts.btn_cabinet_app, web_app=app)])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def login_url(cabinet_url: str, token: str) -> str:
    return f"{cabinet_url}/login/{token}"


async def send_cabinet_link(
    message: Message,
    actor: Actor,
    login_links: LoginLinks,
    texts: Texts,
    cabinet_url: str | None,
) -> None:
    if cabinet_url is None:
        await message.answer(texts.cabinet_off)
        return
    token = login_links.issue(actor)
    minutes = int(LOGIN_LINK_TTL.total_seconds() // 60)
    await message.answer(
        texts.cabinet_link(minutes), reply_markup=keyboard(cabinet_url, token, texts)
    )


def create_router() -> Router:
    router = Router(name="cabinet")
    router.message.register(send_cabinet_link, Command("cabinet"), flags={"roles": CABINET_ROLES})
    return router
