"""The console: the real dispatcher, database and handlers, chatted with in a terminal.

A `ConsoleSession` stands where aiogram's HTTP session would: the bot's method calls are
rendered to the terminal instead of being sent to Telegram, and what the person types becomes
real `Update` objects fed to the dispatcher. Buttons are shown numbered and chosen by number;
photos and files are sent by path.
"""

from __future__ import annotations

import asyncio
import html
import itertools
import json
import mimetypes
import re
import shlex
import sys
import time
from collections.abc import AsyncGenerator, Callable
from pathlib import Path
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.base import BaseSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.exceptions import TelegramBadRequest
from aiogram.methods import (
    AnswerCallbackQuery,
    DeleteMessage,
    EditMessageReplyMarkup,
    EditMessageText,
    GetFile,
    GetMe,
    SendDocument,
    SendMessage,
    SendPhoto,
    TelegramMethod,
)
from aiogram.types import BufferedInputFile, FSInputFile, InlineKeyboardMarkup, Update

from bot.console_input import ConsoleInput
from bot.response_models import KeepResponseModels
from ledger.storage.files import private_dir, write_private

CONSOLE_TOKEN = "1:console"
CONSOLE_BOT = {"id": 1, "is_bot": True, "first_name": "Kopeyka", "username": "kopeyka_console_bot"}
_TAG = re.compile(r"<[^>]+>")
_HELP = """\
Type as you would in Telegram: "1500 такси", /help, /history …
  N                 tap button N of the last keyboard
  :photo PATH [caption]   send a photo (e.g. a receipt)
  :file PATH [caption]    send a document
  :help             this help      :quit (or Ctrl-D)  leave
"""


def _plain(text: str) -> str:
    return html.unescape(_TAG.sub("", text))


