"""The owner's dashboard and the files over HTTP (aiohttp's client on the real web app): who
may see them, what a bad filter or month is told, the downloads' headers and bytes, and the
payment orders' POST that marks requests sent only with its CSRF token."""

from __future__ import annotations

import dataclasses
import io
import re
from collections.abc import AsyncIterator
from datetime import timedelta

import openpyxl
import pytest
from aiogram import Dispatcher
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from app.cabinet.web import CabinetConfig
from app.webapp import create_web_app
from config.statements_mapping import CompanyMapping
from ledger.cabinet_links import LoginLinks
from ledger.journal import EntryKind, Journal, MoneyAccount, Posting
from ledger.roles import Actor
from ledger.statements import Refused, read_payment_orders
from ledger.storage.models import CategoryRow, PaymentRequestRow
from tests.app.cabinet.test_auth import BOT_TOKEN
from tests.office import TODAY, Office, rub

COMPANY = CompanyMapping(
    name='ООО "Копейка"',
    inn="7736050003",
    kpp="773601001",
    account="40702810200000000001",
    bik="044525225",
    bank="ПАО Сбербанк",
    bank_city="г. Москва",
    corr_account="30101810400000000225",
)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
async def firm(office: Office) -> Office:
    """The office with our company's details (payment orders need them) and some entries."""
    mappings = office.context.mappings.model_copy(update={"company": COMPANY})
    office.context = dataclasses.replace(office.context, mappings=mappings)
    await office.desk.deal(201, price="120000", prepay="120000", prepay_kind="bank_transfer")
    async with office.services() as services:
        [payment] = await services.confirmations.awaiting(office.owner)
        await services.confirmations.confirm(office.owner, payment.payment_id, on=TODAY)
        uow = services.uow
        marketing = await uow.session.scalar(
            select(CategoryRow.id).where(CategoryRow.name == "Маркетинг")
        )
        async with uow.write():
            await Journal(uow, office.clock).post(
                office.owner,
                Posting(
                    EntryKind.EXPENSE,
                    rub("30000"),
                    marketing,
                    MoneyAccount.BANK_ACCOUNT,
                    TODAY,
                    city="Москва",
                ),
            )
            await uow.commit()
    return office


@pytest.fixture
async def client(firm: Office) -> AsyncIterator[TestClient]:
    config = CabinetConfig(context=firm.context, bot_token=BOT_TOKEN, secure_cookie=False)
    app = create_web_app(Dispatcher(), None, None, cabinet=config)
    async with TestClient(TestServer(app)) as test_client:
        yield test_client


async def sign_in(client: TestClient, firm: Office, actor: Actor) -> str:
    """Signed in by a one-time link; the session's CSRF token."""
    client.session.cookie_jar.clear()
    async with firm.database.unit_of_work() as uow:
        token = LoginLinks(uow, firm.clock, firm.context.secret_key).issue(actor)
    page = await (await client.get(f"/cabinet/login/{token}")).text()
    csrf = re.search(r'name="csrf" value="([0-9a-f]{64})"', page)
    assert csrf is not None
    return csrf.group(1)


def figure(page: str, name: str) -> str:
    found = re.search(rf'data-figure="{name}"[^>]*>([^<]*)<', page)
    assert found is not None, name
    return found.group(1).replace("\xa0", " ").replace("\u202f", " ")


async def sent(firm: Office, request_id: int) -> bool:
    async with firm.database.read() as session:
        row = await session.get(PaymentRequestRow, request_id)
        assert row is not None
        return row.sent_at is not None


