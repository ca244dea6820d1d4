"""Prompts that cannot swallow the next message.

While the bot waits for a typed answer (a category's name, a date, a comment), a command, or
for the prompts that `yield_to_expenses` a line that reads as an expense, ends the wait and is
handled as itself: «/history» then «200 такси» never becomes a category named «200 такси».
`/cancel` stays with the prompt, which answers it: `cancel_input` for every prompt but the
request form's, which keeps its draft and says so.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection
from typing import Any

from aiogram import BaseMiddleware
from aiogram.fsm.context import FSMContext
from aiogram.types import Message, TelegramObject

from bot.texts import Texts
from ledger.amounts import AmountError, read_expense

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


def reads_as_expense(text: str) -> bool:
    """An amount and words for it: "канцелярия 500" is an expense, "22.11" is not."""
    try:
        read_expense(text)
    except AmountError:
        return False
    return True


class LeavePrompt(BaseMiddleware):
    def __init__(self, yield_to_expenses: Collection[str]) -> None:
        self._yield_to_expenses = frozenset(yield_to_expenses)

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        waiting = data.get("raw_state")
        text = event.text if isinstance(event, Message) else None
        if waiting is not None and text and _leaves(text, waiting in self._yield_to_expenses):
            state: FSMContext = data["state"]
            await state.clear()
            # The routers' state filters read this, not the storage: they must see it gone.
            data["raw_state"] = None
        return await handler(event, data)


def _leaves(text: str, yields_to_expenses: bool) -> bool:
    if text.startswith("/"):
        words = text[1:].split(maxsplit=1)
        command = words[0].split("@")[0] if words else ""  # "/" alone, "/ ": no command
        return command.casefold() != "cancel"
    return yields_to_expenses and reads_as_expense(text)


async def cancel_input(message: Message, state: FSMContext, texts: Texts) -> None:
    """/cancel while a prompt waits: the wait ends, nothing is changed."""
    await state.clear()
    await message.answer(texts.input_cancelled)


async def text_wanted(message: Message, texts: Texts) -> None:
    """A prompt that waits for words got something else (a photo, a sticker)."""
    await message.answer(texts.desk_text_wanted)
