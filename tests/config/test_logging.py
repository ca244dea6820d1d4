"""Secrets never reach a log line: `RedactSecrets` masks them wherever they appear."""

from __future__ import annotations

import io
import logging
import secrets

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from config.logging import (
    SQL_LOGGERS,
    RedactSecrets,
    remember_secret,
    secret_values,
    setup_logging,
)
from config.settings import Settings
from ledger.storage.database import create_engine

BOT_TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
WEBHOOK_SECRET = "webhook-secret-0123456789"


def _record(msg: str, *args: object) -> logging.LogRecord:
    return logging.LogRecord(
        name="aiogram.client",
        level=logging.WARNING,
        pathname=__file__,
        lineno=1,
        msg=msg,
        args=args or None,
        exc_info=None,
    )


def _formatted(record: logging.LogRecord) -> str:
    return logging.Formatter("%(levelname)s %(name)s: %(message)s").format(record)


@pytest.fixture
def redact() -> RedactSecrets:
    return RedactSecrets([BOT_TOKEN, WEBHOOK_SECRET])


def test_a_secret_in_the_message_is_masked(redact: RedactSecrets) -> None:
    record = _record(f"request to https://api.telegram.org/bot{BOT_TOKEN}/getMe failed")

    assert redact.filter(record) is True

    line = _formatted(record)
    assert BOT_TOKEN not in line
    assert "https://api.telegram.org/bot***/getMe failed" in line


def test_a_secret_passed_through_percent_args_is_masked(redact: RedactSecrets) -> None:
    record = _record("setWebhook(secret_token=%s) for %s answered %d", WEBHOOK_SECRET, "bot", 400)

    redact.filter(record)

    line = _formatted(record)
    assert WEBHOOK_SECRET not in line
    assert "setWebhook(secret_token=***) for bot answered 400" in line


def test_a_secret_inside_a_longer_argument_is_masked(redact: RedactSecrets) -> None:
    record = _record("calling %r", {"url": f"https://api.telegram.org/bot{BOT_TOKEN}/getMe"})

    redact.filter(record)

    assert BOT_TOKEN not in _formatted(record)


def test_every_known_secret_is_masked_in_one_record(redact: RedactSecrets) -> None:
    record = _record("token %s secret %s", BOT_TOKEN, WEBHOOK_SECRET)

    redact.filter(record)

    assert _formatted(record).endswith("token *** secret ***")


def test_a_record_without_secrets_is_left_alone(redact: RedactSecrets) -> None:
    record = _record("outbox row %s (%s) failed: %s", 7, "notify", "timeout")

    assert redact.filter(record) is True

    assert record.msg == "outbox row %s (%s) failed: %s"
    assert record.args == (7, "notify", "timeout")
    assert _formatted(record).endswith("outbox row 7 (notify) failed: timeout")


def test_empty_values_are_not_treated_as_secrets() -> None:
    redact = RedactSecrets(["", "  "])
    record = _record("nothing to hide here")

    redact.filter(record)

    assert _formatted(record).endswith("nothing to hide here")


def test_a_short_secret_is_masked_as_a_whole_word_or_path_segment_only() -> None:
    redact = RedactSecrets(["abc"])
    record = _record('"POST /amocrm/webhook/abc HTTP/1.1" 403, secret abc; abcdef and xabc stay')

    redact.filter(record)

    assert _formatted(record).endswith(
        '"POST /amocrm/webhook/*** HTTP/1.1" 403, secret ***; abcdef and xabc stay'
    )


def test_a_secret_logged_through_a_real_logger_never_reaches_the_handler(
    caplog: pytest.LogCaptureFixture,
) -> None:
    logger = logging.getLogger("kopeyka.test_logging")
    logger.addFilter(RedactSecrets([BOT_TOKEN]))
    try:
        with caplog.at_level(logging.INFO, logger=logger.name):
            logger.info("bot token is %s", BOT_TOKEN)
    finally:
        logger.filters.clear()

    assert caplog.messages == ["bot token is ***"]
    assert BOT_TOKEN not in caplog.text


def test_a_secret_inside_a_logged_traceback_is_masked() -> None:
    secret = "123456:SECRET-token-in-an-error"
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactSecrets([secret]))
    logger = logging.getLogger("test.redact.traceback")
    logger.addHandler(handler)
    try:
        try:
            raise RuntimeError(f"request to /bot{secret}/getMe failed")
        except RuntimeError:
            logger.exception("Telegram call failed")
    finally:
        logger.removeHandler(handler)
    assert secret not in stream.getvalue()
    assert "***" in stream.getvalue()


# -- what nobody configured: credentials by their shape ------------------------------------

JWT = (
    "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJhdWQiOiIxMjM0NTY3ODkwIiwianRpIjoiYWJjIn0."
    "Q2hhbmdlZF9zaWduYXR1cmVfdmFsdWVfZm9yX3Rlc3Rz"
)


