"""The whole product against the fake Telegram server, in polling and in webhook mode.

`kopeyka` runs the real app (settings → migrated database → dispatcher → aiogram Bot over
HTTP) the way `run.py run` does; tests act through `FakeUser`s and assert on what the fake
recorded and on the database. The personas (`owner`, `cashier`, `accountant`, `manager`) join
as people do, through invites (personas.py).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiogram import Bot, Dispatcher
from aiohttp import web
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from app.composition import create_app_context
from app.context import AppContext
from app.webapp import TELEGRAM_WEBHOOK_PATH, create_web_app
from bot.factory import create_bot, create_dispatcher
from bot.retry import RetryAfterMiddleware
from config.settings import Settings
from handlers import create_root_router
from ledger.clock import FrozenClock
from ledger.storage.models import EntryRow
from tests.e2e.personas import ACCOUNTANT_ID, CASHIER_ID, MANAGER_ID, join
from tests.fakes.telegram import FakeTelegram, handled_marker
from tests.fakes.telegram_state import SentMessage
from tests.fakes.telegram_user import FakeUser

REPO = Path(__file__).resolve().parents[2]
OWNER_ID = 1111111  # the user of the shared Telegram fixtures
WEBHOOK_SECRET = "e2e-webhook-secret_123"


@dataclass
class Running:
    mode: str
    context: AppContext
    dispatcher: Dispatcher
    bot: Bot
    telegram: FakeTelegram
    owner: FakeUser

    async def count_entries(self) -> int:
        async with self.context.database.read() as session:
            return (await session.execute(select(func.count(EntryRow.id)))).scalar_one()

    async def entries(self) -> list[EntryRow]:
        async with self.context.database.read() as session:
            rows = await session.execute(select(EntryRow).order_by(EntryRow.id))
            return list(rows.scalars())

    async def scalar(self, query: Any) -> Any:
        async with self.context.database.read() as session:
            return (await session.execute(query)).scalar()


def button_data(card: SentMessage, label: str) -> str:
    """The callback data behind a button the person sees: what a replayed tap would send."""
    return next(button["callback_data"] for button in card.buttons if button["text"] == label)


def make_settings(telegram: FakeTelegram, database_url: str, data_dir: Path) -> Settings:
    return Settings(
        _env_file=None,
        bot_token=telegram.token,
        owner_telegram_ids=[OWNER_ID],
        telegram_api_url=telegram.base_url,
        database_url=database_url,
        data_dir=data_dir,
        mappings_file=REPO / "config" / "mappings.toml",
        secret_key="e2e-secret-key-that-signs-invites",
    )


@contextlib.asynccontextmanager
async def start_app(
    mode: str,
    telegram: FakeTelegram,
    settings: Settings,
    engine: AsyncEngine,
    clock: FrozenClock,
) -> AsyncIterator[tuple[AppContext, Dispatcher, Bot]]:
    """Start the product as `run.py run` would, stop it cleanly afterwards."""
    context = await create_app_context(settings, clock=clock, engine=engine)
    # Telegram's "retry after" is waited out on the test's clock: time passes, nobody sleeps.
    retry = RetryAfterMiddleware(sleep=clock.sleep)
    bot = create_bot(settings.bot_token.get_secret_value(), settings, retry=retry)
    dispatcher = create_dispatcher(context, create_root_router())
    if mode == "polling":
        handled_marker(dispatcher, telegram)
        task = asyncio.create_task(
            dispatcher.start_polling(
                bot, handle_signals=False, close_bot_session=False, polling_timeout=1
            )
        )
        try:
            yield context, dispatcher, bot
        finally:
            with contextlib.suppress(RuntimeError):
                await dispatcher.stop_polling()
            await asyncio.wait_for(task, 5)
            await bot.session.close()
        return
    app = create_web_app(dispatcher, bot, WEBHOOK_SECRET)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    await bot.set_webhook(
        f"http://127.0.0.1:{port}{TELEGRAM_WEBHOOK_PATH}",
        secret_token=WEBHOOK_SECRET,
        allowed_updates=dispatcher.resolve_used_update_types(),
    )
    try:
        yield context, dispatcher, bot
    finally:
        await runner.cleanup()
        await bot.session.close()


@pytest.fixture
async def telegram() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as fake:
        yield fake


@pytest.fixture(params=["polling", "webhook"])
def mode(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
async def kopeyka(
    mode: str,
    telegram: FakeTelegram,
    engine: AsyncEngine,
    database_url: str,
    clock: FrozenClock,
    tmp_path: Path,
) -> AsyncIterator[Running]:
    settings = make_settings(telegram, database_url, tmp_path)
    async with start_app(mode, telegram, settings, engine, clock) as (context, dispatcher, bot):
        owner = telegram.user(OWNER_ID, "Ольга", username="owner_olga")
        yield Running(mode, context, dispatcher, bot, telegram, owner)


@pytest.fixture
def amocrm_keys() -> str:
    """Lines a test module adds to the `[amocrm]` mappings of the `crm` fixture
    (test_amocrm_deals.py): none unless a module overrides this."""
    return ""


# -- personas --------------------------------------------------------------------------------


@pytest.fixture
def owner(kopeyka: Running) -> FakeUser:
    """Ольга, the owner: OWNER_TELEGRAM_IDS names her, so nothing grants it."""
    return kopeyka.owner


@pytest.fixture
async def cashier(kopeyka: Running) -> FakeUser:
    """Кира, invited by the owner as cashier, who has opened the link."""
    return await join(
        kopeyka.telegram, kopeyka.owner, "кассир", CASHIER_ID, "Кира", username="cashier_kira"
    )


@pytest.fixture
async def accountant(kopeyka: Running) -> FakeUser:
    """Анна, invited by the owner as accountant, who has opened the link."""
    return await join(
        kopeyka.telegram,
        kopeyka.owner,
        "бухгалтер",
        ACCOUNTANT_ID,
        "Анна",
        username="accountant_anna",
    )


@pytest.fixture
async def manager(crm: Any) -> FakeUser:
    """Иван, invited by the owner as manager and linked to «Менеджер Иван» of amoCRM.

    A manager's invite names an amoCRM user the bot has read from the CRM, so this one needs
    the app with amoCRM on: the `crm` fixture of test_amocrm_deals.py.
    """
    await crm.integration.sync.refresh_users()  # what the reconcile does on every pass
    return await join(
        crm.telegram,
        crm.owner,
        "менеджер",
        MANAGER_ID,
        "Иван",
        username="manager_ivan",
        crm_user="Менеджер Иван",
    )
