# ruff: noqa: F811 (the imported `crm` fixture is every test's parameter)
"""Cash from the client to the cash desk, as people do it: a closed deal with a cash
prepayment comes from amoCRM by webhook, the manager sees it in /cash and hands it over, the
cashier opens the hand-over from its notice and accepts it; the books and the CRM show it.
And what the desk refuses: forged buttons, bad links, a wrong amount, a second tap.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from app.runtime import create_scheduler
from bot.callbacks import (
    CrmLinkCallback,
    DeskAction,
    DeskCallback,
    HandOverAction,
    HandOverCallback,
)
from config.amocrm_mapping import SUCCESS_STATUS
from ledger.journal import MoneyAccount
from ledger.storage.models import EntryRow, ExpectedPaymentRow, UserRow
from tests.e2e.conftest import button_data
from tests.e2e.personas import CASHIER_ID, join
from tests.e2e.test_amocrm_deals import (  # noqa: F401 (amo, crm: the app with amoCRM on)
    LEAD_ID,
    STATUS_BODY,
    Crm,
    amo,
    closed_lead,
    crm,
)
from tests.fakes import amocrm_deals as account
from tests.fakes.telegram_user import FakeUser

PREPAYMENT = "50\u00a0000,00\u00a0₽"


async def deal_with_cash(crm: Crm) -> None:
    """The deal closed in amoCRM, 50 000 ₽ paid in cash up front, brought in by its webhook."""
    crm.amo.leads[LEAD_ID] = closed_lead(price=50_000)
    assert await crm.post(STATUS_BODY) == 200
    assert await crm.process() == 1


async def cashier_of(crm: Crm) -> FakeUser:
    return await join(
        crm.telegram, crm.owner, "кассир", CASHIER_ID, "Кира", username="cashier_kira"
    )


async def hand_over_all(manager: FakeUser) -> None:
    await manager.send("/cash")
    await manager.tap("Сдать в кассу всё")


async def handover_link(crm: Crm, cashier: FakeUser) -> str:
    """The `/start` payload of the "open" button of the hand-over's notice to the cashier."""
    await crm.deliver_notifications()
    notice = next(m for m in reversed(crm.telegram.chat(cashier.id)) if "сдаёт в кассу" in m.body)
    [url] = [b["url"] for b in notice.buttons if "url" in b]
    return url.split("?start=", 1)[1]


async def income_entries(crm: Crm) -> list[EntryRow]:
    async with crm.context.database.read() as session:
        return list(await session.scalars(select(EntryRow).where(EntryRow.kind == "income")))


async def test_cash_prepayment_goes_from_the_manager_to_the_cash_desk_and_back_to_the_crm(
    crm: Crm, manager: FakeUser
):
    cashier = await cashier_of(crm)
    await deal_with_cash(crm)

    await manager.send("/cash")
    listing = manager.last_message().body
    assert f"Наличные у вас: {PREPAYMENT}" in listing
    assert "«Кухня Ивановых, договор Д-17», «Предоплата»" in listing
    await manager.tap("Сдать в кассу всё")
    assert "отправлена в кассу" in manager.last_message().body

    token = await handover_link(crm, cashier)
    assert len(token) <= 64
    await cashier.open_deep_link(token)
    card = cashier.last_message()
    assert f"Иван сдаёт в кассу {PREPAYMENT}" in card.body
    await cashier.tap("✅ Принять всё")
    assert f"Сдача от Иван принята: {PREPAYMENT}" in cashier.last_message().body

    [income] = await income_entries(crm)
    deal = await crm.deal()
    assert (income.amount_minor, income.account, income.deal_id) == (
        5_000_000,
        MoneyAccount.CASH_DESK.value,
        deal.id,
    )
    assert (income.salon, income.city) == (deal.salon, deal.city)
    await manager.send("/cash")
    assert "нет наличных" in manager.last_message().body
    await cashier.send("/kassa")
    assert f"В кассе должно быть: {PREPAYMENT}" in cashier.last_message().body

    await crm.deliver_notifications()
    assert any("получены" in m.body for m in crm.telegram.chat(manager.id))
    await crm.integration.effects.run_until_empty()
    [note] = [n["params"]["text"] for n in crm.amo.notes_of(LEAD_ID)]
    assert note.startswith(f"Платёж {PREPAYMENT} наличными подтверждён: кассир Кира")
    fields = crm.amo.leads[LEAD_ID]["custom_fields_values"]
    [paid] = [f["values"][0]["value"] for f in fields if f["field_id"] == account.PAID_FIELD]
    assert paid == 50000
    # The deal is fully paid by it: the status moves to the mapped paid_status.
    assert crm.amo.leads[LEAD_ID]["status_id"] == SUCCESS_STATUS


