"""Confirmations in a real browser, one code path with the chat: the cashier accepts the cash a
manager handed over in the chat and the manager is told in the chat; the accountant confirms a
bank payment partly (garbage first, told next to the form); a payment confirmed in the chat is
gone from the page on reload, and the page left open is refused with who and when."""

from __future__ import annotations

from decimal import Decimal

from playwright.async_api import Page

from bot.notifier import create_notify_handler
from ledger.deals import DealSnapshot, DealSync, SlotPayment
from ledger.money import Money
from ledger.outbox import TOPIC_NOTIFY, OutboxWorker
from ledger.payments import DealState
from tests.browser.conftest import OWNER_ID, Cabinet
from tests.fakes.amocrm_deals import CLOSED_STATUS, MANAGER_AMO_ID, PIPELINE
from tests.fakes.telegram_user import FakeUser

LEAD = 31337


async def closed_deal(
    cabinet: Cabinet,
    lead_id: int = LEAD,
    *,
    name: str = "Кухня Ивановых",
    prepay: tuple[str, str] = ("50000", "cash"),
    rest: tuple[str, str] = ("100000", "bank_transfer"),
) -> None:
    """A deal as amoCRM shows it once closed (a prepayment and the rest), applied the way the
    amoCRM sync applies it; its manager is «Менеджер Иван»."""
    payments = (
        SlotPayment("Предоплата", Money(Decimal(prepay[0])), prepay[1], None),
        SlotPayment("Остаток", Money(Decimal(rest[0])), rest[1], None),
    )
    snapshot = DealSnapshot(
        amo_lead_id=lead_id,
        name=name,
        price=Money(Decimal(prepay[0]) + Decimal(rest[0])),
        pipeline_id=PIPELINE,
        status_id=CLOSED_STATUS,
        state=DealState.CLOSED,
        updated_at=cabinet.clock.now(),
        responsible_amo_user_id=MANAGER_AMO_ID,
        manager="Менеджер Иван",
        contract=f"Д-{lead_id}",
        product="Кухня",
        salon="Центральный",
        city="Казань",
        payments=payments,
    )
    context = cabinet.running.context
    async with context.database.unit_of_work() as uow:
        await DealSync(uow, cabinet.clock, owner_chat_ids=[OWNER_ID]).apply(snapshot)


async def deliver_notices(cabinet: Cabinet) -> None:
    """The outbox worker's round: what the services queued is sent through the fake Telegram."""
    context = cabinet.running.context
    handler = create_notify_handler(cabinet.running.bot, "ru")
    await OutboxWorker(context.database, {TOPIC_NOTIFY: handler}, cabinet.clock).run_once()


async def confirmations(cabinet: Cabinet, person: FakeUser) -> Page:
    page = await cabinet.page()
    await cabinet.sign_in_by_link(page, person)
    async with page.expect_navigation(url=f"{cabinet.url}/confirmations"):
        await page.click("nav.menu >> text=Подтверждения")
    await page.wait_for_load_state()
    return page


def words(text: str) -> str:
    return " ".join(text.replace("\xa0", " ").split())


async def test_the_cashier_accepts_a_hand_over_and_the_manager_is_told_in_the_chat(
    cabinet: Cabinet, cashier: FakeUser, manager: FakeUser
) -> None:
    await closed_deal(cabinet)
    await closed_deal(cabinet, LEAD + 1, name="Шкаф Петровых", prepay=("30000", "cash"))
    await manager.send("/cash")
    await manager.tap("Сдать в кассу всё")
    assert "отправлена в кассу" in manager.last_message().body

    page = await confirmations(cabinet, cashier)
    handover = page.locator("[data-handover]")
    assert "Иван" in await handover.inner_text()
    assert "80 000,00 ₽" in words(await handover.inner_text())
    await handover.locator("summary", has_text="Платежи в сдаче").click()
    await cabinet.snapshot(page, "confirmations-cash")
    stale = await page.context.new_page()  # the same page in another tab, sent later
    await stale.goto(page.url)

    await handover.locator("button.accept-handover").click()
    await page.wait_for_selector("#flash")
    assert words(await page.inner_text("#flash")) == "✅ Сдача от Иван принята: 80 000,00 ₽."
    assert "Все наличные в кассе" in await page.inner_text("#cash-summary")
    assert await page.locator("[data-handover]").count() == 0
    await cabinet.snapshot(page, "confirmations-cash-accepted")

    await deliver_notices(cabinet)
    told = [words(m.body) for m in cabinet.telegram.chat(manager.id) if "получены" in m.body]
    assert len(told) == 2, told
    assert any("Кухня Ивановых" in m and "50 000,00 ₽" in m and "Кира" in m for m in told)
    await manager.send("/cash")
    assert "нет наличных" in manager.last_message().body

    # The same form sent again from the other tab: nothing more, and who it was.
    await stale.locator("[data-handover] button.accept-handover").click()
    await stale.wait_for_selector("#flash")
    assert "Эту сдачу уже принял(а) Кира" in words(await stale.inner_text("#flash"))
    await cabinet.snapshot(stale, "confirmations-cash-refused")
    await deliver_notices(cabinet)
    assert len([m for m in cabinet.telegram.chat(manager.id) if "получены" in m.body]) == 2


