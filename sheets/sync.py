"""Keeping the Google Sheets projection up to date, from the database, in batched requests.

«Операции» rows are written by position: the database remembers which row holds which entry
(`sheet_rows`), so a write retried after a timeout lands on the same cells and an entry never
appears twice, and an entry whose transaction committed late is still picked up. Each push
writes up to `chunk_rows` rows in one `batchUpdate` (resizing the grid in the same request);
the summary sheets are rewritten only when what they show changed. Rows written in another
layout than today's (before the «Чек» column, before receipt links or with links signed by
another key) are written again, once, in place: the database remembers which layout a
spreadsheet's rows have, and the rewrite resumes like any push if Google fails midway.

Requests are paced (one a second at most: Google's advice per spreadsheet, and under 60
writes a minute); a 429 or 5xx is retried with backoff, and when Google stays down the push
stops and the next one resumes from the database — nothing is lost, and the bot never waits for it.

gspread is synchronous: every call runs in a worker thread.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import gspread
from sqlalchemy import delete, func, select

from config.settings import Settings
from ledger.categories import resolution
from ledger.clock import Clock
from ledger.notices import SheetsProblem
from ledger.storage.database import Database
from ledger.storage.models import SheetRowRow, SheetStateRow
from sheets.google_client import classify, open_spreadsheet
from sheets.google_requests import (
    SPARE_ROWS,
    Request,
    clear_rows_request,
    resize_request,
    rows_request,
    spreadsheet_properties_request,
    structure_requests,
)
from sheets.layout import (
    OPERATIONS,
    OPERATIONS_COLUMNS,
    OPERATIONS_ROWS_VERSION,
    ReceiptLink,
    WorkbookLayout,
    build_layout,
    operations_row,
    operations_sheet,
)
from sheets.projection import load_shape, load_summary_projection, load_unwritten

log = logging.getLogger(__name__)

Connect = Callable[[], gspread.Spreadsheet]
Sleep = Callable[[float], Awaitable[None]]


class SheetsUnavailable(Exception):
    """Google refused or could not be reached; `reason` is short and safe to log, `problem`
    what the owner is told (`sheets.health`)."""

    def __init__(
        self, reason: str, *, retryable: bool, problem: SheetsProblem | None = None
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable
        if problem is None:
            problem = SheetsProblem.UNAVAILABLE if retryable else SheetsProblem.REFUSED
        self.problem = problem


@dataclass(slots=True)
class PushReport:
    rows_written: int = 0
    write_requests: int = 0
    summary_rewritten: bool = False


@dataclass(frozen=True, slots=True)
class Pacing:
    """How requests are spaced and retried (tests and benchmarks pass their own)."""

    min_interval: float = 1.1  # ~55 writes a minute: headroom under the quota of 60
    attempts: int = 5
    backoff_base: float = 2.0
    backoff_cap: float = 60.0


class SheetsSync:
    def __init__(
        self,
        database: Database,
        clock: Clock,
        connect: Connect,
        spreadsheet_id: str,
        *,
        chunk_rows: int = 2000,
        pacing: Pacing | None = None,
        sleep: Sleep | None = None,
        monotonic: Callable[[], float] | None = None,
        rng: random.Random | None = None,
        receipt_link: ReceiptLink | None = None,
    ) -> None:
        self._database = database
        self._clock = clock
        self._connect = connect
        self.spreadsheet_id = spreadsheet_id
        self._chunk_rows = chunk_rows
        self._pacing = pacing or Pacing()
        # Waits are the clock's unless a caller (a benchmark) times them on its own.
        self._sleep = sleep or clock.sleep
        self._monotonic = monotonic or clock.monotonic
        self._rng = rng or random.Random()
        self._receipt_link = receipt_link
        self._operations_layout = operations_layout(receipt_link)
        self._spreadsheet: gspread.Spreadsheet | None = None
        self._last_write = -float("inf")
        self._lock = asyncio.Lock()

    # --- what callers do ------------------------------------------------------------------

    async def init(self) -> PushReport:
        """Create or repair the layout: sheets, headers, formats, formulas, charts."""
        async with self._lock:
            report = PushReport()
            await self._write_summary(report, force=True)
            return report

    async def push(self) -> PushReport:
        """New entries since the last push, and the summary sheets if they changed; all the
        rows again when a category name they show changed (a rename, a merge)."""
        async with self._lock:
            report = PushReport()
            await self._write_summary(report, force=False)
            await self._follow_operations_layout()
            await self._follow_category_names()
            await self._write_operations(report)
            return report

    async def rebuild(self) -> PushReport:
        """Rewrite the whole projection from the database (hand edits are put right)."""
        async with self._lock:
            async with self._database.write() as session:
                state = await self._state(session)
                await self._forget_rows(session, state)
                state.summary_digest = None
                state.operations_layout = self._operations_layout
            await self._follow_category_names()
            report = PushReport()
            await self._write_summary(report, force=True)
            await self._write_operations(report)
            await self._clear_leftover_rows(report)
            return report

    # --- the summary sheets ----------------------------------------------------------------

    async def _layout(self) -> WorkbookLayout:
        async with self._database.read() as session:
            projection = await load_summary_projection(session)
            shape = await load_shape(session)
        return build_layout(projection, self._clock.today(), shape)

    async def _write_summary(self, report: PushReport, *, force: bool) -> None:
        layout = await self._layout()
        digest = hashlib.sha256(repr(layout.sheets).encode()).hexdigest()
        async with self._database.read() as session:
            state = await session.get(SheetStateRow, self.spreadsheet_id)
            known = state.summary_digest if state is not None else None
        if not force and known == digest:
            return
        metadata = await self._metadata()
        titles = {sheet["properties"]["title"] for sheet in metadata["sheets"]}
        missing = [sheet for sheet in layout.sheets if sheet.title not in titles]
        if missing:
            await self._batch(
                [{"addSheet": {"properties": {"title": sheet.title}}} for sheet in missing],
                report,
            )
            metadata = await self._metadata()
        sheet_ids = {
            s["properties"]["title"]: s["properties"]["sheetId"] for s in metadata["sheets"]
        }
        existing = {s["properties"]["title"]: s for s in metadata["sheets"]}
        # Locale and time zone only on init and rebuild: a push does not undo an owner's choice.
        requests: list[Request] = (
            [spreadsheet_properties_request(self._clock.tz.key)] if force else []
        )
        for index, sheet in enumerate(layout.sheets):
            current = existing[sheet.title]
            is_operations = sheet.title == OPERATIONS
            requests.append(
                {
                    "updateSheetProperties": {
                        "properties": {"sheetId": sheet_ids[sheet.title], "index": index},
                        "fields": "index",
                    }
                }
            )
            requests += structure_requests(
                sheet,
                sheet_ids,
                current,
                write_rows=not is_operations,
                row_count=current["properties"]["gridProperties"]["rowCount"]
                if is_operations
                else 0,
            )
        await self._batch(requests, report)
        report.summary_rewritten = True
        async with self._database.write() as session:
            (await self._state(session)).summary_digest = digest

    # --- «Операции» ------------------------------------------------------------------------

    async def _follow_operations_layout(self) -> None:
        """Rows written in another layout are forgotten, so this push writes them all again
        where they are (in posting order, as they were written)."""
        async with self._database.write() as session:
            state = await self._state(session)
            if state.operations_layout == self._operations_layout:
                return
            await self._forget_rows(session, state)
            state.operations_layout = self._operations_layout
            state.updated_at = self._clock.now()

    async def _write_operations(self, report: PushReport) -> None:
        operations = operations_sheet(())  # its columns and header row; rows are ours to write
        width = len(operations.columns)
        sheet_id: int | None = None
        row_count = 0
        while True:
            async with self._database.read() as session:
                rows = await load_unwritten(session, self.spreadsheet_id, self._chunk_rows)
                state = await session.get(SheetStateRow, self.spreadsheet_id)
                written = state.rows_written if state is not None else 0
            if not rows:
                return
            if sheet_id is None:
                sheet_id, row_count = await self._sheet_size(OPERATIONS)
            first = operations.first_row + written
            last = first + len(rows) - 1
            requests: list[Request] = []
            if last > row_count:
                row_count = last + SPARE_ROWS
                requests.append(resize_request(sheet_id, row_count, width))
            values = [operations_row(row, self._receipt_link) for row in rows]
            requests.append(rows_request(sheet_id, first, values, width))
            await self._batch(requests, report)
            await self._remember(rows_ids=[r.entry_id for r in rows], first=first)
            report.rows_written += len(rows)

    async def _follow_category_names(self) -> None:
        """Rows show each entry's category by name: when a name they were written with has
        changed since (a rename; a merge, whose entries show the target's), all are rewritten."""
        async with self._database.read() as session:
            state = await session.get(SheetStateRow, self.spreadsheet_id)
            known = (state.category_names if state is not None else None) or {}
            names = {str(id_): name for id_, name in (await resolution(session)).names().items()}
        if names == known:
            return
        async with self._database.write() as session:
            state = await self._state(session)
            if any(known.get(id_, name) != name for id_, name in names.items()):
                await self._forget_rows(session, state)
            state.category_names = names

    async def _forget_rows(self, session: Any, state: SheetStateRow) -> None:
        """Every row is to be written again, from the first (over what the sheet holds)."""
        await session.execute(
            delete(SheetRowRow).where(SheetRowRow.spreadsheet_id == self.spreadsheet_id)
        )
        state.rows_written = 0

    async def _remember(self, rows_ids: list[int], first: int) -> None:
        async with self._database.write() as session:
            session.add_all(
                SheetRowRow(spreadsheet_id=self.spreadsheet_id, entry_id=entry_id, row_number=row)
                for row, entry_id in enumerate(rows_ids, start=first)
            )
            state = await self._state(session)
            state.rows_written += len(rows_ids)
            state.updated_at = self._clock.now()

    async def _clear_leftover_rows(self, report: PushReport) -> None:
        """After a rebuild: rows below the last entry (left by hand or an older projection)."""
        operations = operations_sheet(())  # its columns and header row; rows are ours to write
        async with self._database.read() as session:
            written = await session.scalar(
                select(func.count())
                .select_from(SheetRowRow)
                .where(SheetRowRow.spreadsheet_id == self.spreadsheet_id)
            )
        sheet_id, row_count = await self._sheet_size(OPERATIONS)
        first_empty = operations.first_row + (written or 0)
        if first_empty <= row_count:
            request = clear_rows_request(sheet_id, first_empty, row_count, len(operations.columns))
            await self._batch([request], report)

    # --- talking to Google -----------------------------------------------------------------

    async def _state(self, session: Any) -> SheetStateRow:
        state = await session.get(SheetStateRow, self.spreadsheet_id)
        if state is None:
            # No rows written yet: whatever is written next is in today's layout.
            state = SheetStateRow(
                spreadsheet_id=self.spreadsheet_id,
                rows_written=0,
                operations_layout=self._operations_layout,
                updated_at=self._clock.now(),
            )
            session.add(state)
        return state

    async def _sheet_size(self, title: str) -> tuple[int, int]:
        for sheet in (await self._metadata())["sheets"]:
            if sheet["properties"]["title"] == title:
                return sheet["properties"]["sheetId"], sheet["properties"]["gridProperties"][
                    "rowCount"
                ]
        raise SheetsUnavailable(f"the sheet «{title}» is missing: run sheet init", retryable=False)

    async def _metadata(self) -> dict[str, Any]:
        spreadsheet = await self._open()
        return await self._call(spreadsheet.fetch_sheet_metadata)

    async def _batch(self, requests: list[Request], report: PushReport) -> None:
        spreadsheet = await self._open()
        await self._pace()
        await self._call(spreadsheet.batch_update, {"requests": requests})
        report.write_requests += 1

    async def _open(self) -> gspread.Spreadsheet:
        if self._spreadsheet is None:
            self._spreadsheet = await self._call(self._connect)
        return self._spreadsheet

    async def _pace(self) -> None:
        wait = self._last_write + self._pacing.min_interval - self._monotonic()
        if wait > 0:
            await self._sleep(wait)
        self._last_write = self._monotonic()

    async def _call(self, function: Callable[..., Any], *args: Any) -> Any:
        """Run a gspread call in a thread; retry what can be retried, with jittered backoff."""
        pacing = self._pacing
        for attempt in range(pacing.attempts):
            try:
                return await asyncio.to_thread(function, *args)
            except Exception as exc:  # classified below: every failure becomes one of ours
                failure = classify(exc)
                if not failure.retryable or attempt + 1 == pacing.attempts:
                    if not failure.retryable:
                        self._spreadsheet = None  # reopen next time (a share or a key changed)
                    raise SheetsUnavailable(
                        failure.reason, retryable=failure.retryable, problem=failure.problem
                    ) from exc
                delay = min(pacing.backoff_cap, pacing.backoff_base * 2**attempt)
                log.info("Google Sheets: %s; retrying in %.1f s", failure.reason, delay)
                await self._sleep(delay * self._rng.uniform(0.5, 1.0))
        raise AssertionError("unreachable")  # the loop returns or raises


def operations_layout(receipt_link: ReceiptLink | None) -> str:
    """What a spreadsheet's «Операции» rows depend on besides the entries: the columns, the
    rows' version and the receipt links (their address and key, seen in a sample link)."""
    titles = "|".join(column.title for column in OPERATIONS_COLUMNS)
    sample = receipt_link(0) if receipt_link is not None else ""
    key = f"{OPERATIONS_ROWS_VERSION}|{titles}|{sample}"
    return hashlib.sha256(key.encode()).hexdigest()


def create_sheets_sync(
    settings: Settings,
    database: Database,
    clock: Clock,
    *,
    receipt_link: ReceiptLink | None = None,
) -> SheetsSync | None:
    """The sync from `GOOGLE_SERVICE_ACCOUNT_FILE`, `SHEET_ID` (and the endpoint override);
    None when Google Sheets is not configured (the XLSX export still works). With
    `receipt_link`, a receipt's cell links to the file the web app serves.
    """
    if not settings.sheets_configured:
        return None
    endpoint = str(settings.google_sheets_endpoint) if settings.google_sheets_endpoint else None
    connect = functools.partial(
        open_spreadsheet, settings.google_service_account_file, settings.sheet_id, endpoint
    )
    return SheetsSync(database, clock, connect, settings.sheet_id, receipt_link=receipt_link)
