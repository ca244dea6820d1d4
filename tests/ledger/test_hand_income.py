"""Income by hand: its own categories, and the deal its contract number names, so the deal's
manager, product, salon and city slice it in /profit and the workbook."""

from __future__ import annotations

from decimal import Decimal

from app.context import Services
from ledger.categories import DEFAULT_CATEGORIES, DEFAULT_INCOME_CATEGORIES
from ledger.clock import FrozenClock
from ledger.expenses import Draft
from ledger.profit import Dimension
from ledger.storage.models import DealRow, EntryRow
from ledger.users import Person
from sheets.projection import load_projection
from tests.conftest import OWNER_ID


async def deal(services: Services, clock: FrozenClock, lead: int, contract: str) -> int:
    session = services.uow.session
    async with services.uow.write():
        row = DealRow(
            amo_lead_id=lead,
            name=f"Кухня {contract}",
            price_minor=15_000_000,
            currency="RUB",
            state="closed",
            manager="Анна",
            product="Кухни",
            salon="Центр",
            city="Москва",
            contract=contract,
            created_at=clock.now(),
            updated_at=clock.now(),
        )
        session.add(row)
        await session.flush()
        await services.uow.commit()
    return row.id


async def test_a_hand_income_naming_a_contract_is_the_deals_and_sliced_by_it(
    services: Services, clock: FrozenClock
) -> None:
    await services.categories.seed(DEFAULT_CATEGORIES, DEFAULT_INCOME_CATEGORIES)
    owner = await services.users.resolve(Person(OWNER_ID, "Ольга"))
    kitchen = await deal(services, clock, 1, "Д-117")
    await deal(services, clock, 2, "Д-118")

    draft = await services.expenses.start_draft(owner, "+50000 оплата по договору д-117")
    assert isinstance(draft, Draft)
    assert draft.amount.amount == Decimal("50000")
    assert draft.alternative is None, "a contract number is never offered as the amount"
    assert draft.deal is not None
    assert draft.deal.id == kitchen
    assert draft.category_name == "Продажи"
    entry = await services.expenses.save(owner, draft.id, draft.revision)

    row = await services.uow.session.get(EntryRow, entry.id)
    assert row.deal_id == kitchen
    assert row.amount_minor == 5_000_000
    data = await services.profit.monthly(owner)
    assert data.options[Dimension.MANAGER] == ("Анна",)
    assert data.options[Dimension.CITY] == ("Москва",)
    [november] = [f for f in data.figures({Dimension.PRODUCT: "Кухни"}) if f.income]
    assert november.income == Decimal("50000")
    projection = await load_projection(services.uow.session)
    [ledger_row] = projection.ledger
    assert (ledger_row.manager, ledger_row.product, ledger_row.salon) == ("Анна", "Кухни", "Центр")


async def test_an_unknown_or_ambiguous_contract_links_nothing(
    services: Services, clock: FrozenClock
) -> None:
    owner = await services.users.resolve(Person(OWNER_ID, "Ольга"))
    await deal(services, clock, 1, "117")
    await deal(services, clock, 2, "117")  # two deals with one number: no guess

    for line in ("+50000 оплата по договору 117", "+50000 оплата по договору 999"):
        draft = await services.expenses.start_draft(owner, line)
        assert isinstance(draft, Draft)
        assert draft.deal is None


async def test_an_expense_names_no_deal_and_turning_it_into_income_finds_it(
    services: Services, clock: FrozenClock
) -> None:
    owner = await services.users.resolve(Person(OWNER_ID, "Ольга"))
    kitchen = await deal(services, clock, 1, "Д-117")

    draft = await services.expenses.start_draft(owner, "оплата по договору Д-117 50000")
    assert isinstance(draft, Draft)
    assert draft.deal is None
    turned = await services.expenses.switch_kind(owner, draft.id, draft.revision)
    assert turned.kind == "income"
    assert turned.deal is not None
    assert turned.deal.id == kitchen
    back = await services.expenses.switch_kind(owner, turned.id, turned.revision)
    assert back.deal is None
