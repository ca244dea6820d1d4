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

from ledger.clock import FrozenClock
from ledger.notices import Notification, OutboxDead
from ledger.outbox import Backoff, OutboxWorker, enqueue, pending_count
from ledger.storage.database import Database
from ledger.storage.models import OutboxRow

TOPIC = "crm_note"
PAYLOAD = {"deal_id": 31337, "text": "Платёж подтверждён: 15 000,00 ₽"}
SEED = 20261123
OWNER_CHAT = 1111111


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
    database: Database,
    clock: FrozenClock,
    *,
    topic: str = TOPIC,
    payload: dict[str, Any] = PAYLOAD,
    dedupe_key: str | None = None,
) -> None:
    async with database.write() as session:
        enqueue(session, topic=topic, payload=payload, now=clock.now(), dedupe_key=dedupe_key)


async def _rows(database: Database) -> list[OutboxRow]:
    async with database.read() as session:
        return list((await session.execute(select(OutboxRow).order_by(OutboxRow.id))).scalars())


async def test_a_failing_effect_is_retried_with_backoff_until_it_is_done(
    database: Database, clock: FrozenClock
) -> None:
    await _enqueue_committed(database, clock)
    handler = FlakyHandler(failures=2)
    backoff = Backoff(base=timedelta(seconds=5), cap=timedelta(hours=1))
    worker = OutboxWorker(
        database, {TOPIC: handler}, clock, backoff=backoff, rng=random.Random(SEED)
    )
    # The same seed replays the worker's jitter, so each retry time is known exactly.
    expected_rng = random.Random(SEED)

    for attempt in range(2):
        assert await worker.run_once() == 0
        [row] = await _rows(database)
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

    [row] = await _rows(database)
    assert row.done_at == clock.now()
    assert row.attempts == 2
    assert handler.seen == [PAYLOAD, PAYLOAD, PAYLOAD]
    # Done is done: a later run does not repeat the effect.
    clock.advance(timedelta(days=1))
    assert await worker.run_once() == 0
    assert len(handler.seen) == 3
    async with database.read() as session:
        assert await pending_count(session) == 0


async def test_a_worker_claims_only_its_own_topics_and_leaves_the_rest_untouched(
    database: Database, clock: FrozenClock
) -> None:
    await _enqueue_committed(database, clock, topic="crm")
    await _enqueue_committed(database, clock, topic="notify", payload={"chat_id": 1})
    notifications = FlakyHandler(failures=0)
    bot_process = OutboxWorker(database, {"notify": notifications}, clock)

    assert await bot_process.run_once() == 1

    crm_row, notify_row = await _rows(database)
    assert notifications.seen == [{"chat_id": 1}]
    assert (notify_row.status, crm_row.status) == ("done", "pending")
    # The CRM row waits for the worker that has the amoCRM client: not tried, not leased.
    assert (crm_row.attempts, crm_row.last_error, crm_row.available_at) == (0, None, clock.now())

    crm = FlakyHandler(failures=0)
    assert await OutboxWorker(database, {"crm": crm}, clock).run_once() == 1
    assert crm.seen == [PAYLOAD]


async def test_a_row_out_of_attempts_is_dead_and_no_longer_tried(
    database: Database, clock: FrozenClock
) -> None:
    await _enqueue_committed(database, clock)
    handler = FlakyHandler(failures=100)
    worker = OutboxWorker(
        database, {TOPIC: handler}, clock, rng=random.Random(SEED), max_attempts=3
    )

    for _ in range(5):
        await worker.run_once()
        clock.advance(timedelta(days=1))

    [row] = await _rows(database)
    assert (row.status, row.attempts, row.done_at) == ("dead", 3, None)
    assert len(handler.seen) == 3
    async with database.read() as session:
        assert await pending_count(session) == 0


