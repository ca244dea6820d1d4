"""The durable outbox: side effects written with the change, performed later, exactly once.

A worker claims due rows of its topics from the durable queue (`ledger.queue`), performs them
through a handler per topic and marks them done; a failure is retried with backoff, and a row
out of attempts is dead: the owners are told once, in the transaction that buries it. Handlers
must be idempotent: a crash between the effect and marking it done repeats the effect (an
item's `claims` above one says it may have happened already). A batch handler takes all the
due rows of its topic at once, to merge what can be merged (one deal's CRM effects).
"""

from __future__ import annotations

import logging
import random
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ledger.clock import Clock
from ledger.notices import Notice, Notification, OutboxDead
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
    ordering_key: str | None = None,
) -> None:
    """Add a side effect to the caller's transaction; rows with one `ordering_key` are
    performed in the order they were added."""
    session.add(
        OutboxRow(
            topic=topic,
            payload=payload,
            dedupe_key=dedupe_key,
            created_at=now,
            available_at=now,
            attempts=0,
            claims=0,
            status=PENDING,
            ordering_key=ordering_key,
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
    claims: int = 1  # this claim included: above one, an earlier worker may have done it
    ordering_key: str | None = None


class HeldBack:
    """A batch handler's answer for a row it did not try because an earlier row of its key
    failed: given back untried, to follow that row."""


HELD_BACK = HeldBack()
# Each item's id → None when done, why it failed (it is retried later), or HELD_BACK.
BatchOutcome = Mapping[int, str | HeldBack | None]
BatchOutboxHandler = Callable[[list[OutboxItem]], Awaitable[BatchOutcome]]

OUTBOX = QueueTable(
    model=OutboxRow,
    finished_at="done_at",
    columns=("topic", "payload", "claims", "ordering_key"),
    decode=lambda row: OutboxItem(
        row.id, row.attempts, row.topic, row.payload, row.claims + 1, row.ordering_key
    ),
    topic="topic",
    ordered_by="ordering_key",
    claims="claims",
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
        batch_handlers: Mapping[str, BatchOutboxHandler] | None = None,
        dead_notice_chat_ids: Iterable[int] = (),
        backoff: Backoff | None = None,
        rng: random.Random | None = None,
        batch_size: int = 50,
        lease: timedelta = timedelta(minutes=5),
        max_attempts: int = 20,
    ) -> None:
        self._handlers = dict(handlers)
        self._batch_handlers = dict(batch_handlers or {})
        self._dead_told = tuple(sorted(set(dead_notice_chat_ids)))
        self._clock = clock
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

    @property
    def topics(self) -> set[str]:
        return set(self._handlers) | set(self._batch_handlers)

    async def run_once(self) -> int:
        """Perform every due row of this worker's topics once; return how many were done."""
        return (await self._run())[1]

    async def run_until_empty(self, *, rounds: int = 1000) -> int:
        """Run until a pass finds nothing to claim (rows waiting for a retry stay waiting);
        return how many were done."""
        total = 0
        for _ in range(rounds):
            claimed, done = await self._run()
            total += done
            if not claimed:
                break
        return total

    async def _run(self) -> tuple[int, int]:
        items = await self.queue.claim(self._batch_size, topics=self.topics)
        done: list[int] = []
        failed: list[tuple[OutboxItem, str]] = []
        batches: dict[str, list[OutboxItem]] = {}
        # A key whose row failed: its later rows in this claim go back untried, to follow it.
        stopped: set[str] = set()
        held_back: list[int] = []
        for item in items:
            if item.topic in self._batch_handlers:
                batches.setdefault(item.topic, []).append(item)
                continue
            if item.ordering_key in stopped:
                held_back.append(item.id)
                continue
            try:
                await self._handlers[item.topic](item.payload)
            except Exception as exc:  # any failure is retried later; the row keeps its place
                failed.append((item, repr(exc)))
                if item.ordering_key is not None:
                    stopped.add(item.ordering_key)
            else:
                done.append(item.id)
        for topic, batch in batches.items():
            try:
                outcome = await self._batch_handlers[topic](batch)
            except Exception as exc:  # the whole batch is retried later
                outcome = dict.fromkeys((item.id for item in batch), repr(exc))
            for item in batch:
                error = outcome.get(item.id, "not performed by its batch handler")
                if error is None:
                    done.append(item.id)
                elif isinstance(error, HeldBack):
                    held_back.append(item.id)
                else:
                    failed.append((item, error))
        await self.queue.done(done)
        await self.queue.release(held_back)
        for item, error in failed:
            log.warning("outbox row %s (%s) failed: %s", item.id, item.topic, error)
            if await self.queue.retry([item], error, on_dead=self._tell_dead):
                log.error(
                    "outbox row %s (%s) is dead after %s tries",
                    item.id,
                    item.topic,
                    item.attempts + 1,
                )
        return len(items), len(done)

    def _tell_dead(self, session: AsyncSession, item: OutboxItem, error: str) -> None:
        if item.topic == TOPIC_NOTIFY and item.payload.get("notice") == Notice.OUTBOX_DEAD:
            return  # a notice about a dead row that died itself: telling again would loop
        facts = OutboxDead(
            row_id=item.id,
            topic=item.topic,
            effect=str(item.payload.get("effect") or item.payload.get("notice") or ""),
            amo_lead_id=item.payload.get("amo_lead_id"),
            attempts=item.attempts + 1,
            error=error[:300],
        )
        for chat_id in self._dead_told:
            notify(
                session,
                Notification(chat_id, facts),
                now=self._clock.now(),
                # Per death: a row revived from /outbox that dies again is told again.
                dedupe_key=f"outbox-dead:{item.id}:{item.claims}:{chat_id}",
            )


async def pending_count(session: AsyncSession) -> int:
    return await DurableQueue.count(session, OutboxRow, PENDING)
