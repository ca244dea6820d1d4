"""Payment requests' notices as people receive them, through the real bot and the fake
Telegram: the owner asked to approve with a button that opens the request, the accountant
told what to pay, the requester told it was approved. The request itself is filled through
the services (its screens are the bot's next step), by people who joined as people do."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from bot.notifier import create_notify_handler
from ledger.money import Money
from ledger.outbox import TOPIC_NOTIFY, OutboxWorker
from ledger.requests.edits import (
    SetAmount,
    SetBankDetails,
    SetCategory,
    SetCounterparty,
    SetPayBy,
    SetPurpose,
    SetVat,
    SetWhatFor,
)
from ledger.requests.states import VatMode
from ledger.users import Person
from tests.e2e.conftest import Running
from tests.e2e.personas import join
from tests.fakes.telegram_user import FakeUser

REQUESTER_ID = 7770020


def opened_by(message) -> str:
    """The `/start` payload of a message's link button."""
    [url] = [button["url"] for button in message.buttons if "url" in button]
    return url.split("?start=", 1)[1]


async def deliver(kopeyka: Running) -> None:
    worker = OutboxWorker(
        kopeyka.context.database,
        {TOPIC_NOTIFY: create_notify_handler(kopeyka.bot, "ru")},
        kopeyka.context.clock,
    )
    await worker.run_until_empty()


async def test_the_approver_the_accountant_and_the_requester_hear_of_a_request(
    kopeyka: Running, accountant: FakeUser
) -> None:
    marketer = await join(kopeyka.telegram, kopeyka.owner, "заявитель", REQUESTER_ID, "Маша")
    async with kopeyka.context.database.unit_of_work() as uow:
        services = kopeyka.context.services(uow)
        masha = await services.users.resolve(Person(REQUESTER_ID, "Маша"))
        owner = await services.users.resolve(Person(kopeyka.owner.id, "Ольга"))
        [marketing] = [c for c in await services.categories.active() if c.name == "Маркетинг"]
        draft = await services.requests.start(masha)
        await services.requests.edit(
            masha,
            draft.id,
            SetWhatFor("Баннеры на ноябрь"),
            SetCounterparty("ООО «Ромашка»", "7707083893", "773601001"),
            SetAmount(Money(Decimal("12000"))),
            SetPayBy(kopeyka.context.clock.today() + timedelta(days=3)),
            SetBankDetails("044525225", "40702810938000012345", "30101810400000000225"),
            SetPurpose("Оплата по счёту №17"),
            SetVat(VatMode.WITHOUT_VAT),
            SetCategory(marketing.id),
        )
        request = await services.requests.submit(masha, draft.id)
    await deliver(kopeyka)

    asked = kopeyka.owner.last_message()
    assert f"Заявка №{request.id} «Баннеры на ноябрь» ждёт вашего согласования" in asked.body
    assert "12\u00a0000,00\u00a0₽" in asked.body
    assert "Заявитель: Маша" in asked.body
    assert [b["text"] for b in asked.buttons] == ["Открыть заявку"]
    token = opened_by(asked)
    assert token.startswith("rq_")

    async with kopeyka.context.database.unit_of_work() as uow:
        services = kopeyka.context.services(uow)
        card = await services.request_links.open_request_link(owner, token)
        await services.requests.approve(owner, card.request.id, version=card.request.version)
    await deliver(kopeyka)

    to_pay = accountant.last_message()
    assert f"К оплате: заявка №{request.id} «Баннеры на ноябрь», ООО «Ромашка»" in to_pay.body
    assert "Одобрил(а) Ольга" in to_pay.body
    assert opened_by(to_pay) == token or opened_by(to_pay).startswith("rq_")
    assert (
        f"Заявка №{request.id} «Баннеры на ноябрь» одобрена (Ольга)" in marketer.last_message().body
    )
