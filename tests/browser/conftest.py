"""The cabinet in a real browser: Debian's headless Chromium driven by Playwright, against the
whole product — the bot polling the fake Telegram server and the web app serving the cabinet on
a local port, over the test's migrated database.

`cabinet` gives a `Cabinet`: `await cabinet.page()` opens a browser tab (390 px wide, a phone,
unless asked otherwise), `await cabinet.sign_in_by_link(page, person)` signs in the way a
person at the desk does (/cabinet in the chat, then the link), `await cabinet.open_mini_app(
page, person)` the way the bot's menu button does (Telegram's script hands the page initData,
signed with the bot's token), and `await cabinet.snapshot(page, "registry")` writes a
screenshot at both widths and fails when the page scrolls sideways.

The browser never reaches the internet: Telegram's script is served by the test (as the
Telegram app would inject it), every other address outside 127.0.0.1 is refused.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest
from aiohttp import web
from playwright.async_api import Browser, Page, Route, async_playwright
from sqlalchemy.ext.asyncio import AsyncEngine

from app.cabinet.core import TELEGRAM_SCRIPT, CabinetConfig
from app.webapp import create_web_app
from ledger.clock import FrozenClock
from ledger.storage.models import AmoUserRow
from tests.app.cabinet.test_auth import fields, signed
from tests.e2e.conftest import REPO, Running, make_settings, start_app
from tests.e2e.personas import ACCOUNTANT_ID, CASHIER_ID, MANAGER_ID, join
from tests.fakes.amocrm_deals import MANAGER_AMO_ID
from tests.fakes.telegram import FakeTelegram
from tests.fakes.telegram_user import FakeUser

OWNER_ID = 1111111
PHONE, DESKTOP = 390, 1280
# What the browser may load: the app, and its own PDF viewer (chrome-extension:, chrome:) for
# a PDF a page shows.
LOCAL = ("http://127.0.0.1", "data:", "blob:", "chrome-extension:", "chrome:")
SCREENSHOTS = Path(os.environ.get("KOPEYKA_SCREENSHOTS", REPO / "screenshots"))
CHROMIUM = os.environ.get("KOPEYKA_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
# What Telegram's own script gives a page: the theme and, inside the app, the signed initData.
TELEGRAM_STUB = """
window.Telegram = { WebApp: {
  initData: %(init_data)s, initDataUnsafe: {}, colorScheme: "light",
  themeParams: { bg_color: "#ffffff", text_color: "#000000", button_color: "#3390ec" },
  ready: function () {}, expand: function () {}, close: function () {},
  MainButton: { show: function () {}, hide: function () {}, setText: function () {},
                onClick: function () {} },
  BackButton: { show: function () {}, hide: function () {}, onClick: function () {} },
  HapticFeedback: { notificationOccurred: function () {} }
} };
"""


def _screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Cabinet:
    url: str  # http://127.0.0.1:<port>/cabinet
    running: Running
    browser: Browser
    clock: FrozenClock
    pages: list[Page] = field(default_factory=list)

    @property
    def telegram(self) -> FakeTelegram:
        return self.running.telegram

    @property
    def owner(self) -> FakeUser:
        return self.running.owner

    async def page(self, width: int = PHONE, *, init_data: str = "") -> Page:
        """A fresh browser (its own cookies) with one tab; `init_data` as the Mini App's."""
        context = await self.browser.new_context(
            viewport={"width": width, "height": 900}, accept_downloads=True, locale="ru-RU"
        )
        stub = TELEGRAM_STUB % {"init_data": json.dumps(init_data)}

        async def route(request_route: Route) -> None:
            url = request_route.request.url
            if url.startswith(TELEGRAM_SCRIPT):
                await request_route.fulfill(body=stub, content_type="application/javascript")
            elif url.startswith(LOCAL):
                await request_route.continue_()
            else:  # the tests never reach the internet
                await request_route.abort()

        await context.route("**/*", route)
        page = await context.new_page()
        self.pages.append(page)
        return page

    async def login_link(self, person: FakeUser) -> str:
        """/cabinet in the chat, and the link on its button."""
        await person.send("/cabinet")
        message = person.last_message()
        assert message.reply_markup is not None, message.body
        button = message.reply_markup["inline_keyboard"][0][0]
        return str(button["url"])

    async def sign_in_by_link(self, page: Page, person: FakeUser) -> None:
        await page.goto(await self.login_link(person))
        assert page.url == f"{self.url}/", await page.content()

    def init_data(self, person: FakeUser, *, age_seconds: int = 0, token: str = "") -> str:
        user = {"id": person.id, "first_name": person.first_name, "language_code": "ru"}
        at = self.clock.now() - timedelta(seconds=age_seconds)
        return signed(fields(at=at, user=user), token=token or self.telegram.token)

    async def open_mini_app(self, person: FakeUser, width: int = PHONE) -> Page:
        """The cabinet opened from the bot's menu button: signed in by initData."""
        page = await self.page(width, init_data=self.init_data(person))
        async with page.expect_navigation(url=f"{self.url}/"):
            await page.goto(f"{self.url}/signin")
        return page

    async def snapshot(self, page: Page, name: str) -> None:
        """Screenshots at phone and desktop width (SCREENSHOTS/<name>-<width>.png); each must
        fit its width: nothing scrolls sideways."""
        folder = _screenshots()
        for width in (PHONE, DESKTOP):
            await page.set_viewport_size({"width": width, "height": 900})
            overflow = await page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            path = folder / f"{name}-{width}.png"
            await page.screenshot(path=str(path), full_page=True)
            assert overflow <= 0, f"{name} at {width} px scrolls sideways by {overflow} px"
        await page.set_viewport_size({"width": PHONE, "height": 900})


