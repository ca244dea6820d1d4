"""Importing bank statements on the real database: stored once, matched, accepted through the
services a person would use, reviewed, assigned by hand and learned from; and the payment
orders that go out to the bank and come back in the next statement."""

from __future__ import annotations

import asyncio
import dataclasses
import io
import zipfile
from datetime import date, timedelta
from decimal import Decimal

import openpyxl
import pytest
from sqlalchemy import select

from config.statements_mapping import CompanyMapping
from ledger.crm_effects import AddDealNote, from_payload
from ledger.errors import (
    NotAllowed,
    OrdersRefused,
    StatementLineMoved,
    StatementLineRefused,
)
from ledger.journal import MoneyAccount
from ledger.payments import PaymentStatus
from ledger.requests.states import RequestStatus
from ledger.statement_imports import (
    Imported,
    LineState,
    NeedsMapping,
    Progress,
    Stage,
    ToCategory,
    ToPayment,
    ToRequest,
)
from ledger.statements import (
    Direction,
    DocumentKind,
    Refused,
    StatementProblem,
    read_payment_orders,
)
from ledger.statements.matching import Reason
from ledger.storage.models import (
    AuditRow,
    EntryRow,
    ExpectedPaymentRow,
    PaymentConfirmationRow,
    PaymentRequestRow,
    RequestPaymentRow,
    StatementImportRow,
    StatementLineRow,
)
from tests.office import ACCOUNT, INN, TODAY, Office, rub
from tests.statements_factory import (
    BANK_PARTY,
    OUR_ACCOUNT,
    Corruption,
    Counterparty,
    TruthDocument,
    TruthSection,
    TruthStatement,
    corrupt,
    render,
    render_csv,
)

LEAD = 19620
CLIENT = Counterparty("Иванов Иван Иванович", "770512345678", None, "40817810100000000077")
SUPPLIER = Counterparty("ООО «Ромашка»", INN, "773601001", ACCOUNT)
LANDLORD = Counterparty('ООО "Бизнес-центр"', "7710140679", "771001001", "40702810300000000042")
DAY = TODAY - timedelta(days=3)  # 20.11.2026
COMPANY = CompanyMapping(
    name='ООО "Копейка"',
    inn="7736050003",
    kpp="773601001",
    account="40702810200000000001",
    bik="044525225",
    bank="ПАО Сбербанк",
    bank_city="г. Москва",
    corr_account="30101810400000000225",
)


def credit(
    amount: str, purpose: str, *, party: Counterparty = CLIENT, on: date = DAY, number: str = "1"
) -> TruthDocument:
    return _document(Direction.IN, amount, purpose, party, on, number)


def debit(
    amount: str, purpose: str, *, party: Counterparty = SUPPLIER, on: date = DAY, number: str = "1"
) -> TruthDocument:
    return _document(Direction.OUT, amount, purpose, party, on, number)


def _document(
    direction: Direction, amount: str, purpose: str, party: Counterparty, on: date, number: str
) -> TruthDocument:
    return TruthDocument(
        kind_text="Платежное поручение",
        kind=DocumentKind.PAYMENT_ORDER,
        number=number,
        written=on,
        booked=on,
        amount=Decimal(amount),
        direction=direction,
        account=OUR_ACCOUNT,
        counterparty=party,
        purpose=purpose,
    )


def statement(
    *documents: TruthDocument, first: date | None = None, last: date | None = None
) -> TruthStatement:
    """One account in daily sections from `first` to `last` (the documents' days by default)."""
    days = [d.booked for d in documents]
    first = first or min(days, default=DAY)
    last = last or max(days, default=DAY)
    sections, opening, day = [], Decimal("1000000.00"), first
    while day <= last:
        section = TruthSection(
            OUR_ACCOUNT, day, day, opening, tuple(d for d in documents if d.booked == day)
        )
        sections.append(section)
        opening, day = section.closing, day + timedelta(days=1)
    return TruthStatement(tuple(sections))


