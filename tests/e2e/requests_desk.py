"""A firm for the approver's and the accountant's screens end to end: the bot with the
`[requests]` mappings naming an approver for the first step and another above 100 000 ₽ for
the second, and the people who file, approve and pay, each joined by an invite as people do.

Requests are filed and submitted through the domain's service (the requester's form is
another screen's); their invoices are files the fake Telegram holds, as an upload would have
left them. The fixtures are imported by the test modules that use them.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from app.context import AppContext
from app.runtime import create_scheduler
from bot.notifier import create_notify_handler
from ledger.attachments import ReceiptKind
from ledger.clock import FrozenClock
from ledger.money import Money
from ledger.outbox import TOPIC_NOTIFY, OutboxWorker
from ledger.requests.edits import (
    SetAmount,
    SetBankDetails,
    SetCategory,
    SetCounterparty,
    SetDeal,
    SetInvoice,
    SetPayBy,
    SetPlace,
    SetPurpose,
    SetVat,
    SetWhatFor,
)
from ledger.requests.files import StoredFile
from ledger.requests.states import VatMode
from ledger.requests.views import RequestView
from ledger.roles import Actor
from ledger.storage.models import EntryRow, RequestPaymentRow
from ledger.users import Person
from tests.e2e.conftest import OWNER_ID, REPO, make_settings, start_app
from tests.e2e.personas import ACCOUNTANT_ID, join
from tests.fakes.telegram import FakeTelegram
from tests.fakes.telegram_state import SentMessage
from tests.fakes.telegram_user import FakeUser

APPROVER_ID = 7770031
SECOND_APPROVER_ID = 7770032
REQUESTER_ID = 7770033
ACCOUNTANT2_ID = 7770034
SECOND_STEP_ABOVE = 100_000
INVOICE_PDF = b"%PDF-1.4\n% an invoice made for the tests\n" + b"0" * 200 + b"\n%%EOF\n"
ORDER_PDF = b"%PDF-1.4\n% a payment order\n" + b"1" * 120 + b"\n%%EOF\n"


def requests_mappings(data_dir: Path, base: Path | None = None) -> Path:
    """The product's mappings (or `base`) with the `[requests]` section's approvers named."""
    text = (base or REPO / "config" / "mappings.toml").read_text()
    text = re.sub(r"(?m)^approvers = \[\]", f"approvers = [{APPROVER_ID}]", text)
    text = re.sub(
        r"(?m)^# second_step_above = \d+", f"second_step_above = {SECOND_STEP_ABOVE}", text
    )
    text = re.sub(
        r"(?m)^second_approvers = \[\]", f"second_approvers = [{SECOND_APPROVER_ID}]", text
    )
    path = data_dir / "mappings.toml"
    path.write_text(text)
    return path


@dataclass
class Firm:
    context: AppContext
    bot: Any
    telegram: FakeTelegram
    clock: FrozenClock
    owner: FakeUser
    people: dict[str, FakeUser] = field(default_factory=dict)

    async def join(self, key: str, role: str, user_id: int, name: str) -> FakeUser:
        if key not in self.people:
            self.people[key] = await join(self.telegram, self.owner, role, user_id, name)
        return self.people[key]

    async def approver(self) -> FakeUser:
        return await self.join("approver", "согласующий", APPROVER_ID, "Глеб")

    async def second_approver(self) -> FakeUser:
        return await self.join("approver2", "согласующий", SECOND_APPROVER_ID, "Вера")

    async def requester(self) -> FakeUser:
        return await self.join("requester", "заявитель", REQUESTER_ID, "Маша")

    async def accountant(self) -> FakeUser:
        return await self.join("accountant", "бухгалтер", ACCOUNTANT_ID, "Анна")

    async def accountant2(self) -> FakeUser:
        return await self.join("accountant2", "бухгалтер", ACCOUNTANT2_ID, "Лена")

    async def actor(self, user: FakeUser) -> Actor:
        async with self.context.database.unit_of_work() as uow:
            actor = await self.context.services(uow).users.resolve(Person(user.id, user.first_name))
        assert actor is not None
        return actor

    def invoice(self, content: bytes = INVOICE_PDF, name: str = "счёт 17.pdf") -> StoredFile:
        """An invoice the fake Telegram holds, as the requester's upload left it."""
        file_id = self.telegram.add_file(content, file_path=f"documents/invoice_{len(name)}.pdf")
        return StoredFile(
            file_id,
            ReceiptKind.DOCUMENT,
            "application/pdf",
            len(content),
            hashlib.sha256(content).hexdigest(),
            name,
        )

    async def submitted(
        self,
        by: FakeUser | None = None,
        *,
        what_for: str = "Баннеры на ноябрь",
        amount: Money | None = None,
        pay_by: date | None = None,
        deal_id: int | None = None,
        invoice: bool | bytes = True,
    ) -> RequestView:
        """A complete request, filed and submitted as its requester's form would (`invoice`:
        with the tests' invoice, none, or this PDF's bytes)."""
        who = await self.actor(by or await self.requester())
        edits: list[Any] = [
            SetWhatFor(what_for),
            SetCounterparty("ООО «Ромашка»", "7707083893", "773601001"),
            SetAmount(amount or Money(Decimal("12000"))),
            SetPayBy(pay_by or self.clock.today() + timedelta(days=3)),
            SetBankDetails(
                "044525225", "40702810938000012345", "30101810400000000225", "ПАО Сбербанк"
            ),
            SetPurpose("Оплата по счёту №17 от 20.11.2026"),
        ]
        amount = amount or Money(Decimal("12000"))
        if amount.currency == "RUB" and amount.amount > 2000:
            edits.append(SetVat(VatMode.WITH_VAT, Money(Decimal("2000"))))
        else:
            edits.append(SetVat(VatMode.WITHOUT_VAT))
        if deal_id is not None:
            edits.append(SetDeal(deal_id))
        else:
            async with self.context.database.unit_of_work() as uow:
                active = await self.context.services(uow).categories.active()
            [marketing] = [c for c in active if c.name == "Маркетинг"]
            edits += [SetCategory(marketing.id), SetPlace("Центральный", "Казань")]
        if isinstance(invoice, bytes):
            edits.append(SetInvoice(self.invoice(invoice)))
        elif invoice:
            edits.append(SetInvoice(self.invoice()))
        async with self.context.database.unit_of_work() as uow:
            services = self.context.services(uow)
            draft = await services.requests.start(who)
            await services.requests.edit(who, draft.id, *edits)
            return await services.requests.submit(who, draft.id)

    async def approved(self, by: FakeUser | None = None, **keys: Any) -> RequestView:
        """Submitted and approved by the first step's approver (through the service)."""
        approver = await self.actor(await self.approver())  # named once they hold the role
        request = await self.submitted(by, **keys)
        async with self.context.database.unit_of_work() as uow:
            request = await self.context.services(uow).requests.approve(approver, request.id)
        if request.status == "submitted":  # a second step: the owner gives it
            owner = await self.actor(self.owner)
            async with self.context.database.unit_of_work() as uow:
                request = await self.context.services(uow).requests.approve(owner, request.id)
        return request

    async def link(self, request_id: int) -> str:
        """The request's own link, as the owner's card shows it."""
        owner = await self.actor(self.owner)
        async with self.context.database.unit_of_work() as uow:
            return await self.context.services(uow).request_links.request_link(owner, request_id)

    async def deliver(self) -> None:
        """What the outbox worker does: the notices, to their chats."""
        worker = OutboxWorker(
            self.context.database,
            {TOPIC_NOTIFY: create_notify_handler(self.bot, "ru")},
            self.clock,
        )
        await worker.run_until_empty()

    async def run_job(self, name: str) -> None:
        """A scheduler job, run once as the running bot would at its hour, then delivered."""
        scheduler = create_scheduler(self.context, self.bot)
        [job] = [job for job in scheduler.get_jobs() if job.func.__name__ == name]
        await job.func()
        await self.deliver()

    async def expenses(self) -> list[EntryRow]:
        async with self.context.database.read() as session:
            rows = await session.scalars(
                select(EntryRow).where(EntryRow.kind == "expense").order_by(EntryRow.id)
            )
            return list(rows)

    async def payments(self) -> int:
        async with self.context.database.read() as session:
            query = select(func.count()).select_from(RequestPaymentRow)
            return (await session.execute(query)).scalar_one()


