"""The owner's dashboard and the files in a real browser: the month's figures, filtered by
manager and by salon, the chart, the workbook downloaded and opened, payment orders made for
a ticked request and for everything due today (the requests then sent to the bank); the
accountant is refused the dashboard but makes payment orders.

Deals are closed as amoCRM closes them (the deal sync) and their payments confirmed through
the confirmation service; company expenses carry a salon or a city as paid requests post
them; requests are filed, submitted and approved through the request service (the form and
the approvals are other screens'); a notice the outbox gave up on is left as the worker
leaves it.
"""

from __future__ import annotations

import asyncio
import io
import re
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from playwright.async_api import Download, Page
from sqlalchemy import select

from ledger.deals import DealSnapshot, DealSync, SlotPayment
from ledger.journal import EntryKind, Journal, MoneyAccount, Posting
from ledger.money import Money
from ledger.payments import DealState
from ledger.statements import Refused, read_payment_orders
from ledger.storage.models import CategoryRow, OutboxRow, PaymentRequestRow
from tests.browser.conftest import OWNER_ID, Cabinet
from tests.e2e.conftest import REPO
from tests.e2e.requests_desk import Firm, requests_mappings
from tests.e2e.test_bank_orders import COMPANY
from tests.fakes.telegram_user import FakeUser

TODAY = date(2026, 11, 23)


def rub(amount: str) -> Money:
    return Money(Decimal(amount))


@pytest.fixture
def cabinet_mappings(tmp_path: Path) -> Path:
    """Our company's bank details (payment orders need them) and the requests' approvers."""
    base = tmp_path / "base.toml"
    text = (REPO / "config" / "mappings.toml").read_text()
    base.write_text(re.sub(r"(?m)^\[company\].*$", COMPANY, text))
    return requests_mappings(tmp_path, base)


async def close_deal(cabinet: Cabinet, lead: int, manager: str, salon: str, city: str, **pay):
    """A deal amoCRM shows closed: one payment of `price`, of `kind`, due `due`."""
    price = rub(pay.get("price", "100000"))
    snapshot = DealSnapshot(
        amo_lead_id=lead,
        name=f"Кухня {lead}",
        price=price,
        pipeline_id=1,
        status_id=142,
        state=DealState.CLOSED,
        updated_at=cabinet.clock.now(),
        responsible_amo_user_id=None,
        manager=manager,
        contract=f"Д-{lead}",
        product=pay.get("product", "Кухня"),
        salon=salon,
        city=city,
        payments=(SlotPayment("Оплата", price, pay.get("kind", "bank_transfer"), pay.get("due")),),
    )
    context = cabinet.running.context
    async with context.database.unit_of_work() as uow:
        await DealSync(uow, cabinet.clock, owner_chat_ids=[OWNER_ID]).apply(snapshot)


async def seed(cabinet: Cabinet) -> Firm:
    """November: two managers' deals paid, marketing in Moscow, rent in a salon; a cash
    payment still with a manager, one overdue; an approved request overdue and two due;
    a notice the outbox gave up on."""
    context = cabinet.running.context
    firm = Firm(context, cabinet.running.bot, cabinet.telegram, cabinet.clock, cabinet.owner)
    owner = await firm.actor(cabinet.owner)
    await close_deal(cabinet, 501, "Иван Петров", "Центральный", "Казань", price="200000")
    await close_deal(cabinet, 502, "Мария Соколова", "Арбат", "Москва", price="150000")
    await close_deal(cabinet, 503, "Мария Соколова", "Арбат", "Москва", price="30000", kind="cash")
    await close_deal(
        cabinet, 504, "Иван Петров", "Центральный", "Казань", price="45000", due=date(2026, 11, 9)
    )
    async with context.database.unit_of_work() as uow:
        services = context.services(uow)
        for line in await services.confirmations.awaiting(owner):
            if line.deal in ("Кухня 501", "Кухня 502"):
                await services.confirmations.confirm(owner, line.payment_id, on=TODAY)
        categories = {row.name: row.id for row in await uow.session.scalars(select(CategoryRow))}
        async with uow.write():
            journal = Journal(uow, cabinet.clock)
            for rubles, category, dims in (
                ("40000", "Маркетинг", {"city": "Москва"}),
                ("25000", "Аренда", {"salon": "Центральный", "city": "Казань"}),
                ("12000", "Маркетинг", {"salon": "Арбат", "city": "Москва"}),
            ):
                await journal.post(
                    owner,
                    Posting(
                        EntryKind.EXPENSE,
                        rub(rubles),
                        categories[category],
                        MoneyAccount.BANK_ACCOUNT,
                        TODAY - timedelta(days=3),
                        **dims,
                    ),
                )
            uow.session.add(
                OutboxRow(
                    topic="notify",
                    payload={"notice": "payment_confirmed"},
                    status="dead",
                    created_at=cabinet.clock.now(),
                    available_at=cabinet.clock.now(),
                    attempts=20,
                    claims=20,
                    last_error="TelegramForbiddenError('bot was blocked by the user')",
                )
            )
            await uow.commit()
    return firm


