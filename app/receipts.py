"""Receipts behind the workbook's links: `GET /receipts/<token>` on the web app.

The token (`ledger.receipts`) names an entry; its receipt is fetched from Telegram through the
bot (getFile, then the download, passed through as it arrives) and answered with the file's
content type. A link is all it takes, so a refusal tells nothing: a forged or damaged token,
an entry that does not exist or has no receipt, a file Telegram does not know, are all the
same bare 404.
"""

from __future__ import annotations

import logging
import mimetypes
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import PurePosixPath

import aiohttp
from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramNetworkError, TelegramServerError
from aiohttp import web

from config.settings import Settings
from ledger.attachments import RECEIPT_TYPES
from ledger.clock import Clock
from ledger.receipts import entry_of_token, entry_receipt, receipt_token
from ledger.storage.database import Database
from ledger.tokens import TokenError

log = logging.getLogger(__name__)
RECEIPT_ROUTE = "/receipts/{token}"
DOWNLOAD_TIMEOUT = 60  # seconds: 20 MB, the largest file a bot may download, over a slow link
CHUNK_BYTES = 64 * 1024

ReceiptLink = Callable[[int], str]  # an entry id → the URL of its receipt


def receipt_links(settings: Settings, secret_key: bytes) -> ReceiptLink | None:
    """Links to receipts on the web app, when it has a public address (PUBLIC_URL, else
    WEBHOOK_BASE_URL); None: the sheet marks a receipt without a link."""
    base = settings.public_base_url
    if base is None:
        return None
    prefix = base + RECEIPT_ROUTE.removesuffix("{token}")

    def link(entry_id: int) -> str:
        return prefix + receipt_token(secret_key, entry_id)

    return link


@dataclass(frozen=True, slots=True)
class ReceiptFiles:
    """What serving a receipt needs: the bot that can fetch it, where to look it up, the key
    that signed its link."""

    bot: Bot
    database: Database
    secret_key: bytes
    clock: Clock


def register_receipts(app: web.Application, files: ReceiptFiles) -> None:
    async def serve(request: web.Request) -> web.StreamResponse:
        try:
            entry_id = entry_of_token(
                files.secret_key, request.match_info["token"], now=files.clock.now()
            )
        except TokenError:
            raise web.HTTPNotFound() from None
        async with files.database.read() as session:
            receipt = await entry_receipt(session, entry_id)
        if receipt is None:
            raise web.HTTPNotFound()
        try:
            file = await files.bot.get_file(receipt.file_id)
        except (TelegramNetworkError, TelegramServerError) as exc:
            log.warning("receipt of entry %s: Telegram unavailable: %s", entry_id, exc)
            raise web.HTTPBadGateway() from None
        except TelegramAPIError as exc:
            log.warning("receipt of entry %s: Telegram refused the file: %s", entry_id, exc)
            raise web.HTTPNotFound() from None
        if not file.file_path:
            raise web.HTTPNotFound()
        return await _pass_through(request, files.bot, file.file_path, entry_id, file.file_size)

    app.router.add_get(RECEIPT_ROUTE, serve)


async def _pass_through(
    request: web.Request, bot: Bot, file_path: str, entry_id: int, size: int | None
) -> web.StreamResponse:
    chunks = _download(bot, file_path)
    try:
        # The first chunk before the answer starts: a failed download can still be a 502.
        first = await anext(chunks, b"")
    except (TimeoutError, aiohttp.ClientError) as exc:
        await chunks.aclose()
        log.warning("receipt of entry %s: download failed: %s", entry_id, exc)
        raise web.HTTPBadGateway() from None
    response = web.StreamResponse(headers=_headers(file_path, entry_id))
    if size:
        response.content_length = size
    await response.prepare(request)
    try:
        await response.write(first)
        async for chunk in chunks:
            await response.write(chunk)
    finally:
        await chunks.aclose()
    await response.write_eof()
    return response


async def _download(bot: Bot, file_path: str) -> AsyncIterator[bytes]:
    api = bot.session.api
    if api.is_local:
        # A local Bot API server names a file on its own disk; aiogram reads it from there.
        data = await bot.download_file(file_path, timeout=DOWNLOAD_TIMEOUT)
        if data is not None:
            yield data.read()
        return
    async for chunk in bot.session.stream_content(
        url=api.file_url(bot.token, file_path),
        timeout=DOWNLOAD_TIMEOUT,
        chunk_size=CHUNK_BYTES,
        raise_for_status=True,
    ):
        yield chunk


def _headers(file_path: str, entry_id: int) -> dict[str, str]:
    """A receipt type (image, PDF) shows in the browser; anything else is only downloaded,
    and never sniffed into something a browser would run."""
    suffix = PurePosixPath(file_path).suffix.lower()
    content_type = mimetypes.guess_type(f"receipt{suffix}")[0] or "application/octet-stream"
    shown = content_type in RECEIPT_TYPES
    name = f"receipt-{entry_id}{suffix if suffix.isascii() and suffix[1:].isalnum() else ''}"
    return {
        "Content-Type": content_type if shown else "application/octet-stream",
        "Content-Disposition": f'{"inline" if shown else "attachment"}; filename="{name}"',
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "private, max-age=86400",
    }
