"""Invoices made for the tests: PDFs drawn with reportlab, payment QR codes (ГОСТ Р 56042-2014)
with segno, scans and photos with Pillow. Each maker returns the file's bytes and what a
reading of it must find (`Made.expected`: a field of `InvoiceReading` -> its value), so the
tests compare a reading against the truth the file was made from.

The layouts are the ones suppliers send: 1C's «Счет на оплату» (the bank block as a table at
the top, then «Поставщик» and «Покупатель», the goods, the totals), a freeform one typed in a
word processor (labels with colons, «Получатель»/«Плательщик»), either with the QR printed on
it, a scan (a page that is one picture, QR included, no text layer), a page with neither
text nor QR, and photos of a QR (turned, scaled, on paper-coloured background).

The Cyrillic font is matplotlib's DejaVu Sans: matplotlib is already installed everywhere the
suite runs, so no system font is needed.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Literal

import matplotlib
import segno
from PIL import Image, ImageDraw, ImageFont
from pypdf import PdfReader, PdfWriter
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas
from stdnum.ru import inn as stdnum_inn

from ledger.bank_details import control_key_fits
from ledger.invoices import VAT_EXEMPT, Vat

FONTS = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
FONT = "DejaVuSans"
FONT_BOLD = "DejaVuSans-Bold"
for _name in (FONT, FONT_BOLD):
    if _name not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(_name, str(FONTS / f"{_name}.ttf")))

MONTHS = [
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
]
Encoding = Literal[1, 2, 3]  # ГОСТ's encoding digit: windows-1251, utf-8, koi8-r
CODECS = {1: "cp1251", 2: "utf-8", 3: "koi8-r"}
# KOI8-R has no «», no №: a QR in it writes "" and N, as its generators do.
_KOI8 = str.maketrans({"«": '"', "»": '"', "№": "N"})


def as_qr_says(value: str, encoding: Encoding) -> str:
    return value.translate(_KOI8) if encoding == 3 else value


def company_inn(head: str) -> str:
    """A valid company ИНН from its first nine digits."""
    return head + stdnum_inn.calc_company_check_digit(head)


def person_inn(head: str) -> str:
    """A valid personal ИНН from its first ten digits."""
    return head + stdnum_inn.calc_personal_check_digits(head)


def keyed_account(head: str, tail: str, bik: str) -> str:
    """The settlement account head (8 digits) + key + tail (11 digits) whose key fits `bik`."""
    for key in "0123456789":
        account = head + key + tail
        if control_key_fits(bik[-3:] + account):
            return account
    raise AssertionError("one key digit always fits")


def rubles(amount: Decimal) -> str:
    """An amount as 1C prints it: "15 000,00"."""
    whole, _, kopecks = f"{amount:.2f}".partition(".")
    groups = f"{int(whole):,}".replace(",", " ")
    return f"{groups},{kopecks}"


@dataclass(frozen=True)
class Item:
    name: str
    quantity: int
    price: Decimal

    @property
    def total(self) -> Decimal:
        return self.price * self.quantity


@dataclass(frozen=True)
class Invoice:
    """The truth an invoice is made from."""

    supplier_name: str = "ООО «Ромашка»"
    supplier_inn: str = field(default_factory=lambda: company_inn("770812345"))
    supplier_kpp: str | None = "770801001"
    supplier_address: str = "117997, г. Москва, ул. Вавилова, д. 19, офис 4"
    bank_name: str = "ПАО СБЕРБАНК"
    bik: str = "044525225"
    correspondent_account: str = "30101810400000000225"
    account: str = field(
        default_factory=lambda: keyed_account("40702810", "38000123456", "044525225")
    )
    buyer_name: str = "ООО «Копейка»"
    buyer_inn: str = field(default_factory=lambda: company_inn("503819131"))
    buyer_kpp: str = "503801001"
    number: str = "123"
    date: date = date(2026, 11, 22)
    items: tuple[Item, ...] = (
        Item("Настройка рекламной кампании", 1, Decimal("10000.00")),
        Item("Баннер 3×6 м, печать", 2, Decimal("2500.00")),
    )
    vat_rate: Decimal | None = Decimal(20)  # None: «Без НДС»
    purpose: str | None = None  # written on the invoice as «Назначение платежа»

    @property
    def total(self) -> Decimal:
        return sum((item.total for item in self.items), Decimal("0.00"))

    @property
    def vat_amount(self) -> Decimal:
        """The VAT included in the total (0 without VAT), rounded to kopecks as 1C does."""
        if self.vat_rate is None:
            return Decimal("0.00")
        return (self.total * self.vat_rate / (100 + self.vat_rate)).quantize(Decimal("0.01"))

    @property
    def qr_purpose(self) -> str:
        vat = (
            f"В т.ч. НДС {self.vat_rate}% - {self.vat_amount:.2f} руб."
            if self.vat_rate is not None
            else "НДС не облагается"
        )
        return f"Оплата по счету № {self.number} от {self.date:%d.%m.%Y}. {vat}"

    def qr_payload(self, encoding: Encoding = 2, *, total: Decimal | None = None) -> bytes:
        """The ГОСТ Р 56042-2014 payload, encoded as its header says."""
        fields = {
            "Name": self.supplier_name,
            "PersonalAcc": self.account,
            "BankName": self.bank_name,
            "BIC": self.bik,
            "CorrespAcc": self.correspondent_account,
            "PayeeINN": self.supplier_inn,
            **({"KPP": self.supplier_kpp} if self.supplier_kpp else {}),
            "Sum": str(int((total if total is not None else self.total) * 100)),
            "Purpose": self.qr_purpose,
            "DocNo": self.number,  # an optional key: kept, not read
        }
        text = f"ST0001{encoding}|" + "|".join(f"{k}={v}" for k, v in fields.items())
        return as_qr_says(text, encoding).encode(CODECS[encoding])

    def expected_from_text(self) -> dict[str, object]:
        vat = Vat(self.vat_rate, self.vat_amount) if self.vat_rate is not None else VAT_EXEMPT
        return {
            "supplier_name": self.supplier_name,
            "supplier_inn": self.supplier_inn,
            "supplier_kpp": self.supplier_kpp,
            "bank_name": self.bank_name,
            "bik": self.bik,
            "correspondent_account": self.correspondent_account,
            "account": self.account,
            "number": self.number,
            "date": self.date,
            "total": self.total,
            "vat": vat,
            "purpose": self.purpose,
        }

    def expected_from_qr(self, encoding: Encoding = 2) -> dict[str, object]:
        vat = Vat(self.vat_rate, self.vat_amount) if self.vat_rate is not None else VAT_EXEMPT
        return {
            "supplier_name": as_qr_says(self.supplier_name, encoding),
            "supplier_inn": self.supplier_inn,
            "supplier_kpp": self.supplier_kpp,
            "bank_name": self.bank_name,
            "bik": self.bik,
            "correspondent_account": self.correspondent_account,
            "account": self.account,
            "number": self.number,
            "date": self.date,
            "total": self.total,
            "vat": vat,
            "purpose": as_qr_says(self.qr_purpose, encoding),
        }


@dataclass(frozen=True)
class Made:
    data: bytes
    expected: dict[str, object]  # InvoiceReading's field -> the value a reading must find


SOLE_TRADER = Invoice(
    supplier_name="ИП Иванова Мария Петровна",
    supplier_inn=person_inn("5006012345"),
    supplier_kpp=None,
    supplier_address="141400, г. Химки, ул. Ленинградская, д. 12",
    bank_name="АО «ТБанк»",
    bik="044525974",
    correspondent_account="30101810145250000974",
    account=keyed_account("40802810", "00007432200", "044525974"),
    number="А-17",
    items=(Item("Дизайн листовки", 1, Decimal("48500.00")),),
    vat_rate=None,
    purpose="Оплата по счёту № А-17 от 22.11.2026 за дизайн листовки. Без НДС",
)


def qr_image(payload: bytes, *, scale: int = 4) -> Image.Image:
    """The QR code of `payload` (byte mode, no ECI: as banks' apps expect it)."""
    buffer = io.BytesIO()
    segno.make_qr(payload, error="m", mode="byte").save(buffer, kind="png", scale=scale, border=4)
    buffer.seek(0)
    return Image.open(buffer).convert("RGB")


class _Page:
    """A reportlab page written top-down in millimetres-ish points."""

    def __init__(self, pdf: canvas.Canvas) -> None:
        self.pdf = pdf
        self.width, self.height = A4

    def text(self, x: float, y: float, text: str, *, size: float = 9, bold: bool = False) -> None:
        self.pdf.setFont(FONT_BOLD if bold else FONT, size)
        self.pdf.drawString(x, self.height - y, text)

    def right(self, x: float, y: float, text: str, *, size: float = 9) -> None:
        self.pdf.setFont(FONT, size)
        self.pdf.drawRightString(x, self.height - y, text)

    def box(self, x: float, y: float, w: float, h: float) -> None:
        self.pdf.rect(x, self.height - y - h, w, h)

    def image(self, image: Image.Image, x: float, y: float, size: float) -> None:
        self.pdf.drawImage(ImageReader(image), x, self.height - y - size, size, size)


def _canvas() -> tuple[io.BytesIO, canvas.Canvas]:
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, invariant=True)  # the same bytes every run
    pdf.setTitle("Счет на оплату")
    return buffer, pdf


