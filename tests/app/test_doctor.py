"""doctor's report of the versions in use, against the pins in constraints.txt, and of what
waits in the queues."""

from __future__ import annotations

import platform
from importlib import metadata
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from app.context import Services
from app.doctor import (
    BAD,
    CONSTRAINTS,
    OFF,
    OK,
    WARN,
    check_ledger_role,
    check_queues,
    check_request_approvers,
    check_static,
    check_versions,
)
from config.settings import Settings
from ledger.clock import FrozenClock
from ledger.outbox import OutboxWorker, enqueue
from ledger.roles import Role
from ledger.storage.database import Database
from ledger.users import Person
from tests.conftest import OWNER_ID, REPO

AIOGRAM = metadata.version("aiogram")


def test_the_versions_line_names_python_and_the_core_libraries_in_use() -> None:
    (line, *_) = check_versions()

    assert line[:2] == (OK, "versions")
    assert f"Python {platform.python_version()}" in line[2]
    assert f"aiogram {AIOGRAM}" in line[2]


def test_the_checkout_runs_exactly_what_constraints_txt_pins() -> None:
    assert CONSTRAINTS.is_file()
    assert [mark for mark, _, _ in check_versions(CONSTRAINTS)] == [OK]


def test_a_package_other_than_pinned_is_named_with_both_versions(tmp_path: Path) -> None:
    pins = tmp_path / "constraints.txt"
    pins.write_text(
        "# via pip-compile\n"
        "aiogram==0.0.1\n"
        "    # via kopeyka\n"
        "aiohttp==0.0.2 ; python_version < '3.0'\n"  # another interpreter's pin: not ours
        "not-installed-anywhere==1.0\n",
        encoding="utf-8",
    )

    marks = check_versions(pins)

    assert [mark for mark, _, _ in marks] == [OK, WARN]
    assert f"aiogram {AIOGRAM} (pinned 0.0.1)" in marks[1][2]
    assert "aiohttp" not in marks[1][2]
    assert BAD not in {mark for mark, _, _ in marks}


def test_without_a_constraints_file_only_the_versions_are_reported(tmp_path: Path) -> None:
    assert [mark for mark, _, _ in check_versions(tmp_path / "absent.txt")] == [OK]


async def test_the_queues_line_warns_of_effects_that_gave_up(
    database: Database, database_url: str, clock: FrozenClock, tmp_path: Path
) -> None:
    settings = Settings(_env_file=None, database_url=database_url, data_dir=tmp_path)
    assert await check_queues(settings) == (OK, "queues", "0 effects and 0 amoCRM webhooks waiting")

    async with database.write() as session:
        enqueue(session, topic="crm", payload={}, now=clock.now())
        enqueue(session, topic="crm", payload={}, now=clock.now())
    queue = OutboxWorker(database, {}, clock, max_attempts=1).queue
    await queue.retry(await queue.claim(1), "amoCRM answered 400")  # one try, and it failed

    mark, name, text = await check_queues(settings)
    assert (mark, name) == (WARN, "queues")
    assert text.startswith("1 effects and 0 amoCRM webhooks waiting; 1 effects and 0 webhooks")
    assert "gave up" in text


def test_a_half_set_google_sheets_is_flagged_with_what_is_missing(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, sheet_id="1AbC", data_dir=tmp_path)

    [line] = [r for r in check_static(settings) if r[1] == "GOOGLE_SERVICE_ACCOUNT_FILE/SHEET_ID"]

    assert line[0] == BAD
    assert "GOOGLE_SERVICE_ACCOUNT_FILE is missing" in line[2]


def test_hints_name_the_readmes_commands(tmp_path: Path) -> None:
    [line] = [
        r for r in check_static(Settings(_env_file=None, data_dir=tmp_path)) if r[1] == "BOT_TOKEN"
    ]

    assert "`./start`" in line[2]
    assert "run.py" not in line[2]


STRONG = "Zq7-kP2_wX9mR4tV-webhook"


def _static(settings: Settings) -> dict[str, tuple[str, str]]:
    return {name: (mark, text) for mark, name, text in check_static(settings)}


def test_a_generated_key_cut_short_is_flagged_not_called_set(tmp_path: Path) -> None:
    (tmp_path / "secret_key").write_text("short\n")

    mark, text = _static(Settings(_env_file=None, data_dir=tmp_path))["SECRET_KEY"]

    assert mark == BAD
    assert "only 5 characters (at least 32 needed)" in text
    assert "delete the file" in text


def test_secrets_are_reported_with_their_length_against_the_minimum(tmp_path: Path) -> None:
    settings = Settings(
        _env_file=None,
        data_dir=tmp_path,
        secret_key="k" * 40,
        webhook_base_url="https://bot.example.com",
        telegram_webhook_secret=STRONG,
        amocrm_base_url="https://firm.amocrm.ru",
        amocrm_long_lived_token="amo-long-lived",
        amocrm_webhook_secret=STRONG,
        amocrm_account_id=7039099,
    )

    found = _static(settings)

    assert found["SECRET_KEY"] == (OK, "set (40 characters, at least 32 needed)")
    assert found["TELEGRAM_WEBHOOK_SECRET"] == (OK, "set (24 characters, at least 16 needed)")
    assert found["AMOCRM_WEBHOOK_SECRET"] == (OK, "set (24 characters, at least 16 needed)")
    assert found["AMOCRM_ACCOUNT_ID"][0] == OK
    assert "7039099" in found["AMOCRM_ACCOUNT_ID"][1]


