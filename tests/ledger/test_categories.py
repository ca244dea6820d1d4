"""Seeding categories from the TOML: a rename sticks across restarts, the owner's own stay."""

from __future__ import annotations

from app.context import Services
from ledger.categories import DEFAULT_CATEGORIES
from ledger.users import Person
from tests.conftest import OWNER_ID


async def names(services: Services) -> list[str]:
    return [category.name for category in await services.categories.active()]


async def test_a_renamed_seed_category_is_not_added_again_at_the_next_start(
    services: Services,
) -> None:
    owner = await services.users.resolve(Person(OWNER_ID, "Ольга"))
    await services.categories.seed(DEFAULT_CATEGORIES)
    transport = next(c for c in await services.categories.active() if c.name == "Транспорт")
    await services.categories.rename(owner, transport.id, "Поездки")

    added = await services.categories.seed(DEFAULT_CATEGORIES)  # the next start

    assert added == 0
    assert "Транспорт" not in await names(services)
    assert (await names(services)).count("Поездки") == 1


async def test_a_category_the_owner_made_under_a_seed_name_is_adopted_not_doubled(
    services: Services,
) -> None:
    owner = await services.users.resolve(Person(OWNER_ID, "Ольга"))
    await services.categories.add(owner, "Аренда")

    added = await services.categories.seed(DEFAULT_CATEGORIES)

    assert added == len(DEFAULT_CATEGORIES) - 1
    assert (await names(services)).count("Аренда") == 1
    await services.categories.rename(owner, (await services.categories.active())[0].id, "Офис")
    assert await services.categories.seed(DEFAULT_CATEGORIES) == 0
