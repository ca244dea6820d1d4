"""Google failures reach the owners: a refusal that stays at once and once, its repair once,
and whatever failed in the day's summary — against the fake Sheets server."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from amocrm_client.sync import summarize_day
from ledger.clock import FrozenClock
from ledger.notices import (
    Notification,
    SheetsBroken,
    SheetsDailySummary,
    SheetsProblem,
    SheetsRestored,
)
from ledger.storage.database import Database
from ledger.storage.models import OutboxRow
from sheets.google_client import open_spreadsheet, service_account_email
from sheets.health import SheetsWatch
from sheets.sync import Pacing, SheetsSync
from tests.fakes.sheets import FakeSheets
from tests.integrations.sheets.test_google_client import CLIENT_EMAIL, service_account_file
from tests.integrations.sheets.test_sync import SPENDING, post_entries

NO_WAIT = Pacing(min_interval=0, attempts=2, backoff_base=0.001, backoff_cap=0.001)
OWNERS = (1111111, 2222222)


@pytest.fixture
async def fake() -> AsyncIterator[FakeSheets]:
    async with FakeSheets() as server:
        yield server


def watch_for(
    fake: FakeSheets, spreadsheet: str, key: Path, database: Database, clock: FrozenClock
) -> SheetsWatch:
    connect = functools.partial(open_spreadsheet, key, spreadsheet, fake.base_url)
    sync = SheetsSync(database, clock, connect, spreadsheet, pacing=NO_WAIT)
    return SheetsWatch(sync, database, clock, OWNERS, account=service_account_email(key))


async def notices(database: Database) -> list[Notification]:
    async with database.read() as session:
        payloads = await session.scalars(select(OutboxRow.payload).order_by(OutboxRow.id))
        return [Notification.from_payload(payload) for payload in payloads]


async def test_a_revoked_share_is_told_at_once_once_and_its_repair_once(
    fake: FakeSheets, database: Database, clock: FrozenClock, tmp_path: Path
) -> None:
    key = service_account_file(tmp_path, fake.token_uri)
    spreadsheet = fake.create_spreadsheet("Копейка", shared_with=[CLIENT_EMAIL])
    watch = watch_for(fake, spreadsheet, key, database, clock)
    assert await watch.push() is not None

    fake.spreadsheets[spreadsheet].shared_with = frozenset({"someone@else.example"})
    await post_entries(database, clock, SPENDING[:1])  # a push talks to Google for something
    for _ in range(3):  # every scheduled push fails the same way
        assert await watch.push() is None
        clock.advance(timedelta(minutes=1))

    broken = SheetsBroken(SheetsProblem.NO_ACCESS.value, spreadsheet, CLIENT_EMAIL)
    assert await notices(database) == [Notification(owner, broken) for owner in OWNERS]

    fake.spreadsheets[spreadsheet].shared_with = frozenset({CLIENT_EMAIL})
    assert await watch.push() is not None
    assert await watch.push() is not None

    told = await notices(database)
    assert told[2:] == [Notification(owner, SheetsRestored()) for owner in OWNERS]

    fake.spreadsheets[spreadsheet].shared_with = frozenset()  # and revoked once more
    await post_entries(database, clock, SPENDING[1:2])
    await watch.push()
    assert (await notices(database))[4:] == [Notification(owner, broken) for owner in OWNERS]


async def test_a_deleted_spreadsheet_names_the_sheet_id_to_check(
    fake: FakeSheets, database: Database, clock: FrozenClock, tmp_path: Path
) -> None:
    key = service_account_file(tmp_path, fake.token_uri)
    spreadsheet = fake.create_spreadsheet("Копейка")
    watch = watch_for(fake, spreadsheet, key, database, clock)
    await watch.push()

    del fake.spreadsheets[spreadsheet]
    await post_entries(database, clock, SPENDING[:1])
    await watch.push()
    await watch.push()

    broken = SheetsBroken(SheetsProblem.NOT_FOUND.value, spreadsheet, CLIENT_EMAIL)
    assert await notices(database) == [Notification(owner, broken) for owner in OWNERS]


async def test_a_refused_key_is_told_as_such(
    fake: FakeSheets, database: Database, clock: FrozenClock, tmp_path: Path
) -> None:
    key = service_account_file(tmp_path, fake.token_uri)
    spreadsheet = fake.create_spreadsheet("Копейка")
    fake.revoked_keys.add(CLIENT_EMAIL)  # the key was deleted in the Cloud console

    await watch_for(fake, spreadsheet, key, database, clock).push()

    broken = SheetsBroken(SheetsProblem.KEY_REFUSED.value, spreadsheet, CLIENT_EMAIL)
    assert await notices(database) == [Notification(owner, broken) for owner in OWNERS]


async def test_google_down_waits_for_the_days_summary_which_comes_once(
    fake: FakeSheets, database: Database, clock: FrozenClock, tmp_path: Path
) -> None:
    key = service_account_file(tmp_path, fake.token_uri)
    spreadsheet = fake.create_spreadsheet("Копейка")
    watch = watch_for(fake, spreadsheet, key, database, clock)
    assert await watch.report_day() is None  # nothing failed: nothing said

    fake.down = True
    await post_entries(database, clock, SPENDING[:1])
    for _ in range(4):
        assert await watch.push() is None
        clock.advance(timedelta(minutes=5))
    fake.down = False
    await watch.push()
    assert await notices(database) == []  # it passed by itself: nobody was woken

    summary = await watch.report_day()
    again = await watch.report_day()

    expected = SheetsDailySummary(4, SheetsProblem.UNAVAILABLE.value, broken=False)
    assert summary == expected
    assert again is None
    assert await notices(database) == [Notification(owner, expected) for owner in OWNERS]
    amocrm = await summarize_day(database, clock)
    assert amocrm.errors == 0  # Google's failures are not amoCRM's

    clock.advance(timedelta(days=1, minutes=1))
    assert await watch.report_day() is None  # yesterday's failures were told yesterday


async def test_the_summary_says_when_a_refusal_still_stands(
    fake: FakeSheets, database: Database, clock: FrozenClock, tmp_path: Path
) -> None:
    key = service_account_file(tmp_path, fake.token_uri)
    spreadsheet = fake.create_spreadsheet("Копейка", shared_with=["someone@else.example"])
    watch = watch_for(fake, spreadsheet, key, database, clock)
    await watch.push()
    fake.down = True
    await watch.push()

    summary = await watch.report_day()

    # The latest failure was Google down, but the refusal before it has not been repaired.
    assert summary == SheetsDailySummary(2, SheetsProblem.UNAVAILABLE.value, broken=True)
