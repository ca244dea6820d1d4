"""Deals in from amoCRM: the inbox worker, the reconcile pass, and the path both share.

Webhooks only say which leads changed; the worker fetches those leads in batches
(`filter[id][]`) and applies them through `LeadSync`, the same path the reconcile pass uses for
leads updated since its stored mark. Applying is idempotent, so a lead seen twice, a replayed
webhook or a second reconcile changes nothing.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo

import aiohttp
from sqlalchemy import func, select

from amocrm_client.client import AmoClient
from amocrm_client.errors import AmoError
from amocrm_client.inbox import ClaimedWebhook, InboxQueue
from amocrm_client.models import Lead
from amocrm_client.snapshots import snapshot_from_lead
from config.amocrm_mapping import AmoMapping
from ledger.clock import Clock
from ledger.crm_directory import CrmDirectory, CrmUser
from ledger.deals import DealSnapshot, DealSync
from ledger.notices import AmoDailySummary, Notification
from ledger.outbox import Backoff, notify
from ledger.queue import REFUSED
from ledger.storage.database import Database
from ledger.storage.models import (
    AmoWebhookRow,
    SyncMarkRow,
    SyncRunRow,
)
from ledger.storage.uow import UnitOfWork

log = logging.getLogger(__name__)

LEADS_MARK = "amocrm_leads"
# amoCRM's clock and ours differ a little, and `updated_at` has one-second steps: re-reading a
# few minutes is cheaper than missing a lead.
MARK_OVERLAP = timedelta(minutes=5)
APPLY_BATCH = 250
# Leads applied per commit. Each commit holds SQLite's one writer, and webhook acknowledgements
# queue behind it: larger batches lengthen the acknowledgements' tail, a single lead a commit
# doubles their median; two measured best (bench/webhooks.py, figures in the README).
COMMIT_BATCH = 2
SOURCE_WEBHOOKS, SOURCE_RECONCILE = "webhooks", "reconcile"
FETCH_ERRORS = (AmoError, aiohttp.ClientError, TimeoutError)


def describe(exc: BaseException) -> str:
    """A short, secret-free line about a failure (typed amoCRM errors carry no tokens)."""
    return f"{type(exc).__name__}: {exc}"[:500]


@dataclass(slots=True)
class Applied:
    deals_changed: int = 0
    leads: int = 0
    failed: set[int] = field(default_factory=set)
    last_error: str | None = None


class LeadSync:
    """Applies fetched leads (and vanished ones) to deals and expected payments."""

    def __init__(
        self,
        database: Database,
        clock: Clock,
        client: AmoClient,
        mapping: AmoMapping,
        tz: tzinfo,
        owner_chat_ids: Iterable[int],
    ) -> None:
        self._database = database
        self._clock = clock
        self._client = client
        self._mapping = mapping
        self._tz = tz
        self._owners = tuple(owner_chat_ids)

    def _deals(self, uow: UnitOfWork) -> DealSync:
        return DealSync(uow, self._clock, owner_chat_ids=self._owners)

    async def refresh_users(self) -> dict[int, str]:
        """Read amoCRM's users into `amo_users`: managers' names, and whom an invite can name."""
        users = await self._client.users()
        async with self._database.unit_of_work() as uow:
            await CrmDirectory(uow).record(CrmUser(u.id, u.name, u.email) for u in users)
        return {user.id: user.name for user in users}

    async def apply(self, leads: Sequence[Lead], *, skip_unchanged: bool = False) -> Applied:
        """Apply fetched leads. `skip_unchanged` passes over leads whose `updated_at` is the
        one already applied: redelivered webhooks cost a fetch, not a write. The reconcile
        applies everything, so a changed mapping reaches unchanged deals there.
        """
        if skip_unchanged:
            leads = await self._changed(leads)
        if not leads:
            return Applied()
        names = await self._names(leads)
        result = Applied()
        for start in range(0, len(leads), COMMIT_BATCH):
            # Read through the mapping chunk by chunk: 500 leads at once held the loop ~0.2 s.
            part = [
                snapshot_from_lead(lead, self._mapping, self._tz, names)
                for lead in leads[start : start + COMMIT_BATCH]
            ]
            _add(result, await self._apply_snapshots(part, gone=()))
        return result

    async def _changed(self, leads: Sequence[Lead]) -> list[Lead]:
        async with self._database.unit_of_work() as uow:
            applied = await self._deals(uow).applied_versions(lead.id for lead in leads)
        return [lead for lead in leads if applied.get(lead.id) != lead.updated_at]

    async def owed_lead_ids(self) -> list[int]:
        async with self._database.unit_of_work() as uow:
            return await self._deals(uow).owed_lead_ids()

    async def gone(self, lead_ids: Iterable[int]) -> Applied:
        return await self._apply_snapshots([], gone=tuple(lead_ids))

    async def _names(self, leads: Sequence[Lead]) -> dict[int, str]:
        async with self._database.unit_of_work() as uow:
            names = await CrmDirectory(uow).names()
        wanted = {lead.responsible_user_id for lead in leads} - {None}
        if wanted - names.keys():
            try:  # a new manager: one request, and their deals carry their name from now on
                names.update(await self.refresh_users())
            except FETCH_ERRORS as exc:
                log.warning("could not read amoCRM users: %s", describe(exc))
        return names

    async def _apply_snapshots(
        self, snapshots: Sequence[DealSnapshot], gone: Sequence[int]
    ) -> Applied:
        result = Applied(leads=len(snapshots) + len(gone))
        async with self._database.unit_of_work() as uow:
            deals = self._deals(uow)
            try:
                # One commit for the whole batch; the slow path below only runs on a failure.
                async with uow.write():
                    changes = [await deals.apply(s) for s in snapshots]
                    changes += [await deals.mark_gone(lead_id) for lead_id in gone]
                    await uow.commit()
                result.deals_changed = sum(change.changed for change in changes)
                return result
            except Exception as exc:
                log.warning("a batch of deals failed, applying one by one: %s", describe(exc))
        return await self._one_by_one(snapshots, gone, result)

    async def _one_by_one(
        self, snapshots: Sequence[DealSnapshot], gone: Sequence[int], result: Applied
    ) -> Applied:
        work = [(s.amo_lead_id, s) for s in snapshots] + [(lead_id, None) for lead_id in gone]
        for lead_id, snapshot in work:
            async with self._database.unit_of_work() as uow:
                deals = self._deals(uow)
                try:
                    change = (
                        await deals.apply(snapshot)
                        if snapshot is not None
                        else await deals.mark_gone(lead_id)
                    )
                except Exception as exc:  # this lead waits for the next attempt; others go on
                    log.exception("lead %s could not be applied", lead_id)
                    result.failed.add(lead_id)
                    result.last_error = describe(exc)
                    continue
                result.deals_changed += change.changed
        return result


async def record_run(
    database: Database,
    clock: Clock,
    *,
    source: str,
    deals: int,
    webhooks: int,
    errors: int,
    last_error: str | None = None,
) -> None:
    async with database.write() as session:
        session.add(
            SyncRunRow(
                source=source,
                finished_at=clock.now(),
                deals_synced=deals,
                webhooks=webhooks,
                errors=errors,
                last_error=last_error,
            )
        )


class InboxWorker:
    """Drains the webhook inbox: claim a batch, fetch its leads at once, apply, mark done."""

    def __init__(
        self,
        queue: InboxQueue,
        sync: LeadSync,
        client: AmoClient,
        database: Database,
        clock: Clock,
        *,
        batch_size: int = 500,
        backoff: Backoff | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self._queue = queue
        self._sync = sync
        self._client = client
        self._database = database
        self._clock = clock
        self._batch_size = batch_size
        self._backoff = backoff or Backoff(base=timedelta(seconds=10), cap=timedelta(minutes=30))
        self._rng = rng or random.Random()

    async def run_once(self) -> int:
        """Process one batch of due webhooks; return how many were claimed."""
        claimed = await self._queue.claim(self._batch_size)
        if not claimed:
            return 0
        lead_ids = list(dict.fromkeys(i for webhook in claimed for i in webhook.lead_ids))
        try:
            leads = [lead async for lead in self._client.leads(ids=lead_ids)]
        except FETCH_ERRORS as exc:
            await self._retry(claimed, describe(exc))
            return len(claimed)
        found = {lead.id for lead in leads}
        applied = await self._sync.apply(leads, skip_unchanged=True)
        vanished = await self._sync.gone(i for i in lead_ids if i not in found)
        failed = applied.failed | vanished.failed
        ok = [w for w in claimed if not failed.intersection(w.lead_ids)]
        await self._queue.done([w.id for w in ok])
        error = applied.last_error or vanished.last_error
        if len(ok) < len(claimed):
            await self._queue.retry(
                [w for w in claimed if w not in ok], error or "apply failed", self._delay(claimed)
            )
        await record_run(
            self._database,
            self._clock,
            source=SOURCE_WEBHOOKS,
            deals=applied.deals_changed + vanished.deals_changed,
            webhooks=len(claimed),
            errors=len(failed),
            last_error=error,
        )
        return len(claimed)

    async def run_until_empty(self) -> int:
        """Process batches until nothing is due (what is left is waiting for a retry)."""
        total = 0
        while processed := await self.run_once():
            total += processed
        return total

    async def _retry(self, claimed: list[ClaimedWebhook], error: str) -> None:
        log.warning("amoCRM webhooks wait for a retry: %s", error)
        failed = await self._queue.retry(claimed, error, self._delay(claimed))
        await record_run(
            self._database,
            self._clock,
            source=SOURCE_WEBHOOKS,
            deals=0,
            webhooks=len(claimed),
            errors=1 + failed,
            last_error=error,
        )

    def _delay(self, claimed: list[ClaimedWebhook]) -> timedelta:
        attempts = max(webhook.attempts for webhook in claimed)
        return max(timedelta(seconds=1), self._backoff.delay(attempts, self._rng))


@dataclass(frozen=True, slots=True)
class ReconcileResult:
    since: datetime | None
    leads: int
    deals_changed: int
    gone: int
    errors: int


class Reconciler:
    """Catches what webhooks missed: leads updated since the stored mark, and owed deals the
    CRM no longer has. The mark moves only after a pass without errors.
    """

    def __init__(
        self,
        sync: LeadSync,
        client: AmoClient,
        database: Database,
        clock: Clock,
    ) -> None:
        self._sync = sync
        self._client = client
        self._database = database
        self._clock = clock

    async def run(self, since: datetime | None = None) -> ReconcileResult:
        started = self._clock.now()
        mark = since if since is not None else await self.mark()
        try:
            result = await self._pass(mark)
        except FETCH_ERRORS as exc:
            await record_run(
                self._database,
                self._clock,
                source=SOURCE_RECONCILE,
                deals=0,
                webhooks=0,
                errors=1,
                last_error=describe(exc),
            )
            raise
        if not result.errors:
            await self._save_mark(started)
        return result

    async def mark(self) -> datetime | None:
        async with self._database.read() as session:
            row = await session.get(SyncMarkRow, LEADS_MARK)
        return row.mark if row is not None else None

    async def _pass(self, mark: datetime | None) -> ReconcileResult:
        await self._sync.refresh_users()
        since = mark - MARK_OVERLAP if mark is not None else None
        seen: set[int] = set()
        totals = Applied()
        page: list[Lead] = []
        async for lead in self._client.leads(updated_since=since):
            seen.add(lead.id)
            page.append(lead)
            if len(page) >= APPLY_BATCH:
                _add(totals, await self._sync.apply(page))
                page = []
        _add(totals, await self._sync.apply(page))
        # A deleted lead is not "updated since": deals still owed money are checked by id.
        unseen = [i for i in await self._owed_lead_ids() if i not in seen]
        still_there = await self._fetch(unseen) if unseen else []
        _add(totals, await self._sync.apply(still_there))
        found = {lead.id for lead in still_there}
        vanished = [i for i in unseen if i not in found]
        _add(totals, await self._sync.gone(vanished))
        await record_run(
            self._database,
            self._clock,
            source=SOURCE_RECONCILE,
            deals=totals.deals_changed,
            webhooks=0,
            errors=len(totals.failed),
            last_error=totals.last_error,
        )
        return ReconcileResult(
            since=since,
            leads=len(seen) + len(found),
            deals_changed=totals.deals_changed,
            gone=len(vanished),
            errors=len(totals.failed),
        )

    async def _fetch(self, ids: Sequence[int]) -> list[Lead]:
        return [lead async for lead in self._client.leads(ids=ids)]

    async def _owed_lead_ids(self) -> list[int]:
        return await self._sync.owed_lead_ids()

    async def _save_mark(self, mark: datetime) -> None:
        async with self._database.write() as session:
            row = await session.get(SyncMarkRow, LEADS_MARK)
            if row is None:
                session.add(SyncMarkRow(name=LEADS_MARK, mark=mark, updated_at=self._clock.now()))
            else:
                row.mark, row.updated_at = mark, self._clock.now()


def _add(totals: Applied, part: Applied) -> None:
    totals.deals_changed += part.deals_changed
    totals.leads += part.leads
    totals.failed |= part.failed
    totals.last_error = part.last_error or totals.last_error


@dataclass(frozen=True, slots=True)
class DaySummary:
    deals: int
    webhooks: int
    errors: int
    last_error: str | None


async def summarize_day(database: Database, clock: Clock) -> DaySummary:
    """The last 24 hours of syncing: deals changed, webhooks processed, errors (a webhook
    refused on arrival is one: it waits for a person)."""
    since = clock.now() - timedelta(days=1)
    amocrm = SyncRunRow.source.in_((SOURCE_WEBHOOKS, SOURCE_RECONCILE))  # not Google's runs
    async with database.read() as session:
        refused, refusal = (
            await session.execute(
                select(func.count(AmoWebhookRow.id), func.max(AmoWebhookRow.last_error)).where(
                    AmoWebhookRow.status == REFUSED, AmoWebhookRow.received_at >= since
                )
            )
        ).one()
        deals, webhooks, errors = (
            await session.execute(
                select(
                    func.coalesce(func.sum(SyncRunRow.deals_synced), 0),
                    func.coalesce(func.sum(SyncRunRow.webhooks), 0),
                    func.coalesce(func.sum(SyncRunRow.errors), 0),
                ).where(SyncRunRow.finished_at >= since, amocrm)
            )
        ).one()
        last_error = await session.scalar(
            select(SyncRunRow.last_error)
            .where(SyncRunRow.finished_at >= since, SyncRunRow.errors > 0, amocrm)
            .order_by(SyncRunRow.id.desc())
            .limit(1)
        )
    return DaySummary(int(deals), int(webhooks), int(errors) + refused, last_error or refusal)


async def report_day(database: Database, clock: Clock, owner_chat_ids: Iterable[int]) -> DaySummary:
    """Tell the owners about the day's syncing, only when something failed (once a day)."""
    summary = await summarize_day(database, clock)
    if not summary.errors:
        return summary
    now = clock.now()
    facts = AmoDailySummary(summary.deals, summary.webhooks, summary.errors)
    async with database.write() as session:
        for chat_id in sorted(set(owner_chat_ids)):
            notify(
                session,
                Notification(chat_id, facts),
                now=now,
                dedupe_key=f"amo-daily:{clock.today().isoformat()}:{chat_id}",
            )
    return summary
