"""One request in the cabinet, in a real browser against the whole product: the accountant
opens an approved request, sees its invoice inline, downloads it, records a payment with its
payment order, and the requester's chat is told through the fake Telegram; the owner approves
a submitted request and its requester is told; another person's request and a POST without
the CSRF token are refused, nothing changed.

Requests are filed through the domain's service (the requester's form is the chat's), as the
approvals' end-to-end tests file them; the people join by invites in the chat.
"""

from __future__ import annotations

from pathlib import Path

from playwright.async_api import Page
from sqlalchemy import select

from ledger.storage.models import PaymentRequestRow, RequestPaymentRow
from tests import invoices_factory as made
from tests.browser.conftest import Cabinet
from tests.e2e.requests_desk import ORDER_PDF, Firm
from tests.e2e.test_request_journey import told
from tests.fakes.telegram_user import FakeUser


def firm_of(cabinet: Cabinet) -> Firm:
    running = cabinet.running
    return Firm(running.context, running.bot, running.telegram, cabinet.clock, running.owner)


async def status_of(cabinet: Cabinet, request_id: int) -> str:
    async with cabinet.running.context.database.read() as session:
        row = await session.get(PaymentRequestRow, request_id)
    assert row is not None
    return row.status


async def pdf_viewer_in(page: Page, source: str) -> bool:
    """Whether the browser's own PDF viewer opened `source` in the page (in our frame): the
    invoice is shown, not downloaded. It draws a moment after it opens."""
    for _ in range(100):
        viewers = [f for f in page.frames if f.url.startswith("chrome-extension://")]
        if any(child.url.endswith(source) for viewer in viewers for child in viewer.child_frames):
            await page.wait_for_timeout(2000)
            return True
        await page.wait_for_timeout(100)
    return False


async def text(page: Page, selector: str) -> str:
    return (await page.inner_text(selector)).replace("\xa0", " ")


async def test_the_accountant_sees_the_invoice_downloads_it_and_records_a_payment(
    cabinet: Cabinet, accountant: FakeUser, tmp_path: Path
) -> None:
    firm = firm_of(cabinet)
    masha = await firm.requester()
    invoice = made.classic_1c(qr=2).data  # a real PDF: the browser's viewer shows its page
    request = await firm.submitted(masha, invoice=invoice)
    async with firm.context.database.unit_of_work() as uow:
        owner = await firm.actor(cabinet.owner)
        await firm.context.services(uow).requests.approve(owner, request.id)
    await firm.deliver()
    page = await cabinet.page()
    await cabinet.sign_in_by_link(page, accountant)

    await page.goto(f"{cabinet.url}/requests/{request.id}")
    assert await page.inner_text("h1") == f"Заявка №{request.id}"
    assert "✅ согласована, к оплате" in await text(page, "#status")
    assert "ИНН 7707083893, КПП 773601001" in await text(page, "#counterparty")
    assert "12 000,00 ₽, в т.ч. 2 000,00 ₽ НДС" in await text(page, "#amount")
    assert await text(page, "#category") == "Маркетинг"
    # The invoice is framed from our own route, shown inline as a PDF.
    frame = page.locator("iframe.invoice")
    source = await frame.get_attribute("src")
    assert source == f"/cabinet/requests/{request.id}/invoice"
    inline = await page.request.get(f"{cabinet.url}/requests/{request.id}/invoice")
    assert inline.headers["content-type"] == "application/pdf"
    assert inline.headers["content-disposition"].startswith("inline;")
    assert await inline.body() == invoice
    assert await pdf_viewer_in(page, source)
    await cabinet.snapshot(page, "request-to-pay")

    # Downloaded under its own name, the bytes the requester sent.
    async with page.expect_download() as downloading:
        await page.click("#invoice-download")
    download = await downloading.value
    assert download.suggested_filename == "счёт 17.pdf"
    saved = tmp_path / "invoice.pdf"
    await download.save_as(saved)
    assert saved.read_bytes() == invoice

    # A part now, with the payment order file: «Без платёжки» or a file, not both.
    await page.check("#no-order")
    assert await page.is_disabled("#order")
    await page.uncheck("#no-order")
    await page.fill("#pay-amount", "5 000")
    await page.set_input_files(
        "#order", files=[{"name": "пп 341.pdf", "mimeType": "application/pdf", "buffer": ORDER_PDF}]
    )
    await page.click("#record-payment")
    await page.wait_for_selector("#done")
    assert page.url.endswith(f"/requests/{request.id}?done=paid")
    assert "Оплата записана: 5 000,00 ₽" in await text(page, "#done")
    assert "Осталось оплатить 7 000,00 ₽" in await text(page, "#done")
    assert "💸 оплачена частично" in await text(page, "#status")
    assert "платёжка" in await text(page, "#payments")
    assert await pdf_viewer_in(page, source)
    await cabinet.snapshot(page, "request-paid")
    assert await status_of(cabinet, request.id) == "partly_paid"
    async with cabinet.running.context.database.read() as session:
        [payment] = list(await session.scalars(select(RequestPaymentRow)))
    assert payment.order_name == "пп 341.pdf"
    # The order comes back from the payment's link, as it was uploaded.
    order = await page.request.get(
        f"{cabinet.url}/requests/{request.id}/payments/{payment.id}/order"
    )
    assert await order.body() == ORDER_PDF

    # Маша is told in the chat, as a payment recorded in the bot tells her.
    await firm.deliver()
    assert any(
        f"По заявке №{request.id} «Баннеры на ноябрь» оплачено 5 000,00 ₽ из 12 000,00 ₽ (Анна)"
        in notice
        for notice in told(masha)
    ), told(masha)


