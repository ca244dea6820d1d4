"""The approver's side of payment requests end to end, through the fake Telegram: the notice's
button opens the card with the invoice; approve, reject with a reason, return with a comment,
comment; one's own request; two steps above an amount; /approve paged; forged and stale
buttons. Requests are filed through the domain's service (the form is another screen)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from bot.callbacks import RequestAction, RequestCallback
from ledger.money import Money
from ledger.storage.models import PaymentRequestRow
from tests.e2e.conftest import button_data
from tests.e2e.personas import invite_token
from tests.e2e.requests_desk import APPROVER_ID, Firm, firm, opened_by, said
from tests.fakes.telegram_user import FakeUser

__all__ = ["firm"]

CARD_BUTTONS = ["✅ Согласовать", "✖ Отклонить", "↩️ На доработку", "⬇️ Счёт", "💬 Комментарий"]


async def status_of(firm: Firm, request_id: int) -> str:
    async with firm.context.database.read() as session:
        row = await session.get(PaymentRequestRow, request_id)
        return row.status


async def opened_from_notice(firm: Firm, approver: FakeUser) -> None:
    """The approver taps «Открыть заявку» on the newest notice."""
    await firm.deliver()
    notice = [m for m in firm.telegram.chat(approver.id) if any("url" in b for b in m.buttons)]
    await approver.open_deep_link(opened_by(notice[-1]))


async def test_the_notice_opens_the_card_with_the_invoice_and_approving_tells_everyone(
    firm: Firm,
) -> None:
    approver = await firm.approver()
    accountant = await firm.accountant()
    requester = await firm.requester()
    request = await firm.submitted()

    await opened_from_notice(firm, approver)

    chat = firm.telegram.chat(approver.id)
    invoice, card = chat[-2], chat[-1]
    assert invoice.document is not None
    assert invoice.body == f"📎 Счёт к заявке №{request.id}"
    assert firm.telegram._files[invoice.document["file_id"]].data.startswith(b"%PDF")
    text = said(approver)
    for detail in (
        f"Заявка №{request.id} «Баннеры на ноябрь»",
        "на согласовании (ждёт: Глеб)",
        "Заявитель: Маша, подана 23.11.2026 12:00",
        "Контрагент: ООО «Ромашка»",
        "ИНН 7707083893, КПП 773601001",
        "Банк: ПАО Сбербанк, БИК 044525225",
        "Р/с: 40702810938000012345",
        "К/с: 30101810400000000225",
        "Сумма: 12 000,00 ₽",
        "Оплатить до: 26.11.2026",
        "Назначение: Оплата по счёту №17 от 20.11.2026",
        "НДС: в т.ч. 2 000,00 ₽",
        "Категория: Маркетинг",
        "Салон, город: Центральный, Казань",
        "Счёт: 📎 счёт 17.pdf",
        "Ссылка на заявку",
    ):
        assert detail in text, detail
    assert approver.buttons() == CARD_BUTTONS
    assert len(card.body) < 4096

    await approver.tap("✅ Согласовать")
    assert f"✅ Заявка №{request.id} «Баннеры на ноябрь» согласована" in said(approver)
    assert "согласована, к оплате" in said(approver)
    assert "✅ согласовал(а) Глеб" in said(approver)
    assert "✅ Согласовать" not in approver.buttons()
    assert await status_of(firm, request.id) == "approved"

    await firm.deliver()
    assert f"К оплате: заявка №{request.id}" in said(accountant)
    assert "Одобрил(а) Глеб" in said(accountant)
    assert f"Заявка №{request.id} «Баннеры на ноябрь» одобрена (Глеб)" in said(requester)


async def test_rejecting_asks_the_reason_and_returning_asks_what_to_fix(firm: Firm) -> None:
    approver = await firm.approver()
    requester = await firm.requester()
    first = await firm.submitted(what_for="Листовки")
    second = await firm.submitted(what_for="Визитки")

    await approver.open_deep_link(await firm.link(first.id))
    await approver.tap("✖ Отклонить")
    assert f"Почему отклоняете заявку №{first.id} «Листовки»?" in said(approver)
    assert approver.buttons() == ["← К заявке"]
    await approver.send("   ")
    assert "Напишите причину: без неё не отклонить и не вернуть." in said(approver)
    assert "Почему отклоняете" in said(approver)
    assert await status_of(firm, first.id) == "submitted"
    await approver.send("Дорого, есть дешевле")
    assert f"✖ Заявка №{first.id} «Листовки» отклонена" in said(approver)
    assert "✖ отклонил(а) Глеб, 23.11.2026 12:00: «Дорого, есть дешевле»" in said(approver)
    assert await status_of(firm, first.id) == "rejected"

    await approver.open_deep_link(await firm.link(second.id))
    await approver.tap("↩️ На доработку")
    assert "Что исправить в заявке" in said(approver)
    await approver.tap("← К заявке")  # changed their mind: the card again, nothing done
    assert "✅ Согласовать" in approver.buttons()
    await approver.send("Счёт на другое юрлицо")  # no question open: not taken as a comment
    assert await status_of(firm, second.id) == "submitted"
    await approver.tap("↩️ На доработку")
    await approver.send("Нужен счёт с КПП филиала")
    assert "возвращена на доработку" in said(approver)
    assert await status_of(firm, second.id) == "returned"

    await firm.deliver()
    told = [m.body for m in firm.telegram.chat(requester.id)]
    assert any("отклонена (Глеб): «Дорого, есть дешевле»" in body for body in told)
    assert any(
        "возвращена на доработку (Глеб): «Нужен счёт с КПП филиала»" in body for body in told
    )


async def test_a_comment_joins_the_thread_on_the_card(firm: Firm) -> None:
    approver = await firm.approver()
    request = await firm.submitted()

    await approver.open_deep_link(await firm.link(request.id))
    await approver.tap("💬 Комментарий")
    assert "Напишите комментарий к заявке" in said(approver)
    await approver.send_photo(b"\xff\xd8\xff" + b"0" * 50)
    assert "Напишите ответ текстом" in said(approver)
    await approver.send("Уточните, входит ли доставка")
    assert "💬 Комментарий добавлен." in said(approver)
    assert "Комментарии (1)" in said(approver)
    assert "Глеб, 23.11.2026 12:00: Уточните, входит ли доставка" in said(approver)


async def test_ones_own_request_is_not_approved_by_oneself(firm: Firm) -> None:
    await firm.approver()  # the mappings' approver: the owner's request is theirs
    request = await firm.submitted(firm.owner)

    owner = firm.owner
    await owner.open_deep_link(await firm.link(request.id))
    assert "Это ваша заявка: согласовать свою нельзя" in said(owner)
    assert "✅ Согласовать" not in owner.buttons()

    card = owner.last_message()
    forged = RequestCallback(
        action=RequestAction.APPROVE, request_id=request.id, version=request.version
    ).pack()
    await owner.tap_data(forged, message_id=card.message_id)
    assert owner.answers()[-1].startswith("Свою заявку одобрить нельзя")
    assert await status_of(firm, request.id) == "submitted"


async def test_above_the_amount_the_first_approval_sends_it_to_the_second_approver(
    firm: Firm,
) -> None:
    approver, second = await firm.approver(), await firm.second_approver()
    request = await firm.submitted(amount=Money(Decimal("150000")))

    await opened_from_notice(firm, approver)
    assert "шаг 1 из 2, ждёт: Глеб" in said(approver)
    await approver.tap("✅ Согласовать")
    answer = said(approver)
    assert "✅ Шаг 1 из 2 согласован. Заявка ушла следующему согласующему: Вера." in answer
    assert "шаг 2 из 2, ждёт: Вера" in answer
    assert "✅ Согласовать" not in approver.buttons()
    assert await status_of(firm, request.id) == "submitted"

    await firm.deliver()
    assert "(шаг 2 из 2)" in said(second)
    await second.send("/approve")
    assert f"№{request.id} «Баннеры на ноябрь»" in said(second)
    await second.tap("📄 1")
    await second.tap("✅ Согласовать")
    assert "согласована — бухгалтер получил её к оплате" in said(second)
    assert "шаг 1: ✅ согласовал(а) Глеб" in said(second)
    assert "шаг 2: ✅ согласовал(а) Вера" in said(second)
    assert await status_of(firm, request.id) == "approved"


async def test_approve_lists_what_waits_for_this_person_in_pages(firm: Firm) -> None:
    approver = await firm.approver()
    ids = [(await firm.submitted(what_for=f"Закупка {n}")).id for n in range(1, 13)]

    await approver.send("/approve")
    first = said(approver)
    assert "Ждут вашего решения: 12, на сумму 144 000,00 ₽" in first
    assert "Закупка 10" in first
    assert "Закупка 11" not in first
    assert "Страница 1 из 2" in first
    assert approver.buttons()[-1] == "2 ▶"
    await approver.tap("2 ▶")
    assert "11. " in said(approver)
    assert "Закупка 12" in said(approver)
    assert "Страница 2 из 2" in said(approver)
    await approver.tap("📄 12")
    assert f"Заявка №{ids[11]} «Закупка 12»" in said(approver)

    # Nothing waits for the second step's approver, nor for the accountant's role at all.
    second = await firm.second_approver()
    await second.send("/approve")
    assert "Заявок, которые ждут вашего решения, нет." in said(second)
    accountant = await firm.accountant()
    await accountant.send("/approve")
    assert "недоступно для вашей роли" in said(accountant)


async def test_forged_and_stale_decisions_change_nothing(firm: Firm) -> None:
    approver, second = await firm.approver(), await firm.second_approver()
    request = await firm.submitted()
    await approver.open_deep_link(await firm.link(request.id))
    card = approver.last_message()
    approve = button_data(card, "✅ Согласовать")
    reject = button_data(card, "✖ Отклонить")

    # Someone who does not approve this step, a request that does not exist, a stranger's role.
    await second.send("/help")
    await second.tap_data(approve, message_id=second.last_message().message_id)
    assert "ничего не изменено" in second.answers()[-1]
    missing = RequestCallback(action=RequestAction.APPROVE, request_id=999_999).pack()
    await approver.tap_data(missing, message_id=card.message_id)
    assert approver.answers()[-1]
    requester = await firm.requester()
    await requester.send("/help")
    await requester.tap_data(approve, message_id=requester.last_message().message_id)
    assert "недоступно" in requester.answers()[-1]
    assert await status_of(firm, request.id) == "submitted"

    # Approved; then the card's old buttons: the winner is named, no reason is asked.
    await approver.tap("✅ Согласовать")
    await approver.tap_data(approve, message_id=card.message_id)
    moved = "Заявку уже изменили: теперь она «одобрена» (Глеб, 23.11.2026 12:00)."
    assert approver.answers()[-1].startswith(moved)
    await approver.tap_data(reject, message_id=card.message_id)
    assert approver.answers()[-1].startswith(moved)
    assert "Почему отклоняете" not in said(approver)
    async with firm.context.database.read() as session:
        row = (
            await session.execute(
                select(PaymentRequestRow).where(PaymentRequestRow.id == request.id)
            )
        ).scalar_one()
    assert row.status == "approved"


async def test_help_tells_the_approver_the_accountant_and_the_owner_their_part(
    firm: Firm,
) -> None:
    approver, accountant = await firm.approver(), await firm.accountant()

    await approver.send("/help")
    assert "/approve — заявки на оплату, которые ждут вашего решения" in said(approver)
    assert "/registry" not in said(approver)
    assert "появятся" not in said(approver)
    await accountant.send("/help")
    assert "/registry — реестр согласованных заявок" in said(accountant)
    assert "Каждое утро пришлю, что оплатить сегодня" in said(accountant)
    assert "/approve" not in said(accountant)
    await firm.owner.send("/help")
    for line in ("/approve — ", "/registry — ", "О просроченных заявках сообщу отдельно."):
        assert line in said(firm.owner), line
    assert len(firm.owner.last_message().body) < 4096


async def test_the_longest_request_with_a_long_thread_still_fits_one_message(
    firm: Firm,
) -> None:
    approver = await firm.approver()
    request = await firm.submitted(what_for="Я" * 500)
    actor = await firm.actor(approver)
    async with firm.context.database.unit_of_work() as uow:
        services = firm.context.services(uow)
        for n in range(8):
            await services.requests.comment(actor, request.id, f"{n} " + "слово " * 330)

    await approver.open_deep_link(await firm.link(request.id))

    card = approver.last_message()
    assert len(card.body.encode("utf-16-le")) // 2 <= 4096
    assert "Комментарии (8)" in card.body
    assert approver.buttons() == CARD_BUTTONS


async def test_an_english_speaking_approver_decides_in_english(firm: Firm) -> None:
    paul = firm.telegram.user(APPROVER_ID, "Paul", language_code="en")
    await paul.open_deep_link(await invite_token(firm.owner, "согласующий"))
    request = await firm.submitted()

    await opened_from_notice(firm, paul)
    text = said(paul)
    assert f"Request No. {request.id} “Баннеры на ноябрь”" in text
    assert "Status: ⏳ awaiting approval (waiting for: Paul)" in text
    assert "Counterparty: ООО «Ромашка»" in text
    assert "Pay by: 26.11.2026" in text
    assert paul.buttons()[:3] == ["✅ Approve", "✖ Reject", "↩️ Return for rework"]
    await paul.tap("✖ Reject")
    assert "Why are you rejecting request" in said(paul)
    await paul.send("Too expensive")
    assert "rejected — the requester was sent the reason" in said(paul)
