"""The owner's workbook as a file (`/report`): the projection written to XLSX bytes."""

from __future__ import annotations

import asyncio
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from ledger.clock import Clock
from ledger.roles import Actor, Role
from ledger.storage.uow import UnitOfWork
from sheets.projection import Projection, load_projection


@dataclass(frozen=True, slots=True)
class Workbook:
    content: bytes
    entries: int


class ReportService:
    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._session = uow.session
        self._clock = clock

    async def workbook(self, actor: Actor, month: str | None = None) -> Workbook:
        """The whole ledger, or one "YYYY-MM" month; written in a worker thread, since
        100,000 entries take seconds.
        """
        actor.require(Role.OWNER)
        projection = await load_projection(self._session, month)
        today = self._clock.today()
        content = await asyncio.to_thread(_workbook_bytes, projection, today)
        return Workbook(content=content, entries=len(projection.ledger))


def _workbook_bytes(projection: Projection, today: date) -> bytes:
    """Written to a scratch directory and read back (openpyxl writes files). The writer, and
    openpyxl with it, is imported here: only a report needs it, not every start.
    """
    from sheets.xlsx import export_xlsx

    with tempfile.TemporaryDirectory(prefix="kopeyka-report-") as scratch:
        return export_xlsx(projection, Path(scratch) / "report.xlsx", today).read_bytes()
