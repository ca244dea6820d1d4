"""A fetched lead read through the `[amocrm]` mapping: its expected payments and dimensions.

Money is `Decimal` rubles, never float. A value we cannot use becomes a `problems` entry for a
person to fix in the CRM, never an exception and never a silently changed amount.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from decimal import Decimal

from amocrm_client.models import Lead
from config.amocrm_mapping import AmoMapping, PaymentSlot
from ledger.payments import PaymentKind


@dataclass(frozen=True)
class ExpectedPayment:
    """One slot's payment on a lead.

    `amount` is None only when the slot's value cannot be read as money; `kind` is None when the
    type field is empty or unmapped. Either way `problems` says why, and a payment with problems
    is one to ask about, not to record.
    """

    slot: str
    amount: Decimal | None
    kind: PaymentKind | None
    due: date | None
    problems: tuple[str, ...] = ()


@dataclass(frozen=True)
class Dimensions:
    """The profit dimensions and contract a deal carries; None where the field is not mapped
    or empty.
    """

    contract: str | None
    contract_date: date | None
    product: str | None
    salon: str | None
    city: str | None


def expected_payments(mapping: AmoMapping, lead: Lead, tz: tzinfo) -> list[ExpectedPayment]:
    """The lead's payments, slot by slot; a slot with no amount (or zero) is skipped.

    `tz` is the business's time zone: a date field's unix time becomes a date there.
    """
    fixed = {
        slot.name: _money(lead, slot.amount_field, slot.name)
        for slot in mapping.payments
        if not slot.is_computed
    }
    payments: list[ExpectedPayment] = []
    for slot in mapping.payments:
        if slot.is_computed:
            amount, problems = _remainder(lead.price, fixed, slot.name)
        else:
            amount, problems = fixed[slot.name]
        if amount is not None and amount == 0 and not problems:
            continue
        kind, kind_problems = _kind(mapping, lead, slot)
        due, due_problems = _date(lead, slot.date_field, tz, f"«{slot.name}»: date")
        payments.append(
            ExpectedPayment(
                slot=slot.name,
                amount=amount,
                kind=kind,
                due=due,
                problems=(*problems, *kind_problems, *due_problems),
            )
        )
    return payments


def dimensions(mapping: AmoMapping, lead: Lead, tz: tzinfo) -> Dimensions:
    """The contract and profit dimensions from the mapped fields (selects by shown value).

    An unreadable contract date is left None: dimensions label a deal, they do not block it.
    """
    contract_date, _ = _date(lead, mapping.contract_date_field, tz, "contract date")
    return Dimensions(
        contract=_text(lead, mapping.contract_field),
        contract_date=contract_date,
        product=_text(lead, mapping.product_field),
        salon=_text(lead, mapping.salon_field),
        city=_text(lead, mapping.city_field),
    )


def _kind(
    mapping: AmoMapping, lead: Lead, slot: PaymentSlot
) -> tuple[PaymentKind | None, tuple[str, ...]]:
    shown = _text(lead, slot.type_field)
    if shown is None:
        return None, (f"«{slot.name}»: payment type (field {slot.type_field}) is empty",)
    kind = mapping.payment_types.get(shown)
    if kind is None:
        return None, (f"«{slot.name}»: payment type «{shown}» is not in payment_types",)
    return kind, ()


_Amount = tuple[Decimal | None, tuple[str, ...]]
_MONEY_TEXT = re.compile(r"-?[0-9]{1,15}(?:\.[0-9]{1,12})?")
# Far above any deal (DESIGN.md calls 1 000 000 000 ₽ absurd); keeps Decimal arithmetic bounded.
_ABSURD = Decimal(10) ** 12


def _remainder(price: int, fixed: dict[str, _Amount], name: str) -> _Amount:
    unreadable = [slot for slot, (amount, _) in fixed.items() if amount is None]
    if unreadable:
        return None, (f"«{name}»: cannot compute, «{unreadable[0]}» is unreadable",)
    others = sum((amount for amount, _ in fixed.values() if amount is not None), Decimal(0))
    remainder = Decimal(price) - others
    if remainder < 0:
        # Kept as computed so the person fixing it sees by how much the slots exceed the price.
        return remainder, (
            f"«{name}»: the other slots ({others}) exceed the deal's price ({price})",
        )
    return remainder, ()


def _money(lead: Lead, field_id: int | None, name: str) -> _Amount:
    raw = _first_value(lead, field_id)
    if raw is None:
        return Decimal(0), ()
    if isinstance(raw, bool):
        return None, (f"«{name}»: amount field {field_id} is not a number",)
    if isinstance(raw, str):
        # amoCRM numeric fields may come back as "15000" or "15000.50"; a comma is a typed-in
        # decimal separator, spaces are thousands separators.
        raw = raw.replace("\u00a0", "").replace(" ", "").replace(",", ".")
        if not raw:
            return Decimal(0), ()
        # Plain digits only: Decimal would also take "1e999999", "NaN" and "Infinity".
        if not _MONEY_TEXT.fullmatch(raw):
            return None, (f"«{name}»: amount field {field_id} is not a number",)
    amount = Decimal(raw)
    if not amount.is_finite() or amount < 0:
        return None, (f"«{name}»: amount field {field_id} is not a positive number",)
    if amount >= _ABSURD:
        return None, (f"«{name}»: amount field {field_id} is too large",)
    if amount != amount.quantize(Decimal("0.01")):
        return None, (f"«{name}»: amount field {field_id} has fractions of a kopeck",)
    return amount, ()


def _date(
    lead: Lead, field_id: int | None, tz: tzinfo, what: str
) -> tuple[date | None, tuple[str, ...]]:
    raw = _first_value(lead, field_id)
    if raw is None or raw == "":
        return None, ()
    if isinstance(raw, str) and raw.strip().isascii() and raw.strip().isdigit():
        raw = int(raw.strip())
    if isinstance(raw, bool) or not isinstance(raw, int):
        return None, (f"{what} (field {field_id}) is not a date",)
    try:
        return datetime.fromtimestamp(raw, tz).date(), ()
    except (OverflowError, OSError, ValueError):
        return None, (f"{what} (field {field_id}) is out of range",)


def _text(lead: Lead, field_id: int | None) -> str | None:
    """A field's shown value: text as is, a select's label; a multiselect's labels joined."""
    field = lead.field(field_id) if field_id is not None else None
    if field is None:
        return None
    shown = [str(v.value).strip() for v in field.values if v.value is not None]
    joined = ", ".join(text for text in shown if text)
    return joined or None


def _first_value(lead: Lead, field_id: int | None) -> bool | int | Decimal | str | None:
    field = lead.field(field_id) if field_id is not None else None
    if field is None or not field.values:
        return None
    return field.values[0].value
