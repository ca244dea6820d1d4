"""The daily jobs: the owners told of requests past their date, the accountants' morning
digest. Each tells once a day, whatever the number of runs (a restart at that hour), and
nothing when there is nothing to tell.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import timedelta

from sqlalchemy import func, select

from ledger.clock import Clock
from ledger.money import Money
from ledger.notices import NoticeFacts, RequestsDigest, RequestsOverdue, Totals
from ledger.requests import notify as tell
from ledger.requests.registry import due_between, totals
from ledger.requests.states import OPEN, PAYABLE, RequestStatus
from ledger.storage.models import OutboxRow, PaymentRequestRow
from ledger.storage.uow import UnitOfWork

OVERDUE_HOUR = 10  # in the business's time zone: after the accountant's morning
DIGEST_HOUR = 9


def _pairs(sums: Sequence[Money]) -> Totals:
    return tuple((money.to_minor_units(), money.currency) for money in sums)


class RequestAlerts:
    def __init__(self, uow: UnitOfWork, clock: Clock, *, owner_chat_ids: Iterable[int]) -> None:
        self._uow = uow
        self._session = uow.session
        self._clock = clock
        self._owners = tuple(sorted(set(owner_chat_ids)))

    async def tell_overdue(self) -> RequestsOverdue | None:
        """The owners, of requests past their date and not paid: approved ones with what is
        left of them, and those still awaiting approval."""
        today = self._clock.today()
        count, sums = await totals(
            self._session, due_between(None, today - timedelta(days=1)), payable=True
        )
        waiting = await self._session.scalar(
            select(func.count())
            .select_from(PaymentRequestRow)
            .where(
                PaymentRequestRow.status == RequestStatus.SUBMITTED.value,
                PaymentRequestRow.pay_by < today,
            )
        )
        oldest = await self._session.scalar(
            select(func.min(PaymentRequestRow.pay_by)).where(
                PaymentRequestRow.status.in_([status.value for status in OPEN]),
                PaymentRequestRow.pay_by < today,
            )
        )
        if oldest is None:
            return None
        facts = RequestsOverdue(count, _pairs(sums), int(waiting or 0), oldest.isoformat())
        recipients = [(chat, None) for chat in self._owners]
        told = await self._tell(recipients, facts, f"requests-overdue:{today.isoformat()}")
        return facts if told else None

    async def morning_digest(self) -> RequestsDigest | None:
        """The accountants (the owners, with none): approved requests due today and overdue,
        and how many were approved in the last day."""
        today = self._clock.today()
        due, due_sums = await totals(self._session, due_between(today, today), payable=True)
        late, late_sums = await totals(
            self._session, due_between(None, today - timedelta(days=1)), payable=True
        )
        approved = await self._session.scalar(
            select(func.count())
            .select_from(PaymentRequestRow)
            .where(
                PaymentRequestRow.status.in_([status.value for status in PAYABLE]),
                PaymentRequestRow.approved_at >= self._clock.now() - timedelta(days=1),
            )
        )
        if not (due or late or approved):
            return None
        facts = RequestsDigest(due, _pairs(due_sums), late, _pairs(late_sums), int(approved or 0))
        recipients = await tell.accountants(self._session, self._owners)
        told = await self._tell(recipients, facts, f"requests-digest:{today.isoformat()}")
        return facts if told else None

    async def _tell(self, recipients: list[tell.Recipient], facts: NoticeFacts, key: str) -> bool:
        if not recipients:
            return False
        async with self._uow.write():
            first = f"{key}:{facts.kind.value}:{recipients[0][0]}"
            if await self._session.scalar(
                select(OutboxRow.id).where(OutboxRow.dedupe_key == first)
            ):
                return False  # told today already
            tell.tell(self._session, recipients, facts, now=self._clock.now(), key=key)
            await self._uow.commit()
        return True
