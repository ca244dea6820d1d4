"""What each `run.py` command does, once its arguments are parsed: start the bot or the
console, migrate, export, and the Google Sheets and amoCRM commands. Imports happen inside
each command, so a command loads only what it uses (the console's prompt, for one, comes
before aiogram is imported).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from app.errors import CannotStart
from config.settings import Settings, SettingsError
from ledger.roles import Role

if TYPE_CHECKING:
    from app.context import AppContext

# Console users of each role: ids no Telegram account has this low in the 900 millions.
CONSOLE_PERSONAS = {role: 900_000_001 + index for index, role in enumerate(Role)}


@contextlib.contextmanager
def loading() -> Iterator[None]:
    """Load the bot with the cyclic garbage collector paused, and freeze what was loaded.

    Loading makes a quarter of a million objects that live as long as the process (aiogram's
    validators, SQLAlchemy's mappers); the collector, woken again and again as they piled up,
    walked them all each time, about a tenth of a warm start. Frozen, they are never walked
    again. No collection looks for the few cycles loading leaves (under two thousand objects):
    it would walk everything once more, a quarter of a second before the first answer.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


async def run(settings: Settings) -> int:
    """The bot against Telegram (polling or webhook); the console when no token is set."""
    if settings.bot_token is None:
        print("BOT_TOKEN is not set, so Kopeyka opens the console instead of Telegram.")
        print("Set BOT_TOKEN (and OWNER_TELEGRAM_IDS) in .env to connect to Telegram.\n")
        return await console(settings, Role.OWNER)
    if not settings.owner_telegram_ids:
        raise SettingsError(
            [
                "OWNER_TELEGRAM_IDS: required to run against Telegram — set it to your numeric "
                "Telegram id (send /start to @userinfobot to learn it), "
                "e.g. OWNER_TELEGRAM_IDS=123456789"
            ]
        )
    with loading():
        from aiogram.exceptions import TelegramNetworkError, TelegramUnauthorizedError

        from app.runtime import run_polling, run_webhook
        from bot.factory import create_bot, create_dispatcher
        from handlers import create_root_router

        context = await _app_context(settings)
    bot = create_bot(settings.bot_token.get_secret_value(), settings)
    dispatcher = create_dispatcher(context, create_root_router())
    api = str(settings.telegram_api_url or "https://api.telegram.org")
    try:
        if settings.webhook_mode:
            await run_webhook(context, dispatcher, bot)
        else:
            await run_polling(context, dispatcher, bot)
    except TelegramUnauthorizedError:
        raise CannotStart(
            "Telegram", "BOT_TOKEN was refused — copy it again from @BotFather"
        ) from None
    except TelegramNetworkError as exc:
        raise CannotStart(
            "Telegram",
            f"{api} cannot be reached ({exc.message}) — check the network, a proxy, "
            "or TELEGRAM_API_URL",
        ) from None
    except OSError as exc:
        raise CannotStart(
            "the web server",
            f"cannot listen on {settings.web_host}:{settings.web_port} ({exc.strerror or exc}) "
            "— is another program using WEB_PORT?",
        ) from None
    finally:
        await context.database.dispose()
    return 0


async def _app_context(settings: Settings) -> AppContext:
    """The application on its database; an unreachable database is one line, not a trace."""
    from sqlalchemy.exc import InterfaceError, OperationalError, ProgrammingError

    from app.composition import create_app_context

    try:
        return await create_app_context(settings)
    except (OperationalError, InterfaceError, OSError) as exc:
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        raise CannotStart(
            "the database",
            f"cannot connect ({reason}) — is it running, and is DATABASE_URL right?",
        ) from None
    except ProgrammingError as exc:
        raise _not_permitted(exc) or exc from None


def _not_permitted(exc: Exception) -> CannotStart | None:
    """PostgreSQL's "permission denied" in plain words: DATABASE_URL's role may not do what
    start-up or a migration needs (a schema behind the code, or grants not yet given)."""
    orig = getattr(exc, "orig", None)
    if getattr(orig, "sqlstate", None) != "42501":
        return None
    reason = str(orig).splitlines()[0]
    return CannotStart(
        "the database",
        f"{reason} — migrations run as the role that owns the tables: run `./start migrate` "
        "with DATABASE_MIGRATION_URL set to it (README, PostgreSQL: two roles)",
    )


async def console(settings: Settings, role: Role) -> int:
    """The console as `role`; with no owners configured, the person at the terminal owns."""
    from bot.console_input import ConsoleInput

    if role == Role.OWNER:
        telegram_id = (
            settings.owner_telegram_ids[0]
            if settings.owner_telegram_ids
            else CONSOLE_PERSONAS[role]
        )
        # With no owners configured, the person at the terminal is the owner (DESIGN.md).
        settings = settings.model_copy(
            update={"owner_telegram_ids": [*settings.owner_telegram_ids, telegram_id]}
        )
    else:
        telegram_id = CONSOLE_PERSONAS[role]
    user = {
        "id": telegram_id,
        "is_bot": False,
        "first_name": f"Console {role.value}",
        "language_code": settings.default_language,
    }
    # The prompt comes first: the person types while the bot (seconds of imports) loads.
    terminal = ConsoleInput(user)
    terminal.start()

    with loading():
        from app.composition import create_app_context
        from bot.console import run_console
        from bot.factory import create_dispatcher
        from handlers import create_root_router

        context = await create_app_context(settings)
    if role != Role.OWNER:
        from ledger.users import Person

        async with context.database.unit_of_work() as uow:
            await context.services(uow).users.grant_console_role(
                Person(telegram_id, f"Console {role.value}"), role
            )
    try:
        await run_console(
            create_dispatcher(context, create_root_router()),
            user,
            Path(settings.data_dir) / "console-files",
            terminal=terminal,
        )
    finally:
        await context.database.dispose()
    return 0


async def amocrm(
    settings: Settings, action: str, *, code: str | None = None, since: str | None = None
) -> int:
    """`amocrm auth CODE | fields | sync [--since D] | worker`."""
    from app import amocrm_commands

    if action == "auth":
        assert code is not None  # the parser requires it
        return await amocrm_commands.authorise(settings, code)
    if action == "fields":
        return await amocrm_commands.fields(settings)
    if action == "worker":
        from app.amocrm_worker import serve_amocrm_worker

        return await serve_amocrm_worker(settings)
    return await amocrm_commands.sync(settings, since)


async def sheet(settings: Settings, action: str) -> int:
    """`sheet init | sync | rebuild` against Google Sheets."""
    from app.composition import create_app_context
    from app.receipts import receipt_links
    from sheets.sync import SheetsUnavailable, create_sheets_sync

    context = await create_app_context(settings)
    try:
        links = receipt_links(settings, context.secret_key)
        sync = create_sheets_sync(settings, context.database, context.clock, receipt_link=links)
        if sync is None:
            raise SettingsError(
                ["GOOGLE_SERVICE_ACCOUNT_FILE/SHEET_ID: not set — Google Sheets is off"]
            )
        run = {"init": sync.init, "sync": sync.push, "rebuild": sync.rebuild}[action]
        try:
            report = await run()
        except SheetsUnavailable as exc:
            print(f"Google Sheets: {exc.reason}")
            return 1
    finally:
        await context.database.dispose()
    print(
        f"Done: {report.rows_written} rows written in {report.write_requests} requests"
        + ("; layout updated." if report.summary_rewritten else ".")
    )
    return 0


def statement(action: str, path: Path, *, as_json: bool) -> int:
    """`statement check FILE [--json]`: what a bank statement file holds, without importing it.
    Needs no settings and no database; the statements package loads only here."""
    from app.statement_report import check

    assert action == "check"  # the parser allows no other
    return check(path, as_json=as_json)


async def statement_import(settings: Settings, path: Path) -> int:
    """`statement import FILE`: import a statement as the owner sending it to the bot would,
    and print what came of it. The owner is the first of OWNER_TELEGRAM_IDS, else the
    console's (who owns when nobody is configured). A table whose bank's columns are not
    known yet is read with the ones its header suggests (the bot asks instead)."""
    from app.statement_report import print_import
    from ledger.statement_imports import NeedsMapping
    from ledger.users import Person

    try:
        data = await asyncio.to_thread(path.read_bytes)
    except OSError as exc:
        print(f"Cannot read {path}: {exc.strerror or exc}")
        return 1
    if not settings.owner_telegram_ids:
        settings = settings.model_copy(
            update={"owner_telegram_ids": [CONSOLE_PERSONAS[Role.OWNER]]}
        )
    context = await _app_context(settings)
    try:
        async with context.database.unit_of_work() as uow:
            services = context.services(uow)
            owner = await services.users.resolve(Person(settings.owner_telegram_ids[0], "Owner"))
            assert owner is not None  # an owner is always known
            statements = services.statements
            result = await statements.import_file(owner, data, file_name=path.name)
            if isinstance(result, NeedsMapping) and result.guessed is not None:
                result = await statements.import_file(
                    owner, data, file_name=path.name, mapping=result.guessed
                )
        return print_import(path, result, context.clock.tz)
    finally:
        await context.database.dispose()


async def migrate(settings: Settings) -> int:
    """Migrate as `DATABASE_MIGRATION_URL`'s role when set, granting `DATABASE_URL`'s role
    the application's rights; else as `DATABASE_URL`'s role."""
    from sqlalchemy.exc import ProgrammingError

    from ledger.storage.database import Database

    database = Database.connect(settings.effective_database_url, pooled=False)
    try:
        await database.migrate(owner_url=settings.database_migration_url)
    except ProgrammingError as exc:
        raise _not_permitted(exc) or exc from None
    finally:
        await database.dispose()
    print("Database is up to date.")
    if settings.database_migration_url is not None:
        print("The role of DATABASE_URL may read and add ledger rows, never change them.")
    return 0


async def export_xlsx(settings: Settings, month: str | None, output: Path | None) -> int:
    from app.composition import create_app_context
    from sheets.projection import load_projection
    from sheets.xlsx import export_xlsx

    if month is not None and not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", month):
        raise SettingsError([f"--month: '{month}' is not a month, use YYYY-MM (e.g. 2026-11)"])
    context = await create_app_context(settings)
    try:
        async with context.database.read() as session:
            projection = await load_projection(session, month)
        today = context.clock.today()
        path = output or Path(settings.data_dir) / f"ledger-{month or today.isoformat()}.xlsx"
        await asyncio.to_thread(export_xlsx, projection, path, today)
    finally:
        await context.database.dispose()
    count = len(projection.ledger)
    print(f"Wrote {count} {'entry' if count == 1 else 'entries'} to {path}")
    return 0
