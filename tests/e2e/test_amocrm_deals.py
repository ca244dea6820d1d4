"""Deals from amoCRM end to end: the fake CRM, its real-format webhooks posted to our web app,
the inbox worker and the reconcile pass through the real client, the database, and the bot.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time as wall
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiogram import Bot, Dispatcher
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from amocrm_client.inbox import InboxWriter
from amocrm_client.integration import AmoIntegration
from amocrm_client.sync import report_day
from amocrm_client.webhook_endpoint import AmoWebhookConfig
from app.context import AppContext
from app.runtime import AmoRuntime, create_amocrm
from app.webapp import create_web_app
from bot.notifier import create_notify_handler
from config.settings import Settings
from ledger.clock import FrozenClock
from ledger.crm_effects import AddDealNote, MoveDeal, SetDealFields, ask_crm
from ledger.outbox import TOPIC_NOTIFY, OutboxWorker
from ledger.storage.database import Database, create_engine
from ledger.storage.models import (
    AmoTokenRow,
    AmoWebhookRow,
    AuditRow,
    DealRow,
    ExpectedPaymentRow,
    OutboxRow,
    SyncRunRow,
    UserRow,
)
from tests.e2e.conftest import OWNER_ID, REPO, start_app
from tests.fakes import amocrm_deals as account
from tests.fakes.amocrm import CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, FakeAmoCRM
from tests.fakes.server import serve_locally
from tests.fakes.telegram import FakeTelegram
from tests.fakes.telegram_user import FakeUser

FIXTURES = REPO / "tests" / "fixtures" / "amocrm"
STATUS_BODY = (FIXTURES / "webhook_lead_status.constructed.urlencoded").read_bytes()
ACCOUNT_ID = 7039099  # the account of webhook_lead_status
LEAD_ID = 25399013  # its lead
# The custom-fields update fixture, re-addressed to the same lead and account.
UPDATE_BODY = (
    (FIXTURES / "webhook_lead_update_custom_fields.constructed.urlencoded")
    .read_bytes()
    .replace(b"19620", str(LEAD_ID).encode())
    .replace(b"28805383", str(ACCOUNT_ID).encode())
)
SECRET = "amo-hook-secret_42"


def closed_lead(
    *,
    price: int = 150_000,
    prepayment: str = "50000",
    pay_type: str = "Наличные",
    **changes: Any,
) -> dict:
    """The deal of the webhook fixture, as amoCRM shows it once the manager closed it;
    `changes` replace the lead's own keys (`status_id`, `updated_at`, …)."""
    updated_at = changes.pop("updated_at", int(wall.time()))
    lead = account.closed_lead(
        LEAD_ID,
        name="Кухня Ивановых",
        price=price,
        prepayment=prepayment,
        updated_at=updated_at,
        account_id=ACCOUNT_ID,
        pay_type=pay_type,
    )
    unknown = set(changes) - set(lead)
    assert not unknown, f"not keys of a lead: {unknown}"
    lead.update(changes)
    return lead


@dataclass
class Crm:
    context: AppContext
    bot: Bot
    telegram: FakeTelegram
    owner: FakeUser
    amo: FakeAmoCRM
    integration: AmoIntegration
    http: aiohttp.ClientSession
    url: str
    clock: FrozenClock

    async def post(
        self, body: bytes, *, secret: str = SECRET, to: str | None = None, **headers: str
    ) -> int:
        """POST a webhook to this app, or to the app at `to`."""
        headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        async with self.http.post(
            f"{to or self.url}/amocrm/webhook/{secret}", data=body, headers=headers
        ) as response:
            return response.status

    async def process(self) -> int:
        return await self.integration.worker.run_until_empty()

    async def count(self, model: Any, *where: Any) -> int:
        async with self.context.database.read() as session:
            query = select(func.count()).select_from(model).where(*where)
            return (await session.execute(query)).scalar_one()

    async def payments(self) -> dict[str, ExpectedPaymentRow]:
        async with self.context.database.read() as session:
            rows = await session.scalars(select(ExpectedPaymentRow))
            return {row.slot: row for row in rows}

    async def deal(self) -> DealRow:
        async with self.context.database.read() as session:
            query = select(DealRow).where(DealRow.amo_lead_id == LEAD_ID)
            return (await session.execute(query)).scalar_one()

    async def deliver_notifications(self) -> int:
        worker = OutboxWorker(
            self.context.database,
            {TOPIC_NOTIFY: create_notify_handler(self.bot, "ru")},
            self.clock,
        )
        return await worker.run_once()

    def lead_fetches(self) -> list[Any]:
        return self.amo.requests_to("GET", "/api/v4/leads")


