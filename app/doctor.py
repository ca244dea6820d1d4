"""`run.py doctor`: every setting checked, in plain words, with what to do about it."""

from __future__ import annotations

import platform
import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING

from config.mappings import load_mappings
from config.settings import (
    SECRET_KEY_FILE,
    SECRET_KEY_MIN_LENGTH,
    WEBHOOK_SECRET_MIN_LENGTH,
    Settings,
    SettingsError,
)

if TYPE_CHECKING:
    import aiohttp

    from amocrm_client.client import AmoClient
    from amocrm_client.errors import AmoError
    from config.amocrm_mapping import AmoMapping

OK, OFF, BAD, WARN = "ok ", "off", "BAD", " ! "  # WARN: works, probably not as meant
CONSTRAINTS = Path(__file__).resolve().parents[1] / "constraints.txt"
CORE_PACKAGES = ("aiogram", "aiohttp", "pydantic", "SQLAlchemy", "gspread", "APScheduler")
NOT_AUTHORISED = "not authorised — run ./start amocrm auth CODE"
AMOCRM_TIMEOUT = 30.0  # seconds for each request of the live check (aiohttp total timeout)

# Builds the client the live amoCRM check uses; None when no token is available.
AmoClientFactory = Callable[[Settings, "aiohttp.ClientSession"], Awaitable["AmoClient | None"]]


def _line(mark: str, name: str, text: str) -> str:
    return f"[{mark}] {name}: {text}"


def check_static(settings: Settings) -> list[tuple[str, str, str]]:
    """Checks that need no network: what is set, what is off, what is inconsistent."""
    found: list[tuple[str, str, str]] = []
    if settings.bot_token is None:
        found.append(
            (OFF, "BOT_TOKEN", "not set — `./start` opens the console instead of Telegram")
        )
    else:
        found.append((OK, "BOT_TOKEN", "set"))
    if settings.owner_telegram_ids:
        ids = ", ".join(str(i) for i in settings.owner_telegram_ids)
        found.append((OK, "OWNER_TELEGRAM_IDS", ids))
    elif settings.bot_token is not None:
        found.append(
            (BAD, "OWNER_TELEGRAM_IDS", "required with BOT_TOKEN: set your numeric Telegram id")
        )
    else:
        found.append((OFF, "OWNER_TELEGRAM_IDS", "not set — the console user is the owner"))
    if settings.webhook_mode:
        found.append((OK, "WEBHOOK_BASE_URL", f"webhook mode at {settings.webhook_base_url}"))
    else:
        found.append((OFF, "WEBHOOK_BASE_URL", "not set — polling mode"))
    found.append(_telegram_webhook_secret(settings))
    found.append((OK, "WEB_HOST/WEB_PORT", f"{settings.web_host}:{settings.web_port}"))
    links = f"{settings.public_base_url}/receipts/…"
    if settings.public_url is not None:
        found.append((OK, "PUBLIC_URL", f"receipt links in the Google sheet go to {links}"))
    elif settings.webhook_mode:
        found.append((OK, "PUBLIC_URL", f"not set — receipt links use WEBHOOK_BASE_URL: {links}"))
    else:
        found.append(
            (OFF, "PUBLIC_URL", "not set — the Google sheet marks receipts «есть», without a link")
        )
    found.append(_secret_key(settings))
    found.append((OK, "DATABASE_URL", _hide_password(settings.effective_database_url)))
    if settings.database_migration_url is not None:
        found.append(
            (OK, "DATABASE_MIGRATION_URL", _hide_password(settings.database_migration_url))
        )
    elif settings.effective_database_url.startswith("postgresql"):
        found.append(
            (OFF, "DATABASE_MIGRATION_URL", "not set — DATABASE_URL's role runs the migrations")
        )
    found.append(
        (
            OK if settings.redis_url else OFF,
            "REDIS_URL",
            "set" if settings.redis_url else "not set — state kept in the database",
        )
    )
    found.append((OK, "TIMEZONE", settings.timezone))
    try:
        mappings = load_mappings(settings.mappings_file)
        source = (
            settings.mappings_file
            if settings.mappings_file.exists()
            else "built-in defaults (file not found)"
        )
        found.append(
            (
                OK,
                "MAPPINGS_FILE",
                f"{source}: {len(mappings.categories)} categories, "
                f"{len(mappings.roles)} seeded users",
            )
        )
    except SettingsError as exc:
        found.extend((BAD, "MAPPINGS_FILE", line) for line in exc.lines)
    if settings.sheets_configured:
        exists = Path(settings.google_service_account_file).exists()
        found.append(
            (
                OK if exists else BAD,
                "GOOGLE_SERVICE_ACCOUNT_FILE",
                "found" if exists else f"{settings.google_service_account_file} does not exist",
            )
        )
    elif settings.google_service_account_file is not None or settings.sheet_id is not None:
        missing = "SHEET_ID" if settings.sheet_id is None else "GOOGLE_SERVICE_ACCOUNT_FILE"
        found.append(
            (
                BAD,
                "GOOGLE_SERVICE_ACCOUNT_FILE/SHEET_ID",
                f"only half set: {missing} is missing, so Google Sheets stays off — set both, "
                "or neither for XLSX export only",
            )
        )
    else:
        found.append(
            (
                OFF,
                "GOOGLE_SERVICE_ACCOUNT_FILE/SHEET_ID",
                "not set — Google Sheets off, XLSX export only",
            )
        )
    if settings.amocrm_base_url:
        has_auth = settings.amocrm_long_lived_token or (
            settings.amocrm_client_id and settings.amocrm_client_secret
        )
        found.append(
            (
                OK if has_auth else BAD,
                "AMOCRM_BASE_URL",
                str(settings.amocrm_base_url)
                + (
                    ""
                    if has_auth
                    else " — but no AMOCRM_LONG_LIVED_TOKEN or AMOCRM_CLIENT_ID/SECRET"
                ),
            )
        )
        found.extend(_amocrm_webhook(settings))
    else:
        found.append((OFF, "AMOCRM_BASE_URL", "not set — amoCRM integration off"))
    return found


