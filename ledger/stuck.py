"""Side effects that gave up: the outbox's dead rows, listed for the owner and put back in
line on a tap (`/outbox`). The owner was told of each when it died (`OutboxDead`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update

from ledger import audit
from ledger.clock import Clock
from ledger.queue import DEAD, PENDING
from ledger.roles import Actor, Role
from ledger.storage.models import OutboxRow
from ledger.storage.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class StuckEffect:
    id: int
    topic: str
    effect: str  # a CRM effect's name, or a notice's kind
    amo_lead_id: int | None
    attempts: int
    last_error: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class StuckPage:
    effects: list[StuckEffect]
    total: int


class StuckEffects:
    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow = uow
        self._session = uow.session
        self._clock = clock

    async def page(self, actor: Actor, *, limit: int = 10, offset: int = 0) -> StuckPage:
        """What gave up, oldest first, and how many in all."""
        actor.require(Role.OWNER)
        rows = await self._session.scalars(
            select(OutboxRow)
            .where(OutboxRow.status == DEAD)
            .order_by(OutboxRow.id)
            .limit(limit)
            .offset(offset)
        )
        total = await self._session.scalar(
            select(func.count()).select_from(OutboxRow).where(OutboxRow.status == DEAD)
        )
        return StuckPage([_stuck(row) for row in rows], total or 0)

    async def retry(self, actor: Actor, row_id: int | None = None) -> int:
        """Put one dead row (or all of them) back in line, due now with fresh attempts;
        returns how many (0: it was retried already, by someone else or a second tap)."""
        actor.require(Role.OWNER)
        query = update(OutboxRow).where(OutboxRow.status == DEAD)
        if row_id is not None:
            query = query.where(OutboxRow.id == row_id)
        now = self._clock.now()
        async with self._uow.write():
            result = await self._session.execute(
                query.values(status=PENDING, attempts=0, available_at=now)
            )
            if result.rowcount:
                audit.record(
                    self._session,
                    at=now,
                    actor_user_id=actor.user_id,
                    action="outbox.retried",
                    object_type="outbox",
                    object_id=row_id if row_id is not None else "all",
                    after={"rows": result.rowcount},
                )
            await self._uow.commit()
        return result.rowcount


def _stuck(row: OutboxRow) -> StuckEffect:
    payload = row.payload or {}
    lead = payload.get("amo_lead_id")
    return StuckEffect(
        id=row.id,
        topic=row.topic,
        effect=str(payload.get("effect") or payload.get("notice") or ""),
        amo_lead_id=lead if isinstance(lead, int) else None,
        attempts=row.attempts,
        last_error=row.last_error,
        created_at=row.created_at,
    )
