"""The console channel in-process: the real dispatcher, database and handlers, driven by typed
lines, with buttons chosen by number and files sent by path.
"""

from __future__ import annotations

import asyncio
import struct
import threading
import zlib
from collections.abc import Iterable
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from app.composition import create_app_context
from bot.console import run_console
from bot.console_input import PROMPT, ConsoleInput, greeting
from bot.factory import create_dispatcher
from config.settings import Settings
from handlers import create_root_router
from ledger.clock import FrozenClock
from ledger.storage.database import Database
from ledger.storage.models import EntryRow, ExpenseDraftRow

REPO = Path(__file__).resolve().parents[2]
OWNER_ID = 42
OWNER = {"id": OWNER_ID, "is_bot": False, "first_name": "Ольга", "language_code": "ru"}


def _plain(lines: list[str]) -> str:
    # Babel puts non-breaking spaces between digit groups ("1 500,00 ₽").
    return "\n".join(lines).replace("\u00a0", " ")


def _png(path: Path) -> Path:
    """A real 2×2 white PNG, so the photo on disk is a file any viewer opens."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"".join(b"\x00" + b"\xff\xff\xff" * 2 for _ in range(2)))
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )
    return path


class Chat:
    """Runs the console over scripted lines and keeps everything it printed."""

    def __init__(self, dispatcher, files_dir: Path) -> None:
        self.dispatcher = dispatcher
        self.files_dir = files_dir
        self.lines: list[str] = []

    async def type(self, typed: Iterable[str]) -> str:
        script = iter(typed)
        start = len(self.lines)

        def read_line(_prompt: str) -> str:
            try:
                return next(script)
            except StopIteration:
                raise EOFError from None

        await run_console(
            self.dispatcher, OWNER, self.files_dir, read_line=read_line, out=self.lines.append
        )
        return _plain(self.lines[start:])


@pytest.fixture
async def chat(
    engine: AsyncEngine,
    clock: FrozenClock,
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Chat:
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    settings = Settings(
        _env_file=None,
        owner_telegram_ids=[OWNER_ID],
        data_dir=tmp_path,
        database_url=database_url,
        mappings_file=REPO / "config" / "mappings.toml",
    )
    context = await create_app_context(settings, clock=clock, engine=engine)
    return Chat(create_dispatcher(context, create_root_router()), tmp_path / "console-files")


async def _count(database: Database, model: type) -> int:
    async with database.read() as session:
        return (await session.execute(select(func.count()).select_from(model))).scalar_one()


async def test_a_text_expense_saved_by_tapping_its_number_posts_one_entry(
    chat: Chat, database: Database
) -> None:
    shown = await chat.type(["1500 такси", "1"])

    assert "Новый расход" in shown
    assert "1 500,00 ₽" in shown
    assert "Категория: Транспорт" in shown
    assert "[1] ✅ Сохранить" in shown
    assert "you › [✅ Сохранить]" in shown
    assert "Расход сохранён" in shown
    async with database.read() as session:
        entries = (await session.execute(select(EntryRow))).scalars().all()
    assert [(entry.kind, entry.amount_minor, entry.currency) for entry in entries] == [
        ("expense", -150000, "RUB")
    ]


async def test_a_line_typed_before_the_bot_is_ready_is_answered_once_it_is(
    chat: Chat, database: Database
) -> None:
    script = iter(["1500 такси", "1"])
    first_read = threading.Event()
    shown: list[str] = []

    def read_line(prompt: str) -> str:
        shown.append(prompt)
        first_read.set()
        try:
            return next(script)
        except StopIteration:
            raise EOFError from None

    terminal = ConsoleInput(OWNER, read_line=read_line, out=shown.append)
    terminal.start()  # as run.py does, before the bot is loaded
    assert await asyncio.to_thread(first_read.wait, 5)  # the first line is in, no bot yet

    await run_console(chat.dispatcher, OWNER, chat.files_dir, out=shown.append, terminal=terminal)

    text = _plain(shown)
    assert shown[:2] == [greeting(OWNER), PROMPT]  # the greeting and prompt came first, once
    assert text.count("Kopeyka console") == 1
    assert text.index("Новый расход") < text.index("Расход сохранён")
    assert await _count(database, EntryRow) == 1


async def test_a_number_outside_the_keyboard_is_sent_as_text(
    chat: Chat, database: Database
) -> None:
    shown = await chat.type(["1500 такси", "9"])

    # "9" reached the bot as text, and a bare number is not an expense: it asks what for.
    assert "На что эта сумма?" in shown
    assert "9 такси" in shown
    assert shown.count("Новый расход") == 1
    assert "you › [" not in shown
    assert await _count(database, ExpenseDraftRow) == 1
    assert await _count(database, EntryRow) == 0


async def test_a_receipt_photo_sent_by_path_makes_a_draft_with_the_receipt(
    chat: Chat, database: Database, tmp_path: Path
) -> None:
    photo = _png(tmp_path / "receipt.png")

    shown = await chat.type([f":photo {photo} 1500 такси"])

    assert "1 500,00 ₽" in shown
    assert "Категория: Транспорт" in shown
    assert "Чек: приложен" in shown
    async with database.read() as session:
        draft = (await session.execute(select(ExpenseDraftRow))).scalar_one()
    assert draft.amount_minor == 150000
    assert draft.receipt_file_id is not None


async def test_a_saved_receipt_comes_back_as_the_file_that_was_sent(
    chat: Chat, tmp_path: Path
) -> None:
    photo = _png(tmp_path / "receipt.png")

    shown = await chat.type([f":photo {photo} 1500 такси", "1", "2"])  # save, then 📎

    assert "[2] 📎 Чек" in shown
    assert f"[file] {photo.resolve()} — 📎 Чек к записи №1" in shown


async def test_a_photo_path_that_does_not_exist_is_reported_and_changes_nothing(
    chat: Chat, database: Database, tmp_path: Path
) -> None:
    missing = tmp_path / "no-such-receipt.jpg"

    shown = await chat.type([f":photo {missing} 1500 такси"])

    assert f"no such file: {missing}" in shown
    assert "Новый расход" not in shown
    assert await _count(database, ExpenseDraftRow) == 0
    assert await _count(database, EntryRow) == 0


async def test_colon_help_prints_the_console_help(chat: Chat) -> None:
    shown = await chat.type([":help"])

    assert ":photo PATH" in shown
    assert ":quit" in shown
    assert "tap button N" in shown


async def test_slash_help_shows_the_owners_help(chat: Chat) -> None:
    shown = await chat.type(["/help"])

    assert "Что я умею" in shown
    assert "/expense" in shown
    assert "/invite" in shown


async def test_quit_leaves_before_the_lines_after_it(chat: Chat, database: Database) -> None:
    await chat.type([":quit", "1500 такси"])

    assert await _count(database, ExpenseDraftRow) == 0


async def test_the_report_and_the_chart_land_as_files_that_open(chat: Chat, tmp_path: Path) -> None:
    await chat.type(["1500 такси", "1"])

    shown = await chat.type(["/report", "/profit"])

    assert "Что-то пошло не так" not in shown
    workbooks, charts = _files(tmp_path, "*.xlsx"), _files(tmp_path, "*.png")
    assert len(workbooks) == 1
    assert openpyxl.load_workbook(workbooks[0])["Операции"]["E2"].value == -1500
    assert charts
    assert charts[0].read_bytes().startswith(b"\x89PNG")


def _files(folder: Path, pattern: str) -> list[Path]:
    return sorted(folder.rglob(pattern))
