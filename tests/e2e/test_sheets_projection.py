"""The owner's expenses from Telegram reach Google Sheets through the scheduled push, exactly
as the running bot would do it: real bot, real scheduler job, real gspread, fake Sheets.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from app.runtime import create_scheduler
from sheets.layout import OPERATIONS
from tests.e2e.conftest import Running
from tests.fakes.sheets import FakeSheets
from tests.integrations.sheets.test_google_client import service_account_file


@pytest.fixture
async def google() -> AsyncIterator[FakeSheets]:
    async with FakeSheets() as fake:
        yield fake


async def scheduled_push(kopeyka: Running, google: FakeSheets, spreadsheet: str, key: Path):
    """The scheduler's Sheets job for settings that name the spreadsheet, run once."""
    settings = kopeyka.context.settings.model_copy(
        update={
            "google_service_account_file": key,
            "sheet_id": spreadsheet,
            "google_sheets_endpoint": google.base_url,
        }
    )
    context = type(kopeyka.context)(
        settings=settings,
        mappings=kopeyka.context.mappings,
        database=kopeyka.context.database,
        clock=kopeyka.context.clock,
        secret_key=kopeyka.context.secret_key,
    )
    scheduler = create_scheduler(context, kopeyka.bot)
    (job,) = [job for job in scheduler.get_jobs() if job.func.__name__ == "push"]
    await job.func()


async def test_expenses_and_an_undo_in_the_bot_appear_in_the_sheet_once(
    kopeyka: Running, google: FakeSheets, tmp_path: Path
) -> None:
    spreadsheet = google.create_spreadsheet("Копейка")
    key = service_account_file(tmp_path, google.token_uri)
    owner = kopeyka.owner
    await owner.send("1500 такси")
    await owner.tap("✅ Сохранить")
    await owner.send("15к реклама")
    await owner.tap("✅ Сохранить")
    await owner.tap("↩️ Отменить")
    await owner.tap("Да, отменить №2")

    await scheduled_push(kopeyka, google, spreadsheet, key)
    await scheduled_push(kopeyka, google, spreadsheet, key)  # nothing new: nothing doubled

    rows = [row for row in google.values(spreadsheet, OPERATIONS)[1:] if any(row)]
    entries = await kopeyka.entries()
    assert [int(row[14]) for row in rows] == [entry.id for entry in entries]
    assert [(row[2], row[3], row[4]) for row in rows] == [
        ("расход", "Транспорт", -1500),
        ("расход", "Маркетинг", -15000),
        ("сторно", "Маркетинг", 15000),
    ]
    assert "сторно записи №" in rows[2][12]
