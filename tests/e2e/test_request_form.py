"""The requester's side of payment requests through the real bot and the fake Telegram: the
owner hands out a filing link, a marketer opens it and sends an invoice, confirms what was
read and sends the request for approval; a second invoice from the same supplier asks almost
nothing; the QR and the text disagreeing is settled with a tap; an invoice with nothing to
read simply asks; a returned request is fixed and sent again; a draft outlives a restart."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from ledger.clock import FrozenClock
from ledger.notices import Notification, RequestSubmitted
from ledger.requests.states import RequestStatus
from ledger.storage.models import OutboxRow, PaymentRequestRow
from ledger.users import Person
from tests import invoices_factory as made
from tests.e2e.conftest import OWNER_ID, Running, make_settings, start_app
from tests.e2e.personas import join
from tests.fakes.telegram import FakeTelegram
from tests.fakes.telegram_user import FakeUser

MARKETER_ID = 7770030


def said(person: FakeUser) -> str:
    """The bot's last message to `person`, its no-break spaces (in amounts) as spaces."""
    return person.last_message().body.replace("\xa0", " ")


def labels(person: FakeUser) -> list[str]:
    return [label.replace("\xa0", " ") for label in person.buttons()]


async def tap(person: FakeUser, label: str) -> None:
    """Tap the button whose label reads `label` (amounts' no-break spaces as spaces)."""
    [exact] = [b for b in person.buttons() if b.replace("\xa0", " ") == label]
    await person.tap(exact)


async def filing_link(owner: FakeUser, label: str = "Маркетинг") -> str:
    """The owner makes a filing link for marketing in /reqlinks; its `/start` payload."""
    await owner.send("/reqlinks")
    await owner.tap("➕ Новая ссылка")
    await owner.send(label)
    await owner.tap("Маркетинг")
    await owner.send("Центральный, Казань")
    text = owner.last_message().body
    assert f"Ссылка «{label}» для подачи заявок готова" in text
    link = next(word for word in text.split() if word.startswith("https://t.me/"))
    return link.split("?start=", 1)[1]


async def marketer(kopeyka: Running) -> FakeUser:
    return await join(kopeyka.telegram, kopeyka.owner, "заявитель", MARKETER_ID, "Маша")


async def requests(kopeyka: Running) -> list[PaymentRequestRow]:
    async with kopeyka.context.database.read() as session:
        rows = await session.scalars(select(PaymentRequestRow).order_by(PaymentRequestRow.id))
        return list(rows)


async def notices(kopeyka: Running) -> list[Notification]:
    async with kopeyka.context.database.read() as session:
        rows = await session.scalars(
            select(OutboxRow).where(OutboxRow.topic == "notify").order_by(OutboxRow.id)
        )
        return [Notification.from_payload(row.payload) for row in rows]


async def filed_by_link(kopeyka: Running) -> FakeUser:
    """Маша opens the marketing link, sends 1C's invoice with its QR, confirms what was read,
    says what it is for and when to pay, and sends it: request №1, awaiting the owner."""
    token = await filing_link(kopeyka.owner)
    masha = await marketer(kopeyka)
    await masha.open_deep_link(token)
    await masha.send_document(made.classic_1c(qr=2).data, "счёт 123.pdf", "application/pdf")
    await masha.tap("✅ Всё верно")
    await masha.send("Баннеры на ноябрь")
    await masha.tap("Завтра")
    await masha.tap("📤 Отправить на согласование")
    return masha


async def test_a_marketer_files_a_request_from_an_invoice_by_the_owners_link(
    kopeyka: Running,
) -> None:
    token = await filing_link(kopeyka.owner)
    masha = await marketer(kopeyka)

    await masha.open_deep_link(token)
    card = said(masha)
    assert "Заявка №1 — черновик" in card
    assert "Сделка или категория*: Маркетинг" in card
    assert "Салон, город: Центральный, Казань" in card
    assert "❓ На что нужны деньги?" in card

    await masha.send_document(made.classic_1c(qr=2).data, "счёт 123.pdf", "application/pdf")
    reading = said(masha)
    assert "Счёт № 123 от 22.11.2026 прочитан" in reading
    assert "ИНН: 7708123450 (QR и счёт)" in reading
    assert "р/с: 40702810538000123456 (QR и счёт)" in reading
    assert "Сумма: 15 000,00 ₽ (QR и счёт)" in reading
    assert "НДС: в т.ч. 2 500,00 ₽ (20%)" in reading
    assert labels(masha)[0] == "✅ Всё верно"

    await masha.tap("✅ Всё верно")
    form = said(masha)
    assert "Получатель*: ООО «Ромашка», ИНН 7708123450, КПП 770801001" in form
    assert "Счёт: 📎 счёт 123.pdf" in form
    assert "❓ На что нужны деньги?" in form
    await masha.send("Баннеры на ноябрь")
    assert "❓ Оплатить до какого числа?" in said(masha)
    await masha.tap("Завтра")
    assert "✅ Всё заполнено" in said(masha)
    edits = len(kopeyka.telegram.calls_of("editMessageText"))

    await masha.tap("📤 Отправить на согласование")

    assert "📤 Заявка №1 отправлена на согласование" in said(masha)
    assert len(kopeyka.telegram.calls_of("editMessageText")) == edits + 1  # the same card
    [row] = await requests(kopeyka)
    assert row.status == RequestStatus.SUBMITTED.value
    assert (row.amount_minor, row.vat_minor) == (1_500_000, 250_000)
    assert row.pay_by == kopeyka.context.clock.today() + timedelta(days=1)
    [asked] = [n for n in await notices(kopeyka) if isinstance(n.facts, RequestSubmitted)]
    assert asked.chat_id == OWNER_ID
    assert asked.facts.what_for == "Баннеры на ноябрь"


