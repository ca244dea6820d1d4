"""`run.py` as a person runs it: a subprocess in a fresh folder, no account anywhere.

Each command either does its job or stops with one plain line naming what to fix — never a
traceback. The database is the test database (shared with the other tests on PostgreSQL,
which these commands tolerate); the `engine` fixture empties it where a test counts rows.
"""

from __future__ import annotations

import asyncio
import os
import socket
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from app.doctor import OK, WARN
from config.settings import Settings

REPO = Path(__file__).resolve().parents[2]
RUN_PY = REPO / "run.py"
SUBCOMMANDS = ("run", "console", "migrate", "doctor", "export-xlsx", "statement")


def _environment(tmp_path: Path, database_url: str, **extra: str) -> dict[str, str]:
    settings_names = {name.upper() for name in Settings.model_fields}
    environment = {
        name: value
        for name, value in os.environ.items()
        if name not in settings_names and not name.startswith(("AMOCRM_", "GOOGLE_"))
    }
    environment.update(
        DATA_DIR=str(tmp_path),
        MAPPINGS_FILE=str(REPO / "config" / "mappings.toml"),
        DATABASE_URL=database_url,
        PYTHONPATH=str(REPO),
        PYTHONIOENCODING="utf-8",
    )
    environment.update(extra)
    return environment


@pytest.fixture
def cli(tmp_path: Path, database_url: str, engine: Any):
    """Run `python run.py ARGS…` in an empty folder (no `.env` to pick up), over a database
    emptied first (`engine` empties the shared PostgreSQL one: an amoCRM token another test
    left there would change what doctor says)."""
    workdir = tmp_path / "cwd"
    workdir.mkdir()
    data_dir = tmp_path / "data"

    def run(*args: str, stdin: str = "", **environment: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, str(RUN_PY), *args],
            cwd=workdir,
            env=_environment(data_dir, database_url, **environment),
            input=stdin,
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=120,
            check=False,
        )

    run.data_dir = data_dir  # type: ignore[attr-defined]
    return run


def _stderr_lines(result: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.strip()]


@pytest.mark.parametrize("command", [(), *((name,) for name in SUBCOMMANDS)])
def test_help_and_each_subcommands_help_exit_zero(cli, command: tuple[str, ...]) -> None:
    result = cli(*command, "--help")

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: run.py")
    if not command:
        for name in SUBCOMMANDS:
            assert name in result.stdout


def test_wrong_timezone_stops_start_up_with_one_line_naming_it(cli) -> None:
    result = cli("migrate", TIMEZONE="Mars/Olympus")

    assert result.returncode == 2
    lines = _stderr_lines(result)
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Configuration error: TIMEZONE")
    assert "Traceback" not in result.stderr
    assert "Database is up to date" not in result.stdout


def test_migrate_says_the_database_is_up_to_date(cli) -> None:
    result = cli("migrate")

    assert result.returncode == 0, result.stderr
    assert "Database is up to date." in result.stdout


def test_doctor_prints_a_line_per_setting_and_says_bot_token_is_not_set(
    cli, database_url: str
) -> None:
    result = cli("doctor")

    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    for name in (
        "BOT_TOKEN",
        "OWNER_TELEGRAM_IDS",
        "WEBHOOK_BASE_URL",
        "WEB_HOST/WEB_PORT",
        "PUBLIC_URL",
        "SECRET_KEY",
        "DATABASE_URL",
        "REDIS_URL",
        "TIMEZONE",
        "MAPPINGS_FILE",
        "GOOGLE_SERVICE_ACCOUNT_FILE/SHEET_ID",
        "AMOCRM_BASE_URL",
        "database",
        "queues",
    ):
        assert sum(line.startswith("[") and f"] {name}:" in line for line in lines) == 1, name
    [bot_token] = [line for line in lines if "] BOT_TOKEN:" in line]
    assert "not set" in bot_token
    assert "Traceback" not in result.stderr
    password = make_url(database_url).password
    if password:
        assert password not in result.stdout


def test_doctor_names_weak_secrets_plainly_instead_of_set(cli) -> None:
    result = cli(
        "doctor",
        SECRET_KEY="short-key",
        AMOCRM_BASE_URL="https://firm.amocrm.ru",
        AMOCRM_WEBHOOK_SECRET="x",
    )

    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert any(
        line.startswith("[BAD] SECRET_KEY: too short to be safe (9 characters)") for line in lines
    ), result.stdout
    assert any(line.startswith("[BAD] AMOCRM_WEBHOOK_SECRET: too short") for line in lines)
    assert "short-key" not in result.stdout
    assert "Traceback" not in result.stderr


