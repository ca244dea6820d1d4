"""CSV and XLSX exports: rows and a column mapping in, the same documents out as from a 1C
file; an unknown header is a question for the person (a preview), never a guess."""

from __future__ import annotations

import json
import random
from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.money import Money
from ledger.statements import (
    ColumnMapping,
    Direction,
    Refused,
    SourceFormat,
    Statement,
    StatementProblem,
    Table,
    TableRow,
    guess_mapping,
    preview_table,
    read_statement,
    read_table,
)
from tests.statements_factory import (
    expected_table_documents,
    make_statement,
    read_table_documents,
    render_csv,
)

ACCOUNT = "40702810900000012345"


def read(data: bytes, mapping: ColumnMapping | None = None) -> Statement:
    result = read_statement(data, mapping=mapping)
    assert not isinstance(result, Refused), result.errors[:10]
    return result


def problems(result: Statement | Refused) -> set[tuple[int, StatementProblem, str]]:
    assert isinstance(result, Refused)
    return {(e.line, e.problem, e.key) for e in result.errors}


def csv_bytes(*lines: str, encoding: str = "utf-8") -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32),
    documents=st.integers(1, 30),
    signed=st.booleans(),
    encoding=st.sampled_from(["cp1251", "utf-8", "utf-8-sig"]),
    delimiter=st.sampled_from([";", ",", "\t"]),
    newline=st.sampled_from(["\r\n", "\n"]),
)
def test_a_generated_csv_export_reads_back_to_its_truth_with_the_guessed_mapping(
    seed: int, documents: int, signed: bool, encoding: str, delimiter: str, newline: str
) -> None:
    truth = make_statement(random.Random(seed), documents=documents, sections=2)
    data = render_csv(truth, signed=signed, encoding=encoding, delimiter=delimiter, newline=newline)

    statement = read(data)

    assert statement.format is SourceFormat.CSV
    assert read_table_documents(statement) == expected_table_documents(truth)
    assert statement.encoding == ("cp1251" if encoding == "cp1251" else "utf-8")


def test_the_mapping_is_guessed_from_the_header_and_the_account_from_the_preamble() -> None:
    truth = make_statement(random.Random(1), documents=3)
    data = render_csv(truth)

    statement = read(data)
    (summary,) = statement.accounts

    assert summary.account == truth.accounts[0]
    assert summary.opening is None
    assert summary.balance_ok is None
    assert summary.total_in == statement.in_total


SIGNED_EXPORT = (
    "Дата операции;Дата платежа;Номер карты;Статус;Сумма операции;Валюта операции;Описание",
    "02.03.2026 12:34:56;02.03.2026;*1234;OK;-1 500,00;RUB;Такси",
    '03.03.2026 09:00:00;03.03.2026;*1234;OK;"+25 000,50 ₽";RUB;"Оплата по дог.',
    'К-2024/117"',
    "2026-03-04;2026-03-04;*1234;OK;0,5;RUB;Кэшбэк",
    "Итого:;;;;23 501,00;;",
)


def test_a_signed_amount_export_reads_minus_as_money_out_even_across_quoted_lines() -> None:
    statement = read(csv_bytes(*SIGNED_EXPORT))

    assert [(d.direction, d.amount, d.booked, d.line) for d in statement.documents] == [
        (Direction.OUT, Money(Decimal("1500")), date(2026, 3, 2), 2),
        (Direction.IN, Money(Decimal("25000.50")), date(2026, 3, 3), 3),
        (Direction.IN, Money(Decimal("0.50")), date(2026, 3, 4), 5),
    ]
    assert statement.documents[1].purpose == "Оплата по дог.\nК-2024/117"
    assert statement.documents[0].account is None  # the export names no account
    assert statement.documents[0].fields["Номер карты"] == "*1234"


def test_bad_cells_are_each_reported_with_their_line_and_column() -> None:
    data = csv_bytes(
        "Дата;Дебет;Кредит;Назначение;ИНН контрагента",
        "02.03.2026;100,00;;Аренда;7701234567",
        "31.02.2026;100,00;;Аренда;7701234567",
        "03.03.2026;abc;;Аренда;7701234567",
        "03.03.2026;100,00;200,00;Аренда;7701234567",
        "03.03.2026;;;Аренда;7701234567",
        "03.03.2026;100,005;;Аренда;77012",
    )

    result = read_statement(data)

    assert problems(result) == {
        (3, StatementProblem.BAD_DATE, "Дата"),
        (4, StatementProblem.BAD_AMOUNT, "Дебет"),
        (5, StatementProblem.AMBIGUOUS_AMOUNT, "Дебет"),
        (6, StatementProblem.NO_AMOUNT, "Дебет"),
        (7, StatementProblem.BAD_AMOUNT, "Дебет"),
        (7, StatementProblem.BAD_INN, "ИНН контрагента"),
    }
    assert isinstance(result, Refused)
    assert result.seen is not None
    assert len(result.seen.documents) == 1


