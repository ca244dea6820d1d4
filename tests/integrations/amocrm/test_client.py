"""The amoCRM client end to end: the real `AmoClient` over real aiohttp against `FakeAmoCRM`.

Backoff sleeps are recorded, never slept; only the real-clock rate check waits (about 2 s).
"""

from __future__ import annotations

import asyncio
import random
import socket
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import aiohttp
import pytest
from pydantic import SecretStr

from amocrm_client.client import (
    ID_BATCH,
    AmoClient,
    LongLivedTokenStore,
    MemoryTokenStore,
    OAuthApp,
    RetryPolicy,
)
from amocrm_client.errors import (
    AmoError,
    AmoNotFound,
    AmoRateLimited,
    AmoServerError,
    AmoUnauthorized,
    AmoValidationError,
)
from amocrm_client.integration import create_amo_client
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
from amocrm_client.rate_limit import RateLimiter
from config.settings import Settings
from tests.fakes.amocrm import (
    CLIENT_ID,
    CLIENT_SECRET,
    REDIRECT_URI,
    FakeAmoCRM,
    load_fixture,
)

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
OAUTH = OAuthApp(CLIENT_ID, SecretStr(CLIENT_SECRET), REDIRECT_URI)
TOKEN_PATH = "/oauth2/access_token"