def amo_settings(
    telegram: FakeTelegram,
    amo: FakeAmoCRM,
    database_url: str,
    data_dir: Path,
    amocrm_keys: str = "",
) -> Settings:
    """The settings of the app with amoCRM on; `amocrm_keys`: lines added to `[amocrm]`."""
    mappings = data_dir / "mappings.toml"
    section = account.MAPPINGS.replace("[amocrm]\n", "[amocrm]\n" + amocrm_keys, 1)
    mappings.write_text((REPO / "config" / "mappings.toml").read_text() + section)
    return Settings(
        _env_file=None,
        bot_token=telegram.token,
        owner_telegram_ids=[OWNER_ID],
        telegram_api_url=telegram.base_url,
        database_url=database_url,
        data_dir=data_dir,
        mappings_file=mappings,
        secret_key="e2e-secret-key-that-signs-invites",
        amocrm_base_url=amo.base_url,
        amocrm_account_id=ACCOUNT_ID,
        amocrm_webhook_secret=SECRET,
        amocrm_client_id=CLIENT_ID,
        amocrm_client_secret=CLIENT_SECRET,
        amocrm_redirect_uri=REDIRECT_URI,
    )


@pytest.fixture
async def amo() -> AsyncIterator[FakeAmoCRM]:
    async with FakeAmoCRM() as fake:
        account.install(fake)
        yield fake


@pytest.fixture
async def crm(
    telegram: FakeTelegram,
    amo: FakeAmoCRM,
    engine: AsyncEngine,
    database_url: str,
    clock: FrozenClock,
    tmp_path: Path,
    amocrm_keys: str,
) -> AsyncIterator[Crm]:
    """Kopeyka as `run.py run` starts it in polling mode with amoCRM on, authorised once
    (a module may add keys to its `[amocrm]` mappings by overriding `amocrm_keys`)."""
    settings = amo_settings(telegram, amo, database_url, tmp_path, amocrm_keys)
    async with (
        start_app("polling", telegram, settings, engine, clock) as (context, dispatcher, bot),
        aiohttp.ClientSession() as http,
    ):
        integration = create_amocrm(context)
        assert integration is not None
        app = create_web_app(dispatcher, None, None, amocrm=integration.webhook_config())
        runner, url = await serve_locally(app)
        try:
            await integration.client.exchange_code(amo.issue_code())  # `run.py amocrm auth`
            owner = telegram.user(OWNER_ID, "Ольга", username="owner_olga")
            yield Crm(context, bot, telegram, owner, amo, integration, http, url, clock)
        finally:
            await runner.cleanup()
            await integration.close()


async def test_a_deal_closed_in_the_crm_and_its_webhook_become_expected_payments(crm: Crm):
    crm.amo.leads[LEAD_ID] = closed_lead()

    assert await crm.post(STATUS_BODY) == 200
    assert await crm.process() == 1

    payments = await crm.payments()
    assert set(payments) == {"Предоплата", "Остаток"}
    assert (payments["Предоплата"].amount_minor, payments["Предоплата"].kind) == (5_000_000, "cash")
    assert payments["Остаток"].amount_minor == 10_000_000
    assert {p.status for p in payments.values()} == {"expected"}
    deal = await crm.deal()
    assert (deal.manager, deal.product, deal.salon, deal.city, deal.contract) == (
        "Менеджер Иван",
        "Кухня",
        "Центральный",
        "Казань",
        "Д-17",
    )
    assert deal.contract_date == date(2025, 11, 18)
    fetch = crm.lead_fetches()[-1]
    assert ("filter[id][]", str(LEAD_ID)) in fetch.query


