"""Approving requests: who approves by the mappings (the owner by default), one or two steps,
approval by rule below an amount, one's own request, rejection and return for rework, and two
approvers at once."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select

from ledger.errors import NotAllowed, NotYours, RequestMoved, RequestRefused
from ledger.notices import RequestStatusChanged, RequestSubmitted, RequestToPay
from ledger.requests.edits import SetAmount
from ledger.requests.states import Decision, RequestStatus
from ledger.storage.models import AuditRow, RequestApprovalRow
from ledger.tokens import verify
from tests.conftest import NOW, OWNER_ID
from tests.office import TODAY, Office, rub


def chats(notices, kind) -> list[int]:
    return [n.chat_id for n in notices if isinstance(n.facts, kind)]


async def test_by_default_the_owner_approves_and_is_told_of_each_request(office: Office) -> None:
    request = await office.submitted()

    [told] = await office.notices()
    assert request.status is RequestStatus.SUBMITTED
    assert (request.step, request.steps) == (1, 1)
    assert told.chat_id == OWNER_ID
    facts = told.facts
    assert isinstance(facts, RequestSubmitted)
    assert (facts.request_id, facts.requester, facts.what_for) == (
        request.id,
        "Маша Смирнова",
        "Баннеры на ноябрь",
    )
    assert (facts.counterparty, facts.amount_minor, facts.currency) == (
        "ООО «Ромашка»",
        1_200_000,
        "RUB",
    )
    assert facts.pay_by == (TODAY + timedelta(days=3)).isoformat()
    claims = verify(b"k" * 32, facts.token, kind="rq", now=NOW)
    assert claims.ident == request.id


async def test_an_approval_tells_the_requester_and_the_accountants(office: Office) -> None:
    request = await office.submitted()
    since = await office.last_outbox_id()

    async with office.services() as services:
        approved = await services.requests.approve(office.owner, request.id)
        card = await services.requests.card(office.owner, request.id)

    assert approved.status is RequestStatus.APPROVED
    assert approved.approved_at == NOW
    assert approved.moved_by == "Ольга"
    [approval] = card.approvals
    assert (approval.step, approval.approver, approval.decision) == (1, "Ольга", Decision.APPROVED)
    told = await office.notices(since=since)
    [status] = [n for n in told if isinstance(n.facts, RequestStatusChanged)]
    assert status.chat_id == office.requester.telegram_id
    assert (status.facts.status, status.facts.by_name) == ("approved", "Ольга")
    assert sorted(chats(told, RequestToPay)) == sorted(
        [office.accountant.telegram_id, office.accountant2.telegram_id]
    )


async def test_only_the_approvers_the_mappings_name_approve(office: Office) -> None:
    office.policy(approvers=[office.approver.telegram_id])
    request = await office.submitted()

    async with office.services() as services:
        with pytest.raises(NotYours):  # approver2 may not even see it
            await services.requests.approve(office.approver2, request.id)
        with pytest.raises(NotAllowed):
            await services.requests.approve(office.accountant, request.id)
        approved = await services.requests.approve(office.approver, request.id)

    assert approved.status is RequestStatus.APPROVED
    assert chats(await office.notices(), RequestSubmitted)[0] == office.approver.telegram_id


async def test_a_named_approver_without_the_role_is_passed_over_for_the_owners(
    office: Office,
) -> None:
    office.policy(approvers=[office.accountant.telegram_id])
    request = await office.submitted()

    async with office.services() as services:
        with pytest.raises(NotAllowed):
            await services.requests.approve(office.accountant, request.id)

    assert chats(await office.notices(), RequestSubmitted) == [OWNER_ID]


async def test_a_category_has_its_approver_and_a_deals_purchase_another(office: Office) -> None:
    office.policy(
        approvers=[office.approver2.telegram_id],
        category_approvers={"Маркетинг": [office.approver.telegram_id]},
        deal_approvers=[office.approver2.telegram_id],
    )
    ids = await office.desk.deal(19620)
    async with office.services() as services:
        deal_id = (await services.confirmations.line(ids["Предоплата"])).deal_id

    marketing = await office.submitted()
    purchase = await office.submitted(category=None, deal_id=deal_id)
    rent = await office.submitted(category="Аренда")

    told = {n.facts.request_id: n.chat_id for n in await office.notices()}
    assert told[marketing.id] == office.approver.telegram_id
    assert told[purchase.id] == office.approver2.telegram_id
    assert told[rent.id] == office.approver2.telegram_id


async def test_approving_ones_own_request_is_refused_unless_the_mappings_allow_it(
    office: Office,
) -> None:
    request = await office.submitted(office.owner)

    async with office.services() as services:
        with pytest.raises(RequestRefused) as refused:
            await services.requests.approve(office.owner, request.id)
    assert refused.value.reason == "self_approval"
    # The owner is not asked to approve what they may not.
    assert chats(await office.notices(), RequestSubmitted) == []

    office.policy(self_approval=True)
    async with office.services() as services:
        approved = await services.requests.approve(office.owner, request.id)
    assert approved.status is RequestStatus.APPROVED


async def test_above_the_amount_a_second_step_follows_the_first(office: Office) -> None:
    office.policy(
        approvers=[office.approver.telegram_id],
        second_step_above=100000,
        second_approvers=[office.approver2.telegram_id],
    )
    small = await office.submitted(amount=rub("100000"))
    large = await office.submitted(amount=rub("100000.01"))
    assert (small.steps, large.steps) == (1, 2)

    async with office.services() as services:
        first = await services.requests.approve(office.approver, large.id)
    assert (first.status, first.step) == (RequestStatus.SUBMITTED, 2)
    since = await office.last_outbox_id()

    async with office.services() as services:
        with pytest.raises(NotAllowed):  # the first step's approver is not the second's
            await services.requests.approve(office.approver, large.id)
        second = await services.requests.approve(office.approver2, large.id)
        card = await services.requests.card(office.owner, large.id)
        lines = await services.requests.history(office.owner, large.id)

    assert second.status is RequestStatus.APPROVED
    assert [(a.step, a.approver) for a in card.approvals] == [
        (1, "Глеб Руководитель"),
        (2, "Вера Финансы"),
    ]
    assert [line.note for line in lines if line.action in ("step_approved", "approved")] == [
        "step 1 of 2",
        "step 2 of 2",
    ]
    told = await office.notices(since=since)
    assert set(chats(told, RequestToPay)) == {
        office.accountant.telegram_id,
        office.accountant2.telegram_id,
    }


async def test_the_second_step_is_asked_of_its_approvers_once_the_first_is_given(
    office: Office,
) -> None:
    office.policy(
        approvers=[office.approver.telegram_id],
        second_step_above="1000",
        second_approvers=[office.approver2.telegram_id],
    )
    request = await office.submitted()
    async with office.services() as services:
        await services.requests.approve(office.approver, request.id)

    asked = [
        (n.chat_id, n.facts.step)
        for n in await office.notices()
        if isinstance(n.facts, RequestSubmitted)
    ]
    assert asked == [(office.approver.telegram_id, 1), (office.approver2.telegram_id, 2)]


async def test_an_owner_approves_every_step_at_once(office: Office) -> None:
    office.policy(second_step_above=1000, second_approvers=[office.approver2.telegram_id])
    request = await office.submitted()

    async with office.services() as services:
        approved = await services.requests.approve(office.owner, request.id)
        card = await services.requests.card(office.owner, request.id)

    assert approved.status is RequestStatus.APPROVED
    assert [a.step for a in card.approvals] == [1, 2]


async def test_a_request_in_another_currency_always_takes_the_second_step(office: Office) -> None:
    office.policy(second_step_above=1000000, auto_approve_below=1000000)
    request = await office.submitted(amount=rub("10", "USD"))

    assert (request.status, request.steps) == (RequestStatus.SUBMITTED, 2)


async def test_below_the_amount_a_request_is_approved_as_it_is_submitted(office: Office) -> None:
    office.policy(auto_approve_below=5000)
    request = await office.submitted(amount=rub("4999.99"))
    bigger = await office.submitted(amount=rub("5000"))

    assert request.status is RequestStatus.APPROVED
    assert request.moved_by is None
    assert bigger.status is RequestStatus.SUBMITTED
    async with office.services() as services:
        card = await services.requests.card(office.owner, request.id)
        lines = await services.requests.history(office.requester, request.id)
    assert [(a.decision, a.approver) for a in card.approvals] == [(Decision.AUTO, None)]
    assert [(line.action, line.by_name) for line in lines][-1] == ("approved", None)
    told = await office.notices()
    to_pay = [n.facts for n in told if isinstance(n.facts, RequestToPay)]
    assert [(f.request_id, f.by_name) for f in to_pay] == [(request.id, None)] * 2
    # Nobody is asked to approve it, and the requester learns it from their own answer.
    assert [n.facts.request_id for n in told if isinstance(n.facts, RequestSubmitted)] == [
        bigger.id
    ]
    assert not [n for n in told if isinstance(n.facts, RequestStatusChanged)]


async def test_a_rejection_needs_a_reason_and_closes_the_request(office: Office) -> None:
    request = await office.submitted()

    async with office.services() as services:
        with pytest.raises(RequestRefused) as refused:
            await services.requests.reject(office.owner, request.id, "   ")
        assert refused.value.reason == "no_reason"
        rejected = await services.requests.reject(office.owner, request.id, "Не в бюджете")
        comments = await services.requests.comments(office.requester, request.id)
        with pytest.raises(RequestMoved) as moved:
            await services.requests.approve(office.owner, request.id)

    assert rejected.status is RequestStatus.REJECTED
    assert [(c.by_name, c.text) for c in comments] == [("Ольга", "Не в бюджете")]
    assert (moved.value.status, moved.value.by_name) == ("rejected", "Ольга")
    [told] = [n for n in await office.notices() if isinstance(n.facts, RequestStatusChanged)]
    assert told.chat_id == office.requester.telegram_id
    assert (told.facts.status, told.facts.note) == ("rejected", "Не в бюджете")


async def test_returned_edited_and_submitted_again_it_is_approved_afresh(office: Office) -> None:
    office.policy(approvers=[office.approver.telegram_id])
    request = await office.submitted()
    async with office.services() as services:
        returned = await services.requests.return_for_rework(
            office.approver, request.id, "Приложите счёт с печатью"
        )
    assert returned.status is RequestStatus.RETURNED
    [back] = [n for n in await office.notices() if isinstance(n.facts, RequestStatusChanged)]
    assert (back.facts.status, back.facts.note) == ("returned", "Приложите счёт с печатью")

    async with office.services() as services:
        with pytest.raises(RequestMoved):
            await services.requests.approve(office.approver, request.id)
        await services.requests.edit(office.requester, request.id, SetAmount(rub("12500")))
        again = await services.requests.submit(office.requester, request.id)
        approved = await services.requests.approve(office.approver, request.id)
        card = await services.requests.card(office.approver, request.id)

    assert (again.status, again.step) == (RequestStatus.SUBMITTED, 1)
    assert approved.status is RequestStatus.APPROVED
    assert approved.amount == rub("12500")
    assert [a.decision for a in card.approvals] == [Decision.RETURNED, Decision.APPROVED]
    asked = [n.chat_id for n in await office.notices() if isinstance(n.facts, RequestSubmitted)]
    assert asked == [office.approver.telegram_id] * 2


async def test_two_approvers_at_once_make_exactly_one_decision(office: Office) -> None:
    office.policy(approvers=[office.approver.telegram_id, office.approver2.telegram_id])
    request = await office.submitted()

    async def decide(actor, how):
        async with office.services() as services:
            if how == "approve":
                return await services.requests.approve(actor, request.id, version=request.version)
            return await services.requests.reject(
                actor, request.id, "Дорого", version=request.version
            )

    results = await asyncio.gather(
        decide(office.approver, "approve"),
        decide(office.approver2, "reject"),
        decide(office.owner, "approve"),
        return_exceptions=True,
    )

    won = [r for r in results if not isinstance(r, Exception)]
    lost = [r for r in results if isinstance(r, Exception)]
    assert len(won) == 1
    assert all(isinstance(r, RequestMoved) for r in lost), lost
    assert {(r.status, r.by_name) for r in lost} == {(won[0].status.value, won[0].moved_by)}
    async with office.database.read() as session:
        decisions = list(await session.scalars(select(RequestApprovalRow)))
        moves = list(
            await session.scalars(
                select(AuditRow.action).where(AuditRow.object_type == "payment_request")
            )
        )
    assert len(decisions) == 1
    assert moves.count("request.approved") + moves.count("request.rejected") == 1


async def test_a_double_tap_on_approve_approves_once(office: Office) -> None:
    request = await office.submitted()
    office.clock.advance(timedelta(minutes=2))

    async def tap():
        async with office.services() as services:
            return await services.requests.approve(
                office.owner, request.id, version=request.version
            )

    first, second = await asyncio.gather(tap(), tap(), return_exceptions=True)

    outcomes = sorted(type(r).__name__ for r in (first, second))
    assert outcomes == ["RequestMoved", "RequestView"]
    moved = first if isinstance(first, RequestMoved) else second
    assert (moved.by_name, moved.at) == ("Ольга", NOW + timedelta(minutes=2))
    to_pay = [n for n in await office.notices() if isinstance(n.facts, RequestToPay)]
    assert len(to_pay) == 2  # one per accountant, once


async def test_a_draft_is_nobodys_to_approve(office: Office) -> None:
    draft = await office.draft()

    async with office.services() as services:
        with pytest.raises(RequestRefused) as refused:
            await services.requests.approve(office.owner, draft.id)

    assert refused.value.reason == "not_submitted"


async def test_the_requester_cancels_what_is_not_yet_decided(office: Office) -> None:
    request = await office.submitted()
    approved = await office.approved()

    async with office.services() as services:
        cancelled = await services.requests.cancel(office.requester, request.id)
        with pytest.raises(RequestRefused) as refused:
            await services.requests.cancel(office.requester, approved.id)
        with pytest.raises(NotYours):
            await services.requests.cancel(office.requester2, approved.id)

    assert cancelled.status is RequestStatus.CANCELLED
    assert (refused.value.reason, refused.value.status) == ("not_cancellable", "approved")


async def test_an_approver_sees_what_waits_for_them(office: Office) -> None:
    office.policy(
        approvers=[office.approver.telegram_id],
        second_step_above=50000,
        second_approvers=[office.approver2.telegram_id],
    )
    small = await office.submitted()
    large = await office.submitted(amount=rub("60000"), pay_by=TODAY + timedelta(days=1))
    own = await office.submitted(office.owner)

    async with office.services() as services:
        first = await services.requests.to_approve(office.approver)
        second = await services.requests.to_approve(office.approver2)
        owners = await services.requests.to_approve(office.owner)
        await services.requests.approve(office.approver, large.id)
        second_after = await services.requests.to_approve(office.approver2)

    # The owner's own request waits for the approver like any other.
    assert [r.id for r in first.rows] == [large.id, small.id, own.id]
    assert second.rows == ()
    assert [r.id for r in second_after.rows] == [large.id]
    assert own.id not in [r.id for r in owners.rows]