async def figures(page: Page) -> dict[str, str]:
    found = {}
    for name in ("income", "expenses", "net", "margin"):
        text = await page.inner_text(f'[data-figure="{name}"]')
        found[name] = text.replace("\xa0", " ").replace("\u202f", " ")
    return found


async def chart_drawn(page: Page) -> None:
    """The chart's image loaded and drawn (the CSP allows no evaluated strings: we poll)."""
    image = page.locator("img.chart")
    for _ in range(300):
        if await image.evaluate("img => img.complete && img.naturalWidth > 0"):
            return
        await asyncio.sleep(0.1)
    raise AssertionError("the chart was not drawn")


async def saved(download: Download) -> bytes:
    return await asyncio.to_thread(Path(await download.path()).read_bytes)


async def sent(cabinet: Cabinet, request_id: int) -> bool:
    async with cabinet.running.context.database.read() as session:
        row = await session.get(PaymentRequestRow, request_id)
        assert row is not None
        return row.sent_at is not None


async def test_the_owner_reads_the_month_filters_it_and_downloads_the_files(
    cabinet: Cabinet,
) -> None:
    firm = await seed(cabinet)
    overdue = await firm.approved(what_for="Печать каталогов", pay_by=TODAY)
    cabinet.clock.advance(timedelta(days=2))  # the 25th: the request and a payment are late
    soon = await firm.approved(what_for="Доставка", pay_by=TODAY + timedelta(days=4))
    later = await firm.approved(what_for="Сервер", pay_by=TODAY + timedelta(days=9))

    page = await cabinet.page()
    await cabinet.sign_in_by_link(page, cabinet.owner)
    await page.click("nav.menu >> text=Сводка")
    assert page.url == f"{cabinet.url}/dashboard"
    assert await figures(page) == {
        "income": "350 000,00 ₽",
        "expenses": "77 000,00 ₽",
        "net": "273 000,00 ₽",
        "margin": "78 %",
    }
    assert await page.inner_text("#overdue-requests [data-count]") == "1"
    assert "Печать каталогов" in await page.inner_text("#overdue-requests")
    link = await page.get_attribute("#overdue-requests a", "href")
    assert link == f"/cabinet/requests/{overdue.id}"
    assert await page.inner_text("#overdue-payments [data-count]") == "1"
    assert "Кухня 504" in await page.inner_text("#overdue-payments")
    assert "Мария Соколова" in await page.inner_text("#cash")
    assert "30 000,00" in (await page.inner_text("#cash")).replace("\xa0", " ")
    assert await page.inner_text("#stuck [data-count]") == "1"
    # The chart: a PNG of our own address, drawn and shown.
    await chart_drawn(page)
    chart = await page.get_attribute("img.chart", "src")
    assert chart == "/cabinet/dashboard/chart.png"
    await cabinet.snapshot(page, "dashboard")

    # By manager: the choice applies at once.
    async with page.expect_navigation():
        await page.select_option("select[name=manager]", "Мария Соколова")
    assert "manager=" in page.url
    assert (await figures(page))["income"] == "150 000,00 ₽"
    assert (await figures(page))["expenses"] == "0,00 ₽"
    await cabinet.snapshot(page, "dashboard-manager")
    # And by salon too: Арбат's own marketing counts, Moscow's city-wide does not.
    async with page.expect_navigation():
        await page.select_option("select[name=salon]", "Арбат")
    assert await figures(page) == {
        "income": "150 000,00 ₽",
        "expenses": "0,00 ₽",
        "net": "150 000,00 ₽",
        "margin": "100 %",
    }
    async with page.expect_navigation():
        await page.select_option("select[name=manager]", "")
    assert (await figures(page))["expenses"] == "12 000,00 ₽"
    assert "salon=" in (await page.get_attribute("img.chart", "src") or "")
    await chart_drawn(page)
    await cabinet.snapshot(page, "dashboard-salon")

    # A value no deal holds, typed into the address: told, the figures unfiltered.
    answer = await page.goto(f"{cabinet.url}/dashboard?city=Атлантида")
    assert answer is not None
    assert answer.status == 400
    assert "Атлантида" in await page.inner_text("#filter-error")
    assert (await figures(page))["income"] == "350 000,00 ₽"
    await cabinet.snapshot(page, "dashboard-bad-filter")

    # The workbook, as /report sends it.
    async with page.expect_download() as downloading:
        await page.click("#workbook-link")
    download = await downloading.value
    assert download.suggested_filename == "kopeyka-2026-11-25.xlsx"
    book = openpyxl.load_workbook(io.BytesIO(await saved(download)))
    assert "Прибыль" in book.sheetnames

    # Payment orders: one ticked request, then everything due today.
    await page.click("#files >> text=Платёжки в банк")
    assert page.url == f"{cabinet.url}/downloads"
    assert await page.inner_text("#orders-due") == "Всё к оплате на сегодня (1)"
    await cabinet.snapshot(page, "downloads")
    await page.check(f"#pick-{later.id}")
    async with page.expect_download() as downloading:
        await page.click("#orders-picked")
    download = await downloading.value
    assert download.suggested_filename == "1c_to_kl.txt"
    orders = read_payment_orders(await saved(download))
    assert not isinstance(orders, Refused)
    assert [o.amount for o in orders.orders] == [rub("12000")]
    assert orders.orders[0].payee.inn == "7707083893"
    assert await sent(cabinet, later.id)
    assert not await sent(cabinet, soon.id)
    await page.reload()
    assert f'value="{later.id}"' not in await page.content()
    async with page.expect_download() as downloading:
        await page.click("#orders-due")
    orders = read_payment_orders(await saved(await downloading.value))
    assert not isinstance(orders, Refused)
    assert len(orders.orders) == 1
    assert await sent(cabinet, overdue.id)
    assert not await sent(cabinet, soon.id)  # due in two days: not today's


async def test_the_accountant_is_refused_the_dashboard_but_makes_payment_orders(
    cabinet: Cabinet,
) -> None:
    firm = await seed(cabinet)
    request = await firm.approved(what_for="Печать", pay_by=TODAY)
    accountant: FakeUser = await firm.accountant()
    page = await cabinet.page()
    await cabinet.sign_in_by_link(page, accountant)
    assert "Сводка" not in await page.inner_text("nav.menu")
    answer = await page.goto(f"{cabinet.url}/dashboard")
    assert answer is not None
    assert answer.status == 403
    assert await page.get_attribute("#refused", "data-reason") == "role"
    await cabinet.snapshot(page, "dashboard-refused")

    await page.click("nav.menu >> text=Файлы")
    assert await page.locator("#workbook").count() == 0
    # Nothing ticked: told, and nothing sent.
    await page.click("#orders-picked")
    assert "Сначала отметьте заявки." in await page.inner_text("#problem")
    await cabinet.snapshot(page, "downloads-nothing-picked")
    assert not await sent(cabinet, request.id)
    async with page.expect_download() as downloading:
        await page.click("#orders-due")
    assert (await downloading.value).suggested_filename == "1c_to_kl.txt"
    assert await sent(cabinet, request.id)
