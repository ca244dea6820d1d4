"""Shared fixtures: the database (SQLite by default, PostgreSQL with TEST_DATABASE_URL),
migrated once per session and fresh for each test, a frozen clock, and the use cases of one
unit of work over that database (`services`).
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from app.context import AppContext, Services
from config.mappings import load_mappings
from config.settings import Settings
from ledger.clock import FrozenClock
from ledger.storage.database import Database, create_engine, migrate
from ledger.storage.models import Base

# The cash desk of the confirmation tests (`desk`), for the ledger and the amoCRM tests alike.
pytest_plugins = ["tests.desk"]

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures"
OWNER_ID = 1111111  # the owner of the shared Telegram fixtures, and of `services`
MOSCOW = ZoneInfo("Europe/Moscow")
# Monday 23 November 2026, 12:00 in Moscow: "today" for every test unless one moves the clock.
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--database-only",
        action="store_true",
        help="run only the tests that use the database (CI's second pass, on PostgreSQL: "
        "lint and pure tests do not change with the database, so they run once)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not config.getoption("--database-only"):
        return
    # `fixturenames` is the whole closure: a test on `engine` or `kopeyka` reaches it too.
    keep = [item for item in items if "migrated_database" in getattr(item, "fixturenames", ())]
    config.hook.pytest_deselected(items=[item for item in items if item not in keep])
    items[:] = keep


def _worker_suffix() -> str:
    """ "gw0", "gw1"… under pytest-xdist, "" in a plain run: each worker gets its own database."""
    return os.environ.get("PYTEST_XDIST_WORKER", "")


async def _fresh_postgres_database(url: str, suffix: str) -> str:
    """A database of this worker's own beside the one TEST_DATABASE_URL names, made empty."""
    if not suffix:
        return url
    base = make_url(url)
    worker_url = base.set(database=f"{base.database}_{suffix}")
    admin = create_async_engine(base, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        async with admin.connect() as connection:
            name = worker_url.database
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        await admin.dispose()
    return worker_url.render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The real Alembic migrations, applied once per worker: to PostgreSQL (TEST_DATABASE_URL,
    a database per xdist worker; an unreachable server fails here) or to a SQLite template file
    each test gets a copy of.
    """
    configured = os.environ.get("TEST_DATABASE_URL")

    async def apply() -> str:
        url = (
            await _fresh_postgres_database(configured, _worker_suffix())
            if configured
            else f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db') / 'template.sqlite3'}"
        )
        engine = create_engine(url)
        try:
            await migrate(engine)
        finally:
            await engine.dispose()
        return url

    return asyncio.run(apply())


@pytest.fixture
def database_url(migrated_database: str, tmp_path: Path) -> str:
    """A migrated database of the test's own (SQLite), or the shared PostgreSQL one."""
    if not migrated_database.startswith("sqlite"):
        return migrated_database
    template = Path(make_url(migrated_database).database)
    copy = tmp_path / "kopeyka-test.sqlite3"
    shutil.copyfile(template, copy)
    return f"sqlite+aiosqlite:///{copy}"


async def _empty_postgres(engine: AsyncEngine) -> None:
    # TRUNCATE fires no row triggers, so the append-only ledger can be emptied between tests.
    tables = ", ".join(table.name for table in Base.metadata.sorted_tables)
    async with engine.begin() as connection:
        await connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    if engine.dialect.name == "postgresql":
        await _empty_postgres(engine)
    yield engine
    await engine.dispose()


@pytest.fixture
def database(engine: AsyncEngine) -> Database:
    return Database(engine)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW, MOSCOW)


@pytest.fixture
def app_context(database: Database, clock: FrozenClock, tmp_path: Path) -> AppContext:
    """What start-up builds, over the test's database and clock, with one owner; unlike
    start-up it seeds nothing, so a test says which categories it starts from.
    """
    settings = Settings(
        _env_file=None,
        owner_telegram_ids=[OWNER_ID],
        data_dir=tmp_path,
        mappings_file=REPO / "config" / "mappings.toml",
    )
    return AppContext(
        settings=settings,
        mappings=load_mappings(settings.mappings_file),
        database=database,
        clock=clock,
        secret_key=b"k" * 32,
    )


@pytest.fixture
async def services(app_context: AppContext) -> AsyncIterator[Services]:
    """The use cases of one unit of work (one session) over the migrated test database, as
    the bot builds them for an update.
    """
    async with app_context.database.unit_of_work() as uow:
        yield app_context.services(uow)
