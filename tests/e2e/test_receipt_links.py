"""The Google sheet's «Чек» links: the bot's web app hands the receipt over to whoever holds
the link, with its content type, and answers anything else with a bare 404."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import aiohttp
import pytest

from app.receipts import ReceiptFiles, receipt_links
from app.webapp import create_web_app
from config.settings import Settings
from ledger.receipts import receipt_token
from ledger.tokens import sign
from tests.e2e.conftest import Running
from tests.fakes.server import serve_locally

PHOTO = b"\xff\xd8\xff\xe0 receipt photo"
PDF = b"%PDF-1.7 receipt"


@contextlib.asynccontextmanager
async def web_app(kopeyka: Running) -> AsyncIterator[str]:
    """The product's web app with receipts on, as `run` starts it; its base URL."""
    context = kopeyka.context
    files = ReceiptFiles(kopeyka.bot, context.database, context.secret_key, context.clock)
    app = create_web_app(kopeyka.dispatcher, None, None, receipts=files)
    runner, base = await serve_locally(app)
    try:
        yield base
    finally:
        await runner.cleanup()


async def get(url: str) -> tuple[int, dict[str, str], bytes]:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return response.status, dict(response.headers), await response.read()


async def save_with_receipt(kopeyka: Running) -> None:
    owner = kopeyka.owner
    await owner.send_photo(PHOTO, caption="1500 такси")
    await owner.tap("✅ Сохранить")
    await owner.send_document(PDF, "check.pdf", "application/pdf", "990 бумага")
    await owner.tap("✅ Сохранить")


async def test_a_receipt_link_gives_the_file_as_it_came(kopeyka: Running) -> None:
    await save_with_receipt(kopeyka)
    async with web_app(kopeyka) as base:
        link = receipt_links(Settings(_env_file=None, public_url=base), kopeyka.context.secret_key)
        assert link is not None
        photo = await get(link(1))
        pdf = await get(link(2))

    status, headers, body = photo
    assert (status, body) == (200, PHOTO)
    assert headers["Content-Type"] == "image/jpeg"
    assert headers["Content-Disposition"] == 'inline; filename="receipt-1.jpg"'
    assert headers["X-Content-Type-Options"] == "nosniff"
    status, headers, body = pdf
    assert (status, body) == (200, PDF)
    assert headers["Content-Type"] == "application/pdf"


async def test_anything_but_a_good_link_to_a_kept_receipt_is_a_bare_404(
    kopeyka: Running,
) -> None:
    await kopeyka.owner.send("200 бензин")
    await kopeyka.owner.tap("✅ Сохранить")  # entry 1, without a receipt
    await save_with_receipt(kopeyka)  # entries 2 and 3, with
    key = kopeyka.context.secret_key
    good = receipt_token(key, 2)
    kind, ident, expiry, signature = good.split("_")
    tampered = [
        f"{kind}_{ident}_{expiry}_{signature[:-1]}{'A' if signature[-1] != 'A' else 'B'}",
        f"{kind}_3_{expiry}_{signature}",  # another entry under entry 2's signature
        receipt_token(b"another key", 2),
        sign(key, "inv", 2, kopeyka.context.clock.now().replace(year=2100)),  # an invite's
        good[:-1],
        "../../secret_key",
    ]
    refused = [
        *tampered,
        receipt_token(key, 1),  # a real entry, no receipt
        receipt_token(key, 999),  # no such entry
    ]

    async with web_app(kopeyka) as base:
        answers = [await get(f"{base}/receipts/{token}") for token in refused]
        ok = await get(f"{base}/receipts/{good}")

    assert [status for status, _, _ in answers] == [404] * len(refused)
    assert len({body for _, _, body in answers}) == 1, "every refusal reads the same"
    assert ok[0] == 200


@pytest.mark.parametrize(("telegram_says", "expected"), [(400, 404), (502, 502)])
async def test_a_file_telegram_refuses_or_cannot_give_is_not_served(
    kopeyka: Running, telegram_says: int, expected: int
) -> None:
    await save_with_receipt(kopeyka)
    kopeyka.telegram.fail_next(
        "getFile", error_code=telegram_says, description="Bad Request: invalid file_id"
    )
    async with web_app(kopeyka) as base:
        status, _, body = await get(
            f"{base}/receipts/{receipt_token(kopeyka.context.secret_key, 1)}"
        )

    assert status == expected
    assert PHOTO not in body
