"""Filing, filling and deciding payment requests: the one service behind the requester's form,
the approver's buttons and everyone's view of a request.

A request starts as a draft in the database (it survives the chat being closed) and is filled
by typed edits (`ledger.requests.edits`), in any order, each checked as it comes. Submitting
checks it is complete, remembers its counterparty by ИНН, decides its approval steps from the
mappings (`ApprovalPolicy`) and tells the first step's approvers, or approves it at once below
the mapped amount. Every decision is a guarded move (`ledger.requests.states`): of two
approvers at once exactly one decides, the other is told who and when (`RequestMoved`).
After approval nothing is edited: an approver returns it for rework instead. Paying is
`ledger.requests.paying`'s.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, delete, exists, func, or_, select
from sqlalchemy.orm import aliased

from ledger import audit
from ledger.clock import Clock
from ledger.contracts import DealRef
from ledger.errors import (
    DetailsRefused,
    NotAllowed,
    NotFound,
    NotYours,
    RequestMoved,
    RequestRefused,
)
from ledger.journal import EntryKind
from ledger.money import Money
from ledger.notices import RequestStatusChanged, RequestSubmitted, RequestToPay
from ledger.requests import counterparties, history
from ledger.requests import notify as tell
from ledger.requests.access import (
    DECIDERS,
    FILERS,
    PAYERS,
    approvers_of,
    may_decide,
    may_see,
)
from ledger.requests.details import normalised
from ledger.requests.edits import (
    MAX_PLACE,
    Edit,
    SetBankDetails,
    SetCounterparty,
    all_problems,
    check,
    columns,
    text,
)
from ledger.requests.files import StoredFile
from ledger.requests.policy import ApprovalPolicy
from ledger.requests.registry import paged
from ledger.requests.states import (
    CANCELLABLE,
    EDITABLE,
    PAYABLE,
    REQUESTS,
    Decision,
    RequestStatus,
    VatMode,
)
from ledger.requests.views import (
    Abilities,
    Approval,
    Comment,
    Counterparty,
    HistoryLine,
    RegistryPage,
    RequestCard,
    RequestView,
    load_views,
    payment_view,
)
from ledger.roles import Actor, Role
from ledger.storage.models import (
    CategoryRow,
    DealRow,
    PaymentRequestRow,
    RequestApprovalRow,
    RequestApproverRow,
    RequestCommentRow,
    RequestPaymentRow,
    UserRoleRow,
    UserRow,
)
from ledger.storage.uow import UnitOfWork
from ledger.transitions import Lost, transition

MAX_REASON = 1000
MAX_COMMENT = 2000
_COLUMNS = tuple(column.key for column in PaymentRequestRow.__table__.columns)


@dataclass(frozen=True, slots=True)
class Defaults:
    """What a new draft starts with: what its filing link names."""

    link_id: int | None = None
    category_id: int | None = None
    salon: str | None = None
    city: str | None = None


class RequestService:
    def __init__(
        self,
        uow: UnitOfWork,
        clock: Clock,
        *,
        policy: ApprovalPolicy,
        secret_key: bytes,
        owner_chat_ids: Iterable[int] = (),
        amount_limit: Money | None = None,
    ) -> None:
        self._uow = uow
        self._session = uow.session
        self._clock = clock
        self._policy = policy
        self._key = secret_key
        self._owners = tuple(sorted(set(owner_chat_ids)))
        self._limit = amount_limit

    # -- filing ------------------------------------------------------------------------------

    async def start(self, actor: Actor, defaults: Defaults = Defaults()) -> RequestView:
        """A new draft of the actor's (a requester, a manager or the owner)."""
        actor.require(*FILERS)
        async with self._uow.write():
            row = await self.start_here(actor, defaults)
            await self._uow.commit()
        return await self._view(row.id)

    async def start_here(self, actor: Actor, defaults: Defaults) -> PaymentRequestRow:
        """`start` inside the caller's write block, which commits."""
        actor.require(*FILERS)
        if defaults.category_id is not None:
            await self._expense_category(defaults.category_id)
        now = self._clock.now()
        row = PaymentRequestRow(
            requester_id=actor.user_id,
            status=RequestStatus.DRAFT.value,
            version=0,
            step=0,
            steps=0,
            currency="RUB",
            category_id=defaults.category_id,
            salon=text(defaults.salon, MAX_PLACE, required=False) if defaults.salon else None,
            city=text(defaults.city, MAX_PLACE, required=False) if defaults.city else None,
            link_id=defaults.link_id,
            paid_minor=0,
            paid_rub_minor=0,
            created_at=now,
            updated_at=now,
        )
        self._session.add(row)
        await self._session.flush()
        history.record(self._session, row.id, at=now, user_id=actor.user_id, action="created")
        audit.record(
            self._session,
            at=now,
            actor_user_id=actor.user_id,
            action="request.created",
            object_type="payment_request",
            object_id=row.id,
            after={"link_id": defaults.link_id, "category_id": defaults.category_id},
        )
        return row

    async def edit(
        self, actor: Actor, request_id: int, *edits: Edit, version: int | None = None
    ) -> RequestView:
        """Fill or change a draft (or a request returned for rework): the requester's, or the
        owner's. All the edits are checked and kept together, or none. Refused after
        submission (`RequestRefused("not_editable")`: an approved request is returned for
        rework, not edited), for a wrong value (`RequestRefused`, `DetailsRefused`), or when
        `version` is not the request's any more (`RequestMoved`).

        Naming a counterparty remembered by its ИНН fills the bank details not filled yet.
        """
        async with self._uow.write():
            row = await self._locked(request_id)
            self._require_own(actor, row)
            status = RequestStatus(row.status)
            if status not in EDITABLE:
                raise RequestRefused("not_editable", status=status.value)
            await self._check_version(row, version)
            values = await self._edited_values(row, edits)
            before = _snapshot(row)
            changed = {column for column, value in values.items() if before.get(column) != value}
            check({**before, **values}, changed)
            if not changed:
                return await self._view(request_id)
            now = self._clock.now()
            await self._move(actor, row, status, values, audited=False)
            if status is not RequestStatus.DRAFT:
                after = _snapshot(row)
                await history.record_edit(
                    self._session, row, before, after, at=now, user_id=actor.user_id
                )
                audit.record(
                    self._session,
                    at=now,
                    actor_user_id=actor.user_id,
                    action="request.edited",
                    object_type="payment_request",
                    object_id=row.id,
                    before={column: _plain(before.get(column)) for column in sorted(changed)},
                    after={column: _plain(after.get(column)) for column in sorted(changed)},
                )
            await self._uow.commit()
        return await self._view(request_id)

    async def remembered(
        self, actor: Actor, inn: str, kpp: str | None = None
    ) -> Counterparty | None:
        """The counterparty remembered by this ИНН (and КПП), to show before it is used."""
        actor.require(*FILERS)
        row = await counterparties.find(
            self._session, normalised(inn), normalised(kpp) if kpp else None
        )
        return counterparties.as_counterparty(row) if row is not None else None

    async def submit(
        self, actor: Actor, request_id: int, *, version: int | None = None
    ) -> RequestView:
        """Send a complete draft (or a reworked request) for approval. Refused while something
        is missing (`RequestRefused("incomplete", missing=…)`), for a date already past, for
        details that fail their checks; a second tap is told it was submitted already."""
        async with self._uow.write():
            row = await self._locked(request_id)
            self._require_own(actor, row)
            status = RequestStatus(row.status)
            if status not in EDITABLE:
                raise await self._moved(row)
            await self._check_version(row, version)
            current = await self._view(row.id)
            if current.missing:
                raise RequestRefused("incomplete", missing=current.missing)
            assert row.pay_by is not None
            assert row.amount_minor is not None
            if row.pay_by < self._clock.today():
                raise RequestRefused("past_date")
            problems = all_problems(_snapshot(row))
            if problems:
                raise DetailsRefused(problems)
            if row.vat_mode == VatMode.WITH_VAT and (
                row.vat_minor is None or row.vat_minor >= row.amount_minor
            ):
                raise RequestRefused("vat")
            amount = Money.from_minor_units(row.amount_minor, row.currency)
            steps = self._policy.steps(
                amount,
                category=await self._category_names(row.category_id),
                deal=row.deal_id is not None,
            )
            now = self._clock.now()
            counterparty = await counterparties.remember(
                self._session, row, user_id=actor.user_id, now=now
            )
            await self._move(
                actor,
                row,
                RequestStatus.SUBMITTED,
                {
                    "step": 1,
                    "steps": len(steps),
                    "submitted_at": now,
                    "counterparty_id": counterparty.id,
                },
                from_status=status,
            )
            await self._name_approvers(row.id, steps)
            if self._policy.approves_by_itself(amount):
                await self._approve_by_rule(row)
            else:
                await self._tell_step(row)
            await self._uow.commit()
        return await self._view(request_id)

    async def cancel(
        self, actor: Actor, request_id: int, *, version: int | None = None
    ) -> RequestView:
        """Withdraw a request not yet decided (a draft, one returned, one awaiting approval):
        its requester, or the owner."""
        async with self._uow.write():
            row = await self._locked(request_id)
            self._require_own(actor, row)
            status = RequestStatus(row.status)
            if status not in CANCELLABLE:
                if status is RequestStatus.CANCELLED:
                    raise await self._moved(row)
                raise RequestRefused("not_cancellable", status=status.value)
            await self._check_version(row, version)
            await self._move(actor, row, RequestStatus.CANCELLED, {}, from_status=status)
            await self._tell_requester(actor, row, RequestStatus.CANCELLED)
            await self._uow.commit()
        return await self._view(request_id)

    # -- deciding ----------------------------------------------------------------------------

    async def approve(
        self, actor: Actor, request_id: int, *, version: int | None = None
    ) -> RequestView:
        """Approve the step the request waits for, and every later step the actor approves
        too (an owner: all of them). The last step approves the request: the requester and
        the accountants are told. Refused for one's own request unless the mappings allow it
        (`RequestRefused("self_approval")`), for someone who does not approve this step
        (`NotAllowed`); a second approver (or a second tap) is told who decided first."""
        async with self._uow.write():
            row = await self._deciding(actor, request_id, version)
            if row.requester_id == actor.user_id and not self._policy.self_approval:
                raise RequestRefused("self_approval")
            covered = [row.step]
            while covered[-1] < row.steps and await self._covers(actor, row, covered[-1] + 1):
                covered.append(covered[-1] + 1)
            decided_version, now = row.version, self._clock.now()
            final = covered[-1] >= row.steps
            if final:
                await self._move(
                    actor,
                    row,
                    RequestStatus.APPROVED,
                    {"step": row.steps, "approved_at": now},
                    from_status=RequestStatus.SUBMITTED,
                    note=_steps_note(covered, row.steps),
                )
            else:
                await self._move(
                    actor, row, RequestStatus.SUBMITTED, {"step": covered[-1] + 1}, audited=False
                )
                note = _steps_note(covered, row.steps)
                history.record(
                    self._session,
                    row.id,
                    at=now,
                    user_id=actor.user_id,
                    action="step_approved",
                    note=note,
                )
                audit.record(
                    self._session,
                    at=now,
                    actor_user_id=actor.user_id,
                    action="request.step_approved",
                    object_type="payment_request",
                    object_id=row.id,
                    after={"steps": covered, "next": row.step},
                )
            for step in covered:
                self._decided(row.id, decided_version, step, actor.user_id, Decision.APPROVED, None)
            if final:
                await self._tell_approved(actor, row)
            else:
                await self._tell_step(row)
            await self._uow.commit()
        return await self._view(request_id)

    async def reject(
        self, actor: Actor, request_id: int, reason: str, *, version: int | None = None
    ) -> RequestView:
        """Reject with a reason (required): the request is closed; its requester is told."""
        return await self._refuse(actor, request_id, reason, RequestStatus.REJECTED, version)

    async def return_for_rework(
        self, actor: Actor, request_id: int, comment: str, *, version: int | None = None
    ) -> RequestView:
        """Return to the requester with a comment (required): they edit it and submit again,
        and approval starts over."""
        return await self._refuse(actor, request_id, comment, RequestStatus.RETURNED, version)

    async def _refuse(
        self,
        actor: Actor,
        request_id: int,
        reason: str,
        to: RequestStatus,
        version: int | None,
    ) -> RequestView:
        cleaned = " ".join(reason.split())
        if not cleaned:
            raise RequestRefused("no_reason")
        if len(cleaned) > MAX_REASON:
            raise RequestRefused("too_long", limit=MAX_REASON)
        async with self._uow.write():
            row = await self._deciding(actor, request_id, version)
            decided_version, step, now = row.version, row.step, self._clock.now()
            await self._move(actor, row, to, {}, from_status=RequestStatus.SUBMITTED, note=cleaned)
            decision = Decision.REJECTED if to is RequestStatus.REJECTED else Decision.RETURNED
            self._decided(row.id, decided_version, step, actor.user_id, decision, cleaned)
            self._session.add(
                RequestCommentRow(request_id=row.id, user_id=actor.user_id, at=now, text=cleaned)
            )
            await self._tell_requester(actor, row, to, note=cleaned)
            await self._uow.commit()
        return await self._view(request_id)

    # -- the thread --------------------------------------------------------------------------

    async def comment(self, actor: Actor, request_id: int, words: str) -> Comment:
        """Add to the request's thread: anyone who may see the request."""
        await self._seen(actor, request_id)
        cleaned = " ".join(words.split())
        if not cleaned:
            raise RequestRefused("empty")
        if len(cleaned) > MAX_COMMENT:
            raise RequestRefused("too_long", limit=MAX_COMMENT)
        async with self._uow.write():
            row = RequestCommentRow(
                request_id=request_id, user_id=actor.user_id, at=self._clock.now(), text=cleaned
            )
            self._session.add(row)
            await self._session.flush()
            await self._uow.commit()
        return Comment(row.id, actor.name, row.at, row.text)

    async def comments(self, actor: Actor, request_id: int) -> list[Comment]:
        """The thread, oldest first."""
        await self._seen(actor, request_id)
        rows = await self._session.execute(
            select(RequestCommentRow, UserRow.name)
            .join(UserRow, UserRow.id == RequestCommentRow.user_id)
            .where(RequestCommentRow.request_id == request_id)
            .order_by(RequestCommentRow.id)
        )
        return [Comment(row.id, name, row.at, row.text) for row, name in rows]

    async def history(self, actor: Actor, request_id: int) -> list[HistoryLine]:
        """Who did what to the request and when, oldest first."""
        await self._seen(actor, request_id)
        return await history.lines(self._session, request_id)

    # -- reading -----------------------------------------------------------------------------

    async def get(self, actor: Actor, request_id: int) -> RequestView:
        """One request, for someone who may see it (else `NotYours`)."""
        await self._seen(actor, request_id)
        return await self._view(request_id)

    async def card(self, actor: Actor, request_id: int) -> RequestCard:
        """One request with its decisions and payments: what its link opens."""
        await self._seen(actor, request_id)
        return await self.card_of(request_id)

    async def card_of(self, request_id: int) -> RequestCard:
        """The card, for a caller that has checked who is asking."""
        request = await self._view(request_id)
        approver = aliased(UserRow)
        approvals = await self._session.execute(
            select(RequestApprovalRow, approver.name)
            .outerjoin(approver, approver.id == RequestApprovalRow.approver_id)
            .where(RequestApprovalRow.request_id == request_id)
            .order_by(RequestApprovalRow.id)
        )
        payer = aliased(UserRow)
        payments = await self._session.execute(
            select(RequestPaymentRow, payer.name)
            .join(payer, payer.id == RequestPaymentRow.paid_by)
            .where(RequestPaymentRow.request_id == request_id)
            .order_by(RequestPaymentRow.id)
        )
        comments = await self._session.scalar(
            select(func.count())
            .select_from(RequestCommentRow)
            .where(RequestCommentRow.request_id == request_id)
        )
        return RequestCard(
            request=request,
            approvals=tuple(
                Approval(row.step, name, Decision(row.decision), row.reason, row.decided_at)
                for row, name in approvals
            ),
            payments=tuple(payment_view(row, name) for row, name in payments),
            comments=int(comments or 0),
        )

    async def invoice(self, actor: Actor, request_id: int) -> StoredFile:
        """The invoice, for someone who may see the request; `NotFound` when it has none."""
        request = await self.get(actor, request_id)
        if request.invoice is None:
            raise NotFound("invoice", request_id)
        return request.invoice

    async def deal_by_contract(self, actor: Actor, contract: str) -> DealRef | None:
        """The deal a request is for, by its contract number as the requester types it
        ("Д-117", "д-117"); None when no deal (or more than one) has it."""
        actor.require(*FILERS)
        number = " ".join(contract.split())
        if not number:
            return None
        # Contract numbers hold Cyrillic letters and SQLite folds only ASCII case: the
        # candidates are fetched as written in a few cases and compared in Python.
        variants = {number, number.upper(), number.lower()}
        rows = await self._session.execute(
            select(DealRow.id, DealRow.name, DealRow.contract).where(DealRow.contract.in_(variants))
        )
        found = [row for row in rows if (row.contract or "").casefold() == number.casefold()]
        if len(found) != 1:
            return None
        return DealRef(found[0].id, found[0].name, found[0].contract or "")

    async def own_deals(self, actor: Actor, *, limit: int = 10) -> list[DealRef]:
        """A manager's deals (those amoCRM makes them responsible for), newest first: what a
        request for a deal is picked from."""
        actor.require(*FILERS)
        amo_user_id = await self._session.scalar(
            select(UserRow.amo_user_id).where(UserRow.id == actor.user_id)
        )
        if amo_user_id is None:
            return []
        rows = await self._session.execute(
            select(DealRow.id, DealRow.name, DealRow.contract)
            .where(DealRow.responsible_amo_user_id == amo_user_id)
            .order_by(DealRow.updated_at.desc(), DealRow.id.desc())
            .limit(limit)
        )
        return [DealRef(row.id, row.name, row.contract or "") for row in rows]

    async def drafts(self, actor: Actor) -> list[RequestView]:
        """The actor's requests still theirs to fill: drafts and those returned, newest first."""
        ids = await self._session.scalars(
            select(PaymentRequestRow.id)
            .where(
                PaymentRequestRow.requester_id == actor.user_id,
                PaymentRequestRow.status.in_([status.value for status in EDITABLE]),
            )
            .order_by(PaymentRequestRow.id.desc())
        )
        return await load_views(self._session, list(ids))

    async def mine(self, actor: Actor, *, page: int = 0, per_page: int = 10) -> RegistryPage:
        """The actor's own requests, newest first."""
        return await paged(
            self._session,
            PaymentRequestRow.requester_id == actor.user_id,
            (PaymentRequestRow.id.desc(),),
            page=page,
            per_page=per_page,
        )

    async def to_approve(self, actor: Actor, *, page: int = 0, per_page: int = 10) -> RegistryPage:
        """Requests waiting for the actor's decision, due first: the steps they are named
        for, and (for an owner) the steps that name nobody. One's own are left out unless the
        mappings allow approving them."""
        actor.require(*DECIDERS)
        named = exists().where(
            RequestApproverRow.request_id == PaymentRequestRow.id,
            RequestApproverRow.step == PaymentRequestRow.step,
        )
        mine = exists().where(
            RequestApproverRow.request_id == PaymentRequestRow.id,
            RequestApproverRow.step == PaymentRequestRow.step,
            RequestApproverRow.user_id == actor.user_id,
        )
        where = and_(
            PaymentRequestRow.status == RequestStatus.SUBMITTED.value,
            or_(mine, ~named) if actor.is_owner else mine,
        )
        if not self._policy.self_approval:
            where = and_(where, PaymentRequestRow.requester_id != actor.user_id)
        return await paged(
            self._session,
            where,
            (PaymentRequestRow.pay_by, PaymentRequestRow.id),
            page=page,
            per_page=per_page,
        )

    async def check_decision(
        self, actor: Actor, request_id: int, *, version: int | None = None
    ) -> RequestView:
        """Refuse now what a decision (approve, reject, return) would refuse, changing
        nothing: a request not at a step the actor decides, or changed since `version`; so a
        stale or forged button is refused before the reason is asked, not after."""
        actor.require(*DECIDERS)
        row = await self._session.get(PaymentRequestRow, request_id, populate_existing=True)
        if row is None:
            raise NotFound("request", request_id)
        await self._decidable(actor, row, version)
        return await self._view(request_id)

    async def abilities(self, actor: Actor, request_id: int) -> Abilities:
        """What the actor may do with the request now, for someone who may see it: decide it
        (not their own, unless the mappings allow it), pay it; and who its step waits for."""
        await self._seen(actor, request_id)
        row = await self._session.get(PaymentRequestRow, request_id, populate_existing=True)
        assert row is not None
        status = RequestStatus(row.status)
        decide = own = False
        waiting: tuple[str, ...] = ()
        if status is RequestStatus.SUBMITTED:
            names = await self._session.scalars(
                select(UserRow.name)
                .join(RequestApproverRow, RequestApproverRow.user_id == UserRow.id)
                .where(
                    RequestApproverRow.request_id == row.id,
                    RequestApproverRow.step == row.step,
                )
                .order_by(UserRow.name)
            )
            waiting = tuple(names)
            if actor.has_any(DECIDERS) and await may_decide(self._session, actor, row.id, row.step):
                own = row.requester_id == actor.user_id and not self._policy.self_approval
                decide = not own
        pay = status in PAYABLE and actor.has_any(PAYERS)
        return Abilities(decide=decide, own=own, pay=pay, waiting_for=waiting)

    # -- shared ------------------------------------------------------------------------------

    async def _view(self, request_id: int) -> RequestView:
        found = await load_views(self._session, [request_id])
        if not found:
            raise NotFound("request", request_id)
        return found[0]

    async def _seen(self, actor: Actor, request_id: int) -> None:
        if not await may_see(self._session, actor, request_id):
            if await self._session.get(PaymentRequestRow, request_id) is None:
                raise NotFound("request", request_id)
            raise NotYours

    async def _locked(self, request_id: int) -> PaymentRequestRow:
        """The request as it is now; on PostgreSQL locked, so that of two people acting on it
        at once the second reads what the first did (the SQLite write gate already does)."""
        return await locked(self._uow, request_id)

    def _require_own(self, actor: Actor, row: PaymentRequestRow) -> None:
        if row.requester_id != actor.user_id and not actor.is_owner:
            raise NotYours
        actor.require(*FILERS)

    async def _deciding(
        self, actor: Actor, request_id: int, version: int | None
    ) -> PaymentRequestRow:
        """The request, locked, if the actor may decide it now: it awaits a decision at the
        step they approve, as they saw it."""
        actor.require(*DECIDERS)
        row = await self._locked(request_id)
        await self._decidable(actor, row, version)
        return row

    async def _decidable(self, actor: Actor, row: PaymentRequestRow, version: int | None) -> None:
        if not await may_see(self._session, actor, row.id):
            raise NotYours
        status = RequestStatus(row.status)
        if status is RequestStatus.DRAFT:
            raise RequestRefused("not_submitted", status=status.value)
        if status is not RequestStatus.SUBMITTED:
            raise await self._moved(row)
        await self._check_version(row, version)
        if not await may_decide(self._session, actor, row.id, row.step):
            raise NotAllowed

    async def _covers(self, actor: Actor, row: PaymentRequestRow, step: int) -> bool:
        if actor.is_owner:
            return True
        return actor.user_id in await approvers_of(self._session, row.id, step)

    async def _check_version(self, row: PaymentRequestRow, version: int | None) -> None:
        if version is not None and row.version != version:
            raise await self._moved(row)

    async def _moved(self, row: PaymentRequestRow) -> Exception:
        return await moved_error(self._session, row)

    async def _move(
        self,
        actor: Actor | None,
        row: PaymentRequestRow,
        to: RequestStatus,
        values: dict[str, Any],
        *,
        from_status: RequestStatus | None = None,
        note: str | None = None,
        audited: bool = True,
    ) -> None:
        await move(
            self._session,
            self._clock,
            actor,
            row,
            to,
            values,
            from_status=from_status,
            note=note,
            audited=audited,
        )

    async def _edited_values(self, row: PaymentRequestRow, edits: Iterable[Edit]) -> dict[str, Any]:
        today = self._clock.today()
        values: dict[str, Any] = {}
        edits = list(edits)
        for edit in edits:
            values.update(columns(edit, today=today, limit=self._limit))
        if (
            values.get("deal_id") is not None
            and await self._session.get(DealRow, values["deal_id"]) is None
        ):
            raise RequestRefused("deal")
        if values.get("category_id") is not None:
            await self._expense_category(values["category_id"])
        named = [edit for edit in edits if isinstance(edit, SetCounterparty)]
        if named:
            inn, kpp = values["counterparty_inn"], values["counterparty_kpp"]
            known = await counterparties.find(self._session, inn, kpp)
            values["counterparty_id"] = known.id if known is not None else None
            if known is not None and not any(isinstance(edit, SetBankDetails) for edit in edits):
                for column, source in counterparties.FILLED.items():
                    if getattr(row, column) is None and getattr(known, source):
                        values[column] = getattr(known, source)
        return values

    async def _expense_category(self, category_id: int) -> CategoryRow:
        row = await self._session.get(CategoryRow, category_id)
        if row is None or not row.is_active or row.kind != EntryKind.EXPENSE.value:
            raise RequestRefused("category")
        return row

    async def _category_names(self, category_id: int | None) -> tuple[str, ...]:
        if category_id is None:
            return ()
        row = await self._session.get(CategoryRow, category_id)
        if row is None:
            return ()
        return tuple(name for name in (row.name, row.seed_key) if name)

    async def _name_approvers(self, request_id: int, steps: tuple[tuple[int, ...], ...]) -> None:
        """Who approves each step, as people in the bot: those the mappings name who hold the
        approver role (or are owners); a step left with nobody is the owners'."""
        await self._session.execute(
            delete(RequestApproverRow).where(RequestApproverRow.request_id == request_id)
        )
        wanted = {chat for step in steps for chat in step}
        if not wanted:
            return
        approver = exists().where(
            UserRoleRow.user_id == UserRow.id, UserRoleRow.role == Role.APPROVER.value
        )
        rows = await self._session.execute(
            select(UserRow.telegram_id, UserRow.id).where(
                UserRow.telegram_id.in_(wanted),
                or_(approver, UserRow.telegram_id.in_(self._owners or [-1])),
            )
        )
        users = dict(rows.all())
        for number, chats in enumerate(steps, start=1):
            for user_id in sorted({users[chat] for chat in chats if chat in users}):
                self._session.add(
                    RequestApproverRow(request_id=request_id, step=number, user_id=user_id)
                )
        await self._session.flush()

    async def _approve_by_rule(self, row: PaymentRequestRow) -> None:
        decided_version, now = row.version, self._clock.now()
        await self._move(
            None,
            row,
            RequestStatus.APPROVED,
            {"step": row.steps, "approved_at": now, "moved_by": None},
            from_status=RequestStatus.SUBMITTED,
            note="auto",
        )
        for step in range(1, row.steps + 1):
            self._decided(row.id, decided_version, step, None, Decision.AUTO, None)
        await self._tell_approved(None, row)

    def _decided(
        self,
        request_id: int,
        version: int,
        step: int,
        approver_id: int | None,
        decision: Decision,
        reason: str | None,
    ) -> None:
        self._session.add(
            RequestApprovalRow(
                request_id=request_id,
                request_version=version,
                step=step,
                approver_id=approver_id,
                decision=decision.value,
                reason=reason,
                decided_at=self._clock.now(),
            )
        )

    # -- telling -----------------------------------------------------------------------------

    async def _tell_step(self, row: PaymentRequestRow) -> None:
        """The approvers of the step the request now waits for."""
        now = self._clock.now()
        leave_out = None if self._policy.self_approval else row.requester_id
        recipients = await tell.step_approvers(
            self._session, row.id, row.step, self._owners, leave_out=leave_out
        )
        requester = await self._session.get(UserRow, row.requester_id)
        assert row.amount_minor is not None
        assert row.pay_by is not None
        facts = RequestSubmitted(
            request_id=row.id,
            requester=requester.name if requester is not None else "—",
            what_for=row.what_for or "",
            counterparty=row.counterparty_name or "",
            amount_minor=row.amount_minor,
            currency=row.currency,
            pay_by=row.pay_by.isoformat(),
            step=row.step,
            steps=row.steps,
            token=tell.request_token(self._key, row.id, now),
        )
        tell.tell(self._session, recipients, facts, now=now, key=f"request:{row.id}:{row.version}")

    async def _tell_approved(self, actor: Actor | None, row: PaymentRequestRow) -> None:
        """The requester (unless they approved it themselves, or it was approved as they
        submitted it) and whoever pays."""
        await self._tell_requester(actor, row, RequestStatus.APPROVED)
        now = self._clock.now()
        assert row.amount_minor is not None
        assert row.pay_by is not None
        facts = RequestToPay(
            request_id=row.id,
            what_for=row.what_for or "",
            counterparty=row.counterparty_name or "",
            amount_minor=row.amount_minor,
            currency=row.currency,
            pay_by=row.pay_by.isoformat(),
            by_name=actor.name if actor is not None else None,
            token=tell.request_token(self._key, row.id, now),
        )
        recipients = await tell.accountants(self._session, self._owners)
        tell.tell(self._session, recipients, facts, now=now, key=f"request:{row.id}:{row.version}")

    async def _tell_requester(
        self,
        actor: Actor | None,
        row: PaymentRequestRow,
        status: RequestStatus,
        *,
        note: str | None = None,
    ) -> None:
        await tell_requester(self._session, self._clock, self._key, actor, row, status, note=note)


