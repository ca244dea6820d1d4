"""What may be attached as a receipt: checked by type and size before anything is stored."""

from __future__ import annotations

from ledger.errors import AttachmentRefused

# Telegram lets a bot download files up to 20 MB; a larger receipt could never be read back.
MAX_RECEIPT_BYTES = 20 * 1024 * 1024
RECEIPT_TYPES = frozenset(
    {"image/jpeg", "image/png", "image/webp", "image/heic", "image/heif", "application/pdf"}
)


def check_receipt(mime_type: str | None, size: int | None) -> None:
    """Refuse a receipt file of a type we cannot show or a size we cannot download."""
    if (mime_type or "").lower() not in RECEIPT_TYPES:
        raise AttachmentRefused("type")
    if size is not None and size > MAX_RECEIPT_BYTES:
        raise AttachmentRefused("size")