async def test_the_owner_and_the_manager_see_the_deal_in_the_bot(crm: Crm):
    crm.amo.leads[LEAD_ID] = closed_lead()
    await crm.post(STATUS_BODY)
    await crm.process()
    await crm.integration.sync.refresh_users()  # what the reconcile does on every pass

    await crm.owner.send("/invite")
    await crm.owner.tap("менеджер")
    assert "Кто этот менеджер в amoCRM" in crm.owner.last_message().body
    await crm.owner.tap("Менеджер Иван")
    text = crm.owner.last_message().body
    token = next(w for w in text.split() if w.startswith("https://t.me/")).split("?start=")[1]
    manager = crm.telegram.user(7770009, "Иван")
    await manager.open_deep_link(token)
    await manager.send("/deals")

    card = manager.last_message().body
    assert "Кухня Ивановых, договор Д-17" in card
    assert "Предоплата: 50\u00a0000,00\u00a0₽ (наличные) — ждём" in card
    assert "Ждём: 150\u00a0000,00\u00a0₽" in card
    linked = await crm.count(UserRow, UserRow.amo_user_id == account.MANAGER_AMO_ID)
    assert linked == 1
    await crm.owner.send("/deals")
    assert "Кухня Ивановых" in crm.owner.last_message().body


async def test_a_manager_with_no_deals_of_theirs_sees_none(crm: Crm, manager: FakeUser):
    crm.amo.leads[LEAD_ID] = closed_lead(responsible_user_id=999999)
    await crm.post(STATUS_BODY)
    await crm.process()

    await manager.send("/deals")

    assert "Сделок с ожидаемыми оплатами нет" in manager.last_message().body


async def test_replayed_and_duplicated_webhooks_change_nothing(crm: Crm):
    crm.amo.leads[LEAD_ID] = closed_lead()
    for _ in range(5):  # amoCRM delivers the same event up to five times
        assert await crm.post(STATUS_BODY) == 200
    assert await crm.count(AmoWebhookRow) == 1
    await crm.process()
    audits = await crm.count(AuditRow)

    assert await crm.post(STATUS_BODY) == 200  # a late replay of a processed one
    assert await crm.post(UPDATE_BODY) == 200  # another event about the same, unchanged lead
    await crm.process()

    assert await crm.count(AuditRow) == audits
    assert await crm.count(ExpectedPaymentRow) == 2


async def test_an_amount_changed_after_confirmation_tells_the_owner_and_keeps_history(crm: Crm):
    crm.amo.leads[LEAD_ID] = closed_lead()
    await crm.post(STATUS_BODY)
    await crm.process()
    async with crm.context.database.write() as session:
        # What the cashier's confirmation (a later flow) leaves: the prepayment taken in.
        prepayment = (
            await session.execute(
                select(ExpectedPaymentRow).where(ExpectedPaymentRow.slot == "Предоплата")
            )
        ).scalar_one()
        prepayment.status, prepayment.confirmed_amount_minor = "confirmed", 5_000_000

    crm.amo.leads[LEAD_ID] = closed_lead(prepayment="45000", updated_at=int(wall.time()) + 5)
    await crm.post(UPDATE_BODY)
    await crm.process()

    payments = await crm.payments()
    assert payments["Предоплата"].status == "confirmed"
    assert payments["Предоплата"].amount_minor == 5_000_000
    assert payments["Остаток"].amount_minor == 10_500_000  # still unconfirmed: it follows
    assert await crm.deliver_notifications() == 1
    told = crm.owner.last_message().body
    assert "Расхождение по сделке «Кухня Ивановых, договор Д-17»" in told
    assert "45\u00a0000,00\u00a0₽" in told


async def test_a_lost_webhook_is_caught_by_the_reconcile_and_a_second_pass_changes_nothing(
    crm: Crm,
):
    crm.amo.leads[LEAD_ID] = closed_lead()  # closed in the CRM; its webhook never came

    first = await crm.integration.reconciler.run()
    second = await crm.integration.reconciler.run()

    assert first.deals_changed >= 1
    assert set(await crm.payments()) == {"Предоплата", "Остаток"}
    assert second.deals_changed == 0
    assert second.since is not None  # the second pass started from the stored mark
    since = ("filter[updated_at][from]", str(int(second.since.timestamp())))
    assert since in crm.lead_fetches()[-1].query or any(
        since in fetch.query for fetch in crm.lead_fetches()
    )


async def test_a_deal_deleted_in_the_crm_cancels_its_expectations_at_the_next_reconcile(
    crm: Crm,
):
    crm.amo.leads[LEAD_ID] = closed_lead()
    await crm.post(STATUS_BODY)
    await crm.process()
    await crm.integration.reconciler.run()

    del crm.amo.leads[LEAD_ID]
    result = await crm.integration.reconciler.run()

    assert result.gone == 1
    assert {p.status for p in (await crm.payments()).values()} == {"cancelled"}
    assert (await crm.deal()).state == "deleted"


