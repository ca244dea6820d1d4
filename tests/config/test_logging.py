"""Secrets never reach a log line: `RedactSecrets` masks them wherever they appear."""

from __future__ import annotations

import io
import logging

import pytest

from config.logging import RedactSecrets

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


def test_short_or_empty_values_are_not_treated_as_secrets() -> None:
    redact = RedactSecrets(["", "abc", "INFO"])
    record = _record("INFO about abc")

    redact.filter(record)

    assert _formatted(record).endswith("INFO about abc")


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
