"""`run.py doctor`: every setting checked, in plain words, with what to do about it."""

from __future__ import annotations

from pathlib import Path

from config.mappings import load_mappings
from config.settings import Settings, SettingsError

OK, OFF, BAD = "ok ", "off", "BAD"


def _line(mark: str, name: str, text: str) -> str:
    return f"[{mark}] {name}: {text}"


def check_static(settings: Settings) -> list[tuple[str, str, str]]:
    """Checks that need no network: what is set, what is off, what is inconsistent."""
    found: list[tuple[str, str, str]] = []
    if settings.bot_token is None:
        found.append(
            (OFF, "BOT_TOKEN", "not set — `run.py run` opens the console instead of Telegram")
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
    found.append((OK, "WEB_HOST/WEB_PORT", f"{settings.web_host}:{settings.web_port}"))
    if settings.secret_key is None:
        key_file = Path(settings.data_dir) / "secret_key"
        state = "exists" if key_file.exists() else "will be generated on first run"
        found.append((OK, "SECRET_KEY", f"not set — using {key_file} ({state})"))
    else:
        found.append((OK, "SECRET_KEY", "set"))
    found.append((OK, "DATABASE_URL", _hide_password(settings.effective_database_url)))
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
    sheets = settings.google_service_account_file and settings.sheet_id
    if sheets:
        exists = Path(settings.google_service_account_file).exists()
        found.append(
            (
                OK if exists else BAD,
                "GOOGLE_SERVICE_ACCOUNT_FILE",
                "found" if exists else f"{settings.google_service_account_file} does not exist",
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
    else:
        found.append((OFF, "AMOCRM_BASE_URL", "not set — amoCRM integration off"))
    return found


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
            return (BAD, "database", "reachable but not migrated — run `python run.py migrate`")
        return (BAD, "database", f"cannot connect: {message}")
    finally:
        await engine.dispose()
    return (OK, "database", f"reachable, schema revision {current}")


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


async def run_doctor(settings: Settings) -> int:
    results = check_static(settings)
    results.append(await check_database(settings))
    telegram = await check_telegram(settings)
    if telegram:
        results.append(telegram)
    for mark, name, text in results:
        print(_line(mark, name, text))
    problems = sum(1 for mark, _, _ in results if mark == BAD)
    print(
        f"\n{problems} problem(s) found." if problems else "\nEverything that is set looks right."
    )
    return 1 if problems else 0
