"""The durable outbox: side effects written with the change, performed later, exactly once.

A worker claims due rows of its topics from the durable queue (`ledger.queue`), performs them
through a handler per topic and marks them done; a failure is retried with backoff, and a row
out of attempts is dead. Handlers must be idempotent: a crash between the effect and marking
it done repeats the effect.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ledger.clock import Clock
from ledger.notices import Notification
from ledger.queue import PENDING, Backoff, DurableQueue, QueueTable
from ledger.storage.database import Database
from ledger.storage.models import OutboxRow

log = logging.getLogger(__name__)

TOPIC_NOTIFY = "notify"


def enqueue(
    session: AsyncSession,
    *,
    topic: str,
    payload: dict[str, Any],
    now: datetime,
    dedupe_key: str | None = None,
) -> None:
    """Add a side effect to the caller's transaction."""
    session.add(
        OutboxRow(
            topic=topic,
            payload=payload,
            dedupe_key=dedupe_key,
            created_at=now,
            available_at=now,
            attempts=0,
            status=PENDING,
        )
    )


def notify(
    session: AsyncSession, notification: Notification, *, now: datetime, dedupe_key: str
) -> None:
    """Tell someone something once the caller's transaction commits."""
    enqueue(
        session,
        topic=TOPIC_NOTIFY,
        payload=notification.to_payload(),
        now=now,
        dedupe_key=dedupe_key,
    )


OutboxHandler = Callable[[dict[str, Any]], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class OutboxItem:
    id: int
    attempts: int
    topic: str
    payload: dict[str, Any]


OUTBOX = QueueTable(
    model=OutboxRow,
    finished_at="done_at",
    columns=("topic", "payload"),
    decode=lambda row: OutboxItem(row.id, row.attempts, row.topic, row.payload),
    topic="topic",
)


class OutboxWorker:
    """Performs the rows of its own topics (one handler each): notifications in the bot
    process, CRM effects where the amoCRM client lives; other topics wait for their worker.
    """

    def __init__(
        self,
        database: Database,
        handlers: Mapping[str, OutboxHandler],
        clock: Clock,
        *,
        backoff: Backoff | None = None,
        rng: random.Random | None = None,
        batch_size: int = 50,
        lease: timedelta = timedelta(minutes=5),
        max_attempts: int = 20,
    ) -> None:
        self._handlers = dict(handlers)
        self._batch_size = batch_size
        self.queue = DurableQueue(
            database,
            clock,
            OUTBOX,
            lease=lease,
            max_attempts=max_attempts,
            backoff=backoff,
            rng=rng,
        )

    async def run_once(self) -> int:
        """Perform every due row of this worker's topics once; return how many were done."""
        done = 0
        for item in await self.queue.claim(self._batch_size, topics=self._handlers):
            try:
                await self._handlers[item.topic](item.payload)
            except Exception as exc:  # any failure is retried later; the row keeps its place
                log.warning("outbox row %s (%s) failed: %s", item.id, item.topic, exc)
                if await self.queue.retry([item], repr(exc)):
                    log.error(
                        "outbox row %s (%s) is dead after %s tries",
                        item.id,
                        item.topic,
                        item.attempts + 1,
                    )
            else:
                await self.queue.done([item.id])
                done += 1
        return done


async def pending_count(session: AsyncSession) -> int:
    return await DurableQueue.count(session, OutboxRow, PENDING)
