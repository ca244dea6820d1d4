"""The accountant's registry: approved requests due today, this week, this month, overdue, and
by status; pages, sizes and totals by currency counted by the database."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from ledger.errors import NotAllowed
from ledger.requests.registry import Bucket, bounds
from ledger.requests.states import RequestStatus
from tests.office import TODAY, Office, rub


def test_the_buckets_run_from_today_to_sunday_and_to_the_months_end() -> None:
    assert bounds(Bucket.TODAY, TODAY) == (TODAY, TODAY)
    assert bounds(Bucket.WEEK, TODAY) == (TODAY, date(2026, 11, 29))
    assert bounds(Bucket.WEEK, date(2026, 11, 29)) == (date(2026, 11, 29),) * 2
    assert bounds(Bucket.MONTH, TODAY) == (TODAY, date(2026, 11, 30))
    assert bounds(Bucket.MONTH, date(2026, 2, 3)) == (date(2026, 2, 3), date(2026, 2, 28))
    assert bounds(Bucket.OVERDUE, TODAY) == (None, date(2026, 11, 22))


@pytest.fixture
async def book(office: Office) -> dict[str, int]:
    """Requests filed ten days ago, due around today; today is 23 November again after."""
    office.clock.advance(timedelta(days=-10))
    due = {
        "20.11": (date(2026, 11, 20), rub("1000")),
        "22.11": (date(2026, 11, 22), rub("2000")),
        "23.11": (date(2026, 11, 23), rub("3000")),
        "24.11 USD": (date(2026, 11, 24), rub("40", "USD")),
        "26.11 part": (date(2026, 11, 26), rub("5000")),
        "29.11": (date(2026, 11, 29), rub("6000")),
        "30.11": (date(2026, 11, 30), rub("7000")),
        "01.12": (date(2026, 12, 1), rub("8000")),
    }
    ids = {}
    for name, (day, amount) in due.items():
        ids[name] = (await office.approved(amount=amount, pay_by=day)).id
    ids["submitted 23.11"] = (await office.submitted(pay_by=date(2026, 11, 23))).id
    ids["paid 24.11"] = (await office.approved(pay_by=date(2026, 11, 24))).id
    async with office.services() as services:
        await services.request_payments.pay(office.accountant, ids["paid 24.11"])
        await services.request_payments.pay(
            office.accountant, ids["26.11 part"], amount=rub("1500")
        )
    office.clock.advance(timedelta(days=10))
    return ids


@pytest.mark.parametrize(
    ("bucket", "expected", "totals"),
    [
        (Bucket.TODAY, ["23.11"], [rub("3000")]),
        (
            Bucket.WEEK,
            ["23.11", "24.11 USD", "26.11 part", "29.11"],
            [rub("12500"), rub("40", "USD")],
        ),
        (
            Bucket.MONTH,
            ["23.11", "24.11 USD", "26.11 part", "29.11", "30.11"],
            [rub("19500"), rub("40", "USD")],
        ),
        (Bucket.OVERDUE, ["20.11", "22.11"], [rub("3000")]),
    ],
)
async def test_each_bucket_lists_what_is_due_in_it_with_what_is_left_to_pay(
    office: Office, book: dict[str, int], bucket: Bucket, expected, totals
) -> None:
    async with office.services() as services:
        page = await services.registry.due(office.accountant, bucket)

    names = {ident: name for name, ident in book.items()}
    assert [names[row.id] for row in page.rows] == expected
    assert page.total == len(expected)
    assert sorted(page.totals, key=lambda m: m.currency) == totals


async def test_a_long_bucket_comes_in_pages_in_due_order(
    office: Office, book: dict[str, int]
) -> None:
    async with office.services() as services:
        first = await services.registry.due(office.accountant, Bucket.MONTH, per_page=2)
        second = await services.registry.due(office.accountant, Bucket.MONTH, page=1, per_page=2)
        past_the_end = await services.registry.due(
            office.accountant, Bucket.MONTH, page=99, per_page=2
        )

    assert [r.pay_by.day for r in first.rows] == [23, 24]
    assert [r.pay_by.day for r in second.rows] == [26, 29]
    assert (first.pages, first.has_next, first.has_previous) == (3, True, False)
    assert [r.pay_by.day for r in past_the_end.rows] == [30]
    assert (past_the_end.page, past_the_end.has_next) == (2, False)
    assert first.totals == second.totals


async def test_by_status_the_accountant_sees_approved_and_later(
    office: Office, book: dict[str, int]
) -> None:
    async with office.services() as services:
        paid = await services.registry.by_status(office.accountant, RequestStatus.PAID)
        partly = await services.registry.by_status(office.accountant, RequestStatus.PARTLY_PAID)
        approved = await services.registry.by_status(office.accountant, RequestStatus.APPROVED)
        with pytest.raises(NotAllowed):
            await services.registry.by_status(office.accountant, RequestStatus.SUBMITTED)
        with pytest.raises(NotAllowed):
            await services.registry.due(office.requester, Bucket.TODAY)
        submitted = await services.registry.by_status(office.owner, RequestStatus.SUBMITTED)

    assert [r.id for r in paid.rows] == [book["paid 24.11"]]
    assert paid.totals == (rub("12000"),)
    assert [r.id for r in partly.rows] == [book["26.11 part"]]
    assert partly.totals == (rub("3500"),)
    assert approved.total == 7
    assert [r.id for r in submitted.rows] == [book["submitted 23.11"]]


async def test_the_registrys_menu_counts_each_bucket(office: Office, book: dict[str, int]) -> None:
    async with office.services() as services:
        summary = await services.registry.summary(office.accountant)

    assert [(s.bucket, s.count) for s in summary] == [
        (Bucket.TODAY, 1),
        (Bucket.WEEK, 4),
        (Bucket.MONTH, 5),
        (Bucket.OVERDUE, 2),
    ]
    assert summary[3].totals == (rub("3000"),)


async def test_an_empty_registry_is_one_empty_page(office: Office) -> None:
    async with office.services() as services:
        page = await services.registry.due(office.accountant, Bucket.TODAY, page=3)

    assert (page.rows, page.total, page.totals, page.page, page.pages) == ((), 0, (), 0, 1)