def classic_1c(
    invoice: Invoice = Invoice(),
    *,
    qr: Encoding | None = None,
    qr_total: Decimal | None = None,
) -> Made:
    """1C's «Счет на оплату»: the bank block, «Поставщик», «Покупатель», goods and totals;
    with `qr`, the payment QR in that encoding beside the title, as 1C prints it (saying
    `qr_total` for the sum, when given: a QR that disagrees with the text)."""
    buffer, pdf = _canvas()
    page = _Page(pdf)
    left, mid, right = 40, 330, 555
    # The bank block: a 2×3 table as 1C draws it, each cell's text at its own place.
    page.box(left, 40, right - left, 90)
    page.text(left + 4, 54, f"{invoice.bank_name} Г. МОСКВА")
    page.text(left + 4, 82, "Банк получателя", size=7)
    page.text(mid + 4, 54, "БИК")
    page.text(mid + 60, 54, invoice.bik)
    page.text(mid + 4, 72, "Сч. №")
    page.text(mid + 60, 72, invoice.correspondent_account)
    kpp = f"КПП {invoice.supplier_kpp}" if invoice.supplier_kpp else "КПП"
    page.text(left + 4, 100, f"ИНН {invoice.supplier_inn}")
    page.text(left + 150, 100, kpp)
    page.text(mid + 4, 100, "Сч. №")
    page.text(mid + 60, 100, invoice.account)
    page.text(left + 4, 114, invoice.supplier_name)
    page.text(left + 4, 126, "Получатель", size=7)
    title = f"Счет на оплату № {invoice.number} от {_long_date(invoice.date)}"
    page.text(left, 160, title, size=13, bold=True)
    if qr is not None:
        page.image(qr_image(invoice.qr_payload(qr, total=qr_total)), right - 90, 140, 90)
    supplier = ", ".join(
        part
        for part in (
            invoice.supplier_name,
            f"ИНН {invoice.supplier_inn}",
            f"КПП {invoice.supplier_kpp}" if invoice.supplier_kpp else "",
            invoice.supplier_address,
        )
        if part
    )
    page.text(left, 250, "Поставщик")
    page.text(left, 261, "(Исполнитель):")
    page.text(left + 80, 250, supplier)
    buyer = (
        f"{invoice.buyer_name}, ИНН {invoice.buyer_inn}, КПП {invoice.buyer_kpp}, "
        "143005, Московская обл., г. Одинцово, ул. Неделина, д. 6"
    )
    page.text(left, 280, "Покупатель")
    page.text(left, 291, "(Заказчик):")
    page.text(left + 80, 280, buyer)
    page.text(left, 310, "Основание: Договор № 45 от 01.09.2026")
    # The goods table.
    y = 335
    for x, head in zip(
        (left, left + 25, 370, 410, 440, 500),
        ("№", "Товары (работы, услуги)", "Кол-во", "Ед.", "Цена", "Сумма"),
        strict=True,
    ):
        page.text(x, y, head, bold=True)
    for number, item in enumerate(invoice.items, start=1):
        y += 16
        page.text(left, y, str(number))
        page.text(left + 25, y, item.name)
        page.right(400, y, str(item.quantity))
        page.text(410, y, "шт")
        page.right(490, y, rubles(item.price))
        page.right(right, y, rubles(item.total))
    y += 24
    page.right(490, y, "Итого:")
    page.right(right, y, rubles(invoice.total))
    y += 14
    if invoice.vat_rate is not None:
        page.right(490, y, f"В том числе НДС ({invoice.vat_rate}%):")
        page.right(right, y, rubles(invoice.vat_amount))
    else:
        page.right(490, y, "Без налога (НДС)")
        page.right(right, y, "-")
    y += 14
    page.right(490, y, "Всего к оплате:")
    page.right(right, y, rubles(invoice.total))
    y += 24
    page.text(
        left, y, f"Всего наименований {len(invoice.items)}, на сумму {rubles(invoice.total)} руб."
    )
    page.text(left, y + 14, "Пятнадцать тысяч рублей 00 копеек", bold=True)
    page.text(
        left,
        y + 40,
        "Оплата данного счета означает согласие с условиями поставки товара. Товар отпускается"
        " по факту прихода денег на р/с Поставщика.",
        size=7,
    )
    page.text(left, y + 80, "Руководитель ______________ Петров П. П.")
    page.text(300, y + 80, "Бухгалтер ______________ Сидорова С. С.")
    pdf.showPage()
    pdf.save()
    expected = invoice.expected_from_text()
    expected["bank_name"] = f"{invoice.bank_name} Г. МОСКВА"
    expected["purpose"] = None  # 1C prints none
    if qr is not None:
        # The QR's bank name is the bank's own, without the city; the reading keeps it.
        expected.update(
            bank_name=invoice.bank_name,
            purpose=as_qr_says(invoice.qr_purpose, qr),
            supplier_name=as_qr_says(invoice.supplier_name, qr),  # the QR's spelling stands
        )
    return Made(buffer.getvalue(), expected)


