"""Who may do what: strangers, roles, forged callbacks, invites, /users."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from bot.callbacks import RevokeCallback
from bot.notifier import create_notify_handler
from ledger.outbox import TOPIC_NOTIFY, OutboxWorker
from ledger.storage.models import ExpenseDraftRow, UserRoleRow, UserRow
from tests.e2e.conftest import Running, button_data
from tests.e2e.personas import invite_token
from tests.fakes.telegram_user import FakeUser

STRANGER_ID = 5550001


async def invite_link(kopeyka: Running, role_label: str) -> str:
    return await invite_token(kopeyka.owner, role_label)


async def test_a_stranger_gets_a_polite_refusal_and_nothing_else(kopeyka: Running) -> None:
    stranger = kopeyka.telegram.user(STRANGER_ID, "Незнакомец")
    for text in ("1500 такси", "/start", "/help", "/history", "/users", "привет"):
        await stranger.send(text)
        assert "доступа у вас пока нет" in stranger.last_message().body, text

    assert await kopeyka.count_entries() == 0
    assert await kopeyka.scalar(select(func.count(ExpenseDraftRow.id))) == 0
    known = await kopeyka.scalar(
        select(func.count(UserRow.id)).where(UserRow.telegram_id == STRANGER_ID)
    )
    assert known == 0


async def test_a_stranger_tapping_a_forged_save_button_changes_nothing(kopeyka: Running) -> None:
    owner = kopeyka.owner
    await owner.send("1500 такси")
    card = owner.last_message()
    save = button_data(card, "✅ Сохранить")
    stranger = kopeyka.telegram.user(STRANGER_ID, "Незнакомец")
    await stranger.send("/start")  # a bot message in the stranger's chat to hang the button on

    await stranger.tap_data(save, message_id=stranger.last_message().message_id)

    assert await kopeyka.count_entries() == 0
    assert "доступа у вас пока нет" in stranger.answers()[-1]


async def test_forged_or_garbage_callback_data_is_refused(kopeyka: Running) -> None:
    owner = kopeyka.owner
    await owner.send("1500 такси")
    card = owner.last_message()

    await owner.tap_data("x:999999:1:s:0", message_id=card.message_id)
    assert "не найдена" in owner.answers()[-1]
    await owner.tap_data("garbage", message_id=card.message_id)
    assert "не распознана" in owner.answers()[-1]
    await owner.tap_data("x:notanumber:1:s:0", message_id=card.message_id)
    assert "не распознана" in owner.answers()[-1]

    assert await kopeyka.count_entries() == 0


async def test_invited_cashier_joins_and_the_owner_is_told(kopeyka: Running) -> None:
    token = await invite_link(kopeyka, "кассир")
    cashier = kopeyka.telegram.user(7770001, "Кира", username="cashier_kira")

    await cashier.open_deep_link(token)

    assert "роль «кассир»" in cashier.last_message().body
    roles = await kopeyka.scalar(select(func.count(UserRoleRow.user_id)))
    assert roles == 1
    await cashier.send("/help")
    assert "кассир" in cashier.last_message().body

    worker = OutboxWorker(
        kopeyka.context.database,
        {TOPIC_NOTIFY: create_notify_handler(kopeyka.bot, "ru")},
        kopeyka.context.clock,
    )
    assert await worker.run_once() == 1
    assert "Кира принял(а) приглашение" in kopeyka.owner.last_message().body
    assert await worker.run_once() == 0, "a notification goes out once"


async def test_an_invite_works_once(kopeyka: Running) -> None:
    token = await invite_link(kopeyka, "менеджер")
    first = kopeyka.telegram.user(7770002, "Макс")
    second = kopeyka.telegram.user(7770003, "Ещё кто-то")

    await first.open_deep_link(token)
    await second.open_deep_link(token)

    assert "уже использовано" in second.last_message().body
    await second.send("/help")
    assert "доступа у вас пока нет" in second.last_message().body


async def test_an_expired_or_tampered_invite_is_refused(kopeyka: Running) -> None:
    token = await invite_link(kopeyka, "бухгалтер")
    person = kopeyka.telegram.user(7770004, "Анна")

    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    await person.open_deep_link(tampered)
    assert "недействительна" in person.last_message().body

    kopeyka.context.clock.advance(timedelta(days=4))
    await person.open_deep_link(token)
    assert "истёк" in person.last_message().body
    assert await kopeyka.scalar(select(func.count(UserRoleRow.user_id))) == 0


async def test_a_cashier_cannot_log_expenses_even_with_a_forged_button(
    kopeyka: Running, owner: FakeUser, cashier: FakeUser
) -> None:
    await owner.send("1500 такси")
    card = owner.last_message()
    save = button_data(card, "✅ Сохранить")

    await cashier.send("1500 такси")
    assert "Не понял" in cashier.last_message().body
    await cashier.send("/expense 1500 такси")
    assert "недоступно для вашей роли" in cashier.last_message().body
    await cashier.tap_data(save, message_id=cashier.last_message().message_id)
    assert "недоступно для вашей роли" in cashier.answers()[-1]

    assert await kopeyka.count_entries() == 0


async def test_owner_revokes_a_role_and_the_person_loses_access_at_once(
    owner: FakeUser, cashier: FakeUser
) -> None:
    await owner.send("/users")
    listing = owner.last_message().body
    assert "Кира" in listing
    assert "кассир" in listing
    assert "владелец" in listing
    await owner.tap("Отозвать: Кира — кассир")
    assert owner.buttons() == ["Нет, оставить", "Да, отозвать"]  # the first tap only asks
    await owner.tap("Да, отозвать")
    assert "отозвана" in owner.last_message().body

    await cashier.send("/help")
    assert "доступа у вас пока нет" in cashier.last_message().body


async def test_help_differs_by_role(owner: FakeUser, cashier: FakeUser) -> None:
    await owner.send("/help")
    assert "/invite" in owner.last_message().body
    await cashier.send("/help")
    assert "/invite" not in cashier.last_message().body


async def test_an_english_speaking_owner_is_answered_in_english(kopeyka: Running) -> None:
    owner = kopeyka.telegram.user(1111111, "Olga", language_code="en")
    await owner.send("1500 taxi")
    assert "New expense" in owner.last_message().body
    await owner.tap("✅ Save")
    assert "Expense saved" in owner.last_message().body


async def test_a_forged_invite_for_the_owner_role_is_refused(kopeyka: Running) -> None:
    owner = kopeyka.owner
    await owner.send("/invite")
    await owner.tap_data("inv:owner:-1", message_id=owner.last_message().message_id)
    assert "недоступно" in owner.answers()[-1]
    await owner.tap_data("inv:superuser:-1", message_id=owner.last_message().message_id)
    assert "недоступно" in owner.answers()[-1]


async def test_an_owner_cannot_be_revoked_from_the_bot(kopeyka: Running) -> None:
    owner = kopeyka.owner
    await owner.send("/users")
    owner_user_id = await kopeyka.scalar(select(UserRow.id).where(UserRow.telegram_id == owner.id))
    for step in ("ask", "yes"):  # a forged first tap, and a forged "yes" still in time
        forged = RevokeCallback(user_id=owner_user_id, role="owner", step=step, until=2**40)
        await owner.tap_data(forged.pack(), message_id=owner.last_message().message_id)
        assert "OWNER_TELEGRAM_IDS" in owner.answers()[-1]
    await owner.send("/help")
    assert "/invite" in owner.last_message().body


async def test_the_cashier_and_the_accountant_hold_the_roles_they_were_invited_to(
    owner: FakeUser, cashier: FakeUser, accountant: FakeUser
) -> None:
    # Each one's /help says what their role does: the cashier's sections are still to come,
    # the accountant confirms money that came by bank.
    for person, says in ((cashier, "кассир"), (accountant, "/bank")):
        await person.send("/help")
        assert says in person.last_message().body
        assert "/invite" not in person.last_message().body

    await owner.send("/users")
    listing = owner.last_message().body
    assert "Кира @cashier_kira: кассир" in listing
    assert "Анна @accountant_anna: бухгалтер" in listing
