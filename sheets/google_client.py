"""Opening the owner's Google spreadsheet with gspread, and telling apart failures worth retrying.

gspread's URLs are fixed constants, so `GOOGLE_SHEETS_ENDPOINT` is honoured the way a
deployment behind a proxy would do it: the `requests` session gspread uses gets a transport
adapter that sends `https://sheets.googleapis.com` (and Drive's `https://www.googleapis.com`)
to the endpoint. Authentication stays google-auth's: the service-account file's own
`token_uri` says where tokens come from. Everything here is synchronous (gspread is); callers
run it in a worker thread, and the worker does its own backoff, so gspread's sleeping
`BackOffHTTPClient` is not used.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import google.auth.exceptions
import gspread
import requests
from google.auth.transport.requests import AuthorizedSession
from google.oauth2 import service_account
from requests.adapters import HTTPAdapter

from ledger.notices import SheetsProblem

if TYPE_CHECKING:
    from config.settings import Settings

SCOPES = (
    "https://www.googleapis.com/auth/spreadsheets",
    "https://www.googleapis.com/auth/drive.file",
)
GOOGLE_HOSTS = ("https://sheets.googleapis.com", "https://www.googleapis.com")
# (connect, read) seconds for each API call; a token refresh gets the same read budget.
TIMEOUT = (10.0, 60.0)
_RETRYABLE_STATUS = frozenset({408, 429, 500, 502, 503, 504})
_STATUS_PROBLEMS = {
    401: SheetsProblem.KEY_REFUSED,
    403: SheetsProblem.NO_ACCESS,
    404: SheetsProblem.NOT_FOUND,
}
_SECRETS = re.compile(r"(ya29\.[\w.-]+|Bearer\s+\S+|eyJ[\w-]+\.[\w-]+\.[\w-]*|assertion=\S+)")


class EndpointAdapter(HTTPAdapter):
    """Sends requests for one Google host to `endpoint` instead (same path and query)."""

    def __init__(self, host: str, endpoint: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.host = host.rstrip("/")
        self.endpoint = endpoint.rstrip("/")

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        url = request.url or ""
        if url.startswith(self.host):
            request = request.copy()
            request.url = self.endpoint + url[len(self.host) :]
        return super().send(request, **kwargs)


def open_spreadsheet(
    service_account_file: Path, sheet_id: str, endpoint: str | None = None
) -> gspread.Spreadsheet:
    """Open the spreadsheet as the service account; with `endpoint`, every Sheets and Drive
    call goes there instead of Google. Raises what gspread and google-auth raise (see
    `classify`); 403 (not shared with the service account) surfaces as `PermissionError`,
    404 as `gspread.SpreadsheetNotFound`, both from gspread.
    """
    credentials = service_account.Credentials.from_service_account_file(
        str(service_account_file), scopes=list(SCOPES)
    )
    session = AuthorizedSession(credentials, refresh_timeout=TIMEOUT[1])
    if endpoint:
        for host in GOOGLE_HOSTS:
            session.mount(host, EndpointAdapter(host, endpoint))
    client = gspread.Client(auth=credentials, session=session)  # plain HTTPClient: no sleeps
    client.set_timeout(TIMEOUT)
    return client.open_by_key(sheet_id)


def open_from_settings(settings: Settings) -> gspread.Spreadsheet:
    """`open_spreadsheet` with GOOGLE_SERVICE_ACCOUNT_FILE, SHEET_ID and GOOGLE_SHEETS_ENDPOINT."""
    missing = [
        name
        for name, value in (
            ("GOOGLE_SERVICE_ACCOUNT_FILE", settings.google_service_account_file),
            ("SHEET_ID", settings.sheet_id),
        )
        if not value
    ]
    if missing:
        raise ValueError(f"Google Sheets is not configured: set {' and '.join(missing)}")
    assert settings.google_service_account_file is not None
    assert settings.sheet_id is not None
    endpoint = settings.google_sheets_endpoint
    return open_spreadsheet(
        settings.google_service_account_file,
        settings.sheet_id,
        str(endpoint) if endpoint is not None else None,
    )


def service_account_email(service_account_file: Path | None) -> str | None:
    """The `client_email` of a key file (whom the owner shares the sheet with); None if the
    file cannot be read. Nothing else of the file is read here."""
    if service_account_file is None:
        return None
    try:
        info = json.loads(Path(service_account_file).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    email = info.get("client_email") if isinstance(info, dict) else None
    return email if isinstance(email, str) and email else None


@dataclass(frozen=True)
class SheetsFailure:
    """What went wrong, in words safe to log, and whether trying again later may help."""

    retryable: bool
    reason: str
    status: int | None = None  # the HTTP status, when there was an answer
    problem: SheetsProblem = SheetsProblem.REFUSED  # what the owner is told

    def __post_init__(self) -> None:
        if self.retryable:  # whatever caused it, it passes: nothing for the owner to do
            object.__setattr__(self, "problem", SheetsProblem.UNAVAILABLE)


def classify(exc: BaseException) -> SheetsFailure:
    """Sort an exception from gspread, google-auth or requests: 429, 5xx, timeouts and lost
    connections are retryable; 400, 401, 403, 404, a refused token or a bad key file are not.
    """
    api_error = _api_error(exc)
    if api_error is not None:
        status = api_error.response.status_code
        message = str(api_error.error.get("message") or "")
        retryable = status in _RETRYABLE_STATUS
        reason = _safe(f"Sheets API {status}: {message}")
        problem = _STATUS_PROBLEMS.get(status, SheetsProblem.REFUSED)
        return SheetsFailure(retryable, reason, status, problem)
    if isinstance(exc, gspread.SpreadsheetNotFound):
        return SheetsFailure(
            False, "spreadsheet not found: check SHEET_ID", 404, SheetsProblem.NOT_FOUND
        )
    if isinstance(exc, PermissionError):
        return SheetsFailure(
            False,
            "no access to the spreadsheet: share it with the service account",
            403,
            SheetsProblem.NO_ACCESS,
        )
    if isinstance(exc, requests.Timeout):
        return SheetsFailure(True, "Sheets API timed out")
    if isinstance(exc, requests.ConnectionError):
        return SheetsFailure(True, _safe(f"cannot reach the Sheets API: {type(exc).__name__}"))
    if isinstance(exc, google.auth.exceptions.RefreshError):
        # google-auth marks token-endpoint 5xx and 429 as retryable, a refused grant not.
        retryable = bool(getattr(exc, "retryable", False))
        reason = _safe(f"token refresh failed: {_first_arg(exc)}")
        return SheetsFailure(retryable, reason, problem=SheetsProblem.KEY_REFUSED)
    if isinstance(exc, google.auth.exceptions.TransportError):
        return SheetsFailure(True, _safe(f"cannot reach the token endpoint: {_first_arg(exc)}"))
    if isinstance(exc, google.auth.exceptions.GoogleAuthError | ValueError | OSError):
        reason = _safe(f"service account unusable: {type(exc).__name__}")
        return SheetsFailure(False, reason, problem=SheetsProblem.KEY_REFUSED)
    return SheetsFailure(False, _safe(f"unexpected {type(exc).__name__}: {_first_arg(exc)}"))


def _api_error(exc: BaseException) -> gspread.exceptions.APIError | None:
    """The APIError itself or the one gspread wrapped (`raise PermissionError from ex`)."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, gspread.exceptions.APIError):
            return seen
        seen = seen.__cause__
    return None


def _first_arg(exc: BaseException) -> str:
    return str(exc.args[0]) if exc.args else ""


def _safe(text: str) -> str:
    """No tokens, JWTs or assertions in logs; one short line."""
    text = _SECRETS.sub("[redacted]", " ".join(text.split()))
    return text if len(text) <= 300 else text[:297] + "..."