async def test_the_second_invoice_from_the_same_supplier_asks_almost_nothing(
    kopeyka: Running,
) -> None:
    masha = await filed_by_link(kopeyka)
    second = made.classic_1c(made.Invoice(number="124"), qr=2)

    await masha.send_document(second.data, "счёт 124.pdf", "application/pdf")

    reading = said(masha)
    assert "На что: Баннеры на ноябрь (как в прошлый раз)" in reading
    assert "Категория: Маркетинг (как в прошлый раз)" in reading
    await masha.tap("✅ Всё верно")
    assert "❓ Оплатить до какого числа?" in said(masha)  # the only thing left
    await masha.tap("Завтра")
    assert "✅ Всё заполнено" in said(masha)
    await masha.tap("📤 Отправить на согласование")
    assert "📤 Заявка №2 отправлена на согласование" in said(masha)


async def test_a_qr_sum_that_disagrees_with_the_total_is_picked_with_one_tap(
    kopeyka: Running,
) -> None:
    masha = await marketer(kopeyka)
    invoice = made.classic_1c(qr=2, qr_total=Decimal("14000.00"))

    await masha.send_document(invoice.data, "счёт.pdf", "application/pdf")

    reading = said(masha)
    assert "в счёте и в QR разное — 14 000,00 ₽ (QR) или 15 000,00 ₽ (счёт)" in reading
    assert "✅ Всё верно" not in labels(masha)  # picked first
    await tap(masha, "15 000,00 ₽ (счёт)")
    assert "Сумма: 15 000,00 ₽ (счёт)" in said(masha)
    await masha.tap("✅ Всё верно")
    assert "Сумма*: 15 000,00 ₽" in said(masha)
    [row] = await requests(kopeyka)
    assert row.amount_minor == 1_500_000


async def test_an_invoice_with_neither_text_nor_qr_is_attached_and_the_form_asks(
    kopeyka: Running,
) -> None:
    masha = await marketer(kopeyka)

    await masha.send_document(made.blank().data, "скан.pdf", "application/pdf")

    form = said(masha)
    assert "ни текста, ни QR-кода — заполним вручную" in form
    assert "Счёт: 📎 скан.pdf" in form
    assert "❓ На что нужны деньги?" in form


async def test_a_photo_of_the_invoices_qr_starts_a_request_too(kopeyka: Running) -> None:
    masha = await marketer(kopeyka)

    await masha.send_photo(made.photo(made.Invoice()).data)

    assert "Сумма: 15 000,00 ₽ (QR)" in said(masha)


async def test_skipped_questions_come_back_and_sending_says_what_is_missing(
    kopeyka: Running,
) -> None:
    masha = await marketer(kopeyka)
    await masha.send("/request 5000 поставщику")
    card = said(masha)
    assert "Из команды прочитал: сумма 5 000,00 ₽, на что — «поставщику»" in card
    assert "❓ ИНН получателя" in card

    await masha.tap("⏭ Пропустить")
    assert "❓ Оплатить до какого числа?" in said(masha)
    await masha.tap("⏭ Пропустить")
    assert "❓ БИК банка получателя" in said(masha)
    await masha.tap("📤 Отправить на согласование")

    refusal = said(masha)
    assert "Заявка не отправлена:" in refusal
    assert "не заполнено: Получатель" in refusal
    assert "не заполнено: Оплатить до" in refusal
    assert "Заявка не отправлена" in masha.answers()[-1]
    await masha.tap("✏️ Получатель")
    assert "❓ ИНН получателя" in said(masha)
    await masha.send("7707083893")
    assert "ИНН 7707083893 (ждёт названия)" in said(masha)
    await masha.send("ООО «Ромашка»")
    assert "❓ КПП получателя" in said(masha)
    await masha.tap("Нет КПП")
    assert "Получатель*: ООО «Ромашка», ИНН 7707083893\n" in said(masha)
    [row] = await requests(kopeyka)
    assert row.status == RequestStatus.DRAFT.value


