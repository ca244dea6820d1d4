"""A receipt kept with its entry: its kind, who may have it back, and the links to it."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from app.context import Services
from ledger.attachments import Receipt, ReceiptKind
from ledger.categories import DEFAULT_CATEGORIES
from ledger.errors import NotAllowed, NotFound
from ledger.receipts import entry_of_token, entry_receipt, receipt_token
from ledger.roles import Actor, Role
from ledger.tokens import TokenError
from ledger.users import Person
from tests.conftest import OWNER_ID

KEY = b"k" * 32


async def owner(services: Services) -> Actor:
    await services.categories.seed(DEFAULT_CATEGORIES)
    return await services.users.resolve(Person(OWNER_ID, "Ольга"))


async def save(services: Services, actor: Actor, text: str, **receipt: object) -> int:
    draft = await services.expenses.start_draft(actor, text, **receipt)
    return (await services.expenses.save(actor, draft.id, draft.revision)).id


async def test_a_saved_receipt_keeps_its_kind_and_comes_back_to_the_owner(
    services: Services,
) -> None:
    olga = await owner(services)
    photo = await save(
        services, olga, "1500 такси", receipt_file_id="AgAC-photo", receipt_kind=ReceiptKind.PHOTO
    )
    plain = await save(services, olga, "200 бензин")

    assert await services.entries.receipt(olga, photo) == Receipt("AgAC-photo", ReceiptKind.PHOTO)
    assert (await services.entries.get(photo)).has_receipt
    assert not (await services.entries.get(plain)).has_receipt
    with pytest.raises(NotFound):
        await services.entries.receipt(olga, plain)
    with pytest.raises(NotFound):
        await services.entries.receipt(olga, 999)


async def test_a_receipt_joining_an_open_draft_keeps_its_kind(services: Services) -> None:
    olga = await owner(services)
    draft = await services.expenses.start_draft(olga, "1500 такси")
    await services.expenses.attach_receipt(olga, "BQAC-pdf", ReceiptKind.DOCUMENT)
    entry = await services.expenses.save(olga, draft.id, draft.revision + 1)

    assert await services.entries.receipt(olga, entry.id) == Receipt(
        "BQAC-pdf", ReceiptKind.DOCUMENT
    )


async def test_only_the_owner_has_a_receipt_back(services: Services) -> None:
    olga = await owner(services)
    entry_id = await save(
        services, olga, "1500 такси", receipt_file_id="AgAC-photo", receipt_kind=ReceiptKind.PHOTO
    )
    cashier = replace(olga, roles=frozenset({Role.CASHIER}))

    with pytest.raises(NotAllowed):
        await services.entries.receipt(cashier, entry_id)


async def test_a_receipt_kept_before_kinds_has_none(services: Services) -> None:
    olga = await owner(services)
    entry_id = await save(services, olga, "1500 такси", receipt_file_id="AgAC-old")

    assert await services.entries.receipt(olga, entry_id) == Receipt("AgAC-old", None)
    assert await entry_receipt(services.uow.session, entry_id) == Receipt("AgAC-old", None)
    assert await entry_receipt(services.uow.session, 999) is None


def test_a_receipt_link_is_the_same_every_time_and_names_its_entry() -> None:
    now = datetime(2026, 11, 23, tzinfo=UTC)

    token = receipt_token(KEY, 42)

    assert token == receipt_token(KEY, 42)
    assert len(token) <= 64
    assert entry_of_token(KEY, token, now=now) == 42
    assert entry_of_token(KEY, token, now=now.replace(year=2099)) == 42
    with pytest.raises(TokenError):
        entry_of_token(b"another key", token, now=now)
    with pytest.raises(TokenError):
        entry_of_token(KEY, token.replace("_16_", "_17_"), now=now)  # 42 is "16" in base 36
