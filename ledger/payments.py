"""Payments a deal owes: their kinds, their states, and who holds cash not yet handed in.

One place for the rule the whole product leans on (DESIGN.md, "The money flows"): a cash
payment of a closed deal is held by the deal's manager until the cashier confirms it. A payment
confirmed in part is partly confirmed: the rest is still expected (and, for cash, still held).
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import ColumnElement, and_, func

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
    PARTLY_CONFIRMED = "partly_confirmed"  # part of it received; the rest still expected
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"


# The payment's money is (still) owed in these states: all of it, or the unconfirmed rest.
OWING = (PaymentStatus.EXPECTED, PaymentStatus.PARTLY_CONFIRMED)
# Some of its money was received in these.
RECEIVING = (PaymentStatus.PARTLY_CONFIRMED, PaymentStatus.CONFIRMED)


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
            (PaymentStatus.EXPECTED, PaymentStatus.PARTLY_CONFIRMED),
            (PaymentStatus.PARTLY_CONFIRMED, PaymentStatus.CONFIRMED),
            (PaymentStatus.EXPECTED, PaymentStatus.CANCELLED),
            # A deal closed again after it was lost owes its payments again.
            (PaymentStatus.CANCELLED, PaymentStatus.EXPECTED),
            # The owner undoes the last confirmation: what it received is owed again.
            (PaymentStatus.CONFIRMED, PaymentStatus.EXPECTED),
            (PaymentStatus.CONFIRMED, PaymentStatus.PARTLY_CONFIRMED),
            (PaymentStatus.PARTLY_CONFIRMED, PaymentStatus.EXPECTED),
        }
    ),
    by="confirmed_by",
    at="updated_at",
    object_type="expected_payment",
)


def owed() -> ColumnElement[bool]:
    """Payments a closed deal still owes (all or part): the ones the reconcile re-reads from
    the CRM."""
    return and_(
        ExpectedPaymentRow.status.in_([status.value for status in OWING]),
        DealRow.state == DealState.CLOSED.value,
    )


def held_by_manager() -> ColumnElement[bool]:
    """Payments whose cash is in a manager's pocket: cash, of a closed deal, not (wholly)
    confirmed. Only the unconfirmed rest is held: see `remaining_minor`; a short hand-over
    leaves its difference here."""
    return and_(ExpectedPaymentRow.kind == PaymentKind.CASH.value, owed())


def remaining_minor() -> ColumnElement[int]:
    """What a payment still owes, in minor units: its amount less what was confirmed."""
    return ExpectedPaymentRow.amount_minor - func.coalesce(
        ExpectedPaymentRow.confirmed_amount_minor, 0
    )
