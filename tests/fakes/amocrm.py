"""A fake amoCRM API v4 server for tests of the client and, later, the CRM sync.

`FakeAmoCRM` is an aiohttp application on 127.0.0.1 (a random port) that answers the way an
amoCRM account does (see `shared/fixtures/amocrm/NOTES.md`): HAL bodies (`_embedded`, `_links`),
`page`/`limit` paging with `_links.next` while a page is full and 204 with an empty body past
the end, problem+json errors, `POST /oauth2/access_token` rotating single-use refresh tokens,
401 for an expired or unknown access token, and 429 beyond 7 requests in one second.

It is seeded from the fixtures in `tests/fixtures/amocrm/`, keeps leads, pipelines, custom
fields, users and notes in memory, records every request, and can be told to fail the next
requests with a given status (`fail_next`), before doing what they ask or after (a write that
landed though its answer was an error). Approximations, on purpose: only the endpoints the
client uses; filters `filter[id][]` and `filter[updated_at][from]` only; leads ordered by id;
a lead's notes filtered by `filter[note_type][]` and ordered by `order[id]` only.
"""

from __future__ import annotations

import copy
import itertools
import json
import secrets
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

from tests.fakes.server import AsyncServerContext, serve_locally

FIXTURES = Path(__file__).parent.parent / "fixtures" / "amocrm"
RATE_LIMIT = 7  # requests per second per integration
MAX_PAGE = 250
HAL = "application/hal+json"
PROBLEM = "application/problem+json"

CLIENT_ID = "kopeyka-test-client"
CLIENT_SECRET = "kopeyka-test-secret"
REDIRECT_URI = "https://kopeyka.example/amocrm/oauth"


def load_fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    query: list[tuple[str, str]]
    json: Any
    at: float  # time.monotonic() on arrival


@dataclass
class _Failure:
    status: int
    times: int
    body: Any
    path: str | None
    after: bool = False  # do what the request asks, then answer with the failure
    method: str | None = None


