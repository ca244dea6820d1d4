"""A unit of work per update: one session, committed by the use case, rolled back otherwise."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession


class UnitOfWork:
    """Wraps one session. Services call `commit()` once their change is whole.

    Rows registered with `add_on_commit` (the processed-update marker) join whichever commit
    comes first, so marking an update handled and the change it caused land together.
    """

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self._on_commit: list[Any] = []
        self.committed = False

    def add_on_commit(self, row: Any) -> None:
        self._on_commit.append(row)

    async def commit(self) -> None:
        if self._on_commit:
            self.session.add_all(self._on_commit)
            self._on_commit.clear()
        await self.session.commit()
        self.committed = True

    async def rollback(self) -> None:
        self._on_commit.clear()
        await self.session.rollback()

    async def close(self) -> None:
        await self.session.close()
