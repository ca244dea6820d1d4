"""Payment orders out to the bank: approved requests as one 1C file of payment orders, instead
of being typed into the bank's client one by one.

The accountant picks requests from the registry, or takes everything due today (approved or
partly paid, due today or overdue, not yet sent); each becomes a payment order for what is
left of it, from our company (the `[company]` mappings) to the request's counterparty with
its bank details, numbered on from the last order we sent, with the request's purpose and its
VAT said as the rules ask. What the bank would refuse (a request without bank details, in
another currency, a purpose too long) is left out and named, the rest written. The requests
written are marked sent (who, when, the order's number and date: a flag, the request stays
approved), in the same transaction; the statement whose debits carry those orders marks them
paid (`ledger.statement_imports`).

Who: the accountant and the owner.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select, text

from ledger import audit
from ledger.bank_details import Detail, problem_of
from ledger.clock import Clock
from ledger.errors import OrdersRefused
from ledger.money import Money
from ledger.requests import history
from ledger.requests.service import locked, move
from ledger.requests.states import PAYABLE, RequestStatus, VatMode
from ledger.roles import Actor, Role
from ledger.statements import Bank, OrderParty, PaymentOrder, write_payment_orders
from ledger.statements.payment_orders import check_payment_orders
from ledger.storage.models import PaymentRequestRow
from ledger.storage.uow import UnitOfWork

SENDERS = (Role.ACCOUNTANT, Role.OWNER)
FILE_NAME = "1c_to_kl.txt"  # the name banks' clients look for a file from 1C under
LAST_NUMBER = 999_999  # a payment order's number has at most six digits
ORDERS_LOCK = 0x4B6F_7065_504F  # numbers are handed out one file at a time on PostgreSQL


@dataclass(frozen=True, slots=True)
class Company:
    """Our company as the payer of its payment orders (the `[company]` mappings)."""

    name: str
    inn: str
    account: str
    bik: str
    bank: str
    corr_account: str
    kpp: str | None = None
    city: str = ""

    def party(self) -> OrderParty:
        return OrderParty(
            name=self.name,
            inn=self.inn,
            account=self.account,
            bank=Bank(self.bank, self.bik, self.corr_account, self.city),
            kpp=self.kpp or None,
        )

    def problems(self) -> tuple[str, ...]:
        """What is missing or wrong, by field name: the bank refuses an order with it."""
        found = [name for name in ("name", "bank") if not getattr(self, name).strip()]
        for name, detail, bik in (
            ("inn", Detail.INN, None),
            ("bik", Detail.BIK, None),
            ("account", Detail.ACCOUNT, self.bik),
            ("corr_account", Detail.CORRESPONDENT_ACCOUNT, self.bik),
        ):
            if problem_of(detail, getattr(self, name), bik=bik) is not None:
                found.append(name)
        if self.kpp and problem_of(Detail.KPP, self.kpp) is not None:
            found.append("kpp")
        return tuple(found)


@dataclass(frozen=True, slots=True)
class SentOrder:
    request_id: int
    number: int
    amount: Money
    payee: str


@dataclass(frozen=True, slots=True)
class NotSent:
    """A request left out of the file, and why: `not_payable` (not approved, or paid),
    `currency` (a payment order is in rubles), `details` (its bank details are missing),
    `sent` (sent already: ask for it again to send it once more), or the fields the bank
    would refuse (`fields`: "purpose", "payee.account"…)."""

    request_id: int
    reason: str
    fields: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class OrdersFile:
    data: bytes  # cp1251, CRLF: the 1C → bank exchange file
    file_name: str
    orders: tuple[SentOrder, ...]
    skipped: tuple[NotSent, ...]

    @property
    def total(self) -> Money:
        return Money.from_minor_units(sum(o.amount.to_minor_units() for o in self.orders))


def vat_purpose(purpose: str, vat_mode: str | None, vat_minor: int | None) -> str:
    """The purpose with its VAT said, as a payment order must: "В т.ч. НДС 2000.00 руб." or
    "Без налога (НДС)", unless the requester said it already."""
    purpose = " ".join(purpose.split())
    if "НДС" in purpose.upper() or vat_mode is None:
        return purpose
    if vat_mode == VatMode.WITH_VAT.value and vat_minor:
        said = f"В т.ч. НДС {Money.from_minor_units(vat_minor).amount} руб."
    elif vat_mode == VatMode.WITHOUT_VAT.value:
        said = "Без налога (НДС)"
    else:
        return purpose
    return f"{purpose.rstrip('.')}. {said}" if purpose else said


@dataclass(frozen=True, slots=True)
class Sendable:
    """An approved request that may go out as a payment order: what is left of it."""

    request_id: int
    version: int
    what_for: str
    payee: str
    amount: Money
    pay_by: date | None
    ready: bool  # its bank details are there: without them it would be left out


@dataclass(frozen=True, slots=True)
class SendablePage:
    rows: tuple[Sendable, ...]
    total: int
    page: int  # from 0
    per_page: int
    due_today: int  # how many "everything due today" would send

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


class BankOrders:
    def __init__(self, uow: UnitOfWork, clock: Clock, *, company: Company | None) -> None:
        self._uow = uow
        self._session = uow.session
        self._clock = clock
        self._company = company

    async def due_today(self, actor: Actor) -> list[int]:
        """The requests "everything due today" sends: approved or partly paid, in rubles,
        due today or before, not sent yet; by due date."""
        actor.require(*SENDERS)
        return list(
            await self._session.scalars(
                select(PaymentRequestRow.id)
                .where(
                    PaymentRequestRow.status.in_([s.value for s in PAYABLE]),
                    PaymentRequestRow.currency == "RUB",
                    PaymentRequestRow.pay_by <= self._clock.today(),
                    PaymentRequestRow.sent_at.is_(None),
                )
                .order_by(PaymentRequestRow.pay_by, PaymentRequestRow.id)
            )
        )

    async def sendable(self, actor: Actor, *, page: int = 0, per_page: int = 8) -> SendablePage:
        """The requests the accountant picks from: approved or partly paid, in rubles, not
        sent yet; by due date (those without one last)."""
        actor.require(*SENDERS)
        where = (
            PaymentRequestRow.status.in_([s.value for s in PAYABLE]),
            PaymentRequestRow.currency == "RUB",
            PaymentRequestRow.sent_at.is_(None),
        )
        total = await self._session.scalar(
            select(func.count()).select_from(PaymentRequestRow).where(*where)
        )
        pages = max(1, -(-(total or 0) // per_page))
        page = min(max(page, 0), pages - 1)
        rows = await self._session.scalars(
            select(PaymentRequestRow)
            .where(*where)
            .order_by(
                PaymentRequestRow.pay_by.is_(None),
                PaymentRequestRow.pay_by,
                PaymentRequestRow.id,
            )
            .offset(page * per_page)
            .limit(per_page)
        )
        return SendablePage(
            rows=tuple(
                Sendable(
                    request_id=row.id,
                    version=row.version,
                    what_for=row.what_for or "",
                    payee=row.counterparty_name or "",
                    amount=Money.from_minor_units((row.amount_minor or 0) - row.paid_minor),
                    pay_by=row.pay_by,
                    ready=_unsendable(row, False) is None,
                )
                for row in rows
            ),
            total=total or 0,
            page=page,
            per_page=per_page,
            due_today=len(await self.due_today(actor)),
        )

    async def make(
        self, actor: Actor, request_ids: Sequence[int] | None = None, *, again: bool = False
    ) -> OrdersFile:
        """One file of payment orders for `request_ids` (None: everything due today), the
        requests written marked sent. `again` sends requests sent before once more (the bank
        refused the first file, say). Refused (`OrdersRefused`): no `[company]` details, or
        nothing that can be sent (the reasons in `skipped` are then in `problems`)."""
        actor.require(*SENDERS)
        if self._company is None or self._company.problems():
            problems = self._company.problems() if self._company else ("name",)
            raise OrdersRefused("no_company", problems)
        payer = self._company.party()
        if request_ids is None:
            request_ids = await self.due_today(actor)
        today, now = self._clock.today(), self._clock.now()
        async with self._uow.write():
            if self._session.bind.dialect.name == "postgresql":
                await self._session.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": ORDERS_LOCK}
                )
            number = (
                await self._session.scalar(select(func.max(PaymentRequestRow.order_number))) or 0
            )
            rows, orders, skipped = [], [], []
            for request_id in dict.fromkeys(request_ids):
                row = await locked(self._uow, request_id)
                reason = _unsendable(row, again)
                if reason is not None:
                    skipped.append(NotSent(row.id, reason))
                    continue
                order = _order(row, payer, _next_number(number), today)
                problems = check_payment_orders([order])
                if problems:
                    skipped.append(NotSent(row.id, "refused", tuple(p.field for p in problems)))
                    continue
                number = int(order.number)
                rows.append(row)
                orders.append(order)
            if not orders:
                raise OrdersRefused("nothing", tuple(skipped))
            data = write_payment_orders(orders, created=now.astimezone(self._clock.tz))
            for row, order in zip(rows, orders, strict=True):
                await self._mark_sent(actor, row, int(order.number), today)
            await self._uow.commit()
        return OrdersFile(
            data=data,
            file_name=FILE_NAME,
            orders=tuple(
                SentOrder(row.id, int(order.number), order.amount, order.payee.name)
                for row, order in zip(rows, orders, strict=True)
            ),
            skipped=tuple(skipped),
        )

    async def _mark_sent(
        self, actor: Actor, row: PaymentRequestRow, number: int, today: date
    ) -> None:
        now = self._clock.now()
        status = RequestStatus(row.status)
        await move(
            self._session,
            self._clock,
            actor,
            row,
            status,
            {"sent_at": now, "sent_by": actor.user_id, "order_number": number, "order_date": today},
            audited=False,
        )
        history.record(
            self._session,
            row.id,
            at=now,
            user_id=actor.user_id,
            action="sent",
            new=str(number),
            note=today.isoformat(),
        )
        audit.record(
            self._session,
            at=now,
            actor_user_id=actor.user_id,
            action="request.sent",
            object_type="payment_request",
            object_id=row.id,
            after={"order_number": number, "order_date": today.isoformat()},
        )


def _unsendable(row: PaymentRequestRow, again: bool) -> str | None:
    if RequestStatus(row.status) not in PAYABLE:
        return "not_payable"
    if row.currency != "RUB":
        return "currency"
    if not (row.account and row.bik and row.counterparty_inn and row.counterparty_name):
        return "details"
    if row.sent_at is not None and not again:
        return "sent"
    return None


def _next_number(last: int) -> int:
    """The next order number: six digits at most, never ending in 000 (the Bank of Russia's
    rules keep those for something else), round again after 999999."""
    number = last + 1
    while number > LAST_NUMBER or number % 1000 == 0:
        number = 1 if number > LAST_NUMBER else number + 1
    return number


def _order(row: PaymentRequestRow, payer: OrderParty, number: int, today: date) -> PaymentOrder:
    assert row.amount_minor is not None
    return PaymentOrder(
        number=str(number),
        date=today,
        amount=Money.from_minor_units(row.amount_minor - row.paid_minor, row.currency),
        payer=payer,
        payee=OrderParty(
            name=row.counterparty_name or "",
            inn=row.counterparty_inn or "",
            account=row.account or "",
            bank=Bank(row.bank_name or "", row.bik or "", row.corr_account or ""),
            kpp=row.counterparty_kpp or None,
        ),
        purpose=vat_purpose(row.purpose or row.what_for or "", row.vat_mode, row.vat_minor),
    )


__all__ = [
    "BankOrders",
    "Company",
    "NotSent",
    "OrdersFile",
    "Sendable",
    "SendablePage",
    "SentOrder",
    "vat_purpose",
]
