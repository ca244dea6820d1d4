"""The registry page over HTTP (aiohttp's client on the real web app): who may open it, what
each sees, and every filter value that cannot be read answered on the page, never a 500."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from aiogram import Dispatcher
from aiohttp.test_utils import TestClient, TestServer

from app.cabinet.web import CabinetConfig
from app.webapp import create_web_app
from ledger.cabinet_links import LoginLinks
from ledger.roles import Actor
from tests.app.cabinet.test_auth import BOT_TOKEN
from tests.office import TODAY, Office, rub


@pytest.fixture
async def client(office: Office) -> AsyncIterator[TestClient]:
    config = CabinetConfig(context=office.context, bot_token=BOT_TOKEN, secure_cookie=False)
    app = create_web_app(Dispatcher(), None, None, cabinet=config)
    async with TestClient(TestServer(app)) as test_client:
        yield test_client


async def sign_in(client: TestClient, office: Office, actor: Actor) -> None:
    client.session.cookie_jar.clear()
    async with office.database.unit_of_work() as uow:
        token = LoginLinks(uow, office.clock, office.context.secret_key).issue(actor)
    answer = await client.get(f"/cabinet/login/{token}", allow_redirects=False)
    assert answer.status == 303


def shown(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<tr data-id="(\d+)"', html)]


@pytest.fixture
async def filed(office: Office) -> dict[str, int]:
    submitted = await office.submitted(pay_by=TODAY + timedelta(days=2))
    approved = await office.approved(amount=rub("15000"), pay_by=TODAY + timedelta(days=5))
    dollars = await office.approved(amount=rub("40", "USD"), pay_by=TODAY + timedelta(days=6))
    return {"submitted": submitted.id, "approved": approved.id, "dollars": dollars.id}


async def test_the_accountant_sees_approved_requests_with_their_totals(
    client: TestClient, office: Office, filed: dict[str, int]
) -> None:
    await sign_in(client, office, office.accountant)
    answer = await client.get("/cabinet/requests")
    html = await answer.text()

    assert answer.status == 200
    assert shown(html) == [filed["dollars"], filed["approved"]]
    assert "Найдено заявок: 2" in html
    assert 'data-currency="USD"' in html
    assert f'href="/cabinet/requests/{filed["approved"]}"' in html
    assert 'href="/cabinet/requests"' in html  # the menu's entry


async def test_the_owner_sees_every_filed_request(
    client: TestClient, office: Office, filed: dict[str, int]
) -> None:
    await sign_in(client, office, office.owner)
    html = await (await client.get("/cabinet/requests?sort=due")).text()

    assert shown(html) == [filed["submitted"], filed["approved"], filed["dollars"]]


async def test_a_requester_or_a_cashier_is_refused(
    client: TestClient, office: Office, filed: dict[str, int]
) -> None:
    for outsider in (office.requester, office.desk.cashier):
        await sign_in(client, office, outsider)
        answer = await client.get("/cabinet/requests")
        assert answer.status == 403
        assert str(filed["approved"]) not in shown(await answer.text())


async def test_without_a_session_the_page_sends_to_sign_in(client: TestClient) -> None:
    answer = await client.get("/cabinet/requests?status=paid", allow_redirects=False)

    assert (answer.status, answer.headers["Location"]) == (303, "/cabinet/signin")


async def test_a_status_the_viewer_may_not_see_is_named_not_searched(
    client: TestClient, office: Office, filed: dict[str, int]
) -> None:
    await sign_in(client, office, office.accountant)
    answer = await client.get("/cabinet/requests?status=submitted")
    html = await answer.text()

    assert answer.status == 400
    assert "Статуса «submitted» нет среди ваших заявок." in html
    assert shown(html) == []


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("due_from=2026-13-45", "Срок с: «2026-13-45» — не дата"),
        ("due_to=завтрашний", "Срок по: «завтрашний» — не дата"),
        ("due_from=2026-12-01&due_to=2026-11-01", "Срок по: конец диапазона"),
        ("amount_from=abc", "Сумма от: «abc» — не сумма"),
        ("amount_to=-100", "Сумма до: «-100» — не сумма"),
        ("amount_to=NaN", "Сумма до: «NaN» — не сумма"),
        ("amount_from=500&amount_to=100", "Сумма до: конец диапазона"),
        ("status=lost", "Статуса «lost» нет среди ваших заявок."),
        ("category=999999", "Категории «999999» нет."),
        ("sort=id%3Bdrop", "Такой сортировки нет: «id;drop»."),
        ("order=sideways", "Такой сортировки нет: «sideways»."),
        ("page=0", "Страница «0» — не номер страницы."),
        ("page=abc", "Страница «abc» — не номер страницы."),
        ("page=99999999999999999999", "не номер страницы"),
        ("q=" + "x" * 300, "Поиск: слишком длинный текст"),
        ("due_from=%3Cscript%3E", "«&lt;script&gt;» — не дата"),
    ],
)
async def test_a_value_that_cannot_be_read_is_told_on_the_page(
    client: TestClient, office: Office, filed: dict[str, int], query: str, words: str
) -> None:
    await sign_in(client, office, office.owner)
    answer = await client.get(f"/cabinet/requests?{query}")
    html = await answer.text()

    assert answer.status == 400
    assert words in html
    assert 'id="problems"' in html
    assert "<script>" not in html
    assert shown(html) == []


async def test_a_page_past_the_end_shows_the_last_and_says_so(
    client: TestClient, office: Office, filed: dict[str, int]
) -> None:
    await sign_in(client, office, office.owner)
    answer = await client.get("/cabinet/requests?page=7")
    html = await answer.text()

    assert answer.status == 200
    assert "Страницы 7 нет: всего страниц 1, показана последняя." in html
    assert len(shown(html)) == 3


async def test_filters_are_kept_in_the_sort_and_page_links(
    client: TestClient, office: Office, filed: dict[str, int]
) -> None:
    for _ in range(50):
        await office.approved(amount=rub("100"))
    await sign_in(client, office, office.accountant)
    html = await (
        await client.get("/cabinet/requests?status=approved&q=Ромашка&sort=amount")
    ).text()

    assert "Найдено заявок: 52" in html
    assert len(shown(html)) == 50
    assert (
        'href="/cabinet/requests?status=approved&amp;q=%D0%A0%D0%BE%D0%BC%D0%B0%D1%88%D0%BA%D0%B0'
        '&amp;sort=amount&amp;order=asc&amp;page=2" data-page="2"'
    ) in html
    # The current sort flips; the filters stay in the link.
    assert "q=%D0%A0%D0%BE%D0%BC%D0%B0%D1%88%D0%BA%D0%B0&amp;sort=amount&amp;order=desc" in html
    second = await (
        await client.get("/cabinet/requests?status=approved&q=Ромашка&sort=amount&page=2")
    ).text()
    # Upwards by amount: the dollars first (40.00), the hundreds, the 15 000 last.
    assert len(shown(second)) == 2
    assert shown(second)[-1] == filed["approved"]
    assert "Показаны 51–52 из 52" in second


async def test_nothing_found_is_said(
    client: TestClient, office: Office, filed: dict[str, int]
) -> None:
    await sign_in(client, office, office.accountant)
    html = await (await client.get("/cabinet/requests?q=никогонет")).text()

    assert 'id="nothing"' in html
    assert "Найдено заявок: 0" in html
