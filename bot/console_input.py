"""The terminal side of the console: its greeting and the lines the person types.

It is started before the bot is built. Loading the bot takes seconds on a small machine
(aiogram builds a validator for each of several hundred Telegram types when it is imported),
and a person needs seconds to type their first line; so the greeting and the prompt come at
once, the first line is read while the bot loads, and it is answered as soon as the bot is
ready. Nothing typed is lost or reordered: one line is read at a time, as before.

Only the standard library is imported here, so that starting it costs nothing.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Callable
from typing import Any

PROMPT = "you › "


def greeting(user: dict[str, Any]) -> str:
    return f"Kopeyka console — you are {user['first_name']} (id {user['id']}). :help for help."


class ConsoleInput:
    def __init__(
        self,
        user: dict[str, Any],
        *,
        read_line: Callable[[str], str] = input,
        out: Callable[[str], None] = print,
    ) -> None:
        self._user = user
        self._read_line = read_line
        self._out = out
        self._first: concurrent.futures.Future[str] | None = None
        self._started = False

    def start(self) -> None:
        """Greet and begin reading the first line on a thread of its own; a second call does
        nothing."""
        if self._started:
            return
        self._started = True
        self._out(greeting(self._user))
        first: concurrent.futures.Future[str] = concurrent.futures.Future()

        def read() -> None:
            try:
                first.set_result(self._read_line(PROMPT))
            except BaseException as exc:  # EOF or Ctrl-C end the console where it waits
                first.set_exception(exc)

        # A daemon: a person who never types must not keep a failed start-up alive.
        threading.Thread(target=read, name="console-input", daemon=True).start()
        self._first = first

    async def next_line(self) -> str:
        """The next line typed; EOFError when input ends."""
        self.start()
        if self._first is not None:
            first, self._first = self._first, None
            return await asyncio.wrap_future(first)
        return await asyncio.to_thread(self._read_line, PROMPT)
