"""Confirming money a deal owes: the one service every way of confirming goes through (the
cashier accepting cash, the accountant checking the bank, later the statement import).

A confirmation, in one transaction: the payment moves `expected → confirmed`, or to
`partly_confirmed` for less than it owes (the rest stays expected, and for cash stays on the
manager), as a guarded transition (two cashiers at once, a double tap or a replayed link:
exactly one wins, the other is told who and when); an income entry is posted with the deal's
dimensions and the money account; the audit log records both; the outbox gets the CRM
effects (a note with its key, the deal's total confirmed as an absolute value, the status
move) and the manager's notice. The owner can undo the last confirmation of a payment, with a
second tap: a reversal entry, the payment owed again, a note in the CRM.

Who confirms what: the cashier (and the owner) cash; the accountant (and the owner) money
that came by bank, card, terminal or credit; a manager never.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import func, select

from ledger import audit
from ledger.categories import CategoryService
from ledger.clock import Clock
from ledger.confirmation import check_in_time, deadline
from ledger.crm_effects import AddDealNote, MoveDeal, SetDealFields, ask_crm
from ledger.crm_notes import confirmed_note, crm_number, undone_note
from ledger.errors import (
    AlreadyConfirmed,
    AlreadyReversed,
    NotAllowed,
    NotFound,
    PaymentChanged,
    PaymentRefused,
    TextTooLong,
)
from ledger.journal import EntryKind, Journal, MoneyAccount, Posting
from ledger.money import Money
from ledger.notices import (
    ConfirmationUndone,
    NoticeFacts,
    Notification,
    PaymentConfirmed,
    PaymentNotReceived,
)
from ledger.outbox import notify
from ledger.payments import (
    OWING,
    PAYMENTS,
    DealState,
    PaymentKind,
    PaymentStatus,
    owed,
)
from ledger.roles import Actor, Role
from ledger.storage.models import (
    DealRow,
    ExpectedPaymentRow,
    PaymentConfirmationRow,
    UserRow,
)
from ledger.storage.uow import UnitOfWork
from ledger.transitions import Lost, transition

MAX_COMMENT = 1000
# The deal's manager as a notice needs them: their chat and language (None: nobody linked).
_Manager = tuple[int, str | None] | None


class Source(StrEnum):
    """Who confirmed, in the CRM note's words: the cash desk, the accountant by hand, or the
    accountant accepting a bank statement's match."""

    CASHIER = "cashier"
    ACCOUNTANT = "accountant"
    STATEMENT = "statement"


# Where each kind of payment's money lands unless the confirmer says otherwise.
DEFAULT_ACCOUNTS: dict[PaymentKind, MoneyAccount] = {
    PaymentKind.CASH: MoneyAccount.CASH_DESK,
    PaymentKind.BANK_TRANSFER: MoneyAccount.BANK_ACCOUNT,
    PaymentKind.CARD_TRANSFER: MoneyAccount.CARD,
    PaymentKind.TERMINAL: MoneyAccount.TERMINAL,
    PaymentKind.CREDIT: MoneyAccount.BANK_ACCOUNT,
}
# The accountant's /bank: money that comes other than as cash, in this order of groups.
NON_CASH_KINDS = (
    PaymentKind.BANK_TRANSFER,
    PaymentKind.CARD_TRANSFER,
    PaymentKind.TERMINAL,
    PaymentKind.CREDIT,
)
CASH_CONFIRMERS = frozenset({Role.CASHIER, Role.OWNER})
BANK_CONFIRMERS = frozenset({Role.ACCOUNTANT, Role.OWNER})
_SOURCE_ROLE = {
    Source.CASHIER: Role.CASHIER,
    Source.ACCOUNTANT: Role.ACCOUNTANT,
    Source.STATEMENT: Role.ACCOUNTANT,
}


