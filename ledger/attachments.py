"""What may be attached as a receipt: checked by size, and by what its first bytes say it is.

The type a sender's client declares is only a claim (any file can be sent as
"application/pdf"), so the file is judged by its own first bytes, read after it was
downloaded from Telegram; a photo is held to the same limits as a document.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from ledger.errors import AttachmentRefused

# Telegram lets a bot download files up to 20 MB; a larger receipt could never be read back.
MAX_RECEIPT_BYTES = 20 * 1024 * 1024
HEAD_BYTES = 16  # enough for every signature below
# What a receipt may be (`receipt_type` tells which), and so what a browser may show inline.
RECEIPT_TYPES = frozenset(
    {"image/jpeg", "image/png", "image/webp", "image/heic", "image/heif", "application/pdf"}
)

# ISO base media files name their brand after "ftyp": these are HEIF/HEIC images.
_HEIF_BRANDS = frozenset(
    {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs", b"mif1", b"msf1"}
)


class ReceiptKind(StrEnum):
    """How Telegram gave the file: a photo's id goes back by sendPhoto, a document's by
    sendDocument; Telegram refuses the other ("type of file mismatch")."""

    PHOTO = "photo"
    DOCUMENT = "document"


_KINDS = frozenset(kind.value for kind in ReceiptKind)


@dataclass(frozen=True, slots=True)
class Receipt:
    file_id: str
    kind: ReceiptKind | None  # None: kept before kinds were (an entry older than migration 0011)

    @classmethod
    def stored(cls, file_id: str | None, kind: str | None) -> Receipt | None:
        """The receipt of a row's two columns; None when it has none."""
        if file_id is None:
            return None
        return cls(file_id, ReceiptKind(kind) if kind in _KINDS else None)


def check_receipt_size(size: int | None) -> None:
    """Refuse a receipt too large to download, before trying (None: size not known yet)."""
    if size is not None and size > MAX_RECEIPT_BYTES:
        raise AttachmentRefused("size")


def check_receipt(head: bytes, size: int) -> str:
    """The receipt's type as its first bytes (`head`, at least HEAD_BYTES of them when the
    file has that many) tell it; refused when it is none we can show, or too large."""
    check_receipt_size(size)
    kind = receipt_type(head)
    if kind is None:
        raise AttachmentRefused("type")
    return kind


def receipt_type(head: bytes) -> str | None:
    """The MIME type of a PDF, JPEG, PNG, WebP or HEIC file from its signature, else None."""
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
        return "image/heic"
    return None
