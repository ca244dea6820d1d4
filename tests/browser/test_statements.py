"""The statements page in a real browser, over the whole product with amoCRM on: the
accountant uploads the bank's statement (the file picker, and a drop on the drop zone), sees
its progress and the import's lines with their proposals, accepts the sure ones (the deal's
payment confirmed and written to amoCRM, the request paid and its requester told in the
chat), and reviews a line by hand with a search over the deals; a file that is no statement
is told so and nothing is stored."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from playwright.async_api import Page, async_playwright
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from app.cabinet.core import CabinetConfig
from app.cabinet.pages import statements as statements_page
from app.runtime import create_amocrm
from app.webapp import create_web_app
from ledger.clock import FrozenClock
from ledger.money import Money
from ledger.statement_imports import Progress, Stage
from ledger.storage.models import (
    PaymentConfirmationRow,
    PaymentRequestRow,
    StatementImportRow,
    StatementLineRow,
)
from tests.browser.conftest import CHROMIUM, OWNER_ID, Cabinet, _free_port
from tests.e2e import test_amocrm_deals as amocrm_deals
from tests.e2e.conftest import Running, start_app
from tests.e2e.requests_desk import Firm, requests_mappings
from tests.e2e.test_amocrm_deals import LEAD_ID, Crm, amo_settings
from tests.e2e.test_bank_orders import ROMASHKA
from tests.e2e.test_statements import (
    PAID_STATUS,
    STRANGER,
    bank_deal,
    credit,
    debit,
    paid_field,
    statement_file,
)
from tests.fakes.amocrm import FakeAmoCRM
from tests.fakes.telegram import FakeTelegram
from tests.fakes.telegram_user import FakeUser

amo = amocrm_deals.amo


@dataclass
class Office:
    cabinet: Cabinet
    crm: Crm
    firm: Firm


@pytest.fixture
async def office(
    telegram: FakeTelegram,
    amo: FakeAmoCRM,
    engine: AsyncEngine,
    database_url: str,
    clock: FrozenClock,
    tmp_path: Path,
) -> AsyncIterator[Office]:
    """The cabinet's app with amoCRM on (deals come from its webhook) and requests' approvers
    named, served on a local port, and a browser."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    settings = amo_settings(telegram, amo, database_url, tmp_path)
    settings = settings.model_copy(
        update={
            "mappings_file": requests_mappings(tmp_path, settings.mappings_file),
            "cabinet": True,
            "public_url": base,
        }
    )
    async with (
        start_app("polling", telegram, settings, engine, clock) as (context, dispatcher, bot),
        aiohttp.ClientSession() as http,
    ):
        integration = create_amocrm(context)
        assert integration is not None
        config = CabinetConfig(context=context, bot_token=telegram.token, secure_cookie=False)
        app = create_web_app(
            dispatcher, None, None, amocrm=integration.webhook_config(), cabinet=config
        )
        runner = web.AppRunner(app)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        try:
            await integration.client.exchange_code(amo.issue_code())
            owner = telegram.user(OWNER_ID, "Ольга", username="owner_olga")
            crm = Crm(context, bot, telegram, owner, amo, integration, http, base, clock)
            firm = Firm(context, bot, telegram, clock, owner)
            running = Running("polling", context, dispatcher, bot, telegram, owner)
            async with async_playwright() as playwright:
                browser = await playwright.chromium.launch(
                    executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"]
                )
                try:
                    yield Office(Cabinet(f"{base}/cabinet", running, browser, clock), crm, firm)
                finally:
                    with contextlib.suppress(Exception):
                        await browser.close()
        finally:
            await runner.cleanup()
            await integration.close()


async def count(office: Office, model: object, *where: object) -> int:
    async with office.crm.context.database.read() as session:
        query = select(func.count()).select_from(model).where(*where)  # type: ignore[arg-type]
        return (await session.execute(query)).scalar_one()


async def status_of(office: Office, request_id: int) -> str:
    async with office.crm.context.database.read() as session:
        row = await session.get(PaymentRequestRow, request_id)
    assert row is not None
    return row.status


async def signed_in(office: Office, person: FakeUser, width: int = 390) -> Page:
    page = await office.cabinet.page(width)
    await office.cabinet.sign_in_by_link(page, person)
    await page.goto(f"{office.cabinet.url}/statements")
    return page


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