async def test_the_owner_sees_the_month_and_the_filters_narrow_it(
    client: TestClient, firm: Office
) -> None:
    await sign_in(client, firm, firm.owner)
    response = await client.get("/cabinet/dashboard")
    page = await response.text()
    assert response.status == 200
    assert figure(page, "income") == "120 000,00 ₽"
    assert figure(page, "expenses") == "30 000,00 ₽"
    assert figure(page, "net") == "90 000,00 ₽"
    assert figure(page, "margin") == "75 %"
    assert "<option selected>" not in page
    assert 'href="/cabinet/dashboard"' in page  # the menu entry «Сводка»

    kazan = await (await client.get("/cabinet/dashboard", params={"city": "казань"})).text()
    assert figure(kazan, "income") == "120 000,00 ₽"  # the deal's city
    assert figure(kazan, "expenses") == "0,00 ₽"
    assert "<option selected>Казань</option>" in kazan
    assert "/cabinet/dashboard/chart.png?city=%D0%9A" in kazan
    manager = await (
        await client.get("/cabinet/dashboard", params={"manager": "Менеджер Иван", "city": ""})
    ).text()
    assert figure(manager, "income") == "120 000,00 ₽"


async def test_a_bad_filter_value_is_told_and_the_figures_shown_unfiltered(
    client: TestClient, firm: Office
) -> None:
    await sign_in(client, firm, firm.owner)
    response = await client.get("/cabinet/dashboard", params={"salon": "<b>Нигде</b>"})
    page = await response.text()
    assert response.status == 400
    assert 'id="filter-error"' in page
    assert "Фильтр «Салон»: значения «&lt;b&gt;Нигде&lt;/b&gt;» нет ни в сделках" in page
    assert figure(page, "income") == "120 000,00 ₽"
    chart = await client.get("/cabinet/dashboard/chart.png", params={"salon": "Нигде"})
    assert chart.status == 400


async def test_the_chart_is_a_png_of_our_own(client: TestClient, firm: Office) -> None:
    await sign_in(client, firm, firm.owner)
    response = await client.get("/cabinet/dashboard/chart.png", params={"city": "Москва"})
    assert response.status == 200
    assert response.content_type == "image/png"
    assert (await response.read()).startswith(b"\x89PNG\r\n\x1a\n")


async def test_only_the_owner_sees_the_dashboard(client: TestClient, firm: Office) -> None:
    await sign_in(client, firm, firm.accountant)
    refused = await client.get("/cabinet/dashboard")
    assert refused.status == 403
    assert 'data-reason="role"' in await refused.text()
    assert (await client.get("/cabinet/dashboard/chart.png")).status == 403
    home = await (await client.get("/cabinet/")).text()
    assert "/cabinet/dashboard" not in home
    assert 'href="/cabinet/downloads"' in home


async def test_the_workbook_downloads_as_the_report_sends_it(
    client: TestClient, firm: Office
) -> None:
    await sign_in(client, firm, firm.owner)
    response = await client.get("/cabinet/downloads/workbook.xlsx")
    assert response.status == 200
    assert response.content_type == XLSX
    disposition = response.headers["Content-Disposition"]
    assert disposition == f'attachment; filename="kopeyka-{TODAY.isoformat()}.xlsx"'
    book = openpyxl.load_workbook(io.BytesIO(await response.read()))
    assert "Прибыль" in book.sheetnames
    month = await client.get("/cabinet/downloads/workbook.xlsx", params={"month": "2026-11"})
    assert month.headers["Content-Disposition"].endswith('filename="kopeyka-2026-11.xlsx"')


@pytest.mark.parametrize(
    ("month", "told"),
    [("2026-13", "Месяц пишется так: 2026-11"), ("2027-01", "ещё не наступил")],
)
async def test_a_bad_month_is_told(client: TestClient, firm: Office, month: str, told: str) -> None:
    await sign_in(client, firm, firm.owner)
    response = await client.get("/cabinet/downloads/workbook.xlsx", params={"month": month})
    assert response.status == 400
    assert response.content_type == "text/html"
    assert told in await response.text()


