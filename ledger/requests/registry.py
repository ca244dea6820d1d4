"""The accountant's registry: approved requests (and those partly paid) due today, this week,
this month, or overdue; and requests by status. Paged, with each list's size and totals by
currency, all counted and narrowed by the database on its registry indexes (status, then due
date), so a list answers as fast among 50,000 requests as among fifty.

The buckets, in the business's time zone: today (due today), this week (due from today to
Sunday), this month (due from today to the month's last day), overdue (due before today).
They overlap (today is in the week and the month) and never include the overdue.
"""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ledger.clock import Clock
from ledger.errors import NotAllowed
from ledger.money import Money
from ledger.requests.access import PAYERS
from ledger.requests.search import (
    PER_PAGE,
    VIEWERS,
    CategoryChoice,
    RegistryQuery,
    RegistryResult,
    category_choices,
    registry_statuses,
    search,
)
from ledger.requests.states import APPROVED_OR_LATER, OPEN, PAYABLE, RequestStatus
from ledger.requests.views import RegistryPage, load_views
from ledger.roles import Actor
from ledger.storage.models import PaymentRequestRow
from ledger.storage.uow import UnitOfWork

MAX_PER_PAGE = 50


class Bucket(StrEnum):
    TODAY = "today"
    WEEK = "week"
    MONTH = "month"
    OVERDUE = "overdue"


# What the owner's registry counts by status: everything filed (drafts are not yet requests),
# the open ones first. The accountant's: `APPROVED_OR_LATER`.
OWNER_STATUSES = (
    RequestStatus.SUBMITTED,
    *APPROVED_OR_LATER,
    RequestStatus.RETURNED,
    RequestStatus.REJECTED,
    RequestStatus.CANCELLED,
)


@dataclass(frozen=True, slots=True)
class StatusSummary:
    status: RequestStatus
    count: int
    totals: tuple[Money, ...]  # what is left to pay of payable ones, the amounts of others


@dataclass(frozen=True, slots=True)
class BucketSummary:
    bucket: Bucket
    count: int
    totals: tuple[Money, ...]  # what is left to pay, by currency


def bounds(bucket: Bucket, today: date) -> tuple[date | None, date | None]:
    """The due dates a bucket holds, both ends included (None: open)."""
    match bucket:
        case Bucket.TODAY:
            return today, today
        case Bucket.WEEK:
            return today, today + timedelta(days=6 - today.weekday())
        case Bucket.MONTH:
            return today, today.replace(day=monthrange(today.year, today.month)[1])
        case Bucket.OVERDUE:
            return None, today - timedelta(days=1)


def due_between(first: date | None, last: date | None) -> ColumnElement[bool]:
    """Payable requests due between `first` and `last` (both included; None: open)."""
    conditions = [PaymentRequestRow.status.in_([status.value for status in PAYABLE])]
    if first is not None:
        conditions.append(PaymentRequestRow.pay_by >= first)
    if last is not None:
        conditions.append(PaymentRequestRow.pay_by <= last)
    return and_(*conditions)


def _counted(payable: bool | None) -> ColumnElement[int]:
    """A request's part of a list's totals: what is left to pay of a payable one, the amount
    of any other (`payable`: the list holds only payable requests, or none; None: either)."""
    left = PaymentRequestRow.amount_minor - PaymentRequestRow.paid_minor
    if payable is not None:
        return left if payable else PaymentRequestRow.amount_minor
    is_payable = PaymentRequestRow.status.in_([status.value for status in PAYABLE])
    return case((is_payable, left), else_=PaymentRequestRow.amount_minor)


async def totals(
    session: AsyncSession, where: ColumnElement[bool], *, payable: bool | None = None
) -> tuple[int, tuple[Money, ...]]:
    """How many requests match, and their totals by currency (in currency order)."""
    rows = await session.execute(
        select(PaymentRequestRow.currency, func.count(), func.sum(_counted(payable)))
        .where(where)
        .group_by(PaymentRequestRow.currency)
        .order_by(PaymentRequestRow.currency)
    )
    count, sums = 0, []
    for currency, number, minor in rows:
        count += int(number)
        if minor is not None:
            sums.append(Money.from_minor_units(int(minor), currency))
    return count, tuple(sums)


