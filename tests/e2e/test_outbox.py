"""/outbox end to end: the owner sees what gave up, pages through it, retries one and all;
a second tap on the same row changes nothing, and nobody else may retry."""

from __future__ import annotations

from sqlalchemy import func, select, update

from bot.callbacks import RetryCallback
from ledger.crm_effects import TOPIC_CRM, AddDealNote, ask_crm
from ledger.queue import DEAD, PENDING
from ledger.storage.models import OutboxRow
from tests.e2e.conftest import Running, button_data
from tests.fakes.telegram_user import FakeUser


async def bury(kopeyka: Running, count: int) -> None:
    """`count` notes for amoCRM that gave up after 20 tries."""
    clock = kopeyka.context.clock
    async with kopeyka.context.database.write() as session:
        for number in range(count):
            effect = AddDealNote(1000 + number, f"Платёж {number}")
            ask_crm(session, effect, now=clock.now(), dedupe_key=f"test:{number}")
        await session.flush()
        await session.execute(
            update(OutboxRow)
            .where(OutboxRow.topic == TOPIC_CRM)
            .values(status=DEAD, attempts=20, last_error="HTTP 400: <bad>")
        )
        await session.commit()


async def count(kopeyka: Running, status: str) -> int:
    query = (
        select(func.count())
        .select_from(OutboxRow)
        .where(OutboxRow.status == status, OutboxRow.topic == TOPIC_CRM)
    )
    return await kopeyka.scalar(query)


async def test_the_owner_sees_what_is_stuck_and_retries_one_then_all(
    kopeyka: Running, owner: FakeUser, accountant: FakeUser
):
    await owner.send("/outbox")
    assert "Ничего не застряло" in owner.last_message().body

    await bury(kopeyka, 12)
    await owner.send("/outbox")
    listing = owner.last_message()
    assert "Застряло: 12" in listing.body
    assert "примечание в сделке amoCRM #1000" in listing.body
    assert "HTTP 400: &lt;bad&gt;" not in listing.body  # shown as text, not markup
    assert "Страница 1 из 2" in listing.body
    await owner.tap("2 ▶")
    assert "#1011" in owner.last_message().body

    first = button_data(owner.last_message(), "↻ 11")
    await owner.tap("↻ 11")
    assert await count(kopeyka, PENDING) == 1
    await owner.tap_data(first, message_id=owner.last_message().message_id)
    assert owner.answers()[-1].startswith("Уже повторено")
    assert await count(kopeyka, PENDING) == 1

    # Another role's forged tap: refused, nothing moves.
    await accountant.send("/help")
    forged = RetryCallback(row_id=0).pack()
    await accountant.tap_data(forged, message_id=accountant.last_message().message_id)
    assert accountant.answers()[-1]
    assert await count(kopeyka, DEAD) == 11

    await owner.tap("↻ Повторить всё")
    assert await count(kopeyka, DEAD) == 0
    assert "Ничего не застряло" in owner.last_message().body