def file_of(*documents: TruthDocument, **days: date) -> bytes:
    return render(statement(*documents, **days)).data


async def imported(office: Office, data: bytes, actor=None, **keys) -> Imported:
    async with office.services() as services:
        result = await services.statements.import_file(actor or office.accountant, data, **keys)
    assert isinstance(result, Imported), result
    return result


async def lines(office: Office) -> list[StatementLineRow]:
    async with office.database.read() as session:
        return list(await session.scalars(select(StatementLineRow).order_by(StatementLineRow.id)))


async def payment(office: Office, payment_id: int) -> ExpectedPaymentRow:
    async with office.database.read() as session:
        row = await session.get(ExpectedPaymentRow, payment_id)
        assert row is not None
        return row


async def request_row(office: Office, request_id: int) -> PaymentRequestRow:
    async with office.database.read() as session:
        row = await session.get(PaymentRequestRow, request_id)
        assert row is not None
        return row


async def a_deal(office: Office, lead: int = LEAD) -> dict[str, int]:
    """A closed deal «Д-<lead>» owing 50,000 by bank transfer, then 100,000 by bank transfer."""
    return await office.desk.deal(lead, prepay_kind="bank_transfer")


# -- importing and accepting ------------------------------------------------------------------


async def test_a_sure_match_is_accepted_through_the_confirmation_service(office: Office) -> None:
    ids = await a_deal(office)
    data = file_of(credit("50000.00", "Предоплата по договору № Д-19620 за кухню"))

    result = await imported(office, data)
    async with office.services() as services:
        accepted = await services.statements.accept_sure(office.accountant, result.import_id)

    assert (result.lines, result.new, result.sure, result.review, result.unmatched) == (
        1,
        1,
        1,
        0,
        0,
    )
    assert result.balance_ok is True
    assert accepted.confirmed == rub("50000")
    assert accepted.skipped == ()
    row = await payment(office, ids["Предоплата"])
    assert row.status == PaymentStatus.CONFIRMED.value
    async with office.database.read() as session:
        confirmation = await session.scalar(select(PaymentConfirmationRow))
        entry = await session.get(EntryRow, confirmation.entry_id)
    assert (confirmation.source, confirmation.received_on) == ("statement", DAY)
    assert (entry.account, entry.amount_minor) == (MoneyAccount.BANK_ACCOUNT.value, 5_000_000)
    notes = [
        effect
        for effect in (from_payload(r.payload) for r in await office.outbox("crm"))
        if isinstance(effect, AddDealNote)
    ]
    assert len(notes) == 1
    assert "по выписке" in notes[0].text
    [line] = await lines(office)
    assert line.state == LineState.ACCEPTED.value
    assert line.resolved_by == office.accountant.user_id


async def test_the_same_file_twice_changes_nothing(office: Office) -> None:
    await a_deal(office)
    data = file_of(credit("50000", "по дог. Д-19620"), credit("777", "Перевод", number="2"))
    first = await imported(office, data)
    before = await office.desk.count(AuditRow)

    again = await imported(office, data)

    assert again.again
    assert again.import_id == first.import_id
    assert (again.lines, again.new, again.sure, again.unmatched) == (2, 2, 1, 1)
    assert len(await lines(office)) == 2
    assert await office.desk.count(StatementImportRow) == 1
    assert await office.desk.count(AuditRow) == before


async def test_an_overlapping_statement_adds_only_its_new_lines(office: Office) -> None:
    ids = await a_deal(office)
    early = credit("50000", "по дог. Д-19620", on=DAY - timedelta(days=1))
    late = credit("100000", "Остаток по дог. Д-19620", on=DAY, number="2")
    await imported(office, file_of(early))

    overlapping = await imported(office, file_of(early, late))

    assert (overlapping.lines, overlapping.new, overlapping.duplicates) == (2, 1, 1)
    assert overlapping.sure == 1
    rows = await lines(office)
    assert len(rows) == 2
    async with office.services() as services:
        accepted = await services.statements.accept_sure(office.accountant)
    assert accepted.confirmed == rub("150000")
    assert (await payment(office, ids["Предоплата"])).status == "confirmed"
    assert (await payment(office, ids["Остаток"])).status == "confirmed"


