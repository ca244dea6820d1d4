"""The accountant's /registry end to end, through the fake Telegram: the buckets and statuses
with their counts and totals, a list's lines opening the card by button and by link, the
invoice downloaded, a payment recorded with its date, amount and payment order (a part, then
the rest), another currency's rubles; what is refused (a foreign link, paying twice, two
accountants at once, an unapproved request); the morning digest and the overdue notice; and
for a deal's request, the note in the fake amoCRM."""

from __future__ import annotations

import asyncio
import re
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from bot.callbacks import RegistryCallback, RegistryView, RequestAction, RequestCallback
from ledger.money import Money
from ledger.storage.models import PaymentRequestRow, RequestPaymentRow
from tests.e2e import test_amocrm_deals as amocrm_deals
from tests.e2e.conftest import button_data
from tests.e2e.personas import ACCOUNTANT_ID, join
from tests.e2e.requests_desk import (
    ORDER_PDF,
    REQUESTER_ID,
    Firm,
    firm,
    links_in,
    opened_by,
    said,
)
from tests.e2e.test_amocrm_deals import LEAD_ID, STATUS_BODY, Crm, closed_lead

__all__ = ["amo", "crm", "firm"]

amo = amocrm_deals.amo
crm = amocrm_deals.crm
TODAY = date(2026, 11, 23)  # a Monday, as the tests' clock has it
PAID_BY_ANNA = (
    "Заявку уже изменили: теперь она «оплачена» (Анна, 23.11.2026 12:00). Откройте её заново."
)


def nb(label: str) -> str:
    """A button's label as the bot writes amounts: no-break spaces inside them."""
    return re.sub(r"(?<=\d) (?=\d)|(?<=\d) (?=[₽$])", "\xa0", label)


def rub(amount: str, currency: str = "RUB") -> Money:
    return Money(Decimal(amount), currency)


async def status_of(firm: Firm, request_id: int) -> str:
    async with firm.context.database.read() as session:
        return (await session.get(PaymentRequestRow, request_id)).status


async def test_the_registry_counts_each_bucket_and_status_and_its_lines_open_the_card(
    firm: Firm,
) -> None:
    accountant = await firm.accountant()
    firm.clock.advance(timedelta(days=-5))  # filed last week, some now past their date
    late = await firm.approved(
        what_for="Аренда", amount=rub("50000"), pay_by=TODAY - timedelta(days=2)
    )
    firm.clock.advance(timedelta(days=5))
    due_today = await firm.approved(what_for="Печать", amount=rub("3000"), pay_by=TODAY)
    await firm.approved(what_for="Доставка", amount=rub("7000"), pay_by=TODAY + timedelta(days=6))
    await firm.approved(
        what_for="Сервер", amount=rub("40", "USD"), pay_by=TODAY + timedelta(days=7)
    )
    waiting = await firm.submitted(what_for="Ещё не согласована")

    await accountant.send("/registry")
    summary = said(accountant)
    assert "📅 Сегодня: 1 — 3 000,00 ₽" in summary
    assert "🗓 До конца недели: 2 — 10 000,00 ₽" in summary
    assert "📆 До конца месяца: 3 — 10 000,00 ₽, 40,00 $" in summary
    assert "⏰ Просрочено: 1 — 50 000,00 ₽" in summary
    assert "• К оплате: 4 — 60 000,00 ₽, 40,00 $" in summary
    assert "На согласовании" not in summary  # the accountant's registry starts at approval
    assert accountant.buttons()[:4] == [
        "📅 Сегодня · 1",
        "🗓 До конца недели · 2",
        "📆 До конца месяца · 3",
        "⏰ Просрочено · 1",
    ]

    await accountant.tap("⏰ Просрочено · 1")
    listing = accountant.last_message()
    assert "⏰ Просрочено: 1, осталось оплатить 50 000,00 ₽" in said(accountant)
    assert f"1. №{late.id} «Аренда» — ООО «Ромашка» — 50 000,00 ₽ — до 21.11.2026 ⏰" in said(
        accountant
    )
    [link] = links_in(listing)
    await accountant.tap("📄 1")
    assert f"Заявка №{late.id} «Аренда»" in said(accountant)
    assert "Оплатить до: 21.11.2026 ⏰ просрочено" in said(accountant)
    assert accountant.buttons()[:2] == ["💳 Оплачено", "⬇️ Счёт"]
    # The line's link, kept and opened later, opens the same card.
    await accountant.open_deep_link(link)
    assert f"Заявка №{late.id} «Аренда»" in said(accountant)

    await accountant.tap("← Реестр", message_id=listing.message_id)
    await accountant.tap("📅 Сегодня · 1")
    assert f"№{due_today.id} «Печать»" in said(accountant, listing.message_id)

    # The owner sees every status, those awaiting approval too.
    await firm.owner.send("/registry")
    assert "• На согласовании: 1 — 12 000,00 ₽" in said(firm.owner)
    await firm.owner.tap("На согласовании · 1")
    assert f"№{waiting.id} «Ещё не согласована»" in said(firm.owner)


