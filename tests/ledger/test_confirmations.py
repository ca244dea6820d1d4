"""Confirming payments on the real database: the one service behind the cashier, the
accountant and the statement import — its rules, its refusals and its races."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from ledger.confirmations import Source
from ledger.crm_effects import AddDealNote, MoveDeal, SetDealFields, from_payload
from ledger.errors import (
    AlreadyConfirmed,
    AlreadyReversed,
    ConfirmationExpired,
    NotAllowed,
    PaymentChanged,
    PaymentRefused,
    TextTooLong,
)
from ledger.journal import MoneyAccount
from ledger.money import Money
from ledger.notices import Notification
from ledger.payments import DealState, PaymentStatus
from ledger.storage.models import (
    AuditRow,
    CategoryRow,
    DiscrepancyRow,
    EntryRow,
    ExpectedPaymentRow,
    PaymentConfirmationRow,
)
from tests.conftest import NOW, OWNER_ID
from tests.desk import (
    CONFIRMED_STATUS,
    PAID_FIELD,
    PAID_STATUS,
    Desk,
    rub,
)

LEAD = 19620
TODAY = date(2026, 11, 23)


def crm_effects(rows):
    return [from_payload(row.payload) for row in rows]


def notices(rows):
    return [Notification.from_payload(row.payload) for row in rows]


async def entries(desk: Desk) -> list[EntryRow]:
    async with desk.database.read() as session:
        return list(await session.scalars(select(EntryRow).order_by(EntryRow.id)))


async def payment_row(desk: Desk, payment_id: int) -> ExpectedPaymentRow:
    async with desk.database.read() as session:
        row = await session.get(ExpectedPaymentRow, payment_id)
        assert row is not None
        return row


# -- a confirmation and what it writes -------------------------------------------------------


async def test_a_cashier_confirms_cash_and_the_ledger_the_crm_and_the_manager_hear_of_it(
    desk: Desk,
) -> None:
    ids = await desk.deal(LEAD)

    async with desk.services() as services:
        done = await services.confirmations.confirm(desk.cashier, ids["Предоплата"])

    assert done.amount == rub("50000")
    assert done.payment.status is PaymentStatus.CONFIRMED
    assert done.payment.remaining.is_zero
    assert done.account is MoneyAccount.CASH_DESK
    [entry] = await entries(desk)
    assert (entry.kind, entry.amount_minor, entry.account) == ("income", 5_000_000, "cash_desk")
    assert (entry.salon, entry.city, entry.entry_date) == ("Центральный", "Казань", TODAY)
    async with desk.database.read() as session:
        category = await session.get(CategoryRow, entry.category_id)
        deal_id = (await session.get(ExpectedPaymentRow, ids["Предоплата"])).deal_id
        actions = list(await session.scalars(select(AuditRow.action).order_by(AuditRow.id)))
    assert category.name == "Продажи"
    assert entry.deal_id == deal_id
    assert actions[-2:] == ["payment.confirmed", "entry.posted"]
    note, paid, move = crm_effects(await desk.outbox("crm"))
    assert isinstance(note, AddDealNote)
    assert note.text.startswith(
        "Платёж 50\u00a0000,00\u00a0₽ наличными подтверждён: кассир Кира Иванова, 23.11.2026"
    )
    assert note.key is not None
    assert f"[kopeyka:{note.key}]" in note.text
    assert paid == SetDealFields(LEAD, ((PAID_FIELD, 50000),))
    # The rest is still owed: "payment confirmed", not yet "paid".
    assert move == MoveDeal(LEAD, CONFIRMED_STATUS)
    [told] = notices(await desk.outbox("notify"))
    assert told.chat_id == desk.manager.telegram_id
    assert (told.facts.amount_minor, told.facts.remaining_minor) == (5_000_000, 0)
    assert told.facts.by_name == "Кира Иванова"


async def test_the_second_confirmation_is_told_who_confirmed_and_when(desk: Desk) -> None:
    ids = await desk.deal(LEAD)
    async with desk.services() as services:
        await services.confirmations.confirm(desk.cashier, ids["Предоплата"])
    desk.clock.advance(timedelta(minutes=3))

    async with desk.services() as services:
        with pytest.raises(AlreadyConfirmed) as refused:
            await services.confirmations.confirm(desk.cashier2, ids["Предоплата"])

    assert (refused.value.by_name, refused.value.at) == ("Кира Иванова", NOW)
    assert len(await entries(desk)) == 1
    assert len(await desk.outbox("crm")) == 3


async def test_two_cashiers_at_once_make_exactly_one_confirmation(desk: Desk) -> None:
    ids = await desk.deal(LEAD)

    async def tap(actor):
        async with desk.services() as services:
            return await services.confirmations.confirm(actor, ids["Предоплата"])

    results = await asyncio.gather(
        tap(desk.cashier), tap(desk.cashier2), tap(desk.owner), return_exceptions=True
    )

    won = [r for r in results if not isinstance(r, Exception)]
    lost = [r for r in results if isinstance(r, Exception)]
    assert len(won) == 1
    assert all(isinstance(r, AlreadyConfirmed) for r in lost), lost
    assert {r.by_name for r in lost} == {won[0].by_name}
    assert len(await entries(desk)) == 1
    assert await desk.count(PaymentConfirmationRow) == 1
    notes = [e for e in crm_effects(await desk.outbox("crm")) if isinstance(e, AddDealNote)]
    assert len(notes) == 1


async def test_a_double_tap_on_the_same_button_confirms_once(desk: Desk) -> None:
    ids = await desk.deal(LEAD)
    async with desk.services() as services:
        version = (await services.confirmations.line(ids["Предоплата"])).version

    async def tap():
        async with desk.services() as services:
            return await services.confirmations.confirm(
                desk.cashier, ids["Предоплата"], version=version
            )

    first, second = await asyncio.gather(tap(), tap(), return_exceptions=True)

    outcomes = sorted(type(r).__name__ for r in (first, second))
    assert outcomes == ["AlreadyConfirmed", "Confirmation"]
    assert len(await entries(desk)) == 1


# -- parts -----------------------------------------------------------------------------------


async def test_a_part_confirms_that_much_and_leaves_the_rest_expected(desk: Desk) -> None:
    ids = await desk.deal(LEAD)
    rest = ids["Остаток"]

    async with desk.services() as services:
        part = await services.confirmations.confirm(
            desk.accountant,
            rest,
            amount=rub("40000"),
            on=date(2026, 11, 21),
            source=Source.ACCOUNTANT,
        )
        awaiting = await services.confirmations.awaiting(desk.accountant)

    assert part.payment.status is PaymentStatus.PARTLY_CONFIRMED
    assert (part.payment.confirmed, part.payment.remaining) == (rub("40000"), rub("60000"))
    assert [(line.payment_id, line.remaining) for line in awaiting] == [(rest, rub("60000"))]
    [entry] = await entries(desk)
    assert (entry.amount_minor, entry.account, entry.entry_date) == (
        4_000_000,
        "bank_account",
        date(2026, 11, 21),
    )
    note = crm_effects(await desk.outbox("crm"))[0]
    assert note.text.startswith(
        "Платёж 40\u00a0000,00\u00a0₽ из 100\u00a0000,00\u00a0₽ на расчётный счёт "
        "подтверждён частично: бухгалтер Анна Петрова, 21.11.2026"
    )


async def test_the_deal_moves_to_the_paid_status_when_its_last_money_is_confirmed(
    desk: Desk,
) -> None:
    ids = await desk.deal(LEAD)
    async with desk.services() as services:
        await services.confirmations.confirm(desk.cashier, ids["Предоплата"])
        first = await services.confirmations.confirm(
            desk.accountant, ids["Остаток"], amount=rub("40000"), source=Source.ACCOUNTANT
        )
        await services.confirmations.confirm(
            desk.accountant,
            ids["Остаток"],
            amount=rub("60000"),
            source=Source.ACCOUNTANT,
            version=first.payment.version,
        )

    effects = crm_effects(await desk.outbox("crm"))
    paid = [e.values for e in effects if isinstance(e, SetDealFields)]
    moves = [e.status_id for e in effects if isinstance(e, MoveDeal)]
    assert paid == [((PAID_FIELD, 50000),), ((PAID_FIELD, 90000),), ((PAID_FIELD, 150000),)]
    assert moves == [CONFIRMED_STATUS, CONFIRMED_STATUS, PAID_STATUS]
    assert (await payment_row(desk, ids["Остаток"])).status == "confirmed"


async def test_a_payment_partly_confirmed_elsewhere_refuses_a_stale_view_naming_who(
    desk: Desk,
) -> None:
    ids = await desk.deal(LEAD)
    async with desk.services() as services:
        seen = (await services.confirmations.line(ids["Остаток"])).version
        await services.confirmations.confirm(
            desk.accountant, ids["Остаток"], amount=rub("10000"), source=Source.ACCOUNTANT
        )

    async with desk.services() as services:
        with pytest.raises(AlreadyConfirmed) as refused:
            await services.confirmations.confirm(
                desk.owner, ids["Остаток"], amount=rub("10000"), version=seen
            )

    assert refused.value.by_name == "Анна Петрова"
    assert len(await entries(desk)) == 1


async def test_a_payment_the_crm_changed_since_it_was_shown_is_refused(desk: Desk) -> None:
    ids = await desk.deal(LEAD)
    async with desk.services() as services:
        seen = (await services.confirmations.line(ids["Предоплата"])).version
    await desk.deal(LEAD, prepay="60000")  # the manager corrected the prepayment in amoCRM

    async with desk.services() as services:
        with pytest.raises(PaymentChanged):
            await services.confirmations.confirm(desk.cashier, ids["Предоплата"], version=seen)

    assert await entries(desk) == []


# -- refusals --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "on", "reason"),
    [
        (rub("50000.01"), None, "more_than_owed"),
        (rub("0"), None, "not_positive"),
        (rub("-100"), None, "not_positive"),
        (Money(rub("100").amount, "USD"), None, "currency"),
        (None, TODAY + timedelta(days=1), "future_date"),
    ],
    ids=["more", "zero", "negative", "dollars", "tomorrow"],
)
async def test_a_confirmation_that_cannot_be_is_refused_and_changes_nothing(
    desk: Desk, amount, on, reason
) -> None:
    ids = await desk.deal(LEAD)

    async with desk.services() as services:
        with pytest.raises(PaymentRefused) as refused:
            await services.confirmations.confirm(
                desk.cashier, ids["Предоплата"], amount=amount, on=on
            )

    assert refused.value.reason == reason
    assert (await payment_row(desk, ids["Предоплата"])).status == "expected"
    assert await entries(desk) == []
    assert await desk.outbox() == []


async def test_more_than_owed_says_how_much_is_owed(desk: Desk) -> None:
    ids = await desk.deal(LEAD)
    async with desk.services() as services:
        await services.confirmations.confirm(
            desk.accountant, ids["Остаток"], amount=rub("30000"), source=Source.ACCOUNTANT
        )
        with pytest.raises(PaymentRefused) as refused:
            await services.confirmations.confirm(
                desk.accountant, ids["Остаток"], amount=rub("70000.01")
            )

    assert refused.value.remaining == rub("70000")


@pytest.mark.parametrize(
    ("who", "slot"),
    [
        ("manager", "Предоплата"),
        ("manager", "Остаток"),
        ("accountant", "Предоплата"),
        ("cashier", "Остаток"),
    ],
)
async def test_only_the_cash_desk_confirms_cash_and_only_the_accountant_other_money(
    desk: Desk, who: str, slot: str
) -> None:
    ids = await desk.deal(LEAD)

    async with desk.services() as services:
        with pytest.raises(NotAllowed):
            await services.confirmations.confirm(getattr(desk, who), ids[slot])

    assert await entries(desk) == []


async def test_the_owner_confirms_either(desk: Desk) -> None:
    ids = await desk.deal(LEAD)

    async with desk.services() as services:
        cash = await services.confirmations.confirm(desk.owner, ids["Предоплата"])
        bank = await services.confirmations.confirm(desk.owner, ids["Остаток"])

    assert (cash.account, bank.account) == (MoneyAccount.CASH_DESK, MoneyAccount.BANK_ACCOUNT)
    note = crm_effects(await desk.outbox("crm"))[0]
    assert "наличными подтверждён: владелец Ольга" in note.text


@pytest.mark.parametrize(
    ("kind", "account"),
    [
        ("card_transfer", MoneyAccount.CARD),
        ("terminal", MoneyAccount.TERMINAL),
        ("credit", MoneyAccount.BANK_ACCOUNT),
    ],
)
async def test_each_kind_of_payment_lands_in_its_account(desk: Desk, kind, account) -> None:
    ids = await desk.deal(LEAD, rest_kind=kind)

    async with desk.services() as services:
        done = await services.confirmations.confirm(desk.accountant, ids["Остаток"])

    assert done.account is account
    [entry] = await entries(desk)
    assert entry.account == account.value


async def test_the_confirmer_may_name_another_account(desk: Desk) -> None:
    ids = await desk.deal(LEAD)

    async with desk.services() as services:
        done = await services.confirmations.confirm(
            desk.accountant, ids["Остаток"], account=MoneyAccount.CARD
        )

    assert done.account is MoneyAccount.CARD


async def test_a_payment_of_a_lost_deal_is_no_longer_owed(desk: Desk) -> None:
    ids = await desk.deal(LEAD)
    await desk.deal(LEAD, state=DealState.LOST)

    async with desk.services() as services:
        with pytest.raises(PaymentRefused) as refused:
            await services.confirmations.confirm(desk.cashier, ids["Предоплата"])

    assert refused.value.reason == "not_owed"


async def test_without_amocrm_nothing_is_asked_of_it(desk: Desk) -> None:
    ids = await desk.deal(LEAD)
    context = dataclasses.replace(
        desk.context, settings=desk.context.settings.model_copy(update={"amocrm_base_url": None})
    )

    async with desk.database.unit_of_work() as uow:
        await context.services(uow).confirmations.confirm(desk.cashier, ids["Предоплата"])

    assert await desk.outbox("crm") == []
    assert len(await desk.outbox("notify")) == 1


# -- cash held, parts and all ----------------------------------------------------------------


async def test_a_manager_holds_only_the_unconfirmed_rest_of_a_cash_payment(desk: Desk) -> None:
    ids = await desk.deal(LEAD)
    async with desk.services() as services:
        await services.confirmations.confirm(desk.cashier, ids["Предоплата"], amount=rub("20000"))
        held = await services.cash.held_by(desk.manager)

    assert held.total == rub("30000")
    assert [h.payment.payment_id for h in held.payments] == [ids["Предоплата"]]


# -- "не поступило" --------------------------------------------------------------------------


async def test_money_not_found_is_flagged_stays_expected_and_the_owner_is_told(
    desk: Desk,
) -> None:
    ids = await desk.deal(LEAD)

    async with desk.services() as services:
        line = await services.confirmations.not_received(
            desk.accountant, ids["Остаток"], "  нет в выписке   за 22.11 "
        )

    assert line.status is PaymentStatus.EXPECTED
    assert line.not_received == "нет в выписке за 22.11"
    [told] = notices(await desk.outbox("notify"))
    assert told.chat_id == OWNER_ID
    assert (told.facts.comment, told.facts.by_name) == ("нет в выписке за 22.11", "Анна Петрова")
    async with desk.services() as services:
        confirmed = await services.confirmations.confirm(desk.accountant, ids["Остаток"])
    assert confirmed.payment.not_received is None


async def test_the_same_not_received_again_changes_nothing(desk: Desk) -> None:
    ids = await desk.deal(LEAD)
    async with desk.services() as services:
        first = await services.confirmations.not_received(desk.accountant, ids["Остаток"], "нет")
    desk.clock.advance(timedelta(minutes=1))
    async with desk.services() as services:
        again = await services.confirmations.not_received(desk.accountant, ids["Остаток"], " нет ")

    assert again == first
    assert len(notices(await desk.outbox("notify"))) == 1
    async with desk.services() as services:
        other = await services.confirmations.not_received(desk.owner, ids["Остаток"], "всё ещё нет")
    assert other.not_received == "всё ещё нет"
    assert len(notices(await desk.outbox("notify"))) == 2


@pytest.mark.parametrize(("comment", "error"), [("   ", PaymentRefused), ("x" * 1001, TextTooLong)])
async def test_not_received_needs_a_comment_of_sensible_length(desk: Desk, comment, error):
    ids = await desk.deal(LEAD)

    async with desk.services() as services:
        with pytest.raises(error):
            await services.confirmations.not_received(desk.accountant, ids["Остаток"], comment)

    assert await desk.outbox() == []


async def test_a_manager_cannot_mark_money_not_received(desk: Desk) -> None:
    ids = await desk.deal(LEAD)

    async with desk.services() as services:
        with pytest.raises(NotAllowed):
            await services.confirmations.not_received(desk.manager, ids["Предоплата"], "нет")


# -- undo ------------------------------------------------------------------------------------


async def test_the_owner_undoes_a_confirmation_with_two_taps(desk: Desk) -> None:
    ids = await desk.deal(LEAD)
    async with desk.services() as services:
        await services.confirmations.confirm(desk.cashier, ids["Предоплата"])
    async with desk.services() as services:
        question = await services.confirmations.ask_to_undo(desk.owner, ids["Предоплата"])
    assert (question.amount, question.by_name) == (rub("50000"), "Кира Иванова")

    async with desk.services() as services:
        undone = await services.confirmations.undo(
            desk.owner, ids["Предоплата"], confirmed_until=question.until, version=question.version
        )

    assert undone.payment.status is PaymentStatus.EXPECTED
    assert undone.payment.remaining == rub("50000")
    income, reversal = await entries(desk)
    assert reversal.reverses_entry_id == income.id
    assert reversal.amount_minor == -income.amount_minor
    effects = crm_effects(await desk.outbox("crm"))
    note, paid = effects[3:]
    assert note.text.startswith(
        "Подтверждение платежа 50\u00a0000,00\u00a0₽ наличными отменено: владелец Ольга"
    )
    assert paid == SetDealFields(LEAD, ((PAID_FIELD, 0),))  # absolute: nothing confirmed now
    told = notices(await desk.outbox("notify"))[-1]
    assert (told.chat_id, told.facts.kind.value) == (
        desk.manager.telegram_id,
        "confirmation_undone",
    )
    async with desk.services() as services:
        held = await services.cash.held_by(desk.manager)
    assert held.total == rub("50000")  # back in the manager's pocket


async def test_a_second_yes_to_undo_is_told_who_undid_it(desk: Desk) -> None:
    ids = await desk.deal(LEAD)
    async with desk.services() as services:
        await services.confirmations.confirm(desk.cashier, ids["Предоплата"])
        question = await services.confirmations.ask_to_undo(desk.owner, ids["Предоплата"])

    async def yes():
        async with desk.services() as services:
            return await services.confirmations.undo(
                desk.owner,
                ids["Предоплата"],
                confirmed_until=question.until,
                version=question.version,
            )

    results = await asyncio.gather(yes(), yes(), return_exceptions=True)

    lost = [r for r in results if isinstance(r, Exception)]
    assert len(lost) == 1
    assert isinstance(lost[0], AlreadyReversed)
    assert lost[0].by_name == "Ольга"
    assert len(await entries(desk)) == 2


async def test_undo_takes_back_only_the_last_part(desk: Desk) -> None:
    ids = await desk.deal(LEAD)
    async with desk.services() as services:
        await services.confirmations.confirm(desk.accountant, ids["Остаток"], amount=rub("30000"))
        await services.confirmations.confirm(desk.accountant, ids["Остаток"], amount=rub("20000"))
        question = await services.confirmations.ask_to_undo(desk.owner, ids["Остаток"])
        undone = await services.confirmations.undo(
            desk.owner, ids["Остаток"], confirmed_until=question.until, version=question.version
        )

    assert undone.amount == rub("20000")
    assert undone.payment.status is PaymentStatus.PARTLY_CONFIRMED
    assert undone.payment.confirmed == rub("30000")


async def test_undo_refuses_a_late_yes_a_non_owner_and_nothing_to_undo(desk: Desk) -> None:
    ids = await desk.deal(LEAD)
    async with desk.services() as services:
        with pytest.raises(PaymentRefused):
            await services.confirmations.ask_to_undo(desk.owner, ids["Предоплата"])
        await services.confirmations.confirm(desk.cashier, ids["Предоплата"])
        with pytest.raises(NotAllowed):
            await services.confirmations.ask_to_undo(desk.cashier, ids["Предоплата"])
        question = await services.confirmations.ask_to_undo(desk.owner, ids["Предоплата"])
    desk.clock.advance(timedelta(minutes=5))

    async with desk.services() as services:
        with pytest.raises(ConfirmationExpired):
            await services.confirmations.undo(
                desk.owner,
                ids["Предоплата"],
                confirmed_until=question.until,
                version=question.version,
            )

    assert len(await entries(desk)) == 1


# -- the books and the CRM's later word ------------------------------------------------------


async def test_confirmed_income_equals_the_sum_of_confirmed_payments(desk: Desk) -> None:
    first = await desk.deal(LEAD)
    second = await desk.deal(LEAD + 1, prepay="20000", price="20000")
    async with desk.services() as services:
        await services.confirmations.confirm(desk.cashier, first["Предоплата"])
        await services.confirmations.confirm(desk.accountant, first["Остаток"], amount=rub("1.5"))
        await services.confirmations.confirm(desk.cashier, second["Предоплата"])
        question = await services.confirmations.ask_to_undo(desk.owner, second["Предоплата"])
        await services.confirmations.undo(
            desk.owner,
            second["Предоплата"],
            confirmed_until=question.until,
            version=question.version,
        )

    async with desk.database.read() as session:
        income = await session.scalar(select(func.sum(EntryRow.amount_minor)))
        confirmed = await session.scalar(
            select(func.sum(ExpectedPaymentRow.confirmed_amount_minor))
        )
    assert income == confirmed == 5_000_150


async def test_a_partly_confirmed_payment_follows_the_crm_while_it_asks_for_more(
    desk: Desk,
) -> None:
    ids = await desk.deal(LEAD)
    async with desk.services() as services:
        await services.confirmations.confirm(desk.accountant, ids["Остаток"], amount=rub("40000"))

    await desk.deal(LEAD, price="170000")  # the rest grew to 120 000
    row = await payment_row(desk, ids["Остаток"])
    assert (row.status, row.amount_minor) == ("partly_confirmed", 12_000_000)

    await desk.deal(LEAD, price="90000")  # the rest is 40 000 now: exactly what came
    row = await payment_row(desk, ids["Остаток"])
    assert (row.status, row.amount_minor) == ("confirmed", 4_000_000)
    assert await desk.count(DiscrepancyRow) == 0


async def test_a_crm_asking_less_than_was_received_raises_a_discrepancy(desk: Desk) -> None:
    ids = await desk.deal(LEAD)
    async with desk.services() as services:
        await services.confirmations.confirm(desk.accountant, ids["Остаток"], amount=rub("40000"))

    await desk.deal(LEAD, price="80000")  # the rest would be 30 000

    row = await payment_row(desk, ids["Остаток"])
    assert (row.status, row.confirmed_amount_minor) == ("partly_confirmed", 4_000_000)
    assert await desk.count(DiscrepancyRow) == 1
