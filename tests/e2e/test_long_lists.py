"""Lists longer than one message: /deals and /users page with ◀/▶, every item reachable, and
no page over Telegram's 4,096 characters (the fake refuses a longer one, as Telegram does)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from sqlalchemy import select

from ledger.storage.models import DealRow, ExpectedPaymentRow, UserRoleRow, UserRow
from tests.e2e.conftest import OWNER_ID, Running
from tests.fakes.telegram import MESSAGE_LIMIT
from tests.fakes.telegram_state import SentMessage, utf16_len
from tests.fakes.telegram_user import FakeUser

NOW = datetime(2026, 11, 20, 9, tzinfo=UTC)
NEXT = re.compile(r"^\d+ ▶$")
BACK = re.compile(r"^◀ \d+$")


def deal_name(n: int) -> str:
    """28 characters, as in the report: «Кухня угловая Соколовых №007»."""
    return f"Кухня угловая Соколовых №{n:03d}"


async def add_closed_deals(kopeyka: Running, count: int) -> None:
    """Closed deals from amoCRM, each owed three payments (the inbox worker would store them)."""
    async with kopeyka.context.database.write() as session:
        for n in range(1, count + 1):
            deal = DealRow(
                amo_lead_id=40_000_000 + n,
                name=deal_name(n),
                price_minor=45_000_000,
                currency="RUB",
                state="closed",
                manager="Менеджер Иван Петрович",
                contract=f"Д-{n}/26",
                problems=[],
                created_at=NOW,
                updated_at=NOW,
            )
            session.add(deal)
            await session.flush()
            session.add_all(
                ExpectedPaymentRow(
                    deal_id=deal.id,
                    slot=slot,
                    amount_minor=15_000_000,
                    currency="RUB",
                    kind=kind,
                    due_date=date(2026, 12, 1),
                    status="expected",
                    created_at=NOW,
                    updated_at=NOW,
                )
                for slot, kind in (
                    ("Предоплата", "cash"),
                    ("Доплата при замере", "card_transfer"),
                    ("Остаток", "bank_transfer"),
                )
            )


def button(message: SentMessage, pattern: re.Pattern[str]) -> str | None:
    return next((b["text"] for b in message.buttons if pattern.match(b["text"])), None)


async def leaf_through(person: FakeUser, command: str) -> list[str]:
    """Send `command`, then tap "▶" while there is one: the text of every page, in order."""
    await person.send(command)
    card = person.last_message()
    pages = [card.body]
    while (label := button(card, NEXT)) is not None:
        await person.tap(label, message_id=card.message_id)
        card = person.last_message()
        pages.append(card.body)
    return pages


async def test_two_hundred_deals_page_under_the_limit_and_every_deal_is_reachable(
    kopeyka: Running, owner: FakeUser
) -> None:
    await add_closed_deals(kopeyka, 200)

    pages = await leaf_through(owner, "/deals")

    assert len(pages) > 10
    assert all(utf16_len(page) <= MESSAGE_LIMIT for page in pages)
    seen = [name for page in pages for name in re.findall(r"Кухня угловая Соколовых №\d{3}", page)]
    assert seen == [deal_name(n) for n in range(1, 201)]
    assert all(page.startswith("Сделки, по которым ждём оплату") for page in pages)
    assert pages[-1].endswith(f"Страница {len(pages)} из {len(pages)}")
    assert "Что-то пошло не так" not in "".join(pages)
    assert len(kopeyka.telegram.chat(OWNER_ID)) == 1  # one card, edited page by page


async def test_deals_go_back_and_a_forged_page_shows_the_last(
    kopeyka: Running, owner: FakeUser
) -> None:
    await add_closed_deals(kopeyka, 15)  # 15 such deals already passed 4,096 in one message
    await owner.send("/deals")
    card = owner.last_message()
    first = card.body
    assert button(card, BACK) is None

    await owner.tap("2 ▶", message_id=card.message_id)
    assert "Страница 2 из 2" in owner.last_message().body
    assert deal_name(15) in owner.last_message().body
    await owner.tap("◀ 1", message_id=card.message_id)
    assert owner.last_message().body == first

    await owner.tap_data("pg:d:999", message_id=card.message_id)
    assert "Страница 2 из 2" in owner.last_message().body
    await owner.tap_data("pg:d:-3", message_id=card.message_id)
    assert owner.last_message().body == first


async def add_people(kopeyka: Running, count: int) -> None:
    async with kopeyka.context.database.write() as session:
        owner_id = await session.scalar(select(UserRow.id).where(UserRow.telegram_id == OWNER_ID))
        for n in range(1, count + 1):
            person = UserRow(telegram_id=5_000_000 + n, name=f"Сотрудник {n:02d}", created_at=NOW)
            session.add(person)
            await session.flush()
            session.add_all(
                UserRoleRow(user_id=person.id, role=role, granted_by=owner_id, granted_at=NOW)
                for role in ("cashier", "accountant")
            )


async def test_users_page_with_their_revoke_buttons_and_no_keeps_the_page(
    kopeyka: Running, owner: FakeUser
) -> None:
    await owner.send("/users")  # the owner's own record is made by her first message
    await add_people(kopeyka, 40)

    pages = await leaf_through(owner, "/users")

    seen = [name for page in pages for name in re.findall(r"Сотрудник \d\d", page)]
    assert seen == [f"Сотрудник {n:02d}" for n in range(1, 41)]
    assert all(utf16_len(page) <= MESSAGE_LIMIT for page in pages)
    card = owner.last_message()
    revoke = [b["text"] for b in card.buttons if "Сотрудник" in b["text"]]
    assert revoke
    assert all(re.search(r"Сотрудник (3\d|40)\b", label) for label in revoke)

    await owner.tap(revoke[0], message_id=card.message_id)
    await owner.tap("Нет, оставить", message_id=card.message_id)

    assert owner.last_message().body == pages[-1]
    assert [b["text"] for b in owner.last_message().buttons if "Сотрудник" in b["text"]] == revoke
