"""The cash lists stay within Telegram's limits however much cash is out: /pending and /cash
come in pages under 4,096 characters, each button on the page it stands for."""

from __future__ import annotations

from datetime import date

from bot.paging import TELEGRAM_LIMIT, visible_length
from bot.texts import texts_for
from handlers.cash import _cash_page, _pending_page
from ledger.cash import HeldCash, ManagerCash
from ledger.confirmations import PaymentLine
from ledger.money import Money
from ledger.payments import PaymentKind, PaymentStatus


def held(n: int) -> HeldCash:
    line = PaymentLine(
        payment_id=n,
        version=1,
        deal_id=n,
        amo_lead_id=n,
        deal="Кухня с очень длинным названием для проверки длины строки " * 2 + str(n),
        contract=f"Д-{n}",
        manager="Иван",
        responsible_amo_user_id=1,
        slot="Предоплата",
        kind=PaymentKind.CASH,
        amount=Money.from_minor_units(5_000_000 + n, "RUB"),
        confirmed=Money.from_minor_units(0, "RUB"),
        status=PaymentStatus.EXPECTED,
        due=None,
        since=date(2026, 11, 1),
    )
    return HeldCash(line, days=22)


def manager(amo_user_id: int, count: int) -> ManagerCash:
    payments = tuple(held(amo_user_id * 1000 + n) for n in range(count))
    return ManagerCash(amo_user_id, amo_user_id, f"Менеджер {amo_user_id}", payments)


def test_pending_of_many_managers_comes_in_pages_each_under_the_limit():
    texts = texts_for("ru")
    managers = [manager(amo, 40) for amo in range(1, 6)]
    shown = [_pending_page(managers, number, texts) for number in range(20)]

    assert all(visible_length(text) < TELEGRAM_LIMIT for text, _ in shown)
    buttons = {
        button.callback_data
        for _, markup in shown
        for row in markup.inline_keyboard
        for button in row
        if button.callback_data.startswith("dk:")
    }
    # Every payment's and every manager's button is on some page: 5 managers, 200 payments.
    assert len(buttons) == 205
    assert all(
        len(button.callback_data.encode()) <= 64
        for _, markup in shown
        for row in markup.inline_keyboard
        for button in row
    )


def test_a_managers_long_cash_list_pages_with_a_hand_over_button_per_payment():
    texts = texts_for("ru")
    cash = manager(1, 60)
    shown = [_cash_page(cash, number, texts) for number in range(10)]

    assert all(visible_length(text) < TELEGRAM_LIMIT for text, _ in shown)
    one_by_one = {
        button.callback_data
        for _, markup in shown
        for row in markup.inline_keyboard
        for button in row
        if button.callback_data.startswith("ho:one:")
    }
    assert len(one_by_one) == 60