async def test_the_cashier_accepts_cash_nobody_handed_over_from_pending(
    crm: Crm, manager: FakeUser
):
    cashier = await cashier_of(crm)
    await deal_with_cash(crm)

    await cashier.send("/pending")
    listing = cashier.last_message()
    assert f"Иван: {PREPAYMENT}" in listing.body
    await cashier.tap("✅ Принять всё у Иван")

    assert f"Принято {PREPAYMENT}: 1 платёж." in cashier.last_message().body
    [redrawn] = [m for m in crm.telegram.chat(cashier.id) if m.message_id == listing.message_id]
    assert "принимать нечего" in redrawn.body
    assert len(await income_entries(crm)) == 1


async def test_a_double_tap_confirms_once_and_tells_who_was_first(crm: Crm, manager: FakeUser):
    cashier = await cashier_of(crm)
    await deal_with_cash(crm)
    await cashier.send("/pending")
    listing = cashier.last_message()
    accept = next(b["callback_data"] for b in listing.buttons if b["text"].startswith("✅ 50"))

    await cashier.tap_data(accept, message_id=listing.message_id)
    await cashier.tap_data(accept, message_id=listing.message_id)

    assert len(await income_entries(crm)) == 1
    assert "Уже подтверждено: Кира" in cashier.answers()[-1]


async def test_received_less_takes_an_amount_up_to_what_was_handed_and_flags_the_rest(
    crm: Crm, manager: FakeUser
):
    cashier = await cashier_of(crm)
    await deal_with_cash(crm)
    await hand_over_all(manager)
    await cashier.open_deep_link(await handover_link(crm, cashier))
    await cashier.tap("Получено меньше")
    assert "Сколько получено на самом деле" in cashier.last_message().body

    await cashier.send("60000")
    assert "Это больше, чем сдано" in cashier.last_message().body
    assert "Сколько получено на самом деле" in cashier.last_message().body
    await cashier.send("0")
    assert "Сколько получено на самом деле" in cashier.last_message().body
    await cashier.send("много")
    assert "Сколько получено на самом деле" in cashier.last_message().body
    assert await income_entries(crm) == []

    await cashier.send("45000")
    assert "Разница 5\u00a0000,00\u00a0₽ остаётся на менеджере" in cashier.last_message().body
    [income] = await income_entries(crm)
    assert income.amount_minor == 4_500_000
    await manager.send("/cash")
    assert "Наличные у вас: 5\u00a0000,00\u00a0₽" in manager.last_message().body


async def test_a_link_is_single_use_and_a_tampered_or_foreign_one_is_refused(
    crm: Crm, manager: FakeUser
):
    cashier = await cashier_of(crm)
    await deal_with_cash(crm)
    await hand_over_all(manager)
    token = await handover_link(crm, cashier)

    await cashier.open_deep_link(token[:-2] + ("AA" if token[-2:] != "AA" else "BB"))
    assert "Ссылка недействительна" in cashier.last_message().body
    await manager.open_deep_link(token)  # not the cash desk
    assert "Сдача" not in manager.last_message().body
    await cashier.open_deep_link(token)
    assert "сдаёт в кассу" in cashier.last_message().body
    await cashier.open_deep_link(token)
    assert "Эта ссылка уже использована" in cashier.last_message().body


async def test_an_expired_link_is_refused(crm: Crm, manager: FakeUser):
    cashier = await cashier_of(crm)
    await deal_with_cash(crm)
    await hand_over_all(manager)
    token = await handover_link(crm, cashier)
    crm.clock.advance(timedelta(days=4))

    await cashier.open_deep_link(token)

    assert "Срок действия ссылки истёк" in cashier.last_message().body