async def test_the_accountant_uploads_a_statement_and_accepts_its_sure_lines(
    office: Office, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    accountant = await bank_deal(office.crm)  # a deal «Д-17» owing 50 000 ₽, then 100 000 ₽
    requester = await office.firm.requester()
    request = await office.firm.approved(what_for="Печать", amount=Money(Decimal("12000")))
    data = statement_file(
        credit("50000", "Предоплата по договору № Д-17 за кухню", number="11"),
        debit("12000", "Оплата по счёту №17 от 20.11.2026", ROMASHKA, number="12"),
        credit("777", "Перевод по СБП", STRANGER, number="13"),
    )
    page = await signed_in(office, accountant)
    assert await page.inner_text("h1") == "Выписки"
    assert "Выписки" in await page.inner_text("nav.menu")
    await office.cabinet.snapshot(page, "statements")

    # The file picker: the bar follows the import's stages (held at one of them here, to be
    # seen), and the import's page opens when it is done.
    reached, go_on = asyncio.Event(), asyncio.Event()
    progress = statements_page.Job.progress

    async def held(job: statements_page.Job, step: Progress) -> None:
        await progress(job, step)
        if step.stage is Stage.STORED:
            reached.set()
            await go_on.wait()

    monkeypatch.setattr(statements_page.Job, "progress", held)
    async with page.expect_navigation(url="**/cabinet/statements/*?done=imported"):
        await page.set_input_files("#file", write(tmp_path, "kl_to_1c.txt", data))
        await asyncio.wait_for(reached.wait(), 10)
        await page.wait_for_selector('#progress-bar[aria-valuenow="85"]')
        assert "Сохранено новых строк: 3 из 3" in await page.inner_text("#progress-text")
        await office.cabinet.snapshot(page, "statements-progress")
        go_on.set()
    assert "Выписка загружена." in await page.inner_text("#flash")
    assert await page.inner_text('[data-count="sure"] .n') == "2"
    assert await page.inner_text('[data-count="unmatched"] .n') == "1"
    lines = page.locator(".st-line")
    assert await lines.count() == 1  # to review: the stranger's transfer
    assert "Петров Пётр Петрович" in await lines.first.inner_text()
    async with page.expect_navigation(url="**show=sure"):
        await page.click('#tabs a[href="?show=sure"]')
    assert await page.locator(".st-line").count() == 2
    sure = await page.inner_text("#lines")
    assert "Кухня Ивановых (Д-17): Предоплата — 50 000,00 ₽" in sure.replace("\xa0", " ")
    assert "номер договора в назначении" in sure
    assert f"№{request.id}: Печать, ООО «Ромашка»" in sure
    assert "ИНН получателя" in sure
    await office.cabinet.snapshot(page, "statements-import")

    await page.click("#accept-sure")
    await page.wait_for_selector('#flash[data-done="accepted"]')
    assert "Приняты верные строки: 2." in await page.inner_text("#flash")
    assert await page.inner_text('[data-count="done"] .n') == "2"
    assert await page.locator("#accept-sure").count() == 0
    await office.cabinet.snapshot(page, "statements-accepted")

    # In the ledger: the deal's prepayment confirmed, the request paid.
    assert await count(office, PaymentConfirmationRow) == 1
    assert await status_of(office, request.id) == "paid"
    # As the bot's button would: amoCRM gets the paid field and status, the requester hears.
    assert await office.crm.integration.perform_effects() > 0
    assert float(paid_field(office.crm)) == 50_000
    assert office.crm.amo.leads[LEAD_ID]["status_id"] != PAID_STATUS  # 100 000 ₽ still owed
    assert [n for n in office.crm.amo.notes if n["entity_id"] == LEAD_ID]
    before = len(requester.tg.chat(requester.id))
    await office.firm.deliver()
    told = [m.body for m in requester.tg.chat(requester.id)[before:]]
    assert any(f"№{request.id}" in body and "оплач" in body for body in told), told

    # The line left: reviewed by hand, the deal found by its client's name.
    async with page.expect_navigation(url="**/statements/lines/*"):
        await page.click("#review")
    assert await page.inner_text("h1") == "Строка 1 из 1"
    assert "Пары не нашлось" not in await page.inner_text("#line")
    await page.fill("#q", "ивановых")
    async with page.expect_navigation(url="**q=*"):
        await page.click("#search button")
    found = page.locator("#found li")
    assert await found.count() == 1
    assert "Кухня Ивановых (Д-17): Остаток" in await found.first.inner_text()
    await office.cabinet.snapshot(page, "statements-line")
    await found.first.locator("button").click()
    await page.wait_for_selector('#flash[data-done="reviewed"]')
    assert "Всё разобрано." in await page.inner_text("#flash")
    assert await count(office, PaymentConfirmationRow) == 2
    async with office.crm.context.database.read() as session:
        states = list(await session.scalars(select(StatementLineRow.state)))
    assert sorted(states) == ["accepted", "accepted", "assigned"]

    # The same file again, this time dropped on the drop zone: known, nothing changes.
    await page.goto(f"{office.cabinet.url}/statements")
    assert "верных 0" in await page.inner_text("#imports")
    await office.cabinet.snapshot(page, "statements-recent")
    transfer = await page.evaluate_handle(
        """(bytes) => {
            const transfer = new DataTransfer();
            const file = new File([new Uint8Array(bytes)], "kl_to_1c (1).txt");
            transfer.items.add(file);
            return transfer;
        }""",
        list(data),
    )
    async with page.expect_navigation(url="**/cabinet/statements/*?done=again"):
        await page.dispatch_event("#drop", "drop", {"dataTransfer": transfer})
    assert "Эту выписку уже загружали: Анна" in await page.inner_text("#flash")
    assert await count(office, StatementImportRow) == 1
    assert await count(office, StatementLineRow) == 3


async def test_a_file_that_is_no_statement_is_told_so_and_nothing_is_stored(
    office: Office, tmp_path: Path
) -> None:
    accountant = await bank_deal(office.crm)
    page = await signed_in(office, accountant)
    await page.set_input_files("#file", write(tmp_path, "выписка.txt", b"%PDF-1.4\n%%EOF\n"))
    notice = page.locator('[data-message="not_statement"]')
    await notice.wait_for(state="visible")
    assert "Это не выписка: это PDF" in await notice.inner_text()
    await office.cabinet.snapshot(page, "statements-not-one")

    good = statement_file(credit("100", "Оплата", number="1"), credit("200", "Оплата", number="2"))
    broken = good.replace("Сумма=100.00".encode("cp1251"), "Сумма=abc".encode("cp1251"))
    await page.set_input_files("#file", write(tmp_path, "broken.txt", broken))
    errors = page.locator('[data-message="refused"]')
    await errors.wait_for(state="visible")
    assert await notice.is_hidden()
    assert "Сумма=abc: это не сумма" in await errors.inner_text()
    await office.cabinet.snapshot(page, "statements-refused")
    assert await count(office, StatementImportRow) == 0
    assert await count(office, StatementLineRow) == 0
