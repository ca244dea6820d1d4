"""amoCRM's users as the ledger knows them: the names deals carry for their managers, and
whom an owner can name when inviting a manager.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select

from ledger.storage.models import AmoUserRow
from ledger.storage.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class CrmUser:
    id: int
    name: str
    email: str | None = None


class CrmDirectory:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow
        self._session = uow.session

    async def names(self) -> dict[int, str]:
        rows = await self._session.execute(select(AmoUserRow.id, AmoUserRow.name))
        return {row.id: row.name for row in rows}

    async def record(self, users: Iterable[CrmUser]) -> None:
        """The account's users as just read: new ones added, renamed ones renamed."""
        async with self._uow.write():
            known = {row.id: row for row in await self._session.scalars(select(AmoUserRow))}
            for user in users:
                row = known.get(user.id)
                if row is None:
                    self._session.add(AmoUserRow(id=user.id, name=user.name, email=user.email))
                elif (row.name, row.email) != (user.name, user.email):
                    row.name, row.email = user.name, user.email
            await self._uow.commit()