async def test_pruning_drops_old_done_rows_and_keeps_pending_and_dead_ones(
    database: Database, clock: FrozenClock
) -> None:
    for topic in ("done", "dead", "pending"):
        await _enqueue_committed(database, clock, topic=topic)
    ok, failing = FlakyHandler(failures=0), FlakyHandler(failures=100)
    await OutboxWorker(database, {"done": ok}, clock).run_once()
    await OutboxWorker(database, {"dead": failing}, clock, max_attempts=1).run_once()
    worker = OutboxWorker(database, {}, clock)

    await worker.queue.prune(older_than=clock.now())
    assert [row.topic for row in await _rows(database)] == ["done", "dead", "pending"]
    await worker.queue.prune(older_than=clock.now() + timedelta(seconds=1))
    assert [row.topic for row in await _rows(database)] == ["dead", "pending"]


async def test_a_rolled_back_transaction_leaves_no_outbox_row(
    database: Database, clock: FrozenClock
) -> None:
    async def change_that_fails() -> None:
        async with database.write() as session:
            enqueue(session, topic=TOPIC, payload=PAYLOAD, now=clock.now())
            await session.flush()
            raise RuntimeError("the change failed")

    with pytest.raises(RuntimeError, match="the change failed"):
        await change_that_fails()

    assert await _rows(database) == []


async def test_a_second_enqueue_with_the_same_dedupe_key_fails_the_callers_transaction(
    database: Database, clock: FrozenClock
) -> None:
    await _enqueue_committed(database, clock, dedupe_key="deal:31337:payment:1:note")

    # The caller's whole transaction fails, so the change that would have caused the effect a
    # second time is not committed either: the side effect can never be doubled.
    with pytest.raises(IntegrityError):
        await _enqueue_committed(
            database,
            clock,
            payload={"deal_id": 31337, "text": "again"},
            dedupe_key="deal:31337:payment:1:note",
        )

    rows = await _rows(database)
    assert [(row.dedupe_key, row.payload) for row in rows] == [
        ("deal:31337:payment:1:note", PAYLOAD)
    ]


async def test_rows_without_a_dedupe_key_do_not_collide(
    database: Database, clock: FrozenClock
) -> None:
    await _enqueue_committed(database, clock)
    await _enqueue_committed(database, clock)

    assert len(await _rows(database)) == 2


async def test_rows_not_yet_due_are_not_claimed(database: Database, clock: FrozenClock) -> None:
    async with database.write() as session:
        enqueue(
            session,
            topic=TOPIC,
            payload={"when": "later"},
            now=clock.now() + timedelta(minutes=10),
        )
        enqueue(session, topic=TOPIC, payload={"when": "now"}, now=clock.now())
    handler = FlakyHandler(failures=0)
    worker = OutboxWorker(database, {TOPIC: handler}, clock, rng=random.Random(SEED))

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


# -- one deal's effects in order, claims, batches, the dead ------------------------------------


async def _enqueue_ordered(database: Database, clock: FrozenClock, *rows: tuple[str, str]) -> None:
    """Rows (ordering key, text) in one transaction, in that order."""
    async with database.write() as session:
        for key, text in rows:
            enqueue(session, topic=TOPIC, payload={"text": text}, now=clock.now(), ordering_key=key)


class FailingFor:
    """Fails every payload whose text is in `failing`; remembers the order it saw them in."""

    def __init__(self, *failing: str) -> None:
        self.failing = set(failing)
        self.seen: list[str] = []

    async def __call__(self, payload: dict[str, Any]) -> None:
        self.seen.append(payload["text"])
        if payload["text"] in self.failing:
            raise ConnectionError("CRM unreachable")


async def test_a_deals_later_effect_waits_while_its_earlier_one_waits_for_a_retry(
    database: Database, clock: FrozenClock
) -> None:
    await _enqueue_ordered(database, clock, ("lead:1", "first"), ("lead:2", "other deal"))
    handler = FailingFor("first")
    worker = OutboxWorker(database, {TOPIC: handler}, clock, rng=random.Random(SEED))
    assert await worker.run_once() == 1  # "first" failed, "other deal" done
    await _enqueue_ordered(database, clock, ("lead:1", "second"))

    assert await worker.run_once() == 0  # "second" waits behind "first"
    assert handler.seen == ["first", "other deal"]

    handler.failing.clear()
    clock.advance(timedelta(hours=2))
    assert await worker.run_once() == 2
    assert handler.seen == ["first", "other deal", "first", "second"]


