"""Ledger entries as people read them: history, one entry, and undo by reversal."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import aliased

from ledger.clock import Clock
from ledger.confirmation import check_in_time, deadline
from ledger.errors import NotFound
from ledger.journal import Journal
from ledger.money import Money
from ledger.roles import Actor, Role
from ledger.storage.models import CategoryRow, EntryRow, UserRow
from ledger.storage.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class Entry:
    id: int
    kind: str
    amount: Money  # signed: an expense is negative
    category_name: str
    entry_date: date
    description: str
    comment: str | None
    created_at: datetime
    created_by_name: str
    reverses_entry_id: int | None
    reversed_by_entry_id: int | None = None


@dataclass(frozen=True, slots=True)
class Page:
    entries: list[Entry]
    has_older: bool
    is_first: bool


class EntryBook:
    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow = uow
        self._session = uow.session
        self._clock = clock
        self._journal = Journal(uow, clock)

    async def ask_to_reverse(self, actor: Actor, entry_id: int) -> int:
        """The first of undo's two taps: the entry can still be undone (else why not), and
        until when the "yes" may come (a time stamp for the confirm button to carry)."""
        actor.require(Role.OWNER)
        await self._journal.ensure_reversible(entry_id)
        return deadline(self._clock)

    async def reverse(self, actor: Actor, entry_id: int, *, confirmed_until: int) -> Entry:
        """Post the opposite of an entry (same category, dimensions and date); once only,
        and only on a "yes" tapped in time.

        Replayed (`UnitOfWork.replaying`: the undo was done by a delivery that died before it
        answered), the reversal it posted, however late it is now.
        """
        actor.require(Role.OWNER)
        if self._uow.replaying:
            return await self._reversal_of(entry_id)
        check_in_time(self._clock, confirmed_until)
        async with self._uow.write():
            reversal = await self._journal.reverse(actor, entry_id)
            await self._uow.commit()
        return await self._entry(reversal)

    async def get(self, entry_id: int) -> Entry:
        row = await self._session.get(EntryRow, entry_id)
        if row is None:
            raise NotFound("entry", entry_id)
        return await self._entry(row)

    async def recent(self, actor: Actor, limit: int = 10) -> list[Entry]:
        return (await self.page(actor, limit=limit)).entries

    async def page(self, actor: Actor, *, before: int | None = None, limit: int = 10) -> Page:
        """Up to `limit` entries older than entry `before` (newest first; None: the newest),
        and whether older ones remain."""
        actor.require(Role.OWNER)
        ids = select(EntryRow.id).order_by(EntryRow.id.desc()).limit(limit + 1)
        if before is not None:
            ids = ids.where(EntryRow.id < before)
        found = await self._entries(ids)
        return Page(found[:limit], has_older=len(found) > limit, is_first=before is None)

    async def _reversal_of(self, entry_id: int) -> Entry:
        reversal = await self._session.scalar(
            select(EntryRow).where(EntryRow.reverses_entry_id == entry_id)
        )
        if reversal is None:
            raise NotFound("reversal", entry_id)
        return await self._entry(reversal)

    async def _entry(self, row: EntryRow) -> Entry:
        [entry] = await self._entries(select(EntryRow.id).where(EntryRow.id == row.id))
        return entry

    async def _entries(self, ids: Select) -> list[Entry]:
        """Entries with their category, author and reversal, in one query, newest first."""
        reversal = aliased(EntryRow)
        rows = await self._session.execute(
            select(EntryRow, CategoryRow.name, UserRow.name, reversal.id)
            .join(CategoryRow, CategoryRow.id == EntryRow.category_id)
            .join(UserRow, UserRow.id == EntryRow.created_by)
            .outerjoin(reversal, reversal.reverses_entry_id == EntryRow.id)
            .where(EntryRow.id.in_(ids.scalar_subquery()))
            .order_by(EntryRow.id.desc())
        )
        return [
            entry_view(row, category_name, author_name, reversed_by=reversed_by)
            for row, category_name, author_name, reversed_by in rows
        ]


def entry_view(
    row: EntryRow, category_name: str, author_name: str, *, reversed_by: int | None
) -> Entry:
    return Entry(
        id=row.id,
        kind=row.kind,
        amount=Money.from_minor_units(row.amount_minor, row.currency),
        category_name=category_name,
        entry_date=row.entry_date,
        description=row.description,
        comment=row.comment,
        created_at=row.created_at,
        created_by_name=author_name,
        reverses_entry_id=row.reverses_entry_id,
        reversed_by_entry_id=reversed_by,
    )
