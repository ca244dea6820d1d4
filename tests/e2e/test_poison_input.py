"""Poison input on the wire: control characters in what people send, a Telegram webhook
POST that is not what Telegram sends, and files that are not what they claim to be.

Each is answered (or refused) and changes nothing it should not; none fails an update on
PostgreSQL, which refuses a NUL in text, so a redelivery could never get past it.
"""

from __future__ import annotations

import asyncio
import json
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from ledger.storage.models import EntryRow, ExpenseDraftRow, ProcessedUpdateRow, UserRow
from tests.e2e.conftest import WEBHOOK_SECRET, Running, button_data


async def test_a_nul_and_other_control_characters_are_taken_out_of_a_message(
    kopeyka: Running,
) -> None:
    owner = kopeyka.owner

    await owner.send("1500 так\x00си\x07 до\r\nаэропорта\x1b")

    assert "Описание: такси до аэропорта" in owner.last_message().body
    await owner.tap("✅ Сохранить")
    [entry] = await kopeyka.entries()
    assert entry.description == "такси до аэропорта"


async def test_half_an_emoji_in_a_message_is_dropped_and_the_rest_kept(
    kopeyka: Running,
) -> None:
    owner = kopeyka.owner

    await owner.send("1500 такси \ud83d 🚕")

    await owner.tap("✅ Сохранить")
    description = await kopeyka.scalar(select(EntryRow.description))
    assert description == "такси 🚕"


async def test_a_nul_in_a_caption_and_a_comment_is_taken_out(kopeyka: Running) -> None:
    owner = kopeyka.owner
    await owner.send_photo(b"\x89PNG\r\n\x1a\n a receipt", caption="990\x00 кофе")
    await owner.tap("💬 Комментарий")
    await owner.send("с кол\x00легой")

    draft = await kopeyka.scalar(select(ExpenseDraftRow))
    assert draft.description == "кофе"
    assert draft.amount_minor == 99000
    assert draft.comment == "с коллегой"


async def test_a_nul_in_a_persons_name_is_taken_out_before_they_are_stored(
    kopeyka: Running,
) -> None:
    owner = kopeyka.telegram.user(
        kopeyka.owner.id, "Оль\x00га", last_name="Ив\x01анова", username="owner_olga"
    )

    await owner.send("/start")

    assert "Ольга" in owner.last_message().body
    name = await kopeyka.scalar(select(UserRow.name))
    assert name == "Ольга Иванова"


async def test_a_nul_in_callback_data_is_taken_out_and_the_tap_is_answered(
    kopeyka: Running,
) -> None:
    owner = kopeyka.owner
    await owner.send("1500 такси")
    card = owner.last_message()
    save = button_data(card, "✅ Сохранить")

    await owner.tap_data("\x00" + save, message_id=card.message_id)

    assert await kopeyka.count_entries() == 1
    assert owner.answers()[-1] == "Сохранено"


@pytest.mark.parametrize(
    "forged",
    ["x:9223372036854775808:1:s:0", "x:1:-9223372036854775809:s:0", "e:99999999999999999999:undo"],
    ids=["draft id", "revision", "entry id"],
)
async def test_a_number_in_callback_data_past_64_bits_is_a_forged_button(
    kopeyka: Running, forged: str
) -> None:
    owner = kopeyka.owner
    await owner.send("1500 такси")

    await owner.tap_data(forged, message_id=owner.last_message().message_id)

    assert owner.answers()[-1] == "Кнопка не распознана — ничего не изменено."


# -- the Telegram webhook's door ----------------------------------------------------------


async def post_raw(kopeyka: Running, headers: list[tuple[bytes, bytes]], body: bytes) -> int:
    """POST to the bot's webhook byte for byte (no client library tidies the header up), and
    the status it answered."""
    assert kopeyka.telegram.webhook is not None
    url = urlsplit(kopeyka.telegram.webhook.url)
    reader, writer = await asyncio.open_connection(url.hostname, url.port)
    lines = [
        f"POST {url.path} HTTP/1.1".encode(),
        f"Host: {url.netloc}".encode(),
        b"Content-Type: application/json",
        f"Content-Length: {len(body)}".encode(),
        b"Connection: close",
        *(name + b": " + value for name, value in headers),
    ]
    writer.write(b"\r\n".join(lines) + b"\r\n\r\n" + body)
    await writer.drain()
    status_line = await reader.readline()
    writer.close()
    await writer.wait_closed()
    return int(status_line.split()[1])


def secret(value: bytes) -> list[tuple[bytes, bytes]]:
    return [(b"X-Telegram-Bot-Api-Secret-Token", value)]


async def nothing_happened(kopeyka: Running) -> None:
    assert await kopeyka.scalar(select(func.count(ExpenseDraftRow.id))) == 0
    assert await kopeyka.scalar(select(func.count(ProcessedUpdateRow.update_id))) == 0
    assert kopeyka.telegram.calls_of("sendMessage") == []


