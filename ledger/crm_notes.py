"""The notes we write into a deal's history in amoCRM, from the facts of a confirmation.

They are the business's record in its CRM, read by whoever opens the deal, so they are in the
business's language (Russian), not in the language of whoever tapped the button; the bot's
own phrases live in `bot/texts.py`. Each note ends with its key (`note_marker`), by which a
retry finds a note that was already written.
"""

from __future__ import annotations

from datetime import date

from ledger.crm_effects import note_marker
from ledger.dates import format_date
from ledger.money import Money, format_money

PAID_HOW = {
    "cash": "наличными",
    "bank_transfer": "на расчётный счёт",
    "card_transfer": "переводом на карту",
    "terminal": "через терминал",
    "credit": "по кредитному договору",
}
WHO = {
    "cashier": "кассир",
    "accountant": "бухгалтер",
    "statement": "бухгалтер по выписке",
    "owner": "владелец",
}


def confirmed_note(
    *,
    amount: Money,
    of: Money | None,
    kind: str,
    who: str,
    name: str,
    on: date,
    key: str,
) -> str:
    """«Платёж 15 000,00 ₽ наличными подтверждён: кассир Иванова, 22.11.2026»; a part of a
    payment says of how much (`of`)."""
    paid_how = PAID_HOW.get(kind, kind)
    if of is None:
        what = f"Платёж {format_money(amount)} {paid_how} подтверждён"
    else:
        what = (
            f"Платёж {format_money(amount)} из {format_money(of)} {paid_how} подтверждён частично"
        )
    return f"{what}: {WHO.get(who, who)} {name}, {format_date(on)}\n{note_marker(key)}"


def undone_note(*, amount: Money, kind: str, name: str, on: date, key: str) -> str:
    paid_how = PAID_HOW.get(kind, kind)
    return (
        f"Подтверждение платежа {format_money(amount)} {paid_how} отменено: "
        f"владелец {name}, {format_date(on)}. Платёж снова ожидается.\n{note_marker(key)}"
    )


def crm_number(money: Money) -> int | str:
    """A money amount as a numeric amoCRM field takes it: whole rubles as an integer, else the
    decimal written out ("15000.50"), never a float."""
    if money.amount == money.amount.to_integral_value():
        return int(money.amount)
    return str(money.amount)


def request_paid_note(
    *,
    request_id: int,
    what_for: str,
    counterparty: str,
    amount: Money,
    of: Money | None,
    rubles: Money | None,
    name: str,
    on: date,
    key: str,
) -> str:
    """«Оплачена заявка №12 «Фасады»: 12 000,00 ₽, ООО Ромашка. Бухгалтер Анна, 23.11.2026»; a
    part says of how much (`of`), a payment in another currency what it cost in rubles."""
    paid = format_money(amount)
    if rubles is not None:
        paid = f"{paid} ({format_money(rubles)})"
    if of is None:
        what = f"Оплачена заявка №{request_id} «{what_for}»: {paid}"
    else:
        what = f"Оплачено {paid} из {format_money(of)} по заявке №{request_id} «{what_for}»"
    return f"{what}, {counterparty}. Бухгалтер {name}, {format_date(on)}\n{note_marker(key)}"