async def test_the_accountant_downloads_the_invoice_and_pays_a_part_then_the_rest(
    firm: Firm,
) -> None:
    accountant = await firm.accountant()
    requester = await firm.requester()
    request = await firm.approved()
    await firm.deliver()
    to_pay = accountant.last_message()
    assert "К оплате" in to_pay.body

    await accountant.open_deep_link(opened_by(to_pay))
    card = accountant.last_message()
    await accountant.tap("⬇️ Счёт")
    sent = accountant.last_message()
    assert sent.body == f"📎 Счёт к заявке №{request.id}"
    assert firm.telegram._files[sent.document["file_id"]].data.startswith(b"%PDF")

    await accountant.tap("💳 Оплачено", message_id=card.message_id)
    # The card, above the invoice, turns into the question.
    assert "Оплата заявки" in said(accountant, card.message_id)
    assert "осталось 12 000,00 ₽. Когда оплачено?" in said(accountant, card.message_id)
    await accountant.tap("Другая дата…")
    await accountant.send("25.12.2026")
    assert "Напишите дату оплаты" in said(accountant)
    await accountant.send("20.11")
    assert "Сколько оплачено 20.11.2026" in said(accountant)
    for bad, says in (
        ("пять тысяч", "Не вижу суммы"),
        ("0", "не может быть нулевой"),
        ("12000,01", "Это больше, чем осталось оплатить: 12 000,00 ₽."),
    ):
        await accountant.send(bad)
        assert says in said(accountant), bad
        assert "/cancel" in said(accountant), bad
    await accountant.send("5000")
    assert "Оплата 5 000,00 ₽ от 20.11.2026. Пришлите платёжное поручение" in said(accountant)
    await accountant.send("вот платёжка")
    assert "Жду файл платёжного поручения" in said(accountant)
    await accountant.send_document(b"not a pdf at all", "платёжка.pdf", "application/pdf")
    assert "Такой файл не подойдёт как платёжка" in said(accountant)
    too_big = accountant.document_update(ORDER_PDF, "скан.pdf", "application/pdf")
    too_big["message"]["document"]["file_size"] = 25 * 1024 * 1024
    await accountant._act(too_big)
    assert "Файл больше 20 МБ" in said(accountant)
    assert await firm.payments() == 0
    await accountant.send_document(ORDER_PDF, "пп 341.pdf", "application/pdf")

    part_card = accountant.last_message()
    part = said(accountant)
    assert "💳 Оплата записана: 5 000,00 ₽ от 20.11.2026. Осталось оплатить 7 000,00 ₽." in part
    assert "оплачена частично" in part
    assert "Оплачено: 5 000,00 ₽, осталось 7 000,00 ₽" in part
    assert "• 20.11.2026 — 5 000,00 ₽ (Анна), 📎 платёжка" in part
    assert "📎 Платёжка 1" in accountant.buttons()
    await accountant.tap("📎 Платёжка 1")
    order = accountant.last_message()
    assert order.body == f"📎 Платёжка по заявке №{request.id} от 20.11.2026"
    assert firm.telegram._files[order.document["file_id"]].data == ORDER_PDF

    # The rest, today, with a tap, without the payment order.
    await accountant.tap("💳 Оплачено")
    await accountant.tap("Сегодня")
    await accountant.tap(nb("Весь остаток: 7 000,00 ₽"))
    await accountant.tap("Без платёжки")
    rest = said(accountant, part_card.message_id)
    assert "💳 Оплата записана: 7 000,00 ₽ от 23.11.2026. ⚠️ Без платёжки." in rest
    assert "Статус: 💳 оплачена" in rest
    assert "• 23.11.2026 — 7 000,00 ₽ (Анна), ⚠️ без платёжки" in rest
    assert "💳 Оплачено" not in accountant.buttons()

    expenses = await firm.expenses()
    assert [(e.amount_minor, e.entry_date) for e in expenses] == [
        (-500_000, date(2026, 11, 20)),
        (-700_000, TODAY),
    ]
    await firm.deliver()
    told = [m.body.replace("\xa0", " ") for m in firm.telegram.chat(requester.id)]
    assert any("оплачено 5 000,00 ₽ из 12 000,00 ₽ (Анна)" in body for body in told)
    assert any("оплачена: 12 000,00 ₽ (Анна)" in body for body in told)


