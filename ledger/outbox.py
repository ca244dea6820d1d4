"""The durable outbox: side effects written with the change, performed later, exactly once.

A worker claims due rows, performs them through a handler per topic and marks them done; a
failure is retried with exponential backoff. Handlers must be idempotent: a crash between the
effect and `mark_done` repeats the effect.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ledger.clock import Clock
from ledger.notices import Notification
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


@dataclass(frozen=True, slots=True)
class Backoff:
    base: timedelta = timedelta(seconds=5)
    cap: timedelta = timedelta(hours=1)

    def delay(self, attempts: int, rng: random.Random) -> timedelta:
        # Full jitter: spreads retries of many rows that failed together.
        ceiling = min(self.cap, self.base * (2 ** min(attempts, 20)))
        return ceiling * rng.random()


OutboxHandler = Callable[[dict[str, Any]], Awaitable[None]]


class OutboxWorker:
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
    ) -> None:
        self._database = database
        self._handlers = handlers
        self._clock = clock
        self._backoff = backoff or Backoff()
        self._rng = rng or random.Random()
        self._batch_size = batch_size
        self._lease = lease

    async def run_once(self) -> int:
        """Perform every due row once; return how many were done."""
        done = 0
        for row_id, topic, payload in await self._claim():
            handler = self._handlers.get(topic)
            try:
                if handler is None:
                    raise LookupError(f"no handler for outbox topic {topic!r}")
                await handler(payload)
            except Exception as exc:  # any failure is retried later; the row keeps its place
                log.warning("outbox row %s (%s) failed: %s", row_id, topic, exc)
                await self._mark_failed(row_id, repr(exc))
            else:
                await self._mark_done(row_id)
                done += 1
        return done

    async def _claim(self) -> list[tuple[int, str, dict[str, Any]]]:
        now = self._clock.now()
        async with self._database.write() as session:
            query = (
                select(OutboxRow.id, OutboxRow.topic, OutboxRow.payload)
                .where(OutboxRow.done_at.is_(None), OutboxRow.available_at <= now)
                .order_by(OutboxRow.id)
                .limit(self._batch_size)
            )
            if session.bind.dialect.name == "postgresql":
                # Several replicas share the table: each row goes to one of them.
                query = query.with_for_update(skip_locked=True)
            rows = (await session.execute(query)).all()
            if rows:
                # A lease: if this process dies mid-effect, the row comes back after it.
                await session.execute(
                    update(OutboxRow)
                    .where(OutboxRow.id.in_([row.id for row in rows]))
                    .values(available_at=now + self._lease)
                )
        return [(row.id, row.topic, row.payload) for row in rows]

    async def _mark_done(self, row_id: int) -> None:
        async with self._database.write() as session:
            await session.execute(
                update(OutboxRow).where(OutboxRow.id == row_id).values(done_at=self._clock.now())
            )

    async def _mark_failed(self, row_id: int, error: str) -> None:
        async with self._database.write() as session:
            attempts = (
                await session.execute(select(OutboxRow.attempts).where(OutboxRow.id == row_id))
            ).scalar_one()
            retry_at = self._clock.now() + self._backoff.delay(attempts, self._rng)
            await session.execute(
                update(OutboxRow)
                .where(OutboxRow.id == row_id)
                .values(attempts=attempts + 1, last_error=error[:2000], available_at=retry_at)
            )


async def pending_count(session: AsyncSession) -> int:
    query = select(func.count()).select_from(OutboxRow).where(OutboxRow.done_at.is_(None))
    return (await session.execute(query)).scalar_one()
