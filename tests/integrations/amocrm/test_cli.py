"""`run.py amocrm …` and doctor's amoCRM lines, as a person runs them against the fake CRM."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from ledger.storage.database import Database
from ledger.storage.models import AmoTokenRow, DealRow
from tests.app.test_cli import RUN_PY, _environment
from tests.fakes.amocrm import CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, FakeAmoCRM


@pytest.fixture
async def amo() -> AsyncIterator[FakeAmoCRM]:
    async with FakeAmoCRM() as fake:
        yield fake


@pytest.fixture
def run_py(tmp_path: Path, database_url: str, amo: FakeAmoCRM, engine: AsyncEngine):
    """`python run.py ARGS…` in a subprocess, while the fake answers on this event loop."""
    workdir = tmp_path / "cwd"
    workdir.mkdir()
    environment = _environment(
        tmp_path / "data",
        database_url,
        AMOCRM_BASE_URL=amo.base_url,
        AMOCRM_CLIENT_ID=CLIENT_ID,
        AMOCRM_CLIENT_SECRET=CLIENT_SECRET,
        AMOCRM_REDIRECT_URI=REDIRECT_URI,
    )

    async def run(*args: str) -> tuple[int, str]:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            str(RUN_PY),
            *args,
            cwd=workdir,
            env=environment,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        output, _ = await asyncio.wait_for(process.communicate(), 120)
        text = output.decode()
        assert "Traceback" not in text
        return process.returncode or 0, text

    return run


async def stored_refresh_token(engine: AsyncEngine) -> str | None:
    async with Database(engine).read() as session:
        row = await session.get(AmoTokenRow, 1)
        return row.refresh_token if row else None


async def test_auth_stores_the_tokens_and_a_used_code_is_refused(run_py, amo, engine):
    code = amo.issue_code()

    status, output = await run_py("amocrm", "auth", code)
    again, refused = await run_py("amocrm", "auth", code)

    assert status == 0, output
    assert "Authorised with amoCRM account" in output
    assert await stored_refresh_token(engine) is not None
    assert again == 1
    assert "get a fresh one" in refused


async def test_fields_sync_and_doctor_work_on_the_stored_tokens(run_py, amo, engine):
    await run_py("amocrm", "auth", amo.issue_code())

    fields_status, fields = await run_py("amocrm", "fields")
    first_status, first = await run_py("amocrm", "sync")
    second_status, second = await run_py("amocrm", "sync")
    _, doctor = await run_py("doctor")  # other settings of this bare set-up may be off

    assert fields_status == 0, fields
    assert "32392159" in fields  # a status id of the fake's pipeline
    assert "504141" in fields  # its user
    assert first_status == 0, first
    assert f"Read {len(amo.leads)} leads: {len(amo.leads)} deals changed" in first
    assert second_status == 0, second
    assert "0 deals changed" in second
    async with Database(engine).read() as session:
        deals = (await session.scalars(select(DealRow.amo_lead_id))).all()
    assert sorted(deals) == sorted(amo.leads)
    assert "[ok ] AMOCRM: account" in doctor, doctor


async def test_an_expired_token_during_a_command_is_refreshed_and_stored(run_py, amo, engine):
    await run_py("amocrm", "auth", amo.issue_code())
    before = await stored_refresh_token(engine)
    amo.expire_access_tokens()

    status, output = await run_py("amocrm", "sync")

    assert status == 0, output
    assert await stored_refresh_token(engine) not in (None, before)


async def test_commands_without_authorisation_say_how_to_authorise(run_py):
    sync_status, sync = await run_py("amocrm", "sync")
    _, doctor = await run_py("doctor")

    assert sync_status == 1
    assert "./start amocrm auth CODE" in sync
    assert "not authorised" in doctor


async def test_a_bad_since_date_is_one_plain_line(run_py):
    status, output = await run_py("amocrm", "sync", "--since", "вчера")

    assert status == 2
    assert "--since: 'вчера' is not a date" in output
