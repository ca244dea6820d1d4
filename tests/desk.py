"""A cash desk to test confirmation against: the owner, two cashiers, an accountant and two
managers linked to their amoCRM users (invited as people are), deals applied as amoCRM shows
them, and amoCRM write-back switched on (a paid field, a "payment confirmed" status), with the
ids of the account in `tests.fakes.amocrm_deals`. A pytest plugin: the `desk` fixture."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from app.context import AppContext, Services
from config.amocrm_mapping import SUCCESS_STATUS, AmoMapping
from config.mappings import Mappings
from config.settings import Settings
from ledger.categories import DEFAULT_CATEGORIES, DEFAULT_INCOME_CATEGORIES
from ledger.clock import FrozenClock
from ledger.deals import DealSnapshot, DealSync, SlotPayment
from ledger.money import Money
from ledger.payments import DealState
from ledger.roles import Actor, Role
from ledger.storage.database import Database
from ledger.storage.models import AmoUserRow, OutboxRow
from ledger.users import Person
from tests.conftest import OWNER_ID
from tests.fakes import amocrm_deals as account
from tests.fakes.amocrm_deals import CLOSED_STATUS, CONFIRMED_STATUS, PAID_FIELD, PIPELINE

PAID_STATUS = SUCCESS_STATUS
MANAGER_AMO, OTHER_MANAGER_AMO = account.MANAGER_AMO_ID, 504142
SEEN = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


def rub(amount: str) -> Money:
    return Money(Decimal(amount))


@dataclass
class Desk:
    context: AppContext
    database: Database
    clock: FrozenClock
    owner: Actor
    cashier: Actor
    cashier2: Actor
    accountant: Actor
    manager: Actor
    other_manager: Actor
    setup_outbox: int = 0  # rows the setup left (invites accepted): not the test's

    @contextlib.asynccontextmanager
    async def services(self) -> AsyncIterator[Services]:
        """The use cases of one update (a unit of work of its own)."""
        async with self.database.unit_of_work() as uow:
            yield self.context.services(uow)

    async def deal(
        self,
        lead_id: int,
        *,
        name: str = "Кухня Ивановых",
        price: str = "150000",
        prepay: str = "50000",
        prepay_kind: str = "cash",
        rest_kind: str = "bank_transfer",
        responsible: int = MANAGER_AMO,
        due: date | None = None,
        state: DealState = DealState.CLOSED,
    ) -> dict[str, int]:
        """A deal as amoCRM shows it once closed: a prepayment and the rest; returns each
        slot's payment id."""
        payments = [SlotPayment("Предоплата", rub(prepay), prepay_kind, due)]
        rest = rub(price) - rub(prepay)
        if not rest.is_zero:
            payments.append(SlotPayment("Остаток", rest, rest_kind, None))
        snapshot = DealSnapshot(
            amo_lead_id=lead_id,
            name=name,
            price=rub(price),
            pipeline_id=PIPELINE,
            status_id=CLOSED_STATUS,
            state=state,
            updated_at=self.clock.now(),
            responsible_amo_user_id=responsible,
            manager="Менеджер Иван" if responsible == MANAGER_AMO else "Менеджер Пётр",
            contract=f"Д-{lead_id}",
            product="Кухня",
            salon="Центральный",
            city="Казань",
            payments=tuple(payments),
        )
        async with self.database.unit_of_work() as uow:
            await DealSync(uow, self.clock, owner_chat_ids=[OWNER_ID]).apply(snapshot)
        async with self.services() as services:
            lines = await services.confirmations.awaiting(self.owner)
        return {line.slot: line.payment_id for line in lines if line.amo_lead_id == lead_id}

    async def outbox(self, topic: str | None = None) -> list[OutboxRow]:
        async with self.database.read() as session:
            query = select(OutboxRow).where(OutboxRow.id > self.setup_outbox).order_by(OutboxRow.id)
            if topic is not None:
                query = query.where(OutboxRow.topic == topic)
            return list(await session.scalars(query))

    async def count(self, model: Any, *where: Any) -> int:
        async with self.database.read() as session:
            query = select(func.count()).select_from(model).where(*where)
            return (await session.execute(query)).scalar_one()


async def _invite(services: Services, owner: Actor, person: Person, role: Role, amo: int | None):
    invite = await services.invites.create_invite(owner, role, amo_user_id=amo)
    actor, _ = await services.invites.accept_invite(person, invite.token)
    return actor


@pytest.fixture
async def desk(database: Database, clock: FrozenClock, tmp_path: Path) -> Desk:
    settings = Settings(
        _env_file=None,
        owner_telegram_ids=[OWNER_ID],
        data_dir=tmp_path,
        amocrm_base_url="https://kopeyka.amocrm.ru",
    )
    mappings = Mappings(
        amocrm=AmoMapping(
            closed_statuses=[(PIPELINE, CLOSED_STATUS)],
            paid_field=PAID_FIELD,
            confirmed_status=CONFIRMED_STATUS,
            paid_status=PAID_STATUS,
        )
    )
    context = AppContext(settings, mappings, database, clock, secret_key=b"k" * 32)
    async with database.write() as session:
        session.add(AmoUserRow(id=MANAGER_AMO, name="Менеджер Иван"))
        session.add(AmoUserRow(id=OTHER_MANAGER_AMO, name="Менеджер Пётр"))
    async with database.unit_of_work() as uow:
        services = context.services(uow)
        await services.categories.seed(DEFAULT_CATEGORIES, DEFAULT_INCOME_CATEGORIES)
        owner = await services.users.resolve(Person(OWNER_ID, "Ольга"))
        assert owner is not None
        people = {
            "cashier": (Person(7770001, "Кира Иванова"), Role.CASHIER, None),
            "cashier2": (Person(7770002, "Кристина"), Role.CASHIER, None),
            "accountant": (Person(7770003, "Анна Петрова"), Role.ACCOUNTANT, None),
            "manager": (Person(7770004, "Иван"), Role.MANAGER, MANAGER_AMO),
            "other_manager": (Person(7770005, "Пётр"), Role.MANAGER, OTHER_MANAGER_AMO),
        }
        actors = {
            key: await _invite(services, owner, person, role, amo)
            for key, (person, role, amo) in people.items()
        }
    async with database.read() as session:
        setup_outbox = await session.scalar(select(func.coalesce(func.max(OutboxRow.id), 0)))
    return Desk(context, database, clock, owner, **actors, setup_outbox=setup_outbox)


__all__ = [
    "CLOSED_STATUS",
    "CONFIRMED_STATUS",
    "MANAGER_AMO",
    "OTHER_MANAGER_AMO",
    "PAID_FIELD",
    "PAID_STATUS",
    "PIPELINE",
    "Desk",
    "desk",
    "rub",
]
