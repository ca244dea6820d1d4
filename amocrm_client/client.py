"""The amoCRM API v4 client: one `_send()` that every call goes through, one `check_response()`.

What it does for callers:
- authorizes every request; on a 401 it refreshes the OAuth pair once, stores the new pair
  *before* using it (refresh tokens are single-use: a pair lost after a refresh locks us out),
  and retries the request once;
- waits its turn at the shared `RateLimiter` before every request, retries included;
- retries only what cannot have taken effect: a refused connection and 429 on any request,
  and 5xx on reads (GET).
  A write that got a 5xx may have landed, so it raises and the outbox worker decides;
- pages through lists (`page`/`limit`, `_links.next`, 204 past the end).

The base URL comes from settings (`AMOCRM_BASE_URL`), so a test points it at the fake server.
Time and randomness (backoff sleep, jitter, "now" for token expiry) are injected.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

import aiohttp
from pydantic import SecretStr

from amocrm_client.errors import AmoError, AmoNotFound, AmoUnauthorized, error_from_response
from amocrm_client.models import (
    Account,
    Lead,
    LeadCustomField,
    LeadUpdated,
    Note,
    Pipeline,
    TokenPair,
    User,
)
from amocrm_client.rate_limit import RateLimiter, Seconds, Sleep

PAGE_LIMIT = 250  # amoCRM's maximum page size for leads
ID_BATCH = 100  # ids per `filter[id][]` request: keeps the URL well under 8 KB
# Entities per batch write: amoCRM takes up to 250 and recommends no more than 50.
WRITE_BATCH = 50
TOKEN_PATH = "/oauth2/access_token"
CONNECTION_FAILED = 0  # the status we give an answer that never came: the connection failed

Now = Callable[[], datetime]
Query = Sequence[tuple[str, str]]


class TokenStore(Protocol):
    """Where the current token pair lives; `save` must be durable before it returns."""

    async def get(self) -> TokenPair: ...

    async def save(self, pair: TokenPair) -> None: ...


class MemoryTokenStore:
    """Keeps the pair in memory: for tests and one-off commands."""

    def __init__(self, pair: TokenPair | None = None) -> None:
        self.pair = pair

    async def get(self) -> TokenPair:
        if self.pair is None:
            raise AmoUnauthorized(401, "No tokens", "authorize the integration first")
        return self.pair

    async def save(self, pair: TokenPair) -> None:
        self.pair = pair


class LongLivedTokenStore:
    """A long-lived token (`AMOCRM_LONG_LIVED_TOKEN`): nothing to refresh, nothing to save."""

    def __init__(self, token: SecretStr | str) -> None:
        secret = token if isinstance(token, SecretStr) else SecretStr(token)
        self._pair = TokenPair(access_token=secret)

    async def get(self) -> TokenPair:
        return self._pair

    async def save(self, pair: TokenPair) -> None:
        raise TypeError("a long-lived amoCRM token is never refreshed or replaced")


@dataclass(frozen=True)
class OAuthApp:
    """The integration's OAuth credentials (`AMOCRM_CLIENT_ID`, `…_SECRET`, `…_REDIRECT_URI`)."""

    client_id: str
    client_secret: SecretStr
    redirect_uri: str


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter: attempt n waits uniform(0, min(cap, base * 2**n))."""

    attempts: int = 4
    base: Seconds = 0.5
    cap: Seconds = 8.0

    def __post_init__(self) -> None:
        if self.attempts < 1 or self.base <= 0 or self.cap < self.base:
            raise ValueError("attempts >= 1 and 0 < base <= cap")

    def delay(self, attempt: int, rng: random.Random) -> Seconds:
        return rng.uniform(0, min(self.cap, self.base * 2**attempt))


@dataclass(frozen=True)
class Answer:
    """One HTTP answer, read in full; status 0 (`CONNECTION_FAILED`) when none came."""

    status: int
    body: Any  # parsed JSON, text when not JSON, None when empty


def check_response(answer: Answer, *, method: str, path: str) -> Any:
    """The JSON body of a success, None for 204 (amoCRM's "nothing"); otherwise a typed error."""
    if answer.status == CONNECTION_FAILED:
        raise AmoError(0, "Connection failed", str(answer.body), method=method, path=path)
    if answer.status == 204:
        return None
    if 200 <= answer.status < 300:
        return answer.body
    raise error_from_response(answer.status, answer.body, method=method, path=path)


def _retryable(status: int, method: str) -> bool:
    # A refused connection or a 429 cannot have taken effect; a 5xx on a write may have.
    return status in (CONNECTION_FAILED, 429) or (method == "GET" and status >= 500)


def _embedded(body: Any, key: str) -> list[Any]:
    return list(((body or {}).get("_embedded") or {}).get(key) or [])


class AmoClient:
    """amoCRM API v4 for one account. Share one instance (and one limiter) per account; the
    aiohttp session is the caller's to open and close.
    """

    def __init__(
        self,
        base_url: str,
        tokens: TokenStore,
        session: aiohttp.ClientSession,
        *,
        oauth: OAuthApp | None = None,
        limiter: RateLimiter | None = None,
        sleep: Sleep = asyncio.sleep,
        rng: random.Random | None = None,
        now: Now = lambda: datetime.now(UTC),
        retry: RetryPolicy | None = None,
    ) -> None:
        self.base_url = str(base_url).rstrip("/")
        self.tokens = tokens
        self.session = session
        self.oauth = oauth
        self.limiter = limiter or RateLimiter()
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._now = now
        self.retry = retry or RetryPolicy()
        # Concurrent 401s must lead to one refresh: a second use of the old refresh token fails.
        self._refresh_lock = asyncio.Lock()

    # --- reads ---------------------------------------------------------------------------

    async def account(self) -> Account:
        return Account.model_validate(await self._send("GET", "/api/v4/account"))

    async def users(self) -> list[User]:
        return [User.model_validate(u) async for u in self._pages("/api/v4/users", "users")]

    async def pipelines(self) -> list[Pipeline]:
        body = await self._send("GET", "/api/v4/leads/pipelines")
        return [Pipeline.model_validate(p) for p in _embedded(body, "pipelines")]

    async def lead_custom_fields(self) -> list[LeadCustomField]:
        pages = self._pages("/api/v4/leads/custom_fields", "custom_fields")
        return [LeadCustomField.model_validate(f) async for f in pages]

    async def lead(self, lead_id: int) -> Lead:
        path = f"/api/v4/leads/{int(lead_id)}"
        body = await self._send("GET", path, params=[("with", "contacts")])
        if body is None:  # amoCRM answers an unknown (or deleted) lead with 204
            raise AmoNotFound(
                204, "No Content", f"lead {lead_id} not found", method="GET", path=path
            )
        return Lead.model_validate(body)

    async def leads(
        self, updated_since: datetime | None = None, ids: Sequence[int] | None = None
    ) -> AsyncIterator[Lead]:
        """Every lead matching the filters, page by page; `ids` are asked in batches."""
        base: list[tuple[str, str]] = [("with", "contacts"), ("order[id]", "asc")]
        if updated_since is not None:
            base.append(("filter[updated_at][from]", str(int(updated_since.timestamp()))))
        if ids is None:
            async for item in self._pages("/api/v4/leads", "leads", base):
                yield Lead.model_validate(item)
            return
        unique = list(dict.fromkeys(int(i) for i in ids))
        for start in range(0, len(unique), ID_BATCH):
            batch = [("filter[id][]", str(i)) for i in unique[start : start + ID_BATCH]]
            async for item in self._pages("/api/v4/leads", "leads", [*base, *batch]):
                yield Lead.model_validate(item)

    # --- writes (never retried on 5xx: the outbox decides) --------------------------------

    async def add_note(self, lead_id: int, text: str) -> Note:
        payload = [{"note_type": "common", "params": {"text": text}}]
        body = await self._send("POST", f"/api/v4/leads/{int(lead_id)}/notes", json_body=payload)
        note = dict(_embedded(body, "notes")[0])
        note.setdefault("note_type", "common")
        note.setdefault("params", {"text": text})
        return Note.model_validate(note)

    async def update_lead(self, lead_id: int, fields: Mapping[str, Any]) -> LeadUpdated:
        """PATCH the lead with `fields` in amoCRM's write shape (e.g. `custom_fields_values`)."""
        body = await self._send("PATCH", f"/api/v4/leads/{int(lead_id)}", json_body=dict(fields))
        return LeadUpdated.model_validate(body)

    async def add_notes(self, notes: Sequence[tuple[int, str]]) -> list[Note]:
        """Common notes on several leads, `WRITE_BATCH` to a request: (lead id, text) each."""
        created: list[Note] = []
        for start in range(0, len(notes), WRITE_BATCH):
            chunk = notes[start : start + WRITE_BATCH]
            payload = [
                {"entity_id": int(lead_id), "note_type": "common", "params": {"text": text}}
                for lead_id, text in chunk
            ]
            body = await self._send("POST", "/api/v4/leads/notes", json_body=payload)
            for (_, text), note in zip(chunk, _embedded(body, "notes"), strict=False):
                created.append(Note.model_validate({"params": {"text": text}, **note}))
        return created

    async def update_leads(self, updates: Sequence[Mapping[str, Any]]) -> list[LeadUpdated]:
        """PATCH several leads, `WRITE_BATCH` to a request: each update names its `id`."""
        updated: list[LeadUpdated] = []
        for start in range(0, len(updates), WRITE_BATCH):
            chunk = [dict(update) for update in updates[start : start + WRITE_BATCH]]
            body = await self._send("PATCH", "/api/v4/leads", json_body=chunk)
            updated += [LeadUpdated.model_validate(lead) for lead in _embedded(body, "leads")]
        return updated

    async def lead_notes(self, lead_id: int, *, limit: int = PAGE_LIMIT) -> list[Note]:
        """A lead's most recent common notes, newest first (one page: what a retry looks
        through for a note it may have written already)."""
        params = [
            ("filter[note_type][]", "common"),
            ("order[id]", "desc"),
            ("limit", str(limit)),
            ("page", "1"),
        ]
        body = await self._send("GET", f"/api/v4/leads/{int(lead_id)}/notes", params=params)
        return [Note.model_validate(note) for note in _embedded(body, "notes")]

    # --- OAuth ----------------------------------------------------------------------------

    async def exchange_code(self, code: str) -> TokenPair:
        """First authorization: trade the code from the redirect for a pair, and store it."""
        return await self._token_request({"grant_type": "authorization_code", "code": code})

    async def _refresh(self, refused: TokenPair) -> bool:
        """Refresh once for everyone who saw `refused` fail; False when we cannot refresh."""
        async with self._refresh_lock:
            current = await self.tokens.get()
            if current.access_token != refused.access_token:
                return True  # another task refreshed while we waited
            if self.oauth is None or current.refresh_token is None:
                return False
            await self._token_request(
                {
                    "grant_type": "refresh_token",
                    "refresh_token": current.refresh_token.get_secret_value(),
                }
            )
            return True

    async def _token_request(self, grant: dict[str, str]) -> TokenPair:
        if self.oauth is None:
            raise AmoUnauthorized(401, "No OAuth app", "set AMOCRM_CLIENT_ID and its secret")
        payload = {
            "client_id": self.oauth.client_id,
            "client_secret": self.oauth.client_secret.get_secret_value(),
            "redirect_uri": self.oauth.redirect_uri,
            **grant,
        }
        answer = await self._request_once("POST", TOKEN_PATH, None, payload, token=None)
        if answer.status in (400, 401):
            # A refused grant (400 "Token has been revoked") means we are locked out: re-authorize.
            err = error_from_response(answer.status, answer.body, method="POST", path=TOKEN_PATH)
            raise AmoUnauthorized(
                answer.status, err.title, err.detail, method="POST", path=TOKEN_PATH
            )
        # Never retried: a refresh that failed with a 5xx may have rotated the pair anyway.
        body = check_response(answer, method="POST", path=TOKEN_PATH)
        pair = TokenPair.from_oauth_reply(body, self._now())
        await self.tokens.save(pair)  # saved before any use: the old refresh token is now dead
        return pair

    # --- the one way out -------------------------------------------------------------------

    async def _pages(self, path: str, key: str, query: Query = ()) -> AsyncIterator[dict[str, Any]]:
        # The page number is ours rather than `_links.next.href`, so the token only ever goes
        # to the configured host.
        page = 1
        while True:
            params = [*query, ("page", str(page)), ("limit", str(PAGE_LIMIT))]
            body = await self._send("GET", path, params=params)
            if body is None:  # 204: past the end, or nothing matched
                return
            for item in _embedded(body, key):
                yield item
            if not (body.get("_links") or {}).get("next"):
                return
            page += 1

    async def _send(
        self,
        method: str,
        path: str,
        *,
        params: Query | None = None,
        json_body: Any = None,
    ) -> Any:
        refreshed = False
        attempt = 0
        while True:
            pair = await self.tokens.get()
            answer = await self._request_once(method, path, params, json_body, token=pair)
            if answer.status == 401 and not refreshed:
                refreshed = True
                if await self._refresh(pair):
                    continue
            elif _retryable(answer.status, method) and attempt + 1 < self.retry.attempts:
                await self._sleep(self.retry.delay(attempt, self._rng))
                attempt += 1
                continue
            return check_response(answer, method=method, path=path)

    async def _request_once(
        self,
        method: str,
        path: str,
        params: Query | None,
        json_body: Any,
        *,
        token: TokenPair | None,
    ) -> Answer:
        headers = {"Accept": "application/hal+json, application/problem+json"}
        if token is not None:
            headers["Authorization"] = f"Bearer {token.access_token.get_secret_value()}"
        try:
            async with (
                self.limiter.slot(),
                self.session.request(
                    method, self.base_url + path, params=params, json=json_body, headers=headers
                ) as response,
            ):
                raw = await response.read()
                return Answer(response.status, _parse_body(raw))
        except aiohttp.ClientConnectorError as exc:
            # Not connected means not sent. Its text names the host, never our headers.
            return Answer(CONNECTION_FAILED, str(exc))


def _parse_body(raw: bytes) -> Any:
    if not raw.strip():
        return None
    text = raw.decode("utf-8", errors="replace")
    try:
        return json.loads(text)
    except ValueError:
        return text  # amoCRM's 429 may be plain text