class ConsoleSession(BaseSession):
    """Answers the bot's API calls locally and prints what a chat would show."""

    def __init__(self, out: Callable[[str], None], user: dict[str, Any], files_dir: Path) -> None:
        super().__init__(api=TelegramAPIServer(base="console:{token}/{method}", file="{path}"))
        self.middleware(KeepResponseModels())
        self._out = out
        self._user = user
        self._files_dir = files_dir
        self._message_ids = itertools.count(1)
        self.messages: dict[int, dict[str, Any]] = {}
        self.last_keyboard: tuple[int, list[dict[str, Any]]] | None = None
        self.uploads: dict[str, Path] = {}

    def next_message_id(self) -> int:
        return next(self._message_ids)

    async def close(self) -> None:
        """Nothing to close: no connection was opened."""

    async def stream_content(
        self,
        url: str,
        headers: dict[str, Any] | None = None,
        timeout: int = 30,
        chunk_size: int = 65536,
        raise_for_status: bool = True,
    ) -> AsyncGenerator[bytes, None]:
        # A "downloaded" Telegram file is the local file the person sent by path.
        path = self.uploads.get(url) or Path(url)
        data = await asyncio.to_thread(path.read_bytes)
        for start in range(0, len(data), chunk_size):
            yield data[start : start + chunk_size]

    async def make_request(
        self, bot: Bot, method: TelegramMethod[Any], timeout: int | None = None
    ) -> Any:
        result = self._perform(method)
        content = json.dumps({"ok": True, "result": result})
        return self.check_response(bot, method, 200, content).result

    # -- the methods the product uses -------------------------------------------------

    def _perform(self, method: TelegramMethod[Any]) -> Any:
        match method:
            case GetMe():
                return CONSOLE_BOT
            case SendMessage():
                message = self._new_message(method.text, method.reply_markup)
                self._show(message)
                return message
            case EditMessageText():
                message = self._existing(method.message_id)
                message["text"] = method.text
                self._set_markup(message, method.reply_markup)
                self._show(message, edited=True)
                return message
            case EditMessageReplyMarkup():
                message = self._existing(method.message_id)
                self._set_markup(message, method.reply_markup)
                self._show(message, edited=True)
                return message
            case AnswerCallbackQuery():
                if method.text:
                    self._out(f"  ({'!' if method.show_alert else '·'} {_plain(method.text)})")
                return True
            case SendDocument() | SendPhoto():
                return self._send_file(method)
            case GetFile():
                path = self.uploads.get(method.file_id)
                if path is None:
                    raise TelegramBadRequest(method, "Bad Request: invalid file_id")
                return {
                    "file_id": method.file_id,
                    "file_unique_id": method.file_id,
                    "file_path": method.file_id,
                }
            case DeleteMessage():
                self.messages.pop(method.message_id, None)
                return True
        # setMyCommands and other housekeeping calls have nothing to show in a terminal.
        return True

    def _new_message(self, text: str, markup: Any) -> dict[str, Any]:
        message = {
            "message_id": self.next_message_id(),
            "date": int(time.time()),
            "chat": {"id": self._user["id"], "type": "private"},
            "from": CONSOLE_BOT,
            "text": text,
        }
        self._set_markup(message, markup)
        self.messages[message["message_id"]] = message
        return message

    def _existing(self, message_id: int | None) -> dict[str, Any]:
        if message_id not in self.messages:
            raise TelegramBadRequest(
                SendMessage(chat_id=0, text="-"), "Bad Request: message to edit not found"
            )
        return self.messages[message_id]

    def _set_markup(self, message: dict[str, Any], markup: Any) -> None:
        if isinstance(markup, InlineKeyboardMarkup) and markup.inline_keyboard:
            message["reply_markup"] = markup.model_dump(mode="json", exclude_none=True)
            buttons = [
                button for row in message["reply_markup"]["inline_keyboard"] for button in row
            ]
            self.last_keyboard = (message["message_id"], buttons)
        else:
            message.pop("reply_markup", None)
            if self.last_keyboard and self.last_keyboard[0] == message["message_id"]:
                self.last_keyboard = None

    def _send_file(self, method: SendDocument | SendPhoto) -> dict[str, Any]:
        upload = method.document if isinstance(method, SendDocument) else method.photo
        # In the data folder, private like the rest of it: receipts, the whole workbook.
        private_dir(self._files_dir)
        if isinstance(upload, FSInputFile):
            target = self._files_dir / Path(upload.filename or "file").name
            write_private(target, Path(upload.path).read_bytes())
        elif isinstance(upload, BufferedInputFile):
            # Named by the bot (a chart, a workbook): keep the name, so the extension opens it.
            name = Path(upload.filename or "file").name
            target = self._files_dir / f"{self.next_message_id()}-{name}"
            write_private(target, upload.data)
        elif isinstance(upload, str):
            # A file id, sent back (a receipt): here, the path of the file the person sent.
            target = self.uploads.get(upload) or Path(upload)
            if not target.is_file():
                raise TelegramBadRequest(method, "Bad Request: wrong file identifier specified")
        else:
            raise TypeError(f"the console cannot show a {type(upload).__name__}")
        caption = method.caption if isinstance(method.caption, str) else ""
        message = self._new_message(caption or "", method.reply_markup)
        message.pop("text")
        message["document"] = {
            "file_id": str(target),
            "file_unique_id": str(target),
            "file_name": target.name,
        }
        if caption:
            message["caption"] = caption
        self._out(f"bot › [file] {target}" + (f" — {_plain(caption)}" if caption else ""))
        return message

    def _show(self, message: dict[str, Any], *, edited: bool = False) -> None:
        text = message.get("text") or message.get("caption") or ""
        prefix = "bot (edited) › " if edited else "bot › "
        lines = _plain(text).splitlines() or [""]
        self._out(prefix + lines[0])
        for line in lines[1:]:
            self._out("      " + line)
        if self.last_keyboard and self.last_keyboard[0] == message["message_id"]:
            labels = [
                f"[{n}] {button['text']}" for n, button in enumerate(self.last_keyboard[1], 1)
            ]
            self._out("      " + "  ".join(labels))


