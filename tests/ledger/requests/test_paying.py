"""Paying approved requests: an expense entry for the rubles paid, to the deal or to the
company; parts; refusals; two accountants at once; the CRM note for a deal's request."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from ledger.crm_effects import AddDealNote, MoveDeal, from_payload
from ledger.errors import NotAllowed, NotYours, RequestMoved, RequestRefused
from ledger.journal import MoneyAccount
from ledger.notices import RequestStatusChanged
from ledger.requests.states import RequestStatus
from ledger.storage.models import AuditRow, CategoryRow, EntryRow, RequestPaymentRow
from tests.conftest import NOW
from tests.office import ORDER, REQUEST_PAID_STATUS, TODAY, Office, rub

LEAD = 19620


async def entries(office: Office) -> list[EntryRow]:
    async with office.database.read() as session:
        return list(await session.scalars(select(EntryRow).order_by(EntryRow.id)))


async def category_name(office: Office, category_id: int) -> str:
    async with office.database.read() as session:
        return (await session.get(CategoryRow, category_id)).name


async def deal_request(office: Office, **keys) -> tuple[int, int]:
    ids = await office.desk.deal(LEAD)
    async with office.services() as services:
        deal_id = (await services.confirmations.line(ids["Предоплата"])).deal_id
    request = await office.approved(category=None, deal_id=deal_id, **keys)
    return request.id, deal_id


async def test_paying_a_company_request_posts_an_expense_with_its_category_and_place(
    office: Office,
) -> None:
    request = await office.approved()
    since = await office.last_outbox_id()

    async with office.services() as services:
        paid = await services.request_payments.pay(
            office.accountant, request.id, on=TODAY - timedelta(days=1), order=ORDER
        )

    assert paid.request.status is RequestStatus.PAID
    assert paid.request.remaining == rub("0")
    assert (paid.payment.amount, paid.payment.rubles) == (rub("12000"), rub("12000"))
    assert paid.payment.order == ORDER
    [entry] = await entries(office)
    assert (entry.kind, entry.amount_minor, entry.currency) == ("expense", -1_200_000, "RUB")
    assert (entry.account, entry.entry_date) == ("bank_account", TODAY - timedelta(days=1))
    assert await category_name(office, entry.category_id) == "Маркетинг"
    assert (entry.salon, entry.city, entry.deal_id) == ("Центральный", "Казань", None)
    assert entry.description == f"Заявка №{request.id}: Баннеры на ноябрь"
    assert entry.receipt_file_id == ORDER.file_id
    assert paid.payment.entry_id == entry.id
    # A company expense asks nothing of amoCRM.
    assert await office.outbox("crm", since=since) == []
    [told] = await office.notices(since=since)
    assert told.chat_id == office.requester.telegram_id
    assert isinstance(told.facts, RequestStatusChanged)
    assert (told.facts.status, told.facts.by_name, told.facts.paid_minor) == (
        "paid",
        "Анна Петрова",
        1_200_000,
    )
    async with office.database.read() as session:
        actions = list(await session.scalars(select(AuditRow.action).order_by(AuditRow.id)))
    assert actions[-3:] == ["request.paid", "entry.posted", "request.payment"]


async def test_paying_a_deals_request_posts_to_the_deal_and_notes_it_in_the_crm(
    office: Office,
) -> None:
    request_id, deal_id = await deal_request(office)
    since = await office.last_outbox_id()

    async with office.services() as services:
        await services.request_payments.pay(office.accountant, request_id)

    [entry] = await entries(office)
    assert entry.deal_id == deal_id
    assert (entry.salon, entry.city) == ("Центральный", "Казань")  # the deal's own
    assert await category_name(office, entry.category_id) == "Закупки"
    note, move = [from_payload(row.payload) for row in await office.outbox("crm", since=since)]
    assert isinstance(note, AddDealNote)
    assert note.amo_lead_id == LEAD
    assert note.text.startswith(
        f"Оплачена заявка №{request_id} «Баннеры на ноябрь»: 12\u00a0000,00\u00a0₽, "
        "ООО «Ромашка». Бухгалтер Анна Петрова, 23.11.2026"
    )
    assert note.key == f"p{entry.id}"
    assert f"[kopeyka:{note.key}]" in note.text
    assert move == MoveDeal(LEAD, REQUEST_PAID_STATUS)


async def test_a_part_keeps_the_rest_open_and_the_deal_in_its_status(office: Office) -> None:
    request_id, _ = await deal_request(office)
    since = await office.last_outbox_id()

    async with office.services() as services:
        part = await services.request_payments.pay(
            office.accountant, request_id, amount=rub("5000")
        )
        with pytest.raises(RequestRefused) as refused:
            await services.request_payments.pay(
                office.accountant2, request_id, amount=rub("7000.01")
            )
        rest = await services.request_payments.pay(office.accountant2, request_id)
        card = await services.requests.card(office.accountant, request_id)

    assert part.request.status is RequestStatus.PARTLY_PAID
    assert part.request.remaining == rub("7000")
    assert (refused.value.reason, refused.value.remaining) == ("more_than_left", rub("7000"))
    assert rest.request.status is RequestStatus.PAID
    assert [p.amount for p in card.payments] == [rub("5000"), rub("7000")]
    assert [e.amount_minor for e in await entries(office)] == [-500_000, -700_000]
    effects = [from_payload(row.payload) for row in await office.outbox("crm", since=since)]
    assert [type(e).__name__ for e in effects] == ["AddDealNote", "AddDealNote", "MoveDeal"]
    assert effects[0].text.startswith(
        f"Оплачено 5\u00a0000,00\u00a0₽ из 12\u00a0000,00\u00a0₽ по заявке №{request_id}"
    )
    statuses = [n.facts.status for n in await office.notices(since=since)]
    assert statuses == ["partly_paid", "paid"]


async def test_a_foreign_currency_request_keeps_its_amount_and_the_ledger_the_rubles(
    office: Office,
) -> None:
    request = await office.approved(amount=rub("1000", "USD"))

    async with office.services() as services:
        with pytest.raises(RequestRefused) as missing:
            await services.request_payments.pay(office.accountant, request.id)
        with pytest.raises(RequestRefused) as not_rubles:
            await services.request_payments.pay(
                office.accountant, request.id, rubles=rub("1000", "EUR")
            )
        paid = await services.request_payments.pay(
            office.accountant, request.id, rubles=rub("92150.40")
        )

    assert (missing.value.reason, not_rubles.value.reason) == ("rubles", "rubles")
    assert paid.request.status is RequestStatus.PAID
    assert (paid.request.paid, paid.request.paid_rubles) == (rub("1000", "USD"), rub("92150.40"))
    [entry] = await entries(office)
    assert (entry.amount_minor, entry.currency) == (-9_215_040, "RUB")


@pytest.mark.parametrize("state", ["draft", "submitted", "returned", "cancelled"])
async def test_paying_an_unapproved_request_is_refused(office: Office, state: str) -> None:
    request = await office.draft() if state == "draft" else await office.submitted()
    async with office.services() as services:
        if state == "returned":
            await services.requests.return_for_rework(office.owner, request.id, "Счёт?")
        if state == "cancelled":
            await services.requests.cancel(office.requester, request.id)

        with pytest.raises(RequestRefused) as refused:
            await services.request_payments.pay(office.accountant, request.id)

    assert (refused.value.reason, refused.value.status) == ("not_approved", state)
    assert await entries(office) == []


async def test_paying_a_rejected_request_is_refused(office: Office) -> None:
    request = await office.submitted()
    async with office.services() as services:
        await services.requests.reject(office.owner, request.id, "Нет")
        with pytest.raises(RequestRefused) as refused:
            await services.request_payments.pay(office.accountant, request.id)

    assert refused.value.reason == "rejected"


async def test_paying_a_paid_request_again_is_told_who_paid_it(office: Office) -> None:
    request = await office.approved()
    async with office.services() as services:
        await services.request_payments.pay(office.accountant, request.id)
    office.clock.advance(timedelta(hours=1))

    async with office.services() as services:
        with pytest.raises(RequestMoved) as moved:
            await services.request_payments.pay(office.accountant2, request.id)

    assert (moved.value.status, moved.value.by_name, moved.value.at) == (
        "paid",
        "Анна Петрова",
        NOW,
    )
    assert len(await entries(office)) == 1


@pytest.mark.parametrize(
    ("keys", "reason"),
    [
        ({"amount": rub("0")}, "not_positive"),
        ({"amount": rub("-1")}, "not_positive"),
        ({"amount": rub("10", "USD")}, "currency"),
        ({"rubles": rub("11000")}, "rubles"),
        ({"on": TODAY + timedelta(days=1)}, "future_date"),
    ],
    ids=["zero", "negative", "currency", "rubles", "future"],
)
async def test_a_payment_that_cannot_be_is_refused(office: Office, keys, reason) -> None:
    request = await office.approved()

    async with office.services() as services:
        with pytest.raises(RequestRefused) as refused:
            await services.request_payments.pay(office.accountant, request.id, **keys)

    assert refused.value.reason == reason
    assert await entries(office) == []


async def test_only_the_accountant_and_the_owner_pay(office: Office) -> None:
    request = await office.approved()

    async with office.services() as services:
        for someone in (office.requester, office.approver, office.manager):
            with pytest.raises(NotAllowed):
                await services.request_payments.pay(someone, request.id)
        paid = await services.request_payments.pay(
            office.owner, request.id, account=MoneyAccount.OWNER_POCKET
        )

    assert paid.payment.account is MoneyAccount.OWNER_POCKET


async def test_two_accountants_at_once_make_exactly_one_payment(office: Office) -> None:
    request_id, _ = await deal_request(office)

    async def pay(actor):
        async with office.services() as services:
            return await services.request_payments.pay(actor, request_id)

    results = await asyncio.gather(
        pay(office.accountant), pay(office.accountant2), pay(office.owner), return_exceptions=True
    )

    won = [r for r in results if not isinstance(r, Exception)]
    lost = [r for r in results if isinstance(r, Exception)]
    assert len(won) == 1
    assert all(isinstance(r, RequestMoved) for r in lost), lost
    assert {r.by_name for r in lost} == {won[0].payment.by_name}
    assert len(await entries(office)) == 1
    async with office.database.read() as session:
        payments = list(await session.scalars(select(RequestPaymentRow)))
    assert len(payments) == 1
    notes = [
        e
        for e in (from_payload(r.payload) for r in await office.outbox("crm"))
        if isinstance(e, AddDealNote)
    ]
    assert len(notes) == 1


async def test_two_parts_at_once_from_one_view_pay_once(office: Office) -> None:
    request = await office.approved()

    async def pay(actor):
        async with office.services() as services:
            return await services.request_payments.pay(
                actor, request.id, amount=rub("3000"), version=request.version
            )

    results = await asyncio.gather(
        pay(office.accountant), pay(office.accountant2), return_exceptions=True
    )

    assert sorted(type(r).__name__ for r in results) == ["Paid", "RequestMoved"]
    assert [e.amount_minor for e in await entries(office)] == [-300_000]


async def test_a_paid_request_is_an_expense_of_its_month(office: Office) -> None:
    request = await office.approved()
    async with office.services() as services:
        await services.request_payments.pay(office.accountant, request.id, on=date(2026, 11, 20))
        profit = await services.profit.monthly(office.owner)

    [november] = [m for m in profit.figures() if m.month == date(2026, 11, 1)]
    # Marketing spending is the marketing line too.
    assert (november.expenses, november.marketing) == (rub("12000").amount,) * 2
    assert november.net == -rub("12000").amount


async def test_the_payment_order_comes_back_to_whoever_may_see_the_request(
    office: Office,
) -> None:
    request = await office.approved()
    async with office.services() as services:
        paid = await services.request_payments.pay(office.accountant, request.id, order=ORDER)
        order = await services.request_payments.payment_order(office.requester, paid.payment.id)
        with pytest.raises(NotYours):
            await services.request_payments.payment_order(office.requester2, paid.payment.id)

    assert order == ORDER


async def test_without_amocrm_a_deals_request_asks_nothing_of_it(office: Office) -> None:
    request_id, _ = await deal_request(office)
    settings = office.context.settings.model_copy(update={"amocrm_base_url": None})
    office.context = dataclasses.replace(office.context, settings=settings)

    async with office.services() as services:
        paid = await services.request_payments.pay(office.accountant, request_id)

    assert paid.request.status is RequestStatus.PAID
    assert await office.outbox("crm") == []
