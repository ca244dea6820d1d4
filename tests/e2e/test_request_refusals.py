"""What the requester's form refuses, through the real bot: each detail that fails its check
(named, with why), a date past, an amount that is no amount, files too big, of another type
or pretending to be PDFs, forged and stale buttons, a second tap, filing links that are
expired, forged or revoked, or opened by someone who files no requests. Each is answered and
changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.callbacks import FormAction, FormCallback
from ledger.notices import RequestSubmitted
from ledger.storage.models import PaymentRequestRow
from tests import invoices_factory as made
from tests.e2e.conftest import Running, button_data
from tests.e2e.test_request_form import (
    filed_by_link,
    filing_link,
    marketer,
    notices,
    requests,
    said,
)
from tests.fakes.telegram_user import FakeUser

TBANK_ACCOUNT = "40802810500007432200"  # keyed to АО «ТБанк»'s БИК, not to Сбербанк's


async def count_requests(kopeyka: Running) -> int:
    return await kopeyka.scalar(select(func.count(PaymentRequestRow.id)))


@pytest.mark.parametrize(
    ("button", "before", "typed", "answer"),
    [
        ("✏️ Получатель", [], "7707083894", "ИНН не проходит проверку контрольных цифр"),
        ("✏️ Получатель", [], "77070838", "ИНН — 10 цифр у организации или 12 у ИП"),
        ("✏️ Получатель", ["7707083893", "ООО «Ромашка»"], "7736Я1001", "КПП не по формату"),
        ("✏️ Реквизиты", [], "144525225", "БИК российского банка начинается с 04"),
        ("✏️ Реквизиты", ["044525225"], "4070281093800001234", "р/с — 20 цифр"),
        ("✏️ Реквизиты", ["044525225"], TBANK_ACCOUNT, "Р/с не подходит к этому БИК"),
        (
            "✏️ Реквизиты",
            ["044525225", "40702810938000012345"],
            "30101810145250000974",
            "К/с другого банка",
        ),
        ("✏️ Оплатить до", [], "01.11.2026", "Эта дата уже прошла"),
        ("✏️ Оплатить до", [], "31.02", "Такого дня нет в календаре"),
        ("✏️ Сумма", [], "пять тысяч", "Это не сумма"),
        ("✏️ Сумма", [], "-500", "без минуса"),
        ("✏️ НДС", [], "20000", "НДС должен быть больше нуля и меньше суммы платежа"),
    ],
)
async def test_a_wrong_answer_is_named_with_why_and_changes_nothing(
    kopeyka: Running, button: str, before: list[str], typed: str, answer: str
) -> None:
    masha = await marketer(kopeyka)
    await masha.send("/request 15000 баннеры")
    await masha.tap(button)
    for text in before:
        await masha.send(text)
    card = masha.last_message()
    [row] = await requests(kopeyka)

    await masha.send(typed)

    refusal = said(masha)
    assert answer in refusal
    assert "Ничего не изменено" in refusal
    [after] = await requests(kopeyka)
    assert after.version == row.version
    assert masha.tg.chat(masha.id)[-2].message_id == card.message_id  # the card, untouched
    assert kopeyka.telegram.chat(masha.id)[-2].body == card.body


@pytest.mark.parametrize(
    ("content", "name", "mime", "answer"),
    [
        (b"MZ\x90\x00 a program", "setup.exe", "application/x-msdownload", "не подойдёт как счёт"),
        (b"PK\x03\x04 an archive", "счёт.zip", "application/zip", "не подойдёт как счёт"),
        (b"<html>not a pdf</html>", "счёт.pdf", "application/pdf", "назван PDF, но это не PDF"),
        (b"%PDF-1.7\nbroken beyond repair", "счёт.pdf", "application/pdf", "Файл повреждён"),
    ],
)
async def test_a_file_that_is_no_invoice_is_refused_and_starts_nothing(
    kopeyka: Running, content: bytes, name: str, mime: str, answer: str
) -> None:
    masha = await marketer(kopeyka)

    await masha.send_document(content, name, mime)

    assert answer in said(masha)
    assert "Ничего не изменено" in said(masha)
    assert await count_requests(kopeyka) == 0


async def test_an_invoice_too_big_to_download_is_refused_before_it_is_fetched(
    kopeyka: Running,
) -> None:
    masha = await marketer(kopeyka)
    update = masha.document_update(made.classic_1c().data, "счёт.pdf", "application/pdf")
    update["message"]["document"]["file_size"] = 25 * 1024 * 1024

    await kopeyka.telegram.deliver(update)
    await kopeyka.telegram.wait_handled(update["update_id"])

    assert "Файл больше 20 МБ" in said(masha)
    assert await count_requests(kopeyka) == 0
    assert kopeyka.telegram.calls_of("getFile") == []


async def test_a_wrong_file_sent_while_filling_leaves_the_draft_as_it_was(
    kopeyka: Running,
) -> None:
    masha = await marketer(kopeyka)
    await masha.send("/request 15000 баннеры")
    [before] = await requests(kopeyka)

    await masha.send_document(b"<html></html>", "счёт.pdf", "application/pdf")

    assert "назван PDF, но это не PDF" in said(masha)
    [after] = await requests(kopeyka)
    assert (after.version, after.invoice_file_id) == (before.version, None)


async def test_a_card_drawn_before_a_change_is_refused(kopeyka: Running) -> None:
    masha = await marketer(kopeyka)
    await masha.send("/request 15000")
    card = masha.last_message()
    stale = button_data(card, "✏️ Сумма")
    await masha.send("Баннеры")  # the request changes: a new version

    await masha.tap_data(stale, message_id=card.message_id)

    assert "Заявку уже изменили: теперь она «черновик» (Маша" in masha.answers()[-1]


async def test_a_second_tap_on_send_is_told_it_went_and_sends_once(kopeyka: Running) -> None:
    token = await filing_link(kopeyka.owner)
    masha = await marketer(kopeyka)
    await masha.open_deep_link(token)
    await masha.send_document(made.classic_1c(qr=2).data, "счёт.pdf", "application/pdf")
    await masha.tap("✅ Всё верно")
    await masha.send("Баннеры на ноябрь")
    await masha.tap("Завтра")
    card = masha.last_message()
    send = button_data(card, "📤 Отправить на согласование")

    await masha.tap_data(send, message_id=card.message_id)
    await masha.tap_data(send, message_id=card.message_id)

    assert "теперь она «на согласовании» (Маша" in masha.answers()[-1]
    submitted = [n for n in await notices(kopeyka) if isinstance(n.facts, RequestSubmitted)]
    assert len(submitted) == 1


async def test_someone_elses_form_and_forged_buttons_are_refused(kopeyka: Running) -> None:
    masha = await marketer(kopeyka)
    await masha.send("/request 15000 баннеры")
    mine = button_data(masha.last_message(), "✏️ Сумма")
    denis = await _requester(kopeyka, 7770031, "Денис")
    await denis.send("/help")
    here = denis.last_message().message_id

    await denis.tap_data(mine, message_id=here)
    assert "принадлежит другому человеку" in denis.answers()[-1]

    [row] = await requests(kopeyka)
    forged = FormCallback(request_id=1, version=row.version, action=FormAction.ASK, value=99)
    await masha.tap_data(forged.pack(), message_id=masha.last_message().message_id)
    assert "Кнопка не распознана" in masha.answers()[-1]
    forged = FormCallback(request_id=1, version=row.version, action=FormAction.DATE, value=-5)
    await masha.tap_data(forged.pack(), message_id=masha.last_message().message_id)
    assert "Кнопка не распознана" in masha.answers()[-1]
    await masha.tap_data("rf:1:0:zz:0", message_id=masha.last_message().message_id)
    assert "Кнопка не распознана" in masha.answers()[-1]
    [row] = await requests(kopeyka)
    assert row.amount_minor == 1_500_000


async def _requester(kopeyka: Running, user_id: int, name: str) -> FakeUser:
    from tests.e2e.personas import join

    return await join(kopeyka.telegram, kopeyka.owner, "заявитель", user_id, name)


async def test_filing_links_refuse_who_files_nothing_and_links_expired_forged_or_revoked(
    kopeyka: Running, accountant: FakeUser
) -> None:
    token = await filing_link(kopeyka.owner)

    await accountant.open_deep_link(token)
    assert "Заявки на оплату подают заявители, менеджеры и владелец" in said(accountant)
    stranger = kopeyka.telegram.user(7770099, "Незнакомец")
    await stranger.open_deep_link(token)
    assert "доступа у вас пока нет" in said(stranger)
    masha = await marketer(kopeyka)
    await masha.open_deep_link(token[:-2] + ("aa" if not token.endswith("aa") else "bb"))
    assert "Ссылка недействительна" in said(masha)

    await kopeyka.owner.send("/reqlinks")
    await kopeyka.owner.tap("🗑 Отозвать 1")
    await kopeyka.owner.tap("Да, отозвать ссылку")
    assert "Действующих ссылок нет" in said(kopeyka.owner)
    await masha.open_deep_link(token)
    assert "Эту ссылку владелец отозвал" in said(masha)
    assert await count_requests(kopeyka) == 0

    fresh = await filing_link(kopeyka.owner, "Маркетинг-2")
    kopeyka.context.clock.advance(timedelta(days=91))
    await masha.open_deep_link(fresh)
    assert "Срок действия ссылки истёк" in said(masha)
    assert await count_requests(kopeyka) == 0


async def test_a_contract_no_deal_has_is_answered(kopeyka: Running) -> None:
    masha = await marketer(kopeyka)
    await masha.send("/request 15000 баннеры")
    await masha.tap("✏️ Сделка или категория")
    await masha.tap("📄 Сделка по номеру договора")

    await masha.send("Д-404")

    assert "Сделку с договором «Д-404» не нашёл" in said(masha)


async def test_a_request_sent_is_read_only_in_its_card(kopeyka: Running) -> None:
    masha = await filed_by_link(kopeyka)
    await masha.send("/requests")
    await masha.tap("№1")

    assert "Заявка №1 — на согласовании" in said(masha)
    assert "✏️ Сумма" not in masha.buttons()
    assert "✏️ Исправить и отправить снова" not in masha.buttons()
    await masha.send("/request")  # no draft to continue: a new one
    assert "Заявка №2 — черновик" in said(masha)
