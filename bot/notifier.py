"""Delivers `notify` outbox rows as Telegram messages, in the recipient's language. A notice
carrying a link's token (a hand-over for the cash desk, a payment request for its approver or
the accountant) gets a button that opens it."""

from __future__ import annotations

from typing import Any

from aiogram import Bot
from aiogram.exceptions import TelegramForbiddenError
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.texts import texts_for
from ledger.notices import Notification
from ledger.outbox import OutboxHandler


def create_notify_handler(bot: Bot, default_language: str) -> OutboxHandler:
    async def notify(payload: dict[str, Any]) -> None:
        notification = Notification.from_payload(payload)
        texts = texts_for(notification.language, default_language)
        text = texts.notice(notification.facts)
        markup = None
        token = getattr(notification.facts, "token", None)
        if token:
            me = await bot.me()
            button = InlineKeyboardButton(
                text=texts.notice_button(notification.facts),
                url=f"https://t.me/{me.username}?start={token}",
            )
            markup = InlineKeyboardMarkup(inline_keyboard=[[button]])
        try:
            await bot.send_message(notification.chat_id, text, reply_markup=markup)
        except TelegramForbiddenError:
            # The person blocked the bot: retrying will not change that; the row is done.
            return

    return notify