def _strength(length: int, minimum: int) -> str:
    return f"set ({length} characters, at least {minimum} needed)"


def _telegram_webhook_secret(settings: Settings) -> tuple[str, str, str]:
    name = "TELEGRAM_WEBHOOK_SECRET"
    secret = settings.telegram_webhook_secret
    if secret is None:
        # Settings refuse webhook mode without it: here it is polling mode.
        return (OFF, name, "not set — needed only with WEBHOOK_BASE_URL")
    length = len(secret.get_secret_value())
    if not settings.webhook_mode:
        return (OFF, name, f"set ({length} characters) but unused — polling mode")
    return (OK, name, _strength(length, WEBHOOK_SECRET_MIN_LENGTH))


def _secret_key(settings: Settings) -> tuple[str, str, str]:
    if settings.secret_key is not None:
        length = len(settings.secret_key.get_secret_value())
        return (OK, "SECRET_KEY", _strength(length, SECRET_KEY_MIN_LENGTH))
    key_file = Path(settings.data_dir) / SECRET_KEY_FILE
    if not key_file.exists():
        return (OK, "SECRET_KEY", f"not set — a key will be generated into {key_file}")
    try:
        length = len(key_file.read_text().strip())
    except OSError as exc:
        return (BAD, "SECRET_KEY", f"not set, and {key_file} cannot be read ({exc.strerror})")
    if length < SECRET_KEY_MIN_LENGTH:
        return (
            BAD,
            "SECRET_KEY",
            f"not set, and {key_file} holds only {length} characters (at least "
            f"{SECRET_KEY_MIN_LENGTH} needed) — delete the file to have a new key generated "
            "(links and invites signed with the old one stop working)",
        )
    return (OK, "SECRET_KEY", f"not set — using the generated key in {key_file}")


def _amocrm_webhook(settings: Settings) -> list[tuple[str, str, str]]:
    secret = settings.amocrm_webhook_secret
    if secret is None:
        return [
            (
                OFF,
                "AMOCRM_WEBHOOK_SECRET",
                "not set — no webhook route: deals arrive only with the reconcile every "
                f"{settings.amocrm_sync_minutes} min",
            )
        ]
    # Settings refuse webhooks without the account id: every body is checked against it.
    length = len(secret.get_secret_value())
    return [
        (OK, "AMOCRM_WEBHOOK_SECRET", _strength(length, WEBHOOK_SECRET_MIN_LENGTH)),
        (
            OK,
            "AMOCRM_ACCOUNT_ID",
            f"{settings.amocrm_account_id} — webhooks of other accounts are refused",
        ),
    ]


