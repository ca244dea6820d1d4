"""The append-only audit log: who did what, when, and the state before and after."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ledger.storage.models import AuditRow


def record(
    session: AsyncSession,
    *,
    at: datetime,
    actor_user_id: int | None,
    action: str,
    object_type: str,
    object_id: object,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    """Add an audit row to the caller's transaction: it lands with the change or not at all."""
    session.add(
        AuditRow(
            at=at,
            actor_user_id=actor_user_id,
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            before=before,
            after=after,
        )
    )
