"""Logging set-up. Secrets never reach a log line: known ones are masked wherever they appear."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from config.settings import Settings


class RedactSecrets(logging.Filter):
    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        # Short values would mask ordinary words; real secrets are long.
        self._secrets = sorted({s for s in secrets if s and len(s) >= 8}, key=len, reverse=True)

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._secrets:
            return True
        message = record.getMessage()
        masked = self._mask(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            # Formatters reuse `exc_text`: masking it here keeps secrets out of tracebacks.
            record.exc_text = self._mask(logging.Formatter().formatException(record.exc_info))
        return True

    def _mask(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text


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
    return [value.get_secret_value() for value in values if value is not None]


def setup_logging(level: str, secrets: Iterable[str] = ()) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # aiogram logs every handled update at INFO; that is noise in a terminal.
    logging.getLogger("aiogram.event").setLevel(logging.WARNING)
    # Alembic narrates every start-up check of the schema; only problems are worth a line.
    logging.getLogger("alembic").setLevel(max(logging.WARNING, root.level))