async def test_an_expired_token_is_refreshed_once_and_the_new_pair_is_kept(crm: Crm):
    crm.amo.leads[LEAD_ID] = closed_lead()
    async with crm.context.database.read() as session:
        before = (await session.get(AmoTokenRow, 1)).refresh_token

    crm.amo.expire_access_tokens()
    await crm.post(STATUS_BODY)
    await crm.process()

    assert await crm.count(ExpectedPaymentRow) == 2
    async with crm.context.database.read() as session:
        after = (await session.get(AmoTokenRow, 1)).refresh_token
    assert after != before
    assert len(crm.amo.requests_to("POST", "/oauth2/access_token")) == 2  # code, then refresh


async def test_a_429_storm_delays_the_webhook_but_loses_nothing_and_the_owner_hears(crm: Crm):
    crm.amo.leads[LEAD_ID] = closed_lead()
    crm.amo.fail_next(429, times=4, path="/api/v4/leads")  # every retry of the fetch

    assert await crm.post(STATUS_BODY) == 200
    await crm.process()

    assert await crm.count(ExpectedPaymentRow) == 0
    assert await crm.count(AmoWebhookRow, AmoWebhookRow.status == "pending") == 1
    crm.clock.advance(timedelta(hours=1))  # the retry comes due
    await crm.process()
    assert await crm.count(ExpectedPaymentRow) == 2
    assert await crm.count(AmoWebhookRow, AmoWebhookRow.status == "done") == 1

    summary = await report_day(crm.context.database, crm.clock, [OWNER_ID])
    assert summary.errors >= 1
    assert await crm.deliver_notifications() == 1
    assert "amoCRM за сутки" in crm.owner.last_message().body
    assert await crm.count(SyncRunRow, SyncRunRow.errors > 0) >= 1


async def test_the_worker_runs_by_itself_once_started(crm: Crm):
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    crm.amo.leads[LEAD_ID] = closed_lead()
    scheduler = AsyncIOScheduler()
    crm.integration.start(scheduler)  # as run_polling does; the scheduler itself stays off

    await crm.post(STATUS_BODY)
    for _ in range(100):
        if await crm.count(ExpectedPaymentRow) == 2:
            break
        await asyncio.sleep(0.05)

    assert await crm.count(ExpectedPaymentRow) == 2


async def inbox_done_within(crm: Crm, rows: int, *, seconds: float) -> bool:
    deadline = asyncio.get_running_loop().time() + seconds
    while asyncio.get_running_loop().time() < deadline:
        if await crm.count(AmoWebhookRow, AmoWebhookRow.status == "done") == rows:
            return True
        await asyncio.sleep(0.05)
    return False


async def test_with_a_worker_process_run_only_stores_and_a_child_applies(crm: Crm):
    """`AMOCRM_WORKER=process` (`auto` on PostgreSQL): this process only stores and
    acknowledges; a spawned child fetches the lead through the stored tokens and applies it,
    is started again if it dies, and stops cleanly when the bot does."""
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    settings = crm.context.settings.model_copy(update={"amocrm_worker": "process"})
    crm.amo.leads[LEAD_ID] = closed_lead()
    runtime = AmoRuntime(dataclasses.replace(crm.context, settings=settings))
    runtime.start(AsyncIOScheduler())  # left off: its liveness check is called below
    assert runtime.inline is None
    assert runtime.webhook is not None
    app = create_web_app(Dispatcher(), None, None, amocrm=runtime.webhook)
    runner, url = await serve_locally(app)
    try:
        assert await crm.post(STATUS_BODY, to=url) == 200
        assert await inbox_done_within(crm, 1, seconds=30)  # the child starts a Python of its own
        assert await crm.count(ExpectedPaymentRow) == 2
        assert len(crm.lead_fetches()) == 1
        crashed = runtime.worker_process
        assert crashed is not None
        crashed.kill()
        await asyncio.to_thread(crashed.join)
        await runtime.keep_worker_alive()  # the scheduler's check, every 30 s
        assert runtime.worker_process is not crashed
        assert runtime.worker_process is not None
        assert await crm.post(UPDATE_BODY, to=url) == 200
        assert await inbox_done_within(crm, 2, seconds=30)  # the new child works
    finally:
        process = runtime.worker_process
        await runtime.close()
        await runner.cleanup()
    assert process is not None
    assert process.exitcode == 0


