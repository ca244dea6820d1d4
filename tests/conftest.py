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
from ledger.storage.database import APPEND_ONLY_TABLES, Database, create_engine
from ledger.storage.models import Base

# The cash desk of the confirmation tests (`desk`), for the ledger and the amoCRM tests alike,
# and the office of the payment requests' (`office`), for the ledger and the workbook.
pytest_plugins = ["tests.desk", "tests.office"]

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


async def _fresh_postgres_database(url: str, owner_url: str, suffix: str) -> tuple[str, str]:
    """A database of this worker's own beside the one TEST_DATABASE_URL names, made empty and
    owned by TEST_DATABASE_MIGRATION_URL's role: its URL for the application's role and for
    the owner's."""
    if not suffix:
        return url, owner_url
    name = f"{make_url(owner_url).database}_{suffix}"
    admin = create_async_engine(owner_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        async with admin.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        await admin.dispose()

    def beside(each: str) -> str:
        return make_url(each).set(database=name).render_as_string(hide_password=False)

    return beside(url), beside(owner_url)


@pytest.fixture(scope="session")
def databases_under_test(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """The real Alembic migrations, applied once per worker: to PostgreSQL (TEST_DATABASE_URL,
    a database per xdist worker; an unreachable server fails here) or to a SQLite template file
    each test gets a copy of. The URL the application connects with, and the owner's: on
    PostgreSQL with TEST_DATABASE_MIGRATION_URL the migrations run as that role and the tests
    as TEST_DATABASE_URL's, which owns nothing (as README's two roles); else the same URL.
    """
    configured = os.environ.get("TEST_DATABASE_URL")
    owner = os.environ.get("TEST_DATABASE_MIGRATION_URL") or configured

    async def apply() -> tuple[str, str]:
        if configured:
            url, owner_url = await _fresh_postgres_database(configured, owner, _worker_suffix())
        else:
            url = owner_url = (
                f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db') / 'template.sqlite3'}"
            )
        database = Database(create_engine(url))
        try:
            await database.migrate(owner_url=owner_url if owner_url != url else None)
        finally:
            await database.dispose()
        return url, owner_url

    return asyncio.run(apply())


@pytest.fixture(scope="session")
def migrated_database(databases_under_test: tuple[str, str]) -> str:
    """The migrated database the application's role connects to (see `databases_under_test`)."""
    return databases_under_test[0]


@pytest.fixture
def database_url(migrated_database: str, tmp_path: Path) -> str:
    """A migrated database of the test's own (SQLite), or the shared PostgreSQL one."""
    if not migrated_database.startswith("sqlite"):
        return migrated_database
    template = Path(make_url(migrated_database).database)
    copy = tmp_path / "kopeyka-test.sqlite3"
    shutil.copyfile(template, copy)
    return f"sqlite+aiosqlite:///{copy}"


@pytest.fixture
def owner_database_url(databases_under_test: tuple[str, str], database_url: str) -> str:
    """`database_url` as the role that owns the schema (the same URL but with two roles)."""
    url, owner_url = databases_under_test
    return database_url if owner_url == url else owner_url


async def _empty_postgres(owner_url: str) -> None:
    # The tests share one PostgreSQL database per worker, emptied before each test. TRUNCATE
    # is the quick way, and the append-only tables refuse it (migration 0012) to everyone,
    # their owner too, until the owner switches that trigger off. The owner (the migrations'
    # role) does so here inside the one transaction that empties the tables, so no other
    # session ever sees the guard off; the tests run as the application's role, which owns
    # nothing and cannot (tests/ledger/test_storage.py tries). A fresh database per test would
    # be as honest and far slower (CREATE DATABASE copies files, then a checkpoint).
    tables = ", ".join(table.name for table in Base.metadata.sorted_tables)
    engine = create_async_engine(owner_url, poolclass=NullPool)
    try:
        async with engine.begin() as connection:
            for table in APPEND_ONLY_TABLES:
                await connection.execute(
                    text(f"ALTER TABLE {table} DISABLE TRIGGER {table}_no_truncate")
                )
            await connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
            for table in APPEND_ONLY_TABLES:
                await connection.execute(
                    text(f"ALTER TABLE {table} ENABLE TRIGGER {table}_no_truncate")
                )
    finally:
        await engine.dispose()


@pytest.fixture
async def engine(database_url: str, owner_database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    if engine.dialect.name == "postgresql":
        await _empty_postgres(owner_database_url)
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
