"""A receipt stays with its entry: the saved card and /history show 📎, and a tap sends the
file back as it came — to the owner only, and never for a forged button."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from bot.callbacks import EntryAction, EntryCallback
from ledger.journal import EntryKind, Journal, MoneyAccount, Posting
from ledger.money import Money
from ledger.storage.models import EntryRow
from ledger.users import Person
from tests.e2e.conftest import Running
from tests.fakes.telegram_user import FakeUser

PHOTO = b"\xff\xd8\xff\xe0 receipt photo"
PDF = b"%PDF-1.7 receipt"


def file_id_of(message) -> str:
    return message.photo[-1]["file_id"] if message.photo else message.document["file_id"]


async def test_a_receipt_photo_saved_with_its_expense_comes_back_as_a_photo(
    kopeyka: Running,
) -> None:
    owner = kopeyka.owner
    await owner.send_photo(PHOTO, caption="1500 такси")
    await owner.tap("✅ Сохранить")

    card = owner.last_message()
    assert "📎 Чек: приложен" in card.body
    assert owner.buttons() == ["↩️ Отменить", "📎 Чек"]
    [entry] = await kopeyka.entries()
    assert entry.receipt_kind == "photo"

    await owner.tap("📎 Чек")

    sent = owner.last_message()
    assert sent.photo is not None
    assert sent.caption == "📎 Чек к записи №1"
    assert kopeyka.telegram.file_bytes(file_id_of(sent)) == PHOTO
    assert kopeyka.telegram.calls_of("sendDocument") == []


async def test_a_pdf_receipt_comes_back_as_a_file_from_history(kopeyka: Running) -> None:
    owner = kopeyka.owner
    await owner.send("200 бензин")
    await owner.tap("✅ Сохранить")
    await owner.send_document(PDF, "check.pdf", "application/pdf", "990 такси")
    await owner.tap("✅ Сохранить")

    await owner.send("/history")
    listing = owner.last_message().body
    assert [line.endswith("📎") for line in listing.splitlines()[1:]] == [True, False]
    assert "📎 №2" in owner.buttons()
    assert "📎 №1" not in owner.buttons()

    await owner.tap("📎 №2")

    sent = owner.last_message()
    assert sent.document is not None
    assert sent.caption == "📎 Чек к записи №2"
    assert kopeyka.telegram.file_bytes(file_id_of(sent)) == PDF


async def test_a_receipt_sent_alone_keeps_its_kind_until_the_line_comes(
    kopeyka: Running,
) -> None:
    owner = kopeyka.owner
    await owner.send_document(PDF, "check.pdf", "application/pdf")
    await owner.send("700 бумага")
    await owner.tap("✅ Сохранить")

    [entry] = await kopeyka.entries()
    assert entry.receipt_kind == "document"


async def post_receipt_kept_before_kinds(kopeyka: Running, file_id: str) -> int:
    """An entry as one posted before migration 0011 reads: a receipt, no kind."""
    context = kopeyka.context
    async with context.database.unit_of_work() as uow:
        services = context.services(uow)
        owner = await services.users.resolve(Person(kopeyka.owner.id, "Ольга"))
        category = (await services.categories.active())[0]
        async with uow.write():
            row = await Journal(uow, context.clock).post(
                owner,
                Posting(
                    EntryKind.EXPENSE,
                    Money(Decimal(500)),
                    category.id,
                    MoneyAccount.OWNER_POCKET,
                    context.clock.today(),
                    description="старый чек",
                    receipt_file_id=file_id,
                ),
            )
            await uow.commit()
    return row.id


async def test_a_receipt_of_unknown_kind_is_sent_once_whichever_kind_it_is(
    kopeyka: Running,
) -> None:
    telegram = kopeyka.telegram
    owner = kopeyka.owner
    photo = telegram.add_file(PHOTO, file_path="photos/file_old.jpg")
    document = telegram.add_file(PDF, file_path="documents/file_old.pdf")
    for file_id in (photo, document):
        await post_receipt_kept_before_kinds(kopeyka, file_id)
    assert [e.receipt_kind for e in await kopeyka.entries()] == [None, None]

    await owner.send("/history")
    await owner.tap("📎 №1")
    await owner.tap("📎 №2")

    sent = [m for m in telegram.chat(owner.id) if m.photo or m.document]
    assert [bool(m.photo) for m in sent] == [True, False]
    assert [telegram.file_bytes(file_id_of(m)) for m in sent] == [PHOTO, PDF]


async def test_a_forged_receipt_button_sends_nothing(kopeyka: Running) -> None:
    owner = kopeyka.owner
    await owner.send("1500 такси")
    await owner.tap("✅ Сохранить")
    card = owner.last_message()

    for entry_id in (1, 999):  # an entry without a receipt, and no entry at all
        forged = EntryCallback(entry_id=entry_id, action=EntryAction.RECEIPT).pack()
        await owner.tap_data(forged, message_id=card.message_id)
        assert owner.answers()[-1] == "Запись не найдена."
    assert kopeyka.telegram.calls_of("sendPhoto") == []
    assert kopeyka.telegram.calls_of("sendDocument") == []


async def test_a_cashier_cannot_have_the_owners_receipt(
    kopeyka: Running, cashier: FakeUser
) -> None:
    owner = kopeyka.owner
    await owner.send_photo(PHOTO, caption="1500 такси")
    await owner.tap("✅ Сохранить")
    await cashier.send("/start")
    entry_id = await kopeyka.scalar(select(EntryRow.id))

    forged = EntryCallback(entry_id=entry_id, action=EntryAction.RECEIPT).pack()
    await cashier.tap_data(forged, message_id=cashier.last_message().message_id)

    assert "недоступно" in cashier.answers()[-1]
    assert kopeyka.telegram.calls_of("sendPhoto") == []
