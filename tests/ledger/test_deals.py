"""Deals and expected payments: how CRM snapshots are applied, on the real database."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select, update

from ledger.clock import FrozenClock
from ledger.deal_views import DealBook
from ledger.deals import DealSnapshot, DealSync, SlotPayment
from ledger.errors import NotLinkedToCrm
from ledger.money import Money
from ledger.payments import DealState, PaymentStatus
from ledger.roles import Actor, Role
from ledger.storage.database import Database
from ledger.storage.models import (
    AuditRow,
    DealRow,
    DiscrepancyRow,
    ExpectedPaymentRow,
    OutboxRow,
    UserRow,
)

OWNER_CHAT = 1111111
LEAD = 19620
SEEN = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


def rub(amount: str) -> Money:
    return Money(Decimal(amount))


def snapshot(**changes: Any) -> DealSnapshot:
    base = DealSnapshot(
        amo_lead_id=LEAD,
        name="Кухня Ивановых",
        price=rub("150000"),
        pipeline_id=3177727,
        status_id=142,
        state=DealState.CLOSED,
        updated_at=SEEN,
        responsible_amo_user_id=504141,
        manager="Менеджер Иван",
        contract="Д-17",
        contract_date=date(2026, 11, 18),
        product="Кухня",
        salon="Центральный",
        city="Казань",
        payments=(
            SlotPayment("Предоплата", rub("50000"), "cash", date(2026, 11, 20)),
            SlotPayment("Остаток", rub("100000"), "bank_transfer", None),
        ),
    )
    return dataclasses.replace(base, **changes)


def later(seconds: int = 60) -> datetime:
    return SEEN + timedelta(seconds=seconds)


async def apply(database: Database, clock: FrozenClock, snap: DealSnapshot):
    async with database.unit_of_work() as uow:
        deals = DealSync(uow, clock, owner_chat_ids=[OWNER_CHAT])
        return await deals.apply(snap)


async def gone(database: Database, clock: FrozenClock, lead_id: int = LEAD):
    async with database.unit_of_work() as uow:
        deals = DealSync(uow, clock, owner_chat_ids=[OWNER_CHAT])
        return await deals.mark_gone(lead_id)


async def payments(database: Database) -> dict[str, ExpectedPaymentRow]:
    async with database.read() as session:
        rows = await session.scalars(select(ExpectedPaymentRow).order_by(ExpectedPaymentRow.id))
        return {row.slot: row for row in rows}


async def count(database: Database, model: Any) -> int:
    async with database.read() as session:
        return (await session.execute(select(func.count()).select_from(model))).scalar_one()


async def confirm(database: Database, slot: str, amount_minor: int) -> None:
    """What the cashier's confirmation (a later flow) leaves behind: a confirmed payment."""
    async with database.write() as session:
        await session.execute(
            update(ExpectedPaymentRow)
            .where(ExpectedPaymentRow.slot == slot)
            .values(
                status=PaymentStatus.CONFIRMED.value,
                confirmed_amount_minor=amount_minor,
                confirmed_at=SEEN,
            )
        )


async def test_a_closed_deal_becomes_its_expected_payments_with_its_dimensions(database, clock):
    change = await apply(database, clock, snapshot())

    assert change.deal_created
    assert change.payments_added == 2
    found = await payments(database)
    assert found["Предоплата"].amount_minor == 5_000_000
    assert found["Предоплата"].kind == "cash"
    assert found["Предоплата"].due_date == date(2026, 11, 20)
    assert found["Остаток"].amount_minor == 10_000_000
    assert {p.status for p in found.values()} == {"expected"}
    async with database.read() as session:
        deal = (await session.execute(select(DealRow))).scalar_one()
    assert (deal.manager, deal.product, deal.salon, deal.city, deal.contract) == (
        "Менеджер Иван",
        "Кухня",
        "Центральный",
        "Казань",
        "Д-17",
    )
    assert deal.state == "closed"


async def test_the_same_snapshot_twice_changes_nothing_and_audits_nothing_new(database, clock):
    await apply(database, clock, snapshot())
    audits = await count(database, AuditRow)

    change = await apply(database, clock, snapshot())

    assert not change.changed
    assert await count(database, AuditRow) == audits
    assert await count(database, ExpectedPaymentRow) == 2


async def test_an_amount_changed_before_confirmation_updates_the_expectation(database, clock):
    await apply(database, clock, snapshot())
    changed = snapshot(
        updated_at=later(),
        payments=(
            SlotPayment("Предоплата", rub("60000"), "card_transfer", None),
            SlotPayment("Остаток", rub("90000"), "bank_transfer", None),
        ),
    )

    change = await apply(database, clock, changed)

    assert change.payments_updated == 2
    found = await payments(database)
    assert (found["Предоплата"].amount_minor, found["Предоплата"].kind) == (
        6_000_000,
        "card_transfer",
    )
    assert found["Остаток"].amount_minor == 9_000_000
    assert await count(database, DiscrepancyRow) == 0


