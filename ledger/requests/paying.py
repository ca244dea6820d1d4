"""Paying an approved request: the accountant records what was paid from the bank.

A payment, in one transaction: the request moves to paid (or partly paid, the rest still to
pay) as a guarded move, so of two accountants recording it at once exactly one does and the
other is told who and when; an expense entry is posted for the rubles actually paid (a
request in another currency keeps its own amount, the ledger the rubles), to the deal with
its dimensions or to the company with the request's category, salon and city; a deal's
request asks amoCRM for a note (and the mapped status once fully paid) through the outbox;
the requester is told.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import aliased

from ledger import audit
from ledger.categories import FALLBACK_CATEGORY
from ledger.clock import Clock
from ledger.crm_effects import AddDealNote, MoveDeal, ask_crm
from ledger.crm_notes import request_paid_note
from ledger.errors import NotFound, NotYours, RequestRefused
from ledger.journal import EntryKind, Journal, MoneyAccount, Posting
from ledger.money import Money
from ledger.requests import history
from ledger.requests.access import PAYERS, may_see
from ledger.requests.files import StoredFile, checked, stored
from ledger.requests.service import locked, move, moved_error, tell_requester
from ledger.requests.states import PAYABLE, RequestStatus
from ledger.requests.views import RequestPayment, RequestView, load_views, payment_view
from ledger.roles import Actor
from ledger.storage.models import (
    CategoryRow,
    DealRow,
    EntryRow,
    PaymentRequestRow,
    RequestPaymentRow,
    UserRow,
)
from ledger.storage.uow import UnitOfWork

# Where a deal's purchase is filed when its request names no category: the seeded «Закупки».
PURCHASES_CATEGORY = "Закупки"


@dataclass(frozen=True, slots=True)
class RequestWriteBack:
    """What the mappings say paying a deal's request writes to amoCRM besides its note: the
    status the deal moves to once the request is fully paid (None: left as is). Absent
    (None) when amoCRM is off, and then nothing is asked of it."""

    paid_status: int | None = None


@dataclass(frozen=True, slots=True)
class Paid:
    request: RequestView  # as it is after this payment
    payment: RequestPayment


class RequestPayments:
    def __init__(
        self,
        uow: UnitOfWork,
        clock: Clock,
        *,
        crm: RequestWriteBack | None,
        secret_key: bytes,
    ) -> None:
        self._uow = uow
        self._session = uow.session
        self._clock = clock
        self._crm = crm
        self._key = secret_key
        self._journal = Journal(uow, clock)

    async def pay(
        self,
        actor: Actor,
        request_id: int,
        *,
        amount: Money | None = None,
        rubles: Money | None = None,
        on: date | None = None,
        order: StoredFile | None = None,
        account: MoneyAccount = MoneyAccount.BANK_ACCOUNT,
        version: int | None = None,
    ) -> Paid:
        """Record that `amount` of the request (in its currency; None: all that is left) was
        paid `on` (today by default) from `account`, with the payment order file. `rubles`
        is what it cost in rubles: required for a request in another currency, for one in
        rubles the amount itself.

        Refused: `NotAllowed` for anyone but the accountant and the owner; `RequestMoved`
        (who, when) for a request paid in full (by a second accountant, a double tap) or
        changed since `version`; `RequestRefused` for one not approved or rejected, zero, a
        negative amount, more than is left (`remaining`), another currency, rubles missing or
        not rubles, a date in the future, a file a request does not keep.
        """
        actor.require(*PAYERS)
        async with self._uow.write():
            row = await locked(self._uow, request_id)
            status, paid, paid_on = await self._checked(row, amount, on, version)
            currency = row.currency
            minor = paid.to_minor_units()
            cost = self._rubles(paid, rubles)
            file = checked(order) if order is not None else None
            total = row.paid_minor + minor
            to = RequestStatus.PAID if total == row.amount_minor else RequestStatus.PARTLY_PAID
            now, paid_version = self._clock.now(), row.version + 1
            await move(
                self._session,
                self._clock,
                actor,
                row,
                to,
                {
                    "paid_minor": total,
                    "paid_rub_minor": row.paid_rub_minor + cost.to_minor_units(),
                    "paid_at": now,
                },
                from_status=status,
            )
            deal = await self._session.get(DealRow, row.deal_id) if row.deal_id else None
            entry = await self._post(actor, row, deal, cost, account, paid_on, file)
            payment = RequestPaymentRow(
                request_id=row.id,
                request_version=paid_version,
                paid_on=paid_on,
                amount_minor=minor,
                currency=currency,
                rub_minor=cost.to_minor_units(),
                account=MoneyAccount(account).value,
                entry_id=entry.id,
                order_file_id=file.file_id if file else None,
                order_kind=file.kind.value if file else None,
                order_name=file.name if file else None,
                order_type=file.content_type if file else None,
                order_size=file.size if file else None,
                order_sha256=file.sha256 if file else None,
                paid_by=actor.user_id,
                created_at=now,
            )
            self._session.add(payment)
            await self._session.flush()
            shown = f"{paid.amount} {currency}"
            if currency != "RUB":
                shown += f" ({cost.amount} RUB)"
            history.record(
                self._session,
                row.id,
                at=now,
                user_id=actor.user_id,
                action="payment",
                new=shown,
                note=paid_on.isoformat(),
            )
            audit.record(
                self._session,
                at=now,
                actor_user_id=actor.user_id,
                action="request.payment",
                object_type="payment_request",
                object_id=row.id,
                after={
                    "amount_minor": minor,
                    "currency": currency,
                    "rub_minor": cost.to_minor_units(),
                    "paid_on": paid_on.isoformat(),
                    "entry_id": entry.id,
                },
            )
            if deal is not None:
                self._write_back(actor, row, deal, paid, cost, paid_on, entry.id, to)
            await tell_requester(self._session, self._clock, self._key, actor, row, to)
            await self._uow.commit()
        [request] = await load_views(self._session, [request_id])
        return Paid(request, payment_view(payment, actor.name))

    async def check(
        self,
        actor: Actor,
        request_id: int,
        *,
        amount: Money | None = None,
        rubles: Money | None = None,
        on: date | None = None,
        version: int | None = None,
    ) -> Money:
        """Refuse now what `pay` would refuse with these values, changing nothing, so that
        the accountant asked one thing at a time (the date, the amount, the rubles, the file)
        is refused at the step that is wrong, not at the end. `rubles` None is not checked
        (not asked yet). Returns what is left to pay."""
        actor.require(*PAYERS)
        row = await self._session.get(PaymentRequestRow, request_id, populate_existing=True)
        if row is None:
            raise NotFound("request", request_id)
        _, paid, _ = await self._checked(row, amount, on, version)
        if rubles is not None:
            self._rubles(paid, rubles)
        assert row.amount_minor is not None
        return Money.from_minor_units(row.amount_minor - row.paid_minor, row.currency)

    async def _checked(
        self,
        row: PaymentRequestRow,
        amount: Money | None,
        on: date | None,
        version: int | None,
    ) -> tuple[RequestStatus, Money, date]:
        """The request's status, what this payment pays (in its currency) and its date, if
        the request may be paid so; else the refusal `pay` documents."""
        status = RequestStatus(row.status)
        if status is RequestStatus.PAID:
            raise await moved_error(self._session, row)
        if status is RequestStatus.REJECTED:
            raise RequestRefused("rejected")
        if status not in PAYABLE:
            raise RequestRefused("not_approved", status=status.value)
        if version is not None and row.version != version:
            raise await moved_error(self._session, row)
        assert row.amount_minor is not None
        currency = row.currency
        if amount is not None and amount.currency != currency:
            raise RequestRefused("currency")
        left = row.amount_minor - row.paid_minor
        minor = left if amount is None else amount.to_minor_units()
        if minor <= 0:
            raise RequestRefused("not_positive")
        if minor > left:
            raise RequestRefused("more_than_left", remaining=Money.from_minor_units(left, currency))
        paid_on = on or self._clock.today()
        if paid_on > self._clock.today():
            raise RequestRefused("future_date")
        return status, Money.from_minor_units(minor, currency), paid_on

    async def payments(self, actor: Actor, request_id: int) -> list[RequestPayment]:
        """A request's payments, oldest first, for someone who may see it."""
        await self._seen(actor, request_id)
        payer = aliased(UserRow)
        rows = await self._session.execute(
            select(RequestPaymentRow, payer.name)
            .join(payer, payer.id == RequestPaymentRow.paid_by)
            .where(RequestPaymentRow.request_id == request_id)
            .order_by(RequestPaymentRow.id)
        )
        return [payment_view(row, name) for row, name in rows]

    async def payment_order(self, actor: Actor, payment_id: int) -> StoredFile:
        """A payment's payment order file, for someone who may see its request."""
        row = await self._session.get(RequestPaymentRow, payment_id)
        if row is None:
            raise NotFound("request_payment", payment_id)
        await self._seen(actor, row.request_id)
        file = stored(
            row.order_file_id,
            row.order_kind,
            row.order_type,
            row.order_size,
            row.order_sha256,
            row.order_name,
        )
        if file is None:
            raise NotFound("payment_order", payment_id)
        return file

    async def _seen(self, actor: Actor, request_id: int) -> None:
        if not await may_see(self._session, actor, request_id):
            if await self._session.get(PaymentRequestRow, request_id) is None:
                raise NotFound("request", request_id)
            raise NotYours

    def _rubles(self, paid: Money, rubles: Money | None) -> Money:
        if paid.currency == "RUB":
            if rubles is not None and rubles != paid:
                raise RequestRefused("rubles")
            return paid
        if rubles is None or rubles.currency != "RUB" or rubles.amount <= 0:
            raise RequestRefused("rubles")
        return rubles

    async def _post(
        self,
        actor: Actor,
        row: PaymentRequestRow,
        deal: DealRow | None,
        cost: Money,
        account: MoneyAccount,
        paid_on: date,
        file: StoredFile | None,
    ) -> EntryRow:
        """The expense entry: to the deal with its dimensions (its salon and city), or to the
        company under the request's category with its own salon and city. Its receipt is the
        payment order, else the invoice."""
        receipt = file or stored(
            row.invoice_file_id,
            row.invoice_kind,
            row.invoice_type,
            row.invoice_size,
            row.invoice_sha256,
            row.invoice_name,
        )
        parts = [part for part in (row.counterparty_name, row.purpose) if part]
        return await self._journal.post(
            actor,
            Posting(
                EntryKind.EXPENSE,
                cost,
                await self._category(row, deal),
                MoneyAccount(account),
                paid_on,
                description=f"Заявка №{row.id}: {row.what_for or ''}"[:500],
                comment="; ".join(parts)[:1000] or None,
                receipt_file_id=receipt.file_id if receipt else None,
                receipt_kind=receipt.kind.value if receipt else None,
                salon=deal.salon if deal is not None else row.salon,
                city=deal.city if deal is not None else row.city,
                deal_id=deal.id if deal is not None else None,
            ),
        )

    async def _category(self, row: PaymentRequestRow, deal: DealRow | None) -> int:
        """The request's category; for a deal's purchase naming none, the seeded «Закупки»
        (however renamed); else the catch-all."""
        if row.category_id is not None:
            return row.category_id
        wanted = (
            [PURCHASES_CATEGORY, FALLBACK_CATEGORY] if deal is not None else [FALLBACK_CATEGORY]
        )
        found = dict(
            (
                await self._session.execute(
                    select(CategoryRow.seed_key, CategoryRow.id).where(
                        CategoryRow.seed_key.in_(wanted),
                        CategoryRow.kind == EntryKind.EXPENSE.value,
                    )
                )
            ).all()
        )
        for key in wanted:
            if key in found:
                return found[key]
        fallback = await self._session.scalar(
            select(CategoryRow.id)
            .where(CategoryRow.kind == EntryKind.EXPENSE.value)
            .order_by(CategoryRow.is_active.desc(), CategoryRow.position, CategoryRow.id)
            .limit(1)
        )
        if fallback is None:
            raise RequestRefused("category")
        return fallback

    def _write_back(
        self,
        actor: Actor,
        row: PaymentRequestRow,
        deal: DealRow,
        paid: Money,
        cost: Money,
        paid_on: date,
        entry_id: int,
        to: RequestStatus,
    ) -> None:
        if self._crm is None:
            return
        assert row.amount_minor is not None
        # The entry's id names the payment to the outside: the note's key, found on a retry.
        key = f"p{entry_id}"
        whole = paid.to_minor_units() == row.amount_minor
        text = request_paid_note(
            request_id=row.id,
            what_for=row.what_for or "",
            counterparty=row.counterparty_name or "",
            amount=paid,
            of=None if whole else Money.from_minor_units(row.amount_minor, row.currency),
            rubles=cost if paid.currency != "RUB" else None,
            name=actor.name,
            on=paid_on,
            key=key,
        )
        now = self._clock.now()
        ask_crm(
            self._session,
            AddDealNote(deal.amo_lead_id, text, key=key),
            now=now,
            dedupe_key=f"crm:{key}:note",
        )
        if to is RequestStatus.PAID and self._crm.paid_status is not None:
            ask_crm(
                self._session,
                MoveDeal(deal.amo_lead_id, self._crm.paid_status),
                now=now,
                dedupe_key=f"crm:{key}:move",
            )
