"""read_invoice: an invoice file's bytes in, what it says out (see the package's docstring)."""

from __future__ import annotations

import io
from dataclasses import replace
from decimal import Decimal

from PIL import Image, ImageOps

from ledger.attachments import HEAD_BYTES, MAX_RECEIPT_BYTES, receipt_type
from ledger.bank_details import Detail, DetailProblem, problem_of
from ledger.invoices.payment_qr import PaymentQr, parse_payment_qr, qr_payloads
from ledger.invoices.pdf import PdfUnreadable, read_pdf
from ledger.invoices.reading import (
    Field,
    Found,
    InvoiceProblem,
    InvoiceReading,
    InvoiceRefused,
    Source,
)
from ledger.invoices.text import Candidates, read_purpose_like, read_text

# An invoice is attached to the request as it came: held to the receipt's limit (what a bot
# can download from Telegram).
MAX_INVOICE_BYTES = MAX_RECEIPT_BYTES
PDF = "application/pdf"
PHOTO_TYPES = frozenset({"image/jpeg", "image/png", "image/webp"})
MAX_PHOTO_SIDE = 3000  # px: a QR code filling a tenth of a photo's width still has 300
MAX_PHOTO_PIXELS = 60_000_000  # after a JPEG's reduced decoding; a larger picture is not read
KOPECKS = Decimal("0.01")

# The QR's keys (ГОСТ Р 56042-2014) and the fields they fill.
_QR_FIELDS = {
    "Name": "supplier_name",
    "PayeeINN": "supplier_inn",
    "KPP": "supplier_kpp",
    "BankName": "bank_name",
    "BIC": "bik",
    "PersonalAcc": "account",
    "CorrespAcc": "correspondent_account",
    "Purpose": "purpose",
}
_DIGIT_CHECKS = {
    "supplier_inn": Detail.INN,
    "supplier_kpp": Detail.KPP,
    "bik": Detail.BIK,
}
_ACCOUNT_CHECKS = {
    "account": Detail.ACCOUNT,
    "correspondent_account": Detail.CORRESPONDENT_ACCOUNT,
}
_WORDY = frozenset({"supplier_name", "bank_name", "purpose"})
_QUOTES = str.maketrans({ch: '"' for ch in "«»“”„‟'`"})


def read_invoice(data: bytes, *, filename: str | None = None) -> InvoiceReading:
    """What an invoice file says: a PDF's text layer and payment QR, or a photo's QR.

    The type is what the bytes are, whatever `filename` or the sender claimed; `filename`
    only lets a file named "*.pdf" that is no PDF be told as such. Nothing readable (a scan
    without a QR, a photo of anything else, a HEIC photo) gives an empty reading, not an
    error. Raises InvoiceRefused: empty, too big, not a PDF, corrupt, or of another type.

    CPU-bound for up to a few hundred milliseconds: call it in a worker thread
    (`asyncio.to_thread`) from async code.
    """
    if not data:
        raise InvoiceRefused(InvoiceProblem.EMPTY)
    if len(data) > MAX_INVOICE_BYTES:
        raise InvoiceRefused(InvoiceProblem.TOO_BIG, limit=MAX_INVOICE_BYTES)
    file_type = receipt_type(data[:HEAD_BYTES])
    if file_type != PDF and filename is not None and filename.lower().endswith(".pdf"):
        raise InvoiceRefused(InvoiceProblem.NOT_A_PDF)
    if file_type is None:
        raise InvoiceRefused(InvoiceProblem.UNSUPPORTED)
    if file_type == PDF:
        return _read_pdf(data)
    if file_type in PHOTO_TYPES:
        photo = _load_photo(data)
        qrs = _payment_qrs([photo] if photo is not None else [])
        return _reading(file_type, {}, qrs)
    return InvoiceReading(file_type)  # HEIC: attachable, but Pillow cannot decode it


def _read_pdf(data: bytes) -> InvoiceReading:
    try:
        content = read_pdf(data)
    except PdfUnreadable:
        raise InvoiceRefused(InvoiceProblem.CORRUPT) from None
    text = read_text(content.text) if content.text.strip() else {}
    reading = _reading(PDF, text, _payment_qrs(content.images))
    return replace(reading, pages_read=content.pages_read, pages_skipped=content.pages_skipped)


def _load_photo(data: bytes) -> Image.Image | None:
    """The photo, upright, grey, at most MAX_PHOTO_SIDE; None when too large to read."""
    try:
        image = Image.open(io.BytesIO(data))
        image.draft("L", (MAX_PHOTO_SIDE, MAX_PHOTO_SIDE))  # a JPEG decodes at 1/2…1/8 size
        if image.width * image.height > MAX_PHOTO_PIXELS:
            return None
        image = ImageOps.exif_transpose(image)
        image = image.convert("L")
        image.thumbnail((MAX_PHOTO_SIDE, MAX_PHOTO_SIDE))
    except Image.DecompressionBombError:
        return None
    except Exception:  # broken or hostile bytes fail in any way Pillow's decoders can fail
        raise InvoiceRefused(InvoiceProblem.CORRUPT) from None
    return image