async def test_a_row_in_a_workers_hands_holds_back_its_deals_later_rows(
    database: Database, clock: FrozenClock
) -> None:
    await _enqueue_ordered(database, clock, ("lead:1", "first"))
    worker = OutboxWorker(database, {TOPIC: FailingFor()}, clock)
    [claimed] = await worker.queue.claim(10, topics=[TOPIC])  # a worker took it, then hung
    await _enqueue_ordered(database, clock, ("lead:1", "second"), (None, "unordered"))

    taken = await worker.queue.claim(10, topics=[TOPIC])

    assert [item.payload["text"] for item in taken] == ["unordered"]
    assert claimed.claims == 1
    clock.advance(timedelta(minutes=6))  # the lease ran out: the row is back, claimed again
    again = await worker.queue.claim(10, topics=[TOPIC])
    assert [(item.payload["text"], item.claims) for item in again] == [
        ("first", 2),
        ("second", 1),
        ("unordered", 2),
    ]


async def test_a_batch_handler_gets_its_topics_due_rows_together_and_answers_per_row(
    database: Database, clock: FrozenClock
) -> None:
    await _enqueue_ordered(database, clock, ("lead:1", "a"), ("lead:2", "b"), ("lead:1", "c"))
    batches: list[list[str]] = []

    async def batch(items):
        batches.append([item.payload["text"] for item in items])
        return {item.id: ("refused" if item.payload["text"] == "b" else None) for item in items}

    worker = OutboxWorker(database, {}, clock, batch_handlers={TOPIC: batch})

    assert await worker.run_once() == 2

    assert batches == [["a", "b", "c"]]
    rows = await _rows(database)
    assert [(row.status, row.attempts, row.last_error) for row in rows] == [
        ("done", 0, None),
        ("pending", 1, "refused"),
        ("done", 0, None),
    ]


async def test_a_dead_row_is_told_to_the_owners_once_and_comes_back_when_retried(
    database: Database, clock: FrozenClock
) -> None:
    async with database.write() as session:
        enqueue(
            session,
            topic="crm",
            payload={"effect": "add_note", "amo_lead_id": 19620, "text": "x", "key": "c1"},
            now=clock.now(),
        )
    handler = FlakyHandler(failures=100)
    worker = OutboxWorker(
        database, {"crm": handler}, clock, max_attempts=2, dead_notice_chat_ids=[OWNER_CHAT]
    )

    for _ in range(4):
        await worker.run_once()
        clock.advance(timedelta(days=1))

    crm_row, notice = await _rows(database)
    assert (crm_row.status, crm_row.attempts) == ("dead", 2)
    told = Notification.from_payload(notice.payload)
    assert told.chat_id == OWNER_CHAT
    assert told.facts == OutboxDead(
        crm_row.id, "crm", "add_note", 19620, 2, "ConnectionError('CRM unreachable (call 2)')"
    )

    assert await worker.queue.revive([crm_row.id]) == 1
    assert await worker.queue.revive([crm_row.id]) == 0  # a second tap revives nothing
    handler.failures = 0
    assert await worker.run_once() == 1
    assert len(await _rows(database)) == 2  # nothing more to tell


async def test_run_until_empty_drains_every_due_row_and_leaves_the_waiting(
    database: Database, clock: FrozenClock
) -> None:
    await _enqueue_ordered(database, clock, *[(f"lead:{n % 7}", str(n)) for n in range(120)])
    handler = FailingFor("3")
    worker = OutboxWorker(database, {TOPIC: handler}, clock, batch_size=25)

    assert await worker.run_until_empty() == 120 - 17  # lead:3's 17 rows wait behind "3"

    assert handler.seen.count("3") == 1