def test_without_a_webhook_secret_amocrm_has_no_route_and_says_so(tmp_path: Path) -> None:
    settings = Settings(
        _env_file=None,
        data_dir=tmp_path,
        amocrm_base_url="https://firm.amocrm.ru",
        amocrm_long_lived_token="amo-long-lived",
    )

    found = _static(settings)

    assert found["AMOCRM_WEBHOOK_SECRET"][0] == OFF
    assert "reconcile" in found["AMOCRM_WEBHOOK_SECRET"][1]
    assert "AMOCRM_ACCOUNT_ID" not in found


async def test_sqlite_has_no_roles_to_report(database_url: str, tmp_path: Path) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite")
    settings = Settings(_env_file=None, database_url=database_url, data_dir=tmp_path)

    assert await check_ledger_role(settings) is None


async def test_a_ledger_trigger_left_switched_off_is_a_problem(
    database: Database, owner_database_url: str, tmp_path: Path
) -> None:
    if database.dialect != "postgresql":
        pytest.skip("PostgreSQL's ALTER TABLE … DISABLE TRIGGER")
    settings = Settings(_env_file=None, database_url=owner_database_url, data_dir=tmp_path)
    owner = create_async_engine(owner_database_url, poolclass=NullPool)
    switch = "ALTER TABLE audit_log {} TRIGGER audit_log_append_only"
    try:
        async with owner.begin() as connection:
            await connection.execute(text(switch.format("DISABLE")))
        mark, name, line = await check_ledger_role(settings)
    finally:
        async with owner.begin() as connection:
            await connection.execute(text(switch.format("ENABLE")))
        await owner.dispose()

    assert (mark, name) == (BAD, "ledger")
    assert line.startswith("trigger(s) audit_log_append_only switched off")


APPROVER, REQUESTER, STRANGER, SEEDED = 7770031, 7770033, 7770099, 7770077


def _approvers_mappings(path: Path) -> Path:
    """The product's mappings naming four approvers: one who holds the role, one who files
    requests instead, one who never joined, the owner; and [roles] seeding another."""
    text = (REPO / "config" / "mappings.toml").read_text(encoding="utf-8")
    text = text.replace("approvers = []", f"approvers = [{APPROVER}, {OWNER_ID}]", 1)
    text = text.replace("second_approvers = []", f"second_approvers = [{STRANGER}]", 1)
    text = text.replace(
        '# "Маркетинг" = [123456789]', f'"Маркетинг" = [{REQUESTER}, {APPROVER}, {SEEDED}]'
    )
    text = text.replace("[roles]", f'[roles]\n{SEEDED} = ["approver"]', 1)
    mappings = path / "mappings.toml"
    mappings.write_text(text, encoding="utf-8")
    return mappings


async def test_an_approver_named_who_is_no_approver_is_warned_of(
    services: Services, database_url: str, tmp_path: Path
) -> None:
    owner = await services.users.resolve(Person(OWNER_ID, "Ольга"))
    for telegram_id, name, role in (
        (APPROVER, "Глеб", Role.APPROVER),
        (REQUESTER, "Маша", Role.REQUESTER),
    ):
        invite = await services.invites.create_invite(owner, role)
        await services.invites.accept_invite(Person(telegram_id, name), invite.token)
    settings = Settings(
        _env_file=None,
        owner_telegram_ids=[OWNER_ID],
        database_url=database_url,
        data_dir=tmp_path,
        mappings_file=_approvers_mappings(tmp_path),
    )

    found = await check_request_approvers(settings)

    assert {(mark, name) for mark, name, _ in found} == {
        (WARN, "requests.second_approvers"),
        (WARN, "requests.category_approvers.Маркетинг"),
    }
    lines = {name: text for _, name, text in found}
    assert lines["requests.second_approvers"].startswith(f"{STRANGER} has not joined the bot")
    assert lines["requests.category_approvers.Маркетинг"].startswith(
        f"{REQUESTER} (Маша) does not hold the approver role (roles: requester)"
    )
    assert "«согласующий» (/invite)" in lines["requests.second_approvers"]


async def test_approvers_who_hold_the_role_or_none_named_say_nothing_is_wrong(
    services: Services, database_url: str, tmp_path: Path
) -> None:
    settings = Settings(
        _env_file=None,
        owner_telegram_ids=[OWNER_ID],
        database_url=database_url,
        data_dir=tmp_path,
        mappings_file=REPO / "config" / "mappings.toml",
    )
    assert await check_request_approvers(settings) == []  # nobody named: the owners'

    owner = await services.users.resolve(Person(OWNER_ID, "Ольга"))
    invite = await services.invites.create_invite(owner, Role.APPROVER)
    await services.invites.accept_invite(Person(APPROVER, "Глеб"), invite.token)
    mappings = tmp_path / "mappings.toml"
    text = (REPO / "config" / "mappings.toml").read_text(encoding="utf-8")
    mappings.write_text(
        text.replace("approvers = []", f"approvers = [{APPROVER}, {OWNER_ID}]", 1),
        encoding="utf-8",
    )
    settings = settings.model_copy(update={"mappings_file": mappings})

    assert await check_request_approvers(settings) == [
        (OK, "requests approvers", "2 named, each holding the approver role or an owner")
    ]
