"""Delivers `notify` outbox rows as Telegram messages, in the recipient's language."""

from __future__ import annotations

from typing import Any

from aiogram import Bot
from aiogram.exceptions import TelegramForbiddenError

from bot.texts import texts_for
from ledger.notices import Notification
from ledger.outbox import OutboxHandler


def create_notify_handler(bot: Bot, default_language: str) -> OutboxHandler:
    async def notify(payload: dict[str, Any]) -> None:
        notification = Notification.from_payload(payload)
        texts = texts_for(notification.language, default_language)
        text = texts.notice(notification.facts)
        try:
            await bot.send_message(notification.chat_id, text)
        except TelegramForbiddenError:
            # The person blocked the bot: retrying will not change that; the row is done.
            return

    return notify
