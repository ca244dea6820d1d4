"""The ledger kernel: a guarded move with its audit row and a CRM effect, the loser told who
won; income posted through the journal; the marketing line kept through a rename.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from ledger.categories import DEFAULT_CATEGORIES, CategoryService
from ledger.clock import FrozenClock
from ledger.crm_effects import AddDealNote, ask_crm, from_payload
from ledger.journal import EntryKind, Journal, MoneyAccount, Posting
from ledger.money import Money
from ledger.payments import PAYMENTS, PaymentStatus
from ledger.profit import ProfitService
from ledger.roles import Actor, Role
from ledger.storage.database import Database
from ledger.storage.models import AuditRow, DealRow, ExpectedPaymentRow, OutboxRow, UserRow
from ledger.transitions import IllegalMove, Lost, transition

OWNER = Actor(1, 1111111, "Ольга", frozenset({Role.OWNER}))
CASHIER = Actor(2, 2222222, "Кира", frozenset({Role.CASHIER}))


async def a_deal_owing_cash(database: Database, clock: FrozenClock) -> int:
    now = clock.now()
    async with database.write() as session:
        for actor in (OWNER, CASHIER):
            session.add(
                UserRow(
                    id=actor.user_id, telegram_id=actor.telegram_id, name=actor.name, created_at=now
                )
            )
        deal = DealRow(
            amo_lead_id=25399013,
            name="Кухня",
            price_minor=15_000_000,
            currency="RUB",
            state="closed",
            created_at=now,
            updated_at=now,
        )
        session.add(deal)
        await session.flush()
        payment = ExpectedPaymentRow(
            deal_id=deal.id,
            slot="Предоплата",
            amount_minor=5_000_000,
            currency="RUB",
            kind="cash",
            status="expected",
            created_at=now,
            updated_at=now,
        )
        session.add(payment)
        await session.flush()
        return payment.id


async def confirm(database: Database, clock: FrozenClock, actor: Actor, payment_id: int):
    """Payment confirmation as issue 14 will write it against the kernel."""
    async with database.unit_of_work() as uow, uow.write():
        moved = await transition(
            uow.session,
            PAYMENTS,
            payment_id,
            PaymentStatus.EXPECTED,
            PaymentStatus.CONFIRMED,
            values={"confirmed_amount_minor": 5_000_000, "confirmed_at": clock.now()},
            actor_user_id=actor.user_id,
            now=clock.now(),
        )
        if not isinstance(moved, Lost):
            note = AddDealNote(25399013, "Предоплата 50 000 ₽ принята в кассу")
            ask_crm(uow.session, note, now=clock.now(), dedupe_key=f"confirmed:{payment_id}")
        await uow.commit()
    return moved


async def test_a_payment_is_confirmed_once_with_its_audit_row_and_crm_note(
    database: Database, clock: FrozenClock
) -> None:
    payment_id = await a_deal_owing_cash(database, clock)

    first = await confirm(database, clock, CASHIER, payment_id)
    clock.advance(timedelta(minutes=1))
    second = await confirm(database, clock, OWNER, payment_id)

    assert (first.status, first.confirmed_by) == ("confirmed", CASHIER.user_id)
    assert second == Lost("confirmed", by=CASHIER.user_id, at=clock.now() - timedelta(minutes=1))
    async with database.read() as session:
        audits = list(await session.scalars(select(AuditRow)))
        effects = list(await session.scalars(select(OutboxRow)))
    assert [(a.action, a.actor_user_id, a.before) for a in audits] == [
        ("payment.confirmed", CASHIER.user_id, {"status": "expected"})
    ]
    assert [from_payload(e.payload) for e in effects] == [
        AddDealNote(25399013, "Предоплата 50 000 ₽ принята в кассу")
    ]


async def test_a_move_the_machine_does_not_allow_is_a_bug_not_a_lost_race(
    database: Database, clock: FrozenClock
) -> None:
    payment_id = await a_deal_owing_cash(database, clock)
    async with database.unit_of_work() as uow:
        with pytest.raises(IllegalMove):
            await transition(
                uow.session,
                PAYMENTS,
                payment_id,
                PaymentStatus.CANCELLED,  # a lost deal's payment is owed again first
                PaymentStatus.CONFIRMED,
                now=clock.now(),
            )


async def test_income_is_posted_through_the_journal_and_counts_in_profit(
    database: Database, clock: FrozenClock
) -> None:
    await a_deal_owing_cash(database, clock)
    async with database.unit_of_work() as uow:
        await CategoryService(uow, clock).seed(DEFAULT_CATEGORIES)
        other = next(c for c in await CategoryService(uow, clock).active() if c.name == "Прочее")
        async with uow.write():
            income = Posting(
                EntryKind.INCOME,
                Money(Decimal("50000")),
                other.id,
                MoneyAccount.CASH_DESK,
                clock.today(),
                city="Москва",
            )
            row = await Journal(uow, clock).post(OWNER, income)
            await uow.commit()
        data = await ProfitService(uow, clock).monthly(OWNER)

    assert (row.kind, row.amount_minor, row.account) == ("income", 5_000_000, "cash_desk")
    this_month = data.figures()[-1]
    assert this_month.income == Decimal("50000.00")


async def test_the_marketing_line_follows_its_category_through_a_rename(
    database: Database, clock: FrozenClock
) -> None:
    await a_deal_owing_cash(database, clock)
    async with database.unit_of_work() as uow:
        categories = CategoryService(uow, clock)
        await categories.seed(DEFAULT_CATEGORIES)
        marketing = next(c for c in await categories.active() if c.name == "Маркетинг")
        await categories.rename(OWNER, marketing.id, "Реклама и продвижение")
        async with uow.write():
            spent = Posting(
                EntryKind.EXPENSE,
                Money(Decimal("7000")),
                marketing.id,
                MoneyAccount.BANK_ACCOUNT,
                date(2026, 11, 20),
            )
            await Journal(uow, clock).post(OWNER, spent)
            await uow.commit()
        data = await ProfitService(uow, clock).monthly(OWNER)

    assert data.figures()[-1].marketing == Decimal("7000.00")
