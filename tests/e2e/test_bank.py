"""The accountant's /bank end to end: a deal closed in the fake amoCRM with its payments by
bank transfer, confirmed through the fake Telegram in parts, written back to the fake CRM by
the outbox worker; and what /bank refuses.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from bot.callbacks import BankAction, BankCallback
from ledger.storage.models import EntryRow, ExpectedPaymentRow
from tests.e2e import test_amocrm_deals as amocrm_deals
from tests.e2e.conftest import button_data
from tests.e2e.personas import ACCOUNTANT_ID, join
from tests.e2e.test_amocrm_deals import LEAD_ID, STATUS_BODY, Crm, closed_lead
from tests.fakes import amocrm_deals as account
from tests.fakes.telegram_user import FakeUser

# The app with amoCRM on, and the fake amoCRM, as the deals' tests have them.
amo = amocrm_deals.amo
crm = amocrm_deals.crm
PAID_STATUS = 142  # the mapping's default paid_status: "won"


async def bank_deal(crm: Crm) -> FakeUser:
    """A deal of 150 000 ₽ closed with a 50 000 ₽ prepayment, both by bank transfer, and
    Анна the accountant."""
    crm.amo.leads[LEAD_ID] = closed_lead(price=150_000, prepayment="50000", pay_type="Безнал")
    assert await crm.post(STATUS_BODY) == 200
    assert await crm.process() == 1
    return await join(
        crm.telegram, crm.owner, "бухгалтер", ACCOUNTANT_ID, "Анна", username="accountant_anna"
    )


def said(person: FakeUser) -> str:
    """The bot's last message to `person`, its no-break spaces (in amounts) as spaces."""
    return person.last_message().body.replace("\xa0", " ")


def paid_field(crm: Crm) -> Any:
    lead = crm.amo.leads[LEAD_ID]
    [paid] = [f for f in lead["custom_fields_values"] if f["field_id"] == account.PAID_FIELD]
    return paid["values"][0]["value"]


async def income_total(crm: Crm) -> int:
    async with crm.context.database.read() as session:
        query = select(func.coalesce(func.sum(EntryRow.amount_minor), 0))
        return (await session.execute(query)).scalar_one()


async def test_the_remainder_by_bank_transfer_confirmed_in_two_parts_pays_the_deal(crm: Crm):
    accountant = await bank_deal(crm)

    await accountant.send("/help")
    assert "/bank" in said(accountant)
    assert "появятся" not in said(accountant)

    await accountant.send("/bank")
    listing = said(accountant)
    assert "На расчётный счёт" in listing
    assert listing.index("Предоплата") < listing.index("Остаток")

    # The prepayment, whole, today.
    await accountant.tap("✓ 1: поступило")
    assert "Когда деньги поступили?" in said(accountant)
    await accountant.tap("Сегодня")
    assert "/cancel" in said(accountant)
    await accountant.tap("Вся сумма")
    assert "✅ Подтверждено 50 000,00 ₽" in said(accountant)

    # The remainder: 40 000 yesterday, after what /bank refuses.
    await accountant.send("/bank")
    assert "Предоплата" not in said(accountant)
    await accountant.tap("✓ 1: поступило")
    await accountant.tap("Вчера")
    for bad, says in (
        ("сорок тысяч", "Сколько поступило?"),
        ("0", "Сколько поступило?"),
        ("200000", "по платежу осталось 100 000,00 ₽"),
    ):
        await accountant.send(bad)
        answer = said(accountant)
        assert says in answer, bad
        assert "/cancel" in answer, bad
    assert await income_total(crm) == 5_000_000
    await accountant.send("40000")
    confirmed = said(accountant)
    assert "✅ Подтверждено 40 000,00 ₽" in confirmed
    assert "22.11.2026" in confirmed
    assert "Ждём ещё 60 000,00 ₽" in confirmed

    assert await crm.integration.perform_effects() > 0
    assert float(paid_field(crm)) == 90_000
    assert crm.amo.leads[LEAD_ID]["status_id"] == account.CONFIRMED_STATUS

    # The rest, on a typed date: first a future one.
    await accountant.send("/bank")
    assert "ждём ещё 60 000,00 ₽" in said(accountant)
    await accountant.tap("✓ 1: поступило")
    await accountant.tap("Другая дата…")
    await accountant.send("25.12.2026")
    assert "Напишите дату поступления" in said(accountant)
    await accountant.send("21.11")
    assert "поступление 21.11.2026" in said(accountant)
    card = accountant.last_message()
    all_of_it = button_data(card, "Вся сумма")
    await accountant.tap("Вся сумма")
    assert "✅ Подтверждено 60 000,00 ₽" in said(accountant)

    # A double tap: one effect, the loser told who and when.
    await accountant.tap_data(all_of_it, message_id=card.message_id)
    assert accountant.answers()[-1].startswith("Уже подтверждено: Анна")
    assert await income_total(crm) == 15_000_000

    assert await crm.integration.perform_effects() > 0
    assert float(paid_field(crm)) == 150_000
    assert crm.amo.leads[LEAD_ID]["status_id"] == PAID_STATUS
    notes = [n for n in crm.amo.notes if n["entity_id"] == LEAD_ID]
    assert len(notes) == 3
    await accountant.send("/bank")
    assert "нет" in said(accountant)


