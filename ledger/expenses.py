"""The owner's own entries, expenses and income by hand: a draft card, then one immutable
ledger entry per item.

A draft is a row, so a half-filled card survives a restart. Each change bumps the draft's
revision; buttons carry the revision they were drawn with, so a tap on an outdated card, a
second tap on "save" or a replayed callback changes nothing (`_move_on`, a guarded
transition of the DRAFTS machine). Several items from one message ("такси 350, кофе 180")
are a batch: one draft each, shown on one card that the first draft's revision guards.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import select

from ledger.amounts import parse_amount
from ledger.attachments import ReceiptKind
from ledger.categories import CategoryService
from ledger.clock import Clock
from ledger.contracts import DealRef, deal_named_in, deal_ref
from ledger.dates import parse_date
from ledger.entries import Entry, entry_view
from ledger.errors import (
    NotFound,
    NotYours,
    StaleDraft,
    TextTooLong,
)
from ledger.journal import EntryKind, Journal, MoneyAccount, Posting
from ledger.money import Money
from ledger.owner_lines import Item, read_owner_line
from ledger.roles import Actor, Role
from ledger.storage.models import CategoryRow, EntryRow, ExpenseDraftRow
from ledger.storage.uow import UnitOfWork
from ledger.transitions import Lost, StateMachine, transition

MAX_DESCRIPTION = 500
MAX_COMMENT = 1000


class DraftStatus(StrEnum):
    OPEN = "open"
    SAVED = "saved"
    CANCELLED = "cancelled"


# A draft is edited while open (a move to the same state), then saved or cancelled, once.
DRAFTS = StateMachine(
    name="draft",
    model=ExpenseDraftRow,
    moves=frozenset(
        {(DraftStatus.OPEN, DraftStatus.SAVED), (DraftStatus.OPEN, DraftStatus.CANCELLED)}
    ),
    by="user_id",
    at="updated_at",
)


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
    # How the amount was read: the other number it could be, the arithmetic behind it.
    alternative: Money | None = None
    arithmetic: str | None = None
    kind: EntryKind = EntryKind.EXPENSE
    deal: DealRef | None = None  # an income's deal, named by its contract number


@dataclass(frozen=True, slots=True)
class Batch:
    """Several items read from one message, saved with one tap: one entry each."""

    id: int  # the first draft's: its revision guards the card
    revision: int
    kind: EntryKind
    items: list[Draft]

    @property
    def total(self) -> Money:
        total = self.items[0].amount
        for item in self.items[1:]:
            total += item.amount
        return total


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
        self._journal = Journal(uow, clock)

    # -- drafts --------------------------------------------------------------------------

    async def start_draft(
        self,
        actor: Actor,
        text: str,
        *,
        receipt_file_id: str | None = None,
        kind: EntryKind | None = None,
        receipt_kind: ReceiptKind | None = None,
        source_message: str | None = None,
    ) -> Draft | Batch:
        """Read "1500 такси" into a draft with a guessed category, "такси 350, кофе 180" into a
        batch of two; "+50000 оплата" (or `kind`) is income. AmountError if no amount.

        The date comes out first, so "22.11 такси 500" is 500 ₽ on the 22nd, not 22,11 ₽.
        `source_message` names the message the text came from (the edge's key), read at most
        once: a redelivered message fails on it, and a replay finds its drafts by it.
        """
        actor.require(Role.OWNER)
        if self._uow.replaying and source_message is not None:
            return await self._from_message(actor, source_message)
        line = read_owner_line(text, today=self._clock.today(), kind=kind, limit=self._limit)
        async with self._uow.write():
            rows = [
                await self._new_draft(actor, line.kind, item, receipt_file_id, receipt_kind)
                for item in line.items
            ]
            _mark_source(rows, source_message)
            await self._session.flush()
            if len(rows) > 1:
                for row in rows:
                    row.batch_id = rows[0].id
            await self._uow.commit()
        drafts = [await self._view(row) for row in rows]
        if len(drafts) == 1:
            return drafts[0]
        return Batch(rows[0].id, rows[0].revision, line.kind, drafts)

    async def _new_draft(
        self,
        actor: Actor,
        kind: EntryKind,
        item: Item,
        receipt_file_id: str | None,
        receipt_kind: ReceiptKind | None,
    ) -> ExpenseDraftRow:
        reading = item.reading
        description = reading.description[:MAX_DESCRIPTION]
        category = await self._categories.guess(actor.user_id, description, kind)
        now = self._clock.now()
        row = ExpenseDraftRow(
            deal_id=await self._deal_for(kind, description),
            user_id=actor.user_id,
            status=DraftStatus.OPEN,
            revision=1,
            kind=kind,
            amount_minor=reading.amount.to_minor_units(),
            currency=reading.amount.currency,
            alternative_minor=(
                reading.alternative.to_minor_units() if reading.alternative else None
            ),
            arithmetic=reading.arithmetic,
            category_id=category.id,
            entry_date=item.entry_date or self._clock.today(),
            description=description,
            comment=None,
            receipt_file_id=receipt_file_id,
            receipt_kind=receipt_kind,
            created_at=now,
            updated_at=now,
        )
        self._session.add(row)
        return row

    async def attach_receipt(
        self, actor: Actor, receipt_file_id: str, receipt_kind: ReceiptKind | None = None
    ) -> Draft | None:
        """A receipt sent on its own joins the actor's open draft (the latest); None if there
        is none, and the caller asks for the expense it belongs to."""
        actor.require(Role.OWNER)
        if self._uow.replaying:
            return await self._with_receipt(actor, receipt_file_id)
        latest = await self._session.scalar(
            select(ExpenseDraftRow.id)
            .where(
                ExpenseDraftRow.user_id == actor.user_id,
                ExpenseDraftRow.status == DraftStatus.OPEN,
            )
            .order_by(ExpenseDraftRow.updated_at.desc(), ExpenseDraftRow.id.desc())
            .limit(1)
        )
        if latest is None:
            return None
        return await self._change(
            actor, latest, None, receipt_file_id=receipt_file_id, receipt_kind=receipt_kind
        )

    async def get_draft(self, actor: Actor, draft_id: int) -> Draft:
        row = await self._own_draft(actor, draft_id)
        return await self._view(row)

    async def choose_category(
        self, actor: Actor, draft_id: int, revision: int, category_id: int
    ) -> Draft:
        category = await self._categories.get(category_id)
        row = await self._own_draft(actor, draft_id)
        if category.kind != row.kind:
            raise NotFound("category", category_id)  # an income category for an expense
        return await self._change(actor, draft_id, revision, category_id=category.id)

    async def set_amount(self, actor: Actor, draft_id: int, text: str) -> Draft:
        """An amount typed to correct the card's; AmountError says what is wrong with it."""
        amount = parse_amount(text, limit=self._limit)
        return await self._change(
            actor,
            draft_id,
            None,
            amount_minor=amount.to_minor_units(),
            currency=amount.currency,
            alternative_minor=None,  # the owner said which amount: nothing left to offer
            arithmetic=None,
        )

    async def take_alternative(self, actor: Actor, draft_id: int, revision: int) -> Draft:
        """The other reading of the amount; the first one becomes the alternative, so a second
        tap goes back."""
        row = await self._own_draft(actor, draft_id)
        if row.alternative_minor is None:
            raise StaleDraft(row.status)
        return await self._change(
            actor,
            draft_id,
            revision,
            amount_minor=row.alternative_minor,
            alternative_minor=row.amount_minor,
        )

    async def set_date(self, actor: Actor, draft_id: int, revision: int | None, text: str) -> Draft:
        """Date from a button ("сегодня", "вчера") or typed text; DateError says what is wrong."""
        new_date = parse_date(text, today=self._clock.today())
        return await self._change(actor, draft_id, revision, entry_date=new_date)

    async def set_comment(self, actor: Actor, draft_id: int, text: str) -> Draft:
        comment = " ".join(text.split())
        if len(comment) > MAX_COMMENT:
            raise TextTooLong(MAX_COMMENT)
        return await self._change(actor, draft_id, None, comment=comment or None)

    async def switch_kind(self, actor: Actor, draft_id: int, revision: int) -> Draft:
        """Income read as an expense, or the other way round: one tap turns it, and the
        category is guessed again among the other kind's."""
        row = await self._own_draft(actor, draft_id)
        kind = EntryKind.INCOME if row.kind == EntryKind.EXPENSE else EntryKind.EXPENSE
        category = await self._categories.guess(actor.user_id, row.description, kind)
        return await self._change(
            actor,
            draft_id,
            revision,
            kind=kind,
            category_id=category.id,
            deal_id=await self._deal_for(kind, row.description),
        )

    async def _deal_for(self, kind: EntryKind, description: str) -> int | None:
        """A hand income names its deal by the contract number ("оплата по договору 117"),
        so the deal's manager, product, salon and city slice it in the reports."""
        if kind is not EntryKind.INCOME:
            return None
        deal = await deal_named_in(self._session, description)
        return deal.id if deal else None

    async def cancel(self, actor: Actor, draft_id: int, revision: int) -> Draft:
        if self._uow.replaying:
            return await self._in_state(actor, draft_id, DraftStatus.CANCELLED)
        async with self._uow.write():
            row = await self._move_on(actor, draft_id, revision, DraftStatus.CANCELLED)
            await self._uow.commit()
        return await self._view(row)

    async def save(self, actor: Actor, draft_id: int, revision: int) -> Entry:
        """Post the draft as one ledger entry. Exactly once, however many taps arrive."""
        actor.require(Role.OWNER)
        if self._uow.replaying:
            return await self._posted(actor, draft_id)
        async with self._uow.write():
            row = await self._move_on(actor, draft_id, revision, DraftStatus.SAVED)
            entry = await self._post(actor, row)
            await self._uow.commit()
        return entry

    # -- several items from one message ------------------------------------------------

    async def get_batch(self, actor: Actor, batch_id: int) -> Batch:
        lead = await self._own_draft(actor, batch_id)
        rows = await self._batch_rows(actor, batch_id)
        items = [await self._view(row) for row in rows]
        if lead.batch_id != batch_id or not items:
            raise StaleDraft(lead.status)
        return Batch(lead.id, lead.revision, EntryKind(lead.kind), items)

    async def save_batch(self, actor: Actor, batch_id: int, revision: int) -> list[Entry]:
        """Every open item of the card as its own entry, all in one transaction, once."""
        actor.require(Role.OWNER)
        if self._uow.replaying:
            return await self._posted_batch(actor, batch_id)
        async with self._uow.write():
            lead = await self._move_on(actor, batch_id, revision, DraftStatus.SAVED)
            if lead.batch_id != batch_id:
                raise StaleDraft(DraftStatus.OPEN)  # split into single cards meanwhile
            entries = [await self._post(actor, lead)]
            for row in await self._batch_rows(actor, batch_id):
                moved = await self._move_on(actor, row.id, None, DraftStatus.SAVED)
                entries.append(await self._post(actor, moved))
            await self._uow.commit()
        return entries

    async def cancel_batch(self, actor: Actor, batch_id: int, revision: int) -> None:
        if self._uow.replaying:
            await self._in_state(actor, batch_id, DraftStatus.CANCELLED)
            return
        async with self._uow.write():
            lead = await self._move_on(actor, batch_id, revision, DraftStatus.CANCELLED)
            if lead.batch_id != batch_id:
                raise StaleDraft(DraftStatus.OPEN)
            for row in await self._batch_rows(actor, batch_id):
                await self._move_on(actor, row.id, None, DraftStatus.CANCELLED)
            await self._uow.commit()

    async def split_batch(self, actor: Actor, batch_id: int, revision: int) -> list[Draft]:
        """The batch's items as cards of their own, to correct one by one; the batch card's
        buttons stop working (the first draft's revision moves on)."""
        if self._uow.replaying:
            return await self._split_items(actor, batch_id)
        async with self._uow.write():
            lead = await self._move_on(actor, batch_id, revision, batch_id=None)
            if lead.batch_id is not None:
                raise StaleDraft(DraftStatus.OPEN)
            rows = [lead]
            for row in await self._batch_rows(actor, batch_id):
                rows.append(await self._move_on(actor, row.id, None, batch_id=None))
            await self._uow.commit()
        return [await self._view(row) for row in rows]

    async def _batch_rows(self, actor: Actor, batch_id: int) -> list[ExpenseDraftRow]:
        """The open items of a batch, the first one included unless it moved on."""
        rows = await self._session.scalars(
            select(ExpenseDraftRow)
            .where(
                ExpenseDraftRow.batch_id == batch_id,
                ExpenseDraftRow.user_id == actor.user_id,
                ExpenseDraftRow.status == DraftStatus.OPEN,
            )
            .order_by(ExpenseDraftRow.id)
        )
        return list(rows)

    async def _post(self, actor: Actor, row: ExpenseDraftRow) -> Entry:
        """A draft's ledger entry, in the caller's write block; the owner's words are learnt."""
        posting = Posting(
            kind=EntryKind(row.kind),
            amount=Money.from_minor_units(row.amount_minor, row.currency),
            category_id=row.category_id,
            # The owner's own money: paid from, or received into, their pocket.
            account=MoneyAccount.OWNER_POCKET,
            entry_date=row.entry_date,
            description=row.description,
            comment=row.comment,
            receipt_file_id=row.receipt_file_id,
            receipt_kind=row.receipt_kind,
            draft_id=row.id,
            deal_id=row.deal_id,
        )
        entry = await self._journal.post(actor, posting)
        await self._categories.learn(actor.user_id, row.description, row.category_id)
        category_name = await self._category_name(row.category_id)
        # Built from what was just written: a fresh entry has no reversal to look up.
        return entry_view(entry, category_name, actor.name, reversed_by=None)

    # -- answering again: what an earlier delivery of the update made --------------------
    # A replayed update (`UnitOfWork.replaying`) was applied by a delivery that died before it
    # answered; these find what it made, so the card is drawn again and nothing is redone.

    async def _from_message(self, actor: Actor, source: str) -> Draft | Batch:
        rows = list(
            await self._session.scalars(
                select(ExpenseDraftRow)
                .where(
                    ExpenseDraftRow.user_id == actor.user_id,
                    ExpenseDraftRow.source_message == source,
                )
                .order_by(ExpenseDraftRow.source_item)
            )
        )
        if not rows:
            raise NotFound("draft", source)
        drafts = [await self._view(row) for row in rows]
        if len(drafts) == 1:
            return drafts[0]
        return Batch(rows[0].id, rows[0].revision, EntryKind(rows[0].kind), drafts)

    async def _with_receipt(self, actor: Actor, receipt_file_id: str) -> Draft:
        draft_id = await self._session.scalar(
            select(ExpenseDraftRow.id)
            .where(
                ExpenseDraftRow.user_id == actor.user_id,
                ExpenseDraftRow.receipt_file_id == receipt_file_id,
            )
            .order_by(ExpenseDraftRow.id.desc())
            .limit(1)
        )
        if draft_id is None:
            raise NotFound("draft", receipt_file_id)
        return await self._in_state(actor, draft_id, DraftStatus.OPEN)

    async def _in_state(self, actor: Actor, draft_id: int, status: DraftStatus) -> Draft:
        draft = await self.get_draft(actor, draft_id)
        if draft.status != status:
            raise StaleDraft(draft.status)
        return draft

    async def _posted(self, actor: Actor, draft_id: int) -> Entry:
        """The entry a save posted from the draft, as the saved card shows it."""
        row = await self._own_draft(actor, draft_id)
        entry = await self._session.scalar(select(EntryRow).where(EntryRow.draft_id == row.id))
        if entry is None:
            raise StaleDraft(row.status)
        reversed_by = await self._session.scalar(
            select(EntryRow.id).where(EntryRow.reverses_entry_id == entry.id)
        )
        category_name = await self._category_name(entry.category_id)
        return entry_view(entry, category_name, actor.name, reversed_by=reversed_by)

    async def _posted_batch(self, actor: Actor, batch_id: int) -> list[Entry]:
        members = await self._session.scalars(
            select(ExpenseDraftRow.id)
            .where(
                ExpenseDraftRow.user_id == actor.user_id,
                ExpenseDraftRow.batch_id == batch_id,
                ExpenseDraftRow.id != batch_id,
                ExpenseDraftRow.status == DraftStatus.SAVED,
            )
            .order_by(ExpenseDraftRow.id)
        )
        return [await self._posted(actor, draft_id) for draft_id in [batch_id, *members]]

    async def _split_items(self, actor: Actor, batch_id: int) -> list[Draft]:
        lead = await self._own_draft(actor, batch_id)
        if lead.batch_id is not None or lead.source_message is None:
            raise StaleDraft(lead.status)
        found = await self._from_message(actor, lead.source_message)
        return found.items if isinstance(found, Batch) else [found]

    # -- internals -----------------------------------------------------------------------

    async def _own_draft(self, actor: Actor, draft_id: int) -> ExpenseDraftRow:
        actor.require(Role.OWNER)
        row = await self._session.get(ExpenseDraftRow, draft_id)
        if row is None:
            raise NotFound("draft", draft_id)
        if row.user_id != actor.user_id:
            raise NotYours
        return row

    async def _move_on(
        self,
        actor: Actor,
        draft_id: int,
        revision: int | None,
        to: DraftStatus = DraftStatus.OPEN,
        **values: object,
    ) -> ExpenseDraftRow:
        """Change an open draft of the actor's, bumping its revision: of two taps, or two
        revisions of a card, exactly one wins; the other learns why.
        """
        actor.require(Role.OWNER)
        when = [ExpenseDraftRow.user_id == actor.user_id]
        if revision is not None:
            when.append(ExpenseDraftRow.revision == revision)
        moved = await transition(
            self._session,
            DRAFTS,
            draft_id,
            DraftStatus.OPEN,
            to,
            when=when,
            values={"revision": ExpenseDraftRow.revision + 1, **values},
            actor_user_id=actor.user_id,
            now=self._clock.now(),
            audited=False,  # a draft is a card being filled in, not yet a ledger fact
        )
        if not isinstance(moved, Lost):
            return moved
        if moved.status is None:
            raise NotFound("draft", draft_id)
        if moved.by != actor.user_id:
            raise NotYours
        raise StaleDraft(moved.status)

    async def _change(self, actor: Actor, draft_id: int, revision: int | None, **values) -> Draft:
        if self._uow.replaying:  # the card as the change left it, unless it moved on since
            return await self._in_state(actor, draft_id, DraftStatus.OPEN)
        async with self._uow.write():
            row = await self._move_on(actor, draft_id, revision, **values)
            await self._uow.commit()
        return await self._view(row)

    async def _category_name(self, category_id: int) -> str:
        row = await self._session.get(CategoryRow, category_id)
        return row.name if row else "?"

    async def _view(self, row: ExpenseDraftRow) -> Draft:
        category_name = await self._category_name(row.category_id)
        deal = await deal_ref(self._session, row.deal_id)
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
            alternative=(
                Money.from_minor_units(row.alternative_minor, row.currency)
                if row.alternative_minor is not None
                else None
            ),
            arithmetic=row.arithmetic,
            kind=EntryKind(row.kind),
            deal=deal,
        )


def _mark_source(rows: list[ExpenseDraftRow], source: str | None) -> None:
    """Each draft notes the message it was read from and its place in it."""
    if source is None:
        return
    for item, row in enumerate(rows):
        row.source_message, row.source_item = source, item
