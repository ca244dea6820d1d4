"""The ГОСТ Р 56042-2014 payload: its header names the encoding and the separator; every key is
kept; anything else is no payment QR."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.invoices.payment_qr import parse_payment_qr

SBER = "Name=ООО «Три кита»|PersonalAcc=40702810138250123017|BankName=ПАО СБЕРБАНК|BIC=044525225"


@pytest.mark.parametrize(("digit", "codec"), [("1", "cp1251"), ("2", "utf-8"), ("3", "koi8-r")])
def test_the_header_digit_names_the_encoding(digit: str, codec: str) -> None:
    body = SBER.replace("«", '"').replace("»", '"')
    qr = parse_payment_qr(f"ST0001{digit}|{body}".encode(codec))

    assert qr is not None
    assert qr.fields["Name"] == 'ООО "Три кита"'
    assert qr.fields["BankName"] == "ПАО СБЕРБАНК"


def test_the_separator_is_whatever_follows_the_header() -> None:
    qr = parse_payment_qr("ST00012#Name=ООО Лютик#Sum=150000#Purpose=a|b".encode())

    assert qr is not None
    assert qr.fields == {"Name": "ООО Лютик", "Sum": "150000", "Purpose": "a|b"}


def test_unknown_keys_are_kept_and_a_repeated_key_keeps_its_first_value() -> None:
    payload = "ST00012|Name=А|DocNo=17|TechCode=02|Name=Б|junk|=x".encode()

    qr = parse_payment_qr(payload)

    assert qr is not None
    assert qr.fields == {"Name": "А", "DocNo": "17", "TechCode": "02"}


@pytest.mark.parametrize(
    "payload",
    [
        b"https://qr.nspk.ru/AS1000670LSS7DN18SJQDNP4B05KLJL2",
        b"ST00014|Name=x",  # no such encoding
        b"ST00012",  # header only
        b"ST00012Name=x",  # a letter cannot separate
        "ST00012|Name=Ромашка".encode("cp1251"),  # says utf-8, is not
        b"ST00012|nothing here",
    ],
    ids=["sbp link", "encoding 4", "header only", "letter separator", "wrong bytes", "no keys"],
)
def test_anything_else_is_no_payment_qr(payload: bytes) -> None:
    assert parse_payment_qr(payload) is None


@given(st.binary(max_size=600))
def test_no_payload_makes_the_parser_crash(payload: bytes) -> None:
    parse_payment_qr(b"ST00011|" + payload)
    parse_payment_qr(payload)
