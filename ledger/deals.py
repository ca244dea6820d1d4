"""Deals and the payments they owe: how a CRM snapshot of a deal becomes expected payments.

The CRM is the truth about a deal until we confirm money: before confirmation an expectation
follows the CRM (amount, type, due date); after it, a changed amount never rewrites history, it
raises a discrepancy the owner is told about (a partly confirmed payment follows the CRM while
the CRM asks more than was received). A deal that is no longer closed (reopened, lost,
deleted) cancels what it still owed. Applying the same snapshot twice changes nothing, so
replayed webhooks and repeated reconciles are harmless.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select

from ledger import audit
from ledger.clock import Clock
from ledger.money import Money
from ledger.notices import DealDiscrepancy, DealProblems, Notification
from ledger.outbox import notify
from ledger.payments import PAYMENTS, RECEIVING, DealState, PaymentStatus, owed
from ledger.storage.models import DealRow, DiscrepancyRow, ExpectedPaymentRow
from ledger.storage.uow import UnitOfWork
from ledger.transitions import Lost, transition


@dataclass(frozen=True, slots=True)
class SlotPayment:
    """One payment slot as the CRM shows it; with `problems` it is asked about, not recorded."""

    slot: str
    amount: Money | None
    kind: str | None
    due: date | None
    problems: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class DealSnapshot:
    """A deal as the CRM shows it now, in our terms (no CRM types leak into the ledger)."""

    amo_lead_id: int
    name: str
    price: Money
    pipeline_id: int | None
    status_id: int | None
    state: DealState
    updated_at: datetime
    responsible_amo_user_id: int | None = None
    manager: str | None = None
    contract: str | None = None
    contract_date: date | None = None
    product: str | None = None
    salon: str | None = None
    city: str | None = None
    payments: tuple[SlotPayment, ...] = ()
    problems: tuple[str, ...] = ()

    @property
    def all_problems(self) -> tuple[str, ...]:
        return (*self.problems, *(p for payment in self.payments for p in payment.problems))


@dataclass(slots=True)
class DealChange:
    """What applying a snapshot did; all zero and False when it was already known."""

    deal_created: bool = False
    deal_changed: bool = False
    payments_added: int = 0
    payments_updated: int = 0
    payments_cancelled: int = 0
    discrepancies: int = 0
    stale: bool = False

    @property
    def changed(self) -> bool:
        return bool(
            self.deal_created
            or self.deal_changed
            or self.payments_added
            or self.payments_updated
            or self.payments_cancelled
            or self.discrepancies
        )


def _deal_values(snapshot: DealSnapshot) -> dict[str, Any]:
    return {
        "name": snapshot.name[:500],
        "price_minor": snapshot.price.to_minor_units(),
        "currency": snapshot.price.currency,
        "pipeline_id": snapshot.pipeline_id,
        "status_id": snapshot.status_id,
        "state": snapshot.state.value,
        "responsible_amo_user_id": snapshot.responsible_amo_user_id,
        "manager": _clip(snapshot.manager),
        "contract": _clip(snapshot.contract),
        "contract_date": snapshot.contract_date,
        "product": _clip(snapshot.product),
        "salon": _clip(snapshot.salon),
        "city": _clip(snapshot.city),
        "problems": list(snapshot.all_problems),
    }


def _clip(text: str | None) -> str | None:
    return text[:200] if text is not None else None


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in values.items()}


class DealSync:
    """Applies CRM snapshots to deals and expected payments (the bot reads them: DealBook)."""

    def __init__(self, uow: UnitOfWork, clock: Clock, *, owner_chat_ids: Iterable[int]) -> None:
        self._uow = uow
        self._session = uow.session
        self._clock = clock
        self._owners = tuple(sorted(set(owner_chat_ids)))

    # --- from the CRM ----------------------------------------------------------------------

    async def apply(self, snapshot: DealSnapshot) -> DealChange:
        """Bring the deal and its expected payments in line with the snapshot, in one commit."""
        async with self._uow.write():
            result = await self._apply(snapshot)
            await self._uow.commit()
        return result

    async def mark_gone(self, amo_lead_id: int) -> DealChange:
        """The CRM no longer has the deal: it owes nothing more."""
        async with self._uow.write():
            row = await self._deal(amo_lead_id)
            if row is None or row.state == DealState.DELETED:
                return DealChange()
            now = self._clock.now()
            change = DealChange(deal_changed=True)
            before = {"state": row.state}
            row.state = DealState.DELETED.value
            row.updated_at = now
            audit.record(
                self._session,
                at=now,
                actor_user_id=None,
                action="deal.deleted",
                object_type="deal",
                object_id=row.id,
                before=before,
                after={"state": row.state},
            )
            await self._settle_unowed(row, await self._payments(row.id), change, keep=set())
            await self._uow.commit()
        return change

    async def applied_versions(self, amo_lead_ids: Iterable[int]) -> dict[int, datetime | None]:
        """The CRM's `updated_at` of each deal as last applied (absent: never seen)."""
        rows = await self._session.execute(
            select(DealRow.amo_lead_id, DealRow.amo_updated_at).where(
                DealRow.amo_lead_id.in_(list(amo_lead_ids))
            )
        )
        return {lead_id: updated for lead_id, updated in rows}

    async def owed_lead_ids(self) -> list[int]:
        """The CRM ids of closed deals that still owe a payment, ascending."""
        rows = await self._session.scalars(
            select(DealRow.amo_lead_id)
            .join(ExpectedPaymentRow, ExpectedPaymentRow.deal_id == DealRow.id)
            .where(owed())
            .distinct()
        )
        return sorted(rows)

    async def _apply(self, snapshot: DealSnapshot) -> DealChange:
        now = self._clock.now()
        row = await self._deal(snapshot.amo_lead_id)
        change = DealChange()
        values = _deal_values(snapshot)
        if row is None:
            row = DealRow(
                amo_lead_id=snapshot.amo_lead_id,
                amo_updated_at=snapshot.updated_at,
                created_at=now,
                updated_at=now,
                **values,
            )
            self._session.add(row)
            await self._session.flush()
            change.deal_created = True
            audit.record(
                self._session,
                at=now,
                actor_user_id=None,
                action="deal.created",
                object_type="deal",
                object_id=row.id,
                after=_jsonable(values),
            )
            if snapshot.all_problems:
                self._notify_problems(row, snapshot.all_problems)
        else:
            if row.amo_updated_at is not None and snapshot.updated_at < row.amo_updated_at:
                # An older view of the deal than the one we hold: a slow fetch lost the race.
                change.stale = True
                return change
            differs = {k: v for k, v in values.items() if getattr(row, k) != v}
            row.amo_updated_at = snapshot.updated_at
            if differs:
                before = {k: getattr(row, k) for k in differs}
                for key, value in differs.items():
                    setattr(row, key, value)
                row.updated_at = now
                change.deal_changed = True
                audit.record(
                    self._session,
                    at=now,
                    actor_user_id=None,
                    action="deal.updated",
                    object_type="deal",
                    object_id=row.id,
                    before=_jsonable(before),
                    after=_jsonable(differs),
                )
                if "problems" in differs and snapshot.all_problems:
                    self._notify_problems(row, snapshot.all_problems)
        payments = await self._payments(row.id)
        if snapshot.state is DealState.CLOSED:
            await self._follow_slots(row, snapshot.payments, payments, change)
        else:
            await self._settle_unowed(row, payments, change, keep=set())
        await self._session.flush()
        return change

    async def _follow_slots(
        self,
        deal: DealRow,
        slots: tuple[SlotPayment, ...],
        existing: dict[str, ExpectedPaymentRow],
        change: DealChange,
    ) -> None:
        now = self._clock.now()
        for slot in slots:
            current = existing.get(slot.slot)
            if slot.problems or slot.amount is None or slot.kind is None:
                continue  # asked about (the deal's problems); what we had stays as it was
            minor = slot.amount.to_minor_units()
            if current is None:
                payment = ExpectedPaymentRow(
                    deal_id=deal.id,
                    slot=slot.slot,
                    amount_minor=minor,
                    currency=slot.amount.currency,
                    kind=slot.kind,
                    due_date=slot.due,
                    status=PaymentStatus.EXPECTED.value,
                    created_at=now,
                    updated_at=now,
                )
                self._session.add(payment)
                await self._session.flush()
                change.payments_added += 1
                self._audit_payment("payment.expected", payment, None)
            elif current.status == PaymentStatus.CONFIRMED:
                if minor != current.confirmed_amount_minor:
                    await self._discrepancy(deal, current, minor, change)
            elif current.status == PaymentStatus.PARTLY_CONFIRMED and minor <= (
                current.confirmed_amount_minor or 0
            ):
                await self._partly_settled(deal, current, minor, change)
            else:
                terms = {
                    "amount_minor": minor,
                    "currency": slot.amount.currency,
                    "kind": slot.kind,
                    "due_date": slot.due,
                }
                if current.status == PaymentStatus.CANCELLED:
                    # Owed again (a deal closed again): a move back, on the CRM's terms.
                    moved = await transition(
                        self._session,
                        PAYMENTS,
                        current.id,
                        PaymentStatus.CANCELLED,
                        PaymentStatus.EXPECTED,
                        values={**terms, "version": current.version + 1},
                        now=now,
                    )
                    change.payments_updated += not isinstance(moved, Lost)
                    continue
                differs = {k: v for k, v in terms.items() if getattr(current, k) != v}
                if differs:
                    before = {k: getattr(current, k) for k in differs}
                    for key, value in differs.items():
                        setattr(current, key, value)
                    current.updated_at = now
                    # A button drawn for the old terms no longer confirms the new ones.
                    current.version += 1
                    change.payments_updated += 1
                    self._audit_payment("payment.updated", current, before)
        shown = {slot.slot for slot in slots}
        await self._settle_unowed(deal, existing, change, keep=shown)

    async def _settle_unowed(
        self,
        deal: DealRow,
        payments: dict[str, ExpectedPaymentRow],
        change: DealChange,
        *,
        keep: set[str],
    ) -> None:
        """Cancel what is no longer owed. Money already confirmed is a discrepancy when the deal
        is lost or gone or its slot emptied, and left alone when the deal was merely moved back
        to an open status (a manager's slip, not a change of what was paid).
        """
        now = self._clock.now()
        for slot, payment in payments.items():
            if slot in keep:
                continue
            if payment.status == PaymentStatus.EXPECTED:
                moved = await transition(
                    self._session,
                    PAYMENTS,
                    payment.id,
                    PaymentStatus.EXPECTED,
                    PaymentStatus.CANCELLED,
                    now=now,
                )
                change.payments_cancelled += not isinstance(moved, Lost)
            elif payment.status in RECEIVING and deal.state != DealState.OPEN:
                await self._discrepancy(deal, payment, 0, change)

    async def _partly_settled(
        self, deal: DealRow, payment: ExpectedPaymentRow, crm_minor: int, change: DealChange
    ) -> None:
        """The CRM now asks no more of a partly confirmed slot than was received: exactly that
        much, and the payment is confirmed at it; less, and it is a discrepancy."""
        if crm_minor < (payment.confirmed_amount_minor or 0):
            await self._discrepancy(deal, payment, crm_minor, change)
            return
        moved = await transition(
            self._session,
            PAYMENTS,
            payment.id,
            PaymentStatus.PARTLY_CONFIRMED,
            PaymentStatus.CONFIRMED,
            when=[ExpectedPaymentRow.version == payment.version],
            values={"amount_minor": crm_minor},
            now=self._clock.now(),
        )
        change.payments_updated += not isinstance(moved, Lost)

    async def _discrepancy(
        self, deal: DealRow, payment: ExpectedPaymentRow, crm_minor: int, change: DealChange
    ) -> None:
        known = await self._session.scalar(
            select(func.count())
            .select_from(DiscrepancyRow)
            .where(
                DiscrepancyRow.payment_id == payment.id,
                DiscrepancyRow.crm_amount_minor == crm_minor,
            )
        )
        if known:
            return
        now = self._clock.now()
        confirmed = payment.confirmed_amount_minor or 0
        row = DiscrepancyRow(
            deal_id=deal.id,
            payment_id=payment.id,
            confirmed_amount_minor=confirmed,
            crm_amount_minor=crm_minor,
            detected_at=now,
        )
        self._session.add(row)
        await self._session.flush()
        change.discrepancies += 1
        audit.record(
            self._session,
            at=now,
            actor_user_id=None,
            action="payment.discrepancy",
            object_type="expected_payment",
            object_id=payment.id,
            before={"confirmed_amount_minor": confirmed},
            after={"crm_amount_minor": crm_minor, "deal_state": deal.state},
        )
        facts = DealDiscrepancy(
            deal=deal.name,
            contract=deal.contract,
            slot=payment.slot,
            confirmed_minor=confirmed,
            crm_minor=crm_minor,
            currency=payment.currency,
            state=deal.state,
        )
        for chat_id in self._owners:
            notify(
                self._session,
                Notification(chat_id, facts),
                now=now,
                dedupe_key=f"discrepancy:{row.id}:{chat_id}",
            )

    def _notify_problems(self, deal: DealRow, problems: tuple[str, ...]) -> None:
        digest = hashlib.sha256(json.dumps(problems).encode()).hexdigest()[:16]
        facts = DealProblems(deal.name, deal.amo_lead_id, problems)
        for chat_id in self._owners:
            notify(
                self._session,
                Notification(chat_id, facts),
                now=self._clock.now(),
                dedupe_key=f"deal-problems:{deal.amo_lead_id}:{digest}:{chat_id}",
            )

    def _audit_payment(
        self, action: str, payment: ExpectedPaymentRow, before: dict[str, Any] | None
    ) -> None:
        after = {
            "slot": payment.slot,
            "amount_minor": payment.amount_minor,
            "kind": payment.kind,
            "due_date": payment.due_date,
            "status": payment.status,
        }
        audit.record(
            self._session,
            at=self._clock.now(),
            actor_user_id=None,
            action=action,
            object_type="expected_payment",
            object_id=payment.id,
            before=_jsonable(before) if before else None,
            after=_jsonable(after),
        )

    async def _deal(self, amo_lead_id: int) -> DealRow | None:
        query = select(DealRow).where(DealRow.amo_lead_id == amo_lead_id)
        if self._session.bind.dialect.name == "postgresql":
            # The webhook worker and a reconcile may hold the same deal: one waits for the other.
            query = query.with_for_update()
        return (await self._session.execute(query)).scalar_one_or_none()

    async def _payments(self, deal_id: int) -> dict[str, ExpectedPaymentRow]:
        rows = await self._session.scalars(
            select(ExpectedPaymentRow).where(ExpectedPaymentRow.deal_id == deal_id)
        )
        return {row.slot: row for row in rows}
