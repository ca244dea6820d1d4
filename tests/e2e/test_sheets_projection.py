"""The owner's expenses from Telegram reach Google Sheets through the scheduled push, exactly
as the running bot would do it: real bot, real scheduler job, real gspread, fake Sheets.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from app.runtime import create_scheduler
from sheets.layout import OPERATIONS
from tests.e2e.conftest import OWNER_ID, Running
from tests.fakes.sheets import FakeSheets
from tests.integrations.sheets.test_google_client import CLIENT_EMAIL, service_account_file


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


async def scheduled_outbox(kopeyka: Running) -> None:
    """The scheduler's outbox job, run once: notices reach Telegram."""
    scheduler = create_scheduler(kopeyka.context, kopeyka.bot)
    (job,) = [job for job in scheduler.get_jobs() if job.func.__name__ == "run_once"]
    await job.func()


def sheet_notices(kopeyka: Running) -> list[str]:
    return [m.body for m in kopeyka.telegram.chat(OWNER_ID) if "Google Таблица" in m.body]


async def test_a_revoked_share_reaches_the_owner_at_once_and_once_then_its_repair(
    kopeyka: Running, google: FakeSheets, tmp_path: Path
) -> None:
    spreadsheet = google.create_spreadsheet("Копейка", shared_with=[CLIENT_EMAIL])
    key = service_account_file(tmp_path, google.token_uri)
    owner = kopeyka.owner
    await owner.send("1500 такси")
    await owner.tap("✅ Сохранить")
    await scheduled_push(kopeyka, google, spreadsheet, key)

    google.spreadsheets[spreadsheet].shared_with = frozenset()  # the owner unshared it
    await owner.send("350 кофе")
    await owner.tap("✅ Сохранить")
    for _ in range(3):
        await scheduled_push(kopeyka, google, spreadsheet, key)
        await scheduled_outbox(kopeyka)

    [told] = sheet_notices(kopeyka)
    assert "перестала обновляться: у бота нет доступа к таблице" in told
    assert f"добавьте {CLIENT_EMAIL} как редактора" in told
    assert "Записи не потеряны" in told

    google.spreadsheets[spreadsheet].shared_with = frozenset({CLIENT_EMAIL})
    await scheduled_push(kopeyka, google, spreadsheet, key)
    await scheduled_push(kopeyka, google, spreadsheet, key)
    await scheduled_outbox(kopeyka)

    assert sheet_notices(kopeyka)[1:] == [
        "✅ Google Таблица снова обновляется: всё, что накопилось, дописано."
    ]
    rows = [row for row in google.values(spreadsheet, OPERATIONS)[1:] if any(row)]
    assert [int(row[14]) for row in rows] == [entry.id for entry in await kopeyka.entries()]


async def test_a_deleted_spreadsheet_reaches_the_owner_with_the_sheet_id_to_check(
    kopeyka: Running, google: FakeSheets, tmp_path: Path
) -> None:
    spreadsheet = google.create_spreadsheet("Копейка")
    key = service_account_file(tmp_path, google.token_uri)
    del google.spreadsheets[spreadsheet]
    await kopeyka.owner.send("1500 такси")
    await kopeyka.owner.tap("✅ Сохранить")

    await scheduled_push(kopeyka, google, spreadsheet, key)
    await scheduled_outbox(kopeyka)

    [told] = sheet_notices(kopeyka)
    assert "таблица не найдена" in told
    assert f"Таблицы {spreadsheet} нет" in told
