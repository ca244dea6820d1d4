"""A receipt is what its first bytes say, within the size a bot can download."""

from __future__ import annotations

import pytest

from ledger.attachments import MAX_RECEIPT_BYTES, check_receipt, check_receipt_size
from ledger.errors import AttachmentRefused


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3", "application/pdf"),
        (b"\xff\xd8\xff\xe1\x00\x18Exif\x00\x00", "image/jpeg"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "image/png"),
        (b"RIFF\x24\x00\x00\x00WEBPVP8 ", "image/webp"),
        (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00", "image/heic"),
        (b"\x00\x00\x00\x1cftypmif1\x00\x00\x00\x00", "image/heic"),
    ],
    ids=["pdf", "jpeg", "png", "webp", "heic", "heif"],
)
def test_a_receipt_type_is_read_from_its_signature(head: bytes, kind: str) -> None:
    assert check_receipt(head, len(head)) == kind


@pytest.mark.parametrize(
    "head",
    [
        b"MZ\x90\x00\x03\x00\x00\x00\x04\x00",
        b"\x7fELF\x02\x01\x01\x00",
        b"PK\x03\x04\x14\x00\x06\x00",
        b"RIFF\x24\x00\x00\x00WAVEfmt ",
        b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00",
        b" %PDF-1.7",
        b"",
    ],
    ids=["exe", "elf", "zip", "wav", "mp4", "pdf not at the start", "empty"],
)
def test_anything_else_is_refused_as_the_wrong_type(head: bytes) -> None:
    with pytest.raises(AttachmentRefused) as refused:
        check_receipt(head, len(head))
    assert refused.value.reason == "type"


def test_a_receipt_larger_than_a_bot_can_download_is_refused_as_too_large() -> None:
    with pytest.raises(AttachmentRefused) as refused:
        check_receipt(b"%PDF-1.7", MAX_RECEIPT_BYTES + 1)
    assert refused.value.reason == "size"


def test_a_size_not_known_yet_is_not_refused() -> None:
    check_receipt_size(None)
    check_receipt_size(MAX_RECEIPT_BYTES)
