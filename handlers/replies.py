"""Small helpers for answering: edit a card in place, or send anew when it cannot be edited."""

from __future__ import annotations

import contextlib

from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message


async def replace_card(
    query: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    """Show `text` on the tapped card; a message too old to edit gets a new one instead."""
    message = query.message
    if isinstance(message, Message):
        try:
            await message.edit_text(text, reply_markup=markup)
            return
        except TelegramBadRequest as exc:
            if "not modified" in str(exc):
                return
    if query.from_user is not None and query.bot is not None:
        await query.bot.send_message(query.from_user.id, text, reply_markup=markup)


async def replace_markup(query: CallbackQuery, markup: InlineKeyboardMarkup | None) -> None:
    message = query.message
    if isinstance(message, Message):
        with contextlib.suppress(TelegramBadRequest):  # unchanged or too old: nothing to do
            await message.edit_reply_markup(reply_markup=markup)