async def test_two_payments_differing_only_in_their_number_are_both_kept(office: Office) -> None:
    ids = await a_deal(office)
    # A client splitting a payment at a transfer limit: the same sum, day and account.
    first = credit("50000", "Остаток по дог. Д-19620, часть 1", number="11")
    second = credit("50000", "Остаток по дог. Д-19620, часть 2", number="12")

    result = await imported(office, file_of(first, second))

    assert result.new == 2
    assert result.asked == 0
    async with office.services() as services:
        await services.statements.accept_sure(office.accountant)
    assert (await payment(office, ids["Предоплата"])).status == "confirmed"
    assert len(await lines(office)) == 2


async def test_two_lines_of_one_identity_in_a_file_are_kept_and_asked_about(
    office: Office,
) -> None:
    ids = await a_deal(office)
    twin = credit("50000", "по дог. Д-19620", number="7")

    result = await imported(office, file_of(twin, twin))
    again = await imported(office, file_of(twin, twin, credit("1", "x", number="8")))

    assert (result.new, result.sure, result.asked) == (2, 1, 1)
    assert (again.new, again.duplicates) == (1, 2)  # the twins are known, both
    asked = next(r for r in await lines(office) if r.state == LineState.ASKED.value)
    async with office.services() as services:
        kept = await services.statements.keep(office.accountant, asked.id, version=asked.version)
    # The first twin claims the prepayment: the second, a payment of its own, the rest.
    assert kept.state is LineState.PROPOSED
    assert kept.proposal is not None
    assert kept.proposal.targets[0].id == ids["Остаток"]
    assert not kept.proposal.sure


async def test_a_second_line_the_bank_repeated_is_ignored_and_nothing_is_posted(
    office: Office,
) -> None:
    await a_deal(office)
    twin = credit("50000", "по дог. Д-19620", number="7")
    await imported(office, file_of(twin, twin))
    asked = next(r for r in await lines(office) if r.state == LineState.ASKED.value)

    async with office.services() as services:
        ignored = await services.statements.ignore(
            office.accountant, asked.id, version=asked.version
        )
        with pytest.raises(StatementLineMoved) as moved:
            await services.statements.ignore(office.accountant, asked.id, version=asked.version)

    assert ignored.state is LineState.IGNORED
    assert moved.value.by_name == "Анна Петрова"
    assert await office.desk.count(EntryRow) == 0


@pytest.mark.parametrize(
    "corruption",
    [Corruption.AMOUNT_NOT_A_NUMBER, Corruption.CLOSING_OFF, Corruption.DOCUMENT_UNCLOSED],
)
async def test_a_file_with_any_error_is_refused_whole_and_changes_nothing(
    office: Office, corruption: Corruption
) -> None:
    await a_deal(office)
    rendered = render(statement(credit("50000", "по дог. Д-19620"), credit("10", "x", number="2")))
    broken = corrupt(rendered, corruption, 1)
    assert broken is not None

    async with office.services() as services:
        result = await services.statements.import_file(office.accountant, broken.data)

    assert isinstance(result, Refused)
    assert broken.problem in {error.problem for error in result.errors}
    assert await office.desk.count(StatementImportRow) == 0
    assert await office.desk.count(StatementLineRow) == 0


async def test_a_pdf_is_refused_as_one(office: Office) -> None:
    async with office.services() as services:
        result = await services.statements.import_file(office.accountant, b"%PDF-1.7\n...")

    assert isinstance(result, Refused)
    assert result.errors[0].problem is StatementProblem.PDF