async def test_a_draft_and_its_question_outlive_a_restart(
    telegram: FakeTelegram,
    engine: AsyncEngine,
    database_url: str,
    clock: FrozenClock,
    tmp_path: Path,
) -> None:
    settings = make_settings(telegram, database_url, tmp_path)
    owner = telegram.user(OWNER_ID, "Ольга")
    async with start_app("polling", telegram, settings, engine, clock):
        masha = await join(telegram, owner, "заявитель", MARKETER_ID, "Маша")
        await masha.send("/request 5000 поставщику")
        assert "❓ ИНН получателя" in said(masha)

    # A new process: new dispatcher, new bot, same database.
    async with start_app("polling", telegram, settings, engine, clock):
        await masha.send("7707083893")
        assert "ИНН 7707083893 (ждёт названия)" in said(masha)
        await masha.send("/request")
        assert "У вас есть незаконченный черновик №1 (поставщику)" in said(masha)
        await masha.tap("Продолжить черновик")
        card = said(masha)
        assert "Сумма*: 5 000,00 ₽" in card
        assert "На что*: поставщику" in card


async def test_a_request_returned_for_rework_is_fixed_and_sent_again(kopeyka: Running) -> None:
    masha = await filed_by_link(kopeyka)
    async with kopeyka.context.database.unit_of_work() as uow:
        services = kopeyka.context.services(uow)
        owner = await services.users.resolve(Person(OWNER_ID, "Ольга"))
        await services.requests.return_for_rework(owner, 1, "Сумма без скидки: должно быть 14 000")

    await masha.send("/requests")
    assert "№1 Баннеры на ноябрь — на доработке" in said(masha)
    await masha.tap("№1")
    assert "↩️ вернул(а) на доработку Ольга" in said(masha)
    await masha.tap("✏️ Исправить и отправить снова")
    card = said(masha)
    assert "Заявка №1 — на доработке" in card
    assert "«Сумма без скидки: должно быть 14 000»" in card
    await masha.tap("✏️ Сумма")
    await masha.send("14 000")
    await masha.tap("📤 Отправить на согласование")

    assert "📤 Заявка №1 отправлена на согласование" in said(masha)
    [row] = await requests(kopeyka)
    assert (row.status, row.amount_minor) == (RequestStatus.SUBMITTED.value, 1_400_000)
    await masha.send("/requests")
    await masha.tap("№1")
    await masha.tap("🕓 История")
    assert "изменено «сумма»: 15000.00 RUB → 14000.00 RUB" in said(masha)


async def test_a_comment_joins_the_requests_thread(kopeyka: Running) -> None:
    masha = await filed_by_link(kopeyka)
    await masha.send("/requests")
    await masha.tap("№1")
    await masha.tap("💬 Комментарий")
    await masha.send("Счёт действителен до пятницы")

    assert "Комментарий к заявке №1 добавлен" in said(masha)
    await masha.tap("← К заявке")
    await masha.tap("💬 Комментарии (1)")
    assert "Счёт действителен до пятницы" in said(masha)


async def test_a_typed_inn_the_directory_knows_fills_the_payee_with_one_tap(
    kopeyka: Running,
) -> None:
    masha = await filed_by_link(kopeyka)  # ООО «Ромашка», 7708123450, remembered on sending
    await masha.send("/request 9000 листовки")
    assert "❓ ИНН получателя" in said(masha)

    await masha.send("7708123450")

    card = said(masha)
    assert "📒 Нашёл в справочнике: ООО «Ромашка», КПП 770801001; БИК 044525225" in card
    await masha.tap("✅ Взять из справочника")
    card = said(masha)
    assert "Получатель и его реквизиты взяты из справочника" in card
    assert "Получатель*: ООО «Ромашка», ИНН 7708123450, КПП 770801001" in card
    assert "Реквизиты*: БИК 044525225, р/с 40702810538000123456" in card
    assert "❓ Оплатить до какого числа?" in card  # the bank details are not asked


async def test_a_category_is_picked_with_a_tap_and_its_salon_and_city_typed(
    kopeyka: Running,
) -> None:
    masha = await marketer(kopeyka)
    await masha.send("/request 9000 листовки")
    await masha.tap("✏️ Сделка или категория")
    assert "❓ К чему относится расход" in said(masha)
    await masha.tap("📂 Категория")
    assert "❓ Выберите категорию расхода" in said(masha)

    await masha.tap("Маркетинг")
    assert "❓ Салон и город через запятую" in said(masha)
    await masha.send("Центральный, Казань")

    card = said(masha)
    assert "Сделка или категория*: Маркетинг" in card
    assert "Салон, город: Центральный, Казань" in card
    [row] = await requests(kopeyka)
    assert (row.salon, row.city, row.deal_id) == ("Центральный", "Казань", None)
