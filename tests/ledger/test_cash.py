"""Cash custody on the real database: what managers hold, hand-overs to the cash desk
(accepted all at once, one by one, or short), cash accepted without one, and the signed
single-use links that open a hand-over or a payment."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from ledger.cash import HandoverStatus, ItemStatus
from ledger.errors import (
    AlreadyAccepted,
    AlreadyConfirmed,
    HandoverRefused,
    LinkRefused,
    NotAllowed,
    NotLinkedToCrm,
    NotYours,
)
from ledger.notices import (
    CashReminder,
    EveningCash,
    HandoverShort,
    HandoverStarted,
    Notification,
)
from ledger.payments import PaymentStatus
from ledger.roles import Role
from ledger.storage.models import EntryRow, PaymentConfirmationRow
from ledger.tokens import MAX_DEEP_LINK_LENGTH
from ledger.users import Person
from tests.conftest import OWNER_ID
from tests.desk import OTHER_MANAGER_AMO, Desk, rub

LEAD = 19620


async def two_cash_deals(desk: Desk) -> tuple[int, int]:
    """Two cash prepayments of the manager's: 50 000 paid on the 18th, 30 000 on the 20th."""
    older = await desk.deal(LEAD, due=date(2026, 11, 18))
    newer = await desk.deal(LEAD + 1, name="Шкаф Петровых", prepay="30000", due=date(2026, 11, 20))
    return older["Предоплата"], newer["Предоплата"]


def told(rows, kind):
    found = [Notification.from_payload(row.payload) for row in rows]
    return [n for n in found if isinstance(n.facts, kind)]


async def confirmations(desk: Desk) -> list[PaymentConfirmationRow]:
    async with desk.database.read() as session:
        query = select(PaymentConfirmationRow).order_by(PaymentConfirmationRow.id)
        return list(await session.scalars(query))


# -- who holds what --------------------------------------------------------------------------


async def test_a_manager_sees_the_cash_they_hold_oldest_first_with_the_days_held(desk: Desk):
    older, newer = await two_cash_deals(desk)
    await desk.deal(LEAD + 2, responsible=OTHER_MANAGER_AMO)  # someone else's

    async with desk.services() as services:
        held = await services.cash.held_by(desk.manager)

    assert held.total == rub("80000")
    assert [(h.payment.payment_id, h.days) for h in held.payments] == [(older, 5), (newer, 3)]
    assert held.payments[0].payment.deal == "Кухня Ивановых"
    assert held.oldest_days == 5


async def test_the_cash_desk_sees_every_managers_cash_the_longest_held_first(desk: Desk):
    await desk.deal(LEAD + 2, responsible=OTHER_MANAGER_AMO, due=date(2026, 11, 10))
    await two_cash_deals(desk)

    async with desk.services() as services:
        pending = await services.cash.pending(desk.cashier)
        theirs = await services.cash.held_by(desk.cashier, desk.other_manager.user_id)

    assert [(m.name, m.total, m.oldest_days) for m in pending] == [
        ("Пётр", rub("50000"), 13),
        ("Иван", rub("80000"), 5),
    ]
    assert theirs.total == rub("50000")


async def test_what_a_manager_holds_is_theirs_to_see_and_the_cash_desks(desk: Desk):
    await two_cash_deals(desk)

    async with desk.services() as services:
        with pytest.raises(NotAllowed):
            await services.cash.held_by(desk.other_manager, desk.manager.user_id)
        with pytest.raises(NotAllowed):
            await services.cash.pending(desk.manager)
        with pytest.raises(NotAllowed):
            await services.cash.held_by(desk.accountant)


async def test_a_manager_not_linked_to_amocrm_is_told_so(desk: Desk):
    async with desk.services() as services:
        invite = await services.invites.create_invite(desk.owner, Role.MANAGER)
        unlinked, _ = await services.invites.accept_invite(Person(7770099, "Новичок"), invite.token)
        with pytest.raises(NotLinkedToCrm):
            await services.cash.held_by(unlinked)
        with pytest.raises(NotLinkedToCrm):
            await services.cash.start_handover(unlinked)


# -- hand-overs ------------------------------------------------------------------------------


