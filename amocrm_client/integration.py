"""amoCRM at run time: the client, the webhook inbox, its worker and the scheduled passes,
built from the settings. Absent (None) when `AMOCRM_BASE_URL` is not set.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

import aiohttp
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from amocrm_client.client import AmoClient, LongLivedTokenStore, OAuthApp, TokenStore
from amocrm_client.effects import CrmWriteBack
from amocrm_client.inbox import InboxQueue, InboxWriter, inbox_queue
from amocrm_client.rate_limit import RateLimiter
from amocrm_client.sync import (
    FETCH_ERRORS,
    InboxWorker,
    LeadSync,
    Reconciler,
    describe,
    report_day,
)
from amocrm_client.token_store import DatabaseTokenStore
from amocrm_client.webhook_endpoint import AmoWebhookConfig
from config.amocrm_mapping import AmoMapping
from config.settings import Settings
from ledger.clock import Clock
from ledger.crm_effects import TOPIC_CRM
from ledger.outbox import OutboxWorker
from ledger.storage.database import Database

log = logging.getLogger(__name__)
REQUEST_TIMEOUT = aiohttp.ClientTimeout(total=30)
# After a webhook lands the worker waits this long, so a burst is fetched in one request.
GATHER_SECONDS = 0.5
# Woken by the intake in the same process, the worker polls only for webhooks put back for a
# retry; in a process of its own nobody wakes it, so it looks twice a second.
IDLE_POLL_SECONDS = 10.0
SEPARATE_PROCESS_POLL_SECONDS = 0.5
INBOX_KEPT = timedelta(days=7)
EFFECTS_INTERVAL_SECONDS = 5
# Rows of CRM effects per pass: about fifty confirmations (a note, the total paid, a move
# each), one batch request of each kind.
EFFECTS_BATCH = 150
DAILY_REPORT_HOUR = 9


def token_store_for(settings: Settings, database: Database, clock: Clock) -> TokenStore | None:
    """The long-lived token when one is set; else the OAuth pair kept in the database."""
    if settings.amocrm_long_lived_token is not None:
        return None  # create_amo_client builds the long-lived store itself
    return DatabaseTokenStore(database, clock)


def webhook_intake(settings: Settings, writer: InboxWriter) -> AmoWebhookConfig | None:
    """The webhook route's settings, storing into the inbox through `writer`; None (no route)
    without `AMOCRM_BASE_URL` and `AMOCRM_WEBHOOK_SECRET`."""
    secret = settings.amocrm_webhook_secret
    if settings.amocrm_base_url is None or secret is None:
        return None
    return AmoWebhookConfig(
        secret=secret.get_secret_value(), account_id=settings.amocrm_account_id, writer=writer
    )


@dataclass
class AmoIntegration:
    settings: Settings
    session: aiohttp.ClientSession
    client: AmoClient
    sync: LeadSync
    worker: InboxWorker
    reconciler: Reconciler
    writer: InboxWriter
    queue: InboxQueue
    effects: OutboxWorker
    database: Database
    clock: Clock
    owners: tuple[int, ...]
    wake_event: asyncio.Event

    @classmethod
    def create(
        cls,
        settings: Settings,
        mapping: AmoMapping,
        database: Database,
        clock: Clock,
        *,
        tz: ZoneInfo | None = None,
        owner_chat_ids: Iterable[int] = (),
    ) -> AmoIntegration | None:
        """Must be called inside the running event loop (it opens an HTTP session)."""
        if settings.amocrm_base_url is None:
            return None
        session = aiohttp.ClientSession(timeout=REQUEST_TIMEOUT)
        tokens = token_store_for(settings, database, clock)
        client = create_amo_client(settings, session, tokens=tokens)
        owners = tuple(owner_chat_ids)
        sync = LeadSync(database, clock, client, mapping, tz or settings.tz, owners)
        queue = inbox_queue(database, clock)
        wake = asyncio.Event()
        return cls(
            settings=settings,
            session=session,
            client=client,
            sync=sync,
            worker=InboxWorker(queue, sync, client, database, clock),
            reconciler=Reconciler(sync, client, database, clock),
            writer=InboxWriter(database, clock, on_stored=wake.set),
            queue=queue,
            effects=OutboxWorker(
                database,
                {},
                clock,
                batch_handlers={TOPIC_CRM: CrmWriteBack(client, database)},
                dead_notice_chat_ids=owners,
                batch_size=EFFECTS_BATCH,
            ),
            database=database,
            clock=clock,
            owners=owners,
            wake_event=wake,
        )

    def __post_init__(self) -> None:
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    def webhook_config(self) -> AmoWebhookConfig | None:
        """The webhook route's settings, its intake waking this worker; None (no route)
        without `AMOCRM_WEBHOOK_SECRET`."""
        return webhook_intake(self.settings, self.writer)

    def start(
        self, scheduler: AsyncIOScheduler, *, poll_seconds: float = IDLE_POLL_SECONDS
    ) -> None:
        """Start the inbox worker; put the reconcile, the daily report, pruning and the CRM
        effects on `scheduler`."""
        self._task = asyncio.create_task(self._work(poll_seconds), name="amocrm-inbox")
        scheduler.add_job(
            self.reconcile,
            "interval",
            minutes=self.settings.amocrm_sync_minutes,
            max_instances=1,
            coalesce=True,
        )
        scheduler.add_job(self.report, "cron", hour=DAILY_REPORT_HOUR, max_instances=1)
        scheduler.add_job(self.prune, "interval", hours=12, max_instances=1)
        scheduler.add_job(
            self.perform_effects,
            "interval",
            seconds=EFFECTS_INTERVAL_SECONDS,
            max_instances=1,
            coalesce=True,
        )

    async def reconcile(self) -> None:
        try:
            result = await self.reconciler.run()
        except FETCH_ERRORS as exc:
            log.warning("amoCRM reconcile failed, next pass will retry: %s", describe(exc))
            return
        log.info(
            "amoCRM reconcile: %s leads read, %s deals changed, %s gone, %s errors",
            result.leads,
            result.deals_changed,
            result.gone,
            result.errors,
        )

    async def report(self) -> None:
        await report_day(self.database, self.clock, self.owners)

    async def perform_effects(self) -> int:
        """Notes, fields and moves the ledger asked of amoCRM, until none is due; failures
        wait for their retry."""
        return await self.effects.run_until_empty()

    async def prune(self) -> None:
        await self.queue.prune(self.clock.now() - INBOX_KEPT)

    async def _work(self, poll_seconds: float) -> None:
        self.wake_event.set()  # whatever waited in the inbox while we were down
        while not self._stopping:
            # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow a cancel that
            # lands as the event is set, and close() then waited for this loop forever.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(poll_seconds):
                    await self.wake_event.wait()
            if self.wake_event.is_set():
                self.wake_event.clear()
                await asyncio.sleep(GATHER_SECONDS)
            try:
                await self.worker.run_until_empty()
            except Exception:  # the loop must outlive any one failure; rows are retried
                log.exception("amoCRM inbox worker failed")

    async def close(self) -> None:
        self._stopping = True
        if self._task is not None:
            self._task.cancel()
            # asyncio.wait: the worker's end is awaited without swallowing a cancel of close().
            await asyncio.wait({self._task})
        await self.session.close()


def create_amo_client(
    settings: Settings,
    session: aiohttp.ClientSession,
    *,
    tokens: TokenStore | None = None,
    limiter: RateLimiter | None = None,
) -> AmoClient:
    """The client from `Settings` (`AMOCRM_*`); `tokens` is required unless a long-lived
    token is configured. Raises ValueError when amoCRM is not configured.
    """
    if settings.amocrm_base_url is None:
        raise ValueError("AMOCRM_BASE_URL is not set: the amoCRM integration is off")
    oauth = None
    if settings.amocrm_client_id and settings.amocrm_client_secret:
        oauth = OAuthApp(
            client_id=settings.amocrm_client_id,
            client_secret=settings.amocrm_client_secret,
            redirect_uri=str(settings.amocrm_redirect_uri or ""),
        )
    if tokens is None:
        if settings.amocrm_long_lived_token is None:
            raise ValueError("no token store given and AMOCRM_LONG_LIVED_TOKEN is not set")
        tokens = LongLivedTokenStore(settings.amocrm_long_lived_token)
    return AmoClient(str(settings.amocrm_base_url), tokens, session, oauth=oauth, limiter=limiter)
