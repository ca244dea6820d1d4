"""aiogram FSM storage in our database, so a half-typed comment survives a restart.

Each call is its own short transaction: conversation state is not ledger data and must not
hold a lock while the update's own unit of work runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, DefaultKeyBuilder, StateType, StorageKey
from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker

from ledger.storage.models import FsmStateRow


class SqlStorage(BaseStorage):
    def __init__(self, session_factory: async_sessionmaker) -> None:
        self._sessions = session_factory
        self._keys = DefaultKeyBuilder(with_destiny=True)

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        value = state.state if isinstance(state, State) else state
        await self._upsert(key, {"state": value})

    async def get_state(self, key: StorageKey) -> str | None:
        row = await self._get(key)
        return row.state if row else None

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        await self._upsert(key, {"data": dict(data)})

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        row = await self._get(key)
        return dict(row.data or {}) if row else {}

    async def close(self) -> None:
        """The engine belongs to the application, which disposes of it."""

    async def _get(self, key: StorageKey) -> FsmStateRow | None:
        async with self._sessions() as session:
            result = await session.execute(
                select(FsmStateRow).where(FsmStateRow.key == self._keys.build(key))
            )
            return result.scalar_one_or_none()

    async def _upsert(self, key: StorageKey, values: dict[str, Any]) -> None:
        built = self._keys.build(key)
        async with self._sessions() as session, session.begin():
            row = await session.get(FsmStateRow, built, with_for_update=True)
            state = values.get("state", row.state if row else None)
            data = values.get("data", row.data if row else {})
            if state is None and not data:
                # A cleared conversation leaves no row behind.
                if row is not None:
                    await session.delete(row)
                return
            if row is None:
                session.add(FsmStateRow(key=built, state=state, data=data))
            else:
                row.state, row.data = state, data