@dataclass
class FakeAmoCRM(AsyncServerContext):
    rate_limit: int = RATE_LIMIT
    requests: list[RecordedRequest] = field(default_factory=list)
    leads: dict[int, dict[str, Any]] = field(default_factory=dict)
    notes: list[dict[str, Any]] = field(default_factory=list)
    rate_limited: int = 0  # 429s the rate limit (not fail_next) answered
    base_url: str = ""
    # Every token and code handed out, in order: what a log must never show.
    issued: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.account = load_fixture("account.constructed.json")
        self.users = _embedded(load_fixture("users_list.constructed.json"), "users")
        self.pipelines = _embedded(load_fixture("pipelines.docs.json"), "pipelines")
        self.custom_fields = _embedded(
            load_fixture("leads_custom_fields.constructed.json"), "custom_fields"
        )
        seed = [
            load_fixture("lead_detail.docs.json"),
            load_fixture("lead_with_custom_fields.constructed.json"),
            *_embedded(load_fixture("leads_list_page.docs.json"), "leads"),
        ]
        for lead in seed:
            self.leads[lead["id"]] = lead
        self._access: dict[str, bool] = {}  # access token -> still valid
        self._refresh: set[str] = set()
        self._codes: set[str] = set()
        self._failures: deque[_Failure] = deque()
        self._accepted: deque[float] = deque()
        self._note_ids = itertools.count(76610421)
        self._runner: web.AppRunner | None = None

    # --- lifecycle -----------------------------------------------------------------------

    async def start(self) -> str:
        app = web.Application(middlewares=[self._middleware])
        app.router.add_post("/oauth2/access_token", self._token)
        app.router.add_get("/api/v4/account", self._account)
        app.router.add_get("/api/v4/users", self._users)
        app.router.add_get("/api/v4/leads/pipelines", self._pipelines)
        app.router.add_get("/api/v4/leads/custom_fields", self._custom_fields)
        app.router.add_get("/api/v4/leads", self._leads)
        app.router.add_get(r"/api/v4/leads/{id:\d+}", self._lead)
        app.router.add_patch(r"/api/v4/leads/{id:\d+}", self._patch_lead)
        app.router.add_patch("/api/v4/leads", self._patch_leads)
        app.router.add_post(r"/api/v4/leads/{id:\d+}/notes", self._add_notes)
        app.router.add_get(r"/api/v4/leads/{id:\d+}/notes", self._lead_notes)
        app.router.add_post("/api/v4/leads/notes", self._add_notes_batch)
        self._runner, self.base_url = await serve_locally(app)
        return self.base_url

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # --- what a test does ----------------------------------------------------------------

    def issue_tokens(self) -> dict[str, Any]:
        """A fresh pair, as `/oauth2/access_token` would answer it."""
        access, refresh = f"access-{secrets.token_hex(8)}", f"refresh-{secrets.token_hex(8)}"
        self._access[access] = True
        self._refresh.add(refresh)
        self.issued += [access, refresh]
        return {
            "token_type": "Bearer",
            "expires_in": 86400,
            "access_token": access,
            "refresh_token": refresh,
        }

    def issue_code(self) -> str:
        """An authorization code, as amoCRM puts in the redirect after the user allows access."""
        code = f"code-{secrets.token_hex(8)}"
        self._codes.add(code)
        self.issued.append(code)
        return code

    def expire_access_tokens(self) -> None:
        """Time passes: every access token issued so far has expired."""
        self._access = dict.fromkeys(self._access, False)

    def fail_next(
        self,
        status: int,
        times: int = 1,
        body: Any = None,
        *,
        path: str | None = None,
        method: str | None = None,
        after: bool = False,
    ) -> None:
        """Answer the next `times` requests (to `path` by `method`, if given) with `status`: a
        problem+json body, or `body` (a dict as JSON, a str as plain text). `after`: do what
        the request asks first, as a server that fails while answering.
        """
        self._failures.append(_Failure(status, times, body, path, after, method))

    def add_status(self, status_id: int, name: str, sort: int, pipeline_id: int = 0) -> None:
        """A status added to a pipeline (the first one unless named), at `sort`."""
        pipeline = next((p for p in self.pipelines if p["id"] == pipeline_id), self.pipelines[0])
        statuses = pipeline["_embedded"]["statuses"]
        statuses.append(
            {
                "id": status_id,
                "name": name,
                "sort": sort,
                "is_editable": True,
                "pipeline_id": pipeline["id"],
                "color": "#99ccff",
                "type": 0,
                "account_id": self.account["id"],
            }
        )
        statuses.sort(key=lambda status: status["sort"])

    def notes_of(self, lead_id: int) -> list[dict[str, Any]]:
        return [note for note in self.notes if note["entity_id"] == lead_id]

    def add_leads(
        self, count: int, *, first_id: int = 1_000_000, updated_at: int = 1_700_000_000
    ) -> None:
        for lead_id in range(first_id, first_id + count):
            self.leads[lead_id] = {
                "id": lead_id,
                "name": f"Сделка {lead_id}",
                "price": 1000,
                "responsible_user_id": 504141,
                "status_id": 32392159,
                "pipeline_id": 3177727,
                "updated_at": updated_at,
                "custom_fields_values": None,
                "account_id": self.account["id"],
                "_embedded": {"tags": [], "companies": [], "contacts": []},
            }

    def requests_to(self, method: str, path: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.method == method and r.path == path]

    def max_requests_per_second(self) -> int:
        """The most requests that arrived within any one second."""
        times = sorted(r.at for r in self.requests)
        best, start = 0, 0
        for end, at in enumerate(times):
            while at - times[start] >= 1.0:
                start += 1
            best = max(best, end - start + 1)
        return best

    # --- the wire --------------------------------------------------------------------------

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        body = await request.read()
        now = time.monotonic()
        self.requests.append(
            RecordedRequest(
                request.method,
                request.path,
                list(request.query.items()),
                json.loads(body) if body else None,
                now,
            )
        )
        if self._over_rate(now):
            self.rate_limited += 1
            return _problem(429, "Too Many Requests", "Rate limit exceeded")
        failure = self._planned_failure(request.method, request.path)
        if failure is not None and not failure.after:
            return _failure_response(failure)
        if request.path != "/oauth2/access_token" and not self._authorized(request):
            return web.json_response(
                load_fixture("error_401.constructed.json"), status=401, content_type=PROBLEM
            )
        answer = await handler(request)
        return _failure_response(failure) if failure is not None else answer

    def _over_rate(self, now: float) -> bool:
        while self._accepted and now - self._accepted[0] >= 1.0:
            self._accepted.popleft()
        if len(self._accepted) >= self.rate_limit:
            return True
        self._accepted.append(now)
        return False

    def _planned_failure(self, method: str, path: str) -> _Failure | None:
        failure = next(
            (f for f in self._failures if f.path in (None, path) and f.method in (None, method)),
            None,
        )
        if failure is None:
            return None
        failure.times -= 1
        if failure.times <= 0:
            self._failures.remove(failure)
        return failure

    def _authorized(self, request: web.Request) -> bool:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        return scheme == "Bearer" and self._access.get(token, False)

    async def _token(self, request: web.Request) -> web.Response:
        data = await request.json()
        if (data.get("client_id"), data.get("client_secret"), data.get("redirect_uri")) != (
            CLIENT_ID,
            CLIENT_SECRET,
            REDIRECT_URI,
        ):
            return _oauth_refused("Client authentication failed")
        grant = data.get("grant_type")
        if grant == "refresh_token" and data.get("refresh_token") in self._refresh:
            self._refresh.discard(data["refresh_token"])  # single-use
        elif grant == "authorization_code" and data.get("code") in self._codes:
            self._codes.discard(data["code"])
        else:
            return _oauth_refused("Token has been revoked")
        return web.json_response(self.issue_tokens())

    async def _account(self, request: web.Request) -> web.Response:
        return _hal(self.account)

    async def _users(self, request: web.Request) -> web.Response:
        return self._page(request, "users", self.users)

    async def _pipelines(self, request: web.Request) -> web.Response:
        return _hal(
            {
                "_total_items": len(self.pipelines),
                "_links": {"self": {"href": f"{self.base_url}{request.path}"}},
                "_embedded": {"pipelines": self.pipelines},
            }
        )

    async def _custom_fields(self, request: web.Request) -> web.Response:
        return self._page(request, "custom_fields", self.custom_fields)

    async def _leads(self, request: web.Request) -> web.Response:
        leads = sorted(self.leads.values(), key=lambda lead: lead["id"])
        ids = {int(i) for i in request.query.getall("filter[id][]", [])}
        if ids:
            leads = [lead for lead in leads if lead["id"] in ids]
        if since := request.query.get("filter[updated_at][from]"):
            leads = [lead for lead in leads if lead["updated_at"] >= int(since)]
        with_contacts = "contacts" in request.query.get("with", "").split(",")
        return self._page(request, "leads", [_lead_view(lead, with_contacts) for lead in leads])

    async def _lead(self, request: web.Request) -> web.Response:
        lead = self.leads.get(int(request.match_info["id"]))
        if lead is None:
            return web.Response(status=204)  # amoCRM's "no such lead"
        with_contacts = "contacts" in request.query.get("with", "").split(",")
        return _hal(_lead_view(lead, with_contacts))

    async def _patch_lead(self, request: web.Request) -> web.Response:
        lead = self.leads.get(int(request.match_info["id"]))
        if lead is None:
            return _problem(404, "Not Found", "Lead not found")
        data = await request.json()
        known = {f["id"] for f in self.custom_fields}
        for index, value in enumerate(data.get("custom_fields_values") or []):
            if value.get("field_id") not in known:
                return _validation_error(f"custom_fields_values.{index}.field_id")
        _apply_patch(lead, data)
        return _hal(
            {
                "id": lead["id"],
                "updated_at": lead["updated_at"],
                "_links": {"self": {"href": f"{self.base_url}/api/v4/leads/{lead['id']}"}},
            }
        )

    async def _patch_leads(self, request: web.Request) -> web.Response:
        data = await request.json()
        if not isinstance(data, list) or not data or len(data) > 250:
            return _problem(400, "Bad Request", "Request body must be an array of 1 to 250 leads")
        known = {f["id"] for f in self.custom_fields}
        for index, item in enumerate(data):
            if item.get("id") not in self.leads:
                return _validation_error(f"{index}.id")
            for number, value in enumerate(item.get("custom_fields_values") or []):
                if value.get("field_id") not in known:
                    return _validation_error(f"{index}.custom_fields_values.{number}.field_id")
        updated = []
        for index, item in enumerate(data):
            lead = self.leads[item["id"]]
            _apply_patch(lead, item)
            updated.append(
                {
                    "id": lead["id"],
                    "updated_at": lead["updated_at"],
                    "request_id": str(index),
                    "_links": {"self": {"href": f"{self.base_url}/api/v4/leads/{lead['id']}"}},
                }
            )
        return _hal(
            {
                "_links": {"self": {"href": f"{self.base_url}/api/v4/leads"}},
                "_embedded": {"leads": updated},
            }
        )

    async def _lead_notes(self, request: web.Request) -> web.Response:
        lead_id = int(request.match_info["id"])
        if lead_id not in self.leads:
            return _problem(404, "Not Found", "Lead not found")
        notes = self.notes_of(lead_id)
        if types := request.query.getall("filter[note_type][]", []):
            notes = [note for note in notes if note.get("note_type") in types]
        notes.sort(key=lambda note: note["id"], reverse=request.query.get("order[id]") == "desc")
        return self._page(request, "notes", notes)

    async def _add_notes_batch(self, request: web.Request) -> web.Response:
        data = await request.json()
        if not isinstance(data, list) or not data:
            return _problem(400, "Bad Request", "Request body must be a non-empty array")
        for index, item in enumerate(data):
            if item.get("entity_id") not in self.leads:
                return _validation_error(f"{index}.entity_id")
        return self._create_notes(request, [(item["entity_id"], item) for item in data])

    async def _add_notes(self, request: web.Request) -> web.Response:
        lead_id = int(request.match_info["id"])
        if lead_id not in self.leads:
            return _problem(404, "Not Found", "Lead not found")
        data = await request.json()
        if not isinstance(data, list) or not data:
            return _problem(400, "Bad Request", "Request body must be a non-empty array")
        return self._create_notes(request, [(lead_id, item) for item in data])

    def _create_notes(
        self, request: web.Request, items: list[tuple[int, dict[str, Any]]]
    ) -> web.Response:
        for index, (_, item) in enumerate(items):
            if item.get("note_type") != "common" or not (item.get("params") or {}).get("text"):
                return _validation_error(f"{index}.params.text")
        created = []
        for index, (lead_id, item) in enumerate(items):
            stamp = int(time.time())
            note = {
                **item,
                "id": next(self._note_ids),
                "entity_id": lead_id,
                "created_at": stamp,
                "updated_at": stamp,
            }
            self.notes.append(note)
            href = f"{self.base_url}/api/v4/leads/{lead_id}/notes/{note['id']}"
            created.append(
                {
                    "id": note["id"],
                    "entity_id": lead_id,
                    "request_id": str(index),
                    "_links": {"self": {"href": href}},
                }
            )
        return _hal(
            {
                "_links": {"self": {"href": f"{self.base_url}{request.path}"}},
                "_embedded": {"notes": created},
            }
        )

    def _page(self, request: web.Request, key: str, items: list[dict[str, Any]]) -> web.Response:
        page = int(request.query.get("page", "1"))
        limit = min(int(request.query.get("limit", "50")), MAX_PAGE)
        chunk = items[(page - 1) * limit : page * limit]
        if not chunk:
            return web.Response(status=204)  # past the end: no content, no body
        query = [(k, v) for k, v in request.query.items() if k not in ("page", "limit")]

        def link(number: int) -> dict[str, str]:
            params = "&".join(f"{k}={v}" for k, v in [*query, ("limit", limit), ("page", number)])
            return {"href": f"{self.base_url}{request.path}?{params}"}

        links = {"self": link(page), "first": link(1)}
        # Like amoCRM, a full page promises a next one without counting what is left.
        if len(chunk) == limit:
            links["next"] = link(page + 1)
        if page > 1:
            links["prev"] = link(page - 1)
        return _hal({"_page": page, "_links": links, "_embedded": {key: chunk}})


_TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    402: "Payment Required",
    403: "Forbidden",
    404: "Not Found",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


def _embedded(body: dict[str, Any], key: str) -> list[dict[str, Any]]:
    return list(body["_embedded"][key])


def _hal(body: Any) -> web.Response:
    return web.json_response(body, content_type=HAL)


def _problem(status: int, title: str, detail: str) -> web.Response:
    body = {"title": title, "type": f"https://httpstatus.es/{status}", "status": status}
    return web.json_response({**body, "detail": detail}, status=status, content_type=PROBLEM)


def _validation_error(path: str) -> web.Response:
    body = load_fixture("error_validation_400.docs.json")
    body["validation-errors"][0]["errors"][0]["path"] = path
    return web.json_response(body, status=400, content_type=PROBLEM)


def _oauth_refused(hint: str) -> web.Response:
    # amoCRM's OAuth server answers a bad grant with 400 and a `hint`, not with 401.
    body = {
        "hint": hint,
        "title": "Некорректный запрос",
        "type": "https://developers.amocrm.ru/v3/errors/OAuthProblemJson",
        "status": 400,
        "detail": "В запросе отсутствует ряд параметров или параметры невалидны",
    }
    return web.json_response(body, status=400, content_type=PROBLEM)


def _lead_view(lead: dict[str, Any], with_contacts: bool) -> dict[str, Any]:
    view = copy.deepcopy(lead)
    embedded = view.setdefault("_embedded", {})
    if not with_contacts:
        embedded.pop("contacts", None)
    else:
        embedded.setdefault("contacts", [])
    return view


def _failure_response(failure: _Failure) -> web.Response:
    if isinstance(failure.body, str):
        return web.Response(status=failure.status, text=failure.body)
    if failure.body is not None:
        return web.json_response(failure.body, status=failure.status, content_type=PROBLEM)
    return _problem(failure.status, _TITLES.get(failure.status, "Error"), "Planned failure")


def _apply_patch(lead: dict[str, Any], data: dict[str, Any]) -> None:
    for key in ("name", "price", "status_id", "pipeline_id", "responsible_user_id"):
        if key in data:
            lead[key] = data[key]
    if "custom_fields_values" in data:
        lead["custom_fields_values"] = _merge_fields(
            lead.get("custom_fields_values"), data["custom_fields_values"]
        )
    lead["updated_at"] = max(int(time.time()), lead["updated_at"] + 1)


def _merge_fields(current: list[dict[str, Any]] | None, written: list[dict[str, Any]]) -> list:
    by_id = {f["field_id"]: f for f in current or []}
    for value in written:
        by_id[value["field_id"]] = {"field_id": value["field_id"], "values": value.get("values")}
    return list(by_id.values())
