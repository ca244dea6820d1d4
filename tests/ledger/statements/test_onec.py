"""Reading «1CClientBankExchange» statements: every style banks write them in reads back to the
truth it was made from; every broken file is refused whole, with the line that broke it."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.money import Money
from ledger.statements import (
    Direction,
    DocumentKind,
    Refused,
    SourceFormat,
    Statement,
    StatementProblem,
    read_statement,
)
from tests.statements_factory import (
    ENCODINGS,
    NEWLINES,
    VERSIONS,
    Amounts,
    Corruption,
    Names,
    NoKpp,
    Style,
    TruthStatement,
    corrupt,
    encode,
    every_style,
    expected_documents,
    expected_sections,
    make_statement,
    malformed,
    read_documents,
    read_sections,
    render,
)


def read(data: bytes) -> Statement:
    result = read_statement(data)
    assert not isinstance(result, Refused), result.errors[:10]
    return result


def refused(data: bytes) -> Refused:
    result = read_statement(data)
    assert isinstance(result, Refused), "the file was read, yet it should have been refused"
    return result


def problems(result: Refused) -> set[tuple[int, StatementProblem]]:
    return {(error.line, error.problem) for error in result.errors}


def truth_for(style: Style, seed: int = 3, documents: int = 25) -> TruthStatement:
    accounts = 1 if style.anonymised else 2
    return make_statement(random.Random(seed), documents=documents, accounts=accounts, sections=3)


# --- every style reads back to its truth --------------------------------------------------------


@pytest.mark.parametrize("style", every_style(), ids=repr)
def test_each_style_of_statement_reads_back_to_the_truth_it_was_written_from(style: Style) -> None:
    truth = truth_for(style)

    statement = read(render(truth, style).data)

    assert read_documents(statement, truth) == expected_documents(truth)
    assert read_sections(statement) == expected_sections(truth)
    assert statement.encoding == style.encoding
    assert statement.version == style.version
    assert all(summary.balance_ok for summary in statement.accounts)


@st.composite
def styles(draw: st.DrawFn) -> Style:
    encoding = draw(st.sampled_from(ENCODINGS))
    amounts = [a for a in Amounts if a is not Amounts.NARROW or encoding == "utf-8"]
    return Style(
        encoding=encoding,
        newline=draw(st.sampled_from(NEWLINES)),
        version=draw(st.sampled_from(VERSIONS)),
        amounts=draw(st.sampled_from(amounts)),
        names=draw(st.sampled_from(list(Names))),
        no_kpp=draw(st.sampled_from(list(NoKpp))),
        shuffle=draw(st.booleans()),
        anonymised=draw(st.booleans()),
        blank_lines=draw(st.booleans()),
        seed=draw(st.integers(0, 1000)),
    )


@st.composite
def statements(draw: st.DrawFn) -> tuple[TruthStatement, Style]:
    style = draw(styles())
    accounts = 1 if style.anonymised else draw(st.integers(1, 3))
    truth = make_statement(
        random.Random(draw(st.integers(0, 2**32))),
        documents=draw(st.integers(0, 40)),
        accounts=accounts,
        sections=draw(st.integers(1, 4)),
    )
    return truth, style


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(statements())
def test_a_generated_statement_written_and_read_back_equals_the_truth(
    case: tuple[TruthStatement, Style],
) -> None:
    truth, style = case

    statement = read(render(truth, style).data)

    assert read_documents(statement, truth) == expected_documents(truth)
    assert read_sections(statement) == expected_sections(truth)
    assert statement.in_total == Money(sum((s.total_in for s in truth.sections), Decimal(0)))
    assert statement.out_total == Money(sum((s.total_out for s in truth.sections), Decimal(0)))


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(statements(), st.sampled_from(list(Corruption)), st.integers(0, 1000))
def test_any_single_corruption_is_reported_with_the_line_it_is_on(
    case: tuple[TruthStatement, Style], corruption: Corruption, target: int
) -> None:
    truth, style = case
    broken = corrupt(render(truth, style), corruption, target)
    if broken is None:
        return  # nothing of that kind to break in this statement

    result = refused(broken.data)

    assert (broken.line, broken.problem) in problems(result)
    assert [e.line for e in result.errors] == sorted(e.line for e in result.errors)


# --- the malformed files -------------------------------------------------------------------------

MALFORMED = malformed()


@pytest.mark.parametrize("name", list(MALFORMED))
def test_a_malformed_file_is_refused_whole_with_the_line_and_reason(name: str) -> None:
    data, line, problem = MALFORMED[name]

    result = refused(data)

    assert (line, problem) in problems(result)


def test_a_file_of_payment_orders_is_refused_as_a_statement_for_that_reason_alone() -> None:
    data, _, _ = MALFORMED["a file of payment orders"]

    result = refused(data)

    assert [e.problem for e in result.errors] == [StatementProblem.PAYMENT_ORDERS]
    assert result.format is SourceFormat.ONE_C


def test_every_bad_line_is_reported_not_only_the_first() -> None:
    rendered = render(make_statement(random.Random(5), documents=6))
    lines = list(rendered.lines)
    amount_lines = [rendered.where[("document", i, "Сумма")] for i in (1, 4)]
    date_line = rendered.where[("document", 2, "Дата")]
    for line in amount_lines:
        lines[line - 1] = "Сумма=abc"
    lines[date_line - 1] = "Дата=2026-03-02"

    result = refused(encode(lines, rendered.style))

    found = problems(result)
    assert {(line, StatementProblem.BAD_AMOUNT) for line in amount_lines} <= found
    assert (date_line, StatementProblem.BAD_DATE) in found
    assert result.seen is not None
    assert len(result.seen.documents) == 3  # the three without errors, for showing only


# --- direction, booking, identity ---------------------------------------------------------------

HEADER = [
    "1CClientBankExchange",
    "ВерсияФормата=1.02",
    "Кодировка=Windows",
    "Получатель=1С",
    "ДатаНачала=02.03.2026",
    "ДатаКонца=02.03.2026",
]
OURS = "40702810900000012345"
SAVINGS = "40702810200000054321"
THEIRS = "40702810500000099999"
BOTH_DATES = ("ДатаСписано=02.03.2026", "ДатаПоступило=02.03.2026")
DOCUMENT_LINE = len(HEADER) + 9 + 1  # the first document's, after the header and one section


def section(account: str, opening: str, got: str, paid: str, closing: str) -> list[str]:
    return [
        "СекцияРасчСчет",
        "ДатаНачала=02.03.2026",
        "ДатаКонца=02.03.2026",
        f"РасчСчет={account}",
        f"НачальныйОстаток={opening}",
        f"ВсегоПоступило={got}",
        f"ВсегоСписано={paid}",
        f"КонечныйОстаток={closing}",
        "КонецРасчСчет",
    ]


def document(kind: str, payer: str, payee: str, amount: str, *extra: str) -> list[str]:
    return [
        f"СекцияДокумент={kind}",
        "Номер=7",
        "Дата=01.03.2026",
        f"Сумма={amount}",
        f"ПлательщикСчет={payer}",
        f"ПолучательСчет={payee}",
        *extra,
        "КонецДокумента",
    ]


def file(*parts: list[str]) -> bytes:
    lines = [line for part in parts for line in part] + ["КонецФайла"]
    return "\r\n".join(lines).encode("cp1251")


def test_direction_comes_from_the_accounts_even_when_both_dates_are_filled() -> None:
    data = file(
        HEADER,
        section(OURS, "100.00", "50.00", "30.00", "120.00"),
        document("Поступление", THEIRS, OURS, "50", *BOTH_DATES),
        document("Списание", OURS, THEIRS, "30", *BOTH_DATES),
    )

    statement = read(data)

    assert [d.direction for d in statement.documents] == [Direction.IN, Direction.OUT]
    assert [d.counterparty.account for d in statement.documents] == [THEIRS, THEIRS]
    assert statement.documents[0].date == date(2026, 3, 1)
    assert statement.documents[0].booked == date(2026, 3, 2)


def test_a_transfer_between_two_of_the_statements_accounts_is_out_of_one_into_the_other() -> None:
    data = file(
        HEADER,
        section(OURS, "100.00", "0", "40.00", "60.00"),
        section(SAVINGS, "0", "40.00", "0", "40.00"),
        document("Платежное поручение", OURS, SAVINGS, "40", *BOTH_DATES),
    )

    statement = read(data)

    assert [(d.account, d.direction) for d in statement.documents] == [
        (OURS, Direction.OUT),
        (SAVINGS, Direction.IN),
    ]
    assert all(summary.balance_ok for summary in statement.accounts)


def test_when_no_account_is_ours_and_both_dates_are_filled_the_direction_is_unknown() -> None:
    data = file(
        HEADER,
        section(OURS, "100.00", "50.00", "0", "150.00"),
        document("СБП", "123", "456", "50", *BOTH_DATES),
    )

    assert (DOCUMENT_LINE, StatementProblem.UNKNOWN_DIRECTION) in problems(refused(data))


def test_an_incoming_document_without_a_receipt_date_is_refused() -> None:
    data = file(
        HEADER,
        section(OURS, "100.00", "50.00", "0", "150.00"),
        document("Поступление", THEIRS, OURS, "50", "ДатаПоступило="),
    )

    assert (DOCUMENT_LINE, StatementProblem.NO_BOOKING_DATE) in problems(refused(data))


def test_unknown_document_types_and_keys_are_kept_not_refused() -> None:
    data = file(
        HEADER,
        section(OURS, "0", "50.00", "0", "50.00"),
        document(
            "Возврат по эквайрингу",
            THEIRS,
            OURS,
            "50",
            "ДатаПоступило=02.03.2026",
            "НовыйКлючБанка=что-то",
        ),
    )

    (only,) = read(data).documents

    assert only.kind is DocumentKind.OTHER
    assert only.kind_text == "Возврат по эквайрингу"
    assert only.fields["НовыйКлючБанка"] == "что-то"


def test_a_document_appearing_in_two_overlapping_statements_has_one_identity() -> None:
    truth = make_statement(random.Random(8), documents=10, sections=2)
    first = read(render(truth, Style()).data)
    second = read(render(truth, Style(encoding="utf-8", newline="\n", shuffle=True)).data)

    assert [d.identity for d in first.documents] == [d.identity for d in second.documents]
    assert first.sha256 != second.sha256
    assert read(render(truth, Style()).data).sha256 == first.sha256


def test_two_payments_differing_only_in_their_number_are_two_identities() -> None:
    split = [
        document("Платежное поручение", THEIRS, OURS, "25", "ДатаПоступило=02.03.2026"),
        document("Платежное поручение", THEIRS, OURS, "25", "ДатаПоступило=02.03.2026"),
    ]
    split[1][1] = "Номер=8"
    data = file(HEADER, section(OURS, "0", "50", "0", "50"), *split)

    first, second = read(data).documents

    assert first.identity != second.identity
    assert first.identity.key() != second.identity.key()


# --- header and structure ------------------------------------------------------------------------


def test_utf8_under_a_header_that_says_windows_is_read_as_utf8() -> None:
    truth = make_statement(random.Random(4), documents=5)

    statement = read(render(truth, Style(encoding="utf-8")).data)

    assert statement.encoding == "utf-8"
    assert statement.header["Кодировка"] == "Windows"
    assert read_documents(statement, truth) == expected_documents(truth)


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("ВерсияФормата=2.00", StatementProblem.UNSUPPORTED_VERSION),
        ("Кодировка=KOI8-R", StatementProblem.UNKNOWN_ENCODING),
    ],
)
def test_a_version_or_encoding_the_format_does_not_have_is_refused(
    line: str, problem: StatementProblem
) -> None:
    rendered = render(make_statement(random.Random(4), documents=2))
    lines = list(rendered.lines)
    key = line.partition("=")[0]
    at = rendered.where[("header", key)]
    lines[at - 1] = line

    assert (at, problem) in problems(refused(encode(lines, rendered.style)))


def test_text_after_the_end_of_file_and_keys_outside_sections_are_refused() -> None:
    rendered = render(make_statement(random.Random(4), documents=2))
    lines = list(rendered.lines)
    lines.insert(rendered.where[("document", 0)] - 1, "Сумма=5.00")
    lines.append("СекцияДокумент=Платежное поручение")

    found = problems(refused(encode(lines, rendered.style)))

    assert (rendered.where[("document", 0)], StatementProblem.UNEXPECTED_LINE) in found
    assert (len(lines), StatementProblem.TEXT_AFTER_END) in found


def test_a_key_written_twice_with_different_values_is_refused() -> None:
    data = file(
        HEADER,
        section(OURS, "0", "50.00", "0", "50.00"),
        document("СБП", THEIRS, OURS, "50", "ДатаПоступило=02.03.2026", "Сумма=500"),
    )

    assert (DOCUMENT_LINE + 7, StatementProblem.CONFLICTING_KEY) in problems(refused(data))


def test_sections_must_follow_on_from_each_other() -> None:
    truth = make_statement(random.Random(9), documents=8, sections=2)
    broken = corrupt(render(truth, Style()), Corruption.OPENING_OFF, 1)
    assert broken is not None

    found = problems(refused(broken.data))

    rendered = render(truth, Style())
    assert (rendered.where[("section", 1, "НачальныйОстаток")], StatementProblem.CHAIN_BROKEN) in (
        found
    )


def test_a_statement_without_a_balance_section_is_refused() -> None:
    data = file(HEADER, document("СБП", THEIRS, OURS, "50", "ДатаПоступило=02.03.2026"))

    assert (1, StatementProblem.NO_ACCOUNT_SECTION) in problems(refused(data))


def test_the_statement_summary_adds_the_sections_of_an_account_up() -> None:
    truth = make_statement(random.Random(2), documents=30, accounts=2, sections=3)

    statement = read(render(truth, replace(Style(), amounts=Amounts.MIXED)).data)

    for summary in statement.accounts:
        own = [s for s in truth.sections if s.account == summary.account]
        assert summary.opening == Money(own[0].opening)
        assert summary.closing == Money(own[-1].closing)
        assert summary.total_in == Money(sum((s.total_in for s in own), Decimal(0)))
        assert (summary.date_start, summary.date_end) == (own[0].start, own[-1].end)


def test_spaces_around_keys_values_and_markers_and_a_missing_last_newline_change_nothing() -> None:
    truth = make_statement(random.Random(6), documents=6, sections=2)
    rendered = render(truth, Style(newline="\n"))
    padded = []
    for number, line in enumerate(rendered.lines):
        key, sep, value = line.partition("=")
        if number % 3 == 0:
            line = f"  {key} {sep}\t{value}  " if sep else f" {line}\t"
        padded.append(line)
    data = "\n".join(padded).encode("cp1251")  # no newline after КонецФайла

    statement = read(data)

    assert read_documents(statement, truth) == expected_documents(truth)
    assert read_sections(statement) == expected_sections(truth)


def test_errors_in_padded_lines_still_name_their_line() -> None:
    rendered = render(make_statement(random.Random(6), documents=3))
    lines = list(rendered.lines)
    line = rendered.where[("document", 1, "Сумма")]
    lines[line - 1] = "   Сумма =  abc  "

    assert (line, StatementProblem.BAD_AMOUNT) in problems(refused(encode(lines, Style())))
