"""Receipts: what may be attached (checked by type and size before anything is stored), and
what is kept of one: Telegram's file id and whether it came as a photo or a document."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from ledger.errors import AttachmentRefused

# Telegram lets a bot download files up to 20 MB; a larger receipt could never be read back.
MAX_RECEIPT_BYTES = 20 * 1024 * 1024
RECEIPT_TYPES = frozenset(
    {"image/jpeg", "image/png", "image/webp", "image/heic", "image/heif", "application/pdf"}
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


def check_receipt(mime_type: str | None, size: int | None) -> None:
    """Refuse a receipt file of a type we cannot show or a size we cannot download."""
    if (mime_type or "").lower() not in RECEIPT_TYPES:
        raise AttachmentRefused("type")
    if size is not None and size > MAX_RECEIPT_BYTES:
        raise AttachmentRefused("size")
