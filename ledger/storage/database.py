"""The engine and sessions, and migrations applied at start-up.

SQLite runs in WAL mode with `synchronous=FULL`, so a commit the bot has confirmed to a person
survives a power cut; PostgreSQL is the same code with another URL.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    # Writers queue behind each other instead of failing at once with "database is locked".
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def create_engine(url: str, *, echo: bool = False, pooled: bool = True) -> AsyncEngine:
    """An async engine for `url`; for SQLite the file's folder is created and pragmas set.

    `pooled=False` opens a connection per use and keeps none: for a one-off command that
    cannot dispose of the engine when it is done.
    """
    parsed = make_url(url)
    options: dict[str, Any] = {"echo": echo}
    if not pooled:
        options["poolclass"] = NullPool
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, **options)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    if pooled:
        options.update(pool_size=10, max_overflow=10)
    return create_async_engine(url, **options)


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker:
    # Objects stay readable after commit: handlers render what a service returned.
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def _upgrade(connection: Connection, revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


async def migrate(engine: AsyncEngine, revision: str = "head") -> None:
    """Bring the schema to `revision` (start-up calls this; it is a no-op when up to date)."""
    async with engine.begin() as connection:
        await connection.run_sync(_upgrade, revision)
