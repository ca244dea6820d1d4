"""Guarded state changes: every state machine of the ledger moves through `transition`.

A machine is a frozen set of allowed moves. A move is one conditional
`UPDATE … WHERE id = :id AND status = :expected … RETURNING`, so of two people racing for
the same change exactly one wins; the other gets `Lost` with who won and when, to tell them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, update
from sqlalchemy.ext.asyncio import AsyncSession

from ledger import audit


@dataclass(frozen=True, slots=True)
class StateMachine:
    name: str  # the audit's object type and action prefix: "payment" → "payment.confirmed"
    model: Any  # the table, with `id` and `status` columns
    moves: frozenset[tuple[StrEnum, StrEnum]]
    by: str | None = None  # the column naming who made the last move, if any
    at: str | None = None  # the column stamped with its time, if any
    object_type: str | None = None  # the audit's object type, when not `name`

    def allows(self, current: StrEnum, to: StrEnum) -> bool:
        return current == to or (current, to) in self.moves


@dataclass(frozen=True, slots=True)
class Lost:
    """The move did not happen: the row is in `status` now (None: no such row), moved there
    by `by` at `at` as far as the table says."""

    status: str | None
    by: int | None = None
    at: datetime | None = None


class IllegalMove(ValueError):
    """A bug: the code asked for a move its machine does not allow."""


async def transition(
    session: AsyncSession,
    machine: StateMachine,
    row_id: int,
    expected: StrEnum,
    to: StrEnum,
    *,
    when: Iterable[ColumnElement[bool]] = (),
    values: dict[str, Any] | None = None,
    actor_user_id: int | None = None,
    now: datetime,
    audited: bool = True,
) -> Any | Lost:
    """Move row `row_id` from `expected` to `to` (a move to the same state changes `values`
    only) if it still is in `expected` and matches `when`; return the updated row or `Lost`.

    Writes the audit row `<machine>.<to>` with the values before and after, unless
    `audited` is False (a draft's edits are not ledger facts).
    """
    if not machine.allows(expected, to):
        raise IllegalMove(f"{machine.name}: {expected} → {to} is not a move it allows")
    model = machine.model
    changes = dict(values or {})
    changes["status"] = to.value
    if machine.by is not None and actor_user_id is not None:
        changes.setdefault(machine.by, actor_user_id)
    if machine.at is not None:
        changes.setdefault(machine.at, now)
    result = await session.execute(
        update(model)
        .where(model.id == row_id, model.status == expected.value, *when)
        .values(**changes)
        .returning(model)
        .execution_options(populate_existing=True)
    )
    row = result.scalar_one_or_none()
    if row is None:
        return await _lost(session, machine, row_id)
    if audited:
        audit.record(
            session,
            at=now,
            actor_user_id=actor_user_id,
            action=f"{machine.name}.{to.value}",
            object_type=machine.object_type or machine.name,
            object_id=row_id,
            before={"status": expected.value},
            after={key: _plain(value) for key, value in changes.items()},
        )
    return row


async def _lost(session: AsyncSession, machine: StateMachine, row_id: int) -> Lost:
    current = await session.get(machine.model, row_id, populate_existing=True)
    if current is None:
        return Lost(status=None)
    by = getattr(current, machine.by) if machine.by else None
    at = getattr(current, machine.at) if machine.at else None
    return Lost(status=current.status, by=by, at=at)


def _plain(value: Any) -> Any:
    """A value as the audit log's JSON keeps it."""
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, StrEnum):
        return value.value
    return value