def confirmers(kind: PaymentKind | str) -> frozenset[Role]:
    """The roles that may confirm (or mark as not received) a payment of this kind."""
    return CASH_CONFIRMERS if PaymentKind(kind) is PaymentKind.CASH else BANK_CONFIRMERS


def kinds_for(actor: Actor) -> set[PaymentKind]:
    """The kinds of payment this person may confirm."""
    return {kind for kind in PaymentKind if actor.has_any(confirmers(kind))}


@dataclass(frozen=True, slots=True)
class WriteBack:
    """What the `[amocrm]` mappings say a confirmation writes back to the deal; absent
    (None) when amoCRM is off, and then nothing is asked of it."""

    paid_field: int | None = None
    confirmed_status: int | None = None
    paid_status: int | None = None


@dataclass(frozen=True, slots=True)
class PaymentLine:
    """A payment as the people confirming it see it."""

    payment_id: int
    version: int  # a button carries it: it acts only on the payment as it was shown
    deal_id: int
    amo_lead_id: int
    deal: str
    contract: str | None
    manager: str | None
    responsible_amo_user_id: int | None
    slot: str
    kind: PaymentKind
    amount: Money  # the whole payment
    confirmed: Money  # received so far
    status: PaymentStatus
    due: date | None
    since: date  # when the money was (to be) paid: the due date, else when we learned of it
    not_received: str | None = None  # the comment of a "не поступило", while it stands

    @property
    def remaining(self) -> Money:
        return self.amount - self.confirmed


@dataclass(frozen=True, slots=True)
class Confirmation:
    id: int
    payment: PaymentLine  # as it is after this confirmation
    amount: Money
    account: MoneyAccount
    received_on: date
    entry_id: int
    by_name: str


@dataclass(frozen=True, slots=True)
class RecentConfirmation:
    payment: PaymentLine
    amount: Money
    by_name: str
    at: datetime


@dataclass(frozen=True, slots=True)
class UndoQuestion:
    """The first tap of undo: what would be undone, and what the "yes" must carry."""

    payment: PaymentLine
    amount: Money
    by_name: str
    at: datetime
    until: int
    version: int


@dataclass(frozen=True, slots=True)
class Undone:
    payment: PaymentLine
    amount: Money
    reversal_entry_id: int


def payment_line(payment: ExpectedPaymentRow, deal: DealRow, clock: Clock) -> PaymentLine:
    today = clock.today()
    due = payment.due_date
    since = (
        due if due is not None and due <= today else payment.created_at.astimezone(clock.tz).date()
    )
    return PaymentLine(
        payment_id=payment.id,
        version=payment.version,
        deal_id=deal.id,
        amo_lead_id=deal.amo_lead_id,
        deal=deal.name,
        contract=deal.contract,
        manager=deal.manager,
        responsible_amo_user_id=deal.responsible_amo_user_id,
        slot=payment.slot,
        kind=PaymentKind(payment.kind),
        amount=Money.from_minor_units(payment.amount_minor, payment.currency),
        confirmed=Money.from_minor_units(payment.confirmed_amount_minor or 0, payment.currency),
        status=PaymentStatus(payment.status),
        due=due,
        since=since,
        not_received=payment.not_received_comment if payment.not_received_at else None,
    )


