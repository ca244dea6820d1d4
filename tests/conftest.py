"""Shared fixtures: the database (SQLite by default, PostgreSQL with TEST_DATABASE_URL),
migrated once per session and emptied before each test, a frozen clock, and personas.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from ledger.clock import FrozenClock
from ledger.storage.database import create_engine, create_session_factory, migrate
from ledger.storage.models import Base

FIXTURES = Path(__file__).parent / "fixtures"
MOSCOW = ZoneInfo("Europe/Moscow")
# Monday 23 November 2026, 12:00 in Moscow: "today" for every test unless one moves the clock.
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db') / 'kopeyka-test.sqlite3'}"


@pytest.fixture(scope="session")
def migrated_database(database_url: str) -> str:
    """The real Alembic migrations, applied once (an unreachable server fails here)."""

    async def apply() -> None:
        engine = create_engine(database_url)
        try:
            await migrate(engine)
        finally:
            await engine.dispose()

    asyncio.run(apply())
    return database_url


async def _empty_all_tables(engine: AsyncEngine) -> None:
    tables = [table.name for table in reversed(Base.metadata.sorted_tables)]
    async with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            await connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            # Without AUTOINCREMENT, SQLite numbers rows from 1 again once a table is empty.
            for table in tables:
                await connection.execute(text(f"DELETE FROM {table}"))


@pytest.fixture
async def engine(migrated_database: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(migrated_database)
    await _empty_all_tables(engine)
    yield engine
    await engine.dispose()


@pytest.fixture
def session_factory(engine: AsyncEngine):
    return create_session_factory(engine)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW, MOSCOW)
