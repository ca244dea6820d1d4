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
from datetime import timedelta

from sqlalchemy.dialects import postgresql, sqlite

from ledger.clock import Clock
from ledger.queue import PENDING, REFUSED, DurableQueue, QueueTable
from ledger.storage.database import Database
from ledger.storage.models import AmoWebhookRow


@dataclass(frozen=True, slots=True)
class ReceivedWebhook:
    body: bytes
    lead_ids: tuple[int, ...]
    # Why it can never be applied: then it is kept as refused, for a person, not processed.
    refused: str | None = None

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
                    "status": REFUSED if webhook.refused else PENDING,
                    "attempts": 0,
                    "available_at": now,
                    "last_error": webhook.refused,
                },
            )
        # Urgent: the requests are waiting for this commit to answer amoCRM (see WriteGate).
        async with self._database.write(urgent=True) as session:
            await session.execute(self._insert, list(rows.values()))


INBOX = QueueTable(
    model=AmoWebhookRow,
    finished_at="processed_at",
    columns=("lead_ids",),
    decode=lambda row: ClaimedWebhook(row.id, tuple(int(i) for i in row.lead_ids), row.attempts),
)


InboxQueue = DurableQueue[ClaimedWebhook]


def inbox_queue(
    database: Database,
    clock: Clock,
    *,
    lease: timedelta = timedelta(minutes=5),
    max_attempts: int = 10,
) -> DurableQueue[ClaimedWebhook]:
    """The worker's side: claim due webhooks with a lease, then mark them done or retry later."""
    return DurableQueue(database, clock, INBOX, lease=lease, max_attempts=max_attempts)
