"""`run.py run` as a user starts it: a real process, settings from the environment, the fake
Telegram behind TELEGRAM_API_URL, in polling and in webhook mode; the web app runs in both
(polling mode has PUBLIC_URL set: the receipts the sheet links to are served)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.e2e.conftest import OWNER_ID, REPO
from tests.fakes.telegram import FakeTelegram

START_TIMEOUT = 40  # seconds: a cold interpreter imports aiogram slowly on small machines


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(params=["polling", "webhook"])
async def running_bot(
    request: pytest.FixtureRequest,
    telegram: FakeTelegram,
    engine: AsyncEngine,  # an empty database, on PostgreSQL too
    database_url: str,
    tmp_path: Path,
) -> AsyncIterator[tuple[FakeTelegram, str]]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("BOT_", "WEB"))}
    env |= {
        "BOT_TOKEN": telegram.token,
        "OWNER_TELEGRAM_IDS": str(OWNER_ID),
        "TELEGRAM_API_URL": telegram.base_url,
        "DATABASE_URL": database_url,
        "DATA_DIR": str(tmp_path / "data"),
        "MAPPINGS_FILE": str(REPO / "config" / "mappings.toml"),
        "PYTHONPATH": str(REPO),
    }
    port = _free_port()
    web = f"http://127.0.0.1:{port}"
    env["WEB_PORT"] = str(port)
    if request.param == "webhook":
        env |= {"WEBHOOK_BASE_URL": web, "TELEGRAM_WEBHOOK_SECRET": "run-command-secret"}
    else:
        env["PUBLIC_URL"] = web
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(REPO / "run.py"),
        "run",
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        await _wait_until(lambda: telegram.calls_of("setMyCommands"), process)
        yield telegram, web
    finally:
        process.send_signal(signal.SIGINT)
        try:
            await asyncio.wait_for(process.wait(), 15)
        except TimeoutError:
            process.kill()
            await process.wait()


async def _wait_until(condition, process: asyncio.subprocess.Process) -> None:
    for _ in range(START_TIMEOUT * 10):
        if condition():
            return
        if process.returncode is not None:
            _, err = await process.communicate()
            raise AssertionError(f"run.py exited {process.returncode}: {err.decode()[-2000:]}")
        await asyncio.sleep(0.1)
    raise AssertionError("run.py did not get ready in time")


async def test_the_run_command_serves_the_owner(running_bot: tuple[FakeTelegram, str]) -> None:
    telegram, web = running_bot
    owner = telegram.user(OWNER_ID, "Ольга")
    update = owner.text_update("1500 такси")
    await telegram.deliver(update)

    await _wait_for_card(telegram)
    assert "Новый расход" in owner.last_message().body
    if telegram.webhook is not None:
        assert telegram.webhook.secret_token == "run-command-secret"
        assert telegram.webhook_deliveries[-1] == (update["update_id"], 200)
    else:
        assert telegram.calls_of("getUpdates"), "polling mode asks Telegram for updates"
    menus = {
        call.params.get("language_code"): call.params["commands"]
        for call in telegram.calls_of("setMyCommands")
    }
    assert set(menus) == {None, "en"}  # Russian for everyone, English for its speakers
    russian, english = (
        json.loads(menus[code]) if isinstance(menus[code], str) else menus[code]
        for code in (None, "en")
    )
    assert [c["command"] for c in russian] == [c["command"] for c in english]
    assert {"command": "expense", "description": "Записать расход"} in russian
    assert {"command": "expense", "description": "Log an expense"} in english
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{web}/healthz") as health:
            assert health.status == 200
        async with session.get(f"{web}/receipts/rcpt_1_0_forgedforgedforge") as receipt:
            assert receipt.status == 404


async def _wait_for_card(telegram: FakeTelegram) -> None:
    for _ in range(100):
        if telegram.chat(OWNER_ID):
            return
        await asyncio.sleep(0.1)
    raise AssertionError("the bot answered nothing")
