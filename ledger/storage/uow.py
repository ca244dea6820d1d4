"""A unit of work per update: one session; use cases write inside `transaction()`.

SQLite lets one writer in at a time and makes the others poll with sleeps of up to 100 ms,
which ruins latency under load. So writers queue in asyncio instead, on a `WriteGate` per
engine, held only from a use case's first write to its commit (no network call inside).
PostgreSQL needs no gate: its row locks and conditional updates do the job.
"""

from __future__ import annotations

import asyncio
import contextlib
import weakref
from collections import deque
from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession


class WriteGate:
    """One writer at a time (when `serialize`), first come first served, except that an
    `urgent` writer goes ahead of every waiting ordinary one.

    Urgent is for writes somebody is waiting on with a deadline: amoCRM gives a webhook 2 s
    and the inbox commit is all its answer waits for, so it must not queue behind a batch of
    background lead applies.
    """

    def __init__(self, serialize: bool) -> None:
        self._serialize = serialize
        self._held = False
        self._urgent: deque[asyncio.Future[None]] = deque()
        self._ordinary: deque[asyncio.Future[None]] = deque()

    @contextlib.asynccontextmanager
    async def __call__(self, *, urgent: bool = False) -> AsyncIterator[None]:
        if not self._serialize:
            yield
            return
        await self._acquire(urgent)
        try:
            yield
        finally:
            self._release()

    async def _acquire(self, urgent: bool) -> None:
        if not self._held and not self._urgent and not self._ordinary:
            self._held = True
            return
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        queue = self._urgent if urgent else self._ordinary
        queue.append(turn)
        try:
            await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():
                self._release()  # handed the gate just as we were cancelled: pass it on
            else:
                with contextlib.suppress(ValueError):  # already skipped by a release
                    queue.remove(turn)
            raise

    def _release(self) -> None:
        """Hand the gate straight to the next waiter (urgent first), or open it."""
        for queue in (self._urgent, self._ordinary):
            while queue:
                turn = queue.popleft()
                if not turn.done():
                    turn.set_result(None)
                    return
        self._held = False


_GATES: weakref.WeakKeyDictionary[Any, WriteGate] = weakref.WeakKeyDictionary()


def write_gate(engine: AsyncEngine) -> WriteGate:
    """The gate all writers through `engine` share."""
    sync_engine = engine.sync_engine
    if sync_engine not in _GATES:
        _GATES[sync_engine] = WriteGate(serialize=engine.dialect.name == "sqlite")
    return _GATES[sync_engine]


class UnitOfWork:
    """Wraps one session. Rows registered with `add_on_commit` (the processed-update marker)
    join the first commit that is not incidental, so an update is marked handled together
    with the change it asked for.
    """

    def __init__(self, session: AsyncSession, gate: WriteGate | None = None) -> None:
        self.session = session
        self._gate = gate or write_gate(session.bind)  # type: ignore[arg-type]
        self._on_commit: list[Any] = []
        self._in_transaction = False
        self.on_commit_rows_written = False

    def add_on_commit(self, row: Any) -> None:
        self._on_commit.append(row)

    @contextlib.asynccontextmanager
    async def transaction(self, *, incidental: bool = False) -> AsyncIterator[None]:
        """Write inside; commit at the end, roll back on any error. Nested use joins the outer.

        An `incidental` write (registering someone on first contact) is not what the update
        asked for, so the rows waiting for a commit wait for the next one.
        """
        if self._in_transaction:
            yield
            return
        async with self._gate():
            self._in_transaction = True
            try:
                yield
                carried = [] if incidental else self._on_commit
                self.session.add_all(carried)
                await self.session.commit()
                if carried:
                    self._on_commit = []
                    self.on_commit_rows_written = True
            except BaseException:
                await self.session.rollback()
                raise
            finally:
                self._in_transaction = False

    async def commit(self) -> None:
        """Commit what is staged (added objects) through the gate."""
        async with self.transaction():
            pass

    async def rollback(self) -> None:
        self._on_commit.clear()
        await self.session.rollback()
