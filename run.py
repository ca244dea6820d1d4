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
python run.py statement check F   read a bank statement file (1C, CSV, XLSX) without importing it
python run.py statement import F  import a bank statement file as the bot would, as the owner
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

# Kopeyka's own modules keep their bytecode (in __pycache__, which git ignores) even where
# PYTHONDONTWRITEBYTECODE is set, as site-packages' is kept (scripts/venv.sh): compiling them
# again was a tenth of every start.
sys.dont_write_bytecode = False

from app.errors import CannotStart  # noqa: E402 (after the line above)
from config.settings import SettingsError, load_settings  # noqa: E402
from ledger.roles import Role  # noqa: E402


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
    _statement_parser(commands)
    return parser


def _statement_parser(commands: argparse._SubParsersAction) -> None:
    statement = commands.add_parser(
        "statement",
        help="bank statements: check a file, or import it",
        description="Bank statements: 1C (1CClientBankExchange) text, CSV or XLSX exports.",
    )
    actions = statement.add_subparsers(dest="action", metavar="ACTION", required=True)
    check = actions.add_parser(
        "check",
        help="read a statement without importing it: balances, totals, every error",
        description="Print the format, encoding, version, each account's period and balances "
        "and whether they add up, the documents in and out, and every error with its line. "
        "Exit status 0 for a good file, 1 for a refused one. Needs no settings or database.",
    )
    check.add_argument("file", type=Path, help="the statement file")
    check.add_argument("--json", action="store_true", help="print one JSON object instead")
    importing = actions.add_parser(
        "import",
        help="import a statement as the bot would (as the owner): store and match its lines",
        description="Import the file as the owner sending it to the bot would: every line "
        "stored once (the same file or an overlapping one adds nothing twice) and matched to "
        "the payments, requests and categories expected; print how many lines were matched for "
        "sure, are to review or unmatched, and the balance check. Accepting the matches is the "
        "accountant's, in the bot. A table export whose columns are not known yet is read with "
        "the columns its header suggests. Exit status 0 when imported, 1 when refused.",
    )
    importing.add_argument("file", type=Path, help="the statement file")


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
    if command == "statement" and args.action == "check":
        # Reading a file needs no settings: it works anywhere, even before .env is written.
        from app import cli

        return cli.statement(args.action, args.file, as_json=args.json)
    try:
        settings = load_settings()
        from config.logging import configure_logging

        configure_logging(settings)
        from app import cli

        if command == "run":
            return asyncio.run(cli.run(settings))
        if command == "console":
            return asyncio.run(cli.console(settings, Role(args.role)))
        if command == "migrate":
            return asyncio.run(cli.migrate(settings))
        if command == "doctor":
            from app.doctor import run_doctor

            return asyncio.run(run_doctor(settings))
        if command == "export-xlsx":
            return asyncio.run(cli.export_xlsx(settings, args.month, args.output))
        if command == "amocrm":
            code, since = getattr(args, "code", None), getattr(args, "since", None)
            return asyncio.run(cli.amocrm(settings, args.action, code=code, since=since))
        if command == "sheet":
            return asyncio.run(cli.sheet(settings, args.action))
        if command == "statement":
            return asyncio.run(cli.statement_import(settings, args.file))
    except SettingsError as exc:
        if command == "doctor":
            from app.doctor import report_settings_errors

            return report_settings_errors(exc.lines)
        for line in exc.lines:
            print(f"Configuration error: {line}", file=sys.stderr)
        return 2
    except CannotStart as exc:
        print(f"Cannot start: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 1


if __name__ == "__main__":
    sys.exit(main())
