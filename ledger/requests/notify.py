"""Who is told what about requests, through the outbox, in the transaction of the change.

A step's approvers when it waits for them (the owners for a step naming nobody); the requester
when someone else moves their request; the accountants (or, with none, the owners) when it is
approved. Notices to people who act on a request carry its link (`request_token`), which the
notifier shows as a button.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ledger.notices import NoticeFacts, Notification
from ledger.outbox import notify
from ledger.roles import Role
from ledger.storage.models import RequestApproverRow, UserRoleRow, UserRow
from ledger.tokens import sign

REQUEST_LINK = "rq"  # a request's own link: `rq_<id>_<expiry>_<signature>`
# Long enough for a request's life from submission to payment; a new one is made on asking.
REQUEST_LINK_TTL = timedelta(days=30)

# Whom to tell: a chat, and its language (None: the bot's default).
Recipient = tuple[int, str | None]


def request_token(key: bytes, request_id: int, now: datetime) -> str:
    return sign(key, REQUEST_LINK, request_id, now + REQUEST_LINK_TTL)


async def step_approvers(
    session: AsyncSession,
    request_id: int,
    step: int,
    owners: Iterable[int],
    *,
    leave_out: int | None = None,
) -> list[Recipient]:
    """Who decides the step: its named approvers, or the owners; `leave_out` (a user id: the
    requester, who may not approve their own) is not told."""
    rows = await session.execute(
        select(UserRow.id, UserRow.telegram_id, UserRow.language)
        .join(RequestApproverRow, RequestApproverRow.user_id == UserRow.id)
        .where(RequestApproverRow.request_id == request_id, RequestApproverRow.step == step)
        .order_by(UserRow.id)
    )
    named = [(chat, language) for user_id, chat, language in rows if user_id != leave_out]
    if named:
        return named
    return await _owners(session, owners, leave_out)


async def accountants(session: AsyncSession, owners: Iterable[int]) -> list[Recipient]:
    """Who pays: the accountants, or the owners when there is none."""
    rows = await session.execute(
        select(UserRow.telegram_id, UserRow.language)
        .join(UserRoleRow, UserRoleRow.user_id == UserRow.id)
        .where(UserRoleRow.role == Role.ACCOUNTANT.value)
        .order_by(UserRow.id)
    )
    found = [(chat, language) for chat, language in rows]
    return found or await _owners(session, owners, None)


async def person(session: AsyncSession, user_id: int) -> Recipient:
    row = await session.get(UserRow, user_id)
    assert row is not None
    return row.telegram_id, row.language


async def _owners(
    session: AsyncSession, owners: Iterable[int], leave_out: int | None
) -> list[Recipient]:
    chats = sorted(set(owners))
    if not chats:
        return []
    rows = dict(
        (
            await session.execute(
                select(UserRow.telegram_id, UserRow.id).where(UserRow.telegram_id.in_(chats))
            )
        ).all()
    )
    return [(chat, None) for chat in chats if leave_out is None or rows.get(chat) != leave_out]


def tell(
    session: AsyncSession,
    recipients: Iterable[Recipient],
    facts: NoticeFacts,
    *,
    now: datetime,
    key: str,
) -> None:
    """Queue `facts` for each recipient once: `key` names the change (a request's id and the
    version the change made), so a change told twice is queued once."""
    for chat_id, language in recipients:
        notify(
            session,
            Notification(chat_id, facts, language),
            now=now,
            dedupe_key=f"{key}:{facts.kind.value}:{chat_id}",
        )
