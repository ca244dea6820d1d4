"""A payment request's whole life, end to end, as its people live it through the fake Telegram
(and, for a deal, the fake amoCRM): nothing is filed, decided or paid through the services.

A marketer opens the owner's filing link and sends an invoice made for the tests (a text layer
and a ГОСТ QR); the form is filled from it, she confirms with one tap and types what is left;
the owner (the approver when the mappings name nobody) opens it from the notice with the
invoice, returns it with a comment; she opens it from her notice, fixes the amount and sends it
again; the owner approves; the accountant finds it in /registry, downloads the invoice and
records the payment with its order. The ledger has the expense with the request's category,
salon and city, the marketer heard of every move, and the workbook's «Заявки» lists it paid.

For a deal: a manager files for their deal by its contract number; paying it posts to the deal
with its dimensions, and the fake amoCRM gets the note and the mapped status.
"""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal

import openpyxl
import pytest
from sqlalchemy import select

from ledger.storage.models import CategoryRow, EntryRow, PaymentRequestRow
from tests import invoices_factory as made
from tests.e2e import test_amocrm_deals as amocrm_deals
from tests.e2e.conftest import Running
from tests.e2e.personas import ACCOUNTANT_ID, join
from tests.e2e.requests_desk import ORDER_PDF, Firm, opened_by, said
from tests.e2e.test_amocrm_deals import LEAD_ID, Crm
from tests.e2e.test_request_deals import closed_deal
from tests.e2e.test_request_form import filing_link, marketer
from tests.e2e.test_request_registry import nb
from tests.fakes import amocrm_deals as account
from tests.fakes.telegram_state import SentMessage
from tests.fakes.telegram_user import FakeUser

# The app with amoCRM on, and the fake amoCRM, as the deals' tests have them.
amo = amocrm_deals.amo
crm = amocrm_deals.crm
TODAY = date(2026, 11, 23)  # a Monday, as the tests' clock has it
PURCHASE_PAID = 32392170  # a status of the fake's pipeline: «Закупка оплачена»


@pytest.fixture
def amocrm_keys() -> str:
    """A deal whose purchase is paid moves to its own status."""
    return f"request_paid_status = {PURCHASE_PAID}\n"


def desk_of(kopeyka: Running) -> Firm:
    """The outbox worker's part (the notices, to their chats) and the ledger's rows."""
    context = kopeyka.context
    return Firm(context, kopeyka.bot, kopeyka.telegram, context.clock, kopeyka.owner)


def notice(person: FakeUser) -> SentMessage:
    """The newest notice in `person`'s chat: a message with a link button."""
    return next(
        m for m in reversed(person.tg.chat(person.id)) if any("url" in b for b in m.buttons)
    )


def told(person: FakeUser) -> list[str]:
    """Every notice `person` got, in order, no-break spaces as spaces."""
    return [
        m.body.replace("\xa0", " ")
        for m in person.tg.chat(person.id)
        if any("url" in b for b in m.buttons)
    ]


async def requests_sheet(owner: FakeUser) -> list[list[object]]:
    """The owner's /report, as Excel opens it: the rows of «Заявки» under its header."""
    await owner.send("/report")
    workbook = owner.last_message()
    assert workbook.upload is not None
    book = openpyxl.load_workbook(io.BytesIO(workbook.upload.data))
    return [[cell.value for cell in row] for row in book["Заявки"].iter_rows(min_row=2)]


async def category_id(desk: Firm, name: str) -> int:
    async with desk.context.database.read() as session:
        return (
            await session.execute(select(CategoryRow.id).where(CategoryRow.name == name))
        ).scalar_one()


