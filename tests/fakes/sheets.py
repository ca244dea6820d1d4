"""A fake Google Sheets API v4 server (with its OAuth token endpoint) for tests.

`FakeSheets` is an aiohttp application on 127.0.0.1 that the real gspread client reaches
through `sheets.google_client.open_spreadsheet(..., endpoint=fake.base_url)`, authenticating
with a service-account file whose `token_uri` is `fake.token_uri`. It keeps real state (sheets,
cells, formats, filters, bandings, charts, validations, conditional formats, merges, named
ranges; `tests/fakes/sheets_grid.py`) and checks every body and query against the discovery
document Google publishes (`tests/fakes/sheets_schema.py`), so a malformed request fails here
as it would at Google: 400 INVALID_ARGUMENT in Google's JSON error format.

Behaviour, and where it is a choice rather than observed fact (NOTES.md in the shared
fixtures has the facts):
- `spreadsheets.batchUpdate` applies its requests in order to a copy and keeps the copy only if
  all succeed (atomic, as the discovery document says); replies mirror the requests. Kinds it
  does not implement answer 501 UNIMPLEMENTED, so a test notices instead of passing silently.
- `values.update` / `values.batchUpdate` never grow the grid: writing past it is 400 `Range
  ('Sheet1'!A1001) exceeds grid limits. Max rows: 1000, max columns: 26` [the wording is
  Google's as users report it; unverified here]. `values.append` grows it (Google documents
  that appending at the end inserts rows even with OVERWRITE). Reading an explicit range past
  the grid is the same 400; whole columns/rows are clipped to the grid.
- Formulas are stored, not evaluated: every valueRenderOption returns a formula's text.
  FORMATTED_VALUE renders numbers plainly (1500, 1500.5) and booleans as TRUE/FALSE; cell
  formats do not change it. `fake.values(...)` / `fake.formula(...)` give the raw grid.
- USER_ENTERED: `=…` is a formula, `'…` a string, numbers and `12%` numbers, TRUE/FALSE
  booleans; dates and currencies stay strings (Google would parse them by locale).
- Sheet names are matched case-insensitively, as Google does.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import time
from collections import deque
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fakes.server import AsyncServerContext, serve_locally
from tests.fakes.sheets_grid import (
    Sheet,
    SheetsError,
    Spreadsheet,
    append_values,
    apply_request,
    clear_values,
    invalid,
    new_sheet_properties,
    raw_value,
    read_values,
    write_values,
)
from tests.fakes.sheets_schema import SchemaError, validate_body, validate_query

JSON_UTF8 = "application/json; charset=UTF-8"
GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token"
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
UNAUTHENTICATED = (
    "Request had invalid authentication credentials. Expected OAuth 2 access token, login "
    "cookie or other valid authentication credential. See "
    "https://developers.google.com/identity/sign-in/web/devconsole-project."
)
CLIENT_EMAIL = web.RequestKey("client_email", str)
BODY = web.RequestKey("body", object)
_MESSAGES = {
    400: "Request contains an invalid argument.",
    403: "The caller does not have permission",
    404: "Requested entity was not found.",
    429: "Quota exceeded for quota metric 'Write requests' and limit 'Write requests per "
    "minute per user' of service 'sheets.googleapis.com' for consumer 'project_number:0'.",
    500: "Internal error encountered.",
    503: "The service is currently unavailable.",
}


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    query: list[tuple[str, str]]
    body: Any
    at: float


@dataclass
class _Failure:
    status: int
    times: int
    message: str | None


@dataclass
class FakeSheets(AsyncServerContext):
    """`async with FakeSheets() as fake:`; `fake.create_spreadsheet("Kopeyka")` -> its id."""

    latency: float = 0.0  # seconds each API call waits (asyncio.sleep) before it is answered
    down: bool = False  # every API call answers 503 (or drops the connection, see down_mode)
    down_mode: str = "503"  # "503" | "reset": close the connection without an answer
    write_quota_per_minute: int | None = None  # writes in any 60 s beyond it answer 429
    clock: Callable[[], float] = time.monotonic
    requests: list[RecordedRequest] = field(default_factory=list)
    write_requests: int = 0  # write calls received (whatever their answer)
    # API calls waiting out their latency at once, now and at most: latency must not serialise.
    in_flight: int = 0
    most_in_flight: int = 0
    spreadsheets: dict[str, Spreadsheet] = field(default_factory=dict)
    # Service accounts whose key was deleted: the token endpoint answers invalid_grant.
    revoked_keys: set[str] = field(default_factory=set)
    base_url: str = ""

    def __post_init__(self) -> None:
        self._failures: deque[_Failure] = deque()
        self._tokens: dict[str, str] = {}  # access token -> client email (the JWT's iss)
        self._writes: deque[float] = deque()
        self._ids = itertools.count(1)
        self._runner: web.AppRunner | None = None

    # --- lifecycle -----------------------------------------------------------------------

    async def start(self) -> str:
        app = web.Application(middlewares=[self._middleware], client_max_size=8 * 1024**2)
        app.router.add_post("/token", self._token)
        app.router.add_route("*", "/v4/spreadsheets/{tail:.*}", self._api)
        self._runner, self.base_url = await serve_locally(app)
        return self.base_url

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def token_uri(self) -> str:
        """What a test's service-account file names as its `token_uri`."""
        return f"{self.base_url}/token"

    # --- what a test does ------------------------------------------------------------------

    def create_spreadsheet(
        self,
        title: str = "Untitled spreadsheet",
        *,
        sheets: Collection[str] = ("Sheet1",),
        shared_with: Collection[str] | None = None,
        locale: str = "ru_RU",
        time_zone: str = "Europe/Moscow",
    ) -> str:
        """A new spreadsheet with empty 1000x26 sheets; `shared_with` (client emails), when
        given, is who may use it: anyone else gets 403, as an unshared sheet does. `locale`
        and `time_zone` are its creator's account settings.
        """
        spreadsheet_id = f"fake-{next(self._ids):04d}-" + "x" * 30
        book = Spreadsheet(
            spreadsheet_id,
            {
                "title": title,
                "locale": locale,
                "autoRecalc": "ON_CHANGE",
                "timeZone": time_zone,
            },
            shared_with=frozenset(shared_with) if shared_with is not None else None,
        )
        for index, name in enumerate(sheets):
            book.sheets.append(
                Sheet(new_sheet_properties(0 if index == 0 else book.new_id(), name, index))
            )
        self.spreadsheets[spreadsheet_id] = book
        return spreadsheet_id

    def fail_next(self, status: int = 500, count: int = 1, *, message: str | None = None) -> None:
        """Answer the next `count` API calls with `status` in Google's error format."""
        self._failures.append(_Failure(status, count, message))

    def issue_token(self, client_email: str = "test@fake.iam.gserviceaccount.com") -> str:
        """An access token the fake accepts, for a client that does not use the token endpoint."""
        token = f"ya29.fake-{next(self._ids):06d}"
        self._tokens[token] = client_email
        return token

    def sheet(self, spreadsheet_id: str, title: str) -> Sheet:
        sheet = self.spreadsheets[spreadsheet_id].sheet_by_title(title)
        if sheet is None:
            raise KeyError(title)
        return sheet

    def values(self, spreadsheet_id: str, title: str) -> list[list[Any]]:
        """The sheet's stored values up to its last non-empty row and column: numbers as
        numbers, formulas as their text, empty cells as None.
        """
        sheet = self.sheet(spreadsheet_id, title)
        keys = [k for k, cell in sheet.cells.items() if "userEnteredValue" in cell]
        if not keys:
            return []
        height, width = max(r for r, _ in keys) + 1, max(c for _, c in keys) + 1
        return [[raw_value(sheet.cells.get((r, c))) for c in range(width)] for r in range(height)]

    def cell(self, spreadsheet_id: str, title: str, a1: str) -> dict[str, Any]:
        """The stored CellData (userEnteredValue, userEnteredFormat, dataValidation…)."""
        book = self.spreadsheets[spreadsheet_id]
        sheet, box = book.resolve(f"{title}!{a1}" if "!" not in a1 else a1)
        return dict(sheet.cells.get((box.row0, box.col0), {}))

    def formula(self, spreadsheet_id: str, title: str, a1: str) -> str | None:
        """The formula stored in one cell (`=SUM(B2:B4)`), or None."""
        value = self.cell(spreadsheet_id, title, a1).get("userEnteredValue") or {}
        return value.get("formulaValue")

    def metadata(self, spreadsheet_id: str) -> dict[str, Any]:
        """What `spreadsheets.get` answers, without the HTTP."""
        return self.spreadsheets[spreadsheet_id].metadata()

    def requests_to(self, method: str, suffix: str = "") -> list[RecordedRequest]:
        return [r for r in self.requests if r.method == method and r.path.endswith(suffix)]

    # --- the wire --------------------------------------------------------------------------

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        raw = await request.read()
        try:
            body = json.loads(raw) if raw and request.content_type == "application/json" else None
        except ValueError:
            return _error(invalid("Invalid JSON payload received. Unexpected token."))
        self.requests.append(
            RecordedRequest(
                request.method, request.path, list(request.query.items()), body, time.monotonic()
            )
        )
        if request.path == "/token":
            return await handler(request)
        if self.latency:
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
            try:
                await asyncio.sleep(self.latency)
            finally:
                self.in_flight -= 1
        if _is_write(request):
            self.write_requests += 1
        if self.down:
            if self.down_mode == "reset" and request.transport is not None:
                request.transport.abort()
                return web.Response(status=503)  # never reaches the client
            return _error(SheetsError(503, _MESSAGES[503]))
        if self._failures:
            failure = self._failures[0]
            failure.times -= 1
            if failure.times <= 0:
                self._failures.popleft()
            message = failure.message or _MESSAGES.get(failure.status, "Error")
            return _error(SheetsError(failure.status, message))
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme != "Bearer" or token not in self._tokens:
            return _error(SheetsError(401, UNAUTHENTICATED))
        request[CLIENT_EMAIL] = self._tokens[token]
        request[BODY] = body
        if _is_write(request) and self._over_quota():
            return _error(SheetsError(429, _MESSAGES[429]))
        try:
            return await handler(request)
        except SheetsError as error:
            return _error(error)
        except SchemaError as error:
            return _error(invalid(str(error)))

    def _over_quota(self) -> bool:
        if self.write_quota_per_minute is None:
            return False
        now = self.clock()
        while self._writes and now - self._writes[0] >= 60.0:
            self._writes.popleft()
        if len(self._writes) >= self.write_quota_per_minute:
            return True
        self._writes.append(now)
        return False

    async def _token(self, request: web.Request) -> web.Response:
        form = await request.post()
        if form.get("grant_type") != JWT_BEARER or not form.get("assertion"):
            return web.json_response(
                {"error": "unsupported_grant_type", "error_description": "Invalid grant_type"},
                status=400,
            )
        claims = _jwt_claims(str(form["assertion"]))
        if (
            claims is None
            or not claims.get("iss")
            or claims.get("aud")
            not in (
                self.token_uri,
                GOOGLE_TOKEN_URI,  # google-auth's service accounts always name Google's
            )
        ):
            return web.json_response(
                {"error": "invalid_grant", "error_description": "Invalid JWT Signature."},
                status=400,
            )
        if claims["iss"] in self.revoked_keys:
            return web.json_response(
                {"error": "invalid_grant", "error_description": "Invalid JWT Signature."},
                status=400,
            )
        token = self.issue_token(str(claims["iss"]))
        return web.json_response(
            {"access_token": token, "expires_in": 3599, "token_type": "Bearer"}
        )

    async def _api(self, request: web.Request) -> web.Response:
        tail = request.match_info["tail"]
        spreadsheet_id, rest = tail, ""
        for separator in ("/", ":"):
            if separator in spreadsheet_id:
                spreadsheet_id, _, after = spreadsheet_id.partition(separator)
                rest = separator + after + rest
        book = self.spreadsheets.get(spreadsheet_id)
        if book is None:
            raise SheetsError(404, _MESSAGES[404])
        if book.shared_with is not None and request[CLIENT_EMAIL] not in book.shared_with:
            raise SheetsError(403, _MESSAGES[403])
        query = list(request.query.items())
        body = request[BODY] if request[BODY] is not None else {}
        method = request.method
        if rest == "" and method == "GET":
            params = validate_query("spreadsheets.get", query)
            return _ok(book.metadata(include_grid_data=params.get("includeGridData", False)))
        if rest == ":batchUpdate" and method == "POST":
            validate_query("spreadsheets.batchUpdate", query)
            return _ok(self._batch_update(book, body))
        if rest == "/values:batchGet" and method == "GET":
            params = validate_query("spreadsheets.values.batchGet", query)
            render = params.get("valueRenderOption", "FORMATTED_VALUE")
            major = params.get("majorDimension", "ROWS")
            ranges = [read_values(book, r, render, major) for r in params.get("ranges", [])]
            return _ok({"spreadsheetId": book.spreadsheet_id, "valueRanges": ranges})
        if rest == "/values:batchUpdate" and method == "POST":
            validate_query("spreadsheets.values.batchUpdate", query)
            return _ok(self._values_batch_update(book, body))
        if rest == "/values:batchClear" and method == "POST":
            validate_query("spreadsheets.values.batchClear", query)
            validate_body("BatchClearValuesRequest", body)
            work = book.copy()
            cleared = [clear_values(work, r) for r in body.get("ranges") or []]
            self.spreadsheets[book.spreadsheet_id] = work
            return _ok({"spreadsheetId": book.spreadsheet_id, "clearedRanges": cleared})
        if rest.startswith("/values/"):
            return self._values(request.method, book, rest[len("/values/") :], query, body)
        raise SheetsError(404, _MESSAGES[404])

    def _values(
        self, method: str, book: Spreadsheet, rest: str, query: list[tuple[str, str]], body: Any
    ) -> web.Response:
        range_text, _, action = (
            rest.rpartition(":")
            if rest.endswith((":append", ":clear"))
            else (
                rest,
                "",
                "",
            )
        )
        if method == "GET" and not action:
            params = validate_query("spreadsheets.values.get", query)
            render = params.get("valueRenderOption", "FORMATTED_VALUE")
            return _ok(read_values(book, range_text, render, params.get("majorDimension", "ROWS")))
        if method == "POST" and action == "clear":
            validate_query("spreadsheets.values.clear", query)
            validate_body("ClearValuesRequest", body)
            work = book.copy()
            cleared = clear_values(work, range_text)
            self.spreadsheets[book.spreadsheet_id] = work
            return _ok({"spreadsheetId": book.spreadsheet_id, "clearedRange": cleared})
        if method in ("PUT", "POST") and action in ("", "append"):
            if (method == "PUT") != (action == ""):
                raise SheetsError(404, _MESSAGES[404])
            method_id = "spreadsheets.values." + ("append" if action else "update")
            params = validate_query(method_id, query)
            validate_body("ValueRange", body)
            user_entered = _input_option(params.get("valueInputOption"))
            _check_values(body)
            major = body.get("majorDimension") or "ROWS"
            work = book.copy()
            if action == "append":
                result = append_values(
                    work,
                    range_text,
                    body.get("values") or [],
                    major,
                    user_entered=user_entered,
                    insert_rows=params.get("insertDataOption") == "INSERT_ROWS",
                )
                if params.get("includeValuesInResponse") and "updatedRange" in result["updates"]:
                    result["updates"]["updatedData"] = read_values(
                        work,
                        result["updates"]["updatedRange"],
                        params.get("responseValueRenderOption", "FORMATTED_VALUE"),
                        "ROWS",
                    )
            else:
                result = write_values(
                    work, range_text, body.get("values") or [], major, user_entered=user_entered
                )
                if params.get("includeValuesInResponse") and "updatedRange" in result:
                    result["updatedData"] = read_values(
                        work,
                        result["updatedRange"],
                        params.get("responseValueRenderOption", "FORMATTED_VALUE"),
                        "ROWS",
                    )
            self.spreadsheets[book.spreadsheet_id] = work
            return _ok(result)
        raise SheetsError(404, _MESSAGES[404])

    def _batch_update(self, book: Spreadsheet, body: Any) -> dict[str, Any]:
        validate_body("BatchUpdateSpreadsheetRequest", body)
        work = book.copy()
        replies = [apply_request(work, i, r) for i, r in enumerate(body.get("requests") or [])]
        self.spreadsheets[book.spreadsheet_id] = work
        result: dict[str, Any] = {"spreadsheetId": book.spreadsheet_id, "replies": replies}
        if body.get("includeSpreadsheetInResponse"):
            result["updatedSpreadsheet"] = work.metadata(
                include_grid_data=bool(body.get("responseIncludeGridData"))
            )
        return result

    def _values_batch_update(self, book: Spreadsheet, body: Any) -> dict[str, Any]:
        validate_body("BatchUpdateValuesRequest", body)
        user_entered = _input_option(body.get("valueInputOption"))
        work = book.copy()
        responses = []
        for item in body.get("data") or []:
            _check_values(item)
            responses.append(
                write_values(
                    work,
                    item.get("range") or "",
                    item.get("values") or [],
                    item.get("majorDimension") or "ROWS",
                    user_entered=user_entered,
                )
            )
        self.spreadsheets[book.spreadsheet_id] = work
        updated = [r for r in responses if "updatedCells" in r]
        return {
            "spreadsheetId": book.spreadsheet_id,
            "totalUpdatedRows": sum(r["updatedRows"] for r in updated),
            "totalUpdatedColumns": sum(r["updatedColumns"] for r in updated),
            "totalUpdatedCells": sum(r["updatedCells"] for r in updated),
            "totalUpdatedSheets": len({r["updatedRange"].rpartition("!")[0] for r in updated}),
            "responses": responses,
        }