class RecordingSleep:
    """An injected sleep that only remembers how long it was asked to wait."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
async def fake() -> AsyncIterator[FakeAmoCRM]:
    async with FakeAmoCRM() as server:
        yield server


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as http:
        yield http


@pytest.fixture
def sleep() -> RecordingSleep:
    return RecordingSleep()


@pytest.fixture
def tokens(fake: FakeAmoCRM) -> MemoryTokenStore:
    return MemoryTokenStore(TokenPair.from_oauth_reply(fake.issue_tokens(), NOW))


def make_client(
    fake: FakeAmoCRM,
    session: aiohttp.ClientSession,
    tokens: MemoryTokenStore | LongLivedTokenStore,
    sleep: RecordingSleep,
    **kwargs: object,
) -> AmoClient:
    options: dict = {"oauth": OAUTH, "sleep": sleep, "rng": random.Random(7), "now": lambda: NOW}
    return AmoClient(fake.base_url, tokens, session, **{**options, **kwargs})


@pytest.fixture
def client(fake, session, tokens, sleep) -> AmoClient:
    return make_client(fake, session, tokens, sleep)


def lead_gets(fake: FakeAmoCRM) -> list:
    return fake.requests_to("GET", "/api/v4/leads")


# --- models ----------------------------------------------------------------------------------


def test_models_parse_every_fixture_they_describe():
    account = Account.model_validate(load_fixture("account.constructed.json"))
    assert (account.id, account.subdomain, account.currency) == (28805383, "example", "RUB")

    users = load_fixture("users_list.constructed.json")["_embedded"]["users"]
    assert [User.model_validate(u).name for u in users] == ["Менеджер Иван"]

    pipeline = Pipeline.model_validate(
        load_fixture("pipelines.docs.json")["_embedded"]["pipelines"][0]
    )
    assert [s.id for s in pipeline.statuses][-2:] == [142, 143]
    assert pipeline.statuses[0].type == 1

    fields = load_fixture("leads_custom_fields.constructed.json")["_embedded"]["custom_fields"]
    parsed = [LeadCustomField.model_validate(f) for f in fields]
    assert parsed[0].enums == []
    assert [e.value for e in parsed[2].enums] == ["Сайт", "Telegram", "Звонок"]

    detail = Lead.model_validate(load_fixture("lead_detail.docs.json"))
    assert (detail.price, detail.contact_ids, detail.custom_fields_values) == (12, [10971465], [])
    assert detail.updated_at == datetime.fromtimestamp(1590683337, UTC)

    lead = Lead.model_validate(load_fixture("lead_with_custom_fields.constructed.json"))
    assert isinstance(lead.price, int)
    assert lead.field(500001).values[0].value == "15000"
    assert lead.field(500005).values[0].enum_id == 700003
    assert lead.field(500007).values[0].value == 1732320000
    assert lead.field(500009).values[0].value is True
    assert lead.field(424242) is None

    page = load_fixture("leads_list_page.docs.json")["_embedded"]["leads"]
    assert [Lead.model_validate(item).contact_ids for item in page] == [[], []]

    updated = load_fixture("leads_patch_response.docs.json")["_embedded"]["leads"]
    assert [LeadUpdated.model_validate(u).id for u in updated] == [54886, 54884]

    note = load_fixture("notes_add_response.constructed.json")["_embedded"]["notes"][0]
    assert Note.model_validate(note).entity_id == 19620

    pair = TokenPair.from_oauth_reply(load_fixture("oauth_token_response.constructed.json"), NOW)
    assert pair.expires_at == NOW + timedelta(days=1)
    assert "def50200" not in repr(pair)


def test_a_fractional_custom_field_value_becomes_a_decimal_never_a_float():
    lead = load_fixture("lead_with_custom_fields.constructed.json")
    lead["custom_fields_values"][0]["values"][0]["value"] = 1500.5
    value = Lead.model_validate(lead).field(500001).values[0].value
    assert not isinstance(value, float)
    assert str(value) == "1500.5"


# --- reads -----------------------------------------------------------------------------------


async def test_account_users_pipelines_and_custom_fields_are_read(client):
    account = await client.account()
    users = await client.users()
    pipelines = await client.pipelines()
    fields = await client.lead_custom_fields()

    assert account.name == "Kopeyka test"
    assert [u.id for u in users] == [504141]
    assert pipelines[0].id == 3177727
    assert {s.name for s in pipelines[0].statuses} >= {"Успешно реализовано", "Первичный контакт"}
    assert [f.id for f in fields] == [500001, 500003, 500005, 500007, 500009]


async def test_one_lead_is_read_with_its_contact_ids(fake, client):
    lead = await client.lead(19620)

    assert (lead.name, lead.price, lead.contact_ids) == ("Заявка из бота", 15000, [10971465])
    assert fake.requests_to("GET", "/api/v4/leads/19620")[0].query == [("with", "contacts")]


async def test_leads_follow_pages_until_no_next_link(fake, client):
    fake.add_leads(600)  # 604 leads: pages of 250, 250 and 104

    leads = [lead async for lead in client.leads()]

    assert len(leads) == 604
    assert len({lead.id for lead in leads}) == 604
    pages = [dict(r.query)["page"] for r in lead_gets(fake)]
    assert pages == ["1", "2", "3"]
    assert {dict(r.query)["limit"] for r in lead_gets(fake)} == {"250"}


async def test_a_full_last_page_leads_to_a_204_that_ends_the_listing(fake, client):
    fake.add_leads(746)  # 750 leads: three full pages, so page 3 still promises a next one

    leads = [lead async for lead in client.leads()]

    assert len(leads) == 750
    assert [dict(r.query)["page"] for r in lead_gets(fake)] == ["1", "2", "3", "4"]


async def test_no_lead_updated_since_is_an_empty_listing(fake, client):
    since = datetime(2030, 1, 1, tzinfo=UTC)

    assert [lead async for lead in client.leads(updated_since=since)] == []
    assert dict(lead_gets(fake)[0].query)["filter[updated_at][from]"] == str(int(since.timestamp()))


async def test_leads_updated_since_a_moment_are_the_only_ones_listed(fake, client):
    fake.add_leads(3, updated_at=1_800_000_000)

    since = datetime.fromtimestamp(1_799_999_999, UTC)
    leads = [lead async for lead in client.leads(updated_since=since)]

    assert [lead.id for lead in leads] == [1_000_000, 1_000_001, 1_000_002]


async def test_ids_are_asked_in_filter_batches(fake, client):
    fake.add_leads(250)
    wanted = [*range(1_000_000, 1_000_250), 19620, 19620]

    leads = [lead async for lead in client.leads(ids=wanted)]

    assert sorted(lead.id for lead in leads) == sorted({*wanted})
    batches = [[v for k, v in r.query if k == "filter[id][]"] for r in lead_gets(fake)]
    assert [len(batch) for batch in batches] == [ID_BATCH, ID_BATCH, 51]


# --- OAuth -----------------------------------------------------------------------------------


async def test_an_expired_token_is_refreshed_once_and_the_new_pair_is_stored(fake, client, tokens):
    old = await tokens.get()
    await client.account()
    fake.expire_access_tokens()

    fields = await client.lead_custom_fields()

    assert len(fields) == 5
    new = await tokens.get()
    assert new.access_token != old.access_token
    assert new.refresh_token != old.refresh_token
    assert new.expires_at == NOW + timedelta(days=1)
    [refresh] = fake.requests_to("POST", TOKEN_PATH)
    assert refresh.json == {
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "redirect_uri": REDIRECT_URI,
        "grant_type": "refresh_token",
        "refresh_token": old.refresh_token.get_secret_value(),
    }
    assert len(fake.requests_to("GET", "/api/v4/leads/custom_fields")) == 2


async def test_a_used_refresh_token_is_refused_the_second_time(fake, session, tokens, sleep):
    stale = await tokens.get()
    fake.expire_access_tokens()
    await make_client(fake, session, tokens, sleep).account()  # rotates the pair

    # A second process still holding the old pair cannot refresh with it.
    other = make_client(fake, session, MemoryTokenStore(stale), sleep)
    with pytest.raises(AmoUnauthorized) as refused:
        await other.account()

    assert refused.value.status == 400
    assert len(fake.requests_to("POST", TOKEN_PATH)) == 2


async def test_concurrent_401s_share_one_refresh(fake, client):
    fake.expire_access_tokens()

    leads = await asyncio.gather(*(client.lead(19620) for _ in range(3)))

    assert {lead.id for lead in leads} == {19620}
    assert len(fake.requests_to("POST", TOKEN_PATH)) == 1


async def test_a_second_401_after_refreshing_raises_unauthorized(fake, client):
    fake.fail_next(401, times=2, path="/api/v4/account")

    with pytest.raises(AmoUnauthorized):
        await client.account()

    assert len(fake.requests_to("POST", TOKEN_PATH)) == 1
    assert len(fake.requests_to("GET", "/api/v4/account")) == 2


async def test_a_long_lived_token_is_used_as_is_and_never_refreshed(fake, session, sleep):
    pair = fake.issue_tokens()
    client = make_client(fake, session, LongLivedTokenStore(pair["access_token"]), sleep)
    assert (await client.account()).id == 28805383

    fake.expire_access_tokens()
    with pytest.raises(AmoUnauthorized):
        await client.account()
    assert fake.requests_to("POST", TOKEN_PATH) == []


async def test_exchanging_an_authorization_code_stores_the_first_pair(fake, session, sleep):
    store = MemoryTokenStore()
    client = make_client(fake, session, store, sleep)

    pair = await client.exchange_code(fake.issue_code())

    assert await store.get() == pair
    assert (await client.account()).subdomain == "example"
    assert fake.requests_to("POST", TOKEN_PATH)[0].json["grant_type"] == "authorization_code"


# --- retries ---------------------------------------------------------------------------------


async def test_a_429_storm_is_waited_out_with_jittered_backoff(fake, client, sleep):
    fake.fail_next(429, times=3)

    assert (await client.account()).id == 28805383

    assert len(fake.requests_to("GET", "/api/v4/account")) == 4
    assert len(sleep.waits) == 3
    for attempt, wait in enumerate(sleep.waits):
        assert 0 <= wait <= 0.5 * 2**attempt


async def test_a_plain_text_429_that_never_ends_raises_rate_limited(fake, client, sleep):
    fake.fail_next(429, times=10, body="Too Many Requests")

    with pytest.raises(AmoRateLimited) as limited:
        await client.account()

    assert limited.value.status == 429
    assert len(fake.requests_to("GET", "/api/v4/account")) == RetryPolicy().attempts


async def test_a_500_on_a_read_is_retried(fake, client, sleep):
    fake.fail_next(500, times=2)

    assert (await client.lead(19620)).id == 19620
    assert len(fake.requests_to("GET", "/api/v4/leads/19620")) == 3
    assert len(sleep.waits) == 2


async def test_a_500_on_adding_a_note_is_not_retried(fake, client, sleep):
    fake.fail_next(500)

    with pytest.raises(AmoServerError) as failed:
        await client.add_note(19620, "Оплата подтверждена")

    assert failed.value.status == 500
    assert len(fake.requests_to("POST", "/api/v4/leads/19620/notes")) == 1
    assert sleep.waits == []
    assert fake.notes == []


async def test_a_429_on_adding_a_note_is_retried(fake, client):
    fake.fail_next(429)

    note = await client.add_note(19620, "Оплата подтверждена")

    assert (note.entity_id, note.text) == (19620, "Оплата подтверждена")
    [request] = fake.requests_to("POST", "/api/v4/leads/19620/notes")[1:]
    assert request.json == [{"note_type": "common", "params": {"text": "Оплата подтверждена"}}]
    assert len(fake.notes) == 1


async def test_a_refresh_the_server_fails_is_a_server_error_not_retried(fake, client):
    fake.fail_next(401, path="/api/v4/account")
    fake.fail_next(503, path=TOKEN_PATH)

    with pytest.raises(AmoServerError):
        await client.account()

    assert len(fake.requests_to("POST", TOKEN_PATH)) == 1


async def test_a_refused_connection_is_retried_then_reported(session, tokens, sleep):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = AmoClient(f"http://127.0.0.1:{port}", tokens, session, sleep=sleep)

    with pytest.raises(AmoError) as failed:
        await client.add_note(19620, "текст")

    assert (failed.value.status, failed.value.title) == (0, "Connection failed")
    assert len(sleep.waits) == RetryPolicy().attempts - 1


# --- writes and errors -----------------------------------------------------------------------


async def test_updating_a_lead_writes_its_fields(fake, client):
    fields = {
        "status_id": 142,
        "custom_fields_values": [{"field_id": 500001, "values": [{"value": 15000}]}],
    }

    updated = await client.update_lead(19620, fields)

    assert updated.id == 19620
    lead = await client.lead(19620)
    assert lead.status_id == 142
    assert lead.field(500001).values[0].value == 15000
    assert fake.requests_to("PATCH", "/api/v4/leads/19620")[0].json == fields


async def test_an_unknown_lead_is_not_found(client):
    with pytest.raises(AmoNotFound):
        await client.lead(999)
    with pytest.raises(AmoNotFound) as missing:
        await client.add_note(999, "текст")
    assert missing.value.status == 404


async def test_a_refused_field_raises_a_validation_error_with_the_detail(client):
    with pytest.raises(AmoValidationError) as refused:
        await client.update_lead(19620, {"custom_fields_values": [{"field_id": 1, "values": []}]})

    error = refused.value
    assert (error.status, error.detail) == (400, "Request validation failed")
    [issue] = error.validation_errors
    assert (issue.code, issue.path) == ("NotSupportedChoice", "custom_fields_values.0.field_id")
    assert "The value you selected is not a valid choice." in str(error)


async def test_an_error_never_shows_the_access_token(fake, client, tokens):
    token = (await tokens.get()).access_token.get_secret_value()
    fake.fail_next(403)

    with pytest.raises(AmoError) as forbidden:
        await client.account()

    assert forbidden.value.status == 403
    assert token not in str(forbidden.value)
    assert token not in repr(forbidden.value)
    assert token not in repr(await tokens.get())


async def test_the_client_is_built_from_settings(fake, session):
    token = fake.issue_tokens()["access_token"]
    settings = Settings(
        _env_file=None, amocrm_base_url=fake.base_url, amocrm_long_lived_token=token
    )

    client = create_amo_client(settings, session)

    assert client.base_url == fake.base_url
    assert (await client.account()).id == 28805383


# --- rate limit ------------------------------------------------------------------------------


class ManualClock:
    """A monotonic clock that moves only when the limiter sleeps."""

    def __init__(self) -> None:
        self.now = 100.0

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        await asyncio.sleep(0)


async def test_the_limiter_lets_at_most_seven_start_in_any_second_across_tasks():
    clock = ManualClock()
    limiter = RateLimiter(7, 1.0, monotonic=clock.monotonic, sleep=clock.sleep)
    starts: list[float] = []

    async def request() -> None:
        await limiter.acquire()
        starts.append(clock.now)

    await asyncio.gather(*(request() for _ in range(50)))

    assert len(starts) == 50
    assert max(sum(1 for t in starts if s <= t < s + 1.0) for s in starts) == 7
    assert starts[-1] == pytest.approx(107.0)  # 50 requests: 8 windows, none wasted


async def test_a_slow_request_holds_its_turn_until_answered_and_counts_from_the_answer():
    clock = ManualClock()
    limiter = RateLimiter(2, 1.0, monotonic=clock.monotonic, sleep=clock.sleep)
    both_out, answered = asyncio.Event(), asyncio.Event()
    starts: list[float] = []
    answers: list[float] = []

    async def slow() -> None:
        async with limiter.slot():
            starts.append(clock.now)
            if len(starts) == 2:
                both_out.set()
            await answered.wait()  # the network took its time
        answers.append(clock.now)

    async def quick() -> None:
        async with limiter.slot():
            starts.append(clock.now)

    slow_ones = [asyncio.create_task(slow()), asyncio.create_task(slow())]
    await both_out.wait()
    third = asyncio.create_task(quick())
    clock.now += 5.0  # five seconds out: both turns still held
    await asyncio.sleep(0)
    assert len(starts) == 2
    answered.set()
    await asyncio.gather(*slow_ones, third)

    assert starts[:2] == [100.0, 100.0]
    assert starts[2] >= max(answers) + 1.0  # a window after the answers, not the starts


def test_a_limiter_refuses_a_nonsense_rate():
    with pytest.raises(ValueError, match="rate"):
        RateLimiter(0)


async def test_the_fake_answers_429_beyond_seven_requests_a_second(fake, session, tokens, sleep):
    unlimited = RateLimiter(1000)
    client = make_client(fake, session, tokens, sleep, limiter=unlimited, retry=RetryPolicy(1))

    results = await asyncio.gather(*(client.lead(19620) for _ in range(8)), return_exceptions=True)

    assert sum(isinstance(r, Lead) for r in results) == 7
    assert sum(isinstance(r, AmoRateLimited) for r in results) == 1


async def test_concurrent_lead_reads_through_one_limiter_never_exceed_the_rate(fake, client):
    # Real clock on purpose: the fake judges arrival times. 15 reads take about two windows.
    leads = await asyncio.gather(*(client.lead(19620) for _ in range(15)))

    assert len(leads) == 15
    assert fake.rate_limited == 0
    assert fake.max_requests_per_second() <= 7