async def test_after_confirmation_a_changed_amount_is_a_discrepancy_told_once_not_a_rewrite(
    database, clock
):
    await apply(database, clock, snapshot())
    await confirm(database, "Предоплата", 5_000_000)
    changed = snapshot(
        updated_at=later(),
        payments=(
            SlotPayment("Предоплата", rub("45000"), "cash", None),
            SlotPayment("Остаток", rub("100000"), "bank_transfer", None),
        ),
    )

    first = await apply(database, clock, changed)
    again = await apply(database, clock, dataclasses.replace(changed, updated_at=later(2)))

    assert first.discrepancies == 1
    assert again.discrepancies == 0
    found = await payments(database)
    assert found["Предоплата"].status == "confirmed"
    assert found["Предоплата"].amount_minor == 5_000_000  # history kept
    async with database.read() as session:
        row = (await session.execute(select(DiscrepancyRow))).scalar_one()
        notes = list(await session.scalars(select(OutboxRow)))
    assert (row.confirmed_amount_minor, row.crm_amount_minor) == (5_000_000, 4_500_000)
    told = [n.payload for n in notes if n.payload["notice"] == "deal_discrepancy"]
    assert len(told) == 1
    assert told[0]["chat_id"] == OWNER_CHAT
    assert told[0]["args"]["crm_minor"] == 4_500_000


@pytest.mark.parametrize("state", [DealState.LOST, DealState.OPEN])
async def test_a_deal_no_longer_closed_cancels_what_it_still_owed(database, clock, state):
    await apply(database, clock, snapshot())

    change = await apply(database, clock, snapshot(state=state, status_id=143, updated_at=later()))

    assert change.payments_cancelled == 2
    found = await payments(database)
    assert {p.status for p in found.values()} == {"cancelled"}


async def test_a_deleted_deal_cancels_the_unconfirmed_and_flags_the_confirmed(database, clock):
    await apply(database, clock, snapshot())
    await confirm(database, "Предоплата", 5_000_000)

    change = await gone(database, clock)
    again = await gone(database, clock)

    assert (change.payments_cancelled, change.discrepancies) == (1, 1)
    assert not again.changed
    found = await payments(database)
    assert found["Остаток"].status == "cancelled"
    assert found["Предоплата"].status == "confirmed"
    async with database.read() as session:
        deal = (await session.execute(select(DealRow))).scalar_one()
    assert deal.state == "deleted"


async def test_a_deal_reopened_and_closed_again_expects_its_payments_again(database, clock):
    await apply(database, clock, snapshot())
    await apply(database, clock, snapshot(state=DealState.OPEN, updated_at=later(1)))

    change = await apply(database, clock, snapshot(updated_at=later(2)))

    assert change.payments_updated == 2
    assert {p.status for p in (await payments(database)).values()} == {"expected"}


async def test_a_slot_emptied_in_the_crm_is_cancelled(database, clock):
    await apply(database, clock, snapshot())
    only_prepayment = (SlotPayment("Предоплата", rub("50000"), "cash", date(2026, 11, 20)),)

    change = await apply(database, clock, snapshot(payments=only_prepayment, updated_at=later()))

    assert change.payments_cancelled == 1
    assert (await payments(database))["Остаток"].status == "cancelled"


async def test_an_unreadable_slot_is_not_recorded_and_the_owner_is_asked_once(database, clock):
    problem = "«Остаток»: payment type «Бартер» is not in payment_types"
    unreadable = (
        SlotPayment("Предоплата", rub("50000"), "cash", None),
        SlotPayment("Остаток", rub("100000"), None, None, problems=(problem,)),
    )

    await apply(database, clock, snapshot(payments=unreadable))
    await apply(database, clock, snapshot(payments=unreadable, updated_at=later()))

    assert set(await payments(database)) == {"Предоплата"}
    async with database.read() as session:
        notes = [row.payload for row in await session.scalars(select(OutboxRow))]
        deal = (await session.execute(select(DealRow))).scalar_one()
    assert [n["notice"] for n in notes] == ["deal_problems"]
    assert notes[0]["args"]["problems"] == [problem]
    assert deal.problems == [problem]


async def test_an_older_snapshot_than_the_one_held_is_ignored(database, clock):
    await apply(database, clock, snapshot(updated_at=later(100)))

    change = await apply(database, clock, snapshot(state=DealState.LOST, updated_at=SEEN))

    assert change.stale
    assert {p.status for p in (await payments(database)).values()} == {"expected"}


async def make_user(database: Database, amo_user_id: int | None) -> int:
    async with database.write() as session:
        user = UserRow(telegram_id=2222222, name="Иван", amo_user_id=amo_user_id, created_at=SEEN)
        session.add(user)
        await session.flush()
        return user.id


async def test_a_manager_sees_only_their_own_deals_still_owed_money(database, clock):
    await apply(database, clock, snapshot())
    await apply(
        database,
        clock,
        snapshot(amo_lead_id=LEAD + 1, name="Шкаф", responsible_amo_user_id=999, manager="Пётр"),
    )
    user_id = await make_user(database, 504141)
    manager = Actor(user_id, 2222222, "Иван", frozenset({Role.MANAGER}))
    owner = Actor(99, OWNER_CHAT, "Ольга", frozenset({Role.OWNER}))

    async with database.unit_of_work() as uow:
        deals = DealBook(uow)
        mine = await deals.open_deals(manager)
        everyone = await deals.open_deals(owner)

    assert [deal.name for deal in mine] == ["Кухня Ивановых"]
    assert mine[0].expected == rub("150000")
    assert {deal.name for deal in everyone} == {"Кухня Ивановых", "Шкаф"}


async def test_a_manager_not_linked_to_amocrm_is_told_so(database, clock):
    user_id = await make_user(database, None)
    manager = Actor(user_id, 2222222, "Иван", frozenset({Role.MANAGER}))

    async with database.unit_of_work() as uow:
        deals = DealBook(uow)
        with pytest.raises(NotLinkedToCrm):
            await deals.open_deals(manager)
