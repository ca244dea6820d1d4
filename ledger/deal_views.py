"""Deals as people read them: the closed deals still owed money, with their payments."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from ledger.errors import NotLinkedToCrm
from ledger.money import Money
from ledger.payments import OWING, DealState, PaymentStatus
from ledger.roles import Actor
from ledger.storage.models import DealRow, ExpectedPaymentRow, UserRow
from ledger.storage.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class PaymentView:
    slot: str
    amount: Money
    kind: str
    due: date | None
    status: PaymentStatus
    confirmed: Money | None

    @property
    def remaining(self) -> Money:
        return self.amount - self.confirmed if self.confirmed is not None else self.amount


@dataclass(frozen=True, slots=True)
class DealView:
    deal_id: int
    amo_lead_id: int
    name: str
    contract: str | None
    manager: str | None
    payments: tuple[PaymentView, ...] = field(default_factory=tuple)

    @property
    def expected(self) -> Money:
        """What the deal still owes: its expected payments, and the rest of those confirmed
        in part."""
        return _sum(p.remaining for p in self.payments if p.status in OWING)

    @property
    def confirmed(self) -> Money:
        return _sum(p.confirmed for p in self.payments if p.confirmed is not None)


def _sum(amounts: Iterable[Money | None]) -> Money:
    total = Money.from_minor_units(0)
    for amount in amounts:
        if amount is not None:
            total = total + amount
    return total


class DealBook:
    def __init__(self, uow: UnitOfWork) -> None:
        self._session = uow.session

    async def open_deals(self, actor: Actor) -> list[DealView]:
        """Closed deals still owed money: a manager's own (by amoCRM user), or all for an owner."""
        query = (
            select(DealRow, ExpectedPaymentRow)
            .join(ExpectedPaymentRow, ExpectedPaymentRow.deal_id == DealRow.id)
            .where(DealRow.state == DealState.CLOSED.value)
            .order_by(DealRow.amo_lead_id, ExpectedPaymentRow.id)
        )
        if not actor.is_owner:
            amo_user_id = await self._session.scalar(
                select(UserRow.amo_user_id).where(UserRow.id == actor.user_id)
            )
            if amo_user_id is None:
                raise NotLinkedToCrm
            query = query.where(DealRow.responsible_amo_user_id == amo_user_id)
        deals: dict[int, tuple[DealRow, list[PaymentView]]] = {}
        for deal, payment in await self._session.execute(query):
            if payment.status == PaymentStatus.CANCELLED:
                continue
            views = deals.setdefault(deal.id, (deal, []))[1]
            views.append(
                PaymentView(
                    slot=payment.slot,
                    amount=Money.from_minor_units(payment.amount_minor, payment.currency),
                    kind=payment.kind,
                    due=payment.due_date,
                    status=PaymentStatus(payment.status),
                    confirmed=(
                        Money.from_minor_units(payment.confirmed_amount_minor, payment.currency)
                        if payment.confirmed_amount_minor is not None
                        else None
                    ),
                )
            )
        return [
            DealView(
                deal_id=deal.id,
                amo_lead_id=deal.amo_lead_id,
                name=deal.name,
                contract=deal.contract,
                manager=deal.manager,
                payments=tuple(views),
            )
            for deal, views in deals.values()
            if any(view.status in OWING for view in views)
        ]