async def test_a_hand_over_of_all_the_cash_is_told_to_every_cashier_with_a_link(desk: Desk):
    older, newer = await two_cash_deals(desk)

    async with desk.services() as services:
        handover = await services.cash.start_handover(desk.manager)
        held = await services.cash.held_by(desk.manager)

    assert handover.status is HandoverStatus.OPEN
    assert handover.total == rub("80000")
    assert [item.payment.payment_id for item in handover.items] == [older, newer]
    assert {h.handover_id for h in held.payments} == {handover.id}  # still held until accepted
    notices = told(await desk.outbox("notify"), HandoverStarted)
    assert {n.chat_id for n in notices} == {desk.cashier.telegram_id, desk.cashier2.telegram_id}
    facts = notices[0].facts
    assert (facts.manager, facts.payments, facts.total_minor) == ("Иван", 2, 8_000_000)
    assert facts.token is not None
    assert len(facts.token) <= MAX_DEEP_LINK_LENGTH


async def test_a_hand_over_of_some_payments_and_what_is_already_handed_over(desk: Desk):
    older, newer = await two_cash_deals(desk)

    async with desk.services() as services:
        first = await services.cash.start_handover(desk.manager, [newer])
        second = await services.cash.start_handover(desk.manager)
        with pytest.raises(HandoverRefused) as nothing_left:
            await services.cash.start_handover(desk.manager)

    assert [i.payment.payment_id for i in first.items] == [newer]
    assert [i.payment.payment_id for i in second.items] == [older]  # the rest only
    assert nothing_left.value.reason == "empty"


async def test_a_hand_over_refuses_other_managers_payments_and_other_roles(desk: Desk):
    older, _ = await two_cash_deals(desk)

    async with desk.services() as services:
        with pytest.raises(NotYours):
            await services.cash.start_handover(desk.other_manager, [older])
        with pytest.raises(NotAllowed):
            await services.cash.start_handover(desk.cashier)
        with pytest.raises(HandoverRefused):
            await services.cash.start_handover(desk.other_manager)  # holds nothing


async def test_a_double_tap_on_hand_over_makes_one_hand_over(desk: Desk):
    await two_cash_deals(desk)

    async def tap():
        async with desk.services() as services:
            return await services.cash.start_handover(desk.manager)

    results = await asyncio.gather(tap(), tap(), return_exceptions=True)

    made = [r for r in results if not isinstance(r, Exception)]
    assert len(made) == 1
    assert [type(r) for r in results if isinstance(r, Exception)] == [HandoverRefused]


async def test_accepting_all_confirms_every_payment_and_the_manager_holds_nothing(desk: Desk):
    older, newer = await two_cash_deals(desk)
    async with desk.services() as services:
        handover = await services.cash.start_handover(desk.manager)

    async with desk.services() as services:
        accepted = await services.cash.accept_handover(desk.cashier, handover.id)
        held = await services.cash.held_by(desk.manager)

    assert accepted.status is HandoverStatus.ACCEPTED
    assert accepted.accepted_by == "Кира Иванова"
    assert [item.status for item in accepted.items] == [ItemStatus.ACCEPTED] * 2
    assert held.total == rub("0")
    found = await confirmations(desk)
    assert [(c.payment_id, c.amount_minor, c.handover_id) for c in found] == [
        (older, 5_000_000, handover.id),
        (newer, 3_000_000, handover.id),
    ]


async def test_a_hand_over_accepted_already_cannot_be_accepted_again(desk: Desk):
    await two_cash_deals(desk)
    async with desk.services() as services:
        handover = await services.cash.start_handover(desk.manager)
        await services.cash.accept_handover(desk.cashier, handover.id)
    desk.clock.advance(timedelta(minutes=1))

    async with desk.services() as services:
        with pytest.raises(AlreadyAccepted) as again:
            await services.cash.accept_handover(desk.cashier2, handover.id)
        with pytest.raises(AlreadyAccepted):
            await services.cash.accept_less(desk.cashier2, handover.id, rub("100"))

    assert again.value.by_name == "Кира Иванова"
    assert len(await confirmations(desk)) == 2