async def test_a_payment_confirmed_by_hand_meanwhile_is_reported_not_doubled(
    office: Office,
) -> None:
    ids = await a_deal(office)
    result = await imported(office, file_of(credit("50000", "по дог. Д-19620")))
    async with office.services() as services:
        await services.confirmations.confirm(office.owner, ids["Предоплата"])

    async with office.services() as services:
        accepted = await services.statements.accept_sure(office.accountant, result.import_id)
        again = await services.statements.accept_sure(office.accountant, result.import_id)

    [skipped] = accepted.skipped
    assert (skipped.reason, skipped.by_name) == ("already_confirmed", "Ольга")
    assert accepted.accepted == ()
    assert again.accepted == again.skipped == ()
    assert await office.desk.count(PaymentConfirmationRow) == 1
    [line] = await lines(office)
    assert (line.state, line.problem) == (LineState.PROPOSED.value, "already_confirmed")
    summary = await imported(office, file_of(credit("50000", "по дог. Д-19620")))
    assert (summary.sure, summary.review) == (0, 1)


async def test_one_line_refused_in_a_batch_is_rolled_back_alone(office: Office) -> None:
    first = await a_deal(office)
    second = await a_deal(office, 19621)
    third = await a_deal(office, 19622)
    data = file_of(
        credit("50000", "по дог. Д-19620", number="1"),
        credit("50000", "по дог. Д-19621", number="2"),
        credit("50000", "по дог. Д-19622", number="3"),
    )
    await imported(office, data)
    async with office.services() as services:
        await services.confirmations.confirm(office.owner, second["Предоплата"])

    async with office.services() as services:
        accepted = await services.statements.accept_sure(office.accountant)

    assert len(accepted.accepted) == 2
    assert [s.reason for s in accepted.skipped] == ["already_confirmed"]
    assert accepted.confirmed == rub("100000")
    for ids in (first, second, third):
        assert (await payment(office, ids["Предоплата"])).status == "confirmed"
    assert await office.desk.count(PaymentConfirmationRow) == 3
    states = sorted((r.state, r.problem) for r in await lines(office))
    assert states == [("accepted", None), ("accepted", None), ("proposed", "already_confirmed")]


async def test_a_debit_pays_the_approved_request_through_request_payments(office: Office) -> None:
    request = await office.approved(amount=rub("12000"))
    data = file_of(debit("12000.00", "Оплата по счёту № 17 от 20.11.2026. Без НДС"))

    result = await imported(office, data)
    async with office.services() as services:
        accepted = await services.statements.accept_sure(office.accountant)

    assert result.sure == 1
    assert accepted.paid == rub("12000")
    row = await request_row(office, request.id)
    assert row.status == RequestStatus.PAID.value
    async with office.database.read() as session:
        paid = await session.scalar(select(RequestPaymentRow))
    assert (paid.paid_on, paid.amount_minor, paid.paid_by) == (
        DAY,
        1_200_000,
        office.accountant.user_id,
    )


async def test_a_credit_cannot_be_assigned_to_a_request_nor_a_debit_to_a_payment(
    office: Office,
) -> None:
    ids = await a_deal(office)
    request = await office.approved(amount=rub("700"))
    await imported(
        office, file_of(credit("700", "Возврат"), debit("700", "Перевод", party=CLIENT, number="2"))
    )
    incoming, outgoing = await lines(office)

    async with office.services() as services:
        with pytest.raises(StatementLineRefused) as to_request:
            await services.statements.assign(
                office.accountant, incoming.id, ToRequest(request.id), version=incoming.version
            )
        with pytest.raises(StatementLineRefused) as to_payment:
            await services.statements.assign(
                office.accountant,
                outgoing.id,
                ToPayment(ids["Остаток"]),
                version=outgoing.version,
            )

    assert to_request.value.reason == to_payment.value.reason == "direction"