class Console:
    """Turns typed lines into updates for the dispatcher."""

    def __init__(
        self, dispatcher: Dispatcher, bot: Bot, session: ConsoleSession, user: dict[str, Any]
    ) -> None:
        self._dispatcher = dispatcher
        self._bot = bot
        self._session = session
        self._user = user
        # Update ids must not repeat across runs: the database remembers handled ones.
        self._update_ids = itertools.count(time.time_ns() // 1000)

    async def handle_line(self, line: str) -> bool:
        """Handle one typed line; False means the person asked to leave."""
        line = line.strip()
        if not line:
            return True
        if line in (":quit", ":q", ":exit"):
            return False
        if line == ":help":
            self._session._out(_HELP)
            return True
        if line.isdigit() and self._session.last_keyboard is not None:
            message_id, buttons = self._session.last_keyboard
            if 1 <= int(line) <= len(buttons):
                await self._tap(message_id, buttons[int(line) - 1])
                return True
        if line.startswith((":photo ", ":file ")):
            await self._send_file(line)
            return True
        await self._feed({"text": line, **self._entities(line)})
        return True

    @staticmethod
    def _entities(text: str) -> dict[str, Any]:
        if not text.startswith("/"):
            return {}
        command = text.split()[0]
        return {"entities": [{"type": "bot_command", "offset": 0, "length": len(command)}]}

    async def _send_file(self, line: str) -> None:
        kind, _, rest = line.partition(" ")
        try:
            parts = shlex.split(rest)
        except ValueError:
            parts = rest.split()
        if not parts:
            self._session._out("  (give a path: :photo /path/to/receipt.jpg 1500 такси)")
            return
        path = await asyncio.to_thread(lambda: Path(parts[0]).expanduser())
        if not await asyncio.to_thread(path.is_file):
            self._session._out(f"  (no such file: {path})")
            return
        caption = " ".join(parts[1:]) or None
        file_id = str(path.resolve())
        self._session.uploads[file_id] = path
        size = path.stat().st_size
        if kind == ":photo":
            photo = {
                "file_id": file_id,
                "file_unique_id": file_id,
                "width": 800,
                "height": 600,
                "file_size": size,
            }
            body: dict[str, Any] = {"photo": [photo]}
        else:
            mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            body = {
                "document": {
                    "file_id": file_id,
                    "file_unique_id": file_id,
                    "file_name": path.name,
                    "mime_type": mime,
                    "file_size": size,
                }
            }
        if caption:
            body["caption"] = caption
        await self._feed(body)

    async def _feed(self, body: dict[str, Any]) -> None:
        message = {
            "message_id": self._session.next_message_id(),
            "date": int(time.time()),
            "chat": {"id": self._user["id"], "type": "private"},
            "from": self._user,
            **body,
        }
        await self._dispatch({"update_id": next(self._update_ids), "message": message})

    async def _tap(self, message_id: int, button: dict[str, Any]) -> None:
        self._session._out(f"you › [{button['text']}]")
        query = {
            "id": str(next(self._update_ids)),
            "from": self._user,
            "chat_instance": "console",
            "message": self._session.messages[message_id],
            "data": button.get("callback_data", ""),
        }
        await self._dispatch({"update_id": next(self._update_ids), "callback_query": query})

    async def _dispatch(self, payload: dict[str, Any]) -> None:
        update = Update.model_validate(payload, context={"bot": self._bot})
        await self._dispatcher.feed_update(self._bot, update)


async def run_console(
    dispatcher: Dispatcher,
    user: dict[str, Any],
    files_dir: Path,
    *,
    read_line: Callable[[str], str] = input,
    out: Callable[[str], None] = print,
    terminal: ConsoleInput | None = None,
) -> None:
    """Chat with the dispatcher until :quit or end of input. `terminal` is the input already
    started by the caller (greeted, first line being read); by default one is started here.
    """
    session = ConsoleSession(out, user, files_dir)
    bot = Bot(
        CONSOLE_TOKEN,
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML),
    )
    console = Console(dispatcher, bot, session, user)
    terminal = terminal or ConsoleInput(user, read_line=read_line, out=out)
    while True:
        try:
            line = await terminal.next_line()
        except (EOFError, KeyboardInterrupt):
            out("")
            break
        if not await console.handle_line(line):
            break
    await bot.session.close()
    sys.stdout.flush()


__all__ = ["CONSOLE_TOKEN", "Console", "ConsoleSession", "run_console"]