async def test_two_cashiers_accepting_one_hand_over_at_once_confirm_it_once(desk: Desk):
    await two_cash_deals(desk)
    async with desk.services() as services:
        handover = await services.cash.start_handover(desk.manager)

    async def accept(actor):
        async with desk.services() as services:
            return await services.cash.accept_handover(actor, handover.id)

    results = await asyncio.gather(
        accept(desk.cashier), accept(desk.cashier2), return_exceptions=True
    )

    assert sorted(type(r).__name__ for r in results) == ["AlreadyAccepted", "Handover"]
    assert len(await confirmations(desk)) == 2
    async with desk.database.read() as session:
        assert len(list(await session.scalars(select(EntryRow)))) == 2


async def test_one_by_one_the_last_payment_closes_the_hand_over(desk: Desk):
    older, newer = await two_cash_deals(desk)
    async with desk.services() as services:
        handover = await services.cash.start_handover(desk.manager)

    async with desk.services() as services:
        first = await services.cash.accept_item(desk.cashier, handover.id, older)
        with pytest.raises(AlreadyConfirmed):
            await services.cash.accept_item(desk.cashier2, handover.id, older)
        assert (await services.cash.handover(desk.cashier, handover.id)).status is (
            HandoverStatus.OPEN
        )
        await services.cash.accept_item(desk.cashier, handover.id, newer)
        closed = await services.cash.handover(desk.manager, handover.id)

    assert first.amount == rub("50000")
    assert closed.status is HandoverStatus.ACCEPTED


async def test_an_item_not_in_the_hand_over_is_a_forged_button(desk: Desk):
    older, _ = await two_cash_deals(desk)
    other = (await desk.deal(LEAD + 5, responsible=OTHER_MANAGER_AMO))["Предоплата"]
    async with desk.services() as services:
        handover = await services.cash.start_handover(desk.manager, [older])

    async with desk.services() as services:
        with pytest.raises(NotYours):
            await services.cash.accept_item(desk.cashier, handover.id, other)
        with pytest.raises(NotYours):
            await services.cash.handover(desk.other_manager, handover.id)


async def test_less_received_confirms_that_much_oldest_first_and_the_owner_is_told(desk: Desk):
    await two_cash_deals(desk)
    async with desk.services() as services:
        handover = await services.cash.start_handover(desk.manager)

    async with desk.services() as services:
        short = await services.cash.accept_less(desk.cashier, handover.id, rub("70000"))
        held = await services.cash.held_by(desk.manager)

    assert short.status is HandoverStatus.SHORT
    assert short.received == rub("70000")
    assert [(i.status, i.accepted) for i in short.items] == [
        (ItemStatus.ACCEPTED, rub("50000")),
        (ItemStatus.SHORT, rub("20000")),
    ]
    assert short.items[1].payment.status is PaymentStatus.PARTLY_CONFIRMED
    assert held.total == rub("10000")  # the difference stays on the manager
    [notice] = told(await desk.outbox("notify"), HandoverShort)
    assert notice.chat_id == OWNER_ID
    assert (notice.facts.handed_minor, notice.facts.received_minor) == (8_000_000, 7_000_000)


@pytest.mark.parametrize(
    ("received", "reason"),
    [("80000.01", "more_than_handed"), ("0", "not_positive"), ("-5", "not_positive")],
)
async def test_less_received_refuses_more_than_was_handed_over_and_nothing(
    desk: Desk, received: str, reason: str
):
    await two_cash_deals(desk)
    async with desk.services() as services:
        handover = await services.cash.start_handover(desk.manager)

    async with desk.services() as services:
        with pytest.raises(HandoverRefused) as refused:
            await services.cash.accept_less(desk.cashier, handover.id, rub(received))

    assert refused.value.reason == reason
    assert await confirmations(desk) == []


async def test_all_that_was_handed_over_received_is_no_shortfall(desk: Desk):
    await two_cash_deals(desk)
    async with desk.services() as services:
        handover = await services.cash.start_handover(desk.manager)
        done = await services.cash.accept_less(desk.cashier, handover.id, rub("80000"))

    assert done.status is HandoverStatus.ACCEPTED
    assert told(await desk.outbox("notify"), HandoverShort) == []


# -- cash without a hand-over ----------------------------------------------------------------