async def test_the_accountant_gets_payment_orders_but_not_the_workbook(
    client: TestClient, firm: Office
) -> None:
    await sign_in(client, firm, firm.accountant)
    assert (await client.get("/cabinet/downloads/workbook.xlsx")).status == 403
    page = await (await client.get("/cabinet/downloads")).text()
    assert 'id="orders"' in page
    assert 'id="workbook"' not in page
    await sign_in(client, firm, firm.manager)
    assert (await client.get("/cabinet/downloads")).status == 403


async def test_payment_orders_need_the_csrf_token_and_mark_the_requests_sent(
    client: TestClient, firm: Office
) -> None:
    due = await firm.approved(pay_by=TODAY, amount=rub("12000"))
    later = await firm.approved(pay_by=TODAY + timedelta(days=5), amount=rub("7000"))
    csrf = await sign_in(client, firm, firm.accountant)
    page = await (await client.get("/cabinet/downloads")).text()
    assert f'value="{later.id}"' in page
    assert "Всё к оплате на сегодня (1)" in page

    forged = {"take": "picked", "request": str(later.id)}
    refused = await client.post("/cabinet/downloads/orders", data=forged)
    wrong = await client.post("/cabinet/downloads/orders", data={**forged, "csrf": "0" * 64})
    assert [refused.status, wrong.status] == [403, 403]
    assert not await sent(firm, later.id)

    response = await client.post(
        "/cabinet/downloads/orders", data={**forged, "csrf": csrf}, allow_redirects=False
    )
    assert response.status == 200
    assert response.headers["Content-Type"] == "text/plain; charset=windows-1251"
    assert response.headers["Content-Disposition"] == 'attachment; filename="1c_to_kl.txt"'
    orders = read_payment_orders(await response.read())
    assert not isinstance(orders, Refused)
    assert [(o.number, o.amount) for o in orders.orders] == [("1", rub("7000"))]
    assert await sent(firm, later.id)
    assert not await sent(firm, due.id)

    everything = await client.post("/cabinet/downloads/orders", data={"take": "due", "csrf": csrf})
    orders = read_payment_orders(await everything.read())
    assert not isinstance(orders, Refused)
    assert [(o.number, o.amount) for o in orders.orders] == [("2", rub("12000"))]
    assert await sent(firm, due.id)


@pytest.mark.parametrize(
    ("form", "status", "told"),
    [
        ({"take": "picked"}, 400, "Сначала отметьте заявки."),
        ({"take": "picked", "request": "x"}, 400, "Эти заявки нельзя выбрать"),
        ({"take": "picked", "request": "-3"}, 400, "Эти заявки нельзя выбрать"),
        ({"take": "picked", "request": "999999"}, 404, "Такой записи нет"),
        ({"take": "due"}, 409, "Отправлять нечего"),
    ],
)
async def test_a_pick_that_cannot_be_sent_is_told_and_marks_nothing(
    client: TestClient, firm: Office, form: dict[str, str], status: int, told: str
) -> None:
    waiting = await firm.approved(pay_by=TODAY + timedelta(days=5))
    csrf = await sign_in(client, firm, firm.owner)
    response = await client.post("/cabinet/downloads/orders", data={**form, "csrf": csrf})
    assert response.status == status
    assert response.content_type == "text/html"
    assert told in await response.text()
    assert not await sent(firm, waiting.id)


async def test_without_our_company_details_no_orders_are_made(
    client: TestClient, firm: Office
) -> None:
    request = await firm.approved(pay_by=TODAY)
    mappings = firm.context.mappings.model_copy(update={"company": CompanyMapping()})
    config = CabinetConfig(
        context=dataclasses.replace(firm.context, mappings=mappings),
        bot_token=BOT_TOKEN,
        secure_cookie=False,
    )
    app = create_web_app(Dispatcher(), None, None, cabinet=config)
    async with TestClient(TestServer(app)) as bare:
        csrf = await sign_in(bare, firm, firm.owner)
        response = await bare.post("/cabinet/downloads/orders", data={"take": "due", "csrf": csrf})
        assert response.status == 409
        assert "реквизиты нашей компании" in await response.text()
    assert not await sent(firm, request.id)