def test_a_hand_written_key_file_too_short_stops_start_up(cli) -> None:
    cli.data_dir.mkdir()
    (cli.data_dir / "secret_key").write_text("1234\n")

    result = cli("export-xlsx")

    assert result.returncode == 2
    [line] = [line for line in _stderr_lines(result) if line.startswith("Configuration error")]
    assert line.startswith("Configuration error: SECRET_KEY: not set, and ")
    assert "holds only 4 characters" in line


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_data_folder_and_what_start_up_writes_are_private_whatever_the_umask(
    cli, database_url: str
) -> None:
    previous = os.umask(0)  # the child inherits the loosest umask there is
    try:
        result = cli("export-xlsx", "--month", "2026-11")
    finally:
        os.umask(previous)

    assert result.returncode == 0, result.stderr
    data = cli.data_dir
    assert _mode(data) == 0o700
    assert _mode(data / "secret_key") == 0o600
    assert _mode(data / "ledger-2026-11.xlsx") == 0o600
    if database_url.startswith("sqlite"):
        database = Path(make_url(database_url).database)
        assert {_mode(p) for p in database.parent.glob(database.name + "*")} == {0o600}


def test_a_data_folder_others_could_read_is_tightened_at_start_with_a_line(cli) -> None:
    data = cli.data_dir
    (data / "console-files").mkdir(parents=True)
    for folder in (data, data / "console-files"):
        folder.chmod(0o755)
    (data / "secret_key").write_text("k" * 64)
    (data / "console-files" / "receipt.jpg").write_bytes(b"jpeg")
    for file in (data / "secret_key", data / "console-files" / "receipt.jpg"):
        file.chmod(0o644)

    result = cli("export-xlsx")

    assert result.returncode == 0, result.stderr
    assert _mode(data) == _mode(data / "console-files") == 0o700
    assert _mode(data / "secret_key") == _mode(data / "console-files" / "receipt.jpg") == 0o600
    [line] = [line for line in result.stderr.splitlines() if "the data folder" in line]
    assert f"the data folder {data} could be read by others: made private" in line
    assert "secret_key (was 0644)" in line


def test_doctor_without_an_amocrm_token_says_how_to_authorise(cli) -> None:
    result = cli(
        "doctor",
        AMOCRM_BASE_URL="http://127.0.0.1:9",
        AMOCRM_CLIENT_ID="kopeyka-client",
        AMOCRM_CLIENT_SECRET="kopeyka-client-secret",
    )

    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert "[off] AMOCRM: not authorised — run ./start amocrm auth CODE" in lines
    assert "Traceback" not in result.stderr


def test_doctor_with_amocrm_unreachable_prints_one_bad_line(cli) -> None:
    with socket.socket() as probe:  # a port nothing listens on once the probe is closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    token = "long-lived-token-that-never-leaves"

    result = cli(
        "doctor", AMOCRM_BASE_URL=f"http://127.0.0.1:{port}", AMOCRM_LONG_LIVED_TOKEN=token
    )

    assert result.returncode == 1, result.stdout + result.stderr
    [line] = [line for line in result.stdout.splitlines() if "] AMOCRM:" in line]
    assert line.startswith("[BAD] AMOCRM: GET /api/v4/account: amoCRM answered 0 Connection failed")
    assert "AMOCRM_BASE_URL" in line
    assert "Traceback" not in result.stdout + result.stderr
    assert token not in result.stdout + result.stderr


def test_run_without_a_token_opens_the_console_and_export_writes_the_saved_expense(
    cli, engine: AsyncEngine
) -> None:
    result = cli("run", stdin="1500 такси\n1\n:quit\n")

    assert result.returncode == 0, result.stderr
    shown = result.stdout.replace("\u00a0", " ")
    assert "BOT_TOKEN is not set" in shown
    card = shown.index("Новый расход")
    assert "1 500,00" in shown[card:]
    assert "Транспорт" in shown[card:]
    assert "[1] ✅ Сохранить" in shown[card:]
    assert "Расход сохранён" in shown[shown.index("[1]") :]
    assert "Traceback" not in result.stderr

    exported = cli("export-xlsx")

    assert exported.returncode == 0, exported.stderr
    assert "Wrote 1 entry to" in exported.stdout
    [path] = list(cli.data_dir.glob("ledger-*.xlsx"))
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames[0] == "Операции"
    sheet = workbook["Операции"]
    header = [cell.value for cell in sheet[1]]
    assert header[:5] == ["Дата", "Месяц", "Вид", "Категория", "Сумма, ₽"]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 1
    amount_column = header.index("Сумма, ₽")
    assert rows[0][amount_column] == -1500
    assert rows[0][header.index("Категория")] == "Транспорт"
    assert "₽" in sheet.cell(row=2, column=amount_column + 1).number_format
    assert sheet.auto_filter.ref is not None
    assert sheet.auto_filter.ref.startswith("A1:")
    assert sheet.freeze_panes == "A2"


