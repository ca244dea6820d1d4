"""Archiving, restoring and merging categories: who may, what is refused, what moves, and how
every report counts a merged category's entries (which never change) under the one it joined.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from app.context import Services
from ledger.categories import DEFAULT_CATEGORIES, Category
from ledger.clock import FrozenClock
from ledger.errors import CategoryProblem, ConfirmationExpired, NotAllowed
from ledger.profit import ProfitService
from ledger.roles import Actor, Role
from ledger.storage.models import (
    AuditRow,
    CategoryRow,
    CategoryWordRow,
    EntryRow,
    ExpenseDraftRow,
)
from ledger.users import Person
from sheets.projection import load_projection
from sheets.xlsx import export_xlsx
from tests.conftest import OWNER_ID
from tests.integrations.sheets.test_xlsx import recalculated

CASHIER = Actor(user_id=99, telegram_id=7770001, name="Кира", roles=frozenset({Role.CASHIER}))


@pytest.fixture
async def owner(services: Services) -> Actor:
    await services.categories.seed(DEFAULT_CATEGORIES)
    actor = await services.users.resolve(Person(OWNER_ID, "Ольга"))
    assert actor is not None
    return actor


async def category(services: Services, name: str) -> Category:
    return next(c for c in await services.categories.active() if c.name == name)


async def spend(services: Services, owner: Actor, text: str, name: str | None = None) -> int:
    """An expense as the owner files it: typed, its category picked if `name`, saved."""
    draft = await services.expenses.start_draft(owner, text)
    if name is not None:
        chosen = await category(services, name)
        draft = await services.expenses.choose_category(owner, draft.id, draft.revision, chosen.id)
    entry = await services.expenses.save(owner, draft.id, draft.revision)
    return entry.id


async def archive(services: Services, owner: Actor, name: str) -> None:
    target = await category(services, name)
    until = await services.categories.ask_to_archive(owner, target.id)
    await services.categories.archive(owner, target.id, confirmed_until=until)


async def merge(services: Services, owner: Actor, source: str, into: str) -> Category:
    source_id = (await category(services, source)).id
    into_id = (await category(services, into)).id
    until = await services.categories.ask_to_merge(owner, source_id, into_id)
    return await services.categories.merge(owner, source_id, into_id, confirmed_until=until)


async def row_of(services: Services, name: str) -> CategoryRow:
    row = await services.uow.session.scalar(select(CategoryRow).where(CategoryRow.name == name))
    assert row is not None
    return row


async def audited(services: Services) -> list[str]:
    actions = await services.uow.session.scalars(
        select(AuditRow.action).where(AuditRow.action.like("category.%")).order_by(AuditRow.id)
    )
    return list(actions)


# -- archive and restore -------------------------------------------------------------------


async def test_an_archived_category_leaves_the_picker_and_the_guess_and_keeps_its_history(
    services: Services, owner: Actor
) -> None:
    taxi = await spend(services, owner, "1500 такси")

    await archive(services, owner, "Транспорт")

    assert "Транспорт" not in [c.name for c in await services.categories.active()]
    assert [c.name for c in await services.categories.archived()] == ["Транспорт"]
    assert (await services.categories.archived())[0].merged_into is None
    guessed = await services.expenses.start_draft(owner, "700 такси")
    assert guessed.category_name == "Прочее"
    assert (await services.entries.get(taxi)).category_name == "Транспорт"
    with pytest.raises(CategoryProblem) as refused:
        await services.categories.get((await row_of(services, "Транспорт")).id)
    assert refused.value.reason == "archived"
    assert await audited(services) == ["category.archived"]


async def test_restoring_brings_a_category_back_to_the_picker_and_the_guess(
    services: Services, owner: Actor
) -> None:
    await archive(services, owner, "Транспорт")
    row = await row_of(services, "Транспорт")

    restored = await services.categories.restore(owner, row.id)

    assert restored.name == "Транспорт"
    assert "Транспорт" in [c.name for c in await services.categories.active()]
    assert await services.categories.archived() == []
    assert (await services.expenses.start_draft(owner, "700 такси")).category_name == "Транспорт"
    assert await audited(services) == ["category.archived", "category.restored"]
    with pytest.raises(CategoryProblem) as refused:
        await services.categories.restore(owner, row.id)
    assert refused.value.reason == "active"


async def test_the_fallback_is_never_archived_even_renamed(
    services: Services, owner: Actor
) -> None:
    other = await category(services, "Прочее")
    await services.categories.rename(owner, other.id, "Разное")

    with pytest.raises(CategoryProblem) as refused:
        await services.categories.ask_to_archive(owner, other.id)

    assert refused.value.reason == "fallback"
    assert "Разное" in [c.name for c in await services.categories.active()]


async def test_the_last_active_category_is_never_archived(services: Services) -> None:
    owner = await services.users.resolve(Person(OWNER_ID, "Ольга"))
    assert owner is not None
    await services.categories.seed({"Аренда": [], "Налоги": []})
    await archive(services, owner, "Аренда")
    taxes = await category(services, "Налоги")

    with pytest.raises(CategoryProblem) as refused:
        await services.categories.ask_to_archive(owner, taxes.id)

    assert refused.value.reason == "last"


async def test_an_archived_category_is_not_archived_twice(services: Services, owner: Actor) -> None:
    rent = await category(services, "Аренда")
    until = await services.categories.ask_to_archive(owner, rent.id)
    await services.categories.archive(owner, rent.id, confirmed_until=until)

    with pytest.raises(CategoryProblem) as refused:
        await services.categories.archive(owner, rent.id, confirmed_until=until)

    assert refused.value.reason == "archived"
    assert await audited(services) == ["category.archived"]


async def test_a_yes_too_late_archives_nothing(
    services: Services, owner: Actor, clock: FrozenClock
) -> None:
    rent = await category(services, "Аренда")
    until = await services.categories.ask_to_archive(owner, rent.id)
    clock.advance(timedelta(minutes=3))

    with pytest.raises(ConfirmationExpired):
        await services.categories.archive(owner, rent.id, confirmed_until=until)

    assert "Аренда" in [c.name for c in await services.categories.active()]


async def test_only_the_owner_archives_restores_and_merges(
    services: Services, owner: Actor
) -> None:
    rent, taxes = await category(services, "Аренда"), await category(services, "Налоги")
    until = await services.categories.ask_to_archive(owner, rent.id)

    with pytest.raises(NotAllowed):
        await services.categories.archive(CASHIER, rent.id, confirmed_until=until)
    with pytest.raises(NotAllowed):
        await services.categories.ask_to_merge(CASHIER, rent.id, taxes.id)
    with pytest.raises(NotAllowed):
        await services.categories.merge(CASHIER, rent.id, taxes.id, confirmed_until=until)
    await services.categories.archive(owner, rent.id, confirmed_until=until)
    with pytest.raises(NotAllowed):
        await services.categories.restore(CASHIER, rent.id)


async def test_a_name_taken_by_an_archived_category_says_so(
    services: Services, owner: Actor
) -> None:
    await archive(services, owner, "Аренда")

    with pytest.raises(CategoryProblem) as refused:
        await services.categories.add(owner, "аренда")

    assert refused.value.reason == "exists_archived"


# -- merge ---------------------------------------------------------------------------------


async def test_merging_archives_the_source_and_teaches_its_words_to_the_target(
    services: Services, owner: Actor
) -> None:
    await spend(services, owner, "300 курьер", "Транспорт")
    await spend(services, owner, "300 курьер", "Транспорт")
    await spend(services, owner, "200 курьер пакеты", "Закупки")
    transport = await row_of(services, "Транспорт")

    into = await merge(services, owner, "Транспорт", "Закупки")

    assert into.name == "Закупки"
    assert "Транспорт" not in [c.name for c in await services.categories.active()]
    [archived] = await services.categories.archived()
    assert (archived.name, archived.merged_into) == ("Транспорт", "Закупки")
    assert transport.merged_into_id == into.id
    words = await services.uow.session.execute(
        select(CategoryWordRow.word, CategoryWordRow.category_id, CategoryWordRow.hits).where(
            CategoryWordRow.user_id == owner.user_id
        )
    )
    assert sorted(words) == [("курьер", into.id, 3), ("пакеты", into.id, 1)]
    # The words it learned went with it; its seed keywords («такси») did not.
    assert (await services.expenses.start_draft(owner, "100 курьер")).category_name == "Закупки"
    assert (await services.expenses.start_draft(owner, "100 такси")).category_name == "Прочее"
    assert await audited(services) == ["category.merged"]


async def test_a_merged_seed_is_not_seeded_again(services: Services, owner: Actor) -> None:
    await merge(services, owner, "Транспорт", "Закупки")

    assert await services.categories.seed(DEFAULT_CATEGORIES) == 0
    assert "Транспорт" not in [c.name for c in await services.categories.active()]


async def test_an_open_draft_in_the_merged_category_is_saved_under_the_target(
    services: Services, owner: Actor
) -> None:
    draft = await services.expenses.start_draft(owner, "1500 такси")

    await merge(services, owner, "Транспорт", "Закупки")
    entry = await services.expenses.save(owner, draft.id, draft.revision)

    assert entry.category_name == "Закупки"
    row = await services.uow.session.get(ExpenseDraftRow, draft.id)
    assert row is not None
    assert row.category_id == (await category(services, "Закупки")).id


@pytest.mark.parametrize(
    ("source", "into", "reason"),
    [
        ("Аренда", "Аренда", "into_itself"),
        ("Аренда", "Налоги", "into_archived"),
        ("Прочее", "Аренда", "fallback"),
        ("Налоги", "Аренда", "archived"),
    ],
)
async def test_merges_that_are_refused(
    services: Services, owner: Actor, source: str, into: str, reason: str
) -> None:
    ids = {c.name: c.id for c in await services.categories.active()}
    await archive(services, owner, "Налоги")

    with pytest.raises(CategoryProblem) as refused:
        await services.categories.ask_to_merge(owner, ids[source], ids[into])

    assert refused.value.reason == reason
    assert await audited(services) == ["category.archived"]


async def test_a_yes_too_late_merges_nothing(
    services: Services, owner: Actor, clock: FrozenClock
) -> None:
    rent, taxes = await category(services, "Аренда"), await category(services, "Налоги")
    until = await services.categories.ask_to_merge(owner, rent.id, taxes.id)
    clock.advance(timedelta(minutes=3))

    with pytest.raises(ConfirmationExpired):
        await services.categories.merge(owner, rent.id, taxes.id, confirmed_until=until)

    assert (await row_of(services, "Аренда")).merged_into_id is None


async def test_a_restored_merged_category_counts_its_own_entries_again(
    services: Services, owner: Actor
) -> None:
    taxi = await spend(services, owner, "1500 такси")
    await merge(services, owner, "Транспорт", "Закупки")
    assert (await services.entries.get(taxi)).category_name == "Закупки"

    await services.categories.restore(owner, (await row_of(services, "Транспорт")).id)

    assert (await services.entries.get(taxi)).category_name == "Транспорт"
    assert (await row_of(services, "Транспорт")).merged_into_id is None


# -- reports: entries stay, reports count them under the target ---------------------------


async def test_history_follows_merges_to_their_end_and_the_entries_never_change(
    services: Services, owner: Actor
) -> None:
    taxi = await spend(services, owner, "1500 такси")
    transport_id = (await category(services, "Транспорт")).id
    await merge(services, owner, "Транспорт", "Закупки")
    await merge(services, owner, "Закупки", "Услуги")  # Транспорт → Закупки → Услуги

    assert (await services.entries.get(taxi)).category_name == "Услуги"
    page = await services.entries.page(owner)
    assert [entry.category_name for entry in page.entries] == ["Услуги"]
    stored = await services.uow.session.get(EntryRow, taxi)
    assert stored is not None
    assert stored.category_id == transport_id


async def test_profit_counts_a_category_merged_into_marketing_as_marketing(
    services: Services, owner: Actor, clock: FrozenClock
) -> None:
    await services.categories.add(owner, "Реклама")
    await spend(services, owner, "4000 баннер", "Маркетинг")
    await spend(services, owner, "6000 листовки", "Реклама")
    profit = ProfitService(services.uow, clock)
    assert (await profit.monthly(owner)).figures()[-1].marketing == Decimal("4000.00")

    await merge(services, owner, "Реклама", "Маркетинг")

    this_month = (await profit.monthly(owner)).figures()[-1]
    assert this_month.marketing == Decimal("10000.00")
    assert this_month.expenses == Decimal("10000.00")


async def test_the_marketing_line_goes_with_a_marketing_category_merged_elsewhere(
    services: Services, owner: Actor, clock: FrozenClock
) -> None:
    await services.categories.add(owner, "Продвижение")
    await spend(services, owner, "4000 баннер", "Маркетинг")
    await spend(services, owner, "6000 листовки", "Продвижение")

    await merge(services, owner, "Маркетинг", "Продвижение")

    this_month = (await ProfitService(services.uow, clock).monthly(owner)).figures()[-1]
    assert this_month.marketing == Decimal("10000.00")
    projection = await load_projection(services.uow.session)
    assert projection.marketing_category == "Продвижение"


async def test_the_workbook_has_no_column_for_a_merged_category_and_sums_it_under_the_target(
    services: Services, owner: Actor, clock: FrozenClock, tmp_path: Path
) -> None:
    await spend(services, owner, "1500 такси")
    await spend(services, owner, "500 товар", "Закупки")
    await spend(services, owner, "800 аренда")
    await archive(services, owner, "Аренда")  # archived with an entry: its column stays
    await archive(services, owner, "Налоги")  # archived without one: no column
    await merge(services, owner, "Транспорт", "Закупки")

    projection = await load_projection(services.uow.session)

    assert "Транспорт" not in projection.expense_categories
    assert "Налоги" not in projection.expense_categories
    assert {"Закупки", "Аренда"} <= set(projection.expense_categories)
    assert sorted(row.category for row in projection.ledger) == ["Аренда", "Закупки", "Закупки"]
    path = export_xlsx(projection, tmp_path / "ledger.xlsx", clock.today())
    sheet = recalculated(path, tmp_path)["Прибыль"]
    header = [cell.value for cell in sheet[7]]
    november = next(
        row
        for row in sheet.iter_rows(min_row=8)
        if hasattr(row[0].value, "date") and row[0].value.date() == date(2026, 11, 1)
    )
    assert november[header.index("Закупки")].value == 2000
    assert november[header.index("Аренда")].value == 800
    assert november[header.index("Расходы итого, ₽")].value == 2800
