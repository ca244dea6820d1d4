"""Start-up: settings → database (migrated) → seed data → the application context.

Used by every entry point (polling, webhook, console, CLI commands), so all of them run on
the same database and the same rules.
"""

from __future__ import annotations

import gc
import logging
import os
import secrets
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from app.context import AppContext
from config.mappings import load_mappings
from config.settings import Settings
from ledger.clock import Clock, SystemClock
from ledger.storage.database import Database, create_engine

log = logging.getLogger(__name__)
SECRET_KEY_FILE = "secret_key"


def load_secret_key(settings: Settings) -> bytes:
    """SECRET_KEY if set, else a random key generated once into the data folder."""
    if settings.secret_key is not None:
        return settings.secret_key.get_secret_value().encode()
    path = Path(settings.data_dir) / SECRET_KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # Created private from the first byte: the key signs invites and links.
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(secrets.token_urlsafe(48))
        log.info("generated a new secret key in %s", path)
    return path.read_text().strip().encode()


async def create_app_context(
    settings: Settings, *, clock: Clock | None = None, engine: AsyncEngine | None = None
) -> AppContext:
    """Migrate the database, seed categories and first-start roles, and build the context.

    The caller disposes of `context.database` when done.
    """
    mappings = load_mappings(settings.mappings_file)
    database = Database(engine or create_engine(settings.effective_database_url))
    await database.migrate(owner_url=settings.database_migration_url)
    context = AppContext(
        settings=settings,
        mappings=mappings,
        database=database,
        clock=clock or SystemClock(settings.tz),
        secret_key=load_secret_key(settings),
    )
    async with database.unit_of_work() as uow:
        services = context.services(uow)
        await services.categories.seed(mappings.categories, mappings.income_categories)
        await services.users.seed_roles(mappings.roles)
    return context


def freeze_startup_objects() -> None:
    """Call once start-up is done, before serving. Start-up leaves hundreds of thousands of
    long-lived objects (modules, classes, routers, mappers); every full collection of the
    cyclic GC walked them all and stalled the event loop, the worst of the webhook answers'
    tail (README, benchmarks). Frozen, they are skipped.
    """
    gc.collect()
    gc.freeze()
