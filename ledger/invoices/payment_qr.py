"""The Russian payment QR code (ГОСТ Р 56042-2014): finding it in a picture, and its payload.

The payload is "ST0001", one digit naming its encoding (1 windows-1251, 2 utf-8, 3 koi8-r),
then the separator (almost always "|"; the standard lets it be any character absent from the
values), then `Key=Value` pairs split by it: "ST00012|Name=…|PersonalAcc=…|Sum=150000|…".
Required: Name, PersonalAcc, BankName, BIC, CorrespAcc; often PayeeINN, KPP, Sum (kopecks),
Purpose, and a dozen optional others, all kept as they come.

The payload is read from the code's raw bytes, not from the decoder's text: a QR code in byte
mode carries no charset, so a decoder's guess turns windows-1251 into mojibake; the header's
digit says what the bytes are.
"""

from __future__ import annotations

from dataclasses import dataclass

import zxingcpp
from PIL import Image

FORMAT_ID = b"ST0001"
ENCODINGS = {ord("1"): "cp1251", ord("2"): "utf-8", ord("3"): "koi8-r"}
MAX_PAYLOAD_BYTES = 2953  # the most bytes a QR code (version 40, level L) can hold


@dataclass(frozen=True, slots=True)
class PaymentQr:
    fields: dict[str, str]  # every key as written (the standard's keys are case-sensitive)

    def get(self, key: str) -> str | None:
        value = self.fields.get(key)
        return value if value else None


def parse_payment_qr(payload: bytes) -> PaymentQr | None:
    """The ГОСТ payload's keys and values; None when `payload` is not such a payload."""
    if len(payload) < 8 or len(payload) > MAX_PAYLOAD_BYTES or not payload.startswith(FORMAT_ID):
        return None
    codec = ENCODINGS.get(payload[6])
    if codec is None:
        return None
    try:
        text = payload.decode(codec)
    except UnicodeDecodeError:
        return None
    separator, body = text[7], text[8:]
    if separator.isalnum() or separator == "=":
        return None
    fields: dict[str, str] = {}
    for part in body.split(separator):
        key, equals, value = part.partition("=")
        key = key.strip()
        if equals and key and key not in fields:  # the first of a repeated key stands
            fields[key] = value.strip()
    if not fields:
        return None
    return PaymentQr(fields)


def qr_payloads(image: Image.Image) -> list[bytes]:
    """The raw bytes of every QR code zxing-cpp finds in `image` (turned any way, scaled)."""
    found = zxingcpp.read_barcodes(
        image,
        formats=zxingcpp.BarcodeFormat.QRCode,
        try_rotate=True,
        try_downscale=True,
        try_invert=False,  # printed invoices are dark on light: half the work
    )
    return [bytes(code.bytes) for code in found if code.valid]
