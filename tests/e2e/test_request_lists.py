"""The requester's /requests in pages under Telegram's limit, /help for those who file, and
the owner's files: a receipt of an expense, unless a request is being filled."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from ledger.money import Money
from ledger.requests.edits import SetAmount, SetWhatFor
from ledger.storage.models import ExpenseDraftRow
from ledger.users import Person
from tests import invoices_factory as made
from tests.e2e.conftest import Running
from tests.e2e.test_request_form import MARKETER_ID, marketer, said
from tests.fakes.telegram_state import utf16_len


async def test_my_requests_come_in_pages_each_under_telegrams_limit(kopeyka: Running) -> None:
    masha = await marketer(kopeyka)
    async with kopeyka.context.database.unit_of_work() as uow:
        services = kopeyka.context.services(uow)
        actor = await services.users.resolve(Person(MARKETER_ID, "Маша"))
        for number in range(23):
            draft = await services.requests.start(actor)
            await services.requests.edit(
                actor,
                draft.id,
                SetWhatFor(f"Заявка {number} " + "очень длинное описание " * 20),
                SetAmount(Money(Decimal(1000 + number))),
            )

    await masha.send("/requests")

    first = masha.last_message()
    assert utf16_len(first.body) < 4096
    assert "Страница 1 из 3" in first.body
    assert masha.buttons()[:2] == ["№23", "№22"]
    assert "2 ▶" in masha.buttons()
    await masha.tap("2 ▶")
    second = masha.last_message()
    assert second.message_id == first.message_id  # the same message, turned
    assert "Страница 2 из 3" in second.body
    assert masha.buttons()[0] == "№13"
    await masha.tap("№13")
    assert "Заявка №13 — черновик" in said(masha)
    assert "✏️ Заполнить" in masha.buttons()
    await masha.tap("✏️ Заполнить")
    assert "❓ ИНН получателя" in said(masha)


async def test_help_says_how_to_file_a_request(kopeyka: Running) -> None:
    masha = await marketer(kopeyka)

    await masha.send("/help")
    assert "/request — заявка на оплату счёта" in said(masha)
    assert "/requests — мои заявки" in said(masha)
    assert "появятся" not in said(masha)
    await kopeyka.owner.send("/help")
    assert "/reqlinks — ссылки для подачи заявок" in said(kopeyka.owner)


async def test_the_owners_file_is_a_receipt_unless_a_request_is_being_filled(
    kopeyka: Running,
) -> None:
    owner = kopeyka.owner
    invoice = made.classic_1c(qr=2).data

    await owner.send_document(invoice, "чек.pdf", "application/pdf", "990 такси")
    assert "Новый расход" in said(owner)
    await owner.send("/request")
    await owner.send_document(invoice, "счёт.pdf", "application/pdf")

    assert "Счёт № 123 от 22.11.2026 прочитан" in said(owner)
    assert await kopeyka.scalar(select(func.count(ExpenseDraftRow.id))) == 1


async def test_the_owners_filing_links_come_in_pages_each_link_revocable(
    kopeyka: Running,
) -> None:
    owner = kopeyka.owner
    async with kopeyka.context.database.unit_of_work() as uow:
        services = kopeyka.context.services(uow)
        actor = await services.users.resolve(Person(owner.id, "Ольга"))
        for number in range(12):
            label = f"Команда {number} " + "с очень длинным названием " * 3
            await services.request_links.create_filing_link(
                actor, label, salon="Центральный", city="Казань"
            )

    await owner.send("/reqlinks")

    first = owner.last_message()
    assert utf16_len(first.body) < 4096
    assert "Страница 1 из 2" in first.body
    assert "🗑 Отозвать 10" in owner.buttons()
    assert "🗑 Отозвать 11" not in owner.buttons()
    await owner.tap("2 ▶")
    assert "Страница 2 из 2" in said(owner)
    assert owner.buttons()[1:3] == ["🗑 Отозвать 11", "🗑 Отозвать 12"]
    await owner.tap("🗑 Отозвать 12")
    await owner.tap("Да, отозвать ссылку")
    assert "https://t.me/" in said(owner)
    async with kopeyka.context.database.unit_of_work() as uow:
        services = kopeyka.context.services(uow)
        assert len(await services.request_links.filing_links(actor)) == 11