async def test_a_request_in_dollars_asks_the_rubles_actually_paid(firm: Firm) -> None:
    accountant = await firm.accountant()
    request = await firm.approved(amount=rub("1000", "USD"))

    await accountant.open_deep_link(await firm.link(request.id))
    await accountant.tap("💳 Оплачено")
    await accountant.tap("Сегодня")
    await accountant.tap(nb("Весь остаток: 1 000,00 $"))
    assert "Сколько рублей списано со счёта за 1 000,00 $?" in said(accountant)
    await accountant.send("0")
    assert "Сколько рублей списано" in said(accountant)
    await accountant.send("92 150,40")
    await accountant.send_photo(b"\xff\xd8\xff\xe0" + b"0" * 300)  # a photo of the order

    answer = said(accountant)
    assert "💳 Оплата записана: 1 000,00 $ (92 150,40 ₽) от 23.11.2026." in answer
    assert "Статус: 💳 оплачена" in answer
    [expense] = await firm.expenses()
    assert (expense.amount_minor, expense.currency) == (-9_215_040, "RUB")
    async with firm.context.database.read() as session:
        [payment] = list(await session.scalars(select(RequestPaymentRow)))
    assert (payment.order_kind, payment.order_type) == ("photo", "image/jpeg")


async def test_paying_twice_and_two_accountants_at_once_make_one_payment(firm: Firm) -> None:
    anna, lena = await firm.accountant(), await firm.accountant2()
    request = await firm.approved()
    link = await firm.link(request.id)

    # Both at the last question; Анна records it first, Лена is told who and when.
    for person in (anna, lena):
        await person.open_deep_link(link)
        await person.tap("💳 Оплачено")
        await person.tap("Сегодня")
        await person.tap(nb("Весь остаток: 12 000,00 ₽"))
    await anna.tap("Без платёжки")
    await lena.tap("Без платёжки")
    assert lena.answers()[-1] == PAID_BY_ANNA
    assert await firm.payments() == 1

    # Анна's card, tapped again: the payment is not asked for twice.
    stale = RequestCallback(
        action=RequestAction.PAY, request_id=request.id, version=request.version
    ).pack()
    await anna.tap_data(stale, message_id=anna.last_message().message_id)
    assert anna.answers()[-1] == PAID_BY_ANNA

    # Truly at once, on another request: exactly one payment.
    other = await firm.approved(what_for="Стенд")
    other_link = await firm.link(other.id)
    for person in (anna, lena):
        await person.open_deep_link(other_link)
        await person.tap("💳 Оплачено")
        await person.tap("Сегодня")
        await person.tap(nb("Весь остаток: 12 000,00 ₽"))
    cards = [anna.last_message(), lena.last_message()]
    no_order = [button_data(card, "Без платёжки") for card in cards]
    await asyncio.gather(
        anna.tap_data(no_order[0], message_id=cards[0].message_id),
        lena.tap_data(no_order[1], message_id=cards[1].message_id),
    )
    assert await firm.payments() == 2
    assert len(await firm.expenses()) == 2
    paid_first = "Заявку уже изменили: теперь она «оплачена»"
    refusals = [a for a in anna.answers() + lena.answers() if a.startswith(paid_first)]
    # The earlier request's two (Лена's last question, Анна's old card), and one of these.
    assert len(refusals) == 3


async def test_what_may_not_be_paid_or_seen_is_refused_and_shows_nothing(
    firm: Firm,
) -> None:
    accountant = await firm.accountant()
    requester = await firm.requester()
    approver = await firm.actor(await firm.approver())
    waiting = await firm.submitted(what_for="Не согласована")
    rejected = await firm.submitted(what_for="Отклонена")
    async with firm.context.database.unit_of_work() as uow:
        await firm.context.services(uow).requests.reject(approver, rejected.id, "Нет")

    # A link to a request the accountant may not see yet: refused like a forged one.
    shown = len(firm.telegram.chat(accountant.id))
    await accountant.open_deep_link(await firm.link(waiting.id))
    assert said(accountant) == "Ссылка недействительна."
    assert len(firm.telegram.chat(accountant.id)) == shown + 1
    assert "Не согласована" not in said(accountant)
    # A forged or mangled link.
    await accountant.open_deep_link("rq_1_zzzzzz_AAAAAAAAAAAAAAAA")
    assert said(accountant) == "Ссылка недействительна."

    # Paying what is not approved, or was rejected: the owner's card has no «Оплачено», and a
    # forged button is refused.
    await firm.owner.open_deep_link(await firm.link(waiting.id))
    assert "💳 Оплачено" not in firm.owner.buttons()
    card = firm.owner.last_message()
    for request, says in ((waiting, "не одобрена"), (rejected, "отклонена")):
        forged = RequestCallback(
            action=RequestAction.PAY, request_id=request.id, version=request.version
        ).pack()
        await firm.owner.tap_data(forged, message_id=card.message_id)
        assert says in firm.owner.answers()[-1], firm.owner.answers()
    # A requester may not pay at all, nor open the registry.
    await requester.send("/registry")
    assert "недоступно для вашей роли" in said(requester)
    forged = RequestCallback(action=RequestAction.NO_ORDER, request_id=waiting.id).pack()
    await requester.tap_data(forged, message_id=requester.last_message().message_id)
    assert "недоступно" in requester.answers()[-1]
    # A «Без платёжки» with no payment asked: nothing recorded.
    approved = await firm.approved()
    forged = RequestCallback(
        action=RequestAction.NO_ORDER, request_id=approved.id, version=approved.version
    ).pack()
    await accountant.tap_data(forged, message_id=accountant.last_message().message_id)
    assert accountant.answers()[-1] == "Этот вопрос уже закрыт — откройте заявку заново."
    # A date no calendar holds; a list that is none of the registry's; one not the accountant's.
    bad_day = RequestCallback(
        action=RequestAction.REST, request_id=approved.id, version=approved.version, value=10**12
    ).pack()
    await accountant.tap_data(bad_day, message_id=accountant.last_message().message_id)
    assert "в будущем" in accountant.answers()[-1]
    for forged, says in (
        (RegistryCallback(view=RegistryView.BUCKET, key="yesterday"), "Кнопка не распознана"),
        (RegistryCallback(view=RegistryView.STATUS, key="submitted"), "недоступно"),
    ):
        await accountant.tap_data(forged.pack(), message_id=accountant.last_message().message_id)
        assert says in accountant.answers()[-1]
    assert await firm.payments() == 0
    assert await status_of(firm, waiting.id) == "submitted"