@pytest.mark.parametrize("mode", ["webhook"])
@pytest.mark.parametrize(
    "headers",
    [
        [],
        secret(b"someone-else"),
        secret(WEBHOOK_SECRET.encode() + b"x"),
        secret("секрет".encode()),
        secret(b"\xff\xfe\x80"),
    ],
    ids=["missing", "wrong", "longer", "not ascii", "not utf-8"],
)
async def test_a_webhook_post_without_the_secret_is_forbidden_and_changes_nothing(
    kopeyka: Running, headers: list[tuple[bytes, bytes]]
) -> None:
    update = kopeyka.owner.text_update("1500 такси")

    status = await post_raw(kopeyka, headers, json.dumps(update).encode())

    assert status == 403
    await nothing_happened(kopeyka)


@pytest.mark.parametrize("mode", ["webhook"])
@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"",
        b"\xff\xfe{}",
        b"[1, 2]",
        b'"update"',
        b'{"update_id": "one"}',
        '{"update_id": 7, "message": {"text": "1500 такси"}}'.encode(),
    ],
    ids=["broken json", "empty", "not utf-8", "a list", "a string", "bad id", "bad message"],
)
async def test_a_webhook_body_that_is_no_update_is_a_bad_request_and_changes_nothing(
    kopeyka: Running, body: bytes
) -> None:
    status = await post_raw(kopeyka, secret(WEBHOOK_SECRET.encode()), body)

    assert status == 400
    await nothing_happened(kopeyka)


@pytest.mark.parametrize("mode", ["webhook"])
async def test_the_webhook_still_takes_a_real_update_sent_byte_for_byte(kopeyka: Running) -> None:
    update = kopeyka.owner.text_update("1500 такси")

    status = await post_raw(kopeyka, secret(WEBHOOK_SECRET.encode()), json.dumps(update).encode())

    assert status == 200
    assert "Новый расход" in kopeyka.owner.last_message().body


# -- files that are not what they claim ---------------------------------------------------

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00 a receipt"
HEIC = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00 a receipt"
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 a receipt"
EXE = b"MZ\x90\x00\x03\x00\x00\x00 This program cannot be run in DOS mode"


@pytest.mark.parametrize(
    ("content", "file_name", "declared"),
    [
        (EXE, "check.pdf", "application/pdf"),
        (EXE, "check.jpg", "image/jpeg"),
        (b"<html><script>alert(1)</script>", "check.png", "image/png"),
        (b"", "check.pdf", "application/pdf"),
    ],
    ids=["exe as pdf", "exe as jpeg", "html as png", "empty"],
)
async def test_a_file_that_only_claims_to_be_a_receipt_is_refused(
    kopeyka: Running, content: bytes, file_name: str, declared: str
) -> None:
    owner = kopeyka.owner

    await owner.send_document(content, file_name, declared, "990 такси")

    assert "не подойдёт как чек" in owner.last_message().body
    assert await kopeyka.scalar(select(func.count(ExpenseDraftRow.id))) == 0


@pytest.mark.parametrize(
    ("content", "file_name", "declared"),
    [
        (JPEG, "scan.jpg", "image/jpeg"),
        (HEIC, "IMG_0001.HEIC", "image/heic"),
        (WEBP, "check.webp", "image/webp"),
        (b"%PDF-1.4 a receipt", "check", "application/octet-stream"),
    ],
    ids=["jpeg", "heic", "webp", "pdf declared as anything"],
)
async def test_a_receipt_is_known_by_its_first_bytes(
    kopeyka: Running, content: bytes, file_name: str, declared: str
) -> None:
    owner = kopeyka.owner

    await owner.send_document(content, file_name, declared, "990 такси")

    assert "Чек: приложен" in owner.last_message().body


async def test_a_photo_that_is_no_image_is_refused(kopeyka: Running) -> None:
    owner = kopeyka.owner

    await owner.send_photo(EXE, caption="990 такси")

    assert "не подойдёт как чек" in owner.last_message().body
    assert await kopeyka.scalar(select(func.count(ExpenseDraftRow.id))) == 0


async def test_a_photo_too_large_to_download_is_refused_without_downloading(
    kopeyka: Running,
) -> None:
    owner = kopeyka.owner
    update = owner.photo_update(JPEG, caption="990 такси")
    update["message"]["photo"][-1]["file_size"] = 25 * 1024 * 1024

    await kopeyka.telegram.deliver(update)
    await kopeyka.telegram.wait_handled(update["update_id"])

    assert "больше 20 МБ" in owner.last_message().body
    assert kopeyka.telegram.calls_of("getFile") == []
    assert await kopeyka.scalar(select(func.count(ExpenseDraftRow.id))) == 0
