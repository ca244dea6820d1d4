"""One minus sign everywhere: the true one (U+2212) on cards, /history and the chart's axis,
and an empty chart's axis never says "−0"."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from bot.charts import _grouped
from bot.texts import texts_for
from ledger.money import Money
from ledger.profit import MonthFigures

MINUS = "\u2212"


def test_a_loss_on_the_profit_card_has_the_true_minus_and_no_hyphen() -> None:
    loss = MonthFigures(date(2026, 11, 1), Decimal("1000"), Decimal("2500"), Decimal("0"))

    card = texts_for("ru").profit_card([loss], {}, empty=False)

    assert f"{MINUS}1\u00a0500,00\u00a0₽" in card
    assert "-1" not in card


def test_money_anywhere_is_written_with_the_true_minus() -> None:
    from bot.texts import money

    assert money(Money(Decimal("-1500"))) == f"{MINUS}1\u00a0500,00\u00a0₽"
    assert money(Money(Decimal("1500"))) == "1\u00a0500,00\u00a0₽"


def test_the_chart_axis_groups_thousands_and_never_shows_minus_zero() -> None:
    assert _grouped(-0.4) == "0"
    assert _grouped(0.0) == "0"
    assert _grouped(-1500.0) == f"{MINUS}1\u202f500"
    assert _grouped(1_234_567.0) == "1\u202f234\u202f567"