def _payment_qrs(images: list[Image.Image]) -> list[PaymentQr]:
    payloads: list[bytes] = []
    for image in images:
        try:
            grey = image if image.mode in ("L", "RGB", "RGBA") else image.convert("L")
            found = qr_payloads(grey)
        except Exception:  # a picture pypdf decoded into something no reader takes
            continue
        payloads.extend(p for p in found if p not in payloads)
    return [qr for qr in map(parse_payment_qr, payloads) if qr is not None]


def _reading(file_type: str, text: Candidates, qrs: list[PaymentQr]) -> InvoiceReading:
    read: dict[str, list[tuple[object, Source]]] = {}
    for qr in qrs:
        for name, values in _qr_candidates(qr).items():
            read.setdefault(name, []).extend((value, Source.QR) for value in values)
    for name, values in text.items():
        read.setdefault(name, []).extend((value, Source.TEXT) for value in values)
    merged = {name: _merge(name, pairs) for name, pairs in read.items()}
    checked = _checked(merged)
    return InvoiceReading(
        file_type,
        **{name: Field(tuple(found)) for name, found in checked.items()},
        qr=dict(qrs[0].fields) if qrs else {},
    )


def _qr_candidates(qr: PaymentQr) -> Candidates:
    found: Candidates = {}
    for key, name in _QR_FIELDS.items():
        value = qr.get(key)
        if value is not None and value.strip("0 -"):  # "KPP=0": a person's QR has none
            found[name] = [value]
    total = qr.get("Sum")
    if total is not None and total.isascii() and total.isdigit() and int(total) > 0:
        found["total"] = [(Decimal(int(total)) / 100).quantize(KOPECKS)]
    purpose = qr.get("Purpose")
    if purpose is not None:
        found.update(read_purpose_like(purpose))
    return found


def _merge(name: str, pairs: list[tuple[object, Source]]) -> list[tuple[object, set[Source]]]:
    """Equal values read from several places become one, with all their sources (the first
    spelling stands). Names are equal when they differ only in case, spaces or the kind of
    quotes; a bank's name also when one adds the city to the other, as 1C's bank block
    prints "ПАО СБЕРБАНК Г. МОСКВА" where its QR says "ПАО СБЕРБАНК"."""
    merged: list[tuple[object, set[Source]]] = []
    keys: list[object] = []
    for value, source in pairs:
        key = _same(value) if name in _WORDY else value
        index = next((i for i, seen in enumerate(keys) if _equal(name, seen, key)), None)
        if index is not None:
            merged[index][1].add(source)
        else:
            keys.append(key)
            merged.append((value, {source}))
    return merged


def _equal(name: str, seen: object, key: object) -> bool:
    if seen == key:
        return True
    if name != "bank_name" or not isinstance(seen, str) or not isinstance(key, str):
        return False
    shorter, longer = sorted((seen, key), key=len)
    return longer.startswith(shorter + " ")


def _same(value: object) -> object:
    if not isinstance(value, str):
        return value
    return " ".join(value.translate(_QUOTES).casefold().split())


def _checked(merged: dict[str, list[tuple[object, set[Source]]]]) -> dict[str, list[Found]]:
    biks = [
        (value, sources)
        for value, sources in merged.get("bik", [])
        if problem_of(Detail.BIK, str(value)) is None
    ]
    checked: dict[str, list[Found]] = {}
    for name, values in merged.items():
        checked[name] = []
        for value, sources in values:
            if name in _DIGIT_CHECKS:
                problem = problem_of(_DIGIT_CHECKS[name], str(value))
            elif name in _ACCOUNT_CHECKS:
                problem = _account_problem(_ACCOUNT_CHECKS[name], str(value), sources, biks)
            else:
                problem = None
            checked[name].append(Found(value, frozenset(sources), problem))
    return checked


def _account_problem(
    detail: Detail, account: str, sources: set[Source], biks: list[tuple[object, set[Source]]]
) -> DetailProblem | None:
    """An account checked against the БИК read beside it (from the same source), or any valid
    БИК read when its own source had none; with no valid БИК it cannot be believed."""
    own = [str(bik) for bik, bik_sources in biks if bik_sources & sources]
    candidates = own or [str(bik) for bik, _ in biks]
    if not candidates:
        return problem_of(detail, account)  # its own format's fault, or no БИК to check by
    problems = [problem_of(detail, account, bik=bik) for bik in candidates]
    return None if None in problems else problems[0]
