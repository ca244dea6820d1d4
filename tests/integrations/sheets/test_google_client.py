"""sheets.google_client: a service account against the fake token endpoint, the endpoint
override through a transport adapter, and the retryable/permanent split of failures.
"""

from __future__ import annotations

import asyncio
import functools
import json
from collections.abc import AsyncIterator
from pathlib import Path

import gspread
import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from config.settings import Settings
from ledger.notices import SheetsProblem
from sheets.google_client import (
    classify,
    open_from_settings,
    open_spreadsheet,
    service_account_email,
)
from tests.fakes.sheets import FakeSheets

CLIENT_EMAIL = "kopeyka@kopeyka-test.iam.gserviceaccount.com"


@functools.cache
def _private_key_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def service_account_file(directory: Path, token_uri: str, email: str = CLIENT_EMAIL) -> Path:
    """A throwaway service-account key file whose tokens come from `token_uri`."""
    path = directory / "service-account.json"
    info = {
        "type": "service_account",
        "project_id": "kopeyka-test",
        "private_key_id": "0" * 40,
        "private_key": _private_key_pem(),
        "client_email": email,
        "client_id": "100000000000000000001",
        "token_uri": token_uri,
    }
    path.write_text(json.dumps(info), encoding="utf-8")
    return path


@pytest.fixture
async def fake() -> AsyncIterator[FakeSheets]:
    async with FakeSheets() as fake:
        yield fake


async def test_opens_through_the_endpoint_with_a_service_account_token(
    fake: FakeSheets, tmp_path: Path
) -> None:
    sid = fake.create_spreadsheet("Копейка", shared_with=[CLIENT_EMAIL])
    path = service_account_file(tmp_path, fake.token_uri)
    sh = await asyncio.to_thread(open_spreadsheet, path, sid, fake.base_url)
    assert sh.title == "Копейка"
    token_call, metadata_call = fake.requests[:2]
    assert (token_call.method, token_call.path) == ("POST", "/token")
    assert metadata_call.path == f"/v4/spreadsheets/{sid}"


async def test_open_from_settings(fake: FakeSheets, tmp_path: Path) -> None:
    sid = fake.create_spreadsheet("Копейка")
    settings = Settings(
        google_service_account_file=service_account_file(tmp_path, fake.token_uri),
        sheet_id=sid,
        google_sheets_endpoint=fake.base_url,
    )
    sh = await asyncio.to_thread(open_from_settings, settings)
    assert sh.id == sid
    with pytest.raises(ValueError, match="SHEET_ID"):
        open_from_settings(Settings(google_service_account_file=tmp_path / "x.json"))


async def test_calls_without_a_valid_token_are_refused(fake: FakeSheets) -> None:
    sid = fake.create_spreadsheet()
    url = f"{fake.base_url}/v4/spreadsheets/{sid}"
    answer = await asyncio.to_thread(requests.get, url, timeout=5)
    assert answer.status_code == 401
    assert answer.json()["error"]["status"] == "UNAUTHENTICATED"
    wrong = await asyncio.to_thread(
        requests.get, url, headers={"Authorization": "Bearer ya29.stolen"}, timeout=5
    )
    assert wrong.status_code == 401
    good = await asyncio.to_thread(
        requests.get, url, headers={"Authorization": f"Bearer {fake.issue_token()}"}, timeout=5
    )
    assert good.status_code == 200


@pytest.mark.parametrize("status", [429, 500, 503])
async def test_server_trouble_is_retryable(fake: FakeSheets, tmp_path: Path, status: int) -> None:
    sid = fake.create_spreadsheet()
    sh = await asyncio.to_thread(
        open_spreadsheet, service_account_file(tmp_path, fake.token_uri), sid, fake.base_url
    )
    fake.fail_next(status)
    with pytest.raises(gspread.exceptions.APIError) as caught:
        await asyncio.to_thread(lambda: sh.sheet1.update([["x"]], "A1"))
    assert caught.value.code == status
    failure = classify(caught.value)
    assert failure.retryable
    assert failure.status == status


async def test_unshared_and_missing_sheets_are_permanent(fake: FakeSheets, tmp_path: Path) -> None:
    path = service_account_file(tmp_path, fake.token_uri)
    private = fake.create_spreadsheet(shared_with=["someone-else@example.com"])
    with pytest.raises(PermissionError) as denied:
        await asyncio.to_thread(open_spreadsheet, path, private, fake.base_url)
    assert classify(denied.value).retryable is False
    assert classify(denied.value).status == 403
    assert classify(denied.value).problem is SheetsProblem.NO_ACCESS
    with pytest.raises(gspread.SpreadsheetNotFound) as missing:
        await asyncio.to_thread(open_spreadsheet, path, "no-such-sheet", fake.base_url)
    assert classify(missing.value).retryable is False
    assert classify(missing.value).status == 404
    assert classify(missing.value).problem is SheetsProblem.NOT_FOUND


async def test_malformed_request_is_permanent(fake: FakeSheets, tmp_path: Path) -> None:
    sid = fake.create_spreadsheet()
    sh = await asyncio.to_thread(
        open_spreadsheet, service_account_file(tmp_path, fake.token_uri), sid, fake.base_url
    )
    with pytest.raises(gspread.exceptions.APIError) as caught:
        await asyncio.to_thread(sh.batch_update, {"requests": [{"addSheet": {"foo": 1}}]})
    failure = classify(caught.value)
    assert (failure.retryable, failure.status) == (False, 400)
    assert 'Unknown name "foo"' in failure.reason


async def test_unreachable_api_is_retryable(fake: FakeSheets, tmp_path: Path) -> None:
    sid = fake.create_spreadsheet()
    sh = await asyncio.to_thread(
        open_spreadsheet, service_account_file(tmp_path, fake.token_uri), sid, fake.base_url
    )
    fake.down, fake.down_mode = True, "reset"
    with pytest.raises(requests.ConnectionError) as caught:
        await asyncio.to_thread(lambda: sh.sheet1.get_all_values())
    assert classify(caught.value).retryable


def test_classify_hides_tokens_and_sorts_auth_failures() -> None:
    import google.auth.exceptions

    refused = google.auth.exceptions.RefreshError("invalid_grant: bad assertion=eyJa.eyJb.sig")
    failure = classify(refused)
    assert failure.retryable is False
    assert failure.problem is SheetsProblem.KEY_REFUSED
    assert "eyJ" not in failure.reason
    assert classify(requests.Timeout("read timed out")).retryable
    assert classify(requests.Timeout("read timed out")).problem is SheetsProblem.UNAVAILABLE
    assert classify(FileNotFoundError("service-account.json")).retryable is False
    assert classify(FileNotFoundError("x")).problem is SheetsProblem.KEY_REFUSED


def test_the_service_account_email_is_read_from_the_key_file_or_is_none(tmp_path: Path) -> None:
    assert service_account_email(service_account_file(tmp_path, "http://x/token")) == CLIENT_EMAIL
    assert service_account_email(tmp_path / "missing.json") is None
    assert service_account_email(None) is None
    (tmp_path / "broken.json").write_text("{not json", encoding="utf-8")
    assert service_account_email(tmp_path / "broken.json") is None