async def test_assigning_a_debit_to_a_category_posts_it_and_teaches_the_next_import(
    office: Office,
) -> None:
    rent = await office.category("Аренда")
    first = await imported(
        office, file_of(debit("80000", "Арендная плата за ноябрь", party=LANDLORD))
    )
    [line] = await lines(office)
    assert first.unmatched == 1

    async with office.services() as services:
        done = await services.statements.assign(
            office.accountant, line.id, ToCategory(rent, "Центральный", "Казань"), version=0
        )
    later = DAY + timedelta(days=1)
    second = await imported(
        office,
        file_of(debit("80000", "Арендная плата за декабрь", party=LANDLORD, on=later)),
    )

    assert done.line.state is LineState.ASSIGNED
    [entry_id] = done.entry_ids
    async with office.database.read() as session:
        entry = await session.get(EntryRow, entry_id)
    assert (entry.kind, entry.amount_minor, entry.category_id) == ("expense", -8_000_000, rent)
    assert (entry.salon, entry.city, entry.entry_date) == ("Центральный", "Казань", DAY)
    assert second.sure == 1
    async with office.services() as services:
        page = await services.statements.lines(office.accountant, import_id=second.import_id)
    [proposed] = page.lines
    assert proposed.proposal.targets[0].id == rent
    assert Reason.LEARNED_INN in proposed.proposal.reasons


async def test_assigning_a_credit_to_a_deal_teaches_that_the_payer_pays_it(office: Office) -> None:
    ids = await a_deal(office)
    await imported(office, file_of(credit("50000", "Оплата за кухню")))
    [line] = await lines(office)
    assert line.state == LineState.PROPOSED.value  # the amount alone: to review

    async with office.services() as services:
        done = await services.statements.assign(
            office.accountant, line.id, ToPayment(ids["Предоплата"]), version=line.version
        )
    second = await imported(
        office, file_of(credit("100000", "Оплата остатка", on=DAY + timedelta(days=1)))
    )

    assert done.line.state is LineState.ASSIGNED
    assert len(done.confirmation_ids) == 1
    assert (await payment(office, ids["Предоплата"])).status == "confirmed"
    assert second.sure == 1
    async with office.services() as services:
        page = await services.statements.lines(office.accountant, import_id=second.import_id)
    assert Reason.PAYER_KNOWN in page.lines[0].proposal.reasons


async def test_a_reviewed_proposal_is_accepted_as_it_was_shown(office: Office) -> None:
    ids = await a_deal(office)
    await imported(office, file_of(credit("30000", "Частичная оплата по дог. Д-19620")))
    [line] = await lines(office)

    async with office.services() as services:
        view = await services.statements.line(office.accountant, line.id)
        with pytest.raises(StatementLineMoved):
            await services.statements.accept(office.accountant, line.id, version=view.version + 1)
        done = await services.statements.accept(office.accountant, line.id, version=view.version)

    assert not view.sure
    assert view.proposal.targets[0].id == ids["Предоплата"]
    assert done.line.state is LineState.ACCEPTED
    row = await payment(office, ids["Предоплата"])
    assert (row.status, row.confirmed_amount_minor) == ("partly_confirmed", 3_000_000)


async def test_the_bank_fee_and_an_acquiring_credit_go_where_they_belong(office: Office) -> None:
    ids = await office.desk.deal(LEAD, prepay_kind="terminal", due=DAY - timedelta(days=1))
    purpose = (
        f"Возмещение по операциям эквайринга за {(DAY - timedelta(days=1)):%d.%m.%Y}. "
        "Сумма 50000.00, комиссия 900.00"
    )
    fee = debit("990", "Комиссия за ведение счета за ноябрь", party=BANK_PARTY, number="3")

    result = await imported(office, file_of(credit("49100", purpose, party=BANK_PARTY), fee))
    async with office.services() as services:
        accepted = await services.statements.accept_sure(office.accountant)

    assert result.sure == 2
    assert accepted.confirmed == rub("50000")
    assert accepted.posted == 2  # the acquiring fee and the account's fee
    assert (await payment(office, ids["Предоплата"])).status == "confirmed"
    services_id = await office.category("Услуги")
    async with office.database.read() as session:
        fees = list(
            await session.scalars(
                select(EntryRow.amount_minor).where(EntryRow.category_id == services_id)
            )
        )
    assert sorted(fees) == [-99_000, -90_000]