async def test_a_marketers_invoice_returned_fixed_approved_and_paid_from_the_registry(
    kopeyka: Running, accountant: FakeUser
) -> None:
    desk, owner = desk_of(kopeyka), kopeyka.owner
    invoice = made.classic_1c(qr=2)  # 15 000 ₽ with 2 500 ₽ VAT, ООО «Ромашка»

    # The owner's link for marketing; Маша, invited as requester, opens it and sends the PDF.
    token = await filing_link(owner)
    masha = await marketer(kopeyka)
    await masha.open_deep_link(token)
    assert "Сделка или категория*: Маркетинг" in said(masha)
    await masha.send_document(invoice.data, "счёт 123.pdf", "application/pdf")
    reading = said(masha)
    assert "Счёт № 123 от 22.11.2026 прочитан — заявка №1" in reading
    assert f"ИНН: {invoice.expected['supplier_inn']} (QR и счёт)" in reading
    assert f"р/с: {invoice.expected['account']} (QR и счёт)" in reading
    assert "Сумма: 15 000,00 ₽ (QR и счёт)" in reading

    # One tap takes it all; the form asks only what no invoice says.
    await masha.tap("✅ Всё верно")
    assert "Получатель*: ООО «Ромашка»" in said(masha)
    assert "❓ На что нужны деньги?" in said(masha)
    await masha.send("Баннеры на ноябрь")
    assert "❓ Оплатить до какого числа?" in said(masha)
    await masha.send("27.11")
    assert "✅ Всё заполнено" in said(masha)
    await masha.tap("📤 Отправить на согласование")
    assert "📤 Заявка №1 отправлена на согласование" in said(masha)

    # The owner approves when the mappings name nobody: her notice opens the card with the
    # invoice as it was sent; she returns it with what to fix.
    await desk.deliver()
    asked = notice(owner)
    assert "Заявка №1 «Баннеры на ноябрь» ждёт вашего согласования" in asked.body
    await owner.open_deep_link(opened_by(asked))
    chat = kopeyka.telegram.chat(owner.id)
    assert owner.download(chat[-2]) == invoice.data
    card = said(owner)
    assert "Заявитель: Маша" in card
    assert "Сумма: 15 000,00 ₽" in card
    assert "Оплатить до: 27.11.2026" in card
    assert "Салон, город: Центральный, Казань" in card
    await owner.tap("↩️ На доработку")
    await owner.send("Поставщик дал скидку: к оплате 14 000")
    assert "возвращена на доработку — заявитель получил комментарий" in said(owner)
    assert "✏️ Исправить и отправить снова" not in owner.buttons()  # the requester's to fix

    # Маша's notice opens the request, which she fixes in her form and sends again.
    await desk.deliver()
    returned = notice(masha)
    assert "«Поставщик дал скидку: к оплате 14 000». Исправьте её" in returned.body
    await masha.open_deep_link(opened_by(returned))
    assert "Статус: ↩️ на доработке" in said(masha)
    await masha.tap("✏️ Исправить и отправить снова")
    form = said(masha)
    assert "Заявка №1 — на доработке" in form
    assert "(Ольга): «Поставщик дал скидку: к оплате 14 000»" in form
    await masha.tap("✏️ Сумма")
    await masha.send("14 000")
    assert "Сумма*: 14 000,00 ₽" in said(masha)
    await masha.tap("📤 Отправить на согласование")
    assert "📤 Заявка №1 отправлена на согласование" in said(masha)

    # The owner, asked again (and told it is the fixed one), approves.
    await desk.deliver()
    again = notice(owner)
    assert "заявитель исправил и отправил снова" in again.body
    await owner.open_deep_link(opened_by(again))
    assert "Сумма: 14 000,00 ₽" in said(owner)
    await owner.tap("✅ Согласовать")
    assert "согласована — бухгалтер получил её к оплате" in said(owner)

    # Анна is told; she finds it in /registry (due this week), downloads the invoice and
    # records the payment with its order.
    await desk.deliver()
    assert "💳 К оплате: заявка №1 «Баннеры на ноябрь»" in said(accountant)
    await accountant.send("/registry")
    assert "🗓 До конца недели: 1 — 14 000,00 ₽" in said(accountant)
    await accountant.tap("🗓 До конца недели · 1")
    assert "1. №1 «Баннеры на ноябрь» — ООО «Ромашка» — 14 000,00 ₽ — до 27.11.2026" in said(
        accountant
    )
    await accountant.tap("📄 1")
    card = accountant.last_message()
    assert "Статус: ✅ согласована, к оплате" in said(accountant)
    await accountant.tap("⬇️ Счёт")
    assert accountant.last_message().body == "📎 Счёт к заявке №1"
    assert accountant.download() == invoice.data
    await accountant.tap("💳 Оплачено", message_id=card.message_id)
    await accountant.tap("Сегодня")
    await accountant.tap(nb("Весь остаток: 14 000,00 ₽"))
    # The card, above the invoice, asked each in place.
    assert "Пришлите платёжное поручение" in said(accountant, card.message_id)
    await accountant.send_document(ORDER_PDF, "пп 341.pdf", "application/pdf")
    paid = said(accountant)
    assert "💳 Оплата записана: 14 000,00 ₽ от 23.11.2026." in paid
    assert "Статус: 💳 оплачена" in paid
    assert "Оплачено: 14 000,00 ₽\n" in paid  # all of it: no «осталось 0,00 ₽»
    await accountant.tap("📎 Платёжка 1")
    assert accountant.download() == ORDER_PDF

    # The books: one expense from the bank account, under the request's category and place,
    # its receipt the payment order.
    [expense] = await desk.expenses()
    assert (expense.amount_minor, expense.currency) == (-1_400_000, "RUB")
    assert (expense.account, expense.entry_date) == ("bank_account", TODAY)
    assert expense.category_id == await category_id(desk, "Маркетинг")
    assert (expense.salon, expense.city, expense.deal_id) == ("Центральный", "Казань", None)
    assert expense.description == "Заявка №1: Баннеры на ноябрь"
    async with kopeyka.context.database.read() as session:
        request = await session.get(PaymentRequestRow, 1)
    assert (request.status, request.paid_minor) == ("paid", 1_400_000)

    # Маша heard of every move someone else made, in order.
    await desk.deliver()
    assert told(masha) == [
        "↩️ Заявка №1 «Баннеры на ноябрь» возвращена на доработку (Ольга): «Поставщик дал "
        "скидку: к оплате 14 000». Исправьте её и отправьте снова.",
        "✅ Заявка №1 «Баннеры на ноябрь» одобрена (Ольга).",
        "💸 Заявка №1 «Баннеры на ноябрь» оплачена: 14 000,00 ₽ (Анна).",
    ]

    # The workbook lists it, paid.
    [row] = await requests_sheet(owner)
    assert (row[0], row[1].date(), row[2], row[4]) == (1, TODAY, "Маша", "ООО «Ромашка»")
    assert (Decimal(str(row[6])), row[7].date(), row[8]) == (
        Decimal(14000),
        date(2026, 11, 27),
        "оплачена",
    )
    assert (row[10], Decimal(str(row[11])), row[12]) == ("RUB", Decimal(14000), "Маркетинг")


