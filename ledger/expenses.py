"""The owner's direct expenses: a draft card, then one immutable ledger entry; undo reverses.

A draft is a row, so a half-filled card survives a restart. Each change bumps the draft's
revision; buttons carry the revision they were drawn with, so a tap on an outdated card, a
second tap on "save" or a replayed callback changes nothing (see `_claim`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Select, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from ledger import audit
from ledger.amounts import extract_amount
from ledger.categories import CategoryService
from ledger.clock import Clock
from ledger.dates import extract_date, parse_date
from ledger.errors import (
    AlreadyReversed,
    CannotReverse,
    NotAllowed,
    NotFound,
    NotYours,
    StaleDraft,
    TextTooLong,
)
from ledger.money import Money
from ledger.roles import Actor
from ledger.storage.models import CategoryRow, EntryRow, ExpenseDraftRow, UserRow
from ledger.storage.uow import UnitOfWork

MAX_DESCRIPTION = 500
MAX_COMMENT = 1000

OPEN, SAVED, CANCELLED = "open", "saved", "cancelled"
KIND_EXPENSE, KIND_INCOME, KIND_REVERSAL = "expense", "income", "reversal"
# The owner pays from their own pocket unless told otherwise; later flows name other accounts.
ACCOUNT_OWNER = "owner"


@dataclass(frozen=True, slots=True)
class Draft:
    id: int
    revision: int
    status: str
    amount: Money
    category_id: int
    category_name: str
    entry_date: date
    description: str
    comment: str | None
    has_receipt: bool


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


class ExpenseService:
    def __init__(
        self,
        uow: UnitOfWork,
        clock: Clock,
        categories: CategoryService,
        *,
        amount_limit: Decimal,
    ) -> None:
        self._uow = uow
        self._session = uow.session
        self._clock = clock
        self._categories = categories
        self._limit = amount_limit

    # -- drafts --------------------------------------------------------------------------

    async def start_draft(
        self, actor: Actor, text: str, *, receipt_file_id: str | None = None
    ) -> Draft:
        """Read "1500 такси" into a draft with a guessed category; AmountError if no amount."""
        self._require_owner(actor)
        amount, description = extract_amount(text, limit=self._limit)
        entry_date, description = extract_date(description, today=self._clock.today())
        description = description[:MAX_DESCRIPTION]
        category = await self._categories.guess(actor.user_id, description)
        now = self._clock.now()
        row = ExpenseDraftRow(
            user_id=actor.user_id,
            status=OPEN,
            revision=1,
            amount_minor=amount.to_minor_units(),
            currency=amount.currency,
            category_id=category.id,
            entry_date=entry_date or self._clock.today(),
            description=description,
            comment=None,
            receipt_file_id=receipt_file_id,
            created_at=now,
            updated_at=now,
        )
        async with self._uow.write():
            self._session.add(row)
            await self._uow.commit()
        return self._draft(row, category.name)

    async def get_draft(self, actor: Actor, draft_id: int) -> Draft:
        row = await self._own_draft(actor, draft_id)
        return self._draft(row, await self._category_name(row.category_id))

    async def choose_category(
        self, actor: Actor, draft_id: int, revision: int, category_id: int
    ) -> Draft:
        category = await self._categories.get(category_id)
        return await self._change(actor, draft_id, revision, category_id=category.id)

    async def set_date(self, actor: Actor, draft_id: int, revision: int | None, text: str) -> Draft:
        """Date from a button ("сегодня", "вчера") or typed text; DateError says what is wrong."""
        new_date = parse_date(text, today=self._clock.today())
        return await self._change(actor, draft_id, revision, entry_date=new_date)

    async def set_comment(self, actor: Actor, draft_id: int, text: str) -> Draft:
        comment = " ".join(text.split())
        if len(comment) > MAX_COMMENT:
            raise TextTooLong(MAX_COMMENT)
        return await self._change(actor, draft_id, None, comment=comment or None)

    async def cancel(self, actor: Actor, draft_id: int, revision: int) -> Draft:
        async with self._uow.write():
            row = await self._move_on(actor, draft_id, revision, status=CANCELLED)
            await self._uow.commit()
        return self._draft(row, await self._category_name(row.category_id))

    async def save(self, actor: Actor, draft_id: int, revision: int) -> Entry:
        """Post the draft as one ledger entry. Exactly once, however many taps arrive."""
        self._require_owner(actor)
        async with self._uow.write():
            row = await self._move_on(actor, draft_id, revision, status=SAVED)
            entry = await self.log_expense(
                actor,
                amount=Money.from_minor_units(row.amount_minor, row.currency),
                category_id=row.category_id,
                entry_date=row.entry_date,
                description=row.description,
                comment=row.comment,
                receipt_file_id=row.receipt_file_id,
                draft_id=row.id,
            )
            category_name = await self._category_name(row.category_id)
            await self._uow.commit()
        # Built from what was just written: a fresh entry has no reversal to look up.
        return _entry_view(entry, category_name, actor.name, reversed_by=None)

    # -- entries -------------------------------------------------------------------------

    async def log_expense(
        self,
        actor: Actor,
        *,
        amount: Money,
        category_id: int,
        entry_date: date,
        description: str = "",
        comment: str | None = None,
        receipt_file_id: str | None = None,
        draft_id: int | None = None,
    ) -> EntryRow:
        """Post an expense entry (negative amount) in the caller's transaction, with its audit."""
        self._require_owner(actor)
        if amount.amount <= 0:
            raise ValueError("an expense is logged with a positive amount")
        if entry_date > self._clock.today():
            raise ValueError("an expense cannot be dated in the future")
        now = self._clock.now()
        row = EntryRow(
            kind=KIND_EXPENSE,
            amount_minor=-amount.to_minor_units(),
            currency=amount.currency,
            category_id=category_id,
            account=ACCOUNT_OWNER,
            entry_date=entry_date,
            description=description,
            comment=comment,
            receipt_file_id=receipt_file_id,
            draft_id=draft_id,
            created_by=actor.user_id,
            created_at=now,
        )
        self._session.add(row)
        await self._session.flush()
        audit.record(
            self._session,
            at=now,
            actor_user_id=actor.user_id,
            action="entry.posted",
            object_type="entry",
            object_id=row.id,
            after=_entry_snapshot(row),
        )
        await self._categories.learn(actor.user_id, description, category_id)
        return row

    async def reverse_entry(self, actor: Actor, entry_id: int) -> Entry:
        """Post the opposite of an entry (same category, dimensions and date); once only."""
        self._require_owner(actor)
        original = await self._session.get(EntryRow, entry_id)
        if original is None:
            raise NotFound("entry", entry_id)
        if original.kind == KIND_REVERSAL:
            raise CannotReverse
        await self._raise_if_reversed(entry_id)
        now = self._clock.now()
        reversal = EntryRow(
            kind=KIND_REVERSAL,
            amount_minor=-original.amount_minor,
            currency=original.currency,
            category_id=original.category_id,
            account=original.account,
            entry_date=original.entry_date,
            description=original.description,
            comment=original.comment,
            salon=original.salon,
            city=original.city,
            reverses_entry_id=original.id,
            created_by=actor.user_id,
            created_at=now,
        )
        try:
            async with self._uow.write():
                self._session.add(reversal)
                await self._session.flush()
                self._audit_reversal(actor, original, reversal, now)
                await self._uow.commit()
        except IntegrityError:
            # Two undo taps raced: the unique reverses_entry_id let only one through.
            await self._raise_if_reversed(entry_id)
            raise
        return await self._entry(reversal)

    def _audit_reversal(
        self, actor: Actor, original: EntryRow, reversal: EntryRow, now: datetime
    ) -> None:
        audit.record(
            self._session,
            at=now,
            actor_user_id=actor.user_id,
            action="entry.reversed",
            object_type="entry",
            object_id=original.id,
            before=_entry_snapshot(original),
            after=_entry_snapshot(reversal),
        )

    async def get_entry(self, entry_id: int) -> Entry:
        row = await self._session.get(EntryRow, entry_id)
        if row is None:
            raise NotFound("entry", entry_id)
        return await self._entry(row)

    async def recent_entries(self, actor: Actor, limit: int = 10) -> list[Entry]:
        self._require_owner(actor)
        return await self._entries(select(EntryRow.id).order_by(EntryRow.id.desc()).limit(limit))

    # -- internals -----------------------------------------------------------------------

    @staticmethod
    def _require_owner(actor: Actor) -> None:
        if not actor.is_owner:
            raise NotAllowed

    async def _own_draft(self, actor: Actor, draft_id: int) -> ExpenseDraftRow:
        self._require_owner(actor)
        row = await self._session.get(ExpenseDraftRow, draft_id)
        if row is None:
            raise NotFound("draft", draft_id)
        if row.user_id != actor.user_id:
            raise NotYours
        return row

    async def _move_on(
        self, actor: Actor, draft_id: int, revision: int | None, **values: object
    ) -> ExpenseDraftRow:
        """Change an open draft of the actor's, as one conditional UPDATE … RETURNING.

        The condition (owner, still open, same revision) is the guard: of two taps, or two
        revisions of a card, exactly one wins; the loser learns why from `_refusal`.
        """
        self._require_owner(actor)
        conditions = [
            ExpenseDraftRow.id == draft_id,
            ExpenseDraftRow.user_id == actor.user_id,
            ExpenseDraftRow.status == OPEN,
        ]
        if revision is not None:
            conditions.append(ExpenseDraftRow.revision == revision)
        result = await self._session.execute(
            update(ExpenseDraftRow)
            .where(*conditions)
            .values(revision=ExpenseDraftRow.revision + 1, updated_at=self._clock.now(), **values)
            .returning(ExpenseDraftRow)
            .execution_options(populate_existing=True)
        )
        row = result.scalar_one_or_none()
        if row is None:
            raise await self._refusal(actor, draft_id)
        return row

    async def _refusal(self, actor: Actor, draft_id: int) -> Exception:
        current = await self._session.get(ExpenseDraftRow, draft_id, populate_existing=True)
        if current is None:
            return NotFound("draft", draft_id)
        if current.user_id != actor.user_id:
            return NotYours()
        return StaleDraft(current.status)

    async def _change(self, actor: Actor, draft_id: int, revision: int | None, **values) -> Draft:
        async with self._uow.write():
            row = await self._move_on(actor, draft_id, revision, **values)
            await self._uow.commit()
        return self._draft(row, await self._category_name(row.category_id))

    async def _raise_if_reversed(self, entry_id: int) -> None:
        existing = (
            await self._session.execute(
                select(EntryRow.created_at, UserRow.name)
                .join(UserRow, UserRow.id == EntryRow.created_by)
                .where(EntryRow.reverses_entry_id == entry_id)
            )
        ).first()
        if existing is not None:
            raise AlreadyReversed(existing.name, existing.created_at)

    async def _category_name(self, category_id: int) -> str:
        row = await self._session.get(CategoryRow, category_id)
        return row.name if row else "?"

    @staticmethod
    def _draft(row: ExpenseDraftRow, category_name: str) -> Draft:
        return Draft(
            id=row.id,
            revision=row.revision,
            status=row.status,
            amount=Money.from_minor_units(row.amount_minor, row.currency),
            category_id=row.category_id,
            category_name=category_name,
            entry_date=row.entry_date,
            description=row.description,
            comment=row.comment,
            has_receipt=row.receipt_file_id is not None,
        )

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
            _entry_view(row, category_name, author_name, reversed_by=reversed_by)
            for row, category_name, author_name, reversed_by in rows
        ]


def _entry_view(
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


def _entry_snapshot(row: EntryRow) -> dict[str, object]:
    return {
        "kind": row.kind,
        "amount_minor": row.amount_minor,
        "currency": row.currency,
        "category_id": row.category_id,
        "account": row.account,
        "entry_date": row.entry_date.isoformat(),
        "description": row.description,
        "comment": row.comment,
        "reverses_entry_id": row.reverses_entry_id,
    }