async def test_with_an_external_worker_run_stores_and_leaves_processing_to_it(crm: Crm):
    """`AMOCRM_WORKER=external`: the webhook is stored and acknowledged; nothing here
    processes it until `run.py amocrm worker` (here: its worker, by hand) does."""
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    settings = crm.context.settings.model_copy(update={"amocrm_worker": "external"})
    crm.amo.leads[LEAD_ID] = closed_lead()
    runtime = AmoRuntime(dataclasses.replace(crm.context, settings=settings))
    scheduler = AsyncIOScheduler()
    runtime.start(scheduler)
    assert runtime.inline is None
    assert runtime.worker_process is None
    assert scheduler.get_jobs() == []
    assert runtime.webhook is not None
    app = create_web_app(Dispatcher(), None, None, amocrm=runtime.webhook)
    runner, url = await serve_locally(app)
    try:
        assert await crm.post(STATUS_BODY, to=url) == 200
        await asyncio.sleep(0.3)
        assert await crm.count(AmoWebhookRow, AmoWebhookRow.status == "pending") == 1
        assert crm.lead_fetches() == []
        assert await crm.process() == 1  # the external worker's turn
        assert await crm.count(ExpectedPaymentRow) == 2
    finally:
        await runtime.close()
        await runner.cleanup()


@pytest.mark.parametrize(
    ("body", "secret", "expected"),
    [
        (STATUS_BODY, "wrong-secret", 403),
        (STATUS_BODY.replace(b"7039099", b"1111111"), SECRET, 403),  # another account
        (b'{"leads": "json, not a form"}', SECRET, 400),
        (b"leads%5Bstatus%5D%5B0%5D%5Bid%5D=abc&account%5Bid%5D=7039099", SECRET, 400),
        (b"x" * (1024 * 1024 + 10), SECRET, 413),
    ],
    ids=["wrong secret", "wrong account", "not a form", "bad lead id", "too large"],
)
async def test_refused_webhooks_get_4xx_and_change_nothing(
    crm: Crm, body: bytes, secret: str, expected: int, caplog: pytest.LogCaptureFixture
):
    assert await crm.post(body, secret=secret) == expected

    assert await crm.count(AmoWebhookRow) == 0
    assert SECRET not in caplog.text


async def test_a_webhook_about_other_entities_is_acknowledged_and_ignored(crm: Crm):
    contacts_only = b"contacts%5Badd%5D%5B0%5D%5Bid%5D=1&account%5Bid%5D=7039099"

    assert await crm.post(contacts_only) == 200

    assert await crm.count(AmoWebhookRow) == 0


async def test_a_database_that_is_down_answers_503_so_amocrm_delivers_again(
    crm: Crm, tmp_path: Path
):
    unreachable = create_engine(f"sqlite+aiosqlite:///{tmp_path}/no/such/dir/db.sqlite3")
    writer = InboxWriter(Database(unreachable), crm.clock)
    config = AmoWebhookConfig(secret=SECRET, account_id=ACCOUNT_ID, writer=writer)
    runner, url = await serve_locally(create_web_app(Dispatcher(), None, None, amocrm=config))
    try:
        async with crm.http.post(
            f"{url}/amocrm/webhook/{SECRET}",
            data=STATUS_BODY,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        ) as response:
            assert response.status == 503
    finally:
        await runner.cleanup()
        await unreachable.dispose()


async def test_crm_effects_reach_amocrm_from_the_worker_that_has_the_client(crm: Crm):
    crm.amo.leads[LEAD_ID] = closed_lead()
    effects = [
        AddDealNote(LEAD_ID, "Предоплата 50 000,00 ₽ получена кассиром"),
        SetDealFields(LEAD_ID, ((account.CONTRACT, "Д-77"),)),
        MoveDeal(LEAD_ID, status_id=142),
    ]
    async with crm.context.database.write() as session:
        for number, effect in enumerate(effects):
            ask_crm(session, effect, now=crm.clock.now(), dedupe_key=f"test:{number}")
    # The bot process's notification worker leaves CRM rows to the amoCRM worker.
    notifier = OutboxWorker(
        crm.context.database, {TOPIC_NOTIFY: create_notify_handler(crm.bot, "ru")}, crm.clock
    )
    assert await notifier.run_once() == 0

    assert await crm.integration.perform_effects() == 3

    [note] = [n for n in crm.amo.notes if n["entity_id"] == LEAD_ID]
    assert note["params"]["text"] == "Предоплата 50 000,00 ₽ получена кассиром"
    lead = crm.amo.leads[LEAD_ID]
    assert lead["status_id"] == 142
    contract = [f for f in lead["custom_fields_values"] if f["field_id"] == account.CONTRACT]
    assert contract[0]["values"][0]["value"] == "Д-77"
    assert await crm.integration.perform_effects() == 0  # done once, never again


