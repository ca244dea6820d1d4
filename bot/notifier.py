"""Delivers `notify` outbox rows as Telegram messages, in the recipient's language."""

from __future__ import annotations

from typing import Any

from aiogram import Bot
from aiogram.exceptions import TelegramForbiddenError

from bot.texts import texts_for
from ledger.outbox import OutboxHandler


def create_notify_handler(bot: Bot, default_language: str) -> OutboxHandler:
    async def notify(payload: dict[str, Any]) -> None:
        texts = texts_for(payload.get("language"), default_language)
        render = getattr(texts, payload["text_key"])
        text = render(**payload.get("args", {}))
        try:
            await bot.send_message(payload["chat_id"], text)
        except TelegramForbiddenError:
            # The person blocked the bot: retrying will not change that; the row is done.
            return

    return notify