async def test_the_progress_is_told_as_the_file_is_read_stored_and_accepted(
    office: Office,
) -> None:
    await a_deal(office)
    told: list[Progress] = []

    async def tell(progress: Progress) -> None:
        told.append(progress)

    data = file_of(credit("50000", "по дог. Д-19620"), credit("5", "x", number="2"))
    result = await imported(office, data, progress=tell)
    async with office.services() as services:
        await services.statements.accept_sure(office.accountant, result.import_id, progress=tell)

    assert [(p.stage, p.done, p.total) for p in told] == [
        (Stage.READ, 2, 2),
        (Stage.MATCHING, 0, 2),
        (Stage.STORED, 2, 2),
        (Stage.ACCEPTING, 1, 1),
    ]


async def test_only_the_accountant_and_the_owner_import(office: Office) -> None:
    data = file_of(credit("5", "x"))

    async with office.services() as services:
        with pytest.raises(NotAllowed):
            await services.statements.import_file(office.manager, data)
        with pytest.raises(NotAllowed):
            await services.statements.accept_sure(office.requester)
        owner = await services.statements.import_file(office.owner, data)

    assert isinstance(owner, Imported)


async def test_two_imports_at_once_store_each_line_once(office: Office) -> None:
    await a_deal(office)
    await a_deal(office, 19621)
    a = credit("50000", "по дог. Д-19620", on=DAY - timedelta(days=1))
    b = credit("50000", "по дог. Д-19621", on=DAY, number="2")
    c = credit("100000", "по дог. Д-19620", on=DAY + timedelta(days=1), number="3")
    first, second = file_of(a, b), file_of(b, c)

    async def run(data: bytes):
        async with office.services() as services:
            return await services.statements.import_file(office.accountant, data)

    results = await asyncio.gather(run(first), run(first), run(second), run(second))

    assert sum(not r.again for r in results) == 2
    rows = await lines(office)
    assert len(rows) == 3
    async with office.services() as services:
        await services.statements.accept_sure(office.accountant)
    assert await office.desk.count(PaymentConfirmationRow) == 3


async def test_a_csv_export_asks_for_its_columns_once_and_then_remembers_them(
    office: Office,
) -> None:
    await a_deal(office)
    first = render_csv(statement(credit("50000", "по дог. Д-19620")))
    second = render_csv(statement(credit("777", "Перевод", on=DAY + timedelta(days=1))))

    async with office.services() as services:
        asked = await services.statements.import_file(office.accountant, first)
    assert isinstance(asked, NeedsMapping)
    assert asked.guessed is not None
    assert "Назначение платежа" in asked.preview.header
    done = await imported(office, first, mapping=asked.guessed)
    remembered = await imported(office, second)

    assert (done.format.value, done.sure, done.balance_ok) == ("csv", 1, None)
    assert (remembered.new, remembered.unmatched) == (1, 1)


async def test_an_xlsx_export_is_read_by_the_workbook_reader_and_another_zip_refused(
    office: Office,
) -> None:
    await a_deal(office)
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Выписка по счету", OUR_ACCOUNT])
    sheet.append(["Дата операции", "Сумма", "Назначение платежа", "ИНН контрагента"])
    sheet.append([DAY, 50000, "Оплата по договору № Д-19620", CLIENT.inn])
    sheet.append([DAY, -990.5, "Комиссия за ведение счета", BANK_PARTY.inn])
    buffer = io.BytesIO()
    workbook.save(buffer)
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as packed:
        packed.writestr("statement.txt", "not a workbook")

    async with office.services() as services:
        asked = await services.statements.import_file(office.accountant, buffer.getvalue())
        refused = await services.statements.import_file(office.accountant, archive.getvalue())
    assert isinstance(asked, NeedsMapping)
    done = await imported(office, buffer.getvalue(), mapping=asked.guessed)

    assert isinstance(refused, Refused)
    assert refused.errors[0].problem is StatementProblem.ARCHIVE
    assert (done.format.value, done.lines, done.sure) == ("xlsx", 2, 2)  # the fee, too
    assert done.accounts[0].account == OUR_ACCOUNT


