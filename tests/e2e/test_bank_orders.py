"""Payment orders out to the bank end to end: from /registry the accountant ticks approved
requests, or takes everything due today, and gets one 1C file, read back here by our own
reader with its sums checked; the requests show they went to the bank; the next statement
carrying those debits marks them paid. And what is refused: a role that does not pay, a
forged tick, nothing ticked."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.callbacks import OrdersAction, OrdersCallback
from ledger.clock import FrozenClock
from ledger.statements import Refused, read_payment_orders
from tests.e2e.conftest import OWNER_ID, REPO, make_settings, start_app
from tests.e2e.requests_desk import Firm, requests_mappings, said
from tests.e2e.test_request_registry import TODAY, rub, status_of
from tests.e2e.test_statements import debit, statement_file
from tests.fakes.telegram import FakeTelegram
from tests.fakes.telegram_user import FakeUser
from tests.statements_factory import Counterparty

COMPANY_ACCOUNT = "40702810200000000001"
COMPANY = f"""[company]
name = 'ООО "Копейка"'
inn = "7736050003"
kpp = "773601001"
account = "{COMPANY_ACCOUNT}"
bik = "044525225"
bank = "ПАО Сбербанк"
bank_city = "г. Москва"
corr_account = "30101810400000000225"
"""
# The payee the requests of `Firm` name, as the bank's statement names it.
ROMASHKA = Counterparty("ООО «Ромашка»", "7707083893", "773601001", "40702810938000012345")


@pytest.fixture
async def bank(
    telegram: FakeTelegram,
    engine: AsyncEngine,
    database_url: str,
    clock: FrozenClock,
    tmp_path: Path,
) -> AsyncIterator[Firm]:
    """The firm of the registry's tests, with our company's details for payment orders."""
    base = tmp_path / "base.toml"
    text = (REPO / "config" / "mappings.toml").read_text()
    base.write_text(re.sub(r"(?m)^\[company\].*$", COMPANY, text))
    settings = make_settings(telegram, database_url, tmp_path)
    settings = settings.model_copy(update={"mappings_file": requests_mappings(tmp_path, base)})
    async with start_app("polling", telegram, settings, engine, clock) as (context, _, bot):
        owner = telegram.user(OWNER_ID, "Ольга", username="owner_olga")
        yield Firm(context, bot, telegram, clock, owner)


async def test_approved_requests_go_to_the_bank_as_one_file_and_come_back_paid(
    bank: Firm,
) -> None:
    accountant = await bank.accountant()
    printing = await bank.approved(what_for="Печать", amount=rub("12000"), pay_by=TODAY)
    delivery = await bank.approved(what_for="Доставка", amount=rub("3000.50"), pay_by=TODAY)
    later = await bank.approved(
        what_for="Сервер", amount=rub("7000"), pay_by=TODAY + timedelta(days=6)
    )

    await accountant.send("/registry")
    await accountant.tap("🏦 Платёжки в банк")
    card = accountant.last_message()
    shown = said(accountant)
    assert "к оплате и не отправлено — 3" in shown
    assert f"⬜ 3. №{later.id} «Сервер» — ООО «Ромашка» — 7 000,00 ₽ — до 29.11.2026" in shown
    assert "🏦 Всё к оплате сегодня (2)" in accountant.buttons()

    # One ticked, in a file of its own.
    await accountant.tap("⬜ 3")
    assert "☑️ 3" in accountant.buttons()
    assert "Выбрано: 1" in said(accountant, card.message_id)
    await accountant.tap("📄 Сформировать файл (1)")
    sent = accountant.last_message()
    assert sent.upload is not None
    assert sent.upload.filename == "1c_to_kl.txt"
    assert "Платёжек" not in sent.body
    assert "1 платёжка на 7 000,00 ₽" in sent.body.replace("\xa0", " ")
    orders = read_payment_orders(sent.upload.data)
    assert not isinstance(orders, Refused)
    assert [(o.number, o.amount) for o in orders.orders] == [("1", rub("7000"))]
    assert orders.orders[0].payee.inn == ROMASHKA.inn
    assert orders.orders[0].payer.account == COMPANY_ACCOUNT
    assert f"п/п №1 — ООО «Ромашка» — 7 000,00 ₽ (заявка №{later.id})" in said(
        accountant, card.message_id
    )

    # Everything due today, in one more file.
    await accountant.tap("🏦 Платёжки в банк")
    assert "к оплате и не отправлено — 2" in said(accountant, card.message_id)
    await accountant.tap("🏦 Всё к оплате сегодня (2)")
    sent = accountant.last_message()
    assert sent.upload is not None
    orders = read_payment_orders(sent.upload.data)
    assert not isinstance(orders, Refused)
    assert orders.total == rub("15000.50")
    assert sorted((o.number, o.amount) for o in orders.orders) == [
        ("2", rub("12000")),
        ("3", rub("3000.50")),
    ]
    assert all("НДС" in o.purpose for o in orders.orders)

    # The requests say where they are.
    await accountant.open_deep_link(await bank.link(printing.id))
    assert "🏦 Платёжка №2 от 23.11.2026 отправлена в банк" in said(accountant)
    await accountant.send("/registry")
    await accountant.tap("📅 Сегодня · 2")
    assert said(accountant).count("🏦 в банке") == 2
    await accountant.tap("← Реестр")
    await accountant.tap("🏦 Платёжки в банк")
    assert "Отправлять нечего" in said(accountant)

    # The bank's statement carries the three debits: the requests are paid.
    bank.clock.advance(timedelta(days=1))
    data = statement_file(
        debit("7000", "Оплата по счёту", ROMASHKA, number="1", on=TODAY, account=COMPANY_ACCOUNT),
        debit("12000", "Оплата", ROMASHKA, number="2", on=TODAY, account=COMPANY_ACCOUNT),
        debit("3000.50", "Оплата", ROMASHKA, number="3", on=TODAY, account=COMPANY_ACCOUNT),
    )
    await accountant.send_document(data, "kl_to_1c.txt", "text/plain")
    shown = said(accountant)
    assert "🏦 Оплачены 3 заявки по нашим платёжкам" in shown
    assert "☑️ Уже решено: 3" in shown
    for request in (printing, delivery, later):
        assert await status_of(bank, request.id) == "paid"
    assert len(await bank.expenses()) == 3


async def test_what_the_bank_orders_screen_refuses(bank: Firm) -> None:
    accountant = await bank.accountant()
    requester = await bank.requester()
    await bank.approved(what_for="Печать", amount=rub("12000"), pay_by=TODAY)
    await bank.deliver()

    # Someone who does not pay: refused at the tap.
    listing = OrdersCallback(action=OrdersAction.LIST).pack()
    await requester.tap_data(listing, message_id=opened_by_message(requester))
    assert requester.answers()[-1] == "Это действие недоступно для вашей роли."

    await accountant.send("/registry")
    await accountant.tap("🏦 Платёжки в банк")
    card = accountant.last_message()
    # Nothing ticked; a tick of no request; a request that does not exist.
    await accountant.tap_data(
        OrdersCallback(action=OrdersAction.MAKE).pack(), message_id=card.message_id
    )
    assert accountant.answers()[-1] == "Сначала отметьте заявки."
    await accountant.tap_data(
        OrdersCallback(action=OrdersAction.TOGGLE, ident=0).pack(), message_id=card.message_id
    )
    assert accountant.answers()[-1] == "Кнопка не распознана — ничего не изменено."
    await accountant.tap_data(
        OrdersCallback(action=OrdersAction.TOGGLE, ident=987654).pack(),
        message_id=card.message_id,
    )
    await accountant.tap("📄 Сформировать файл (1)")
    assert accountant.answers()[-1] == "Запись не найдена."
    await accountant.tap("Снять выбор")
    assert "📄 Сформировать файл (1)" not in accountant.buttons()
    assert not [m for m in accountant.tg.chat(accountant.id) if m.document is not None]


def opened_by_message(person: FakeUser) -> int:
    """The id of the newest message the bot sent `person`, to tap a forged button on."""
    return person.last_message().message_id


async def test_a_debit_is_assigned_to_a_request_by_its_number(bank: Firm) -> None:
    accountant = await bank.accountant()
    request = await bank.approved(what_for="Печать", amount=rub("12000"), pay_by=TODAY)
    stranger = Counterparty("ИП Сидоров", "771234567897", None, "40802810500000000011")
    data = statement_file(debit("5000", "Оплата по счёту 9", stranger, on=TODAY))

    await accountant.send_document(data, "kl_to_1c.txt", "text/plain")
    await accountant.tap("🔍 Разобрать (1)")
    await accountant.tap("✍️ Вручную")
    await accountant.tap("📄 Заявка по номеру")
    await accountant.send("сорок два")
    assert "Нужен номер заявки" in said(accountant)
    await accountant.send(f"№{request.id}")
    assert f"№{request.id} «Печать» — ✅ согласована, к оплате — ООО «Ромашка»" in said(accountant)
    assert "осталось 12 000,00 ₽" in said(accountant)
    await accountant.tap("✅ Отнести к этой заявке")
    assert f"→ №{request.id}: Печать, ООО «Ромашка» — 5 000,00 ₽" in said(accountant)
    assert "🎉 Всё разобрано" in said(accountant)
    assert await status_of(bank, request.id) == "partly_paid"
