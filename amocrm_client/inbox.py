"""The durable inbox of amoCRM webhooks: written before the 200, processed afterwards.

amoCRM waits two seconds for an answer and switches a hook off after a hundred failures, so
the answer must not wait for the CRM's API. Webhooks arriving together are committed together
(one durable commit for all of them, then every waiting request is answered): under a burst
the commit cost is shared instead of queued.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from ledger.clock import Clock
from ledger.storage.database import Database
from ledger.storage.models import AmoWebhookRow

PENDING, DONE, FAILED = "pending", "done", "failed"


@dataclass(frozen=True, slots=True)
class ReceivedWebhook:
    body: bytes
    lead_ids: tuple[int, ...]

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.body).hexdigest()


@dataclass(frozen=True, slots=True)
class ClaimedWebhook:
    id: int
    lead_ids: tuple[int, ...]
    attempts: int


class InboxWriter:
    """Stores webhooks durably; `put` returns once its webhook is committed.

    A redelivered body (same bytes) is stored once. `on_stored` is called after each commit,
    to wake the worker.
    """

    def __init__(
        self,
        database: Database,
        clock: Clock,
        on_stored: Callable[[], None] | None = None,
    ) -> None:
        self._database = database
        self._clock = clock
        self._on_stored = on_stored
        dialect = database.dialect
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        # One statement for any batch size (rows go as executemany parameters), so it is
        # compiled once; a multi-row VALUES would compile anew for every new batch size.
        self._insert = insert(AmoWebhookRow).on_conflict_do_nothing(index_elements=["body_sha256"])
        self._waiting: list[tuple[ReceivedWebhook, asyncio.Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def put(self, webhook: ReceivedWebhook) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((webhook, future))
        if self._writer is None or self._writer.done():
            # A task of its own: a request that goes away must not take the commit with it.
            self._writer = asyncio.create_task(self._drain())
        await asyncio.shield(future)

    async def _drain(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting, []
            try:
                await self._write([webhook for webhook, _ in batch])
            except Exception as exc:  # every waiting request answers with the failure
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for _, future in batch:
                if not future.done():
                    future.set_result(None)
            if self._on_stored is not None:
                self._on_stored()

    async def _write(self, webhooks: Sequence[ReceivedWebhook]) -> None:
        now = self._clock.now()
        rows = {}
        for webhook in webhooks:
            rows.setdefault(
                webhook.sha256,
                {
                    "body_sha256": webhook.sha256,
                    "body": webhook.body.decode("utf-8", errors="replace"),
                    "lead_ids": list(webhook.lead_ids),
                    "received_at": now,
                    "status": PENDING,
                    "attempts": 0,
                    "available_at": now,
                },
            )
        # Urgent: the requests are waiting for this commit to answer amoCRM (see WriteGate).
        async with self._database.write(urgent=True) as session:
            await session.execute(self._insert, list(rows.values()))


class InboxQueue:
    """The worker's side: claim due webhooks with a lease, then mark them done or retry later."""

    def __init__(
        self,
        database: Database,
        clock: Clock,
        *,
        lease: timedelta = timedelta(minutes=5),
        max_attempts: int = 10,
    ) -> None:
        self._database = database
        self._clock = clock
        self._lease = lease
        self._max_attempts = max_attempts

    async def claim(self, limit: int) -> list[ClaimedWebhook]:
        now = self._clock.now()
        async with self._database.write() as session:
            query = (
                select(AmoWebhookRow.id, AmoWebhookRow.lead_ids, AmoWebhookRow.attempts)
                .where(AmoWebhookRow.status == PENDING, AmoWebhookRow.available_at <= now)
                .order_by(AmoWebhookRow.id)
                .limit(limit)
            )
            if session.bind.dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            rows = (await session.execute(query)).all()
            if rows:
                # If this process dies mid-batch, the rows come back when the lease ends.
                await session.execute(
                    update(AmoWebhookRow)
                    .where(AmoWebhookRow.id.in_([row.id for row in rows]))
                    .values(available_at=now + self._lease)
                )
        return [
            ClaimedWebhook(row.id, tuple(int(i) for i in row.lead_ids), row.attempts)
            for row in rows
        ]

    async def done(self, ids: Sequence[int]) -> None:
        if not ids:
            return
        async with self._database.write() as session:
            await session.execute(
                update(AmoWebhookRow)
                .where(AmoWebhookRow.id.in_(list(ids)))
                .values(status=DONE, processed_at=self._clock.now(), last_error=None)
            )

    async def retry(self, webhooks: Sequence[ClaimedWebhook], error: str, delay: timedelta) -> int:
        """Put webhooks back for later; those out of attempts are failed. Returns how many."""
        now = self._clock.now()
        failed = 0
        async with self._database.write() as session:
            for webhook in webhooks:
                attempts = webhook.attempts + 1
                gives_up = attempts >= self._max_attempts
                failed += gives_up
                await session.execute(
                    update(AmoWebhookRow)
                    .where(AmoWebhookRow.id == webhook.id)
                    .values(
                        attempts=attempts,
                        status=FAILED if gives_up else PENDING,
                        available_at=now + delay,
                        last_error=error[:2000],
                    )
                )
        return failed

    async def prune(self, older_than: datetime) -> None:
        """Processed webhooks are kept a while for inspection, then dropped."""
        async with self._database.write() as session:
            await session.execute(
                delete(AmoWebhookRow).where(
                    AmoWebhookRow.status == DONE, AmoWebhookRow.processed_at < older_than
                )
            )
