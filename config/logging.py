"""Logging set-up. No secret reaches a log line, whatever the level:

- nothing logs a database statement's values: every engine hides its parameters
  (`hide_parameters`), and the loggers that would print them (SQLAlchemy's engine, aiosqlite)
  stay at WARNING even at DEBUG; `LOG_SQL=1` shows the statements, still without values;
- every configured secret is masked wherever it appears (one shorter than 8 characters as a
  whole word or path segment, so a short secret does not mask every "a"), and so is every
  secret learned at run time through `remember_secret` (the amoCRM tokens as they rotate);
- whatever is shaped like a credential is masked too: JWTs, bot tokens, `Bearer …`,
  `access_token=…` and the like, long runs of hex or base64.

The filter sits on the root handler, so it sees every record of every library.
"""

from __future__ import annotations

import logging
import re
import sys
import threading
from collections.abc import Iterable
from typing import TextIO
from urllib.parse import unquote, urlsplit

from config.settings import Settings

MASK = "***"
# A secret shorter than this is masked only as a whole word: inside words it is ordinary text.
SHORT_SECRET = 8
# Loggers that print a statement's values (aiosqlite logs each call with its arguments):
# never below WARNING. `LOG_SQL` lets SQLAlchemy's engine show statements (values hidden).
SQL_LOGGERS = ("sqlalchemy.engine", "sqlalchemy.pool", "aiosqlite")
_WORD = "A-Za-z0-9_-"

# Shapes of credentials, masked even when nobody told us the value.
_KEY_VALUE = re.compile(
    r"(?P<key>(?i:\b[a-z_]*(?:token|secret|password|passwd|api_?key)(?:_key)?)"
    r"[\"']?\s*[=:]\s*[\"']?)"
    r"(?P<value>[^\s\"'&,;)}\]]+)"
)
_BEARER = re.compile(r"(?P<key>\b(?i:bearer|basic)\s+)(?P<value>[A-Za-z0-9._~+/=-]+)")
_SHAPES = re.compile(
    r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}(?:\.[A-Za-z0-9_-]*)?"  # a JWT
    r"|(?<!\d)\d{5,}:[A-Za-z0-9_-]{35}(?![A-Za-z0-9_-])"  # a Telegram bot token
    rf"|(?<![{_WORD}])[0-9a-fA-F]{{32,}}(?![{_WORD}])"  # a long hex run
    r"|(?<![A-Za-z0-9+_-])[A-Za-z0-9+_-]{32,}={0,2}"  # a long base64 run (checked below)
)


def _looks_random(run: str) -> bool:
    """A long run is a token when it mixes digits and both cases; identifiers do not."""
    return (
        any(c.isdigit() for c in run)
        and any(c.islower() for c in run)
        and any(c.isupper() for c in run)
    ) or all(c in "0123456789abcdefABCDEF" for c in run)


def _mask_shape(match: re.Match[str]) -> str:
    return MASK if _looks_random(match.group()) else match.group()


class _Learned:
    """Secrets met at run time (a rotated OAuth pair): every filter masks them from then on."""

    def __init__(self) -> None:
        self._values: set[str] = set()
        self._lock = threading.Lock()
        self.version = 0

    def add(self, value: str | None) -> None:
        if not value or value in self._values:
            return
        with self._lock:
            self._values.add(value)
            self.version += 1

    def snapshot(self) -> frozenset[str]:
        with self._lock:
            return frozenset(self._values)


_LEARNED = _Learned()


def remember_secret(*values: str | None) -> None:
    """From now on mask `values` in every log line (tokens obtained or refreshed at run time)."""
    for value in values:
        _LEARNED.add(value)


def _secrets_pattern(secrets: Iterable[str]) -> re.Pattern[str] | None:
    alternatives = []
    for secret in sorted(set(secrets), key=len, reverse=True):
        escaped = re.escape(secret)
        if len(secret) < SHORT_SECRET:
            escaped = rf"(?<![{_WORD}]){escaped}(?![{_WORD}])"
        alternatives.append(escaped)
    return re.compile("|".join(alternatives)) if alternatives else None


class RedactSecrets(logging.Filter):
    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self._configured = frozenset(s for s in secrets if s and s.strip())
        self._version = -1
        self._pattern: re.Pattern[str] | None = None

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = self.mask(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            # Formatters reuse `exc_text`: masking it here keeps secrets out of tracebacks.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.mask(record.exc_text)
        if record.stack_info:
            record.stack_info = self.mask(record.stack_info)
        return True

    def mask(self, text: str) -> str:
        pattern = self._secrets()
        if pattern is not None:
            text = pattern.sub(MASK, text)
        text = _KEY_VALUE.sub(lambda m: m.group("key") + MASK, text)
        text = _BEARER.sub(lambda m: m.group("key") + MASK, text)
        return _SHAPES.sub(_mask_shape, text)

    def _secrets(self) -> re.Pattern[str] | None:
        if self._version != _LEARNED.version:
            version = _LEARNED.version
            self._pattern = _secrets_pattern(self._configured | _LEARNED.snapshot())
            self._version = version
        return self._pattern


def _url_passwords(url: str | None) -> list[str]:
    """The password of a database or Redis URL, as written and decoded."""
    if not url:
        return []
    try:
        password = urlsplit(url).password
    except ValueError:
        return []
    return [password, unquote(password)] if password else []


def secret_values(settings: Settings) -> list[str]:
    """Every secret setting that is set: what the log must never show."""
    values = [
        settings.bot_token,
        settings.telegram_webhook_secret,
        settings.secret_key,
        settings.amocrm_client_secret,
        settings.amocrm_long_lived_token,
        settings.amocrm_webhook_secret,
    ]
    found = [value.get_secret_value() for value in values if value is not None]
    return (
        found
        + _url_passwords(settings.database_url)
        + _url_passwords(settings.database_migration_url)
        + _url_passwords(settings.redis_url)
    )


def setup_logging(
    level: str,
    secrets: Iterable[str] = (),
    *,
    log_sql: bool = False,
    stream: TextIO | None = None,
) -> None:
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # aiogram logs every handled update at INFO; that is noise in a terminal.
    logging.getLogger("aiogram.event").setLevel(logging.WARNING)
    # Alembic narrates every start-up check of the schema; only problems are worth a line.
    logging.getLogger("alembic").setLevel(max(logging.WARNING, root.level))
    quiet = max(logging.WARNING, root.level)
    for name in SQL_LOGGERS:
        logging.getLogger(name).setLevel(quiet)
    if log_sql:
        logging.getLogger("sqlalchemy.engine").setLevel(logging.INFO)


def configure_logging(settings: Settings, stream: TextIO | None = None) -> None:
    """Logging as the settings ask (LOG_LEVEL, LOG_SQL), every secret of them masked."""
    setup_logging(
        settings.log_level, secret_values(settings), log_sql=settings.log_sql, stream=stream
    )