def _input_option(option: str | None) -> bool:
    """True for USER_ENTERED; Google requires the option and refuses UNSPECIFIED."""
    if option is None:
        raise invalid("'valueInputOption' is required but not specified")
    if option == "INPUT_VALUE_OPTION_UNSPECIFIED":
        raise invalid("Invalid valueInputOption: INPUT_VALUE_OPTION_UNSPECIFIED")
    return option == "USER_ENTERED"


def _check_values(value_range: dict[str, Any]) -> None:
    """ValueRange.values cells may be bool, string, number or null (the schema says `any`)."""
    for i, row in enumerate(value_range.get("values") or []):
        if not isinstance(row, list):
            raise invalid(f"Invalid values[{i}]: {json.dumps(row)[:60]}")
        for j, item in enumerate(row):
            if isinstance(item, dict | list):
                kind = "struct_value" if isinstance(item, dict) else "list_value"
                raise invalid(f"Invalid values[{i}][{j}]: {kind} {json.dumps(item)[:60]}")


def _is_write(request: web.Request) -> bool:
    return request.method in ("POST", "PUT") and request.path.startswith("/v4/")


def _jwt_claims(assertion: str) -> dict[str, Any] | None:
    """The JWT's payload, unverified: the fake trusts any key, it only checks the shape."""
    try:
        payload = assertion.split(".")[1]
        return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError):
        return None


def _ok(body: dict[str, Any]) -> web.Response:
    return web.Response(
        text=json.dumps(body, ensure_ascii=False), content_type="application/json", charset="UTF-8"
    )


def _error(error: SheetsError) -> web.Response:
    return web.Response(
        status=error.code,
        text=json.dumps(error.body(), ensure_ascii=False),
        content_type="application/json",
        charset="UTF-8",
    )
