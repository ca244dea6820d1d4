"""A file that is not an invoice is refused with the reason; a hostile one cannot crash the
reader or keep it busy: anything that starts like a PDF either reads or is refused as corrupt."""

from __future__ import annotations

import io
import time
import zlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from ledger.attachments import MAX_RECEIPT_BYTES
from ledger.invoices import MAX_INVOICE_BYTES, InvoiceProblem, InvoiceRefused, read_invoice
from tests import invoices_factory as make

ONE_PAGE = make.classic_1c(qr=1).data


def outcome(data: bytes) -> InvoiceProblem | None:
    """Why the file was refused; None when it was read."""
    try:
        read_invoice(data)
    except InvoiceRefused as refused:
        return refused.problem
    return None


def refusal(data: bytes, filename: str | None = None) -> InvoiceProblem:
    with pytest.raises(InvoiceRefused) as refused:
        read_invoice(data, filename=filename)
    return refused.value.problem


def test_an_invoice_is_held_to_the_receipts_size_limit() -> None:
    too_big = ONE_PAGE + b"\0" * (MAX_INVOICE_BYTES - len(ONE_PAGE) + 1)

    with pytest.raises(InvoiceRefused) as refused:
        read_invoice(too_big)

    assert refused.value.problem is InvoiceProblem.TOO_BIG
    assert refused.value.limit == MAX_INVOICE_BYTES == MAX_RECEIPT_BYTES


def test_an_empty_file_is_refused() -> None:
    assert refusal(b"") is InvoiceProblem.EMPTY


@pytest.mark.parametrize(
    "data",
    [b"MZ\x90\x00\x03\x00\x00\x00", b"PK\x03\x04\x14\x00\x06\x00", b"<html><body>", b"%PDX-1.7"],
    ids=["exe", "zip", "html", "almost a pdf"],
)
def test_a_pdf_that_is_not_a_pdf_is_told_so(data: bytes) -> None:
    assert refusal(data, "Счет 123.PDF") is InvoiceProblem.NOT_A_PDF


@pytest.mark.parametrize(
    "data",
    [b"MZ\x90\x00\x03\x00\x00\x00", b"PK\x03\x04\x14\x00\x06\x00", b"GIF89a\x01\x00"],
    ids=["exe", "docx", "gif"],
)
def test_any_other_kind_of_file_is_unsupported(data: bytes) -> None:
    assert refusal(data, "invoice.docx") is InvoiceProblem.UNSUPPORTED
    assert refusal(data) is InvoiceProblem.UNSUPPORTED


def test_the_bytes_decide_what_a_file_is_not_its_name() -> None:
    reading = read_invoice(ONE_PAGE, filename="photo.jpg")

    assert reading.file_type == "application/pdf"
    assert reading.total.value is not None


@pytest.mark.parametrize(
    "data",
    [b"%PDF-1.7\n", b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF", b"%PDF-" + b"x" * 500],
    ids=["header only", "no pages", "garbage"],
)
def test_a_corrupt_pdf_is_refused_as_corrupt(data: bytes) -> None:
    assert refusal(data, "счет.pdf") is InvoiceProblem.CORRUPT


def test_a_corrupt_image_is_refused_as_corrupt() -> None:
    assert refusal(b"\x89PNG\r\n\x1a\n" + b"\0" * 40) is InvoiceProblem.CORRUPT


def test_a_heic_photo_is_attachable_but_unread() -> None:
    reading = read_invoice(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00" + b"\0" * 100)

    assert reading.file_type == "image/heic"
    assert reading.is_empty


def test_a_photo_too_large_to_decode_is_an_empty_reading() -> None:
    buffer = io.BytesIO()
    Image.new("L", (9000, 8000), 255).save(buffer, "PNG")  # 72 million pixels, a tiny file

    assert read_invoice(buffer.getvalue()).is_empty


@pytest.mark.parametrize("data", make.truncations(ONE_PAGE), ids=["10%", "50%", "90%", "99%"])
def test_a_truncated_pdf_reads_what_it_can_or_is_refused_as_corrupt(data: bytes) -> None:
    assert outcome(data) in {None, InvoiceProblem.CORRUPT}


def test_a_long_pdf_is_read_only_as_far_as_the_page_limit() -> None:
    made = make.many_pages(200)
    started = time.perf_counter()

    reading = read_invoice(made.data)

    assert (reading.pages_read, reading.pages_skipped) == (5, 195)
    assert time.perf_counter() - started < 5


def test_a_deflate_bomb_does_not_inflate_past_the_limit() -> None:
    bomb = zlib.compress(b"0 0 m " * 40_000_000, 9)  # 240 MB of drawing in a few hundred KB
    started = time.perf_counter()

    reading = read_invoice(make.one_page_pdf(bomb))

    assert reading.is_empty
    assert time.perf_counter() - started < 5


def test_a_picture_declared_huge_is_not_decoded() -> None:
    image = (
        b"<</Type/XObject/Subtype/Image/Width 100000/Height 100000/ColorSpace/DeviceGray"
        b"/BitsPerComponent 8/Length 12/Filter/FlateDecode>>stream\n"
        + zlib.compress(b"")
        + b"\nendstream"
    )
    pdf = make.raw_pdf(
        b"<</Type/Catalog/Pages 2 0 R>>",
        b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
        b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R"
        b"/Resources<</XObject<</Im0 5 0 R>>>>>>",
        b"<</Length 30>>stream\nq 595 0 0 842 0 0 cm /Im0 Do Q\nendstream",
        image,
    )

    assert read_invoice(pdf).is_empty


fuzz = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@fuzz
@given(st.binary(max_size=4096))
def test_random_bytes_never_crash_the_reader(data: bytes) -> None:
    for prefix in (b"", b"%PDF-1.7\n", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff"):
        assert outcome(prefix + data) is not InvoiceProblem.TOO_BIG


@fuzz
@given(st.integers(0, len(ONE_PAGE) - 1), st.binary(min_size=1, max_size=64))
def test_a_pdf_damaged_anywhere_never_crashes_the_reader(position: int, junk: bytes) -> None:
    damaged = ONE_PAGE[:position] + junk + ONE_PAGE[position + len(junk) :]
    assert outcome(damaged) in {None, InvoiceProblem.CORRUPT, InvoiceProblem.UNSUPPORTED}


@fuzz
@given(st.integers(8, len(ONE_PAGE)))
def test_a_pdf_cut_anywhere_never_crashes_the_reader(length: int) -> None:
    assert outcome(ONE_PAGE[:length]) in {None, InvoiceProblem.CORRUPT}
