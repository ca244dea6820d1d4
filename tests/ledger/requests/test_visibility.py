"""Who sees which request: the requester their own, an approver what they approve or decided,
the accountant what is approved and later, the owner everything."""

from __future__ import annotations

import pytest

from ledger.errors import NotFound, NotYours
from ledger.requests.edits import SetInvoice
from tests.office import INVOICE, Office


async def test_each_sees_what_their_role_allows(office: Office) -> None:
    office.policy(approvers=[office.approver.telegram_id])
    draft = await office.draft()
    submitted = await office.submitted()
    approved = await office.approved()
    others = await office.submitted(office.requester2)
    requests = {
        "draft": draft.id,
        "submitted": submitted.id,
        "approved": approved.id,
        "others": others.id,
    }

    async def seen_by(actor) -> set[str]:
        seen = set()
        async with office.services() as services:
            for name, ident in requests.items():
                try:
                    await services.requests.get(actor, ident)
                except NotYours:
                    continue
                seen.add(name)
        return seen

    assert await seen_by(office.requester) == {"draft", "submitted", "approved"}
    assert await seen_by(office.requester2) == {"others"}
    assert await seen_by(office.approver) == {"submitted", "approved", "others"}
    assert await seen_by(office.approver2) == set()
    assert await seen_by(office.accountant) == {"approved"}
    assert await seen_by(office.manager) == set()
    assert await seen_by(office.owner) == set(requests)


async def test_an_approver_keeps_seeing_what_they_decided(office: Office) -> None:
    office.policy(approvers=[office.approver.telegram_id])
    request = await office.submitted()
    async with office.services() as services:
        await services.requests.reject(office.approver, request.id, "Дорого")
    # The mappings change later; what they decided stays theirs to see.
    office.policy(approvers=[office.approver2.telegram_id])
    async with office.services() as services:
        seen = await services.requests.get(office.approver, request.id)

    assert seen.id == request.id


async def test_the_thread_the_history_and_the_invoice_follow_the_request(office: Office) -> None:
    draft = await office.draft()
    async with office.services() as services:
        await services.requests.edit(office.requester, draft.id, SetInvoice(INVOICE))
        await services.requests.submit(office.requester, draft.id)
        await services.requests.comment(office.owner, draft.id, "Это на декабрь?")
        await services.requests.comment(office.requester, draft.id, "  Да,  на декабрь ")
        thread = await services.requests.comments(office.requester, draft.id)
        invoice = await services.requests.invoice(office.owner, draft.id)
        for look in (
            services.requests.comments,
            services.requests.history,
            services.requests.invoice,
            services.requests.card,
        ):
            with pytest.raises(NotYours):
                await look(office.requester2, draft.id)
        with pytest.raises(NotYours):
            await services.requests.comment(office.accountant, draft.id, "?")
        with pytest.raises(NotFound):
            await services.requests.get(office.owner, 999_999)

    assert [(c.by_name, c.text) for c in thread] == [
        ("Ольга", "Это на декабрь?"),
        ("Маша Смирнова", "Да, на декабрь"),
    ]
    assert invoice == INVOICE


async def test_a_requester_lists_their_own_newest_first(office: Office) -> None:
    first = await office.submitted()
    second = await office.draft()
    await office.submitted(office.requester2)

    async with office.services() as services:
        mine = await services.requests.mine(office.requester)

    assert [r.id for r in mine.rows] == [second.id, first.id]
    assert mine.total == 2