def said(person: FakeUser, message_id: int | None = None) -> str:
    """The bot's last message to `person` (or message `message_id` as it is now), no-break
    spaces (in amounts) as spaces."""
    message = person.last_message()
    if message_id is not None:
        [message] = [m for m in person.tg.chat(person.id) if m.message_id == message_id]
    return message.body.replace("\xa0", " ")


def opened_by(message: SentMessage) -> str:
    """The `/start` payload of a notice's link button."""
    [url] = [button["url"] for button in message.buttons if "url" in button]
    return url.split("?start=", 1)[1]


def links_in(message: SentMessage) -> list[str]:
    """The `/start` payloads a message's text links to, in order."""
    return [
        entity["url"].split("?start=", 1)[1]
        for entity in message.entities or []
        if entity.get("type") == "text_link"
    ]


@pytest.fixture
async def firm(
    telegram: FakeTelegram,
    engine: AsyncEngine,
    database_url: str,
    clock: FrozenClock,
    tmp_path: Path,
) -> AsyncIterator[Firm]:
    settings = make_settings(telegram, database_url, tmp_path)
    settings = settings.model_copy(update={"mappings_file": requests_mappings(tmp_path)})
    async with start_app("polling", telegram, settings, engine, clock) as (context, _, bot):
        owner = telegram.user(OWNER_ID, "Ольга", username="owner_olga")
        yield Firm(context, bot, telegram, clock, owner)
