"""Start-up: settings → database (migrated) → seed data → the application context.

Used by every entry point (polling, webhook, console, CLI commands), so all of them run on
the same database and the same rules.
"""

from __future__ import annotations

import gc
import logging
import secrets
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from app.context import AppContext
from config.mappings import load_mappings
from config.settings import SECRET_KEY_FILE, SECRET_KEY_MIN_LENGTH, Settings, SettingsError
from ledger.clock import Clock, SystemClock
from ledger.storage.database import Database, create_engine
from ledger.storage.files import secure_data_dir, write_private

log = logging.getLogger(__name__)


def load_secret_key(settings: Settings) -> bytes:
    """SECRET_KEY if set, else a random key generated once into the data folder."""
    if settings.secret_key is not None:
        return settings.secret_key.get_secret_value().encode()
    path = Path(settings.data_dir) / SECRET_KEY_FILE
    if not path.exists():
        # Created private from the first byte: the key signs invites and links.
        write_private(path, secrets.token_urlsafe(48).encode())
        log.info("generated a new secret key in %s", path)
    key = path.read_text().strip()
    if len(key) < SECRET_KEY_MIN_LENGTH:
        # Written by hand, or cut short: a guessable key would sign anyone's invites.
        raise SettingsError(
            [
                f"SECRET_KEY: not set, and {path} holds only {len(key)} characters (at least "
                f"{SECRET_KEY_MIN_LENGTH} needed) — delete the file to have a new key "
                "generated, or set SECRET_KEY"
            ]
        )
    return key.encode()


async def create_app_context(
    settings: Settings, *, clock: Clock | None = None, engine: AsyncEngine | None = None
) -> AppContext:
    """Migrate the database, seed categories and first-start roles, and build the context.

    The caller disposes of `context.database` when done.
    """
    mappings = load_mappings(settings.mappings_file)
    # Before anything is written there: the database, the key and exports are private.
    secure_data_dir(Path(settings.data_dir))
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
