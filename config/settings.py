"""Settings read from the environment and `.env`.

The names users set are flat (`BOT_TOKEN`, `DATABASE_URL`, …) as DESIGN.md lists them. A wrong
value stops start-up with one line per problem naming the setting (`load_settings` raises
`SettingsError`); a missing optional one switches its feature off.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AnyHttpUrl,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_DATA_DIR = Path("data")
SQLITE_FILE_NAME = "kopeyka.sqlite3"
SECRET_KEY_FILE = "secret_key"  # in DATA_DIR, generated when SECRET_KEY is not set

# Telegram's rule for setWebhook(secret_token=…): 1-256 characters of A-Z, a-z, 0-9, _ and -.
_WEBHOOK_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
# amoCRM's secret is the last segment of the webhook's address: characters a URL carries as
# they are (RFC 3986 "unreserved"), so the address pasted into amoCRM is the one we compare.
_PATH_SECRET = re.compile(r"^[A-Za-z0-9._~-]+$")
# Shorter secrets are guessable: anyone who guesses one signs links or posts updates.
SECRET_KEY_MIN_LENGTH = 32
WEBHOOK_SECRET_MIN_LENGTH = 16
NEW_SECRET = 'python -c "import secrets; print(secrets.token_urlsafe(32))"'
# aiogram refuses a token that is not "<digits>:<something without spaces>".
_BOT_TOKEN = re.compile(r"^\d+:\S+$")


class SettingsError(Exception):
    """Start-up must stop: `lines` name each wrong setting in plain words."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        case_sensitive=False,
    )

    bot_token: SecretStr | None = None
    owner_telegram_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    telegram_api_url: AnyHttpUrl | None = None
    webhook_base_url: AnyHttpUrl | None = None
    telegram_webhook_secret: SecretStr | None = None
    web_host: str = "127.0.0.1"
    web_port: int = Field(default=8080, ge=1, le=65535)
    # Where people reach the web app, for links it serves (a receipt in the Google sheet);
    # WEBHOOK_BASE_URL when not set, since Telegram reaches the same app there.
    public_url: AnyHttpUrl | None = None
    # The accountant's and owner's web cabinet at PUBLIC_URL/cabinet/: /cabinet in the bot
    # sends a one-time login link, and over https the bot's menu button opens it as a Mini App.
    cabinet: bool = False

    secret_key: SecretStr | None = None
    data_dir: Path = DEFAULT_DATA_DIR
    database_url: str | None = None
    # PostgreSQL: the role that owns the schema, for migrations; DATABASE_URL's role then owns
    # nothing (README, "PostgreSQL: two roles").
    database_migration_url: str | None = None
    redis_url: str | None = None
    timezone: str = "Europe/Moscow"
    mappings_file: Path = Path("config/mappings.toml")
    default_language: str = "ru"
    amount_limit: Decimal = Field(default=Decimal("1000000000"), gt=0)
    # The hour (in TIMEZONE) the owners hear who holds cash and managers still holding it
    # are reminded to hand it in.
    evening_summary_hour: int = Field(default=20, ge=0, le=23)
    log_level: str = "INFO"
    # SQL statements in the log (at INFO), their values always hidden; off: never logged.
    log_sql: bool = False

    google_service_account_file: Path | None = None
    sheet_id: str | None = None
    google_sheets_endpoint: AnyHttpUrl | None = None
    sheets_sync_seconds: int = Field(default=30, ge=5, le=3600)

    amocrm_base_url: AnyHttpUrl | None = None
    amocrm_account_id: int | None = None
    amocrm_webhook_secret: SecretStr | None = None
    amocrm_client_id: str | None = None
    amocrm_client_secret: SecretStr | None = None
    amocrm_redirect_uri: AnyHttpUrl | None = None
    amocrm_long_lived_token: SecretStr | None = None
    amocrm_sync_minutes: int = Field(default=15, ge=1, le=1440)
    # Where the inbox worker runs: a child process of `run` (acknowledgements never wait for
    # lead processing), inside the bot's own event loop, or elsewhere (`run.py amocrm worker`);
    # `auto` is a process on PostgreSQL, inline on SQLite (see `amocrm_worker_mode`).
    amocrm_worker: Literal["auto", "process", "inline", "external"] = "auto"

    @model_validator(mode="before")
    @classmethod
    def _blank_means_default(cls, data: Any) -> Any:
        # `KEY=` from a copied `.env.example` means "not set" for every setting, including
        # those with a default (WEB_PORT, TIMEZONE, MAPPINGS_FILE…), not an empty value.
        if isinstance(data, dict):
            return {
                key: value
                for key, value in data.items()
                if not (isinstance(value, str) and not value.strip())
            }
        return data

    @field_validator("owner_telegram_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: Any) -> Any:
        if isinstance(value, str):
            parts = [part.strip() for part in value.split(",") if part.strip()]
            for part in parts:
                if not part.isdigit():
                    raise ValueError(
                        f"'{part}' is not a Telegram id: use numbers separated by commas"
                    )
            return [int(part) for part in parts]
        if isinstance(value, int):
            return [value]
        return value

    @field_validator("bot_token")
    @classmethod
    def _check_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not _BOT_TOKEN.match(value.get_secret_value()):
            raise ValueError("does not look like a bot token from @BotFather (123456:ABC…)")
        return value

    @field_validator("telegram_webhook_secret")
    @classmethod
    def _check_webhook_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return value
        secret = value.get_secret_value()
        if not _WEBHOOK_SECRET.match(secret):
            raise ValueError(
                f"use {WEBHOOK_SECRET_MIN_LENGTH}-256 characters: letters, digits, _ and - only "
                f"(Telegram's rule) — generate one with: {NEW_SECRET}"
            )
        _check_length(secret, WEBHOOK_SECRET_MIN_LENGTH)
        return value

    @field_validator("amocrm_webhook_secret")
    @classmethod
    def _check_amocrm_webhook_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return value
        secret = value.get_secret_value()
        if not _PATH_SECRET.match(secret):
            raise ValueError(
                "use letters, digits and . _ ~ - only: it is the last part of the webhook's "
                f"address — generate one with: {NEW_SECRET}"
            )
        _check_length(secret, WEBHOOK_SECRET_MIN_LENGTH)
        return value

    @field_validator("secret_key")
    @classmethod
    def _check_secret_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            _check_length(value.get_secret_value(), SECRET_KEY_MIN_LENGTH)
        return value

    @field_validator("timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone '{value}' (e.g. Europe/Moscow)") from None
        return value

    @field_validator("database_url", "database_migration_url")
    @classmethod
    def _check_database_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(
            ("sqlite+aiosqlite://", "postgresql+asyncpg://")
        ):
            raise ValueError(
                "use sqlite+aiosqlite:///path/to/file.sqlite3 "
                "or postgresql+asyncpg://user:password@host/db"
            )
        return value

    @field_validator("default_language")
    @classmethod
    def _check_language(cls, value: str) -> str:
        if value not in ("ru", "en"):
            raise ValueError("use ru or en")
        return value

    @field_validator("log_level")
    @classmethod
    def _check_log_level(cls, value: str) -> str:
        value = value.upper()
        if value not in ("DEBUG", "INFO", "WARNING", "ERROR"):
            raise ValueError("use DEBUG, INFO, WARNING or ERROR")
        return value

    @model_validator(mode="after")
    def _check_pairs(self) -> Settings:
        problems = []
        if self.webhook_base_url is not None and self.telegram_webhook_secret is None:
            problems.append(
                "TELEGRAM_WEBHOOK_SECRET: required with WEBHOOK_BASE_URL — webhook mode needs "
                "a secret so nobody else can post updates; generate one with: " + NEW_SECRET
            )
        if self.amocrm_webhooks_on and self.amocrm_account_id is None:
            problems.append(
                "AMOCRM_ACCOUNT_ID: required with AMOCRM_WEBHOOK_SECRET — without it a webhook "
                "from any amoCRM account would be stored; set your account's numeric id "
                "(`./start amocrm auth` and `./start amocrm fields` print it; leave "
                "AMOCRM_WEBHOOK_SECRET blank until then)"
            )
        if self.cabinet and self.public_base_url is None:
            problems.append(
                "CABINET: needs PUBLIC_URL (or WEBHOOK_BASE_URL), the https address people open "
                "the cabinet at, e.g. https://kopeyka.example.com"
            )
        if problems:
            # One error, one line per problem: load_settings splits them.
            raise ValueError("\n".join(problems))
        return self

    @model_validator(mode="after")
    def _check_migration_url(self) -> Settings:
        if self.database_migration_url is None:
            return self
        from sqlalchemy.engine import make_url  # only here: start-up stays quick without it

        owner, app = make_url(self.database_migration_url), make_url(self.effective_database_url)
        if owner.get_backend_name() != "postgresql" or app.get_backend_name() != "postgresql":
            raise ValueError(
                "DATABASE_MIGRATION_URL is for PostgreSQL (SQLite has no roles): "
                "leave it blank, or set DATABASE_URL to the same PostgreSQL database"
            )
        if (owner.host, owner.port, owner.database) != (app.host, app.port, app.database):
            raise ValueError(
                "DATABASE_MIGRATION_URL must name the same database as DATABASE_URL "
                "(only the user and password differ)"
            )
        return self

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{self.data_dir / SQLITE_FILE_NAME}"

    @property
    def amocrm_worker_mode(self) -> str:
        """`AMOCRM_WORKER` with `auto` decided. SQLite has one writer: a second process gets
        the file lock only through SQLite's busy handler, whose growing sleeps starve the
        webhook answers (bench/webhooks.py shows it), so on SQLite the worker shares the
        bot's loop and its in-process write gate."""
        if self.amocrm_worker != "auto":
            return self.amocrm_worker
        return "inline" if self.effective_database_url.startswith("sqlite") else "process"

    @property
    def webhook_mode(self) -> bool:
        return self.webhook_base_url is not None

    @property
    def public_base_url(self) -> str | None:
        """The web app's public address without a trailing slash; None: no links to it."""
        url = self.public_url or self.webhook_base_url
        return str(url).rstrip("/") if url is not None else None

    @property
    def cabinet_url(self) -> str | None:
        """The cabinet's address, when it is on."""
        base = self.public_base_url
        return f"{base}/cabinet" if self.cabinet and base is not None else None

    @property
    def amocrm_webhooks_on(self) -> bool:
        """amoCRM posts webhooks here: the integration is on and the route has its secret."""
        return self.amocrm_base_url is not None and self.amocrm_webhook_secret is not None

    @property
    def sheets_configured(self) -> bool:
        """Google Sheets is on: both the service account key and the spreadsheet are set."""
        return self.google_service_account_file is not None and self.sheet_id is not None


def _check_length(secret: str, minimum: int) -> None:
    """A secret too short to be safe is refused; the message never shows the value."""
    if len(secret) < minimum:
        raise ValueError(
            f"too short to be safe ({len(secret)} characters): use at least {minimum} "
            f"random ones — generate them with: {NEW_SECRET}"
        )


def _describe(error: dict[str, Any]) -> list[str]:
    location = [str(part) for part in error.get("loc", ())]
    message = str(error.get("msg", "invalid"))
    message = message.removeprefix("Value error, ")
    if not location:
        # A check across settings names its setting at the start of each line itself.
        return message.splitlines()
    name = location[0].upper()
    if str(error.get("type", "")).startswith("url_"):
        # pydantic says "relative URL without a base"; a person needs the fix.
        given = error.get("input")
        example = "https://yourcompany.amocrm.ru" if "AMOCRM" in name else "https://example.com"
        return [
            f"{name}: '{given}' is not a full web address — write it with https://, e.g. {example}"
        ]
    return [f"{name}: {message}"]


def load_settings(**overrides: Any) -> Settings:
    """Read settings; raise `SettingsError` with one plain line per wrong setting."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        raise SettingsError([line for error in exc.errors() for line in _describe(error)]) from None
