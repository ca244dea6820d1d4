"""Links: the owner's filing link for a team, and a request's own link; forged, expired,
revoked and other people's links refused."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ledger.errors import LinkRefused, NotAllowed, NotYours
from ledger.requests.edits import SetWhatFor
from ledger.requests.links import FILING_LINK
from ledger.requests.states import RequestStatus
from ledger.tokens import MAX_DEEP_LINK_LENGTH, sign
from tests.conftest import NOW
from tests.office import Office


async def test_a_filing_link_starts_a_draft_with_what_it_names(office: Office) -> None:
    marketing = await office.category("Маркетинг")
    async with office.services() as services:
        link = await services.request_links.create_filing_link(
            office.owner, "Маркетинг: баннеры", category_id=marketing, salon="Центральный"
        )
        draft = await services.request_links.start_by_link(office.requester, link.token)

    assert link.token.startswith("req_")
    assert len(f"/start {link.token}") <= MAX_DEEP_LINK_LENGTH + len("/start ")
    assert link.expires_at == NOW + timedelta(days=90)
    assert (link.label, link.category) == ("Маркетинг: баннеры", "Маркетинг")
    assert draft.status is RequestStatus.DRAFT
    assert draft.requester_id == office.requester.user_id
    assert (draft.category, draft.salon, draft.city) == ("Маркетинг", "Центральный", None)


async def test_one_link_serves_a_team_and_a_second_tap_gives_the_same_draft(
    office: Office,
) -> None:
    async with office.services() as services:
        link = await services.request_links.create_filing_link(office.owner, "Маркетинг")
        first = await services.request_links.start_by_link(office.requester, link.token)
        again = await services.request_links.start_by_link(office.requester, link.token)
        other = await services.request_links.start_by_link(office.requester2, link.token)
        await services.requests.edit(office.requester, first.id, SetWhatFor("Баннеры"))
        next_one = await services.request_links.start_by_link(office.requester, link.token)

    assert again.id == first.id
    assert other.id != first.id
    assert other.requester_id == office.requester2.user_id
    assert next_one.id not in (first.id, other.id)


async def test_a_filing_link_is_only_for_those_who_file_requests(office: Office) -> None:
    async with office.services() as services:
        link = await services.request_links.create_filing_link(office.owner, "Маркетинг")
        with pytest.raises(NotAllowed):
            await services.request_links.start_by_link(office.accountant, link.token)
        with pytest.raises(NotAllowed):
            await services.request_links.create_filing_link(office.requester, "Мой")


async def test_a_revoked_an_expired_and_a_forged_filing_link_are_refused(office: Office) -> None:
    async with office.services() as services:
        revoked = await services.request_links.create_filing_link(office.owner, "Старая")
        await services.request_links.revoke_filing_link(office.owner, revoked.id)
        short = await services.request_links.create_filing_link(office.owner, "Неделя", days=7)
        kept = await services.request_links.filing_links(office.owner)
    forged = sign(b"not the key" * 3, FILING_LINK, short.id, NOW + timedelta(days=7))
    tampered = short.token[:-1] + ("A" if short.token[-1] != "A" else "B")

    reasons = []
    async with office.services() as services:
        for token in (revoked.token, forged, tampered, "req_garbage"):
            with pytest.raises(LinkRefused) as refused:
                await services.request_links.start_by_link(office.requester, token)
            reasons.append(refused.value.reason)
    office.clock.advance(timedelta(days=7, minutes=1))
    async with office.services() as services:
        with pytest.raises(LinkRefused) as expired:
            await services.request_links.start_by_link(office.requester, short.token)
        still_good = await services.request_links.filing_links(office.owner)

    assert [link.id for link in kept] == [short.id]
    assert reasons == ["revoked", "invalid", "invalid", "invalid"]
    assert expired.value.reason == "expired"
    assert still_good == []


async def test_a_requests_link_opens_it_for_whoever_may_see_it(office: Office) -> None:
    request = await office.approved()
    async with office.services() as services:
        token = await services.request_links.request_link(office.requester, request.id)
        for viewer in (office.requester, office.accountant, office.owner):
            card = await services.request_links.open_request_link(viewer, token)
            assert card.request.id == request.id
        with pytest.raises(NotYours):
            await services.request_links.open_request_link(office.requester2, token)
        with pytest.raises(NotYours):
            await services.request_links.request_link(office.requester2, request.id)

    assert token.startswith("rq_")
    assert len(token) <= MAX_DEEP_LINK_LENGTH


async def test_a_forged_or_expired_request_link_is_refused(office: Office) -> None:
    request = await office.approved()
    async with office.services() as services:
        token = await services.request_links.request_link(office.requester, request.id)
    # A link to another request, made without the key.
    forged = sign(b"x" * 32, "rq", request.id + 1, NOW + timedelta(days=1))
    # A filing link is no request link, even with a valid signature.
    async with office.services() as services:
        filing = await services.request_links.create_filing_link(office.owner, "Маркетинг")

    async with office.services() as services:
        with pytest.raises(LinkRefused) as bad:
            await services.request_links.open_request_link(office.accountant, forged)
        with pytest.raises(LinkRefused) as wrong_kind:
            await services.request_links.open_request_link(office.accountant, filing.token)
    office.clock.advance(timedelta(days=31))
    async with office.services() as services:
        with pytest.raises(LinkRefused) as expired:
            await services.request_links.open_request_link(office.accountant, token)

    assert (bad.value.reason, wrong_kind.value.reason) == ("invalid", "invalid")
    assert expired.value.reason == "expired"
