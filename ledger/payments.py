"""Payments a deal owes: their kinds, their states, and who holds cash not yet handed in.

One place for the rule the whole product leans on (DESIGN.md, "The money flows"): a cash
payment of a closed deal is held by the deal's manager until the cashier confirms it.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import ColumnElement, and_

from ledger.storage.models import DealRow, ExpectedPaymentRow
from ledger.transitions import StateMachine


class PaymentKind(StrEnum):
    CASH = "cash"
    BANK_TRANSFER = "bank_transfer"
    CARD_TRANSFER = "card_transfer"
    TERMINAL = "terminal"
    CREDIT = "credit"


class PaymentStatus(StrEnum):
    EXPECTED = "expected"
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"


class DealState(StrEnum):
    OPEN = "open"
    CLOSED = "closed"  # won or in a status the mapping names: its payments are expected
    LOST = "lost"
    DELETED = "deleted"


PAYMENTS = StateMachine(
    name="payment",
    model=ExpectedPaymentRow,
    moves=frozenset(
        {
            (PaymentStatus.EXPECTED, PaymentStatus.CONFIRMED),
            (PaymentStatus.EXPECTED, PaymentStatus.CANCELLED),
            # A deal closed again after it was lost owes its payments again.
            (PaymentStatus.CANCELLED, PaymentStatus.EXPECTED),
        }
    ),
    by="confirmed_by",
    at="updated_at",
    object_type="expected_payment",
)


def owed() -> ColumnElement[bool]:
    """Payments a closed deal still owes: the ones the reconcile re-reads from the CRM."""
    return and_(
        ExpectedPaymentRow.status == PaymentStatus.EXPECTED.value,
        DealRow.state == DealState.CLOSED.value,
    )


def held_by_manager() -> ColumnElement[bool]:
    """Payments whose cash is in a manager's pocket: cash, of a closed deal, not confirmed.

    Short hand-overs (part of a payment still on the manager) extend this when cash
    confirmation lands.
    """
    return and_(ExpectedPaymentRow.kind == PaymentKind.CASH.value, owed())