@pytest.mark.parametrize(
    ("message", "shown"),
    [
        pytest.param(f"amoCRM answered {JWT}", "amoCRM answered ***", id="jwt"),
        pytest.param(
            "GET https://api.telegram.org/bot5555555555:AAF1bC2dE3fG4hI5jK6lM7nO8pQ9rS0tU1v/getMe",
            "GET https://api.telegram.org/bot***/getMe",
            id="bot-token",
        ),
        pytest.param(
            "headers {'Authorization': 'Bearer 1a2b.c3-d4'}",
            "headers {'Authorization': 'Bearer ***'}",
            id="bearer",
        ),
        pytest.param(
            "POST /oauth2/access_token grant_type=refresh_token&refresh_token=def502&x=1",
            "POST /oauth2/access_token grant_type=refresh_token&refresh_token=***&x=1",
            id="form-field",
        ),
        pytest.param(
            '{"access_token": "short1", "client_secret": "s2", "expires_in": 86400}',
            '{"access_token": "***", "client_secret": "***", "expires_in": 86400}',
            id="json-fields",
        ),
        pytest.param(
            "setWebhook(secret_token=abc)", "setWebhook(secret_token=***)", id="keyword-argument"
        ),
        pytest.param(
            "key 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 used",
            "key *** used",
            id="hex-run",
        ),
        pytest.param(
            f"file {secrets.token_urlsafe(32)}0aZ sent", "file *** sent", id="base64url-run"
        ),
    ],
)
def test_what_looks_like_a_credential_is_masked_unannounced(message: str, shown: str) -> None:
    record = _record(message)

    RedactSecrets([]).filter(record)

    assert _formatted(record).endswith(f": {shown}")


@pytest.mark.parametrize(
    "message",
    [
        "test_a_deal_closed_in_the_crm_and_its_webhook_become_expected_payments passed",
        "wrote /tmp/pytest-of-root/pytest-12/test_Export_0/data/ledger-2026-11-23.xlsx",
        "amoCRM reconcile: 5 leads read, 4 deals changed, 0 gone, 0 errors",
        "tokens refreshed; secret in the path was wrong",
        "update 123456789:processed in 0.015s",
    ],
)
def test_ordinary_lines_are_left_alone(message: str) -> None:
    record = _record(message)

    RedactSecrets([]).filter(record)

    assert _formatted(record).endswith(f": {message}")


def test_a_secret_remembered_at_run_time_is_masked_by_filters_made_before() -> None:
    redact = RedactSecrets([])
    rotated = f"access-{secrets.token_hex(8)}"
    assert _formatted_after(redact, f"pair {rotated}").endswith(f"pair {rotated}")

    remember_secret(rotated, None, "")

    assert _formatted_after(redact, f"pair {rotated}").endswith("pair ***")


def _formatted_after(redact: RedactSecrets, message: str) -> str:
    record = _record(message)
    redact.filter(record)
    return _formatted(record)


def test_the_database_password_is_a_secret_as_written_and_decoded() -> None:
    settings = Settings(
        _env_file=None,
        database_url="postgresql+asyncpg://kopeyka:p%40ss-w0rd@db/kopeyka",
        redis_url="redis://:redis-pass@cache:6379/0",
    )

    assert {"p%40ss-w0rd", "p@ss-w0rd", "redis-pass"} <= set(secret_values(settings))


# -- database statements never carry their values into a log line ---------------------------


@pytest.fixture
def restored_logging():
    root = logging.getLogger()
    names = ("aiogram.event", "alembic", *SQL_LOGGERS)
    saved = (list(root.handlers), root.level, {n: logging.getLogger(n).level for n in names})
    yield
    root.handlers[:], root.level = saved[0], saved[1]
    for name, level in saved[2].items():
        logging.getLogger(name).setLevel(level)


@pytest.mark.usefixtures("restored_logging")
def test_at_debug_the_loggers_that_print_statement_values_stay_at_warning() -> None:
    setup_logging("DEBUG", stream=io.StringIO())

    assert logging.getLogger().level == logging.DEBUG
    for name in SQL_LOGGERS:
        assert logging.getLogger(name).getEffectiveLevel() == logging.WARNING, name
    assert not logging.getLogger("sqlalchemy.engine.Engine").isEnabledFor(logging.INFO)


@pytest.mark.usefixtures("restored_logging")
def test_log_sql_shows_statements_but_never_aiosqlites_calls() -> None:
    setup_logging("WARNING", log_sql=True, stream=io.StringIO())

    assert logging.getLogger("sqlalchemy.engine.Engine").isEnabledFor(logging.INFO)
    assert not logging.getLogger("aiosqlite").isEnabledFor(logging.INFO)


@pytest.mark.usefixtures("restored_logging")
async def test_a_failed_statement_names_no_value_in_the_log_or_the_error(tmp_path) -> None:
    stream = io.StringIO()
    setup_logging("DEBUG", log_sql=True, stream=stream)
    value = f"refresh-{secrets.token_hex(4)}"  # short hex: no shape would mask it
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}")
    try:
        async with engine.begin() as connection:
            await connection.execute(text("CREATE TABLE t (v TEXT UNIQUE)"))
            await connection.execute(text("INSERT INTO t VALUES (:v)"), {"v": value})
        with pytest.raises(IntegrityError) as caught:
            async with engine.begin() as connection:
                await connection.execute(text("INSERT INTO t VALUES (:v)"), {"v": value})
    finally:
        await engine.dispose()

    assert "INSERT INTO t VALUES (?)" in stream.getvalue()
    assert value not in stream.getvalue()
    assert value not in str(caught.value)