async def test_cash_brought_without_a_hand_over_is_accepted_and_closes_an_open_one(desk: Desk):
    older, newer = await two_cash_deals(desk)
    async with desk.services() as services:
        handover = await services.cash.start_handover(desk.manager, [older])

    async with desk.services() as services:
        done = await services.cash.accept_cash(desk.cashier, older)
        closed = await services.cash.handover(desk.cashier, handover.id)
        also = await services.cash.accept_payments(desk.cashier, [older, newer])

    assert done.amount == rub("50000")
    assert closed.status is HandoverStatus.ACCEPTED
    assert [c.payment.payment_id for c in also.confirmed] == [newer]
    assert also.skipped == (older,)


async def test_the_cash_desk_takes_cash_only(desk: Desk):
    ids = await desk.deal(LEAD)

    async with desk.services() as services:
        with pytest.raises(NotAllowed):
            await services.cash.accept_cash(desk.owner, ids["Остаток"])
        with pytest.raises(NotAllowed):
            await services.cash.accept_cash(desk.manager, ids["Предоплата"])


# -- links -----------------------------------------------------------------------------------


async def hand_over_link(desk: Desk) -> tuple[int, str]:
    await two_cash_deals(desk)
    async with desk.services() as services:
        handover = await services.cash.start_handover(desk.manager)
        return handover.id, await services.cash.handover_link(desk.manager, handover.id)


async def test_a_hand_over_link_opens_it_once_for_the_cash_desk(desk: Desk):
    handover_id, token = await hand_over_link(desk)

    async with desk.services() as services:
        opened = await services.cash.open_link(desk.cashier, token)
        with pytest.raises(LinkRefused) as again:
            await services.cash.open_link(desk.cashier2, token)

    assert opened.handover is not None
    assert opened.handover.id == handover_id
    assert again.value.reason == "used"


async def test_a_link_for_another_role_is_refused_and_not_used_up(desk: Desk):
    _, token = await hand_over_link(desk)

    async with desk.services() as services:
        with pytest.raises(NotAllowed):
            await services.cash.open_link(desk.accountant, token)
        opened = await services.cash.open_link(desk.cashier, token)

    assert opened.handover is not None


@pytest.mark.parametrize(
    "tamper",
    [
        lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),
        lambda token: token.replace("ho_", "pay_", 1),
        lambda token: "inv" + token[2:],
        lambda token: "ho_zz",
    ],
    ids=["signature", "kind", "invite", "garbage"],
)
async def test_a_tampered_link_is_refused(desk: Desk, tamper):
    _, token = await hand_over_link(desk)

    async with desk.services() as services:
        with pytest.raises(LinkRefused) as refused:
            await services.cash.open_link(desk.cashier, tamper(token))

    assert refused.value.reason == "invalid"


async def test_an_expired_link_is_refused(desk: Desk):
    _, token = await hand_over_link(desk)
    desk.clock.advance(timedelta(days=3, minutes=1))

    async with desk.services() as services:
        with pytest.raises(LinkRefused) as refused:
            await services.cash.open_link(desk.cashier, token)

    assert refused.value.reason == "expired"


async def test_a_link_to_a_hand_over_accepted_meanwhile_says_who_accepted_it(desk: Desk):
    handover_id, token = await hand_over_link(desk)
    async with desk.services() as services:
        await services.cash.accept_handover(desk.cashier2, handover_id)

    async with desk.services() as services:
        with pytest.raises(AlreadyAccepted) as refused:
            await services.cash.open_link(desk.cashier, token)

    assert refused.value.by_name == "Кристина"


async def test_a_payment_link_from_its_manager_opens_the_payment_for_the_cashier(desk: Desk):
    older, _ = await two_cash_deals(desk)

    async with desk.services() as services:
        with pytest.raises(NotYours):
            await services.cash.payment_link(desk.other_manager, older)
        token = await services.cash.payment_link(desk.manager, older)
        with pytest.raises(NotAllowed):
            await services.cash.open_link(desk.accountant, token)  # cash is the desk's
        opened = await services.cash.open_link(desk.cashier, token)
        await services.cash.accept_cash(desk.cashier, older, version=opened.payment.version)

    assert opened.payment is not None
    assert opened.payment.payment_id == older
    assert len(token) <= MAX_DEEP_LINK_LENGTH


# -- the cash desk's balance -----------------------------------------------------------------