# -- shared with paying ----------------------------------------------------------------------


async def locked(uow: UnitOfWork, request_id: int) -> PaymentRequestRow:
    session = uow.session
    query = select(PaymentRequestRow).where(PaymentRequestRow.id == request_id)
    if session.bind.dialect.name == "postgresql":
        query = query.with_for_update()
    row = (
        await session.execute(query.execution_options(populate_existing=True))
    ).scalar_one_or_none()
    if row is None:
        raise NotFound("request", request_id)
    return row


async def moved_error(session: Any, row: PaymentRequestRow) -> Exception:
    """What someone who came second is told: the request's status now, who moved it there
    and when."""
    name = None
    if row.moved_by is not None:
        name = await session.scalar(select(UserRow.name).where(UserRow.id == row.moved_by))
    return RequestMoved(row.status, name or "—", row.moved_at or row.updated_at)


async def move(
    session: Any,
    clock: Clock,
    actor: Actor | None,
    row: PaymentRequestRow,
    to: RequestStatus,
    values: dict[str, Any],
    *,
    from_status: RequestStatus | None = None,
    note: str | None = None,
    audited: bool = True,
) -> None:
    """Move the request to `to` (or change it in its status) if it is still as it was read
    (its version), a new version; a status move goes into its history. Lost: `RequestMoved`."""
    current = RequestStatus(row.status)
    now = clock.now()
    moved = await transition(
        session,
        REQUESTS,
        row.id,
        current,
        to,
        when=[PaymentRequestRow.version == row.version],
        values={**values, "version": row.version + 1, "updated_at": now},
        actor_user_id=actor.user_id if actor is not None else None,
        now=now,
        audited=audited,
    )
    if isinstance(moved, Lost):
        fresh = await session.get(PaymentRequestRow, row.id, populate_existing=True)
        assert fresh is not None
        raise await moved_error(session, fresh)
    if from_status is not None and from_status is not to:
        history.record(
            session,
            row.id,
            at=now,
            user_id=actor.user_id if actor is not None else None,
            action=to.value,
            field="status",
            old=from_status.value,
            new=to.value,
            note=note,
        )


