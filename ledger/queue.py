"""A durable queue over a table: the amoCRM inbox and the outbox are both one.

A worker claims due rows with a lease (if it dies mid-work, the rows come back when the lease
ends; on PostgreSQL `SKIP LOCKED` gives each row to one of several workers), then marks them
done or puts them back with exponential backoff and full jitter; a row out of attempts is
dead: kept for a person to look at, never retried by itself (`revive` puts it back in line).
A row refused on arrival (it holds what can never be applied) is stored as refused, with its
reason, and never claimed either. Done rows are pruned later; dead and refused ones stay.

A table with an ordering column keeps rows of one key in order: a row is not claimed while
an earlier row of its key waits (for a retry, or for the worker that holds it) or is dead (a
later absolute value must not be overwritten by an older one retried from the dead). With
several PostgreSQL workers a row can still overtake an earlier one that another worker is
claiming at that very moment; one worker per topic keeps order strict.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy import Row, and_, delete, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from ledger.clock import Clock
from ledger.storage.database import Database

PENDING, DONE, DEAD, REFUSED = "pending", "done", "dead", "refused"


class Claimed(Protocol):
    @property
    def id(self) -> int: ...

    @property
    def attempts(self) -> int: ...


C = TypeVar("C", bound=Claimed)


@dataclass(frozen=True, slots=True)
class QueueTable(Generic[C]):
    """Which model holds the queue, what a claim reads of a row, and how it becomes an item."""

    model: Any
    finished_at: str  # the column stamped when a row is done
    columns: tuple[str, ...]  # read by a claim (besides id and attempts)
    decode: Callable[[Row[Any]], C]
    topic: str | None = None  # the column a worker filters its own topics by
    ordered_by: str | None = None  # rows of one value of this column go in id order
    claims: str | None = None  # the column counting how often a row was claimed


@dataclass(frozen=True, slots=True)
class Backoff:
    base: timedelta = timedelta(seconds=5)
    cap: timedelta = timedelta(hours=1)

    def delay(self, attempts: int, rng: random.Random) -> timedelta:
        # Full jitter: spreads retries of many rows that failed together.
        ceiling = min(self.cap, self.base * (2 ** min(attempts, 20)))
        return ceiling * rng.random()


class DurableQueue(Generic[C]):
    def __init__(
        self,
        database: Database,
        clock: Clock,
        table: QueueTable[C],
        *,
        lease: timedelta = timedelta(minutes=5),
        max_attempts: int = 20,
        backoff: Backoff | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self._database = database
        self._clock = clock
        self._table = table
        self._model = table.model
        self._lease = lease
        self._max_attempts = max_attempts
        self._backoff = backoff or Backoff()
        self._rng = rng or random.Random()

    async def claim(self, limit: int, topics: Collection[str] | None = None) -> list[C]:
        """Up to `limit` due rows, oldest first, leased to this worker; only `topics` if given."""
        model = self._model
        now = self._clock.now()
        columns = [model.id, model.attempts, *(getattr(model, c) for c in self._table.columns)]
        query = (
            select(*columns)
            .where(model.status == PENDING, model.available_at <= now)
            .order_by(model.id)
            .limit(limit)
        )
        if topics is not None:
            assert self._table.topic is not None, "this queue has no topics"
            query = query.where(getattr(model, self._table.topic).in_(list(topics)))
        if self._table.ordered_by is not None:
            query = query.where(self._not_waiting_behind(now))
        if self._database.dialect == "postgresql":
            query = query.with_for_update(skip_locked=True, of=model)
        leased: dict[str, Any] = {"available_at": now + self._lease}
        if self._table.claims is not None:
            leased[self._table.claims] = getattr(model, self._table.claims) + 1
        async with self._database.write() as session:
            rows = (await session.execute(query)).all()
            if rows:
                await session.execute(
                    update(model).where(model.id.in_([row.id for row in rows])).values(leased)
                )
        return [self._table.decode(row) for row in rows]

    def _not_waiting_behind(self, now: datetime) -> Any:
        """No earlier row of the same key is waiting (for its retry, or in a worker's hands:
        a claimed row's lease puts it in the future) or dead. Earlier rows due now are claimed
        in the same batch, before this one (claims go in id order)."""
        model = self._model
        key = getattr(model, self._table.ordered_by)
        earlier = aliased(model)
        waiting = exists().where(
            getattr(earlier, self._table.ordered_by) == key,
            earlier.id < model.id,
            or_(
                earlier.status == DEAD,
                and_(earlier.status == PENDING, earlier.available_at > now),
            ),
        )
        return or_(key.is_(None), ~waiting)

    async def done(self, ids: Sequence[int]) -> None:
        if not ids:
            return
        async with self._database.write() as session:
            await session.execute(
                update(self._model)
                .where(self._model.id.in_(list(ids)))
                .values({"status": DONE, self._table.finished_at: self._clock.now()})
            )

    async def release(self, ids: Sequence[int]) -> None:
        """Claimed rows given back untried (not an attempt): due again at once."""
        if not ids:
            return
        async with self._database.write() as session:
            await session.execute(
                update(self._model)
                .where(self._model.id.in_(list(ids)))
                .values(available_at=self._clock.now())
            )

    async def retry(
        self,
        items: Sequence[C],
        error: str,
        delay: timedelta | None = None,
        *,
        on_dead: Callable[[AsyncSession, C, str], None] | None = None,
    ) -> int:
        """Put items back for later (after `delay`, or the backoff for their attempts); those
        out of attempts are dead, and `on_dead` adds what must follow a death (a notice) to
        the same transaction. Returns how many died.
        """
        now = self._clock.now()
        dead = 0
        async with self._database.write() as session:
            for item in items:
                attempts = item.attempts + 1
                gives_up = attempts >= self._max_attempts
                dead += gives_up
                # The first retry waits about `base`, the next twice that, and so on.
                wait = delay if delay is not None else self._backoff.delay(item.attempts, self._rng)
                await session.execute(
                    update(self._model)
                    .where(self._model.id == item.id)
                    .values(
                        attempts=attempts,
                        status=DEAD if gives_up else PENDING,
                        available_at=now + wait,
                        last_error=error[:2000],
                    )
                )
                if gives_up and on_dead is not None:
                    on_dead(session, item, error)
        return dead

    async def revive(self, ids: Sequence[int]) -> int:
        """Dead rows back in line, due now with a fresh set of attempts; returns how many
        (a row no longer dead, revived by someone else meanwhile, is left alone)."""
        if not ids:
            return 0
        async with self._database.write() as session:
            result = await session.execute(
                update(self._model)
                .where(self._model.id.in_(list(ids)), self._model.status == DEAD)
                .values(status=PENDING, attempts=0, available_at=self._clock.now())
            )
        return result.rowcount

    async def prune(self, older_than: datetime) -> None:
        """Done rows are kept a while for inspection, then dropped; dead ones stay."""
        finished = getattr(self._model, self._table.finished_at)
        async with self._database.write() as session:
            await session.execute(
                delete(self._model).where(self._model.status == DONE, finished < older_than)
            )

    @staticmethod
    async def count(session: AsyncSession, model: Any, status: str = PENDING) -> int:
        query = select(func.count()).select_from(model).where(model.status == status)
        return (await session.execute(query)).scalar_one()