# -- payment orders out, and back in the next statement ----------------------------------------


def with_company(office: Office) -> None:
    mappings = office.context.mappings.model_copy(update={"company": COMPANY})
    office.context = dataclasses.replace(office.context, mappings=mappings)


async def test_everything_due_today_goes_out_as_one_file_of_payment_orders(office: Office) -> None:
    with_company(office)
    due = await office.approved(amount=rub("12000"), pay_by=TODAY)
    overdue = await office.approved(amount=rub("3500.50"), pay_by=TODAY)
    later = await office.approved(amount=rub("999"), pay_by=TODAY + timedelta(days=5))
    office.clock.advance(timedelta(days=1))

    async with office.services() as services:
        made = await services.bank_orders.make(office.accountant)
        with pytest.raises(OrdersRefused) as nothing:
            await services.bank_orders.make(office.accountant)

    read = read_payment_orders(made.data)
    assert not isinstance(read, Refused)
    assert read.total == made.total == rub("15500.50")
    assert {o.number for o in read.orders} == {"1", "2"}
    assert {o.payee.inn for o in read.orders} == {INN}
    assert all(o.payer.account == COMPANY.account for o in read.orders)
    assert all("НДС" in o.purpose for o in read.orders)
    assert nothing.value.reason == "nothing"
    for request, number in ((due, 1), (overdue, 2)):
        row = await request_row(office, request.id)
        assert (row.order_number, row.sent_by, row.status) == (
            number,
            office.accountant.user_id,
            "approved",
        )
    assert (await request_row(office, later.id)).sent_at is None
    async with office.services() as services:
        shown = await services.requests.get(office.accountant, due.id)
    assert (shown.order_number, shown.sent_at) == (1, office.clock.now())


async def test_the_next_statement_carrying_the_orders_marks_their_requests_paid(
    office: Office,
) -> None:
    with_company(office)
    first = await office.approved(amount=rub("12000"), pay_by=TODAY)
    second = await office.approved(amount=rub("12000"), pay_by=TODAY)
    async with office.services() as services:
        made = await services.bank_orders.make(office.accountant, [second.id, first.id])
    numbers = {order.request_id: order.number for order in made.orders}
    office.clock.advance(timedelta(days=1))

    result = await imported(
        office,
        file_of(
            debit("12000", "Оплата по счету", number=str(numbers[first.id]), on=TODAY),
            debit("12000", "Оплата по счету", number=str(numbers[second.id]), on=TODAY),
        ),
    )

    assert (result.settled, result.done, result.sure) == (2, 2, 0)
    assert (await request_row(office, first.id)).status == RequestStatus.PAID.value
    assert (await request_row(office, second.id)).status == RequestStatus.PAID.value


async def test_no_payment_orders_without_our_company_s_details(office: Office) -> None:
    request = await office.approved(amount=rub("12000"), pay_by=TODAY)

    async with office.services() as services:
        with pytest.raises(OrdersRefused) as refused:
            await services.bank_orders.make(office.accountant, [request.id])

    assert refused.value.reason == "no_company"
    assert (await request_row(office, request.id)).sent_at is None


async def test_a_request_without_bank_details_is_left_out_and_named(office: Office) -> None:
    with_company(office)
    good = await office.approved(amount=rub("100"), pay_by=TODAY)
    foreign = await office.approved(amount=rub("50", "USD"), pay_by=TODAY)

    async with office.services() as services:
        made = await services.bank_orders.make(office.accountant, [good.id, foreign.id])
        again = await services.bank_orders.make(office.accountant, [good.id], again=True)

    assert [o.request_id for o in made.orders] == [good.id]
    assert [(s.request_id, s.reason) for s in made.skipped] == [(foreign.id, "currency")]
    assert again.orders[0].number == 2  # sent once more, under a number of its own
