"""The cabinet over HTTP (aiohttp's test client on the real web app): signing in by initData
and by a one-time link, the session and its CSRF token, and the headers on every answer."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from aiogram import Dispatcher
from aiohttp.test_utils import TestClient, TestServer

from app.cabinet.web import COOKIE, CabinetConfig
from app.context import AppContext
from app.webapp import create_web_app
from ledger.cabinet_links import LOGIN_LINK_TTL, LoginLinks
from ledger.clock import FrozenClock
from ledger.roles import Actor
from ledger.users import Person
from tests.app.cabinet.test_auth import BOT_TOKEN, fields, signed
from tests.conftest import OWNER_ID


@pytest.fixture
async def client(app_context: AppContext) -> AsyncIterator[TestClient]:
    config = CabinetConfig(context=app_context, bot_token=BOT_TOKEN, secure_cookie=False)
    app = create_web_app(Dispatcher(), None, None, cabinet=config)
    async with TestClient(TestServer(app)) as test_client:
        yield test_client


@pytest.fixture
async def owner(app_context: AppContext) -> Actor:
    async with app_context.database.unit_of_work() as uow:
        actor = await app_context.services(uow).users.resolve(Person(OWNER_ID, "Owner"))
    assert actor is not None
    return actor


async def login_link(app_context: AppContext, actor: Actor) -> str:
    async with app_context.database.unit_of_work() as uow:
        return LoginLinks(uow, app_context.clock, app_context.secret_key).issue(actor)


def owner_init_data(clock: FrozenClock) -> str:
    return signed(fields(at=clock.now(), user={"id": OWNER_ID, "first_name": "Owner"}))


async def test_without_a_session_a_page_sends_to_sign_in(client: TestClient) -> None:
    response = await client.get("/cabinet/", allow_redirects=False)
    assert (response.status, response.headers["Location"]) == (303, "/cabinet/signin")


async def test_every_cabinet_answer_carries_a_csp(client: TestClient) -> None:
    answers = [
        await client.get("/cabinet/", allow_redirects=False),
        await client.get("/cabinet/signin"),
        await client.get("/cabinet/static/cabinet.css"),
        await client.get("/cabinet/login/forged"),
        await client.post("/cabinet/login", data={"init_data": "x"}),
    ]
    policies = {answer.headers.get("Content-Security-Policy") for answer in answers}
    assert len(policies) == 1
    assert "default-src 'self'" in policies.pop()


async def test_the_rest_of_the_app_has_no_cabinet_headers(client: TestClient) -> None:
    response = await client.get("/healthz")
    assert "Content-Security-Policy" not in response.headers


async def test_valid_init_data_signs_in(
    client: TestClient, clock: FrozenClock, owner: Actor
) -> None:
    response = await client.post("/cabinet/login", data={"init_data": owner_init_data(clock)})
    assert (response.status, await response.json()) == (200, {"ok": True, "next": "/cabinet/"})
    cookie = response.headers["Set-Cookie"]
    assert all(part in cookie for part in ("HttpOnly", "SameSite=Lax", "Path=/cabinet"))
    page = await client.get("/cabinet/")
    assert page.status == 200
    assert 'id="statuses"' in await page.text()


async def test_the_cookie_is_secure_behind_https(app_context: AppContext, owner: Actor) -> None:
    config = CabinetConfig(context=app_context, bot_token=BOT_TOKEN, secure_cookie=True)
    app = create_web_app(Dispatcher(), None, None, cabinet=config)
    async with TestClient(TestServer(app)) as test_client:
        data = {"init_data": owner_init_data(app_context.clock)}
        response = await test_client.post("/cabinet/login", data=data)
    assert "Secure" in response.headers["Set-Cookie"]


@pytest.mark.parametrize("age", [timedelta(hours=2)])
async def test_expired_init_data_is_refused(
    client: TestClient, clock: FrozenClock, owner: Actor, age: timedelta
) -> None:
    stale = signed(fields(at=clock.now() - age, user={"id": OWNER_ID}))
    response = await client.post("/cabinet/login", data={"init_data": stale})
    assert (response.status, await response.json()) == (403, {"ok": False, "reason": "expired"})
    assert COOKIE not in response.cookies


async def test_forged_init_data_is_refused(
    client: TestClient, clock: FrozenClock, owner: Actor
) -> None:
    forged = signed(fields(at=clock.now(), user={"id": OWNER_ID}), token="1:someone-else")
    response = await client.post("/cabinet/login", data={"init_data": forged})
    assert (response.status, await response.json()) == (403, {"ok": False, "reason": "invalid"})
    assert (await client.get("/cabinet/", allow_redirects=False)).status == 303


async def test_init_data_of_a_stranger_is_refused(client: TestClient, clock: FrozenClock) -> None:
    stranger = signed(fields(at=clock.now(), user={"id": 555}))
    response = await client.post("/cabinet/login", data={"init_data": stranger})
    assert (response.status, await response.json()) == (403, {"ok": False, "reason": "unknown"})


async def test_a_login_link_works_once(
    client: TestClient, app_context: AppContext, owner: Actor
) -> None:
    token = await login_link(app_context, owner)
    first = await client.get(f"/cabinet/login/{token}", allow_redirects=False)
    assert (first.status, first.headers["Location"]) == (303, "/cabinet/")
    assert (await client.get("/cabinet/")).status == 200
    client.session.cookie_jar.clear()
    again = await client.get(f"/cabinet/login/{token}", allow_redirects=False)
    assert again.status == 403
    assert "уже использована" in await again.text()
    assert (await client.get("/cabinet/", allow_redirects=False)).status == 303


async def test_an_expired_login_link_is_refused(
    client: TestClient, app_context: AppContext, clock: FrozenClock, owner: Actor
) -> None:
    token = await login_link(app_context, owner)
    clock.advance(LOGIN_LINK_TTL)
    response = await client.get(f"/cabinet/login/{token}", allow_redirects=False)
    assert response.status == 403


async def test_the_session_expires(
    client: TestClient, app_context: AppContext, clock: FrozenClock, owner: Actor
) -> None:
    await client.get(f"/cabinet/login/{await login_link(app_context, owner)}")
    clock.advance(timedelta(hours=9))
    assert (await client.get("/cabinet/", allow_redirects=False)).status == 303


async def test_a_post_without_its_csrf_token_is_refused(
    client: TestClient, app_context: AppContext, owner: Actor
) -> None:
    await client.get(f"/cabinet/login/{await login_link(app_context, owner)}")
    page = await (await client.get("/cabinet/")).text()
    csrf = re.search(r'name="csrf" value="([0-9a-f]{64})"', page)
    assert csrf is not None
    missing = await client.post("/cabinet/logout", data={}, allow_redirects=False)
    wrong = await client.post("/cabinet/logout", data={"csrf": "0" * 64}, allow_redirects=False)
    assert [missing.status, wrong.status] == [403, 403]
    assert (await client.get("/cabinet/", allow_redirects=False)).status == 200
    right = await client.post(
        "/cabinet/logout", data={"csrf": csrf.group(1)}, allow_redirects=False
    )
    assert right.status == 303
    assert (await client.get("/cabinet/", allow_redirects=False)).status == 303
