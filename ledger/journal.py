"""The journal: the only way an entry enters the ledger or is reversed.

An entry is immutable once posted (the database refuses updates and deletes); a mistake is
undone by a reversal, the same amount with the opposite sign, once per entry. Every posting
and reversal writes its audit row in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ledger import audit
from ledger.clock import Clock
from ledger.errors import AlreadyReversed, CannotReverse, NotFound
from ledger.money import Money
from ledger.roles import Actor
from ledger.storage.models import EntryRow, UserRow
from ledger.storage.uow import UnitOfWork


class EntryKind(StrEnum):
    INCOME = "income"  # positive
    EXPENSE = "expense"  # negative
    REVERSAL = "reversal"  # the opposite of the entry it reverses


class MoneyAccount(StrEnum):
    """Where the money of an entry physically is (or came from)."""

    CASH_DESK = "cash_desk"
    BANK_ACCOUNT = "bank_account"
    CARD = "card"
    TERMINAL = "terminal"
    OWNER_POCKET = "owner"  # the owner paid from their own money


@dataclass(frozen=True, slots=True)
class Posting:
    """What to post; `amount` is positive, the kind gives the sign."""

    kind: EntryKind
    amount: Money
    category_id: int
    account: MoneyAccount
    entry_date: date
    description: str = ""
    comment: str | None = None
    receipt_file_id: str | None = None
    receipt_kind: str | None = None  # a `ReceiptKind`: how to send the file back
    salon: str | None = None
    city: str | None = None
    draft_id: int | None = None  # one entry per draft, enforced by the database
    deal_id: int | None = None


class Journal:
    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow = uow
        self._session = uow.session
        self._clock = clock

    async def post(self, actor: Actor, posting: Posting) -> EntryRow:
        """Post an income or an expense inside the caller's write block, with its audit row."""
        if posting.kind is EntryKind.REVERSAL:
            raise ValueError("a reversal is posted by reverse()")
        if posting.amount.amount <= 0:
            raise ValueError("a posting's amount is positive; its kind gives the sign")
        if posting.entry_date > self._clock.today():
            raise ValueError("an entry cannot be dated in the future")
        minor = posting.amount.to_minor_units()
        row = EntryRow(
            kind=posting.kind.value,
            amount_minor=minor if posting.kind is EntryKind.INCOME else -minor,
            currency=posting.amount.currency,
            category_id=posting.category_id,
            account=posting.account.value,
            entry_date=posting.entry_date,
            description=posting.description,
            comment=posting.comment,
            receipt_file_id=posting.receipt_file_id,
            receipt_kind=posting.receipt_kind,
            salon=posting.salon,
            city=posting.city,
            draft_id=posting.draft_id,
            deal_id=posting.deal_id,
            created_by=actor.user_id,
            created_at=self._clock.now(),
        )
        return await self._add(actor, row, "entry.posted", before=None)

    async def ensure_reversible(self, entry_id: int) -> EntryRow:
        """The entry, if it can still be reversed; else why not (`AlreadyReversed` names who
        undid it first)."""
        original = await self._session.get(EntryRow, entry_id)
        if original is None:
            raise NotFound("entry", entry_id)
        if original.kind == EntryKind.REVERSAL:
            raise CannotReverse
        await self._raise_if_reversed(entry_id)
        return original

    async def reverse(self, actor: Actor, entry_id: int) -> EntryRow:
        """Post the opposite of an entry (same category, dimensions and date), once only."""
        original = await self.ensure_reversible(entry_id)
        reversal = EntryRow(
            kind=EntryKind.REVERSAL.value,
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
            deal_id=original.deal_id,
            created_by=actor.user_id,
            created_at=self._clock.now(),
        )
        try:
            return await self._add(actor, reversal, "entry.reversed", before=original)
        except IntegrityError:
            # Two undo taps raced: the unique reverses_entry_id let only one through.
            await self._session.rollback()
            await self._raise_if_reversed(entry_id)
            raise

    async def _add(
        self, actor: Actor, row: EntryRow, action: str, *, before: EntryRow | None
    ) -> EntryRow:
        if not self._uow.writing:
            raise RuntimeError("the journal posts inside a use case's write block")
        self._session.add(row)
        await self._session.flush()
        audit.record(
            self._session,
            at=row.created_at,
            actor_user_id=actor.user_id,
            action=action,
            object_type="entry",
            object_id=before.id if before is not None else row.id,
            before=snapshot(before) if before is not None else None,
            after=snapshot(row),
        )
        return row

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


def snapshot(row: EntryRow) -> dict[str, object]:
    """An entry as its audit row keeps it."""
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
