"""Telling the owner when Google Sheets fails: at once when it will not pass by itself, and in
the day's summary otherwise.

Google being down or over quota passes: the push retries and, when it gives up, the next one
resumes from the database, so nothing is lost. Those failures are counted (a `sync_runs` row
each, source "sheets") and the owners hear about them once a day, if there were any. A refusal
that stays until someone acts — the share revoked (403), the spreadsheet deleted or SHEET_ID
wrong (404), the service account's key refused — is told at once, with what to check, and
once only: a `sync_marks` row "sheets-broken" holds since when the sheet is broken, written in
the same transaction as the notices. The first push that succeeds again removes it and says
"restored" once.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ledger.clock import Clock
from ledger.notices import (
    NoticeFacts,
    Notification,
    SheetsBroken,
    SheetsDailySummary,
    SheetsProblem,
    SheetsRestored,
)
from ledger.outbox import notify
from ledger.storage.database import Database
from ledger.storage.models import OutboxRow, SyncMarkRow, SyncRunRow
from sheets.sync import PushReport, SheetsSync, SheetsUnavailable

log = logging.getLogger(__name__)

SOURCE_SHEETS = "sheets"
BROKEN_MARK = "sheets-broken"
# The hour the day's summaries go out (amoCRM's at the same hour: amocrm_client.integration).
DAILY_REPORT_HOUR = 9
FAILURES_KEPT = timedelta(days=7)


class SheetsWatch:
    """Runs the pushes of `sync` and tells `owner_chat_ids` what they need to know."""

    def __init__(
        self,
        sync: SheetsSync,
        database: Database,
        clock: Clock,
        owner_chat_ids: Iterable[int],
        *,
        account: str | None,
    ) -> None:
        self._sync = sync
        self._database = database
        self._clock = clock
        self._owners = sorted(set(owner_chat_ids))
        self._account = account

    async def push(self) -> PushReport | None:
        """One scheduled push; a failure is logged, counted and, if lasting, told (None)."""
        try:
            report = await self._sync.push()
        except SheetsUnavailable as exc:
            # Nothing is lost: the database remembers what the sheet holds; next push resumes.
            log.warning("Google Sheets push failed, will retry: %s", exc.reason)
            await self.failed(exc)
            return None
        if report.rows_written:
            log.info("Google Sheets: %s rows written", report.rows_written)
        await self.succeeded()
        return report

    async def failed(self, failure: SheetsUnavailable) -> None:
        now = self._clock.now()
        async with self._database.write() as session:
            await session.execute(
                delete(SyncRunRow).where(
                    SyncRunRow.source == SOURCE_SHEETS, SyncRunRow.finished_at < now - FAILURES_KEPT
                )
            )
            session.add(
                SyncRunRow(
                    source=SOURCE_SHEETS,
                    finished_at=now,
                    deals_synced=0,
                    webhooks=0,
                    errors=1,
                    last_error=f"{failure.problem.value}: {failure.reason}",
                )
            )
            if failure.retryable or await session.get(SyncMarkRow, BROKEN_MARK) is not None:
                return
            session.add(SyncMarkRow(name=BROKEN_MARK, mark=now, updated_at=now))
            facts = SheetsBroken(failure.problem.value, self._sync.spreadsheet_id, self._account)
            self._tell(session, facts, f"sheets-broken:{now.isoformat()}")
        log.error("Google Sheets refuses the projection, the owners are told: %s", failure.reason)

    async def succeeded(self) -> None:
        async with self._database.read() as session:
            if await session.get(SyncMarkRow, BROKEN_MARK) is None:
                return
        async with self._database.write() as session:
            mark = await session.get(SyncMarkRow, BROKEN_MARK)
            if mark is None:
                return
            await session.delete(mark)
            self._tell(session, SheetsRestored(), f"sheets-restored:{mark.mark.isoformat()}")
        log.info("Google Sheets is written again; the owners are told")

    async def report_day(self) -> SheetsDailySummary | None:
        """The last 24 hours' failed pushes, to the owners once a day; nothing if none."""
        since = self._clock.now() - timedelta(days=1)
        async with self._database.read() as session:
            failures = await session.scalar(
                select(func.count())
                .select_from(SyncRunRow)
                .where(SyncRunRow.source == SOURCE_SHEETS, SyncRunRow.finished_at >= since)
            )
            latest = await session.scalar(
                select(SyncRunRow.last_error)
                .where(SyncRunRow.source == SOURCE_SHEETS, SyncRunRow.finished_at >= since)
                .order_by(SyncRunRow.id.desc())
                .limit(1)
            )
            broken = await session.get(SyncMarkRow, BROKEN_MARK) is not None
        if not failures or not self._owners:
            return None
        summary = SheetsDailySummary(int(failures), _problem_of(latest).value, broken)
        key = f"sheets-daily:{self._clock.today().isoformat()}"
        async with self._database.write() as session:
            told = await session.scalar(
                select(OutboxRow.id).where(OutboxRow.dedupe_key == f"{key}:{self._owners[0]}")
            )
            if told is not None:  # a second run the same day (a restart at that hour)
                return None
            self._tell(session, summary, key)
        return summary

    def _tell(self, session: AsyncSession, facts: NoticeFacts, key: str) -> None:
        for chat_id in self._owners:
            notification = Notification(chat_id, facts)
            notify(session, notification, now=self._clock.now(), dedupe_key=f"{key}:{chat_id}")


def _problem_of(last_error: str | None) -> SheetsProblem:
    """The problem a failure row was recorded with ("no_access: Sheets API 403: …")."""
    head = (last_error or "").partition(":")[0]
    try:
        return SheetsProblem(head)
    except ValueError:
        return SheetsProblem.UNAVAILABLE
