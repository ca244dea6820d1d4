"""The cabinet's registry: filters, search, sorts, pages and the totals of all that matches (by
currency), each viewer seeing only what the access rules let them; and a form's values read,
every one that cannot be named."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from ledger.errors import NotAllowed
from ledger.requests import search
from ledger.requests.edits import SetCounterparty, SetInvoice, SetPurpose, SetWhatFor
from ledger.requests.search import (
    FILED,
    FilterProblem,
    Problem,
    RegistryQuery,
    Sort,
    read_query,
    registry_statuses,
)
from ledger.requests.states import APPROVED_OR_LATER, RequestStatus
from ledger.requests.views import RequestView
from ledger.roles import Actor
from ledger.storage.models import DealRow
from tests.office import INVOICE, KPP, TODAY, Office, rub

LEAD = 31_001


async def _filed(
    office: Office,
    name: str,
    *,
    inn: str = "7707083893",
    purpose: str = "Оплата по счёту №17 от 20.11.2026",
    what_for: str = "Баннеры на ноябрь",
    step: str = "approved",
    by: Actor | None = None,
    **keys,
) -> RequestView:
    draft = await office.draft(by, inn=inn, **keys)
    who = by or office.requester
    async with office.services() as services:
        await services.requests.edit(
            who,
            draft.id,
            SetCounterparty(name, inn, KPP if len(inn) == 10 else None),
            SetPurpose(purpose),
            SetWhatFor(what_for),
        )
        if step == "draft":
            return draft
        request = await services.requests.submit(who, draft.id)
        if step == "submitted":
            return request
        if step == "rejected":
            return await services.requests.reject(office.owner, draft.id, "Дорого")
        return await services.requests.approve(office.owner, draft.id)


@pytest.fixture
async def book(office: Office) -> dict[str, int]:
    """Requests filed a week ago, of every status, in two currencies; one for a deal."""
    office.clock.advance(timedelta(days=-7))
    await office.desk.deal(LEAD, name="Кухня Петровых")
    async with office.database.read() as session:
        deal_id = await session.scalar(select(DealRow.id).where(DealRow.amo_lead_id == LEAD))
    ids = {}
    ids["romashka"] = (
        await _filed(office, "ООО «Ромашка»", amount=rub("12000"), pay_by=date(2026, 11, 25))
    ).id
    office.clock.advance(timedelta(hours=1))
    ids["petrov"] = (
        await _filed(
            office,
            "ИП Петров Пётр",
            inn="500100732259",
            purpose="Аренда склада по счёту А-204",
            amount=rub("50000"),
            pay_by=date(2026, 12, 1),
            category=None,
            deal_id=deal_id,
        )
    ).id
    office.clock.advance(timedelta(hours=1))
    ids["usd"] = (
        await _filed(
            office,
            "Acme Ltd",
            inn="9909000004",
            purpose="Licence invoice INV-77",
            amount=rub("40", "USD"),
            pay_by=date(2026, 11, 24),
        )
    ).id
    office.clock.advance(timedelta(hours=1))
    ids["part"] = (
        await _filed(office, "ООО «Лютик»", amount=rub("5000"), pay_by=date(2026, 11, 28))
    ).id
    office.clock.advance(timedelta(hours=1))
    ids["paid"] = (
        await _filed(office, "ЗАО РОМАШКА", amount=rub("3000"), pay_by=date(2026, 11, 20))
    ).id
    office.clock.advance(timedelta(hours=1))
    ids["submitted"] = (
        await _filed(office, "ООО «Секрет»", amount=rub("7000"), step="submitted")
    ).id
    ids["rejected"] = (await _filed(office, "ООО «Отказ»", amount=rub("8000"), step="rejected")).id
    ids["draft"] = (await _filed(office, "ООО «Черновик»", step="draft")).id
    async with office.services() as services:
        await services.requests.edit(office.requester, ids["draft"], SetInvoice(INVOICE))
        await services.request_payments.pay(office.accountant, ids["paid"])
        await services.request_payments.pay(office.accountant, ids["part"], amount=rub("1500"))
    office.clock.advance(timedelta(days=7, hours=-5))
    return ids


async def _found(office: Office, actor: Actor, book: dict[str, int], **keys):
    async with office.services() as services:
        result = await services.registry.search(actor, RegistryQuery(**keys))
    names = {ident: name for name, ident in book.items()}
    return [names[row.id] for row in result.rows], result


async def test_the_accountant_sees_approved_and_later_newest_first(
    office: Office, book: dict[str, int]
) -> None:
    names, result = await _found(office, office.accountant, book)

    assert names == ["paid", "part", "usd", "petrov", "romashka"]
    assert result.count == 5
    assert result.amounts == (rub("70000"), rub("40", "USD"))
    # Left to pay: approved ones whole, the partly paid one's rest, the paid one nothing.
    assert result.to_pay == (rub("65500"), rub("40", "USD"))


async def test_the_owner_sees_every_filed_request_but_no_draft(
    office: Office, book: dict[str, int]
) -> None:
    names, result = await _found(office, office.owner, book)

    assert set(names) == set(book) - {"draft"}
    assert result.amounts == (rub("85000"), rub("40", "USD"))


async def test_an_approver_sees_only_what_they_approve_or_decided(office: Office) -> None:
    office.policy(approvers=[office.approver.telegram_id])
    theirs = await office.submitted()
    decided = await office.submitted()
    async with office.services() as services:
        await services.requests.approve(office.approver, decided.id)
    office.policy(approvers=[office.approver2.telegram_id])
    others = await office.submitted()
    async with office.services() as services:
        mine = await services.registry.search(office.approver, RegistryQuery())
        theirs2 = await services.registry.search(office.approver2, RegistryQuery())

    assert {row.id for row in mine.rows} == {theirs.id, decided.id}
    assert {row.id for row in theirs2.rows} == {others.id}


async def test_someone_who_may_not_see_a_request_never_gets_it(
    office: Office, book: dict[str, int]
) -> None:
    # Asking for a status, a number or a counterparty the accountant may not see finds nothing.
    names, _ = await _found(office, office.accountant, book, text=f"№{book['submitted']}")
    assert names == []
    names, _ = await _found(office, office.accountant, book, counterparty="Секрет")
    assert names == []
    names, result = await _found(
        office, office.accountant, book, statuses=(RequestStatus.SUBMITTED,)
    )
    assert (names, result.count, result.amounts) == ([], 0, ())
    # And the registry is not theirs at all for a requester or a manager.
    for outsider in (office.requester, office.manager):
        async with office.services() as services:
            with pytest.raises(NotAllowed):
                await services.registry.search(outsider, RegistryQuery())


@pytest.mark.parametrize(
    ("keys", "expected"),
    [
        ({"statuses": (RequestStatus.APPROVED,)}, {"romashka", "petrov", "usd"}),
        (
            {"statuses": (RequestStatus.PAID, RequestStatus.PARTLY_PAID)},
            {"paid", "part"},
        ),
        (
            {"due_from": date(2026, 11, 24), "due_to": date(2026, 11, 28)},
            {"usd", "romashka", "part"},
        ),
        ({"due_from": date(2026, 11, 29)}, {"petrov"}),
        ({"counterparty": "ромашка"}, {"romashka", "paid"}),
        ({"counterparty": "5001007"}, {"petrov"}),
        ({"counterparty": "пётр ип"}, {"petrov"}),
        ({"amount_from": Decimal("5000"), "amount_to": Decimal("12000")}, {"romashka", "part"}),
        ({"amount_to": Decimal("100")}, {"usd"}),
        ({"deal": "д-31001"}, {"petrov"}),
        ({"deal": "д-999"}, set()),
        ({"text": "склада"}, {"petrov"}),
        ({"text": "а-204"}, {"petrov"}),
        ({"text": "inv-77"}, {"usd"}),
        ({"text": "РОМАШКА"}, {"romashka", "paid"}),
        ({"text": "оплата №17"}, {"romashka", "part", "paid"}),
        ({"text": "100%_"}, set()),
    ],
)
async def test_each_filter_narrows_the_list(
    office: Office, book: dict[str, int], keys: dict, expected: set[str]
) -> None:
    names, result = await _found(office, office.accountant, book, **keys)

    assert set(names) == expected
    assert result.count == len(expected)


async def test_a_category_and_a_number_are_found(office: Office, book: dict[str, int]) -> None:
    marketing = await office.category("Маркетинг")
    names, _ = await _found(office, office.accountant, book, category_id=marketing)
    assert set(names) == {"romashka", "usd", "part", "paid"}
    names, _ = await _found(office, office.accountant, book, text=f"№{book['part']}")
    assert names == ["part"]


@pytest.mark.parametrize(
    ("sort", "descending", "expected"),
    [
        (Sort.DUE, False, ["paid", "usd", "romashka", "part", "petrov"]),
        (Sort.DUE, True, ["petrov", "part", "romashka", "usd", "paid"]),
        (Sort.AMOUNT, True, ["petrov", "romashka", "part", "paid", "usd"]),
        (Sort.COUNTERPARTY, False, ["usd", "paid", "petrov", "part", "romashka"]),
        (Sort.CREATED, False, ["romashka", "petrov", "usd", "part", "paid"]),
        # By the status's code, then due date: approved, paid, partly paid.
        (Sort.STATUS, False, ["usd", "romashka", "petrov", "paid", "part"]),
        (Sort.STATUS, True, ["part", "paid", "petrov", "romashka", "usd"]),
    ],
)
async def test_each_sort_orders_the_list(
    office: Office, book: dict[str, int], sort: Sort, descending: bool, expected: list[str]
) -> None:
    names, _ = await _found(office, office.accountant, book, sort=sort, descending=descending)

    assert names == expected


async def test_pages_hold_the_list_in_order_and_the_totals_are_of_all(
    office: Office, book: dict[str, int]
) -> None:
    seen, totals = [], set()
    for number in (1, 2, 3):
        async with office.services() as services:
            result = await services.registry.search(
                office.accountant,
                RegistryQuery(sort=Sort.DUE, descending=False, page=number),
                per_page=2,
            )
        seen.append([row.id for row in result.rows])
        totals.add((result.count, result.amounts, result.pages, result.page))
    names = {ident: name for name, ident in book.items()}

    assert [[names[i] for i in page] for page in seen] == [
        ["paid", "usd"],
        ["romashka", "part"],
        ["petrov"],
    ]
    assert {(count, amounts, pages) for count, amounts, pages, _ in totals} == {
        (5, (rub("70000"), rub("40", "USD")), 3)
    }


@pytest.mark.parametrize("text", ["", "оплата"])
@pytest.mark.parametrize("few", [0, search.FEW])
@pytest.mark.parametrize("sort", list(Sort))
@pytest.mark.parametrize("descending", [False, True])
async def test_every_page_either_way_is_its_slice_of_the_whole_list(
    office: Office,
    book: dict[str, int],
    sort: Sort,
    descending: bool,
    few: int,
    text: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Pages in the second half are read from the other end: the same rows, in order; many
    # matches are read off the sort's index, few found first: the same rows either way.
    monkeypatch.setattr(search, "FEW", few)
    async with office.services() as services:
        whole = await services.registry.search(
            office.owner, RegistryQuery(sort=sort, descending=descending, text=text)
        )
        pages = []
        for number in range(1, -(-whole.count // 2) + 1):
            query = RegistryQuery(sort=sort, descending=descending, page=number, text=text)
            result = await services.registry.search(office.owner, query, per_page=2)
            pages.extend(row.id for row in result.rows)

    assert pages == [row.id for row in whole.rows]
    assert len(pages) == (5 if text else 7)


async def test_a_page_past_the_end_is_the_last_and_says_so(
    office: Office, book: dict[str, int]
) -> None:
    async with office.services() as services:
        result = await services.registry.search(
            office.accountant, RegistryQuery(sort=Sort.DUE, descending=False, page=9), per_page=2
        )

    assert (result.page, result.asked, result.past_the_end) == (3, 9, True)
    assert [row.id for row in result.rows] == [book["petrov"]]


async def test_nothing_found_is_an_empty_first_page(office: Office) -> None:
    async with office.services() as services:
        result = await services.registry.search(office.owner, RegistryQuery(page=4))

    assert (result.rows, result.count, result.amounts, result.to_pay) == ((), 0, (), ())
    assert (result.page, result.pages, result.past_the_end) == (1, 1, True)


# -- reading a form ----------------------------------------------------------------------------


def _read(*pairs: tuple[str, str], statuses=FILED, categories=(3, 4)):
    return read_query(pairs, today=TODAY, statuses=statuses, categories=categories)


def test_a_form_is_read_into_a_query() -> None:
    query, problems = _read(
        ("status", "approved"),
        ("status", "paid"),
        ("status", "approved"),
        ("due_from", "2026-11-01"),
        ("due_to", "30.11.2026"),
        ("counterparty", "  ООО   Ромашка "),
        ("amount_from", "1 500,50"),
        ("amount_to", "15к"),
        ("category", "4"),
        ("deal", "Д-17"),
        ("q", "счёт 17"),
        ("sort", "amount"),
        ("order", "desc"),
        ("page", "3"),
    )

    assert problems == []
    assert query == RegistryQuery(
        statuses=(RequestStatus.APPROVED, RequestStatus.PAID),
        due_from=date(2026, 11, 1),
        due_to=date(2026, 11, 30),
        counterparty="ООО Ромашка",
        amount_from=Decimal("1500.50"),
        amount_to=Decimal("15000"),
        category_id=4,
        deal="Д-17",
        text="счёт 17",
        sort=Sort.AMOUNT,
        descending=True,
        page=3,
    )
    assert query.filtered


def test_an_empty_form_is_every_request_newest_first() -> None:
    query, problems = _read(("status", ""), ("q", "  "), ("amount_from", ""), ("page", ""))

    assert (query, problems) == (RegistryQuery(), [])
    assert not query.filtered


def test_a_sort_alone_runs_upwards() -> None:
    query, _ = _read(("sort", "due"))

    assert (query.sort, query.descending) == (Sort.DUE, False)


@pytest.mark.parametrize(
    ("pair", "problem"),
    [
        (("status", "draft"), FilterProblem("status", Problem.UNKNOWN_STATUS, "draft")),
        (("status", "lost"), FilterProblem("status", Problem.UNKNOWN_STATUS, "lost")),
        (("due_from", "32.13.2026"), FilterProblem("due_from", Problem.NOT_A_DATE, "32.13.2026")),
        (("due_to", "вчерашний"), FilterProblem("due_to", Problem.NOT_A_DATE, "вчерашний")),
        (("amount_from", "много"), FilterProblem("amount_from", Problem.NOT_AN_AMOUNT, "много")),
        (("amount_to", "-5"), FilterProblem("amount_to", Problem.NOT_AN_AMOUNT, "-5")),
        (("amount_to", "1e9"), FilterProblem("amount_to", Problem.NOT_AN_AMOUNT, "1e9")),
        (("category", "99"), FilterProblem("category", Problem.UNKNOWN_CATEGORY, "99")),
        (("category", "x"), FilterProblem("category", Problem.UNKNOWN_CATEGORY, "x")),
        (("sort", "id; drop"), FilterProblem("sort", Problem.UNKNOWN_SORT, "id; drop")),
        (("order", "up"), FilterProblem("order", Problem.UNKNOWN_SORT, "up")),
        (("page", "0"), FilterProblem("page", Problem.NOT_A_PAGE, "0")),
        (("page", "-2"), FilterProblem("page", Problem.NOT_A_PAGE, "-2")),
        (("page", "9" * 12), FilterProblem("page", Problem.NOT_A_PAGE, "9" * 12)),
        (("q", "x" * 201), FilterProblem("q", Problem.TOO_LONG, "x" * 200)),
    ],
)
def test_a_value_that_cannot_be_read_is_named(
    pair: tuple[str, str], problem: FilterProblem
) -> None:
    _, problems = _read(pair)

    assert problems == [problem]


def test_ranges_that_run_backwards_are_named() -> None:
    _, problems = _read(
        ("due_from", "2026-12-01"),
        ("due_to", "2026-11-01"),
        ("amount_from", "500"),
        ("amount_to", "100"),
    )

    assert problems == [
        FilterProblem("due_to", Problem.BACKWARDS, "2026-11-01"),
        FilterProblem("amount_to", Problem.BACKWARDS, "100"),
    ]


def test_a_status_outside_the_viewers_registry_is_unknown_to_them() -> None:
    _, problems = _read(("status", "submitted"), statuses=APPROVED_OR_LATER)

    assert problems == [FilterProblem("status", Problem.UNKNOWN_STATUS, "submitted")]


def test_each_role_has_its_registrys_statuses(office: Office) -> None:
    assert registry_statuses(office.accountant) == APPROVED_OR_LATER
    assert registry_statuses(office.owner) == FILED
    assert registry_statuses(office.approver) == FILED
    assert registry_statuses(office.requester) == ()