async def test_the_accountant_confirms_a_bank_payment_partly(
    cabinet: Cabinet, accountant: FakeUser
) -> None:
    await closed_deal(cabinet, prepay=("50000", "card_transfer"))
    page = await confirmations(cabinet, accountant)
    assert await page.locator("#cash").count() == 0
    assert "Ждём платежей: 2, на 150 000,00 ₽" in words(await page.inner_text("#bank-summary"))
    await cabinet.snapshot(page, "confirmations-bank")

    rest = page.locator("article[data-payment]", has_text="Остаток")
    await rest.locator("details.confirm summary").click()
    await rest.locator("input[name=amount]").fill("сорок тысяч")
    await rest.locator("button", has_text="Подтвердить").click()
    error = page.locator("article[data-payment]", has_text="Остаток").locator(".error")
    assert "Не получилось прочитать сумму" in await error.inner_text()
    await cabinet.snapshot(page, "confirmations-bank-error")

    rest = page.locator("article[data-payment]", has_text="Остаток")
    await rest.locator("input[name=amount]").fill("40 000")
    await rest.locator("button", has_text="Подтвердить").click()
    await page.wait_for_selector("#flash")
    said = words(await page.inner_text("#flash"))
    assert said.startswith("✅ Подтверждено 40 000,00 ₽ — Кухня Ивановых, договор Д-31337")
    assert "Ждём ещё 60 000,00 ₽." in said
    rest = page.locator("article[data-payment]", has_text="Остаток")
    assert "получено 40 000,00 ₽ из 100 000,00 ₽" in words(await rest.inner_text())
    assert "60 000,00 ₽" in words(await rest.locator(".head").inner_text())
    await cabinet.snapshot(page, "confirmations-bank-partly")

    prepay = page.locator("article[data-payment]", has_text="Предоплата")
    await prepay.locator("details.missing summary").click()
    await prepay.locator("textarea[name=comment]").fill("нет в выписке за 22.11")
    await prepay.locator("button", has_text="Отметить").click()
    await page.wait_for_selector("#flash")
    assert "Отмечено «не поступило»" in await page.inner_text("#flash")
    prepay = page.locator("article[data-payment]", has_text="Предоплата")
    assert "Не поступило: нет в выписке за 22.11" in await prepay.inner_text()
    await cabinet.snapshot(page, "confirmations-bank-not-received")


async def test_a_payment_confirmed_in_the_chat_is_gone_from_the_page(
    cabinet: Cabinet, accountant: FakeUser
) -> None:
    await closed_deal(cabinet, prepay=("50000", "bank_transfer"))
    page = await confirmations(cabinet, accountant)
    assert await page.locator("article[data-payment]").count() == 2
    stale = await page.context.new_page()  # the same page left open in another tab
    await stale.goto(f"{cabinet.url}/confirmations")

    await accountant.send("/bank")
    await accountant.tap("✓ 1: поступило")
    await accountant.tap("Сегодня")
    await accountant.tap("Вся сумма")
    assert "✅ Подтверждено 50 000,00 ₽" in words(accountant.last_message().body)

    await page.reload()
    assert await page.locator("article[data-payment]").count() == 1
    assert "Предоплата" not in await page.inner_text("#bank")

    first = stale.locator("article[data-payment]", has_text="Предоплата")
    await first.locator("details.confirm summary").click()
    await first.locator("button", has_text="Подтвердить").click()
    await stale.wait_for_selector("#flash")
    assert "Уже подтверждено: Анна" in words(await stale.inner_text("#flash"))
    assert await stale.locator("article[data-payment]").count() == 1


async def test_the_owner_sees_both_and_nothing_waits(cabinet: Cabinet) -> None:
    page = await confirmations(cabinet, cabinet.owner)
    assert "Все наличные в кассе" in await page.inner_text("#cash-summary")
    assert "Безналичных платежей не ждём." in await page.inner_text("#bank-summary")
    await cabinet.snapshot(page, "confirmations-empty")
