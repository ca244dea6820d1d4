"""The registry of payment requests in a real browser: the accountant filters it (statuses, a
search, a range of due dates), sorts it by a header, pages through it and reads the totals of
what is shown; a value that cannot be read is named on the page. Requests are filed, approved
and paid through the ledger's services, as the chat's screens leave them."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

from playwright.async_api import Page

from ledger.money import Money
from ledger.requests.edits import (
    SetAmount,
    SetBankDetails,
    SetCategory,
    SetCounterparty,
    SetPayBy,
    SetPlace,
    SetPurpose,
    SetVat,
    SetWhatFor,
)
from ledger.requests.states import VatMode
from ledger.roles import Actor
from ledger.users import Person
from tests.browser.conftest import DESKTOP, Cabinet
from tests.e2e.personas import join
from tests.fakes.telegram_user import FakeUser

REQUESTER_ID = 7770033
SUPPLIERS = (
    ("ООО «Ромашка»", "7707083893", "773601001"),
    ("ИП Петров Пётр", "500100732259", None),
    ("ООО «Лютик»", "7701000001", "770101001"),
)


async def _actor(cabinet: Cabinet, person: FakeUser) -> Actor:
    context = cabinet.running.context
    async with context.database.unit_of_work() as uow:
        actor = await context.services(uow).users.resolve(Person(person.id, person.first_name))
    assert actor is not None
    return actor


async def _file(cabinet: Cabinet, payer: FakeUser, count: int) -> list[dict[str, Any]]:
    """`count` requests filed by Маша and approved by the owner, every third to «Ромашка», due
    over the next weeks; every fifth of the others paid. What each is, in filing order."""
    context = cabinet.running.context
    requester = await _actor(
        cabinet, await join(cabinet.telegram, cabinet.owner, "заявитель", REQUESTER_ID, "Маша")
    )
    owner = await _actor(cabinet, cabinet.owner)
    accountant = await _actor(cabinet, payer)
    today = cabinet.clock.today()
    async with context.database.unit_of_work() as uow:
        [marketing] = [
            c for c in await context.services(uow).categories.active() if c.name == "Маркетинг"
        ]
    filed = []
    for n in range(count):
        name, inn, kpp = SUPPLIERS[n % 3]
        currency = "USD" if n % 10 == 7 else "RUB"
        amount = Money(Decimal(1000 + 250 * n), currency)
        due = today + timedelta(days=1 + n % 20)
        async with context.database.unit_of_work() as uow:
            services = context.services(uow)
            draft = await services.requests.start(requester)
            await services.requests.edit(
                requester,
                draft.id,
                SetWhatFor(f"Заказ {n + 1}"),
                SetCounterparty(name, inn, kpp),
                SetAmount(amount),
                SetPayBy(due),
                SetBankDetails(
                    "044525225", "40702810938000012345", "30101810400000000225", "ПАО Сбербанк"
                ),
                SetPurpose(f"Оплата по счёту №{100 + n} от 20.11.2026"),
                SetVat(VatMode.WITHOUT_VAT),
                SetCategory(marketing.id),
                SetPlace("Центральный", "Казань"),
            )
            await services.requests.submit(requester, draft.id)
            await services.requests.approve(owner, draft.id)
            paid = n % 3 != 0 and n % 5 == 0 and currency == "RUB"
            if paid:
                await services.request_payments.pay(accountant, draft.id)
        filed.append({"id": draft.id, "name": name, "amount": amount, "due": due, "paid": paid})
    return filed


def _ids(page_rows: list[str]) -> list[int]:
    return [int(value) for value in page_rows]


async def _rows(page: Page) -> list[int]:
    return _ids(
        await page.eval_on_selector_all("#registry tbody tr", "r => r.map(e => e.dataset.id)")
    )


async def _follow(page: Page, selector: str) -> None:
    """A click that loads another page, and the page loaded."""
    async with page.expect_navigation():
        await page.click(selector)


async def _total(page: Page) -> str:
    return (await page.inner_text("#totals")).replace("\xa0", " ").replace("\u202f", " ")


async def test_the_accountant_filters_sorts_pages_and_reads_the_totals(
    cabinet: Cabinet, accountant: FakeUser
) -> None:
    filed = await _file(cabinet, accountant, 60)
    page = await cabinet.page()
    await cabinet.sign_in_by_link(page, accountant)
    await _follow(page, "nav.menu >> text=Заявки")
    assert page.url == f"{cabinet.url}/requests"
    assert "Найдено заявок: 60" in await _total(page)
    assert len(await _rows(page)) == 50  # newest first, fifty a page
    assert (await _rows(page))[0] == filed[-1]["id"]
    await cabinet.snapshot(page, "registry")

    # Filtered on the phone: the form folds open, approved only, «ромашка», a week of dates.
    today = cabinet.clock.today()
    first, last = today + timedelta(days=2), today + timedelta(days=8)
    await page.click("#filters summary")
    await page.check("input[name=status][value=approved]")
    await page.fill("input[name=q]", "ромашка")
    await page.fill("input[name=due_from]", first.isoformat())
    await page.fill("input[name=due_to]", last.isoformat())
    await _follow(page, "#filter-form button[type=submit]")
    asked = parse_qs(urlsplit(page.url).query)
    assert asked == {
        "status": ["approved"],
        "due_from": [first.isoformat()],
        "due_to": [last.isoformat()],
        "q": ["ромашка"],
    }
    expected = [
        r
        for r in filed
        if r["name"] == "ООО «Ромашка»" and not r["paid"] and first <= r["due"] <= last
    ]
    assert sorted(await _rows(page)) == sorted(r["id"] for r in expected)
    rubles = sum(r["amount"].amount for r in expected if r["amount"].currency == "RUB")
    totals = await _total(page)
    assert f"Найдено заявок: {len(expected)}" in totals
    assert re.sub(r"\s", "", f"{rubles:,.2f}".replace(",", " ").replace(".", ",")) in re.sub(
        r"\s", "", totals
    )
    await cabinet.snapshot(page, "registry-filtered")

    # Sorted by amount, upwards, then flipped: the filters stay.
    await _follow(page, ".sorts >> [data-sort=amount]")
    amounts = [next(r["amount"] for r in filed if r["id"] == i) for i in await _rows(page)]
    assert [a.amount for a in amounts] == sorted(a.amount for a in amounts)
    assert "q=%D1%80%D0%BE%D0%BC%D0%B0%D1%88%D0%BA%D0%B0" in page.url
    await page.set_viewport_size({"width": DESKTOP, "height": 900})
    await _follow(page, "#registry thead >> [data-sort=amount]")
    amounts = [next(r["amount"] for r in filed if r["id"] == i) for i in await _rows(page)]
    assert [a.amount for a in amounts] == sorted((a.amount for a in amounts), reverse=True)
    assert await page.get_attribute("#registry thead [data-sort=amount]", "aria-sort") == (
        "descending"
    )
    await cabinet.snapshot(page, "registry-sorted")

    # Every approved and paid one by due date: two pages; the second holds the last ten.
    await page.goto(f"{cabinet.url}/requests?status=approved&status=paid&sort=due")
    assert "Найдено заявок: 60" in await _total(page)
    await _follow(page, "#pages >> [data-page='2']")
    assert parse_qs(urlsplit(page.url).query)["page"] == ["2"]
    by_due = sorted(filed, key=lambda r: (r["due"], r["id"]))
    assert await _rows(page) == [r["id"] for r in by_due[50:]]
    assert "Показаны 51–60 из 60" in await page.inner_text("main")
    await cabinet.snapshot(page, "registry-page-2")
    # Each row opens its request.
    link = await page.get_attribute(f"#registry tr[data-id='{by_due[55]['id']}'] a", "href")
    assert link == f"/cabinet/requests/{by_due[55]['id']}"


async def test_a_filter_that_cannot_be_read_is_named_on_the_page(
    cabinet: Cabinet, accountant: FakeUser
) -> None:
    page = await cabinet.page()
    await cabinet.sign_in_by_link(page, accountant)
    answer = await page.goto(
        f"{cabinet.url}/requests?due_from=31.02.2026&amount_to=много&status=submitted&page=0"
    )
    assert answer is not None
    assert answer.status == 400
    problems = await page.inner_text("#problems")
    assert "Срок с: «31.02.2026» — не дата" in problems
    assert "Сумма до: «много» — не сумма" in problems
    assert "Статуса «submitted» нет среди ваших заявок." in problems
    assert "Страница «0» — не номер страницы." in problems
    assert await page.is_visible("#filter-form")
    await cabinet.snapshot(page, "registry-problems")
    await _follow(page, "#filters #reset")
    assert page.url == f"{cabinet.url}/requests"
    assert "Таких заявок нет." in await page.inner_text("#nothing")
    await cabinet.snapshot(page, "registry-empty")
