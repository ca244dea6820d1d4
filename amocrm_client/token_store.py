"""The OAuth pair in the database: one row, replaced on every refresh.

amoCRM's refresh tokens are single-use, so a rotated pair must be durable before it is used;
every read goes to the database, because another replica may have rotated the pair since.
Every pair read or stored is handed to the log's redaction first, so a rotated token is
masked in any line from then on, in this process and in the worker's.
"""

from __future__ import annotations

from sqlalchemy import select

from amocrm_client.errors import AmoUnauthorized
from amocrm_client.models import TokenPair
from config.logging import remember_secret
from ledger.clock import Clock
from ledger.storage.database import Database
from ledger.storage.models import AmoTokenRow

_ROW_ID = 1
NOT_AUTHORISED = "not authorised: run `./start amocrm auth CODE` with a fresh code"


class DatabaseTokenStore:
    def __init__(self, database: Database, clock: Clock) -> None:
        self._database = database
        self._clock = clock

    async def get(self) -> TokenPair:
        async with self._database.read() as session:
            row = await session.get(AmoTokenRow, _ROW_ID)
        if row is None:
            raise AmoUnauthorized(401, "No tokens", NOT_AUTHORISED)
        remember_secret(row.access_token, row.refresh_token)
        return TokenPair(
            access_token=row.access_token,
            refresh_token=row.refresh_token,
            expires_at=row.expires_at,
        )

    async def has_tokens(self) -> bool:
        async with self._database.read() as session:
            found = await session.scalar(select(AmoTokenRow.id).where(AmoTokenRow.id == _ROW_ID))
        return found is not None

    async def save(self, pair: TokenPair) -> None:
        refresh = pair.refresh_token.get_secret_value() if pair.refresh_token else None
        remember_secret(pair.access_token.get_secret_value(), refresh)
        async with self._database.write() as session:
            row = await session.get(AmoTokenRow, _ROW_ID)
            if row is None:
                row = AmoTokenRow(id=_ROW_ID)
                session.add(row)
            row.access_token = pair.access_token.get_secret_value()
            row.refresh_token = refresh
            row.expires_at = pair.expires_at
            row.updated_at = self._clock.now()