UNKNOWN_HEADER = (
    "Когда;Сколько;Кто;Зачем",
    "02.03.2026;-100,00;ООО Ромашка;Аренда",
    "03.03.2026;250,00;ИП Петров;Оплата",
)


def test_an_unknown_header_asks_which_column_is_which_and_a_mapping_answers() -> None:
    data = csv_bytes(*UNKNOWN_HEADER)

    result = read_statement(data)

    assert isinstance(result, Refused)
    assert [e.problem for e in result.errors] == [StatementProblem.NO_MAPPING]
    mapping = ColumnMapping(
        date=0, amount=1, counterparty_name=2, purpose=3, header_row=0, account=ACCOUNT
    )
    statement = read(data, mapping)
    assert [(d.direction, d.counterparty.name, d.account) for d in statement.documents] == [
        (Direction.OUT, "ООО Ромашка", ACCOUNT),
        (Direction.IN, "ИП Петров", ACCOUNT),
    ]


def test_the_preview_shows_the_header_and_the_first_rows_as_text() -> None:
    table = Table(
        (
            TableRow(1, ("Выписка", ACCOUNT)),
            TableRow(2, ("Дата", "Сумма", "Назначение")),
            TableRow(3, (date(2026, 3, 2), Decimal("-100.5"), "Аренда")),
            TableRow(4, ("03.03.2026", "250", None)),
        ),
        SourceFormat.XLSX,
        None,
        "0" * 64,
    )

    preview = preview_table(table, size=1)

    assert preview.header == ("Дата", "Сумма", "Назначение")
    assert preview.rows == (("02.03.2026", "-100.5", "Аренда"),)
    assert preview.header_row == 1
    assert preview_table(table, header_row=None).header_row == 1
    assert guess_mapping(table) == ColumnMapping(
        date=0, amount=1, purpose=2, header_row=1, account=ACCOUNT
    )


def test_cells_an_xlsx_edge_hands_over_are_read_without_float() -> None:
    table = Table(
        (
            TableRow(1, ("Дата", "Сумма")),
            TableRow(2, (datetime(2026, 3, 2, 10, 0), Decimal("1500.5"))),  # noqa: DTZ001
            TableRow(3, (date(2026, 3, 3), Decimal("0.125"))),
        ),
        SourceFormat.XLSX,
        None,
        "0" * 64,
    )

    result = read_table(table)

    assert problems(result) == {(3, StatementProblem.BAD_AMOUNT, "Сумма")}
    assert isinstance(result, Refused)
    assert result.seen is not None
    assert result.seen.documents[0].amount == Money(Decimal("1500.50"))
    assert result.seen.documents[0].booked == date(2026, 3, 2)


def test_a_mapping_is_a_plain_value_that_goes_through_json_and_back() -> None:
    mapping = ColumnMapping(
        date=1, debit=3, credit=4, purpose=7, counterparty_inn=5, header_row=4, account=ACCOUNT
    )

    assert ColumnMapping.from_dict(json.loads(json.dumps(mapping.to_dict()))) == mapping


@pytest.mark.parametrize(
    "data",
    [
        {"date": 0},  # no money column
        {"date": 0, "amount": 1, "debit": 2},  # both ways of giving money
        {"date": 0, "amount": 0},  # one column, two things
        {"date": 0, "amount": True},
        {"date": -1, "amount": 1},
        {"date": 0, "amount": 1, "account": "123"},
        {"date": 0, "amount": 1, "colour": "red"},
    ],
)
def test_a_mapping_that_makes_no_sense_is_refused(data: dict[str, object]) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 (each case its own reason)
        ColumnMapping.from_dict(data)


@pytest.mark.parametrize(
    "data",
    [b"just some notes\nabout the bank\n", "Привет, это письмо\n".encode("cp1251")],
)
def test_text_that_is_neither_a_1c_file_nor_a_table_is_not_a_statement(data: bytes) -> None:
    result = read_statement(data)

    assert isinstance(result, Refused)
    assert [e.problem for e in result.errors] == [StatementProblem.NOT_A_STATEMENT]


def test_an_xlsx_given_to_the_text_reader_is_refused_as_an_archive() -> None:
    result = read_statement(b"PK\x03\x04\x14\x00\x06\x00rest-of-a-workbook")

    assert problems(result) == {(1, StatementProblem.ARCHIVE, "")}