def freeform(invoice: Invoice = SOLE_TRADER, *, qr: Encoding | None = None) -> Made:
    """An invoice typed in a word processor: «Получатель: …», «Р/с … в …», «Итого к оплате»."""
    buffer, pdf = _canvas()
    page = _Page(pdf)
    lines = [
        (f"Счёт № {invoice.number} от {invoice.date:%d.%m.%Y}", 14, True),
        ("", 9, False),
        (f"Получатель: {invoice.supplier_name}", 10, False),
        (
            f"ИНН {invoice.supplier_inn}"
            + (f", КПП {invoice.supplier_kpp}" if invoice.supplier_kpp else ""),
            10,
            False,
        ),
        (f"Адрес: {invoice.supplier_address}", 10, False),
        (f"Р/с {invoice.account} в {invoice.bank_name}", 10, False),
        (f"БИК {invoice.bik}, к/с {invoice.correspondent_account}", 10, False),
        ("", 9, False),
        (f"Плательщик: {invoice.buyer_name}, ИНН {invoice.buyer_inn}", 10, False),
        ("", 9, False),
    ]
    for number, item in enumerate(invoice.items, start=1):
        lines.append(
            (f"{number}. {item.name} — {item.quantity} × {rubles(item.price)} ₽", 10, False)
        )
    lines.append(("", 9, False))
    lines.append((f"Итого к оплате: {rubles(invoice.total)} руб.", 11, True))
    if invoice.vat_rate is None:
        lines.append(("Без НДС", 10, False))
    else:
        lines.append((f"в т.ч. НДС {invoice.vat_rate}%: {rubles(invoice.vat_amount)}", 10, False))
    if invoice.purpose:
        lines.append((f"Назначение платежа: {invoice.purpose}", 10, False))
    y = 60
    for text, size, bold in lines:
        page.text(50, y, text, size=size, bold=bold)
        y += size + 8
    if qr is not None:
        page.image(qr_image(invoice.qr_payload(qr)), 50, y + 20, 110)
    pdf.showPage()
    pdf.save()
    expected = invoice.expected_from_text()
    if qr is not None:
        # Its purpose as typed and as the QR says it differ: a conflict, not one value.
        del expected["purpose"]
    return Made(buffer.getvalue(), expected)