@pytest.fixture
async def telegram() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as fake:
        yield fake


@pytest.fixture
def cabinet_mappings() -> Path | None:
    """The mappings file the product starts with (None: config/mappings.toml); a test module
    overrides this fixture when its pages need more (our company's bank details, say)."""
    return None


@pytest.fixture
async def cabinet(
    telegram: FakeTelegram,
    engine: AsyncEngine,
    database_url: str,
    clock: FrozenClock,
    tmp_path: Path,
    cabinet_mappings: Path | None,
) -> AsyncIterator[Cabinet]:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    update: dict[str, object] = {"cabinet": True, "public_url": base}
    if cabinet_mappings is not None:
        update["mappings_file"] = cabinet_mappings
    settings = make_settings(telegram, database_url, tmp_path).model_copy(update=update)
    async with start_app("polling", telegram, settings, engine, clock) as (context, disp, bot):
        config = CabinetConfig(
            context=context, bot_token=telegram.token, secure_cookie=False, bot=bot
        )
        runner = web.AppRunner(create_web_app(disp, None, None, cabinet=config))
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        owner = telegram.user(OWNER_ID, "Ольга", username="owner_olga")
        running = Running("polling", context, disp, bot, telegram, owner)
        try:
            async with async_playwright() as playwright:
                browser = await playwright.chromium.launch(
                    executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"]
                )
                try:
                    yield Cabinet(f"{base}/cabinet", running, browser, clock)
                finally:
                    with contextlib.suppress(Exception):
                        await browser.close()
        finally:
            await runner.cleanup()


@pytest.fixture
async def accountant(cabinet: Cabinet) -> FakeUser:
    """Анна, invited by the owner as accountant."""
    return await join(
        cabinet.telegram, cabinet.owner, "бухгалтер", ACCOUNTANT_ID, "Анна", username="anna"
    )


@pytest.fixture
async def cashier(cabinet: Cabinet) -> FakeUser:
    """Кира, invited by the owner as cashier."""
    return await join(
        cabinet.telegram, cabinet.owner, "кассир", CASHIER_ID, "Кира", username="kira"
    )


@pytest.fixture
async def manager(cabinet: Cabinet) -> FakeUser:
    """Иван, invited by the owner as manager and linked to «Менеджер Иван» of amoCRM (read
    into the database as the reconcile would have)."""
    async with cabinet.running.context.database.write() as session:
        session.add(AmoUserRow(id=MANAGER_AMO_ID, name="Менеджер Иван"))
    return await join(
        cabinet.telegram,
        cabinet.owner,
        "менеджер",
        MANAGER_ID,
        "Иван",
        username="ivan",
        crm_user="Менеджер Иван",
    )
