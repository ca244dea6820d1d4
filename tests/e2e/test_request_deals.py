# ruff: noqa: F811 (the imported `crm` fixture is every test's parameter)
"""A request for a deal: a manager picks one of their own deals with a tap, a requester types
its contract number; either way the request is the deal's, with no category of its own."""

from __future__ import annotations

from sqlalchemy import select

from ledger.storage.models import DealRow, PaymentRequestRow
from tests.e2e.personas import join
from tests.e2e.test_amocrm_deals import (  # noqa: F401 (amo, crm: the app with amoCRM on)
    LEAD_ID,
    STATUS_BODY,
    Crm,
    amo,
    closed_lead,
    crm,
)
from tests.fakes.telegram_user import FakeUser


async def closed_deal(crm: Crm) -> int:
    crm.amo.leads[LEAD_ID] = closed_lead()
    assert await crm.post(STATUS_BODY) == 200
    assert await crm.process() == 1
    async with crm.context.database.read() as session:
        return (await session.execute(select(DealRow.id))).scalar_one()


async def only_request(crm: Crm) -> PaymentRequestRow:
    async with crm.context.database.read() as session:
        return (await session.execute(select(PaymentRequestRow))).scalar_one()


async def test_a_manager_picks_one_of_their_deals(crm: Crm, manager: FakeUser) -> None:
    deal_id = await closed_deal(crm)
    await manager.send("/request 12000 фурнитура")
    await manager.tap("✏️ Сделка или категория")

    await manager.tap("👤 Мои сделки")
    assert "❓ Выберите сделку" in manager.last_message().body
    await manager.tap("Кухня Ивановых · Д-17")

    assert "Сделка или категория*: сделка «Кухня Ивановых, договор Д-17»" in (
        manager.last_message().body
    )
    row = await only_request(crm)
    assert (row.deal_id, row.category_id) == (deal_id, None)


async def test_a_requester_names_the_deal_by_its_contract_number(crm: Crm) -> None:
    deal_id = await closed_deal(crm)
    masha = await join(crm.telegram, crm.owner, "заявитель", 7770030, "Маша")
    await masha.send("/request 12000 фурнитура")
    await masha.tap("✏️ Сделка или категория")
    assert "👤 Мои сделки" not in masha.buttons()  # a requester has no deals of their own
    await masha.tap("📄 Сделка по номеру договора")

    await masha.send("д-17")

    assert "сделка «Кухня Ивановых, договор Д-17»" in masha.last_message().body
    row = await only_request(crm)
    assert row.deal_id == deal_id