async def test_the_owner_approves_a_submitted_request_and_the_requester_is_told(
    cabinet: Cabinet,
) -> None:
    firm = firm_of(cabinet)
    masha = await firm.requester()
    request = await firm.submitted(masha, invoice=made.classic_1c(qr=2).data)
    await firm.deliver()
    page = await cabinet.page()
    await cabinet.sign_in_by_link(page, cabinet.owner)
    await page.goto(f"{cabinet.url}/requests/{request.id}")
    assert "⏳ на согласовании" in await text(page, "#status")
    source = f"/cabinet/requests/{request.id}/invoice"
    assert await pdf_viewer_in(page, source)
    await cabinet.snapshot(page, "request-to-approve")

    # A rejection without its reason is refused in words, nothing changed.
    await page.click("#decide details summary")
    await page.click("#reject")
    await page.wait_for_selector("#problem")
    assert "Напишите причину" in await text(page, "#problem")
    assert await status_of(cabinet, request.id) == "submitted"
    assert await pdf_viewer_in(page, source)
    await cabinet.snapshot(page, "request-refused")

    await page.click("#approve")
    await page.wait_for_selector("#done")
    assert "согласована — бухгалтер получил её к оплате" in await text(page, "#done")
    assert "✅ согласована, к оплате" in await text(page, "#status")
    assert "Ольга" in await text(page, "#approvals")
    assert await page.locator("#decide").count() == 0
    assert await pdf_viewer_in(page, source)
    await cabinet.snapshot(page, "request-approved")
    assert await status_of(cabinet, request.id) == "approved"

    await firm.deliver()
    assert any(
        f"✅ Заявка №{request.id} «Баннеры на ноябрь» одобрена (Ольга)." in notice
        for notice in told(masha)
    ), told(masha)


async def test_another_persons_request_is_not_found(cabinet: Cabinet, accountant: FakeUser) -> None:
    firm = firm_of(cabinet)
    request = await firm.submitted()  # not approved yet: not the accountant's to see
    page = await cabinet.page()
    await cabinet.sign_in_by_link(page, accountant)
    answer = await page.goto(f"{cabinet.url}/requests/{request.id}")
    assert answer is not None
    assert answer.status == 404
    assert "Не найдено" in await page.inner_text("#refused")
    assert "Ромашка" not in await page.content()
    await cabinet.snapshot(page, "request-missing")
    invoice = await page.request.get(f"{cabinet.url}/requests/{request.id}/invoice")
    assert invoice.status == 404


async def test_a_post_without_csrf_is_refused_and_nothing_changes(cabinet: Cabinet) -> None:
    firm = firm_of(cabinet)
    request = await firm.submitted()
    page = await cabinet.page()
    await cabinet.sign_in_by_link(page, cabinet.owner)
    await page.goto(f"{cabinet.url}/requests/{request.id}")
    version = await page.get_attribute("#request", "data-version")
    assert version is not None
    answer = await page.request.post(
        f"{cabinet.url}/requests/{request.id}/approve", form={"version": version}
    )
    assert answer.status == 403
    assert await status_of(cabinet, request.id) == "submitted"
    await page.reload()
    assert "⏳ на согласовании" in await text(page, "#status")
