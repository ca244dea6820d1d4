"""What the approver's and the accountant's screens ask of the requests' services: who may do
what with a request now, links for a list's lines, the registry counted by status, a payment
checked step by step before it is recorded, and a downloaded file described as a request
keeps it."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest

from ledger.attachments import ReceiptKind
from ledger.errors import NotFound, NotYours, RequestMoved, RequestRefused
from ledger.requests.files import described
from ledger.requests.states import RequestStatus
from ledger.tokens import verify
from tests.conftest import NOW
from tests.office import TODAY, Office, rub


async def test_the_approver_named_for_the_step_may_decide_and_the_owner_too(
    office: Office,
) -> None:
    office.policy(approvers=[office.approver.telegram_id])
    request = await office.submitted()

    async with office.services() as services:
        approver = await services.requests.abilities(office.approver, request.id)
        owner = await services.requests.abilities(office.owner, request.id)
        requester = await services.requests.abilities(office.requester, request.id)
        with pytest.raises(NotYours):
            await services.requests.abilities(office.approver2, request.id)
        with pytest.raises(NotYours):  # the accountant sees it once it is approved
            await services.requests.abilities(office.accountant, request.id)

    assert (approver.decide, approver.own, approver.pay) == (True, False, False)
    assert approver.waiting_for == ("Глеб Руководитель",)
    assert owner.decide
    assert not owner.pay
    assert (requester.decide, requester.own, requester.pay) == (False, False, False)


async def test_ones_own_request_shows_it_may_not_be_approved_unless_allowed(
    office: Office,
) -> None:
    request = await office.submitted(office.owner)

    async with office.services() as services:
        mine = await services.requests.abilities(office.owner, request.id)
    assert (mine.decide, mine.own) == (False, True)
    assert mine.waiting_for == ()  # nobody named: the owners'

    office.policy(self_approval=True)
    async with office.services() as services:
        allowed = await services.requests.abilities(office.owner, request.id)
    assert (allowed.decide, allowed.own) == (True, False)


async def test_after_the_first_step_it_waits_for_the_second_steps_approver(
    office: Office,
) -> None:
    office.policy(
        approvers=[office.approver.telegram_id],
        second_step_above=1000,
        second_approvers=[office.approver2.telegram_id],
    )
    request = await office.submitted()
    async with office.services() as services:
        await services.requests.approve(office.approver, request.id)
        first = await services.requests.abilities(office.approver, request.id)
        second = await services.requests.abilities(office.approver2, request.id)

    assert first.decide is False
    assert first.waiting_for == ("Вера Финансы",)
    assert second.decide is True


async def test_the_accountant_and_the_owner_may_pay_what_is_approved_until_it_is_paid(
    office: Office,
) -> None:
    request = await office.approved()

    async with office.services() as services:
        accountant = await services.requests.abilities(office.accountant, request.id)
        approver_view = await services.requests.abilities(office.owner, request.id)
        await services.request_payments.pay(office.accountant, request.id, amount=rub("2000"))
        part = await services.requests.abilities(office.accountant2, request.id)
        await services.request_payments.pay(office.accountant, request.id)
        paid = await services.requests.abilities(office.accountant, request.id)

    assert (accountant.pay, accountant.decide) == (True, False)
    assert approver_view.pay
    assert part.pay
    assert not paid.pay


async def test_a_lists_links_are_made_only_for_what_the_viewer_may_see(office: Office) -> None:
    approved = await office.approved()
    submitted = await office.submitted()

    async with office.services() as services:
        links = await services.request_links.request_links(
            office.accountant, [approved.id, submitted.id, 999_999]
        )
        none = await services.request_links.request_links(office.accountant, [])

    assert set(links) == {approved.id}
    claims = verify(b"k" * 32, links[approved.id], kind="rq", now=NOW)
    assert claims.ident == approved.id
    assert none == {}


async def test_the_registry_counts_each_status_with_its_totals(office: Office) -> None:
    whole = await office.approved(amount=rub("1000"))
    part = await office.approved(amount=rub("5000"))
    await office.approved(amount=rub("40", "USD"))
    await office.submitted(amount=rub("700"))
    rejected = await office.submitted(amount=rub("300"))
    async with office.services() as services:
        await services.request_payments.pay(office.accountant, whole.id)
        await services.request_payments.pay(office.accountant, part.id, amount=rub("1500"))
        await services.requests.reject(office.owner, rejected.id, "Дорого")
        accountant = await services.registry.statuses(office.accountant)
        owner = await services.registry.statuses(office.owner)

    assert [(s.status, s.count, s.totals) for s in accountant] == [
        (RequestStatus.APPROVED, 1, (rub("40", "USD"),)),
        (RequestStatus.PARTLY_PAID, 1, (rub("3500"),)),  # what is left of it
        (RequestStatus.PAID, 1, (rub("1000"),)),
    ]
    counted = {s.status: (s.count, s.totals) for s in owner}
    assert owner[0].status is RequestStatus.SUBMITTED
    assert counted[RequestStatus.SUBMITTED] == (1, (rub("700"),))
    assert counted[RequestStatus.REJECTED] == (1, (rub("300"),))
    assert counted[RequestStatus.RETURNED] == (0, ())
    assert RequestStatus.DRAFT not in counted


async def test_a_payment_is_checked_step_by_step_and_nothing_is_recorded(
    office: Office,
) -> None:
    request = await office.approved()

    async with office.services() as services:
        left = await services.request_payments.check(office.accountant, request.id)
        part = await services.request_payments.check(
            office.accountant, request.id, amount=rub("2000"), on=TODAY, version=request.version
        )
        refusals = {}
        for name, keys in {
            "more": {"amount": rub("12000.01")},
            "zero": {"amount": rub("0")},
            "currency": {"amount": rub("5", "USD")},
            "future": {"on": TODAY + timedelta(days=1)},
            "rubles": {"rubles": rub("100")},
        }.items():
            with pytest.raises(RequestRefused) as refused:
                await services.request_payments.check(office.accountant, request.id, **keys)
            refusals[name] = refused.value.reason
        with pytest.raises(RequestMoved):
            await services.request_payments.check(
                office.accountant, request.id, version=request.version - 1
            )
        with pytest.raises(NotFound):
            await services.request_payments.check(office.accountant, 999_999)
        view = await services.requests.get(office.accountant, request.id)

    assert left == part == rub("12000")
    assert refusals == {
        "more": "more_than_left",
        "zero": "not_positive",
        "currency": "currency",
        "future": "future_date",
        "rubles": "rubles",
    }
    assert view.paid == rub("0")


async def test_checking_a_foreign_currency_payment_asks_for_rubles_only_once_given(
    office: Office,
) -> None:
    request = await office.approved(amount=rub("100", "USD"))

    async with office.services() as services:
        left = await services.request_payments.check(office.accountant, request.id)
        await services.request_payments.check(
            office.accountant, request.id, amount=rub("40", "USD"), rubles=rub("3700")
        )
        with pytest.raises(RequestRefused) as refused:
            await services.request_payments.check(
                office.accountant, request.id, rubles=rub("10", "USD")
            )

    assert left == rub("100", "USD")
    assert refused.value.reason == "rubles"


@pytest.mark.parametrize("state", ["submitted", "rejected", "paid"])
async def test_checking_what_cannot_be_paid_refuses_at_once(office: Office, state: str) -> None:
    request = await office.approved() if state == "paid" else await office.submitted()
    async with office.services() as services:
        if state == "rejected":
            await services.requests.reject(office.owner, request.id, "Нет")
        if state == "paid":
            await services.request_payments.pay(office.accountant, request.id)
        with pytest.raises((RequestRefused, RequestMoved)) as refused:
            await services.request_payments.check(office.owner, request.id)

    expected = {"submitted": "not_approved", "rejected": "rejected", "paid": "paid"}[state]
    error = refused.value
    assert (error.reason if isinstance(error, RequestRefused) else error.status) == expected


def test_a_downloaded_file_is_described_by_its_own_bytes() -> None:
    pdf = b"%PDF-1.7\n" + b"x" * 100

    file = described("BQAC-order", ReceiptKind.DOCUMENT, pdf, "пп 17.pdf")

    assert (file.content_type, file.size, file.name) == ("application/pdf", 109, "пп 17.pdf")
    assert file.sha256 == hashlib.sha256(pdf).hexdigest()
    assert file.kind is ReceiptKind.DOCUMENT


@pytest.mark.parametrize("data", [b"", b"just text, named order.pdf", b"MZ\x90\x00exe"])
def test_a_file_that_is_no_pdf_or_picture_is_refused(data: bytes) -> None:
    with pytest.raises(RequestRefused) as refused:
        described("BQAC-order", ReceiptKind.DOCUMENT, data, "order.pdf")

    assert refused.value.reason == "file"


async def test_a_decision_is_checked_before_its_reason_is_asked(office: Office) -> None:
    office.policy(approvers=[office.approver.telegram_id])
    request = await office.submitted()

    async with office.services() as services:
        shown = await services.requests.check_decision(
            office.approver, request.id, version=request.version
        )
        with pytest.raises(RequestMoved):
            await services.requests.check_decision(
                office.approver, request.id, version=request.version - 1
            )
        with pytest.raises(NotYours):
            await services.requests.check_decision(office.approver2, request.id)
        with pytest.raises(NotFound):
            await services.requests.check_decision(office.approver, 999_999)
        await services.requests.reject(office.approver, request.id, "Дорого")
        with pytest.raises(RequestMoved) as moved:
            await services.requests.check_decision(office.owner, request.id)

    assert shown.id == request.id
    assert (moved.value.status, moved.value.by_name) == ("rejected", "Глеб Руководитель")