def test_run_with_a_token_but_no_owners_is_refused_with_a_line_naming_owner_ids(cli) -> None:
    token = "123456789:AAHtestTokenThatNeverLeaves"

    result = cli("run", BOT_TOKEN=token)

    assert result.returncode == 2
    lines = [line for line in _stderr_lines(result) if line.startswith("Configuration error:")]
    assert len(lines) == 1
    assert lines[0].startswith("Configuration error: OWNER_TELEGRAM_IDS")
    assert "Traceback" not in result.stderr
    assert token not in result.stdout + result.stderr


def test_export_of_a_month_that_does_not_exist_is_refused_with_a_clear_line(cli) -> None:
    result = cli("export-xlsx", "--month", "2026-13")

    assert result.returncode == 2
    lines = [line for line in _stderr_lines(result) if line.startswith("Configuration error:")]
    assert lines == [
        "Configuration error: --month: '2026-13' is not a month, use YYYY-MM (e.g. 2026-11)"
    ]
    assert "Traceback" not in result.stderr
    assert not list(cli.data_dir.glob("ledger-*.xlsx"))


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_an_unreachable_telegram_is_one_line_not_a_traceback(cli) -> None:
    result = cli(
        "run",
        BOT_TOKEN="123456:not-a-real-token",
        OWNER_TELEGRAM_IDS="1111111",
        TELEGRAM_API_URL=f"http://127.0.0.1:{_closed_port()}",
    )

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    [line] = [line for line in result.stderr.splitlines() if line.startswith("Cannot start")]
    assert line.startswith("Cannot start: Telegram: http://127.0.0.1:")
    assert "TELEGRAM_API_URL" in line


def test_an_unreachable_database_is_one_line_not_a_traceback(cli) -> None:
    url = f"postgresql+asyncpg://kopeyka:secret@127.0.0.1:{_closed_port()}/kopeyka"
    result = cli(
        "run", BOT_TOKEN="123456:not-a-real-token", OWNER_TELEGRAM_IDS="1", DATABASE_URL=url
    )

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "Cannot start: the database: cannot connect" in result.stderr
    assert "secret" not in result.stderr


async def _create_database(owner_url: str, name: str, *, drop: bool = False) -> None:
    admin = create_async_engine(owner_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        async with admin.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            if not drop:
                await connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        await admin.dispose()


async def test_on_postgresql_the_owner_migrates_and_the_bots_role_gets_only_its_grants(
    cli, database_url: str, owner_database_url: str
) -> None:
    """README's two roles, from an empty database: the bot's role cannot migrate and says
    what to do; the owner's migration grants it what it needs; doctor tells the two apart."""
    if not database_url.startswith("postgresql") or owner_database_url == database_url:
        pytest.skip("PostgreSQL with two roles (TEST_DATABASE_MIGRATION_URL)")
    name = f"{make_url(owner_database_url).database}_roles"
    app_url, owner_url = (
        make_url(url).set(database=name).render_as_string(hide_password=False)
        for url in (database_url, owner_database_url)
    )
    await _create_database(owner_database_url, name)
    try:
        as_the_bot = await asyncio.to_thread(cli, "migrate", DATABASE_URL=app_url)
        as_the_owner = await asyncio.to_thread(
            cli, "migrate", DATABASE_URL=app_url, DATABASE_MIGRATION_URL=owner_url
        )
        doctor = await asyncio.to_thread(cli, "doctor", DATABASE_URL=app_url)
        doctor_as_owner = await asyncio.to_thread(cli, "doctor", DATABASE_URL=owner_url)
    finally:
        await _create_database(owner_database_url, name, drop=True)

    assert as_the_bot.returncode == 1
    [line] = _stderr_lines(as_the_bot)
    assert line.startswith("Cannot start: the database: permission denied")
    assert "DATABASE_MIGRATION_URL" in line
    assert as_the_owner.returncode == 0, as_the_owner.stderr
    assert "may read and add ledger rows, never change them" in as_the_owner.stdout
    [ledger] = [line for line in doctor.stdout.splitlines() if "] ledger:" in line]
    assert ledger.startswith(f"[{OK}] ledger: append-only")
    [ledger] = [line for line in doctor_as_owner.stdout.splitlines() if "] ledger:" in line]
    assert ledger.startswith(f"[{WARN}] ledger:")
    assert "owns audit_log, entries" in ledger
