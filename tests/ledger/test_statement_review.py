"""What the statement screens ask of the import service: whether a file someone sent is a
statement at all (by its bytes), what else a line could be assigned to, a deal's payments by
its contract number as typed; and the requests the accountant picks for the bank."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from ledger.errors import NotAllowed, NotFound, StatementLineMoved, StatementLineRefused
from ledger.statement_imports import (
    FileKind,
    LineState,
    NeedsMapping,
    ToCategory,
    ToPayment,
    ToRequest,
)
from ledger.statements import ColumnMapping, StatementProblem
from ledger.statements.matching import Reason, TargetKind
from tests.ledger.test_statement_imports import (
    COMPANY,
    SUPPLIER,
    a_deal,
    credit,
    debit,
    file_of,
    imported,
    statement,
)
from tests.office import TODAY, Office, rub
from tests.statements_factory import render_csv

UNKNOWN_CSV = (
    "Operation date;Doc;Amount RUB;Details;Payer or payee;Tax ID\r\n"
    "20.11.2026;17;50000,00;по дог. Д-19620;Иванов Иван Иванович;770512345678\r\n"
    "20.11.2026;18;-1200,00;Аренда за ноябрь;ООО Бизнес-центр;7710140679\r\n"
).encode("cp1251")


async def recognized(office: Office, data: bytes) -> tuple[FileKind, StatementProblem | None]:
    async with office.services() as services:
        found = await services.statements.recognize(office.accountant, data)
    return found.kind, found.problem


async def test_a_file_is_a_statement_by_its_bytes_not_its_name(office: Office) -> None:
    one_c = file_of(credit("100", "Оплата"))
    known_header = render_csv(statement(credit("100", "Оплата")))

    assert await recognized(office, one_c) == (FileKind.STATEMENT, None)
    assert await recognized(office, known_header) == (FileKind.STATEMENT, None)
    assert await recognized(office, UNKNOWN_CSV) == (FileKind.TABLE, None)
    assert await recognized(office, b"%PDF-1.4\n%%EOF") == (FileKind.OTHER, StatementProblem.PDF)
    assert await recognized(office, b"\xff\xd8\xff\xe0\x00\x10JFIF\x00") == (
        FileKind.OTHER,
        StatementProblem.BINARY,
    )
    assert await recognized(office, "Купить молоко\nи хлеб".encode()) == (
        FileKind.OTHER,
        StatementProblem.NOT_A_STATEMENT,
    )
    # A 1C file with an error is still a statement: its import names the error.
    broken = one_c.replace("КонецФайла".encode("cp1251"), b"")
    assert await recognized(office, broken) == (FileKind.STATEMENT, None)


async def test_a_bank_s_table_is_known_once_its_columns_were_said(office: Office) -> None:
    async with office.services() as services:
        asked = await services.statements.import_file(office.accountant, UNKNOWN_CSV)
    assert isinstance(asked, NeedsMapping)
    assert asked.preview.header[:3] == ("Operation date", "Doc", "Amount RUB")
    assert (asked.preview.header_row, asked.guessed) == (0, None)
    mapping = ColumnMapping(
        date=0, document_number=1, amount=2, purpose=3, counterparty_name=4,
        counterparty_inn=5, header_row=0,
    )  # fmt: skip
    await imported(office, UNKNOWN_CSV, mapping=mapping)
    again = UNKNOWN_CSV.replace(b"20.11.2026;17", b"21.11.2026;19")

    assert await recognized(office, again) == (FileKind.STATEMENT, None)


async def test_a_credit_s_candidates_are_the_payments_its_words_and_amount_point_to(
    office: Office,
) -> None:
    first = await a_deal(office, 19620)
    second = await a_deal(office, 19621)
    result = await imported(office, file_of(credit("100000", "Оплата по договору Д-19620")))
    assert result.review + result.sure == 1
    async with office.services() as services:
        [line] = (await services.statements.lines(office.accountant)).lines
        proposed = {t.id for t in line.proposal.targets}  # type: ignore[union-attr]
        candidates = await services.statements.candidates(office.accountant, line.id)
        by_contract = await services.statements.payments_of_contract(
            office.accountant, line.id, "д 19621"
        )

    assert proposed == {first["Остаток"]}
    # The exact amount of the other deal's rest: offered, the proposal itself is not.
    assert [(c.target.kind, c.target.id) for c in candidates] == [
        (TargetKind.PAYMENT, second["Остаток"])
    ]
    assert candidates[0].reasons == (Reason.AMOUNT_EXACT,)
    assert "Д-19621" in candidates[0].target.title
    assert [c.target.id for c in by_contract] == [second["Предоплата"], second["Остаток"]]
    assert [c.target.amount for c in by_contract] == [rub("50000"), rub("100000")]
    assert by_contract[1].reasons == (Reason.AMOUNT_EXACT,)


async def test_a_debit_s_candidates_are_requests_to_that_recipient(office: Office) -> None:
    first = await office.approved(amount=rub("30000"), pay_by=TODAY)
    second = await office.approved(amount=rub("20000"), pay_by=TODAY)
    other = await office.approved(amount=rub("999"), pay_by=TODAY, inn="7710140679", kpp=None)
    await imported(office, file_of(debit("12000", "Предоплата", party=SUPPLIER)))
    async with office.services() as services:
        [line] = (await services.statements.lines(office.accountant)).lines
        candidates = await services.statements.candidates(office.accountant, line.id)
        with pytest.raises(StatementLineRefused):
            await services.statements.payments_of_contract(office.accountant, line.id, "Д-1")

    proposed = {t.id for p in line.proposals for t in p.targets}
    assert {c.target.id for c in candidates} == {first.id, second.id} - proposed
    assert all(Reason.RECIPIENT_INN in c.reasons for c in candidates)
    assert all(Reason.AMOUNT_PARTIAL in c.reasons for c in candidates)
    assert other.id not in {c.target.id for c in candidates}  # less than the line


async def test_a_payment_picked_by_contract_is_confirmed_by_hand(office: Office) -> None:
    ids = await a_deal(office, 19622)
    await imported(office, file_of(credit("20000", "Перевод")))
    async with office.services() as services:
        [line] = (await services.statements.lines(office.accountant)).lines
        [prepay, _] = await services.statements.payments_of_contract(
            office.accountant, line.id, "Д-19622"
        )
        done = await services.statements.assign(
            office.accountant, line.id, ToPayment(prepay.target.id), version=line.version
        )

    assert prepay.target.id == ids["Предоплата"]
    assert done.line.state is LineState.ASSIGNED
    assert len(done.confirmation_ids) == 1


async def test_a_line_s_targets_are_searched_by_contract_deal_name_or_request(
    office: Office,
) -> None:
    ivanov = await a_deal(office, 19623)
    petrov = await office.desk.deal(19624, name="Шкаф Петровых", prepay_kind="bank_transfer")
    wanted = await office.approved(amount=rub("30000"), pay_by=TODAY)
    await imported(office, file_of(credit("20000", "Перевод"), debit("1000", "Оплата", number="2")))
    async with office.services() as services:
        money_in, money_out = (await services.statements.lines(office.accountant)).lines
        search = services.statements.search_targets
        by_contract = await search(office.accountant, money_in.id, "д 19624")
        by_name = await search(office.accountant, money_in.id, "ивановых")
        nothing = await search(office.accountant, money_in.id, "   ")
        by_number = await search(office.accountant, money_out.id, f"№{wanted.id}")
        by_counterparty = await search(office.accountant, money_out.id, "ромашка")
        with pytest.raises(NotAllowed):
            await search(office.manager, money_in.id, "Д-19623")
        with pytest.raises(NotFound):
            await search(office.accountant, 10**9, "Д-19623")

    assert [c.target.id for c in by_contract] == [petrov["Предоплата"], petrov["Остаток"]]
    assert by_contract[0].reasons == (Reason.CONTRACT, Reason.AMOUNT_PARTIAL)
    assert [c.target.id for c in by_name] == [ivanov["Предоплата"], ivanov["Остаток"]]
    assert Reason.CONTRACT not in by_name[0].reasons
    assert nothing == []
    assert [c.target.id for c in by_number] == [wanted.id]
    assert by_number[0].target.kind is TargetKind.REQUEST
    assert wanted.id in [c.target.id for c in by_counterparty]


async def test_only_importers_look(office: Office) -> None:
    async with office.services() as services:
        with pytest.raises(NotAllowed):
            await services.statements.recognize(office.manager, b"1CClientBankExchange")
        with pytest.raises(NotAllowed):
            await services.bank_orders.sendable(office.requester)


async def test_the_requests_to_send_are_approved_rubles_not_sent_by_due_date(
    office: Office,
) -> None:
    mappings = office.context.mappings.model_copy(update={"company": COMPANY})
    office.context = dataclasses.replace(office.context, mappings=mappings)
    later = await office.approved(amount=rub("700"), pay_by=TODAY + timedelta(days=4))
    today = await office.approved(amount=rub("12000"), pay_by=TODAY)
    also_today = await office.approved(amount=rub("300"), pay_by=TODAY)
    await office.approved(amount=rub("50", "USD"), pay_by=TODAY)
    await office.submitted(amount=rub("1"), pay_by=TODAY)
    async with office.services() as services:
        before = await services.bank_orders.sendable(office.accountant, per_page=2)
        await services.bank_orders.make(office.accountant, [today.id])
        after = await services.bank_orders.sendable(office.accountant, page=5)

    assert (before.total, before.pages, before.due_today) == (3, 2, 2)
    assert [r.request_id for r in before.rows] == [today.id, also_today.id]
    assert [r.amount for r in before.rows] == [rub("12000"), rub("300")]
    assert all(r.ready for r in before.rows)
    assert [r.request_id for r in after.rows] == [also_today.id, later.id]
    assert (after.page, after.due_today) == (0, 1)


async def test_a_line_opened_as_shown_or_told_who_dealt_with_it(office: Office) -> None:
    await imported(office, file_of(credit("20000", "Перевод")))
    async with office.services() as services:
        [line] = (await services.statements.lines(office.accountant)).lines
        shown = await services.statements.open_line(office.accountant, line.id, line.version)
        await services.statements.ignore(office.accountant, line.id, version=line.version)
        with pytest.raises(StatementLineMoved) as moved:
            await services.statements.open_line(office.accountant, line.id, line.version)

    assert shown == line
    assert (moved.value.state, moved.value.by_name) == ("ignored", office.accountant.name)


async def test_a_hand_assignment_to_something_that_does_not_exist_changes_nothing(
    office: Office,
) -> None:
    await imported(office, file_of(credit("20000", "Перевод"), debit("100", "Услуги")))
    async with office.services() as services:
        money_in, money_out = (await services.statements.lines(office.accountant)).lines
        for line, to in (
            (money_in, ToPayment(987654)),
            (money_out, ToRequest(987654)),
            (money_out, ToCategory(987654)),
        ):
            with pytest.raises(NotFound):
                await services.statements.assign(
                    office.accountant, line.id, to, version=line.version
                )
        after = (await services.statements.lines(office.accountant)).lines

    assert [(line.state, line.version) for line in after] == [
        (money_in.state, money_in.version),
        (money_out.state, money_out.version),
    ]