async def tell_requester(
    session: Any,
    clock: Clock,
    key: bytes,
    actor: Actor | None,
    row: PaymentRequestRow,
    status: RequestStatus,
    *,
    note: str | None = None,
) -> None:
    """The requester, of a move someone else made (a move by rule, `actor` None, happens
    as they submit: the bot's answer to them says it)."""
    if actor is None or actor.user_id == row.requester_id:
        return
    now = clock.now()
    facts = RequestStatusChanged(
        request_id=row.id,
        what_for=row.what_for or "",
        status=status.value,
        by_name=actor.name if actor is not None else None,
        amount_minor=row.amount_minor or 0,
        paid_minor=row.paid_minor or 0,
        currency=row.currency,
        note=note,
        token=tell.request_token(key, row.id, now),
    )
    recipient = await tell.person(session, row.requester_id)
    tell.tell(session, [recipient], facts, now=now, key=f"request:{row.id}:{row.version}")


def _snapshot(row: PaymentRequestRow) -> dict[str, Any]:
    return {column: getattr(row, column) for column in _COLUMNS}


def _plain(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def _steps_note(covered: list[int], steps: int) -> str | None:
    """ "step 1 of 2", "steps 1–2 of 2"; None for a request of one step."""
    if steps <= 1:
        return None
    if len(covered) == 1:
        return f"step {covered[0]} of {steps}"
    return f"steps {covered[0]}–{covered[-1]} of {steps}"
