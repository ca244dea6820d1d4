"""The durable outbox against the real database: written with the change or not at all,
performed by the worker, retried with backoff on the injected clock, never doubled.
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker

from ledger.clock import FrozenClock
from ledger.outbox import Backoff, OutboxWorker, enqueue, pending_count
from ledger.storage.models import OutboxRow

TOPIC = "crm_note"
PAYLOAD = {"deal_id": 31337, "text": "Платёж подтверждён: 15 000,00 ₽"}
SEED = 20261123


class FlakyHandler:
    """Fails the first `failures` calls, then succeeds; remembers every payload it saw."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.seen: list[dict[str, Any]] = []

    async def __call__(self, payload: dict[str, Any]) -> None:
        self.seen.append(payload)
        if len(self.seen) <= self.failures:
            raise ConnectionError(f"CRM unreachable (call {len(self.seen)})")


async def _enqueue_committed(
    session_factory: async_sessionmaker,
    clock: FrozenClock,
    *,
    topic: str = TOPIC,
    payload: dict[str, Any] = PAYLOAD,
    dedupe_key: str | None = None,
) -> None:
    async with session_factory() as session, session.begin():
        enqueue(session, topic=topic, payload=payload, now=clock.now(), dedupe_key=dedupe_key)


async def _rows(session_factory: async_sessionmaker) -> list[OutboxRow]:
    async with session_factory() as session:
        return list((await session.execute(select(OutboxRow).order_by(OutboxRow.id))).scalars())


async def test_a_failing_effect_is_retried_with_backoff_until_it_is_done(
    session_factory: async_sessionmaker, clock: FrozenClock
) -> None:
    await _enqueue_committed(session_factory, clock)
    handler = FlakyHandler(failures=2)
    backoff = Backoff(base=timedelta(seconds=5), cap=timedelta(hours=1))
    worker = OutboxWorker(
        session_factory, {TOPIC: handler}, clock, backoff=backoff, rng=random.Random(SEED)
    )
    # The same seed replays the worker's jitter, so each retry time is known exactly.
    expected_rng = random.Random(SEED)

    for attempt in range(2):
        assert await worker.run_once() == 0
        [row] = await _rows(session_factory)
        assert row.done_at is None
        assert row.attempts == attempt + 1
        assert "CRM unreachable" in (row.last_error or "")
        delay = backoff.delay(attempt, expected_rng)
        assert row.available_at == clock.now() + delay
        assert delay <= backoff.base * 2**attempt
        # Not due yet: nothing happens before the backoff has passed.
        assert await worker.run_once() == 0
        assert len(handler.seen) == attempt + 1
        clock.advance(delay + timedelta(milliseconds=1))

    assert await worker.run_once() == 1

    [row] = await _rows(session_factory)
    assert row.done_at == clock.now()
    assert row.attempts == 2
    assert handler.seen == [PAYLOAD, PAYLOAD, PAYLOAD]
    # Done is done: a later run does not repeat the effect.
    clock.advance(timedelta(days=1))
    assert await worker.run_once() == 0
    assert len(handler.seen) == 3
    async with session_factory() as session:
        assert await pending_count(session) == 0


async def test_a_row_whose_topic_has_no_handler_stays_pending_with_the_error(
    session_factory: async_sessionmaker, clock: FrozenClock
) -> None:
    await _enqueue_committed(session_factory, clock, topic="nobody_handles_this")
    worker = OutboxWorker(session_factory, {}, clock, rng=random.Random(SEED))

    assert await worker.run_once() == 0

    [row] = await _rows(session_factory)
    assert row.done_at is None
    assert row.attempts == 1
    assert "nobody_handles_this" in (row.last_error or "")
    async with session_factory() as session:
        assert await pending_count(session) == 1


async def test_a_rolled_back_transaction_leaves_no_outbox_row(
    session_factory: async_sessionmaker, clock: FrozenClock
) -> None:
    async def change_that_fails() -> None:
        async with session_factory() as session, session.begin():
            enqueue(session, topic=TOPIC, payload=PAYLOAD, now=clock.now())
            await session.flush()
            raise RuntimeError("the change failed")

    with pytest.raises(RuntimeError, match="the change failed"):
        await change_that_fails()

    assert await _rows(session_factory) == []


async def test_a_second_enqueue_with_the_same_dedupe_key_fails_the_callers_transaction(
    session_factory: async_sessionmaker, clock: FrozenClock
) -> None:
    await _enqueue_committed(session_factory, clock, dedupe_key="deal:31337:payment:1:note")

    # The caller's whole transaction fails, so the change that would have caused the effect a
    # second time is not committed either: the side effect can never be doubled.
    with pytest.raises(IntegrityError):
        await _enqueue_committed(
            session_factory,
            clock,
            payload={"deal_id": 31337, "text": "again"},
            dedupe_key="deal:31337:payment:1:note",
        )

    rows = await _rows(session_factory)
    assert [(row.dedupe_key, row.payload) for row in rows] == [
        ("deal:31337:payment:1:note", PAYLOAD)
    ]


async def test_rows_without_a_dedupe_key_do_not_collide(
    session_factory: async_sessionmaker, clock: FrozenClock
) -> None:
    await _enqueue_committed(session_factory, clock)
    await _enqueue_committed(session_factory, clock)

    assert len(await _rows(session_factory)) == 2


async def test_rows_not_yet_due_are_not_claimed(
    session_factory: async_sessionmaker, clock: FrozenClock
) -> None:
    async with session_factory() as session, session.begin():
        enqueue(
            session,
            topic=TOPIC,
            payload={"when": "later"},
            now=clock.now() + timedelta(minutes=10),
        )
        enqueue(session, topic=TOPIC, payload={"when": "now"}, now=clock.now())
    handler = FlakyHandler(failures=0)
    worker = OutboxWorker(session_factory, {TOPIC: handler}, clock, rng=random.Random(SEED))

    assert await worker.run_once() == 1
    assert handler.seen == [{"when": "now"}]

    clock.advance(timedelta(minutes=10))
    assert await worker.run_once() == 1
    assert handler.seen == [{"when": "now"}, {"when": "later"}]


def test_backoff_grows_exponentially_with_full_jitter_and_stops_at_the_cap() -> None:
    backoff = Backoff(base=timedelta(seconds=5), cap=timedelta(hours=1))
    rng = random.Random(SEED)

    for attempts in range(40):
        delay = backoff.delay(attempts, rng)
        assert timedelta(0) <= delay <= min(backoff.cap, backoff.base * 2 ** min(attempts, 20))
    assert backoff.delay(1000, random.Random(SEED)) <= backoff.cap
