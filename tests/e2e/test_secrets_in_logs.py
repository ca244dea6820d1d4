"""No secret and no token in the log of a whole run at DEBUG: start-up, Telegram updates over
the webhook, amoCRM authorised with a code, its webhooks (a wrong secret among them), leads
fetched, the OAuth pair rotated twice, an expense saved. Every line of every library is
captured the way `run.py` sets logging up, then grepped for every value that must not be
there.
"""

from __future__ import annotations

import contextlib
import io
import logging
import secrets
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from pydantic import SecretStr
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from app.runtime import create_amocrm
from app.webapp import create_runner, create_web_app
from config.logging import SQL_LOGGERS, configure_logging, secret_values
from ledger.clock import FrozenClock
from tests.e2e.conftest import OWNER_ID, WEBHOOK_SECRET, start_app
from tests.e2e.test_amocrm_deals import (
    LEAD_ID,
    SECRET,
    STATUS_BODY,
    UPDATE_BODY,
    amo_settings,
    closed_lead,
)
from tests.fakes import amocrm_deals as account
from tests.fakes.amocrm import FakeAmoCRM
from tests.fakes.telegram import FakeTelegram

# Shaped as @BotFather's: digits, a colon, 35 characters.
BOT_TOKEN = "987654321:" + secrets.token_urlsafe(27)[:35]


@contextlib.contextmanager
def captured_logging() -> Iterator[None]:
    """Whatever `configure_logging` changes is put back for the tests that follow."""
    root = logging.getLogger()
    names = ("aiogram.event", "alembic", *SQL_LOGGERS)
    saved = (list(root.handlers), root.level, {n: logging.getLogger(n).level for n in names})
    try:
        yield
    finally:
        root.handlers[:], root.level = saved[0], saved[1]
        for name, level in saved[2].items():
            logging.getLogger(name).setLevel(level)


async def _post(http: aiohttp.ClientSession, url: str, body: bytes, *, method="POST") -> int:
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    async with http.request(method, url, data=body, headers=headers) as response:
        return response.status


async def _run_everything(
    log_sql: bool, engine: AsyncEngine, database_url: str, clock: FrozenClock, tmp_path: Path
) -> tuple[str, list[str]]:
    """The whole run at DEBUG; the log it wrote and every value it must not show."""
    stream = io.StringIO()
    async with FakeTelegram(token=BOT_TOKEN) as telegram, FakeAmoCRM() as amo:
        amo.custom_fields.extend(account.CUSTOM_FIELDS)
        settings = amo_settings(telegram, amo, database_url, tmp_path).model_copy(
            update={
                "log_level": "DEBUG",
                "log_sql": log_sql,
                "telegram_webhook_secret": SecretStr(WEBHOOK_SECRET),
            }
        )
        configure_logging(settings, stream=stream)
        async with (
            start_app("webhook", telegram, settings, engine, clock) as (context, dispatcher, _),
            aiohttp.ClientSession() as http,
        ):
            integration = create_amocrm(context)
            assert integration is not None
            runner = create_runner(
                create_web_app(dispatcher, None, None, amocrm=integration.webhook_config())
            )
            await runner.setup()
            await web.TCPSite(runner, "127.0.0.1", 0).start()
            hook = f"http://127.0.0.1:{runner.addresses[0][1]}/amocrm/webhook/"
            try:
                await integration.client.exchange_code(amo.issue_code())  # `amocrm auth CODE`
                amo.leads[LEAD_ID] = closed_lead()
                assert await _post(http, hook + SECRET, STATUS_BODY) == 200
                assert await _post(http, hook + "a-wrong-secret-1234", STATUS_BODY) == 403
                assert await _post(http, hook + SECRET, b"", method="GET") == 405
                assert await integration.worker.run_until_empty() == 1
                for _ in range(2):  # the access token expires, the pair rotates
                    amo.expire_access_tokens()
                    assert await _post(http, hook + SECRET, UPDATE_BODY) == 200
                    await integration.worker.run_until_empty()
                await integration.reconcile()
                owner = telegram.user(OWNER_ID, "Ольга")
                await owner.send("1500 такси")
                await owner.tap("✅ Сохранить")
                assert "Расход сохранён" in owner.last_message().body
            finally:
                await runner.cleanup()
                await integration.close()
    assert len(amo.requests_to("POST", "/oauth2/access_token")) == 3  # a code, two refreshes
    password = make_url(database_url).password
    values = [*secret_values(settings), *amo.issued, *([password] if password else [])]
    return stream.getvalue(), values


@pytest.mark.parametrize("log_sql", [False, True], ids=["debug", "debug-with-log-sql"])
async def test_the_debug_log_of_a_whole_run_shows_no_secret_and_no_token(
    log_sql: bool, engine: AsyncEngine, database_url: str, clock: FrozenClock, tmp_path: Path
) -> None:
    with captured_logging():
        log, values = await _run_everything(log_sql, engine, database_url, clock, tmp_path)
        assert logging.getLogger().level == logging.DEBUG  # as LOG_LEVEL=DEBUG sets it

    assert len(values) >= 10  # bot token, webhook secrets, key, client secret, 3 pairs, a code
    shown = [value for value in values if value in log]
    assert shown == [], f"{len(shown)} secret(s) in the log"
    # The log saw the run: the refusal, the reconcile, the access lines.
    assert "amoCRM webhook refused: wrong secret in the path" in log
    assert "amoCRM reconcile: 5 leads read" in log
    assert '"POST /amocrm/webhook/***" 200' in log
    assert '"GET /amocrm/webhook/***" 405' in log
    if log_sql:
        assert "amo_tokens" in log
        assert "[SQL parameters hidden due to hide_parameters=True]" in log
    else:
        assert "amo_tokens" not in log  # no statement at all without LOG_SQL