async def paged(
    session: AsyncSession,
    where: ColumnElement[bool],
    order: Sequence[ColumnElement] | Sequence[object],
    *,
    page: int,
    per_page: int,
    payable: bool | None = None,
) -> RegistryPage:
    """Page `page` (from 0; past the end: the last) of the requests matching `where` in
    `order`, with the list's size and totals (see `totals`)."""
    per_page = min(max(per_page, 1), MAX_PER_PAGE)
    count, sums = await totals(session, where, payable=payable)
    last = max(0, (count - 1) // per_page)
    page = min(max(page, 0), last)
    ids = await session.scalars(
        select(PaymentRequestRow.id)
        .where(where)
        .order_by(*order)
        .offset(page * per_page)
        .limit(per_page)
    )
    rows = await load_views(session, list(ids))
    return RegistryPage(tuple(rows), count, sums, page, per_page)


class RequestRegistry:
    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._session = uow.session
        self._clock = clock

    async def due(
        self, actor: Actor, bucket: Bucket, *, page: int = 0, per_page: int = 10
    ) -> RegistryPage:
        """Approved requests (and the rest of those partly paid) in `bucket`, the earliest
        due first: the accountant's and the owner's."""
        actor.require(*PAYERS)
        first, last = bounds(Bucket(bucket), self._clock.today())
        return await paged(
            self._session,
            due_between(first, last),
            (PaymentRequestRow.pay_by, PaymentRequestRow.id),
            page=page,
            per_page=per_page,
            payable=True,
        )

    async def by_status(
        self, actor: Actor, status: RequestStatus, *, page: int = 0, per_page: int = 10
    ) -> RegistryPage:
        """Requests in one status: those still to pay (or to approve) the earliest due first,
        the others the latest first. The accountant sees approved ones and later; the owner
        every status."""
        actor.require(*PAYERS)
        status = RequestStatus(status)
        if not actor.is_owner and status not in APPROVED_OR_LATER:
            raise NotAllowed
        if status in OPEN:
            order = (PaymentRequestRow.pay_by, PaymentRequestRow.id)
        else:
            order = (PaymentRequestRow.pay_by.desc(), PaymentRequestRow.id.desc())
        return await paged(
            self._session,
            PaymentRequestRow.status == status.value,
            order,
            page=page,
            per_page=per_page,
            payable=status in PAYABLE,
        )

    async def summary(self, actor: Actor) -> list[BucketSummary]:
        """Each bucket's size and what is left to pay in it: the registry's menu."""
        actor.require(*PAYERS)
        today = self._clock.today()
        found = []
        for bucket in Bucket:
            where = due_between(*bounds(bucket, today))
            count, sums = await totals(self._session, where, payable=True)
            found.append(BucketSummary(bucket, count, sums))
        return found

    async def statuses(self, actor: Actor) -> list[StatusSummary]:
        """How many requests are in each status the actor's registry shows, with their totals
        (zero for a status none is in), in one grouped query."""
        actor.require(*PAYERS)
        shown = OWNER_STATUSES if actor.is_owner else APPROVED_OR_LATER
        rows = await self._session.execute(
            select(
                PaymentRequestRow.status,
                PaymentRequestRow.currency,
                func.count(),
                func.sum(_counted(None)),
            )
            .where(PaymentRequestRow.status.in_([status.value for status in shown]))
            .group_by(PaymentRequestRow.status, PaymentRequestRow.currency)
            .order_by(PaymentRequestRow.status, PaymentRequestRow.currency)
        )
        counts: dict[str, int] = {}
        sums: dict[str, list[Money]] = {}
        for status, currency, number, minor in rows:
            counts[status] = counts.get(status, 0) + int(number)
            if minor is not None:
                sums.setdefault(status, []).append(Money.from_minor_units(int(minor), currency))
        return [
            StatusSummary(status, counts.get(status.value, 0), tuple(sums.get(status.value, ())))
            for status in shown
        ]

    # -- the cabinet's registry (`ledger.requests.search`) --------------------------------------

    def search_statuses(self, actor: Actor) -> tuple[RequestStatus, ...]:
        """The statuses the actor's registry in the cabinet holds (and its filter offers)."""
        actor.require(*VIEWERS)
        return registry_statuses(actor)

    async def search(
        self, actor: Actor, query: RegistryQuery, *, per_page: int = PER_PAGE
    ) -> RegistryResult:
        """The cabinet's registry: the requests `query` asks for among those the actor may
        see, a page of them and the totals of all (see `ledger.requests.search`)."""
        actor.require(*VIEWERS)
        return await search(self._session, actor, query, per_page=per_page)

    async def categories(self, actor: Actor) -> list[CategoryChoice]:
        """The expense categories the registry filters by."""
        actor.require(*VIEWERS)
        return await category_choices(self._session)
