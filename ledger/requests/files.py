"""Files a request keeps: its invoice, and each payment's payment order.

They stay in Telegram and are kept by their file id (sent back by the same kind of message
they came in: `ReceiptKind`), with what was learnt of them when they were downloaded: their
type as their first bytes tell it (`ledger.attachments.check_receipt`), size and SHA-256.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from ledger.attachments import (
    HEAD_BYTES,
    MAX_RECEIPT_BYTES,
    RECEIPT_TYPES,
    ReceiptKind,
    receipt_type,
)
from ledger.errors import RequestRefused

MAX_NAME = 255
_SHA256 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True, slots=True)
class StoredFile:
    file_id: str
    kind: ReceiptKind
    content_type: str  # as the file's own first bytes say: a PDF or an image
    size: int
    sha256: str  # hex
    name: str | None = None  # as the sender named it: shown, never used as a path


def checked(file: StoredFile) -> StoredFile:
    """The file if a request may keep it: a PDF or an image Telegram lets a bot download,
    described as a download describes it; else `RequestRefused("file")`."""
    if (
        file.content_type not in RECEIPT_TYPES
        or not 0 < file.size <= MAX_RECEIPT_BYTES
        or not file.file_id
        or len(file.file_id) > 200
        or _SHA256.fullmatch(file.sha256) is None
    ):
        raise RequestRefused("file")
    name = " ".join(file.name.split())[:MAX_NAME] if file.name else None
    return StoredFile(
        file.file_id, ReceiptKind(file.kind), file.content_type, file.size, file.sha256, name
    )


def stored(
    file_id: str | None,
    kind: str | None,
    content_type: str | None,
    size: int | None,
    sha256: str | None,
    name: str | None,
) -> StoredFile | None:
    """A file from its columns; None when there is none."""
    if file_id is None:
        return None
    return StoredFile(
        file_id,
        ReceiptKind(kind or ReceiptKind.DOCUMENT),
        content_type or "application/octet-stream",
        size or 0,
        sha256 or "",
        name,
    )


def described(file_id: str, kind: ReceiptKind, data: bytes, name: str | None = None) -> StoredFile:
    """A file as downloaded from Telegram, described as a request keeps it: its type as its
    first bytes tell it (not as its sender claimed), its size and SHA-256; refused
    (`RequestRefused("file")`) when a request does not keep such a file."""
    content_type = receipt_type(data[:HEAD_BYTES]) or "application/octet-stream"
    return checked(
        StoredFile(file_id, kind, content_type, len(data), hashlib.sha256(data).hexdigest(), name)
    )