async def test_a_managers_invoice_for_a_deal_is_paid_to_the_deal_and_noted_in_the_crm(
    crm: Crm, manager: FakeUser
) -> None:
    deal_id = await closed_deal(crm)  # «Кухня Ивановых», Д-17, Центральный, Казань
    crm.amo.add_status(PURCHASE_PAID, "Закупка оплачена", 40, account.PIPELINE)
    accountant = await join(crm.telegram, crm.owner, "бухгалтер", ACCOUNTANT_ID, "Анна")
    desk = Firm(crm.context, crm.bot, crm.telegram, crm.clock, crm.owner)
    invoice = made.freeform(qr=2)  # a sole trader's, typed in a word processor: 48 500 ₽

    # Иван sends the invoice with what it is for; the QR's purpose and the invoice's differ.
    await manager.send_document(
        invoice.data, "счёт А-17.pdf", "application/pdf", "Фурнитура для кухни Ивановых"
    )
    assert "Сумма: 48 500,00 ₽ (QR и счёт)" in said(manager)
    assert "Назначение платежа: в счёте и в QR разное" in said(manager)
    # Too long for a button: each cut at a word, its origin after it.
    await manager.tap("Оплата по счёту № А-17 от 22.11.2026… (счёт)")
    await manager.tap("✅ Всё верно")
    assert "На что*: Фурнитура для кухни Ивановых" in said(manager)
    await manager.tap("Завтра")
    assert "❓ К чему относится расход" in said(manager)
    await manager.tap("📄 Сделка по номеру договора")
    await manager.send("д-17")
    assert "Сделка или категория*: сделка «Кухня Ивановых, договор Д-17»" in said(manager)
    await manager.tap("📤 Отправить на согласование")
    assert "📤 Заявка №1 отправлена на согласование" in said(manager)

    # The owner approves from her notice; Анна pays it from hers, with a photo of the order.
    await desk.deliver()
    await crm.owner.open_deep_link(opened_by(notice(crm.owner)))
    assert "Сделка: «Кухня Ивановых», договор Д-17" in said(crm.owner)
    await crm.owner.tap("✅ Согласовать")
    await desk.deliver()
    await accountant.open_deep_link(opened_by(notice(accountant)))
    await accountant.tap("💳 Оплачено")
    await accountant.tap("Вчера")
    await accountant.tap(nb("Весь остаток: 48 500,00 ₽"))
    await accountant.send_photo(b"\xff\xd8\xff\xe0" + b"0" * 300)
    assert "💳 Оплата записана: 48 500,00 ₽ от 22.11.2026." in said(accountant)

    # Posted to the deal with its dimensions, under «Закупки» (the request names no category).
    [expense] = await desk.expenses()
    assert (expense.amount_minor, expense.account) == (-4_850_000, "bank_account")
    assert expense.entry_date == TODAY - timedelta(days=1)
    assert (expense.deal_id, expense.salon, expense.city) == (deal_id, "Центральный", "Казань")
    assert expense.category_id == await category_id(desk, "Закупки")

    # The outbox writes the note to the deal and moves it to the mapped status.
    assert await crm.integration.perform_effects() == 2
    [note] = [n for n in crm.amo.notes_of(LEAD_ID) if "заявка №1" in n["params"]["text"]]
    text = note["params"]["text"].replace("\xa0", " ")
    assert "Оплачена заявка №1 «Фурнитура для кухни Ивановых»: 48 500,00 ₽" in text
    assert "ИП Иванова Мария Петровна" in text
    assert crm.amo.leads[LEAD_ID]["status_id"] == PURCHASE_PAID
    await desk.deliver()
    assert told(manager)[-1] == (
        "💸 Заявка №1 «Фурнитура для кухни Ивановых» оплачена: 48 500,00 ₽ (Анна)."
    )
    async with crm.context.database.read() as session:
        entries = (await session.execute(select(EntryRow).where(EntryRow.deal_id == deal_id))).all()
    assert len(entries) == 1