def report_settings_errors(lines: list[str]) -> int:
    """Settings that cannot even be loaded, in the doctor's own words: one [BAD] line each."""
    for line in lines:
        name, _, text = line.partition(": ")
        print(_line(BAD, name, text) if text else _line(BAD, "settings", line))
    print(f"\n{len(lines)} problem(s) found; fix them and run ./start doctor again.")
    return 1


def check_versions(constraints: Path = CONSTRAINTS) -> list[tuple[str, str, str]]:
    """Python and the core libraries in use; a warning for any installed package whose
    version is not the one `constraints.txt` pins (the versions the suite passed with).
    """
    from importlib import metadata

    installed = {}
    for distribution in metadata.distributions():
        name = distribution.metadata["Name"]
        if name:
            installed[_normalise(name)] = distribution.version
    core = ", ".join(
        f"{name} {installed.get(_normalise(name), 'missing')}" for name in CORE_PACKAGES
    )
    found = [(OK, "versions", f"Python {platform.python_version()}; {core}")]
    pins = _pins(constraints)
    differ = sorted(
        f"{name} {installed[name]} (pinned {pinned})"
        for name, pinned in pins.items()
        if name in installed and installed[name] != pinned
    )
    if differ:
        found.append(
            (
                WARN,
                "versions",
                f"not as {constraints.name} pins: {', '.join(differ)} — "
                "./start or ./test reinstalls the pinned ones",
            )
        )
    return found


def _normalise(name: str) -> str:
    """A distribution's name as PEP 503 compares them: `SQLAlchemy` and `sqlalchemy` agree."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _pins(constraints: Path) -> dict[str, str]:
    """The `name==version` pins of a constraints file that apply to this interpreter and
    platform (a pin may differ by Python version: its marker says which one is ours).
    """
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        text = constraints.read_text(encoding="utf-8")
    except OSError:  # an install outside the checkout: nothing to compare against
        return {}
    pins = {}
    for line in text.splitlines():
        if not line or line[0] in "# -":
            continue
        try:
            pin = Requirement(line)
        except InvalidRequirement:
            continue
        exact = [spec.version for spec in pin.specifier if spec.operator == "=="]
        if exact and (pin.marker is None or pin.marker.evaluate()):
            pins[_normalise(pin.name)] = exact[0]
    return pins


def _hide_password(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


async def check_database(settings: Settings) -> tuple[str, str, str]:
    from sqlalchemy import text

    from ledger.storage.database import create_engine

    engine = create_engine(settings.effective_database_url)
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
            version = await connection.execute(text("SELECT version_num FROM alembic_version"))
            current = version.scalar_one_or_none()
    except Exception as exc:
        message = str(exc).splitlines()[0]
        if "alembic_version" in message:
            return (BAD, "database", "reachable but not migrated — run `./start migrate`")
        return (BAD, "database", f"cannot connect: {message}")
    finally:
        await engine.dispose()
    return (OK, "database", f"reachable, schema revision {current}")


LEDGER_ROLE_QUERY = """
SELECT current_user, r.rolsuper,
       string_agg(t.tablename, ', ' ORDER BY t.tablename)
           FILTER (WHERE pg_has_role(current_user, t.tableowner, 'MEMBER')),
       string_agg(DISTINCT t.tableowner, ', ')
FROM pg_tables AS t, pg_roles AS r
WHERE t.schemaname = current_schema() AND t.tablename IN ('entries', 'audit_log')
  AND r.rolname = current_user
GROUP BY current_user, r.rolsuper
"""
# The append-only triggers an owner switched off (ALTER TABLE … DISABLE TRIGGER) and left so.
SWITCHED_OFF_QUERY = """
SELECT string_agg(tgname, ', ' ORDER BY tgname) FROM pg_trigger
WHERE tgrelid IN ('entries'::regclass, 'audit_log'::regclass) AND NOT tgisinternal
  AND tgenabled = 'D'