def scanned(
    invoice: Invoice = Invoice(), *, qr: Encoding | None = 1, encoding: str = "jpeg"
) -> Made:
    """A scan: the page is one picture (printed text as pixels, no text layer), QR included
    unless `qr` is None. Pillow writes the PDF, as a scanner's software does (`encoding`:
    the page as JPEG, DCTDecode in the PDF; or "png" for a lossless, Flate-encoded scan)."""
    page = Image.new("L" if encoding == "png" else "RGB", (1240, 1754), "white")  # A4, 150 dpi
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype(str(FONTS / f"{FONT}.ttf"), 28)
    lines = [
        f"Счет на оплату № {invoice.number} от {_long_date(invoice.date)}",
        f"Поставщик: {invoice.supplier_name}, ИНН {invoice.supplier_inn}",
        f"Р/с {invoice.account}, БИК {invoice.bik}",
        f"Всего к оплате: {rubles(invoice.total)}",
    ]
    for number, line in enumerate(lines):
        draw.text((100, 120 + 50 * number), line, fill="black", font=font)
    if qr is not None:
        page.paste(qr_image(invoice.qr_payload(qr), scale=6), (100, 450))
    buffer = io.BytesIO()
    page.save(buffer, "PDF", resolution=150)
    expected = invoice.expected_from_qr(qr) if qr is not None else {}
    return Made(buffer.getvalue(), expected)


