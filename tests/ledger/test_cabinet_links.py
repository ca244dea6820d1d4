"""Login links to the cabinet: signed, good for minutes, opened once."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ledger.cabinet_links import LOGIN_LINK_TTL, LoginLinks
from ledger.clock import FrozenClock
from ledger.errors import LinkRefused
from ledger.users import Person
from tests.conftest import OWNER_ID

KEY = b"k" * 32


@pytest.fixture
async def owner(services):
    return await services.users.resolve(Person(OWNER_ID, "Owner"))


async def refusal(links: LoginLinks, token: str) -> str:
    with pytest.raises(LinkRefused) as caught:
        await links.use(token)
    return caught.value.reason


async def test_a_link_signs_in_its_person_once(services, clock: FrozenClock, owner) -> None:
    links = LoginLinks(services.uow, clock, KEY)
    token = links.issue(owner)
    assert await links.use(token) == owner.user_id
    assert await refusal(links, token) == "used"


async def test_two_links_are_each_good_once(services, clock: FrozenClock, owner) -> None:
    links = LoginLinks(services.uow, clock, KEY)
    first = links.issue(owner)
    clock.advance(timedelta(seconds=1))
    second = links.issue(owner)
    assert [await links.use(first), await links.use(second)] == [owner.user_id] * 2


async def test_an_expired_link_is_refused(services, clock: FrozenClock, owner) -> None:
    links = LoginLinks(services.uow, clock, KEY)
    token = links.issue(owner)
    clock.advance(LOGIN_LINK_TTL + timedelta(minutes=1))
    assert await refusal(links, token) == "expired"


async def test_a_link_of_another_key_or_kind_is_refused(
    services, clock: FrozenClock, owner
) -> None:
    token = LoginLinks(services.uow, clock, b"o" * 32).issue(owner)
    links = LoginLinks(services.uow, clock, KEY)
    assert [await refusal(links, token), await refusal(links, "ho_1_2_abc")] == [
        "invalid",
        "invalid",
    ]