"""


async def check_ledger_role(settings: Settings) -> tuple[str, str, str] | None:
    """PostgreSQL: whether DATABASE_URL's role could switch the append-only triggers off (it
    owns the ledger's tables, belongs to their owner's role, or is a superuser). None on SQLite
    (no roles) and when the tables cannot be read (check_database says why)."""
    if not settings.effective_database_url.startswith("postgresql"):
        return None
    from sqlalchemy import text

    from ledger.storage.database import create_engine

    engine = create_engine(settings.effective_database_url, pooled=False)
    try:
        async with engine.connect() as connection:
            row = (await connection.execute(text(LEDGER_ROLE_QUERY))).one_or_none()
            switched_off = await connection.scalar(text(SWITCHED_OFF_QUERY))
    except Exception:
        return None
    finally:
        await engine.dispose()
    if row is None:
        return None
    role, superuser, owned, owners = row
    if switched_off:
        line = f"trigger(s) {switched_off} switched off: the ledger can be rewritten"
        return (BAD, "ledger", f"{line} — ENABLE TRIGGER them again as {owners}")
    fix = (
        "could switch the ledger's append-only triggers off — run the bot as a role that owns "
        "nothing, and migrations with DATABASE_MIGRATION_URL (README, PostgreSQL: two roles)"
    )
    if superuser:
        return (WARN, "ledger", f"DATABASE_URL's role {role} is a superuser: it {fix}")
    if owned:
        return (WARN, "ledger", f"DATABASE_URL's role {role} owns {owned}: it {fix}")
    line = f"append-only: DATABASE_URL's role {role} owns none of its tables (owner: {owners})"
    return (OK, "ledger", line)


async def check_queues(settings: Settings) -> tuple[str, str, str] | None:
    """What waits in the outbox and the amoCRM inbox, and what gave up or was refused (dead
    and refused rows wait for a person); None when the database cannot be read
    (check_database says why)."""
    from ledger.queue import DEAD, PENDING, REFUSED, DurableQueue
    from ledger.storage.database import Database
    from ledger.storage.models import AmoWebhookRow, OutboxRow

    database = Database.connect(settings.effective_database_url, pooled=False)
    try:
        async with database.read() as session:
            counts = {
                (name, status): await DurableQueue.count(session, model, status)
                for name, model in (("effects", OutboxRow), ("webhooks", AmoWebhookRow))
                for status in (PENDING, DEAD, REFUSED)
            }
    except Exception:
        return None
    finally:
        await database.dispose()
    text = (
        f"{counts['effects', PENDING]} effects and {counts['webhooks', PENDING]} amoCRM "
        "webhooks waiting"
    )
    problems = []
    if counts["effects", DEAD] + counts["webhooks", DEAD]:
        problems.append(
            f"{counts['effects', DEAD]} effects and {counts['webhooks', DEAD]} "
            "webhooks gave up after every retry (status 'dead' in tables outbox and "
            "amo_webhooks: see last_error)"
        )
    if counts["webhooks", REFUSED]:
        problems.append(
            f"{counts['webhooks', REFUSED]} amoCRM webhooks were refused on arrival, never to "
            "be applied (status 'refused' in table amo_webhooks: see last_error)"
        )
    if problems:
        return (WARN, "queues", "; ".join([text, *problems]))
    return (OK, "queues", text)


def _named_approvers(settings: Settings) -> dict[int, list[str]]:
    """Each Telegram id `[requests]` names as an approver, with the keys that name it; nothing
    when the mappings cannot be read (check_static says why)."""
    try:
        section = load_mappings(settings.mappings_file).requests
    except SettingsError:
        return {}
    keys = [
        ("requests.approvers", section.approvers),
        ("requests.deal_approvers", section.deal_approvers),
        ("requests.second_approvers", section.second_approvers),
        *(
            (f"requests.category_approvers.{name}", ids)
            for name, ids in section.category_approvers.items()
        ),
    ]
    named: dict[int, list[str]] = {}
    for key, ids in keys:
        for telegram_id in ids:
            if key not in named.setdefault(telegram_id, []):
                named[telegram_id].append(key)
    return named


async def check_request_approvers(settings: Settings) -> list[tuple[str, str, str]]:
    """Each approver `[requests]` names, against the people the bot knows: one who has not
    joined, or holds no approver role, approves nothing (a step with nobody who does goes to
    the owners), which the file alone does not show. An owner approves anything. Nothing when
    the mappings name nobody, or the mappings or the database cannot be read (check_static and
    check_database say why)."""
    named = _named_approvers(settings)
    if not named:
        return []
    from sqlalchemy import exists, select

    from ledger.roles import Role
    from ledger.storage.database import Database
    from ledger.storage.models import AuditRow, UserRoleRow, UserRow

    mappings = load_mappings(settings.mappings_file)
    database = Database.connect(settings.effective_database_url, pooled=False)
    try:
        async with database.read() as session:
            rows = await session.execute(
                select(UserRow.telegram_id, UserRow.name, UserRoleRow.role)
                .outerjoin(UserRoleRow, UserRoleRow.user_id == UserRow.id)
                .where(UserRow.telegram_id.in_(named))
            )
            seeded = await session.scalar(select(exists().where(AuditRow.action == "roles.seeded")))
    except Exception:
        return []
    finally:
        await database.dispose()
    people: dict[int, tuple[str, set[str]]] = {}
    for telegram_id, name, role in rows:
        people.setdefault(telegram_id, (name, set()))[1].update([role] if role else [])
    owners = set(settings.owner_telegram_ids)
    found = []
    for telegram_id, keys in named.items():
        name, roles = people.get(telegram_id, (None, set()))
        if telegram_id in owners or Role.APPROVER.value in roles:
            continue
        if not seeded and Role.APPROVER in mappings.roles.get(telegram_id, []):
            continue  # [roles] gives it on the first start
        if name is None:
            who = f"{telegram_id} has not joined the bot"
        else:
            held = ", ".join(sorted(roles)) or "none"
            who = f"{telegram_id} ({name}) does not hold the approver role (roles: {held})"
        found.append(
            (
                WARN,
                ", ".join(keys),
                f"{who} — they approve nothing until the owner invites them as «согласующий» "
                "(/invite); a step with no other approver who does goes to the owners",
            )
        )
    if not found:
        text = f"{len(named)} named, each holding the approver role or an owner"
        found.append((OK, "requests approvers", text))
    return found


async def check_telegram(settings: Settings) -> tuple[str, str, str] | None:
    if settings.bot_token is None:
        return None
    from bot.factory import create_bot

    bot = create_bot(settings.bot_token.get_secret_value(), settings)
    try:
        me = await bot.get_me()
    except Exception as exc:
        return (BAD, "Telegram", f"getMe failed: {type(exc).__name__}: {exc}")
    finally:
        await bot.session.close()
    return (OK, "Telegram", f"bot @{me.username} answers")


async def stored_amo_client(settings: Settings, session: aiohttp.ClientSession) -> AmoClient | None:
    """The client on `AMOCRM_LONG_LIVED_TOKEN`, or on the OAuth pair `run.py amocrm auth`
    stored in the database; None when neither exists (not authorised yet).
    """
    from amocrm_client.integration import create_amo_client

    if settings.amocrm_long_lived_token is not None:
        return create_amo_client(settings, session)
    from amocrm_client.token_store import DatabaseTokenStore
    from ledger.clock import SystemClock
    from ledger.storage.database import Database

    # Unpooled: a refresh during the check must still store the rotated pair, and nothing
    # is left open for this short command to dispose of.
    database = Database.connect(settings.effective_database_url, pooled=False)
    store = DatabaseTokenStore(database, SystemClock(settings.tz))
    try:
        if not await store.has_tokens():
            return None
    except Exception:  # not migrated or unreachable: check_database has said so
        return None
    return create_amo_client(settings, session, tokens=store)


def _amo_mapping(settings: Settings) -> tuple[AmoMapping | None, list[tuple[str, str, str]]]:
    """The `[amocrm]` section validated; None when there is nothing (valid) to check live."""
    from pydantic import ValidationError

    from config.amocrm_mapping import AmoMapping

    try:
        section = load_mappings(settings.mappings_file).amocrm
    except SettingsError:
        return None, []  # check_static has said what is wrong with the file
    try:
        # The loader may hand over the raw table or the validated section.
        mapping = section if isinstance(section, AmoMapping) else AmoMapping.model_validate(section)
    except ValidationError as exc:
        return None, [
            (BAD, ".".join(["amocrm", *(str(part) for part in error["loc"])]), error["msg"])
            for error in exc.errors()
        ]
    if not mapping.model_fields_set:
        hint = "[amocrm] is empty — run ./start amocrm fields and copy the ids into it"
        return None, [(OFF, "AMOCRM mapping", hint)]
    return mapping, []


def _amo_error_text(exc: AmoError) -> str:
    from amocrm_client.errors import AmoRateLimited, AmoServerError, AmoUnauthorized

    if isinstance(exc, AmoUnauthorized):
        hint = "the token was refused: issue a new one, or run ./start amocrm auth CODE"
    elif isinstance(exc, AmoRateLimited):
        hint = "too many requests: try again in a minute"
    elif isinstance(exc, AmoServerError):
        hint = "amoCRM failed: try again later"
    elif exc.status == 0:
        hint = "check AMOCRM_BASE_URL and the network"
    elif exc.status in (402, 403):
        hint = "the account is unpaid, blocked, or the integration lacks rights"
    else:
        hint = ""
    return f"{exc} — {hint}" if hint else str(exc)


async def _amocrm_live(
    client: AmoClient, settings: Settings, mapping: AmoMapping | None
) -> list[tuple[str, str, str]]:
    from amocrm_client.account_report import check_mapping

    account = await client.account()
    found = [(OK, "AMOCRM", f"account «{account.name}» (id {account.id}) answers")]
    if settings.amocrm_account_id is not None and settings.amocrm_account_id != account.id:
        text = f"{settings.amocrm_account_id}, but the token's account is {account.id}"
        found.append((BAD, "AMOCRM_ACCOUNT_ID", f"{text} — webhooks would be refused"))
    if mapping is None:
        return found
    problems = await check_mapping(client, mapping)
    if not problems:
        found.append((OK, "AMOCRM mapping", "every id in [amocrm] is in the account, types fit"))
    found.extend((WARN if p.warning else BAD, p.key, p.text) for p in problems)
    return found


async def check_amocrm(
    settings: Settings, client_factory: AmoClientFactory = stored_amo_client
) -> list[tuple[str, str, str]]:
    """The live account and every id of `[amocrm]` against it; an error is one line, never a
    traceback. Nothing when amoCRM is off.
    """
    if settings.amocrm_base_url is None:
        return []
    import aiohttp

    from amocrm_client.errors import AmoError

    mapping, found = _amo_mapping(settings)
    timeout = aiohttp.ClientTimeout(total=AMOCRM_TIMEOUT)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        client = await client_factory(settings, session)
        if client is None:
            return [*found, (OFF, "AMOCRM", NOT_AUTHORISED)]
        try:
            return [*found, *await _amocrm_live(client, settings, mapping)]
        except AmoError as exc:
            return [*found, (BAD, "AMOCRM", _amo_error_text(exc))]
        except (aiohttp.ClientError, TimeoutError) as exc:
            text = f"no answer from {settings.amocrm_base_url} ({type(exc).__name__})"
            return [*found, (BAD, "AMOCRM", f"{text} — try again later")]


def _service_account_email(path: Path) -> str:
    import json

    try:
        return str(json.loads(path.read_text(encoding="utf-8"))["client_email"])
    except (OSError, ValueError, KeyError):
        return "the service account's e-mail"


async def check_sheets(settings: Settings) -> tuple[str, str, str] | None:
    """Open the spreadsheet as the sync would; say why not in the owner's terms."""
    if not settings.sheets_configured:
        return None
    import asyncio

    from sheets.google_client import classify, open_from_settings

    try:
        spreadsheet = await asyncio.to_thread(open_from_settings, settings)
    except Exception as exc:  # classify turns any failure into a short, secret-free reason
        failure = classify(exc)
        if failure.status == 403:
            account = _service_account_email(settings.google_service_account_file)
            return (BAD, "SHEET_ID", f"no access: share the spreadsheet with {account} (editor)")
        if failure.status == 404:
            return (BAD, "SHEET_ID", "no such spreadsheet: copy the id from its address")
        return (BAD, "Google Sheets", failure.reason)
    return (OK, "Google Sheets", f"«{spreadsheet.title}» opens; `run.py sheet init` lays it out")


async def run_doctor(
    settings: Settings, *, amo_client_factory: AmoClientFactory = stored_amo_client
) -> int:
    results = check_static(settings)
    results.extend(check_versions())
    results.append(await check_database(settings))
    ledger = await check_ledger_role(settings)
    if ledger:
        results.append(ledger)
    queues = await check_queues(settings)
    if queues:
        results.append(queues)
    results.extend(await check_request_approvers(settings))
    telegram = await check_telegram(settings)
    if telegram:
        results.append(telegram)
    sheets = await check_sheets(settings)
    if sheets:
        results.append(sheets)
    results.extend(await check_amocrm(settings, amo_client_factory))
    for mark, name, text in results:
        print(_line(mark, name, text))
    problems = sum(1 for mark, _, _ in results if mark == BAD)
    warnings = sum(1 for mark, _, _ in results if mark == WARN)
    if problems:
        print(f"\n{problems} problem(s) found.")
    elif warnings:
        print(f"\nNo problems; {warnings} warning(s) marked [ ! ] above.")
    else:
        print("\nEverything that is set looks right.")
    return 1 if problems else 0