async def test_not_received_needs_a_comment_and_tells_the_owner(crm: Crm):
    accountant = await bank_deal(crm)
    await accountant.send("/bank")
    await accountant.tap("✖ 1: не поступило")
    assert "/cancel" in said(accountant)

    await accountant.send("   ")
    answer = said(accountant)
    assert "без комментария не отметить" in answer
    assert "/cancel" in answer
    await accountant.send("Выписка за 23.11 пустая, клиент обещал завтра")
    assert "Отмечено «не поступило»" in said(accountant)

    assert await crm.deliver_notifications() >= 1
    told = said(crm.owner)
    assert "клиент обещал завтра" in told
    await accountant.send("/bank")
    assert "не поступило: Выписка за 23.11" in said(accountant)
    assert await income_total(crm) == 0


async def test_forged_buttons_change_nothing(crm: Crm, manager: FakeUser):
    accountant = await bank_deal(crm)
    await accountant.send("/bank")
    shown = accountant.last_message()
    payments = await crm.payments()
    rest = payments["Остаток"]
    forged = BankCallback(
        action=BankAction.ALL, payment_id=rest.id, version=rest.version, day=738000
    ).pack()

    # Another role: a manager never confirms.
    await manager.send("/help")
    await manager.tap_data(forged, message_id=manager.last_message().message_id)
    # A payment that does not exist; a date no calendar holds; a future date.
    missing = BankCallback(action=BankAction.OPEN, payment_id=999_999, version=1).pack()
    await accountant.tap_data(missing, message_id=shown.message_id)
    bad_day = BankCallback(
        action=BankAction.ALL, payment_id=rest.id, version=rest.version, day=10**12
    ).pack()
    await accountant.tap_data(bad_day, message_id=shown.message_id)
    tomorrow = crm.clock.today().toordinal() + 1
    future = BankCallback(
        action=BankAction.ALL, payment_id=rest.id, version=rest.version, day=tomorrow
    ).pack()
    await accountant.tap_data(future, message_id=shown.message_id)
    assert "будущем" in accountant.answers()[-1], accountant.answers()
    # A button for a version that is no more.
    stale = BankCallback(
        action=BankAction.OPEN, payment_id=rest.id, version=rest.version + 5
    ).pack()
    await accountant.tap_data(stale, message_id=shown.message_id)
    assert "изменился" in accountant.answers()[-1]

    assert len(accountant.answers()) == 4
    assert all(accountant.answers())
    assert await income_total(crm) == 0
    async with crm.context.database.read() as session:
        statuses = set(await session.scalars(select(ExpectedPaymentRow.status)))
    assert statuses == {"expected"}


async def test_the_owner_undoes_a_confirmation_with_two_taps_once(crm: Crm):
    accountant = await bank_deal(crm)
    await accountant.send("/bank")
    await accountant.tap("✓ 1: поступило")
    await accountant.tap("Сегодня")
    await accountant.tap("Вся сумма")
    assert await income_total(crm) == 5_000_000
    # The accountant has no undo.
    assert "↩ Отменить подтверждение…" not in accountant.buttons()

    owner = crm.owner
    await owner.send("/bank")
    await owner.tap("↩ Отменить подтверждение…")
    assert "Анна" in said(owner)
    await owner.tap("↩ 1")
    assert "Отменить подтверждение 50 000,00 ₽" in said(owner)
    question = owner.last_message()
    yes = button_data(question, "Да, отменить")
    await owner.tap("Да, отменить")
    assert "снова ждём" in said(owner)
    await owner.tap_data(yes, message_id=question.message_id)
    assert owner.answers()[-1].startswith("Уже отменено")

    assert await income_total(crm) == 0  # the income and its reversal
    payments = await crm.payments()
    assert payments["Предоплата"].status == "expected"
    assert await crm.integration.perform_effects() > 0
    notes = [n for n in crm.amo.notes if n["entity_id"] == LEAD_ID]
    assert len(notes) == 2
    assert float(paid_field(crm)) == 0
