"""Receipts read back: the file of an entry, and the signed links the workbook points at.

A «Чек» cell of the Google sheet links to the bot's web app with a token naming the entry
(`ledger.tokens`); whoever holds the link, that is whoever the sheet is shared with, gets the
file. A row is written once and must keep working, so a link is signed to a fixed date far
ahead rather than to an expiry, and an entry always gets the same link: rewriting a row
changes nothing. A new SECRET_KEY voids every link; the sheet's rows are then rewritten with
new ones (`sheets.sync` notices from a sample link).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ledger.attachments import Receipt
from ledger.storage.models import EntryRow
from ledger.tokens import sign, verify

RECEIPT_TOKEN_KIND = "rcpt"
LINKS_VALID_UNTIL = datetime(2100, 1, 1, tzinfo=UTC)


def receipt_token(key: bytes, entry_id: int) -> str:
    return sign(key, RECEIPT_TOKEN_KIND, entry_id, LINKS_VALID_UNTIL)


def entry_of_token(key: bytes, token: str, *, now: datetime) -> int:
    """The entry a link names; `TokenError` for a forged or damaged one."""
    return verify(key, token, kind=RECEIPT_TOKEN_KIND, now=now).ident


async def entry_receipt(session: AsyncSession, entry_id: int) -> Receipt | None:
    """The receipt kept with an entry; None for no such entry or none kept."""
    row = (
        await session.execute(
            select(EntryRow.receipt_file_id, EntryRow.receipt_kind).where(EntryRow.id == entry_id)
        )
    ).first()
    return Receipt.stored(*row) if row is not None else None
