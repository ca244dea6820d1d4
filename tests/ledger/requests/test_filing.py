"""Filling a request: a draft in the database, typed edits each checked as it comes, the
counterparty remembered by ИНН, submission only when complete, no edits after approval."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from ledger.errors import DetailsRefused, NotAllowed, NotYours, RequestMoved, RequestRefused
from ledger.requests.details import DetailProblem
from ledger.requests.edits import (
    SetAmount,
    SetBankDetails,
    SetCategory,
    SetCounterparty,
    SetDeal,
    SetInvoice,
    SetPayBy,
    SetPurpose,
    SetVat,
    SetWhatFor,
)
from ledger.requests.files import StoredFile
from ledger.requests.states import RequestStatus, VatMode
from ledger.storage.models import AuditRow, CounterpartyRow, RequestHistoryRow
from tests.desk import OTHER_MANAGER_AMO
from tests.office import (
    ACCOUNT,
    BIK,
    CORR,
    INN,
    INVOICE,
    KPP,
    TODAY,
    Office,
    rub,
)


async def test_a_draft_survives_the_chat_being_closed(office: Office) -> None:
    async with office.services() as services:
        draft = await services.requests.start(office.requester)
        await services.requests.edit(
            office.requester, draft.id, SetWhatFor("  Баннеры   на ноябрь ")
        )

    # Another update, another unit of work: the draft is in the database, not in memory.
    async with office.services() as services:
        [found] = await services.requests.drafts(office.requester)

    assert found.id == draft.id
    assert found.status is RequestStatus.DRAFT
    assert found.what_for == "Баннеры на ноябрь"
    assert found.version == 1
    assert "counterparty" in found.missing


async def test_every_field_is_kept_as_filled(office: Office) -> None:
    draft = await office.draft(vat=rub("2000"))
    async with office.services() as services:
        draft = await services.requests.edit(office.requester, draft.id, SetInvoice(INVOICE))

    assert draft.missing == ()
    assert draft.counterparty.name == "ООО «Ромашка»"
    assert (draft.counterparty.inn, draft.counterparty.kpp) == (INN, KPP)
    assert (draft.counterparty.bik, draft.counterparty.account) == (BIK, ACCOUNT)
    assert draft.counterparty.corr_account == CORR
    assert draft.amount == rub("12000")
    assert draft.pay_by == TODAY + timedelta(days=3)
    assert (draft.vat_mode, draft.vat) == (VatMode.WITH_VAT, rub("2000"))
    assert draft.invoice == INVOICE
    assert (draft.category, draft.salon, draft.city) == ("Маркетинг", "Центральный", "Казань")


@pytest.mark.parametrize(
    ("edit", "reason"),
    [
        (SetAmount(rub("0")), "not_positive"),
        (SetAmount(rub("-5")), "not_positive"),
        (SetAmount(rub("1000000000.01")), "too_large"),
        (SetPayBy(TODAY - timedelta(days=1)), "past_date"),
        (SetWhatFor("   "), "empty"),
        (SetWhatFor("б" * 501), "too_long"),
        (SetPurpose("п" * 211), "too_long"),
        (SetVat(VatMode.WITH_VAT), "vat"),
        (SetDeal(987654), "deal"),
        (SetCategory(987654), "category"),
        (
            SetInvoice(StoredFile("f1", "document", "application/zip", 10, "ab" * 32, "a.zip")),
            "file",
        ),
        (
            SetInvoice(
                StoredFile("f1", "document", "application/pdf", 21 * 1024 * 1024, "ab" * 32)
            ),
            "file",
        ),
    ],
    ids=lambda value: value if isinstance(value, str) else type(value).__name__,
)
async def test_a_wrong_value_is_refused_and_changes_nothing(office: Office, edit, reason) -> None:
    draft = await office.draft()

    async with office.services() as services:
        with pytest.raises(RequestRefused) as refused:
            await services.requests.edit(office.requester, draft.id, SetWhatFor("Новое"), edit)
        after = await services.requests.get(office.requester, draft.id)

    assert refused.value.reason == reason
    assert after == draft


async def test_a_vat_not_less_than_the_amount_is_refused(office: Office) -> None:
    draft = await office.draft(amount=rub("1000"))

    async with office.services() as services:
        with pytest.raises(RequestRefused) as refused:
            await services.requests.edit(
                office.requester, draft.id, SetVat(VatMode.WITH_VAT, rub("1000"))
            )

    assert refused.value.reason == "vat"


async def test_an_income_category_is_no_place_for_a_request(office: Office) -> None:
    draft = await office.draft()
    sales = await office.category("Продажи")

    async with office.services() as services:
        with pytest.raises(RequestRefused) as refused:
            await services.requests.edit(office.requester, draft.id, SetCategory(sales))

    assert refused.value.reason == "category"


async def test_details_that_fail_their_checks_are_all_named(office: Office) -> None:
    draft = await office.draft(bank=False)

    async with office.services() as services:
        with pytest.raises(DetailsRefused) as refused:
            await services.requests.edit(
                office.requester,
                draft.id,
                SetCounterparty("ИП Лесков", "12345", "77360100"),
                SetBankDetails("04452522", "4070281093800001234", "40101810400000000225"),
            )

    assert set(refused.value.problems) == {
        DetailProblem("inn", "wrong_length"),
        DetailProblem("kpp", "wrong_length"),
        DetailProblem("bik", "wrong_length"),
        DetailProblem("account", "wrong_length"),
        DetailProblem("corr_account", "not_correspondent"),
    }


@pytest.mark.parametrize(
    ("edit", "problem"),
    [
        (SetCounterparty("ООО «Ромашка»", "7707083894", KPP), DetailProblem("inn", "checksum")),
        (SetCounterparty("ООО «Ромашка»", INN, "7736Я1001"), DetailProblem("kpp", "format")),
        (SetBankDetails("144525225", ACCOUNT, CORR), DetailProblem("bik", "not_russian")),
        # Well formed, and keyed to some bank: not to this БИК's.
        (
            SetBankDetails(BIK, "40702810938000012346", CORR),
            DetailProblem("account", "key_mismatch"),
        ),
        (
            SetBankDetails(BIK, ACCOUNT, "30101810145250000974"),
            DetailProblem("corr_account", "other_bank"),
        ),
    ],
)
async def test_details_are_checked_by_their_check_digits_and_against_the_bik(
    office: Office, edit: object, problem: DetailProblem
) -> None:
    draft = await office.draft(bank=False)

    async with office.services() as services:
        with pytest.raises(DetailsRefused) as refused:
            await services.requests.edit(office.requester, draft.id, edit)

    assert refused.value.problems == (problem,)
    async with office.services() as services:
        assert await services.requests.get(office.requester, draft.id) == draft


async def test_details_are_read_as_people_paste_them(office: Office) -> None:
    draft = await office.draft(bank=False)

    async with office.services() as services:
        filled = await services.requests.edit(
            office.requester,
            draft.id,
            SetBankDetails("04 45 25 225", "40702.810.9.3800.0012345", "3010-1810-4000-0000-0225"),
        )

    assert (filled.counterparty.bik, filled.counterparty.account) == (BIK, ACCOUNT)
    assert filled.counterparty.corr_account == CORR


async def test_submitting_an_incomplete_draft_names_what_is_missing(office: Office) -> None:
    async with office.services() as services:
        draft = await services.requests.start(office.requester)
        draft = await services.requests.edit(
            office.requester, draft.id, SetWhatFor("Аренда"), SetAmount(rub("30000"))
        )
        with pytest.raises(RequestRefused) as refused:
            await services.requests.submit(office.requester, draft.id)

    assert refused.value.reason == "incomplete"
    assert refused.value.missing == (
        "counterparty",
        "pay_by",
        "bank_details",
        "purpose",
        "vat",
        "deal_or_category",
    )


async def test_a_draft_whose_date_passed_meanwhile_asks_for_a_new_one(office: Office) -> None:
    draft = await office.draft(pay_by=TODAY)
    office.clock.advance(timedelta(days=1))

    async with office.services() as services:
        with pytest.raises(RequestRefused) as refused:
            await services.requests.submit(office.requester, draft.id)

    assert refused.value.reason == "past_date"


async def test_the_second_request_to_one_inn_gets_the_details_filled(office: Office) -> None:
    await office.submitted()

    async with office.services() as services:
        remembered = await services.requests.remembered(office.requester2, "77 0708 3893")
        second = await services.requests.start(office.requester2)
        second = await services.requests.edit(
            office.requester2, second.id, SetCounterparty("ООО «Ромашка»", INN, KPP)
        )

    assert remembered is not None
    assert (remembered.bik, remembered.account, remembered.corr_account) == (BIK, ACCOUNT, CORR)
    assert second.counterparty.id == remembered.id
    assert (second.counterparty.bik, second.counterparty.account) == (BIK, ACCOUNT)
    assert second.counterparty.bank_name == "ПАО Сбербанк"
    assert "bank_details" not in second.missing


async def test_a_counterparty_is_remembered_once_and_updated_by_the_next_request(
    office: Office,
) -> None:
    await office.submitted()
    other_account = "40702810740000432537"  # keyed to Сбербанк's БИК too
    draft = await office.draft(office.requester2, bank=False)
    async with office.services() as services:
        await services.requests.edit(
            office.requester2, draft.id, SetBankDetails(BIK, other_account, CORR)
        )
        await services.requests.submit(office.requester2, draft.id)

    async with office.database.read() as session:
        rows = list(await session.scalars(select(CounterpartyRow)))
    assert len(rows) == 1
    assert (rows[0].inn, rows[0].kpp, rows[0].account) == (INN, KPP, other_account)


async def test_a_draft_is_not_remembered_until_it_is_submitted(office: Office) -> None:
    await office.draft()

    async with office.services() as services:
        assert await services.requests.remembered(office.requester, INN) is None


async def test_editing_after_approval_is_refused(office: Office) -> None:
    request = await office.approved()

    async with office.services() as services:
        with pytest.raises(RequestRefused) as refused:
            await services.requests.edit(office.requester, request.id, SetAmount(rub("1")))

    assert (refused.value.reason, refused.value.status) == ("not_editable", "approved")


async def test_editing_while_it_awaits_approval_is_refused(office: Office) -> None:
    request = await office.submitted()

    async with office.services() as services:
        with pytest.raises(RequestRefused) as refused:
            await services.requests.edit(office.requester, request.id, SetAmount(rub("1")))

    assert (refused.value.reason, refused.value.status) == ("not_editable", "submitted")


async def test_someone_elses_draft_is_not_theirs_to_edit(office: Office) -> None:
    draft = await office.draft()

    async with office.services() as services:
        with pytest.raises(NotYours):
            await services.requests.edit(office.requester2, draft.id, SetAmount(rub("1")))


async def test_an_accountant_files_no_requests(office: Office) -> None:
    async with office.services() as services:
        with pytest.raises(NotAllowed):
            await services.requests.start(office.accountant)


async def test_a_stale_form_is_told_who_changed_the_draft(office: Office) -> None:
    draft = await office.draft()
    async with office.services() as services:
        await services.requests.edit(office.requester, draft.id, SetAmount(rub("13000")))

    async with office.services() as services:
        with pytest.raises(RequestMoved) as moved:
            await services.requests.edit(
                office.requester, draft.id, SetAmount(rub("14000")), version=draft.version
            )

    assert (moved.value.status, moved.value.by_name) == ("draft", "Маша Смирнова")


async def test_a_returned_requests_edits_are_its_history(office: Office) -> None:
    request = await office.submitted()
    async with office.services() as services:
        await services.requests.return_for_rework(office.owner, request.id, "Сумма не та")
        await services.requests.edit(office.requester, request.id, SetAmount(rub("11500")))
        lines = await services.requests.history(office.requester, request.id)

    assert [(line.action, line.field, line.old, line.new) for line in lines] == [
        ("created", None, None, None),
        ("submitted", "status", "draft", "submitted"),
        ("returned", "status", "submitted", "returned"),
        ("edited", "amount", "12000.00 RUB", "11500.00 RUB"),
    ]
    assert lines[2].note == "Сумма не та"
    assert (lines[2].by_name, lines[3].by_name) == ("Ольга", "Маша Смирнова")
    async with office.database.read() as session:
        edited = (
            await session.execute(select(AuditRow).where(AuditRow.action == "request.edited"))
        ).scalar_one()
        kept = await session.scalar(
            select(RequestHistoryRow.id).where(RequestHistoryRow.field == "amount")
        )
    assert edited.before == {"amount_minor": 1_200_000}
    assert edited.after == {"amount_minor": 1_150_000}
    assert kept is not None


async def test_a_deal_is_found_by_its_contract_or_among_the_managers_own(office: Office) -> None:
    await office.desk.deal(19620)
    await office.desk.deal(19621, responsible=OTHER_MANAGER_AMO)

    async with office.services() as services:
        found = await services.requests.deal_by_contract(office.requester, " д-19620 ")
        missing = await services.requests.deal_by_contract(office.requester, "Д-1")
        own = await services.requests.own_deals(office.manager)
        none = await services.requests.own_deals(office.requester)

    assert (found.name, found.contract) == ("Кухня Ивановых", "Д-19620")
    assert missing is None
    assert [deal.contract for deal in own] == ["Д-19620"]
    assert none == []
