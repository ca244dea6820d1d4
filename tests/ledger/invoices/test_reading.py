"""An invoice fills the form: every layout suppliers send is read to the truth it was made from,
each value with its source, checked by its check digits before it is believed."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from ledger.bank_details import DetailProblem
from ledger.invoices import VAT_EXEMPT, Field, InvoiceReading, Source, read_invoice
from tests import invoices_factory as make
from tests.invoices_factory import SOLE_TRADER, Invoice, Made


def values(reading: InvoiceReading, expected: dict[str, object]) -> dict[str, object]:
    """What the reading would prefill, for the fields `expected` names."""
    return {name: getattr(reading, name).value for name in expected}


def sources(reading: InvoiceReading) -> dict[str, frozenset[Source]]:
    return {
        name: frozenset().union(*(found.sources for found in field.found))
        for name, field in reading.fields().items()
        if field.found
    }


@pytest.mark.parametrize(
    "made",
    [
        make.classic_1c(),
        make.classic_1c(SOLE_TRADER),
        make.freeform(),
        make.freeform(Invoice(purpose="Оплата по счету № 123 от 22.11.2026 за рекламу")),
    ],
    ids=["1c", "1c sole trader", "freeform sole trader", "freeform company"],
)
def test_a_text_layer_gives_every_detail_of_the_supplier(made: Made) -> None:
    reading = read_invoice(made.data, filename="счёт.pdf")

    assert values(reading, made.expected) == made.expected
    assert reading.file_type == "application/pdf"
    assert reading.conflicts == ()
    assert set(sources(reading).values()) == {frozenset({Source.TEXT})}


def test_the_buyers_details_never_pass_for_the_suppliers() -> None:
    made = make.classic_1c()
    reading = read_invoice(made.data)

    assert [found.value for found in reading.supplier_inn.found] == [Invoice().supplier_inn]
    assert [found.value for found in reading.supplier_kpp.found] == ["770801001"]


@pytest.mark.parametrize("encoding", [1, 2, 3], ids=["windows-1251", "utf-8", "koi8-r"])
def test_an_invoice_with_a_qr_is_read_from_both_and_they_agree(encoding: int) -> None:
    made = make.classic_1c(qr=encoding)  # type: ignore[arg-type]
    reading = read_invoice(made.data)

    assert values(reading, made.expected) == made.expected
    assert reading.conflicts == ()
    assert sources(reading)["account"] == {Source.QR, Source.TEXT}
    assert sources(reading)["purpose"] == {Source.QR}  # 1C prints no purpose; the QR has one
    assert reading.qr["DocNo"] == "123"  # keys the form does not use are kept
    assert reading.qr["Sum"] == "1500000"


def test_a_purpose_typed_otherwise_than_the_qr_says_is_a_conflict_of_both() -> None:
    made = make.freeform(qr=2)
    reading = read_invoice(made.data)

    assert values(reading, made.expected) == made.expected
    assert reading.conflicts == ("purpose",)
    assert [found.sources for found in reading.purpose.found] == [
        frozenset({Source.QR}),
        frozenset({Source.TEXT}),
    ]


def test_a_scanned_invoice_is_read_from_its_qr_alone() -> None:
    made = make.scanned(qr=1)
    reading = read_invoice(made.data)

    assert values(reading, made.expected) == made.expected
    assert set(sources(reading).values()) == {frozenset({Source.QR})}


def test_a_lossless_scan_is_read_too() -> None:
    made = make.scanned(qr=2, encoding="png")

    assert values(read_invoice(made.data), made.expected) == made.expected


@pytest.mark.parametrize("made", [make.scanned(qr=None), make.blank()], ids=["scan", "blank"])
def test_an_invoice_with_neither_text_nor_qr_is_an_empty_reading(made: Made) -> None:
    reading = read_invoice(made.data)

    assert reading.is_empty
    assert reading.pages_read == 1
    assert reading.qr == {}


@pytest.mark.parametrize(
    "made",
    [
        make.photo(),
        make.photo(kind="png", encoding=2),
        make.photo(kind="webp", encoding=3),
        make.photo(angle=90),
        make.photo(angle=17),
        make.photo(angle=-35, scale=2),
        make.photo(scale=14),
        make.photo(exif_turn=True),
    ],
    ids=["jpeg", "png", "webp", "on its side", "askew", "small and askew", "large", "exif"],
)
def test_a_photo_of_the_qr_fills_the_form(made: Made) -> None:
    reading = read_invoice(made.data, filename="IMG_0042.jpg")

    assert values(reading, made.expected) == made.expected
    assert reading.file_type in {"image/jpeg", "image/png", "image/webp"}


def test_a_photo_without_a_qr_is_an_empty_reading() -> None:
    made = make.photo_of_nothing()

    assert read_invoice(made.data).is_empty


def test_the_qrs_sum_against_the_texts_total_keeps_both_for_the_person_to_pick() -> None:
    invoice = Invoice()
    made = make.classic_1c(invoice, qr=2, qr_total=Decimal("14000.00"))
    reading = read_invoice(made.data)

    assert reading.total.conflict
    assert reading.total.value is None
    assert [(found.value, found.sources) for found in reading.total.found] == [
        (Decimal("14000.00"), frozenset({Source.QR})),
        (Decimal("15000.00"), frozenset({Source.TEXT})),
    ]
    assert reading.conflicts == ("total",)
    assert reading.account.value == invoice.account


def test_an_inn_failing_its_check_digits_is_read_but_not_believed() -> None:
    bad_inn = Invoice().supplier_inn[:-1] + str((int(Invoice().supplier_inn[-1]) + 1) % 10)
    made = make.classic_1c(Invoice(supplier_inn=bad_inn))
    reading = read_invoice(made.data)

    assert reading.supplier_inn.value is None
    assert reading.supplier_inn.invalid == reading.supplier_inn.found
    assert reading.supplier_inn.found[0].value == bad_inn
    assert reading.supplier_inn.found[0].problem is DetailProblem.CHECKSUM


def test_an_account_that_does_not_fit_the_bik_is_read_but_not_believed() -> None:
    tbank_account = SOLE_TRADER.account  # keyed for 044525974, printed with Сбербанк's БИК
    made = make.classic_1c(Invoice(account=tbank_account))
    reading = read_invoice(made.data)

    assert reading.account.value is None
    assert reading.account.found[0].problem is DetailProblem.KEY_MISMATCH
    assert reading.bik.value == "044525225"


def test_an_account_read_without_any_bik_is_not_believed() -> None:
    text = "Получатель: ООО «Ромашка»\nР/с 40702810538000123456\nИтого к оплате: 100,00"
    made = make.text_only(text)
    reading = read_invoice(made.data)

    assert reading.account.found[0].value == "40702810538000123456"
    assert reading.account.found[0].problem is DetailProblem.BIK_UNUSABLE
    assert reading.total.value == Decimal("100.00")


def test_without_vat_is_read_as_exempt() -> None:
    reading = read_invoice(make.classic_1c(SOLE_TRADER).data)

    assert reading.vat.value == VAT_EXEMPT
    assert VAT_EXEMPT.exempt


def test_only_the_first_pages_are_read() -> None:
    made = make.many_pages(8)
    reading = read_invoice(made.data)

    assert (reading.pages_read, reading.pages_skipped) == (5, 3)
    assert reading.supplier_inn.value == Invoice().supplier_inn


def test_a_qr_that_is_not_a_payment_is_passed_over() -> None:
    made = make.photo_of_qr(b"https://example.com/pay?invoice=123")

    assert read_invoice(made.data).is_empty


def test_every_field_of_a_reading_is_listed_for_the_form() -> None:
    empty = InvoiceReading("application/pdf")
    declared = {
        f.name for f in dataclasses.fields(empty) if isinstance(getattr(empty, f.name), Field)
    }

    assert set(empty.fields()) == declared
    assert empty.is_empty