async def test_the_desk_should_hold_the_cash_accepted_less_what_was_undone(desk: Desk):
    older, newer = await two_cash_deals(desk)
    async with desk.services() as services:
        assert await services.cash.desk_balance(desk.cashier) == []
    async with desk.services() as services:
        await services.cash.accept_payments(desk.cashier, [older, newer])
    async with desk.services() as services:
        question = await services.confirmations.ask_to_undo(desk.owner, newer)
    async with desk.services() as services:
        await services.confirmations.undo(
            desk.owner, newer, confirmed_until=question.until, version=question.version
        )

    async with desk.services() as services:
        balance = await services.cash.desk_balance(desk.owner)

    assert balance == [rub("50000")]


async def test_the_desk_balance_is_the_cash_desks_and_the_owners_to_see(desk: Desk):
    async with desk.services() as services:
        with pytest.raises(NotAllowed):
            await services.cash.desk_balance(desk.manager)


# -- the evening round -----------------------------------------------------------------------


async def test_the_evening_round_tells_the_owner_who_holds_what_and_reminds_each_holder(
    desk: Desk,
):
    await desk.deal(LEAD + 2, responsible=OTHER_MANAGER_AMO, due=date(2026, 11, 10))
    older, _ = await two_cash_deals(desk)
    async with desk.services() as services:
        await services.cash.start_handover(desk.manager, [older])
        [handover] = await services.cash.open_handovers(desk.cashier)
        await services.cash.accept_handover(desk.cashier, handover.id)
        done = await services.cash.evening_round()

    assert (done.holders, done.reminded) == (2, 2)
    [summary] = told(await desk.outbox("notify"), EveningCash)
    assert summary.chat_id == OWNER_ID
    assert summary.facts.holders == (
        ("Пётр", 5_000_000, "RUB", 1, 13),
        ("Иван", 3_000_000, "RUB", 1, 3),
    )
    assert summary.facts.desk == ((5_000_000, "RUB"),)
    reminders = {n.chat_id: n.facts for n in told(await desk.outbox("notify"), CashReminder)}
    assert reminders == {
        desk.other_manager.telegram_id: CashReminder(5_000_000, "RUB", 1, 13, 0),
        desk.manager.telegram_id: CashReminder(3_000_000, "RUB", 1, 3, 0),
    }


async def test_the_evening_round_tells_each_person_once_a_day(desk: Desk):
    await two_cash_deals(desk)
    async with desk.services() as services:
        await services.cash.evening_round()
        await services.cash.evening_round()
    assert len(told(await desk.outbox("notify"), EveningCash)) == 1
    assert len(told(await desk.outbox("notify"), CashReminder)) == 1

    desk.clock.advance(timedelta(days=1))
    async with desk.services() as services:
        await services.cash.evening_round()
    reminders = told(await desk.outbox("notify"), CashReminder)
    assert [n.facts.oldest_days for n in reminders] == [5, 6]


async def test_cash_already_handed_over_is_a_reminder_to_bring_it(desk: Desk):
    await two_cash_deals(desk)
    async with desk.services() as services:
        await services.cash.start_handover(desk.manager)
        await services.cash.evening_round()
    [reminder] = told(await desk.outbox("notify"), CashReminder)
    assert (reminder.facts.payments, reminder.facts.in_handover) == (2, 2)


async def test_with_all_cash_at_the_desk_the_owner_hears_so_and_nobody_is_reminded(desk: Desk):
    async with desk.services() as services:
        done = await services.cash.evening_round()
    assert (done.holders, done.reminded) == (0, 0)
    [summary] = told(await desk.outbox("notify"), EveningCash)
    assert (summary.facts.holders, summary.facts.more, summary.facts.desk) == ((), 0, ())
    assert told(await desk.outbox("notify"), CashReminder) == []


async def test_a_manager_whose_role_was_revoked_is_not_reminded_but_still_counted(desk: Desk):
    await two_cash_deals(desk)
    async with desk.services() as services:
        until = await services.users.ask_to_revoke(desk.owner, desk.manager.user_id, Role.MANAGER)
        await services.users.revoke(
            desk.owner, desk.manager.user_id, Role.MANAGER, confirmed_until=until
        )
        done = await services.cash.evening_round()
    assert (done.holders, done.reminded) == (1, 0)
    [summary] = told(await desk.outbox("notify"), EveningCash)
    assert [holder[0] for holder in summary.facts.holders] == ["Иван"]
