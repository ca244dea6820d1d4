"""What the requester's form needs beside the service: amounts and /request's words read,
an invoice's offer completed from what is remembered and applied in one edit, and what still
stops a draft from being sent."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from ledger.amounts import AmountError, AmountProblem
from ledger.errors import NotYours, RequestMoved, RequestRefused
from ledger.invoices import read_invoice
from ledger.money import Money
from ledger.requests.edits import SetPayBy, SetVat
from ledger.requests.filing import Blocker, LineReading, blockers, read_amount, read_line
from ledger.requests.offer import Origin
from ledger.requests.states import VatMode
from tests import invoices_factory as made
from tests.office import BIK, CORR, INN, KPP, TODAY, Office, rub

# An invoice that names its supplier and total in words only: no bank details, no QR.
TEXT_ONLY = made.text_only(
    "Счет на оплату № 5 от 01.12.2026\n"
    f"Поставщик: ООО «Ромашка», ИНН {INN}, КПП {KPP}\n"
    "Всего к оплате: 1 000,00"
)


@pytest.mark.parametrize(
    ("typed", "amount"),
    [
        ("15 000,50", Money(Decimal("15000.50"))),
        ("15к", Money(Decimal("15000"))),
        ("1500 ₽", Money(Decimal("1500"))),
        ("1500 USD", Money(Decimal("1500"), "USD")),
        ("$120", Money(Decimal("120"), "USD")),
        ("300 евро", Money(Decimal("300"), "EUR")),
        ("2 000 юаней", Money(Decimal("2000"), "CNY")),
    ],
)
def test_an_amount_is_read_with_its_currency(typed: str, amount: Money) -> None:
    assert read_amount(typed) == amount


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("пять тысяч", AmountProblem.NOT_A_NUMBER),
        ("0", AmountProblem.ZERO),
        ("-100", AmountProblem.NEGATIVE),
        ("1,505", AmountProblem.TOO_PRECISE),
        ("2000000", AmountProblem.TOO_LARGE),
    ],
)
def test_what_is_no_amount_is_refused_with_its_problem(typed: str, problem: AmountProblem) -> None:
    with pytest.raises(AmountError) as refused:
        read_amount(typed, limit=Money(Decimal("1000000")))

    assert refused.value.problem is problem


@pytest.mark.parametrize(
    ("typed", "reading"),
    [
        ("5000 поставщику", LineReading(Money(Decimal("5000")), "поставщику")),
        ("аренда за декабрь 120к", LineReading(Money(Decimal("120000")), "аренда за декабрь")),
        ("поставщику", LineReading(None, "поставщику")),
        ("5000", LineReading(Money(Decimal("5000")), None)),
        ("   ", LineReading(None, None)),
    ],
)
def test_the_words_of_request_give_the_amount_and_what_it_is_for(
    typed: str, reading: LineReading
) -> None:
    assert read_line(typed) == reading


async def test_a_complete_draft_has_nothing_stopping_it(office: Office) -> None:
    draft = await office.draft()

    assert blockers(draft, TODAY) == ()


async def test_what_stops_a_draft_is_said_all_at_once(office: Office) -> None:
    draft = await office.draft(bank=False)
    async with office.services() as services:
        draft = await services.requests.edit(
            office.requester, draft.id, SetVat(VatMode.WITH_VAT, rub("100"))
        )

    later = TODAY + timedelta(days=10)  # the date asked for has passed by then

    assert blockers(draft, later) == (
        Blocker("missing", "bank_details"),
        Blocker("past_date", "pay_by"),
    )


async def test_an_invoice_naming_a_known_supplier_is_completed_from_what_is_remembered(
    office: Office,
) -> None:
    await office.submitted()
    async with office.services() as services:
        draft = await services.requests.start(office.requester)
        offer = await services.request_filing.offer(
            office.requester, read_invoice(TEXT_ONLY.data), draft
        )

    assert offer.believed("bik").origins == (Origin.KNOWN,)
    assert offer.value("account") is not None
    assert offer.believed("what_for").origins == (Origin.PREVIOUS,)
    assert offer.believed("category").shown == "Маркетинг"
    assert offer.value("place") == "Центральный|Казань"
    assert offer.value("purpose") == "Оплата по счёту № 5 от 01.12.2026"

    async with office.services() as services:
        filled = await services.request_filing.apply(
            office.requester, draft.id, offer, version=draft.version
        )
        filled = await services.requests.edit(
            office.requester, draft.id, SetPayBy(TODAY), SetVat(VatMode.WITHOUT_VAT)
        )

    assert filled.missing == ()
    assert (filled.counterparty.bik, filled.counterparty.corr_account) == (BIK, CORR)
    assert (filled.what_for, filled.category, filled.salon) == (
        "Баннеры на ноябрь",
        "Маркетинг",
        "Центральный",
    )


async def test_someone_elses_last_request_is_not_offered(office: Office) -> None:
    await office.submitted(office.requester2)
    async with office.services() as services:
        draft = await services.requests.start(office.requester)
        offer = await services.request_filing.offer(
            office.requester, read_invoice(TEXT_ONLY.data), draft
        )

    assert offer.believed("what_for") is None
    assert offer.believed("category") is None
    assert offer.believed("bik").origins == (Origin.KNOWN,)  # the supplier is everyone's


async def test_an_offer_applied_to_a_draft_changed_meanwhile_changes_nothing(
    office: Office,
) -> None:
    async with office.services() as services:
        draft = await services.requests.start(office.requester)
        offer = await services.request_filing.offer(
            office.requester, read_invoice(made.classic_1c(qr=2).data), draft
        )
        await services.requests.edit(office.requester, draft.id, SetPayBy(TODAY))
    async with office.services() as services:
        with pytest.raises(RequestMoved):
            await services.request_filing.apply(
                office.requester, draft.id, offer, version=draft.version
            )
        kept = await services.requests.get(office.requester, draft.id)

    assert kept.counterparty is None


async def test_a_draft_is_editable_only_by_its_requester_as_they_saw_it(office: Office) -> None:
    draft = await office.draft()
    request = await office.submitted()
    async with office.services() as services:
        filing = services.request_filing
        assert (await filing.editable(office.requester, draft.id, draft.version)).id == draft.id
        with pytest.raises(NotYours):
            await filing.editable(office.requester2, draft.id, draft.version)
        with pytest.raises(RequestMoved):
            await filing.editable(office.requester, draft.id, draft.version - 1)
        with pytest.raises(RequestMoved):  # a second tap of «Отправить»
            await filing.editable(office.requester, request.id, request.version - 1)
        with pytest.raises(RequestRefused) as refused:
            await filing.editable(office.requester, request.id, None)

    assert refused.value.reason == "not_editable"
