"""Receipt files, and Telegram refusing or failing calls while the owner works."""

from __future__ import annotations

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from ledger.storage.models import ExpenseDraftRow
from tests.e2e.conftest import Running, button_data


async def test_a_pdf_receipt_with_a_caption_becomes_a_draft(kopeyka: Running) -> None:
    owner = kopeyka.owner
    await owner.send_document(b"%PDF-1.7 receipt", "check.pdf", "application/pdf", "990 такси")
    assert "Чек: приложен" in owner.last_message().body


async def test_a_file_that_is_no_receipt_is_refused_and_changes_nothing(kopeyka: Running) -> None:
    owner = kopeyka.owner
    await owner.send_document(b"MZ\x90\x00", "setup.exe", "application/x-msdownload", "990 такси")
    assert "не подойдёт как чек" in owner.last_message().body
    assert await kopeyka.scalar(select(func.count(ExpenseDraftRow.id))) == 0


async def test_a_receipt_too_large_to_download_is_refused(kopeyka: Running) -> None:
    owner = kopeyka.owner
    update = owner.document_update(b"%PDF-1.7", "scan.pdf", "application/pdf", "990 такси")
    update["message"]["document"]["file_size"] = 25 * 1024 * 1024
    await kopeyka.telegram.deliver(update)
    await kopeyka.telegram.wait_handled(update["update_id"])
    assert "больше 20 МБ" in owner.last_message().body
    assert await kopeyka.scalar(select(func.count(ExpenseDraftRow.id))) == 0


async def test_telegram_asking_to_slow_down_delays_the_card_but_loses_nothing(
    kopeyka: Running,
) -> None:
    kopeyka.telegram.fail_next(
        "sendMessage", error_code=429, description="Too Many Requests: retry after 1", retry_after=1
    )
    before = kopeyka.context.clock.monotonic()
    await kopeyka.owner.send("1500 такси")
    assert "Новый расход" in kopeyka.owner.last_message().body
    assert kopeyka.context.clock.monotonic() - before == 1  # the wait Telegram asked for


async def test_telegram_failing_after_the_save_keeps_the_entry_and_a_retap_says_saved(
    kopeyka: Running,
) -> None:
    owner = kopeyka.owner
    await owner.send("1500 такси")
    card = owner.last_message()
    save = button_data(card, "✅ Сохранить")
    kopeyka.telegram.fail_next("answerCallbackQuery", error_code=502, description="Bad Gateway")
    kopeyka.telegram.fail_next("editMessageText", error_code=502, description="Bad Gateway")

    update = owner.callback_update(save, message_id=card.message_id)
    await kopeyka.telegram.deliver(update)
    await kopeyka.telegram.wait_handled(update["update_id"])
    assert await kopeyka.count_entries() == 1

    await owner.tap_data(save, message_id=card.message_id)
    assert await kopeyka.count_entries() == 1
    assert "уже сохранён" in owner.answers()[-1]


async def test_a_broken_database_gets_an_apology_and_the_bot_recovers(
    kopeyka: Running, owner_database_url: str
) -> None:
    owner = kopeyka.owner
    # Only the tables' owner may rename one (on PostgreSQL the bot's role owns nothing).
    schema_owner = create_async_engine(owner_database_url, poolclass=NullPool)
    try:
        async with schema_owner.begin() as connection:
            await connection.execute(
                text("ALTER TABLE expense_drafts RENAME TO expense_drafts_away")
            )
        try:
            await owner.send("1500 такси")
            assert "Что-то пошло не так, ничего не изменено" in owner.last_message().body
        finally:
            async with schema_owner.begin() as connection:
                await connection.execute(
                    text("ALTER TABLE expense_drafts_away RENAME TO expense_drafts")
                )
    finally:
        await schema_owner.dispose()

    await owner.send("1500 такси")
    assert "Новый расход" in owner.last_message().body