class ConfirmationService:
    def __init__(
        self,
        uow: UnitOfWork,
        clock: Clock,
        *,
        crm: WriteBack | None,
        owner_chat_ids: Iterable[int] = (),
    ) -> None:
        self._uow = uow
        self._session = uow.session
        self._clock = clock
        self._crm = crm
        self._owners = tuple(sorted(set(owner_chat_ids)))
        self._journal = Journal(uow, clock)
        self._categories = CategoryService(uow, clock)

    # -- reading ---------------------------------------------------------------------------

    async def awaiting(
        self, actor: Actor, kinds: Collection[PaymentKind] | None = None
    ) -> list[PaymentLine]:
        """Payments still owed (all or part) of the kinds this person confirms (narrowed to
        `kinds`), oldest first."""
        allowed = kinds_for(actor)
        if not allowed:
            raise NotAllowed
        wanted = allowed if kinds is None else allowed & set(kinds)
        rows = await self._session.execute(
            select(ExpectedPaymentRow, DealRow)
            .join(DealRow, DealRow.id == ExpectedPaymentRow.deal_id)
            .where(owed(), ExpectedPaymentRow.kind.in_([kind.value for kind in wanted]))
        )
        lines = [payment_line(payment, deal, self._clock) for payment, deal in rows]
        return sorted(lines, key=lambda line: (line.since, line.payment_id))

    async def awaiting_non_cash(self, actor: Actor) -> list[PaymentLine]:
        """Non-cash money still owed, grouped by kind (`NON_CASH_KINDS`' order), oldest first
        in each group: the accountant's /bank."""
        lines = await self.awaiting(actor, NON_CASH_KINDS)
        order = {kind: index for index, kind in enumerate(NON_CASH_KINDS)}
        return sorted(lines, key=lambda line: (order[line.kind], line.since, line.payment_id))

    async def recent(self, actor: Actor, *, limit: int = 10) -> list[RecentConfirmation]:
        """The owner's choice of what to undo: the latest confirmations still standing,
        newest first, each the last of its payment (undo takes back the last one first)."""
        actor.require(Role.OWNER)
        rows = await self._session.execute(
            select(PaymentConfirmationRow, UserRow.name, ExpectedPaymentRow, DealRow)
            .join(UserRow, UserRow.id == PaymentConfirmationRow.confirmed_by)
            .join(ExpectedPaymentRow, ExpectedPaymentRow.id == PaymentConfirmationRow.payment_id)
            .join(DealRow, DealRow.id == PaymentConfirmationRow.deal_id)
            .where(PaymentConfirmationRow.undone_at.is_(None))
            .order_by(PaymentConfirmationRow.confirmed_at.desc(), PaymentConfirmationRow.id.desc())
            .limit(limit * 4)
        )
        found: list[RecentConfirmation] = []
        seen: set[int] = set()
        for row, name, payment, deal in rows:
            if payment.id in seen:
                continue
            seen.add(payment.id)
            found.append(
                RecentConfirmation(
                    payment=payment_line(payment, deal, self._clock),
                    amount=Money.from_minor_units(row.amount_minor, row.currency),
                    by_name=name,
                    at=row.confirmed_at,
                )
            )
        return found[:limit]

    async def to_confirm(self, actor: Actor, payment_id: int, version: int) -> PaymentLine:
        """The payment a button names, if this person may act on it as it was shown: refused
        (`NotAllowed`) for a role that does not confirm its kind, `AlreadyConfirmed` or
        `PaymentChanged` if it moved since, `PaymentRefused` if it is no longer owed."""
        await self._check_role(actor, payment_id)
        payment = await self._session.get(ExpectedPaymentRow, payment_id, populate_existing=True)
        assert payment is not None
        if PaymentStatus(payment.status) is PaymentStatus.CONFIRMED:
            raise await self._already(payment)
        if payment.version != version:
            raise await self._changed_since(payment, version)
        line = await self.line(payment_id)
        deal = await self._session.get(DealRow, line.deal_id)
        if line.status not in OWING or deal is None or deal.state != DealState.CLOSED:
            raise PaymentRefused("not_owed")
        return line

    async def line(self, payment_id: int) -> PaymentLine:
        payment = await self._session.get(ExpectedPaymentRow, payment_id, populate_existing=True)
        if payment is None:
            raise NotFound("payment", payment_id)
        deal = await self._session.get(DealRow, payment.deal_id)
        assert deal is not None
        return payment_line(payment, deal, self._clock)

    # -- confirming --------------------------------------------------------------------------

    async def confirm(
        self,
        actor: Actor,
        payment_id: int,
        *,
        amount: Money | None = None,
        on: date | None = None,
        account: MoneyAccount | None = None,
        source: Source = Source.CASHIER,
        handover_id: int | None = None,
        version: int | None = None,
    ) -> Confirmation:
        """Confirm `amount` of a payment (None: all it still owes) received `on` (today by
        default) into `account` (by default the kind's). `version`, when given, is the
        payment's as the person saw it: if it changed since, nothing is confirmed.

        Refused: `NotAllowed` for a role that does not confirm this kind; `AlreadyConfirmed`
        (who, when) when someone was first; `PaymentChanged`; `PaymentRefused` for zero, a
        negative amount, more than is owed, another currency, a date in the future, or a
        payment no longer owed.
        """
        await self._check_role(actor, payment_id)
        async with self._uow.write():
            confirmation = await self.confirm_here(
                actor,
                payment_id,
                amount=amount,
                on=on,
                account=account,
                source=source,
                handover_id=handover_id,
                version=version,
            )
            await self._uow.commit()
        return confirmation

    async def confirm_here(
        self,
        actor: Actor,
        payment_id: int,
        *,
        amount: Money | None = None,
        on: date | None = None,
        account: MoneyAccount | None = None,
        source: Source = Source.CASHIER,
        handover_id: int | None = None,
        version: int | None = None,
        only: PaymentKind | None = None,
    ) -> Confirmation:
        """`confirm` inside the caller's write block, which commits (a hand-over accepts
        several payments in one transaction). Checks everything `confirm` checks; `only`
        refuses (`NotAllowed`) a payment of another kind (the cash desk's buttons)."""
        source = Source(source)
        deal, payment, manager = await self._locked(payment_id)
        kind = PaymentKind(payment.kind)
        if not actor.has_any(confirmers(kind)) or only not in (None, kind):
            raise NotAllowed
        status = PaymentStatus(payment.status)
        if status is PaymentStatus.CONFIRMED:
            raise await self._already(payment)
        if version is not None and payment.version != version:
            raise await self._changed_since(payment, version)
        if status not in OWING or deal.state != DealState.CLOSED:
            raise PaymentRefused("not_owed")
        confirmed = payment.confirmed_amount_minor or 0
        remaining = payment.amount_minor - confirmed
        if amount is not None and amount.currency != payment.currency:
            raise PaymentRefused("currency")
        minor = remaining if amount is None else amount.to_minor_units()
        if minor <= 0:
            raise PaymentRefused("not_positive")
        if minor > remaining:
            raise PaymentRefused(
                "more_than_owed", remaining=Money.from_minor_units(remaining, payment.currency)
            )
        received_on = on or self._clock.today()
        if received_on > self._clock.today():
            raise PaymentRefused("future_date")
        now = self._clock.now()
        total = confirmed + minor
        to = (
            PaymentStatus.CONFIRMED
            if total == payment.amount_minor
            else PaymentStatus.PARTLY_CONFIRMED
        )
        moved = await transition(
            self._session,
            PAYMENTS,
            payment.id,
            status,
            to,
            when=[ExpectedPaymentRow.version == payment.version],
            values={
                "confirmed_amount_minor": total,
                "confirmed_at": now,
                "confirmed_by": actor.user_id,
                "version": payment.version + 1,
                "not_received_at": None,
                "not_received_by": None,
                "not_received_comment": None,
            },
            actor_user_id=actor.user_id,
            now=now,
        )
        if isinstance(moved, Lost):
            # Only a concurrent writer gets here: PostgreSQL without the deal lock's help.
            raise await self._already(payment)
        account = account or DEFAULT_ACCOUNTS[kind]
        money = Money.from_minor_units(minor, payment.currency)
        category = await self._categories.for_deal_income()
        entry = await self._journal.post(
            actor,
            Posting(
                EntryKind.INCOME,
                money,
                category.id,
                account,
                received_on,
                description=f"{payment.slot}: {deal.name}"[:500],
                salon=deal.salon,
                city=deal.city,
                deal_id=deal.id,
            ),
        )
        total_paid, fully_paid = await self._deal_paid(deal, payment)
        row = PaymentConfirmationRow(
            payment_id=payment.id,
            payment_version=payment.version,
            deal_id=deal.id,
            amount_minor=minor,
            currency=payment.currency,
            account=account.value,
            received_on=received_on,
            source=source.value,
            confirmed_by=actor.user_id,
            confirmed_at=now,
            entry_id=entry.id,
            handover_id=handover_id,
        )
        self._session.add(row)
        line = payment_line(payment, deal, self._clock)
        # The entry's id names the confirmation to the outside (its CRM note's key): known
        # now, without a round trip to learn the confirmation row's own id.
        key = f"c{entry.id}"
        self._write_back_confirmed(actor, deal, payment, row, source, key, total_paid, fully_paid)
        self._tell_manager(
            manager,
            PaymentConfirmed(
                deal=deal.name,
                contract=deal.contract,
                slot=payment.slot,
                amount_minor=minor,
                remaining_minor=line.remaining.to_minor_units(),
                currency=payment.currency,
                payment_kind=kind.value,
                by_name=actor.name,
            ),
            dedupe_key=f"confirmed:{entry.id}",
        )
        await self._session.flush()
        return Confirmation(
            id=row.id,
            payment=line,
            amount=money,
            account=account,
            received_on=received_on,
            entry_id=entry.id,
            by_name=actor.name,
        )

    async def not_received(self, actor: Actor, payment_id: int, comment: str) -> PaymentLine:
        """ "Не поступило": the money was looked for and not found. The payment stays
        expected, flagged with the comment, and the owners are told. The same comment again
        while it stands changes nothing and tells nobody twice."""
        await self._check_role(actor, payment_id)
        comment = " ".join(comment.split())
        if not comment:
            raise PaymentRefused("no_comment")
        if len(comment) > MAX_COMMENT:
            raise TextTooLong(MAX_COMMENT)
        async with self._uow.write():
            deal, payment, _ = await self._locked(payment_id)
            status = PaymentStatus(payment.status)
            if status is PaymentStatus.CONFIRMED:
                raise await self._already(payment)
            if status not in OWING or deal.state != DealState.CLOSED:
                raise PaymentRefused("not_owed")
            if payment.not_received_at is not None and payment.not_received_comment == comment:
                # The same words again (a double submit, a resent message): already said.
                return payment_line(payment, deal, self._clock)
            now = self._clock.now()
            payment.not_received_at = now
            payment.not_received_by = actor.user_id
            payment.not_received_comment = comment
            payment.updated_at = now
            await self._session.flush()
            audit.record(
                self._session,
                at=now,
                actor_user_id=actor.user_id,
                action="payment.not_received",
                object_type="expected_payment",
                object_id=payment.id,
                after={"comment": comment},
            )
            line = payment_line(payment, deal, self._clock)
            facts = PaymentNotReceived(
                deal=deal.name,
                contract=deal.contract,
                slot=payment.slot,
                amount_minor=line.remaining.to_minor_units(),
                currency=payment.currency,
                payment_kind=payment.kind,
                by_name=actor.name,
                comment=comment,
            )
            for chat_id in self._owners:
                notify(
                    self._session,
                    Notification(chat_id, facts),
                    now=now,
                    dedupe_key=f"not-received:{payment.id}:{now.timestamp()}:{chat_id}",
                )
            await self._uow.commit()
        return line

    # -- undoing -----------------------------------------------------------------------------

    async def ask_to_undo(self, actor: Actor, payment_id: int) -> UndoQuestion:
        """The first of undo's two taps (owner only): the payment's last confirmation, and
        what the "yes" must carry (the deadline and the payment's version)."""
        actor.require(Role.OWNER)
        payment = await self._session.get(ExpectedPaymentRow, payment_id, populate_existing=True)
        if payment is None:
            raise NotFound("payment", payment_id)
        last = await self._last_confirmation(payment.id)
        if last is None:
            raise await self._nothing_to_undo(payment.id)
        row, by_name = last
        deal = await self._session.get(DealRow, payment.deal_id)
        assert deal is not None
        return UndoQuestion(
            payment=payment_line(payment, deal, self._clock),
            amount=Money.from_minor_units(row.amount_minor, row.currency),
            by_name=by_name,
            at=row.confirmed_at,
            until=deadline(self._clock),
            version=payment.version,
        )

    async def undo(
        self, actor: Actor, payment_id: int, *, confirmed_until: int, version: int
    ) -> Undone:
        """Undo the payment's last confirmation: its entry reversed, its money owed again, a
        note in the CRM and the deal's total rewritten. Once: a second "yes" (or another
        owner's) is told who undid it (`AlreadyReversed`)."""
        actor.require(Role.OWNER)
        check_in_time(self._clock, confirmed_until)
        async with self._uow.write():
            deal, payment, manager = await self._locked(payment_id)
            if payment.version != version:
                raise await self._undone_since(payment)
            last = await self._last_confirmation(payment.id)
            if last is None:
                raise await self._nothing_to_undo(payment.id)
            row, _ = last
            reversal = await self._journal.reverse(actor, row.entry_id)
            now = self._clock.now()
            total = (payment.confirmed_amount_minor or 0) - row.amount_minor
            to = PaymentStatus.EXPECTED if total <= 0 else PaymentStatus.PARTLY_CONFIRMED
            moved = await transition(
                self._session,
                PAYMENTS,
                payment.id,
                PaymentStatus(payment.status),
                to,
                when=[ExpectedPaymentRow.version == payment.version],
                values={
                    "confirmed_amount_minor": total if total > 0 else None,
                    "confirmed_at": None if total <= 0 else payment.confirmed_at,
                    "confirmed_by": None if total <= 0 else payment.confirmed_by,
                    "version": payment.version + 1,
                },
                now=now,
            )
            if isinstance(moved, Lost):
                raise await self._undone_since(payment)
            row.undone_by = actor.user_id
            row.undone_at = now
            row.reversal_entry_id = reversal.id
            await self._session.flush()
            amount = Money.from_minor_units(row.amount_minor, row.currency)
            total_paid, _ = await self._deal_paid(deal, payment)
            self._write_back_undone(actor, deal, payment, row, amount, total_paid)
            self._tell_manager(
                manager,
                ConfirmationUndone(
                    deal=deal.name,
                    contract=deal.contract,
                    slot=payment.slot,
                    amount_minor=row.amount_minor,
                    currency=row.currency,
                    by_name=actor.name,
                ),
                dedupe_key=f"undone:{row.entry_id}",
            )
            line = payment_line(payment, deal, self._clock)
            await self._uow.commit()
        return Undone(payment=line, amount=amount, reversal_entry_id=reversal.id)

    # -- the CRM -----------------------------------------------------------------------------

    def _write_back_confirmed(
        self,
        actor: Actor,
        deal: DealRow,
        payment: ExpectedPaymentRow,
        row: PaymentConfirmationRow,
        source: Source,
        key: str,
        paid: Money,
        fully: bool,
    ) -> None:
        if self._crm is None:
            return
        whole = row.amount_minor == payment.amount_minor
        text = confirmed_note(
            amount=Money.from_minor_units(row.amount_minor, row.currency),
            of=None if whole else Money.from_minor_units(payment.amount_minor, row.currency),
            kind=payment.kind,
            who=_who(actor, source),
            name=actor.name,
            on=row.received_on,
            key=key,
        )
        now = self._clock.now()
        ask_crm(
            self._session,
            AddDealNote(deal.amo_lead_id, text, key=key),
            now=now,
            dedupe_key=f"crm:{key}:note",
        )
        self._write_paid(deal, paid, key)
        status = (
            self._crm.paid_status
            if fully and self._crm.paid_status is not None
            else self._crm.confirmed_status
        )
        if status is not None:
            ask_crm(
                self._session,
                MoveDeal(deal.amo_lead_id, status),
                now=now,
                dedupe_key=f"crm:{key}:move",
            )

    def _write_back_undone(
        self,
        actor: Actor,
        deal: DealRow,
        payment: ExpectedPaymentRow,
        row: PaymentConfirmationRow,
        amount: Money,
        paid: Money,
    ) -> None:
        if self._crm is None:
            return
        key = f"u{row.entry_id}"
        text = undone_note(
            amount=amount, kind=payment.kind, name=actor.name, on=self._clock.today(), key=key
        )
        ask_crm(
            self._session,
            AddDealNote(deal.amo_lead_id, text, key=key),
            now=self._clock.now(),
            dedupe_key=f"crm:{key}:note",
        )
        # The status stays: a deal is never moved backwards in its pipeline by us.
        self._write_paid(deal, paid, key)

    def _write_paid(self, deal: DealRow, paid: Money, key: str) -> None:
        assert self._crm is not None
        if self._crm.paid_field is None:
            return
        ask_crm(
            self._session,
            SetDealFields(deal.amo_lead_id, ((self._crm.paid_field, crm_number(paid)),)),
            now=self._clock.now(),
            dedupe_key=f"crm:{key}:paid",
        )

    async def _deal_paid(self, deal: DealRow, payment: ExpectedPaymentRow) -> tuple[Money, bool]:
        """The deal's total confirmed with `payment` as it now is (an absolute value for the
        deal's "paid" field), and whether the deal is fully paid: nothing still owed, and at
        least its price received."""
        others = (
            await self._session.execute(
                select(ExpectedPaymentRow.status, ExpectedPaymentRow.confirmed_amount_minor).where(
                    ExpectedPaymentRow.deal_id == deal.id, ExpectedPaymentRow.id != payment.id
                )
            )
        ).all()
        rows = [*others, (payment.status, payment.confirmed_amount_minor)]
        paid = sum(minor or 0 for _, minor in rows)
        owing = any(PaymentStatus(status) in OWING for status, _ in rows)
        return Money.from_minor_units(paid, deal.currency), not owing and paid >= deal.price_minor

    # -- shared ------------------------------------------------------------------------------

    async def _check_role(self, actor: Actor, payment_id: int) -> None:
        """Refuse early, before waiting for the write gate: a manager never confirms."""
        kind = await self._session.scalar(
            select(ExpectedPaymentRow.kind).where(ExpectedPaymentRow.id == payment_id)
        )
        if kind is None:
            raise NotFound("payment", payment_id)
        if not actor.has_any(confirmers(kind)):
            raise NotAllowed

    async def _locked(self, payment_id: int) -> tuple[DealRow, ExpectedPaymentRow, _Manager]:
        """The payment and its deal as they are now, and the deal's manager (whom to tell),
        in one read. On PostgreSQL the deal is locked first, so that changes to one deal's
        payments (and its CRM total) follow each other; the SQLite write gate already does."""
        if self._session.bind.dialect.name == "postgresql":
            await self._session.execute(
                select(DealRow.id)
                .where(
                    DealRow.id
                    == select(ExpectedPaymentRow.deal_id)
                    .where(ExpectedPaymentRow.id == payment_id)
                    .scalar_subquery()
                )
                .with_for_update()
            )
        found = (
            await self._session.execute(
                select(DealRow, ExpectedPaymentRow, UserRow.telegram_id, UserRow.language)
                .join(ExpectedPaymentRow, ExpectedPaymentRow.deal_id == DealRow.id)
                .outerjoin(UserRow, UserRow.amo_user_id == DealRow.responsible_amo_user_id)
                .where(ExpectedPaymentRow.id == payment_id)
                .execution_options(populate_existing=True)
            )
        ).first()
        if found is None:
            raise NotFound("payment", payment_id)
        deal, payment, chat_id, language = found
        return deal, payment, ((chat_id, language) if chat_id is not None else None)

    async def _last_confirmation(
        self, payment_id: int
    ) -> tuple[PaymentConfirmationRow, str] | None:
        found = (
            await self._session.execute(
                select(PaymentConfirmationRow, UserRow.name)
                .join(UserRow, UserRow.id == PaymentConfirmationRow.confirmed_by)
                .where(
                    PaymentConfirmationRow.payment_id == payment_id,
                    PaymentConfirmationRow.undone_at.is_(None),
                )
                .order_by(PaymentConfirmationRow.payment_version.desc())
                .limit(1)
                .execution_options(populate_existing=True)
            )
        ).first()
        return (found[0], found[1]) if found is not None else None

    async def who_confirmed(self, payment_id: int) -> AlreadyConfirmed:
        """Who confirmed the payment last, and when: what someone who came second is told."""
        payment = await self._session.get(ExpectedPaymentRow, payment_id)
        if payment is None:
            raise NotFound("payment", payment_id)
        return await self._already(payment)

    async def _already(self, payment: ExpectedPaymentRow) -> AlreadyConfirmed:
        last = await self._last_confirmation(payment.id)
        if last is not None:
            return AlreadyConfirmed(last[1], last[0].confirmed_at)
        # Confirmed before confirmations were recorded one by one.
        name = await self._session.scalar(
            select(UserRow.name).where(UserRow.id == payment.confirmed_by)
        )
        return AlreadyConfirmed(name or "—", payment.confirmed_at or payment.updated_at)

    async def _changed_since(self, payment: ExpectedPaymentRow, version: int) -> Exception:
        """What to tell someone whose view of the payment is old: who confirmed part of it
        since, or only that it changed."""
        last = await self._last_confirmation(payment.id)
        if last is not None and last[0].payment_version >= version:
            return AlreadyConfirmed(last[1], last[0].confirmed_at)
        return PaymentChanged()

    async def _undone_since(self, payment: ExpectedPaymentRow) -> Exception:
        undone = (
            await self._session.execute(
                select(PaymentConfirmationRow.undone_at, UserRow.name)
                .join(UserRow, UserRow.id == PaymentConfirmationRow.undone_by)
                .where(
                    PaymentConfirmationRow.payment_id == payment.id,
                    PaymentConfirmationRow.undone_at.is_not(None),
                )
                .order_by(PaymentConfirmationRow.undone_at.desc())
                .limit(1)
            )
        ).first()
        if undone is not None:
            return AlreadyReversed(undone.name, undone.undone_at)
        return PaymentChanged()

    async def _nothing_to_undo(self, payment_id: int) -> Exception:
        payment = await self._session.get(ExpectedPaymentRow, payment_id)
        assert payment is not None
        if await self._session.scalar(
            select(func.count())
            .select_from(PaymentConfirmationRow)
            .where(PaymentConfirmationRow.payment_id == payment_id)
        ):
            return await self._undone_since(payment)
        return PaymentRefused("nothing_to_undo")

    def _tell_manager(self, manager: _Manager, facts: NoticeFacts, *, dedupe_key: str) -> None:
        if manager is None:
            return
        chat_id, language = manager
        notify(
            self._session,
            Notification(chat_id, facts, language),
            now=self._clock.now(),
            dedupe_key=dedupe_key,
        )


def _who(actor: Actor, source: Source) -> str:
    """The confirmer in the CRM note: the role they confirmed in, or "владелец" for an owner
    doing it in someone else's stead."""
    if Role(_SOURCE_ROLE[source]) in actor.roles or not actor.is_owner:
        return source.value
    return "owner"


__all__ = [
    "NON_CASH_KINDS",
    "Confirmation",
    "ConfirmationService",
    "PaymentLine",
    "RecentConfirmation",
    "Source",
    "UndoQuestion",
    "Undone",
    "WriteBack",
    "confirmers",
    "kinds_for",
    "payment_line",
]
