"""Who may do what with a request, and who may see which.

Filing: a requester, a manager (for their deals) or the owner. Deciding a step: its approvers
(who hold the approver role) or an owner. Paying: the accountant or the owner. Seeing: the
requester their own; an approver the requests they approve or decided; the accountant those
approved and later; the owner all.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, exists, false, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from ledger.requests.states import APPROVED_OR_LATER
from ledger.roles import Actor, Role
from ledger.storage.models import PaymentRequestRow, RequestApprovalRow, RequestApproverRow

FILERS = frozenset({Role.REQUESTER, Role.MANAGER, Role.OWNER})
DECIDERS = frozenset({Role.APPROVER, Role.OWNER})
PAYERS = frozenset({Role.ACCOUNTANT, Role.OWNER})


def visible(actor: Actor) -> ColumnElement[bool]:
    """The requests `actor` may see, as a condition on `payment_requests`."""
    if actor.is_owner:
        return PaymentRequestRow.id.is_not(None)
    seen: list[ColumnElement[bool]] = [PaymentRequestRow.requester_id == actor.user_id]
    if Role.ACCOUNTANT in actor.roles:
        seen.append(PaymentRequestRow.status.in_([s.value for s in APPROVED_OR_LATER]))
    if Role.APPROVER in actor.roles:
        seen.append(
            exists().where(
                RequestApproverRow.request_id == PaymentRequestRow.id,
                RequestApproverRow.user_id == actor.user_id,
            )
        )
        seen.append(
            exists().where(
                RequestApprovalRow.request_id == PaymentRequestRow.id,
                RequestApprovalRow.approver_id == actor.user_id,
            )
        )
    return or_(false(), *seen)


async def may_see(session: AsyncSession, actor: Actor, request_id: int) -> bool:
    return bool(
        await session.scalar(
            select(PaymentRequestRow.id).where(PaymentRequestRow.id == request_id, visible(actor))
        )
    )


async def approvers_of(session: AsyncSession, request_id: int, step: int) -> set[int]:
    """The users named to approve a step (none: it is the owners')."""
    found = await session.scalars(
        select(RequestApproverRow.user_id).where(
            RequestApproverRow.request_id == request_id, RequestApproverRow.step == step
        )
    )
    return set(found)


async def may_decide(session: AsyncSession, actor: Actor, request_id: int, step: int) -> bool:
    """Whether `actor` may approve, reject or return the request at `step`."""
    if actor.is_owner:
        return True
    if Role.APPROVER not in actor.roles:
        return False
    return actor.user_id in await approvers_of(session, request_id, step)
