"""Kopeyka's command line: run the bot, the console, migrations, checks and exports.

python run.py run                 polling or webhook per settings; the console without a token
python run.py console --as owner  chat with the bot in this terminal
python run.py migrate             apply database migrations
python run.py doctor              check every setting and say what is wrong or missing
python run.py export-xlsx         write the ledger to an XLSX workbook
python run.py sheet init          create or repair the Google Sheets layout
python run.py sheet sync          push new entries to Google Sheets now
python run.py sheet rebuild       rewrite the whole Google Sheets projection from the database
python run.py amocrm auth CODE    authorise the amoCRM integration once
python run.py amocrm fields       print the account's pipelines, statuses, users and fields
python run.py amocrm sync         catch up with amoCRM now (leads updated since the last pass)
python run.py amocrm worker       process amoCRM webhooks and scheduled passes in this process
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
from pathlib import Path

from config.settings import Settings, SettingsError, load_settings
from ledger.roles import Role

CONSOLE_PERSONAS = {role: 900_000_001 + index for index, role in enumerate(Role)}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="run.py", description="Kopeyka: bookkeeping from Telegram."
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser(
        "run",
        help="run the bot (polling or webhook per settings; the console when BOT_TOKEN is not set)",
        description="Run the bot against Telegram: webhook mode when WEBHOOK_BASE_URL is set, "
        "polling otherwise. Without BOT_TOKEN, opens the console instead.",
    )
    console = commands.add_parser(
        "console",
        help="chat with the bot in this terminal",
        description="The same dispatcher, database and handlers, in the terminal. Buttons are "
        "numbered: type the number to tap. ':photo PATH caption' sends a photo.",
    )
    console.add_argument(
        "--as",
        dest="role",
        choices=[role.value for role in Role],
        default=Role.OWNER.value,
        help="the role to act as (default: owner)",
    )
    commands.add_parser(
        "migrate",
        help="apply database migrations",
        description="Bring the database schema up to date.",
    )
    commands.add_parser(
        "doctor",
        help="check every setting and say what is wrong or missing",
        description="Check settings, mappings and the database, in plain words.",
    )
    export = commands.add_parser(
        "export-xlsx",
        help="write the ledger to an XLSX workbook",
        description="Export ledger entries to XLSX.",
    )
    export.add_argument("--month", help="only this month, YYYY-MM")
    export.add_argument(
        "--output", type=Path, help="file to write (default: data/ledger-<date>.xlsx)"
    )
    _amocrm_parser(commands)
    _sheet_parser(commands)
    return parser


def _sheet_parser(commands: argparse._SubParsersAction) -> None:
    sheet = commands.add_parser(
        "sheet",
        help="Google Sheets: lay out, push new entries, rebuild",
        description="The Google Sheets projection (GOOGLE_SERVICE_ACCOUNT_FILE, SHEET_ID). "
        "Share the spreadsheet with the service account's e-mail first.",
    )
    actions = sheet.add_subparsers(dest="action", metavar="ACTION", required=True)
    actions.add_parser(
        "init",
        help="create or repair the layout (sheets, headers, formats, formulas, chart)",
        description="Safe to run again: it repairs rather than duplicates.",
    )
    actions.add_parser("sync", help="push entries not yet in the sheet, now")
    actions.add_parser(
        "rebuild",
        help="rewrite the whole projection from the database",
        description="Every row of «Операции» is rewritten in order; hand edits are put right.",
    )


def _amocrm_parser(commands: argparse._SubParsersAction) -> None:
    amocrm = commands.add_parser(
        "amocrm",
        help="amoCRM: authorise, list the account's ids, sync now",
        description="The amoCRM integration (AMOCRM_* settings, [amocrm] in the mappings).",
    )
    actions = amocrm.add_subparsers(dest="action", metavar="ACTION", required=True)
    auth = actions.add_parser(
        "auth",
        help="trade an authorization code for tokens (stored in the database)",
        description="Open the integration's authorization link in amoCRM, allow access, and "
        "pass the `code` from the redirect here (it lives 20 minutes, works once).",
    )
    auth.add_argument("code", help="the authorization code from amoCRM's redirect")
    actions.add_parser(
        "fields",
        help="print pipelines, statuses, users and lead fields with their ids",
        description="What to copy into the [amocrm] section of the mappings file.",
    )
    sync = actions.add_parser(
        "sync",
        help="reconcile now: leads updated since the last pass (or --since)",
        description="Fetch leads updated since the stored mark and apply them, then process "
        "waiting webhooks. A second run changes nothing.",
    )
    sync.add_argument("--since", help="start from this date instead, YYYY-MM-DD")
    actions.add_parser(
        "worker",
        help="process the webhook inbox and the scheduled passes here, until stopped",
        description="What `run` starts as a child process by default; run it yourself with "
        "AMOCRM_WORKER=external (several bot replicas, one worker).",
    )


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    command = args.command or "run"
    try:
        settings = load_settings()
        from config.logging import secret_values, setup_logging

        setup_logging(settings.log_level, secret_values(settings))
        if command == "run":
            return asyncio.run(_run(settings))
        if command == "console":
            return asyncio.run(_console(settings, Role(args.role)))
        if command == "migrate":
            return asyncio.run(_migrate(settings))
        if command == "doctor":
            from bot.doctor import run_doctor

            return asyncio.run(run_doctor(settings))
        if command == "export-xlsx":
            return asyncio.run(_export(settings, args.month, args.output))
        if command == "amocrm":
            return asyncio.run(_amocrm(settings, args))
        if command == "sheet":
            return asyncio.run(_sheet(settings, args.action))
    except SettingsError as exc:
        for line in exc.lines:
            print(f"Configuration error: {line}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 1


async def _run(settings: Settings) -> int:
    if settings.bot_token is None:
        print("BOT_TOKEN is not set, so Kopeyka opens the console instead of Telegram.")
        print("Set BOT_TOKEN (and OWNER_TELEGRAM_IDS) in .env to connect to Telegram.\n")
        return await _console(settings, Role.OWNER)
    if not settings.owner_telegram_ids:
        raise SettingsError(
            [
                "OWNER_TELEGRAM_IDS: required to run against Telegram — set it to your numeric "
                "Telegram id (send /start to @userinfobot to learn it), "
                "e.g. OWNER_TELEGRAM_IDS=123456789"
            ]
        )
    from bot.app import create_app_context
    from bot.factory import create_bot, create_dispatcher
    from bot.runtime import run_polling, run_webhook
    from handlers import create_root_router

    context, engine = await create_app_context(settings)
    bot = create_bot(settings.bot_token.get_secret_value(), settings)
    dispatcher = create_dispatcher(context, create_root_router())
    try:
        if settings.webhook_mode:
            await run_webhook(context, dispatcher, bot)
        else:
            await run_polling(context, dispatcher, bot)
    finally:
        await engine.dispose()
    return 0


async def _console(settings: Settings, role: Role) -> int:
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

    from bot.app import create_app_context
    from bot.console import run_console
    from bot.factory import create_dispatcher
    from handlers import create_root_router

    context, engine = await create_app_context(settings)
    if role != Role.OWNER:
        async with context.session_factory() as session:
            from ledger.storage.uow import UnitOfWork
            from ledger.users import Person

            uow = UnitOfWork(session)
            await context.services(uow)["users"].grant_console_role(
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
        await engine.dispose()
    return 0


async def _amocrm(settings: Settings, args: argparse.Namespace) -> int:
    from bot import amocrm_commands

    if args.action == "auth":
        return await amocrm_commands.authorise(settings, args.code)
    if args.action == "fields":
        return await amocrm_commands.fields(settings)
    if args.action == "worker":
        from bot.amocrm_worker import serve_amocrm_worker

        return await serve_amocrm_worker(settings)
    return await amocrm_commands.sync(settings, args.since)


async def _sheet(settings: Settings, action: str) -> int:
    from bot.app import create_app_context
    from sheets.sync import SheetsUnavailable, create_sheets_sync

    context, engine = await create_app_context(settings)
    try:
        sync = create_sheets_sync(settings, context.session_factory, context.clock)
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
        await engine.dispose()
    print(
        f"Done: {report.rows_written} rows written in {report.write_requests} requests"
        + ("; layout updated." if report.summary_rewritten else ".")
    )
    return 0


async def _migrate(settings: Settings) -> int:
    from ledger.storage.database import create_engine, migrate

    engine = create_engine(settings.effective_database_url)
    try:
        await migrate(engine)
    finally:
        await engine.dispose()
    print("Database is up to date.")
    return 0


async def _export(settings: Settings, month: str | None, output: Path | None) -> int:
    from bot.app import create_app_context
    from sheets.projection import load_projection
    from sheets.xlsx import export_xlsx

    if month is not None and not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", month):
        raise SettingsError([f"--month: '{month}' is not a month, use YYYY-MM (e.g. 2026-11)"])
    context, engine = await create_app_context(settings)
    try:
        async with context.session_factory() as session:
            projection = await load_projection(session, month)
        today = context.clock.today()
        path = output or Path(settings.data_dir) / f"ledger-{month or today.isoformat()}.xlsx"
        await asyncio.to_thread(export_xlsx, projection, path, today)
    finally:
        await engine.dispose()
    count = len(projection.ledger)
    print(f"Wrote {count} {'entry' if count == 1 else 'entries'} to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
