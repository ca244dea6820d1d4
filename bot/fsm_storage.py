"""aiogram FSM storage in our database, so a half-typed comment survives a restart.

Each call is its own short transaction: conversation state is not ledger data and must not
hold a lock while the update's own unit of work runs. Every update reads its state, so with
SQLite (one process owns the file) reads are served from a write-through copy in memory;
with PostgreSQL several replicas may share the table, so every read goes to the database
(or set REDIS_URL).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, DefaultKeyBuilder, StateType, StorageKey
from sqlalchemy import select

from ledger.storage.database import Database
from ledger.storage.models import FsmStateRow

_Entry = tuple[str | None, dict[str, Any]]


class SqlStorage(BaseStorage):
    def __init__(self, database: Database) -> None:
        self._database = database
        self._cache: dict[str, _Entry] | None = {} if database.dialect == "sqlite" else None
        self._keys = DefaultKeyBuilder(with_destiny=True)

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        value = state.state if isinstance(state, State) else state
        await self._upsert(key, {"state": value})

    async def get_state(self, key: StorageKey) -> str | None:
        return (await self._get(key))[0]

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        await self._upsert(key, {"data": dict(data)})

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        return dict((await self._get(key))[1])

    async def close(self) -> None:
        """The engine belongs to the application, which disposes of it."""

    async def _get(self, key: StorageKey) -> _Entry:
        built = self._keys.build(key)
        if self._cache is not None and built in self._cache:
            return self._cache[built]
        async with self._database.read() as session:
            row = (
                await session.execute(select(FsmStateRow).where(FsmStateRow.key == built))
            ).scalar_one_or_none()
        entry: _Entry = (row.state, dict(row.data or {})) if row else (None, {})
        if self._cache is not None:
            self._cache[built] = entry
        return entry

    async def _upsert(self, key: StorageKey, values: dict[str, Any]) -> None:
        built = self._keys.build(key)
        async with self._database.write() as session:
            row = await session.get(FsmStateRow, built, with_for_update=True)
            state = values.get("state", row.state if row else None)
            data = values.get("data", row.data if row else {})
            if state is None and not data:
                # A cleared conversation leaves no row behind.
                if row is not None:
                    await session.delete(row)
            elif row is None:
                session.add(FsmStateRow(key=built, state=state, data=data))
            else:
                row.state, row.data = state, data
        if self._cache is not None:
            self._cache[built] = (state, dict(data or {}))