async def test_forged_buttons_change_nothing(crm: Crm, manager: FakeUser):
    cashier = await cashier_of(crm)
    await deal_with_cash(crm)
    async with crm.context.database.read() as session:
        payment_id = await session.scalar(select(func.min(ExpectedPaymentRow.id)))
    await cashier.send("/pending")
    card = cashier.last_message()

    # The manager presses the desk's button; the cashier a manager's hand-over button.
    accept = button_data(card, "✅ Принять всё у Иван")
    await manager.send("/cash")
    await manager.tap_data(accept, message_id=manager.last_message().message_id)
    forged = HandOverCallback(action=HandOverAction.ONE, payment_id=payment_id).pack()
    await cashier.tap_data(forged, message_id=card.message_id)
    # A hand-over that does not exist, and another payment than the one handed over.
    ghost = DeskCallback(action=DeskAction.HANDOVER, ident=999_999).pack()
    await cashier.tap_data(ghost, message_id=card.message_id)

    assert await income_entries(crm) == []
    assert all(answer for answer in cashier.answers())
    assert manager.answers()[-1]


async def test_the_owner_links_a_manager_to_their_amocrm_user_in_users(crm: Crm):
    await crm.integration.sync.refresh_users()
    await deal_with_cash(crm)
    manager = await join(
        crm.telegram, crm.owner, "менеджер", 7770019, "Пётр", crm_user="Без привязки к amoCRM"
    )
    await manager.send("/cash")
    assert "не связан с пользователем amoCRM" in manager.last_message().body

    await crm.owner.send("/users")
    await crm.owner.tap("🔗 Пётр в amoCRM")
    assert "Кто Пётр в amoCRM?" in crm.owner.last_message().body
    await crm.owner.tap("Менеджер Иван")
    assert "Пётр — это «Менеджер Иван» в amoCRM" in crm.owner.last_message().body

    await manager.send("/cash")
    assert f"Наличные у вас: {PREPAYMENT}" in manager.last_message().body


async def test_a_forged_link_button_for_someone_who_is_no_manager_changes_nothing(
    crm: Crm, manager: FakeUser
):
    cashier = await cashier_of(crm)
    await crm.owner.send("/users")
    users_card = crm.owner.last_message()
    async with crm.context.database.read() as session:
        cashier_id = await session.scalar(
            select(UserRow.id).where(UserRow.telegram_id == cashier.id)
        )
    forged = CrmLinkCallback(user_id=cashier_id, crm=account.MANAGER_AMO_ID).pack()

    await crm.owner.tap_data(forged, message_id=users_card.message_id)

    assert crm.owner.answers()[-1]
    await manager.send("/cash")
    assert "нет наличных" in manager.last_message().body


async def evening_round(crm: Crm) -> None:
    """The scheduler's evening job, run once as the running bot would at its hour."""
    scheduler = create_scheduler(crm.context, crm.bot)
    [job] = [job for job in scheduler.get_jobs() if job.func.__name__ == "evening_cash_round"]
    assert str(job.trigger.fields[5]) == str(crm.context.settings.evening_summary_hour)
    await job.func()
    await crm.deliver_notifications()


async def test_at_the_evening_hour_the_owner_hears_who_holds_cash_and_the_holder_is_reminded(
    crm: Crm, manager: FakeUser
):
    cashier = await cashier_of(crm)
    await deal_with_cash(crm)

    await evening_round(crm)
    [summary] = [m.body for m in crm.telegram.chat(crm.owner.id) if "на вечер" in m.body]
    assert f"Иван: {PREPAYMENT}, 1 платёж" in summary
    [reminder] = [m.body for m in crm.telegram.chat(manager.id) if "Напоминание" in m.body]
    assert PREPAYMENT in reminder
    assert "/cash" in reminder
    await evening_round(crm)  # a second run the same day tells nobody again
    assert sum("Напоминание" in m.body for m in crm.telegram.chat(manager.id)) == 1

    await hand_over_all(manager)
    await cashier.open_deep_link(await handover_link(crm, cashier))
    await cashier.tap("✅ Принять всё")
    crm.clock.advance(timedelta(days=1))
    await evening_round(crm)
    assert "Все наличные по сделкам сданы в кассу" in crm.telegram.chat(crm.owner.id)[-1].body
    assert sum("Напоминание" in m.body for m in crm.telegram.chat(manager.id)) == 1
