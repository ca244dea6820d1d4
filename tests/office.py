"""An office to test payment requests against: the cash desk of `tests.desk` (the owner, an
accountant, managers and their deals, amoCRM write-back on) with requesters, approvers and a
second accountant invited as people are, and the `[requests]` mappings a test asks for. A
pytest plugin: the `office` fixture, for the ledger's tests and the workbook's."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import AsyncIterator
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from app.context import AppContext, Services
from config.amocrm_mapping import AmoMapping
from config.requests_mapping import RequestsMapping
from ledger.attachments import ReceiptKind
from ledger.money import Money
from ledger.notices import Notification
from ledger.requests.edits import (
    SetAmount,
    SetBankDetails,
    SetCategory,
    SetCounterparty,
    SetDeal,
    SetPayBy,
    SetPlace,
    SetPurpose,
    SetVat,
    SetWhatFor,
)
from ledger.requests.files import StoredFile
from ledger.requests.states import VatMode
from ledger.requests.views import RequestView
from ledger.roles import Actor, Role
from ledger.storage.models import CategoryRow, OutboxRow
from ledger.users import Person
from tests.desk import Desk

TODAY = date(2026, 11, 23)  # a Monday
REQUEST_PAID_STATUS = 32392170
INN, KPP = "7707083893", "773601001"
BIK, ACCOUNT, CORR = "044525225", "40702810938000012345", "30101810400000000225"
INVOICE = StoredFile(
    "BQACAgIAAxkBAAIBinvoice",
    ReceiptKind.DOCUMENT,
    "application/pdf",
    48_213,
    "ab" * 32,
    "счёт.pdf",
)
ORDER = StoredFile(
    "BQACAgIAAxkBAAIBorder", ReceiptKind.DOCUMENT, "application/pdf", 20_480, "cd" * 32, "пп 17.pdf"
)


def rub(amount: str, currency: str = "RUB") -> Money:
    return Money(Decimal(amount), currency)


@dataclasses.dataclass
class Office:
    desk: Desk
    context: AppContext
    owner: Actor
    requester: Actor
    requester2: Actor
    approver: Actor
    approver2: Actor
    accountant: Actor
    accountant2: Actor
    manager: Actor
    setup_outbox: int

    @property
    def database(self):
        return self.desk.database

    @property
    def clock(self):
        return self.desk.clock

    @contextlib.asynccontextmanager
    async def services(self) -> AsyncIterator[Services]:
        async with self.database.unit_of_work() as uow:
            yield self.context.services(uow)

    def policy(self, **keys: Any) -> None:
        """The `[requests]` mappings from now on (as the TOML would give them)."""
        mappings = self.context.mappings.model_copy(
            update={"requests": RequestsMapping.model_validate(keys)}
        )
        self.context = dataclasses.replace(self.context, mappings=mappings)

    async def category(self, name: str) -> int:
        async with self.database.read() as session:
            return (
                await session.execute(select(CategoryRow.id).where(CategoryRow.name == name))
            ).scalar_one()

    async def draft(
        self,
        actor: Actor | None = None,
        *,
        amount: Money | None = None,
        pay_by: date | None = None,
        category: str | None = "Маркетинг",
        deal_id: int | None = None,
        inn: str = INN,
        kpp: str | None = KPP,
        vat: Money | None = None,
        bank: bool = True,
    ) -> RequestView:
        """A complete draft, filled as the form fills it."""
        actor = actor or self.requester
        amount = amount or rub("12000")
        edits: list[Any] = [
            SetWhatFor("Баннеры на ноябрь"),
            SetCounterparty("ООО «Ромашка»", inn, kpp),
            SetAmount(amount),
            SetPayBy(pay_by or TODAY + timedelta(days=3)),
            SetPurpose("Оплата по счёту №17 от 20.11.2026"),
            SetVat(VatMode.WITH_VAT, vat) if vat else SetVat(VatMode.WITHOUT_VAT),
        ]
        if bank:
            edits.append(SetBankDetails(BIK, ACCOUNT, CORR, "ПАО Сбербанк"))
        if deal_id is not None:
            edits.append(SetDeal(deal_id))
        if category is not None:
            edits.append(SetCategory(await self.category(category)))
            edits.append(SetPlace("Центральный", "Казань"))
        async with self.services() as services:
            started = await services.requests.start(actor)
            return await services.requests.edit(actor, started.id, *edits)

    async def submitted(self, actor: Actor | None = None, **keys: Any) -> RequestView:
        actor = actor or self.requester
        draft = await self.draft(actor, **keys)
        async with self.services() as services:
            return await services.requests.submit(actor, draft.id)

    async def approved(self, actor: Actor | None = None, **keys: Any) -> RequestView:
        request = await self.submitted(actor, **keys)
        async with self.services() as services:
            return await services.requests.approve(self.owner, request.id)

    async def outbox(
        self, topic: str | None = None, *, since: int | None = None
    ) -> list[OutboxRow]:
        async with self.database.read() as session:
            query = select(OutboxRow).where(
                OutboxRow.id > (since if since is not None else self.setup_outbox)
            )
            if topic is not None:
                query = query.where(OutboxRow.topic == topic)
            return list(await session.scalars(query.order_by(OutboxRow.id)))

    async def notices(self, *, since: int | None = None) -> list[Notification]:
        return [
            Notification.from_payload(row.payload)
            for row in await self.outbox("notify", since=since)
        ]

    async def last_outbox_id(self) -> int:
        rows = await self.outbox()
        return rows[-1].id if rows else self.setup_outbox


async def _invite(services: Services, owner: Actor, person: Person, role: Role) -> Actor:
    invite = await services.invites.create_invite(owner, role)
    actor, _ = await services.invites.accept_invite(person, invite.token)
    return actor


@pytest.fixture
async def office(desk: Desk) -> Office:
    mappings = desk.context.mappings.model_copy(
        update={
            "amocrm": AmoMapping.model_validate(
                {
                    **desk.context.mappings.amocrm.model_dump(),
                    "request_paid_status": REQUEST_PAID_STATUS,
                }
            )
        }
    )
    context = dataclasses.replace(desk.context, mappings=mappings)
    people = {
        "requester": (Person(7780001, "Маша Смирнова"), Role.REQUESTER),
        "requester2": (Person(7780002, "Денис"), Role.REQUESTER),
        "approver": (Person(7780003, "Глеб Руководитель"), Role.APPROVER),
        "approver2": (Person(7780004, "Вера Финансы"), Role.APPROVER),
        "accountant2": (Person(7780005, "Лена Бухгалтер"), Role.ACCOUNTANT),
    }
    async with desk.database.unit_of_work() as uow:
        services = context.services(uow)
        actors = {
            key: await _invite(services, desk.owner, person, role)
            for key, (person, role) in people.items()
        }
    async with desk.database.read() as session:
        rows = list(
            await session.scalars(select(OutboxRow.id).order_by(OutboxRow.id.desc()).limit(1))
        )
    return Office(
        desk=desk,
        context=context,
        owner=desk.owner,
        accountant=desk.accountant,
        manager=desk.manager,
        setup_outbox=rows[0] if rows else 0,
        **actors,
    )