def blank() -> Made:
    """A page with neither text nor QR: a drawing, say a stamp's outline."""
    buffer, pdf = _canvas()
    pdf.circle(300, 500, 80)
    pdf.line(100, 100, 500, 100)
    pdf.showPage()
    pdf.save()
    return Made(buffer.getvalue(), {})


def photo(
    invoice: Invoice = Invoice(),
    *,
    encoding: Encoding = 1,
    angle: float = 0,
    exif_turn: bool = False,
    scale: int = 5,
    kind: Literal["png", "jpeg", "webp"] = "jpeg",
    total: Decimal | None = None,
) -> Made:
    """A photo of an invoice's QR: on paper-coloured background, turned by `angle` degrees,
    and with `exif_turn` stored on its side with EXIF saying so (as phones do)."""
    code = qr_image(invoice.qr_payload(encoding, total=total), scale=scale)
    sheet = Image.new("RGB", (code.width * 2, code.height * 2), (238, 232, 220))
    sheet.paste(code, (code.width // 3, code.height // 2))
    if angle:
        sheet = sheet.rotate(angle, expand=True, fillcolor=(238, 232, 220))
    buffer = io.BytesIO()
    if exif_turn:
        exif = Image.Exif()
        exif[0x0112] = 6  # "rotate 90° clockwise to view": the pixels are stored turned
        sheet.transpose(Image.Transpose.ROTATE_90).save(buffer, "JPEG", exif=exif, quality=90)
    elif kind == "jpeg":
        sheet.save(buffer, "JPEG", quality=85)
    else:
        sheet.save(buffer, kind.upper())
    expected = invoice.expected_from_qr(encoding)
    if total is not None:
        expected["total"] = total
    return Made(buffer.getvalue(), expected)


def text_only(*pages: str) -> Made:
    """A PDF whose pages carry these lines of text, nothing else."""
    buffer, pdf = _canvas()
    page = _Page(pdf)
    for text in pages:
        for number, line in enumerate(text.splitlines()):
            page.text(50, 60 + 16 * number, line, size=10)
        pdf.showPage()
    pdf.save()
    return Made(buffer.getvalue(), {})


def many_pages(count: int, invoice: Invoice = Invoice()) -> Made:
    """1C's invoice on the first page, then `count - 1` pages of goods."""
    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(classic_1c(invoice).data)))
    more = [
        "\n".join(f"{n}. Листовка А5, тираж {n}00 шт — {rubles(Decimal(n))}" for n in range(30))
        for _ in range(count - 1)
    ]
    writer.append(PdfReader(io.BytesIO(text_only(*more).data)))
    buffer = io.BytesIO()
    writer.write(buffer)
    return Made(buffer.getvalue(), {})


def photo_of_qr(payload: bytes) -> Made:
    """A photo of a QR code holding any `payload` (a link, say)."""
    buffer = io.BytesIO()
    qr_image(payload).save(buffer, "PNG")
    return Made(buffer.getvalue(), {})


def photo_of_nothing() -> Made:
    """A photo of a page with writing and no QR code."""
    sheet = Image.new("RGB", (1200, 900), (238, 232, 220))
    draw = ImageDraw.Draw(sheet)
    font = ImageFont.truetype(str(FONTS / f"{FONT}.ttf"), 40)
    draw.text((80, 300), "Счет на оплату № 123", fill="black", font=font)
    buffer = io.BytesIO()
    sheet.save(buffer, "JPEG", quality=80)
    return Made(buffer.getvalue(), {})


def truncations(data: bytes, cuts: Sequence[float] = (0.1, 0.5, 0.9, 0.99)) -> list[bytes]:
    """The file cut short at these fractions of its length, as a broken download leaves it."""
    return [data[: max(8, int(len(data) * cut))] for cut in cuts]


def raw_pdf(*objects: bytes) -> bytes:
    """A PDF written by hand from its objects (1 0 obj is the catalogue), with a correct
    cross-reference table: for files no PDF library would write, hostile ones included."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer<</Size {len(objects) + 1}/Root 1 0 R>>\nstartxref\n{xref}\n%%EOF".encode()
    return bytes(out)


def one_page_pdf(content: bytes, *, filter_name: str = "/FlateDecode") -> bytes:
    """A one-page PDF whose content stream is `content`, already encoded by `filter_name`."""
    return raw_pdf(
        b"<</Type/Catalog/Pages 2 0 R>>",
        b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
        b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R>>",
        f"<</Length {len(content)}/Filter{filter_name}>>stream\n".encode()
        + content
        + b"\nendstream",
    )


def _long_date(day: date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]} {day.year} г."
