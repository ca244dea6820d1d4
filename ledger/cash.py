"""Cash custody: the cash managers hold for their deals, hand-overs to the cash desk, and the
signed single-use links that open one hand-over or one payment for the cashier.

A cash payment of a closed deal is held by the deal's manager (the amoCRM user responsible for
the deal, linked to the person by their invite) until the cashier confirms it. The manager
starts a hand-over of all or some of it; the cashier accepts it all, one payment at a time, or
"получено меньше" (less arrived than was handed over: that much is confirmed, oldest payments
first, the difference stays on the manager and the owners are told). A cashier may also accept
cash no hand-over was started for. Every confirmation goes through `ConfirmationService`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import Select, func, select, update
from sqlalchemy.exc import IntegrityError

from ledger import audit
from ledger.clock import Clock
from ledger.confirmations import (
    CASH_CONFIRMERS,
    Confirmation,
    ConfirmationService,
    PaymentLine,
    Source,
    confirmers,
    payment_line,
)
from ledger.errors import (
    AlreadyAccepted,
    AlreadyConfirmed,
    HandoverRefused,
    LinkRefused,
    NotAllowed,
    NotFound,
    NotLinkedToCrm,
    NotYours,
    PaymentChanged,
    PaymentRefused,
)
from ledger.journal import MoneyAccount
from ledger.money import Money
from ledger.notices import CashReminder, EveningCash, HandoverShort, HandoverStarted, Notification
from ledger.outbox import notify
from ledger.payments import PaymentKind, held_by_manager
from ledger.roles import Actor, Role
from ledger.storage.models import (
    DealRow,
    EntryRow,
    ExpectedPaymentRow,
    HandoverItemRow,
    HandoverRow,
    OutboxRow,
    UsedLinkRow,
    UserRoleRow,
    UserRow,
)
from ledger.storage.uow import UnitOfWork
from ledger.tokens import TokenError, sign, verify
from ledger.transitions import Lost, StateMachine, transition

# The owners' evening summary names this many managers; the rest are counted (see /pending).
EVENING_HOLDERS_SHOWN = 30
HANDOVER_LINK = "ho"
PAYMENT_LINK = "pay"
LINK_TTL = timedelta(days=3)


class HandoverStatus(StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"  # all of it (what was still owed) confirmed
    SHORT = "short"  # less arrived than was handed over; the difference stays on the manager


class ItemStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    SHORT = "short"  # less (or nothing) of it arrived
    SKIPPED = "skipped"  # confirmed another way meanwhile, or no longer owed


HANDOVERS = StateMachine(
    name="handover",
    model=HandoverRow,
    moves=frozenset(
        {
            (HandoverStatus.OPEN, HandoverStatus.ACCEPTED),
            (HandoverStatus.OPEN, HandoverStatus.SHORT),
        }
    ),
    by="accepted_by",
    at="accepted_at",
)
# What accepting an item gives way to without failing the hand-over: the money was confirmed
# another way, the deal is no longer owed, or the CRM changed the payment.
_SKIPPABLE = (AlreadyConfirmed, PaymentRefused, PaymentChanged)


@dataclass(frozen=True, slots=True)
class HeldCash:
    payment: PaymentLine
    days: int  # since the money was paid (or since we learned of it)
    handover_id: int | None = None  # the open hand-over it is in, if any

    @property
    def amount(self) -> Money:
        return self.payment.remaining


@dataclass(frozen=True, slots=True)
class ManagerCash:
    """The cash one manager holds, oldest first."""

    amo_user_id: int | None
    user_id: int | None  # None: the amoCRM user is linked to nobody in the bot
    name: str
    payments: tuple[HeldCash, ...] = field(default_factory=tuple)

    @property
    def total(self) -> Money:
        total = Money.from_minor_units(0)
        for held in self.payments:
            total += held.amount
        return total

    @property
    def oldest_days(self) -> int:
        return max((held.days for held in self.payments), default=0)


@dataclass(frozen=True, slots=True)
class EveningRound:
    """What the evening round told: the owners (always) and the managers reminded."""

    holders: int
    reminded: int


@dataclass(frozen=True, slots=True)
class HandoverItem:
    payment: PaymentLine
    amount: Money  # as handed over
    status: ItemStatus
    accepted: Money | None


@dataclass(frozen=True, slots=True)
class Handover:
    id: int
    manager_id: int
    manager: str
    status: HandoverStatus
    total: Money
    received: Money | None
    created_at: datetime
    accepted_by: str | None
    accepted_at: datetime | None
    items: tuple[HandoverItem, ...]

    @property
    def pending(self) -> tuple[HandoverItem, ...]:
        return tuple(item for item in self.items if item.status is ItemStatus.PENDING)


@dataclass(frozen=True, slots=True)
class LinkTarget:
    """What a link opened: one hand-over or one payment."""

    handover: Handover | None = None
    payment: PaymentLine | None = None


@dataclass(frozen=True, slots=True)
class Accepted:
    """What accepting several payments did: those confirmed, and those someone else had
    confirmed first (or that are no longer owed)."""

    confirmed: tuple[Confirmation, ...]
    skipped: tuple[int, ...]


class CashService:
    def __init__(
        self,
        uow: UnitOfWork,
        clock: Clock,
        confirmations: ConfirmationService,
        *,
        secret_key: bytes,
        owner_chat_ids: Iterable[int] = (),
    ) -> None:
        self._uow = uow
        self._session = uow.session
        self._clock = clock
        self._confirmations = confirmations
        self._key = secret_key
        self._owners = tuple(sorted(set(owner_chat_ids)))

    # -- who holds what ----------------------------------------------------------------------

    async def held_by(self, actor: Actor, manager_user_id: int | None = None) -> ManagerCash:
        """The cash a manager holds: the person's own, or (for the cash desk and the owner)
        another manager's."""
        target = manager_user_id if manager_user_id is not None else actor.user_id
        if target == actor.user_id:
            actor.require(Role.MANAGER, Role.OWNER)
        else:
            actor.require(Role.CASHIER, Role.OWNER)
        user = await self._session.get(UserRow, target)
        if user is None:
            raise NotFound("user", target)
        if user.amo_user_id is None:
            raise NotLinkedToCrm
        [held] = await self._held(amo_user_id=user.amo_user_id) or [
            ManagerCash(user.amo_user_id, user.id, user.name)
        ]
        return held

    async def pending(self, actor: Actor) -> list[ManagerCash]:
        """Every manager's unconfirmed cash, the manager holding the oldest first."""
        actor.require(*CASH_CONFIRMERS)
        return await self.pending_all()

    async def _held(self, amo_user_id: int | None = None) -> list[ManagerCash]:
        query = (
            select(ExpectedPaymentRow, DealRow)
            .join(DealRow, DealRow.id == ExpectedPaymentRow.deal_id)
            .where(held_by_manager())
        )
        if amo_user_id is not None:
            query = query.where(DealRow.responsible_amo_user_id == amo_user_id)
        rows = (await self._session.execute(query)).all()
        if not rows:
            return []
        in_handover = dict(
            (
                await self._session.execute(
                    select(HandoverItemRow.payment_id, HandoverItemRow.handover_id)
                    .join(HandoverRow, HandoverRow.id == HandoverItemRow.handover_id)
                    .where(
                        HandoverRow.status == HandoverStatus.OPEN.value,
                        HandoverItemRow.status == ItemStatus.PENDING.value,
                        HandoverItemRow.payment_id.in_([payment.id for payment, _ in rows]),
                    )
                )
            ).all()
        )
        responsible = {deal.responsible_amo_user_id for _, deal in rows} - {None}
        users = {
            row.amo_user_id: row
            for row in await self._session.scalars(
                select(UserRow).where(UserRow.amo_user_id.in_(responsible))
            )
        }
        today = self._clock.today()
        by_manager: dict[int | None, tuple[str, list[HeldCash]]] = {}
        for payment, deal in rows:
            line = payment_line(payment, deal, self._clock)
            held = HeldCash(line, (today - line.since).days, in_handover.get(payment.id))
            key = deal.responsible_amo_user_id
            user = users.get(key)
            name = user.name if user is not None else (deal.manager or "—")
            by_manager.setdefault(key, (name, []))[1].append(held)
        return [
            ManagerCash(
                amo_user_id=key,
                user_id=users[key].id if key in users else None,
                name=name,
                payments=tuple(sorted(held, key=lambda h: (h.payment.since, h.payment.payment_id))),
            )
            for key, (name, held) in by_manager.items()
        ]

    async def evening_round(self) -> EveningRound:
        """The day's end: the owners hear who holds how much cash and what the desk should
        hold; every manager (linked in the bot) still holding cash is reminded. Once a day per
        person, however often it runs."""
        held = await self.pending_all()
        desk = await self._desk_totals()
        today = self._clock.today().isoformat()
        now = self._clock.now()
        summary = EveningCash(
            holders=tuple(
                (
                    cash.name,
                    cash.total.to_minor_units(),
                    cash.total.currency,
                    len(cash.payments),
                    cash.oldest_days,
                )
                for cash in held[:EVENING_HOLDERS_SHOWN]
            ),
            more=max(0, len(held) - EVENING_HOLDERS_SHOWN),
            desk=tuple((money.to_minor_units(), money.currency) for money in desk),
        )
        managers = await self._managers_by_user([cash.user_id for cash in held])
        told: list[tuple[str, Notification]] = [
            (f"cash-evening:{today}:{chat_id}", Notification(chat_id, summary))
            for chat_id in self._owners
        ]
        for cash in held:
            user = managers.get(cash.user_id)
            if user is None:
                continue
            reminder = CashReminder(
                total_minor=cash.total.to_minor_units(),
                currency=cash.total.currency,
                payments=len(cash.payments),
                oldest_days=cash.oldest_days,
                in_handover=sum(1 for h in cash.payments if h.handover_id is not None),
            )
            told.append(
                (
                    f"cash-reminder:{today}:{user.telegram_id}",
                    Notification(user.telegram_id, reminder, user.language),
                )
            )
        async with self._uow.write():
            already = set(
                await self._session.scalars(
                    select(OutboxRow.dedupe_key).where(
                        OutboxRow.dedupe_key.in_([key for key, _ in told])
                    )
                )
            )
            for key, notification in told:
                if key not in already:
                    notify(self._session, notification, now=now, dedupe_key=key)
            await self._uow.commit()
        reminded = sum(1 for key, _ in told if key.startswith("cash-reminder:"))
        return EveningRound(holders=len(held), reminded=reminded)

    async def pending_all(self) -> list[ManagerCash]:
        """Every manager's unconfirmed cash, the longest held first: for the system's own
        rounds (a screen asks `pending`, which checks who is asking)."""
        held = await self._held()
        return sorted(held, key=lambda cash: (-cash.oldest_days, cash.name))

    async def _managers_by_user(self, user_ids: Iterable[int | None]) -> dict[int, UserRow]:
        """Those of `user_ids` who are managers right now (a revoked one is not reminded)."""
        wanted = {user_id for user_id in user_ids if user_id is not None}
        if not wanted:
            return {}
        rows = await self._session.scalars(
            select(UserRow)
            .join(UserRoleRow, UserRoleRow.user_id == UserRow.id)
            .where(UserRow.id.in_(wanted), UserRoleRow.role == Role.MANAGER.value)
        )
        return {row.id: row for row in rows}

    async def desk_balance(self, actor: Actor) -> list[Money]:
        """What the cash desk should hold, per currency: every entry on the cash-desk account
        (confirmed cash in, cash paid out, reversals of either) summed."""
        actor.require(Role.CASHIER, Role.OWNER)
        return await self._desk_totals()

    async def _desk_totals(self) -> list[Money]:
        rows = await self._session.execute(
            select(EntryRow.currency, func.sum(EntryRow.amount_minor))
            .where(EntryRow.account == MoneyAccount.CASH_DESK.value)
            .group_by(EntryRow.currency)
            .order_by(EntryRow.currency)
        )
        return [Money.from_minor_units(int(total or 0), currency) for currency, total in rows]

    # -- hand-overs --------------------------------------------------------------------------

    async def start_handover(
        self, actor: Actor, payment_ids: Sequence[int] | None = None
    ) -> Handover:
        """A manager hands over all the cash they hold, or the payments named; those already
        in an open hand-over are left out. The cash desk is told, with a link."""
        actor.require(Role.MANAGER)
        async with self._uow.write():
            user = await self._locked_user(actor.user_id)
            if user.amo_user_id is None:
                raise NotLinkedToCrm
            [own] = await self._held(amo_user_id=user.amo_user_id) or [
                ManagerCash(user.amo_user_id, user.id, user.name)
            ]
            held = {h.payment.payment_id: h for h in own.payments}
            if payment_ids is not None and not set(payment_ids) <= set(held):
                raise NotYours
            chosen = [
                h
                for h in own.payments
                if h.handover_id is None
                and (payment_ids is None or h.payment.payment_id in payment_ids)
            ]
            if chosen:
                currency = chosen[0].amount.currency
                chosen = [h for h in chosen if h.amount.currency == currency]
            if not chosen:
                raise HandoverRefused("empty")
            now = self._clock.now()
            total = sum((h.amount for h in chosen[1:]), chosen[0].amount)
            row = HandoverRow(
                manager_id=user.id,
                status=HandoverStatus.OPEN.value,
                total_minor=total.to_minor_units(),
                currency=total.currency,
                created_at=now,
                updated_at=now,
            )
            self._session.add(row)
            await self._session.flush()
            for held_cash in chosen:
                self._session.add(
                    HandoverItemRow(
                        handover_id=row.id,
                        payment_id=held_cash.payment.payment_id,
                        amount_minor=held_cash.amount.to_minor_units(),
                        status=ItemStatus.PENDING.value,
                    )
                )
            await self._session.flush()
            audit.record(
                self._session,
                at=now,
                actor_user_id=actor.user_id,
                action="handover.open",
                object_type="handover",
                object_id=row.id,
                after={
                    "total_minor": row.total_minor,
                    "payments": [h.payment.payment_id for h in chosen],
                },
            )
            facts = HandoverStarted(
                manager=user.name,
                payments=len(chosen),
                total_minor=row.total_minor,
                currency=row.currency,
                handover_id=row.id,
                token=self._sign(HANDOVER_LINK, row.id),
            )
            for chat_id, language in await self._cash_desk():
                notify(
                    self._session,
                    Notification(chat_id, facts, language),
                    now=now,
                    dedupe_key=f"handover:{row.id}:{chat_id}",
                )
            await self._uow.commit()
        return await self._view(row.id)

    async def handover(self, actor: Actor, handover_id: int) -> Handover:
        """One hand-over, for the cash desk or the manager who made it."""
        row = await self._session.get(HandoverRow, handover_id, populate_existing=True)
        if row is None:
            raise NotFound("handover", handover_id)
        if not actor.has_any(CASH_CONFIRMERS) and row.manager_id != actor.user_id:
            raise NotYours
        return await self._view(handover_id)

    async def open_handovers(self, actor: Actor) -> list[Handover]:
        actor.require(*CASH_CONFIRMERS)
        ids = await self._session.scalars(
            select(HandoverRow.id)
            .where(HandoverRow.status == HandoverStatus.OPEN.value)
            .order_by(HandoverRow.id)
        )
        return [await self._view(handover_id) for handover_id in ids]

    async def accept_handover(self, actor: Actor, handover_id: int) -> Handover:
        """Accept all of it: every payment still pending is confirmed for what was handed in
        (no more than it still owes). Once: a second acceptance is told who and when."""
        actor.require(*CASH_CONFIRMERS)
        async with self._uow.write():
            await self._lock_deals_of_handover(handover_id)
            await self._close(actor, handover_id, HandoverStatus.ACCEPTED)
            for item in await self._pending_items(handover_id):
                await self._accept(actor, handover_id, item, item.amount_minor)
            await self._uow.commit()
        return await self._view(handover_id)

    async def accept_item(self, actor: Actor, handover_id: int, payment_id: int) -> Confirmation:
        """Accept one payment of a hand-over; the last one closes the hand-over."""
        actor.require(*CASH_CONFIRMERS)
        async with self._uow.write():
            await self._lock_deals_of_handover(handover_id)
            row = await self._open(handover_id)
            claimed = await self._session.execute(
                update(HandoverItemRow)
                .where(
                    HandoverItemRow.handover_id == handover_id,
                    HandoverItemRow.payment_id == payment_id,
                    HandoverItemRow.status == ItemStatus.PENDING.value,
                )
                .values(status=ItemStatus.ACCEPTED.value)
                .returning(HandoverItemRow.id)
            )
            item_id = claimed.scalar_one_or_none()
            if item_id is None:
                raise await self._item_taken(handover_id, payment_id)
            item = await self._session.get(HandoverItemRow, item_id, populate_existing=True)
            assert item is not None
            confirmation = await self._confirm_item(actor, handover_id, item, item.amount_minor)
            item.accepted_minor = confirmation.amount.to_minor_units()
            if not await self._pending_items(handover_id):
                await self._close(actor, row.id, HandoverStatus.ACCEPTED)
            await self._uow.commit()
        return confirmation

    async def accept_less(self, actor: Actor, handover_id: int, received: Money) -> Handover:
        """ "Получено меньше": `received` is what really arrived for the payments still pending.
        That much is confirmed, oldest payments first; the rest stays on the manager and the
        owners are told."""
        actor.require(*CASH_CONFIRMERS)
        if received.amount <= 0:
            raise HandoverRefused("not_positive")
        async with self._uow.write():
            await self._lock_deals_of_handover(handover_id)
            row = await self._open(handover_id)
            pending = await self._pending_items(handover_id)
            handed = sum(item.amount_minor for item in pending)
            if received.currency != row.currency or received.to_minor_units() > handed:
                raise HandoverRefused(
                    "more_than_handed", handed=Money.from_minor_units(handed, row.currency)
                )
            left = received.to_minor_units()
            short = left < handed
            await self._close(
                actor,
                handover_id,
                HandoverStatus.SHORT if short else HandoverStatus.ACCEPTED,
                received_minor=left,
            )
            for item in pending:
                part = min(item.amount_minor, left)
                left -= part
                if part == 0:
                    item.status = ItemStatus.SHORT.value
                    item.accepted_minor = 0
                    continue
                await self._accept(actor, handover_id, item, part)
            if short:
                manager = await self._session.get(UserRow, row.manager_id)
                assert manager is not None
                facts = HandoverShort(
                    manager=manager.name,
                    handed_minor=handed,
                    received_minor=received.to_minor_units(),
                    currency=row.currency,
                    by_name=actor.name,
                )
                for chat_id in self._owners:
                    notify(
                        self._session,
                        Notification(chat_id, facts),
                        now=self._clock.now(),
                        dedupe_key=f"handover-short:{handover_id}:{chat_id}",
                    )
            await self._uow.commit()
        return await self._view(handover_id)

    # -- cash without a hand-over -------------------------------------------------------------

    async def accept_cash(
        self, actor: Actor, payment_id: int, *, version: int | None = None
    ) -> Confirmation:
        """The manager simply brought it: the cash desk confirms one cash payment (all it
        still owes)."""
        actor.require(*CASH_CONFIRMERS)
        async with self._uow.write():
            confirmation = await self._accept_cash(actor, payment_id, version)
            await self._uow.commit()
        return confirmation

    async def accept_payments(self, actor: Actor, payment_ids: Sequence[int]) -> Accepted:
        """ "Accept all of this manager": the cash payments the cashier was shown, in one
        transaction; any someone else confirmed first is skipped, not an error."""
        actor.require(*CASH_CONFIRMERS)
        confirmed: list[Confirmation] = []
        skipped: list[int] = []
        async with self._uow.write():
            await self._lock_deals(
                select(ExpectedPaymentRow.deal_id).where(ExpectedPaymentRow.id.in_(payment_ids))
            )
            for payment_id in dict.fromkeys(payment_ids):
                try:
                    confirmed.append(await self._accept_cash(actor, payment_id, None))
                except _SKIPPABLE:
                    skipped.append(payment_id)
            await self._uow.commit()
        return Accepted(tuple(confirmed), tuple(skipped))

    async def _accept_cash(
        self, actor: Actor, payment_id: int, version: int | None
    ) -> Confirmation:
        # `only`: a forged button for another kind of payment is refused; the desk takes cash.
        confirmation = await self._confirmations.confirm_here(
            actor, payment_id, source=Source.CASHIER, version=version, only=PaymentKind.CASH
        )
        await self._settle_items(actor, payment_id, confirmation)
        return confirmation

    async def _settle_items(
        self, actor: Actor, payment_id: int, confirmation: Confirmation
    ) -> None:
        """Cash accepted outside its open hand-over: the hand-over's item is accepted with it,
        and a hand-over left with nothing pending is closed."""
        items = list(
            await self._session.scalars(
                select(HandoverItemRow)
                .join(HandoverRow, HandoverRow.id == HandoverItemRow.handover_id)
                .where(
                    HandoverItemRow.payment_id == payment_id,
                    HandoverItemRow.status == ItemStatus.PENDING.value,
                    HandoverRow.status == HandoverStatus.OPEN.value,
                )
            )
        )
        for item in items:
            item.status = ItemStatus.ACCEPTED.value
            item.accepted_minor = confirmation.amount.to_minor_units()
            await self._session.flush()
            if not await self._pending_items(item.handover_id):
                await self._close(actor, item.handover_id, HandoverStatus.ACCEPTED)

    # -- links -------------------------------------------------------------------------------

    async def handover_link(self, actor: Actor, handover_id: int) -> str:
        """A link (the `/start` payload) that opens the hand-over for the cash desk."""
        handover = await self.handover(actor, handover_id)
        if handover.status is not HandoverStatus.OPEN:
            raise AlreadyAccepted(
                handover.accepted_by or "—", handover.accepted_at or self._clock.now()
            )
        return self._sign(HANDOVER_LINK, handover_id)

    async def payment_link(self, actor: Actor, payment_id: int) -> str:
        """A link that opens one payment for whoever confirms it: made by the deal's manager
        (to send to the cashier) or the owner."""
        line = await self._confirmations.line(payment_id)
        if not actor.is_owner:
            actor.require(Role.MANAGER)
            amo_user_id = await self._session.scalar(
                select(UserRow.amo_user_id).where(UserRow.id == actor.user_id)
            )
            if amo_user_id is None or amo_user_id != line.responsible_amo_user_id:
                raise NotYours
        return self._sign(PAYMENT_LINK, payment_id)

    async def open_link(self, actor: Actor, token: str) -> LinkTarget:
        """Open a link: checked (signature, expiry), for the right role, and used once; the
        thing it opens must still wait for confirmation."""
        kind = token.split("_", 1)[0]
        if kind not in (HANDOVER_LINK, PAYMENT_LINK):
            raise LinkRefused("invalid")
        try:
            claims = verify(self._key, token, kind=kind, now=self._clock.now())
        except TokenError as exc:
            raise LinkRefused(exc.reason) from None
        if kind == HANDOVER_LINK:
            actor.require(*CASH_CONFIRMERS)
            handover = await self._view(claims.ident)
            if handover.status is not HandoverStatus.OPEN:
                raise AlreadyAccepted(
                    handover.accepted_by or "—", handover.accepted_at or self._clock.now()
                )
            target = LinkTarget(handover=handover)
        else:
            line = await self._confirmations.line(claims.ident)
            if not actor.has_any(confirmers(line.kind)):
                raise NotAllowed
            if line.remaining.is_zero:
                raise await self._confirmations.who_confirmed(claims.ident)
            target = LinkTarget(payment=line)
        await self._use_link(actor, kind, claims.ident)
        return target

    async def _use_link(self, actor: Actor, kind: str, ident: int) -> None:
        try:
            async with self._uow.write():
                if await self._session.get(UsedLinkRow, (kind, ident)) is not None:
                    raise LinkRefused("used")
                self._session.add(
                    UsedLinkRow(
                        kind=kind, ident=ident, used_by=actor.user_id, used_at=self._clock.now()
                    )
                )
                await self._uow.commit()
        except IntegrityError:
            raise LinkRefused("used") from None  # two people opened it at the same moment

    def _sign(self, kind: str, ident: int) -> str:
        return sign(self._key, kind, ident, self._clock.now() + LINK_TTL)

    # -- shared ------------------------------------------------------------------------------

    async def _open(self, handover_id: int) -> HandoverRow:
        query = select(HandoverRow).where(HandoverRow.id == handover_id)
        if self._session.bind.dialect.name == "postgresql":
            query = query.with_for_update()
        row = (
            await self._session.execute(query.execution_options(populate_existing=True))
        ).scalar_one_or_none()
        if row is None:
            raise NotFound("handover", handover_id)
        if row.status != HandoverStatus.OPEN:
            raise await self._accepted(row)
        return row

    async def _close(
        self,
        actor: Actor,
        handover_id: int,
        to: HandoverStatus,
        *,
        received_minor: int | None = None,
    ) -> None:
        values: dict[str, object] = {"updated_at": self._clock.now()}
        if received_minor is not None:
            values["received_minor"] = received_minor
        moved = await transition(
            self._session,
            HANDOVERS,
            handover_id,
            HandoverStatus.OPEN,
            to,
            values=values,
            actor_user_id=actor.user_id,
            now=self._clock.now(),
        )
        if isinstance(moved, Lost):
            if moved.status is None:
                raise NotFound("handover", handover_id)
            row = await self._session.get(HandoverRow, handover_id, populate_existing=True)
            assert row is not None
            raise await self._accepted(row)

    async def _accepted(self, row: HandoverRow) -> AlreadyAccepted:
        name = await self._session.scalar(select(UserRow.name).where(UserRow.id == row.accepted_by))
        return AlreadyAccepted(name or "—", row.accepted_at or row.updated_at)

    async def _pending_items(self, handover_id: int) -> list[HandoverItemRow]:
        """Its items still pending, the oldest payment first (a short hand-over's money
        goes to those first)."""
        rows = await self._session.execute(
            select(HandoverItemRow, ExpectedPaymentRow)
            .join(ExpectedPaymentRow, ExpectedPaymentRow.id == HandoverItemRow.payment_id)
            .where(
                HandoverItemRow.handover_id == handover_id,
                HandoverItemRow.status == ItemStatus.PENDING.value,
            )
            .execution_options(populate_existing=True)
        )
        found = [(item, payment) for item, payment in rows]
        today = self._clock.today()

        def since(payment: ExpectedPaymentRow) -> object:
            due = payment.due_date
            if due is not None and due <= today:
                return due
            return payment.created_at.astimezone(self._clock.tz).date()

        found.sort(key=lambda pair: (since(pair[1]), pair[1].id))
        return [item for item, _ in found]

    async def _accept(
        self, actor: Actor, handover_id: int, item: HandoverItemRow, amount_minor: int
    ) -> None:
        """Confirm an item's cash (`amount_minor` of it); one confirmed another way meanwhile
        is skipped."""
        try:
            confirmation = await self._confirm_item(actor, handover_id, item, amount_minor)
        except _SKIPPABLE:
            item.status = ItemStatus.SKIPPED.value
            item.accepted_minor = 0
            return
        # Less than was handed in is short; less than asked (the rest confirmed another way
        # meanwhile) is still all of it.
        item.status = (
            ItemStatus.SHORT.value
            if amount_minor < item.amount_minor
            else ItemStatus.ACCEPTED.value
        )
        item.accepted_minor = confirmation.amount.to_minor_units()

    async def _confirm_item(
        self, actor: Actor, handover_id: int, item: HandoverItemRow, amount_minor: int
    ) -> Confirmation:
        line = await self._confirmations.line(item.payment_id)
        owed = line.remaining.to_minor_units()
        if owed <= 0:
            raise await self._confirmations.who_confirmed(item.payment_id)
        return await self._confirmations.confirm_here(
            actor,
            item.payment_id,
            amount=Money.from_minor_units(min(amount_minor, owed), line.amount.currency),
            source=Source.CASHIER,
            handover_id=handover_id,
        )

    async def _item_taken(self, handover_id: int, payment_id: int) -> Exception:
        """Why an item could not be accepted: someone accepted it first, or it is not in the
        hand-over (a forged button)."""
        item = (
            await self._session.execute(
                select(HandoverItemRow).where(
                    HandoverItemRow.handover_id == handover_id,
                    HandoverItemRow.payment_id == payment_id,
                )
            )
        ).scalar_one_or_none()
        if item is None:
            return NotYours()
        return await self._confirmations.who_confirmed(payment_id)

    async def _lock_deals_of_handover(self, handover_id: int) -> None:
        await self._lock_deals(
            select(ExpectedPaymentRow.deal_id)
            .join(HandoverItemRow, HandoverItemRow.payment_id == ExpectedPaymentRow.id)
            .where(HandoverItemRow.handover_id == handover_id)
        )

    async def _lock_deals(self, deal_ids: Select[tuple[int]]) -> None:
        """On PostgreSQL, lock the deals a use case will confirm money of, in id order, before
        anything else: every confirmation locks its deal first, so locking them all up front
        (and in one order) keeps two cashiers from waiting on each other forever."""
        if self._session.bind.dialect.name != "postgresql":
            return
        await self._session.execute(
            select(DealRow.id)
            .where(DealRow.id.in_(deal_ids.scalar_subquery()))
            .order_by(DealRow.id)
            .with_for_update()
        )

    async def _locked_user(self, user_id: int) -> UserRow:
        """The manager's row, locked on PostgreSQL: a double tap on "hand over" makes one
        hand-over, not two with the same cash."""
        query = select(UserRow).where(UserRow.id == user_id)
        if self._session.bind.dialect.name == "postgresql":
            query = query.with_for_update()
        return (await self._session.execute(query)).scalar_one()

    async def _cash_desk(self) -> list[tuple[int, str | None]]:
        """Who is told of a hand-over: the cashiers, or the owners when there is none."""
        rows = await self._session.execute(
            select(UserRow.telegram_id, UserRow.language)
            .join(UserRoleRow, UserRoleRow.user_id == UserRow.id)
            .where(UserRoleRow.role == Role.CASHIER.value)
            .order_by(UserRow.id)
        )
        cashiers = [(row.telegram_id, row.language) for row in rows]
        return cashiers or [(chat_id, None) for chat_id in self._owners]

    async def _view(self, handover_id: int) -> Handover:
        row = await self._session.get(HandoverRow, handover_id, populate_existing=True)
        if row is None:
            raise NotFound("handover", handover_id)
        manager = await self._session.get(UserRow, row.manager_id)
        accepted_by = (
            await self._session.scalar(select(UserRow.name).where(UserRow.id == row.accepted_by))
            if row.accepted_by is not None
            else None
        )
        found = await self._session.execute(
            select(HandoverItemRow, ExpectedPaymentRow, DealRow)
            .join(ExpectedPaymentRow, ExpectedPaymentRow.id == HandoverItemRow.payment_id)
            .join(DealRow, DealRow.id == ExpectedPaymentRow.deal_id)
            .where(HandoverItemRow.handover_id == handover_id)
            .order_by(HandoverItemRow.id)
            .execution_options(populate_existing=True)
        )
        items = tuple(
            HandoverItem(
                payment=payment_line(payment, deal, self._clock),
                amount=Money.from_minor_units(item.amount_minor, row.currency),
                status=ItemStatus(item.status),
                accepted=(
                    Money.from_minor_units(item.accepted_minor, row.currency)
                    if item.accepted_minor is not None
                    else None
                ),
            )
            for item, payment, deal in found
        )
        return Handover(
            id=row.id,
            manager_id=row.manager_id,
            manager=manager.name if manager is not None else "—",
            status=HandoverStatus(row.status),
            total=Money.from_minor_units(row.total_minor, row.currency),
            received=(
                Money.from_minor_units(row.received_minor, row.currency)
                if row.received_minor is not None
                else None
            ),
            created_at=row.created_at,
            accepted_by=accepted_by,
            accepted_at=row.accepted_at,
            items=items,
        )


__all__ = [
    "Accepted",
    "CashService",
    "Handover",
    "HandoverItem",
    "HandoverStatus",
    "HeldCash",
    "ItemStatus",
    "LinkTarget",
    "ManagerCash",
]