async def test_a_crm_effect_amocrm_refuses_waits_for_a_retry(crm: Crm):
    async with crm.context.database.write() as session:
        ask_crm(session, AddDealNote(999, "no such deal"), now=crm.clock.now(), dedupe_key="x")

    assert await crm.integration.perform_effects() == 0

    async with crm.context.database.read() as session:
        row = (await session.execute(select(OutboxRow))).scalar_one()
    assert (row.status, row.attempts) == ("pending", 1)
    assert crm.amo.notes == []


async def test_the_integration_closes_even_when_a_webhook_wakes_it_at_that_moment(crm: Crm):
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    crm.integration.start(AsyncIOScheduler(), poll_seconds=3600)
    waiting = crm.integration.wake_event._waiters  # asyncio.Event's own list of who waits
    for _ in range(500):  # its first look at the inbox done, the worker waits to be woken
        if waiting:
            break
        await asyncio.sleep(0.01)
    assert waiting
    crm.integration.wake_event.set()  # a webhook lands as the bot stops: the worker's wait
    await asyncio.sleep(0)  # is over, and the worker has not yet run on when it is cancelled

    # Not asyncio.wait_for(close()): a timeout would cancel close(), which swallows it.
    closing = asyncio.create_task(crm.integration.close())
    done, _ = await asyncio.wait({closing}, timeout=5)
    if not done:  # the worker lost its cancel: end it by hand, so the test fails, not hangs
        crm.integration._task.cancel()
        await closing
    assert done, "close() waited for a worker that never stopped"


# -- poison from the CRM ------------------------------------------------------------------

TOO_LARGE_LEAD = STATUS_BODY.replace(str(LEAD_ID).encode(), b"9223372036854775808")
STATUS_FORM = STATUS_BODY.rstrip(b"\n")  # the fixture file's last line break is no field's


async def test_a_lead_id_past_64_bits_is_kept_refused_and_never_retried(crm: Crm):
    assert await crm.post(TOO_LARGE_LEAD) == 200
    assert await crm.post(TOO_LARGE_LEAD) == 200  # amoCRM's retry: the same row

    assert await crm.process() == 0
    crm.clock.advance(timedelta(days=1, minutes=-1))
    assert await crm.process() == 0, "never claimed, however long it waits"
    async with crm.context.database.read() as session:
        row = (await session.execute(select(AmoWebhookRow))).scalar_one()
    assert row.status == "refused"
    assert row.attempts == 0
    assert row.last_error == "leads[status][id] is larger than a 64-bit number"
    assert crm.lead_fetches() == []


async def test_a_refused_webhook_reaches_the_owner_and_doctor(crm: Crm):
    from app.doctor import WARN, check_queues

    assert await crm.post(TOO_LARGE_LEAD) == 200

    summary = await report_day(crm.context.database, crm.clock, [OWNER_ID])
    assert summary.errors == 1
    assert summary.last_error == "leads[status][id] is larger than a 64-bit number"
    assert await crm.deliver_notifications() == 1
    assert "ошибок — 1" in crm.owner.last_message().body
    level, _, text = await check_queues(crm.context.settings)
    assert level == WARN
    assert "1 amoCRM webhooks were refused" in text


async def test_a_raw_nul_in_a_webhook_body_is_a_bad_request_not_a_row(crm: Crm):
    assert await crm.post(STATUS_FORM + b"&leads[status][0][name]=a\x00b") == 400

    assert await crm.count(AmoWebhookRow) == 0


async def test_a_nul_in_a_lead_reaches_no_table(crm: Crm):
    crm.amo.leads[LEAD_ID] = closed_lead(name="Кухня\x00 Ивановых\x1b")

    assert await crm.post(STATUS_FORM + b"&leads[status][0][name]=%00") == 200
    assert await crm.process() == 1

    assert (await crm.deal()).name == "Кухня Ивановых"
