"""Getting into the cabinet in a real browser: by the login link /cabinet sends and by the
Mini App's initData; a forged or stale initData, a used link and a missing CSRF token are
refused, and nothing changes."""

from __future__ import annotations

from sqlalchemy import func, select

from ledger.storage.models import UsedLinkRow
from tests.browser.conftest import Cabinet
from tests.fakes.telegram_user import FakeUser


async def test_the_login_link_from_the_chat_opens_the_cabinet(
    cabinet: Cabinet, accountant: FakeUser
) -> None:
    page = await cabinet.page()
    await cabinet.sign_in_by_link(page, accountant)
    assert await page.inner_text("h1") == "Кабинет"
    assert "Анна" in await page.inner_text(".who")
    await cabinet.snapshot(page, "home")


async def test_the_chat_says_how_to_get_in(cabinet: Cabinet, accountant: FakeUser) -> None:
    link = await cabinet.login_link(accountant)
    message = accountant.last_message()
    assert "Ссылка для входа в кабинет" in message.body
    assert link.startswith(f"{cabinet.url}/login/")
    # Over plain http Telegram would refuse a Mini App button: only the link is offered.
    assert accountant.buttons() == ["🌐 Войти в кабинет"]


async def test_a_used_login_link_is_refused(cabinet: Cabinet, accountant: FakeUser) -> None:
    link = await cabinet.login_link(accountant)
    first = await cabinet.page()
    await first.goto(link)
    second = await cabinet.page()
    answer = await second.goto(link)
    assert answer is not None
    assert answer.status == 403
    assert "уже использована" in await second.inner_text("#refused")
    await cabinet.snapshot(second, "signin-refused")
    again = await second.goto(f"{cabinet.url}/")
    assert again is not None
    assert second.url == f"{cabinet.url}/signin"


async def test_the_mini_app_signs_in_by_init_data(cabinet: Cabinet, accountant: FakeUser) -> None:
    page = await cabinet.open_mini_app(accountant)
    assert await page.inner_text("h1") == "Кабинет"


async def test_forged_init_data_is_refused(cabinet: Cabinet, accountant: FakeUser) -> None:
    forged = cabinet.init_data(accountant, token="1:someone-else")
    page = await cabinet.page(init_data=forged)
    await page.goto(f"{cabinet.url}/signin")
    await page.wait_for_selector("#signin-error", state="visible")
    await cabinet.snapshot(page, "signin")
    assert page.url == f"{cabinet.url}/signin"


async def test_expired_init_data_is_refused(cabinet: Cabinet, accountant: FakeUser) -> None:
    stale = cabinet.init_data(accountant, age_seconds=2 * 3600)
    page = await cabinet.page(init_data=stale)
    await page.goto(f"{cabinet.url}/signin")
    await page.wait_for_selector("#signin-error", state="visible")
    home = await page.goto(f"{cabinet.url}/")
    assert home is not None
    assert page.url == f"{cabinet.url}/signin"


async def test_a_post_without_csrf_is_refused(cabinet: Cabinet, accountant: FakeUser) -> None:
    page = await cabinet.page()
    await cabinet.sign_in_by_link(page, accountant)
    answer = await page.request.post(f"{cabinet.url}/logout", form={"x": "1"})
    assert answer.status == 403
    still = await page.goto(f"{cabinet.url}/")
    assert still is not None
    assert still.status == 200


async def test_a_stranger_cannot_get_a_link(cabinet: Cabinet) -> None:
    stranger = cabinet.telegram.user(999001, "Чужой")
    await stranger.send("/cabinet")
    assert "Ссылка для входа" not in stranger.last_message().body
    async with cabinet.running.context.database.read() as session:
        used = (await session.execute(select(func.count()).select_from(UsedLinkRow))).scalar()
    assert used == 0