async def test_the_morning_digest_and_the_overdue_notice_reach_their_chats(
    firm: Firm,
) -> None:
    accountant = await firm.accountant()
    firm.clock.advance(timedelta(days=-5))
    await firm.approved(what_for="Аренда", amount=rub("50000"), pay_by=TODAY - timedelta(days=1))
    await firm.submitted(what_for="Ждёт", pay_by=TODAY - timedelta(days=2))
    firm.clock.advance(timedelta(days=5))
    await firm.approved(what_for="Печать", amount=rub("3000"), pay_by=TODAY)
    await firm.deliver()

    await firm.run_job("requests_digest")
    digest = said(accountant)
    assert "☀️ Заявки на сегодня:" in digest
    assert "к оплате сегодня 1 заявка на 3 000,00 ₽" in digest
    assert "просрочена 1 заявка на 50 000,00 ₽" in digest
    assert "Реестр: /registry" in digest

    await firm.run_job("requests_overdue")
    overdue = said(firm.owner)
    assert "⏰ Заявки, срок оплаты которых прошёл (самая давняя — с 21.11.2026)" in overdue
    assert "1 одобренная заявка не оплачена, осталось 50 000,00 ₽" in overdue
    assert "1 заявка ещё ждёт согласования" in overdue

    # A second run the same day tells nobody again.
    count = len(firm.telegram.chat(accountant.id))
    await firm.run_job("requests_digest")
    assert len(firm.telegram.chat(accountant.id)) == count


async def test_paying_a_deals_request_notes_it_in_the_crm(crm: Crm) -> None:
    crm.amo.leads[LEAD_ID] = closed_lead()
    assert await crm.post(STATUS_BODY) == 200
    assert await crm.process() == 1
    deal = await crm.deal()
    requester = await join(crm.telegram, crm.owner, "заявитель", REQUESTER_ID, "Маша")
    accountant = await join(crm.telegram, crm.owner, "бухгалтер", ACCOUNTANT_ID, "Анна")
    desk = Firm(crm.context, crm.bot, crm.telegram, crm.clock, crm.owner)
    desk.people["requester"] = requester
    request = await desk.submitted(what_for="Фасады для кухни", deal_id=deal.id)

    # The owner approves it from the notice (nobody named: the owner's), the accountant pays.
    await desk.deliver()
    await crm.owner.open_deep_link(opened_by(crm.owner.last_message()))
    assert "Сделка: «Кухня Ивановых», договор" in said(crm.owner)
    await crm.owner.tap("✅ Согласовать")
    await accountant.open_deep_link(await desk.link(request.id))
    await accountant.tap("💳 Оплачено")
    await accountant.tap("Сегодня")
    await accountant.tap(nb("Весь остаток: 12 000,00 ₽"))
    await accountant.send_document(ORDER_PDF, "пп.pdf", "application/pdf")
    assert "Оплата записана: 12 000,00 ₽" in said(accountant)

    [expense] = await desk.expenses()
    assert expense.deal_id == deal.id
    assert await crm.integration.perform_effects() > 0
    notes = [n for n in crm.amo.notes if n["entity_id"] == LEAD_ID]
    assert any(f"№{request.id}" in str(note) for note in notes), notes
