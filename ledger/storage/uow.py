"""A unit of work per update: one session; use cases write inside `write()` and commit.

SQLite lets one writer in at a time and makes the others poll with sleeps of up to 100 ms,
which ruins latency under load. So writers queue in asyncio instead, on a `WriteGate` per
engine, held only from a use case's first write to its commit (no network call inside).
PostgreSQL needs no gate: its row locks and conditional updates do the job.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import ORMExecuteState, Session


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


WROTE = "kopeyka.wrote"  # session.info key: a statement or a flush changed something


class TrackedSession(Session):
    """A session that notes when it writes, for `UnitOfWork` to tell a forgotten commit from
    a block that only read (listened for on the class, once, not per session)."""


@event.listens_for(TrackedSession, "after_flush")
def _note_flush(session: Session, _context: Any) -> None:
    session.info[WROTE] = True


@event.listens_for(TrackedSession, "do_orm_execute")
def _note_statement(state: ORMExecuteState) -> None:
    if not state.is_select:
        state.session.info[WROTE] = True


class UncommittedWrite(RuntimeError):
    """A write block ended normally without `commit()`: its changes were rolled back."""


class ReplayWrite(RuntimeError):
    """A use case tried to commit while its update is replayed: the update's change was
    committed by an earlier delivery, so the use case should have found it, not made it again."""


class UnitOfWork:
    """One session, written through `write()` blocks, committed only when told.

    A use case writes inside `async with uow.write():` and ends with `await uow.commit()`;
    leaving the block any other way rolls back: an exception is re-raised, a block that only
    read (an early "nothing to do") just ends, and a block that wrote but forgot to commit
    raises `UncommittedWrite`, so the mistake is loud. Blocks nest: an inner
    block joins the outer one and only the outermost commit counts, so two use cases a caller
    wraps in one block commit together.

    Rows registered with `add_on_commit` (the processed-update marker) join the first commit
    that is not incidental, so an update is marked handled together with the change it asked
    for.

    `replaying` says the update's change was committed by an earlier delivery that died before
    it answered: use cases then find what that delivery made (the draft read from the message,
    the entry a save posted) instead of acting, so the answer can be drawn again. A commit
    while replaying is refused (`ReplayWrite`), incidental ones aside: nothing twice.
    """

    def __init__(self, session: AsyncSession, gate: WriteGate) -> None:
        self.session = session
        self._gate = gate
        self._on_commit: list[Any] = []
        self._depth = 0
        self._committed = False
        self._incidental = False
        self.on_commit_rows_written = False
        self.replaying = False

    def add_on_commit(self, row: Any) -> None:
        self._on_commit.append(row)

    @property
    def writing(self) -> bool:
        return self._depth > 0

    @contextlib.asynccontextmanager
    async def write(self, *, incidental: bool = False) -> AsyncIterator[None]:
        """Hold the write gate for a use case's writes, from the first to the commit.

        An `incidental` write (registering someone on first contact) is not what the update
        asked for, so the rows waiting for a commit wait for the next one.
        """
        if self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        async with self._gate():
            self._depth, self._committed, self._incidental = 1, False, incidental
            self.session.info[WROTE] = False
            try:
                yield
            except BaseException:
                await self.session.rollback()
                raise
            finally:
                self._depth = 0
            if not self._committed:
                wrote = self.session.info.get(WROTE) or bool(
                    self.session.new or self.session.dirty or self.session.deleted
                )
                await self.session.rollback()
                if wrote:
                    raise UncommittedWrite("a write block ended without commit; rolled back")

    async def commit(self) -> None:
        """Commit the outermost write block (inside a nested one: leave it to the outer)."""
        if self._depth > 1:
            return
        if self._depth == 0:
            async with self.write():
                await self.commit()
            return
        if self.replaying and not self._incidental:
            raise ReplayWrite("a replayed update tried to change what it changed before")
        carried = [] if self._incidental else self._on_commit
        self.session.add_all(carried)
        await self.session.commit()
        self._committed = True
        if carried:
            self._on_commit = []
            self.on_commit_rows_written = True

    async def rollback(self) -> None:
        self._on_commit.clear()
        await self.session.rollback()
