"""Ledger entries as people read them: history (paged, narrowed to a category or a month),
one entry, its receipt, and undo by reversal."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Generic, TypeVar

from sqlalchemy import Select, extract, select
from sqlalchemy.orm import aliased

from ledger.attachments import Receipt
from ledger.categories import Category, resolution
from ledger.clock import Clock
from ledger.confirmation import check_in_time, deadline
from ledger.errors import NotFound
from ledger.journal import Journal
from ledger.money import Money
from ledger.profit import MonthError, next_month
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
    has_receipt: bool = False


@dataclass(frozen=True, slots=True)
class EntryFilter:
    """Which entries a history shows: of one category, of one month (its first day), or of
    any (None)."""

    category_id: int | None = None
    month: date | None = None

    @property
    def is_on(self) -> bool:
        return self.category_id is not None or self.month is not None


@dataclass(frozen=True, slots=True)
class Page:
    entries: list[Entry]
    has_older: bool
    is_first: bool
    only: EntryFilter = field(default_factory=EntryFilter)
    category_name: str | None = None  # the filter's category, by its name now
    before: int | None = None  # the entry this page is older than; None: the newest


T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Options(Generic[T]):
    """One page of what a filter can be set to."""

    items: list[T]
    has_more: bool


# "11.2026" as the history is asked for; "2026-11" as /report takes it.
_MONTH = re.compile(r"(?:(0?[1-9]|1[0-2])[./](\d{4})|(\d{4})-(0[1-9]|1[0-2]))")


class HistoryMonthError(MonthError):
    """A month typed after /history that is none, or has not begun ("format", "future")."""


def read_month(text: str, today: date) -> date:
    """The month typed after /history, as its first day; HistoryMonthError says what is
    wrong."""
    match = _MONTH.fullmatch(text.strip())
    if match is None:
        raise HistoryMonthError("format")
    month, year = (match[1], match[2]) if match[1] else (match[4], match[3])
    if int(year) < 1:  # "01.0000": no such year in the calendar
        raise HistoryMonthError("format")
    first = date(int(year), int(month), 1)
    if first > today:
        raise HistoryMonthError("future")
    return first


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

    async def receipt(self, actor: Actor, entry_id: int) -> Receipt:
        """The receipt kept with an entry, for the person who may see the entry (the owner:
        every entry is theirs to see); NotFound for no such entry or no receipt."""
        actor.require(Role.OWNER)
        row = await self._session.get(EntryRow, entry_id)
        if row is None:
            raise NotFound("entry", entry_id)
        receipt = Receipt.stored(row.receipt_file_id, row.receipt_kind)
        if receipt is None:
            raise NotFound("receipt", entry_id)
        return receipt

    async def get(self, entry_id: int) -> Entry:
        row = await self._session.get(EntryRow, entry_id)
        if row is None:
            raise NotFound("entry", entry_id)
        return await self._entry(row)

    def read_month(self, text: str) -> date:
        """A month as the owner types it: "11.2026" (or "2026-11")."""
        return read_month(text, self._clock.today())

    async def page(
        self,
        actor: Actor,
        *,
        before: int | None = None,
        limit: int = 10,
        only: EntryFilter = EntryFilter(),
    ) -> Page:
        """Up to `limit` entries older than entry `before` (newest first; None: the newest)
        that pass `only`, and whether older ones remain. The database does the narrowing.
        NotFound for a category that does not exist."""
        actor.require(Role.OWNER)
        category_name = None
        if only.category_id is not None:
            category = await self._session.get(CategoryRow, only.category_id)
            if category is None:
                raise NotFound("category", only.category_id)
            category_name = category.name
        ids = _narrowed(select(EntryRow.id), only).order_by(EntryRow.id.desc()).limit(limit + 1)
        if before is not None:
            ids = ids.where(EntryRow.id < before)
        found = await self._entries(ids)
        return Page(
            found[:limit],
            has_older=len(found) > limit,
            is_first=before is None,
            only=only,
            category_name=category_name,
            before=before,
        )

    async def categories_used(
        self, actor: Actor, *, month: date | None = None, offset: int = 0, limit: int = 10
    ) -> Options[Category]:
        """Categories that have entries (in `month`, if given), in the owner's order, retired
        ones too: what the history can be narrowed to."""
        actor.require(Role.OWNER)
        used = _narrowed(select(EntryRow.id), EntryFilter(month=month)).where(
            EntryRow.category_id == CategoryRow.id
        )
        rows = await self._session.execute(
            select(CategoryRow.id, CategoryRow.name)
            .where(used.exists())
            .order_by(CategoryRow.position, CategoryRow.id)
            .offset(offset)
            .limit(limit + 1)
        )
        found = [Category(row.id, row.name) for row in rows]
        return Options(found[:limit], has_more=len(found) > limit)

    async def months_used(
        self, actor: Actor, *, category_id: int | None = None, offset: int = 0, limit: int = 12
    ) -> Options[date]:
        """Months that have entries (of `category_id`, if given), latest first, as first days."""
        actor.require(Role.OWNER)
        year = extract("year", EntryRow.entry_date)
        month = extract("month", EntryRow.entry_date)
        rows = await self._session.execute(
            _narrowed(select(year, month), EntryFilter(category_id=category_id))
            .group_by(year, month)
            .order_by(year.desc(), month.desc())
            .offset(offset)
            .limit(limit + 1)
        )
        found = [date(int(y), int(m), 1) for y, m in rows]
        return Options(found[:limit], has_more=len(found) > limit)

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
        """Entries with their author and reversal, newest first, each under the category it
        counts in now (a merged category's entries under the one it was merged into)."""
        reversal = aliased(EntryRow)
        rows = await self._session.execute(
            select(EntryRow, UserRow.name, reversal.id)
            .join(UserRow, UserRow.id == EntryRow.created_by)
            .outerjoin(reversal, reversal.reverses_entry_id == EntryRow.id)
            .where(EntryRow.id.in_(ids.scalar_subquery()))
            .order_by(EntryRow.id.desc())
        )
        categories = await resolution(self._session)
        return [
            entry_view(row, categories.of(row.category_id).name, author, reversed_by=reversed_by)
            for row, author, reversed_by in rows
        ]


def _narrowed(query: Select, only: EntryFilter) -> Select:
    if only.category_id is not None:
        query = query.where(EntryRow.category_id == only.category_id)
    if only.month is not None:
        # A date range, not a function of the column: the index on entry_date serves it.
        query = query.where(
            EntryRow.entry_date >= only.month, EntryRow.entry_date < next_month(only.month)
        )
    return query


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
        has_receipt=row.receipt_file_id is not None,
    )
